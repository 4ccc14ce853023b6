"""The decision: cost enters once, through the cost term; quality decides when cost cannot."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_advisor import DecisionPolicy, Strategy, default_rulebook, recommend

from .helpers import TODAY, offer, profile, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


def test_no_default_rule_weighs_in_beside_the_cost_term() -> None:
    # rules that restate a cost fact explain it; only infeasibility and notes remain
    assert {r.effect.kind for r in default_rulebook().rules} <= {"infeasible", "note"}
    assert all(r.effect.weight == 0 for r in default_rulebook().rules)


scenarios = st.fixed_dictionaries(
    {
        "n_labeled_examples": st.integers(10, 50_000),
        "requests_per_month": st.floats(0, 1e8),
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
        mean_p = (q.low + q.p_fine_tuning_better + q.high) / 3
        if abs(mean_p - 0.5) > 0.02:
            assert rec.strategy is (FT if mean_p > 0.5 else ICL)
