"""Latency stage: time to first token and end-to-end time per request, per strategy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from ._catalog import LatencyDefaults, ModelSpec
from ._serving import gpus_per_replica, speed_ratios
from ._types import RESULT, FloatArray, Strategy, construct, quiet_floats

__all__ = [
    "LatencyArrays",
    "LatencyComparison",
    "StrategyLatency",
    "latency_arrays",
    "request_latency",
    "strategy_latency",
    "throughputs",
]

_P95 = 0.95  # the percentile the latency budget is stated at
_MS_PER_HOUR = 3_600_000.0


class StrategyLatency(BaseModel):
    """Estimated latency of one request under one strategy (``None`` when tokens are unknown)."""

    model_config = RESULT

    strategy: Strategy
    ttft_ms: float | None = Field(description="Time to first token: prefill of the prompt.")
    total_ms: float | None = Field(description="Time to first token plus decoding the output.")
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    throughput_source: str = Field(
        description="'model', the model's size scaled by the measured throughput tables, or "
        "where the default comes from."
    )
    within_budget: bool | None = Field(description="total_ms <= latency_budget_ms (None: unknown).")
    basis: str = Field(
        description="What the p95 figure assumes: a cached prefix (95% or more of requests "
        "hit the cache), an uncached one, no prefix, or a batch window."
    )


class LatencyComparison(BaseModel):
    """Both strategies' latency estimates."""

    model_config = RESULT

    fine_tuning: StrategyLatency
    in_context_learning: StrategyLatency
    budget_ms: float | None

    def for_strategy(self, strategy: Strategy) -> StrategyLatency:
        """The latency of one strategy."""
        return self.fine_tuning if strategy is Strategy.FINE_TUNING else self.in_context_learning


def request_latency(
    prompt: float | None,
    cached: float | None,
    output: float | None,
    *,
    prefill_tokens_per_s: float,
    decode_tokens_per_s: float,
    cached_prefill_speedup: float,
    ttft_overhead_ms: float = 0.0,
) -> tuple[float | None, float | None]:
    """``(ttft_ms, total_ms)`` of one request; ``(None, None)`` when a length is unknown.

    ``ttft = overhead + ((prompt − cached) + cached / speedup) / prefill`` and
    ``total = ttft + output / decode``: a cached prefix prefills ``speedup`` times faster.

    Examples
    --------
    >>> request_latency(1000.0, 0.0, 50.0, prefill_tokens_per_s=10_000.0,
    ...                 decode_tokens_per_s=100.0, cached_prefill_speedup=5.0)
    (100.0, 600.0)
    """
    if prompt is None or cached is None or output is None:
        return None, None
    effective = (prompt - cached) + cached / cached_prefill_speedup
    ttft = ttft_overhead_ms + 1000.0 * effective / prefill_tokens_per_s
    return ttft, ttft + 1000.0 * output / decode_tokens_per_s


def throughputs(
    spec: ModelSpec, defaults: LatencyDefaults, gpus: int | None = None
) -> tuple[float, float, str]:
    """``(prefill, decode, source)`` tokens/s of one request to ``spec``: its own figures;
    else, for a model of known size, the catalog defaults scaled by the measured throughput
    tables (:func:`~strategy_advisor._serving.speed_ratios`, on ``gpus`` GPUs, else as many
    as its size needs); else the defaults."""
    prefill, decode = spec.prefill_tokens_per_s, spec.decode_tokens_per_s
    if prefill is not None and decode is not None:
        return prefill, decode, "model"
    if spec.params_b is not None:
        pre, dec, how = speed_ratios(spec.params_b, gpus or gpus_per_replica(spec.params_b))
        source = f"{how}, from the catalog default: {defaults.source}"
        prefill = prefill if prefill is not None else defaults.prefill_tokens_per_s * pre
        decode = decode if decode is not None else defaults.decode_tokens_per_s * dec
        return prefill, decode, source
    source = "model and " if prefill is not None or decode is not None else ""
    return (
        prefill or defaults.prefill_tokens_per_s,
        decode or defaults.decode_tokens_per_s,
        f"{source}catalog default: {defaults.source}",
    )


@dataclass
class LatencyArrays:
    """Both strategies' latency over rows of scenarios (NaN: a length is unknown)."""

    ttft_ms: dict[Strategy, FloatArray]
    total_ms: dict[Strategy, FloatArray]
    cached_p95: np.ndarray  # prompting: the prefix counts as cached at p95 (a share >= 95%)
    batch: dict[Strategy, np.ndarray]  # the strategy answers within a batch window
    speeds: dict[Strategy, tuple[float, float, str]]  # prefill, decode, source


@quiet_floats
def latency_arrays(
    icl: ModelSpec,
    ft: ModelSpec,
    defaults: LatencyDefaults,
    *,
    prompt: FloatArray,
    prefix: FloatArray,
    cacheable: np.ndarray,
    hit_rate: FloatArray,
    query: FloatArray,
    output: FloatArray,
    batch: dict[Strategy, np.ndarray],
    windows: dict[Strategy, float | None],
) -> LatencyArrays:
    """:func:`estimate_latency` over rows: the p95 end-to-end time of one request under
    each strategy (the same formula, elementwise)."""
    offer = ft.fine_tuning
    speeds = {
        Strategy.IN_CONTEXT_LEARNING: throughputs(icl, defaults, None),
        Strategy.FINE_TUNING: throughputs(
            ft, defaults, offer.gpus_per_replica if offer is not None else None
        ),
    }
    cached = cacheable & (np.nan_to_num(hit_rate) >= _P95) & (prefix > 0)
    cached_tokens = np.where(cached, prefix, 0.0)
    tokens = {
        Strategy.IN_CONTEXT_LEARNING: (prompt, cached_tokens),
        Strategy.FINE_TUNING: (query, np.zeros_like(query)),
    }
    ttft: dict[Strategy, FloatArray] = {}
    total: dict[Strategy, FloatArray] = {}
    for strategy, (p, c) in tokens.items():
        prefill, decode, _ = speeds[strategy]
        effective = (p - c) + c / defaults.cached_prefill_speedup
        t = defaults.ttft_overhead_ms + 1000.0 * effective / prefill
        e2e = t + 1000.0 * output / decode
        window = windows[strategy]
        if window is not None:
            wait = window * _MS_PER_HOUR
            t = np.where(batch[strategy], wait, t)
            e2e = np.where(batch[strategy], wait, e2e)
        ttft[strategy], total[strategy] = t, e2e
    return LatencyArrays(ttft, total, cached, batch, speeds)


def strategy_latency(
    arrays: LatencyArrays, strategy: Strategy, row: int, budget_ms: float | None, *,
    has_prefix: bool,
) -> StrategyLatency:  # fmt: skip
    """One strategy's latency in one row, as a result."""
    prefill, decode, source = arrays.speeds[strategy]
    total = float(arrays.total_ms[strategy][row])
    ttft = float(arrays.ttft_ms[strategy][row])
    known = not np.isnan(total)
    if bool(arrays.batch[strategy][row]):
        basis = "batch window"
    elif strategy is Strategy.FINE_TUNING:
        basis = "no prefix"
    elif bool(arrays.cached_p95[row]):
        basis = "cached prefix"
    else:
        basis = "uncached prefix" if has_prefix else "no prefix"
    return construct(
        StrategyLatency,
        strategy=strategy,
        ttft_ms=ttft if known else None,
        total_ms=total if known else None,
        prefill_tokens_per_s=prefill,
        decode_tokens_per_s=decode,
        throughput_source=source,
        within_budget=None if not known or budget_ms is None else total <= budget_ms,
        basis=basis,
    )
