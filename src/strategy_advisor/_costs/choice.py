"""Cost stage, the serving choice: each option's latency, timed where it is needed, and the
option each row is served by (the cheapest as likely as not to answer in time, else the
cheapest), for :func:`~.kernel.price` and :func:`~.kernel.serve_prompting`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from .._latency import (
    LATENCY_KNOBS,
    RouteFigures,
    RouteInputs,
    RouteLatency,
    batch_latency,
    hosted_figures,
    replica_figures,
    routes_latency,
)
from .._routes import at_slowness
from .._scenarios import Case, Scenarios
from .._types import BoolArray, FloatArray, IntArray, Strategy, nan_as
from .bills import PromptShape, ServingBill, full_rows

__all__ = ["latency_cannot_matter", "route_figures", "served", "timed_and_served"]


def _choose(totals: FloatArray, knowns: FloatArray, allowed: BoolArray) -> np.ndarray:
    """Per row, the cheapest option (rows of ``totals``: options): a priced total before
    an unpriced one, which ranks by its priced part; the first listed on a tie (an online
    price beats an equal batch price)."""
    priced = ~np.isnan(totals) & allowed
    by_total = np.argmin(np.where(priced, totals, np.inf), axis=0)
    by_known = np.argmin(np.where(allowed, np.nan_to_num(knowns, nan=np.inf), np.inf), axis=0)
    return np.asarray(np.where(priced.any(axis=0), by_total, by_known))


def route_figures(case: Case, o: ServingBill) -> RouteFigures | None:
    """The latency figures of an option's route: its hosted API, or its own replicas."""
    spec = case.side(o.strategy).spec
    if o.mode == "serverless" or spec.params_b is None:
        return hosted_figures(spec)
    return replica_figures(spec.params_b, o.gpu)


def _route_inputs(
    case: Case, s: Scenarios, o: ServingBill, shape: PromptShape, rows: IntArray | None
) -> tuple[RouteFigures | None, RouteInputs]:
    """The figures of an online route (None: its model's hosted figures stand in) and what
    its latency is computed from, in ``rows`` (None: every row;
    :func:`~.._latency.routes_latency`)."""
    tag = "icl" if o.strategy is Strategy.IN_CONTEXT_LEARNING else "ft"
    z = {k: s[f"{tag}_lat_{k}"] for k in LATENCY_KNOBS}
    z["e2e"] = s["lat_e2e_tail"]
    prompted = o.strategy is Strategy.IN_CONTEXT_LEARNING
    zero = np.zeros(1)
    figures = route_figures(case, o)
    utilisation = None
    if o.mode != "serverless" and figures is not None and figures.replica:
        peak = s["volume"] / case.seconds_per_month * s["peak_ratio"]
        per_request = np.where(
            np.isnan(o.capacity),
            o.replica_time.seconds if o.replica_time is not None else np.nan,
            s["utilization"] / o.capacity,
        )
        workers = o.replicas
        if o.cold_share is not None:  # a scale-to-zero worker runs whole while up
            workers = np.maximum(o.replicas_for_load, 1.0)
        utilisation = peak / np.maximum(workers, 1e-12) * per_request
    cold_ms = None
    if o.route is not None and o.route.cold_start_seconds is not None and o.cold_share is not None:
        cold_ms = 1000.0 * at_slowness(o.route.cold_start_seconds, s["cold_start_z"])
    return figures, RouteInputs(
        figures if figures is not None else hosted_figures(case.side(o.strategy).spec),
        z,
        prompt=o.input_tokens,
        prefix=shape.prefix if prompted else zero,
        hit_rate=shape.hit_rate if prompted else zero,
        output=o.output_tokens,
        budget=s["latency_budget_ms"],
        utilisation=utilisation,
        cold_share=o.cold_share,
        cold_start_ms=cold_ms,
        rows=rows,
    )


#: Latency computations (rows times each strategy's routes beyond its first) from which a
#: table's options are timed only where they could be served (:func:`_time_where_needed`):
#: a sweep's tables of 20,000 rows. Below it, one table of every option in every row is as
#: fast or faster: an answer's simulation (about 2,400 rows) timed lazily took -3% with six
#: routes beyond the first (product_routing) and +5% with contract_extraction's, where the
#: cheapest is often late (``benchmarks/bench_answer.py``, A/B in one process). A
#: performance setting, not a number of the answer, which is the same either way.
_TIMED_WHERE_NEEDED_FROM = 16_384


def _time_options(
    case: Case,
    s: Scenarios,
    options: list[ServingBill],
    shape: PromptShape,
    rows: list[IntArray | None] | None = None,
) -> None:
    """Every option's latency in every row (``rows``: each option's rows only; an option
    already timed keeps its other rows): a batch option's window, the others' routes
    computed together (:func:`~.._latency.routes_latency`)."""
    percentile = case.profile.latency_budget_percentile
    online, inputs = [], []
    for j, o in enumerate(options):
        idx = rows[j] if rows is not None else None
        if idx is not None and not len(idx):
            continue
        window = _batch_window(case, o)
        if window is not None:  # a window: every row at once
            if idx is None or o.latency is None:
                o.latency = batch_latency(o.input_tokens, o.output_tokens,
                                          s["latency_budget_ms"], window, percentile)  # fmt: skip
            continue
        figures, route = _route_inputs(case, s, o, shape, idx)
        o.figures = None if o.batch else figures
        online.append(o)
        inputs.append(route)
    if not online:
        return
    timings = routes_latency(inputs, percentile, n_rows=s.rows, period=s.period)
    for o, route, timed in zip(online, inputs, timings, strict=True):
        o.latency = timed if route.rows is None or o.latency is None else (
            _merged(o.latency, timed, route.rows)
        )  # fmt: skip


def _merged(old: RouteLatency, new: RouteLatency, rows: IntArray) -> RouteLatency:
    """``old`` with ``new``'s values in ``rows``."""

    def merge(name: str) -> FloatArray:
        out = np.array(getattr(old, name), dtype=np.float64)
        out[rows] = getattr(new, name)[rows]
        return out

    merged: dict[str, Any] = {name: merge(name) for name in _LATENCY_ARRAYS}
    return dataclasses.replace(old, **merged)


#: Every array of a route's latency (all its fields but the percentile).
_LATENCY_ARRAYS = tuple(f.name for f in dataclasses.fields(RouteLatency) if f.name != "percentile")


class _Ranked(NamedTuple):
    """A strategy's options side by side (options x rows)."""

    totals: FloatArray
    knowns: FloatArray  # the priced parts
    allowed: BoolArray


def _priced_part(s: Scenarios, o: ServingBill, total: FloatArray) -> FloatArray:
    """An option's priced part in every row: it counts only where the total is unpriced (in
    the choice and the decision); a priced total stands for it."""
    if not np.isnan(total).any():
        return total
    return full_rows(o.known_part(s["horizon_months"], s["volume"]), s.rows)


def _ranked(s: Scenarios, opts: list[ServingBill]) -> _Ranked:
    each = [full_rows(o.total(s["horizon_months"], s["volume"]), s.rows) for o in opts]
    return _Ranked(
        np.stack(each),
        np.stack([_priced_part(s, o, t) for o, t in zip(opts, each, strict=True)]),
        np.stack([np.broadcast_to(o.allowed, (s.rows,)) for o in opts]),
    )


def served(
    case: Case, s: Scenarios, opts: list[ServingBill], ranked: _Ranked | None = None,
    fast: BoolArray | None = None,
) -> tuple[np.ndarray, FloatArray, FloatArray]:  # fmt: skip
    """Per row, the option a strategy is served by: the cheapest of those as likely as not
    to meet the latency budget, else the cheapest (its index, read-only; its total; its
    priced part). ``ranked``: the options side by side, if already built; ``fast``: which
    options answer in time (options x rows), where only some were timed
    (:func:`_time_where_needed`: False where not timed; without it, an option without a
    latency answers in time)."""
    n = s.rows
    if len(opts) == 1:  # one option: served by it in every row
        only = np.zeros(n, dtype=np.intp)
        only.flags.writeable = False
        total = np.array(full_rows(opts[0].total(s["horizon_months"], s["volume"]), n))
        return only, total, np.array(_priced_part(s, opts[0], total))
    rows = np.arange(n)
    totals, knowns, allowed = ranked if ranked is not None else _ranked(s, opts)
    if fast is None:
        fast = np.stack([_answers_in_time(case, s, o, n) for o in opts])
    meets = allowed & fast
    allowed = np.where(meets.any(axis=0), meets, allowed)  # none meets it: the cheapest
    chosen = _choose(totals, knowns, allowed)
    chosen.flags.writeable = False  # Bills reads which option every row chose once
    return chosen, totals[chosen, rows], knowns[chosen, rows]


def _time_where_needed(
    case: Case, s: Scenarios, options: dict[Strategy, list[ServingBill]], shape: PromptShape
) -> dict[Strategy, tuple[_Ranked, BoolArray]]:
    """Time each strategy's options only where one could be served (:func:`served`): in
    each row its cheapest option first, and the others only in the rows where that one does
    not answer in time. An option dearer than one that answers in time is never served, so
    its latency there is not needed: NaN in the rows it is not timed in, and None (no
    latency, no figures) if it is timed in none. Only the served option's latency is read;
    the point's statement, which reads every option's, is a table of one row, always timed
    whole (:func:`timed_and_served`). Returns, per strategy, its options side by side and
    which of them answer in time (False where not timed)."""
    n = s.rows
    ranked = {k: _ranked(s, opts) for k, opts in options.items()}
    first = {k: _choose(*ranked[k]) for k in options}
    # a strategy with one route or none to time (the others at batch rates, whose window
    # times every row at once) has all its options timed in every row
    lazy = {k: _routes_to_time(case, opts) > 1 for k, opts in options.items()}
    everything = [o for opts in options.values() for o in opts]
    rows: list[IntArray | None] = [
        np.flatnonzero(first[k] == j) if lazy[k] else None
        for k, opts in options.items() for j in range(len(opts))
    ]  # fmt: skip
    _time_options(case, s, everything, shape, rows)
    timed = {
        k: np.stack([first[k] == j for j in range(len(opts))]) if lazy[k]
        else np.ones((len(opts), n), dtype=bool)
        for k, opts in options.items()
    }  # fmt: skip
    fast = {k: np.stack([_answers_in_time(case, s, o, n) for o in opts]) & timed[k]
            for k, opts in options.items()}  # fmt: skip
    late = {k: ~fast[k][first[k], np.arange(n)] for k in options}
    again: list[IntArray | None] = [
        np.flatnonzero(late[k] & ~timed[k][j]) for k, opts in options.items()
        for j in range(len(opts))
    ]  # fmt: skip
    if any(len(idx) for idx in again if idx is not None):
        _time_options(case, s, everything, shape, again)
        for k, opts in options.items():
            timed[k] |= late[k]
            fast[k] = np.stack([_answers_in_time(case, s, o, n) for o in opts]) & timed[k]
    return {k: (ranked[k], fast[k]) for k in options}


def _batch_window(case: Case, o: ServingBill) -> float | None:
    """The hours within which an option at batch rates answers (None: an online option, or
    a batch one whose window is unknown, timed on its route)."""
    return case.side(o.strategy).batch_window_hours if o.batch else None


def _routes_to_time(case: Case, opts: list[ServingBill]) -> int:
    """How many of a strategy's options are timed on a route (not by a batch window)."""
    return sum(_batch_window(case, o) is None for o in opts)


def timed_and_served(
    case: Case, s: Scenarios, options: dict[Strategy, list[ServingBill]], shape: PromptShape
) -> dict[Strategy, tuple[np.ndarray, FloatArray, FloatArray]]:
    """Each strategy's options timed and the option each row is served by
    (:func:`served`): in a large table where a strategy has several routes to time, only
    where needed (:func:`_time_where_needed`); a table of one row (the point, whose
    statement reads every option) always in full."""
    beyond_first = sum(max(_routes_to_time(case, opts) - 1, 0) for opts in options.values())
    if s.rows > 1 and s.rows * beyond_first >= _TIMED_WHERE_NEEDED_FROM:
        found = _time_where_needed(case, s, options, shape)
        return {k: served(case, s, opts, *found[k]) for k, opts in options.items()}
    _time_options(case, s, [o for opts in options.values() for o in opts], shape)
    return {k: served(case, s, opts) for k, opts in options.items()}


def latency_cannot_matter(s: Scenarios, options: list[ServingBill]) -> bool:
    """Every option answers in time in every row whatever its latency: no row has a
    latency budget and none waits for a scale-to-zero worker's cold start."""
    return bool(np.isnan(s["latency_budget_ms"]).all()) and all(
        o.cold_share is None for o in options
    )


def _answers_in_time(case: Case, s: Scenarios, o: ServingBill, n: int) -> BoolArray:
    """Rows where an option answers in time: likely (at least one half) to meet the latency
    budget; without a budget, unless a p95 request waits minutes for a scale-to-zero
    worker's cold start and the work is not declared offline (``allow_batch``)."""
    if o.latency is None:
        return np.ones(n, dtype=bool)
    likely = np.broadcast_to(nan_as(o.latency.within, 1.0) >= 0.5, (n,))
    if o.cold_share is None or case.profile.allow_batch is True:
        return likely
    no_budget = np.broadcast_to(np.isnan(s["latency_budget_ms"]), (n,))
    waits = np.broadcast_to(o.cold_share >= 0.05, (n,))
    return np.asarray(likely & ~(no_budget & waits))
