"""Features by hand: the cases mutation testing found unguarded (docs/mutation.md).

Profiles start from the helpers' (classification, 1,000 labeled examples, 4 classes, query 200,
output 50, instructions 100, 10 shots, 12 months) on ``spec()`` models (cached input priced,
1,024-token cache minimum); the evaluation date is 2026-11-27 and a month 30.4375 days, so
the 12-month horizon is 365.25 days and 2,629,800 requests a month are one a second.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest

from strategy_advisor import (
    ImplausibleValueWarning,
    PeopleTime,
    PilotResult,
    Strategy,
    TokenMeasurement,
)
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._catalog import ModelSpec
from strategy_advisor._features import (
    ShotPlan,
    TaskFeatures,
    allowed_modes,
    derive_features,
    on_own_weights,
    shots_that_fit,
    token_accuracy,
    with_shots,
)
from strategy_advisor._profile import TaskProfile

from .helpers import TODAY, offer, profile, spec

ONE_PER_SECOND = 2_629_800.0  # 30.4375 days x 86,400 s
HORIZON_DAYS = 365.25
A = default_assumptions()


def _derive(p: TaskProfile, **kw: object) -> TaskFeatures:
    assert isinstance(p.icl_model, ModelSpec) and isinstance(p.ft_model, ModelSpec)
    return derive_features(p, p.icl_model, p.ft_model, assumptions=A, today=TODAY, **kw)  # type: ignore[arg-type]


def _features(**kw: object) -> TaskFeatures:
    return _derive(profile(**kw))


def _fields(f: TaskFeatures, expected: dict[str, object]) -> dict[str, object]:
    return {name: getattr(f, name) for name in expected}


# -------------------------------------------------------------- a profile, field by field


def test_a_worked_profile_field_by_field() -> None:
    icl = spec(
        "GPT-Test",
        provider="OpenAI",
        context_window=16_000,
        max_output_tokens=4_096,
        shutdown_date=dt.date(2027, 5, 27),  # 181 days away: inside the horizon
    )
    ft = spec(
        "gpt-test",
        provider="OpenAI",
        context_window=8_000,
        max_output_tokens=2_048,
        fine_tuning=offer(min_examples=20, hosting_usd_per_hour=1.5),
    )
    p = profile(
        icl_model=icl,
        ft_model=ft,
        retrieved_context_tokens=300.0,
        requests_per_month=ONE_PER_SECOND,
        peak_to_average_ratio=2.5,
        latency_budget_ms=1_500.0,
        fine_tuning_budget_usd=250.0,
        task_change_interval_days=100.0,
        epochs=3,
        cache_hit_rate=0.8,
        allow_batch=False,
        adapters_per_deployment=2,
        people=PeopleTime(hourly_usd=120.0),
        token_measurement=TokenMeasurement(
            encoding="o200k_base", exact=False, n_examples=500, n_counted=100, relative_error=0.04
        ),
    )
    f = _derive(p, catalog_as_of=dt.date(2026, 9, 28))  # 60 days before the evaluation date
    expected: dict[str, object] = {
        "task_type": "classification",
        "n_labeled_examples": 1_000,
        "n_classes": 4,
        "requests_per_month": ONE_PER_SECOND,
        "requests_per_second": 1.0,
        "peak_to_average_ratio": 2.5,
        "peak_requests_per_second": 2.5,  # 1 request/s x 2.5
        "horizon_months": 12.0,
        "horizon_days": HORIZON_DAYS,
        "latency_budget_ms": 1_500.0,
        "task_change_interval_days": 100.0,
        "task_changes_in_horizon": 3,  # ceil(365.25 / 100) = 4 periods: 3 changes after the start
        "fine_tuning_budget_usd": 250.0,
        "query_tokens": 200.0,
        "output_tokens": 50.0,
        "instruction_tokens": 100.0,
        "retrieved_tokens": 300.0,
        "demo_tokens": 250.0,  # query + output
        "icl_shots": 10,
        "icl_shots_chosen": False,
        "icl_shots_wanted": 10,
        "icl_shots_planned": 10,  # given, so the prompt as given
        "icl_shots_reason": None,
        # fixed part 100 + 300 + 250 = 650; (16,000 - 650) / 250 = 61.4
        "icl_shots_room": 61,
        "icl_prefix_tokens": 2_600.0,  # 100 + 10 x 250
        "icl_prompt_tokens": 3_100.0,  # prefix + 300 retrieved + 200 query
        "icl_context_needed": 3_150.0,  # + 50 output
        "one_per_class_context_needed": 1_650.0,  # 650 + 4 x 250
        "ft_context_needed": 250.0,
        "icl_context_window": 16_000,
        "ft_context_window": 8_000,
        "icl_max_output_tokens": 4_096,
        "ft_max_output_tokens": 2_048,
        "icl_model_name": "GPT-Test",
        "ft_model_name": "gpt-test",
        "icl_min_cacheable_tokens": 1_024,
        "icl_prefix_cached": True,  # 2,600 >= 1,024
        "icl_cache_hit_rate": 0.8,  # given
        "icl_cache_hit_rate_given": True,
        "icl_cached_tokens": 2_080.0,  # 2,600 x 0.8
        "icl_cache_lifetime_minutes": 5.0,  # OpenAI's stated idle lifetime
        "icl_cache_lifetime_assumed": False,
        "icl_batch": False,  # allow_batch=False
        "ft_batch": False,
        "icl_batch_stacks_with_cache": False,
        "icl_batch_window_hours": 24.0,  # OpenAI's batch window, known even when not used
        "ft_batch_window_hours": 24.0,
        "ft_tunable": True,
        "ft_min_examples": 20,
        "ft_min_examples_from_offer": True,
        "ft_hosting_usd_per_hour": 1.5,
        "adapters_per_deployment": 2,
        "epochs": 3,
        "epochs_given": True,
        "icl_shutdown_in_days": 181.0,
        "ft_shutdown_in_days": None,
        "ft_shutdown_share_of_horizon": None,
        "same_model": True,  # names differ only in case
        "tokens_exact": False,
        "token_relative_error": 0.04,
        "engineer_hourly_usd": 120.0,
        "people_time_assumed": True,
        # the hourly rate is given; revisions apply (3 changes), migration applies (the
        # prompted model shuts down inside the horizon), self-hosting does not
        "people_assumed": "prompt_engineering_hours, fine_tuning_setup_hours, "
        "fine_tuning_hours_per_retraining, prompt_revision_hours, prompt_migration_hours",
        "catalog_age_days": 60.0,
        "catalog_max_age_days": A.get("catalog_max_age_days"),
    }
    assert _fields(f, expected) == expected


def test_unknown_token_lengths_leave_every_token_quantity_unknown() -> None:
    f = _features(avg_input_tokens=None, avg_output_tokens=None)
    expected: dict[str, object] = {
        "demo_tokens": None,
        "icl_shots_room": None,
        "icl_prefix_tokens": None,
        "icl_prompt_tokens": None,
        "icl_context_needed": None,
        "one_per_class_context_needed": None,
        "ft_context_needed": None,
        "icl_prefix_cached": None,
        "icl_cache_hit_rate": None,
        "icl_cached_tokens": None,
        "tokens_exact": None,
        "token_relative_error": None,
    }
    assert _fields(f, expected) == expected


def test_without_classes_there_is_no_one_per_class_context() -> None:
    f = _features(task_type="generation", n_classes=None)
    assert f.one_per_class_context_needed is None
    assert f.icl_prefix_tokens == 2_600.0


def test_the_stated_peak_ratio_applies_when_none_is_given() -> None:
    # 2 requests/s at the stated peak-to-average assumption
    f = _features(requests_per_month=2 * ONE_PER_SECOND)
    ratio = A.get("peak_to_average_ratio")
    assert (f.requests_per_second, f.peak_to_average_ratio) == (2.0, ratio)
    assert f.peak_requests_per_second == pytest.approx(2.0 * ratio)


# ----------------------------------------------------------------------- demonstrations


def test_a_pilots_demonstrations_are_the_prompts() -> None:
    pilot = PilotResult(icl_score=0.7, ft_score=0.8, n_eval_examples=100, icl_shots=3)
    f = _features(icl_shots=None, pilot=pilot)
    assert (f.icl_shots, f.icl_shots_chosen, f.icl_shots_wanted, f.icl_shots_planned) == (
        3,
        False,
        3,
        3,
    )
    assert f.icl_prefix_tokens == 850.0  # 100 + 3 x 250


def test_given_demonstrations_are_wanted_as_given() -> None:
    # 3 given, though the advisor would plan 8 (its default, above the 4 classes)
    f = _features(icl_shots=3)
    assert (f.icl_shots, f.icl_shots_wanted, f.icl_shots_planned, f.icl_shots_chosen) == (
        3,
        3,
        3,
        False,
    )


def test_chosen_demonstrations_without_a_known_window_are_the_default() -> None:
    default = int(A.get("default_icl_shots"))
    f = _features(icl_shots=None, icl_model=spec(context_window=None))
    assert f.icl_shots_room is None
    assert (f.icl_shots, f.icl_shots_chosen, f.icl_shots_planned) == (default, True, default)


def test_a_planned_prompt_fixes_the_demonstrations() -> None:
    plan = ShotPlan(shots=2, reason="two fit the budget")
    chosen = _derive(profile(icl_shots=None), plan=plan)
    assert (chosen.icl_shots, chosen.icl_shots_chosen, chosen.icl_shots_reason) == (
        2,
        True,
        "two fit the budget",
    )
    assert chosen.icl_shots_planned == int(A.get("default_icl_shots"))  # what was planned
    assert chosen.icl_prefix_tokens == 600.0  # 100 + 2 x 250
    given = _derive(profile(icl_shots=10), plan=plan)
    assert (given.icl_shots, given.icl_shots_chosen, given.icl_shots_planned) == (2, False, 2)


def test_retrieved_passages_take_room_from_demonstrations() -> None:
    # window 2,000: fixed 100 + 500 retrieved + 250 = 850 leaves 1,150 = 4.6 demonstrations
    f = _features(
        icl_shots=None, retrieved_context_tokens=500.0, icl_model=spec(context_window=2_000)
    )
    assert (f.icl_shots_room, f.icl_shots) == (4, 4)


@pytest.mark.parametrize(
    ("fixed", "demo", "window", "room"),
    [
        (None, 250.0, 1_000, None),
        (350.0, None, 1_000, None),
        (350.0, 250.0, None, None),
        (350.0, 250.0, 300, 0),  # the fixed part alone overflows: none, not a negative count
        (350.0, 250.0, 1_600, 5),  # 1,250 left = exactly 5
        (350.0, 250.0, 1_599, 4),
    ],
)
def test_shots_that_fit(
    fixed: float | None, demo: float | None, window: int | None, room: int | None
) -> None:
    assert shots_that_fit(fixed, demo, window) == room


# -------------------------------------------------------------------------- prompt cache


def test_the_cache_minimum_is_the_models_or_the_stated_default() -> None:
    assert _features(icl_model=spec(min_cacheable_tokens=None)).icl_min_cacheable_tokens == int(
        A.get("default_min_cacheable_tokens")
    )
    no_cache = spec(cached_input_usd_per_mtok=None, min_cacheable_tokens=None)
    assert _features(icl_model=no_cache).icl_min_cacheable_tokens is None
    stated = spec(cached_input_usd_per_mtok=None, min_cacheable_tokens=2_048)
    assert _features(icl_model=stated).icl_min_cacheable_tokens == 2_048


@pytest.mark.parametrize(("instructions", "cached"), [(0.0, False), (0.5, True), (1.0, True)])
def test_with_no_minimum_any_nonempty_prefix_is_cached(instructions: float, cached: bool) -> None:
    # no demonstrations: the prefix is the instructions alone; an empty prefix is not cached
    model = spec(min_cacheable_tokens=0)
    # half a token of instructions is valid but warns as a likely unit slip (thousands?)
    slip = 0 < instructions < 1
    with pytest.warns(ImplausibleValueWarning) if slip else contextlib.nullcontext():
        f = _features(icl_shots=0, instruction_tokens=instructions, icl_model=model)
    assert f.icl_prefix_tokens == instructions
    assert f.icl_prefix_cached is cached


def test_the_models_own_cache_lifetime_is_used_and_stated() -> None:
    model = spec(provider=None, cache_lifetime_minutes=30.0)
    f = _features(icl_model=model)
    assert (f.icl_cache_lifetime_minutes, f.icl_cache_lifetime_assumed) == (30.0, False)


def test_an_unstated_cache_lifetime_is_assumed_unless_the_hit_rate_is_given() -> None:
    assumed = _features(icl_model=spec(provider=None))
    assert assumed.icl_cache_lifetime_assumed is True
    assert assumed.icl_cache_hit_rate_given is False
    given = _features(icl_model=spec(provider=None), cache_hit_rate=0.5)
    assert given.icl_cache_lifetime_assumed is False
    assert given.icl_cache_hit_rate_given is True
    # a prefix that is not cached has no lifetime at all
    short = _features(icl_model=spec(provider=None, min_cacheable_tokens=5_000))
    assert (short.icl_cache_lifetime_minutes, short.icl_cache_lifetime_assumed) == (None, False)
    assert (short.icl_cache_hit_rate, short.icl_cached_tokens) == (0.0, 0.0)


def test_the_cache_hit_rate_at_one_request_a_second_with_an_hourly_flush() -> None:
    # OpenAI: idle lifetime 5 min, always cleared within 60 min. One request a second:
    # 1 - exp(-300) misses nothing to idling; a flush every hour misses 1 of 3,600 requests
    f = _features(icl_model=spec(provider="OpenAI"), requests_per_month=ONE_PER_SECOND)
    assert f.icl_cache_hit_rate == pytest.approx(1 - 1 / 3_600, rel=1e-12)
    assert f.icl_cached_tokens == pytest.approx(2_600 * (1 - 1 / 3_600), rel=1e-12)


# ---------------------------------------------------------------------------- batch


def _batchable(name: str = "batch-llm", provider: str | None = "OpenAI", **kw: object) -> ModelSpec:
    return spec(
        name,
        provider=provider,
        batch_input_usd_per_mtok=0.5,
        batch_output_usd_per_mtok=1.0,
        fine_tuning=offer(batch_input_usd_per_mtok=0.15, batch_output_usd_per_mtok=0.6),
        **kw,
    )


DAY_MS = 24 * 3_600_000.0  # OpenAI's and Anthropic's 24-hour batch window


@pytest.mark.parametrize(
    ("allow", "budget", "batch"),
    [
        (True, None, True),  # offline work
        (True, DAY_MS, True),
        (True, DAY_MS - 1.0, False),  # a budget below the window
        (None, None, False),  # no evidence the work can wait
        (None, DAY_MS, True),  # a budget at the window is that evidence
        (None, DAY_MS - 1.0, False),
        (False, None, False),
        (False, DAY_MS, False),
    ],
)
def test_batch_rates_by_allow_batch_and_the_latency_budget(
    allow: bool | None, budget: float | None, batch: bool
) -> None:
    model = _batchable()
    f = _features(icl_model=model, ft_model=model, allow_batch=allow, latency_budget_ms=budget)
    assert (f.icl_batch, f.ft_batch) == (batch, batch)
    assert (f.icl_batch_window_hours, f.ft_batch_window_hours) == (24.0, 24.0)


@pytest.mark.parametrize(
    ("serving", "batch"),
    [("cheapest", True), ("serverless", True), ("dedicated", False), ("self_hosted", False)],
)
def test_batch_rates_only_where_the_model_may_be_served_serverless(
    serving: str, batch: bool
) -> None:
    model = _batchable()
    icl = _features(icl_model=model, ft_model=model, allow_batch=True, icl_serving=serving)
    assert (icl.icl_batch, icl.ft_batch) == (batch, True)
    ft = _features(icl_model=model, ft_model=model, allow_batch=True, ft_serving=serving)
    assert (ft.icl_batch, ft.ft_batch) == (True, batch)


def test_batch_needs_listed_prices_and_a_window_when_there_is_a_budget() -> None:
    unpriced = _features(allow_batch=True)  # spec() lists no batch prices
    assert (unpriced.icl_batch, unpriced.ft_batch) == (False, False)
    # a provider with no known batch window: offline work may use it, a budget may not
    no_window = _batchable(provider=None)
    offline = _features(icl_model=no_window, ft_model=no_window, allow_batch=True)
    assert (offline.icl_batch, offline.ft_batch) == (True, True)
    assert (offline.icl_batch_window_hours, offline.ft_batch_window_hours) == (None, None)
    timed = _features(
        icl_model=no_window, ft_model=no_window, allow_batch=True, latency_budget_ms=DAY_MS
    )
    assert (timed.icl_batch, timed.ft_batch) == (False, False)


def test_each_strategy_uses_its_own_providers_window_and_offer() -> None:
    icl = _batchable()
    ft = spec(
        "base-only",
        provider=None,
        tunable=False,
        batch_input_usd_per_mtok=0.5,
        batch_output_usd_per_mtok=1.0,
    )
    f = _features(icl_model=icl, ft_model=ft, allow_batch=True)
    assert (f.icl_batch, f.icl_batch_window_hours) == (True, 24.0)
    assert (f.ft_batch, f.ft_batch_window_hours, f.ft_tunable) == (False, None, False)
    assert f.ft_hosting_usd_per_hour is None


@pytest.mark.parametrize(("provider", "stacks"), [("Anthropic", True), ("OpenAI", False)])
def test_batch_stacks_with_the_cache_only_where_the_provider_says(
    provider: str, stacks: bool
) -> None:
    model = _batchable(provider=provider)
    assert _features(icl_model=model, allow_batch=True).icl_batch_stacks_with_cache is stacks
    assert _features(icl_model=model, allow_batch=False).icl_batch_stacks_with_cache is False


# --------------------------------------------------------------- offers and shutdowns


def test_minimum_examples_come_from_the_offer_else_the_default() -> None:
    default = int(A.get("default_min_examples"))
    unstated = _features(ft_model=spec(fine_tuning=offer(min_examples=None)))
    assert (unstated.ft_min_examples, unstated.ft_min_examples_from_offer) == (default, False)
    untunable = _features(ft_model=spec(tunable=False))
    assert (untunable.ft_min_examples, untunable.ft_min_examples_from_offer) == (default, False)
    assert untunable.ft_tunable is False


SHUTDOWN = dt.date(2027, 5, 27)  # 181 days after 2026-11-27


@pytest.mark.parametrize(
    ("ft", "days"),
    [
        # the offer's own date wins: 2027-02-24 is 30 + 31 + 28 = 89 days away
        (
            spec(
                provider="OpenAI",
                shutdown_date=SHUTDOWN,
                fine_tuning=offer(shutdown_date=dt.date(2027, 2, 24)),
            ),
            89.0,
        ),
        # tuned on the provider's own platform (any case): the base model's date
        (
            spec(
                provider="OpenAI",
                shutdown_date=SHUTDOWN,
                fine_tuning=offer(platform="OPENAI fine-tuning"),
            ),
            181.0,
        ),
        # tuned and served elsewhere: the base's date is not the tuned model's
        (
            spec(
                provider="Meta", shutdown_date=SHUTDOWN, fine_tuning=offer(platform="Together AI")
            ),
            None,
        ),
        (spec(provider="Meta", shutdown_date=SHUTDOWN, fine_tuning=offer()), 181.0),
        (spec(provider=None, shutdown_date=SHUTDOWN, fine_tuning=offer(platform="X")), 181.0),
        (spec(provider="Meta", shutdown_date=SHUTDOWN, tunable=False), 181.0),
    ],
)
def test_the_tuned_models_shutdown(ft: ModelSpec, days: float | None) -> None:
    f = _features(ft_model=ft)
    assert f.ft_shutdown_in_days == days
    assert f.ft_shutdown_share_of_horizon == (None if days is None else days / HORIZON_DAYS)


def test_the_prompted_models_shutdown_and_the_model_names() -> None:
    f = _features(icl_model=spec("a-model", shutdown_date=SHUTDOWN), ft_model=spec("b-model"))
    assert f.icl_shutdown_in_days == 181.0
    assert f.same_model is False
    assert f.epochs_given is False


def test_own_weights_outlive_their_providers_shutdown() -> None:
    f = _features(icl_model=spec(shutdown_date=SHUTDOWN), ft_model=spec(shutdown_date=SHUTDOWN))
    assert (f.icl_shutdown_in_days, f.ft_shutdown_in_days) == (181.0, 181.0)
    tuned = on_own_weights(f, tuned=True, prompted=False)
    assert (tuned.icl_shutdown_in_days, tuned.ft_shutdown_in_days) == (181.0, None)
    assert tuned.ft_shutdown_share_of_horizon is None
    prompted = on_own_weights(f, tuned=False, prompted=True)
    assert (prompted.icl_shutdown_in_days, prompted.ft_shutdown_in_days) == (None, 181.0)
    assert on_own_weights(f, tuned=False, prompted=False) is f


# -------------------------------------------------------------------- serving modes


def test_allowed_modes() -> None:
    ft, icl = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
    assert allowed_modes(spec(tunable=False), ft) == ("serverless",)
    assert allowed_modes(spec(fine_tuning=offer(hosting_usd_per_hour=0.0)), ft) == ("serverless",)
    assert allowed_modes(spec(fine_tuning=offer(hosting_usd_per_hour=2.0)), ft) == ("dedicated",)
    listed = spec(fine_tuning=offer(serving=("serverless", "self_hosted")), params_b=8.0)
    assert allowed_modes(listed, ft) == ("serverless", "self_hosted")
    assert allowed_modes(spec(), icl) == ("serverless",)
    assert allowed_modes(spec(serving=("dedicated",)), icl) == ("dedicated",)


# --------------------------------------------------------------- task changes, people


@pytest.mark.parametrize(
    ("interval", "changes"),
    [
        (None, 0),
        (100.0, 3),  # 365.25 / 100 = 3.65 -> 4 periods, 3 changes
        (HORIZON_DAYS, 0),  # exactly one period
        (HORIZON_DAYS / 2, 1),  # exactly two periods
        (400.0, 0),  # longer than the horizon
    ],
)
def test_task_changes_inside_the_horizon(interval: float | None, changes: int) -> None:
    assert _features(task_change_interval_days=interval).task_changes_in_horizon == changes


def test_only_the_people_figures_that_enter_the_costs_are_called_assumed() -> None:
    # a stable task, no shutdown, no self-hosting: revisions and migration do not apply
    stable = _features(people=PeopleTime(hourly_usd=100.0))
    assert stable.people_assumed == (
        "prompt_engineering_hours, fine_tuning_setup_hours, fine_tuning_hours_per_retraining"
    )
    # a tuned model that may be self-hosted brings its operations hours in
    ft = spec(fine_tuning=offer(serving=("self_hosted",)), params_b=8.0)
    hosted = _features(ft_model=ft, people=PeopleTime(hourly_usd=100.0))
    assert hosted.people_assumed is not None
    assert hosted.people_assumed.endswith(", self_hosting_ops_hours_per_month")
    fixed = _features(icl_serving="self_hosted", icl_model=spec(params_b=8.0))
    assert fixed.people_assumed is not None
    assert "self_hosting_ops_hours_per_month" in fixed.people_assumed.split(", ")
    # a shutdown after the horizon needs no migration
    late = _features(icl_model=spec(shutdown_date=dt.date(2028, 1, 1)))
    assert late.people_assumed is not None
    assert "prompt_migration_hours" not in late.people_assumed.split(", ")


def test_people_figures_all_given_assume_nothing() -> None:
    people = PeopleTime(
        hourly_usd=100.0,
        prompt_engineering_hours=1.0,
        fine_tuning_setup_hours=2.0,
        fine_tuning_hours_per_retraining=3.0,
        prompt_revision_hours=0.5,
        prompt_migration_hours=4.0,
        self_hosting_ops_hours_per_month=10.0,
    )
    f = _features(people=people, task_change_interval_days=30.0)
    assert (f.people_time_assumed, f.people_assumed) == (False, None)
    assert (f.prompt_engineering_hours, f.ft_setup_hours, f.ft_hours_per_retraining) == (
        1.0,
        2.0,
        3.0,
    )


# ------------------------------------------------------------------------ with_shots


@pytest.mark.parametrize(("before", "after"), [(10, 2), (2, 10), (10, 10)])
def test_with_shots_equals_deriving_with_that_plan(before: int, after: int) -> None:
    # provider None: the cache lifetime is assumed; 2 shots make a 600-token prefix, below
    # the 1,024-token minimum, 10 shots a 2,600-token one, above it
    p = profile(icl_shots=None, icl_model=spec(provider=None), requests_per_month=ONE_PER_SECOND)
    icl = p.icl_model
    assert isinstance(icl, ModelSpec)
    base = _derive(p, plan=ShotPlan(shots=before, reason="before"))
    plan = ShotPlan(shots=after, reason="after")
    assert with_shots(base, plan, p, icl, A) == _derive(p, plan=plan)


def test_with_shots_by_hand() -> None:
    p = profile(icl_shots=None, icl_model=spec(provider=None))
    icl = p.icl_model
    assert isinstance(icl, ModelSpec)
    two = with_shots(_derive(p), ShotPlan(shots=2, reason="two"), p, icl, A)
    expected: dict[str, object] = {
        "icl_shots": 2,
        "icl_shots_reason": "two",
        "icl_prefix_tokens": 600.0,  # 100 + 2 x 250
        "icl_prompt_tokens": 800.0,
        "icl_context_needed": 850.0,
        "icl_prefix_cached": False,  # below 1,024
        "icl_cache_hit_rate": 0.0,
        "icl_cached_tokens": 0.0,
        "icl_cache_lifetime_minutes": None,
        "icl_cache_lifetime_assumed": False,
    }
    assert _fields(two, expected) == expected


@pytest.mark.parametrize(
    ("stated", "idle", "hit"),
    [
        # OpenAI's cache: 5 idle minutes, cleared within 60; at 1 request/s a request hits
        # when the last came within 300 s (1 - e^-300, 1 to double precision) and one in
        # 60 x 60 = 3,600 misses at the hard refresh: 3,599 / 3,600
        (None, 5.0, 3_599.0 / 3_600.0),
        # the model's own 30 minutes replaces the provider's figure, with no hard maximum:
        # 1 - e^-1,800 = 1
        (30.0, 30.0, 1.0),
    ],
)
def test_with_shots_takes_the_cache_lifetime_of_the_provider_or_the_model(
    stated: float | None, idle: float, hit: float
) -> None:
    icl = spec(provider="OpenAI", cache_lifetime_minutes=stated)
    p = profile(icl_shots=None, icl_model=icl, requests_per_month=ONE_PER_SECOND)
    ten = with_shots(_derive(p), ShotPlan(shots=10, reason="ten"), p, icl, A)
    expected: dict[str, object] = {
        "icl_prefix_tokens": 2_600.0,  # 100 + 10 x 250, above the 1,024-token minimum
        "icl_prefix_cached": True,
        "icl_cache_lifetime_minutes": idle,
        "icl_cache_lifetime_assumed": False,  # stated by the provider or the model
    }
    assert _fields(ten, expected) == expected
    assert ten.icl_cache_hit_rate == pytest.approx(hit, rel=1e-15)
    assert ten.icl_cached_tokens == pytest.approx(2_600.0 * hit, rel=1e-15)


# ---------------------------------------------------------------------- token_accuracy


def _measured(**kw: object) -> TokenMeasurement:
    base: dict[str, object] = dict(
        encoding="o200k_base", exact=False, n_examples=1_200, n_counted=1_200, relative_error=0.0
    )
    return TokenMeasurement(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "line"),
    [
        ({"encoding": "estimate", "n_counted": 300},
         "estimated from UTF-8 bytes on 300 of 1,200 examples; pip install "
         "'strategy_advisor[tokenizers]' counts them exactly, offline"),
        ({}, "counted with o200k_base on 1,200 of 1,200 examples"),
        ({"n_counted": 1_199},
         "counted with o200k_base on 1,199 of 1,200 examples (a sample)"),
        ({"exact_for": ("gpt-a", "gpt-b")},
         "counted with o200k_base on 1,200 of 1,200 examples: exact for gpt-a and gpt-b"),
        ({"exact_for": ("gpt-a",), "approximate_for": ("claude-x", "llama-y")},
         "counted with o200k_base on 1,200 of 1,200 examples: exact for gpt-a; o200k_base "
         "stands in for the tokenizer of claude-x and llama-y"),
    ],
)  # fmt: skip
def test_token_accuracy_says_how_lengths_were_counted_and_for_whom(
    kw: dict[str, object], line: str
) -> None:
    assert token_accuracy(_measured(**kw)) == line
