"""Latency stage: time to first token and end-to-end time per request, per strategy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ._catalog import LatencyDefaults
from ._costs import CostComparison, StrategyCost
from ._profile import ModelSpec, Strategy

__all__ = ["LatencyComparison", "StrategyLatency", "estimate_latency"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class StrategyLatency(BaseModel):
    """Estimated latency of one request under one strategy (``None`` when tokens are unknown)."""

    model_config = _FROZEN

    strategy: Strategy
    ttft_ms: float | None = Field(description="Time to first token: prefill of the prompt.")
    total_ms: float | None = Field(description="Time to first token plus decoding the output.")
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    throughput_source: str = Field(description="'model' or where the default comes from.")
    within_budget: bool | None = Field(description="total_ms <= latency_budget_ms (None: unknown).")


class LatencyComparison(BaseModel):
    """Both strategies' latency estimates."""

    model_config = _FROZEN

    fine_tuning: StrategyLatency
    in_context_learning: StrategyLatency
    budget_ms: float | None

    def for_strategy(self, strategy: Strategy) -> StrategyLatency:
        """The latency of one strategy."""
        return self.fine_tuning if strategy is Strategy.FINE_TUNING else self.in_context_learning


def _one(
    cost: StrategyCost, spec: ModelSpec, defaults: LatencyDefaults, budget_ms: float | None
) -> StrategyLatency:
    prefill = spec.prefill_tokens_per_s or defaults.prefill_tokens_per_s
    decode = spec.decode_tokens_per_s or defaults.decode_tokens_per_s
    from_model = spec.prefill_tokens_per_s is not None and spec.decode_tokens_per_s is not None
    ttft = total = None
    prompt, cached, output = (
        cost.input_tokens_per_request,
        cost.cached_tokens_per_request,
        cost.output_tokens_per_request,
    )
    if prompt is not None and cached is not None and output is not None:
        effective = (prompt - cached) + cached / defaults.cached_prefill_speedup
        ttft = 1000.0 * effective / prefill
        total = ttft + 1000.0 * output / decode
    within = None if total is None or budget_ms is None else total <= budget_ms
    return StrategyLatency(
        strategy=cost.strategy,
        ttft_ms=ttft,
        total_ms=total,
        prefill_tokens_per_s=prefill,
        decode_tokens_per_s=decode,
        throughput_source="model" if from_model else f"catalog default: {defaults.source}",
        within_budget=within,
    )


def estimate_latency(
    costs: CostComparison,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    defaults: LatencyDefaults,
    budget_ms: float | None,
) -> LatencyComparison:
    """Estimate per-request latency: ``ttft = (uncached + cached / speedup) / prefill``,
    ``total = ttft + output / decode``; cached prefixes prefill ``cached_prefill_speedup``
    times faster."""
    return LatencyComparison(
        fine_tuning=_one(costs.fine_tuning, ft, defaults, budget_ms),
        in_context_learning=_one(costs.in_context_learning, icl, defaults, budget_ms),
        budget_ms=budget_ms,
    )
