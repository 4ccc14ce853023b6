"""Serving facts and their formulas: cache lifetimes, batch windows, GPU prices, training.

The numbers live in ``data/serving.json`` (each with its source); this module holds the
formulas that read them: the cache hit rate at a request rate, the GPUs and price of a
replica, and the FLOPs and GPU time of a training run. The seconds of a replica's capacity a
request takes are :mod:`._replica_time`'s.
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._types import STRICT_DATA, FloatArray, FrozenMap, quiet_floats

__all__ = [
    "CacheLifetime",
    "ServingData",
    "batch_stacks_with_cache",
    "batch_window_hours",
    "cache_hit_rate",
    "cache_hit_rates",
    "cache_lifetime",
    "forward_flops",
    "gpu_price",
    "gpus_per_replica",
    "serving_data",
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
