"""What a service feeds in (issue 19, items 2 and 6-9): files read only where allowed and
only when regular, limits on numbers and nesting, strict yes/no and dates, duplicate keys,
rule files checked like profiles, and errors that never echo more than a short excerpt.

Every bad input is exit 2 with the file and a short reason, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from strategy_advisor import (
    Advisor,
    DataFileError,
    Recommendation,
    RuleError,
    TaskProfile,
    TokenizerError,
    default_rulebook,
    load_encoding,
    recommend,
)
from strategy_advisor._limits import (
    ECHO_CHARS,
    EXCERPT_CHARS,
    JSON_MAX_DEPTH,
    RULE_WEIGHT_MAX,
)
from strategy_advisor.cli import main
from strategy_advisor.cli.files import ProfileReader, read_input

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
RULE = {
    "code": "org-prefer-tuning",
    "title": "Our policy",
    "when": {"feature": "n_labeled_examples", "op": "ge", "value": 100},
    "effect": {"kind": "favor", "strategy": "fine_tuning", "weight": 1.5},
    "message": "Policy: {n_labeled_examples:int} examples are enough to tune.",
    "source": {"document": "Org policy v3", "date": "2026-10-01"},
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _bad_input(code: int, err: str) -> None:
    assert code == 2, err
    assert err.startswith("strategy-advisor: ") and "Traceback" not in err
    assert "internal error" not in err


def _file(tmp_path: Path, text: str, name: str = "p.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ 6: limits are bad input


@pytest.mark.parametrize(
    "text",
    [
        '{"task_type": "code", "n_labeled_examples": ' + "9" * 5000 + "}",
        '{"task_type": "code", "n_labeled_examples": 3, "x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        '{"task_type": "code", "n_labeled_examples": 3, "horizon_months": NaN}',
    ],
    ids=["5000-digit integer", "nested 100,000 deep", "NaN"],
)
@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_huge_numbers_and_deep_nesting_are_bad_input(
    text: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, text, name)
    code, _, err = _run(["recommend", path], capsys)
    _bad_input(code, err)
    assert "p.json" in err
    assert any(k in err for k in ("digits", "characters", "nested", "NaN")), err
    assert len(err) < 2000


def test_the_depth_limit_is_stated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep: Any = 1
    for _ in range(JSON_MAX_DEPTH + 1):
        deep = [deep]
    path = _file(tmp_path, json.dumps({**SMALL, "pilot": deep}))
    code, _, err = _run(["recommend", path], capsys)
    _bad_input(code, err)
    assert f"nested more than {JSON_MAX_DEPTH} deep" in err


@pytest.mark.parametrize(
    "rules",
    [
        '{"rules": [' + "[" * 50_000 + "]" * 50_000 + "]}",
        '{"rules": [{"code": "x", "weight": ' + "1" * 5000 + "}]}",
    ],
    ids=["deep", "long number"],
)
def test_limits_hold_for_rules_files_too(
    rules: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = _file(tmp_path, json.dumps(SMALL))
    code, _, err = _run(["recommend", profile, "--rules", _file(tmp_path, rules, "r.json")], capsys)
    _bad_input(code, err)
    assert "r.json" in err


# ------------------------------------------------------------- 7: strict yes/no and dates


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"allow_batch": "yes"}, "allow_batch"),
        ({"allow_batch": 1}, "allow_batch"),
        (
            {"pilot": {"icl_score": 0.5, "ft_score": 0.6, "n_eval_examples": 50,
                       "higher_is_better": "no"}},
            "pilot.higher_is_better",
        ),
        ({"icl_model": {"name": "mine", "shutdown_date": 0}}, "icl_model.shutdown_date"),
        ({"icl_model": {"name": "mine", "shutdown_date": "0"}}, "icl_model.shutdown_date"),
        ({"icl_model": {"name": "mine", "shutdown_date": "1654646400"}}, "icl_model.shutdown_date"),
    ],
)  # fmt: skip
def test_yes_no_and_dates_are_not_guessed(
    change: dict[str, Any], field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValidationError):
        TaskProfile.model_validate({**SMALL, **change})
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps({**SMALL, **change}))], capsys)
    _bad_input(code, err)
    assert f"{field}: " in err


def test_real_yes_no_and_dates_still_read() -> None:
    p = TaskProfile.model_validate(
        {**SMALL, "allow_batch": True, "icl_model": {"name": "m", "shutdown_date": "2027-03-01"}}
    )
    assert p.allow_batch is True and p.icl_model.shutdown_date == dt.date(2027, 3, 1)  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_a_key_given_twice_is_named(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '{"task_type": "code", "n_labeled_examples": 3, "n_labeled_examples": 3000}'
    code, _, err = _run(["recommend", _file(tmp_path, text, name)], capsys)
    _bad_input(code, err)
    assert "key 'n_labeled_examples' appears twice in one object" in err


def test_a_rule_key_given_twice_is_named(tmp_path: Path) -> None:
    text = json.dumps({"rules": [RULE]}).replace('"title"', '"code": "again", "title"', 1)
    with pytest.raises(DataFileError, match="key 'code' appears twice"):
        default_rulebook().extended(_file(tmp_path, text, "r.json"))


# ------------------------------------------------------------ 8: rules checked as profiles


def test_rule_weights_are_bounded_and_say_why() -> None:
    for weight in (1e308, RULE_WEIGHT_MAX * 1.01, float("inf")):
        rule = {**RULE, "effect": {**RULE["effect"], "weight": weight}}  # type: ignore[dict-item]
        with pytest.raises(RuleError, match=r"effect\.weight: .*\[0, 10\].*finite"):
            default_rulebook().extended([rule])
    rule = {**RULE, "effect": {**RULE["effect"], "weight": RULE_WEIGHT_MAX}}  # type: ignore[dict-item]
    assert len(default_rulebook().extended([rule])) == len(default_rulebook()) + 1


def test_four_huge_weights_no_longer_make_an_infinite_score(tmp_path: Path) -> None:
    rules = [
        {**RULE, "code": f"org-{i}", "effect": {**RULE["effect"], "weight": 1e308}}  # type: ignore[dict-item]
        for i in range(4)
    ]
    with pytest.raises(RuleError, match="less than or equal to 10"):
        default_rulebook().extended(_file(tmp_path, json.dumps({"rules": rules}), "r.json"))


@pytest.mark.parametrize(
    ("when", "needle"),
    [
        ({"feature": "n_labeled_examples", "op": "is_null", "value": 1}, "is_null takes no value"),
        ({"feature": "icl_batch_priced", "op": "is_true", "param": "x"}, "is_true takes no"),
        ({"feature": "fine_tuning_budget_usd", "op": "not_null", "ref": "n_classes"}, "not_null"),
    ],
)
def test_operators_that_take_no_argument_refuse_one(when: dict[str, Any], needle: str) -> None:
    rule = {**RULE, "when": when, "params": {"x": 1}}
    with pytest.raises(RuleError, match=needle):
        default_rulebook().extended([rule])


@pytest.mark.parametrize(
    ("effect", "needle"),
    [
        ({"kind": "note", "weight": 2.0}, "read by 'favor' effects only"),
        ({"kind": "favor", "strategy": "fine_tuning", "certainty": 0.9}, "'infeasible' effects"),
    ],
)
def test_effect_fields_that_would_be_ignored_are_refused(
    effect: dict[str, Any], needle: str
) -> None:
    with pytest.raises(RuleError, match=needle):
        default_rulebook().extended([{**RULE, "effect": effect}])


def test_a_recommendation_under_organisation_rules_round_trips(tmp_path: Path) -> None:
    book = default_rulebook().extended(_file(tmp_path, json.dumps({"rules": [RULE]}), "r.json"))
    rec = Advisor(rulebook=book).recommend(SMALL, today=DAY)
    fired = [o for o in rec.trace if o.code == RULE["code"]]
    assert fired and fired[0].status == "fired" and fired[0].weight == 1.5
    assert rec.score.rules_term == 1.5
    again = Recommendation.model_validate_json(rec.to_json())
    assert again == rec and again.to_json() == rec.to_json()


# ------------------------------------------------------ 2: files read only when allowed


def test_an_encoding_file_must_be_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "o200k_base.tiktoken"
    os.mkfifo(fifo)  # reading it would block forever
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        with pytest.raises(TokenizerError, match="not a regular file"):
            load_encoding(path)


def test_an_encoding_file_over_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strategy_advisor._tokens import encodings

    monkeypatch.setattr(encodings, "ENCODING_FILE_MAX_BYTES", 1000)
    path = tmp_path / "o200k_base.tiktoken"
    path.write_bytes(b"QQ== 0\n" * 200)
    with pytest.raises(TokenizerError, match="larger than 1,000 bytes"):
        load_encoding(path)


def test_a_device_as_encoding_file_in_a_profile_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tmp_path / "ex.jsonl"
    examples.write_text('{"prompt": "a", "completion": "b"}\n')
    profile = {
        "task_type": "code",
        "examples_file": "ex.jsonl",
        "token_counting": {"encoding": "/dev/zero"},
    }
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps(profile))], capsys)
    _bad_input(code, err)
    assert "/dev/zero" in err and "not a regular file" in err


def test_a_profile_file_must_be_a_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        code, _, err = _run(["recommend", path], capsys)
        _bad_input(code, err)
        assert "not a regular file" in err


def _service_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A service's folder (profiles and their examples) beside a secret it must not read."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "ex.jsonl").write_text('{"prompt": "hello there", "completion": "hi"}\n')
    secret = tmp_path / "secret.csv"
    secret.write_text("db_password=hunter2,api_key=sk-123\nx,y\n")
    (root / "link.csv").symlink_to(secret)
    return root, secret


@pytest.mark.parametrize("examples", ["../secret.csv", "SECRET", "link.csv"])
def test_root_confines_every_referenced_path(
    examples: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, secret = _service_folder(tmp_path)
    examples = str(secret) if examples == "SECRET" else examples
    profile = {
        "task_type": "code",
        "examples_file": examples,
        "token_counting": {"encoding": "estimate"},
    }
    path = root / "p.json"
    path.write_text(json.dumps(profile))
    code, _, err = _run(["recommend", str(path), "--root", str(root)], capsys)
    _bad_input(code, err)
    assert "outside the folder --root allows" in err
    assert "hunter2" not in err and "sk-123" not in err


def test_root_allows_what_is_inside_and_refuses_a_file_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _service_folder(tmp_path)
    inside = root / "p.json"
    inside.write_text(
        json.dumps({"task_type": "code", "examples_file": "ex.jsonl",
                    "token_counting": {"encoding": "estimate"}})
    )  # fmt: skip
    code, _, err = _run(["recommend", str(inside), "--root", str(root), "--csv"], capsys)
    assert code == 0, err
    outside = tmp_path / "q.json"
    outside.write_text(json.dumps(SMALL))
    code, _, err = _run(["recommend", str(outside), "--root", str(root)], capsys)
    _bad_input(code, err)
    assert "outside the folder --root allows" in err
    code, _, err = _run(["recommend", str(inside), "--root", str(tmp_path / "nope")], capsys)
    _bad_input(code, err)
    assert "--root" in err and "not a folder" in err


def test_read_input_takes_root(tmp_path: Path) -> None:
    root, _ = _service_folder(tmp_path)
    path = root / "p.json"
    path.write_text(json.dumps({"task_type": "code", "examples_file": "../secret.csv"}))
    reader = ProfileReader(Advisor(), allow_estimate=True)
    with pytest.raises(DataFileError, match="outside the folder --root allows"):
        read_input(str(path), reader, root=root.resolve())


def test_without_root_a_persons_relative_paths_work_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _service_folder(tmp_path)
    (tmp_path / "shared.jsonl").write_text('{"prompt": "a b c", "completion": "d"}\n')
    profile = {"task_type": "code", "examples_file": "../shared.jsonl",
               "token_counting": {"encoding": "estimate"}}  # fmt: skip
    code, _, err = _run(["recommend", _file(root, json.dumps(profile)), "--csv"], capsys)
    assert code == 0, err


def test_a_file_read_by_mistake_is_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "creds.csv"
    secret.write_text(",".join(f"secret_{i}=value{i}" for i in range(50)) + "\nx\n")
    profile = {"task_type": "code", "examples_file": "creds.csv",
               "token_counting": {"encoding": "estimate"}}  # fmt: skip
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps(profile))], capsys)
    _bad_input(code, err)
    assert "creds.csv, line 1" in err
    assert "secret_10" not in err and "characters)" in err
    quoted = err.split("got columns ", 1)[1]
    assert len(quoted.split("…")[0]) <= EXCERPT_CHARS + 2


# -------------------------------------------------------------- 9: echoed input is capped


@pytest.mark.parametrize("where", ["icl_model", "ft_model"])
@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_a_huge_model_name_comes_back_short(
    where: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = {**SMALL, where: "x" * 500_000}
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps(profile), name)], capsys)
    _bad_input(code, err)
    assert len(err) < 3 * ECHO_CHARS + 1000 and "500,000 characters" in err


@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_a_10_mb_profile_is_refused_by_its_size(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = {**SMALL, "icl_model": "x" * 10_000_000}
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps(profile), name)], capsys)
    _bad_input(code, err)
    assert "1,048,576 bytes" in err and len(err) < 1000


def test_a_huge_unknown_field_name_comes_back_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["recommend", _file(tmp_path, json.dumps({**SMALL, "k" * 1_000_000: 1}))], capsys
    )
    _bad_input(code, err)
    assert len(err) < 3 * ECHO_CHARS + 1000 and "1,000,000 characters" in err


def test_python_errors_cap_what_they_quote_too() -> None:
    with pytest.raises(ValidationError) as info:
        recommend({**SMALL, "icl_model": "y" * 100_000}, today=DAY)
    assert "at most 200 characters" in str(info.value)


@pytest.mark.parametrize(
    "extra",
    [
        {"examples_file": "a" * 5000},
        {"examples_file": "x.jsonl", "token_counting": {"encoding": "e" * 300_000}},
    ],
    ids=["examples_file", "token_counting.encoding"],
)
def test_a_huge_path_comes_back_short(
    extra: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = {"task_type": "code", **extra}
    code, _, err = _run(["recommend", _file(tmp_path, json.dumps(profile))], capsys)
    _bad_input(code, err)
    assert "at most 4096 characters" in err and len(err) < 1000


def test_the_catalog_quotes_an_unknown_name_capped() -> None:
    from strategy_advisor import CatalogError, default_catalog

    with pytest.raises(CatalogError) as info:
        default_catalog().get("x" * 10_000_000)
    assert len(str(info.value)) < 3 * ECHO_CHARS + 500 and "10,000,000 characters" in str(
        info.value
    )
