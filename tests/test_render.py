"""Rendering: whole strings compared with golden files (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import Recommendation, Strategy, recommend
from strategy_advisor._format import usd

from .helpers import TODAY, offer, profile, spec

GOLDEN = Path(__file__).parent / "golden"

SCENARIOS: dict[str, dict[str, Any]] = {
    "high_volume": dict(latency_budget_ms=900.0, task_change_interval_days=60.0),
    "no_offer": dict(ft_model=spec("base-only", tunable=False), requests_per_month=5_000.0),
    "hosted_low_volume": dict(
        ft_model=spec("open-8b", fine_tuning=offer(hosting_usd_per_hour=8.0)),
        requests_per_month=2_000.0,
        icl_shots=4,
    ),
}


def _rec(name: str) -> Recommendation:
    return recommend(profile(**SCENARIOS[name]), today=TODAY)


def _check(name: str, suffix: str, text: str) -> None:
    path = GOLDEN / f"{name}.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_text_matches_golden(name: str) -> None:
    _check(name, "txt", str(_rec(name)))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_markdown_matches_golden(name: str) -> None:
    _check(name, "md", _rec(name)._repr_markdown_())


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_html_matches_golden(name: str) -> None:
    _check(name, "html", _rec(name)._repr_html_())


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_report_page_matches_golden(name: str) -> None:
    _check(name, "page.html", _rec(name).to_html())


def test_the_latency_row_gives_the_chance_of_meeting_a_budget() -> None:
    # an estimate never makes a strategy infeasible: the table says how likely it is met
    tight = recommend(profile(latency_budget_ms=900.0), today=TODAY)
    row = next(line for line in tight.to_text().splitlines() if "latency per request" in line)
    assert row.count("(meets the budget: ") == 2
    # no budget: the latency alone; a batch route: its window
    free = recommend(profile(), today=TODAY)
    row = next(line for line in free.to_text().splitlines() if "latency per request" in line)
    assert "meets the budget" not in row and row.rstrip().endswith(" ms")
    batched = spec(provider="OpenAI", cached_input_usd_per_mtok=None, batch_input_usd_per_mtok=0.5,
                   batch_output_usd_per_mtok=1.0)  # fmt: skip
    offline = recommend(profile(icl_model=batched, allow_batch=True), today=TODAY)
    row = next(line for line in offline.to_text().splitlines() if "latency per request" in line)
    assert row.rstrip().endswith("batch, within 24 h")


def test_repr_is_one_line() -> None:
    text = repr(_rec("high_volume"))
    assert "\n" not in text and text.startswith("<Recommendation ")


def test_html_and_markdown_escape_user_text() -> None:
    evil = "<script>alert(1)</script>|*x*"
    rec = recommend(profile(ft_model=spec(evil, tunable=False)), today=TODAY)
    out = rec._repr_html_()
    assert "<script>" not in out and html.escape("<script>") in out
    md = rec._repr_markdown_()
    assert "<script>" not in md and "\\|" in md


def test_rendering_has_no_side_effects() -> None:
    rec = _rec("high_volume")
    before = rec.model_dump_json()
    str(rec), rec._repr_html_(), rec._repr_markdown_(), rec.to_html()
    assert rec.model_dump_json() == before


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def test_notebook_display_shows_verdict_costs_with_ranges_reasons_and_two_charts() -> None:
    rec = _rec("high_volume")
    out = rec._repr_html_()
    assert not out.lstrip().startswith("<!DOCTYPE")  # a fragment, not a page
    ft, icl = rec.costs[Strategy.FINE_TUNING], rec.costs[Strategy.IN_CONTEXT_LEARNING]
    assert html.escape(f"confidence {rec.confidence:.2f}") in out
    assert f"{usd(ft.total_usd_low)}–{usd(ft.total_usd_high)}" in out
    assert f"{usd(icl.total_usd_low)}–{usd(icl.total_usd_high)}" in out
    for r in rec.reasons:
        if r.decisive:
            assert html.escape(r.message) in out
    svgs = _svgs(out)
    assert len(svgs) == 2
    assert "against monthly volume" in svgs[0] and "break-even" in svgs[0] and "today" in svgs[0]
    assert "decision score" in svgs[1]
    for svg in svgs:
        ET.fromstring(svg)
    assert "<script" not in out and " id=" not in out and "<style" not in out
    assert "pip install &#x27;strategy_advisor[plot]&#x27;" in out and ".plot()" in out


def test_report_page_is_self_contained_and_has_every_section() -> None:
    rec = _rec("high_volume")
    page = rec.to_html()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for section in (
        "verdict",
        "costs",
        "volume",
        "reasons",
        "flip-points",
        "sensitivity",
        "cost-lines",
        "rules",
        "assumptions",
        "sources",
    ):
        assert f"<section id='{section}'>" in page, section
    assert len(_svgs(page)) == 2
    for external in ("<script", "<link", "<img", "<iframe", " src=", "href=", "url(", "@import"):
        assert external not in page, external
    for o in rec.trace:
        assert f"<th scope='row'>{html.escape(o.code)}</th>" in page
    for f in rec.flip_points:
        assert html.escape(f.text) in page
    for row in rec.sensitivity:
        assert html.escape(row.input, quote=True) in page


def test_report_of_an_unpriced_recommendation_says_why_there_is_no_cost_chart() -> None:
    rec = _rec("no_offer")
    page = rec.to_html()
    assert "No cost chart: no cost curve: fine-tuning" in page
    assert "against monthly volume" not in page
    assert "No cost chart" in rec._repr_html_()


def test_report_page_escapes_user_text() -> None:
    evil = "<script>alert(1)</script>"
    rec = recommend(profile(ft_model=spec(evil, tunable=False)), today=TODAY)
    page = rec.to_html()
    assert "<script" not in page and html.escape(evil) in page


def test_markdown_has_flip_points_and_sensitivity_tables() -> None:
    rec = _rec("high_volume")
    assert rec.flip_points
    md = rec.to_markdown()
    assert "| input | field | now | flips at | becomes |" in md
    assert (
        "| estimate | cheap end | dear end | score at cheap end | score at dear end | swing |" in md
    )
    assert md.count("\n| ") >= len(rec.flip_points) + len(rec.sensitivity)
    assert "interval" in md  # the sensitivity table says which interval its ends are


def test_text_lists_the_nearest_flip_points_and_largest_swings() -> None:
    rec = _rec("high_volume")
    text = str(rec)
    assert "What would change the answer" in text and "Sensitivity" in text
    f = rec.flip_points[0]
    assert f"{f.label}: {f.current_text} -> {f.text}" in text
    assert rec.sensitivity[0].input in text
    steady = _rec("hosted_low_volume")
    assert not steady.flip_points
    expected = "No single input changes the answer within its range."
    assert expected in str(steady) and expected in steady.to_markdown()


def test_a_price_per_request_below_a_dollar_keeps_two_significant_digits() -> None:
    # $0.02837 read as "$0.03" was 6% off beside "$0.0026" for the other strategy
    from strategy_advisor._render import _per_request

    assert [_per_request(x) for x in (0.02837, 0.5, 0.0026, 0.000054, 0.0, 1.5, None)] == [
        "$0.028", "$0.50", "$0.0026", "$0.000054", "$0.00", "$1.50", "unpriced"
    ]  # fmt: skip


def test_a_request_billed_by_the_gpu_hour_says_so() -> None:
    # "$0.00" a request beside README's "never $0" read as a missing price: nothing is
    # billed by the token on a route whose GPUs are the bill
    from types import SimpleNamespace

    from strategy_advisor._render import _per_request_cell

    def cost(per: float | None, mode: str, hosting: float | None) -> Any:
        return SimpleNamespace(per_request_usd=per, serving=SimpleNamespace(mode=mode),
                               hosting_usd=hosting)  # fmt: skip

    assert _per_request_cell(cost(0.0, "endpoint", 11_676.0)) == "$0 (billed by the GPU hour)"
    assert _per_request_cell(cost(0.0, "serverless", None)) == "$0.00"  # a free API
    assert _per_request_cell(cost(0.000054, "serverless", None)) == "$0.000054"
    assert _per_request_cell(cost(None, "dedicated", None)) == "unpriced"
