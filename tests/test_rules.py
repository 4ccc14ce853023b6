"""Each default rule firing and not firing, through the whole pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from strategy_advisor import PeopleTime, TokenMeasurement, recommend

from .helpers import TODAY, offer, profile, spec

#: Hosted models with their own measured first-token times (narrow ranges) and speeds.
FAST = spec(ttft_ms=300.0, ttft_p95_ms=450.0, decode_tokens_per_s=1000.0)
SLOW = spec(ttft_ms=300.0, ttft_p95_ms=450.0, decode_tokens_per_s=40.0)


def _status(code: str, **kw: Any) -> str:
    today = kw.pop("today", TODAY)
    rec = recommend(profile(**kw), today=today)
    (outcome,) = [o for o in rec.trace if o.code == code]
    if outcome.status == "fired":
        assert outcome.message and "{" not in outcome.message, outcome.message
    return outcome.status


def _measured(exact: bool) -> TokenMeasurement:
    return TokenMeasurement(
        encoding="o200k_base" if exact else "estimate",
        exact=exact,
        n_examples=1000,
        n_counted=1000,
        relative_error=0.0 if exact else 0.25,
    )


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("no-labeled-examples", dict(n_labeled_examples=0, icl_shots=0), {}),
    ("below-fine-tuning-minimum", dict(n_labeled_examples=5, icl_shots=5),
     dict(n_labeled_examples=10)),
    ("few-labeled-examples", dict(n_labeled_examples=20), {}),
    ("no-fine-tuning-offer", dict(ft_model=spec(tunable=False)), {}),
    ("fine-tuning-over-budget", dict(fine_tuning_budget_usd=1.0),
     dict(fine_tuning_budget_usd=10.0)),
    ("icl-prompt-overflows-context", dict(icl_model=spec(context_window=2000)), {}),
    ("one-demo-per-class-overflows-context", dict(n_classes=1000), {}),
    ("ft-prompt-overflows-context", dict(ft_model=spec(context_window=200)), {}),
    # answers of 50 tokens against a model that writes at most 40 (or 100)
    ("icl-output-exceeds-max-output",
     dict(icl_model=spec(max_output_tokens=40)), dict(icl_model=spec(max_output_tokens=100))),
    ("ft-output-exceeds-max-output",
     dict(ft_model=spec(max_output_tokens=40)), dict(ft_model=spec(max_output_tokens=100))),
    ("icl-over-latency-budget",
     dict(latency_budget_ms=600.0, requests_per_month=2000.0, icl_model=FAST, ft_model=FAST),
     dict(latency_budget_ms=2000.0, requests_per_month=2000.0, icl_model=FAST, ft_model=FAST)),
    ("ft-over-latency-budget",
     dict(latency_budget_ms=700.0, icl_model=FAST, ft_model=SLOW),
     dict(latency_budget_ms=3000.0, icl_model=FAST, ft_model=SLOW)),
    ("both-over-latency-budget",
     dict(latency_budget_ms=300.0, icl_model=FAST, ft_model=FAST),
     dict(latency_budget_ms=3000.0, icl_model=FAST, ft_model=FAST)),
    ("icl-no-demonstration-fits", dict(icl_shots=None, icl_model=spec(context_window=400)),
     dict(icl_shots=None)),
    ("icl-shots-reduced-to-fit", dict(icl_shots=None, icl_model=spec(context_window=1000)),
     dict(icl_shots=None)),
    ("no-traffic", dict(requests_per_month=0.0), {}),
    ("ft-shuts-down-before-payback",
     dict(requests_per_month=100.0, ft_model=spec(shutdown_date="2027-03-01")),
     dict(requests_per_month=1e7, ft_model=spec(shutdown_date="2027-03-01"))),
    ("task-changes-faster-than-payback",
     dict(task_change_interval_days=30.0, requests_per_month=100.0),
     dict(task_change_interval_days=30.0, requests_per_month=1e6)),
    ("retraining-never-pays-back",
     dict(task_change_interval_days=14.0, requests_per_month=10.0,
          ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=1.0))),
     dict(task_change_interval_days=14.0, requests_per_month=1e6)),
    ("hosting-fee-exceeds-prompting-bill",
     dict(ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=2.0))), {}),
    ("high-volume-long-prompt", dict(requests_per_month=5e6),
     dict(requests_per_month=5e6, icl_shots=2)),
    ("ft-model-already-shut-down", dict(ft_model=spec(shutdown_date="2026-01-01")),
     dict(ft_model=spec(shutdown_date="2030-01-01"))),
    ("icl-model-already-shut-down", dict(icl_model=spec(shutdown_date="2026-01-01")),
     dict(icl_model=spec(shutdown_date="2030-01-01"))),
    ("ft-model-shuts-down-early", dict(ft_model=spec(shutdown_date="2027-01-14")),
     dict(ft_model=spec(shutdown_date="2027-10-01"))),
    ("ft-model-shutdown-in-horizon", dict(ft_model=spec(shutdown_date="2027-03-01")),
     dict(ft_model=spec(shutdown_date="2030-01-01"))),
    ("icl-model-shutdown-in-horizon", dict(icl_model=spec(shutdown_date="2027-03-01")),
     dict(icl_model=spec(shutdown_date="2030-01-01"))),
    ("icl-prefix-below-cache-minimum", dict(icl_model=spec(min_cacheable_tokens=4096)), {}),
    ("tokens-estimated", dict(token_measurement=_measured(False)),
     dict(token_measurement=_measured(True))),
    ("icl-unpriced", dict(icl_model=spec(input_usd_per_mtok=None)), {}),
    ("ft-unpriced", dict(ft_model=spec(fine_tuning=offer(training_usd_per_mtok=None))), {}),
    ("batch-pricing-used",
     dict(allow_batch=True, icl_model=spec(provider="OpenAI", batch_input_usd_per_mtok=0.5,
                                           batch_output_usd_per_mtok=1.0,
                                           cached_input_usd_per_mtok=None)), {}),
    ("cold-prompt-cache", dict(requests_per_month=200.0), {}),
    ("cache-lifetime-assumed", {}, dict(icl_model=spec(provider="Anthropic"))),
    ("people-time-assumed", {}, dict(people=PeopleTime(
        hourly_usd=90.0, prompt_engineering_hours=4.0, fine_tuning_setup_hours=20.0,
        fine_tuning_hours_per_retraining=2.0))),
    ("dedicated-capacity-scaled",
     dict(requests_per_month=2e9,
          ft_model=spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=2.0))),
     dict(ft_model=spec(params_b=8.0, fine_tuning=offer(hosting_usd_per_hour=2.0)))),
    ("shots-chosen", dict(icl_shots=None), {}),
    ("catalog-stale", dict(today=dt.date(2027, 6, 1)), {}),
]  # fmt: skip


@pytest.mark.parametrize(("code", "fires", "quiet"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_and_does_not_fire(
    code: str, fires: dict[str, Any], quiet: dict[str, Any]
) -> None:
    assert _status(code, **fires) == "fired"
    assert _status(code, **quiet) == "not_fired"


def test_every_default_rule_is_covered() -> None:
    from strategy_advisor._rules import default_rulebook

    assert {c[0] for c in CASES} == set(default_rulebook().codes)


def test_rules_without_their_inputs_are_not_applicable() -> None:
    rec = recommend(profile(latency_budget_ms=None, avg_input_tokens=None), today=TODAY)
    status = {o.code: o.status for o in rec.trace}
    assert status["icl-over-latency-budget"] == "not_applicable"
    assert status["icl-prompt-overflows-context"] == "not_applicable"
    assert status["fine-tuning-over-budget"] == "not_applicable"


def test_every_rule_is_traced_in_order_with_the_values_it_saw() -> None:
    from strategy_advisor._rules import default_rulebook

    rec = recommend(profile(fine_tuning_budget_usd=1.0), today=TODAY)
    assert tuple(o.code for o in rec.trace) == default_rulebook().codes
    (budget,) = [o for o in rec.trace if o.code == "fine-tuning-over-budget"]
    assert budget.values == {"ft_training_usd": pytest.approx(2.25), "fine_tuning_budget_usd": 1.0}
    assert "$2.25" in (budget.message or "") and "$1.00" in (budget.message or "")
