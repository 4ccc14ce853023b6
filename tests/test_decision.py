"""The decision: cost enters once, through the cost term; the quality term is the expected gain;
quality decides when cost cannot. The hand-worked case of docs/decision.md is recomputed here."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_advisor import (
    DecisionPolicy,
    QualityEstimate,
    Strategy,
    default_rulebook,
    recommend,
)
from strategy_advisor._decision import _quality_reason, decide
from strategy_advisor._rules import Effect

from .helpers import TODAY, estimate, offer, profile, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


def test_no_default_rule_weighs_in_beside_the_cost_term() -> None:
    # rules that restate a cost fact explain it; only infeasibility and notes remain
    assert {r.effect.kind for r in default_rulebook().rules} <= {"infeasible", "note"}
    assert all(r.effect.weight == 0 for r in default_rulebook().rules)


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


# ------------------------------------------------------------- the hand-worked case


def _estimate(p: float, gain: float, lo: float, hi: float, **kw: Any) -> QualityEstimate:
    """p at a point, the expected gain in [lo, hi], its predictive interval +-4.3 points."""
    ends = dict(low=p, high=p, gain_low_points=gain - 4.3, gain_high_points=gain + 4.3)
    return estimate(
        gain,
        **{"p_fine_tuning_better": p, "expected_gain_low_points": lo,
           "expected_gain_high_points": hi, **ends, **kw},
    )  # fmt: skip


def _costs(
    ft: tuple[float, float, float],
    icl: tuple[float, float, float],
    favouring_ft: tuple[tuple[float, float], ...] = (),
    favouring_icl: tuple[tuple[float, float], ...] = (),
) -> Any:
    """Only the totals the decision reads: (low, point, high) for each strategy, and the
    (fine-tuning, prompting) pairs of the consistent scenarios, when priced."""

    def side(t: tuple[float, float, float]) -> SimpleNamespace:
        return SimpleNamespace(
            total_usd=t[1], known_part_usd=t[1], total_usd_low=t[0], total_usd_high=t[2]
        )

    return SimpleNamespace(
        fine_tuning=side(ft),
        in_context_learning=side(icl),
        favouring_fine_tuning=favouring_ft,
        favouring_prompting=favouring_icl,
    )


def test_shared_estimates_move_together_in_the_range_check() -> None:
    """Each strategy's own range pairs fine-tuning's cheap end (engineering at $64/h) with
    prompting's dear end ($99/h): 1,400 vs 5,500 would flip to fine-tuning. The consistent
    scenarios keep the rate at one end for both: (1,400, 1,150) and (5,900, 5,500), where
    prompting stays cheaper, so the choice holds and the confidence is not cut."""
    policy = DecisionPolicy.default()
    k = policy.cost_weight
    q = _estimate(0.6, 0.0, 0.0, 0.0)  # no expected gain: the quality term is 0
    own = _costs((1_400.0, 76_000.0, 96_000.0), (390.0, 1_350.0, 5_500.0))
    naive = decide(q, own, (), policy=policy)
    assert not naive.score.holds_across_ranges
    pairs = _costs(
        (1_400.0, 76_000.0, 96_000.0),
        (390.0, 1_350.0, 5_500.0),
        favouring_ft=((1_400.0, 1_150.0), (5_900.0, 5_500.0)),
        favouring_icl=((96_000.0, 390.0), (90_000.0, 800.0)),
    )
    d = decide(q, pairs, (), policy=policy)
    assert d.strategy is ICL and d.score.holds_across_ranges
    # the range of the cost term: the pair that favours each strategy most
    lo, hi = d.score.cost_term_range
    assert lo == pytest.approx(-k * math.log(96_001 / 391))
    assert hi == pytest.approx(-k * math.log(5_901 / 5_501))
    assert d.confidence > naive.confidence


def test_the_strategy_follows_the_sign_of_the_score_shown() -> None:
    """A near tie: the point score is just below 0 while the average over the ranges leans
    to fine-tuning. The answer follows the score as shown, at the least confidence."""
    policy = DecisionPolicy.default()
    q = _estimate(0.5, 0.0, 0.0, 0.0)
    # point: fine-tuning a little dearer; its cheap end far cheaper, its dear end close
    d = decide(q, _costs((100.0, 1_050.0, 1_100.0), (1_000.0, 1_000.0, 1_000.0)), (), policy=policy)
    assert d.score.total < 0 and d.strategy is ICL
    assert d.confidence == 0.5  # the average leans the other way: never below one half


FT_COST, ICL_COST = (7_000.0, 9_000.0, 12_000.0), (2_500.0, 3_000.0, 3_500.0)


def test_the_hand_worked_case_of_the_decision_doc() -> None:
    policy = DecisionPolicy.default()
    assert policy.gain_points_per_log_odds == 18.0
    k = policy.cost_weight
    assert k == pytest.approx(math.log(3) / math.log(2))
    assert round(k, 4) == 1.5850
    q = _estimate(0.98, 13.2, 13.0, 13.3)
    d = decide(q, _costs(FT_COST, ICL_COST), (), policy=policy)
    s = d.score
    assert round(s.cost_term, 4) == -1.7409
    assert s.cost_term == pytest.approx(-k * math.log(9_001 / 3_001))
    assert tuple(round(v, 4) for v in s.cost_term_range) == (-2.4857, -1.0984)
    assert round(s.quality_log_odds, 4) == 0.7333
    assert round(s.total, 4) == -1.0076
    ends = (-k * math.log(12_001 / 2_501), s.cost_term, -k * math.log(7_001 / 3_501))
    sig = [1 / (1 + math.exp(-(g / 18 + c))) for g in (13.0, 13.2, 13.3) for c in ends]
    p_ft = sum(sig) / 9
    assert round(p_ft, 4) == 0.2746
    assert d.strategy is ICL and round(d.confidence, 3) == 0.725 == round(1 - p_ft, 3)
    assert s.holds_across_ranges
    # the old term, logit(0.98), would have chosen fine-tuning
    old = math.log(0.98 / 0.02) + s.cost_term
    assert round(old, 2) == 2.15
    # the same p with a tiny gain weighs a seventh as much
    tiny = decide(_estimate(0.98, 2.0, 1.8, 2.2), _costs(FT_COST, ICL_COST), (), policy=policy)
    assert round(tiny.score.total, 2) == -1.63 and round(tiny.confidence, 2) == 0.83
    # where the large gain would pay for the gap
    assert round(-s.cost_term * 18, 1) == 31.3 and round(13.2 / -s.cost_term, 1) == 7.6
    cheaper = DecisionPolicy.default(gain_points_per_log_odds=7.0)
    assert decide(q, _costs(FT_COST, ICL_COST), (), policy=cheaper).strategy is FT


def test_a_likely_large_gain_outweighs_a_likely_tiny_one() -> None:
    policy = DecisionPolicy.default()
    costs = _costs((3_000.0,) * 3, (2_000.0,) * 3)  # fine-tuning 1.5x dearer
    large = decide(_estimate(0.95, 25.0, 22.0, 28.0), costs, (), policy=policy)
    tiny = decide(_estimate(0.95, 2.0, 1.5, 2.5), costs, (), policy=policy)
    assert large.strategy is FT and tiny.strategy is ICL
    assert policy.quality_term(25.0) == pytest.approx(25 / 18)
    assert round(policy.gain_points_for_cost_multiple, 1) == 19.8


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


def test_which_estimates_both_bills_share_depends_on_how_both_are_served() -> None:
    from strategy_advisor._ranges import SERVING_FIGURES, SHARED, shared_estimates

    api, tuned = ("serverless",), ("dedicated", "self_hosted")
    assert shared_estimates(api, tuned) == SHARED  # an API model: no replicas of its own
    # one team's work at a task change moves together on both sides
    assert {"people.fine_tuning_hours_per_retraining", "people.prompt_revision_hours"} <= SHARED
    assert "peak_to_average_ratio" in shared_estimates(("dedicated",), tuned)
    assert SERVING_FIGURES not in shared_estimates(("dedicated",), tuned)
    both = shared_estimates(("serverless", "self_hosted"), tuned)
    assert {SERVING_FIGURES, "people.self_hosting_ops_hours_per_month"} <= both


def test_the_confidence_is_one_half_on_both_sides_of_a_tie() -> None:
    """Just either side of S = 0 the answer changes and the confidence stays near one half,
    however the ranges lean: it is at most sigmoid(|S|)."""
    policy = DecisionPolicy.default()
    q = _estimate(0.5, 0.0, 0.0, 0.0)
    lean_ft = ((100.0, 1_000.0),)  # fine-tuning's cheap end far cheaper
    for ft_point in (999.0, 1_001.0):
        costs = _costs((100.0, ft_point, 1_100.0), (1_000.0,) * 3, lean_ft, ((1_100.0, 1_000.0),))
        d = decide(q, costs, (), policy=policy)
        assert d.confidence == pytest.approx(0.5, abs=0.01)
        assert d.confidence <= 1 / (1 + math.exp(-abs(d.score.total))) + 1e-12


def test_no_range_note_when_a_rule_left_one_strategy() -> None:
    from strategy_advisor._decision import _range_reason

    policy = DecisionPolicy.default()
    costs = _costs((2_000.0, 3_000.0, 4_000.0), (2_500.0, 3_000.0, 3_500.0))
    blocked = (Effect(kind="infeasible", strategy=ICL, weight=0.0, certainty=None),)
    d = decide(_estimate(0.5, 9.0, 9.0, 9.0), costs, blocked, policy=policy)
    assert d.strategy is FT and _range_reason(d, costs) is None
