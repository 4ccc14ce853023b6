"""One error path: every error a user can cause is an AdvisorError (a ValueError) that says
what is wrong, what was expected, what was received and how to fix it."""

from __future__ import annotations

import re
from importlib import resources

import pytest

import strategy_advisor as sa
from strategy_advisor import (
    AdvisorError,
    CatalogError,
    DataFileError,
    ParameterError,
    RuleError,
    TokenizerError,
)

CORPUS = str(resources.files("strategy_advisor") / "data" / "evidence_public.csv")


@pytest.mark.parametrize(
    "cls", [CatalogError, DataFileError, ParameterError, RuleError, TokenizerError]
)
def test_every_error_is_an_advisor_error_and_a_value_error(cls: type[Exception]) -> None:
    assert issubclass(cls, AdvisorError) and issubclass(cls, ValueError)


def test_parameter_errors_name_function_parameter_range_and_value() -> None:
    with pytest.raises(ParameterError) as info:
        sa.cross_validate_quality_model(CORPUS, fold_draws=-1)
    assert str(info.value) == (
        "The 'fold_draws' parameter of cross_validate_quality_model must be an int in the "
        "range [0, inf). Got -1 instead."
    )
    with pytest.raises(ParameterError, match="'n_bootstrap' parameter of fit_quality_model"):
        sa.fit_quality_model(CORPUS, n_bootstrap=0)
    with pytest.raises(ParameterError, match=r"'n_jobs' .* range \[1, inf\) or one of \{-1\}"):
        sa.fit_quality_model(CORPUS, n_jobs=0)
    with pytest.raises(ParameterError, match=r"'missing_n_train' .* with a '\*' entry"):
        sa.fit_quality_model(CORPUS, missing_n_train={"x": 3})
    with pytest.raises(ParameterError, match="'sample' parameter of count_tokens"):
        sa.count_tokens(["a"], sample=0, encoding="estimate")
    with pytest.raises(ParameterError, match="single str"):
        sa.count_tokens("one text", encoding="estimate")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="every text must be a str"):
        sa.count_tokens([1, 2], encoding="estimate")  # type: ignore[list-item]


def test_a_corpus_that_is_not_one_is_a_parameter_error() -> None:
    for bad in (None, 123, b"rows", {"source_id": "x"}):
        with pytest.raises(ParameterError, match=r"'corpus' parameter must be a path"):
            sa.cross_validate_quality_model(bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"Got None instead"):
        sa.fit_quality_model(None)  # type: ignore[arg-type]


def test_today_is_a_date_an_iso_string_or_a_datetime() -> None:
    import datetime as dt

    p = {"task_type": "classification", "n_labeled_examples": 500, "requests_per_month": 1e5}
    day = dt.date(2026, 11, 27)
    want = sa.recommend(p, today=day)
    assert sa.recommend(p, today="2026-11-27") == want
    assert sa.recommend(p, today=dt.datetime(2026, 11, 27, 17, 5)) == want
    for bad in ("27/11/2026", 20261127):
        with pytest.raises(ParameterError, match=r"'today' parameter must be a datetime\.date"):
            sa.recommend(p, today=bad)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'today'"):
        sa.sweep(p, "requests_per_month", [1e3], today="tomorrow")  # type: ignore[arg-type]


def test_recommend_takes_an_advisor_or_parts_not_both() -> None:
    with pytest.raises(ParameterError, match="advisor= and catalog="):
        sa.recommend(
            {"task_type": "code", "n_labeled_examples": 1},
            advisor=sa.Advisor(),
            catalog=sa.default_catalog(),
        )


def test_recommend_takes_the_same_parts_as_the_advisor() -> None:
    import inspect

    advisor_parts = set(inspect.signature(sa.Advisor).parameters)
    assert advisor_parts <= set(inspect.signature(sa.recommend).parameters)


def test_unknown_model_names_suggest_the_closest() -> None:
    with pytest.raises(CatalogError, match=re.escape("Did you mean 'gpt-5.4-mini'")):
        sa.recommend({"task_type": "code", "n_labeled_examples": 1, "icl_model": "gpt-5.4-mimi"})
