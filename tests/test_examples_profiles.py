"""The example profiles in examples/: each runs through the CLI, its bill adds up, and each
scenario shows the property a platform engineer would check first (examples/README.md).

support_tickets.json is tested in tests/test_cli.py (it counts tokens from a JSONL file).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if p.name != "support_tickets.json")
DAYS_PER_MONTH = 30.4375
SECONDS_PER_MONTH = DAYS_PER_MONTH * 86_400
STRATEGIES = ("fine_tuning", "in_context_learning")

Result = dict[str, Any]


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> Result:
    assert main(["recommend", str(path), "--json", "--today", "2026-12-01"]) == 0
    out: Result = json.loads(capsys.readouterr().out)
    return out


def _line(cost: Result, prefix: str) -> Result:
    (line,) = [ln for ln in cost["lines"] if ln["name"].startswith(prefix)]
    return line


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_runs_and_its_bill_adds_up(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = _run(path, capsys)
    months = rec["profile"]["horizon_months"]
    for name in STRATEGIES:
        cost = rec["costs"][name]
        assert cost["total_usd"] is not None, f"{path.name}: {name} unpriced {cost['unpriced']}"
        lines = [ln["usd"] for ln in cost["lines"]]
        assert None not in lines
        assert cost["total_usd"] == pytest.approx(sum(lines))
        assert cost["total_usd"] == pytest.approx(
            cost["one_time_usd"] + cost["monthly_usd"] * months
        )
        one_time = sum(ln["usd"] for ln in cost["lines"] if ln["kind"] == "one_time")
        assert cost["one_time_usd"] == pytest.approx(one_time)


# ------------------------------------------------------------------------- scenarios


def _product_routing(rec: Result) -> None:
    """300 categories at 20M requests/month: a warm cache, replicas sized by the peak."""
    f, icl, ft = rec["features"], rec["costs"]["in_context_learning"], rec["costs"]["fine_tuning"]
    # 7.6 requests/s on average keeps a 5-minute cache warm
    assert icl["cache_hit_rate"] > 0.95
    assert icl["cached_tokens_per_request"] == pytest.approx(
        f["icl_prefix_tokens"] * icl["cache_hit_rate"]
    )
    assert f["icl_prefix_tokens"] >= 3200  # the category list is in every prompt
    # a 1.5 s budget is an online service: no batch prices on either side
    assert not icl["serving"]["batch"] and not ft["serving"]["batch"]
    # the tuned model's replicas carry the peak: average x the assumed 3x ratio
    plan = ft["serving"]
    assert plan["mode"] in ("dedicated", "self_hosted", "endpoint")
    peak = 20_000_000 / SECONDS_PER_MONTH * 3.0
    assert plan["peak_requests_per_s"] == pytest.approx(peak)
    capacity = plan["requests_per_s_per_replica"]
    assert plan["replicas"] == max(1, math.ceil(peak / capacity))
    # 45,000 examples: the cookbook heuristic trains one epoch; a change every 90 days
    assert ft["training_tokens_per_run"] == pytest.approx(45_000 * 98 * 1)
    assert ft["training_runs"] == math.ceil(12 * DAYS_PER_MONTH / 90)  # 5


def _weekly_knowledge_qa(rec: Result) -> None:
    """Retrieved passages are priced on the prompted arm only; the tuned model retrains weekly."""
    f, icl, ft = rec["features"], rec["costs"]["in_context_learning"], rec["costs"]["fine_tuning"]
    assert icl["input_tokens_per_request"] == pytest.approx(f["icl_prefix_tokens"] + 2500 + 60)
    assert icl["cached_tokens_per_request"] <= f["icl_prefix_tokens"]  # passages never cached
    assert ft["input_tokens_per_request"] == pytest.approx(60)  # the question only
    runs = math.ceil(12 * DAYS_PER_MONTH / 7)  # 53
    assert ft["training_runs"] == runs
    assert ft["retraining_usd"] == pytest.approx((runs - 1) * ft["training_usd"])
    time = _line(ft, "retraining time")
    per_run = f["ft_hours_per_retraining"] * f["engineer_hourly_usd"]
    assert time["usd"] == pytest.approx((runs - 1) * per_run)
    assert not icl["serving"]["batch"]  # an 8 s chat budget
    # prompting pays for the weekly changes too: 52 revisions of 1 h
    revisions = _line(icl, "prompt revisions")
    assert revisions["usd"] == pytest.approx((runs - 1) * 1.0 * f["engineer_hourly_usd"])
    # the planner says why 8 demonstrations: the quality model (v3) learns that demonstrations
    # help the prompted arm (within matched comparisons), and 8 buy a point of expected gain
    # for a little more than 4 cost
    reason = f["icl_shots_reason"]
    assert f["icl_shots"] == 8
    assert "more than 4 demonstrations" in reason and "expected gain" in reason


def test_a_weekly_task_on_a_model_that_shuts_down_retrains_53_times(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Finding 4: weekly_knowledge_qa.json with gpt-4o-mini (shut down 2027-01-14, day 44):
    the retraining due on day 49 runs on the successor, so 53 runs, not 54."""
    profile = json.loads((ROOT / "examples" / "weekly_knowledge_qa.json").read_text())
    path = tmp_path / "weekly_4o_mini.json"
    path.write_text(json.dumps({**profile, "ft_model": "gpt-4o-mini"}))
    ft = _run(path, capsys)["costs"]["fine_tuning"]
    assert ft["training_runs"] == math.ceil(12 * DAYS_PER_MONTH / 7) == 53


def _contract_extraction(rec: Result) -> None:
    """12k-token contracts under a 5 s budget: a latency figure for both, no batch."""
    f = rec["features"]
    assert not f["icl_batch"] and not f["ft_batch"]
    for name in STRATEGIES:
        assert not rec["costs"][name]["serving"]["batch"]
        latency = rec["latency"][name]
        assert latency["total_ms"] is not None and latency["basis"] != "batch window"
    icl = rec["latency"]["in_context_learning"]
    # the whole contract is prefilled on every request
    assert icl["ttft_ms"] >= 1000 * 12_000 / icl["prefill_tokens_per_s"]
    assert f["icl_prompt_tokens"] >= 12_000 + 600
    ft = rec["costs"]["fine_tuning"]
    assert ft["training_tokens_per_run"] == pytest.approx(800 * 12_300 * 3)
    assert ft["training_runs"] == 1  # a stable schema: no retraining
    # the tuned 8B decodes at its measured low-load speed (NIM Llama-3.1-8B, concurrency 1,
    # 215.98 tokens/s, data/replica_latency.json) on the GPU it is served on, not a default
    tuned = rec["latency"]["fine_tuning"]
    if rec["costs"]["fine_tuning"]["serving"]["gpu"] == "H100 80GB":
        assert tuned["decode_tokens_per_s"] == pytest.approx(215.982721, rel=0.25)
    assert tuned["within_budget_probability"] > icl["within_budget_probability"]


def _tiny_internal_tool(rec: Result) -> None:
    """400 requests a month, 60 examples: fine-tuning's bill is people's time."""
    icl, ft = rec["costs"]["in_context_learning"], rec["costs"]["fine_tuning"]
    assert ft["people_usd"] > 0.5 * ft["total_usd"]
    assert ft["training_usd"] < 0.01 * ft["total_usd"]
    assert icl["requests_usd"] < 0.01 * icl["total_usd"]
    # one task among 25 on a shared deployment pays a share of one replica
    assert ft["serving"]["replicas"] == pytest.approx(1 / 25)
    assert icl["total_usd"] < ft["total_usd"]
    assert not icl["serving"]["batch"]  # the 10 s budget keeps it online


SCENARIOS: dict[str, Callable[[Result], None]] = {
    "product_routing.json": _product_routing,
    "weekly_knowledge_qa.json": _weekly_knowledge_qa,
    "contract_extraction.json": _contract_extraction,
    "tiny_internal_tool.json": _tiny_internal_tool,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_shows_what_it_models(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "examples" / name
    assert path in EXAMPLES
    SCENARIOS[name](_run(path, capsys))
