"""Latency stage: time to first token and end-to-end time per request, per strategy."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ._catalog import LatencyDefaults, ModelSpec
from ._features import TaskFeatures
from ._serving import gpus_per_replica, speed_ratios
from ._types import RESULT, Strategy, construct

__all__ = [
    "LatencyComparison",
    "StrategyLatency",
    "estimate_latency",
    "prompted_total_ms",
    "request_latency",
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


def _one(
    strategy: Strategy,
    tokens: tuple[float | None, float | None, float | None],
    spec: ModelSpec,
    defaults: LatencyDefaults,
    budget_ms: float | None,
    basis: str,
    batch_hours: float | None = None,
) -> StrategyLatency:
    offer = spec.fine_tuning if strategy is Strategy.FINE_TUNING else None
    gpus = offer.gpus_per_replica if offer is not None else None
    prefill, decode, source = throughputs(spec, defaults, gpus)
    ttft: float | None
    total: float | None
    if batch_hours is not None:
        ttft = total = batch_hours * _MS_PER_HOUR
    else:
        ttft, total = request_latency(
            *tokens,
            prefill_tokens_per_s=prefill,
            decode_tokens_per_s=decode,
            cached_prefill_speedup=defaults.cached_prefill_speedup,
            ttft_overhead_ms=defaults.ttft_overhead_ms,
        )
    within = None if total is None or budget_ms is None else total <= budget_ms
    return construct(
        StrategyLatency,
        strategy=strategy,
        ttft_ms=ttft,
        total_ms=total,
        prefill_tokens_per_s=prefill,
        decode_tokens_per_s=decode,
        throughput_source=source,
        within_budget=within,
        basis=basis,
    )


def _prompted_tokens(
    f: TaskFeatures,
) -> tuple[tuple[float | None, float | None, float | None], str]:
    """(prompt, cached at p95, output) of a prompted request, and what the p95 assumes."""
    hit = f.icl_cache_hit_rate or 0.0
    prefix = f.icl_prefix_tokens
    cached_p95 = prefix if prefix is not None and f.icl_prefix_cached and hit >= _P95 else 0.0
    basis = "cached prefix" if cached_p95 else ("uncached prefix" if prefix else "no prefix")
    prompt = f.icl_prompt_tokens
    return (prompt, cached_p95 if prompt is not None else None, f.output_tokens), basis


def prompted_total_ms(
    features: TaskFeatures, icl: ModelSpec, *, defaults: LatencyDefaults
) -> float | None:
    """The prompted strategy's p95 end-to-end time online, as :func:`estimate_latency`
    gives it (for the prompt planner, which tries several prompts)."""
    prefill, decode, _ = throughputs(icl, defaults, None)
    return request_latency(
        *_prompted_tokens(features)[0],
        prefill_tokens_per_s=prefill,
        decode_tokens_per_s=decode,
        cached_prefill_speedup=defaults.cached_prefill_speedup,
        ttft_overhead_ms=defaults.ttft_overhead_ms,
    )[1]


def estimate_latency(
    features: TaskFeatures,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    defaults: LatencyDefaults,
    icl_batched: bool = False,
    ft_batched: bool = False,
) -> LatencyComparison:
    """Estimate the p95 latency of one request under both strategies (see
    :func:`request_latency`).

    The prompted model reads the whole prompt: its prefix counts as cached (prefilled faster)
    only when at least 95% of requests hit the cache, since the p95 request is otherwise a
    miss. The tuned model reads only the query. Both then decode the output. A strategy
    priced at batch rates answers within its provider's batch window.
    """
    f = features
    icl_tokens, icl_basis = _prompted_tokens(f)
    ft_tokens = (f.query_tokens, 0.0 if f.query_tokens is not None else None, f.output_tokens)
    budget = f.latency_budget_ms
    icl_batch = f.icl_batch_window_hours if icl_batched else None
    ft_batch = f.ft_batch_window_hours if ft_batched else None
    return construct(
        LatencyComparison,
        fine_tuning=_one(
            Strategy.FINE_TUNING,
            ft_tokens,
            ft,
            defaults,
            budget,
            "batch window" if ft_batch else "no prefix",
            ft_batch,
        ),
        in_context_learning=_one(
            Strategy.IN_CONTEXT_LEARNING,
            icl_tokens,
            icl,
            defaults,
            budget,
            "batch window" if icl_batch else icl_basis,
            icl_batch,
        ),
        budget_ms=budget,
    )
