"""Model names as users write them, and litellm's model map as a catalog (issue 18, items 1-2).

The litellm file is ``examples/litellm/model_prices_and_context_window.json``: a handful
of entries in litellm's own format (copied from litellm 1.110.2's bundled map, trimmed to
the fields read here): chat models of seven providers, a dated snapshot priced unlike its
family, a tuned model's ``ft:`` key, an embedding model, an image model and the file's
``sample_spec``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from strategy_advisor import Catalog, CatalogError, DataFileError, ModelSpec, default_catalog
from strategy_advisor._names import SnapshotRule, name_rules, readings
from strategy_advisor.cli import main

from .helpers import TODAY

LITELLM_MAP = (
    Path(__file__).resolve().parents[1]
    / "examples"
    / "litellm"
    / "model_prices_and_context_window.json"
)
#: The names a platform team's config holds, exactly as the issue lists them.
AS_USERS_WRITE_THEM = {
    "openai/gpt-5.4-mini": "gpt-5.4-mini",
    "anthropic/claude-haiku-4-5": "claude-haiku-4-5",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "ft:gpt-4o-mini-2024-07-18:acme::abc123": "gpt-4o-mini",
    "gemini/gemini-2.5-flash": "gemini-2.5-flash",
    "mistral/mistral-small-latest": "mistral-small-latest",
    "together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo": (
        "together/llama-3.1-8b-instruct-turbo"
    ),
    "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct": (
        "fireworks/llama-v3p1-8b-instruct"
    ),
    "fireworks_ai/llama-v3p1-8b-instruct": "fireworks/llama-v3p1-8b-instruct",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "OpenAI/GPT-4.1-Mini-2025-04-14": "gpt-4.1-mini",
    "openai/ft:gpt-4o-2024-08-06:acme:support-bot:9xYz": "gpt-4o",
    "ft:gpt-4.1-nano-2025-04-14:acme::abc": "gpt-4.1-nano",
}


@pytest.mark.parametrize(("name", "family"), AS_USERS_WRITE_THEM.items())
def test_names_as_users_write_them_resolve(name: str, family: str) -> None:
    cat = default_catalog()
    assert name in cat
    assert cat.get(name).name == family
    assert cat.resolve(name, "ft_model").name == family


def test_a_prefix_or_a_snapshot_returns_the_familys_own_entry() -> None:
    cat = default_catalog()
    assert cat.get("openai/gpt-5.4-mini") is cat.get("gpt-5.4-mini")
    assert cat.get("gpt-4o-mini-2024-07-18") is cat.get("gpt-4o-mini")


def test_a_snapshot_keeps_its_own_shutdown_date(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = SnapshotRule(
        name="gpt-4o-mini-2024-07-18",
        family="gpt-4o-mini",
        shutdown_date=dt.date(2026, 12, 31),
        source="test",
    )
    monkeypatch.setattr("strategy_advisor._names.snapshot_rule", lambda name: rule)
    cat = default_catalog()
    spec = cat.get("gpt-4o-mini-2024-07-18")
    assert spec.name == "gpt-4o-mini" and spec.shutdown_date == dt.date(2026, 12, 31)
    assert cat.get("gpt-4o-mini").shutdown_date == dt.date(2027, 1, 14)  # the family's


def test_the_shipped_snapshot_dates_are_the_datas() -> None:
    cat = default_catalog()
    assert cat.get("gpt-4.1-nano-2025-04-14").shutdown_date == dt.date(2026, 10, 23)
    assert cat.get("claude-sonnet-4-5-20250929").shutdown_date == dt.date(2026, 11, 30)
    # a snapshot the data does not list: its family's entry
    assert cat.get("gpt-5.4-mini-2027-01-02") is cat.get("gpt-5.4-mini")


def test_a_snapshot_priced_unlike_its_family_is_refused_with_the_fix() -> None:
    cat = default_catalog()
    assert "gpt-4o-2024-05-13" not in cat
    with pytest.raises(CatalogError, match=r"prices of its own.*\$5.*--catalog-litellm"):
        cat.get("gpt-4o-2024-05-13")


def test_a_tuned_models_id_is_its_base_models_offer() -> None:
    cat = default_catalog()
    name = "ft:gpt-4o-mini-2024-07-18:acme::abc123"
    tuned = cat.resolve(name, "ft_model")
    assert tuned is cat.get("gpt-4o-mini") and tuned.fine_tuning is not None
    prompted = cat.resolve(name, "icl_model")  # prompting the tuned model: its prices
    offer = tuned.fine_tuning
    assert prompted.name == name
    assert (prompted.input_usd_per_mtok, prompted.output_usd_per_mtok) == (
        offer.input_usd_per_mtok,
        offer.output_usd_per_mtok,
    )
    assert prompted.input_usd_per_mtok == 2 * tuned.input_usd_per_mtok  # 0.30 vs 0.15


def test_a_tuned_id_of_a_model_without_an_offer_says_so() -> None:
    cat = default_catalog()
    assert "ft:gpt-5.4-mini:acme::x" not in cat
    with pytest.raises(CatalogError, match=r"no fine-tuning offer for 'gpt-5\.4-mini'"):
        cat.get("ft:gpt-5.4-mini:acme::x")


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("openai/gpt-5.4-mni", "gpt-5.4-mini"),
        ("anthropic/claude-haiku-4-6", "claude-haiku-4-5"),
        ("gpt-4o-mni-2024-07-18", "gpt-4o-mini"),
        ("gtp-5.4-mini", "gpt-5.4-mini"),
    ],
)
def test_an_unknown_name_still_suggests_close_matches(name: str, suggested: str) -> None:
    with pytest.raises(CatalogError, match=f"unknown model '{re.escape(name)}'") as exc:
        default_catalog().resolve(name, "icl_model")
    assert f"'{suggested}'" in str(exc.value)


def test_a_prefix_of_the_wrong_provider_is_named() -> None:
    with pytest.raises(CatalogError, match="'claude-haiku-4-5' is Anthropic's model, not OpenAI's"):
        default_catalog().get("openai/claude-haiku-4-5")


def test_readings_peel_prefix_tuned_id_and_date_in_turn() -> None:
    keys = [r.key for r in readings("openai/ft:gpt-4o-mini-2024-07-18:acme::abc123")]
    assert keys == [
        "openai/ft:gpt-4o-mini-2024-07-18:acme::abc123",
        "ft:gpt-4o-mini-2024-07-18:acme::abc123",
        "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini",
    ]
    assert [r.key for r in readings("gpt-4o-mini-2024-13-45")] == ["gpt-4o-mini-2024-13-45"]


def test_the_name_rules_data_holds_together() -> None:
    rules = name_rules()
    cat = default_catalog()
    providers = {cat.get(n).provider for n in cat.names}
    assert {p.provider for p in rules.providers} <= providers
    for snap in rules.snapshots:
        assert snap.source and snap.family in cat.names, snap.name
        assert re.match(rules.snapshot_pattern.pattern, snap.name), snap.name
        family = cat.get(snap.family)
        if snap.same_prices and snap.shutdown_date is not None and family.shutdown_date:
            # the reference's family dates and these snapshot dates agree today
            assert snap.shutdown_date == family.shutdown_date, snap.name


def test_recommend_accepts_the_names(tmp_path: Path) -> None:
    from strategy_advisor import recommend

    rec = recommend(
        {
            "task_type": "classification",
            "n_labeled_examples": 500,
            "n_classes": 4,
            "avg_input_tokens": 200,
            "avg_output_tokens": 4,
            "requests_per_month": 100_000,
            "icl_model": "openai/gpt-5.4-mini",
            "ft_model": "ft:gpt-4o-mini-2024-07-18:acme::abc123",
        },
        today=TODAY,
    )
    assert "gpt-4o-mini" in rec.to_text() and "gpt-5.4-mini" in rec.to_text()


# ------------------------------------------------------------------------ litellm's map


def _import() -> Catalog:
    return Catalog.from_litellm(LITELLM_MAP, version="1.110.2")


def test_from_litellm_reads_chat_models_only_with_prices_per_million() -> None:
    cat = _import()
    raw = json.loads(LITELLM_MAP.read_text())
    chat = {k for k, v in raw.items() if isinstance(v, dict) and v.get("mode") == "chat"}
    assert set(cat.names) == chat and "text-embedding-3-small" not in cat
    assert cat.modes_left_out == {"embedding": 1, "image_generation": 1}
    spec = cat.get("gpt-5.4-mini")
    assert (spec.input_usd_per_mtok, spec.cached_input_usd_per_mtok, spec.output_usd_per_mtok) == (
        0.75,
        0.075,
        4.5,
    )
    assert (spec.context_window, spec.max_output_tokens) == (272_000, 128_000)
    assert (spec.batch_input_usd_per_mtok, spec.batch_output_usd_per_mtok) == (0.375, 2.25)
    assert spec.provider == "OpenAI" and spec.fine_tuning is None
    assert spec.source is not None and "litellm model map, version 1.110.2" in spec.source
    assert (spec.encoding, spec.encoding_error_band) == ("o200k_base", 0.0)
    haiku = cat.get("anthropic/claude-haiku-4-5")
    assert haiku.cache_write_usd_per_mtok == 1.25 and haiku.encoding_error_band == 0.25
    assert cat.get("gemini/gemini-2.5-flash").shutdown_date == dt.date(2026, 12, 1)
    deepseek = cat.get("deepseek/deepseek-chat")
    assert deepseek.provider == "deepseek"
    assert deepseek.cache_write_usd_per_mtok is None  # litellm's 0: no surcharge, not free
    assert all(cat.get(n).fine_tuning is None for n in cat.names)


def test_from_litellm_leaves_out_a_malformed_entry_and_says_why(tmp_path: Path) -> None:
    raw = json.loads(LITELLM_MAP.read_text())
    raw["broken-model"] = {"mode": "chat", "input_cost_per_token": "cheap"}
    raw["cached-dearer"] = {
        "mode": "chat",
        "input_cost_per_token": 1e-06,
        "cache_read_input_token_cost": 2e-06,
    }
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_text(json.dumps(raw))
    cat = Catalog.from_litellm(path)
    skipped = dict(cat.skipped)
    assert "input_cost_per_token is not a number" in skipped["broken-model"]
    assert "cached_input_usd_per_mtok" in skipped["cached-dearer"]
    assert "broken-model" not in cat and "gpt-5.4-mini" in cat
    assert cat.as_of == "litellm model map, version unknown"


def test_from_litellm_refuses_a_file_that_is_not_the_map(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('[{"model": "x"}]')
    with pytest.raises(DataFileError, match="expected a JSON object keyed by model name"):
        Catalog.from_litellm(path)
    path.write_text('{"text-embedding-3-small": {"mode": "embedding"}}')
    with pytest.raises(DataFileError, match="holds no chat model"):
        Catalog.from_litellm(path)


def _install_fake_litellm(monkeypatch: pytest.MonkeyPatch, root: Path, version: str) -> Path:
    info = root / f"litellm-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: litellm\nVersion: {version}\n")
    target = root / "litellm" / "model_prices_and_context_window_backup.json"
    target.parent.mkdir()
    target.write_bytes(LITELLM_MAP.read_bytes())
    (info / "RECORD").write_text(
        f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n"
        "litellm/model_prices_and_context_window_backup.json,,\n"
    )
    monkeypatch.syspath_prepend(str(root))
    return target


def test_from_litellm_finds_an_installed_copy_without_importing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    target = _install_fake_litellm(monkeypatch, tmp_path, "9.8.7")
    cat = Catalog.from_litellm()
    assert "litellm" not in sys.modules
    assert cat.as_of == "litellm model map, version 9.8.7"
    assert str(target) in cat.source
    assert Catalog.from_litellm(target).as_of == "litellm model map, version 9.8.7"


def test_from_litellm_without_litellm_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    def missing(name: str) -> object:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr("strategy_advisor._litellm.importlib.metadata.distribution", missing)
    monkeypatch.setattr("strategy_advisor._litellm.sys.path", [])
    with pytest.raises(DataFileError, match=r"litellm is not installed here.*Pass the file's path"):
        Catalog.from_litellm()


def test_the_shipped_catalog_wins_over_the_import() -> None:
    shipped = default_catalog()
    both = shipped.merge(_import())
    assert both.get("gpt-4o-mini") is shipped.get("gpt-4o-mini")  # with its offer
    assert both.get("gpt-4o-mini-2024-07-18") is shipped.get("gpt-4o-mini")
    assert both.get("ft:gpt-4o-mini-2024-07-18:acme::x") is shipped.get("gpt-4o-mini")
    assert both.get("deepseek/deepseek-chat").input_usd_per_mtok == 0.28  # added
    assert both.get("gpt-4o-2024-05-13").input_usd_per_mtok == 5.0  # refused by shipped
    assert both.defaults == shipped.defaults and both.as_of == shipped.as_of
    assert len(both) == len(shipped) + 2


def test_the_cli_lists_the_import_and_recommends_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "--litellm", str(LITELLM_MAP), "--provider", "deepseek"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 models (provider deepseek) of the litellm model map")
    assert "1 embedding, 1 image_generation (not chat)" in out
    assert re.search(r"deepseek/deepseek-chat\s+deepseek\s+\$0\.28/\$0\.028/\$0\.42\s+no", out)
    profile = tmp_path / "p.json"
    profile.write_text(
        json.dumps(
            {
                "task_type": "classification",
                "n_labeled_examples": 500,
                "avg_input_tokens": 200,
                "avg_output_tokens": 4,
                "requests_per_month": 100_000,
                "icl_model": "mistral/mistral-large-latest",
                "ft_model": "ft:gpt-4o-mini-2024-07-18:acme::abc123",
            }
        )
    )
    assert main(["recommend", str(profile), "--today", "2026-12-01", "--json"]) == 0
    capsys.readouterr()
    profile.write_text(profile.read_text().replace("mistral/mistral-large-latest", "deepseek-chat"))
    assert main(["recommend", str(profile), "--today", "2026-12-01"]) == 2
    assert "unknown model 'deepseek-chat'" in capsys.readouterr().err
    argv = ["recommend", str(profile), "--today", "2026-06-01", "--json"]
    assert main([*argv, "--catalog-litellm", str(LITELLM_MAP)]) == 2  # no such key either
    profile.write_text(profile.read_text().replace("deepseek-chat", "deepseek/deepseek-chat"))
    capsys.readouterr()
    assert main([*argv, "--catalog-litellm", str(LITELLM_MAP)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["models"]["in_context_learning"]["name"] == "deepseek/deepseek-chat"


def test_every_spec_the_import_makes_is_a_valid_model_spec() -> None:
    cat = _import()
    for name in cat.names:
        spec = cat.get(name)
        assert ModelSpec.model_validate(spec.model_dump()) == spec


def test_the_docs_table_of_names_is_what_resolves() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "catalog.md").read_text()
    section = text.split("## Names as you write them", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (`[^`]+`|refused) \|", section, re.M)
    assert len(rows) >= 15
    cat = default_catalog()
    for name, target in rows:
        if target == "refused":
            assert name not in cat, name
            with pytest.raises(CatalogError):
                cat.get(name)
        else:
            assert cat.get(name).name == target.strip("`"), name
