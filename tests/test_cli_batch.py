"""The command line on portfolios and its surfaces: JSON Lines in; a table, CSV, JSON Lines,
Markdown or HTML pages out; explain; the profile file's schema; help, exit codes, progress."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import recommend, recommend_many
from strategy_advisor.cli import main, profile_file_schema
from strategy_advisor.cli.parser import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-12-01"
DAY = dt.date(2026, 12, 1)
SMALL = {
    "task_type": "classification",
    "n_labeled_examples": 800,
    "n_classes": 5,
    "avg_input_tokens": 150,
    "avg_output_tokens": 3,
    "requests_per_month": 200000,
}
LONG = {
    "task_type": "extraction",
    "n_labeled_examples": 800,
    "avg_input_tokens": 12000,
    "avg_output_tokens": 300,
    "requests_per_month": 40000,
    "icl_model": "gpt-5.4-mini",
    "ft_model": "fireworks/llama-v3p1-8b-instruct",
}
BUSY = {**SMALL, "n_labeled_examples": 5000, "avg_input_tokens": 300, "requests_per_month": 2e7}


def _jsonl(tmp_path: Path, *lines: object, name: str = "many.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines))
    return str(path)


def _json(tmp_path: Path, data: object, name: str = "one.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return str(path)


def _without_line(text: str) -> str:
    """The command line's portfolio CSV without its ``line`` column: ``Portfolio.to_csv()``."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["index", "line"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:1] + r[2:] for r in rows])
    return out.getvalue()


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and err.startswith("strategy-advisor: ")


def _md(text: str) -> str:
    from strategy_advisor._escape import markdown

    return markdown(text)


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so progress bars show."""

    def isatty(self) -> bool:
        return True


# ------------------------------------------------------------------------- JSON Lines in


def test_a_portfolio_prints_one_row_per_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path, SMALL, "", "   ", BUSY, LONG)  # blank lines are skipped
    assert main(["recommend", path, "--today", TODAY]) == 0
    out = capsys.readouterr().out.splitlines()
    recs = recommend_many([SMALL, BUSY, LONG], today=DAY)
    n_ft = sum(r.strategy.value == "fine_tuning" for r in recs)
    assert out[0] == (
        f"3 profiles from {path}: {n_ft} fine-tuning, {3 - n_ft} in-context learning "
        f"(evaluated {TODAY})"
    )
    assert re.split(r"\s{2,}", out[1]) == [
        "index",
        "line",
        "strategy",
        "confidence",
        "P(FT better)",
        "FT total",
        "ICL total",
        "break-even /month",
    ]
    rows = [re.split(r"\s{2,}", line) for line in out[2:]]
    assert [r[:2] for r in rows] == [["0", "1"], ["1", "4"], ["2", "5"]]
    for row, rec in zip(rows, recs, strict=True):
        assert row[2] == rec.strategy.label and row[3] == f"{rec.confidence:.2f}"


def test_csv_is_the_portfolio_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", _jsonl(tmp_path, SMALL, "", BUSY), "--csv", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert _without_line(out) == recommend_many([SMALL, BUSY], today=DAY).to_csv()
    assert [r[:2] for r in csv.reader(io.StringIO(out))][1:] == [["0", "1"], ["1", "3"]]


def test_csv_of_one_profile_is_a_one_row_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _json(tmp_path, SMALL), "--csv", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert out == recommend_many([SMALL], today=DAY).to_csv()
    header, row = out.splitlines()
    assert header.startswith("index,id,strategy,confidence,") and row.startswith("0,,")


def test_json_lines_in_gives_one_recommendation_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _jsonl(tmp_path, SMALL, BUSY), "--json", "--today", TODAY]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line, profile in zip(lines, (SMALL, BUSY), strict=True):
        assert line == recommend(profile, today=DAY).to_json(indent=None)


def test_json_is_exactly_recommends_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _json(tmp_path, LONG), "--json", "--today", TODAY]) == 0
    assert capsys.readouterr().out == recommend(LONG, today=DAY).to_json() + "\n"


def test_json_lines_are_found_by_content_in_a_json_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path, SMALL, BUSY, name="profiles.json")
    assert main(["recommend", path, "--csv", "--today", TODAY]) == 0
    out = _without_line(capsys.readouterr().out)
    assert out == recommend_many([SMALL, BUSY], today=DAY).to_csv()


def test_json_lines_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(SMALL) + "\n" + json.dumps(BUSY)))
    assert main(["recommend", "-", "--csv", "--today", TODAY]) == 0
    out = _without_line(capsys.readouterr().out)
    assert out == recommend_many([SMALL, BUSY], today=DAY).to_csv()


def test_a_one_line_jsonl_file_is_a_portfolio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _jsonl(tmp_path, SMALL), "--today", TODAY]) == 0
    assert capsys.readouterr().out.startswith("1 profiles from ")


def test_markdown_of_a_portfolio_is_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _jsonl(tmp_path, SMALL, BUSY), "--markdown", "--today", TODAY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"**Profiles from {_md(str(tmp_path / 'many.jsonl'))} (evaluated {TODAY})**"
    assert out[2] == (
        "| index | line | id | strategy | confidence | P(FT better) | FT total | ICL total | "
        "break-even /month |"
    )
    assert out[3] == "|---:|---:|---|---|---:|---:|---:|---:|---:|"
    assert out[4].startswith("| 0 | 1 | - | ") and out[5].startswith("| 1 | 2 | - | ")
    recs = recommend_many([SMALL, BUSY], today=DAY)
    n_ft = sum(r.strategy.value == "fine_tuning" for r in recs)
    assert out[6:] == ["", f"**2 profiles: {n_ft} fine-tuning, {2 - n_ft} in-context learning**"]


def test_markdown_of_one_profile_is_the_recommendations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _json(tmp_path, SMALL), "--markdown", "--today", TODAY]) == 0
    assert capsys.readouterr().out == recommend(SMALL, today=DAY).to_markdown() + "\n"


def test_the_bundled_portfolio_runs(capsys: pytest.CaptureFixture[str]) -> None:
    example = ROOT / "examples" / "portfolio.jsonl"
    n = sum(1 for line in example.read_text().splitlines() if line.strip())
    assert n >= 5
    assert main(["recommend", str(example), "--allow-estimate", "--today", TODAY]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{n} profiles from ") and len(out) == n + 2
    assert {"fine-tuning", "in-context learning"} <= {re.split(r"\s{2,}", r)[2] for r in out[2:]}


# ------------------------------------------------------------------------- bad input


def test_a_bad_line_is_named_by_its_number_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {**SMALL, "n_labeled_examples": -3}
    typo = {**SMALL, "requests_per_mnth": 5}
    path = _jsonl(tmp_path, SMALL, "", bad, "{oops", [1], typo, {**SMALL, "icl_model": "gpt-9"})
    assert main(["recommend", path]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert f"5 of 6 profiles in {path} are invalid:" in err
    assert "line 3: n_labeled_examples: Input should be greater than or equal to 0" in err
    assert "line 4: not valid JSON (" in err and "one JSON object (a task profile) per line" in err
    assert "line 5: expected a JSON object (a task profile), got a JSON array" in err
    assert "line 6: requests_per_mnth: unknown field of TaskProfile." in err
    assert "Did you mean 'requests_per_month'" in err
    assert re.search(r"line 7: icl_model: .*'gpt-9'.*`strategy-advisor catalog` lists them", err)
    assert "line 1:" not in err and "`strategy-advisor schema` prints every field" in err


def test_many_bad_lines_are_cut_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _jsonl(tmp_path, *[{**SMALL, "n_classes": 1}] * 30)
    assert main(["recommend", path]) == 2
    err = capsys.readouterr().err
    assert "30 of 30 profiles" in err and "line 20: n_classes" in err
    assert "line 21:" not in err and "... and 10 more" in err


def test_an_empty_jsonl_file_holds_no_profiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.jsonl"
    path.write_text("\n \n")
    assert main(["recommend", str(path)]) == 2
    assert "none.jsonl holds no profiles" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "clash"),
    [
        (["--json", "--markdown"], "--markdown: not allowed with argument --json"),
        (["--csv", "--markdown"], "--markdown: not allowed with argument --csv"),
        (["--json", "--csv"], "--csv: not allowed with argument --json"),
        (["--html", "x.html", "--json"], "--json: not allowed with argument --html"),
    ],
)
def test_conflicting_output_flags_are_an_error(
    flags: list[str], clash: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["recommend", _json(tmp_path, SMALL), *flags])
    assert exit_.value.code == 2
    assert clash in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--today", "2026-13-01"], "--today: expected a date as YYYY-MM-DD"),
        (["--n-jobs", "0"], "--n-jobs: expected a non-zero whole number"),
        (["--n-jobs", "many"], "--n-jobs: expected a non-zero whole number"),
    ],
)
def test_bad_options_exit_2(
    args: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["recommend", _json(tmp_path, SMALL), *args])
    assert exit_.value.code == 2 and needle in capsys.readouterr().err


def test_a_bad_cost_multiple_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _json(tmp_path, SMALL), "--cost-multiple", "-1"]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "--cost-multiple -1: Input should be greater than 1" in err


def test_n_jobs_without_joblib_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "joblib", None)
    assert main(["recommend", _jsonl(tmp_path, SMALL), "--n-jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert "--n-jobs 2 runs in parallel through joblib" in err
    assert "pip install 'strategy_advisor[parallel]'" in err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"sample": 100}, "'sample' is not a profile field; it belongs in \"token_counting\""),
        ({"token_counting": {"sample": 1}}, "token_counting.sample: Input should be greater"),
        ({"token_counting": {"samples": 5}}, "token_counting.samples: unknown field"),
        ({"token_counting": {"allow_estimate": "yes"}}, "token_counting.allow_estimate"),
    ],
)
def test_token_counting_keys_are_checked(
    extra: dict[str, Any], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {"task_type": "classification", "examples_file": "x.jsonl", **extra}
    assert main(["recommend", _json(tmp_path, data)]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert needle in err


def test_yaml_is_named_as_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("task_type: classification\nn_labeled_examples: 3\n")
    assert main(["recommend", str(path)]) == 2
    assert "YAML is not read: write the profile as JSON" in capsys.readouterr().err


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "cannot read" in err and "nope.json" in err


# ------------------------------------------------------------------------- HTML pages


def test_html_writes_the_page_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["recommend", _json(tmp_path, SMALL), "--html", str(out), "--today", TODAY]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == recommend(SMALL, today=DAY).to_html()


def test_html_dash_prints_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", _json(tmp_path, SMALL), "--html", "-", "--today", TODAY]) == 0
    assert capsys.readouterr().out == recommend(SMALL, today=DAY).to_html() + "\n"


def test_html_of_a_portfolio_writes_a_page_per_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["recommend", _jsonl(tmp_path, SMALL, BUSY), "--html", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    pages = [tmp_path / "r-0.html", tmp_path / "r-1.html"]
    assert printed[:2] == [f"wrote {p}" for p in pages] and "2 pages" in printed[2]
    assert all(p.read_text(encoding="utf-8") for p in pages)
    assert not out.exists()  # no page under the plain name


def test_html_into_a_missing_folder_is_invalid_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "r.html"
    assert main(["recommend", _json(tmp_path, SMALL), "--html", str(out)]) == 2
    err = capsys.readouterr().err
    _no_traceback(err)
    assert f"the folder {out.parent} does not exist" in err


def test_html_dash_of_a_portfolio_asks_for_a_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", _jsonl(tmp_path, SMALL, BUSY), "--html", "-"]) == 2
    assert "--html - prints one page" in capsys.readouterr().err


# ------------------------------------------------------------------------- explain


def test_explain_prints_every_rule_flip_point_and_sensitivity_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", _json(tmp_path, LONG), "--today", TODAY]) == 0
    out = capsys.readouterr().out
    rec = recommend(LONG, today=DAY)
    lines = out.splitlines()
    assert lines[0] == rec.summary
    trace = [ln for ln in lines if re.match(r"  (fired|not fired|not applicable) ", ln)]
    assert len(trace) == len(rec.trace)
    for line, outcome in zip(trace, rec.trace, strict=True):
        assert f" {outcome.code} " in line and line.split()[0] in ("fired", "not")
        if outcome.message:
            assert outcome.message in line
    assert f"Rule trace: {len(rec.trace)} rules" in out
    assert rec.flip_points and rec.sensitivity
    for fp in rec.flip_points:
        assert f"({fp.field}): now " in out and f"at {fp.text} it becomes {fp.becomes.label}" in out
    for row in rec.sensitivity:
        assert row.input in out
    assert re.search(r"Sensitivity: .*\n  input +cheap end +score +dear end +score +swing", out)


def test_explain_a_portfolio_heads_each_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path, SMALL, "", BUSY)
    assert main(["explain", path, "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert f"== {path}, line 1 ==" in out and f"== {path}, line 3 ==" in out
    assert out.count("Rule trace: ") == 2


# ------------------------------------------------------------------------- parallel


def test_n_jobs_gives_the_same_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _jsonl(tmp_path, SMALL, BUSY, LONG)
    assert main(["recommend", path, "--csv", "--today", TODAY]) == 0
    serial = capsys.readouterr().out
    assert main(["recommend", path, "--csv", "--today", TODAY, "--n-jobs", "2"]) == 0
    assert capsys.readouterr().out == serial
    path = _jsonl(tmp_path, SMALL, BUSY)  # explained in the workers
    assert main(["recommend", path, "--json", "--today", TODAY, "--n-jobs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for line, profile in zip(lines, (SMALL, BUSY), strict=True):
        assert line == recommend(profile, today=DAY).to_json(indent=None)


# ------------------------------------------------------------------------- schema


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    """The problems of ``value`` against the JSON Schema keywords a profile file uses."""
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _check(value, target, root, where)
    problems: list[str] = []
    json_types = {
        "object": dict,
        "array": (list, tuple),
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    kind = schema.get("type")
    if kind is not None:
        ok = (
            (isinstance(value, (int, float)) and not isinstance(value, bool))
            if kind == "number"
            else (isinstance(value, int) and not isinstance(value, bool))
            if kind == "integer"
            else isinstance(value, json_types[kind])
        )
        if not ok:
            return [f"{where}: expected {kind}, got {value!r}"]
    if "anyOf" in schema:
        branches = [_check(value, s, root, where) for s in schema["anyOf"]]
        if all(branches):
            problems.append(f"{where}: matches no branch of anyOf: {branches}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, bad in (
            ("minimum", lambda b: value < b),
            ("maximum", lambda b: value > b),
            ("exclusiveMinimum", lambda b: value <= b),
            ("exclusiveMaximum", lambda b: value >= b),
        ):
            if key in schema and bad(schema[key]):
                problems.append(f"{where}: {value!r} breaks {key} {schema[key]}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        problems.append(f"{where}: shorter than minLength")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: missing required {key!r}")
        for key, needs in schema.get("dependentRequired", {}).items():
            if key in value and any(n not in value for n in needs):
                problems.append(f"{where}: {key!r} needs {needs}")
        for key, item in value.items():
            if key in props:
                problems += _check(item, props[key], root, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}: unknown key {key!r}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += _check(item, schema["items"], root, f"{where}[{i}]")
    return problems


def _printed_schema(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["schema"]) == 0
    schema: dict[str, Any] = json.loads(capsys.readouterr().out)
    return schema


def test_the_schema_is_the_profile_file_as_users_write_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = _printed_schema(capsys)
    assert schema == profile_file_schema()
    props = schema["properties"]
    assert props["examples_file"]["type"] == "string" and props["examples_file"]["description"]
    counting = schema["$defs"]["TokenCounting"]
    assert set(counting["properties"]) == {"encoding", "allow_estimate", "sample", "seed"}
    assert counting["additionalProperties"] is False
    assert all(p.get("description") for p in counting["properties"].values())
    assert schema["required"] == ["task_type"] and schema["additionalProperties"] is False


def test_every_bundled_profile_validates_against_the_printed_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = _printed_schema(capsys)
    files = sorted((ROOT / "examples").glob("*.json"))
    profiles = [(p.name, json.loads(p.read_text())) for p in files]
    portfolio = ROOT / "examples" / "portfolio.jsonl"
    profiles += [
        (f"portfolio.jsonl:{i}", json.loads(line))
        for i, line in enumerate(portfolio.read_text().splitlines(), 1)
        if line.strip()
    ]
    assert len(files) >= 5 and any("examples_file" in p for _, p in profiles)
    for name, profile in profiles:
        assert _check(profile, schema, schema, name) == []


@pytest.mark.parametrize(
    ("profile", "problem"),
    [
        ({"task_type": "classification"}, "matches no branch of anyOf"),
        ({"task_type": "chat", "n_labeled_examples": 3}, "not in"),
        ({"task_type": "code", "n_labeled_examples": 3, "typo": 1}, "unknown key 'typo'"),
        ({"task_type": "code", "n_labeled_examples": 3, "token_counting": {}}, "needs"),
        (
            {"task_type": "code", "examples_file": "a.jsonl", "token_counting": {"x": 1}},
            "unknown key 'x'",
        ),
    ],
)
def test_the_schema_rejects_what_the_command_rejects(
    profile: dict[str, Any], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = _printed_schema(capsys)
    assert problem in " ".join(_check(profile, schema, schema, "profile"))


# ------------------------------------------------------------------------- help, exit codes


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_help_shows_an_example_of_each_subcommand(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert re.search(rf"^  strategy-advisor {command}\b", out.split("examples:", 1)[1], re.M)
    assert "exit codes: 0 success; 2 invalid input" in out


def test_main_help_lists_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for examples in EXAMPLES.values():
        for example in examples:
            assert example in out


def test_the_help_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every example parses, and runs as written from the repository root (a portfolio's
    explained JSON, about a second a profile, is left to the tests above)."""
    from strategy_advisor.cli.parser import build_parser

    monkeypatch.chdir(ROOT)
    for command in ("recommend", "explain", "catalog", "rules", "schema"):
        for example in EXAMPLES[command]:
            argv = example.split(" > ")[0].split()[1:]
            argv = [str(tmp_path / a) if a.endswith(".html") else a for a in argv]
            build_parser().parse_args(argv)
            if command in ("recommend", "explain"):
                if argv[1].endswith(".jsonl") and "--json" in argv:
                    continue
                argv.append("--allow-estimate")
            assert main(argv) == 0, example
            capsys.readouterr()


def _boom(_: object) -> int:
    raise KeyError("no such thing")


def test_an_internal_error_exits_1_and_asks_for_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategy_advisor.cli import listings

    monkeypatch.delenv("STRATEGY_ADVISOR_DEBUG", raising=False)
    monkeypatch.setattr(listings, "rules", _boom)
    assert main(["rules"]) == 1
    err = capsys.readouterr().err
    _no_traceback(err)
    assert "internal error (KeyError: 'no such thing')" in err and "please report it" in err
    assert "--debug" in err

    for argv in (["--debug", "rules"], ["rules", "--debug"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "Traceback" in err and "please report it" in err
    monkeypatch.setenv("STRATEGY_ADVISOR_DEBUG", "1")
    assert main(["rules"]) == 1
    assert "Traceback" in capsys.readouterr().err


def _command(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("STRATEGY_ADVISOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "strategy_advisor.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        **kwargs,
    )


def test_the_installed_command_exits_2_on_bad_input_without_a_traceback(tmp_path: Path) -> None:
    bad = _json(tmp_path, {**SMALL, "n_labeled_examples": "many"})
    done = _command("recommend", bad)
    assert done.returncode == 2 and done.stdout == ""
    _no_traceback(done.stderr)
    assert "n_labeled_examples" in done.stderr
    done = _command("recommend", bad, "--json", "--csv")
    assert done.returncode == 2 and "not allowed with" in done.stderr


def test_a_closed_pipe_is_quiet() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        [sys.executable, "-m", "strategy_advisor.cli", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # `| head -1`
        err = proc.stderr.read()
        assert proc.wait() == 0
    assert err == b""


# ------------------------------------------------------------------------- progress


def test_a_portfolio_shows_a_bar_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategy_advisor.cli import running

    monkeypatch.setattr(running, "_BAR_MIN_PROFILES", 2)
    path = _jsonl(tmp_path, SMALL, BUSY, LONG)
    assert main(["recommend", path, "--csv"]) == 0
    assert capsys.readouterr().err == ""  # not a terminal
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["recommend", path, "--csv"]) == 0
    assert "recommending" in terminal.getvalue() and "0/3" in terminal.getvalue()
    assert capsys.readouterr().out.count("\n") == 4  # the bar is not in the output


def test_the_bar_is_silent_without_tqdm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategy_advisor.cli import running

    monkeypatch.setattr(running, "_BAR_MIN_PROFILES", 2)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["recommend", _jsonl(tmp_path, SMALL, BUSY), "--csv"]) == 0
    assert terminal.getvalue() == ""


def test_a_long_token_count_shows_a_bar_counting_examples(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal the bar counts the examples file's 240 examples (not the path's length)."""
    from strategy_advisor._tokens import counting

    data = counting.tokenizer_data()
    short = data.model_copy(update={"counting": data.counting.model_copy(
        update={"progress_min_texts": 10})})  # fmt: skip
    monkeypatch.setattr(counting, "tokenizer_data", lambda: short)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    example = str(ROOT / "examples" / "support_tickets.json")
    assert main(["recommend", example, "--csv", "--today", TODAY]) == 0
    bar = terminal.getvalue()
    assert "counting tokens" in bar and "0/240" in bar
    assert not re.search(r"/(?!240\b)\d+ \[", bar)


def test_progress_true_on_a_file_counts_its_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from strategy_advisor import profile_from_examples

    path = str(ROOT / "examples" / "support_tickets.jsonl")
    profile_from_examples(path, encoding="estimate", task_type="classification", progress=True)
    err = capsys.readouterr().err
    assert "0/240" in err and f"0/{len(path)}" not in err


def test_a_large_portfolio_uses_every_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --n-jobs: every core from 500 profiles (counted by the checking pass), this
    process below that, when the count is unknown (--keep-going) or on one core; --n-jobs
    always wins."""
    from strategy_advisor.cli import running

    monkeypatch.setattr(running.os, "cpu_count", lambda: 2)
    assert running._workers(None, 499) == 1
    assert running._workers(None, 500) == -1
    assert running._workers(None, None) == 1
    assert running._workers(1, 5_000) == 1 and running._workers(3, 5) == 3
    monkeypatch.setattr(running.os, "cpu_count", lambda: 1)
    assert running._workers(None, 5_000) == 1
    monkeypatch.setitem(sys.modules, "joblib", None)  # not installed: this process
    monkeypatch.setattr(running.os, "cpu_count", lambda: 8)
    assert running._workers(None, 5_000) == 1
