"""Reasons: why the decision came out as it did, in words with their numbers: feasibility
first, then the weighed factors by size (quality, cost, favouring rules, latency), then the
notes (whether the answer holds across the ranges, totals far from their medians, what
knowing more would be worth, the quality model's caveats, the rules' notes)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ._costs import CostComparison
from ._decision import Decision, Reason
from ._format import duration, format_value, percent, percentile_name, share, usd
from ._latency import StrategyLatency
from ._quality import QualityEstimate
from ._rules import RuleOutcome
from ._types import Strategy, construct
from ._uncertainty import SensitivityRow, Uncertainty, far_from_median, uncertainty_settings

__all__ = ["reasons_for"]


def _comparable_totals(costs: CostComparison) -> tuple[float, float, str | None] | None:
    """Totals to compare: both known, or one known and the other's priced part already
    larger (a lower bound that decides the comparison). The str names the bounded side."""
    ft, icl = costs.fine_tuning, costs.in_context_learning
    if ft.total_usd is not None and icl.total_usd is not None:
        return ft.total_usd, icl.total_usd, None
    ft_part, icl_part = ft.known_part_usd, icl.known_part_usd
    if icl.total_usd is not None and ft_part is not None and ft_part > icl.total_usd:
        return ft_part, icl.total_usd, "fine_tuning"
    if ft.total_usd is not None and icl_part is not None and icl_part > ft.total_usd:
        return ft.total_usd, icl_part, "in_context_learning"
    return None


def _reason(
    code: str,
    message: str,
    favors: Strategy | None,
    kind: Literal["infeasible", "favor", "note", "quality", "cost", "feasibility"],
    *,
    decisive: bool = False,
    weight: float = 0.0,
) -> Reason:
    return construct(
        Reason,
        code=code,
        message=message,
        favors=favors,
        kind=kind,
        decisive=decisive,
        weight=weight,
    )


def _cost_reason(costs: CostComparison, months: float) -> tuple[str, Strategy | None] | None:
    """The cost comparison's message and the strategy it favours (None: equal)."""
    totals = _comparable_totals(costs)
    if totals is None:
        return None
    ft, icl, bounded = totals
    cheaper = Strategy.FINE_TUNING if ft < icl else Strategy.IN_CONTEXT_LEARNING
    span = f"{months:g} month" + ("s" if months != 1 else "")
    at_least = {"fine_tuning": ("at least ", ""), "in_context_learning": ("", "at least ")}
    ft_q, icl_q = at_least.get(bounded or "", ("", ""))
    msg = f"Fine-tuning costs {ft_q}{usd(ft)} over {span} vs {icl_q}{usd(icl)} for prompting"
    if bounded is not None:
        side = costs.for_strategy(Strategy(bounded))
        msg += f" (unpriced: {', '.join(side.unpriced)}; the priced part already decides)"
    be = costs.break_even_requests_per_month
    if be is not None:
        msg += f"; break-even at {format_value(be, 'int')} requests/month"
        there = costs.break_even_icl_shots
        if there is not None:  # the prompt planned there is not today's
            msg += f" (with the prompt planned there: {format_value(there, 'shots')})"
    elif bounded is None and ft >= icl:
        msg += "; fine-tuning is never cheaper at any volume (its per-request cost is not lower)"
    elif bounded is None:  # cheaper here: at every volume, or past a step in replicas
        msg += "; no single break-even volume (the totals never cross continuously)"
    pay_months, pay_days = costs.payback_months, costs.payback_days
    if pay_months is not None and pay_days is not None and cheaper is Strategy.FINE_TUNING:
        msg += f"; the first training run pays back in {duration(pay_months, pay_days, months)}"
    elif (costs.savings_per_month_usd or 0) > 0 and pay_months is None:
        msg += f"; the first training run does not pay back within the {months:g}-month horizon"
    favors = cheaper if not math.isclose(ft, icl, rel_tol=1e-9) else None
    return msg + ".", favors


def _points(x: float) -> str:
    """A signed whole number of points with a real minus sign ("+4", "−2")."""
    r = round(x)
    return f"{'+' if r > 0 else '−' if r < 0 else '±'}{abs(r)}"


def _quality_reason(q: QualityEstimate) -> tuple[str, Strategy]:
    """The quality estimate's message and the strategy it favours (by the expected gain)."""
    p, g = q.p_fine_tuning_better, q.expected_gain_points
    favors = Strategy.FINE_TUNING if g > 0 else Strategy.IN_CONTEXT_LEARNING
    spread = f"{_points(q.gain_low_points)} to {_points(q.gain_high_points)}"
    size = (
        f"by about {abs(round(g))} point{'s' if abs(round(g)) != 1 else ''}"
        if g >= 0
        else f"but expected to score about {abs(round(g))} point"
        f"{'s' if abs(round(g)) != 1 else ''} lower"
    )
    msg = (
        f"Fine-tuning is {100 * p:.0f}% likely to be better (interval "
        f"{100 * q.low:.0f}-{100 * q.high:.0f}%), {size} ({spread} on a 0-100 scale)"
    )
    if q.pilot is not None:
        msg += (
            f", updated from {100 * q.pilot.p_before:.0f}% and "
            f"{_points(q.pilot.gain_before_points)} points by your pilot results"
        )
    return msg + ".", favors


def _range_reason(
    decision: Decision, costs: CostComparison, uncertainty: Uncertainty
) -> Reason | None:
    """How often the choice is the better one across the simulation's draws, with the
    totals' intervals (None when a rule left one strategy alone, or nothing was drawn)."""
    if decision.score.decided_by != "score" or not uncertainty.estimates:
        return None
    ft, icl = costs.fine_tuning, costs.in_context_learning
    if None in (ft.total_usd_low, ft.total_usd_high, icl.total_usd_low, icl.total_usd_high):
        return None
    pct = round(100 * uncertainty.interval_level)
    spans = (
        f"{pct}% intervals: fine-tuning {usd(ft.total_usd_low)}-{usd(ft.total_usd_high)}, "
        f"prompting {usd(icl.total_usd_low)}-{usd(icl.total_usd_high)} over the horizon"
    )
    chosen = decision.strategy
    share = uncertainty.share_fine_tuning_better
    if chosen is Strategy.IN_CONTEXT_LEARNING:
        share = 1.0 - share
    draws = f"{uncertainty.draws:,} draws of the estimated inputs"
    if share >= 0.5:
        return _reason(
            "decision-holds-across-ranges" if round(share, 2) >= 0.9 else "decision-uncertain",
            f"{chosen.label.capitalize()} is the better choice in {percent(share)} of "
            f"{draws} and of the quality gain ({spans}).",
            None,
            "note",
        )
    other = chosen.other
    return _reason(
        "decision-flips-inside-ranges",
        f"The point estimates favour {chosen.label}, but {other.label} is the better choice "
        f"in {percent(1 - share)} of {draws} and of the quality gain ({spans}): the "
        "confidence is one half. The sensitivity table names the inputs that move it most.",
        other,
        "note",
    )


def _far_from_median_reason(costs: CostComparison, uncertainty: Uncertainty) -> Reason | None:
    """Why a total as given lies far from its median over the draws, where one is at least
    ``far_from_median_ratio`` times the other (``data/uncertainty.json``): the estimated
    input that total moves with most, and the total's median over each half of that
    input's draws (by its percentile: nearer its cheap end, nearer its dear end)."""
    drivers = {d.strategy: d for d in uncertainty.total_drivers}
    said = []
    for s, name in ((Strategy.FINE_TUNING, "Fine-tuning"), (Strategy.IN_CONTEXT_LEARNING,
                                                             "Prompting")):  # fmt: skip
        cost = costs.for_strategy(s)
        point, median = cost.total_usd, cost.total_usd_median
        if point is None or median is None or not far_from_median(point, median):
            continue
        way = "above" if point > median else "below"
        text = f"{name}'s total as given, {usd(point)}, is far {way} its median over the draws, "
        text += f"{usd(median)}."
        driver = drivers.get(s)
        if driver is None:
            least = uncertainty_settings().far_from_median_min_correlation
            text += (
                " No single estimated input moves it most (none has a rank correlation of "
                f"{least:g} or more with it): several move it together."
            )
        elif driver.two_valued:
            text += (
                f" It moves most with {driver.input}, whose two published values disagree (rank "
                f"correlation {driver.rank_correlation:+.2f}): its median is "
                f"{usd(driver.median_low_usd)} in the draws at {driver.low_label} and "
                f"{usd(driver.median_high_usd)} in those at {driver.high_label}; the total as "
                "given prices it at their weighted mean."
            )
        else:
            text += (
                f" It moves most with {driver.input} (rank correlation "
                f"{driver.rank_correlation:+.2f}): its median is {usd(driver.median_low_usd)} "
                f"over the half of the draws nearer {driver.low_label}, "
                f"{usd(driver.median_high_usd)} over the half nearer {driver.high_label}."
            )
        said.append(text)
    if not said:
        return None
    return _reason(
        "costs-far-from-median",
        " ".join(said) + " A total as given has every estimate at its point value; the median "
        "and the interval come from the draws of every estimate across its range.",
        None,
        "note",
    )


def _reasoning_reason(
    costs: CostComparison, sensitivity: tuple[SensitivityRow, ...]
) -> Reason | None:
    """What to measure where a bill counts hidden reasoning tokens no one has measured and
    their range moves the decision (a row of the tornado)."""
    swings = {r.key: r.swing for r in sensitivity}
    said = []
    for s, name, tag in ((Strategy.IN_CONTEXT_LEARNING, "Prompting", "icl"),
                         (Strategy.FINE_TUNING, "Fine-tuning", "ft")):  # fmt: skip
        cost = costs.for_strategy(s)
        tokens, span = cost.reasoning_tokens_per_request, cost.reasoning_tokens_range
        swing = swings.get(f"latency.{tag}.reasoning")
        if not tokens or span is None or swing is None:
            continue
        said.append(
            f"{name}'s requests to {cost.model} are billed {format_value(tokens, 'int')} hidden "
            f"reasoning tokens each at the output price, an estimate (drawn from "
            f"{format_value(span[0], 'int')}-{format_value(span[1], 'int')}: no count per "
            "request is published for it at its default settings) that moves the decision "
            f"score by {swing:.2f} across its range."
        )
    if not said:
        return None
    return _reason(
        "costs-reasoning-estimated",
        " ".join(said) + " Measure usage.completion_tokens_details.reasoning_tokens on a "
        "sample of your own calls and give it as ModelSpec.reasoning_tokens.",
        None,
        "note",
    )


def _value_reason(uncertainty: Uncertainty, costs: CostComparison) -> Reason | None:
    """What knowing more would be worth, when it is worth a measurement."""
    evpi = uncertainty.evpi_usd
    ft, icl = costs.fine_tuning.total_usd, costs.in_context_learning.total_usd
    if evpi is None or ft is None or icl is None:
        return None
    settings = uncertainty_settings()
    threshold = max(settings.evpi_min_usd, settings.evpi_share_of_cheaper_total * min(ft, icl))
    if evpi < threshold:
        return None
    q, c = uncertainty.evpi_quality_usd or 0.0, uncertainty.evpi_costs_usd or 0.0

    parts = f"the quality gain alone {usd(q)}, the costs' estimated inputs alone {usd(c)}"
    # a part worth nothing: knowing it alone never changes the decision, however wide its range
    nothing = "".join(
        f" {said}"
        for worth, said in (
            (q, "Knowing the quality gain alone is worth nothing: alone, across its range, it "
                "never changes the answer."),
            (c, "Knowing the costs' estimated inputs alone is worth nothing: alone, across "
                "their ranges, they never change the answer."),
        )
        if worth < 0.005
    )  # fmt: skip
    if max(q, c) >= 0.5 * evpi and q >= c:
        what = (
            "measure the quality gain before deciding (score both strategies on a sample of "
            "your own examples and pass them as pilot=)"
        )
    elif max(q, c) >= 0.5 * evpi:
        what = "pin down the costs' estimates the sensitivity table ranks first"
    else:
        what = (
            "no single measurement settles it: the quality gain and the costs matter "
            "together (the sensitivity table ranks the inputs)"
        )
    return _reason(
        "decision-value-of-information",
        f"Deciding with everything known would be worth about {usd(evpi)} more than "
        f"deciding now ({parts}): {what}.{nothing}",
        None,
        "note",
    )


def _latency_reason(
    latency: Mapping[Strategy, StrategyLatency], budget_ms: float, term: float
) -> str:
    """How likely each strategy meets the budget, and what the decision makes of it."""
    parts = []
    named = percentile_name(latency[Strategy.IN_CONTEXT_LEARNING].budget_percentile)
    q = "the median" if named == "median" else named
    for s in (Strategy.IN_CONTEXT_LEARNING, Strategy.FINE_TUNING):
        lat = latency[s]
        p = lat.within_budget_probability
        if p is None or lat.p95_ms is None:
            continue
        name = "Prompting" if s is Strategy.IN_CONTEXT_LEARNING else "the tuned model"
        at = "" if q in ("p95", "the median") or lat.total_ms is None else (
            f"{q} about {format_value(lat.total_ms, 'ms')}, "
        )  # fmt: skip
        parts.append(
            f"{name} meets it with probability {share(p)} ({at}p95 about "
            f"{format_value(lat.p95_ms, 'ms')}, median {format_value(lat.median_ms, 'ms')})"
        )
    head = f"At {q} against the {format_value(budget_ms, 'ms')} budget: " + "; ".join(parts)
    how = "slightly " if abs(term) < 0.5 else ("strongly " if abs(term) >= 2.0 else "")
    toward = "fine-tuning" if term > 0 else "prompting"
    return (
        f"{head}. The decision weighs the two probabilities, which tip it {how}toward "
        f"{toward}; measure {'it' if q == 'the median' else 'the ' + q} on your own calls "
        "to settle it."
    )


def reasons_for(
    decision: Decision,
    quality: QualityEstimate,
    costs: CostComparison,
    outcomes: tuple[RuleOutcome, ...],
    months: float,
    uncertainty: Uncertainty,
    latency: Mapping[Strategy, StrategyLatency] | None = None,
    budget_ms: float | None = None,
    sensitivity: tuple[SensitivityRow, ...] = (),
) -> tuple[Reason, ...]:
    """Why: infeasibility first, then the weighed factors by size, then the notes
    (``sensitivity``: the tornado's rows, for the estimates that move the decision)."""
    strategy, feasible = decision.strategy, decision.feasible
    fired = [o for o in outcomes if o.status == "fired"]
    score = decision.score
    quality_term, cost_term = score.quality_log_odds, score.cost_term
    only_one = sum(feasible.values()) == 1
    out: list[Reason] = []
    if not any(feasible.values()):
        out.append(_reason(
            "decision-neither-feasible",
            "Neither strategy is feasible as described; the choice below weighs quality and "
            "cost anyway, with low confidence. Fix the blocking inputs first.",
            None, "note", decisive=True,
        ))  # fmt: skip
    for o in fired:
        if o.effect == "infeasible":
            favors = o.strategy.other if o.strategy is not None else None
            out.append(
                _reason(o.code, o.message or o.code, favors, "infeasible", decisive=only_one)
            )
    # (magnitude, code, message, favours, kind, signed weight), ordered by magnitude
    q_msg, q_favors = _quality_reason(quality)
    weighed: list[tuple[float, str, str, Strategy | None, Any, float]] = [
        (abs(quality_term), "quality-estimate", q_msg, q_favors, "quality", quality_term)
    ]
    c_reason = _cost_reason(costs, months)
    if c_reason is not None:
        c_msg, c_favors = c_reason
        weighed.append((abs(cost_term), "cost-comparison", c_msg, c_favors, "cost", cost_term))
    for o in fired:
        if o.effect == "favor":
            signed = o.weight if o.strategy is Strategy.FINE_TUNING else -o.weight
            weighed.append((o.weight, o.code, o.message or o.code, o.strategy, "favor", signed))
    term = score.feasibility_term
    if latency is not None and budget_ms is not None and abs(term) >= 0.005:
        msg = _latency_reason(latency, budget_ms, term)
        favors = Strategy.FINE_TUNING if term > 0 else Strategy.IN_CONTEXT_LEARNING
        weighed.append((abs(term), "feasibility-latency", msg, favors, "feasibility", term))
    weighed.sort(key=lambda item: -item[0])
    for magnitude, code, message, favors, kind, signed in weighed:
        decisive = (not only_one) and favors is strategy and magnitude > 0
        out.append(_reason(code, message, favors, kind, decisive=decisive, weight=signed))
    ranges = _range_reason(decision, costs, uncertainty)
    if ranges is not None:
        out.append(ranges)
    far = _far_from_median_reason(costs, uncertainty)
    if far is not None:
        out.append(far)
    reasoning = _reasoning_reason(costs, sensitivity)
    if reasoning is not None:
        out.append(reasoning)
    worth = _value_reason(uncertainty, costs)
    if worth is not None:
        out.append(worth)
    pilot_notes = [quality.pilot.message] if quality.pilot is not None else []
    other_notes = list(quality.notes)
    if quality.wide and other_notes:
        because = "; ".join(other_notes)
        out.append(
            _reason(
                "quality-uncertain",
                f"The quality estimate rests on thin evidence ({because}). Treat it as a prior: "
                "measure both strategies on your task and pass the scores as pilot=.",
                None,
                "note",
            )
        )
        other_notes = []
    for note in (*other_notes, *pilot_notes):
        out.append(_reason("quality-note", note, None, "note"))
    for o in fired:
        if o.effect == "note":
            out.append(_reason(o.code, o.message or o.code, None, "note"))
    return tuple(out)
