"""Cost formulas by hand: the cases mutation testing found unguarded (docs/mutation.md).

The profile is the helpers' (query 200, output 50, instructions 100, 10 shots of 250 tokens:
a 2,800-token prompt; 100,000 requests a month for 12 months; 1,000 examples) on
``spec()`` (input $1, output $2 per million tokens; tuned $0.3 and $1.2, training $3), with
every person-hour stated (``PEOPLE``: $100/h) so that no shipped assumption enters the hand
arithmetic. A task change every 200 days is ceil(365.25 / 200) - 1 = 1 change in the
horizon; the cookbook gives 3 epochs for 1,000 examples.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from strategy_advisor._costs.arms import _ranged

from strategy_advisor import PeopleTime
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._catalog import ModelSpec
from strategy_advisor._costs import CostComparison, compare_costs
from strategy_advisor._features import TaskFeatures, derive_features

from .helpers import TODAY, offer, profile, spec

A = default_assumptions()
DAYS_PER_MONTH = 30.4375
PEOPLE = PeopleTime(
    hourly_usd=100.0,
    prompt_engineering_hours=10.0,
    fine_tuning_setup_hours=20.0,
    fine_tuning_hours_per_retraining=5.0,
    prompt_revision_hours=2.0,
    prompt_migration_hours=0.0,
    self_hosting_ops_hours_per_month=0.0,
)


def _features(**kw: Any) -> tuple[TaskFeatures, ModelSpec, ModelSpec]:
    base: dict[str, Any] = dict(people=PEOPLE, cache_hit_rate=0.0)
    p = profile(**{**base, **kw})
    assert isinstance(p.icl_model, ModelSpec) and isinstance(p.ft_model, ModelSpec)
    f = derive_features(p, p.icl_model, p.ft_model, assumptions=A, today=TODAY)
    return f, p.icl_model, p.ft_model


def _compare(**kw: Any) -> CostComparison:
    f, icl, ft = _features(**kw)
    return compare_costs(f, icl, ft, assumptions=A)  # the serving modes left at their default


def _lines(cost: Any) -> dict[str, tuple[str, float | None, str, str]]:
    return {ln.name: (ln.kind, ln.usd, ln.formula, ln.source) for ln in cost.lines}


# ------------------------------------------------------------------ a worked comparison


def test_a_worked_comparison_line_by_line() -> None:
    c = _compare(task_change_interval_days=200.0)
    ft, icl = c.fine_tuning, c.in_context_learning
    people = "hourly rate: " + A.entry("engineer_hourly_usd").source
    # tuned: (200 x $0.3 + 50 x $1.2) / 1e6 = $0.00012 a request; 100,000 x 12 x that = $144;
    # training 1,000 x 250 x 3 = 750,000 tokens x $3 / 1e6 = $2.25, twice (one change)
    assert ft.serving.mode == "serverless"
    assert _lines(ft) == {
        "requests": ("recurring", pytest.approx(144.0, rel=1e-12),
                     "100k requests/month x 12 months x $0.00012 a request",
                     "tuned test-llm prices (given)"),
        "first training run": ("one_time", pytest.approx(2.25, rel=1e-12),
                               "1,000 examples x 250 tokens x 3 epochs = 750k tokens, $2.25",
                               "test-llm training price (given)"),
        "retraining (1 run)": ("recurring", pytest.approx(2.25, rel=1e-12), "1 x $2.25",
                               "test-llm training price (given)"),
        "retraining time": ("recurring", 500.0, "1 x 5 h x $100/h", people),  # 5 h x $100
        "fine-tuning set-up time": ("one_time", 2_000.0, "20 h x $100/h", people),
        "prompt engineering time": ("one_time", 1_000.0, "10 h x $100/h", people),
    }  # fmt: skip
    # one-time 2.25 + 2,000 + 1,000 = 3,002.25; total + 144 + 2.25 + 500 = 3,648.5
    assert ft.one_time_usd == pytest.approx(3_002.25, rel=1e-12)
    assert ft.total_usd == pytest.approx(3_648.5, rel=1e-12)
    assert ft.monthly_usd == pytest.approx(646.25 / 12, rel=1e-12)
    assert (ft.training_usd, ft.retraining_usd) == (pytest.approx(2.25), pytest.approx(2.25))
    assert ft.people_usd == 3_500.0  # 2,000 + 1,000 + 500
    assert ft.training_runs == 2
    # prompted: (2,800 x $1 + 50 x $2) / 1e6 = $0.0029; x 1.2M requests = $3,480; one revision
    assert icl.serving.mode == "serverless"
    assert _lines(icl) == {
        "requests": ("recurring", pytest.approx(3_480.0, rel=1e-12),
                     "100k requests/month x 12 months x $0.0029 a request",
                     "test-llm prices (given)"),
        "prompt revisions (1 task change)": ("recurring", 200.0, "1 x 2 h x $100/h", people),
        "prompt engineering time": ("one_time", 1_000.0, "10 h x $100/h", people),
    }  # fmt: skip
    assert icl.total_usd == pytest.approx(4_680.0, rel=1e-12)
    assert (icl.training_usd, icl.retraining_usd, icl.people_usd) == (0.0, 0.0, 1_200.0)
    # savings 3,680 / 12 - 646.25 / 12 = 252.8125 a month; payback (3,002.25 - 1,000) / that
    assert c.savings_per_month_usd == pytest.approx(252.8125, rel=1e-12)
    assert c.payback_months == pytest.approx(2_002.25 / 252.8125, rel=1e-12)
    assert c.payback_days == pytest.approx(2_002.25 / 252.8125 * DAYS_PER_MONTH, rel=1e-12)
    # a retraining run costs 2.25 + 500 = 502.25 and saves 252.8125 + 502.25 / 12 a month
    gross = 252.8125 + 502.25 / 12
    assert c.retrain_payback_days == pytest.approx(502.25 / gross * DAYS_PER_MONTH, rel=1e-12)
    # break-even: 3,504.5 + 12 x 0.00012 V = 1,200 + 12 x 0.0029 V at V = 2,304.5 / 0.03336
    assert c.break_even_requests_per_month == pytest.approx(2_304.5 / 0.03336, rel=1e-9)


def test_one_training_run_has_no_retraining_cost_or_time() -> None:
    c = _compare()
    ft = c.fine_tuning
    assert ft.training_runs == 1
    assert ft.retraining_usd == 0.0
    assert ft.people_usd == 3_000.0  # set-up 2,000 + prompt engineering 1,000, no retraining
    assert not any(name.startswith("retraining") for name in _lines(ft))


def test_later_runs_are_plural() -> None:
    # a change every 100 days: ceil(365.25 / 100) - 1 = 3 changes, 3 later runs
    c = _compare(task_change_interval_days=100.0)
    assert "retraining (3 runs)" in _lines(c.fine_tuning)
    assert "prompt revisions (3 task changes)" in _lines(c.in_context_learning)


def test_no_payback_time_is_needed_when_nothing_extra_is_paid_once() -> None:
    # free training and no set-up: both pay 10 h x $100 once, so fine-tuning pays back at once
    c = _compare(
        people=PEOPLE.model_copy(update={"fine_tuning_setup_hours": 0.0}),
        ft_model=spec(fine_tuning=offer(training_usd_per_mtok=0.0)),
    )
    assert c.fine_tuning.one_time_usd == c.in_context_learning.one_time_usd == 1_000.0
    assert (c.payback_months, c.payback_days) == (0.0, 0.0)


def test_an_unpriced_prompt_leaves_savings_and_payback_unknown() -> None:
    c = _compare(icl_model=spec(input_usd_per_mtok=None))
    assert c.in_context_learning.total_usd is None
    assert c.fine_tuning.total_usd is not None
    assert (c.savings_per_month_usd, c.payback_months, c.retrain_payback_days) == (None,) * 3
    assert c.break_even_requests_per_month is None
    requests = _lines(c.in_context_learning)["requests"]
    assert requests == (
        "recurring",
        None,
        "100k requests/month x 12 months x unpriced a request",
        "unpriced",
    )


@pytest.mark.parametrize("shots", [10, 0])
def test_an_unknown_output_length_leaves_both_unpriced(shots: int) -> None:
    # with no demonstrations the prompt (200 + 100 tokens) is known, the output still not
    c = _compare(avg_output_tokens=None, icl_shots=shots)
    for side in (c.fine_tuning, c.in_context_learning):
        assert side.total_usd is None
        assert "profile.avg_input_tokens/avg_output_tokens" in side.unpriced


def test_a_dedicated_deployment_names_where_its_capacity_comes_from() -> None:
    # $2/h x 24 h x 30.4375 days = $1,461 a month for one replica (10 requests/s carry the load)
    hosted = offer(hosting_usd_per_hour=2.0, requests_per_s_per_replica=10.0)
    f, icl, ft = _features(ft_model=spec(fine_tuning=hosted))
    c = compare_costs(f, icl, ft, assumptions=A, ft_serving="dedicated")
    plan = c.fine_tuning.serving
    assert (plan.mode, plan.replicas) == ("dedicated", 1.0)
    assert plan.capacity_source == "the offer's requests_per_s_per_replica"
    kind, usd, _, source = _lines(c.fine_tuning)["serving"]
    assert (kind, usd) == ("recurring", pytest.approx(1_461.0 * 12, rel=1e-12))
    assert source.startswith("test-llm hosting fee (given); ")


def test_a_deployment_holds_no_more_adapters_than_the_offer_allows() -> None:
    # 4 adapters asked, 2 allowed per deployment: half the $1,461 monthly replica each
    ft_model = spec(fine_tuning=offer(hosting_usd_per_hour=2.0, requests_per_s_per_replica=10.0,
                                      max_adapters_per_deployment=2))  # fmt: skip
    f, icl, ft = _features(ft_model=ft_model, adapters_per_deployment=4)
    c = compare_costs(f, icl, ft, assumptions=A, ft_serving="dedicated")
    assert c.fine_tuning.serving.replicas == 0.5
    assert c.fine_tuning.hosting_usd_per_month == pytest.approx(730.5, rel=1e-12)


# --------------------------------------------------------------------------- break-even


@pytest.mark.parametrize(
    "kw",
    [
        # a deployment shared by 4 adapters, $2/h, 10 requests/s a replica, and 2,000 h of
        # set-up ($200,000): the break-even (about 6M requests/month) lies where the load,
        # not the 1/4-replica minimum, sets the replicas
        {
            "ft_model": spec(
                fine_tuning=offer(hosting_usd_per_hour=2.0, requests_per_s_per_replica=10.0)
            ),
            "adapters_per_deployment": 4,
            "people": PEOPLE.model_copy(update={"fine_tuning_setup_hours": 2_000.0}),
            "ft_serving": "dedicated",
        },
        # OpenAI's prompt cache (5 idle minutes, cleared within 60): no hit below one request
        # per hour (730.5 a month), the break-even at about 440,000 requests/month
        {"icl_model": spec(provider="OpenAI"), "cache_hit_rate": None},
    ],
)
def test_the_totals_are_equal_at_the_break_even_and_fine_tuning_wins_above(
    kw: dict[str, Any],
) -> None:
    serving = {k: kw.pop(k) for k in ("ft_serving",) if k in kw}
    f, icl, ft = _features(**kw)
    c = compare_costs(f, icl, ft, assumptions=A, **serving)
    v = c.break_even_requests_per_month
    assert v is not None and v > 1_000.0

    def totals(volume: float) -> tuple[float, float]:
        g, i, t = _features(requests_per_month=volume, **kw)
        at = compare_costs(g, i, t, assumptions=A, **serving)
        assert at.fine_tuning.total_usd is not None
        assert at.in_context_learning.total_usd is not None
        return at.fine_tuning.total_usd, at.in_context_learning.total_usd

    ft_at, icl_at = totals(v)
    assert ft_at == pytest.approx(icl_at, rel=1e-7)
    below, above = totals(0.99 * v), totals(1.01 * v)
    assert below[0] > below[1] and above[0] < above[1]


# ------------------------------------------------------------------------------ ranges


@pytest.mark.parametrize("key", ["self_hosted_min_replicas", "self_hosted_training_setup_hours"])
def test_an_assumption_at_either_end_is_its_stated_end(key: str) -> None:
    entry = A.entry(key)
    assert entry.low is not None and entry.high is not None and entry.low < entry.high
    assert _ranged(A, key, "low") == entry.low
    assert _ranged(A, key, "point") == entry.value
    assert _ranged(A, key, "high") == entry.high
    assert not math.isclose(entry.low, entry.value)
