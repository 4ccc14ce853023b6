"""Terminal text of the command line's own views: a portfolio's table and an explanation.

Pure functions of their inputs (the recommendation's own text, Markdown and HTML are its
renderer's).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._escape import markdown, printable

if TYPE_CHECKING:
    from .._portfolio import PortfolioRow, ProfileFailure
    from .._recommendation import Recommendation

__all__ = [
    "Entry",
    "explanation",
    "failure_text",
    "label",
    "markdown_head",
    "markdown_row",
    "markdown_tail",
    "portfolio_table",
    "tally",
]

_TABLE_HEADER = (
    "index",
    "line",
    "id",
    "strategy",
    "confidence",
    "P(FT better)",
    "FT total",
    "ICL total",
    "break-even /month",
)
_INVALID = "invalid"

#: One portfolio entry as the command line has it: (index, line, its result), the result a
#: ``PortfolioRow`` (tables), a rendering (JSON, HTML, explain) or a ``ProfileFailure``.
Entry = tuple[int, int, Any]


def _cells(entry: Entry) -> list[str]:
    from .._format import format_value, usd
    from .._portfolio import ProfileFailure

    index, line, item = entry
    named = "-" if item.id is None else printable(item.id)  # escaped before it is aligned
    if isinstance(item, ProfileFailure):
        return [str(index), str(line), named, _INVALID, *["-"] * 5]
    be = item.break_even_requests_per_month
    return [
        str(index),
        str(line),
        named,
        item.strategy.label,
        f"{item.confidence:.2f}",
        f"{item.p_fine_tuning_better:.2f}",
        usd(item.ft_total_usd),
        usd(item.icl_total_usd),
        "-" if be is None else format_value(be, "int"),
    ]


def _counted(counts: Mapping[str, int]) -> str:
    from .._types import Strategy

    text = (
        f"{counts[Strategy.FINE_TUNING.label]} fine-tuning, "
        f"{counts[Strategy.IN_CONTEXT_LEARNING.label]} in-context learning"
    )
    return text + (f", {counts[_INVALID]} invalid" if counts[_INVALID] else "")


def tally(items: Iterable[PortfolioRow | ProfileFailure]) -> dict[str, int]:
    """How many entries recommend each strategy, and how many are invalid (by label)."""
    from .._types import Strategy

    counts = {s.label: 0 for s in Strategy} | {_INVALID: 0}
    for item in items:
        counts[label(item)] += 1
    return counts


def label(item: PortfolioRow | ProfileFailure) -> str:
    """The strategy's label, or ``invalid``."""
    from .._portfolio import ProfileFailure

    return _INVALID if isinstance(item, ProfileFailure) else item.strategy.label


def portfolio_table(entries: Sequence[Entry], where: str, today: dt.date) -> str:
    """One row per profile (its position, as in the CSV's ``index``, and its line), aligned
    under a line counting each strategy; the ``id`` column when a profile has one, and the
    invalid lines' problems (``--keep-going``) below the table."""
    from .._portfolio import ProfileFailure

    with_ids = any(item.id is not None for _, _, item in entries)
    keep = [i for i in range(len(_TABLE_HEADER)) if with_ids or _TABLE_HEADER[i] != "id"]
    rows = [[_TABLE_HEADER[i] for i in keep]]
    rows += [[cells[i] for i in keep] for cells in map(_cells, entries)]
    title = (
        f"{len(entries)} profiles from {where}: {_counted(tally(e[2] for e in entries))} "
        f"(evaluated {today})"
    )
    out = [title, *_aligned(rows, "")]
    failures = [(line, item) for _, line, item in entries if isinstance(item, ProfileFailure)]
    if failures:
        out += ["", "Invalid lines (no recommendation):"]
        out += [f"  {failure_text(line, item)}" for line, item in failures]
    return "\n".join(printable(x) for x in out)


def failure_text(line: int, failure: ProfileFailure) -> str:
    """``line N (id X): the problem and its fix``."""
    named = f" (id {failure.id})" if failure.id is not None else ""
    return f"line {line}{named}: {failure.message}"


def markdown_head(where: str, today: dt.date) -> str:
    """A streamed Markdown table's title and header (rows follow as they are decided)."""
    align = ["---" if c in ("id", "strategy") else "---:" for c in _TABLE_HEADER]
    title = f"Profiles from {where} (evaluated {today})"
    rule = "|" + "|".join(align) + "|"
    return "\n".join([f"**{markdown(title)}**", "", _md_row(_TABLE_HEADER), rule])


def markdown_row(entry: Entry) -> str:
    """One row of the streamed table; an invalid line says why in its strategy cell."""
    from .._portfolio import ProfileFailure

    cells = _cells(entry)
    item = entry[2]
    if isinstance(item, ProfileFailure):
        cells[3] = f"{_INVALID}: {item.message}"
    return _md_row(cells)


def markdown_tail(counts: Mapping[str, int]) -> str:
    """The line after a streamed table: how many profiles, and their answers."""
    total = sum(counts.values())
    return f"\n**{total} profiles: {markdown(_counted(counts))}**"


def explanation(rec: Recommendation, titles: Mapping[str, str]) -> str:
    """Every rule checked (status, effect, message or title, the values it read), the flip
    points and the sensitivity table."""
    from .._format import percent
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
        f"{s.rules_term:+.2f}"
        + (f" + latency {s.feasibility_term:+.2f}" if s.feasibility_term else "")
        + f"; {rec.strategy.label} is the better choice in {percent(chosen)} of "
        f"{u.draws:,} draws of the estimated inputs",
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
    return "\n".join(printable(line) for line in lines)  # no control character, no line break


def _aligned(rows: list[list[str]], lead: str) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        (lead + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))).rstrip()
        for r in rows
    ]


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(markdown(c) for c in cells) + " |"


def _value(v: object) -> str:
    """A rule input or flip point's value: numbers grouped, other values as JSON writes them."""
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
