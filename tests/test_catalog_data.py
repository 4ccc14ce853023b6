"""The shipped model catalog (data/catalog.json): shape, sources, names, prices, dates."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import tiktoken

from strategy_advisor import FineTuningOffer, ModelSpec

REPO = Path(__file__).resolve().parents[1]
PRICING = REPO.parent / "shared/reference/pricing.json"

TOP_KEYS = {"schema_version", "as_of", "source", "defaults", "latency_defaults", "models"}
MODEL_KEYS = set(ModelSpec.model_fields) | {"aliases"}
OFFER_KEYS = set(FineTuningOffer.model_fields)
PRICE_FIELDS = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok")
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
        for field in ("training_usd_per_mtok", *PRICE_FIELDS):
            assert offer[field] != 0, f"{model['name']}.fine_tuning.{field}"
        if offer["hosting_usd_per_hour"] == 0:
            assert "zero hosting fee" in offer["source"], model["name"]


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
