"""Rendering: whole strings compared with golden files (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import Recommendation, recommend

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
    str(rec), rec._repr_html_(), rec._repr_markdown_()
    assert rec.model_dump_json() == before
