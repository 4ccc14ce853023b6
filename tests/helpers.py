"""Shared builders for tests: explicit, fully priced model specs and profiles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from strategy_advisor import FineTuningOffer, ModelSpec, QualityEstimate, TaskProfile

TODAY = dt.date(2026, 11, 27)


def offer(**kw: Any) -> FineTuningOffer:
    base: dict[str, Any] = dict(
        training_usd_per_mtok=3.0,
        input_usd_per_mtok=0.3,
        output_usd_per_mtok=1.2,
        hosting_usd_per_hour=0.0,
        min_examples=10,
    )
    base.update(kw)
    return FineTuningOffer(**base)


def spec(name: str = "test-llm", *, tunable: bool = True, **kw: Any) -> ModelSpec:
    base: dict[str, Any] = dict(
        name=name,
        kind="frontier_api",
        context_window=128_000,
        input_usd_per_mtok=1.0,
        cached_input_usd_per_mtok=0.1,
        output_usd_per_mtok=2.0,
        min_cacheable_tokens=1024,
        prefill_tokens_per_s=10_000.0,
        decode_tokens_per_s=100.0,
        fine_tuning=offer() if tunable else None,
    )
    base.update(kw)
    return ModelSpec(**base)


def profile(**kw: Any) -> TaskProfile:
    base: dict[str, Any] = dict(
        task_type="classification",
        n_labeled_examples=1000,
        n_classes=4,
        avg_input_tokens=200.0,
        avg_output_tokens=50.0,
        instruction_tokens=100.0,
        icl_shots=10,
        requests_per_month=100_000.0,
        horizon_months=12.0,
        icl_model=spec(),
        ft_model=spec(),
    )
    base.update(kw)
    return TaskProfile(**base)


def estimate(gain: float, **kw: Any) -> QualityEstimate:
    """A quality estimate with an expected gain of ``gain`` points, well supported, its
    expected gain's interval a point (``expected_gain_low/high_points`` = ``gain``) and its
    predictive interval 10 points either side; ``kw`` replaces any field."""
    base: dict[str, Any] = dict(
        p_fine_tuning_better=0.6,
        low=0.5,
        high=0.7,
        interval_level=0.8,
        expected_gain_points=gain,
        gain_low_points=gain - 10.0,
        gain_high_points=gain + 10.0,
        expected_gain_low_points=gain,
        expected_gain_high_points=gain,
        data_sufficiency=1.0,
        support_rows=22.0,
        support_sources=6,
        wide=False,
        model_version="hand",
    )
    return QualityEstimate(**{**base, **kw})


# ------------------------------------------------------------------ the pipeline, one row


def point_evaluation(
    p: TaskProfile,
    *,
    assumptions: Any = None,
    today: dt.date = TODAY,
    advisor: Any = None,
    break_even: float | None = None,
) -> tuple[Any, Any]:
    """``(case, evaluation)`` of a profile's point estimate, as ``recommend()`` computes it
    (the prompt planned, every stage once, one row)."""
    from strategy_advisor import Advisor
    from strategy_advisor._pipeline import evaluate
    from strategy_advisor._scenarios import Scenarios

    adv = advisor or Advisor(assumptions=assumptions)
    case = adv._case(p, today)
    parts = adv._parts(p, case, adv.policy)
    return case, evaluate(case, Scenarios.point(case), parts, break_even=break_even)


def features_of(p: TaskProfile, **kw: Any) -> Any:
    """The profile's :class:`TaskFeatures`, as ``recommend()`` reports them."""
    from strategy_advisor._features import features_at

    _, ev = point_evaluation(p, **kw)
    return features_at(ev.columns)


def costs_of(p: TaskProfile, **kw: Any) -> Any:
    """Both strategies' costs at the point estimate (no break-even search, no intervals):
    the :class:`CostComparison` the cost table of ``recommend()`` shows."""
    from strategy_advisor._costs import cost_comparison

    case, ev = point_evaluation(p, **kw)
    return cost_comparison(case, ev.scenarios, ev.bills, break_even=None)


def latency_of(p: TaskProfile, **kw: Any) -> Any:
    """Both strategies' :class:`StrategyLatency` at the point estimate, by strategy, each on
    the route it is served by (as ``recommend()`` reads them)."""
    from strategy_advisor import Strategy
    from strategy_advisor._answer import latency_at_point
    from strategy_advisor._features import features_at

    case, ev = point_evaluation(p, **kw)
    f = features_at(ev.columns)
    return {s: latency_at_point(case, ev, s, f, p.latency_budget_ms) for s in Strategy}


def route_latency(
    figures: Any,
    z: dict[str, Any],
    *,
    prompt: Any,
    prefix: Any,
    hit_rate: Any,
    output: Any,
    budget: Any,
    utilisation: Any = None,
    batch_hours: float | None = None,
    cold_share: Any = None,
    cold_start_ms: Any = None,
    percentile: float = 95.0,
) -> Any:
    """One route's latency (``_latency.routes_latency`` of one route, or
    ``batch_latency`` with ``batch_hours``), by keyword: the hand-worked latency tests."""
    from strategy_advisor._latency import RouteInputs, batch_latency, routes_latency

    if batch_hours is not None:
        return batch_latency(prompt, output, budget, batch_hours, percentile)
    route = RouteInputs(figures, z, prompt, prefix, hit_rate, output, budget, utilisation,
                        cold_share, cold_start_ms)  # fmt: skip
    return routes_latency([route], percentile)[0]
