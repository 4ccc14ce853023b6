"""The answer in words: each strategy's latency at the point, the order of the reasons, and
the one-line summary (what ``Advisor.recommend`` assembles after the decision)."""

from __future__ import annotations

import numpy as np

from ._decision import Decision, Reason
from ._features import TaskFeatures
from ._latency import StrategyLatency, strategy_latency
from ._pipeline import Evaluation
from ._scenarios import Case
from ._types import Strategy, construct
from ._whatif import FlipPoint, exploration_settings, flip_reason, margin_reason

__all__ = ["latency_at_point", "placed", "summary_line"]


def placed(
    reasons: tuple[Reason, ...],
    decision: Decision,
    flips: tuple[FlipPoint, ...],
    measure: Reason | None,
    break_even: float | None = None,
) -> tuple[Reason, ...]:
    """The reasons in the order the answer gives them: the plan to measure first right after
    what knowing more would be worth; the nearest flip points (and why the volume's is not
    the ``break_even``) and the margins after the weighed reasons and whether they hold;
    where neither strategy is feasible, that first."""
    most = exploration_settings().flip_points_in_reasons
    notes = [
        r
        for r in (
            flip_reason(flips, decision.strategy, most, break_even),
            margin_reason(flips, decision.strategy, most),
        )
        if r is not None
    ]
    if measure is not None:
        codes = [r.code for r in reasons]
        at = codes.index("decision-value-of-information") + 1 if (
            "decision-value-of-information" in codes
        ) else _after_weighed(reasons)  # fmt: skip
        reasons = (*reasons[:at], measure, *reasons[at:])
    if notes:
        cut = _after_weighed(reasons)
        reasons = (*reasons[:cut], *notes, *reasons[cut:])
    if decision.score.decided_by == "neither_feasible":
        reasons = _neither_first(reasons, flips)
    return reasons


def latency_at_point(
    case: Case, ev: Evaluation, strategy: Strategy, features: TaskFeatures, budget: float | None
) -> StrategyLatency:
    """One strategy's latency at the point estimate, on the route it is served by."""
    o = ev.bills.mode(strategy, 0)
    window = case.side(strategy).batch_window_hours
    cold = o.cold_share is not None and float(np.broadcast_to(o.cold_share, (1,))[0]) >= 0.05
    if o.batch and window is not None:
        basis = "batch window"
    elif cold:
        basis = "cold start"
    elif strategy is Strategy.FINE_TUNING or not (features.icl_prefix_tokens or 0.0) > 0:
        basis = "no prefix"
    elif (features.icl_cache_hit_rate or 0.0) >= 0.95:
        basis = "cached prefix"
    else:
        basis = "uncached prefix"
    assert o.latency is not None
    return strategy_latency(strategy, o.latency, 0, o.figures, budget, basis=basis)


def summary_line(decision: Decision, reasons: tuple[Reason, ...]) -> str:
    """One line: the answer and what decided it (the deciding rule when feasibility did)."""
    head = f"Recommend {decision.strategy.label} (confidence {decision.confidence:.2f})"
    lead = next((r for r in reasons if r.decisive), None)
    if decision.score.decided_by == "neither_feasible":
        return lead.message if lead is not None else head
    if lead is None:
        return head
    if decision.score.decided_by == "feasibility":
        return f"{head}, decided by feasibility: {lead.message}"
    return f"{head}: {lead.message}"


def _neither_first(reasons: tuple[Reason, ...], flips: tuple[FlipPoint, ...]) -> tuple[Reason, ...]:
    """Where neither strategy is feasible: the first reason says so, names what blocks
    each, and the smallest change that makes one feasible."""
    blocking: dict[Strategy, str] = {}
    for r in reasons:
        if r.kind == "infeasible" and r.favors is not None:
            blocking.setdefault(r.favors.other, r.message.rstrip("."))
    by = "; ".join(f"{s.label}: {_lower_first(blocking[s])}" for s in Strategy if s in blocking)
    fix = next((f for f in flips if f.makes_feasible is not None), None)
    text = f"Neither strategy is feasible as described ({by})."
    if fix is not None and fix.makes_feasible is not None:
        verb = "rose" if fix.value > fix.current else "fell"
        text += (
            f" The smallest single change that makes one feasible: {fix.makes_feasible.label} "
            f"becomes feasible if {fix.label} {verb} to {fix.text}."
        )
    else:
        text += " No single input within its range makes either feasible."
    rest = tuple(r for r in reasons if r.code != "decision-neither-feasible")
    first = construct(
        Reason,
        code="decision-neither-feasible",
        message=text,
        favors=None,
        kind="note",
        decisive=True,
        weight=0.0,
    )
    return (first, *rest)


def _lower_first(text: str) -> str:
    """A sentence continued after a colon: its first letter lower-cased, unless it starts an
    acronym or a name."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _after_weighed(reasons: tuple[Reason, ...]) -> int:
    """Where the weighed reasons (and the note on whether they hold) end."""
    cut = 0
    for i, r in enumerate(reasons):
        if r.kind != "note" or r.code.startswith("decision-"):
            cut = i + 1
    return cut
