"""Dedicated and self-hosted replica latency: per-request speed and TTFT at the load carried.

The numbers live in ``data/replica_latency.json`` (built by
``scripts/build_serving_data.py`` from the shared reference): a replica's time to first token,
prefill rate and per-request output speed at low load for the measured setups, the two
measured load curves (OCI Llama 3.3 70B dedicated; NVIDIA NIM Llama-3.1-8B), and the
throughput cost of an unmerged LoRA adapter. :func:`dedicated_latency` puts them together
for a model of a given size on a given GPU at a given utilisation.
"""

from __future__ import annotations

import itertools
import statistics
from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._errors import ParameterError
from ._figures import Figure, resolve_name
from ._types import RESULT, STRICT_DATA, FrozenMap, construct

__all__ = [
    "LoadCurve",
    "ReplicaLatency",
    "ReplicaLatencyData",
    "dedicated_latency",
    "load_factors",
    "replica_latency_data",
]


class _Assumption(BaseModel):
    model_config = STRICT_DATA
    value: float
    basis: str


class _Point(BaseModel):
    model_config = STRICT_DATA
    concurrency: int = Field(..., ge=1)
    ttft_ms: float = Field(..., gt=0)
    output_tokens_per_s: float = Field(..., gt=0, description="Per request.")
    total_output_tokens_per_s: float = Field(..., gt=0, description="The replica's.")
    utilisation: float = Field(..., gt=0, le=1, description="total / the curve's highest.")
    record: int
    reference: str
    arithmetic: str


class LoadCurve(BaseModel):
    """One measured sweep of a dedicated deployment over concurrency."""

    model_config = STRICT_DATA
    setup: str
    params_b: float
    gpu: str
    source: str
    measured_on: str
    points: tuple[_Point, ...] = Field(..., min_length=2)


class _LowLoad(BaseModel):
    model_config = STRICT_DATA
    ttft_ms: Figure
    prefill_tokens_per_s: Figure
    output_tokens_per_s: Figure


class _LowLoadSmall(BaseModel):
    model_config = STRICT_DATA
    h100: _LowLoad = Field(..., alias="H100 80GB")
    l40s: _LowLoad = Field(..., alias="L40S 48GB")
    a100: _LowLoad = Field(..., alias="A100")
    other: _LowLoad


class _LowLoadAll(BaseModel):
    model_config = STRICT_DATA
    up_to_16b: _LowLoadSmall
    large: _LowLoad = Field(..., alias="70b")


class ReplicaLatencyData(BaseModel):
    """``data/replica_latency.json``: a replica's latency at low load and under load."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    assumptions: FrozenMap[str, _Assumption]
    rules: FrozenMap[str, str]
    load_curves: FrozenMap[str, LoadCurve]
    low_load: _LowLoadAll
    unmerged_lora_throughput_factor: Figure
    network_to_endpoint_ms: Figure
    ttft_tail_ratio: Figure
    e2e_tail_ratio: Figure
    sources: FrozenMap[str, str]


replica_latency_data = shipped(ReplicaLatencyData, "replica_latency.json")


class ReplicaLatency(BaseModel):
    """A request's latency on one replica at a utilisation: vendor-side figures, plus the
    client-to-endpoint network (``network_ms``) a client sees on top of the TTFT."""

    model_config = RESULT
    setup: str = Field(description="Which measured setup the low-load figures come from.")
    utilisation: float
    saturated: bool = Field(description="At or beyond the highest measured throughput.")
    ttft_ms: Figure = Field(description="Vendor-side TTFT at a short prompt, at this load.")
    ttft_p95_ms: Figure
    prefill_tokens_per_s: Figure = Field(description="At low load (queueing is in the TTFT).")
    output_tokens_per_s: Figure = Field(description="Per request, at this load.")
    network_ms: Figure
    ttft_tail_ratio: Figure
    e2e_tail_ratio: Figure
    lora: Literal["merged", "unmerged"]
    basis: str


def _at(curve: LoadCurve, utilisation: float) -> tuple[float, float, bool]:
    """(output speed, TTFT) relative to concurrency 1 at a utilisation, linear between the
    measured points up to the curve's peak; and whether the peak is reached."""
    points = list(curve.points)
    peak = max(range(len(points)), key=lambda i: points[i].utilisation)
    rising = sorted(points[: peak + 1], key=lambda p: p.utilisation)
    base = min(points, key=lambda p: p.concurrency)
    if utilisation <= rising[0].utilisation:
        return 1.0, 1.0, False
    for lo, hi in itertools.pairwise(rising):
        if utilisation <= hi.utilisation:
            t = (utilisation - lo.utilisation) / (hi.utilisation - lo.utilisation)
            speed = lo.output_tokens_per_s + t * (hi.output_tokens_per_s - lo.output_tokens_per_s)
            ttft = lo.ttft_ms + t * (hi.ttft_ms - lo.ttft_ms)
            return speed / base.output_tokens_per_s, ttft / base.ttft_ms, False
    top = rising[-1]
    return top.output_tokens_per_s / base.output_tokens_per_s, top.ttft_ms / base.ttft_ms, True


def _spread(values: list[float], unit: str, basis: str, how: str) -> Figure:
    return Figure(
        low=min(values),
        point=statistics.median(values),
        high=max(values),
        unit=unit,
        found=True,
        basis=basis,
        rule="interpolated",
        arithmetic=how,
        as_of=replica_latency_data().as_of,
    )


def load_factors(utilisation: float) -> tuple[Figure, Figure, bool]:
    """How load changes a replica's per-request output speed and its TTFT, against
    concurrency 1: ``(speed factor, TTFT factor, saturated)``, each figure spanning the two
    measured curves at that utilisation (linear between their points).

    ``utilisation`` is the replica's output throughput over its highest measured throughput
    (``serving.json`` capacity at the task's lengths, unscaled by ``serving_utilization``).
    At and past 1 the curves' last points apply and ``saturated`` is True (queues grow).

    Examples
    --------
    >>> speed, ttft, saturated = load_factors(0.6)
    >>> round(speed.low, 2), round(speed.high, 2), saturated  # OCI 70B, NIM 8B at 60%
    (0.6, 0.78, False)
    >>> round(load_factors(0.01)[0].point, 2)
    1.0
    """
    if utilisation < 0:
        raise ParameterError(f"utilisation must be >= 0; got {utilisation!r}")
    speeds, ttfts, names, saturated = [], [], [], False
    for name, curve in replica_latency_data().load_curves.items():
        s, t, sat = _at(curve, utilisation)
        speeds.append(s)
        ttfts.append(t)
        names.append(f"{name}: speed x{s:.3f}, TTFT x{t:.2f}")
        saturated = saturated or sat
    how = f"at utilisation {utilisation:g}: " + "; ".join(names)
    basis = "measured load curves (OCI Llama 3.3 70B dedicated; NIM Llama-3.1-8B)"
    return (
        _spread(speeds, "x speed at concurrency 1", basis, how),
        _spread(ttfts, "x TTFT at concurrency 1", basis, how),
        saturated,
    )


def _times(a: Figure, b: Figure, unit: str, basis: str) -> Figure:
    point = None if a.point is None or b.point is None else a.point * b.point
    return Figure(
        low=a.low * b.low,
        point=point,
        high=a.high * b.high,
        unit=unit,
        found=a.found and b.found,
        basis=basis,
        rule="product",
        arithmetic=f"({a.low:g}, {a.point}, {a.high:g}) x ({b.low:g}, {b.point}, {b.high:g})",
        as_of=a.as_of,
    )


def dedicated_latency(
    params_b: float,
    gpu: str | None,
    utilisation: float,
    *,
    lora: Literal["merged", "unmerged"] = "merged",
) -> ReplicaLatency:
    """A request's latency on a dedicated or self-hosted replica at ``utilisation``.

    Low-load figures: a model up to 16B on an H100, L40S or A100 from the measured 7-8B
    setups (TensorRT-LLM batch-1 first token, NIM Llama-3.1-8B at concurrency 1); on another
    GPU (or ``gpu`` None) "not found" figures whose range is the widest the reference
    supports. Above 16B, the OCI Llama 3.3 70B dedicated figures (its hardware is not
    stated). Then :func:`load_factors` at the utilisation; an unmerged LoRA adapter slows
    the output by the measured factor (a merged one costs nothing).

    Examples
    --------
    >>> low = dedicated_latency(8.0, "H100 80GB", 0.0)
    >>> round(low.output_tokens_per_s.point, 1), low.ttft_ms.point  # NIM 8B at concurrency 1
    (216.0, 8.38)
    >>> busy = dedicated_latency(8.0, "H100", 0.6)
    >>> round(busy.output_tokens_per_s.low), round(busy.output_tokens_per_s.high)
    (129, 169)
    >>> dedicated_latency(8.0, "L4", 0.0).output_tokens_per_s.found
    False
    """
    if params_b <= 0:
        raise ParameterError(f"params_b must be > 0; got {params_b!r}")
    data = replica_latency_data()
    small = data.low_load.up_to_16b
    known = {
        "H100 80GB": small.h100,
        "L40S 48GB": small.l40s,
        "A100 40GB": small.a100,
        "A100 80GB": small.a100,
    }
    if params_b > 16:
        base, setup = data.low_load.large, "Llama 3.3 70B, OCI dedicated (hardware not stated)"
    elif gpu is not None and gpu.strip().lower().startswith(("h100", "l40s", "a100")):
        name = resolve_name(gpu, known, "GPU with measured 7-8B latency")
        base, setup = known[name], f"7-8B on {name}"
    else:
        base, setup = small.other, f"7-8B on {gpu or 'an unnamed GPU'} (not measured)"
    speed_f, ttft_f, saturated = load_factors(utilisation)
    speed = _times(
        base.output_tokens_per_s,
        speed_f,
        "output tokens/s per request",
        f"{base.output_tokens_per_s.basis}; x the load curves at {utilisation:g}",
    )
    if lora == "unmerged":
        speed = _times(
            speed,
            data.unmerged_lora_throughput_factor,
            "output tokens/s per request",
            speed.basis + "; x unmerged LoRA",
        )
    ttft = _times(
        base.ttft_ms, ttft_f, "ms", f"{base.ttft_ms.basis}; x the load curves at {utilisation:g}"
    )
    return construct(
        ReplicaLatency,
        setup=setup,
        utilisation=utilisation,
        saturated=saturated,
        ttft_ms=ttft,
        ttft_p95_ms=_times(ttft, data.ttft_tail_ratio, "ms", "TTFT x TTFT p95/p50"),
        prefill_tokens_per_s=base.prefill_tokens_per_s,
        output_tokens_per_s=speed,
        network_ms=data.network_to_endpoint_ms,
        ttft_tail_ratio=data.ttft_tail_ratio,
        e2e_tail_ratio=data.e2e_tail_ratio,
        lora=lora,
        basis=f"{setup}; load: {speed_f.arithmetic}",
    )
