"""Cost stage, the pricing kernel: both strategies' bills over arrays of scenarios (their
shape in ``bills``, the serving fees in ``fees``).

One function, :func:`price`, prices every serving option of both strategies for every row of
a :class:`~strategy_advisor._scenarios.Scenarios` table at once, and picks each strategy's
cheapest option per row that is likely to answer in time (``choice``: the options timed
where it is needed, and the choice). Everything that prices anything
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

from typing import NamedTuple

import numpy as np

from .._figures import Figure, middle
from .._latency import (
    hosted_figures,
    slowness_value,
)
from .._model_spec import ServingMode
from .._replica_time import ReplicaTime
from .._routes import Route, at_slowness
from .._scenarios import Case, Scenarios, SideFacts, epochs_heuristic
from .._serving import cache_hit_rates
from .._types import BoolArray, FloatArray, Strategy, nan_as, quiet_floats
from .bills import Bills, PromptShape, ServingBill, blank_bill, full_rows, own_weights
from .choice import latency_cannot_matter, route_figures, served, timed_and_served
from .fees import serving_fee

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
    figures = route_figures(case, o)
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
    if latency_cannot_matter(s, opts):  # the chance of meeting no budget: 1
        return ServedPrompt(shape, served(case, s, opts)[1], np.ones(n))
    chosen, total, _ = timed_and_served(case, s, {Strategy.IN_CONTEXT_LEARNING: opts}, shape)[
        Strategy.IN_CONTEXT_LEARNING
    ]
    within = np.stack([
        full_rows(nan_as(o.latency.within, 1.0) if o.latency is not None else 1.0, n)
        for o in opts
    ])  # fmt: skip
    return ServedPrompt(shape, total, within[chosen, np.arange(n)])


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
    if timed or not latency_cannot_matter(s, [*icl, *ft]):
        by = timed_and_served(case, s, options, shape)
    else:
        by = {k: served(case, s, opts) for k, opts in options.items()}
    n = s.rows
    chosen, total, known = {}, {}, {}
    for k in options:
        chosen[k], total[k], known[k] = by[k]
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
