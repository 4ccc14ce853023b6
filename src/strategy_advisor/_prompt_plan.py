"""Prompt planning: how many demonstrations the prompt carries when the profile does not say.

Candidates run from zero-shot up to the default count (one per class, capped), in steps of
about twice the last. A candidate must fit the context window and the latency budget; among
those that fit, the count kept is the one the decision itself scores best for prompting, so
more demonstrations are bought only when their quality gain is worth their cost on the
decision's own scale (``docs/costs.md``, "Demonstrations that fit"). Every row of a scenario
table is planned at once: each candidate is one more row for the pricing kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._costs import serve_prompting
from ._decision import DecisionPolicy, cost_scores, meeting_term
from ._features import shots_that_fit
from ._format import format_value, share, usd
from ._scenarios import Case, Scenarios
from ._types import FloatArray, quiet_floats

__all__ = ["Plan", "plan_prompt"]

_LADDER = np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])  # each about twice the last
#: A function of candidate prompts over rows: (examples, demonstrations) to fine-tuning's
#: expected gain over that prompt, points on 0-100.
GainOf = Callable[[FloatArray, FloatArray, FloatArray], FloatArray]


@dataclass
class Plan:
    """The demonstrations of each row's prompt, and why (for the first row, in words)."""

    shots: FloatArray
    planned: FloatArray  # the advisor's count before capping by examples or context
    wanted: FloatArray  # wanted before fitting the context window
    room: FloatArray  # the most that fit the context window (NaN: unknown)
    reason: str | None  # why the first row has this many (None: given, or not planned)


@quiet_floats
def plan_prompt(
    case: Case,
    s: Scenarios,
    *,
    policy: DecisionPolicy,
    gain_of: GainOf,
    explained: bool = True,
) -> Plan:
    """The demonstrations of every row: the given count, or the candidate the decision
    scores best for prompting among those that fit the context and the latency budget;
    with ``explained``, why the first row has its count, in words (``Plan.reason``).

    Each candidate is priced and timed on the route prompting would be served by with it
    (:func:`~._costs.serve_prompting`, as the cost stage serves it)."""
    n = s["n_examples"]
    q, o = s["query_tokens"], s["output_tokens"]
    demo = q + o
    fixed = s["instruction_tokens"] + s["retrieved_tokens"] + demo
    room = shots_that_fit(fixed, demo, case.icl.context_window)
    planned = np.full(s.rows, float(case.default_shots))
    given = s.full("icl_shots")
    given_rows = ~np.isnan(given)
    if given_rows.all():  # the profile (or its pilot) gives the demonstrations
        return _plan(s, given, given, given, room, None)
    wanted = np.where(given_rows, given, np.minimum(planned, n))
    top = np.where(np.isnan(room), wanted, np.minimum(wanted, room))
    if np.isnan(demo).all():
        return _plan(s, np.where(given_rows, given, top), planned, wanted, room, None)
    k = len(_LADDER) + 1
    cands = np.concatenate([np.broadcast_to(_LADDER, (s.rows, k - 1)), top[:, None]], axis=1)
    valid = np.concatenate([_LADDER[None, :] < top[:, None], np.ones((s.rows, 1), bool)], axis=1)
    # only the candidates that fit are priced (each row is what it is alone: the others
    # would only be discarded)
    fits = np.flatnonzero(valid)
    flat = s.take(fits // k)  # the row of each candidate that fits
    shots = cands.reshape(-1)[fits]
    # each candidate as prompting would be served with it: its total and its chance of
    # meeting the budget on that route (a batch answer meets any budget it is allowed for)
    shape, totals, chance = serve_prompting(case, flat, shots)
    within = chance >= 0.5  # as likely as not: fits
    gains = gain_of(flat["n_examples"], shots, flat["retrieved_tokens"])
    score = policy.quality_term_array(gains) + np.where(
        np.isnan(totals), 0.0, cost_scores(np.ones_like(totals), totals, policy)
    )
    score, totals, gains = (_spread(x, fits, valid.shape, np.nan) for x in (score, totals, gains))
    ok = valid & _spread(within, fits, valid.shape, False)
    # the best-scoring candidate that fits; where none is as likely as not to meet the
    # budget, the one that stands best with its chance of meeting it, as the decision weighs
    # it (ln P); on a tie the fewer demonstrations
    usable = valid & np.isfinite(score)  # (a score that is not a number ranks nowhere)
    none_fit = ~(ok & usable).any(axis=1)
    key = np.where(ok & usable, score, np.inf)
    chances = _spread(chance, fits, valid.shape, np.nan)
    standing = score - meeting_term(chances)
    key = np.where(none_fit[:, None], np.where(usable, standing, np.inf), key)
    order = np.lexsort((cands, key), axis=1)  # by score, then by count
    best = order[:, 0]
    rows = np.arange(s.rows)
    ranked = np.isfinite(key[rows, best])
    chosen = np.where(ranked, cands[rows, best], 0.0)  # none ranks: zero-shot
    chosen = np.where(np.isnan(demo), top, chosen)
    chosen = np.where(given_rows, given, chosen)
    if given_rows[0] or not explained:
        return _plan(s, chosen, planned, wanted, room, None)
    first = _spread(np.broadcast_to(shape.prefix, (flat.rows,)), fits, valid.shape, np.nan)[0]
    cached = _spread(np.broadcast_to(shape.cacheable, (flat.rows,)), fits, valid.shape, False)[0]
    reason = _reason_of_first(
        cands[0], valid[0], (ok & usable)[0], score[0], totals[0], gains[0], first, cached,
        room[0], wanted[0], float(s.full("latency_budget_ms")[0]), case,
        chances[0, best[0]] if ranked[0] else math.nan, int(chosen[0]),
    )  # fmt: skip
    return _plan(s, chosen, planned, wanted, room, reason)


def _plan(
    s: Scenarios, shots: FloatArray, planned: FloatArray, wanted: FloatArray, room: FloatArray,
    reason: str | None,
) -> Plan:  # fmt: skip
    """A plan with every array over every row (writable copies)."""

    def full(x: FloatArray) -> FloatArray:
        return np.array(np.broadcast_to(np.asarray(x, dtype=np.float64), (s.rows,)))

    return Plan(full(shots), full(planned), full(wanted), full(room), reason)


def _spread(
    values: np.ndarray, at: np.ndarray, shape: tuple[int, int], blank: float | bool
) -> np.ndarray:
    """A (rows, candidates) table with ``values`` at the flat positions ``at`` and
    ``blank`` elsewhere."""
    out = np.full(shape[0] * shape[1], blank, dtype=np.asarray(values).dtype)
    out[at] = values
    return out.reshape(shape)


@dataclass(frozen=True)
class _Candidate:
    score: float
    shots: int
    total: float | None
    gain: float  # fine-tuning's expected gain over this prompt, points on 0-100
    prefix_cached: bool
    prefix: float


def _reason_of_first(
    cands: FloatArray, valid: np.ndarray, ok: np.ndarray, score: FloatArray,
    totals: FloatArray, gains: FloatArray, prefix: FloatArray, cached: np.ndarray, room: float,
    wanted: float, budget: float, case: Case, chance: float, chosen: int,
) -> str | None:  # fmt: skip
    """Why the first row's prompt has the demonstrations it has (``chosen``, whose chance of
    meeting the latency budget is ``chance``), in words (its candidates' scores, totals,
    gains, prefixes and whether they are cached)."""
    fitting = [i for i in range(len(cands)) if valid[i]]
    within = [
        _Candidate(
            float(score[i]),
            int(cands[i]),
            None if np.isnan(totals[i]) else float(totals[i]),
            float(gains[i]),
            bool(cached[i]),
            float(prefix[i]),
        )
        for i in fitting
        if ok[i]
    ]
    if not within and math.isnan(chance):  # no candidate could be scored
        return f"no count could be scored against the {budget:,.0f} ms latency budget"
    if not within:
        one = chosen == 1
        return (
            f"no count is as likely as not to meet the {budget:,.0f} ms latency budget on "
            f"the route prompting is served by; {_count(chosen)} stand{'s' if one else ''} "
            f"best for prompting counted with {'its' if one else 'their'} chance of meeting "
            f"it there ({_below_half(chance)})"
        )
    ranked = sorted(within, key=lambda c: (c.score, c.shots))
    limits = []
    if not np.isnan(room) and room < wanted:
        limits.append(f"only {int(room)} of the {int(wanted)} wanted fit the context window")
    if len(within) < len(fitting) and not np.isnan(budget):
        most = max(c.shots for c in within)
        limits.append(f"more than {most} would exceed the {budget:,.0f} ms latency budget")
    return _why(ranked, limits, case.min_cacheable)


def _below_half(p: float) -> str:
    """A chance below one half, never rounded up to it (nor a vanishing one up to 0.1%)."""
    if not p >= 0.001:
        return "under 0.1%"
    text = share(p)
    return text if text != "50%" else f"{math.floor(p * 1000) / 10:.1f}%"


def _why(ranked: list[_Candidate], limits: list[str], minimum: int | None) -> str:
    """Why the best candidate won, on the decision's own scale: against the best-scoring
    count with fewer demonstrations and the best with more, where there are any."""
    best = ranked[0]
    suffix = f" ({'; '.join(limits)})" if limits else ""
    fewer = next((c for c in ranked if c.shots < best.shots), None)
    more = next((c for c in ranked if c.shots > best.shots), None)
    clauses = []
    if more is None:
        clauses.append("the most that fit" if limits else f"the {best.shots} wanted")
    if fewer is not None:
        clauses.append(_against(best, fewer, minimum))
    if more is not None:
        clauses.append(_against(best, more, minimum))
    return "; ".join(clauses) + suffix


def _count(k: int) -> str:
    return format_value(float(k), "shots")


def _gain(c: _Candidate) -> str:
    return f"fine-tuning's expected gain {c.gain:+.0f} points"


def _quality_change(best: _Candidate, other: _Candidate) -> str:
    if round(best.gain) == round(other.gain):
        return "no measurable change in the quality estimate"
    return f"{_gain(other)} instead of {best.gain:+.0f}"


def _against(best: _Candidate, other: _Candidate, minimum: int | None) -> str:
    """One clause: why ``best`` beats ``other``."""
    if best.total is None or other.total is None:
        return f"the best standing for prompting against {_count(other.shots)} (unpriced)"
    dearer = other.total > best.total
    amount = usd(abs(other.total - best.total))
    if round(abs(other.total - best.total), 2) == 0:  # the same to the cent (tokens unbilled)
        return (
            f"{_count(other.shots)} would cost the same ({usd(best.total)} over the horizon) "
            f"with {_quality_change(best, other)}"
        )
    if other.shots > best.shots:  # more demonstrations
        if dearer:
            return (
                f"{_count(other.shots)} would cost {amount} more for {_quality_change(best, other)}"
            )
        return f"{_count(other.shots)} would save {amount} but with {_quality_change(best, other)}"
    totals = f"({usd(best.total)} vs {usd(other.total)} over the horizon"
    totals += f", {amount} less)" if usd(best.total) == usd(other.total) else ")"
    if not dearer:  # fewer demonstrations were cheaper: quality bought the difference
        return (
            f"costing {amount} more than {_count(other.shots)} {totals}, worth it for "
            f"{_gain(best)} instead of {other.gain:+.0f}"
        )
    why = ""
    if best.prefix_cached and not other.prefix_cached and best.prefix:
        why = (
            f"the {best.prefix:,.0f}-token prefix reaches the {minimum or 0:,}-token "
            "cache minimum, "
        )
    return f"{why}cheaper than {_count(other.shots)} {totals}"
