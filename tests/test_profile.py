"""Input validation: errors name the field, the expectation and what was received."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from strategy_advisor import CatalogError, ModelSpec, PilotResult, TaskProfile, recommend

from .helpers import TODAY

BASE: dict[str, Any] = {"task_type": "classification", "n_labeled_examples": 100}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_labeled_examples", -1),
        ("n_labeled_examples", 10.5),
        ("n_labeled_examples", True),
        ("n_labeled_examples", "100"),
        ("n_classes", 1),
        ("avg_input_tokens", 0),
        ("avg_input_tokens", math.nan),
        ("avg_output_tokens", math.inf),
        ("requests_per_month", -5),
        ("horizon_months", 0),
        ("latency_budget_ms", -1),
        ("task_change_interval_days", 0),
        ("fine_tuning_budget_usd", -10),
        ("icl_shots", -1),
        ("task_type", "translation"),
        ("requests_per_month", "1000"),
        ("requests_per_month", True),
        ("horizon_months", "12"),
        ("n_labeled_examples", 10**400),
    ],
)
def test_bad_values_name_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        TaskProfile.model_validate({**BASE, field: value})
    errors = info.value.errors()
    assert errors[0]["loc"][0] == field
    assert field in str(info.value)


def test_icl_shots_cannot_exceed_labeled_examples() -> None:
    with pytest.raises(ValidationError, match="icl_shots"):
        TaskProfile.model_validate({**BASE, "n_labeled_examples": 10, "icl_shots": 50})


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x", "shutdown_date": "2026-13-45"}, "shutdown_date"),
        ({"name": "x", "input_usd_per_mtok": 1.0, "cached_input_usd_per_mtok": 2.0}, "cached"),
        ({"name": "x", "context_window": 0}, "context_window"),
    ],
)
def test_bad_model_specs_name_the_field(kw: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        ModelSpec.model_validate(kw)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="n_examples"):
        TaskProfile.model_validate({**BASE, "n_examples": 3})


def test_missing_required_field() -> None:
    with pytest.raises(ValidationError, match="n_labeled_examples"):
        TaskProfile.model_validate({"task_type": "code"})


def test_profiles_are_frozen() -> None:
    p = TaskProfile.model_validate(BASE)
    with pytest.raises(ValidationError):
        p.n_labeled_examples = 5  # type: ignore[misc]


def test_json_shaped_input_with_nested_specs() -> None:
    p = TaskProfile.model_validate(
        {
            **BASE,
            "ft_model": {"name": "mine", "fine_tuning": {"training_usd_per_mtok": 1}},
            "icl_model": "gpt-4o-mini",
        }
    )
    assert isinstance(p.ft_model, ModelSpec) and p.ft_model.fine_tuning is not None
    assert TaskProfile.model_validate_json(p.model_dump_json()) == p


def test_unknown_model_name_suggests_the_closest() -> None:
    with pytest.raises(CatalogError) as info:
        recommend({**BASE, "ft_model": "gpt-4o-mnii"}, today=TODAY)
    message = str(info.value)
    assert "ft_model" in message and "gpt-4o-mnii" in message and "gpt-4o-mini" in message
    assert isinstance(info.value, ValueError)


def test_pilot_scores_must_lie_in_the_scale() -> None:
    with pytest.raises(ValidationError, match="score_scale"):
        PilotResult(icl_score=80, ft_score=90, n_eval_examples=200)
    assert PilotResult(icl_score=80, ft_score=90, n_eval_examples=200, score_scale=100)


def test_negative_price_names_the_nested_field() -> None:
    with pytest.raises(ValidationError) as info:
        TaskProfile.model_validate(
            {**BASE, "ft_model": {"name": "x", "fine_tuning": {"output_usd_per_mtok": -1}}}
        )
    assert "output_usd_per_mtok" in str(info.value)
