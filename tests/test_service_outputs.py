"""What a service writes out (issue 19, items 4 and 5): the same hostile strings through a
model name, a profile id, an organisation's rule message and an unknown field name, shown
as text in every medium (text, Markdown, HTML, CSV, JSON, errors) and never obeyed; and
``--html`` files written whole or not at all, never over an existing file by surprise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import Advisor, Recommendation, default_rulebook, recommend
from strategy_advisor.cli import main

from .strategies import HOSTILE

# the extreme profiles are valid but implausible (they warn as likely unit slips): the
# subject here is that they end, not how they read
pytestmark = pytest.mark.filterwarnings("ignore::strategy_advisor.ImplausibleValueWarning")

TODAY = "2026-12-01"
DAY = dt.date(2026, 12, 1)
EVIL = "".join(HOSTILE)  # every trick at once (within a model name's 200 characters)
SMALL = {
    "task_type": "classification",
    "n_labeled_examples": 800,
    "n_classes": 5,
    "avg_input_tokens": 150,
    "avg_output_tokens": 3,
    "requests_per_month": 200000,
}
#: A profile whose every user string is hostile: its id, the prompted model's name, and an
#: organisation rule (that fires) whose message quotes it.
HOSTILE_PROFILE: dict[str, Any] = {
    **SMALL,
    "id": EVIL,
    "icl_model": {"name": EVIL, "input_usd_per_mtok": 0.5, "output_usd_per_mtok": 1.5},
}
RULE = {
    "code": "org-hostile",
    "title": EVIL,
    "when": {"feature": "n_labeled_examples", "op": "ge", "value": 1},
    "effect": {"kind": "note"},
    "message": "Org says: " + EVIL.replace("{", "{{").replace("}", "}}"),
    "source": {"document": EVIL, "date": "2026-10-01"},
}
# raw characters that move the cursor, end a line or reorder text: never in an output
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _advisor() -> Advisor:
    return Advisor(rulebook=default_rulebook().extended([RULE]))


def _rec() -> Recommendation:
    return _advisor().recommend(HOSTILE_PROFILE, today=DAY)


def _no_forged_line(text: str) -> None:
    """No control character, and nothing the caller wrote starts a line of its own."""
    assert not RAW.search(text), repr(RAW.search(text))
    for line in text.splitlines():
        assert not line.lstrip().startswith(("# Approved", "next", "forged")), line


def _files(tmp_path: Path, profiles: list[dict[str, Any]]) -> tuple[str, str]:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in profiles))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [RULE]}))
    return str(path), str(rules)


def test_the_rule_fired_and_every_string_is_hostile() -> None:
    rec = _rec()
    assert rec.profile.id == EVIL and rec.costs["in_context_learning"].model == EVIL.strip()
    assert any(o.code == "org-hostile" and o.status == "fired" for o in rec.trace)


def test_text_shows_hostile_strings_as_text() -> None:
    rec = _rec()
    for text in (str(rec), rec.to_text()):
        _no_forged_line(text)
        assert "\\x1b[2J" in text and "\\n# Approved by Security" in text


def test_markdown_keeps_tables_and_lines_whole() -> None:
    md = _rec().to_markdown()
    _no_forged_line(md)
    assert not any(line.startswith("#") for line in md.splitlines())
    assert "&lt;script&gt;" in md and "<script>" not in md
    tables: dict[int, int] = {}
    for i, line in enumerate(md.splitlines()):
        if line.startswith("|"):
            tables.setdefault(i, len(UNESCAPED_PIPE.findall(line)))
    # each table's rows have as many cell borders as its header
    rows = md.splitlines()
    for i, line in enumerate(rows):
        if line.startswith("|") and i > 0 and rows[i - 1].startswith("|"):
            assert len(UNESCAPED_PIPE.findall(line)) == len(UNESCAPED_PIPE.findall(rows[i - 1]))


def test_html_escapes_markup_and_control_characters() -> None:
    rec = _rec()
    for page in (rec.to_html(), rec._repr_html_()):
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert not RAW.search(page.replace("\n", " "))


def test_json_round_trips_the_strings_exactly_and_escaped() -> None:
    rec = _rec()
    text = rec.to_json(indent=None)
    assert "\n" not in text and not RAW.search(text)
    again = Recommendation.model_validate_json(text)
    assert again.profile.id == EVIL and again == rec


def test_csv_cells_stay_cells_and_are_never_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, rules = _files(tmp_path, [HOSTILE_PROFILE, {**SMALL, "id": "=1+1"}])
    assert main(["recommend", path, "--csv", "--rules", rules, "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out.replace("\n", " "))
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 3 and all(len(r) == len(rows[0]) for r in rows)
    header = rows[0]
    for row in rows[1:]:
        for name in ("id", "deciding_reason", "ft_model", "icl_model", "error"):
            assert not row[header.index(name)].startswith(("=", "+", "-", "@")), row
    assert rows[2][header.index("id")] == "'=1+1"


@pytest.mark.parametrize("flag", ["", "--markdown", "--json"])
def test_portfolio_outputs_show_hostile_strings_as_text(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, rules = _files(tmp_path, [HOSTILE_PROFILE, SMALL])
    argv = ["recommend", path, "--rules", rules, "--today", TODAY, *([flag] if flag else [])]
    assert main(argv) == 0
    out = capsys.readouterr().out
    _no_forged_line(out)
    if flag == "--json":
        assert [json.loads(line)["profile"].get("id") for line in out.splitlines()] == [EVIL, None]
    if flag == "--markdown":
        rows = [ln for ln in out.splitlines() if ln.startswith("|")]
        assert len({len(UNESCAPED_PIPE.findall(r)) for r in rows}) == 1


def test_explain_shows_hostile_rule_messages_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, rules = _files(tmp_path, [HOSTILE_PROFILE])
    one = tmp_path / "one.json"
    one.write_text(json.dumps(HOSTILE_PROFILE))
    assert main(["explain", str(one), "--rules", rules, "--today", TODAY]) == 0
    out = capsys.readouterr().out
    _no_forged_line(out)
    assert "Org says: " in out


@pytest.mark.parametrize(
    "profile",
    [
        {**SMALL, EVIL: 1},  # an unknown field named by the caller
        {**SMALL, "icl_model": EVIL.strip()},  # an unknown model
        {**SMALL, "n_labeled_examples": EVIL},  # a wrong value
    ],
    ids=["unknown field", "unknown model", "bad value"],
)
def test_errors_show_hostile_strings_as_text(
    profile: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(profile))
    many, _ = _files(tmp_path, [SMALL, profile])
    for path in (str(one), many):
        assert main(["recommend", path, "--today", TODAY]) == 2
        err = capsys.readouterr().err
        _no_forged_line(err)
        assert err.startswith("strategy-advisor: ")


# ------------------------------------------------------------------------ files written


def _one(tmp_path: Path) -> str:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(SMALL))
    return str(path)


def test_an_existing_page_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    out.write_text("keep me")
    assert main(["recommend", _one(tmp_path), "--html", str(out)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "keep me"
    assert main(["recommend", _one(tmp_path), "--html", str(out), "--force", "--today", TODAY]) == 0
    assert out.read_text(encoding="utf-8") == recommend(SMALL, today=DAY).to_html()
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_input_is_never_replaced_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _one(tmp_path)
    before = Path(path).read_text()
    assert main(["recommend", path, "--html", path, "--force"]) == 2
    assert "it is the input file" in capsys.readouterr().err
    assert Path(path).read_text() == before


def test_a_symlink_target_is_not_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    link = tmp_path / "report.html"
    link.symlink_to(precious)
    assert main(["recommend", _one(tmp_path), "--html", str(link)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["recommend", _one(tmp_path), "--html", str(link), "--force"]) == 0
    assert precious.read_text() == "precious"  # the link was replaced, not its target
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("<!DOCTYPE")


def test_a_portfolio_checks_every_page_before_writing_any(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _files(tmp_path, [{**SMALL, "id": "a"}, {**SMALL, "id": "b"}])
    (tmp_path / "r-b.html").write_text("keep me")
    assert main(["recommend", path, "--html", str(tmp_path / "r.html")]) == 2
    assert "r-b.html already exists" in capsys.readouterr().err
    assert not (tmp_path / "r-a.html").exists()
    assert (tmp_path / "r-b.html").read_text() == "keep me"


def test_a_portfolio_that_fails_part_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from strategy_advisor.cli import running

    path, _ = _files(tmp_path, [{**SMALL, "id": "a"}, {**SMALL, "id": "b"}, {**SMALL, "id": "c"}])
    calls = []

    def fail_on_the_third(rec: Recommendation, *, how: str, titles: dict[str, str]) -> str:
        calls.append(rec.profile.id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return "<html>page</html>"

    monkeypatch.setattr(running, "_rendered", fail_on_the_third)
    assert main(["recommend", path, "--html", str(tmp_path / "r.html")]) == 130
    assert calls == ["a", "b", "c"]
    assert not list(tmp_path.glob("r-*.html")) and not list(tmp_path.glob(".*.tmp"))


def test_pages_are_named_by_safe_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiles = [{**SMALL, "id": "../../etc/passwd"}, SMALL, {**SMALL, "id": "team a/t-1"}]
    path, _ = _files(tmp_path, profiles)
    assert main(["recommend", path, "--html", str(tmp_path / "r.html"), "--today", TODAY]) == 0
    names = sorted(p.name for p in tmp_path.glob("r-*.html"))
    assert names == ["r-1.html", "r-_.._etc_passwd.html", "r-team_a_t-1.html"]
    assert "3 pages" in capsys.readouterr().out
