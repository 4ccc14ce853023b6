"""The command line: JSON in, text or JSON out, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strategy_advisor import Recommendation
from strategy_advisor.cli import main

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
