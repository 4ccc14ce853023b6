"""Terminal text of the command line's own views: a portfolio's table and an explanation.

Pure functions of their inputs (the recommendation's own text, Markdown and HTML are its
renderer's).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._portfolio import Portfolio
    from .._recommendation import Recommendation

__all__ = ["explanation", "portfolio_table"]

_TABLE_HEADER = (
    "index",
    "line",
    "strategy",
    "confidence",
    "P(FT better)",
    "FT total",
    "ICL total",
    "break-even /month",
)


def portfolio_table(
    portfolio: Portfolio, lines: Sequence[int], where: str, today: dt.date, *, markdown: bool
) -> str:
    """One row per profile (its position, as in the CSV's ``index``, and its line), aligned
    text or a Markdown table, under a line counting each strategy."""
    from .._format import format_value, usd
    from .._types import Strategy

    rows = [list(_TABLE_HEADER)]
    for i, (line, row) in enumerate(zip(lines, portfolio.table(), strict=True)):
        be = row.break_even_requests_per_month
        rows.append(
            [
                str(i),
                str(line),
                row.strategy.label,
                f"{row.confidence:.2f}",
                f"{row.p_fine_tuning_better:.2f}",
                usd(row.ft_total_usd),
                usd(row.icl_total_usd),
                "-" if be is None else format_value(be, "int"),
            ]
        )
    counts = {s: sum(r.strategy is s for r in portfolio) for s in Strategy}
    title = (
        f"{len(portfolio)} profiles from {where}: {counts[Strategy.FINE_TUNING]} fine-tuning, "
        f"{counts[Strategy.IN_CONTEXT_LEARNING]} in-context learning (evaluated {today})"
    )
    if markdown:
        align = ["---" if c == "strategy" else "---:" for c in _TABLE_HEADER]
        out = [f"**{_md_escape(title)}**", "", _md_row(rows[0]), "|" + "|".join(align) + "|"]
        return "\n".join(out + [_md_row(r) for r in rows[1:]])
    return "\n".join([title, *_aligned(rows, "")])


def explanation(rec: Recommendation, titles: Mapping[str, str]) -> str:
    """Every rule checked (status, effect, message or title, the values it read), the flip
    points and the sensitivity table."""
    from .._types import Strategy

    tag = {Strategy.FINE_TUNING: "FT", Strategy.IN_CONTEXT_LEARNING: "ICL", None: "-"}
    s, u = rec.score, rec.uncertainty
    chosen = u.share_fine_tuning_better if rec.strategy is Strategy.FINE_TUNING else (
        1.0 - u.share_fine_tuning_better
    )  # fmt: skip
    lines = [
        rec.summary,
        f"  Decision score {s.total:+.2f} (log-odds for fine-tuning; above 0 favours it) = "
        f"quality {s.quality_log_odds:+.2f} + cost {s.cost_term:+.2f} + rules "
        f"{s.rules_term:+.2f}; {rec.strategy.label} is the better choice in "
        f"{100 * chosen:.0f}% of {u.draws:,} draws of the estimated inputs",
        "",
    ]
    counts = {k: sum(o.status == k for o in rec.trace) for k in
              ("fired", "not_fired", "not_applicable")}  # fmt: skip
    lines.append(
        f"Rule trace: {len(rec.trace)} rules, in order ({counts['fired']} fired, "
        f"{counts['not_fired']} not fired, {counts['not_applicable']} not applicable)"
    )
    code_w = max((len(o.code) for o in rec.trace), default=0)
    for o in rec.trace:
        text = o.message or titles.get(o.code, "")
        values = ", ".join(f"{k}={_value(v)}" for k, v in o.values.items())
        lines.append(
            f"  {o.status.replace('_', ' '):<14} {o.effect:<10} {tag[o.strategy]:<3} "
            f"{o.code:<{code_w}}  {text}" + (f" [{values}]" if values else "")
        )

    lines += ["", "Flip points: where one input alone, the others as given, changes the answer"]
    if not rec.flip_points:
        lines.append("  none: no single input within its range flips the answer")
    for fp in rec.flip_points:
        lines.append(
            f"  {fp.label} ({fp.field}): now {_value(fp.current)}; at {fp.text} it becomes "
            f"{fp.becomes.label}"
        )

    lines += [
        "",
        "Sensitivity: the decision score with each estimate alone at the ends of its "
        f"{round(100 * u.interval_level)}% interval, largest swing first",
    ]
    if not rec.sensitivity:
        lines.append("  no estimated inputs")
    else:
        rows = [["input", "cheap end", "score", "dear end", "score", "swing", ""]]
        rows += [
            [
                r.input,
                r.low_label,
                f"{r.score_low:+.2f}",
                r.high_label,
                f"{r.score_high:+.2f}",
                f"{r.swing:.2f}",
                "flips" if r.flips else "",
            ]
            for r in rec.sensitivity
        ]
        lines += _aligned(rows, "  ")
    return "\n".join(lines)


def _aligned(rows: list[list[str]], lead: str) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        (lead + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))).rstrip()
        for r in rows
    ]


def _md_escape(text: str) -> str:
    for ch in "\\|*_`[]<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_md_escape(c) for c in cells) + " |"


def _value(v: object) -> str:
    """A rule input or flip point's value: numbers grouped, other values as JSON writes them."""
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
