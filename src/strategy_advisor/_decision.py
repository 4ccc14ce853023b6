"""Decision stage: feasibility first, then expected quality and total cost on one scale."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from ._datafiles import read_shipped_json, validate_data
from ._rules import Effect
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
    "meeting_term",
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


@quiet_floats
def score_in_dollars(total: FloatArray, ft_total: FloatArray, policy: DecisionPolicy) -> FloatArray:
    """The decision score ``S`` in dollars: ``(C_ft + floor)·(exp(S/k) − 1)``, positive
    exactly where the score is (NaN where fine-tuning is unpriced). Where the score compares
    both totals it is fine-tuning's net benefit, ``(C_icl + floor)·exp((S − cost)/k) −
    (C_ft + floor)``: straight in an input the totals are straight in (a price, hours;
    nearly so in the volume, bent by replica steps, cache warmth and the prompt plan) where
    the quality, rules and latency terms stay put, so that a search's secant through two of
    its values lands near the root.

    Examples
    --------
    >>> p = DecisionPolicy.default()
    >>> _, cost = cost_score(9.0, 1.0, p)  # a score of its cost term alone (floor $1)
    >>> round(float(score_in_dollars(np.array([cost]), np.array([9.0]), p)[0]), 6)  # 2 − 10
    -8.0
    >>> float(score_in_dollars(np.array([0.0]), np.array([9.0]), p)[0])  # a tie: no benefit
    0.0
    """
    k, floor = policy.cost_weight, policy.cost_floor_usd
    return np.asarray((ft_total + floor) * np.expm1(total / k), dtype=np.float64)


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


def meeting_term(p: FloatArray) -> FloatArray:
    """``ln P`` of a probability of meeting an estimated constraint, as the score weighs it
    (floored at 1e-6, so that the term stays finite)."""
    return np.asarray(np.log(np.maximum(p, _FEASIBILITY_FLOOR)), dtype=np.float64)


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
        feasibility = np.broadcast_to(meeting_term(p_ft) - meeting_term(p_icl), (n,))
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
