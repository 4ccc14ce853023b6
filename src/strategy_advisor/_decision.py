"""Decision stage: feasibility first, then expected quality and total cost on one scale."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._costs import CostComparison
from ._datafiles import read_shipped_json, validate_data
from ._format import duration, format_value, usd
from ._quality import QualityEstimate
from ._rules import Effect, RuleOutcome
from ._types import RESULT, STRICT_DATA, FrozenMap, Strategy, construct, logit, sigmoid

__all__ = [
    "Decision",
    "DecisionPolicy",
    "Reason",
    "ScoreBreakdown",
    "cost_score",
    "decide",
    "reasons_for",
]


class DecisionPolicy(BaseModel):
    """How quality and cost trade off. Load the shipped default with
    :meth:`DecisionPolicy.default` and override what you disagree with.

    The decision works in log-odds for fine-tuning. Quality contributes
    ``G / gain_points_per_log_odds``, where ``G`` is the expected gain of fine-tuning over
    prompting in points on 0-100 (a likely but tiny gain weighs little, a likely large one
    much); cost contributes ``-k·ln(C_ft / C_icl)`` with
    ``k = logit(likely_win_probability) / ln(cost_multiple_for_likely_win)``: you are
    indifferent between paying ``cost_multiple_for_likely_win`` times as much and a quality
    term of ``logit(likely_win_probability)``, an expected gain of
    ``gain_points_per_log_odds · logit(likely_win_probability)`` points (default 2x for
    about 20 points; see ``docs/decision.md``).

    Examples
    --------
    >>> DecisionPolicy.default(cost_multiple_for_likely_win=4.0).cost_multiple_for_likely_win
    4.0
    >>> round(DecisionPolicy.default().gain_points_for_cost_multiple, 1)
    19.8
    """

    model_config = RESULT

    cost_multiple_for_likely_win: float = Field(
        ...,
        gt=1,
        description="Total-cost multiple worth paying for a strategy that is "
        "likely_win_probability likely to reach higher quality. Larger: quality matters more; "
        "closer to 1: cost matters more.",
    )
    likely_win_probability: float = Field(
        ...,
        gt=0.5,
        lt=1,
        description="What 'likely to be better' means in cost_multiple_for_likely_win.",
    )
    gain_points_per_log_odds: float = Field(
        ...,
        gt=0,
        description="Points of expected quality gain (0-100 scale) worth one unit of "
        "log-odds on the decision's scale. Smaller: quality matters more.",
    )
    infeasible_confidence: float = Field(
        ..., gt=0.5, le=1, description="Confidence when only one strategy is feasible."
    )
    both_infeasible_confidence: float = Field(
        ..., ge=0.5, le=1, description="Confidence cap when neither strategy is feasible."
    )
    max_confidence: float = Field(..., gt=0.5, le=1, description="Cap on any confidence.")
    cost_floor_usd: float = Field(
        ..., gt=0, description="Added to both totals before their ratio (avoids ratios of $0)."
    )
    source: str = Field("user-supplied", description="Where these settings come from.")

    @classmethod
    def default(cls, **overrides: Any) -> DecisionPolicy:
        """The shipped policy (``data/decision_policy.json``), with ``overrides`` applied."""
        base = _default_policy()
        if not overrides:
            return base
        return cls.model_validate({**base.model_dump(), "source": "user-supplied", **overrides})

    @property
    def cost_weight(self) -> float:
        """Log-odds of quality per e-fold of cost ratio."""
        return logit(self.likely_win_probability) / math.log(self.cost_multiple_for_likely_win)

    @property
    def gain_points_for_cost_multiple(self) -> float:
        """The expected gain (points) worth paying ``cost_multiple_for_likely_win`` times as
        much: ``gain_points_per_log_odds · logit(likely_win_probability)``."""
        return self.gain_points_per_log_odds * logit(self.likely_win_probability)

    def quality_term(self, gain_points: float) -> float:
        """The quality term of the score: ``gain_points / gain_points_per_log_odds``.

        Examples
        --------
        >>> DecisionPolicy.default(gain_points_per_log_odds=18.0).quality_term(9.0)
        0.5
        """
        return gain_points / self.gain_points_per_log_odds


class _PolicyFile(BaseModel):
    model_config = STRICT_DATA
    schema_version: Literal[2]
    as_of: str
    policy: DecisionPolicy


@cache
def _default_policy() -> DecisionPolicy:
    raw = read_shipped_json("decision_policy.json")
    return validate_data(_PolicyFile, raw, "data/decision_policy.json").policy


class Reason(BaseModel):
    """One reason behind a recommendation, with the numbers behind it."""

    model_config = RESULT

    code: str = Field(description="Rule code, or quality-* / cost-* / decision-* for stages.")
    message: str
    favors: Strategy | None = Field(description="The strategy this reason argues for, if any.")
    kind: Literal["infeasible", "favor", "note", "quality", "cost"]
    decisive: bool = Field(False, description="True for the factors that decided.")
    weight: float = Field(0.0, description="Log-odds this reason contributed (signed for FT).")


class ScoreBreakdown(BaseModel):
    """The decision's arithmetic, in log-odds for fine-tuning."""

    model_config = RESULT

    quality_log_odds: float = Field(
        description="The quality term: expected gain (points) / gain_points_per_log_odds."
    )
    cost_log_ratio: float | None = Field(description="ln((C_ft + floor) / (C_icl + floor)).")
    cost_term: float
    cost_term_range: tuple[float, float] = Field(
        description="The cost term with the estimated inputs at the ends that favour "
        "prompting and fine-tuning (equal to cost_term when nothing is estimated)."
    )
    rules_term: float
    total: float
    holds_across_ranges: bool = Field(
        description="The same strategy wins with the estimated inputs at either end (quality "
        "at its point estimate)."
    )


class Decision(BaseModel):
    """The chosen strategy, how sure, and why."""

    model_config = RESULT

    strategy: Strategy
    confidence: float = Field(ge=0, le=1)
    feasible: FrozenMap[Strategy, bool]
    score: ScoreBreakdown


def cost_score(ft_total: float, icl_total: float, policy: DecisionPolicy) -> tuple[float, float]:
    """``(ln((C_ft + floor) / (C_icl + floor)), −k · that)``: the cost term of the score.

    Examples
    --------
    >>> p = DecisionPolicy.default()
    >>> ratio, term = cost_score(9.0, 1.0, p)  # floor $1: ln(10 / 2)
    >>> round(ratio, 4), round(term / ratio, 4) == round(-p.cost_weight, 4)
    (1.6094, True)
    """
    floor = policy.cost_floor_usd
    ratio = math.log((ft_total + floor) / (icl_total + floor))
    return ratio, -policy.cost_weight * ratio


def _comparable_totals(costs: CostComparison) -> tuple[float, float, str | None] | None:
    """Totals to compare: both known, or one known and the other's priced part already
    larger (a lower bound that decides the comparison). The str names the bounded side."""
    ft, icl = costs.fine_tuning, costs.in_context_learning
    if ft.total_usd is not None and icl.total_usd is not None:
        return ft.total_usd, icl.total_usd, None
    ft_part, icl_part = ft.known_part_usd, icl.known_part_usd
    if icl.total_usd is not None and ft_part is not None and ft_part > icl.total_usd:
        return ft_part, icl.total_usd, "fine_tuning"
    if ft.total_usd is not None and icl_part is not None and icl_part > ft.total_usd:
        return ft.total_usd, icl_part, "in_context_learning"
    return None


def _reason(
    code: str,
    message: str,
    favors: Strategy | None,
    kind: Literal["infeasible", "favor", "note", "quality", "cost"],
    *,
    decisive: bool = False,
    weight: float = 0.0,
) -> Reason:
    return construct(
        Reason,
        code=code,
        message=message,
        favors=favors,
        kind=kind,
        decisive=decisive,
        weight=weight,
    )


def _cost_reason(costs: CostComparison, months: float) -> tuple[str, Strategy | None] | None:
    """The cost comparison's message and the strategy it favours (None: equal)."""
    totals = _comparable_totals(costs)
    if totals is None:
        return None
    ft, icl, bounded = totals
    cheaper = Strategy.FINE_TUNING if ft < icl else Strategy.IN_CONTEXT_LEARNING
    span = f"{months:g} month" + ("s" if months != 1 else "")
    at_least = {"fine_tuning": ("at least ", ""), "in_context_learning": ("", "at least ")}
    ft_q, icl_q = at_least.get(bounded or "", ("", ""))
    msg = f"Fine-tuning costs {ft_q}{usd(ft)} over {span} vs {icl_q}{usd(icl)} for prompting"
    if bounded is not None:
        side = costs.for_strategy(Strategy(bounded))
        msg += f" (unpriced: {', '.join(side.unpriced)}; the priced part already decides)"
    be = costs.break_even_requests_per_month
    if be is not None:
        msg += f"; break-even at {format_value(be, 'int')} requests/month"
    elif bounded is None and ft >= icl:
        msg += "; fine-tuning is never cheaper at any volume (its per-request cost is not lower)"
    elif bounded is None:  # cheaper here: at every volume, or past a step in replicas
        msg += "; no single break-even volume (the totals never cross continuously)"
    pay_months, pay_days = costs.payback_months, costs.payback_days
    if pay_months is not None and pay_days is not None and cheaper is Strategy.FINE_TUNING:
        msg += f"; the first training run pays back in {duration(pay_months, pay_days)}"
    favors = cheaper if not math.isclose(ft, icl, rel_tol=1e-9) else None
    return msg + ".", favors


def _points(x: float) -> str:
    """A signed whole number of points with a real minus sign ("+4", "−2")."""
    r = round(x)
    return f"{'+' if r > 0 else '−' if r < 0 else '±'}{abs(r)}"


def _quality_reason(q: QualityEstimate) -> tuple[str, Strategy]:
    """The quality estimate's message and the strategy it favours (by the expected gain)."""
    p, g = q.p_fine_tuning_better, q.expected_gain_points
    favors = Strategy.FINE_TUNING if g > 0 else Strategy.IN_CONTEXT_LEARNING
    spread = f"{_points(q.gain_low_points)} to {_points(q.gain_high_points)}"
    size = (
        f"by about {abs(round(g))} point{'s' if abs(round(g)) != 1 else ''}"
        if g >= 0
        else f"but expected to score about {abs(round(g))} point"
        f"{'s' if abs(round(g)) != 1 else ''} lower"
    )
    msg = (
        f"Fine-tuning is {100 * p:.0f}% likely to be better (interval "
        f"{100 * q.low:.0f}-{100 * q.high:.0f}%), {size} ({spread} on a 0-100 scale)"
    )
    if q.pilot is not None:
        msg += (
            f", updated from {100 * q.pilot.p_before:.0f}% and "
            f"{_points(q.pilot.gain_before_points)} points by your pilot results"
        )
    return msg + ".", favors


def decide(
    quality: QualityEstimate,
    costs: CostComparison,
    fired: tuple[Effect, ...],
    *,
    policy: DecisionPolicy,
) -> Decision:
    """Combine the effects of the rules that fired, the quality estimate and the costs into
    one decision (its reasons come from :func:`reasons_for`)."""
    infeasible = {e.strategy for e in fired if e.kind == "infeasible"}
    feasible = {s: s not in infeasible for s in Strategy}

    # the quality term at the low end, the point and the high end of the expected gain
    q_terms = [
        policy.quality_term(g)
        for g in (
            quality.expected_gain_low_points,
            quality.expected_gain_points,
            quality.expected_gain_high_points,
        )
    ]
    compared = _comparable_totals(costs)
    log_ratio = None
    cost_term = 0.0
    terms = [0.0]
    if compared is not None:
        ft_cost, icl_cost, _ = compared
        log_ratio, cost_term = cost_score(ft_cost, icl_cost, policy)
        terms = [cost_term]
        ft, icl = costs.fine_tuning, costs.in_context_learning
        ends = (ft.total_usd_low, ft.total_usd_high, icl.total_usd_low, icl.total_usd_high)
        both = ft.total_usd is not None and icl.total_usd is not None
        if both and (costs.favouring_fine_tuning or costs.favouring_prompting):
            # consistent scenarios: a shared estimate is at one end for both strategies
            for_icl = [cost_score(f, i, policy)[1] for f, i in costs.favouring_prompting]
            for_ft = [cost_score(f, i, policy)[1] for f, i in costs.favouring_fine_tuning]
            terms = [min([cost_term, *for_icl]), cost_term, max([cost_term, *for_ft])]
        elif both and None not in ends:  # only each strategy's own range is known
            ft_lo, ft_hi, icl_lo, icl_hi = (float(x) for x in ends)  # type: ignore[arg-type]
            terms = [
                cost_score(ft_hi, icl_lo, policy)[1],  # the ends that favour prompting
                cost_term,
                cost_score(ft_lo, icl_hi, policy)[1],  # the ends that favour fine-tuning
            ]
    rules_term = sum(
        (e.weight if e.strategy is Strategy.FINE_TUNING else -e.weight)
        for e in fired
        if e.kind == "favor"
    )
    total = q_terms[1] + cost_term + rules_term
    scores = [q + c + rules_term for q in q_terms for c in terms]
    holds = len({t > 0 for t in (q_terms[1] + c + rules_term for c in terms)}) == 1

    if all(feasible.values()) or not any(feasible.values()):
        # decide on the score as shown (the point values); the confidence averages the
        # probability over the expected gain's interval (low end, point, high end) and the
        # cost range (both ends and the point): a choice that flips inside the ranges is far
        # from certain, and the confidence is never below one half
        strategy = Strategy.FINE_TUNING if total > 0 else Strategy.IN_CONTEXT_LEARNING
        p_ft = sum(sigmoid(t) for t in scores) / len(scores)
        p_chosen = p_ft if strategy is Strategy.FINE_TUNING else 1.0 - p_ft
        # at most what the score shown says (sigmoid |S|): one half on both sides of a tie
        confidence = max(0.5, min(p_chosen, sigmoid(abs(total))))
        cap = policy.max_confidence if all(feasible.values()) else policy.both_infeasible_confidence
        confidence = min(confidence, cap)
    else:
        strategy = next(s for s, ok in feasible.items() if ok)
        blocked = strategy.other
        confidence = max(
            e.certainty if e.certainty is not None else policy.infeasible_confidence
            for e in fired
            if e.kind == "infeasible" and e.strategy is blocked
        )

    return construct(
        Decision,
        strategy=strategy,
        confidence=confidence,
        feasible=FrozenMap(feasible),
        score=construct(
            ScoreBreakdown,
            quality_log_odds=q_terms[1],
            cost_log_ratio=log_ratio,
            cost_term=cost_term,
            cost_term_range=(min(terms), max(terms)),
            rules_term=rules_term,
            total=total,
            holds_across_ranges=holds,
        ),
    )


def _range_reason(decision: Decision, costs: CostComparison) -> Reason | None:
    """Whether the choice survives the estimated inputs at their ends, with the totals
    (None when a rule left one strategy alone: the ranges did not decide)."""
    if sum(decision.feasible.values()) == 1:
        return None
    score = decision.score
    ft, icl = costs.fine_tuning, costs.in_context_learning
    lo_ft, hi_ft, lo_icl, hi_icl = (
        ft.total_usd_low,
        ft.total_usd_high,
        icl.total_usd_low,
        icl.total_usd_high,
    )
    if (
        None in (lo_ft, hi_ft, lo_icl, hi_icl)
        or score.cost_term_range[0] == score.cost_term_range[1]
    ):
        return None
    spans = (
        f"fine-tuning {usd(lo_ft)}-{usd(hi_ft)}, prompting {usd(lo_icl)}-{usd(hi_icl)} over the "
        "horizon"
    )
    if score.holds_across_ranges:
        return _reason(
            "decision-holds-across-ranges",
            f"The choice holds with every estimated input at either end of its plausible range "
            f"({spans}).",
            None,
            "note",
        )
    other = decision.strategy.other
    cheap = "fine-tuning" if other is Strategy.FINE_TUNING else "prompting"
    return _reason(
        "decision-flips-inside-ranges",
        f"The choice flips inside the plausible ranges ({spans}): with the estimates of "
        f"{cheap}'s own bill at their cheap end, the other's at their dear end, and the shared "
        f"ones (engineering rate, token lengths, ...) at one end for both, "
        f"{other.label} would win, so the confidence is lowered. The sensitivity table names "
        "the inputs that move it most.",
        other,
        "note",
    )


def reasons_for(
    decision: Decision,
    quality: QualityEstimate,
    costs: CostComparison,
    outcomes: tuple[RuleOutcome, ...],
    months: float,
) -> tuple[Reason, ...]:
    """Why: infeasibility first, then the weighed factors by size, then the notes."""
    strategy, feasible = decision.strategy, decision.feasible
    fired = [o for o in outcomes if o.status == "fired"]
    score = decision.score
    quality_term, cost_term = score.total - score.cost_term - score.rules_term, score.cost_term
    only_one = sum(feasible.values()) == 1
    out: list[Reason] = []
    if not any(feasible.values()):
        out.append(_reason(
            "decision-neither-feasible",
            "Neither strategy is feasible as described; the choice below weighs quality and "
            "cost anyway, with low confidence. Fix the blocking inputs first.",
            None, "note", decisive=True,
        ))  # fmt: skip
    for o in fired:
        if o.effect == "infeasible":
            favors = o.strategy.other if o.strategy is not None else None
            out.append(
                _reason(o.code, o.message or o.code, favors, "infeasible", decisive=only_one)
            )
    # (magnitude, code, message, favours, kind, signed weight), ordered by magnitude
    q_msg, q_favors = _quality_reason(quality)
    weighed: list[tuple[float, str, str, Strategy | None, Any, float]] = [
        (abs(quality_term), "quality-estimate", q_msg, q_favors, "quality", quality_term)
    ]
    c_reason = _cost_reason(costs, months)
    if c_reason is not None:
        c_msg, c_favors = c_reason
        weighed.append((abs(cost_term), "cost-comparison", c_msg, c_favors, "cost", cost_term))
    for o in fired:
        if o.effect == "favor":
            signed = o.weight if o.strategy is Strategy.FINE_TUNING else -o.weight
            weighed.append((o.weight, o.code, o.message or o.code, o.strategy, "favor", signed))
    weighed.sort(key=lambda item: -item[0])
    for magnitude, code, message, favors, kind, signed in weighed:
        decisive = (not only_one) and favors is strategy and magnitude > 0
        out.append(_reason(code, message, favors, kind, decisive=decisive, weight=signed))
    ranges = _range_reason(decision, costs)
    if ranges is not None:
        out.append(ranges)
    pilot_notes = [quality.pilot.message] if quality.pilot is not None else []
    other_notes = list(quality.notes)
    if quality.wide and other_notes:
        because = "; ".join(other_notes)
        out.append(
            _reason(
                "quality-uncertain",
                f"The quality estimate rests on thin evidence ({because}). Treat it as a prior: "
                "measure both strategies on your task and pass the scores as pilot=.",
                None,
                "note",
            )
        )
        other_notes = []
    for note in (*other_notes, *pilot_notes):
        out.append(_reason("quality-note", note, None, "note"))
    for o in fired:
        if o.effect == "note":
            out.append(_reason(o.code, o.message or o.code, None, "note"))
    return tuple(out)
