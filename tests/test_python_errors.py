"""Python errors as helpful as the command line's (issue 18, item 5): an unknown field names
the closest valid ones, and a valid value that looks like a unit slip warns."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

import strategy_advisor as sa
from strategy_advisor import (
    FineTuningOffer,
    ImplausibleValueWarning,
    ModelSpec,
    PeopleTime,
    TaskProfile,
    recommend,
)
from strategy_advisor._datafiles import describe_validation_error
from strategy_advisor._plausibility import implausible, plausibility_checks

from .helpers import TODAY

BASE = {"task_type": "classification", "n_labeled_examples": 500, "n_classes": 4}


def test_a_typo_in_a_profile_names_the_field_meant() -> None:
    with pytest.raises(ValidationError, match="Did you mean 'requests_per_month'") as exc:
        TaskProfile(**BASE, requests_per_mnth=50_000)  # type: ignore[call-arg]
    err = exc.value.errors()[0]
    assert (err["type"], err["loc"]) == ("extra_forbidden", ("requests_per_mnth",))
    assert "'requests_per_mnth' is an unknown field of TaskProfile" in err["msg"]
    # ValidationError passes through: still a ValueError, as pydantic's is
    assert isinstance(exc.value, ValueError)


def test_every_entry_point_and_nested_model_suggests() -> None:
    with pytest.raises(ValidationError, match="Did you mean 'latency_budget_ms'"):
        TaskProfile.model_validate({**BASE, "latency_budget": 2000})
    with pytest.raises(ValidationError, match="Did you mean 'latency_budget_ms'"):
        TaskProfile.model_validate_json('{"task_type": "code", "n_labeled_examples": 1, '
                                        '"latency_budget": 2000}')  # fmt: skip
    with pytest.raises(ValidationError, match=r"unknown field of PeopleTime\. Did you mean "
                       "'hourly_usd'"):  # fmt: skip
        TaskProfile(**BASE, people={"hourly_rate_usd": 90})
    with pytest.raises(ValidationError, match=r"of FineTuningOffer\. Did you mean "
                       "'hosting_usd_per_hour'"):  # fmt: skip
        TaskProfile(**BASE, ft_model={"name": "ours", "fine_tuning": {"hosting_usd": 2}})
    with pytest.raises(ValidationError, match="Did you mean 'input_usd_per_mtok'"):
        ModelSpec(name="ours", input_usd_per_m=1.0)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="Did you mean 'training_usd_per_mtok'"):
        FineTuningOffer(training_usd=3.0)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="Did you mean 'hourly_usd'"):
        PeopleTime(hourly=90)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="Did you mean 'requests_per_month'"):
        recommend({**BASE, "requests_per_mnth": 1}, today=TODAY)


def test_other_errors_keep_their_own_messages_beside_a_typo() -> None:
    with pytest.raises(ValidationError) as exc:
        TaskProfile(**{**BASE, "n_labeled_examples": -3}, requests_per_mnth=1)  # type: ignore[call-arg]
    by_type = {e["type"]: e["msg"] for e in exc.value.errors()}
    assert by_type["greater_than_equal"] == "Input should be greater than or equal to 0"
    assert "Did you mean 'requests_per_month'" in by_type["extra_forbidden"]
    # the command line's wording comes from the same errors, unchanged
    lines = describe_validation_error(exc.value, TaskProfile).splitlines()
    assert lines == [
        "n_labeled_examples: Input should be greater than or equal to 0 (got -3)",
        "requests_per_mnth: unknown field of TaskProfile. Did you mean 'requests_per_month', "
        "'adapters_per_deployment'?",
    ]


# ------------------------------------------------------------------- unit slips warn


def test_a_model_given_as_a_spec_is_checked_as_a_spec_alone() -> None:
    # one error, at the spec's field: not also "should be a valid string" for the name a
    # model may be given as, nor pydantic's internal validator names in the path
    bad = {"name": "x", "input_usd_per_mtok": -1, "output_usd_per_mtok": 1}
    with pytest.raises(ValidationError) as exc:
        TaskProfile(**BASE, icl_model=bad)
    (err,) = exc.value.errors()
    assert (err["loc"], err["type"]) == (
        ("icl_model", "ModelSpec", "input_usd_per_mtok"),
        "greater_than_equal",
    )
    assert "function-after" not in str(exc.value) and "constrained-str" not in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        TaskProfile(**BASE, ft_model=5)
    (err,) = exc.value.errors()
    assert (err["loc"], err["type"]) == (("ft_model",), "model_reference")
    assert "a catalog model name (a string) or a model spec" in err["msg"]
    with pytest.raises(ValidationError) as exc:
        TaskProfile(**BASE, icl_model="")
    assert [e["loc"] for e in exc.value.errors()] == [("icl_model", "str")]
    # the branch tags are never read as a spec's fields: an empty name given as the model,
    # and an empty name inside a spec, are told apart
    assert describe_validation_error(exc.value, TaskProfile).startswith("icl_model: ")
    with pytest.raises(ValidationError) as exc:
        TaskProfile(**BASE, icl_model={"name": "", "input_usd_per_mtok": 1.0})
    assert describe_validation_error(exc.value, TaskProfile).startswith("icl_model.name: ")
    assert TaskProfile(**BASE, icl_model="gpt-5.4-mini").icl_model == "gpt-5.4-mini"
    spec = ModelSpec(name="x", input_usd_per_mtok=1.0, output_usd_per_mtok=2.0)
    assert TaskProfile(**BASE, ft_model=spec).ft_model == spec


def test_a_latency_budget_in_seconds_warns_did_you_mean_seconds() -> None:
    with pytest.warns(ImplausibleValueWarning, match="did you mean seconds") as record:
        p = TaskProfile(**BASE, latency_budget_ms=1.5)
    assert p.latency_budget_ms == 1.5  # a warning, not a refusal: the value is used
    (w,) = record
    assert issubclass(w.category, UserWarning)
    assert "latency_budget_ms=1500" in str(w.message) and "under 20 ms" in str(w.message)
    assert w.filename == __file__  # it points at the line that built the profile


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("requests_per_month", 0.4, r"did you mean millions\? .* requests_per_month=400000"),
        ("requests_per_month", 3e11, "tokens per month"),
        ("avg_input_tokens", 0.2, "avg_input_tokens=200"),
        ("avg_output_tokens", 4e6, "characters or bytes"),
        ("instruction_tokens", 0.5, "instruction_tokens=500"),
        ("retrieved_context_tokens", 5e6, "the whole corpus"),
        ("horizon_months", 365.0, "days or weeks"),
        ("task_change_interval_days", 0.5, "weeks or months"),
    ],
)
def test_volumes_and_lengths_that_look_like_slips_warn(
    field: str, value: float, needle: str
) -> None:
    with pytest.warns(ImplausibleValueWarning, match=needle):
        TaskProfile(**{**BASE, field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requests_per_month", 0.0),
        ("requests_per_month", 1.0),
        ("latency_budget_ms", 20.0),
        ("instruction_tokens", 0.0),
        ("avg_input_tokens", 1_000_000.0),
        ("horizon_months", 120.0),
        ("task_change_interval_days", 1.0),
    ],
)
def test_plausible_values_are_silent(field: str, value: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TaskProfile(**{**BASE, field: value})


def test_the_warning_can_be_filtered() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=sa.ImplausibleValueWarning)
        TaskProfile(**BASE, latency_budget_ms=1.5)
    assert seen == []


def test_recommend_warns_once_and_its_searches_stay_quiet() -> None:
    with pytest.warns(ImplausibleValueWarning) as record:
        rec = recommend(
            {**BASE, "avg_input_tokens": 200, "avg_output_tokens": 3, "latency_budget_ms": 1.5,
             "requests_per_month": 100_000},
            today=TODAY,
        )  # fmt: skip
        rec.flip_points  # noqa: B018 - the what-if search builds many profiles
    assert [str(w.message).split(":")[0] for w in record] == ["latency_budget_ms=1.5"]


def test_every_threshold_has_its_reason_and_a_profile_field() -> None:
    data = plausibility_checks()
    assert data.source and data.as_of
    for check in data.checks:
        assert check.field in TaskProfile.model_fields, check.field
        assert len(check.reason) > 40 and check.mistake
        value = check.below / 2 if check.below is not None else check.above * 2  # type: ignore[operator]
        assert implausible({check.field: value}), check.field


def test_the_command_line_says_the_warning_in_its_own_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategy_advisor.cli import main

    path = tmp_path / "p.json"
    profile = {**BASE, "avg_input_tokens": 200, "avg_output_tokens": 3, "latency_budget_ms": 1.5}
    path.write_text(json.dumps(profile))
    assert main(["recommend", str(path), "--today", "2026-12-01"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("strategy-advisor: warning: latency_budget_ms=1.5: did you mean seconds?")
    assert err.count("warning") == 1
