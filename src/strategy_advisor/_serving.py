"""Serving facts and their formulas: cache lifetimes, batch windows, GPU prices, capacity.

The numbers live in ``data/serving.json`` (each with its source); this module holds the
formulas that read them: the cache hit rate at a request rate, the capacity of one replica at
a task's prompt and output lengths, and the GPU time of a training run.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._errors import DataFileError
from ._types import STRICT_DATA, FloatArray, FrozenMap, quiet_floats

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "CacheLifetime",
    "ReplicaTime",
    "ServingData",
    "batch_stacks_with_cache",
    "batch_window_hours",
    "cache_hit_rate",
    "cache_hit_rates",
    "cache_lifetime",
    "forward_flops",
    "gpu_price",
    "gpus_per_replica",
    "replica_seconds",
    "replica_seconds_per_request",
    "replica_time_source",
    "serving_data",
    "speed_ratios",
    "training_flops",
    "training_gpu_seconds",
]


class _CachePolicy(BaseModel):
    model_config = STRICT_DATA
    idle_minutes: float | None = Field(..., gt=0)
    idle_minutes_high: float | None = Field(..., gt=0)
    max_minutes: float | None = Field(..., gt=0)
    source: str


class _BatchPolicy(BaseModel):
    model_config = STRICT_DATA
    window_hours: float = Field(..., gt=0)
    stacks_with_cache: bool
    source: str


class _Provider(BaseModel):
    model_config = STRICT_DATA
    cache: _CachePolicy | None
    batch: _BatchPolicy | None


class _DefaultCache(BaseModel):
    model_config = STRICT_DATA
    idle_minutes: float = Field(..., gt=0)
    idle_minutes_low: float = Field(..., ge=0)
    idle_minutes_high: float = Field(..., gt=0)
    source: str


class _Gpu(BaseModel):
    model_config = STRICT_DATA
    usd_per_hour: float = Field(..., gt=0)
    low: float = Field(..., gt=0)
    high: float = Field(..., gt=0)
    source: str


class _ReplicaGpus(BaseModel):
    model_config = STRICT_DATA
    rule: tuple[tuple[float, int], ...] = Field(..., min_length=1)
    gpu: str
    source: str


class _ThroughputTable(BaseModel):
    model_config = STRICT_DATA
    model: str
    params_b: float = Field(..., gt=0)
    gpu: str
    gpus: int = Field(..., ge=1)
    points: tuple[tuple[float, float, float], ...] = Field(..., min_length=3)
    source: str


class _PrefillBound(BaseModel):
    model_config = STRICT_DATA
    mfu: float = Field(..., gt=0, le=1)
    peak_tflops: FrozenMap[str, float]
    source: str


class _LatencyReference(BaseModel):
    model_config = STRICT_DATA
    params_b: float = Field(..., gt=0)
    gpus: int = Field(..., ge=1)
    decode_point: tuple[float, float]
    prefill_point: tuple[float, float]
    source: str


class _Ranged(BaseModel):
    model_config = STRICT_DATA
    value: float = Field(..., gt=0)
    low: float = Field(..., gt=0)
    high: float = Field(..., gt=0)
    source: str


class _TrainingThroughput(BaseModel):
    model_config = STRICT_DATA
    method: Literal["lora", "full"]
    params_b: float = Field(..., gt=0)
    gpu: str
    tokens_per_s_per_gpu: float = Field(..., gt=0)
    source: str


class _TrainingFlops(BaseModel):
    model_config = STRICT_DATA
    flops_per_param_token_full: float = Field(..., gt=0)
    flops_per_param_token_lora: float = Field(..., gt=0)
    mfu: float = Field(..., gt=0, le=1)
    mfu_low: float = Field(..., gt=0, le=1)
    mfu_high: float = Field(..., gt=0, le=1)
    peak_tflops: FrozenMap[str, float]
    source: str


class ServingData(BaseModel):
    """``data/serving.json``: what serving costs and how fast it runs, with sources."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    providers: FrozenMap[str, _Provider]
    default_cache: _DefaultCache
    gpus: FrozenMap[str, _Gpu]
    replica_gpus: _ReplicaGpus
    inference_throughput: tuple[_ThroughputTable, ...] = Field(..., min_length=1)
    prefill_bound: _PrefillBound
    latency_reference: _LatencyReference
    serving_utilization: _Ranged
    training_throughput: tuple[_TrainingThroughput, ...]
    training_flops: _TrainingFlops

    def provider(self, name: str | None) -> _Provider | None:
        """A provider's policies by name (case-insensitive), or None when not listed."""
        if name is None:
            return None
        if self is serving_data():
            return _shipped_provider(name)
        lowered = name.lower()
        return next((p for k, p in self.providers.items() if k.lower() == lowered), None)


serving_data = shipped(ServingData, "serving.json")


@functools.cache
def _shipped_provider(name: str) -> _Provider | None:
    lowered = name.lower()
    providers = serving_data().providers.items()
    return next((p for k, p in providers if k.lower() == lowered), None)


# ---------------------------------------------------------------------------- caching


class CacheLifetime(BaseModel):
    """How long a cached prompt prefix survives, and where that figure comes from."""

    model_config = STRICT_DATA
    idle_minutes: float = Field(..., ge=0, description="Lifetime without use (point).")
    idle_minutes_low: float = Field(..., ge=0)
    idle_minutes_high: float = Field(..., ge=0)
    max_minutes: float | None = Field(..., description="Hard limit whatever the use.")
    assumed: bool = Field(..., description="True when no lifetime is stated for the model.")
    source: str


@functools.cache
def cache_lifetime(provider: str | None, override_minutes: float | None) -> CacheLifetime:
    """The cache lifetime of a provider's prompt cache (or the model's own figure).

    Examples
    --------
    >>> cache_lifetime("Anthropic", None).idle_minutes
    5.0
    >>> cache_lifetime("nobody", None).assumed
    True
    """
    data = serving_data()
    policy = data.provider(provider)
    cache = policy.cache if policy is not None else None
    if override_minutes is not None:
        return CacheLifetime(
            idle_minutes=override_minutes,
            idle_minutes_low=override_minutes,
            idle_minutes_high=override_minutes,
            max_minutes=None,
            assumed=False,
            source="the model's cache_lifetime_minutes",
        )
    if cache is not None and cache.idle_minutes is not None:
        return CacheLifetime(
            idle_minutes=cache.idle_minutes,
            idle_minutes_low=cache.idle_minutes,
            idle_minutes_high=cache.idle_minutes_high or cache.idle_minutes,
            max_minutes=cache.max_minutes,
            assumed=False,
            source=cache.source,
        )
    default = data.default_cache
    return CacheLifetime(
        idle_minutes=default.idle_minutes,
        idle_minutes_low=default.idle_minutes_low,
        idle_minutes_high=default.idle_minutes_high,
        max_minutes=cache.max_minutes if cache is not None else None,
        assumed=True,
        source=(cache.source + "; " if cache is not None else "") + default.source,
    )


def cache_hit_rate(
    requests_per_second: float, idle_minutes: float, max_minutes: float | None
) -> float:
    """Share of requests that find their prefix still cached.

    Requests arrive at random (Poisson) at the given average rate; a request hits when the
    previous one with the same prefix came within the idle lifetime ``T``:
    ``1 − exp(−λT)``. A hard maximum lifetime ``M`` adds one miss every ``M``:
    multiply by ``1 − 1/(λM)`` (0 when ``λM ≤ 1``).

    Examples
    --------
    >>> round(cache_hit_rate(1 / 300, 5.0, None), 4)  # one request every 5 minutes
    0.6321
    >>> cache_hit_rate(0.0, 5.0, None)
    0.0
    """
    if requests_per_second <= 0 or idle_minutes <= 0:
        return 0.0
    lam = requests_per_second
    hit = -math.expm1(-lam * idle_minutes * 60.0)
    if max_minutes is not None:
        refreshes = lam * max_minutes * 60.0
        hit *= max(0.0, 1.0 - 1.0 / refreshes) if refreshes > 1.0 else 0.0
    return hit


@quiet_floats
def cache_hit_rates(
    requests_per_second: FloatArray, idle_minutes: FloatArray, max_minutes: float | None
) -> FloatArray:
    """:func:`cache_hit_rate` over arrays of scenarios (the same formula, elementwise).

    Examples
    --------
    >>> cache_hit_rates(np.array([1 / 300, 0.0]), np.array([5.0, 5.0]), None).round(4)
    array([0.6321, 0.    ])
    """
    lam = np.maximum(requests_per_second, 0.0)
    hit = -np.expm1(-lam * np.maximum(idle_minutes, 0.0) * 60.0)
    if max_minutes is not None:
        refreshes = lam * max_minutes * 60.0
        hit = hit * np.where(refreshes > 1.0, 1.0 - 1.0 / np.maximum(refreshes, 1.0), 0.0)
    return np.asarray(hit, dtype=np.float64)


@functools.cache
def batch_window_hours(provider: str | None) -> tuple[float, str] | None:
    """The provider's batch turnaround (hours) and its source; None: no batch API known."""
    policy = serving_data().provider(provider)
    if policy is None or policy.batch is None:
        return None
    return policy.batch.window_hours, policy.batch.source


@functools.cache
def batch_stacks_with_cache(provider: str | None) -> bool:
    """The provider's batch discount applies on top of its prompt-cache prices (Anthropic);
    False where it does not or the reference does not say."""
    policy = serving_data().provider(provider)
    return policy is not None and policy.batch is not None and policy.batch.stacks_with_cache


# ----------------------------------------------------------------------------- capacity


@functools.cache
def gpus_per_replica(params_b: float) -> int:
    """GPUs one replica of a model of this size needs (``replica_gpus`` rule)."""
    rule = serving_data().replica_gpus.rule
    for upper, gpus in rule:
        if params_b <= upper:
            return gpus
    return rule[-1][1]


@functools.cache
def gpu_price(gpu: str | None) -> tuple[str, float, float, float, str]:
    """``(gpu, usd_per_hour, low, high, source)`` of one GPU (default: the replica rule's)."""
    data = serving_data()
    name = gpu if gpu is not None and gpu in data.gpus else data.replica_gpus.gpu
    g = data.gpus[name]
    return name, g.usd_per_hour, g.low, g.high, g.source


@dataclass(frozen=True)
class _Fit:
    """One throughput table's per-request replica time, fitted and corrected (plain floats)."""

    coef: tuple[float, float, float, float, float]  # c0, in, out, in·out, out²
    where: tuple[tuple[float, float, float], ...]  # (log in, log out, log-residual) per point
    points: tuple[tuple[float, float, float], ...]  # (in, out, seconds of a replica)
    in_range: tuple[float, float]
    out_range: tuple[float, float]
    prefill_seconds_per_token: float  # the physical bound, at the table's size and GPUs

    @functools.cached_property
    def where_array(self) -> FloatArray:
        return np.array(self.where, dtype=np.float64)

    @functools.cached_property
    def points_array(self) -> FloatArray:
        return np.array(self.points, dtype=np.float64)


@functools.cache
def _fitted(index: int) -> _Fit:
    """Per-request replica time ``w = c0 + a·in + b·out + c·in·out + d·out²`` fitted to one
    table (least squares on the relative error), with the log-residual at each measured
    point. ``c0`` is the per-request overhead the measurements imply; ``in·out`` and
    ``out²`` the attention over a growing context while decoding."""
    data = serving_data()
    table = data.inference_throughput[index]
    pts = np.array(table.points, dtype=np.float64)
    isl, osl, out_tok_s = pts.T
    w = osl / out_tok_s
    x = np.column_stack([np.ones_like(isl), isl, osl, isl * osl, osl * osl])
    coef, *_ = np.linalg.lstsq(x / w[:, None], np.ones_like(w), rcond=None)
    if (coef < 0).any():
        raise DataFileError(
            f"data/serving.json inference_throughput[{index}] ({table.model}): the fitted "
            f"per-request time {_TERMS} has a negative term ({coef.tolist()}); check the points"
        )
    resid = np.log(w) - np.log(x @ coef)
    bound = data.prefill_bound
    peak = bound.peak_tflops.get(table.gpu) or max(bound.peak_tflops.values())
    per_token = 2.0 * table.params_b * 1e9 / (bound.mfu * peak * 1e12 * table.gpus)
    c0, a, b, c, d = (float(v) for v in coef)
    return _Fit(
        coef=(c0, a, b, c, d),
        where=tuple(
            (math.log(i), math.log(o), float(r)) for i, o, r in zip(isl, osl, resid, strict=True)
        ),
        points=tuple((float(i), float(o), float(t)) for i, o, t in zip(isl, osl, w, strict=True)),
        in_range=(float(isl.min()), float(isl.max())),
        out_range=(float(osl.min()), float(osl.max())),
        prefill_seconds_per_token=per_token,
    )


_TERMS = "c0 + a·in + b·out + c·in·out + d·out²"


def _nearest_table(params_b: float) -> int:
    tables = serving_data().inference_throughput
    return min(range(len(tables)), key=lambda i: abs(math.log(tables[i].params_b / params_b)))


class ReplicaTime(NamedTuple):
    """Per-request replica seconds over arrays of scenarios, and how each was bounded."""

    seconds: FloatArray  # seconds of one replica's full capacity per request
    prefill_bound: npt.NDArray[np.bool_]  # the physical prefill bound set the figure
    outside: npt.NDArray[np.bool_]  # the lengths lie outside the measured grid
    per_token: npt.NDArray[np.bool_]  # outside it, the nearest point's rate per token won
    nearest: npt.NDArray[np.intp]  # the nearest measured point (index into the table)


@quiet_floats
def replica_seconds(
    params_b: float, gpus: int, prompt_tokens: FloatArray, output_tokens: FloatArray
) -> ReplicaTime:
    """Seconds of one replica's full capacity a request takes, over arrays of scenarios.

    From the measured table of the nearest model size (offline maximum throughput): the
    per-request time ``w = c0 + a·in + b·out + c·in·out + d·out²`` is fitted to the table
    and corrected at the measured points (inverse-distance weighting of the log-residuals
    in log in/out, exact at a measured point). Prefill never beats the physical bound
    ``in × 2·N / (MFU × peak × GPUs)`` (``serving.json: prefill_bound``). Outside the
    measured grid the fit is not extrapolated: a request takes at least what the nearest
    measured point takes per token, ``w_p × (in + out) / (in_p + out_p)``. The figure is
    then scaled by parameters and GPUs: ``w × (N / N_ref) × (gpus_ref / gpus)``.

    Examples
    --------
    >>> t = replica_seconds(8.0, 1, np.array([128.0]), np.array([128.0]))
    >>> round(float(128 / t.seconds[0]))  # the measured 28,312 output tokens/s
    28312
    """
    return scaled_replica_time(
        params_b, gpus, measured_replica_time(params_b, prompt_tokens, output_tokens)
    )


def scaled_replica_time(params_b: float, gpus: int, measured: ReplicaTime) -> ReplicaTime:
    """A :func:`measured_replica_time` scaled to ``params_b`` on ``gpus`` GPUs (what
    :func:`replica_seconds` returns; routes that differ only by their GPUs share the rest)."""
    table = serving_data().inference_throughput[_nearest_table(params_b)]
    return measured._replace(
        seconds=measured.seconds * (params_b / table.params_b) * (table.gpus / gpus)
    )


@quiet_floats
def measured_replica_time(
    params_b: float, prompt_tokens: FloatArray, output_tokens: FloatArray
) -> ReplicaTime:
    """:func:`replica_seconds` on the measured setup of the nearest model size (its own
    parameters and GPUs), before scaling."""
    index = _nearest_table(params_b)
    fit = _fitted(index)
    isl = np.maximum(np.asarray(prompt_tokens, dtype=np.float64), 1.0)
    osl = np.maximum(np.asarray(output_tokens, dtype=np.float64), 1.0)
    c0, a, b, c, d = fit.coef
    base = c0 + a * isl + b * osl + c * isl * osl + d * osl * osl
    where = fit.where_array
    d2 = (where[:, 0] - np.log(isl)[..., None]) ** 2 + (where[:, 1] - np.log(osl)[..., None]) ** 2
    exact = d2 < 1e-18
    inv = np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, d2))
    idw = (inv @ where[:, 2]) / np.where(inv.sum(axis=-1) > 0, inv.sum(axis=-1), 1.0)
    at_point = exact.any(axis=-1)
    correction = np.where(at_point, (exact * where[:, 2]).sum(axis=-1), idw)
    w = base * np.exp(correction)
    bound = isl * fit.prefill_seconds_per_token
    prefill = bound > w
    w = np.where(prefill, bound, w)
    nearest = np.argmin(d2, axis=-1)
    (in_lo, in_hi), (out_lo, out_hi) = fit.in_range, fit.out_range
    outside = ~((in_lo <= isl) & (isl <= in_hi) & (out_lo <= osl) & (osl <= out_hi))
    pts = fit.points_array[nearest]
    per_token_w = pts[..., 2] * (isl + osl) / (pts[..., 0] + pts[..., 1])
    per_token = outside & (per_token_w > w)
    w = np.where(per_token, per_token_w, w)
    return ReplicaTime(w, prefill & ~per_token, outside, per_token, nearest)


@functools.cache
def replica_seconds_per_request(
    params_b: float, gpus: int, prompt_tokens: float, output_tokens: float
) -> tuple[float, str]:
    """:func:`replica_seconds` for one request, with where the figure comes from in words.

    Examples
    --------
    >>> w, _ = replica_seconds_per_request(8.0, 1, 128, 128)
    >>> round(128 / w)  # the measured 28,312 output tokens/s
    28312
    >>> w, source = replica_seconds_per_request(8.0, 1, 3290, 8)  # 8 out: outside the grid
    >>> round(1 / w, 1), "outside the measured grid" in source
    (17.8, True)
    """
    t = replica_seconds(
        params_b, gpus, np.array([float(prompt_tokens)]), np.array([float(output_tokens)])
    )
    return float(t.seconds[0]), replica_time_source(
        params_b, gpus, prompt_tokens, output_tokens, t, 0
    )


def replica_time_source(
    params_b: float, gpus: int, prompt_tokens: float, output_tokens: float,
    t: ReplicaTime, row: int,
) -> str:  # fmt: skip
    """Where row ``row`` of a :func:`replica_seconds` result comes from, in words."""
    index = _nearest_table(params_b)
    table = serving_data().inference_throughput[index]
    fit = _fitted(index)
    isl, osl = max(prompt_tokens, 1.0), max(output_tokens, 1.0)
    how = ""
    if bool(t.prefill_bound[row]):
        how = (
            f"prefill at its physical bound (MFU {serving_data().prefill_bound.mfu:g} of peak "
            "FLOPs, serving.json prefill_bound)"
        )
    if bool(t.outside[row]):
        (in_lo, in_hi), (out_lo, out_hi) = fit.in_range, fit.out_range
        if bool(t.per_token[row]):
            p_in, p_out, _ = fit.points[int(t.nearest[row])]
            how = (
                f"the nearest measured point's throughput per token ({p_in:,.0f} in / "
                f"{p_out:,.0f} out)"
            )
        how = (
            f"; {isl:,.0f} in / {osl:,.0f} out is outside the measured grid ({in_lo:,.0f}-"
            f"{in_hi:,.0f} in, {out_lo:,.0f}-{out_hi:,.0f} out), not extrapolated: "
            + (how or "the fit, slower there than the nearest measured point per token")
        )
    elif how:
        how = "; " + how
    return (
        f"{table.model} on {table.gpus}x {table.gpu} ({table.source}), scaled to "
        f"{params_b:g}B on {gpus} GPU{'s' if gpus != 1 else ''}{how}"
    )


@functools.cache
def speed_ratios(params_b: float, gpus: int) -> tuple[float, float, str]:
    """``(prefill, decode, source)``: how much faster a model of this size on ``gpus`` GPUs
    processes a prompt and generates than the setup the catalog's latency defaults were
    measured on (``serving.json: latency_reference``, Llama-3.3-70B on 2x H100), from the
    measured throughput tables (:func:`replica_seconds_per_request` at a prefill-heavy and a
    decode-heavy mix).

    Examples
    --------
    >>> prefill, decode, _ = speed_ratios(8.0, 1)
    >>> round(prefill, 2), round(decode, 2)  # 3,450 vs 762 and 22,714 vs 6,651 tokens/s
    (4.53, 3.42)
    """
    ref = serving_data().latency_reference
    ratios = []
    for point in (ref.prefill_point, ref.decode_point):
        w_ref, _ = replica_seconds_per_request(ref.params_b, ref.gpus, *point)
        w, _ = replica_seconds_per_request(params_b, gpus, *point)
        ratios.append(w_ref / w)
    source = (
        f"scaled to {params_b:g}B on {gpus} GPU{'s' if gpus != 1 else ''} by the measured "
        f"throughput tables (serving.json latency_reference: prompt x{ratios[0]:.2f}, "
        f"generation x{ratios[1]:.2f})"
    )
    return ratios[0], ratios[1], source


def forward_flops(active_params_b: float, tokens: float) -> float:
    """FLOPs of one forward pass over ``tokens``: ``2·N·D`` (Kaplan et al. 2020), with ``N``
    the parameters the tokens pass through (an encoder-decoder's encoder, for its input).

    Examples
    --------
    >>> f"{forward_flops(175, 41 * 98 + 103):.2g}"  # few-shot GPT-3 (T-Few paper, Sec. 4.2)
    '1.4e+15'
    """
    return 2.0 * active_params_b * 1e9 * tokens


def training_flops(active_params_b: float, tokens: float, method: str) -> float:
    """FLOPs of training on ``tokens``: ``k·N·D``, ``k`` = 6 (full backward, weight gradients
    too) or 4 (LoRA-style: no gradients for frozen weights), from ``data/serving.json``.

    Examples
    --------
    >>> f"{training_flops(5.5, 1000 * 8 * 103, 'full'):.2g}"  # T-Few: 11B T0, encoder half
    '2.7e+16'
    """
    flops = serving_data().training_flops
    k = flops.flops_per_param_token_full if method == "full" else flops.flops_per_param_token_lora
    return k * active_params_b * 1e9 * tokens


def training_gpu_seconds(
    params_b: float, tokens: float, method: str, gpu: str
) -> tuple[float, float, float, str]:
    """GPU-seconds of a training run: ``(point, low, high, source)``.

    Point and high from compute, ``k·N·D / (MFU × peak)`` with ``k`` = 6 (full) or 4
    (LoRA-style) at the stated MFU and its low end; low from the fastest measured throughput
    of the method on that GPU, scaled by size (``tokens/s ∝ 1/N``).
    """
    data = serving_data()
    flops = data.training_flops
    full = method == "full"
    k = flops.flops_per_param_token_full if full else flops.flops_per_param_token_lora
    peak = flops.peak_tflops.get(gpu) or max(flops.peak_tflops.values())
    work = training_flops(params_b, tokens, method)
    point = work / (flops.mfu * peak * 1e12)
    high = work / (flops.mfu_low * peak * 1e12)
    wanted = "full" if full else "lora"
    measured = [t for t in data.training_throughput if t.method == wanted and t.gpu == gpu]
    low = point
    if measured:
        best = max(measured, key=lambda t: t.tokens_per_s_per_gpu * t.params_b)
        low = min(point, tokens / (best.tokens_per_s_per_gpu * best.params_b / params_b))
    source = (
        f"{k:g}·N·D FLOPs at MFU {flops.mfu:g} ({flops.mfu_low:g} for the high end) of a "
        f"{peak:g} TFLOPS {gpu}; low end: fastest measured {wanted} throughput "
        f"({flops.source})"
    )
    return point, low, high, source
