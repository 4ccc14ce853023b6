"""Cost formulas on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._costs import compare_costs
from strategy_advisor._features import derive_features

from .helpers import TODAY, offer, profile, spec

DPM = 30.4375


def _compare(p):  # type: ignore[no-untyped-def]
    a = default_assumptions()
    assert isinstance(p.icl_model, type(spec())) and isinstance(p.ft_model, type(spec()))
    f = derive_features(p, p.icl_model, p.ft_model, assumptions=a, today=TODAY)
    return f, compare_costs(f, p.icl_model, p.ft_model, days_per_month=DPM)


def test_icl_prefix_is_cached_when_it_reaches_the_minimum() -> None:
    # prefix = 100 instructions + 10 x (200 + 50) = 2,600 tokens >= 1,024
    f, c = _compare(profile())
    icl = c.in_context_learning
    assert f.icl_prefix_tokens == 2600
    assert icl.cached_tokens_per_request == 2600
    assert icl.per_request_usd == pytest.approx((200 * 1.0 + 2600 * 0.1 + 50 * 2.0) / 1e6)
    assert icl.total_usd == pytest.approx(icl.per_request_usd * 100_000 * 12)


def test_icl_prefix_below_minimum_pays_full_input_price() -> None:
    _, c = _compare(profile(icl_model=spec(min_cacheable_tokens=4096)))
    icl = c.in_context_learning
    assert icl.cached_tokens_per_request == 0
    assert icl.per_request_usd == pytest.approx((2800 * 1.0 + 50 * 2.0) / 1e6)


def test_no_cached_price_means_no_caching() -> None:
    _, c = _compare(profile(icl_model=spec(cached_input_usd_per_mtok=None)))
    assert c.in_context_learning.per_request_usd == pytest.approx((2800 + 100) / 1e6)


def test_fine_tuning_training_and_tuned_model_premium() -> None:
    # 1,000 examples x 250 tokens x 3 epochs = 750k tokens x $3/M = $2.25
    f, c = _compare(profile())
    ft = c.fine_tuning
    assert f.epochs == 3
    assert ft.training_tokens_per_run == 750_000
    assert ft.one_time_usd == pytest.approx(2.25)
    # the tuned model pays its own (higher) prices on the query only: no demonstrations
    assert ft.per_request_usd == pytest.approx((200 * 0.3 + 50 * 1.2) / 1e6)
    assert ft.total_usd == pytest.approx(2.25 + ft.per_request_usd * 100_000 * 12)


def test_epochs_follow_the_cookbook_heuristic_for_small_sets() -> None:
    f, c = _compare(profile(n_labeled_examples=20))
    assert f.epochs == 5  # 100 // 20
    assert c.fine_tuning.training_tokens_per_run == 20 * 250 * 5


def test_retraining_every_change_within_the_horizon() -> None:
    # 12 months = 365.25 days; a change every 30 days -> ceil(365.25 / 30) = 13 runs
    _, c = _compare(profile(task_change_interval_days=30.0))
    ft = c.fine_tuning
    assert ft.training_runs == 13
    assert ft.retraining_usd == pytest.approx(2.25 * 12)


def test_hosting_fee_over_the_horizon() -> None:
    _, c = _compare(profile(ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=2.0))))
    assert c.fine_tuning.hosting_usd == pytest.approx(2.0 * 24 * DPM * 12)


@pytest.mark.parametrize(
    "kw",
    [
        dict(requests_per_month=1000.0),
        dict(ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=1.7))),
        dict(task_change_interval_days=45.0, horizon_months=6.0),
    ],
)
def test_totals_are_equal_at_break_even(kw: dict[str, object]) -> None:
    _, c = _compare(profile(**kw))
    v = c.break_even_requests_per_month
    assert v is not None and v > 0
    _, at_v = _compare(profile(**{**kw, "requests_per_month": v}))
    assert at_v.fine_tuning.total_usd == pytest.approx(at_v.in_context_learning.total_usd)


def test_break_even_hand_computed() -> None:
    _, c = _compare(profile())
    a = (200 * 1.0 + 2600 * 0.1 + 50 * 2.0) / 1e6
    b = (200 * 0.3 + 50 * 1.2) / 1e6
    assert c.break_even_requests_per_month == pytest.approx(2.25 / (12 * (a - b)))
    assert c.payback_months == pytest.approx(2.25 / (100_000 * (a - b)))


def test_no_break_even_when_tuned_requests_cost_more() -> None:
    # zero-shot prompt with the base model is cheaper per request than the tuned model
    tuned = spec(fine_tuning=offer(input_usd_per_mtok=2.0, output_usd_per_mtok=4.0))
    _, c = _compare(profile(icl_shots=0, instruction_tokens=0.0, ft_model=tuned))
    assert c.fine_tuning.per_request_usd > c.in_context_learning.per_request_usd
    assert c.break_even_requests_per_month is None
    assert c.payback_months is None


def test_unknown_prices_are_unpriced_never_zero() -> None:
    _, c = _compare(profile(ft_model=spec(fine_tuning=offer(training_usd_per_mtok=None))))
    ft = c.fine_tuning
    assert ft.one_time_usd is None and ft.total_usd is None
    assert any("training_usd_per_mtok" in u for u in ft.unpriced)
    assert c.break_even_requests_per_month is None


def test_unknown_token_lengths_are_unpriced() -> None:
    _, c = _compare(profile(avg_input_tokens=None))
    assert c.in_context_learning.total_usd is None
    assert c.fine_tuning.total_usd is None
    assert any("avg_input_tokens" in u for u in c.in_context_learning.unpriced)


def test_zero_volume_costs_only_training() -> None:
    _, c = _compare(profile(requests_per_month=0.0))
    assert c.in_context_learning.total_usd == 0
    assert c.fine_tuning.total_usd == pytest.approx(2.25)
    assert not math.isnan(c.fine_tuning.total_usd)
