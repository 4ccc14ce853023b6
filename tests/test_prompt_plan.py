"""Prompt planning: the demonstrations the decision itself scores best for prompting.

The case is the helpers' profile with the demonstrations left to the advisor, no cached
price and no people's time, so prompting's total over 12 months at 100,000 requests a month
with ``k`` demonstrations is hand arithmetic: 1.2M requests x ((100 + 200 + 250k) x $1 +
50 x $2) / 1M = $480 + $300k. Fine-tuning's expected gain over the prompt is a stand-in,
``20 - 10k`` points (each demonstration closes ten points of the gap), so each candidate's
score on the decision's scale is ``(20 - 10k) / 18 + k_c ln(C(k) + 1)`` up to a constant
(``k_c = ln 3 / ln 2``), and the plan keeps the lowest: the prompt that leaves fine-tuning
the least advantage. The candidates are 0, 1, 2, 4 and the 8 wanted (the default, above the
4 classes).
"""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import numpy as np
import pytest

import strategy_advisor._prompt_plan as planning
from strategy_advisor import Advisor, DecisionPolicy, PeopleTime, Strategy
from strategy_advisor._costs import serve_prompting
from strategy_advisor._scenarios import Scenarios

from .helpers import TODAY, point_evaluation, profile, spec

POLICY = DecisionPolicy.default()
ICL = Strategy.IN_CONTEXT_LEARNING
K = math.log(3.0) / math.log(2.0)
NO_PEOPLE = PeopleTime(
    hourly_usd=0.0,
    prompt_engineering_hours=0.0,
    fine_tuning_setup_hours=0.0,
    fine_tuning_hours_per_retraining=0.0,
)
CANDIDATES = (0, 1, 2, 4, 8)


def plan_prompt(case: Any, s: Scenarios, *, latency_of: Any = None, **kw: Any) -> Any:
    """The planner, its candidates' chance of meeting the budget on their route replaced
    by ``latency_of(s, shape)`` where given (a stand-in; their totals as served)."""
    if latency_of is None:
        return planning.plan_prompt(case, s, **kw)
    served_by = planning.serve_prompting

    def stand_in(case: Any, s: Scenarios, shots: np.ndarray) -> Any:
        served = served_by(case, s, shots)
        return served._replace(within=np.asarray(latency_of(s, served.shape), dtype=float))

    with mock.patch.object(planning, "serve_prompting", stand_in):
        return planning.plan_prompt(case, s, **kw)


def _gain(n: np.ndarray, shots: np.ndarray, retrieved: np.ndarray) -> np.ndarray:
    return 20.0 - 10.0 * shots


def _latency(s: Scenarios, shape: Any) -> np.ndarray:
    """A stand-in chance that each candidate meets the budget (``latency_of``):
    100 ms a demonstration, certainly within the budget or certainly not (1: no budget)."""
    budget = s["latency_budget_ms"]
    return np.where(np.isnan(budget), 1.0, (100.0 * shape.shots <= budget).astype(np.float64))


def _likely(p: float) -> Any:
    """A stand-in ``latency_of``: every candidate meets the budget with probability ``p``."""
    return lambda s, shape: np.full(np.shape(shape.shots), p)


def _case(**kw: Any) -> tuple[Any, Scenarios]:
    base: dict[str, Any] = dict(
        icl_shots=None, icl_model=spec(cached_input_usd_per_mtok=None), people=NO_PEOPLE
    )
    case, ev = point_evaluation(profile(**{**base, **kw}))
    return case, ev.scenarios


def _score(k: int) -> float:
    return (20.0 - 10.0 * k) / 18.0 + K * math.log(480.0 + 300.0 * k + 1.0)


def test_the_plan_keeps_the_candidate_the_decision_scores_best_for_prompting() -> None:
    # scores: 0: 10.90, 1: 11.11, 2: 11.07, 4: 10.66, 8: 9.29; the 8 wanted win
    assert min(CANDIDATES, key=_score) == 8
    case, s = _case()
    plan = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=_latency)
    assert (plan.shots.tolist(), plan.planned.tolist(), plan.wanted.tolist()) == ([8], [8], [8])
    assert plan.room.tolist() == [(128_000 - 350) // 250]  # the context window is no limit
    # against the best-scoring count with fewer (4): $2,880 vs $1,680, for -60 instead of -20
    assert plan.reason == (
        "the 8 wanted; costing $1,200 more than 4 demonstrations ($2,880 vs $1,680 over the "
        "horizon), worth it for fine-tuning's expected gain -60 points instead of -20"
    )


def test_demonstrations_that_cost_more_than_they_close_are_not_bought() -> None:
    # a gain that does not move with the prompt: fewer demonstrations, cheaper, always win
    case, s = _case()
    flat = plan_prompt(
        case, s, policy=POLICY, gain_of=lambda n, k, r: np.full(k.shape, 5.0), latency_of=_latency
    )
    assert flat.shots.tolist() == [0]
    assert flat.reason == (
        "1 demonstration would cost $300 more for no measurable change in the quality estimate"
    )


def test_the_latency_budget_rules_out_slow_prompts() -> None:
    # 350 ms: 0, 1 and 2 demonstrations (0, 100, 200 ms) fit, 4 (400 ms) does not; of
    # 10.90, 11.11 and 11.07 the least is 0 (without the budget the 8 wanted win)
    case, s = _case(latency_budget_ms=350.0)
    plan = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=_latency)
    assert min((0, 1, 2), key=_score) == 0
    assert plan.shots.tolist() == [0]
    assert plan.reason == (
        "2 demonstrations would cost $600 more for fine-tuning's expected gain +0 points "
        "instead of +20 (more than 2 would exceed the 350 ms latency budget)"
    )


def test_when_no_prompt_meets_the_budget_each_counts_with_its_chance() -> None:
    # every candidate a little less likely than not to meet the budget: none fits, and each
    # stands with its chance as the decision weighs it (score - ln P). Equal chances: the
    # 8 wanted win as they do without a budget (an outside check found a zero-shot fallback
    # dearer and worse than a prompt with the same chance)
    case, s = _case(latency_budget_ms=50.0)
    slow = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=_likely(0.49))
    assert slow.shots.tolist() == [8]
    assert slow.reason == (
        "no count is as likely as not to meet the 50 ms latency budget on the route "
        "prompting is served by; 8 demonstrations stand best for prompting counted with their "
        "chance of meeting it there (49%)"
    )
    # a chance just below one half is not rounded up to it, nor a vanishing one to 0.1%
    assert "(49.9%)" in str(plan_prompt(case, s, policy=POLICY, gain_of=_gain,
                                        latency_of=_likely(0.4995)).reason)  # fmt: skip
    assert "(under 0.1%)" in str(plan_prompt(case, s, policy=POLICY, gain_of=_gain,
                                             latency_of=_likely(1e-80)).reason)  # fmt: skip

    # a chance that falls with each demonstration, 0.45 / (1 + k)^2: by hand the standings
    # are 0: 10.90 + 0.80 = 11.70, 1: 13.29, 2: 14.07, 4: 14.68, 8: 14.48; zero-shot wins
    def falling(s: Scenarios, shape: Any) -> np.ndarray:
        return 0.45 / (1.0 + np.asarray(shape.shots, dtype=float)) ** 2

    def standing(k: int) -> float:
        return _score(k) - math.log(0.45 / (1 + k) ** 2)

    assert min(CANDIDATES, key=standing) == 0
    fall = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=falling)
    assert fall.shots.tolist() == [0]
    assert "0 demonstrations stand best" in str(fall.reason) and "(45%)" in str(fall.reason)


def test_a_prompt_as_likely_as_not_to_meet_the_budget_fits() -> None:
    # probability 0.5 for every candidate: all fit, and the 8 wanted win as without a budget
    case, s = _case(latency_budget_ms=50.0)
    even = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=_likely(0.5))
    assert even.shots.tolist() == [8]
    assert even.reason is not None and "latency budget" not in even.reason


def test_the_context_window_caps_the_candidates() -> None:
    # window 1,600: fixed 100 + 200 + 50 = 350 leaves room for 5; candidates 0, 1, 2, 4, 5
    case, s = _case(icl_model=spec(cached_input_usd_per_mtok=None, context_window=1_600))
    plan = plan_prompt(case, s, policy=POLICY, gain_of=_gain, latency_of=_latency)
    assert min((0, 1, 2, 4, 5), key=_score) == 5
    assert (plan.shots.tolist(), plan.room.tolist()) == ([5], [5])
    assert plan.reason is not None
    assert plan.reason.endswith("(only 5 of the 8 wanted fit the context window)")


def test_a_tie_keeps_the_fewer_demonstrations() -> None:
    # free demonstrations (no input price) and no quality effect: every candidate scores alike
    free = spec(cached_input_usd_per_mtok=None, input_usd_per_mtok=0.0)
    case, s = _case(icl_model=free)
    plan = plan_prompt(
        case, s, policy=POLICY, gain_of=lambda n, k, r: np.zeros(k.shape), latency_of=_latency
    )
    assert plan.shots.tolist() == [0]


def test_given_demonstrations_are_kept_and_each_row_is_planned_alone() -> None:
    case, s = _case()
    given = plan_prompt(
        case, s.with_values(icl_shots=3.0), policy=POLICY, gain_of=_gain, latency_of=_latency
    )
    assert (given.shots.tolist(), given.reason) == ([3], None)
    # three rows: planned freely (8); given (3); within 150 ms, where only 0 and 1 fit
    # (10.90 against 11.11: 0)
    rows = s.repeat(3).with_values(
        volume=np.array([100_000.0, 1e9, 100_000.0]),
        latency_budget_ms=np.array([np.nan, np.nan, 150.0]),
        icl_shots=np.array([np.nan, 3.0, np.nan]),
    )
    plan = plan_prompt(case, rows, policy=POLICY, gain_of=_gain, latency_of=_latency)
    assert plan.shots.tolist() == [8, 3, 0]
    for i in range(3):
        alone = plan_prompt(
            case, rows.take(np.array([i])), policy=POLICY, gain_of=_gain, latency_of=_latency
        )
        assert alone.shots.tolist() == [plan.shots[i]]


def test_only_the_candidates_that_fit_are_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    priced: list[list[float]] = []
    real = planning.serve_prompting

    def recorded(case: Any, s: Scenarios, shots: np.ndarray, *a: Any) -> Any:
        priced.append(shots.tolist())
        return real(case, s, shots, *a)

    # two rows: the context window leaves room for 5 (0, 1, 2, 4 and 5), and 2 labeled
    # examples want 2 (0, 1 and 2, of which 0 scores best: 10.90 against 11.11 and 11.07);
    # the reason of the first row is written as alone
    case, s = _case(icl_model=spec(cached_input_usd_per_mtok=None, context_window=1_600))
    rows = s.repeat(2).with_values(n_examples=np.array([100.0, 2.0]))
    monkeypatch.setattr(planning, "serve_prompting", recorded)
    plan = plan_prompt(case, rows, policy=POLICY, gain_of=_gain, latency_of=_latency)
    assert priced == [[0, 1, 2, 4, 5, 0, 1, 2]]
    assert plan.shots.tolist() == [5, 0]
    alone = plan_prompt(
        case, rows.take(np.array([0])), policy=POLICY, gain_of=_gain, latency_of=_latency
    )
    assert (alone.shots.tolist(), alone.reason) == ([5], plan.reason)
    assert plan.reason is not None and plan.reason.endswith("fit the context window)")


@pytest.mark.parametrize("volume", [1_000.0, 100_000.0, 1e7])
def test_recommend_plans_the_same_prompt(volume: float) -> None:
    p = profile(icl_shots=None, requests_per_month=volume)
    adv = Advisor()
    case, ev = point_evaluation(p, advisor=adv)
    parts = adv._parts(p, case, adv.policy)
    plan = plan_prompt(case, ev.scenarios, policy=adv.policy, gain_of=parts.gain_of)
    rec = adv.recommend(p, today=TODAY)
    assert rec.features.icl_shots == int(plan.shots[0])
    assert rec.features.icl_shots_reason == plan.reason


def test_each_candidate_is_weighed_on_the_route_prompting_is_served_by() -> None:
    # an 8B prompted model served on its own L40S replica: its hosted figures (a measured
    # 2 s first token) would miss a 1 s budget with any prompt, and the planner fell back to
    # "no count is as likely as not ... on the prompted model's hosted route" (an outside
    # check's note); on the replica the cost stage serves it by, 8 demonstrations meet it
    # at 58%, the chance the answer reports
    own = spec(params_b=8.0, ttft_ms=2000.0, ttft_p95_ms=2500.0, cached_input_usd_per_mtok=None)
    p = profile(icl_model=own, icl_shots=None, latency_budget_ms=1000.0, icl_serving="self_hosted")
    case, ev = point_evaluation(p)
    chance = serve_prompting(case, ev.scenarios, ev.plan.shots).within
    assert chance.tolist() == ev.bills.pick(ICL, "lat_within").tolist()
    assert chance[0] == pytest.approx(0.58, abs=0.01)
    rec = Advisor().recommend(p, today=TODAY)
    assert rec.costs[ICL].serving.route == "self-hosted on 1x L40S 48GB"
    assert rec.latency[ICL].within_budget_probability == pytest.approx(chance[0], rel=1e-12)
    # tokens are not billed on its own GPU: more demonstrations cost nothing more
    assert rec.features.icl_shots == 8
    assert rec.features.icl_shots_reason == (
        "the 8 wanted; 4 demonstrations would cost the same ($67.6k over the horizon) with "
        "fine-tuning's expected gain +10 points instead of +9"
    )


def test_a_candidate_served_at_batch_rates_meets_any_budget_its_window_allows() -> None:
    # OpenAI's 24-hour window, batch prices cheaper: with a 25-hour budget every candidate
    # is served at batch rates and meets it (chance 1); with 1 s none is allowed the batch
    # route, and each is timed online from its measured first token, speed and prefill:
    # zero-shot meets it at 15%, 8 demonstrations (2,000 more prompt tokens) about 1e-6
    batched = spec(provider="OpenAI", cached_input_usd_per_mtok=None, ttft_ms=300.0,
                   ttft_p95_ms=450.0, batch_input_usd_per_mtok=0.5,
                   batch_output_usd_per_mtok=1.0)  # fmt: skip
    day = profile(icl_model=batched, icl_shots=None, allow_batch=True,
                  latency_budget_ms=25 * 3_600_000.0)  # fmt: skip
    case, ev = point_evaluation(day)
    shots = np.array([0.0, 8.0])
    served = serve_prompting(case, ev.scenarios.take(np.zeros(2, dtype=int)), shots)
    assert served.within.tolist() == [1.0, 1.0]
    assert np.broadcast_to(served.shape.batch, (2,)).all()
    rec = Advisor().recommend(day, today=TODAY)
    assert rec.costs[ICL].serving.batch and rec.latency[ICL].within_budget_probability == 1.0
    second = profile(icl_model=batched, icl_shots=None, allow_batch=True, latency_budget_ms=1_000.0)
    case, ev = point_evaluation(second)
    online = serve_prompting(case, ev.scenarios.take(np.zeros(2, dtype=int)), shots)
    assert not np.broadcast_to(online.shape.batch, (2,)).any()
    assert online.within[0] == pytest.approx(0.147, abs=5e-4)
    assert 0.0 < online.within[1] < 1e-5


def test_the_reason_is_written_only_where_it_is_read() -> None:
    # the count and everything priced from it are the same either way; the words are only
    # for the note that reads them (or a rule with an effect that does)
    case, s = _case()
    kw: dict[str, Any] = dict(policy=POLICY, gain_of=_gain, latency_of=_latency)
    told, untold = plan_prompt(case, s, **kw), plan_prompt(case, s, explained=False, **kw)
    assert told.reason is not None and untold.reason is None
    for name in ("shots", "planned", "wanted", "room"):
        np.testing.assert_array_equal(getattr(told, name), getattr(untold, name))


def test_a_rule_with_an_effect_that_reads_the_reason_sees_it_without_notes() -> None:
    # found by a cold review: the searches evaluate without notes, and a custom rule that
    # decides on the prompt's reason must see what it sees at the point
    from strategy_advisor import default_rulebook
    from strategy_advisor._pipeline import evaluate

    book = default_rulebook().extended([{
        "code": "custom-reason", "title": "A custom rule on the reason",
        "when": {"feature": "icl_shots_reason", "op": "not_null"},
        "effect": {"kind": "favor", "strategy": "in_context_learning", "weight": 0.6},
        "message": "The prompt was planned.",
        "source": {"document": "a test", "date": "2026-12-07"},
    }])  # fmt: skip
    assert book.decides_with("icl_shots_reason")
    adv = Advisor(rulebook=book)
    p = profile(icl_shots=None)
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    point = Scenarios.point(case)
    i = book.codes.index("custom-reason")
    with_notes = evaluate(case, point, parts)
    without = evaluate(case, point, parts, notes=False)
    assert with_notes.rules.fired[i, 0] and without.rules.fired[i, 0]
    assert without.scores.total[0] == with_notes.scores.total[0]


def test_the_gain_of_many_prompts_is_computed_once_per_distinct_prompt() -> None:
    from strategy_advisor._pipeline import _distinct_columns

    rng = np.random.default_rng(3)
    for width in (1, 7, 5_000):
        table = np.stack(
            [rng.integers(0, width, 300), rng.integers(0, 65, 300), rng.integers(0, 2, 300)]
        ).astype(float)
        distinct, inverse = _distinct_columns(table)
        expected, where = np.unique(table, axis=1, return_inverse=True)
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(inverse, where.reshape(-1))
    # one triple in every row (the simulation's rows): no sort, the same answer
    for table in (np.tile([[40.0], [4.0], [1.0]], 50), np.array([[np.nan, np.nan], [1.0, 1.0],
                                                                 [0.0, 0.0]])):  # fmt: skip
        distinct, inverse = _distinct_columns(table)
        expected, where = np.unique(table, axis=1, return_inverse=True)
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(inverse, where.reshape(-1))
    # where one float key would merge two triples, the general path keeps them apart:
    # beyond exact integers, and fractions
    for table in (
        np.array([[2.0**53, 2.0**53], [0.0, 1.0], [0.0, 0.0]]),
        np.array([[1.5, 1.0], [0.0, 1.0], [0.0, 0.0]]),
        np.array([[3e15, 3e15, 1.0], [2.0, 2.0, 0.0], [1.0, 1.0, 0.0]]),
    ):
        distinct, inverse = _distinct_columns(table)
        np.testing.assert_array_equal(distinct[:, inverse], table)
        assert distinct.shape[1] == len({tuple(c) for c in table.T.tolist()})
    # the cache answers a triple asked again without the model
    adv = Advisor()
    p = profile()
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    first = parts.gain_of(np.array([10.0, 300.0, 10.0]), np.array([2.0, 4.0, 2.0]), np.zeros(3))
    assert first[0] == first[2] and len(parts._gains) == 2
    parts.quality = None  # type: ignore[assignment]
    again = parts.gain_of(np.array([300.0]), np.array([4.0]), np.array([0.0]))
    assert again[0] == first[1]


def test_a_candidate_without_a_score_is_never_chosen_over_the_ones_that_fit() -> None:
    # found by a cold review: a NaN score sorted after the candidates that do not fit, so
    # one of those won; now a candidate that cannot be scored ranks nowhere
    case, s = _case(latency_budget_ms=50.0)

    def gain(n: np.ndarray, shots: np.ndarray, retrieved: np.ndarray) -> np.ndarray:
        return np.where(shots == 2, np.nan, 20.0 - 10.0 * shots)

    for likely in (0.49, 0.9):  # none fits (each with its chance) / every one fits
        plan = plan_prompt(case, s, policy=POLICY, gain_of=gain, latency_of=_likely(likely))
        assert plan.shots.tolist() == [8]
    # nothing can be scored: zero-shot, and the reason says why
    plan = plan_prompt(case, s, policy=POLICY, latency_of=_likely(0.49),
                       gain_of=lambda n, k, r: np.full(k.shape, np.nan))  # fmt: skip
    assert plan.shots.tolist() == [0]
    assert plan.reason == "no count could be scored against the 50 ms latency budget"
