"""Decision stage: feasibility first, then expected quality and total cost on one scale; the
confidence is the share of the simulation's draws in which the choice is the better one.

The shipped policy (``data/decision_policy.json``) is 2x the cost for a 0.75-likely win, 18
points of expected gain per unit of log-odds, a $1 floor, confidences 0.95 (one strategy
infeasible), 0.5 (neither) and 0.99 (the cap). So ``k = logit(0.75) / ln 2 = ln 3 / ln 2``.
The score is computed over rows (:func:`~strategy_advisor._decision.score_rows`, one row
here) and decided at the point (:func:`~strategy_advisor._decision.decide`), as
``recommend()`` does; the hand-worked case of docs/decision.md is recomputed here. Costs in
the reason tests are stand-ins holding only the fields the decision reads; money stays below
$10,000 so ``usd()`` writes it out in full ("$3,000").
"""

from __future__ import annotations

import math
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_advisor import (
    Advisor,
    DecisionPolicy,
    PeopleTime,
    QualityEstimate,
    Strategy,
    default_rulebook,
    recommend,
)
from strategy_advisor._costs import price
from strategy_advisor._decision import (
    Decision,
    RowScores,
    comparable_totals,
    cost_score,
    cost_scores,
    decide,
    score_rows,
)
from strategy_advisor._estimates import draw, estimates, gain_at
from strategy_advisor._pipeline import evaluate
from strategy_advisor._reasons import (
    _cost_reason,
    _points,
    _quality_reason,
    _range_reason,
    _value_reason,
    reasons_for,
)
from strategy_advisor._rules import Effect, RuleOutcome
from strategy_advisor._types import FrozenMap, construct
from strategy_advisor._uncertainty import Uncertainty, uncertainty_settings

from .helpers import TODAY, estimate, offer, point_evaluation, profile, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
POLICY = DecisionPolicy.default()
K = math.log(3.0) / math.log(2.0)  # logit(0.75) = ln 3, over ln 2
NEVER = "; fine-tuning is never cheaper at any volume (its per-request cost is not lower)."
NAN = math.nan


def _scores(
    gain: float,
    ft: float | None,
    icl: float | None,
    effects: tuple[Effect, ...] = (),
    *,
    ft_known: float | None = None,
    icl_known: float | None = None,
    policy: DecisionPolicy = POLICY,
) -> RowScores:
    """The score of one row: fine-tuning's expected gain (points), both totals (None:
    unpriced) and their priced parts, with every rule of ``effects`` fired."""

    def row(x: float | None) -> np.ndarray:
        return np.array([NAN if x is None else x])

    totals = (row(ft), row(icl), row(ft if ft_known is None else ft_known),
              row(icl if icl_known is None else icl_known))  # fmt: skip
    fired = np.ones((len(effects), 1), dtype=bool)
    return score_rows(np.array([gain]), totals, fired, effects, policy)


def _decide(
    gain: float,
    ft: float | None,
    icl: float | None,
    effects: tuple[Effect, ...] = (),
    *,
    share: float = 0.5,
    policy: DecisionPolicy = POLICY,
    **kw: Any,
) -> Decision:
    """The decision on one row, with ``share`` of the draws favouring fine-tuning."""
    scores = _scores(gain, ft, icl, effects, policy=policy, **kw)
    return decide(scores, effects, share, policy=policy)


def _uncertainty(
    share: float = 0.5,
    *,
    drawn: tuple[str, ...] = ("people.hourly_usd",),
    evpi: tuple[float | None, float | None, float | None] = (None, None, None),
) -> Uncertainty:
    return construct(
        Uncertainty,
        draws=2_000,
        seed=1,
        interval_level=0.8,
        share_fine_tuning_better=share,
        score_low=-1.0,
        score_high=1.0,
        cost_term_low=-1.0,
        cost_term_high=1.0,
        evpi_usd=evpi[0],
        evpi_quality_usd=evpi[1],
        evpi_costs_usd=evpi[2],
        estimates=drawn,
        total_drivers=(),
    )


def _side(
    total: float | None,
    known: float | None = None,
    unpriced: tuple[str, ...] = (),
    ends: tuple[float, float] | None = None,
) -> SimpleNamespace:
    low, high = ends if ends is not None else (total, total)
    return SimpleNamespace(
        total_usd=total,
        known_part_usd=known if known is not None else total,
        total_usd_low=low,
        total_usd_high=high,
        total_usd_median=total,
        unpriced=unpriced,
        reasoning_tokens_per_request=0.0,
        reasoning_tokens_range=None,
    )


def _costs(
    ft: SimpleNamespace,
    icl: SimpleNamespace,
    *,
    break_even: float | None = None,
    payback: tuple[float, float] | None = None,
    savings: float | None = None,
    break_even_shots: int | None = None,
) -> Any:
    """Stand-in costs: ``payback`` (months, days) within the horizon, ``savings`` fine-
    tuning's monthly saving (None: not stated), ``break_even_shots`` the demonstrations
    planned at the break-even where they differ from today's."""
    return SimpleNamespace(
        fine_tuning=ft,
        in_context_learning=icl,
        break_even_requests_per_month=break_even,
        break_even_icl_shots=break_even_shots,
        payback_months=payback[0] if payback else None,
        payback_days=payback[1] if payback else None,
        savings_per_month_usd=savings,
        for_strategy=lambda s: ft if s is FT else icl,
    )


def _outcome(effect: str, strategy: Strategy | None, weight: float = 0.0) -> RuleOutcome:
    return RuleOutcome(
        code=f"{effect}-rule",
        status="fired",
        effect=effect,  # type: ignore[arg-type]
        strategy=strategy,
        weight=weight,
        certainty=None,
        message=f"the {effect} rule",
        values=FrozenMap({}),
        source="hand",
    )


def _estimate(p: float, gain: float, lo: float, hi: float, **kw: Any) -> QualityEstimate:
    """p at a point, the expected gain in [lo, hi], its predictive interval +-4.3 points."""
    ends = dict(low=p, high=p, gain_low_points=gain - 4.3, gain_high_points=gain + 4.3)
    return estimate(
        gain,
        **{"p_fine_tuning_better": p, "expected_gain_low_points": lo,
           "expected_gain_high_points": hi, **ends, **kw},
    )  # fmt: skip


# ------------------------------------------------------------------------------ policy


def test_an_overridden_policy_is_user_supplied() -> None:
    assert POLICY.source.startswith("strategy_advisor default policy")
    assert DecisionPolicy.default(max_confidence=0.9).source == "user-supplied"


def test_no_default_rule_weighs_in_beside_the_cost_term() -> None:
    # rules that restate a cost fact explain it; only infeasibility and notes remain
    assert {r.effect.kind for r in default_rulebook().rules} <= {"infeasible", "note"}
    assert all(r.effect.weight == 0 for r in default_rulebook().rules)


def test_the_cost_floor_is_added_to_both_totals() -> None:
    # ln((9 + 1) / (1 + 1)) = ln 5; ln((1 + 1) / (0 + 1)) = ln 2; $0 against $0 is ln 1 = 0
    for (ft, icl), ratio in (((9.0, 1.0), math.log(5.0)), ((1.0, 0.0), math.log(2.0))):
        r, term = cost_score(ft, icl, POLICY)
        assert r == pytest.approx(ratio, rel=1e-15)
        assert term == pytest.approx(-K * ratio, rel=1e-12)
    assert cost_score(0.0, 0.0, POLICY) == (0.0, -0.0)
    # the same over rows
    terms = cost_scores(np.array([9.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]), POLICY)
    np.testing.assert_allclose(terms, [-K * math.log(5.0), -K * math.log(2.0), 0.0], rtol=1e-12)


def test_cost_term_by_hand_with_the_same_floor_on_both_sides() -> None:
    # -k ln((C_ft + floor) / (C_icl + floor)), k = logit(0.75) / ln 2 = ln 3 / ln 2
    a = recommend(profile(requests_per_month=10_000.0), today=TODAY, policy=POLICY)
    ft_total = a.costs[FT].total_usd
    icl_total = a.costs[ICL].total_usd
    assert ft_total is not None and icl_total is not None
    floor = POLICY.cost_floor_usd
    expected = math.log((ft_total + floor) / (icl_total + floor))
    assert a.score.cost_log_ratio == pytest.approx(expected)
    k = math.log(POLICY.likely_win_probability / (1 - POLICY.likely_win_probability)) / math.log(
        POLICY.cost_multiple_for_likely_win
    )
    assert a.score.cost_term == pytest.approx(-k * expected)
    assert POLICY.cost_weight == pytest.approx(math.log(3) / math.log(2))


# ------------------------------------------------------------- the hand-worked case

FT_COST, ICL_COST = 9_000.0, 3_000.0


def test_the_hand_worked_case_of_the_decision_doc() -> None:
    """docs/decision.md: fine-tuning $9,000, prompting $3,000, an expected gain of 13.2
    points. The confidence is no longer the mean of sigmoid(S) over the ranges' ends (0.725
    there): it is the share of the simulation's draws in which prompting is the better
    choice; with 27.46% of draws favouring fine-tuning, 0.7254."""
    assert POLICY.gain_points_per_log_odds == 18.0
    k = POLICY.cost_weight
    assert k == pytest.approx(math.log(3) / math.log(2))
    assert round(k, 4) == 1.5850
    d = _decide(13.2, FT_COST, ICL_COST, share=0.2746)
    s = d.score
    assert round(s.cost_term, 4) == -1.7409
    assert s.cost_term == pytest.approx(-k * math.log(9_001 / 3_001))
    assert s.cost_log_ratio == pytest.approx(math.log(9_001 / 3_001))
    assert round(s.quality_log_odds, 4) == 0.7333
    assert round(s.total, 4) == -1.0076
    assert (s.rules_term, s.decided_by) == (0.0, "score")
    assert d.strategy is ICL and d.confidence == pytest.approx(1 - 0.2746)
    # the old quality term, logit(0.98), would have chosen fine-tuning
    old = math.log(0.98 / 0.02) + s.cost_term
    assert round(old, 2) == 2.15
    # the same p with a tiny gain weighs a seventh as much
    tiny = _decide(2.0, FT_COST, ICL_COST)
    assert round(tiny.score.total, 2) == -1.63
    # where the large gain would pay for the gap
    assert round(-s.cost_term * 18, 1) == 31.3 and round(13.2 / -s.cost_term, 1) == 7.6
    cheaper = DecisionPolicy.default(gain_points_per_log_odds=7.0)
    assert _decide(13.2, FT_COST, ICL_COST, policy=cheaper).strategy is FT


def test_a_likely_large_gain_outweighs_a_likely_tiny_one() -> None:
    # fine-tuning 1.5x dearer: -k ln(3,001 / 2,001) = -0.642; 25 / 18 = 1.39, 2 / 18 = 0.11
    assert _decide(25.0, 3_000.0, 2_000.0).strategy is FT
    assert _decide(2.0, 3_000.0, 2_000.0).strategy is ICL
    assert POLICY.quality_term(25.0) == pytest.approx(25 / 18)
    assert round(POLICY.gain_points_for_cost_multiple, 1) == 19.8


scenarios = st.fixed_dictionaries(
    {
        "n_labeled_examples": st.integers(10, 50_000),
        # plausible volumes: 0, or at least one request a month (below one warns, a unit slip)
        "requests_per_month": st.one_of(st.just(0.0), st.floats(1, 1e8)),
        "hosting": st.sampled_from([0.0, 1.7, 8.0]),
        "task_change_interval_days": st.one_of(st.none(), st.floats(7, 400)),
    }
)


@settings(max_examples=40, deadline=None)
@given(kw=scenarios)
def test_as_cost_stops_mattering_the_decision_becomes_the_quality_decision(
    kw: dict[str, Any],
) -> None:
    hosting = kw.pop("hosting")
    p = profile(ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=hosting)), **kw)
    gaps = []
    for multiple in (2.0, 1e3, 1e30, 1e300):
        rec = recommend(
            p, today=TODAY, policy=DecisionPolicy.default(cost_multiple_for_likely_win=multiple)
        )
        gaps.append(abs(rec.score.total - rec.score.quality_log_odds))
        assert rec.score.rules_term == 0
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 0.05
    if all(rec.feasible.values()) and abs(rec.score.quality_log_odds) > 0.2:
        q = rec.quality
        ends = (q.expected_gain_low_points, q.expected_gain_points, q.expected_gain_high_points)
        if all(g > 1 for g in ends) or all(g < -1 for g in ends):
            assert rec.strategy is (FT if ends[1] > 0 else ICL)
        assert rec.score.quality_log_odds == pytest.approx(
            q.expected_gain_points / rec.policy.gain_points_per_log_odds
        )


# ------------------------------------------------------------------ the score over rows


def test_comparable_totals_over_rows() -> None:
    # rows: both priced; fine-tuning unpriced, its priced $5,000 above prompting's $3,000 (a
    # bound that decides); prompting unpriced, its priced $4,000 above fine-tuning's $2,000;
    # fine-tuning unpriced with a priced part below prompting's total (undecided); neither
    ft = np.array([2_000.0, NAN, 2_000.0, NAN, NAN])
    icl = np.array([3_000.0, 3_000.0, NAN, 3_000.0, NAN])
    ft_known = np.array([2_000.0, 5_000.0, 2_000.0, 2_000.0, 1.0])
    icl_known = np.array([3_000.0, 3_000.0, 4_000.0, 3_000.0, 1.0])
    a, b, bounded = comparable_totals(ft, icl, ft_known, icl_known)
    np.testing.assert_array_equal(a, [2_000.0, 5_000.0, 2_000.0, NAN, NAN])
    np.testing.assert_array_equal(b, [3_000.0, 3_000.0, 4_000.0, NAN, NAN])
    assert bounded.tolist() == [0, 1, 2, 0, 0]


def test_incomparable_costs_leave_no_log_ratio_and_no_cost_term() -> None:
    d = _decide(9.0, None, 3_000.0, ft_known=2_000.0)
    assert d.score.cost_log_ratio is None
    assert d.score.cost_term == 0.0
    assert d.score.total == pytest.approx(0.5, rel=1e-15)  # 9 / 18


def test_a_priced_part_that_decides_enters_the_cost_term() -> None:
    # fine-tuning unpriced but already $5,000 against $3,000: -k ln(5,001 / 3,001)
    d = _decide(9.0, None, 3_000.0, ft_known=5_000.0)
    assert d.score.cost_term == pytest.approx(-K * math.log(5_001 / 3_001), rel=1e-12)
    assert d.strategy is ICL


def test_a_rule_favouring_prompting_subtracts_its_weight() -> None:
    # quality 9 / 18 = 0.5, equal costs (cost term 0), prompting favoured by 0.4: total 0.1
    d = _decide(9.0, 3_000.0, 3_000.0, (Effect(kind="favor", strategy=ICL, weight=0.4),))
    assert d.score.rules_term == pytest.approx(-0.4, rel=1e-15)
    assert d.score.total == pytest.approx(0.1, rel=1e-12)


def test_the_score_over_rows_decides_each_row() -> None:
    # four rows: a gain that outweighs the cost; one that does not; a rule blocking
    # fine-tuning in row 3 (whatever its score); a rule blocking both in row 4 (the score
    # decides, 36 / 18 = 2 > 0)
    effects = (Effect(kind="infeasible", strategy=FT), Effect(kind="infeasible", strategy=ICL))
    fired = np.array([[False, False, True, True], [False, False, False, True]])
    gain = np.array([36.0, 2.0, 36.0, 36.0])
    totals = (np.full(4, 3_000.0), np.full(4, 2_000.0), np.full(4, 3_000.0), np.full(4, 2_000.0))
    sc = score_rows(gain, totals, fired, effects, POLICY)
    cost = -K * math.log(3_001 / 2_001)
    np.testing.assert_allclose(sc.total, gain / 18 + cost, rtol=1e-12)
    assert sc.fine_tuning.tolist() == [True, False, False, True]
    assert sc.infeasible_ft.tolist() == [False, False, True, True]
    assert sc.infeasible_icl.tolist() == [False, False, False, True]


# ------------------------------------------------------------------ decide: confidence


@pytest.mark.parametrize(
    ("gain", "share", "strategy", "confidence"),
    [
        (36.0, 0.8, FT, 0.8),  # the share of draws in which fine-tuning is better
        (36.0, 1.0, FT, 0.99),  # capped at max_confidence
        (36.0, 0.3, FT, 0.5),  # the draws lean the other way: never below one half
        (0.0, 0.3, ICL, 0.7),  # prompting chosen: the share of draws favouring it
        (0.0, 0.0, ICL, 0.99),
        (0.0, 0.7, ICL, 0.5),
        (0.0, 0.5, ICL, 0.5),  # a tie in the draws
    ],
)
def test_the_confidence_is_the_share_of_draws_clamped(
    gain: float, share: float, strategy: Strategy, confidence: float
) -> None:
    # equal totals: the cost term is 0 and the score is the quality term
    d = _decide(gain, 3_000.0, 3_000.0, share=share)
    assert (d.strategy, d.score.decided_by) == (strategy, "score")
    assert d.confidence == pytest.approx(confidence, rel=1e-15)


def test_the_strategy_follows_the_sign_of_the_score_shown() -> None:
    """A near tie: the point score is just below 0 while 70% of the draws favour
    fine-tuning. The answer follows the score as shown, at the least confidence."""
    d = _decide(0.0, 1_050.0, 1_000.0, share=0.7)
    assert d.score.total < 0 and d.strategy is ICL
    assert d.confidence == 0.5


@pytest.mark.parametrize("ft_total", [999.0, 1_001.0])
def test_the_confidence_is_one_half_on_both_sides_of_a_tie(ft_total: float) -> None:
    """Just either side of S = 0 the answer changes; half the draws either way leave the
    confidence at one half."""
    d = _decide(0.0, ft_total, 1_000.0, share=0.5)
    assert d.strategy is (FT if ft_total < 1_000.0 else ICL)
    assert d.confidence == 0.5


@pytest.mark.parametrize(
    ("certainties", "confidence"), [((None,), 0.95), ((0.8,), 0.8), ((0.7, None, 0.8), 0.95)]
)
def test_one_infeasible_strategy_decides_with_the_rules_certainty(
    certainties: tuple[float | None, ...], confidence: float
) -> None:
    # a large quality term for fine-tuning (36 / 18 = 2) does not matter: it is infeasible;
    # the confidence is the surest blocking rule's (the policy's 0.95 when a rule states none),
    # whatever the draws say
    fired = tuple(Effect(kind="infeasible", strategy=FT, certainty=c) for c in certainties)
    d = _decide(36.0, 3_000.0, 3_000.0, fired, share=1.0)
    assert d.strategy is ICL and d.score.decided_by == "feasibility"
    assert d.confidence == confidence
    assert dict(d.feasible) == {FT: False, ICL: True}


def test_neither_feasible_weighs_anyway_capped_at_one_half() -> None:
    fired = (Effect(kind="infeasible", strategy=FT), Effect(kind="infeasible", strategy=ICL))
    d = _decide(36.0, 3_000.0, 3_000.0, fired, share=0.9)
    assert d.strategy is FT  # the score, 2 > 0
    assert d.score.decided_by == "neither_feasible"
    assert d.confidence == 0.5  # both_infeasible_confidence


# ---------------------------------------------------------- the confidence in recommend()


def test_the_confidence_of_a_recommendation_is_its_share_of_draws() -> None:
    for volume in (1_000.0, 1e6, 1e7):
        rec = recommend(profile(requests_per_month=volume), today=TODAY)
        share = rec.uncertainty.share_fine_tuning_better
        chosen = share if rec.strategy is FT else 1.0 - share
        assert all(rec.feasible.values()) and rec.score.decided_by == "score"
        assert rec.confidence == pytest.approx(min(max(0.5, chosen), 0.99), rel=1e-15)
        assert rec.uncertainty.draws == uncertainty_settings().draws


def test_a_rule_that_leaves_one_strategy_sets_the_confidence() -> None:
    # the tuned model shuts down 48 days after 2026-11-27, 48 / 365.25 = 13% of the 12-month
    # horizon (under 50%): ft-model-shuts-down-early states a certainty of 0.9. (A latency
    # budget no longer leaves one strategy: meeting it is a probability the score weighs.)
    rec = recommend(profile(ft_model=spec(shutdown_date="2027-01-14")), today=TODAY)
    assert dict(rec.feasible) == {FT: False, ICL: True}
    assert (rec.strategy, rec.score.decided_by, rec.confidence) == (ICL, "feasibility", 0.9)
    assert rec.reasons[0].code == "ft-model-shuts-down-early" and rec.reasons[0].decisive
    # fewer examples than the minimum: the policy's infeasible_confidence
    few = recommend(profile(n_labeled_examples=5, icl_shots=2), today=TODAY)
    assert (few.strategy, few.confidence) == (ICL, POLICY.infeasible_confidence)


def test_neither_strategy_feasible_has_the_both_infeasible_confidence() -> None:
    # 5 examples (below the minimum of 10) and a 1,000-token window the prompt overflows
    # (100 + 5 x 250 + 200 + 50 = 1,600 tokens)
    p = profile(n_labeled_examples=5, icl_shots=5, icl_model=spec(context_window=1_000))
    rec = recommend(p, today=TODAY)
    assert not any(rec.feasible.values())
    assert rec.score.decided_by == "neither_feasible"
    assert rec.confidence == POLICY.both_infeasible_confidence


# ------------------------------------------------------------ intervals and shared draws


def test_the_totals_interval_is_the_80_percent_interval_of_the_draws() -> None:
    """Each strategy's total is quoted as the median and the 10th-90th percentiles of its
    total over the simulation's draws (the prompt as planned for the point estimate)."""
    p = profile()
    rec = recommend(p, today=TODAY)
    adv = Advisor()
    case, ev = point_evaluation(p, advisor=adv)
    parts = adv._parts(p, case, adv.policy)
    drawn = draw(case, ev.scenarios, partial(gain_at, rec.quality), uncertainty_settings().draws)
    shots = np.full(drawn.scenarios.rows, float(ev.plan.shots[0]))
    at_draws = evaluate(case, drawn.scenarios, parts, shots=shots, gain=drawn.gain)
    for k in (FT, ICL):
        lo, mid, hi = np.quantile(at_draws.bills.total[k], [0.1, 0.5, 0.9])
        cost = rec.costs[k]
        assert (cost.total_usd_low, cost.total_usd_median, cost.total_usd_high) == (
            pytest.approx(lo, rel=1e-12),
            pytest.approx(mid, rel=1e-12),
            pytest.approx(hi, rel=1e-12),
        )
    share = float(at_draws.scores.fine_tuning.mean())
    assert rec.uncertainty.share_fine_tuning_better == pytest.approx(share, rel=1e-12)


def test_the_score_in_dollars_is_the_net_benefit_and_has_the_score_s_sign() -> None:
    """What the flip search narrows on: ``(C_icl + floor)·exp((S − cost)/k) − (C_ft +
    floor)``, positive exactly where the score is; straight in the volume when both totals
    are and nothing else in the score moves."""
    from strategy_advisor._decision import cost_scores, score_in_dollars

    rng = np.random.default_rng(3)
    ft, icl = rng.lognormal(9, 1, 500), rng.lognormal(9, 1, 500)
    others = rng.normal(0, 1, 500)  # quality, rules, feasibility
    total = others + cost_scores(ft, icl, POLICY)
    nb = score_in_dollars(total, ft, POLICY)
    k, floor = POLICY.cost_weight, POLICY.cost_floor_usd
    np.testing.assert_allclose(nb, (icl + floor) * np.exp(others / k) - (ft + floor),
                               rtol=1e-9, atol=1e-6)  # fmt: skip
    assert ((nb > 0) == (total > 0)).all()
    volume = np.array([1e3, 2e3, 4e3])  # totals straight in the volume, the rest fixed
    ft_v, icl_v = 5_000 + 0.01 * volume, 100 + 0.02 * volume
    nb_v = score_in_dollars(0.3 + cost_scores(ft_v, icl_v, POLICY), ft_v, POLICY)
    slope = (nb_v[1] - nb_v[0]) / 1e3
    assert nb_v[2] == pytest.approx(nb_v[1] + slope * 2e3, rel=1e-9)


def test_the_percentiles_of_several_simulations_are_each_one_alone() -> None:
    """A sweep computes its volumes' percentiles together (one ``np.quantile`` a quantity):
    each is, to the bit, what its simulation alone gives, and an unpriced draw leaves that
    strategy without an interval."""
    from strategy_advisor._simulation import spreads

    rng = np.random.default_rng(7)
    n = 500

    def sim(unpriced: bool) -> Any:
        icl = rng.lognormal(8.0, 0.4, n + 6)
        if unpriced:
            icl[3] = math.nan
        scores = SimpleNamespace(total=rng.normal(0, 1, n + 6), cost=rng.normal(0, 1, n + 6))
        return SimpleNamespace(totals={FT: rng.lognormal(9.0, 0.3, n + 6), ICL: icl},
                               scores=scores)  # fmt: skip

    sims = [sim(False), sim(True), sim(False)]
    together = spreads(sims, n, 0.8)
    ends = [(1 - 0.8) / 2, (1 + 0.8) / 2]  # as summarise computes them
    for ev, got in zip(sims, together, strict=True):
        assert got == spreads([ev], n, 0.8)[0]
        lo, mid, hi = np.quantile(ev.totals[FT][:n], [ends[0], 0.5, ends[1]])
        assert got.intervals[FT] == (mid, lo, hi)
        assert got.score == tuple(np.quantile(ev.scores.total[:n], ends))
        assert got.cost == tuple(np.quantile(ev.scores.cost[:n], ends))
    assert together[1].intervals[ICL] == (None, None, None)
    assert together[0].intervals[ICL][0] == np.quantile(sims[0].totals[ICL][:n], 0.5)


def test_a_profile_with_nothing_estimated_has_no_cost_interval() -> None:
    # every person-hour, the peak ratio and the epochs given, the prompted model's cache
    # lifetime stated: no input of the bills is drawn, so each interval is the point total
    # (only the quality gain varies)
    people = PeopleTime(
        hourly_usd=100.0, prompt_engineering_hours=10.0, fine_tuning_setup_hours=20.0,
        fine_tuning_hours_per_retraining=5.0, prompt_revision_hours=2.0,
        prompt_migration_hours=0.0, self_hosting_ops_hours_per_month=0.0,
    )  # fmt: skip
    kw: dict[str, Any] = dict(people=people, peak_to_average_ratio=2.0, epochs=3)
    rec = recommend(profile(icl_model=spec(cache_lifetime_minutes=5.0), **kw), today=TODAY)
    assert rec.uncertainty.estimates == ()
    assert [r.key for r in rec.sensitivity] == ["quality"]
    for k in (FT, ICL):
        c = rec.costs[k]
        assert c.total_usd_low == c.total_usd_median == c.total_usd_high == c.total_usd
    # a measured hit rate: the cache's lifetime no longer moves the bill
    measured = recommend(profile(cache_hit_rate=0.5, **kw), today=TODAY)
    c = measured.costs[ICL]
    assert c.total_usd_low == c.total_usd_median == c.total_usd_high == c.total_usd


def test_shared_estimates_move_both_bills_together() -> None:
    """The engineering rate is one knob, drawn once per scenario and read by both bills:
    with the hours given, fine-tuning's time paid once over prompting's is (10 + 20) / 10
    in every draw, whatever rate is drawn. The two teams' hours at a task change (one
    retraining, one prompt revision) share their percentile."""
    hours = dict(prompt_engineering_hours=10.0, fine_tuning_setup_hours=20.0,
                 fine_tuning_hours_per_retraining=5.0, prompt_revision_hours=2.0)  # fmt: skip
    p = profile(people=PeopleTime(**hours), task_change_interval_days=90.0)
    case, ev = point_evaluation(p)
    found = {e.key: e for e in estimates(case, ev.scenarios)}
    assert "people.hourly_usd" in found
    drawn = draw(case, ev.scenarios, partial(gain_at, estimate(5.0)), 500)
    rate = drawn.scenarios["hourly_usd"]
    assert rate.shape == (500,) and rate.min() < rate.max()
    bills = price(case, drawn.scenarios, np.full(500, 10.0))
    ft_once = bills.pick(FT, "people_once")
    icl_once = bills.pick(ICL, "people_once")
    assert not ft_once.flags.writeable  # it may be the option's own array
    np.testing.assert_allclose(ft_once / icl_once, 3.0, rtol=1e-12)
    np.testing.assert_allclose(icl_once, 10.0 * rate, rtol=1e-12)
    # the team's hours: retraining and revision drawn at one percentile
    q = profile(people=PeopleTime(hourly_usd=100.0), task_change_interval_days=90.0)
    case, ev = point_evaluation(q)
    team = draw(case, ev.scenarios, partial(gain_at, estimate(5.0)), 200).percentiles
    np.testing.assert_array_equal(
        team["people.fine_tuning_hours_per_retraining"], team["people.prompt_revision_hours"]
    )


def _estimated(**kw: Any) -> set[str]:
    case, ev = point_evaluation(profile(**kw))
    return {e.key for e in estimates(case, ev.scenarios)}


def test_which_estimates_are_drawn_depends_on_how_both_are_served() -> None:
    """An input the profile gives is a fact, not drawn; the serving figures are drawn only
    where some strategy runs on replicas (utilization) or on the team's own GPUs (the GPU
    price, training speed, the spare replica, the node's set-up hours). Own weights of 8B
    may also go on an L40S or an A100, whose time per request against the H100's is a
    measured range (gpu_capacity), or on a GPU platform's scale-to-zero worker, whose cold
    start is a range (cold_start)."""
    api = _estimated()
    assert {"epochs", "peak_to_average_ratio", "people.hourly_usd", "cache_lifetime"} <= api
    assert not any(k.startswith("serving.") for k in api)
    given = _estimated(people=PeopleTime(hourly_usd=100.0), peak_to_average_ratio=2.0, epochs=3)
    assert not {"epochs", "peak_to_average_ratio", "people.hourly_usd"} & given
    dedicated = _estimated(ft_model=spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=2.0)))
    assert {k for k in dedicated if k.startswith("serving.")} == {"serving.utilization"}
    own = _estimated(ft_model=spec(params_b=8.0, fine_tuning=offer(serving=("self_hosted",))))
    assert {k for k in own if k.startswith("serving.")} == {
        "serving.utilization", "serving.gpu_price", "serving.training_speed",
        "serving.self_hosted_min_replicas", "serving.self_hosted_training_setup_hours",
        "serving.gpu_capacity", "serving.cold_start",
    }  # fmt: skip
    # a model too large for one 48-80 GB card: only the H100 route, no endpoint
    big = _estimated(ft_model=spec(params_b=70.0, fine_tuning=offer(serving=("self_hosted",))))
    assert {k for k in big if k.startswith("serving.")} == {
        "serving.utilization", "serving.gpu_price", "serving.training_speed",
        "serving.self_hosted_min_replicas", "serving.self_hosted_training_setup_hours",
    }  # fmt: skip


def test_self_hosting_on_both_sides_draws_one_gpu_price() -> None:
    own = spec(kind="open_weights", params_b=8.0, serving=("self_hosted",),
               fine_tuning=offer(serving=("self_hosted",)))  # fmt: skip
    case, ev = point_evaluation(profile(icl_model=own, ft_model=own))
    keys = [e.key for e in estimates(case, ev.scenarios)]
    assert keys.count("serving.gpu_price") == 1
    s = draw(case, ev.scenarios, partial(gain_at, estimate(5.0)), 300).scenarios
    assert np.unique(s["gpu_price_z"]).size > 1  # drawn
    bills = price(case, s, np.full(s.rows, 10.0))

    def hourly(k: Strategy, gpu: str) -> np.ndarray:
        (o,) = [o for o in bills.options[k] if o.mode == "self_hosted" and o.gpu == gpu]
        return np.broadcast_to(o.usd_per_replica_hour, (s.rows,))

    # the same percentile on both sides: the same order, draw by draw (and on every GPU)
    for gpu in ("H100 80GB", "L40S 48GB"):
        ft_gpu, icl_gpu = hourly(FT, gpu), hourly(ICL, gpu)
        assert np.unique(ft_gpu).size > 1
        np.testing.assert_array_equal(
            np.argsort(ft_gpu, kind="stable"), np.argsort(icl_gpu, kind="stable")
        )


def test_the_simulation_is_reproducible() -> None:
    p = profile(task_change_interval_days=60.0)
    a, b = recommend(p, today=TODAY), recommend(p, today=TODAY)
    assert a.uncertainty == b.uncertainty
    assert a.costs == b.costs


# ---------------------------------------------------------------------- range reason

SPANS = "fine-tuning $2,000-$4,000, prompting $2,500-$3,500 over the horizon"
RANGED = _costs(_side(3_000.0, ends=(2_000.0, 4_000.0)), _side(3_000.0, ends=(2_500.0, 3_500.0)))
DRAWS = "2,000 draws of the estimated inputs"


def test_a_choice_that_flips_inside_the_intervals_says_which_would_win() -> None:
    # quality 0.5, equal point costs: fine-tuning; but prompting wins in 70% of the draws
    d = _decide(9.0, 3_000.0, 3_000.0, share=0.3)
    assert (d.strategy, d.confidence) == (FT, 0.5)
    r = _range_reason(d, RANGED, _uncertainty(0.3))
    assert r is not None
    assert (r.code, r.favors, r.kind) == ("decision-flips-inside-ranges", ICL, "note")
    assert r.message == (
        "The point estimates favour fine-tuning, but in-context learning is the better choice "
        f"in 70% of {DRAWS} and of the quality gain (80% intervals: {SPANS}): the confidence "
        "is one half. The sensitivity table names the inputs that move it most."
    )


@pytest.mark.parametrize(
    ("share", "code", "pct"),
    [(0.95, "decision-holds-across-ranges", "95"), (0.9, "decision-holds-across-ranges", "90"),
     (0.75, "decision-uncertain", "75"), (0.5, "decision-uncertain", "50")],
)  # fmt: skip
def test_a_choice_that_holds_in_most_draws_is_a_note(share: float, code: str, pct: str) -> None:
    d = _decide(36.0, 3_000.0, 3_000.0, share=share)
    r = _range_reason(d, RANGED, _uncertainty(share))
    assert r is not None
    assert (r.code, r.favors, r.kind) == (code, None, "note")
    assert r.message == (
        f"Fine-tuning is the better choice in {pct}% of {DRAWS} and of the quality gain "
        f"(80% intervals: {SPANS})."
    )


def test_prompting_chosen_quotes_its_own_share() -> None:
    d = _decide(0.0, 4_000.0, 3_000.0, share=0.2)
    r = _range_reason(d, RANGED, _uncertainty(0.2))
    assert r is not None and r.code == "decision-uncertain"
    assert r.message.startswith("In-context learning is the better choice in 80% of ")


def test_no_range_note_when_a_rule_left_one_strategy_or_nothing_was_drawn() -> None:
    blocked = (Effect(kind="infeasible", strategy=ICL, weight=0.0, certainty=None),)
    d = _decide(9.0, 3_000.0, 3_000.0, blocked)
    assert d.strategy is FT and _range_reason(d, RANGED, _uncertainty(0.9)) is None
    free = _decide(9.0, 3_000.0, 3_000.0)
    assert _range_reason(free, RANGED, _uncertainty(0.9, drawn=())) is None
    unpriced = _costs(_side(3_000.0, ends=(2_000.0, 4_000.0)), _side(None))
    assert _range_reason(free, unpriced, _uncertainty(0.9)) is None


# ------------------------------------------------------------------------ value reason


def test_the_value_of_information_is_said_when_it_passes_the_threshold() -> None:
    # the threshold: max($100, 5% of the cheaper total) = max(100, 0.05 x 3,000) = $150
    costs = _costs(_side(4_000.0), _side(3_000.0))
    assert _value_reason(_uncertainty(evpi=(149.0, 149.0, 0.0)), costs) is None
    r = _value_reason(_uncertainty(evpi=(4_100.0, 4_000.0, 300.0)), costs)
    assert r is not None and (r.code, r.kind, r.favors) == (
        "decision-value-of-information", "note", None)  # fmt: skip
    assert r.message == (
        "Deciding with everything known would be worth about $4,100 more than deciding now "
        "(the quality gain alone $4,000, the costs' estimated inputs alone $300): measure the "
        "quality gain before deciding (score both strategies on a sample of your own examples "
        "and pass them as pilot=)."
    )
    # the costs' part at least half of the whole ($450 >= $250) and above the quality's
    costs_first = _value_reason(_uncertainty(evpi=(500.0, 100.0, 450.0)), costs)
    assert costs_first is not None
    assert costs_first.message == (
        "Deciding with everything known would be worth about $500 more than deciding now "
        "(the quality gain alone $100, the costs' estimated inputs alone $450): pin down the "
        "costs' estimates the sensitivity table ranks first."
    )
    # neither part reaches half of the whole ($200 < $250): no single measurement
    together = _value_reason(_uncertainty(evpi=(500.0, 200.0, 200.0)), costs)
    assert together is not None
    assert together.message.endswith(
        "alone $200): no single measurement settles it: the quality gain and the costs matter "
        "together (the sensitivity table ranks the inputs)."
    )
    assert _value_reason(_uncertainty(evpi=(None, None, None)), costs) is None
    # a part worth nothing (a wide range that alone never moves the answer) says so
    nothing = _value_reason(_uncertainty(evpi=(500.0, 200.0, 0.0)), costs)
    assert nothing is not None and nothing.message.endswith(
        "together (the sensitivity table ranks the inputs). Knowing the costs' estimated "
        "inputs alone is worth nothing: alone, across their ranges, they never change the "
        "answer."
    )


# ------------------------------------------------------------------------ cost reason


def test_cheaper_fine_tuning_without_a_break_even_is_not_called_never_cheaper() -> None:
    # fine-tuning cheaper now, no continuous crossing: cheaper at every volume, or past a step
    msg, favors = _cost_reason(_costs(_side(2_000.0), _side(3_000.0)), 12.0)  # type: ignore[misc]
    assert msg == (
        "Fine-tuning costs $2,000 over 12 months vs $3,000 for prompting; no single break-even "
        "volume (the totals never cross continuously)."
    )
    assert favors is FT and NEVER not in msg


def test_the_cost_reason_when_fine_tuning_is_dearer_over_one_month() -> None:
    msg, favors = _cost_reason(_costs(_side(9_000.0), _side(3_000.0)), 1.0)  # type: ignore[misc]
    assert msg == "Fine-tuning costs $9,000 over 1 month vs $3,000 for prompting" + NEVER
    assert favors is ICL


def test_the_cost_reason_with_a_break_even_and_a_payback() -> None:
    # 250,000 requests/month is "250k"; a payback of 0.5 months = 15.2 days reads "15 days"
    costs = _costs(_side(2_000.0), _side(3_000.0), break_even=250_000.0, payback=(0.5, 15.2))
    msg, favors = _cost_reason(costs, 2.0)  # type: ignore[misc]
    assert msg == (
        "Fine-tuning costs $2,000 over 2 months vs $3,000 for prompting; break-even at 250k "
        "requests/month; the first training run pays back in 15 days."
    )
    assert favors is FT
    # the break-even re-plans the prompt for its volume: where that is not today's count it
    # says so (an outside check took the break-even for one with today's 8 demonstrations)
    planned = _costs(_side(2_000.0), _side(3_000.0), break_even=250_000.0, break_even_shots=1)
    assert (
        "break-even at 250k requests/month (with the prompt planned there: 1 demonstration)"
        in (
            _cost_reason(planned, 2.0)[0]  # type: ignore[index]
        )
    )


def test_a_saving_that_does_not_pay_back_within_the_horizon_says_so() -> None:
    # fine-tuning saves $50 a month but its run is not paid back in 12 months (no payback)
    costs = _costs(_side(2_000.0), _side(3_000.0), break_even=250_000.0, savings=50.0)
    msg, favors = _cost_reason(costs, 12.0)  # type: ignore[misc]
    assert msg == (
        "Fine-tuning costs $2,000 over 12 months vs $3,000 for prompting; break-even at 250k "
        "requests/month; the first training run does not pay back within the 12-month horizon."
    )
    assert favors is FT
    # no saving a month: nothing to pay back, nothing said
    flat = _costs(_side(2_000.0), _side(3_000.0), break_even=250_000.0, savings=0.0)
    assert _cost_reason(flat, 12.0)[0].endswith("requests/month.")  # type: ignore[index]


def test_no_payback_is_quoted_when_prompting_is_cheaper() -> None:
    costs = _costs(_side(4_000.0), _side(3_000.0), break_even=250_000.0, payback=(0.5, 15.2))
    msg, _ = _cost_reason(costs, 12.0)  # type: ignore[misc]
    assert msg.endswith(
        "over 12 months vs $3,000 for prompting; break-even at 250k requests/month."
    )


@pytest.mark.parametrize(
    ("ft", "icl", "line"),
    [
        # fine-tuning unpriced, but its priced $5,000 already exceeds prompting's $3,000
        (_side(None, 5_000.0, ("a.training_usd_per_mtok",)), _side(3_000.0),
         "Fine-tuning costs at least $5,000 over 12 months vs $3,000 for prompting (unpriced: "
         "a.training_usd_per_mtok; the priced part already decides)."),
        # prompting unpriced, its priced $4,000 already above fine-tuning's $2,000
        (_side(2_000.0), _side(None, 4_000.0, ("b.input_usd_per_mtok", "c")),
         "Fine-tuning costs $2,000 over 12 months vs at least $4,000 for prompting (unpriced: "
         "b.input_usd_per_mtok, c; the priced part already decides)."),
    ],
)  # fmt: skip
def test_a_priced_part_that_already_decides_is_a_lower_bound(
    ft: SimpleNamespace, icl: SimpleNamespace, line: str
) -> None:
    msg, favors = _cost_reason(_costs(ft, icl), 12.0)  # type: ignore[misc]
    assert msg == line
    assert favors is (ICL if ft.total_usd is None else FT)


def test_a_priced_part_that_does_not_decide_gives_no_cost_reason() -> None:
    # fine-tuning's priced $2,000 is below prompting's $3,000: the unpriced rest could go either way
    assert _cost_reason(_costs(_side(None, 2_000.0), _side(3_000.0)), 12.0) is None


def test_totals_equal_to_nine_digits_favour_neither() -> None:
    # a relative difference of 1e-10 is within isclose's 1e-9
    _, favors = _cost_reason(_costs(_side(3_000.0), _side(3_000.0 * (1 + 1e-10))), 12.0)  # type: ignore[misc]
    assert favors is None


# --------------------------------------------------------------------- quality reason


def test_the_quality_reason_quotes_probability_and_gain() -> None:
    up = _estimate(0.71, 4.0, 1.0, 7.0, low=0.6, high=0.8, gain_low_points=-2.2,
                   gain_high_points=11.4)  # fmt: skip
    msg, favors = _quality_reason(up)
    assert msg == (
        "Fine-tuning is 71% likely to be better (interval 60-80%), by about 4 points "
        "(−2 to +11 on a 0-100 scale)."
    )
    assert favors is FT
    down = _estimate(0.3, -8.4, -12.0, -5.0, low=0.2, high=0.4, gain_low_points=-40.0,
                     gain_high_points=25.0)  # fmt: skip
    msg, favors = _quality_reason(down)
    assert "30% likely to be better" in msg and "about 8 points lower" in msg
    assert "(−40 to +25 on a 0-100 scale)" in msg and favors is ICL


@pytest.mark.parametrize(
    ("x", "text"), [(1.2, "+1"), (0.4, "±0"), (-0.4, "±0"), (-1.6, "−2"), (11.5, "+12")]
)
def test_points_are_signed_whole_numbers(x: float, text: str) -> None:
    assert _points(x) == text


def test_a_gain_of_one_point_lower_is_singular() -> None:
    q = estimate(-1.0, p_fine_tuning_better=0.4, low=0.3, high=0.5)
    msg, favors = _quality_reason(q)
    assert msg == (
        "Fine-tuning is 40% likely to be better (interval 30-50%), but expected to score about "
        "1 point lower (−11 to +9 on a 0-100 scale)."
    )
    assert favors is ICL


def test_a_zero_expected_gain_favours_prompting() -> None:
    msg, favors = _quality_reason(estimate(0.0))
    assert "by about 0 points" in msg
    assert favors is ICL


# ------------------------------------------------------------------------ reasons_for


def test_reasons_are_ordered_by_weight_with_signed_terms() -> None:
    # quality 36 / 18 = +2 (for fine-tuning); cost -k ln(3,001 / 1,001) = -1.7402 (for
    # prompting); a rule for fine-tuning +0.3. Total 0.5598: fine-tuning, all feasible.
    costs = _costs(_side(3_000.0), _side(1_000.0))
    fired = (Effect(kind="favor", strategy=FT, weight=0.3),)
    q = estimate(36.0)
    d = _decide(36.0, 3_000.0, 1_000.0, fired, share=0.8)
    cost_term = -K * math.log(3_001 / 1_001)
    assert d.score.total == pytest.approx(2.0 + cost_term + 0.3, rel=1e-12)
    reasons = reasons_for(d, q, costs, (_outcome("favor", FT, 0.3),), 12.0, _uncertainty(0.8))
    got = [(r.code, r.kind, r.favors, r.decisive) for r in reasons]
    assert got == [
        ("quality-estimate", "quality", FT, True),
        ("cost-comparison", "cost", ICL, False),
        ("favor-rule", "favor", FT, True),
        ("decision-uncertain", "note", None, False),
    ]
    assert reasons[0].weight == pytest.approx(2.0, rel=1e-12)
    assert reasons[1].weight == pytest.approx(cost_term, rel=1e-12)
    assert reasons[2].weight == 0.3
    assert (
        reasons[1].message
        == "Fine-tuning costs $3,000 over 12 months vs $1,000 for prompting" + NEVER
    )


def test_a_rule_for_prompting_weighs_with_a_minus_sign() -> None:
    costs = _costs(_side(None, 2_000.0), _side(3_000.0))  # incomparable: no cost reason
    fired = (Effect(kind="favor", strategy=ICL, weight=0.3),)
    q = estimate(36.0)
    d = _decide(36.0, None, 3_000.0, fired, ft_known=2_000.0)
    reasons = reasons_for(d, q, costs, (_outcome("favor", ICL, 0.3),), 12.0, _uncertainty(drawn=()))
    assert [(r.code, r.weight) for r in reasons] == [
        ("quality-estimate", pytest.approx(2.0, rel=1e-12)),
        ("favor-rule", -0.3),
    ]


def test_infeasibility_comes_first_and_decides_when_one_strategy_is_left() -> None:
    costs = _costs(_side(3_000.0), _side(3_000.0))
    q = estimate(9.0)
    d = _decide(9.0, 3_000.0, 3_000.0, (Effect(kind="infeasible", strategy=FT),))
    outcomes = (_outcome("infeasible", FT), _outcome("note", None))
    reasons = reasons_for(d, q, costs, outcomes, 12.0, _uncertainty())
    first = reasons[0]
    assert (first.code, first.message, first.favors, first.kind, first.decisive) == (
        "infeasible-rule",
        "the infeasible rule",
        ICL,
        "infeasible",
        True,
    )
    # with one strategy left, no weighed factor is decisive, and no note on the draws
    assert not any(r.decisive for r in reasons[1:])
    assert not any(r.code.startswith("decision-") for r in reasons)
    assert reasons[-1].code == "note-rule"


def test_neither_feasible_is_said_first() -> None:
    costs = _costs(_side(3_000.0), _side(3_000.0))
    q = estimate(9.0)
    fired = (Effect(kind="infeasible", strategy=FT), Effect(kind="infeasible", strategy=ICL))
    d = _decide(9.0, 3_000.0, 3_000.0, fired)
    outcomes = (_outcome("infeasible", FT), _outcome("infeasible", None))
    reasons = reasons_for(d, q, costs, outcomes, 12.0, _uncertainty())
    first = reasons[0]
    assert (first.code, first.favors, first.kind, first.decisive) == (
        "decision-neither-feasible",
        None,
        "note",
        True,
    )
    assert first.message == (
        "Neither strategy is feasible as described; the choice below weighs quality and cost "
        "anyway, with low confidence. Fix the blocking inputs first."
    )
    # an infeasibility rule naming no strategy favours none
    assert [(r.code, r.favors) for r in reasons[1:3]] == [
        ("infeasible-rule", ICL),
        ("infeasible-rule", None),
    ]


@pytest.mark.parametrize(
    "update",
    [
        {"task_change_interval_days": 60.0},
        {"requests_per_month": 2_000_000, "latency_budget_ms": 900.0},
    ],
)
def test_the_simulation_along_with_the_first_probes_is_the_simulation_alone(
    update: dict[str, Any],
) -> None:
    """The draws ride along with the flip search's first probes (one evaluation for both):
    every draw's scores and totals are those of the draws evaluated alone, to the bit, and
    the probes' outcome is the search's without them."""
    from strategy_advisor._flips import explore
    from strategy_advisor._scenarios import Scenarios
    from strategy_advisor._simulation import evaluate_table, simulation_table

    adv = Advisor()
    p = profile(**update)
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    point = Scenarios.point(case)
    at_point = evaluate(case, point, parts)
    quality = adv.quality_model.predict(parts.base_quality, None)
    table = simulation_table(case, point, at_point, quality)
    alone = evaluate_table(case, parts, table)
    searched = explore(case, parts, point, at_point, along=table.rows)
    assert searched.along is not None
    for k in alone.totals:
        np.testing.assert_array_equal(searched.along.totals[k], alone.totals[k])
    for name in ("total", "quality", "cost", "rules", "feasibility", "fine_tuning"):
        np.testing.assert_array_equal(
            getattr(searched.along.scores, name), getattr(alone.scores, name)
        )
    without = explore(case, parts, point, at_point)
    assert without.along is None
    assert (searched.break_even, searched.flip_points) == (
        without.break_even,
        without.flip_points,
    )


def test_tornado_rows_whose_swings_tie_keep_the_estimates_order() -> None:
    """Swings that differ only by rounding (1e-15) do not reorder the tornado: tied rows
    keep the order of the estimates; rows apart by more are largest first."""
    from strategy_advisor._simulation import largest_swing_first
    from strategy_advisor._uncertainty import SensitivityRow

    def row(key: str, swing: float) -> SensitivityRow:
        return construct(
            SensitivityRow, key=key, input=key, low_label="", high_label="", score_low=0.0,
            score_high=swing, swing=swing, strategy_low=Strategy.IN_CONTEXT_LEARNING,
            strategy_high=Strategy.FINE_TUNING, rank_correlation=0.0,
        )  # fmt: skip

    rows = [row("a", 0.3), row("b", 0.5 - 1e-15), row("c", 0.5), row("d", 0.5 + 2e-16)]
    assert [r.key for r in largest_swing_first(rows)] == ["b", "c", "d", "a"]
    rows = [row("a", 0.5), row("b", 0.7), row("c", 0.5 + 1e-6)]
    assert [r.key for r in largest_swing_first(rows)] == ["b", "c", "a"]
    assert largest_swing_first([]) == ()


def test_a_total_moves_most_with_the_estimate_drawn_in_step_with_it() -> None:
    """Each strategy's driver is the estimate whose draws are most rank-correlated with its
    total; a total that does not move has none."""
    from strategy_advisor._estimates import Estimate
    from strategy_advisor._pipeline import ScoredRows
    from strategy_advisor._simulation import _total_drivers

    rng = np.random.default_rng(5)
    n = 500
    u = {k: rng.uniform(size=n) for k in ("a", "b", "c")}
    found = tuple(
        Estimate(k, f"input {k}", lambda p: {"volume": p}, lambda v: f"{v:.1f}")
        for k in ("a", "b", "c")
    )
    totals = {
        Strategy.FINE_TUNING: 100.0 + 50.0 * u["b"] ** 3 + 5.0 * u["c"],  # mostly b
        Strategy.IN_CONTEXT_LEARNING: np.full(n, 7.0),  # does not move
    }
    drivers = _total_drivers(ScoredRows(None, totals), n, found, u)  # type: ignore[arg-type]
    assert [(d.strategy, d.key, d.input) for d in drivers] == [
        (Strategy.FINE_TUNING, "b", "input b")
    ]
    assert 0.8 < drivers[0].rank_correlation <= 1.0
    assert (drivers[0].low_label, drivers[0].high_label) == ("0.1", "0.9")
    ft = totals[Strategy.FINE_TUNING]
    low_half = u["b"] < 0.5
    assert drivers[0].median_low_usd == float(np.median(ft[low_half]))
    assert drivers[0].median_high_usd == float(np.median(ft[~low_half]))
    assert drivers[0].median_low_usd < drivers[0].median_high_usd
    assert not drivers[0].two_valued
    falling = {**totals, Strategy.FINE_TUNING: 1.0 - u["a"]}  # a perfect negative relation
    (only,) = _total_drivers(ScoredRows(None, falling), n, found, u)  # type: ignore[arg-type]
    # the draws are uniform percentiles against ranks: -1 up to their sampling (0.999)
    assert (only.key, only.rank_correlation) == ("a", pytest.approx(-1.0, abs=0.01))
    unpriced = {**totals, Strategy.FINE_TUNING: np.full(n, np.nan)}
    assert _total_drivers(ScoredRows(None, unpriced), n, found, u) == ()  # type: ignore[arg-type]
    # a two-valued input (a disputed catalog number, the low value drawn below its weight,
    # here 0.3): the medians are those of the draws at each value
    two = (Estimate("d", "input d", lambda p: {"volume": p}, lambda v: f"{v:.1f}",
                    low_share=0.3),)  # fmt: skip
    u2 = {"d": rng.uniform(size=n)}
    stepped = {**totals, Strategy.FINE_TUNING: np.where(u2["d"] < 0.3, 1.0, 10.0)}
    (d,) = _total_drivers(ScoredRows(None, stepped), n, two, u2)  # type: ignore[arg-type]
    assert (d.two_valued, d.median_low_usd, d.median_high_usd) == (True, 1.0, 10.0)
    # a total that moves with no estimate (noise of its own) has no driver to name
    noise = {**totals, Strategy.FINE_TUNING: rng.uniform(size=n)}
    assert _total_drivers(ScoredRows(None, noise), n, found, u) == ()  # type: ignore[arg-type]


def test_a_total_far_from_its_median_is_explained() -> None:
    """At or past ``far_from_median_ratio`` (1.5) between the total as given and its median,
    a note names the input the total moves with most; nearer, none."""
    from strategy_advisor._reasons import _far_from_median_reason
    from strategy_advisor._uncertainty import TotalDriver

    assert uncertainty_settings().far_from_median_ratio == 1.5
    driver = construct(
        TotalDriver, strategy=Strategy.FINE_TUNING, key="ft_hosting",
        input="the tuned model's dedicated hosting fee", low_label="$0/h",
        high_label="$8/h", rank_correlation=0.75, median_low_usd=5_000.0,
        median_high_usd=29_000.0, two_valued=False,
    )  # fmt: skip
    unc = SimpleNamespace(total_drivers=(driver,))

    def costs(point: float, median: float, icl: tuple[float, float] = (900.0, 1_000.0)) -> Any:
        ft = SimpleNamespace(total_usd=point, total_usd_median=median)
        prompting = SimpleNamespace(total_usd=icl[0], total_usd_median=icl[1])
        by = {Strategy.FINE_TUNING: ft, Strategy.IN_CONTEXT_LEARNING: prompting}
        return SimpleNamespace(for_strategy=by.__getitem__)

    # prompting's total far from its median too, with no driver named
    reason = _far_from_median_reason(costs(30_000.0, 20_000.0, (100.0, 1_000.0)), unc)  # type: ignore[arg-type]
    assert reason is not None and reason.code == "costs-far-from-median"
    assert reason.message.startswith(
        "Fine-tuning's total as given, $30k, is far above its median over the draws, $20k. "
        "It moves most with the tuned model's dedicated hosting fee (rank correlation +0.75): "
        "its median is $5,000 over the half of the draws nearer $0/h, $29k over the half "
        "nearer $8/h. Prompting's total as given, $100, is far below its median over the "
        "draws, $1,000. No single estimated input moves it most (none has a rank correlation "
        "of 0.3 or more with it): several move it together. A total as given"
    )
    # far, but no estimate moves it enough to be named (the largest rank correlation under
    # far_from_median_min_correlation, 0.3): said so
    alone = _far_from_median_reason(costs(30_000.0, 20_000.0), SimpleNamespace(total_drivers=()))  # type: ignore[arg-type]
    assert alone is not None
    assert alone.message.count("No single estimated input moves it most") == 1
    assert "far below" in _far_from_median_reason(costs(10.0, 15.0), unc).message  # type: ignore[arg-type, union-attr]
    assert _far_from_median_reason(costs(29_000.0, 20_000.0), unc) is None  # type: ignore[arg-type]
    # two published values: the medians in the draws at each
    disputed = SimpleNamespace(total_drivers=(driver.model_copy(update={"two_valued": True}),))
    said = _far_from_median_reason(costs(30_000.0, 20_000.0), disputed)  # type: ignore[arg-type]
    assert (
        said is not None
        and (
            "whose two published values disagree (rank correlation +0.75): its median is $5,000 in "
            "the draws at $0/h and $29k in those at $8/h; the total as given prices it at their "
            "weighted mean."
        )
        in said.message
    )
    assert _far_from_median_reason(costs(0.0, 20_000.0), unc) is None  # type: ignore[arg-type]
