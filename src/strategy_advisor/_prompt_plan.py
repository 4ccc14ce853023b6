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
from dataclasses import dataclass

from ._assumptions import Assumptions
from ._catalog import LatencyDefaults, ModelSpec
from ._costs.arms import options_for
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
from ._latency import prompted_total_ms
from ._profile import TaskProfile
from ._types import Strategy, construct

__all__ = ["plan_prompt", "plan_shots"]

_LADDER = (0, 1, 2, 4, 8, 16, 32, 64)  # candidate counts, each about twice the last


def plan_shots(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    latency_defaults: LatencyDefaults,
    policy: DecisionPolicy,
    gain_of: Callable[[list[TaskFeatures]], list[float]],
    today: dt.date,
) -> ShotPlan | None:
    """The demonstrations to use, and why; None when the profile (or its pilot) fixes them
    or token lengths are unknown (the default count then applies, fitted to the context)."""
    return plan_prompt(
        profile,
        icl,
        ft,
        assumptions=assumptions,
        latency_defaults=latency_defaults,
        policy=policy,
        gain_of=gain_of,
        today=today,
    )[0]


def plan_prompt(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    latency_defaults: LatencyDefaults,
    policy: DecisionPolicy,
    gain_of: Callable[[list[TaskFeatures]], list[float]],
    today: dt.date,
    catalog_as_of: dt.date | None = None,
) -> tuple[ShotPlan | None, TaskFeatures]:
    """:func:`plan_shots`, and the task's features with the prompt as planned (what
    ``derive_features(..., plan=plan)`` gives, without deriving them again)."""

    def derived(plan: ShotPlan | None) -> TaskFeatures:
        return derive_features(
            profile,
            icl,
            ft,
            assumptions=assumptions,
            today=today,
            catalog_as_of=catalog_as_of,
            plan=plan,
        )

    if profile.icl_shots is not None or (profile.pilot and profile.pilot.icl_shots is not None):
        return None, derived(None)
    if profile.avg_input_tokens is None or profile.avg_output_tokens is None:
        return None, derived(None)
    wanted = min(default_shots(profile, assumptions), profile.n_labeled_examples)
    demo = profile.avg_input_tokens + profile.avg_output_tokens
    fixed = profile.resolved_instruction_tokens() + profile.resolved_retrieved_tokens() + demo
    room = shots_that_fit(fixed, demo, icl.context_window)
    top = wanted if room is None else min(wanted, room)
    ladder = sorted({k for k in _LADDER if k < top} | {top})
    fit_context = [k for k in ladder if room is None or k <= room]
    if not fit_context:
        return None, derived(None)  # not even zero-shot fits: the context rule reports it

    base = derived(construct(ShotPlan, shots=fit_context[-1], reason=""))

    def features(k: int) -> TaskFeatures:
        return with_shots(base, construct(ShotPlan, shots=k, reason=""), profile, icl, assumptions)

    budget = profile.latency_budget_ms

    def within_budget(f: TaskFeatures) -> bool:
        if budget is None or f.icl_batch:
            return True
        total = prompted_total_ms(f, icl, defaults=latency_defaults)
        return total is None or total <= budget

    fit_budget = [f for f in map(features, fit_context) if within_budget(f)]
    budget_limited = len(fit_budget) < len(fit_context)
    if not fit_budget:
        plan = construct(
            ShotPlan,
            shots=fit_context[0],
            reason=f"not even {fit_context[0]} fits the {budget:,.0f} ms latency budget",
        )
        return plan, with_shots(base, plan, profile, icl, assumptions)
    gains = gain_of(fit_budget)  # fine-tuning's expected gain over each candidate prompt
    scored = []
    for f, gain in zip(fit_budget, gains, strict=True):
        total = _icl_total(f, icl, profile, assumptions)
        score = policy.quality_term(gain)  # the decision's quality term
        if total is not None:
            score += cost_score(1.0, total, policy)[1]  # FT's total cancels across candidates
        scored.append(_Candidate(score, f.icl_shots, total, gain, f))
    ranked = sorted(scored, key=lambda c: (c.score, c.shots))
    limits = []
    if room is not None and room < wanted:
        limits.append(f"only {room} of the {wanted} wanted fit the context window")
    if budget_limited and budget is not None:
        most = max(c.shots for c in scored)
        limits.append(f"more than {most} would exceed the {budget:,.0f} ms latency budget")
    best = ranked[0]  # prompting's best standing: the lowest log-odds for fine-tuning
    plan = construct(ShotPlan, shots=best.shots, reason=_why(ranked, limits))
    return plan, with_shots(base, plan, profile, icl, assumptions)


@dataclass(frozen=True)
class _Candidate:
    score: float
    shots: int
    total: float | None
    gain: float  # fine-tuning's expected gain over this prompt, points on 0-100
    features: TaskFeatures


def _icl_total(
    f: TaskFeatures, icl: ModelSpec, profile: TaskProfile, a: Assumptions
) -> float | None:
    options = options_for(Strategy.IN_CONTEXT_LEARNING, f, icl, profile.icl_serving, assumptions=a)
    totals = [o.total(f.requests_per_month) for o in options]
    priced = [t for t in totals if t is not None]
    return min(priced) if priced else None


def _why(ranked: list[_Candidate], limits: list[str]) -> str:
    """Why the best candidate won, on the decision's own scale: against the best-scoring
    count with fewer demonstrations and the best with more, where there are any."""
    best = ranked[0]
    suffix = f" ({'; '.join(limits)})" if limits else ""
    fewer = next((c for c in ranked if c.shots < best.shots), None)
    more = next((c for c in ranked if c.shots > best.shots), None)
    clauses = []
    if more is None:
        clauses.append("the most that fit" if limits else f"the {best.shots} wanted")
    if fewer is not None:
        clauses.append(_against(best, fewer))
    if more is not None:
        clauses.append(_against(best, more))
    return "; ".join(clauses) + suffix


def _count(k: int) -> str:
    return f"{k} demonstration{'s' if k != 1 else ''}"


def _gain(c: _Candidate) -> str:
    return f"fine-tuning's expected gain {c.gain:+.0f} points"


def _quality_change(best: _Candidate, other: _Candidate) -> str:
    if round(best.gain) == round(other.gain):
        return "no measurable change in the quality estimate"
    return f"{_gain(other)} instead of {best.gain:+.0f}"


def _against(best: _Candidate, other: _Candidate) -> str:
    """One clause: why ``best`` beats ``other``."""
    if best.total is None or other.total is None:
        return f"the best standing for prompting against {_count(other.shots)} (unpriced)"
    dearer = other.total > best.total
    amount = usd(abs(other.total - best.total))
    if other.shots > best.shots:  # more demonstrations
        if dearer:
            return (
                f"{_count(other.shots)} would cost {amount} more for {_quality_change(best, other)}"
            )
        return f"{_count(other.shots)} would save {amount} but with {_quality_change(best, other)}"
    totals = f"({usd(best.total)} vs {usd(other.total)} over the horizon"
    totals += f", {amount} less)" if usd(best.total) == usd(other.total) else ")"
    if not dearer:  # fewer demonstrations were cheaper: quality bought the difference
        return (
            f"worth {amount} more than {_count(other.shots)} {totals} for {_gain(best)} "
            f"instead of {other.gain:+.0f}"
        )
    fb, fo = best.features, other.features
    why = ""
    if fb.icl_prefix_cached and not fo.icl_prefix_cached and fb.icl_prefix_tokens:
        minimum = fb.icl_min_cacheable_tokens or 0
        why = (
            f"the {fb.icl_prefix_tokens:,.0f}-token prefix reaches the {minimum:,}-token "
            "cache minimum, "
        )
    return f"{why}cheaper than {_count(other.shots)} {totals}"
