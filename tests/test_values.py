"""Results are values: frozen all the way down, hashable, finite, equal to their JSON."""

from __future__ import annotations

import pickle
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from strategy_advisor import FrozenMap, Recommendation, Strategy, recommend

from .helpers import TODAY, offer, profile, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


@pytest.fixture(scope="module")
def rec() -> Recommendation:
    return recommend(profile(latency_budget_ms=900.0, task_change_interval_days=60.0), today=TODAY)


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    out: set[type[BaseModel]] = set()
    for arg in get_args(annotation):
        out |= _models_in(arg)
    return out


def _all_models(root: type[BaseModel]) -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo = [root]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for field in m.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return seen


def _mutable_containers(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", None)
    if annotation in (dict, list, set) or origin in (dict, list, set):
        return True
    return any(_mutable_containers(a) for a in get_args(annotation))


def test_every_model_in_a_recommendation_is_frozen_finite_and_has_no_mutable_fields() -> None:
    models = _all_models(Recommendation)
    assert len(models) > 10
    for m in models:
        assert m.model_config.get("frozen") is True, m.__name__
        assert m.model_config.get("allow_inf_nan") is False, m.__name__
        for name, field in m.model_fields.items():
            assert not _mutable_containers(field.annotation), f"{m.__name__}.{name}"


def test_nested_parts_cannot_be_changed(rec: Recommendation) -> None:
    with pytest.raises(TypeError):
        rec.costs[FT] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        rec.trace[0].values["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        rec.feasible[ICL] = False  # type: ignore[index]
    with pytest.raises(TypeError):
        rec.models[FT] = rec.models[ICL]  # type: ignore[index]
    with pytest.raises(ValidationError, match="frozen"):
        rec.costs[FT].total_usd = 0.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        rec.reasons[0].message = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        rec.features.icl_shots = 99  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        rec.profile.requests_per_month = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        rec.reasons.append(rec.reasons[0])  # type: ignore[attr-defined]


def test_a_recommendation_is_hashable_and_equal_to_its_json(rec: Recommendation) -> None:
    again = Recommendation.model_validate_json(rec.to_json())
    assert again == rec
    assert hash(again) == hash(rec)
    assert {rec, again} == {rec}
    assert isinstance(again.costs, FrozenMap) and again.costs[FT] == rec.costs[FT]
    assert again.to_json() == rec.to_json()  # byte for byte: fields in the same order


def test_a_frozen_map_cannot_be_changed_even_through_its_private_parts() -> None:
    m = FrozenMap({"a": 1})
    h = hash(m)
    with pytest.raises(TypeError):
        m._data["a"] = 2  # type: ignore[index]
    with pytest.raises(AttributeError, match="read-only"):
        m._data = {"a": 2}  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        del m._hash
    assert m == {"a": 1} and hash(m) == h and pickle.loads(pickle.dumps(m)) == m


def test_frozen_map_validates_and_serialises_as_a_mapping() -> None:
    class M(BaseModel):
        costs: FrozenMap[Strategy, float]

    m = M.model_validate({"costs": {"fine_tuning": 1.5}})
    assert m.costs[FT] == 1.5 and isinstance(m.costs, FrozenMap)
    assert m.model_dump(mode="json") == {"costs": {"fine_tuning": 1.5}}
    with pytest.raises(ValidationError):
        M.model_validate({"costs": {"neither": 1.0}})
    assert M.model_json_schema()["properties"]["costs"]["type"] == "object"


profiles = st.fixed_dictionaries(
    {
        "n_labeled_examples": st.integers(0, 200_000),
        "n_classes": st.one_of(st.none(), st.integers(2, 400)),
        "avg_input_tokens": st.one_of(st.none(), st.floats(1, 50_000)),
        "avg_output_tokens": st.floats(1, 4000),
        # plausible values only: below these bounds an ImplausibleValueWarning says "unit
        # slip?" (tests/test_python_errors.py); the profile would still validate
        "instruction_tokens": st.one_of(st.just(0.0), st.floats(1, 5000)),
        "icl_shots": st.one_of(st.none(), st.integers(0, 40)),
        "requests_per_month": st.one_of(st.just(0.0), st.floats(1, 1e10)),
        "horizon_months": st.floats(0.1, 60),
        "latency_budget_ms": st.one_of(st.none(), st.floats(20, 1e6)),
        "task_change_interval_days": st.one_of(st.none(), st.floats(1, 3650)),
        "hosting": st.floats(0, 100),
    }
)


@settings(max_examples=60, deadline=None)
@given(kw=profiles)
def test_any_valid_profile_gives_a_finite_value_that_round_trips(kw: dict[str, Any]) -> None:
    hosting = kw.pop("hosting")
    if kw["icl_shots"] is not None:
        kw["icl_shots"] = min(kw["icl_shots"], kw["n_labeled_examples"])
    p = profile(ft_model=spec(fine_tuning=offer(hosting_usd_per_hour=hosting)), **kw)
    rec = recommend(p, today=TODAY)
    # validating the dump checks every type, and allow_inf_nan=False checks finiteness
    again = Recommendation.model_validate(rec.model_dump())
    assert again == rec
    assert Recommendation.model_validate_json(rec.to_json()) == rec
    hash(rec)
