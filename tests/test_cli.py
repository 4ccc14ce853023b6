"""The command line: JSON in, text or JSON out, clear errors."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from strategy_advisor import (
    Catalog,
    FineTuningOffer,
    ModelSpec,
    Recommendation,
    default_catalog,
)
from strategy_advisor import _catalog as catalog_module
from strategy_advisor._catalog import CatalogDefaults
from strategy_advisor.cli import main

from .tiny_encoding import install_fake_package, publish_hash, tiny_file

ROOT = Path(__file__).resolve().parents[1]
PROFILE = {
    "task_type": "classification",
    "n_labeled_examples": 800,
    "n_classes": 5,
    "avg_input_tokens": 150,
    "avg_output_tokens": 3,
    "requests_per_month": 200000,
    "icl_model": "gpt-4o-mini",
    "ft_model": {
        "name": "my-tuned",
        "input_usd_per_mtok": 0.2,
        "output_usd_per_mtok": 0.8,
        "context_window": 32000,
        "fine_tuning": {
            "training_usd_per_mtok": 1.0,
            "input_usd_per_mtok": 0.4,
            "output_usd_per_mtok": 1.6,
        },
    },
}


def _write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_recommend_json_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["recommend", _write(tmp_path, PROFILE), "--json", "--today", "2026-11-27"])
    assert code == 0
    rec = Recommendation.model_validate_json(capsys.readouterr().out)
    assert rec.models[rec.strategy].name in ("gpt-4o-mini", "my-tuned")


def test_recommend_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", _write(tmp_path, PROFILE), "--today", "2026-11-27"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recommendation: ") and "Reasons" in out


def test_bundled_example_measures_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "examples" / "support_tickets.json")
    assert main(["recommend", example, "--json", "--today", "2026-11-27"]) == 0
    rec = Recommendation.model_validate_json(capsys.readouterr().out)
    m = rec.profile.token_measurement
    assert m is not None and m.n_examples == 240
    assert rec.profile.n_labeled_examples == 240


def test_invalid_profile_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {**PROFILE, "n_labeled_examples": -3}
    assert main(["recommend", _write(tmp_path, bad)]) == 2
    err = capsys.readouterr().err
    assert "n_labeled_examples" in err and "greater than or equal to 0" in err


def test_unknown_model_suggests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", _write(tmp_path, {**PROFILE, "icl_model": "claude-haiku"})]) == 2
    assert "claude-haiku-4-5" in capsys.readouterr().err


def test_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text("{oops")
    assert main(["recommend", str(path)]) == 2
    assert "p.json" in capsys.readouterr().err


def test_catalog_rules_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog"]) == 0
    assert "gpt-4o-mini" in capsys.readouterr().out
    assert main(["rules"]) == 0
    assert "no-fine-tuning-offer" in capsys.readouterr().out
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "n_labeled_examples" in schema["properties"]
    assert schema["properties"]["n_labeled_examples"]["description"]


def test_extra_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "org.json"
    rules.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "code": "org-never-fine-tune",
                        "title": "Policy",
                        "when": {"feature": "n_labeled_examples", "op": "ge", "value": 0},
                        "effect": {"kind": "infeasible", "strategy": "fine_tuning"},
                        "message": "Org policy forbids fine-tuning.",
                        "source": {"document": "policy", "date": "2026-01-01"},
                    }
                ]
            }
        )
    )
    args = ["recommend", _write(tmp_path, PROFILE), "--rules", str(rules), "--json"]
    assert main(args) == 0
    rec = Recommendation.model_validate_json(capsys.readouterr().out)
    assert rec.strategy.value == "in_context_learning"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("xx", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"task_type": "code", "n_labeled_examples": 3, "examples_file": 5}', "path string"),
        (
            '{"task_type": "code", "n_labeled_examples": 3, "examples_file": "a.jsonl", '
            '"token_counting": [1]}',
            "must be an object",
        ),
    ],
)
def test_bad_stdin_gives_a_clean_error(
    text: str, needle: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["recommend", "-"]) == 2
    assert needle in capsys.readouterr().err


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and err.startswith("strategy-advisor: ")


def test_a_non_utf8_profile_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"task_type": "code", "n_labeled_examples": 3, "x": "café"}'.encode("latin1"))
    assert main(["recommend", str(path)]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "latin1.json" in err and "not UTF-8" in err and "Save it as UTF-8" in err


def test_a_misspelled_field_gets_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {k: v for k, v in PROFILE.items() if k != "n_labeled_examples"}
    bad["n_labelled_examples"] = 800
    assert main(["recommend", _write(tmp_path, bad)]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "n_labelled_examples: unknown field of TaskProfile" in err
    assert "did you mean 'n_labeled_examples'?" in err.lower()


def test_a_misspelled_nested_field_is_named_by_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = json.loads(json.dumps(PROFILE))
    bad["ft_model"]["fine_tuning"]["hosting"] = 3
    assert main(["recommend", _write(tmp_path, bad)]) == 2
    err = capsys.readouterr().err
    assert "ft_model.fine_tuning.hosting: unknown field of FineTuningOffer" in err
    assert "hosting_usd_per_hour" in err
    assert "valid string" not in err  # the model-name branch of the union is not the story


def test_an_empty_examples_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n")
    prof = {"task_type": "classification", "examples_file": "empty.jsonl"}
    assert main(["recommend", _write(tmp_path, prof), "--allow-estimate"]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "empty.jsonl holds no labeled examples" in err
    assert "greater than 0" not in err


@pytest.mark.parametrize(
    ("rules", "needle"),
    [
        ({"rules": [{"code": "x"}]}, "rule 'x' is malformed"),
        ({"rules": ["not an object"]}, "rule #0 is a str"),
        ({"rules": {"a": 1}}, 'expected {"rules": [...]}'),
        (
            {
                "rules": [
                    {
                        "code": "typo",
                        "title": "t",
                        "when": {"feature": "n_labeled", "op": "lt", "value": 3},
                        "effect": {"kind": "note"},
                        "message": "m",
                        "source": {"document": "d", "date": "2026"},
                    }
                ]
            },
            "Did you mean 'n_labeled_examples'",
        ),
    ],
)
def test_a_malformed_rules_file_is_named_without_a_traceback(
    rules: object, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org_rules.json"
    path.write_text(json.dumps(rules))
    assert main(["recommend", _write(tmp_path, PROFILE), "--rules", str(path)]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "org_rules.json" in err and needle in err


def _catalog_rows(out: str) -> list[list[str]]:
    """The table's rows (header first), cells split on runs of two or more spaces."""
    lines = out.splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]


CATALOG_COLUMNS = [
    "name",
    "provider",
    "prompt in/cached/out $/1M",
    "tunable",
    "serving (prompted / tuned)",
    "training $/1M",
    "tuned in/out $/1M",
    "hosting $/h",
    "shutdown",
    "as of",
]


def test_catalog_table_columns_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog"]) == 0
    out = capsys.readouterr().out
    rows = _catalog_rows(out)
    assert rows[0] == CATALOG_COLUMNS
    by_name = {r[0]: r for r in rows[1:]}
    assert len(by_name) == len(default_catalog()) == int(out.split()[0])
    assert by_name["gpt-4o-mini"] == [
        "gpt-4o-mini",
        "OpenAI",
        "$0.15/$0.075/$0.6",
        "yes",
        "serverless / serverless",
        "$3 (0.3-25)",
        "$0.3/$1.2",
        "no fee",
        "2027-01-14",
        "2026-11 (litellm 1.110.2 (wheel))",
    ]
    fireworks = by_name["fireworks/llama-v3p1-8b-instruct"]
    # two sources disagree ($0.1 or $0.2): priced at their weighted mean (uncertainty.json)
    assert fireworks[2] == "$0.15 (0.1 or 0.2)/-/$0.15 (0.1 or 0.2)"
    assert fireworks[3:9] == [
        "yes",
        "serverless,self_hosted / dedicated,self_hosted",
        "$0.5",
        "$0.1/$0.1",
        "$4 (0 or 8)",
        "-",
    ]
    assert by_name["claude-haiku-4-5"][2:9] == [
        "$1/$0.1/$5", "no", "serverless", "-", "-", "-", "-"
    ]  # fmt: skip


def test_catalog_prints_unpriced_never_zero_dollars(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\$0(?![.\d])", out), "an unpriced or zero value printed as $0"
    by_name = {r[0]: r for r in _catalog_rows(out)[1:]}
    assert by_name["gemini-2.5-pro"][5:7] == ["unpriced", "unpriced"]
    assert by_name["together/qwen2.5-7b-instruct-turbo"][6] == "unpriced"
    assert by_name["gpt-4.1"][5] == "unpriced"


def test_catalog_tunable_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--tunable"]) == 0
    rows = _catalog_rows(capsys.readouterr().out)[1:]
    tunable = {n for n in default_catalog().names if default_catalog().get(n).fine_tuning}
    assert {r[0] for r in rows} == tunable
    assert "claude-haiku-4-5" not in tunable and "gpt-4o-mini" in tunable


def test_catalog_live_filter_counts_months_from_today(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--live", "--today", "2026-11-27"]) == 0
    out = capsys.readouterr().out
    assert "live 2026-11-27 through 2027-11-27" in out.splitlines()[0]
    names = {r[0] for r in _catalog_rows(out)[1:]}
    assert {"gpt-5.4-mini", "fireworks/llama-v3p1-8b-instruct"} <= names
    # shut down within 12 months (2027-01-14, 2027-04-01) or already (2026-10-23)
    assert not names & {"gpt-4o-mini", "gpt-5.4-nano", "gpt-4.1-nano"}

    assert main(["catalog", "--live", "--today", "2026-11-27", "--months", "1"]) == 0
    names = {r[0] for r in _catalog_rows(capsys.readouterr().out)[1:]}
    assert "gpt-4o-mini" in names  # 2027-01-14 is after 2026-12-27
    assert "o3" not in names  # 2026-12-11 is not
    assert "gpt-4.1-nano" not in names  # already shut down

    assert main(["catalog", "--live", "--today", "2027-02-01", "--months", "0"]) == 0
    names = {r[0] for r in _catalog_rows(capsys.readouterr().out)[1:]}
    assert "gpt-4o-mini" not in names and "gpt-5.4-nano" in names


def _two_model_catalog() -> Catalog:
    """A catalog whose tuned model shuts down before its base model."""
    tuned_early = ModelSpec(
        name="tuned-early",
        provider="Acme",
        input_usd_per_mtok=1.0,
        output_usd_per_mtok=2.0,
        shutdown_date=dt.date(2028, 1, 1),
        fine_tuning=FineTuningOffer(training_usd_per_mtok=3.0, shutdown_date=dt.date(2027, 3, 1)),
    )
    plain = ModelSpec(name="plain", provider="Acme", input_usd_per_mtok=1.0)
    base = default_catalog()
    return Catalog(
        [tuned_early, plain],
        defaults=CatalogDefaults(icl_model="plain", ft_model="tuned-early", reason="test"),
        latency_defaults=base.latency_defaults,
        as_of="2026-11",
        source="test",
    )


def test_catalog_live_counts_the_tuned_models_shutdown(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(catalog_module, "default_catalog", _two_model_catalog)
    assert main(["catalog"]) == 0
    by_name = {r[0]: r for r in _catalog_rows(capsys.readouterr().out)[1:]}
    assert by_name["tuned-early"][8] == "2028-01-01 (tuned 2027-03-01)"
    assert by_name["tuned-early"][6:8] == ["unpriced", "no fee"]
    assert main(["catalog", "--live", "--today", "2026-12-01"]) == 0
    names = {r[0] for r in _catalog_rows(capsys.readouterr().out)[1:]}
    assert names == {"plain"}  # the base lives on, but the tuned model stops in 2027-03
    assert main(["catalog", "--live", "--today", "2026-12-01", "--months", "2"]) == 0
    names = {r[0] for r in _catalog_rows(capsys.readouterr().out)[1:]}
    assert names == {"plain", "tuned-early"}


def test_catalog_provider_filter_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--provider", "fireworks ai"]) == 0
    rows = _catalog_rows(capsys.readouterr().out)[1:]
    assert rows and {r[1] for r in rows} == {"Fireworks AI"}
    assert len(rows) == sum(
        default_catalog().get(n).provider == "Fireworks AI" for n in default_catalog().names
    )


def test_catalog_unknown_provider_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--provider", "togther"]) == 2
    err = capsys.readouterr().err
    assert "'togther' is not a catalog provider" in err and "Did you mean 'Together AI'" in err


def test_catalog_negative_months_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--live", "--months", "-1"]) == 2
    assert "--months must be a whole number of months >= 0; got -1" in capsys.readouterr().err


def test_catalog_json_prints_the_full_filtered_entries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["catalog", "--json", "--tunable", "--provider", "TOGETHER AI"]
    assert main([*args, "--live", "--today", "2026-11-27"]) == 0
    entries = json.loads(capsys.readouterr().out)
    names = {e["name"] for e in entries}
    assert names == {"together/mistral-7b-instruct-v0.3", "together/qwen2.5-7b-instruct-turbo"}
    for entry in entries:
        spec = ModelSpec.model_validate(entry)
        assert spec == default_catalog().get(entry["name"])
        assert entry["fine_tuning"]["serving"] == ["dedicated", "self_hosted"]
        assert entry["ranges"]


# --------------------------------------------------------------------------- tokenizer files


def _examples_profile(tmp_path: Path, **counting: object) -> str:
    data = json.loads((ROOT / "examples" / "support_tickets.json").read_text())
    data["examples_file"] = str(ROOT / "examples" / "support_tickets.jsonl")
    data.pop("token_counting", None)
    if counting:
        data["token_counting"] = counting
    return _write(tmp_path, data)


def test_a_missing_tokenizer_file_is_explained_in_the_commands_own_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], offline: list[str]
) -> None:
    assert main(["recommend", _examples_profile(tmp_path)]) == 2
    err = capsys.readouterr().err
    for needed in (
        "'o200k_base' is not available offline",
        "pip install 'strategy_advisor[tokenizers]'",
        "strategy-advisor tokenizer fetch o200k_base",
        "--allow-estimate",
        '"token_counting": {"allow_estimate": true}',
        '"token_counting": {"encoding": "/path/to/o200k_base.tiktoken"}',
        "TIKTOKEN_CACHE_DIR",
        "strategy-advisor tokenizer status",
    ):
        assert needed in err
    for python_only in ("allow_estimate=True", "encoding=", "tiktoken.get_encoding"):
        assert python_only not in err
    _no_traceback(err)
    assert offline == []


def test_other_tokenizer_errors_name_the_profile_key_not_python_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _examples_profile(tmp_path, encoding="o200k_bas")]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'o200k_base'" in err and '"token_counting": {"encoding": ...}' in err
    assert "tiktoken.Encoding" not in err
    assert main(["recommend", _examples_profile(tmp_path, encoding="gpt2")]) == 2
    err = capsys.readouterr().err
    assert "data-gym" in err and "encoding=" not in err and "command line takes" in err


def test_every_python_wording_has_a_command_line_wording() -> None:
    from strategy_advisor._tokens.encoding_errors import PYTHON_WORDING
    from strategy_advisor.cli.wording import cli_wording

    for command in ("recommend", "tokenizer"):
        assert set(PYTHON_WORDING) <= set(cli_wording(command))


def test_the_bundled_example_says_how_to_count_exactly_when_it_estimates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = str(ROOT / "examples" / "support_tickets.json")
    assert main(["recommend", example, "--today", "2026-11-27"]) == 0
    captured = capsys.readouterr()
    # the byte estimate divides each script class by its own ratio (data/tokenizers.json)
    estimated = "estimated from UTF-8 bytes per script class (docs/tokens.md)"
    assert f"{estimated} on 240 of 240 examples" in captured.out
    assert "token counts are estimates" in captured.err
    assert "For exact counts, pip install 'strategy_advisor[tokenizers]'" in captured.err
    assert "strategy-advisor tokenizer fetch o200k_base" in captured.err


def test_the_bundled_example_counts_with_the_packaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, digest = tiny_file(tmp_path)
    publish_hash(monkeypatch, digest, "o200k_base")
    install_fake_package(monkeypatch, tmp_path / "site", {"o200k_base.tiktoken": data})
    example = str(ROOT / "examples" / "support_tickets.json")
    assert main(["recommend", example, "--json", "--today", "2026-11-27"]) == 0
    captured = capsys.readouterr()
    m = Recommendation.model_validate_json(captured.out).profile.token_measurement
    assert m is not None and m.encoding == "o200k_base" and captured.err == ""


def test_tokenizer_fetch_downloads_once_through_tiktoken(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    offline: list[str],
) -> None:
    import tiktoken.load

    from strategy_advisor import count_tokens
    from strategy_advisor._tokens.encodings import cache_path, encoding_recipe

    data, digest = tiny_file(tmp_path)
    publish_hash(monkeypatch, digest, "o200k_base")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    url = encoding_recipe("o200k_base").url
    target = cache_path(url)
    assert target is not None
    calls: list[tuple[str, str | None]] = []

    def download(blobpath: str, expected_hash: str | None = None) -> bytes:
        calls.append((blobpath, expected_hash))  # what tiktoken does: fetch, check, cache
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return data

    monkeypatch.setattr(tiktoken.load, "read_file_cached", download)
    assert main(["tokenizer", "fetch", "o200k_base"]) == 0
    out = capsys.readouterr().out
    assert f"o200k_base: downloaded {url}" in out and f"saved as {target}" in out
    assert calls == [(url, digest)]
    assert main(["tokenizer", "fetch", "o200k_base"]) == 0  # once: already cached
    assert "already in tiktoken's cache" in capsys.readouterr().out and len(calls) == 1
    assert count_tokens(["hello world"], encoding="o200k_base").exact

    assert main(["tokenizer", "status"]) == 0
    out = capsys.readouterr().out
    assert f"tiktoken cache: {tmp_path / 'cache'} (TIKTOKEN_CACHE_DIR)" in out
    assert re.search(rf"o200k_base +offline +tiktoken cache: {re.escape(str(target))}", out)
    assert re.search(r"cl100k_base +missing +pip install 'strategy_advisor\[tokenizers\]'", out)
    assert re.search(r"p50k_base +missing +strategy-advisor tokenizer fetch p50k_base", out)
    assert re.search(r"gpt2 +no +cannot be loaded by name: .*data-gym", out)
    assert offline == []


def test_tokenizer_fetch_failures_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tiktoken.load

    def no_network(blobpath: str, expected_hash: str | None = None) -> bytes:
        raise OSError("network unreachable")

    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_network)
    assert main(["tokenizer", "fetch", "cl100k_base"]) == 2
    err = capsys.readouterr().err
    assert "could not download https://" in err and "network unreachable" in err
    assert main(["tokenizer", "fetch", "o200k_bas"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'o200k_base'" in err and ".tiktoken file" not in err
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert main(["tokenizer", "fetch", "o200k_base"]) == 2
    assert "turns tiktoken's cache off" in capsys.readouterr().err
