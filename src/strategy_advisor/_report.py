"""Presentation stage, HTML: the notebook fragment and the self-contained report page.

Both are pure functions of the recommendation and the wording :mod:`._render` gives them
(:class:`Summary`, so a sentence is written once for text, Markdown and HTML). Every text is
escaped; charts are inline SVG (:mod:`._displays`); the page has no script and no external
resource, so it can be mailed, attached to a ticket or printed as it is.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._displays import PLOT_EXTRA, CostVolumeDisplay, SensitivityDisplay, strategy_name
from ._errors import AdvisorError
from ._escape import printable
from ._format import format_value, usd
from ._types import Strategy

if TYPE_CHECKING:
    from ._recommendation import Recommendation

__all__ = ["Summary", "charts", "render_fragment", "render_page"]

_ORDER = (Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING)


def _E(text: str) -> str:  # noqa: N802 - the short name every cell calls
    """HTML text: control characters written as escapes (``--html -`` prints to a
    terminal), then ``& < > " '`` escaped."""
    return html.escape(printable(text))


_NUM = " class='num'"


@dataclass(frozen=True)
class Summary:
    """The wording shared by every format (written by ``_render``)."""

    headline: str
    decided: str  # what decided, in plain words
    runners_up: tuple[str, ...]  # the serving routes not chosen, with their totals
    lines: tuple[str, ...]  # quality, volume, token lengths
    score: str  # the decision score and whether it holds across ranges
    cost_rows: tuple[tuple[str, str, str], ...]
    tally: str


# ---------------------------------------------------------------------------- pieces


def _table(
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    cls: str = "",
    numeric: Sequence[int] = (),
) -> str:
    """A table of escaped cells; the first cell of each row is a row header."""
    attr = f" class='{cls}'" if cls else ""
    th = "".join(
        f"<th scope='col'{_NUM if i in numeric else ''}>{_E(h)}</th>" for i, h in enumerate(head)
    )
    body = []
    for row in rows:
        cells = [f"<th scope='row'>{_E(row[0])}</th>"]
        for i, cell in enumerate(row[1:], start=1):
            cells.append(f"<td{_NUM if i in numeric else ''}>{_E(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table{attr}><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_BADGE = "display:inline-block;font-size:0.78em;padding:0 6px;border-radius:8px;"
_BADGE_STYLE = {
    "decided": _BADGE + "background:#222;color:#fff",
    Strategy.FINE_TUNING.value: _BADGE + "background:#dbe9f6;color:#0b4a7d",
    Strategy.IN_CONTEXT_LEARNING.value: _BADGE + "background:#fde8d4;color:#8a4200",
}


def _badge(kind: str, text: str, inline: bool) -> str:
    look = f" style='{_BADGE_STYLE[kind]}'" if inline else ""
    return f"<span class='badge {kind}'{look}>{_E(text)}</span> "


def _reason_item(
    code: str, message: str, decisive: bool, favors: Strategy | None, *, inline: bool = False
) -> str:
    """One reason as a list item: badges (decided, the strategy it favours), code, text."""
    badges = _badge("decided", "decided", inline) if decisive else ""
    if favors is not None:
        badges += _badge(favors.value, strategy_name(favors), inline)
    return f"<li>{badges}<code>{_E(code)}</code> {_E(message)}</li>"


def charts(rec: Recommendation) -> tuple[str | None, str | None, str]:
    """The cost-against-volume chart and the sensitivity tornado as inline SVG (None where
    one cannot be drawn), and a note saying why not."""
    notes = []
    try:
        cost: str | None = CostVolumeDisplay.from_recommendation(rec).to_svg()
    except AdvisorError as exc:
        cost = None
        notes.append(f"No cost chart: {exc}.")
    sensitivity = SensitivityDisplay.from_recommendation(rec)
    tornado = sensitivity.to_svg() if sensitivity.bars.rows else None
    return cost, tornado, " ".join(notes)


_CHART_NOTE = (
    "Charts are inline SVG. Lines: each total at the point estimate, the prompt re-planned "
    "at each volume; shaded bands: its 80% interval over 50 of the simulation's draws (the "
    "cost table's interval uses all of them). Tornado: each estimate moved alone to the ends "
    "of its 80% interval; left of 0 favours prompting, right of 0 fine-tuning. For matplotlib "
    "figures: "
    "CostVolumeDisplay.from_recommendation(rec).plot() and "
    f"SensitivityDisplay.from_recommendation(rec).plot() ({PLOT_EXTRA})."
)


# --------------------------------------------------------------------------- fragment

_FRAGMENT_STYLE = (
    "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "line-height:1.4;max-width:1240px"
)


def render_fragment(rec: Recommendation, s: Summary) -> str:
    """The notebook display: verdict, costs with ranges, the decisive reasons, both charts
    (inline SVG) and the rule trace folded away. Inline styles only (a notebook's own
    stylesheet applies around it); no script, no id."""
    cell = "style='text-align:right;padding:2px 10px'"
    rows = "".join(
        f"<tr><th style='text-align:left;padding:2px 10px'>{_E(a)}</th><td {cell}>{_E(b)}</td>"
        f"<td {cell}>{_E(c)}</td></tr>"
        for a, b, c in s.cost_rows
    )
    decisive = [r for r in rec.reasons if r.decisive]
    others = [r for r in rec.reasons if not r.decisive]
    lead = "".join(_reason_item(r.code, r.message, True, r.favors, inline=True) for r in decisive)
    rest = "".join(_reason_item(r.code, r.message, False, r.favors, inline=True) for r in others)
    trace = "".join(
        f"<tr><td><code>{_E(o.code)}</code></td><td>{_E(o.status)}</td>"
        f"<td>{_E(o.message or '')}</td></tr>"
        for o in rec.trace
    )
    cost, tornado, missing = charts(rec)
    figures = "".join(
        f"<div style='flex:1 1 480px;min-width:320px'>{svg}</div>"
        for svg in (cost, tornado)
        if svg is not None
    )
    more = (
        f"<details><summary>{len(others)} more reasons and notes</summary><ul>{rest}</ul></details>"
        if others
        else ""
    )
    note = (missing + " " if missing else "") + _CHART_NOTE + " The full report: rec.to_html()."
    return (
        f"<div class='strategy-advisor' style=\"{_FRAGMENT_STYLE}\">"
        f"<p style='font-size:1.15em;margin:0.2em 0'><b>{_E(s.headline)}</b></p>"
        f"<p style='margin:0.2em 0 0.6em'>{_E(s.decided)}</p>"
        "<table><thead><tr><th></th><th style='text-align:right;padding:2px 10px'>fine-tuning"
        "</th><th style='text-align:right;padding:2px 10px'>prompting</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p style='margin:0.4em 0;font-size:0.9em'>{'<br>'.join(_E(x) for x in s.runners_up)}</p>"
        f"<p style='margin:0.8em 0 0.2em'><b>Why</b></p><ul style='margin-top:0'>{lead}</ul>"
        f"<p style='margin:0.2em 0 0.6em'>{'<br>'.join(_E(x) for x in s.lines)}</p>"
        f"{more}"
        f"<details><summary>How the score adds up</summary><p>{_E(s.score)}</p></details>"
        f"<div style='display:flex;flex-wrap:wrap;gap:12px;margin-top:0.6em'>{figures}</div>"
        f"<p style='font-size:0.85em;color:#555'>{_E(note)}</p>"
        f"<details><summary>{_E(s.tally)}</summary>"
        f"<table><tbody>{trace}</tbody></table></details>"
        "</div>"
    )


# ------------------------------------------------------------------------------- page

_CSS = """
:root{color-scheme:light}
body{margin:0;background:#f6f7f9;color:#1d1d1f;
 font:15px/1.5 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:1.6em;margin:0.2em 0}
h2{font-size:1.2em;margin:1.6em 0 0.5em;padding-bottom:0.2em;border-bottom:1px solid #ddd}
.meta{color:#555;margin:0}
.verdict{font-size:1.15em;margin:0.6em 0}
table{border-collapse:collapse;margin:0.4em 0 0.8em;font-size:0.93em}
th,td{padding:4px 10px;border-bottom:1px solid #e5e5e5;vertical-align:top;text-align:left}
thead th{border-bottom:2px solid #bbb}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-size:0.92em;background:#f1f1f3;padding:0 3px;border-radius:3px}
.badge{display:inline-block;font-size:0.78em;padding:0 6px;border-radius:8px;
 background:#eee;color:#333}
.badge.decided{background:#222;color:#fff}
.badge.fine_tuning{background:#dbe9f6;color:#0b4a7d}
.badge.in_context_learning{background:#fde8d4;color:#8a4200}
figure{margin:0.6em 0}
figcaption,.note{color:#555;font-size:0.88em}
.sources li{margin-bottom:0.4em;font-size:0.9em}
table.trace td:nth-child(5),table.policy td:nth-child(2){font-size:0.82em;color:#555}
table.trace td:nth-child(4){min-width:16em}
td{overflow-wrap:break-word}
th.num{text-align:right}
svg.sa-chart{display:block}
figure svg.sa-chart{max-width:100%;height:auto}
@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}
 table,figure{break-inside:avoid}}
"""


def _flip_table(rec: Recommendation) -> str:
    if not rec.flip_points:
        return (
            "<p>No single input changes the answer within its range "
            "(each searched alone on the real pipeline).</p>"
        )
    rows = [
        (f.label, f.field, f.current_text, f.text, strategy_name(f.becomes))
        for f in rec.flip_points
    ]
    return (
        "<p>Each input moved alone, everything else as given: at the value shown, and past "
        "it away from today's, the recommendation becomes the other strategy "
        "(<code>what_if</code> reproduces each).</p>"
        + _table(("input", "field", "now", "flips at", "becomes"), rows, numeric=(2, 3))
    )


def _sensitivity_table(rec: Recommendation) -> str:
    rows = [
        (
            r.input,
            r.low_label,
            r.high_label,
            f"{r.score_low:+.2f}",
            f"{r.score_high:+.2f}",
            f"{r.swing:.2f}",
            "yes" if r.flips else "no",
        )
        for r in rec.sensitivity
    ]
    head = (
        "estimate",
        "cheap end",
        "dear end",
        "score at cheap end",
        "score at dear end",
        "swing",
        "alone flips the answer",
    )
    return _table(head, rows, numeric=(3, 4, 5))


def _trace_table(rec: Recommendation) -> str:
    rows = []
    for o in rec.trace:
        seen = ", ".join(f"{k} = {format_value(v)}" for k, v in o.values.items())
        side = strategy_name(o.strategy) if o.strategy is not None else "-"
        rows.append(
            (
                o.code,
                o.status.replace("_", " "),
                f"{o.effect} ({side})",
                o.message or seen,
                o.source,
            )
        )
    head = ("rule", "status", "effect", "message, or the values it saw", "source")
    return _table(head, rows, cls="trace")


def _assumptions(rec: Recommendation) -> str:
    f = rec.features
    estimated = [
        (r.input, r.low_label, r.high_label) for r in rec.sensitivity if r.key != "quality"
    ]
    parts = []
    if estimated:
        parts.append(
            "<p>Estimates, not facts: the cost range and the sensitivity table move each to "
            "its cheap and dear end. Give your own value in the profile to make it a fact.</p>"
            + _table(("estimated input", "cheap end", "dear end"), estimated)
        )
    plan = []
    shots = f"{format_value(f.icl_shots, 'shots')} per prompt" + (
        f" (chosen: {f.icl_shots_reason})"
        if f.icl_shots_chosen and f.icl_shots_reason
        else " (chosen)"
        if f.icl_shots_chosen
        else " (given)"
    )
    plan.append(("prompt", shots))
    for s in _ORDER:
        plan.append((f"{strategy_name(s)} serving", rec.costs[s].serving.description))
    plan.append(("peak-to-average load", f"{f.peak_to_average_ratio:g}x"))
    if f.people_assumed:
        plan.append(("people's time", f"assumed hours ({f.people_assumed})"))
    plan.append(("horizon", f"{rec.profile.horizon_months:g} months"))
    plan.append(("evaluation date", rec.evaluation_date.isoformat()))
    parts.append(_table(("", "as used"), plan))
    policy = []
    for name, field in type(rec.policy).model_fields.items():
        policy.append((name, f"{getattr(rec.policy, name)!s}", field.description or ""))
    parts.append(
        "<p>Decision policy (how quality and cost trade off):</p>"
        + _table(("setting", "value", "meaning"), policy, cls="policy")
    )
    return "".join(parts)


def _sources(rec: Recommendation) -> str:
    found: dict[str, list[str]] = {}

    def add(what: str, source: str | None) -> None:
        if source and source != "unpriced":
            users = found.setdefault(source, [])
            if what not in users:
                users.append(what)

    for s in _ORDER:
        spec = rec.models[s]
        add(f"{spec.name} prices", spec.source)
        if spec.fine_tuning is not None:
            add(f"{spec.name} fine-tuning offer", spec.fine_tuning.source)
        for line in rec.costs[s].lines:
            add(f"{strategy_name(s)}: {line.name}", line.source)
    for o in rec.trace:
        if o.status == "fired":
            add(f"rule {o.code}", o.source)
    items = "".join(
        f"<li><b>{_E('; '.join(users))}</b>: {_E(source)}</li>" for source, users in found.items()
    )
    q = rec.quality
    tail = (
        f"<p class='note'>Quality model {_E(q.model_version)}; catalog as of "
        f"{_E(rec.catalog_as_of)}; strategy_advisor {_E(rec.library_version)}.</p>"
    )
    return f"<ul class='sources'>{items}</ul>{tail}"


def _cost_lines(rec: Recommendation) -> str:
    rows = []
    for s in _ORDER:
        for line in rec.costs[s].lines:
            rows.append(
                (
                    f"{strategy_name(s)}: {line.name}",
                    line.kind.replace("_", "-"),
                    usd(line.usd),
                    line.formula,
                )
            )
    return _table(("cost line", "kind", "amount", "how"), rows, numeric=(2,))


def render_page(rec: Recommendation, s: Summary) -> str:
    """The report: a self-contained HTML page for a design review (verdict, costs with
    ranges, reasons, cost against volume, flip points, sensitivity, rule trace,
    assumptions and sources). No script and no external resource."""
    cost, tornado, missing = charts(rec)
    reasons = "".join(_reason_item(r.code, r.message, r.decisive, r.favors) for r in rec.reasons)
    decisive = "".join(
        _reason_item(r.code, r.message, True, r.favors) for r in rec.reasons if r.decisive
    )
    cost_rows = _table(("", "fine-tuning", "prompting"), s.cost_rows, numeric=(1, 2))
    volume = (
        f"<figure>{cost}<figcaption>Each strategy's total over the horizon at each monthly "
        "volume, the prompt as planned and everything else as given; shaded: every estimated "
        "input at its cheap or dear end.</figcaption></figure>"
        if cost is not None
        else f"<p class='note'>{_E(missing)}</p>"
    )
    tornado_part = (
        f"<figure>{tornado}<figcaption>The decision score (log-odds for fine-tuning) with "
        "each estimate moved alone to its cheap and dear end; the dashed line is the score as "
        "given, the solid line the boundary between the two answers.</figcaption></figure>"
        if tornado is not None
        else ""
    )
    title = f"Fine-tune or prompt? {s.headline}"
    task = rec.profile.task_type.replace("_", " ")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_E(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>Fine-tune or prompt?</h1><p class='meta'>Task: {_E(task)}; "
        f"{_E(s.lines[1] if len(s.lines) > 1 else '')}; evaluated on "
        f"{rec.evaluation_date.isoformat()} with prices as of {_E(rec.catalog_as_of)}.</p>"
        "</header>"
        "<section id='verdict'><h2>Verdict</h2>"
        f"<p class='verdict'><b>{_E(s.headline)}</b></p>"
        f"<p>{_E(s.decided)}</p><ul>{decisive}</ul>"
        f"<p>{'<br>'.join(_E(x) for x in s.lines)}</p></section>"
        f"<section id='costs'><h2>Costs over {rec.profile.horizon_months:g} months</h2>"
        f"{cost_rows}<p class='note'>{'<br>'.join(_E(x) for x in s.runners_up)}</p></section>"
        f"<section id='volume'><h2>Cost against volume</h2>{volume}</section>"
        f"<section id='reasons'><h2>Reasons</h2><ul>{reasons}</ul>"
        f"<p class='note'>How the score adds up: {_E(s.score)}</p></section>"
        "<section id='flip-points'><h2>What would change the answer</h2>"
        f"{_flip_table(rec)}</section>"
        f"<section id='sensitivity'><h2>Sensitivity</h2>{tornado_part}"
        f"{_sensitivity_table(rec)}</section>"
        "<section id='cost-lines'><h2>Every cost line</h2><p>Each line of both bills, with "
        f"its formula (sources below).</p>{_cost_lines(rec)}</section>"
        f"<section id='rules'><h2>Rule trace</h2><p>{_E(s.tally)}</p>{_trace_table(rec)}"
        "</section>"
        f"<section id='assumptions'><h2>Assumptions</h2>{_assumptions(rec)}</section>"
        f"<section id='sources'><h2>Sources</h2>{_sources(rec)}</section>"
        f"<footer><p class='note'>{_E(_CHART_NOTE)}</p></footer>"
        "</main></body></html>\n"
    )
