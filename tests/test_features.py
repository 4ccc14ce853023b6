"""Features stage: what a profile and its two models imply, field by field, computed by hand.

Profiles start from the helpers' (classification, 1,000 labeled examples, 4 classes, query 200,
output 50, instructions 100, 10 shots, 12 months) on ``spec()`` models (cached input priced,
1,024-token cache minimum); the evaluation date is 2026-11-27 and a month 30.4375 days, so
the 12-month horizon is 365.25 days and 2,629,800 requests a month are one a second.

The features are read at the point estimate as ``recommend()`` computes them: the pipeline's
columns (:func:`~strategy_advisor._features.feature_columns`, arrays over rows) at row 0
(:func:`~strategy_advisor._features.features_at`). Where the profile leaves the
demonstrations to the advisor the prompt planner chooses them; ``_derive(..., shots=k)``
fixes them instead, as the simulation does with the point's plan.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import numpy as np
import pytest

from strategy_advisor import (
    Advisor,
    ImplausibleValueWarning,
    PeopleTime,
    PilotResult,
    Strategy,
    TokenMeasurement,
    recommend,
)
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._costs import price
from strategy_advisor._features import (
    TaskFeatures,
    feature_columns,
    features_at,
    shots_that_fit,
    token_accuracy,
)
from strategy_advisor._model_spec import ModelSpec
from strategy_advisor._pipeline import evaluate
from strategy_advisor._profile import TaskProfile
from strategy_advisor._scenarios import Case, Scenarios, allowed_modes

from .helpers import TODAY, features_of, offer, point_evaluation, profile, spec

ONE_PER_SECOND = 2_629_800.0  # 30.4375 days x 86,400 s
HORIZON_DAYS = 365.25
A = default_assumptions()
ADVISOR = Advisor()


def _derive(
    p: TaskProfile, *, catalog_as_of: dt.date | None = None, shots: int | None = None
) -> TaskFeatures:
    """The features of ``p`` at its point estimate (the demonstrations fixed at ``shots``,
    else as given or planned; the catalog dated ``catalog_as_of``, else the shipped one's)."""
    assert isinstance(p.icl_model, ModelSpec) and isinstance(p.ft_model, ModelSpec)
    as_of = catalog_as_of or ADVISOR.catalog.as_of_date
    case = Case.of(p, p.icl_model, p.ft_model, assumptions=A, today=TODAY, catalog_as_of=as_of)
    parts = ADVISOR._parts(p, case, ADVISOR.policy)
    fixed = None if shots is None else np.array([float(shots)])
    return features_at(evaluate(case, Scenarios.point(case), parts, shots=fixed).columns)


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


def test_prompt_and_context_arithmetic_by_hand() -> None:
    f = _features(n_classes=7)
    assert f.demo_tokens == 250  # query 200 + output 50
    assert f.icl_prefix_tokens == 100 + 10 * 250
    assert f.icl_prompt_tokens == 100 + 10 * 250 + 200
    assert f.icl_context_needed == 100 + 10 * 250 + 200 + 50
    # one demonstration per class plus the request itself: 100 + 200 + 50 + 7 x 250
    assert f.one_per_class_context_needed == 100 + 200 + 50 + 7 * 250
    assert f.ft_context_needed == 250
    assert f.horizon_days == pytest.approx(12 * A.get("days_per_month"))


def test_shutdown_share_of_the_horizon() -> None:
    # 2027-05-27 is 181 days after 2026-11-27; the horizon is 12 x 30.4375 = 365.25 days
    f = _features(ft_model=spec(shutdown_date="2027-05-27"))
    assert f.ft_shutdown_in_days == 181
    assert f.ft_shutdown_share_of_horizon == pytest.approx(181 / 365.25)


def test_the_features_are_the_ones_recommend_reports() -> None:
    p = profile(icl_shots=None, task_change_interval_days=45.0)
    assert recommend(p, today=TODAY).features == _derive(p) == features_of(p)


# ----------------------------------------------------------------------- over rows


def _rows(case: Any, s: Scenarios, shots: np.ndarray) -> dict[str, Any]:
    """The feature columns of the rows of ``s`` with the prompt fixed at ``shots``."""
    bills = price(case, s, shots)
    no = np.zeros(s.rows, dtype=bool)
    return feature_columns(
        case, s, shots=shots, planned=shots, wanted=shots, room=np.full(s.rows, np.nan),
        prompt=bills.prompt, changes=bills.changes, epochs=bills.epochs,
        batch={Strategy.IN_CONTEXT_LEARNING: no, Strategy.FINE_TUNING: no},
        own_weights={Strategy.IN_CONTEXT_LEARNING: no, Strategy.FINE_TUNING: no},
        shots_reason=None,
    )  # fmt: skip


def _three_rows() -> tuple[Any, Scenarios]:
    case, ev = point_evaluation(profile())
    return case, ev.scenarios.repeat(3).with_values(
        volume=np.array([ONE_PER_SECOND, 2 * ONE_PER_SECOND, 0.0]),
        query_tokens=np.array([200.0, 100.0, 400.0]),
        change_interval_days=np.array([np.inf, 100.0, HORIZON_DAYS / 2]),
    )


def test_feature_columns_vary_by_row_and_hold_the_rest_once() -> None:
    """The columns are arrays where scenarios differ (volume, token lengths, task changes)
    and plain values where they cannot (the models' names and windows); each row's
    features are the hand arithmetic of that row."""
    case, s = _three_rows()
    columns = _rows(case, s, np.array([10.0, 2.0, 0.0]))
    assert columns["icl_model_name"] == "test-llm" and columns["icl_context_window"] == 128_000

    def col(name: str) -> list[float]:
        return np.broadcast_to(columns[name], (3,)).tolist()

    assert col("requests_per_second") == [1.0, 2.0, 0.0]
    assert col("demo_tokens") == [250.0, 150.0, 450.0]
    # prefix 100 + shots x demo; prompt + query
    assert col("icl_prefix_tokens") == [2_600.0, 400.0, 100.0]
    assert col("icl_prompt_tokens") == [2_800.0, 500.0, 500.0]
    assert col("icl_prefix_cached") == [True, False, False]  # the 1,024-token minimum
    assert col("task_changes_in_horizon") == [0, 3, 1]
    assert np.isnan(col("task_change_interval_days")[0])  # a stable task: no interval


def test_features_at_reads_any_row() -> None:
    case, s = _three_rows()
    columns = _rows(case, s, np.array([10.0, 2.0, 0.0]))
    rows = [features_at(columns, i) for i in range(3)]
    assert [f.icl_prefix_tokens for f in rows] == [2_600.0, 400.0, 100.0]
    assert [f.n_labeled_examples for f in rows] == [1_000] * 3


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


def test_chosen_demonstrations_without_a_known_window_are_planned_from_the_default() -> None:
    default = int(A.get("default_icl_shots"))
    f = _features(icl_shots=None, icl_model=spec(context_window=None))
    assert f.icl_shots_room is None
    assert (f.icl_shots_chosen, f.icl_shots_planned, f.icl_shots_wanted) == (True, default, default)
    assert f.icl_shots <= default and f.icl_shots_reason


def test_a_fixed_prompt_keeps_its_demonstrations() -> None:
    # the prompt fixed at 2 demonstrations (as the simulation keeps the point's plan)
    chosen = _derive(profile(icl_shots=None), shots=2)
    assert (chosen.icl_shots, chosen.icl_shots_chosen) == (2, True)
    assert chosen.icl_shots_planned == int(A.get("default_icl_shots"))  # what was planned
    assert chosen.icl_prefix_tokens == 600.0  # 100 + 2 x 250
    given = _derive(profile(icl_shots=10), shots=2)
    assert (given.icl_shots, given.icl_shots_chosen, given.icl_shots_planned) == (2, False, 2)


def test_retrieved_passages_take_room_from_demonstrations() -> None:
    # window 2,000: fixed 100 + 500 retrieved + 250 = 850 leaves 1,150 = 4.6 demonstrations
    kw: dict[str, Any] = dict(
        icl_shots=None, retrieved_context_tokens=500.0, icl_model=spec(context_window=2_000)
    )
    f = _features(**kw)
    assert f.icl_shots_room == 4 and f.icl_shots <= 4
    assert "only 4 of the 8 wanted fit the context window" in (f.icl_shots_reason or "")
    # the most that fit: 850 + 4 x 250 = 1,850 of the 2,000
    assert _derive(profile(**kw), shots=4).icl_context_needed == 1_850.0


def test_the_most_demonstrations_that_fit_fill_exactly_the_room_left() -> None:
    # window 1,600: fixed 100 + 200 + 50 = 350 leaves 1,250 = exactly 5 demonstrations
    f = _features(icl_shots=None, icl_model=spec(context_window=1600))
    assert f.icl_shots_room == 5 and f.icl_shots <= 5 and f.icl_shots_chosen
    at_room = _derive(profile(icl_shots=None, icl_model=spec(context_window=1600)), shots=5)
    assert at_room.icl_context_needed == 1600
    assert _features(icl_shots=None, icl_model=spec(context_window=1599)).icl_shots_room == 4


def test_default_shots_cover_every_class_up_to_the_cap() -> None:
    base, cap = int(A.get("default_icl_shots")), int(A.get("max_icl_shots"))
    assert _features(icl_shots=None, n_classes=2).icl_shots_wanted == base
    assert _features(icl_shots=None, n_classes=base + 3).icl_shots_wanted == base + 3
    assert _features(icl_shots=None, n_classes=cap + 50).icl_shots_wanted == cap
    # never more demonstrations than labeled examples
    few = _features(icl_shots=None, n_labeled_examples=3)
    assert few.icl_shots_wanted == 3 and few.icl_shots <= 3


@pytest.mark.parametrize(
    ("fixed", "demo", "window", "room"),
    [
        (np.nan, 250.0, 1_000, np.nan),
        (350.0, np.nan, 1_000, np.nan),
        (350.0, 250.0, None, np.nan),
        (350.0, 250.0, 300, 0.0),  # the fixed part alone overflows: none, not a negative count
        (350.0, 250.0, 1_600, 5.0),  # 1,250 left = exactly 5
        (350.0, 250.0, 1_599, 4.0),
    ],
)
def test_shots_that_fit(fixed: float, demo: float, window: int | None, room: float) -> None:
    got = shots_that_fit(np.array([fixed]), np.array([demo]), window)
    np.testing.assert_array_equal(got, np.array([room]))


# -------------------------------------------------------------------------- prompt cache


def test_the_cache_minimum_is_the_models_or_the_stated_default() -> None:
    assert _features(icl_model=spec(min_cacheable_tokens=None)).icl_min_cacheable_tokens == int(
        A.get("default_min_cacheable_tokens")
    )
    no_cache = spec(cached_input_usd_per_mtok=None, min_cacheable_tokens=None)
    assert _features(icl_model=no_cache).icl_min_cacheable_tokens is None
    stated = spec(cached_input_usd_per_mtok=None, min_cacheable_tokens=2_048)
    assert _features(icl_model=stated).icl_min_cacheable_tokens == 2_048


def test_a_prefix_is_cached_only_at_or_above_the_minimum() -> None:
    at = _features(icl_model=spec(min_cacheable_tokens=2600))
    above = _features(icl_model=spec(min_cacheable_tokens=2601))
    assert at.icl_prefix_cached is True
    assert at.icl_cached_tokens == pytest.approx(2600 * at.icl_cache_hit_rate)
    assert above.icl_prefix_cached is False and above.icl_cached_tokens == 0
    none = _features(icl_model=spec(cached_input_usd_per_mtok=None))
    assert none.icl_prefix_cached is False


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


# ------------------------------------------------------- the prompt at a fixed count


@pytest.mark.parametrize(("before", "after"), [(10, 2), (2, 10), (10, 10)])
def test_a_fixed_count_equals_a_profile_that_gives_it(before: int, after: int) -> None:
    # provider None: the cache lifetime is assumed; 2 shots make a 600-token prefix, below
    # the 1,024-token minimum, 10 shots a 2,600-token one, above it. The prompt fixed at
    # `after` demonstrations has the features of a profile giving `after`, but for who
    # chose them.
    kw: dict[str, Any] = dict(icl_model=spec(provider=None), requests_per_month=ONE_PER_SECOND)
    fixed = _derive(profile(icl_shots=before, **kw), shots=after)
    given = _features(icl_shots=after, **kw)
    assert fixed.model_copy(update={"icl_shots_wanted": after}) == given


def test_a_fixed_count_by_hand() -> None:
    two = _derive(profile(icl_shots=None, icl_model=spec(provider=None)), shots=2)
    expected: dict[str, object] = {
        "icl_shots": 2,
        "icl_shots_reason": None,
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
def test_a_fixed_count_takes_the_cache_lifetime_of_the_provider_or_the_model(
    stated: float | None, idle: float, hit: float
) -> None:
    icl = spec(provider="OpenAI", cache_lifetime_minutes=stated)
    p = profile(icl_shots=None, icl_model=icl, requests_per_month=ONE_PER_SECOND)
    ten = _derive(p, shots=10)
    expected: dict[str, object] = {
        "icl_prefix_tokens": 2_600.0,  # 100 + 10 x 250, above the 1,024-token minimum
        "icl_prefix_cached": True,
        "icl_cache_lifetime_minutes": idle,
        "icl_cache_lifetime_assumed": False,  # stated by the provider or the model
    }
    assert _fields(ten, expected) == expected
    assert ten.icl_cache_hit_rate == pytest.approx(hit, rel=1e-15)
    assert ten.icl_cached_tokens == pytest.approx(2_600.0 * hit, rel=1e-15)


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
    """A strategy served on the team's own GPUs (its chosen serving self-hosted) keeps its
    weights past the provider's shutdown: that strategy's shutdown is None, the other's
    stays."""
    served = _features(
        icl_model=spec(shutdown_date=SHUTDOWN), ft_model=spec(shutdown_date=SHUTDOWN)
    )
    assert (served.icl_shutdown_in_days, served.ft_shutdown_in_days) == (181.0, 181.0)
    own_ft = spec(params_b=8.0, shutdown_date=SHUTDOWN, fine_tuning=offer(serving=("self_hosted",)))
    tuned = _features(icl_model=spec(shutdown_date=SHUTDOWN), ft_model=own_ft)
    assert (tuned.icl_shutdown_in_days, tuned.ft_shutdown_in_days) == (181.0, None)
    assert tuned.ft_shutdown_share_of_horizon is None
    own_icl = spec(kind="open_weights", params_b=8.0, shutdown_date=SHUTDOWN,
                   serving=("self_hosted",))  # fmt: skip
    prompted = _features(icl_model=own_icl, ft_model=spec(shutdown_date=SHUTDOWN))
    assert (prompted.icl_shutdown_in_days, prompted.ft_shutdown_in_days) == (None, 181.0)


# -------------------------------------------------------------------- serving modes


def test_allowed_modes() -> None:
    ft, icl = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
    assert allowed_modes(spec(tunable=False), ft) == ("serverless",)
    assert allowed_modes(spec(fine_tuning=offer(hosting_usd_per_hour=0.0)), ft) == ("serverless",)
    assert allowed_modes(spec(fine_tuning=offer(hosting_usd_per_hour=2.0)), ft) == ("dedicated",)
    # weights the team may host itself may also go on a GPU platform's endpoint (the tuned
    # model only; whether a route opens depends on its size, _routes.py)
    listed = spec(fine_tuning=offer(serving=("serverless", "self_hosted")), params_b=8.0)
    assert allowed_modes(listed, ft) == ("serverless", "self_hosted", "endpoint")
    both = spec(fine_tuning=offer(serving=("endpoint", "self_hosted")), params_b=8.0)
    assert allowed_modes(both, ft) == ("endpoint", "self_hosted")
    assert allowed_modes(spec(fine_tuning=offer(serving=("endpoint",))), ft) == ("endpoint",)
    assert allowed_modes(spec(), icl) == ("serverless",)
    assert allowed_modes(spec(serving=("dedicated",)), icl) == ("dedicated",)
    assert allowed_modes(spec(serving=("self_hosted",), params_b=8.0), icl) == ("self_hosted",)


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
    # a tuned model that may be self-hosted brings its operations hours in, and (8B: it may
    # also go on a GPU platform's endpoint) the endpoint's operations hours
    ft = spec(fine_tuning=offer(serving=("self_hosted",)), params_b=8.0)
    hosted = _features(ft_model=ft, people=PeopleTime(hourly_usd=100.0))
    assert hosted.people_assumed is not None
    assert hosted.people_assumed.endswith(
        ", self_hosting_ops_hours_per_month, endpoint_ops_hours_per_month"
    )
    # a prompted model self-hosted: its operations hours, no endpoint (tuned models only)
    fixed = _features(icl_serving="self_hosted", icl_model=spec(params_b=8.0))
    assert fixed.people_assumed is not None
    assert "self_hosting_ops_hours_per_month" in fixed.people_assumed.split(", ")
    assert "endpoint_ops_hours_per_month" not in fixed.people_assumed.split(", ")
    # a shutdown after the horizon needs no migration
    late = _features(icl_model=spec(shutdown_date=dt.date(2028, 1, 1)))
    assert late.people_assumed is not None
    assert "prompt_migration_hours" not in late.people_assumed.split(", ")


def test_endpoint_hours_are_not_assumed_where_no_endpoint_route_opens() -> None:
    # 70B: too large for the endpoint's one 48 GB card, so self-hosted on H100s only
    big = spec(fine_tuning=offer(serving=("self_hosted",)), params_b=70.0)
    f = _features(ft_model=big, people=PeopleTime(hourly_usd=100.0))
    assert f.people_assumed is not None
    assumed = f.people_assumed.split(", ")
    assert "self_hosting_ops_hours_per_month" in assumed
    assert "endpoint_ops_hours_per_month" not in assumed


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
