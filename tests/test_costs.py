"""Cost formulas on hand-computed cases, and published worked examples.

Prices come from explicit specs (tests/helpers.py: input $1, cached $0.1, output $2 per 1M;
tuned model $0.3 / $1.2, training $3 per 1M), so every expected number below is arithmetic
on the page. People's time is set to zero where a test is about machine costs.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from strategy_advisor import PeopleTime, Strategy
from strategy_advisor._assumptions import Assumptions, default_assumptions
from strategy_advisor._costs import CostComparison, compare_costs
from strategy_advisor._features import derive_features
from strategy_advisor._serving import (
    cache_hit_rate,
    forward_flops,
    replica_seconds_per_request,
    serving_data,
    training_flops,
)

from .helpers import TODAY, offer, profile, spec

DPM = 30.4375
HOURS = 24 * DPM  # 730.5 hours a month
NO_PEOPLE = PeopleTime(
    hourly_usd=0.0,
    prompt_engineering_hours=0.0,
    fine_tuning_setup_hours=0.0,
    fine_tuning_hours_per_retraining=0.0,
)
FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


def _compare(assumptions: Assumptions | None = None, **kw: Any) -> CostComparison:
    kw.setdefault("people", NO_PEOPLE)
    p = profile(**kw)
    a = assumptions or default_assumptions()
    assert not isinstance(p.icl_model, str) and not isinstance(p.ft_model, str)
    assert p.icl_model is not None and p.ft_model is not None
    f = derive_features(p, p.icl_model, p.ft_model, assumptions=a, today=TODAY)
    return compare_costs(
        f,
        p.icl_model,
        p.ft_model,
        assumptions=a,
        icl_serving=p.icl_serving,
        ft_serving=p.ft_serving,
    )


def _rate(per_month: float) -> float:
    return per_month / (DPM * 86_400)


# -------------------------------------------------------------------------- prompt cache


def test_a_warm_cache_bills_the_prefix_at_the_cached_price() -> None:
    # prefix = 100 instructions + 10 x (200 + 50) = 2,600 tokens >= 1,024; at 100k requests a
    # month (one every 26 s) a 5-minute cache almost never goes cold
    c = _compare()
    icl = c.in_context_learning
    hit = 1 - math.exp(-_rate(100_000) * 300)
    assert icl.cache_hit_rate == pytest.approx(hit)
    prefix = 2600 * (hit * 0.1 + (1 - hit) * 1.0)
    assert icl.per_request_usd == pytest.approx((prefix + 200 * 1.0 + 50 * 2.0) / 1e6)
    assert icl.cached_tokens_per_request == pytest.approx(2600 * hit)
    assert icl.total_usd == pytest.approx(icl.per_request_usd * 100_000 * 12)


def test_a_cold_cache_at_sparse_traffic_pays_full_price() -> None:
    # 200 requests a month: one every 3.7 hours; a 5-minute cache is a hit for ~2% of them
    c = _compare(requests_per_month=200.0)
    icl = c.in_context_learning
    hit = 1 - math.exp(-_rate(200) * 300)
    assert hit < 0.03
    assert icl.cache_hit_rate == pytest.approx(hit)
    expected = (2600 * (hit * 0.1 + (1 - hit) * 1.0) + 200 + 100) / 1e6
    assert icl.per_request_usd == pytest.approx(expected)


def test_a_cache_miss_pays_the_cache_write_price_where_one_is_listed() -> None:
    written = spec(cache_write_usd_per_mtok=1.25)
    c = _compare(requests_per_month=200.0, icl_model=written)
    hit = 1 - math.exp(-_rate(200) * 300)
    expected = (2600 * (hit * 0.1 + (1 - hit) * 1.25) + 200 + 100) / 1e6
    assert c.in_context_learning.per_request_usd == pytest.approx(expected)


def test_a_hard_maximum_lifetime_costs_one_miss_per_refresh() -> None:
    # OpenAI: 5-10 minutes idle, always cleared within an hour (data/serving.json)
    openai = spec(provider="OpenAI")
    c = _compare(icl_model=openai, requests_per_month=1_000_000.0)
    lam = _rate(1_000_000)
    hit = (1 - math.exp(-lam * 300)) * (1 - 1 / (lam * 3600))
    assert c.in_context_learning.cache_hit_rate == pytest.approx(hit)
    assert cache_hit_rate(1 / 7200, 5.0, 60.0) == 0.0  # fewer than one request an hour


def test_a_measured_hit_rate_wins() -> None:
    c = _compare(cache_hit_rate=0.5)
    expected = (2600 * (0.5 * 0.1 + 0.5 * 1.0) + 200 + 100) / 1e6
    assert c.in_context_learning.per_request_usd == pytest.approx(expected)


def test_a_prefix_below_the_minimum_is_never_cached() -> None:
    c = _compare(icl_model=spec(min_cacheable_tokens=4096))
    icl = c.in_context_learning
    assert icl.cached_tokens_per_request == 0 and icl.cache_hit_rate == 0
    assert icl.per_request_usd == pytest.approx((2800 * 1.0 + 50 * 2.0) / 1e6)


def test_no_cached_price_means_no_caching() -> None:
    c = _compare(icl_model=spec(cached_input_usd_per_mtok=None))
    assert c.in_context_learning.per_request_usd == pytest.approx((2800 + 100) / 1e6)


def test_retrieved_passages_are_priced_and_never_cached() -> None:
    c = _compare(retrieved_context_tokens=1000.0, cache_hit_rate=1.0)
    icl = c.in_context_learning
    assert icl.input_tokens_per_request == 2600 + 1000 + 200
    assert icl.per_request_usd == pytest.approx((2600 * 0.1 + 1200 * 1.0 + 100) / 1e6)
    assert c.fine_tuning.input_tokens_per_request == 200  # the tuned model needs no passages


# ------------------------------------------------------------------------------ batch


BATCHED = dict(
    provider="OpenAI", batch_input_usd_per_mtok=0.5, batch_output_usd_per_mtok=1.0
)  # OpenAI's batch window: 24 hours


def test_batch_rates_apply_without_a_latency_budget() -> None:
    c = _compare(icl_model=spec(**BATCHED))
    icl = c.in_context_learning
    assert icl.serving.batch
    assert icl.per_request_usd == pytest.approx((2800 * 0.5 + 50 * 1.0) / 1e6)


def test_batch_rates_need_a_budget_of_at_least_the_batch_window() -> None:
    online = _compare(icl_model=spec(**BATCHED), latency_budget_ms=2000.0)
    assert not online.in_context_learning.serving.batch
    day = _compare(icl_model=spec(**BATCHED), latency_budget_ms=24 * 3_600_000.0)
    assert day.in_context_learning.serving.batch
    off = _compare(icl_model=spec(**BATCHED), allow_batch=False)
    assert not off.in_context_learning.serving.batch


def test_the_tuned_model_gets_its_own_batch_rates() -> None:
    tuned = spec(
        provider="OpenAI",
        fine_tuning=offer(batch_input_usd_per_mtok=0.15, batch_output_usd_per_mtok=0.6),
    )
    c = _compare(ft_model=tuned)
    assert c.fine_tuning.serving.batch
    assert c.fine_tuning.per_request_usd == pytest.approx((200 * 0.15 + 50 * 0.6) / 1e6)


# ------------------------------------------------------------------------- training


def test_fine_tuning_training_and_tuned_model_premium() -> None:
    # 1,000 examples x 250 tokens x 3 epochs = 750k tokens x $3/M = $2.25
    c = _compare()
    ft = c.fine_tuning
    assert ft.training_tokens_per_run == 750_000
    assert ft.training_usd == pytest.approx(2.25)
    assert ft.one_time_usd == pytest.approx(2.25)  # no people's time in this test
    # the tuned model pays its own (higher) prices on the query only: no demonstrations
    assert ft.per_request_usd == pytest.approx((200 * 0.3 + 50 * 1.2) / 1e6)
    assert ft.total_usd == pytest.approx(2.25 + ft.per_request_usd * 100_000 * 12)


def test_epochs_follow_the_cookbook_heuristic_for_small_sets() -> None:
    c = _compare(n_labeled_examples=20, icl_shots=10)
    assert c.fine_tuning.training_tokens_per_run == 20 * 250 * 5  # 100 // 20 = 5 epochs


def test_retraining_every_change_within_the_horizon() -> None:
    # 12 months = 365.25 days; a change every 30 days -> ceil(365.25 / 30) = 13 runs
    c = _compare(task_change_interval_days=30.0)
    ft = c.fine_tuning
    assert ft.training_runs == 13
    assert ft.retraining_usd == pytest.approx(2.25 * 12)


# -------------------------------------------------------------------------- serving


def test_a_dedicated_deployment_bills_one_replica_at_low_load() -> None:
    hosted = spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=2.0))
    c = _compare(ft_model=hosted, requests_per_month=1000.0)
    ft = c.fine_tuning
    assert ft.serving.mode == "dedicated" and ft.serving.replicas == 1
    assert ft.hosting_usd == pytest.approx(2.0 * HOURS * 12)
    assert ft.hosting_usd_per_month == pytest.approx(2.0 * HOURS)


def test_dedicated_replicas_grow_with_the_peak_load() -> None:
    hosted = spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=2.0))
    volume = 2e9  # ~760 requests/s on average, ~2,280 at a 3x peak
    c = _compare(ft_model=hosted, requests_per_month=volume)
    ft = c.fine_tuning
    w, _ = replica_seconds_per_request(8.0, 1, 200.0, 50.0)
    capacity = serving_data().serving_utilization.value / w
    peak = _rate(volume) * default_assumptions().get("peak_to_average_ratio")
    assert ft.serving.requests_per_s_per_replica == pytest.approx(capacity)
    assert ft.serving.peak_requests_per_s == pytest.approx(peak)
    assert ft.serving.replicas == math.ceil(peak / capacity) > 1
    assert ft.hosting_usd == pytest.approx(math.ceil(peak / capacity) * 2.0 * HOURS * 12)


def test_a_shared_deployment_splits_its_always_on_fee() -> None:
    hosted = spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=8.0))
    c = _compare(ft_model=hosted, requests_per_month=1000.0, adapters_per_deployment=9)
    assert c.fine_tuning.serving.replicas == pytest.approx(1 / 9)
    assert c.fine_tuning.hosting_usd == pytest.approx(8.0 * HOURS * 12 / 9)


def test_self_hosting_bills_gpu_hours_at_market_prices() -> None:
    own = spec(params_b=8.0, fine_tuning=offer(serving=("self_hosted",)))
    c = _compare(ft_model=own, requests_per_month=1000.0)
    ft = c.fine_tuning
    gpu = serving_data().gpus["H100 80GB"].usd_per_hour
    assert ft.serving.mode == "self_hosted" and ft.per_request_usd == 0
    assert ft.hosting_usd == pytest.approx(gpu * HOURS * 12)  # one 1-GPU replica
    # training: 4 x 8e9 x 750k tokens FLOPs at 36% of 989 TFLOPS, billed per GPU-hour
    seconds = 4 * 8e9 * 750_000 / (0.36 * 989e12)
    assert ft.training_usd == pytest.approx(seconds / 3600 * gpu)


def test_the_cheapest_allowed_mode_is_chosen_and_the_others_shown() -> None:
    both = spec(
        params_b=8.0,
        fine_tuning=offer(hosting_usd_per_hour=8.0, serving=("dedicated", "self_hosted")),
    )
    c = _compare(ft_model=both, requests_per_month=1000.0)
    ft = c.fine_tuning
    assert ft.serving.mode == "self_hosted"  # $2.49 per GPU-hour beats $8 per replica-hour
    modes = {a.mode: a for a in ft.alternatives}
    assert set(modes) == {"dedicated", "self_hosted"}
    assert modes["self_hosted"].chosen and not modes["dedicated"].chosen
    assert modes["dedicated"].total_usd > modes["self_hosted"].total_usd  # type: ignore[operator]
    fixed = _compare(ft_model=both, requests_per_month=1000.0, ft_serving="dedicated")
    assert fixed.fine_tuning.serving.mode == "dedicated"


def test_unknown_capacity_falls_back_to_the_minimum_with_a_note() -> None:
    hosted = spec(fine_tuning=offer(hosting_usd_per_hour=2.0))  # no params_b
    c = _compare(ft_model=hosted, requests_per_month=1e9)
    assert c.fine_tuning.serving.replicas == 1
    assert c.fine_tuning.serving.requests_per_s_per_replica is None


# ---------------------------------------------------------------------- people's time


def test_peoples_time_enters_the_one_time_and_recurring_costs() -> None:
    people = PeopleTime(
        hourly_usd=100.0,
        prompt_engineering_hours=8.0,
        fine_tuning_setup_hours=40.0,
        fine_tuning_hours_per_retraining=4.0,
    )
    c = _compare(people=people, task_change_interval_days=120.0)  # ceil(365.25/120) = 4 runs
    icl, ft = c.in_context_learning, c.fine_tuning
    assert icl.one_time_usd == pytest.approx(800.0)
    assert ft.one_time_usd == pytest.approx(2.25 + 4800.0)
    assert ft.people_usd == pytest.approx(4800.0 + 3 * 400.0)
    assert ft.retraining_usd == pytest.approx(3 * 2.25)
    names = {ln.name for ln in ft.lines}
    assert {"fine-tuning set-up time", "prompt engineering time", "retraining time"} <= names


@pytest.mark.parametrize(
    "kw",
    [
        {},
        dict(task_change_interval_days=45.0, horizon_months=6.0),
        dict(ft_model=spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=1.7))),
        dict(people=PeopleTime(hourly_usd=90.0)),
    ],
)
def test_the_total_is_its_lines_and_one_time_plus_monthly(kw: dict[str, Any]) -> None:
    c = _compare(**kw)
    for cost in (c.fine_tuning, c.in_context_learning):
        assert cost.total_usd is not None and cost.one_time_usd is not None
        assert cost.total_usd == pytest.approx(sum(ln.usd or 0.0 for ln in cost.lines))
        months = kw.get("horizon_months", 12.0)
        assert cost.total_usd == pytest.approx(cost.one_time_usd + cost.monthly_usd * months)
        one_time = sum(ln.usd or 0.0 for ln in cost.lines if ln.kind == "one_time")
        assert cost.one_time_usd == pytest.approx(one_time)


# ------------------------------------------------------------------ break-even, payback


@pytest.mark.parametrize(
    "kw",
    [
        dict(requests_per_month=1000.0),
        dict(ft_model=spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=1.7))),
        dict(task_change_interval_days=45.0, horizon_months=6.0),
        dict(people=PeopleTime(hourly_usd=91.0)),
        dict(requests_per_month=50.0, icl_model=spec(provider="Anthropic")),
    ],
)
def test_totals_are_equal_at_break_even(kw: dict[str, Any]) -> None:
    c = _compare(**kw)
    v = c.break_even_requests_per_month
    assert v is not None and v > 0
    at_v = _compare(**{**kw, "requests_per_month": v})
    assert at_v.fine_tuning.total_usd == pytest.approx(at_v.in_context_learning.total_usd)
    above = _compare(**{**kw, "requests_per_month": v * 1.5})
    assert above.fine_tuning.total_usd < above.in_context_learning.total_usd  # type: ignore[operator]


def test_break_even_hand_computed_with_a_fixed_cost() -> None:
    # a warm cache at every volume near the break-even: measured hit rate 1
    people = PeopleTime(
        hourly_usd=100.0,
        prompt_engineering_hours=0.0,
        fine_tuning_setup_hours=10.0,
        fine_tuning_hours_per_retraining=0.0,
    )
    c = _compare(people=people, cache_hit_rate=1.0)
    a = (200 * 1.0 + 2600 * 0.1 + 50 * 2.0) / 1e6
    b = (200 * 0.3 + 50 * 1.2) / 1e6
    fixed = 2.25 + 1000.0
    assert c.break_even_requests_per_month == pytest.approx(fixed / (12 * (a - b)), rel=1e-6)
    assert c.payback_months == pytest.approx(fixed / (100_000 * (a - b)))


def test_no_break_even_when_tuned_requests_cost_more() -> None:
    tuned = spec(fine_tuning=offer(input_usd_per_mtok=2.0, output_usd_per_mtok=4.0))
    c = _compare(icl_shots=0, instruction_tokens=0.0, ft_model=tuned)
    assert c.fine_tuning.per_request_usd > c.in_context_learning.per_request_usd  # type: ignore[operator]
    assert c.break_even_requests_per_month is None
    assert c.payback_months is None


def test_unknown_prices_are_unpriced_never_zero() -> None:
    c = _compare(ft_model=spec(fine_tuning=offer(training_usd_per_mtok=None)))
    ft = c.fine_tuning
    assert ft.training_usd is None and ft.one_time_usd is None and ft.total_usd is None
    assert any("training_usd_per_mtok" in u for u in ft.unpriced)
    assert c.break_even_requests_per_month is None
    (line,) = [ln for ln in ft.lines if ln.name == "first training run"]
    assert line.usd is None


def test_unknown_token_lengths_are_unpriced() -> None:
    c = _compare(avg_input_tokens=None)
    assert c.in_context_learning.total_usd is None
    assert c.fine_tuning.total_usd is None
    assert any("avg_input_tokens" in u for u in c.in_context_learning.unpriced)


def test_zero_volume_costs_only_what_is_paid_once() -> None:
    c = _compare(requests_per_month=0.0)
    assert c.in_context_learning.total_usd == 0
    assert c.fine_tuning.total_usd == pytest.approx(2.25)


# ------------------------------------------------------------- published worked examples


def test_azure_training_and_hosting_example() -> None:
    """Azure OpenAI fine-tuning cost management doc (MicrosoftDocs/azure-ai-docs,
    fine-tuning-cost-management.md, via PRICING.md section 2): training = 1M tokens x
    2 epochs x $2/1M = $4; hosting $1.70/hour x 720 hours = $1,224 a month."""
    # a 1M-token training file: 12,500 examples of 80 tokens; the cookbook heuristic gives
    # 25,000 // 12,500 = 2 epochs, as the doc's example does
    assert default_assumptions().epochs_for(12_500) == 2
    azure = spec(
        params_b=8.0,
        fine_tuning=offer(
            training_usd_per_mtok=2.0,
            hosting_usd_per_hour=1.70,
            input_usd_per_mtok=1.0,
            output_usd_per_mtok=2.0,
        ),
    )
    thirty_days = default_assumptions().model_copy(
        update={
            "values": default_assumptions().values.model_copy(
                update={
                    "days_per_month": default_assumptions()
                    .entry("days_per_month")
                    .model_copy(update={"value": 30.0})
                }
            )
        }
    )
    c = _compare(
        thirty_days,
        n_labeled_examples=12_500,
        avg_input_tokens=60.0,
        avg_output_tokens=20.0,
        icl_shots=10,
        ft_model=azure,
        requests_per_month=1000.0,
    )
    ft = c.fine_tuning
    assert ft.training_tokens_per_run == pytest.approx(2_000_000)  # 1M tokens x 2 epochs
    assert ft.training_usd == pytest.approx(4.0)
    assert ft.hosting_usd_per_month == pytest.approx(1224.0)


def test_gpt_41_mini_per_call_break_even_of_pricing_section_6() -> None:
    """PRICING.md section 6: with a cached prefix of P tokens, gpt-4.1-mini prompting costs
    0.10 P + 0.40 q + 1.60 o and its fine-tune 0.80 q + 3.20 o ($/1M): the fine-tune is
    cheaper per call only if P > 4q + 16o, e.g. q = 200, o = 50: P > 1,600."""
    mini = spec(
        name="gpt-4.1-mini",
        input_usd_per_mtok=0.4,
        cached_input_usd_per_mtok=0.1,
        output_usd_per_mtok=1.6,
        fine_tuning=offer(input_usd_per_mtok=0.8, output_usd_per_mtok=3.2),
    )
    # prefix = 100 instructions + k x 250: k = 6 gives exactly 1,600 tokens
    at = _compare(icl_model=mini, ft_model=mini, icl_shots=6, instruction_tokens=100.0,
                  cache_hit_rate=1.0)  # fmt: skip
    assert at.in_context_learning.per_request_usd == pytest.approx(at.fine_tuning.per_request_usd)
    above = _compare(icl_model=mini, ft_model=mini, icl_shots=7, cache_hit_rate=1.0)
    assert above.fine_tuning.per_request_usd < above.in_context_learning.per_request_usd  # type: ignore[operator]


def test_t_few_flops_of_the_cost_model() -> None:
    """Liu et al. 2022 (T-Few), Table 1 and Sec. 4.2 (EVIDENCE.md, cost figures): inference
    1.1e12 FLOPs per example for T-Few (T0 11B, 103-token query) vs 1.4e15 for few-shot
    GPT-3 175B ("2 x 175e9 x (41 x 98 + 103)"); training 2.7e16 FLOPs ("3 x 11e9 x 1,000
    steps x 8 x 103"). T0 is an encoder-decoder: the input passes through the encoder, half
    the parameters, so 2·N·D with N = 5.5B reads 1.1e12, and 6·N·D reads 2.7e16."""
    t_few = forward_flops(5.5, 103)
    gpt3 = forward_flops(175.0, 41 * 98 + 103)
    assert t_few == pytest.approx(1.1e12, rel=0.05)
    assert gpt3 == pytest.approx(1.4e15, rel=0.05)
    assert gpt3 / t_few == pytest.approx(1270, rel=0.05)  # the paper's "over 1,000x"
    assert training_flops(5.5, 1000 * 8 * 103, "full") == pytest.approx(2.7e16, rel=0.02)
