"""Cost stage, the pricing kernel: both strategies' bills over arrays of scenarios (their
shape in ``bills``, the serving fees in ``fees``).

One function, :func:`price`, prices every serving option of both strategies for every row of
a :class:`~strategy_advisor._scenarios.Scenarios` table at once, and picks each strategy's
cheapest option per row that is likely to answer in time. Everything that prices anything
calls it: the point estimate (one row), the simulation's draws, the flip search, the
break-even, the sensitivity table and the charts; the prompt planner's candidates go
through its prompting half, :func:`serve_prompting` (the same options, timing and choice).
The formulas are written out in ``docs/costs.md``; each line of a bill is one named array
here.

A total over ``H`` months at ``V`` requests a month is

    one-time + later training runs and their time + prompt changes + H·ops
      + H·(V·per-request + serving fee per replica-month · replicas(V))

with ``NaN`` wherever a price is unknown (the bill is unpriced, never $0).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from .._figures import Figure, middle
from .._latency import (
    LATENCY_KNOBS,
    RouteFigures,
    RouteInputs,
    RouteLatency,
    batch_latency,
    hosted_figures,
    replica_figures,
    routes_latency,
    slowness_value,
)
from .._model_spec import ServingMode
from .._replica_time import ReplicaTime
from .._routes import Route, at_slowness
from .._scenarios import Case, Scenarios, SideFacts, epochs_heuristic
from .._serving import cache_hit_rates
from .._types import FloatArray, Strategy, nan_as, quiet_floats
from .bills import Bills, BoolArray, PromptShape, ServingBill, blank_bill, full_rows, own_weights
from .fees import serving_fee

IntArray = np.ndarray  # of row indices

__all__ = [
    "bills_tokens",
    "changes_in_horizon",
    "hidden_reasoning",
    "price",
    "price_prompting",
    "prompt_shape",
    "reasoning_figure",
]

_MTOK = 1_000_000.0  # prices are per million tokens
_MS_PER_HOUR = 3_600_000.0
_UNKNOWN_TOKENS = "profile.avg_input_tokens/avg_output_tokens"


def _batch_allowed(case: Case, side: SideFacts, budget: FloatArray) -> BoolArray:
    """Batch is opt-in by evidence: ``allow_batch`` false never; true (the work is offline)
    unless a latency budget is given below the provider's window; None only when a budget
    is given and is at least the window. A budget with an unknown window never admits it,
    and the prices must be listed."""
    allow = case.profile.allow_batch
    choice = case.profile.ft_serving if side.strategy is Strategy.FINE_TUNING else (
        case.profile.icl_serving
    )  # fmt: skip
    if allow is False or choice not in ("cheapest", "serverless") or not side.batch_listed:
        return np.zeros(budget.shape, dtype=bool)
    window = side.batch_window_hours
    no_budget = np.isnan(budget)
    if window is None:
        return no_budget & (allow is True)
    return np.where(no_budget, allow is True, budget >= window * _MS_PER_HOUR)


def changes_in_horizon(s: Scenarios, days_per_month: float) -> FloatArray:
    """Scheduled task changes after the start and inside the horizon:
    ``ceil(horizon_days / interval) - 1`` (0 for a stable task, interval ∞)."""
    horizon_days = s["horizon_months"] * days_per_month
    interval = s["change_interval_days"]
    n = np.maximum(1.0, np.ceil(horizon_days / interval - 1e-9)) - 1.0
    return np.where(np.isinf(interval), 0.0, n)


@quiet_floats
def prompt_shape(case: Case, s: Scenarios, shots: FloatArray) -> PromptShape:
    """The prompted request with ``shots`` demonstrations, in every row."""
    q, o = s["query_tokens"], s["output_tokens"]
    demo = q + o
    prefix = s["instruction_tokens"] + shots * demo
    prompt = prefix + s["retrieved_tokens"] + q
    cached_price = s["icl_cached"]
    cacheable = ~np.isnan(cached_price) & (prefix > 0) & (prefix >= float(case.min_cacheable or 0))
    given = s["cache_hit_given"]
    rate = s["volume"] / case.seconds_per_month
    modelled = cache_hit_rates(rate, s["cache_idle_minutes"], case.cache_max_minutes)
    hit = np.where(cacheable, np.where(np.isnan(given), modelled, given), 0.0)
    hit = np.where(np.isnan(prefix), np.nan, hit)
    return PromptShape(
        shots=shots,
        demo=demo,
        prefix=prefix,
        prompt=prompt,
        context_needed=prompt + o,
        cacheable=cacheable,
        hit_rate=hit,
        cached_tokens=prefix * hit,
        batch=_batch_allowed(case, case.prompted, s["latency_budget_ms"]),
    )


def _shutdown_run(
    shutdown: float | None, horizon_days: FloatArray, changes: FloatArray, interval: FloatArray
) -> tuple[BoolArray, BoolArray]:
    """(the model shuts down inside the horizon, no scheduled change after the shutdown can
    take the move to a successor): a change at or after the shutdown is done on the
    successor and costs nothing extra."""
    if shutdown is None:
        false = np.zeros(horizon_days.shape, dtype=bool)
        return false, false
    moves = (shutdown > 0) & (shutdown < horizon_days)
    last_change = np.where(np.isinf(interval), 0.0, changes * np.where(np.isinf(interval), 0.0,
                                                                        interval))  # fmt: skip
    return moves, moves & ((changes == 0) | (shutdown > last_change))


# ----------------------------------------------------------------------------- prompting


def _icl_option(
    case: Case, s: Scenarios, shape: PromptShape, route: Route, batch: bool,
    changes: FloatArray, replica_times: dict[float, ReplicaTime],
) -> ServingBill:  # fmt: skip
    n = s.rows
    mode = route.mode
    o = blank_bill(Strategy.IN_CONTEXT_LEARNING, route, batch, n)
    out_tok = s["output_tokens"]
    o.input_tokens, o.output_tokens = shape.prompt, out_tok
    if np.isnan(shape.prompt).any():
        o.unpriced.append(_UNKNOWN_TOKENS)
    if batch:
        o.allowed = shape.batch
    o.reasoning_tokens = hidden_reasoning(case, s, o)
    rate = s["hourly_usd"]
    if bills_tokens(case, o):
        o.per_request = _icl_per_request(case, s, shape, o, batch)
    else:
        o.per_request = np.where(np.isnan(shape.prompt), np.nan, 0.0)
        o.sources["tokens"] = _OWN_WEIGHTS_TOKENS
    o.people_once = s["prompt_engineering_hours"] * rate
    horizon_days = s["horizon_months"] * case.days_per_month
    moves, extra = _shutdown_run(
        case.prompted.shutdown_in_days, horizon_days, changes, s["change_interval_days"]
    )
    revisions = changes
    if not own_weights(mode):
        o.migration_usd = np.where(moves, s["prompt_migration_hours"] * rate, 0.0)
        revisions = np.where(moves & ~extra, revisions - 1.0, revisions)
    o.revisions = revisions
    o.revision_usd = revisions * s["prompt_revision_hours"] * rate
    serving_fee(case, s, o, case.prompted, shape.prompt, replica_times)
    return o


def _icl_per_request(
    case: Case, s: Scenarios, shape: PromptShape, o: ServingBill, batch: bool
) -> FloatArray:
    spec = case.icl
    names = ("batch_input_usd_per_mtok", "batch_output_usd_per_mtok") if batch else (
        "input_usd_per_mtok", "output_usd_per_mtok"
    )  # fmt: skip
    missing = [f"{spec.name}.{n}" for n in names if getattr(spec, n) is None]
    if missing:
        o.unpriced.extend(missing)
        return np.full(s.rows, np.nan)
    full = s["icl_input"]
    i, out = (s["icl_batch_input"], s["icl_batch_output"]) if batch else (full, s["icl_output"])
    cached = shape.cacheable & (not batch or case.batch_stacks_with_cache)
    prompt, prefix = shape.prompt, shape.prefix
    out_tok = s["output_tokens"] + o.reasoning_tokens
    plain = (prompt * i + out_tok * out) / _MTOK
    scale = np.where(full > 0, i / full, 1.0)  # the batch discount applies to cache prices
    hit = s["icl_cached"] * scale
    write = np.where(np.isnan(s["icl_cache_write"]), full, s["icl_cache_write"]) * scale
    miss = (prefix * write + (prompt - prefix) * i + out_tok * out) / _MTOK
    discount = prefix * (write - hit) / _MTOK
    o.cached = cached
    o.hit_rate = np.where(cached, shape.hit_rate, np.where(np.isnan(prompt), np.nan, 0.0))
    what = "batch prices" if batch else "prices"
    if batch and case.batch_stacks_with_cache and shape.cacheable.any():
        what = "batch prices, cache prices at the batch discount"
    o.sources["tokens"] = f"{spec.name} {what} ({spec.source or 'given'})" + _reasoning_source(
        case, o
    )
    return np.where(cached, miss - discount * shape.hit_rate, plain)


def hidden_reasoning(case: Case, s: Scenarios, o: ServingBill) -> FloatArray:
    """The hidden reasoning tokens a request on this option decodes before its answer, at
    each row's slowness: its route's figure, the same number its latency decodes (billed at
    the output price where tokens are billed; 0 for a model that does not reason, and on a
    replica of an open model served as given)."""
    tag = "icl" if o.strategy is Strategy.IN_CONTEXT_LEARNING else "ft"
    return slowness_value(reasoning_figure(case, o), s[f"{tag}_lat_reasoning"])


def bills_tokens(case: Case, o: ServingBill) -> bool:
    """Whether an option bills its requests by the token (a per-token API, or a dedicated
    deployment that bills tokens), rather than by the GPU hour: how the options are priced,
    and whether the reasoning tokens they decode are billed."""
    if own_weights(o.mode):
        return False
    offer = case.ft.fine_tuning
    if o.strategy is Strategy.FINE_TUNING and o.mode == "dedicated":
        return offer is not None and offer.dedicated_bills_tokens
    return True


def reasoning_figure(case: Case, o: ServingBill) -> Figure:
    """The figure of the hidden reasoning tokens on an option's route (its range and basis)."""
    figures = _route_figures(case, o)
    if figures is None:
        figures = hosted_figures(case.side(o.strategy).spec)
    return figures.reasoning


def _reasoning_source(case: Case, o: ServingBill) -> str:
    """Where the billed reasoning tokens come from, for the requests' cost line ("" for a
    model that does not reason)."""
    f = reasoning_figure(case, o)
    if f.high <= 0:
        return ""
    if f.low >= f.high:
        return f"; hidden reasoning tokens billed as output: {f.low:,.0f} a request ({f.basis})"
    point = "" if f.point is not None else " (no published point: the middle of the range)"
    return (
        f"; hidden reasoning tokens billed as output: {middle(f):,.0f} a request{point}, "
        f"range {f.low:,.0f}-{f.high:,.0f} ({f.basis})"
    )


# ----------------------------------------------------------------------------- fine-tuning

#: The per-request source of a self-hosted model: no token is billed, the GPUs are.
_OWN_WEIGHTS_TOKENS = "self-hosted: no per-token price; the GPU hours are the serving fees"


def _ft_option(
    case: Case, s: Scenarios, route: Route, batch: bool, changes: FloatArray,
    epochs: FloatArray, replica_times: dict[float, ReplicaTime],
) -> ServingBill:  # fmt: skip
    n = s.rows
    mode = route.mode
    o = blank_bill(Strategy.FINE_TUNING, route, batch, n)
    spec = case.ft
    offer = spec.fine_tuning
    q, out_tok = s["query_tokens"], s["output_tokens"]
    o.input_tokens, o.output_tokens = q, out_tok
    if np.isnan(q).any() or np.isnan(out_tok).any():
        o.unpriced.append(_UNKNOWN_TOKENS)
    if batch:
        o.allowed = _batch_allowed(case, case.tuned, s["latency_budget_ms"])
    o.reasoning_tokens = hidden_reasoning(case, s, o)
    rate = s["hourly_usd"]
    if offer is None:
        o.unpriced.append(f"{spec.name}.fine_tuning (the model has no fine-tuning offer)")
        o.per_request = np.full(n, np.nan)
    elif not bills_tokens(case, o):
        o.per_request = np.where(np.isnan(q + out_tok), np.nan, 0.0)
        o.sources["tokens"] = _OWN_WEIGHTS_TOKENS if own_weights(mode) else (
            f"{spec.name}'s dedicated deployment: no per-token price, its GPU hours are the "
            f"serving fee ({offer.source or 'given'})"
        )  # fmt: skip
    else:
        names = ("batch_input_usd_per_mtok", "batch_output_usd_per_mtok") if batch else (
            "input_usd_per_mtok", "output_usd_per_mtok"
        )  # fmt: skip
        missing = [f"{spec.name}.fine_tuning.{n}" for n in names if getattr(offer, n) is None]
        if missing:
            o.unpriced.extend(missing)
            o.per_request = np.full(n, np.nan)
        else:
            i, out = (s["ft_batch_input"], s["ft_batch_output"]) if batch else (
                s["ft_input"], s["ft_output"]
            )  # fmt: skip
            o.per_request = (q * i + (out_tok + o.reasoning_tokens) * out) / _MTOK
            what = "batch prices" if batch else "prices"
            o.sources["tokens"] = f"tuned {spec.name} {what} ({offer.source or 'given'})" + (
                _reasoning_source(case, o)
            )  # fmt: skip
    horizon_days = s["horizon_months"] * case.days_per_month
    moves, extra = _shutdown_run(
        case.tuned.shutdown_in_days, horizon_days, changes, s["change_interval_days"]
    )
    runs = 1.0 + changes
    if not own_weights(mode):
        runs = np.where(moves & extra, runs + 1.0, runs)
    o.runs = runs
    tokens = s["n_examples"] * (q + out_tok) * epochs
    o.training_tokens = tokens
    o.training_run = _training_run(case, s, o, mode, tokens)
    o.people_once = (s["prompt_engineering_hours"] + s["ft_setup_hours"]) * rate
    o.people_per_retraining = s["ft_retraining_hours"] * rate
    serving_fee(case, s, o, case.tuned, q, replica_times)
    return o


def _training_run(
    case: Case, s: Scenarios, o: ServingBill, mode: ServingMode, tokens: FloatArray
) -> FloatArray:
    spec, offer = case.ft, case.ft.fine_tuning
    n = s.rows
    if offer is None:
        return np.full(n, np.nan)
    if own_weights(mode):
        if spec.params_b is None or case.training_seconds_per_token is None:
            o.unpriced.append(f"{spec.name}.params_b (needed to price self-hosted training)")
            return np.full(n, np.nan)
        per_token = case.training_seconds_per_token[0] * s["training_speed"]
        price = at_slowness(case.tuned.gpu_usd_per_hour, s["gpu_price_z"])
        node = case.tuned.gpus
        setup = s["self_hosted_setup_hours"]
        setup_source = case.assumptions.entry("self_hosted_training_setup_hours").source
        o.sources["training"] = (
            f"{case.tuned.gpu} at ${float(price[0]):g}/h ({case.tuned.gpu_source}); "
            f"{case.training_source}; plus {float(setup[0]):g} h of the {node}-GPU node per "
            f"run ({setup_source})"
        )
        return (tokens * per_token / 3600.0 + setup * node) * price
    if offer.training_usd_per_mtok is None:
        o.unpriced.append(f"{spec.name}.fine_tuning.training_usd_per_mtok")
        return np.full(n, np.nan)
    o.sources["training"] = f"{spec.name} training price ({offer.source or 'given'})"
    return tokens * s["ft_training"] / _MTOK


# -------------------------------------------------------------------------------- choice


def _choose(totals: FloatArray, knowns: FloatArray, allowed: BoolArray) -> np.ndarray:
    """Per row, the cheapest option (rows of ``totals``: options): a priced total before
    an unpriced one, which ranks by its priced part; the first listed on a tie (an online
    price beats an equal batch price)."""
    priced = ~np.isnan(totals) & allowed
    by_total = np.argmin(np.where(priced, totals, np.inf), axis=0)
    by_known = np.argmin(np.where(allowed, np.nan_to_num(knowns, nan=np.inf), np.inf), axis=0)
    return np.asarray(np.where(priced.any(axis=0), by_total, by_known))


def _options(case: Case, strategy: Strategy, batch_possible: bool) -> list[tuple[Route, bool]]:
    """Every (route, at batch rates) a strategy may be served on: a model its provider has
    already shut down only on the team's own weights, where it may be served so."""
    out: list[tuple[Route, bool]] = []
    side = case.side(strategy)
    routes = side.routes
    gone = side.shutdown_in_days is not None and side.shutdown_in_days <= 0
    own = [r for r in routes if own_weights(r.mode)]
    if gone and own:
        routes = tuple(own)
    for route in routes:
        out.append((route, False))
        if batch_possible and route.kind == "api":
            out.append((route, True))
    return out


@quiet_floats
def price_prompting(
    case: Case, s: Scenarios, shots: FloatArray, changes: FloatArray | None = None
) -> tuple[PromptShape, list[ServingBill]]:
    """The prompted request and every serving option of prompting, with ``shots``
    demonstrations in every row, priced (not yet timed)."""
    if changes is None:
        changes = changes_in_horizon(s, case.days_per_month)
    shape = prompt_shape(case, s, shots)
    batch = bool(shape.batch.any())
    replica_times: dict[float, ReplicaTime] = {}
    opts = [
        _icl_option(case, s, shape, route, b, changes, replica_times)
        for route, b in _options(case, Strategy.IN_CONTEXT_LEARNING, batch)
    ]
    return shape, opts


def _route_figures(case: Case, o: ServingBill) -> RouteFigures | None:
    """The latency figures of an option's route: its hosted API, or its own replicas."""
    spec = case.side(o.strategy).spec
    if o.mode == "serverless" or spec.params_b is None:
        return hosted_figures(spec)
    return replica_figures(spec.params_b, o.gpu)


def _route_inputs(
    case: Case, s: Scenarios, o: ServingBill, shape: PromptShape
) -> tuple[RouteFigures | None, RouteInputs]:
    """The figures of an online route (None: its model's hosted figures stand in) and what
    its latency is computed from (:func:`~.._latency.routes_latency`)."""
    tag = "icl" if o.strategy is Strategy.IN_CONTEXT_LEARNING else "ft"
    z = {k: s[f"{tag}_lat_{k}"] for k in LATENCY_KNOBS}
    z["e2e"] = s["lat_e2e_tail"]
    prompted = o.strategy is Strategy.IN_CONTEXT_LEARNING
    zero = np.zeros(1)
    figures = _route_figures(case, o)
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
    )


#: Latency computations (rows times each strategy's routes beyond its first) from which a
#: table's options are timed only where they could be served (:func:`_time_where_needed`):
#: below it, one table of every option in every row is faster than two smaller ones
#: (measured with ``benchmarks/bench_answer.py``: a performance setting, not a number of
#: the answer, which is the same either way).
_TIMED_WHERE_NEEDED_FROM = 8192


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
        window = case.side(o.strategy).batch_window_hours if o.batch else None
        if window is not None:  # a window: every row at once
            if idx is None or o.latency is None:
                o.latency = batch_latency(o.input_tokens, o.output_tokens,
                                          s["latency_budget_ms"], window, percentile)  # fmt: skip
            continue
        figures, route = _route_inputs(case, s, o, shape)
        o.figures = None if o.batch else figures
        route.rows = idx
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


_LATENCY_ARRAYS = ("median_ms", "p95_ms", "ttft_ms", "within", "cold", "target_ms", "speed",
                   "prefill")  # fmt: skip


class _Ranked(NamedTuple):
    """A strategy's options side by side (options x rows)."""

    totals: FloatArray
    knowns: FloatArray  # the priced parts
    allowed: BoolArray


def _ranked(s: Scenarios, opts: list[ServingBill]) -> _Ranked:
    months, volume = s["horizon_months"], s["volume"]
    n = s.rows

    def priced_part(o: ServingBill, total: FloatArray) -> FloatArray:
        # counts only where the total is unpriced (in the choice and the decision): a
        # priced total stands for it
        return full_rows(o.known_part(months, volume), n) if np.isnan(total).any() else total

    each = [full_rows(o.total(months, volume), n) for o in opts]
    return _Ranked(
        np.stack(each),
        np.stack([priced_part(o, t) for o, t in zip(opts, each, strict=True)]),
        np.stack([np.broadcast_to(o.allowed, (n,)) for o in opts]),
    )


def _served(
    case: Case, s: Scenarios, opts: list[ServingBill], ranked: _Ranked | None = None,
    fast: BoolArray | None = None,
) -> tuple[np.ndarray, FloatArray, FloatArray]:  # fmt: skip
    """Per row, the option a strategy is served by: the cheapest of those as likely as not
    to meet the latency budget, else the cheapest (its index, read-only; its total; its
    priced part). ``fast``: which options answer in time (options x rows), where only some
    were timed (:func:`_time_where_needed`)."""
    months, volume = s["horizon_months"], s["volume"]
    n = s.rows
    if len(opts) == 1:  # one option: served by it in every row
        only = np.zeros(n, dtype=np.intp)
        only.flags.writeable = False
        total = np.array(full_rows(opts[0].total(months, volume), n))
        known = full_rows(opts[0].known_part(months, volume), n) if np.isnan(total).any() else (
            total
        )  # fmt: skip
        return only, total, np.array(known)
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
    """Time each strategy's options only where one could be served (:func:`_served`): in
    each row its cheapest option first, and the others only in the rows where that one does
    not answer in time. An option dearer than one that answers in time is never served, so
    its latency there is not needed (it stays NaN; only the served option's is read, and
    the point's statement, a table of one row, times every option). Returns, per strategy,
    its options side by side and which of them answer in time (False where not timed)."""
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
    if any(len(idx) for idx in again if idx is not None):  # (a route without rows: none)
        _time_options(case, s, everything, shape, again)
        for k, opts in options.items():
            timed[k] |= late[k]
            fast[k] = np.stack([_answers_in_time(case, s, o, n) for o in opts]) & timed[k]
    return {k: (ranked[k], fast[k]) for k in options}


def _routes_to_time(case: Case, opts: list[ServingBill]) -> int:
    """How many of a strategy's options are timed on a route (not by a batch window)."""
    return sum(not (o.batch and case.side(o.strategy).batch_window_hours is not None)
               for o in opts)  # fmt: skip


def _timed_and_served(
    case: Case, s: Scenarios, options: dict[Strategy, list[ServingBill]], shape: PromptShape
) -> dict[Strategy, tuple[np.ndarray, FloatArray, FloatArray]]:
    """Each strategy's options timed and the option each row is served by
    (:func:`_served`): in a large table where a strategy has several routes to time, only
    where needed (:func:`_time_where_needed`)."""
    beyond_first = sum(max(_routes_to_time(case, opts) - 1, 0) for opts in options.values())
    if s.rows * beyond_first >= _TIMED_WHERE_NEEDED_FROM:
        found = _time_where_needed(case, s, options, shape)
        return {k: _served(case, s, opts, *found[k]) for k, opts in options.items()}
    _time_options(case, s, [o for opts in options.values() for o in opts], shape)
    return {k: _served(case, s, opts) for k, opts in options.items()}


class ServedPrompt(NamedTuple):
    """A prompt served as :func:`price` serves prompting, in every row."""

    shape: PromptShape
    total: FloatArray  # the total of the option each row is served by (NaN: unpriced)
    within: FloatArray  # that option's probability of meeting the latency budget (1: none)


@quiet_floats
def serve_prompting(case: Case, s: Scenarios, shots: FloatArray) -> ServedPrompt:
    """The prompted request with ``shots`` demonstrations in every row, priced, timed and
    served as :func:`price` serves prompting (the prompt planner weighs its candidates
    with it)."""
    shape, opts = price_prompting(case, s, shots)
    n = s.rows
    if _latency_cannot_matter(s, opts):  # the chance of meeting no budget: 1
        return ServedPrompt(shape, _served(case, s, opts)[1], np.ones(n))
    chosen, total, _ = _timed_and_served(case, s, {Strategy.IN_CONTEXT_LEARNING: opts}, shape)[
        Strategy.IN_CONTEXT_LEARNING
    ]
    within = np.stack([
        full_rows(nan_as(o.latency.within, 1.0) if o.latency is not None else 1.0, n)
        for o in opts
    ])  # fmt: skip
    return ServedPrompt(shape, total, within[chosen, np.arange(n)])


def _latency_cannot_matter(s: Scenarios, options: list[ServingBill]) -> bool:
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


@quiet_floats
def price(case: Case, s: Scenarios, shots: FloatArray, *, timed: bool = True) -> Bills:
    """Both strategies' bills in every row, each in its cheapest option there that meets the
    latency budget (as likely as not), else the cheapest. Without ``timed``, where no row
    has a budget, the options are not timed (their latency is unknown) unless one waits
    for cold starts: every route answers in time, and the choice is the same."""
    months, volume = s["horizon_months"], s["volume"]
    changes = changes_in_horizon(s, case.days_per_month)
    shape, icl = price_prompting(case, s, shots, changes)
    epochs = s["epochs"]
    epochs = np.where(np.isnan(epochs), epochs_heuristic(s["n_examples"], case.values), epochs)
    ft_batch = bool(_batch_allowed(case, case.tuned, s["latency_budget_ms"]).any())
    replica_times: dict[float, ReplicaTime] = {}
    ft = [
        _ft_option(case, s, route, b, changes, epochs, replica_times)
        for route, b in _options(case, Strategy.FINE_TUNING, ft_batch)
    ]
    options = {Strategy.IN_CONTEXT_LEARNING: icl, Strategy.FINE_TUNING: ft}
    if timed or not _latency_cannot_matter(s, [*icl, *ft]):
        served = _timed_and_served(case, s, options, shape)
    else:
        served = {k: _served(case, s, opts) for k, opts in options.items()}
    n = s.rows
    chosen, total, known = {}, {}, {}
    for k in options:
        chosen[k], total[k], known[k] = served[k]
    return Bills(
        prompt=shape,
        options=options,
        chosen=chosen,
        total=total,
        known=known,
        months=full_rows(months, n),
        volume=full_rows(volume, n),
        changes=full_rows(changes, n),
        epochs=full_rows(epochs, n),
    )
