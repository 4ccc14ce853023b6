"""The shipped model catalog (data/catalog.json): shape, sources, names, prices, dates."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import tiktoken

from strategy_advisor import FineTuningOffer, ModelSpec, default_catalog
from strategy_advisor._model_spec import ValueRange

REPO = Path(__file__).resolve().parents[1]
PRICING = REPO.parent / "shared/reference/pricing.json"

TOP_KEYS = {"schema_version", "as_of", "source", "defaults", "latency_defaults", "models"}
MODEL_KEYS = set(ModelSpec.model_fields) | {"aliases"}
OFFER_KEYS = set(FineTuningOffer.model_fields)
RANGE_KEYS = set(ValueRange.model_fields)
PRICE_FIELDS = (
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
)
OFFER_PRICE_FIELDS = (
    "training_usd_per_mtok",
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "output_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
)
SERVING_MODES = {"serverless", "dedicated", "self_hosted"}
HORIZON_MONTHS = 12
# The disagreements PRICING.md section 7 lists that touch a catalog number, written out
# by hand from the reference (not from the build script): model -> {path: (low, high)}.
DISAGREEMENTS: dict[str, dict[str, tuple[float, float]]] = {
    "gpt-4o-mini": {"fine_tuning.training_usd_per_mtok": (0.30, 25.0)},
    "gpt-4o": {
        "fine_tuning.batch_input_usd_per_mtok": (1.875, 2.225),
        "fine_tuning.batch_output_usd_per_mtok": (7.5, 12.5),
    },
    "o3": {"input_usd_per_mtok": (2.0, 10.0), "output_usd_per_mtok": (8.0, 40.0)},
    "together/llama-3.3-70b-instruct-turbo": {
        "input_usd_per_mtok": (0.88, 1.04),
        "output_usd_per_mtok": (0.88, 1.04),
    },
    "fireworks/llama-v3p1-8b-instruct": {
        "input_usd_per_mtok": (0.10, 0.20),
        "output_usd_per_mtok": (0.10, 0.20),
        "fine_tuning.hosting_usd_per_hour": (0.0, 8.0),
    },
    "claude-sonnet-4-6": {"min_cacheable_tokens": (1024, 2048)},
    "gemini-2.5-pro": {"min_cacheable_tokens": (2048, 4096)},
    "gemini-2.5-flash": {"min_cacheable_tokens": (1024, 2048)},
    "gemini-3.8-flash": {"input_usd_per_mtok": (0.75, 1.50), "output_usd_per_mtok": (3.75, 7.50)},
    "together/qwen2.5-7b-instruct-turbo": {
        "fine_tuning.training_usd_per_mtok": (0.48, 1.35),
        "fine_tuning.hosting_usd_per_hour": (3.99, 9.95),
    },
}
REQUIRED_PROVIDERS = {"OpenAI", "Anthropic", "Google", "Mistral", "Together AI", "Fireworks AI"}


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    resource = resources.files("strategy_advisor") / "data" / "catalog.json"
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def models(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = catalog["models"]
    return entries


def test_top_level_shape(catalog: dict[str, Any]) -> None:
    assert set(catalog) == TOP_KEYS
    assert catalog["schema_version"] == 1
    assert catalog["source"] and catalog["as_of"]
    latency = catalog["latency_defaults"]
    assert latency["source"]
    assert latency["prefill_tokens_per_s"] > 0
    assert latency["decode_tokens_per_s"] > 0
    assert latency["cached_prefill_speedup"] >= 1


def test_enough_models_and_providers(models: list[dict[str, Any]]) -> None:
    assert len(models) >= 12
    assert {m["provider"] for m in models} >= REQUIRED_PROVIDERS


def test_entries_have_exact_keys_and_validate(models: list[dict[str, Any]]) -> None:
    for model in models:
        assert set(model) == MODEL_KEYS, model["name"]
        if model["fine_tuning"] is not None:
            assert set(model["fine_tuning"]) == OFFER_KEYS, model["name"]
        for r in model["ranges"]:
            assert set(r) == RANGE_KEYS, model["name"]
        ModelSpec.model_validate({k: v for k, v in model.items() if k != "aliases"})


def test_every_entry_has_source_and_as_of(models: list[dict[str, Any]]) -> None:
    for model in models:
        assert isinstance(model["source"], str) and model["source"].strip(), model["name"]
        assert isinstance(model["as_of"], str) and model["as_of"].strip(), model["name"]
        offer = model["fine_tuning"]
        if offer is not None:
            assert isinstance(offer["source"], str) and offer["source"].strip(), model["name"]


def test_names_and_aliases_unique_case_insensitively(models: list[dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for model in models:
        for key in (model["name"], *model["aliases"]):
            lowered = key.lower()
            assert owner.get(lowered, model["name"]) == model["name"], (
                f"{key!r} names both {owner[lowered]!r} and {model['name']!r}"
            )
            owner[lowered] = model["name"]
        assert len({a.lower() for a in model["aliases"]}) == len(model["aliases"])


def test_no_zero_prices(models: list[dict[str, Any]]) -> None:
    """Unknown prices are null, never 0; a 0 hosting fee needs a source saying so."""
    for model in models:
        for field in PRICE_FIELDS:
            assert model[field] != 0, f"{model['name']}.{field}"
        offer = model["fine_tuning"]
        if offer is None:
            continue
        for field in OFFER_PRICE_FIELDS:
            assert offer[field] != 0, f"{model['name']}.fine_tuning.{field}"
        if offer["hosting_usd_per_hour"] == 0:
            assert "zero hosting fee" in offer["source"], model["name"]


def test_a_zero_range_end_is_a_stated_zero(models: list[dict[str, Any]]) -> None:
    """Only Fireworks' older page states a $0 (serverless LoRA serving at no extra cost)."""
    zeros = {(m["name"], r["path"]) for m in models for r in m["ranges"] if r["low"] == 0}
    assert zeros == {
        (m["name"], "fine_tuning.hosting_usd_per_hour")
        for m in models
        if m["provider"] == "Fireworks AI"
    }
    for model in models:
        for r in model["ranges"]:
            if r["low"] == 0:
                assert "no additional cost" in r["sources"], model["name"]


def test_cache_fields_consistent(models: list[dict[str, Any]]) -> None:
    for model in models:
        cached = model["cached_input_usd_per_mtok"]
        if cached is None:
            assert model["min_cacheable_tokens"] is None, model["name"]
        elif model["input_usd_per_mtok"] is not None:
            assert cached < model["input_usd_per_mtok"], model["name"]


def test_shutdown_dates_parse(models: list[dict[str, Any]]) -> None:
    for model in models:
        if model["shutdown_date"] is not None:
            dt.date.fromisoformat(model["shutdown_date"])


def test_encodings_exist_in_tiktoken(models: list[dict[str, Any]]) -> None:
    known = set(tiktoken.list_encoding_names())
    for model in models:
        assert model["encoding"] in known, model["name"]
        band = model["encoding_error_band"]
        if model["provider"] == "OpenAI":
            assert band == 0.0, model["name"]  # counted with the model's own encoding
        else:
            assert band > 0, model["name"]  # approximated with another vendor's encoding


def test_defaults_exist_in_catalog(catalog: dict[str, Any], models: list[dict[str, Any]]) -> None:
    names = {key.lower() for m in models for key in (m["name"], *m["aliases"])}
    for role in ("icl_model", "ft_model"):
        assert catalog["defaults"][role].lower() in names, role
    ft_default = next(m for m in models if m["name"] == catalog["defaults"]["ft_model"])
    assert ft_default["fine_tuning"] is not None
    assert catalog["defaults"]["icl_model"] == "gpt-5.4-mini"


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(as_of: str) -> dt.date:
    year, month = int(as_of[:4]), int(as_of[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shutdowns(model: dict[str, Any]) -> list[dt.date]:
    offer = model["fine_tuning"] or {}
    dates = (model["shutdown_date"], offer.get("shutdown_date"))
    return [dt.date.fromisoformat(d) for d in dates if d is not None]


def test_add_months_by_hand() -> None:
    assert _add_months(dt.date(2026, 11, 30), 12) == dt.date(2027, 11, 30)
    assert _add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert _month_end("2026-11") == dt.date(2026, 11, 30)


def test_default_models_live_through_twelve_months(
    catalog: dict[str, Any], models: list[dict[str, Any]]
) -> None:
    """Neither default (nor the default's tuned model) shuts down within 12 months of as_of."""
    end = _add_months(_month_end(catalog["as_of"]), HORIZON_MONTHS)
    by_name = {m["name"]: m for m in models}
    for role in ("icl_model", "ft_model"):
        model = by_name[catalog["defaults"][role]]
        assert all(day > end for day in _shutdowns(model)), (role, model["name"])
        assert model["input_usd_per_mtok"] is not None, role
        assert model["output_usd_per_mtok"] is not None, role


def test_default_fine_tuning_model_is_fully_priced(
    catalog: dict[str, Any], models: list[dict[str, Any]]
) -> None:
    offer = next(m for m in models if m["name"] == catalog["defaults"]["ft_model"])["fine_tuning"]
    for field in ("training_usd_per_mtok", "input_usd_per_mtok", "output_usd_per_mtok"):
        assert offer[field] is not None and offer[field] > 0, field
    assert offer["serving"], "the default tuned model must say how it is served"


def test_no_past_shutdown_model_is_a_default(
    catalog: dict[str, Any], models: list[dict[str, Any]]
) -> None:
    as_of = _month_end(catalog["as_of"])
    past = {m["name"] for m in models if any(day <= as_of for day in _shutdowns(m))}
    assert past >= {"gpt-4.1-nano", "o4-mini", "together/llama-3.1-8b-instruct-turbo"}
    assert not past & {catalog["defaults"]["icl_model"], catalog["defaults"]["ft_model"]}


def test_the_defaults_are_the_ones_the_catalog_loads_with(catalog: dict[str, Any]) -> None:
    loaded = default_catalog()
    assert loaded.defaults.icl_model == catalog["defaults"]["icl_model"]
    assert loaded.defaults.ft_model == catalog["defaults"]["ft_model"]
    assert loaded.get(catalog["defaults"]["ft_model"]).fine_tuning is not None


def _value(model: dict[str, Any], path: str) -> Any:
    head, _, tail = path.partition(".")
    return model["fine_tuning"][tail] if tail else model[head]


def test_every_range_validates(models: list[dict[str, Any]]) -> None:
    """A range is a real spread around the value used, with both sources named."""
    for model in models:
        spec = ModelSpec.model_validate({k: v for k, v in model.items() if k != "aliases"})
        paths = [r["path"] for r in model["ranges"]]
        assert len(paths) == len(set(paths)), model["name"]
        for r in model["ranges"]:
            value_range = ValueRange.model_validate(r)
            assert spec.range_of(r["path"]) == value_range
            assert value_range.low < value_range.high, (model["name"], r["path"])
            point = _value(model, r["path"])
            assert point is not None, (model["name"], r["path"])
            assert value_range.low <= point <= value_range.high, (model["name"], r["path"])
            assert " vs " in value_range.sources, (model["name"], r["path"])


def test_the_reference_disagreements_are_recorded(models: list[dict[str, Any]]) -> None:
    by_name = {m["name"]: m for m in models}
    for name, expected in DISAGREEMENTS.items():
        ranges = {r["path"]: (r["low"], r["high"]) for r in by_name[name]["ranges"]}
        for path, (low, high) in expected.items():
            assert path in ranges, (name, path)
            assert ranges[path] == pytest.approx((low, high)), (name, path)


def test_models_without_a_disagreement_have_no_ranges(models: list[dict[str, Any]]) -> None:
    open_tuned = {"Together AI", "Fireworks AI"}  # their hosting fees always carry a range
    bare = {m["name"] for m in models if not m["ranges"]}
    assert "gpt-5.4-mini" in bare and "claude-haiku-4-5" in bare
    for model in models:
        if model["provider"] in open_tuned:
            assert model["ranges"], model["name"]


def test_base_serving_modes(models: list[dict[str, Any]]) -> None:
    for model in models:
        expected = ["serverless"]
        if model["kind"] == "open_weights" and model["params_b"] is not None:
            expected.append("self_hosted")
        assert model["serving"] == expected, model["name"]
    together_fireworks = [m for m in models if m["provider"] in ("Together AI", "Fireworks AI")]
    assert together_fireworks
    assert all("self_hosted" in m["serving"] for m in together_fireworks)


def test_every_tunable_offer_lists_its_serving_modes(models: list[dict[str, Any]]) -> None:
    for model in models:
        offer = model["fine_tuning"]
        if offer is None:
            continue
        name, serving = model["name"], offer["serving"]
        assert serving and set(serving) <= SERVING_MODES, name
        assert len(serving) == len(set(serving)), name
        assert offer["platform"], name
        if "dedicated" in serving:
            assert offer["hosting_usd_per_hour"] > 0, name
        else:
            assert offer["hosting_usd_per_hour"] == 0, name
        if {"dedicated", "self_hosted"} & set(serving):
            assert offer["gpu"] == "H100 80GB" and offer["gpus_per_replica"] >= 1, name
        else:
            assert offer["gpu"] is None and offer["gpus_per_replica"] is None, name
        if "self_hosted" in serving:
            assert model["params_b"] is not None, name
        assert offer["requests_per_s_per_replica"] is None, name


def test_serving_per_platform(models: list[dict[str, Any]]) -> None:
    expected = {
        "OpenAI": ("OpenAI API", ["serverless"]),
        "Google": ("Vertex AI", ["serverless"]),
        "Fireworks AI": ("Fireworks AI", ["dedicated", "self_hosted"]),
        "Together AI": ("Together AI", ["dedicated", "self_hosted"]),
    }
    tunable = [m for m in models if m["fine_tuning"] is not None]
    assert {m["provider"] for m in tunable} == set(expected)
    for model in tunable:
        platform, serving = expected[model["provider"]]
        assert model["fine_tuning"]["platform"] == platform, model["name"]
        assert model["fine_tuning"]["serving"] == serving, model["name"]


def test_hosting_by_hand(models: list[dict[str, Any]]) -> None:
    """$8 per H100-hour on Fireworks, $3.99 per H100 endpoint-hour on Together; 70B: 2 GPUs."""
    by_name = {m["name"]: m["fine_tuning"] for m in models}
    assert by_name["fireworks/llama-v3p1-8b-instruct"]["hosting_usd_per_hour"] == 8.0
    assert by_name["fireworks/llama-v3p1-8b-instruct"]["max_adapters_per_deployment"] == 100
    assert by_name["fireworks/llama-v3p3-70b-instruct"]["gpus_per_replica"] == 2
    assert by_name["fireworks/llama-v3p3-70b-instruct"]["hosting_usd_per_hour"] == 16.0
    assert by_name["together/qwen2.5-7b-instruct-turbo"]["hosting_usd_per_hour"] == 3.99
    assert by_name["gpt-4o-mini"]["hosting_usd_per_hour"] == 0.0


def test_tuned_shutdown_dates(models: list[dict[str, Any]]) -> None:
    """OpenAI: the base model's date; Vertex and open platforms: none stated."""
    for model in models:
        offer = model["fine_tuning"]
        if offer is None:
            continue
        if model["provider"] == "OpenAI":
            assert offer["shutdown_date"] == model["shutdown_date"], model["name"]
        else:
            assert offer["shutdown_date"] is None, model["name"]
        if model["provider"] == "Google" and model["shutdown_date"] is not None:
            assert "Gemini API's deprecation date, not Vertex's" in model["notes"], model["name"]


def test_batch_and_cache_write_prices(models: list[dict[str, Any]]) -> None:
    """Listed batch prices are half the standard ones (OpenAI, Anthropic, Gemini); Anthropic
    5-minute cache writes cost 1.25x input (PRICING.md section 5)."""
    for model in models:
        name = model["name"]
        if model["provider"] in ("OpenAI", "Anthropic", "Google"):
            assert model["batch_input_usd_per_mtok"] == pytest.approx(
                model["input_usd_per_mtok"] / 2
            ), name
            assert model["batch_output_usd_per_mtok"] == pytest.approx(
                model["output_usd_per_mtok"] / 2
            ), name
        else:
            assert model["batch_input_usd_per_mtok"] is None, name
        if model["provider"] == "Anthropic":
            assert model["cache_write_usd_per_mtok"] == pytest.approx(
                1.25 * model["input_usd_per_mtok"]
            ), name
        else:
            assert model["cache_write_usd_per_mtok"] is None, name
        assert model["cache_lifetime_minutes"] is None, name  # in data/serving.json
        offer = model["fine_tuning"]
        if offer is not None and offer["batch_input_usd_per_mtok"] is not None:
            half = offer["input_usd_per_mtok"] / 2
            if offer["batch_input_usd_per_mtok"] != pytest.approx(half):
                value_range = ModelSpec.model_validate(
                    {k: v for k, v in model.items() if k != "aliases"}
                ).range_of("fine_tuning.batch_input_usd_per_mtok")
                assert value_range is not None and value_range.low == pytest.approx(half), name


def test_max_output_tokens(models: list[dict[str, Any]]) -> None:
    for model in models:
        limit = model["max_output_tokens"]
        if limit is not None:
            assert 0 < limit <= model["context_window"], model["name"]
    by_name = {m["name"]: m for m in models}
    assert by_name["gpt-4o"]["max_output_tokens"] == 16384
    assert by_name["claude-haiku-4-5"]["max_output_tokens"] == 64000


def test_catalog_is_current_with_reference_data() -> None:
    """The build script's --check: every number traces to pricing.json and the file is fresh."""
    if not PRICING.exists():
        pytest.skip(f"reference data not available at {PRICING}")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/build_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _build_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_catalog", REPO / "scripts/build_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        ("o3", {"batch_input_usd_per_mtok": 0}, "a zero no source states"),
        ("o3", {"ranges": []}, "disagreement on input_usd_per_mtok has no range"),
        ("o3", {"range high": 11.0}, "high=11 not in pricing.json"),
        ("gpt-4o-mini", {"range low": 0.0}, "low is 0, a zero no source states"),
        ("claude-opus-5", {"cache_write_usd_per_mtok": 6.0}, "differs from pricing.json"),
        ("gpt-4o", {"tuned shutdown_date": None}, "fine_tuning.shutdown_date should be"),
        (
            "fireworks/llama-v3p1-8b-instruct",
            {"tuned shutdown_date": "2027-06-01"},
            "tuned model shuts down 2027-06-01, not after 2027-11-30",
        ),
        ("fireworks/llama-v3p1-8b-instruct", {"tuned serving": []}, "must list distinct modes"),
    ],
)
def test_check_catches_planted_problems(name: str, change: dict[str, Any], problem: str) -> None:
    """The build script's check is not a rubber stamp: each planted fault is reported."""
    if not PRICING.exists():
        pytest.skip(f"reference data not available at {PRICING}")
    script = _build_script()
    pricing = json.loads(PRICING.read_text(encoding="utf-8"))
    catalog = script.build(pricing)
    assert script.check(catalog, pricing) == []
    model = next(m for m in catalog["models"] if m["name"] == name)
    for key, value in change.items():
        if key.startswith("range "):
            model["ranges"][0][key.removeprefix("range ")] = value
        elif key.startswith("tuned "):
            model["fine_tuning"][key.removeprefix("tuned ")] = value
        else:
            model[key] = value
    assert any(problem in p for p in script.check(catalog, pricing)), problem


def test_check_rejects_a_default_that_shuts_down_within_the_horizon() -> None:
    if not PRICING.exists():
        pytest.skip(f"reference data not available at {PRICING}")
    script = _build_script()
    pricing = json.loads(PRICING.read_text(encoding="utf-8"))
    catalog = script.build(pricing)
    catalog["defaults"]["ft_model"] = "gpt-4o-mini"  # live, but shuts down 2027-01-14
    catalog["defaults"]["icl_model"] = "gpt-5.4-nano"  # shuts down 2027-04-01
    problems = script.check(catalog, pricing)
    assert any("defaults.ft_model gpt-4o-mini: base model shuts down" in p for p in problems)
    assert any("defaults.icl_model gpt-5.4-nano: base model shuts down" in p for p in problems)
    catalog["defaults"]["ft_model"] = "together/qwen2.5-7b-instruct-turbo"  # live, unpriced
    problems = script.check(catalog, pricing)
    assert any("fine_tuning.input_usd_per_mtok unpriced" in p for p in problems)


def test_every_shipped_data_file_is_dated_and_sourced() -> None:
    """Each JSON data file states its date at the top, and a source for what it holds:
    the file's own, or one per entry where entries come from different places."""
    data = resources.files("strategy_advisor") / "data"
    names = sorted(p.name for p in data.iterdir() if p.name.endswith(".json"))
    assert len(names) >= 9, names

    def sources(node: Any) -> int:
        if isinstance(node, dict):
            return ("source" in node) + sum(sources(v) for v in node.values())
        if isinstance(node, list):
            return sum(sources(v) for v in node)
        return 0

    for name in names:
        doc = json.loads((data / name).read_text(encoding="utf-8"))
        assert isinstance(doc.get("as_of"), str) and doc["as_of"][:4].isdigit(), name
        assert sources(doc) > 0, f"{name}: no source"
