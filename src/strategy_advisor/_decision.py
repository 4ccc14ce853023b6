"""Decision stage: feasibility first, then expected quality and total cost on one scale."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from ._costs import CostComparison
from ._datafiles import read_shipped_json, validate_data
from ._format import duration, format_value, percent, percentile_name, share, usd
from ._latency import StrategyLatency
from ._quality import QualityEstimate
from ._rules import Effect, RuleOutcome
from ._types import (
    RESULT,
    STRICT_DATA,
    FloatArray,
    FrozenMap,
    Strategy,
    construct,
    logit,
    quiet_floats,
)
from ._uncertainty import Uncertainty, far_from_median, uncertainty_settings

__all__ = [
    "Decision",
    "DecisionPolicy",
    "Reason",
    "RowScores",
    "ScoreBreakdown",
    "comparable_totals",
    "cost_score",
    "cost_scores",
    "decide",
    "reasons_for",
    "score_rows",
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

    def quality_term_array(self, gain_points: FloatArray) -> FloatArray:
        """:meth:`quality_term` over rows."""
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
    kind: Literal["infeasible", "favor", "note", "quality", "cost", "feasibility"]
    decisive: bool = Field(False, description="True for the factors that decided.")
    weight: float = Field(0.0, description="Log-odds this reason contributed (signed for FT).")


class ScoreBreakdown(BaseModel):
    """The decision's arithmetic, in log-odds for fine-tuning, at the point estimate."""

    model_config = RESULT

    quality_log_odds: float = Field(
        description="The quality term: expected gain (points) / gain_points_per_log_odds."
    )
    cost_log_ratio: float | None = Field(description="ln((C_ft + floor) / (C_icl + floor)).")
    cost_term: float = Field(description="−k · cost_log_ratio (0 when not comparable).")
    rules_term: float = Field(description="The weights of the rules that favour a strategy.")
    feasibility_term: float = Field(
        0.0,
        description="ln P_ft − ln P_icl: each strategy's probability of meeting the "
        "constraints checked against estimates (the latency budget).",
    )
    total: float = Field(
        description="quality + cost + rules + feasibility: above 0 favours fine-tuning."
    )
    decided_by: Literal["score", "feasibility", "neither_feasible"] = Field(
        description="What chose the strategy: the sign of the score (both feasible), a rule "
        "that left only one strategy, or neither feasible (the score then only leans)."
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


@quiet_floats
def cost_scores(ft_total: FloatArray, icl_total: FloatArray, policy: DecisionPolicy) -> FloatArray:
    """The cost term of :func:`cost_score` over rows: ``−k · ln((C_ft + floor) / (C_icl +
    floor))``."""
    floor = policy.cost_floor_usd
    return -policy.cost_weight * np.log((ft_total + floor) / (icl_total + floor))


class RowScores:
    """The decision over rows of scenarios: each term of the score, which strategies the
    rules leave, and the strategy recommended (``fine_tuning`` True where fine-tuning)."""

    __slots__ = (
        "bounded",
        "cost",
        "cost_log_ratio",
        "feasibility",
        "fine_tuning",
        "infeasible_ft",
        "infeasible_icl",
        "quality",
        "rules",
        "total",
    )

    def __init__(self, **arrays: Any) -> None:
        for k, v in arrays.items():
            setattr(self, k, v)

    def take(self, rows: slice) -> RowScores:
        """The scores of some rows."""
        return RowScores(**{k: getattr(self, k)[rows] for k in self.__slots__})

    quality: FloatArray
    cost: FloatArray  # 0 where the totals cannot be compared
    cost_log_ratio: FloatArray  # NaN there
    bounded: np.ndarray  # 0 both priced; 1 fine-tuning's priced part; 2 prompting's
    rules: FloatArray
    feasibility: FloatArray  # ln P_ft - ln P_icl of meeting the estimated constraints
    total: FloatArray
    infeasible_ft: np.ndarray
    infeasible_icl: np.ndarray
    fine_tuning: np.ndarray


#: The least probability of meeting an estimated constraint the score takes (its log stays
#: finite: at 1e-6 the term is 13.8 log-odds, more than any cost ratio a task can have).
_FEASIBILITY_FLOOR = 1e-6


@quiet_floats
def comparable_totals(
    ft_total: FloatArray, icl_total: FloatArray, ft_known: FloatArray, icl_known: FloatArray
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Totals to compare over rows: both known, or one known and the other's priced part
    already larger (a lower bound that decides the comparison); NaN where neither. The
    third array says which side is a bound: 0 none, 1 fine-tuning, 2 prompting."""
    both = ~np.isnan(ft_total) & ~np.isnan(icl_total)
    ft_bound = np.isnan(ft_total) & ~np.isnan(icl_total) & (ft_known > icl_total)
    icl_bound = np.isnan(icl_total) & ~np.isnan(ft_total) & (icl_known > ft_total)
    ft = np.where(both, ft_total, np.where(ft_bound, ft_known, np.where(icl_bound, ft_total,
                                                                        np.nan)))  # fmt: skip
    icl = np.where(both, icl_total, np.where(icl_bound, icl_known, np.where(ft_bound, icl_total,
                                                                           np.nan)))  # fmt: skip
    return ft, icl, np.where(ft_bound, 1, np.where(icl_bound, 2, 0))


@quiet_floats
def score_rows(
    gain: FloatArray,
    totals: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    fired: np.ndarray,
    effects: tuple[Effect, ...],
    policy: DecisionPolicy,
    trainable: np.ndarray | bool = True,
    *,
    meets: dict[Strategy, FloatArray] | None = None,
) -> RowScores:
    """The decision in every row: quality ``G / g`` plus cost ``−k·ln(C_ft / C_icl)`` plus
    the rules' weights; a strategy a rule makes infeasible is out, and where both or
    neither are left the sign of the score decides (fine-tuning above 0), except that a task
    with too few examples to train on (``trainable`` false) is never sent to fine-tuning when
    neither strategy is feasible.

    ``meets`` is each strategy's probability of meeting its estimated constraints (the
    latency budget): it enters as ``ln P_ft − ln P_icl`` (an estimate makes a strategy less
    likely to fit, not infeasible), at the point and in every draw of the simulation alike.

    ``totals`` is (fine-tuning's total, prompting's, and their priced parts), ``fired``
    the rulebook's fired matrix (rules x rows) with the rules' ``effects``."""
    ft, icl, bounded = comparable_totals(*totals)
    log_ratio = np.log((ft + policy.cost_floor_usd) / (icl + policy.cost_floor_usd))
    cost = np.where(np.isnan(log_ratio), 0.0, -policy.cost_weight * log_ratio)
    n = gain.shape[0]
    rules = np.zeros(n)
    infeasible_ft = np.zeros(n, dtype=bool)
    infeasible_icl = np.zeros(n, dtype=bool)
    for i, e in enumerate(effects):
        if e.kind == "favor" and e.weight:
            rules = rules + fired[i] * (
                e.weight if e.strategy is Strategy.FINE_TUNING else -e.weight
            )
        elif e.kind == "infeasible":
            if e.strategy is Strategy.FINE_TUNING:
                infeasible_ft = infeasible_ft | fired[i]
            else:
                infeasible_icl = infeasible_icl | fired[i]
    feasibility = np.zeros(n)
    if meets is not None:
        p_ft, p_icl = meets[Strategy.FINE_TUNING], meets[Strategy.IN_CONTEXT_LEARNING]
        floor = _FEASIBILITY_FLOOR
        ratio = np.log(np.maximum(p_ft, floor)) - np.log(np.maximum(p_icl, floor))
        feasibility = np.broadcast_to(ratio, (n,))
    quality = policy.quality_term_array(gain)
    total = quality + cost + rules + feasibility
    only_ft = infeasible_icl & ~infeasible_ft
    only_icl = infeasible_ft & ~infeasible_icl
    neither = infeasible_ft & infeasible_icl
    by_score = np.where(neither, (total > 0) & trainable, total > 0)
    fine_tuning = np.where(only_ft, True, np.where(only_icl, False, by_score))
    return RowScores(
        quality=quality, cost=cost, cost_log_ratio=log_ratio, bounded=bounded, rules=rules,
        feasibility=feasibility, total=total, infeasible_ft=infeasible_ft,
        infeasible_icl=infeasible_icl, fine_tuning=fine_tuning,
    )  # fmt: skip


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
    kind: Literal["infeasible", "favor", "note", "quality", "cost", "feasibility"],
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
        msg += f"; the first training run pays back in {duration(pay_months, pay_days, months)}"
    elif (costs.savings_per_month_usd or 0) > 0 and pay_months is None:
        msg += f"; the first training run does not pay back within the {months:g}-month horizon"
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
    scores: RowScores,
    fired: tuple[Effect, ...],
    share_fine_tuning_better: float,
    *,
    policy: DecisionPolicy,
    row: int = 0,
) -> Decision:
    """The decision at the point estimate (``row`` of the scores): the strategy the rules
    and the score choose, and how sure. Where both strategies are feasible the confidence
    is the share of the simulation's draws in which the chosen one is the better choice
    (at least one half, at most ``max_confidence``); where a rule left one strategy, the
    blocking rules' certainty; where neither is feasible, ``both_infeasible_confidence``."""
    ft_out, icl_out = bool(scores.infeasible_ft[row]), bool(scores.infeasible_icl[row])
    feasible = {Strategy.FINE_TUNING: not ft_out, Strategy.IN_CONTEXT_LEARNING: not icl_out}
    strategy = Strategy.FINE_TUNING if bool(scores.fine_tuning[row]) else (
        Strategy.IN_CONTEXT_LEARNING
    )  # fmt: skip
    if ft_out == icl_out:
        decided_by: Literal["score", "feasibility", "neither_feasible"] = (
            "neither_feasible" if ft_out else "score"
        )
        share = share_fine_tuning_better if strategy is Strategy.FINE_TUNING else (
            1.0 - share_fine_tuning_better
        )  # fmt: skip
        cap = policy.both_infeasible_confidence if ft_out else policy.max_confidence
        confidence = min(max(0.5, share), cap)
    else:
        decided_by = "feasibility"
        blocked = strategy.other
        confidence = max(
            e.certainty if e.certainty is not None else policy.infeasible_confidence
            for e in fired
            if e.kind == "infeasible" and e.strategy is blocked
        )
    log_ratio = float(scores.cost_log_ratio[row])
    return construct(
        Decision,
        strategy=strategy,
        confidence=confidence,
        feasible=FrozenMap(feasible),
        score=construct(
            ScoreBreakdown,
            quality_log_odds=float(scores.quality[row]),
            cost_log_ratio=None if math.isnan(log_ratio) else log_ratio,
            cost_term=float(scores.cost[row]),
            rules_term=float(scores.rules[row]),
            feasibility_term=float(scores.feasibility[row]),
            total=float(scores.total[row]),
            decided_by=decided_by,
        ),
    )


def _range_reason(
    decision: Decision, costs: CostComparison, uncertainty: Uncertainty
) -> Reason | None:
    """How often the choice is the better one across the simulation's draws, with the
    totals' intervals (None when a rule left one strategy alone, or nothing was drawn)."""
    if decision.score.decided_by != "score" or not uncertainty.estimates:
        return None
    ft, icl = costs.fine_tuning, costs.in_context_learning
    if None in (ft.total_usd_low, ft.total_usd_high, icl.total_usd_low, icl.total_usd_high):
        return None
    pct = round(100 * uncertainty.interval_level)
    spans = (
        f"{pct}% intervals: fine-tuning {usd(ft.total_usd_low)}-{usd(ft.total_usd_high)}, "
        f"prompting {usd(icl.total_usd_low)}-{usd(icl.total_usd_high)} over the horizon"
    )
    chosen = decision.strategy
    share = uncertainty.share_fine_tuning_better
    if chosen is Strategy.IN_CONTEXT_LEARNING:
        share = 1.0 - share
    draws = f"{uncertainty.draws:,} draws of the estimated inputs"
    if share >= 0.5:
        return _reason(
            "decision-holds-across-ranges" if round(share, 2) >= 0.9 else "decision-uncertain",
            f"{chosen.label.capitalize()} is the better choice in {percent(share)} of "
            f"{draws} and of the quality gain ({spans}).",
            None,
            "note",
        )
    other = chosen.other
    return _reason(
        "decision-flips-inside-ranges",
        f"The point estimates favour {chosen.label}, but {other.label} is the better choice "
        f"in {percent(1 - share)} of {draws} and of the quality gain ({spans}): the "
        "confidence is one half. The sensitivity table names the inputs that move it most.",
        other,
        "note",
    )


def _far_from_median_reason(costs: CostComparison, uncertainty: Uncertainty) -> Reason | None:
    """Why a total as given lies far from its median over the draws, where one is at least
    ``far_from_median_ratio`` times the other (``data/uncertainty.json``): the estimated
    input that total moves with most."""
    drivers = {d.strategy: d for d in uncertainty.total_drivers}
    said = []
    for s, name in ((Strategy.FINE_TUNING, "Fine-tuning"), (Strategy.IN_CONTEXT_LEARNING,
                                                             "Prompting")):  # fmt: skip
        driver = drivers.get(s)
        if driver is None:
            continue
        cost = costs.for_strategy(s)
        point, median = cost.total_usd, cost.total_usd_median
        if point is None or median is None or not far_from_median(point, median):
            continue
        way = "above" if point > median else "below"
        halves = ""
        if math.isfinite(driver.median_low_usd) and math.isfinite(driver.median_high_usd):
            halves = (
                f": in the half of the draws where that input is low the total's median is "
                f"{usd(driver.median_low_usd)}, where it is high {usd(driver.median_high_usd)}"
            )
        said.append(
            f"{name}'s total as given, {usd(point)}, is far {way} its median over the draws, "
            f"{usd(median)}. It moves most with {driver.input}, from {driver.low_label} at "
            f"the cheap end of its range to {driver.high_label} at the dear end (rank "
            f"correlation {driver.rank_correlation:+.2f}){halves}."
        )
    if not said:
        return None
    return _reason(
        "costs-far-from-median",
        " ".join(said) + " A total as given has every estimate at its point value; the median "
        "and the interval come from the draws of every estimate across its range.",
        None,
        "note",
    )


def _value_reason(uncertainty: Uncertainty, costs: CostComparison) -> Reason | None:
    """What knowing more would be worth, when it is worth a measurement."""
    evpi = uncertainty.evpi_usd
    ft, icl = costs.fine_tuning.total_usd, costs.in_context_learning.total_usd
    if evpi is None or ft is None or icl is None:
        return None
    settings = uncertainty_settings()
    threshold = max(settings.evpi_min_usd, settings.evpi_share_of_cheaper_total * min(ft, icl))
    if evpi < threshold:
        return None
    q, c = uncertainty.evpi_quality_usd or 0.0, uncertainty.evpi_costs_usd or 0.0
    parts = f"the quality gain alone {usd(q)}, the costs' estimated inputs alone {usd(c)}"
    if max(q, c) >= 0.5 * evpi and q >= c:
        what = (
            "measure the quality gain before deciding (score both strategies on a sample of "
            "your own examples and pass them as pilot=)"
        )
    elif max(q, c) >= 0.5 * evpi:
        what = "pin down the costs' estimates the sensitivity table ranks first"
    else:
        what = (
            "no single measurement settles it: the quality gain and the costs matter "
            "together (the sensitivity table ranks the inputs)"
        )
    return _reason(
        "decision-value-of-information",
        f"Deciding with everything known would be worth about {usd(evpi)} more than "
        f"deciding now ({parts}): {what}.",
        None,
        "note",
    )


def _latency_reason(
    latency: Mapping[Strategy, StrategyLatency], budget_ms: float, term: float
) -> str:
    """How likely each strategy meets the budget, and what the decision makes of it."""
    parts = []
    named = percentile_name(latency[Strategy.IN_CONTEXT_LEARNING].budget_percentile)
    q = "the median" if named == "median" else named
    for s in (Strategy.IN_CONTEXT_LEARNING, Strategy.FINE_TUNING):
        lat = latency[s]
        p = lat.within_budget_probability
        if p is None or lat.p95_ms is None:
            continue
        name = "Prompting" if s is Strategy.IN_CONTEXT_LEARNING else "the tuned model"
        at = "" if q in ("p95", "the median") or lat.total_ms is None else (
            f"{q} about {format_value(lat.total_ms, 'ms')}, "
        )  # fmt: skip
        parts.append(
            f"{name} meets it with probability {share(p)} ({at}p95 about "
            f"{format_value(lat.p95_ms, 'ms')}, median {format_value(lat.median_ms, 'ms')})"
        )
    head = f"At {q} against the {format_value(budget_ms, 'ms')} budget: " + "; ".join(parts)
    how = "slightly " if abs(term) < 0.5 else ("strongly " if abs(term) >= 2.0 else "")
    toward = "fine-tuning" if term > 0 else "prompting"
    return (
        f"{head}. The decision weighs the two probabilities, which tip it {how}toward "
        f"{toward}; measure {'it' if q == 'the median' else 'the ' + q} on your own calls "
        "to settle it."
    )


def reasons_for(
    decision: Decision,
    quality: QualityEstimate,
    costs: CostComparison,
    outcomes: tuple[RuleOutcome, ...],
    months: float,
    uncertainty: Uncertainty,
    latency: Mapping[Strategy, StrategyLatency] | None = None,
    budget_ms: float | None = None,
) -> tuple[Reason, ...]:
    """Why: infeasibility first, then the weighed factors by size, then the notes."""
    strategy, feasible = decision.strategy, decision.feasible
    fired = [o for o in outcomes if o.status == "fired"]
    score = decision.score
    quality_term, cost_term = score.quality_log_odds, score.cost_term
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
    term = score.feasibility_term
    if latency is not None and budget_ms is not None and abs(term) >= 0.005:
        msg = _latency_reason(latency, budget_ms, term)
        favors = Strategy.FINE_TUNING if term > 0 else Strategy.IN_CONTEXT_LEARNING
        weighed.append((abs(term), "feasibility-latency", msg, favors, "feasibility", term))
    weighed.sort(key=lambda item: -item[0])
    for magnitude, code, message, favors, kind, signed in weighed:
        decisive = (not only_one) and favors is strategy and magnitude > 0
        out.append(_reason(code, message, favors, kind, decisive=decisive, weight=signed))
    ranges = _range_reason(decision, costs, uncertainty)
    if ranges is not None:
        out.append(ranges)
    far = _far_from_median_reason(costs, uncertainty)
    if far is not None:
        out.append(far)
    worth = _value_reason(uncertainty, costs)
    if worth is not None:
        out.append(worth)
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
