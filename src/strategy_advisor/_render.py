"""Presentation stage: a Recommendation as terminal text, Markdown and HTML (pure functions).

The wording lives here, once for every format; the HTML layout (the notebook fragment and
the report page, with their inline SVG charts) is in :mod:`._report`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ._costs.statement import replica_words
from ._escape import markdown, printable
from ._format import duration, format_value, percent, percentile_name, share, usd
from ._report import Summary, render_fragment, render_page
from ._types import Strategy

if TYPE_CHECKING:
    from ._costs import StrategyCost
    from ._latency import StrategyLatency
    from ._recommendation import Recommendation

__all__ = [
    "RecommendationDisplay",
    "render_html",
    "render_markdown",
    "render_notebook_html",
    "render_text",
]

_ORDER = (Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING)
_TAG = {Strategy.FINE_TUNING: "FT", Strategy.IN_CONTEXT_LEARNING: "ICL"}
_STRATEGY_NAME = {Strategy.FINE_TUNING: "fine-tuning", Strategy.IN_CONTEXT_LEARNING: "prompting"}
_TEXT_ROWS = 5  # flip points and sensitivity rows in the terminal text (all in the others)


def _ms(x: float | None) -> str:
    return "unknown" if x is None else format_value(x, "ms")


def _per_request(x: float | None) -> str:
    if x is None:
        return "unpriced"
    if x <= 0 or x >= 1:
        return usd(x)
    digits = 1 - math.floor(math.log10(x))  # two significant digits, no exponent ($0.028)
    return f"${x:.{digits}f}"


def _per_request_cell(c: StrategyCost) -> str:
    """The price of one request; where nothing is billed by the token (its own or a
    platform's GPUs, a dedicated deployment billed by the hour), says so."""
    if c.per_request_usd == 0 and c.serving.mode != "serverless" and c.hosting_usd:
        return "$0 (billed by the GPU hour)"
    return _per_request(c.per_request_usd)


def _cost_rows(rec: Recommendation) -> list[tuple[str, str, str]]:
    ft, icl = rec.costs[Strategy.FINE_TUNING], rec.costs[Strategy.IN_CONTEXT_LEARNING]
    lat_ft, lat_icl = rec.latency[Strategy.FINE_TUNING], rec.latency[Strategy.IN_CONTEXT_LEARNING]

    return [
        ("model", ft.model, icl.model),
        ("feasible", _yes(rec.feasible[Strategy.FINE_TUNING]),
         _yes(rec.feasible[Strategy.IN_CONTEXT_LEARNING])),
        ("serving", _serving_cell(ft), _serving_cell(icl)),
        ("tokens per request", _tokens_cell(ft, query_only=True), _tokens_cell(icl)),
        ("per request", _per_request_cell(ft), _per_request_cell(icl)),
        ("requests", usd(ft.requests_usd), usd(icl.requests_usd)),
        ("serving fees", _fees(ft), _fees(icl)),
        ("training (first run)", usd(ft.training_usd), "-"),
        *([(f"retraining ({_runs(ft.training_runs - 1)})", usd(ft.retraining_usd), "-")]
          if ft.training_runs > 1 else []),  # a stable task retrains never: no row
        ("people's time", usd(ft.people_usd), usd(icl.people_usd)),
        (f"total over {rec.profile.horizon_months:g} months", usd(ft.total_usd),
         usd(icl.total_usd)),
        (_interval_title(rec), _range_cell(ft), _range_cell(icl)),
        (f"latency per request ({percentile_name(lat_icl.budget_percentile)})",
         _latency_cell(lat_ft), _latency_cell(lat_icl)),
    ]  # fmt: skip


def runners_up(rec: Recommendation) -> list[str]:
    """The routes not chosen, one line each, with its total and why not ("fine-tuning,
    provider's dedicated deployment on 1x H100 80GB: $40k over the horizon")."""
    out = []
    for s in (Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING):
        for a in rec.costs[s].alternatives:
            if not a.chosen:
                batch = " at batch rates" if a.batch else ""
                out.append(f"{_STRATEGY_NAME[s]}, {a.route}{batch}: {a.note}")
    return out


def _pct(rec: Recommendation) -> str:
    return f"{round(100 * rec.uncertainty.interval_level)}%"


def _interval_title(rec: Recommendation) -> str:
    return f"median, {round(100 * rec.uncertainty.interval_level)}% interval"


def _range_cell(c: StrategyCost) -> str:
    if c.total_usd_low is None or c.total_usd_high is None or c.total_usd_median is None:
        return "unpriced"
    return f"{usd(c.total_usd_median)} ({usd(c.total_usd_low)}–{usd(c.total_usd_high)})"


def _serving_cell(c: StrategyCost) -> str:
    plan = c.serving
    if plan.mode == "serverless":
        return "serverless, batch" if plan.batch else "serverless"
    gpu = f" ({plan.gpu})" if plan.gpu and plan.mode in ("self_hosted", "endpoint") else ""
    if plan.cold_start_share is not None:
        return f"GPU endpoint{gpu}, scale-to-zero, billed {plan.replicas:.0%} of the time"
    count = replica_words(plan.replicas, plan.replicas_for_load, plan.replicas < 1)
    if plan.mode == "endpoint":
        count = count.replace("replica", "worker")
    where = {"dedicated": "dedicated", "self_hosted": "self-hosted"}.get(
        plan.mode, "GPU endpoint, always-on"
    )
    return f"{where}{gpu}, {count}"


def _fees(c: StrategyCost) -> str:
    return "-" if c.serving.mode == "serverless" else usd(c.hosting_usd)


def _latency_cell(lat: StrategyLatency) -> str:
    """The latency at the budget's percentile and, against a budget, how likely it is met
    (an estimate: a strategy stays feasible however unlikely, and the decision weighs it)."""
    if lat.basis == "batch window" and lat.total_ms is not None:
        return f"batch, within {lat.total_ms / 3_600_000:g} h"
    p = lat.within_budget_probability
    chance = f" (meets the budget: {share(p)})" if p is not None else ""
    return _ms(lat.total_ms) + chance


def _runs(k: int) -> str:
    k = max(k, 0)
    return f"{k} run" + ("" if k == 1 else "s")


def _tokens_cell(c: StrategyCost, *, query_only: bool = False) -> str:
    """A request's tokens; the tuned model's input is the query alone (it learned the
    instructions and the demonstrations)."""
    if c.input_tokens_per_request is None or c.output_tokens_per_request is None:
        return "unknown"
    text = f"{format_value(c.input_tokens_per_request, 'int')} in"
    if query_only:
        text += " (the query)"
    if c.cached_tokens_per_request:
        hits = f", {share(c.cache_hit_rate)} hits" if c.cache_hit_rate is not None else ""
        text += f" ({format_value(c.cached_tokens_per_request, 'int')} cached{hits})"
    text += f" / {format_value(c.output_tokens_per_request, 'int')} out"
    if c.reasoning_tokens_per_request:
        text += f" + {format_value(c.reasoning_tokens_per_request, 'int')} reasoning"
    return text


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


def _headline(rec: Recommendation) -> str:
    named = f" for {rec.profile.id}" if rec.profile.id is not None else ""
    return f"Recommendation{named}: {rec.strategy.label} (confidence {rec.confidence:.2f})"


def _quality_line(rec: Recommendation) -> str:
    q = rec.quality
    return (
        f"quality: fine-tuning {100 * q.p_fine_tuning_better:.0f}% likely to be better "
        f"(interval {100 * q.low:.0f}-{100 * q.high:.0f}%)"
    )


_KIND_WORDS = {
    "infeasible": "feasibility",
    "feasibility": "latency",
    "quality": "quality",
    "cost": "cost",
    "favor": "a rule",
}


def _decided_line(rec: Recommendation) -> str:
    """What decided, in plain words: the deciding rule when feasibility did, else which
    kinds of reasons weighed for the answer (quality, cost, latency, a rule)."""
    decisive = [r for r in rec.reasons if r.decisive]
    if rec.score.decided_by == "neither_feasible":
        return "Neither strategy is feasible as described; the lean below has low confidence."
    if not decisive:
        return "Decided by the balance of quality and cost (no single reason leads)."
    kinds: list[str] = []
    for r in decisive:
        word = _KIND_WORDS.get(r.kind, r.kind)
        if word not in kinds:
            kinds.append(word)
    lead = decisive[0]
    said = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return f"Decided by {said}: {lead.message}"


def _volume_line(rec: Recommendation) -> str:
    be = rec.break_even_requests_per_month
    parts = [f"volume {format_value(rec.profile.requests_per_month, 'int')} requests/month"]
    if be is not None:
        parts.append(f"break-even {format_value(be, 'int')} requests/month")
    elif any(rec.costs[s].total_usd is None for s in Strategy):
        parts.append("break-even unknown (unpriced)")
    else:
        parts.append("no break-even (fine-tuning is not cheaper per request)")
    if rec.payback_months is not None and rec.payback_days is not None:
        when = duration(rec.payback_months, rec.payback_days, rec.profile.horizon_months)
        parts.append(f"payback {when}")
    elif all(rec.costs[s].total_usd is not None for s in Strategy) and (
        (rec.costs[Strategy.IN_CONTEXT_LEARNING].monthly_usd or 0)
        > (rec.costs[Strategy.FINE_TUNING].monthly_usd or 0)
    ):
        parts.append(f"payback not within the {rec.profile.horizon_months:g}-month horizon")
    return "; ".join(parts)


def _tokens_line(rec: Recommendation) -> str:
    m = rec.profile.token_measurement
    f = rec.features
    if f.query_tokens is None or f.output_tokens is None:
        return "token lengths: not given (costs and latency unpriced)"
    text = (
        f"token lengths: query {format_value(f.query_tokens, 'int')}, output "
        f"{format_value(f.output_tokens, 'int')}, instructions "
        f"{format_value(f.instruction_tokens, 'int')}, {format_value(f.icl_shots, 'shots')}"
        + (" (chosen)" if f.icl_shots_chosen else "")
    )
    if m is None:
        return text + "; as given"
    if m.overridden:
        text += f" ({', '.join(m.overridden)} given, not measured)"
    band = f"±{100 * m.relative_error:.0f}%"
    if m.encoding == "estimate":
        how = (
            "estimated from UTF-8 bytes per script class (docs/tokens.md) on "
            f"{m.n_counted:,} of {m.n_examples:,} examples"
        )
        return f"{text}; {how} ({band})"
    how = f"counted with {m.encoding} on {m.n_counted:,} of {m.n_examples:,} examples"
    if m.exact and not m.relative_error:
        return f"{text}; {how} (exact)"
    if m.exact_for:  # exact for one model, a stand-in for the other's tokenizer
        stand_in = ", ".join(m.approximate_for)
        return (
            f"{text}; {how} (exact for {', '.join(m.exact_for)}; for {stand_in} "
            f"{m.encoding} stands in for its own tokenizer, {band})"
        )
    return f"{text}; {how} ({band})"


def _score_line(rec: Recommendation) -> str:
    sc, u = rec.score, rec.uncertainty
    text = (
        f"decision score {sc.total:+.2f} (log-odds for fine-tuning: quality "
        f"{sc.quality_log_odds:+.2f}, cost {sc.cost_term:+.2f}, rules {sc.rules_term:+.2f}"
        + (f", latency {sc.feasibility_term:+.2f}" if sc.feasibility_term else "")
        + ")"
    )
    if u.draws:
        pct = round(100 * u.interval_level)
        text += (
            f"; {pct}% interval {u.score_low:+.2f} to {u.score_high:+.2f} over {u.draws:,} "
            f"draws, fine-tuning the better choice in {percent(u.share_fine_tuning_better)}"
        )
    if sc.decided_by == "feasibility":
        text += "; decided by feasibility (a rule left one strategy)"
    elif sc.decided_by == "neither_feasible":
        text += "; neither strategy is feasible: the score only leans"
    return text


def _flip_rows(rec: Recommendation) -> list[tuple[str, str, str, str, str]]:
    """(input, field, now, flips at, becomes) for each flip point, nearest first."""
    return [
        (f.label, f.field, f.current_text, f.text, _STRATEGY_NAME[f.becomes])
        for f in rec.flip_points
    ]


def _sensitivity_rows(rec: Recommendation) -> list[tuple[str, str, str, str, str, str]]:
    """(estimate, cheap end, dear end, score at each end, swing), largest swing first."""
    return [
        (r.input, r.low_label, r.high_label, f"{r.score_low:+.2f}", f"{r.score_high:+.2f}",
         f"{r.swing:.2f}" + (" (flips)" if r.flips else ""))
        for r in rec.sensitivity
    ]  # fmt: skip


def _tally(rec: Recommendation) -> str:
    counts = {s: sum(o.status == s for o in rec.trace) for s in
              ("fired", "not_fired", "not_applicable")}  # fmt: skip
    return (
        f"Rules checked: {len(rec.trace)} ({counts['fired']} fired, {counts['not_fired']} not "
        f"fired, {counts['not_applicable']} not applicable)"
    )


def render_text(rec: Recommendation) -> str:
    """A readable plain-text summary for terminals."""
    rows = [("", "fine-tuning", "prompting"), *_cost_rows(rec)]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [_headline(rec), "  " + _decided_line(rec), ""]
    lines += [f"  {a:<{w0}}  {b:>{w1}}  {c}".rstrip() for a, b, c in rows]
    also = runners_up(rec)
    lines += (["", "  Also priced:"] + ["    " + x for x in also]) if also else []
    lines += ["", "  " + _quality_line(rec), "  " + _volume_line(rec)]
    lines += ["  " + _tokens_line(rec)]
    lines += ["", "Reasons (* decided; FT / ICL: the strategy a reason favours):"]
    for r in rec.reasons:
        star = "*" if r.decisive else " "
        tag = _TAG[r.favors] if r.favors is not None else ""
        lines.append(f" {star} {tag:<3} [{r.code}] {r.message}")
    lines += _text_section(
        "What would change the answer (each input alone; input: now -> flips at):",
        [f"{a}: {c} -> {d}, {e}" for a, _, c, d, e in _flip_rows(rec)],
        "rec.flip_points",
        "No single input changes the answer within its range.",
    )
    lines += _text_section(
        f"Sensitivity (decision score across each estimate's range; as given "
        f"{rec.score.total:+.2f}, above 0 favours fine-tuning):",
        [f"{a}: {b} {x}, {c} {y}; swing {w}" for a, b, c, x, y, w in _sensitivity_rows(rec)],
        "rec.sensitivity",
        None,
    )
    lines += ["", "How the score adds up: " + _score_line(rec), _tally(rec)]
    return "\n".join(printable(line) for line in lines)  # no control character, no line break


def _text_section(title: str, items: list[str], where: str, empty: str | None) -> list[str]:
    if not items:
        return ["", empty] if empty is not None else []
    out = ["", title] + [f"  {x}" for x in items[:_TEXT_ROWS]]
    if len(items) > _TEXT_ROWS:
        out.append(f"  ({len(items) - _TEXT_ROWS} more in {where})")
    return out


def _md_escape(text: str) -> str:
    return markdown(text)  # one line: newlines, pipes and control characters escaped


def render_markdown(rec: Recommendation) -> str:
    """Markdown for notebooks and reports (text is escaped)."""
    lines = [
        f"**{_md_escape(_headline(rec))}**",
        "",
        _md_escape(_decided_line(rec)),
        "",
        "| | fine-tuning | prompting |",
        "|---|---:|---:|",
    ]
    lines += [f"| {_md_escape(a)} | {_md_escape(b)} | {_md_escape(c)} |" for a, b, c in
              _cost_rows(rec)]  # fmt: skip
    lines += ["", *(_md_escape(x) + "  " for x in runners_up(rec))]
    lines += [
        _md_escape(_quality_line(rec)) + "  ",
        _md_escape(_volume_line(rec)) + "  ",
        _md_escape(_tokens_line(rec)),
    ]
    lines += ["", "**Reasons**", ""]
    for r in rec.reasons:
        lead = "**decided** " if r.decisive else ""
        lines.append(f"- {lead}`{_md_escape(r.code)}` {_md_escape(r.message)}")
    lines += ["", "**What would change the answer** (each input alone, everything else as "
              "given; `what_if` reproduces each)", ""]  # fmt: skip
    flips = _flip_rows(rec)
    if flips:
        lines += ["| input | field | now | flips at | becomes |", "|---|---|---:|---:|---|"]
        lines += [_md_row(row) for row in flips]
    else:
        lines.append("No single input changes the answer within its range.")
    lines += ["", f"**Sensitivity** (decision score, log-odds for fine-tuning, with each "
              f"estimate alone at the ends of its {_pct(rec)} interval; as given "
              f"{rec.score.total:+.2f}, above 0 favours fine-tuning)", ""]  # fmt: skip
    lines += [
        "| estimate | cheap end | dear end | score at cheap end | score at dear end | swing |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [_md_row(row) for row in _sensitivity_rows(rec)]
    lines += ["", "How the score adds up: " + _md_escape(_score_line(rec)), ""]
    lines += [_md_escape(_tally(rec))]
    return "\n".join(lines)


def _md_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(_md_escape(c) for c in cells) + " |"


def _summary(rec: Recommendation) -> Summary:
    return Summary(
        headline=_headline(rec),
        decided=_decided_line(rec),
        runners_up=tuple(runners_up(rec)),
        lines=(_quality_line(rec), _volume_line(rec), _tokens_line(rec)),
        score=_score_line(rec),
        cost_rows=tuple(_cost_rows(rec)),
        tally=_tally(rec),
    )


def render_notebook_html(rec: Recommendation) -> str:
    """The notebook display: verdict, costs with ranges, decisive reasons, the cost and
    sensitivity charts as inline SVG (escaped, no script, no external resource)."""
    return render_fragment(rec, _summary(rec))


def render_html(rec: Recommendation) -> str:
    """The report: a self-contained HTML page (charts inline, no script, no external
    resource) with the verdict, costs, reasons, flip points, sensitivity, rule trace,
    assumptions and sources."""
    return render_page(rec, _summary(rec))


class RecommendationDisplay:
    """How a recommendation shows itself: terminal text, Markdown, HTML (pure, escaped).

    A mixin (rich's ``JupyterMixin`` idea): the result model inherits it, so the result
    module never imports the renderer back.
    """

    __slots__ = ()

    def to_text(self) -> str:
        """A readable plain-text summary for terminals (what ``str(rec)`` prints)."""
        return render_text(self)  # type: ignore[arg-type]

    def to_markdown(self) -> str:
        """Markdown for tickets, wikis and notebooks (text is escaped)."""
        return render_markdown(self)  # type: ignore[arg-type]

    def to_html(self) -> str:
        """A self-contained HTML report for a design review: verdict, costs with ranges,
        reasons, cost against volume, flip points, sensitivity, rule trace, assumptions and
        sources; charts inline as SVG, no script, no external resource. Write it to a file
        and open it in a browser (``strategy-advisor recommend FILE --html OUT.html``)."""
        return render_html(self)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        """The notebook display (a fragment, not the whole page of :meth:`to_html`)."""
        return render_notebook_html(self)  # type: ignore[arg-type]
