"""Latency stage: a request's median and p95 time on each serving route, and how likely
it is to meet the budget.

Hosted APIs (prompting, and a tuned model served by its provider per token) are timed from
published measurements (``data/hosted_latency.json``: time to first token at a short
prompt, its tail, output and prefill speed, hidden reasoning tokens); a tuned model on its
own replicas from measured replica figures at the load it carries
(``data/replica_latency.json``). Each figure is a range; the point estimate uses its point
(the middle of the range on the log scale where none is published), and the estimate of
each route carries the range: a *slowness* input per figure, 0 at the point, +1 at its
slow end and −1 at its fast end, which the simulation draws (triangular from −1 to +1). The
formula is :func:`~._request_latency.request_latency_ms`'s, over arrays of scenarios::

    median = TTFT + prefill + reasoning + answer
    p95    = TTFT x TTFT tail + (prefill + reasoning + answer) x end-to-end tail

The budget is compared with the latency at its percentile (the p95 unless the profile's
``latency_budget_percentile`` says otherwise; log-normal between the median and the p95).
Because the figures are estimates, meeting it is a probability: the log latency taken as
normal around the point with the spread the figures' ranges imply (delta method), so
``P = Phi((ln budget − ln latency) / sd)``, the same at the point and in every draw of the
simulation (around the draw's figures).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from pydantic import BaseModel, Field

from ._figures import Figure, slowness_value
from ._figures import middle as _middle
from ._route_figures import (
    RouteConstants,
    RouteFigures,
    hosted_figures,
    load_factors,
    replica_figures,
)
from ._types import RESULT, BoolArray, FloatArray, IntArray, Strategy, construct, quiet_floats

__all__ = [
    "LATENCY_KNOBS",
    "RouteFigures",
    "RouteInputs",
    "RouteLatency",
    "StrategyLatency",
    "batch_latency",
    "hosted_figures",
    "normal_cdf",
    "replica_figures",
    "routes_latency",
    "slowness_value",
]

_MS_PER_HOUR = 3_600_000.0
_SQRT2 = math.sqrt(2.0)
#: The slowness inputs of one strategy's latency (``{icl|ft}_lat_<name>``), and the shared
#: end-to-end tail (``lat_e2e_tail``).
LATENCY_KNOBS = ("ttft", "tail", "speed", "prefill", "reasoning")


class StrategyLatency(BaseModel):
    """One request's latency under one strategy, as served (``None``: lengths unknown)."""

    model_config = RESULT

    strategy: Strategy
    median_ms: float | None = Field(description="A typical request, end to end.")
    p95_ms: float | None = Field(description="The 95th percentile, end to end.")
    ttft_ms: float | None = Field(
        description="Median time to first token: the route's first-token time plus the prompt "
        "beyond the short prompt it was measured at."
    )
    total_ms: float | None = Field(
        description="End to end at the budget's percentile (latency_budget_percentile; the "
        "p95 unless said otherwise): what the budget is compared with."
    )
    budget_percentile: float = Field(
        95.0, description="The percentile the budget applies to (latency_budget_percentile)."
    )
    within_budget_probability: float | None = Field(
        description="Probability that the budget's percentile meets latency_budget_ms, given "
        "the ranges of "
        "the figures behind it (None: no budget, or lengths unknown)."
    )
    within_budget: bool | None = Field(
        description="The point estimate at the budget's percentile is within the budget "
        "(None: unknown)."
    )
    prefill_tokens_per_s: float = Field(description="Marginal prompt tokens/s (point).")
    decode_tokens_per_s: float = Field(description="Output tokens/s per request (point).")
    throughput_source: str = Field(description="Where the figures come from, in words.")
    basis: str = Field(
        description="What the p95 assumes: a cached prefix (95% or more of requests hit the "
        "cache), an uncached one, no prefix, a batch window, or a cold start."
    )


@functools.cache
def _percentile_exponent(percentile: float) -> float:
    """The exponent that takes the p95/median ratio to the budget's percentile (log-normal
    between the median and the p95)."""
    return NormalDist().inv_cdf(percentile / 100.0) / NormalDist().inv_cdf(0.95)


def normal_cdf(z: FloatArray) -> FloatArray:
    """Standard normal CDF over arrays, ``erfc(−z/√2) / 2`` with Numerical Recipes' Chebyshev
    ``erfcc`` (fractional error under 1.2e-7 everywhere; a probability to quote, not a
    p-value's tail).

    Examples
    --------
    >>> [round(float(p), 6) for p in normal_cdf(np.array([-1.959964, 0.0, 1.644854]))]
    [0.025, 0.5, 0.95]
    >>> normal_cdf(0.0).shape, normal_cdf(np.zeros((2, 3))).shape
    ((), (2, 3))
    """
    shape = np.shape(z)
    x = -np.asarray(z, dtype=np.float64).reshape(-1) / _SQRT2  # arrays, for the ``out=``
    a = np.abs(x)
    t = 0.5 * a
    t += 1.0
    np.divide(1.0, t, out=t)
    # the Chebyshev polynomial by Horner's rule, in place (the same operations in the same
    # order as written out: -1.26551223 + t·(1.00002368 + t·(... + t·0.17087277)))
    poly = t * _ERFCC[-1]
    for c in reversed(_ERFCC[1:-1]):
        poly += c
        poly *= t
    poly += _ERFCC[0]
    with np.errstate(over="ignore", invalid="ignore"):
        r = a * a
        np.negative(r, out=r)
        r += poly
        np.exp(r, out=r)
        r *= t
    erfc = np.where(x >= 0, r, 2.0 - r)
    return np.asarray(0.5 * np.where(np.isnan(x), np.nan, erfc), dtype=np.float64).reshape(shape)


#: Numerical Recipes' ``erfcc`` coefficients, constant term first.
_ERFCC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
          -1.13520398, 1.48851587, -0.82215223, 0.17087277)  # fmt: skip


@dataclass
class RouteLatency:
    """One route's latency over the rows."""

    median_ms: FloatArray
    p95_ms: FloatArray
    ttft_ms: FloatArray
    within: FloatArray  # probability of meeting the budget (1 without one, NaN: unknown)
    cold: FloatArray  # share of requests that meet a cold start (scale-to-zero)
    target_ms: FloatArray  # at the budget's percentile
    percentile: float
    speed: FloatArray  # output tokens/s (point)
    prefill: FloatArray


@dataclass
class RouteInputs:
    """What one route's latency is computed from, for :func:`routes_latency`: its figures,
    its slowness inputs ``z`` (:data:`LATENCY_KNOBS` and ``e2e``) and its request, each an
    array over the rows or a scalar."""

    figures: RouteFigures
    z: dict[str, FloatArray]
    prompt: FloatArray
    prefix: FloatArray
    hit_rate: FloatArray
    output: FloatArray
    budget: FloatArray
    utilisation: FloatArray | None = None
    cold_share: FloatArray | None = None
    cold_start_ms: FloatArray | None = None
    rows: IntArray | None = None  # the rows it is timed in (None: every row)


def batch_latency(
    prompt: FloatArray, output: FloatArray, budget: FloatArray, hours: float, percentile: float
) -> RouteLatency:
    """A batch route's latency: the answer comes within its window."""
    n = np.broadcast(prompt, output, budget).shape
    wait = np.full(n, hours * _MS_PER_HOUR)
    known = ~np.isnan(np.broadcast_to(prompt + output, n))
    within = np.where(np.isnan(budget), 1.0, (wait <= budget).astype(np.float64))
    nan = np.full(n, np.nan)
    return RouteLatency(wait, wait, wait, np.where(known, within, np.nan), nan * 0, wait,
                        percentile, nan, nan)  # fmt: skip


def _rows_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """``np.broadcast_shapes(*shapes)`` in plain Python (a few times faster for the few
    dozen short shapes of a table of routes)."""
    ndim = max(map(len, shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for j, d in enumerate(shape, ndim - len(shape)):
            if d != 1 and d != out[j]:
                if out[j] != 1:
                    raise ValueError(f"shapes {shapes} cannot be broadcast together")
                out[j] = d
    return tuple(out)


class _Table:
    """The routes' rows as one table: each route a row of a (routes, rows) table when every
    route is timed in every row (``whole``); else each route's entries one after another,
    one entry a (route, row). A route's ``rows`` are None (every row), its
    ``RouteInputs.rows`` (an index array: the rows it is timed in, NaN in the others), or
    a slice of the first ``period`` rows (its values repeat: timed there, then tiled). Every
    formula is elementwise, so an entry's value is the same in either layout."""

    def __init__(
        self, routes: list[RouteInputs], n: tuple[int, ...], repeats: list[int] | None = None
    ) -> None:
        self.n = n
        self.size = math.prod(n)
        #: how many times a route's values repeat (:func:`_repeats`): it is timed in the
        #: first of them only
        self.repeats = repeats if repeats is not None else [1] * len(routes)
        self.rows: list[IntArray | slice | None] = [
            slice(0, self.size // m) if m > 1 else r.rows
            for r, m in zip(routes, self.repeats, strict=True)
        ]
        self.whole = all(idx is None for idx in self.rows)
        self.counts = [
            self.size // m if m > 1 else self.size if r.rows is None else len(r.rows)
            for r, m in zip(routes, self.repeats, strict=True)
        ]  # fmt: skip
        self.shape: tuple[int, ...] = (
            (len(routes), self.size) if self.whole else (sum(self.counts),)
        )
        ends = list(itertools.accumulate(self.counts))
        self.spans = list(zip([0, *ends[:-1]], ends, strict=True))

    def column(self, values: Sequence[float]) -> FloatArray:
        """One value per route, in each of its entries (broadcast where whole)."""
        a = np.array(values, dtype=np.float64)
        return a[:, None] if self.whole else np.repeat(a, self.counts)

    def stacked(self, values: list[FloatArray], of: list[int] | None = None) -> FloatArray:
        """Each route's values (``of``: only those routes'), at its entries: rows of a
        (routes, rows) table where whole, else one after another (``table[self.of(of)]``'s
        shape)."""
        which = range(len(values)) if of is None else of
        if self.whole:
            table = np.empty((len(values), self.size))
            for j, v in enumerate(values):
                table[j].reshape(self.n)[...] = v
            return table
        out = np.empty(sum(self.counts[i] for i in which))
        start = 0
        for i, v in zip(which, values, strict=True):
            idx, stop = self.rows[i], start + self.counts[i]
            if idx is None:
                out[start:stop].reshape(self.n)[...] = v
            elif np.size(v) == 1:  # one value in every row
                out[start:stop] = v
            else:
                out[start:stop] = np.reshape(v, -1)[idx]
            start = stop
        return out

    def of(self, routes: list[int]) -> list[int] | BoolArray:
        """An index of the table's entries of these routes."""
        if self.whole:
            return routes
        return np.repeat(np.isin(np.arange(len(self.counts)), routes), self.counts)

    def routes(self, arrays: list[FloatArray]) -> list[list[FloatArray]]:
        """Each route's values of each of ``arrays`` in the rows' shape (NaN in the rows a
        route is not timed in)."""
        if self.whole:
            return [[a[i].reshape(self.n) for a in arrays] for i in range(len(self.counts))]
        block = np.stack(arrays)
        out = []
        for (start, stop), idx, m in zip(self.spans, self.rows, self.repeats, strict=True):
            if idx is None:
                values = block[:, start:stop]
            elif m > 1:
                values = np.tile(block[:, start:stop], (1, m))
            else:
                values = np.full((len(arrays), self.size), np.nan)
                values[:, idx] = block[:, start:stop]
            out.append([v.reshape(self.n) for v in values])
        return out


def _repeats(routes: list[RouteInputs], n: tuple[int, ...], period: int | None) -> list[int]:
    """For each route timed in every row, how many times its inputs repeat in tables of
    ``period`` rows one after another (the same draws at other volumes: a sweep), else 1.
    Checked on the values: the prompt, the output, the budget, the load, cold starts and
    every slowness input the same in each table, and whether the cache is hit by half and
    by 95% of the requests (all a route's latency reads of its hit rate)."""
    if period is None or len(n) != 1 or n[0] <= period or n[0] % period:
        return [1] * len(routes)
    m = n[0] // period

    def same(a: FloatArray | BoolArray | None) -> bool:
        if a is None or np.size(a) == 1:
            return True
        b = np.reshape(a, (m, period))
        return bool((b == b[:1]).all()) or np.array_equal(
            b, np.broadcast_to(b[:1], b.shape), equal_nan=True
        )

    out = []
    for r in routes:
        inputs = (r.prompt, r.prefix, r.output, r.budget, r.utilisation, r.cold_share,
                  r.cold_start_ms, *r.z.values())  # fmt: skip
        hits = (None,) if np.size(r.hit_rate) == 1 else (r.hit_rate >= 0.5, r.hit_rate >= 0.95)
        repeated = r.rows is None and all(same(a) for a in (*hits, *inputs))
        out.append(m if repeated else 1)
    return out


def _figure_values(
    table: _Table, figures: list[Figure], z: FloatArray, *, rate: bool = False
) -> FloatArray:
    """:func:`~._figures.slowness_value` of each route's figure at its entries' ``z``."""
    if not z.any():  # every row at the point (the point, a probe of the searches)
        middle = np.empty(table.shape)
        middle[...] = table.column([_middle(f) for f in figures])
        return middle
    if table.whole:
        return np.stack([slowness_value(f, z[i], rate=rate) for i, f in enumerate(figures)])
    return np.concatenate([
        slowness_value(f, z[start:stop], rate=rate)
        for f, (start, stop) in zip(figures, table.spans, strict=True)
    ])  # fmt: skip


@quiet_floats
def routes_latency(
    routes: list[RouteInputs], percentile: float, *, n_rows: int = 1, period: int | None = None
) -> list[RouteLatency]:
    """Several online routes' median and p95 in every row of the same rows (a route with
    ``rows``: in those only, NaN in the others), and the probability of meeting the budget
    at ``percentile`` given the ranges of the figures (in a draw of the simulation, around
    the drawn ones: the decision weighs the same probability at the point and in every
    draw), computed together (one table: the per-call cost is paid once).

    Each route's ``z`` holds the slowness inputs (``ttft``, ``tail``, ``speed``,
    ``prefill``, ``reasoning``, ``e2e``); ``utilisation`` a replica's load;
    ``cold_share`` and ``cold_start_ms`` a scale-to-zero endpoint's requests that wait
    for a cold start; ``rows``, the rows it is timed in, of ``n_rows``. ``period``: the
    rows may be tables of as many rows one after another (``Scenarios.period``); a route
    whose inputs are the same in each is timed in the first and its values repeated. A
    batch route is :func:`batch_latency`."""
    given = [r.rows for r in routes if r.rows is not None]
    if any(len(idx) and (idx.min() < 0 or idx.max() >= n_rows) for idx in given):
        raise ValueError(f"a route's rows must be indices below n_rows={n_rows}")
    n = _rows_shape([
        *{a.shape if isinstance(a, np.ndarray) else np.shape(a)
          for r in routes
          for a in (r.prompt, r.prefix, r.hit_rate, r.output, r.budget, r.utilisation,
                    r.cold_share, r.cold_start_ms, *r.z.values())
          if a is not None},
        *([(n_rows,)] if given else []),
    ])  # fmt: skip
    table = _Table(routes, n, _repeats(routes, n, period))
    figs = [r.figures for r in routes]

    def values(name: str, of: list[Figure], *, rate: bool = False) -> FloatArray:
        return _figure_values(table, of, table.stacked([r.z[name] for r in routes]), rate=rate)

    ttft = values("ttft", [f.ttft for f in figs])
    tail = values("tail", [f.tail for f in figs])
    speed = values("speed", [f.speed for f in figs], rate=True)
    prefill_rate = values("prefill", [f.prefill for f in figs], rate=True)
    reasoning = values("reasoning", [f.reasoning for f in figs])
    e2e = values("e2e", [f.e2e_tail for f in figs])
    spreads = [f.constants for f in figs]
    saving = table.column([sp.saving for sp in spreads])
    speed_var: FloatArray = np.broadcast_to(table.column([sp.speed for sp in spreads]),
                                            table.shape)  # fmt: skip
    loaded = [i for i, r in enumerate(routes) if r.utilisation is not None and r.figures.replica]
    if loaded:
        u = table.stacked([routes[i].utilisation for i in loaded], loaded)  # type: ignore[misc]
        factor, ttft_factor, factor_var = load_factors(u)
        at = table.of(loaded)
        speed, ttft, speed_var = speed.copy(), ttft.copy(), speed_var.copy()
        speed[at] = speed[at] * factor
        ttft[at] = ttft[at] * ttft_factor
        speed_var[at] = speed_var[at] + factor_var
    prompt = table.stacked([r.prompt for r in routes])
    prefix = table.stacked([r.prefix for r in routes])
    hit_rate = table.stacked([r.hit_rate for r in routes])
    output = table.stacked([r.output for r in routes])
    budget = table.stacked([r.budget for r in routes])
    short = table.column([f.short_prompt for f in figs])
    cached_med = np.where(hit_rate >= 0.5, prefix, 0.0)
    cached_p95 = np.where(hit_rate >= 0.95, prefix, 0.0)

    def prefill_ms(cached: FloatArray) -> FloatArray:
        effective = (prompt - cached) + cached * (1.0 - saving)
        return 1000.0 * np.maximum(0.0, effective - short) / prefill_rate

    decode = 1000.0 * (reasoning + output) / speed
    pre_med, pre_p95 = prefill_ms(cached_med), prefill_ms(cached_p95)
    median = ttft + pre_med + decode
    p95 = ttft * tail + (pre_p95 + decode) * e2e
    # the budget's percentile: log-normal between the median and the p95
    exponent = _percentile_exponent(percentile)
    ratio = np.where((median > 0) & (p95 > 0), p95 / np.where(median > 0, median, 1.0), 1.0)
    target = median * ratio**exponent
    first = ttft + pre_med
    cold = np.zeros(table.shape)
    waiting = [i for i, r in enumerate(routes)
               if r.cold_share is not None and r.cold_start_ms is not None]  # fmt: skip
    if waiting:
        # a request waits for a cold start at a percentile when at least the share of
        # requests beyond it do (shares in hundredths, so that 5% is exactly 0.05)
        at = table.of(waiting)
        cold[at] = table.stacked([routes[i].cold_share for i in waiting], waiting)  # type: ignore[misc]
        start = np.zeros(table.shape)
        start[at] = table.stacked([routes[i].cold_start_ms for i in waiting], waiting)  # type: ignore[misc]
        median = np.where(cold >= 0.5, median + start, median)
        first = np.where(cold >= 0.5, first + start, first)
        p95 = np.where(cold >= 0.05, p95 + start, p95)
        beyond = (100.0 - percentile) / 100.0
        target = np.where(cold >= beyond, target + start, target)
    if np.isnan(budget).all():  # no budget: nothing to meet
        within = np.where(np.isnan(p95), np.nan, 1.0)
    else:
        within = _within(table, budget, target, p95, ttft * tail, pre_p95, decode, e2e, speed,
                         speed_var, spreads)  # fmt: skip
    return [
        RouteLatency(m, p, f, w, c, t, percentile, sp, pr)
        for m, p, f, w, c, t, sp, pr in table.routes(
            [median, p95, first, within, cold, target, speed, prefill_rate]
        )
    ]


def _within(
    table: _Table, budget: FloatArray, target: FloatArray, p95: FloatArray, first: FloatArray,
    prefill: FloatArray, decode: FloatArray, e2e: FloatArray, speed: FloatArray,
    speed_var: FloatArray, spreads: list[RouteConstants],
) -> FloatArray:  # fmt: skip
    """The probability of meeting the budget (1 where there is none): log-normal around
    the budget's percentile, its spread from the figures' ranges (``first``: the p95's
    first token; ``prefill`` and ``decode`` at the p95, before the end-to-end tail)."""
    # the end-to-end tail multiplies prefill and decode both: its spread counts once on
    # their sum
    var = (
        first**2 * table.column([sp.ttft_and_tail for sp in spreads])
        + (prefill * e2e) ** 2 * table.column([sp.prefill for sp in spreads])
        + (decode * e2e) ** 2 * speed_var
        + ((prefill + decode) * e2e) ** 2 * table.column([sp.e2e for sp in spreads])
        + (1000.0 * e2e / speed) ** 2 * table.column([sp.reasoning for sp in spreads])
    )
    sd = np.sqrt(var) / p95
    unbounded = np.where(target <= budget, np.inf, -np.inf)
    z_score = np.where(sd > 0, np.log(budget / target) / np.where(sd > 0, sd, 1.0), unbounded)
    within = normal_cdf(z_score)
    within = np.where(np.isnan(budget), 1.0, within)
    return np.where(np.isnan(p95), np.nan, within)


def strategy_latency(
    strategy: Strategy,
    route: RouteLatency,
    row: int,
    figures: RouteFigures | None,
    budget_ms: float | None,
    *,
    basis: str,
) -> StrategyLatency:
    """One strategy's latency in one row, as a result."""

    def at(a: FloatArray) -> float | None:
        v = float(np.broadcast_to(a, (max(row + 1, np.size(a)),))[row])
        return None if math.isnan(v) else v

    p95 = at(route.p95_ms)
    target = at(route.target_ms)
    within = at(route.within) if budget_ms is not None else None
    speed, prefill = at(route.speed), at(route.prefill)
    return construct(
        StrategyLatency,
        strategy=strategy,
        median_ms=at(route.median_ms),
        p95_ms=p95,
        ttft_ms=at(route.ttft_ms),
        total_ms=target,
        budget_percentile=route.percentile,
        within_budget_probability=within,
        within_budget=None if target is None or budget_ms is None else target <= budget_ms,
        prefill_tokens_per_s=prefill if prefill is not None else 0.0,
        decode_tokens_per_s=speed if speed is not None else 0.0,
        throughput_source=figures.basis if figures is not None else "a batch window",
        basis=basis,
    )
