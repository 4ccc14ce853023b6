"""Regenerate the worked example in docs/reading.md (``--check`` fails if it is stale)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from strategy_advisor import Strategy, TaskProfile, recommend, what_if

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reading.md"
EXAMPLE = ROOT / "examples" / "product_routing.json"
TODAY = dt.date(2026, 12, 1)
START, END = "<!-- worked-example:start -->", "<!-- worked-example:end -->"


def _usd(x: float | None) -> str:
    return "unpriced" if x is None else f"${x:,.0f}"


def example() -> str:
    """The worked example's Markdown: verdict, ranges, flip points checked, sensitivity."""
    profile = TaskProfile.model_validate(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    rec = recommend(profile, today=TODAY)
    ft, icl = rec.costs[Strategy.FINE_TUNING], rec.costs[Strategy.IN_CONTEXT_LEARNING]
    out = [
        f"**{rec.summary}**",
        "",
        "| strategy | total (point) | median | 80% interval |",
        "|---|---:|---:|---:|",
        f"| fine-tuning | {_usd(ft.total_usd)} | {_usd(ft.total_usd_median)} | "
        f"{_usd(ft.total_usd_low)}-{_usd(ft.total_usd_high)} |",
        f"| prompting | {_usd(icl.total_usd)} | {_usd(icl.total_usd_median)} | "
        f"{_usd(icl.total_usd_low)}-{_usd(icl.total_usd_high)} |",
        "",
        f"Decision score {rec.score.total:+.2f} (quality {rec.score.quality_log_odds:+.2f}, "
        f"cost {rec.score.cost_term:+.2f}, rules {rec.score.rules_term:+.2f}, latency "
        f"{rec.score.feasibility_term:+.2f}); over "
        f"{rec.uncertainty.draws:,} draws of the estimated inputs fine-tuning is the better "
        f"choice in {100 * rec.uncertainty.share_fine_tuning_better:.0f}% (80% interval of the "
        f"score {rec.uncertainty.score_low:+.2f} to {rec.uncertainty.score_high:+.2f}).",
        "",
    ]
    flip_reason = next((r for r in rec.reasons if r.code == "decision-flip-points"), None)
    if flip_reason is not None:
        out += [f"> {flip_reason.message}", ""]
    out += [
        "| flip point (`field`) | current | flips at | becomes | what_if there |",
        "|---|---:|---:|---|---|",
    ]
    for f in rec.flip_points:
        check = what_if(profile, {f.field: f.value}, today=TODAY).strategy
        out.append(
            f"| {f.label} (`{f.field}`) | {f.current_text} | {f.text} | {f.becomes.label} | "
            f"{check.label} |"
        )
    out += [
        "",
        "| estimate | cheap end | dear end | score there | swing | rank correlation |",
        "|---|---|---|---|---:|---:|",
    ]
    for row in rec.sensitivity[:8]:
        out.append(
            f"| {row.input} | {row.low_label} | {row.high_label} | "
            f"{row.score_low:+.2f} / {row.score_high:+.2f} | {row.swing:.2f} | "
            f"{row.rank_correlation:+.2f} |"
        )
    out += [
        "",
        "Read it as: the answer is as sure as its confidence, the flip points say how far "
        "each input would have to move alone to change it (and `what_if` confirms each), and "
        "the largest swings say which estimates to measure first.",
    ]
    return "\n".join(out)


def render(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{example()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/reading.md is stale")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if current != wanted:
            print("docs/reading.md is stale: run python scripts/gen_reading_example.py")
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
