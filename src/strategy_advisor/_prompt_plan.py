"""Prompt planning: how many demonstrations the prompt carries when the profile does not say.

Candidates run from zero-shot up to the default count (one per class, capped). A candidate
must fit the context window and the latency budget; among those that fit, the count kept is
the one the decision itself scores best for prompting, so more demonstrations are bought
only when their quality gain is worth their cost on the decision's own scale
(``docs/costs.md``, "Demonstrations that fit").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ._assumptions import Assumptions
from ._catalog import LatencyDefaults, ModelSpec
from ._costs.arms import allowed_modes, price_arm
from ._decision import DecisionPolicy, cost_score
from ._features import (
    ShotPlan,
    TaskFeatures,
    default_shots,
    derive_features,
    shots_that_fit,
    with_shots,
)
from ._format import usd
from ._latency import estimate_latency
from ._profile import TaskProfile
from ._types import Strategy, construct, logit

__all__ = ["plan_shots"]

_LADDER = (0, 1, 2, 4, 8, 16, 32, 64)  # candidate counts, each about twice the last


def plan_shots(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    latency_defaults: LatencyDefaults,
    policy: DecisionPolicy,
    p_ft_better: Callable[[list[TaskFeatures]], list[float]],
    today: dt.date,
) -> ShotPlan | None:
    """The demonstrations to use, and why; None when the profile (or its pilot) fixes them
    or token lengths are unknown (the default count then applies, fitted to the context)."""
    if profile.icl_shots is not None or (profile.pilot and profile.pilot.icl_shots is not None):
        return None
    if profile.avg_input_tokens is None or profile.avg_output_tokens is None:
        return None
    wanted = min(default_shots(profile, assumptions), profile.n_labeled_examples)
    demo = profile.avg_input_tokens + profile.avg_output_tokens
    fixed = profile.resolved_instruction_tokens() + profile.resolved_retrieved_tokens() + demo
    room = shots_that_fit(fixed, demo, icl.context_window)
    top = wanted if room is None else min(wanted, room)
    ladder = sorted({k for k in _LADDER if k < top} | {top})
    fit_context = [k for k in ladder if room is None or k <= room]
    if not fit_context:
        return None  # not even zero-shot fits: the context rule reports it

    base = derive_features(
        profile,
        icl,
        ft,
        assumptions=assumptions,
        today=today,
        plan=construct(ShotPlan, shots=fit_context[-1], reason=""),
    )

    def features(k: int) -> TaskFeatures:
        return with_shots(base, construct(ShotPlan, shots=k, reason=""), profile, icl, assumptions)

    budget = profile.latency_budget_ms

    def within_budget(f: TaskFeatures) -> bool:
        if budget is None or f.icl_batch:
            return True
        total = estimate_latency(f, icl, ft, defaults=latency_defaults).in_context_learning
        return total.total_ms is None or total.total_ms <= budget

    fit_budget = [f for f in map(features, fit_context) if within_budget(f)]
    budget_limited = len(fit_budget) < len(fit_context)
    if not fit_budget:
        return construct(
            ShotPlan,
            shots=fit_context[0],
            reason=f"not even {fit_context[0]} fits the {budget:,.0f} ms latency budget",
        )
    probs = p_ft_better(fit_budget)
    months = profile.horizon_months
    scored = []
    for f, p in zip(fit_budget, probs, strict=True):
        total = _icl_total(f, icl, profile, assumptions, months)
        score = logit(p, clip=1e-6)
        if total is not None:
            score += cost_score(1.0, total, policy)[1]  # FT's total cancels across candidates
        scored.append((score, f.icl_shots, total, p))
    best = min(scored)  # prompting's best standing: the lowest log-odds for fine-tuning
    limits = []
    if room is not None and room < wanted:
        limits.append(f"only {room} of the {wanted} wanted fit the context window")
    if budget_limited and budget is not None:
        most = max(s[1] for s in scored)
        limits.append(f"more than {most} would exceed the {budget:,.0f} ms latency budget")
    return construct(ShotPlan, shots=best[1], reason=_why(best, scored, wanted, limits))


def _icl_total(
    f: TaskFeatures, icl: ModelSpec, profile: TaskProfile, a: Assumptions, months: float
) -> float | None:
    modes = allowed_modes(icl, Strategy.IN_CONTEXT_LEARNING)
    if profile.icl_serving != "cheapest":
        modes = (profile.icl_serving,)
    totals = [
        price_arm(
            Strategy.IN_CONTEXT_LEARNING, f, icl, m, f.requests_per_month, assumptions=a
        ).total(months)
        for m in modes
    ]
    priced = [t for t in totals if t is not None]
    return min(priced) if priced else None


def _why(
    best: tuple[float, int, float | None, float],
    scored: list[tuple[float, int, float | None, float]],
    wanted: int,
    limits: list[str],
) -> str:
    _, k, total, p = best
    top = max(scored, key=lambda s: s[1])
    suffix = f" ({'; '.join(limits)})" if limits else ""
    if k == top[1]:
        return f"the most that fit{suffix}" if limits else f"the {k} wanted"
    extra = ""
    if top[2] is not None and total is not None:
        change = (
            "no measurable change in the quality estimate"
            if round(100 * p) == round(100 * top[3])
            else f"a change in P(fine-tuning better) from {100 * p:.0f}% to {100 * top[3]:.0f}%"
        )
        extra = f": {top[1]} would cost {usd(top[2] - total)} more over the horizon for {change}"
    return f"the best quality-for-cost trade-off{extra}{suffix}"
