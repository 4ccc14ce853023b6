"""Portfolios a platform can run (issue 19.3, issue 18.4): rows written as they are
decided in flat memory, ids carried into every output, a bad line that becomes an error
row (``--keep-going``, ``errors="return"``) instead of ending the batch."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import os
import select
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import (
    CatalogError,
    ParameterError,
    ProfileError,
    ProfileFailure,
    Recommendation,
    iter_recommendations,
    recommend,
    recommend_many,
)
from strategy_advisor._portfolio import CSV_COLUMNS
from strategy_advisor.cli import main

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
BUSY = {**SMALL, "n_labeled_examples": 5000, "avg_input_tokens": 300, "requests_per_month": 2e7}
BAD = {**SMALL, "id": "t-2", "n_labeled_examples": -3}
UNKNOWN = {**SMALL, "id": "t-3", "icl_model": "gpt-9"}


def _counted(profiles: list[Any], pulled: list[int]) -> Iterator[Any]:
    for p in profiles:
        pulled.append(1)
        yield p


# ------------------------------------------------------------------------------ Python


def test_iter_recommendations_reads_one_profile_per_answer() -> None:
    pulled: list[int] = []
    stream = iter_recommendations(_counted([SMALL] * 5, pulled), today=DAY)
    first = next(stream)
    assert isinstance(first, Recommendation) and len(pulled) == 1
    assert len(list(stream)) == 4 and len(pulled) == 5


def test_iter_recommendations_keeps_nothing() -> None:
    refs = [weakref.ref(r) for r in iter_recommendations([SMALL, BUSY] * 10, today=DAY)]
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_iter_recommendations_in_parallel_gives_the_same_answers_in_order() -> None:
    profiles = [{**SMALL, "id": f"p{i}", "requests_per_month": 10.0**i} for i in range(6)]
    serial = [r.to_json() for r in iter_recommendations(profiles, today=DAY)]
    parallel = [r.to_json() for r in iter_recommendations(profiles, today=DAY, n_jobs=2)]
    assert parallel == serial


def test_iter_recommendations_on_a_backend_that_cannot_stream() -> None:
    # joblib's multiprocessing backend has no return_as="generator": the stream takes a few
    # chunks per worker at a time instead of failing with joblib's ValueError
    joblib = pytest.importorskip("joblib")
    profiles = [{**SMALL, "id": f"p{i}", "requests_per_month": 10.0**i} for i in range(6)]
    serial = [r.to_json() for r in iter_recommendations(profiles, today=DAY)]
    with joblib.parallel_config(backend="multiprocessing"):
        parallel = [r.to_json() for r in iter_recommendations(profiles, today=DAY, n_jobs=2)]
    assert parallel == serial


def test_errors_return_puts_a_failure_in_place() -> None:
    got = list(iter_recommendations([SMALL, BAD, UNKNOWN, [1]], today=DAY, errors="return"))
    assert [type(g).__name__ for g in got] == [
        "Recommendation", "ProfileFailure", "ProfileFailure", "ProfileFailure",
    ]  # fmt: skip
    bad, unknown, not_a_dict = got[1:]
    assert isinstance(bad, ProfileFailure) and isinstance(unknown, ProfileFailure)
    assert (bad.index, bad.id, bad.field, bad.error_type) == (
        1, "t-2", "n_labeled_examples", "ValidationError",
    )  # fmt: skip
    assert "greater than or equal to 0" in bad.message
    assert (unknown.index, unknown.id, unknown.field) == (2, "t-3", "icl_model")
    assert unknown.error_type == "CatalogError" and "'gpt-9'" in unknown.message
    assert "Did you mean" in unknown.message
    assert isinstance(not_a_dict, ProfileFailure) and not_a_dict.field is None
    assert ProfileFailure.model_validate_json(bad.model_dump_json()) == bad


def test_errors_raise_yields_what_comes_before_then_raises() -> None:
    stream = iter_recommendations([SMALL, BAD, SMALL], today=DAY)
    assert isinstance(next(stream), Recommendation)
    with pytest.raises(ProfileError, match=r"profiles\[1\] is not a valid profile") as info:
        next(stream)
    assert info.value.index == 1
    with pytest.raises(CatalogError, match="gpt-9"):
        list(iter_recommendations([UNKNOWN], today=DAY))


def test_recommend_many_errors_return() -> None:
    portfolio = recommend_many([SMALL, BAD, UNKNOWN, BUSY], today=DAY, errors="return")
    assert len(portfolio) == 4 and [f.index for f in portfolio.failures] == [1, 2]
    assert portfolio[3] == recommend(BUSY, today=DAY)
    assert len(portfolio.table()) == 2
    rows = list(csv.DictReader(io.StringIO(portfolio.to_csv())))
    assert [r["index"] for r in rows] == ["0", "1", "2", "3"]
    assert rows[1]["id"] == "t-2" and rows[1]["error_field"] == "n_labeled_examples"
    assert rows[1]["strategy"] == "" and "greater than or equal to 0" in rows[1]["error"]
    lines = portfolio.to_jsonl().splitlines()
    assert json.loads(lines[1])["error"]["field"] == "n_labeled_examples"
    assert json.loads(lines[0])["strategy"] in ("fine_tuning", "in_context_learning")
    parallel = recommend_many([SMALL, BAD, UNKNOWN, BUSY], today=DAY, errors="return", n_jobs=2)
    assert parallel.to_csv() == portfolio.to_csv()


def test_recommend_many_still_raises_by_default() -> None:
    with pytest.raises(ProfileError, match=r"profiles\[1\]"):
        recommend_many([SMALL, BAD], today=DAY)
    with pytest.raises(ParameterError, match="'errors' parameter must be 'raise' or 'return'"):
        recommend_many([SMALL], today=DAY, errors="ignore")  # type: ignore[call-overload]


def test_the_csv_columns() -> None:
    assert CSV_COLUMNS == (
        "index", "id", "strategy", "confidence", "p_fine_tuning_better", "ft_total_usd",
        "ft_total_usd_low", "ft_total_usd_high", "icl_total_usd", "icl_total_usd_low",
        "icl_total_usd_high", "break_even_requests_per_month", "deciding_reason",
        "ft_model", "icl_model", "error_field", "error",
    )  # fmt: skip
    rec = recommend({**SMALL, "id": "a"}, today=DAY)
    row = next(csv.DictReader(io.StringIO(recommend_many([rec.profile], today=DAY).to_csv())))
    assert row["id"] == "a" and row["deciding_reason"] == rec.deciding_reason
    assert rec.deciding_reason == next(r.code for r in rec.reasons if r.decisive)
    assert row["ft_model"] == rec.costs["fine_tuning"].model
    assert row["icl_model"] == rec.costs["in_context_learning"].model


def test_an_id_never_changes_the_answer_and_shows_in_text() -> None:
    plain = recommend(SMALL, today=DAY)
    named = recommend({**SMALL, "id": "ticket-42"}, today=DAY)
    assert named.strategy is plain.strategy and named.score == plain.score
    assert named.to_text().startswith("Recommendation for ticket-42: ")
    assert "for ticket-42" in named.to_markdown().splitlines()[0]
    assert '"id"' not in plain.to_json() and '"id": "ticket-42"' in named.to_json()


# ---------------------------------------------------------------------- command line


def _jsonl(tmp_path: Path, *profiles: object) -> str:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in profiles))
    return str(path)


def test_keep_going_writes_the_good_rows_and_an_error_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path, {**SMALL, "id": "t-1"}, BAD, UNKNOWN, {**BUSY, "id": "t-4"})
    assert main(["recommend", path, "--csv", "--today", TODAY]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "2 of 4 profiles" in err and "--keep-going" in err

    assert main(["recommend", path, "--csv", "--keep-going", "--today", TODAY]) == 2
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["index"], r["line"], r["id"]) for r in rows] == [
        ("0", "1", "t-1"), ("1", "2", "t-2"), ("2", "3", "t-3"), ("3", "4", "t-4"),
    ]  # fmt: skip
    assert rows[1]["error_field"] == "n_labeled_examples" and rows[1]["strategy"] == ""
    assert rows[2]["error_field"] == "icl_model" and "Did you mean" in rows[2]["error"]
    assert rows[3]["strategy"] in ("fine_tuning", "in_context_learning")
    assert rows[3]["deciding_reason"] and rows[3]["icl_model"]
    assert "2 of 4 profiles in" in err and "line 2 (id t-2): n_labeled_examples" in err


def test_keep_going_in_json_lines_text_markdown_and_explain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path, {**SMALL, "id": "t-1"}, BAD)
    assert main(["recommend", path, "--json", "--keep-going", "--today", TODAY]) == 2
    first, second = capsys.readouterr().out.splitlines()
    assert json.loads(first)["profile"]["id"] == "t-1"
    assert json.loads(second)["error"] == {
        "index": 1, "line": 2, "id": "t-2", "field": "n_labeled_examples",
        "message": "n_labeled_examples: Input should be greater than or equal to 0 (got -3)",
        "error_type": "ValidationError",
    }  # fmt: skip
    assert main(["recommend", path, "--keep-going", "--today", TODAY]) == 2
    out = capsys.readouterr().out
    assert "1 invalid" in out and "line 2 (id t-2): n_labeled_examples" in out
    assert main(["recommend", path, "--markdown", "--keep-going", "--today", TODAY]) == 2
    out = capsys.readouterr().out
    assert "| 1 | 2 | t-2 | invalid: n\\_labeled\\_examples" in out and "1 invalid" in out
    assert main(["explain", path, "--keep-going", "--today", TODAY]) == 2
    out = capsys.readouterr().out
    assert "== " in out and "invalid: line 2 (id t-2)" in out


def test_keep_going_with_a_line_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text(json.dumps(SMALL) + "\n{oops\n" + "\xff\n")
    path.write_bytes(path.read_bytes().replace("\xff".encode(), b"\xff"))
    assert main(["recommend", str(path), "--csv", "--keep-going", "--today", TODAY]) == 2
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "not valid JSON" in rows[1]["error"] and rows[1]["error_field"] == ""
    assert "not UTF-8" in rows[2]["error"]


def test_ids_name_the_html_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _jsonl(tmp_path, {**SMALL, "id": "t-1"}, SMALL, BAD)
    out = tmp_path / "r.html"
    assert main(["recommend", path, "--html", str(out), "--keep-going", "--today", TODAY]) == 2
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [f"wrote {tmp_path / 'r-t-1.html'}", f"wrote {tmp_path / 'r-1.html'}"]
    assert not (tmp_path / "r-t-2.html").exists()


def test_rows_are_written_as_they_are_decided(tmp_path: Path) -> None:
    """With --keep-going and a pipe in, the first row comes out before the input ends."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        [sys.executable, "-m", "strategy_advisor.cli", "recommend", "-", "--csv",
         "--keep-going", "--today", TODAY],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    ) as proc:  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps({**SMALL, "id": "one"}) + "\n").encode())
        proc.stdin.write((json.dumps({**SMALL, "id": "two"}) + "\n").encode())
        proc.stdin.flush()
        got = b""
        while got.count(b"\n") < 2:  # the header and the first row, the input still open
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            assert ready, f"no row within 120 s while the input is open; got {got!r}"
            got += os.read(proc.stdout.fileno(), 1 << 16)
        assert b"\n0,1,one," in got
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=120) == 0
    assert b"1,2,two," in got + rest
