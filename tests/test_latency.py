"""Latency stage: a request's median and p95 from a route's figures, computed by hand.

Most tests time a route whose figures are made here (``HAND``: first token 300 ms, its tail
1.5x, 100 output tokens/s, 10,000 prompt tokens/s, no hidden reasoning, an end-to-end tail
1.2x, a cached token's prefill 75% cheaper, the first 100 prompt tokens covered by the first
token time) with ``routes_latency`` (one route: ``tests/helpers.py: route_latency``), so
that every expected number is arithmetic on the page (the formula of ``_latency.py``)::

    prefill = max(0, (P - C) + C x (1 - saving) - short prompt) / prefill speed
    median  = TTFT + prefill(C at p50) + (reasoning + output) / speed
    p95     = TTFT x tail + (prefill(C at p95) + (reasoning + output) / speed) x e2e tail

where the cached prefix ``C`` counts at the median when half the requests hit the cache, and
at the p95 when 95% do. The prompt is the helpers' (query 200, output 50, instructions 100,
10 shots of 250 tokens: a 2,600-token prefix and a 2,800-token prompt).

End to end, the profile's models are ``MINE`` (the helpers' spec with its own first-token
time of 300 ms and p95 450 ms: its tail 1.5x, as its 100 and 10,000 tokens/s are its own);
what the spec does not state comes from ``data/hosted_latency.json`` (an end-to-end tail of
1.17, 1.04-1.38; a cached token 75% cheaper to prefill; a 1,000-token short prompt), pinned
in the first test. The latency of both strategies is read as ``recommend()`` reads it
(``tests/helpers.py: latency_of``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from strategy_advisor import Advisor, Strategy, recommend
from strategy_advisor._costs import serve_prompting
from strategy_advisor._figures import Figure
from strategy_advisor._gpu_offers import cold_start_seconds
from strategy_advisor._hosted_latency import hosted_latency_data, request_latency_ms
from strategy_advisor._latency import (
    LATENCY_KNOBS,
    RouteFigures,
    RouteInputs,
    RouteLatency,
    _repeats,
    routes_latency,
    strategy_latency,
)

from .helpers import TODAY, latency_of, offer, point_evaluation, profile, route_latency, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
PHI = NormalDist().cdf
NAN = math.nan


def _fig(point: float, low: float | None = None, high: float | None = None) -> Figure:
    """A figure made by hand: exact unless a range is given."""
    return Figure(
        low=point if low is None else low,
        point=point,
        high=point if high is None else high,
        unit="",
        found=True,
        basis="by hand",
        rule="given",
        arithmetic="",
        as_of="test",
    )


HAND = RouteFigures(
    ttft=_fig(300.0),
    tail=_fig(1.5),
    speed=_fig(100.0),
    prefill=_fig(10_000.0),
    reasoning=_fig(0.0),
    e2e_tail=_fig(1.2),
    saving=_fig(0.75),
    short_prompt=100.0,
    replica=False,
    basis="by hand",
)
#: every figure at its point (slowness 0)
POINT = {k: np.zeros(1) for k in (*LATENCY_KNOBS, "e2e")}


def _route(
    figures: RouteFigures = HAND,
    *,
    prompt: Any = 2_800.0,
    prefix: Any = 0.0,
    hit: Any = 0.0,
    output: Any = 50.0,
    budget: Any = NAN,
    z: dict[str, Any] | None = None,
    **kw: Any,
) -> RouteLatency:
    """A route's latency over rows (any argument a number or an array of rows)."""

    def a(x: Any) -> np.ndarray:
        return np.atleast_1d(np.asarray(x, dtype=np.float64))

    return route_latency(
        figures, z or POINT, prompt=a(prompt), prefix=a(prefix), hit_rate=a(hit),
        output=a(output), budget=a(budget), **kw,
    )  # fmt: skip


def _rows(x: np.ndarray, n: int) -> list[float]:
    return [float(v) for v in np.broadcast_to(x, (n,))]


# ------------------------------------------------------------------ median and p95 by hand


def test_a_measured_figure_of_one_value_takes_its_class_range() -> None:
    # found by an outside check: gpt-4.1-nano's one measured time to first token (633 ms,
    # low = high) made an 800 ms budget against a 1,087 ms p95 a probability of 1e-74, so
    # the faster tuned model lost the latency term to a slower prompted one (1% with its
    # wider range). The point stays the measurement; the range is its class's spread
    # around it (as wide on each side as the class's: 633 x 536 / 650.5 and 633 x 2,400 /
    # 650.5 for the OpenAI mini/nano class).
    from strategy_advisor import ModelSpec
    from strategy_advisor._hosted_latency import hosted_latency, hosted_latency_data

    data = hosted_latency_data()
    own = data.models["gpt-4.1-nano"].ttft_ms
    assert own.low == own.point == own.high == 633.0
    h = hosted_latency(ModelSpec(name="gpt-4.1-nano"))
    wider = data.classes[h.provider_class].ttft_ms
    assert h.ttft_ms.point == 633.0 and wider.point is not None
    assert h.ttft_ms.low == pytest.approx(633.0 * wider.low / wider.point)
    assert h.ttft_ms.high == pytest.approx(633.0 * wider.high / wider.point)
    assert h.ttft_ms.low < 633.0 < h.ttft_ms.high and "one value" in h.ttft_ms.basis
    assert set(h.sources) > set(hosted_latency(ModelSpec(name="gpt-4.1-nano", ttft_ms=633.0))
                                .sources)  # fmt: skip  # the class's evidence is cited
    # a model in no provider class keeps its one value: all hosted APIs span every kind
    pro = hosted_latency(ModelSpec(name="gemini-2.5-pro"))
    assert pro.provider_class == "All hosted APIs" and pro.ttft_ms.low == pro.ttft_ms.high
    assert h.ttft_p95_ms.high == pytest.approx(h.ttft_ms.high * h.ttft_tail_ratio.high)
    # a figure with a range of its own is as the file has it
    mini = hosted_latency(ModelSpec(name="gpt-4.1-mini"))
    assert mini.ttft_ms == data.models["gpt-4.1-mini"].ttft_ms
    # your own measurement is a fact: exact
    mine = hosted_latency(ModelSpec(name="gpt-4.1-nano", ttft_ms=633.0))
    assert mine.ttft_ms.low == mine.ttft_ms.high == 633.0


def test_median_and_p95_by_hand() -> None:
    # prefill (2,800 - 100) / 10,000 tok/s = 270 ms; 50 output tokens at 100 tok/s = 500 ms
    # median 300 + 270 + 500 = 1,070 ms; p95 300 x 1.5 + (270 + 500) x 1.2 = 450 + 924 =
    # 1,374 ms; the first token 300 + 270 = 570 ms
    r = _route()
    assert r.median_ms.tolist() == [pytest.approx(1_070.0, rel=1e-12)]
    assert r.p95_ms.tolist() == [pytest.approx(1_374.0, rel=1e-12)]
    assert r.ttft_ms.tolist() == [pytest.approx(570.0, rel=1e-12)]
    assert r.target_ms.tolist() == [pytest.approx(1_374.0, rel=1e-12)]  # the budget's p95
    assert (r.speed.tolist(), r.prefill.tolist()) == (
        [pytest.approx(100.0)], [pytest.approx(10_000.0)])  # fmt: skip


def test_hidden_reasoning_is_decoded_before_the_answer() -> None:
    # 150 hidden tokens + 50 answer tokens at 100 tok/s = 2,000 ms: median 300 + 270 + 2,000
    # = 2,570 ms; p95 450 + (270 + 2,000) x 1.2 = 450 + 2,724 = 3,174 ms
    thinking = replace(HAND, reasoning=_fig(150.0))
    r = _route(thinking)
    assert r.median_ms.tolist() == [pytest.approx(2_570.0, rel=1e-12)]
    assert r.p95_ms.tolist() == [pytest.approx(3_174.0, rel=1e-12)]


def test_a_short_prompt_costs_no_prefill_beyond_the_first_token() -> None:
    # 80 prompt tokens, fewer than the 100 the first-token time was measured at: no prefill
    # term; median 300 + 500 = 800 ms, p95 450 + 500 x 1.2 = 1,050 ms
    r = _route(prompt=80.0)
    assert (r.median_ms.tolist(), r.p95_ms.tolist()) == (
        [pytest.approx(800.0, rel=1e-12)], [pytest.approx(1_050.0, rel=1e-12)])  # fmt: skip


def test_the_rows_are_the_reference_formula() -> None:
    """Rows of the array formula are ``request_latency_ms``'s (the reference formula on
    scalars) wherever the prefix counts alike at the median and the p95: hit by every
    request, by none, no prefix; a row of unknown lengths is unknown."""
    prompt = np.array([2_800.0, 2_800.0, 200.0, NAN])
    prefix = np.array([2_600.0, 2_600.0, 0.0, NAN])
    hit = np.array([1.0, 0.0, 0.0, NAN])
    r = _route(prompt=prompt, prefix=prefix, hit=hit, output=np.array([50.0] * 3 + [NAN]))
    for i, cached in enumerate((2_600.0, 0.0, 0.0)):
        median, p95 = request_latency_ms(
            float(prompt[i]), 50.0, ttft_ms=300.0, ttft_p95_ms=450.0, output_tokens_per_s=100.0,
            prefill_tokens_per_s=10_000.0, cached_tokens=cached, cached_prefill_saving=0.75,
            e2e_tail_ratio=1.2, short_prompt_tokens=100.0,
        )  # fmt: skip
        assert r.median_ms[i] == pytest.approx(median, rel=1e-12)
        assert r.p95_ms[i] == pytest.approx(p95, rel=1e-12)
    assert np.isnan(r.median_ms[3]) and np.isnan(r.p95_ms[3])


def test_a_figure_at_its_slow_end_slows_the_request() -> None:
    # the first token drawn at its slow end (slowness +1): 600 ms instead of 300;
    # median 600 + 270 + 500 = 1,370 ms, p95 600 x 1.5 + 924 = 1,824 ms
    ranged = replace(HAND, ttft=_fig(300.0, 150.0, 600.0))
    slow = _route(ranged, z={**POINT, "ttft": np.array([1.0])})
    assert slow.median_ms.tolist() == [pytest.approx(1_370.0, rel=1e-12)]
    assert slow.p95_ms.tolist() == [pytest.approx(1_824.0, rel=1e-12)]
    fast = _route(ranged, z={**POINT, "ttft": np.array([-1.0])})  # 150 ms
    assert fast.median_ms.tolist() == [pytest.approx(920.0, rel=1e-12)]


# ------------------------------------------------------------------------ unknown lengths


@pytest.mark.parametrize("missing", ["prompt", "output"])
def test_an_unknown_length_gives_unknown_latency(missing: str) -> None:
    unknown: dict[str, Any] = {missing: NAN}
    r = _route(budget=2_000.0, **unknown)
    for a in (r.median_ms, r.p95_ms, r.target_ms, r.within):
        assert np.isnan(a).all()
    lat = strategy_latency(ICL, r, 0, HAND, 2_000.0, basis="no prefix")
    assert (lat.median_ms, lat.p95_ms, lat.total_ms) == (None, None, None)
    assert (lat.within_budget_probability, lat.within_budget) == (None, None)


def test_unknown_token_lengths_give_unknown_latency_for_both() -> None:
    lat = latency_of(
        profile(avg_input_tokens=None, avg_output_tokens=None, latency_budget_ms=600.0)
    )
    for one in lat.values():
        assert (one.median_ms, one.p95_ms, one.total_ms, one.within_budget) == (
            None, None, None, None)  # fmt: skip
        assert one.within_budget_probability is None
    assert lat[ICL].basis == "no prefix"


# ------------------------------------------------------------ the cached prefix, p50 and p95

#: a prefix served from the cache: 200 + 2,600 x (1 - 0.75) = 850 effective tokens, so
#: (850 - 100) / 10,000 = 75 ms of prefill; median 300 + 75 + 500 = 875 ms, p95 450 +
#: (75 + 500) x 1.2 = 1,140 ms. Read in full: 1,070 and 1,374 ms (above).
CACHED, UNCACHED = (875.0, 1_140.0), (1_070.0, 1_374.0)


@pytest.mark.parametrize(
    ("hit", "median", "p95"),
    [
        (1.0, CACHED[0], CACHED[1]),
        (0.95, CACHED[0], CACHED[1]),  # 95% of requests hit: the p95 request hits too
        (0.94, CACHED[0], UNCACHED[1]),  # the p95 request misses, the median one hits
        (0.5, CACHED[0], UNCACHED[1]),  # half hit: the median request does
        (0.49, UNCACHED[0], UNCACHED[1]),
        (0.0, UNCACHED[0], UNCACHED[1]),
    ],
)
def test_the_cached_prefix_counts_at_the_median_and_at_the_p95(
    hit: float, median: float, p95: float
) -> None:
    r = _route(prefix=2_600.0, hit=hit)
    assert r.median_ms.tolist() == [pytest.approx(median, rel=1e-12)]
    assert r.p95_ms.tolist() == [pytest.approx(p95, rel=1e-12)]
    assert r.ttft_ms.tolist() == [pytest.approx(median - 500.0, rel=1e-12)]


MINE = spec(ttft_ms=300.0, ttft_p95_ms=450.0)
DATA = hosted_latency_data()


def test_the_shipped_figures_the_hand_arithmetic_reads() -> None:
    e2e = DATA.e2e_tail_ratio
    assert (e2e.low, e2e.point, e2e.high) == (1.04, 1.17, 1.38)
    assert DATA.cached_prefill_saving["other"].point == 0.75
    assert DATA.assumptions["short_prompt_tokens"].value == 1_000.0


def _mine(**kw: Any) -> Any:
    """Both strategies' latency with ``MINE`` prompted and tuned (served per token)."""
    return latency_of(profile(icl_model=MINE, ft_model=MINE, **kw))


@pytest.mark.parametrize(
    ("hit", "median", "p95", "basis"),
    [
        # cached, 200 + 2,600 x 0.25 = 850 tokens, within the 1,000 the first token covers:
        # median 300 + 500 = 800 ms, p95 450 + 500 x 1.17 = 1,035 ms
        (0.95, 800.0, 1_035.0, "cached prefix"),
        # the p95 request reads all (2,800 - 1,000) / 10,000 = 180 ms: p95 450 + 680 x 1.17
        # = 1,245.6 ms; the median request still hits
        (0.94, 800.0, 1_245.6, "uncached prefix"),
        (0.0, 980.0, 1_245.6, "uncached prefix"),  # median 300 + 180 + 500
    ],
)
def test_both_strategies_latency_by_hand(hit: float, median: float, p95: float, basis: str) -> None:
    lat = _mine(cache_hit_rate=hit)
    icl = lat[ICL]
    assert (icl.median_ms, icl.p95_ms, icl.total_ms) == (
        pytest.approx(median, rel=1e-12), pytest.approx(p95, rel=1e-12),
        pytest.approx(p95, rel=1e-12))  # fmt: skip
    assert icl.ttft_ms == pytest.approx(median - 500.0, rel=1e-12)
    assert icl.basis == basis and icl.budget_percentile == 95.0
    assert icl.throughput_source.startswith("test-llm: your measurement: ttft_ms, ttft_p95_ms")
    # the tuned model reads the 200-token query alone: 800 and 1,035 ms
    ft = lat[FT]
    assert (ft.median_ms, ft.p95_ms) == (
        pytest.approx(800.0, rel=1e-12), pytest.approx(1_035.0, rel=1e-12))  # fmt: skip
    assert ft.basis == "no prefix"
    assert (ft.decode_tokens_per_s, ft.prefill_tokens_per_s) == (
        pytest.approx(100.0), pytest.approx(10_000.0))  # fmt: skip


def test_a_prefix_too_short_to_cache_is_read_in_full() -> None:
    # a 2,600-token prefix below a 5,000-token minimum: every request reads 2,800 tokens,
    # median 980 ms and p95 1,245.6 ms whatever the hit rate
    short = spec(ttft_ms=300.0, ttft_p95_ms=450.0, min_cacheable_tokens=5_000)
    icl = latency_of(profile(icl_model=short, ft_model=short, cache_hit_rate=1.0))[ICL]
    assert (icl.median_ms, icl.p95_ms) == (
        pytest.approx(980.0, rel=1e-12), pytest.approx(1_245.6, rel=1e-12))  # fmt: skip
    assert icl.basis == "uncached prefix"


def test_a_prompt_without_a_prefix_reads_only_the_query() -> None:
    # no instructions and no demonstrations: the 200-token query, 800 and 1,035 ms
    icl = _mine(instruction_tokens=0.0, icl_shots=0)[ICL]
    assert (icl.median_ms, icl.p95_ms) == (
        pytest.approx(800.0, rel=1e-12), pytest.approx(1_035.0, rel=1e-12))  # fmt: skip
    assert icl.basis == "no prefix"


def test_recommend_reports_the_same_latency() -> None:
    p = profile(icl_model=MINE, ft_model=MINE, cache_hit_rate=0.0, latency_budget_ms=1_300.0)
    rec = recommend(p, today=TODAY)
    assert dict(rec.latency) == latency_of(p)
    assert rec.latency[ICL].p95_ms == pytest.approx(1_245.6, rel=1e-12)


# ---------------------------------------------------------- rows of any shape, routes together

_FIELDS = ("median_ms", "p95_ms", "ttft_ms", "within", "cold", "target_ms", "speed",
           "prefill")  # fmt: skip


def test_rows_may_be_scalars_or_a_table() -> None:
    # the same request as one row, as a scalar and in a 2 x 2 table of rows
    one = _route(budget=1_500.0, z={k: np.full(1, 0.5) for k in (*LATENCY_KNOBS, "e2e")})
    ranged = replace(HAND, ttft=_fig(300.0, 200.0, 500.0), speed=_fig(100.0, 50.0, 150.0))
    alone = route_latency(
        ranged, {k: 0.5 for k in (*LATENCY_KNOBS, "e2e")}, prompt=2_800.0, prefix=0.0,
        hit_rate=0.0, output=50.0, budget=1_500.0,
    )  # fmt: skip
    assert np.shape(alone.median_ms) == ()
    assert float(one.median_ms[0]) == pytest.approx(1_070.0)  # HAND's figures are exact
    table = {k: np.array([[0.0, 0.5], [0.5, 0.0]]) for k in (*LATENCY_KNOBS, "e2e")}
    grid = route_latency(ranged, table, prompt=2_800.0, prefix=0.0, hit_rate=0.0, output=50.0,
                         budget=1_500.0)  # fmt: skip
    at_point = route_latency(
        ranged, {k: 0.0 for k in (*LATENCY_KNOBS, "e2e")}, prompt=2_800.0, prefix=0.0,
        hit_rate=0.0, output=50.0, budget=1_500.0,
    )  # fmt: skip
    assert np.shape(grid.median_ms) == (2, 2)
    for cell, scalar in (((0, 1), alone), ((1, 0), alone), ((0, 0), at_point), ((1, 1), at_point)):
        for name in _FIELDS:
            # to 1e-12: a figure exactly at its point in every row is its middle value, in
            # some rows only it goes through the logs
            want = pytest.approx(float(getattr(scalar, name)), rel=1e-12)
            assert float(getattr(grid, name)[cell]) == want, (cell, name)
    assert float(alone.median_ms) != float(at_point.median_ms)
    none = route_latency(
        ranged, {k: np.zeros(0) for k in (*LATENCY_KNOBS, "e2e")}, prompt=np.zeros(0),
        prefix=0.0, hit_rate=0.0, output=50.0, budget=1_500.0,
    )  # fmt: skip
    assert all(np.shape(getattr(none, name)) == (0,) for name in _FIELDS)


def test_routes_timed_together_are_each_timed_alone() -> None:
    # a hosted API, a loaded replica, a scale-to-zero worker waiting for its cold start and
    # a hosted API given a utilisation (ignored), over three rows with the figures apart
    rng = np.random.default_rng(7)
    ranged = replace(HAND, ttft=_fig(300.0, 200.0, 500.0), speed=_fig(100.0, 50.0, 150.0),
                     e2e_tail=_fig(1.2, 1.1, 1.5))  # fmt: skip
    replica = replace(REPLICA, speed=_fig(200.0, 150.0, 260.0))

    def z() -> dict[str, np.ndarray]:
        return {k: rng.uniform(-1.0, 1.0, 3) for k in (*LATENCY_KNOBS, "e2e")}

    def inputs(figures: RouteFigures, **kw: Any) -> RouteInputs:
        return RouteInputs(figures, z(), np.array([200.0, 2_800.0, 9_000.0]), np.zeros(3),
                           np.zeros(3), np.array([50.0]), np.array([1_500.0]), **kw)  # fmt: skip

    routes = [
        inputs(ranged),
        inputs(replica, utilisation=np.array([0.1, 0.5851, 0.9])),
        inputs(ranged, cold_share=np.array([0.0, 0.05, 0.6]), cold_start_ms=np.array([COLD])),
        inputs(replace(replica, replica=False), utilisation=np.array([0.9])),
    ]
    together = routes_latency(routes, 95.0)
    for r, timed in zip(routes, together, strict=True):
        (alone,) = routes_latency([r], 95.0)
        for name in _FIELDS:
            assert getattr(timed, name).tolist() == getattr(alone, name).tolist(), name
    assert together[2].p95_ms[1] > COLD > together[2].median_ms[1]  # 5% wait: the p95 does
    assert together[1].median_ms[1] > together[3].median_ms[1]  # the load slows a replica

    # tables of the same rows one after another (a sweep's volumes): a route whose inputs
    # repeat is timed in the first only, with the same values; one whose load or cache
    # differs in a table is timed in each
    def tiled(a: np.ndarray) -> np.ndarray:
        return np.tile(a, 4) if np.size(a) > 1 else a

    def repeated(r: RouteInputs, **kw: Any) -> RouteInputs:
        given = dict(
            z={k: tiled(v) for k, v in r.z.items()},
            prompt=tiled(r.prompt),
            prefix=np.full(12, 900.0),
            hit_rate=np.tile([0.1, 0.6, 0.99], 4),
        )
        return replace(r, **{**given, **kw})  # fmt: skip

    hits = np.array([0.1, 0.6, 0.99] * 3 + [0.1, 0.6, 0.7])  # the last table: 95% no more
    sweep = [
        repeated(routes[0]),
        repeated(routes[0], hit_rate=hits),
        repeated(routes[1], utilisation=np.linspace(0.1, 0.9, 12)),
        repeated(routes[2], cold_share=tiled(routes[2].cold_share)),  # type: ignore[arg-type]
    ]
    assert _repeats(sweep, (12,), 3) == [4, 1, 1, 4]
    once = routes_latency(sweep, 95.0)
    for timed, whole in zip(routes_latency(sweep, 95.0, period=3), once, strict=True):
        for name in _FIELDS:
            assert getattr(timed, name).tolist() == getattr(whole, name).tolist(), name
    assert once[0].median_ms[:3].tolist() == once[0].median_ms[9:].tolist()
    assert once[1].p95_ms[2] != once[1].p95_ms[11]  # the cache at the p95 in one table only
    # each route timed in some rows only (one of them in every row): those rows' values
    # are the same, the other rows NaN
    some = [np.array([2]), np.array([0, 2]), None, np.array([], dtype=np.intp)]
    for r, idx in zip(routes, some, strict=True):
        r.rows = idx
    for idx, timed, whole in zip(some, routes_latency(routes, 95.0, n_rows=3), together,
                                 strict=True):  # fmt: skip
        rows = np.arange(3) if idx is None else idx
        for name in _FIELDS:
            got, want = getattr(timed, name), getattr(whole, name)
            assert got.shape == (3,), name
            assert got[rows].tolist() == want[rows].tolist(), name
            assert np.isnan(np.delete(got, rows)).all(), name
    with pytest.raises(ValueError, match="n_rows=1"):  # rows of a table it was not told of
        routes_latency(routes, 95.0)


#: Each input a route's latency reads, and a change to one row of the last of three tables
#: of four rows; ``_repeats`` must see it (the hit rate through the cache's two thresholds
#: only: 0.6 to 0.7 stays between them, so the route still repeats).
_ONE_TABLE_DIFFERS = {
    "prompt": ("prompt", 1_999.0), "prefix": ("prefix", 600.0), "output": ("output", 51.0),
    "budget": ("budget", 1_499.0), "utilisation": ("utilisation", 0.51),
    "cold share": ("cold_share", 0.07), "cold start": ("cold_start_ms", 1.0),
    "cache at the median": ("hit_rate", 0.4), "cache at the p95": ("hit_rate", 0.96),
    **{f"slowness {k}": (k, 0.25) for k in (*LATENCY_KNOBS, "e2e")},
}  # fmt: skip


@pytest.mark.parametrize("change", _ONE_TABLE_DIFFERS.values(), ids=_ONE_TABLE_DIFFERS.keys())
def test_a_route_repeats_only_where_every_input_it_reads_does(change: tuple[str, float]) -> None:
    name, value = change

    def route() -> RouteInputs:
        z = {k: np.tile([0.0, 0.5, -0.5, 1.0], 3) for k in (*LATENCY_KNOBS, "e2e")}
        return RouteInputs(REPLICA, z, np.tile([200.0, 2_000.0, 900.0, 50.0], 3),
                           np.full(12, 500.0), np.tile([0.6, 0.1, 0.99, 0.6], 3),
                           np.full(12, 50.0), np.full(12, 1_500.0),
                           utilisation=np.tile([0.5, 0.2, 0.3, 0.9], 3),
                           cold_share=np.full(12, 0.02),
                           cold_start_ms=np.full(12, 2.0))  # fmt: skip

    same, other = route(), route()
    assert _repeats([same], (12,), 4) == [3]
    same.hit_rate[8] = 0.7  # between the thresholds, as 0.6 was: no difference
    assert _repeats([same], (12,), 4) == [3]
    where = other.z if name in other.z else None
    array = where[name] if where is not None else getattr(other, name)
    array[8] = value  # the last table's first row
    assert _repeats([other], (12,), 4) == [1], name
    assert _repeats([route()], (12,), 5) == [1]  # not a whole number of tables
    assert _repeats([route()], (12,), None) == [1]


def test_a_figure_moves_towards_its_slow_end_with_its_slowness() -> None:
    # +1: the slow end of each figure (a speed's low end); -1 its fast end; linear for a
    # figure that can be 0 (the reasoning tokens), on the log scale for the others
    ranged = replace(HAND, ttft=_fig(300.0, 200.0, 500.0), speed=_fig(100.0, 50.0, 150.0),
                     prefill=_fig(10_000.0, 5_000.0, 40_000.0),
                     reasoning=_fig(100.0, 0.0, 400.0))  # fmt: skip
    z = {k: np.array([1.0, -1.0, 0.5, 0.0]) for k in (*LATENCY_KNOBS, "e2e")}
    (timed,) = routes_latency(
        [RouteInputs(ranged, z, np.full(4, 2_800.0), np.zeros(4), np.zeros(4), np.full(4, 50.0),
                     np.full(4, np.nan))], 95.0,
    )  # fmt: skip
    assert timed.speed.tolist() == pytest.approx([50.0, 150.0, 50.0**0.5 * 100.0**0.5, 100.0])
    assert timed.prefill.tolist() == pytest.approx([5_000.0, 40_000.0, 5_000.0**0.5 * 1e2, 1e4])
    # the TTFT at the median: its figure, plus the prompt past the short one at the prefill
    # rate; the reasoning tokens add to the decode, linearly: 400, 0, 250, 100
    reasoning = np.array([400.0, 0.0, 250.0, 100.0])
    ttft = np.array([500.0, 200.0, math.sqrt(300.0 * 500.0), 300.0])
    decode = 1000.0 * (reasoning + 50.0) / timed.speed
    pre = 1000.0 * (2_800.0 - HAND.short_prompt) / timed.prefill
    assert timed.median_ms.tolist() == pytest.approx((ttft + pre + decode).tolist())


def test_rows_without_a_budget_are_the_same_in_a_table_with_one() -> None:
    # without any budget the probability is not computed (1 where the time is known); the
    # same rows beside a row with a budget go through it and come out the same, to the bit
    rng = np.random.default_rng(11)
    ranged = replace(HAND, ttft=_fig(300.0, 200.0, 500.0), speed=_fig(100.0, 50.0, 150.0))
    z = {k: rng.uniform(-1.0, 1.0, 3) for k in (*LATENCY_KNOBS, "e2e")}
    prompt = np.array([200.0, np.nan, 9_000.0])
    without = route_latency(ranged, z, prompt=prompt, prefix=0.0, hit_rate=0.0, output=50.0,
                            budget=np.full(3, np.nan))  # fmt: skip
    mixed = route_latency(
        ranged, {k: np.append(v, 0.0) for k, v in z.items()}, prompt=np.append(prompt, 200.0),
        prefix=0.0, hit_rate=0.0, output=50.0, budget=np.array([np.nan, np.nan, np.nan, 1e3]),
    )  # fmt: skip
    for name in _FIELDS:
        assert np.array_equal(getattr(mixed, name)[:3], getattr(without, name), equal_nan=True)
    assert without.within.tolist()[::2] == [1.0, 1.0] and np.isnan(without.within[1])
    assert 0.0 < float(mixed.within[3]) < 1.0


# -------------------------------------------------------------- meeting the budget, P(...)

#: the first token ranged 150-300-600 ms (a factor of 2 either side on the log scale), every
#: other figure exact: the log-variance of the first token under the slowness distribution
#: (triangular from -1 to +1) is (ln²2 + ln²2) / 12 - (ln 2 - ln 2)² / 36 = ln²2 / 6, and the
#: p95's relative spread (delta method) is 300 x 1.5 x ln 2 / sqrt(6) / 1,374 = 0.09268
RANGED = replace(HAND, ttft=_fig(300.0, 150.0, 600.0))
SD = 450.0 * math.log(2.0) / math.sqrt(6.0) / 1_374.0


def test_the_probability_of_meeting_a_budget_by_hand() -> None:
    # P = Phi(ln(budget / p95) / sd): 1,500 ms, Phi(ln(1,500 / 1,374) / 0.09268) =
    # Phi(0.9467) = 0.828; 1,200 ms, Phi(-1.461) = 0.072; no budget: 1
    r = _route(RANGED, budget=np.array([1_500.0, 1_200.0, NAN]))
    expected = [PHI(math.log(1_500.0 / 1_374.0) / SD), PHI(math.log(1_200.0 / 1_374.0) / SD), 1.0]
    np.testing.assert_allclose(r.within, expected, rtol=1e-6)
    assert r.within[0] == pytest.approx(0.828, abs=5e-4)
    lat = strategy_latency(ICL, r, 0, RANGED, 1_500.0, basis="no prefix")
    assert lat.within_budget_probability == pytest.approx(expected[0], rel=1e-6)
    assert lat.within_budget is True
    lat = strategy_latency(ICL, r, 1, RANGED, 1_200.0, basis="no prefix")
    assert lat.within_budget is False
    assert strategy_latency(ICL, r, 2, RANGED, None, basis="").within_budget_probability is None


def test_a_latency_exactly_at_the_budget_is_within_it() -> None:
    at = float(_route().p95_ms[0])  # 1,374 ms
    # exact figures: certainly within it, and a hair less is certainly not
    exact = _route(budget=np.array([at, np.nextafter(at, 0.0)]))
    assert exact.within.tolist() == [1.0, 0.0]
    assert strategy_latency(FT, exact, 0, HAND, at, basis="no prefix").within_budget is True
    # ranged figures: as likely as not (Phi(0) = 1/2), which the planner and the choice of
    # route count as meeting it (>= 0.5)
    ranged = _route(RANGED, budget=at)
    assert ranged.within.tolist() == [pytest.approx(0.5, abs=1e-7)]
    assert strategy_latency(FT, ranged, 0, RANGED, at, basis="no prefix").within_budget is True
    # end to end: the tuned model's p95 as the budget
    p95 = _mine()[FT].p95_ms
    assert p95 == pytest.approx(1_035.0, rel=1e-12)
    ft = _mine(latency_budget_ms=p95)[FT]
    assert ft.within_budget is True
    assert ft.within_budget_probability == pytest.approx(0.5, abs=1e-7)


@pytest.mark.parametrize(
    ("percentile", "target"),
    [
        (50.0, 1_070.0),  # the median itself
        (95.0, 1_374.0),  # the p95
        # log-normal between them: 1,070 x (1,374 / 1,070)^(z99 / z95) = 1,070 x
        # 1.28411^(2.32635 / 1.64485 = 1.41432) = 1,524.0 ms
        (99.0, 1_070.0 * (1_374.0 / 1_070.0) ** (2.326348 / 1.644854)),
    ],
)
def test_the_budget_applies_at_its_percentile(percentile: float, target: float) -> None:
    r = _route(budget=1_100.0, percentile=percentile)
    assert r.target_ms.tolist() == [pytest.approx(target, rel=1e-6)]
    assert r.within.tolist() == [1.0 if target <= 1_100.0 else 0.0]  # exact figures
    lat = strategy_latency(ICL, r, 0, HAND, 1_100.0, basis="uncached prefix")
    assert lat.total_ms == pytest.approx(target, rel=1e-6)
    assert lat.budget_percentile == percentile
    assert lat.p95_ms == pytest.approx(1_374.0, rel=1e-12)


def test_a_figure_shared_by_two_terms_spreads_their_sum() -> None:
    # MINE at hit 0: prefill 180 ms, decode 500 ms, p95 450 + 680 x 1.17 = 1,245.6 ms; only
    # the e2e tail is ranged (1.04-1.17-1.38): w- = ln(1.17 / 1.04) = 0.11778, w+ =
    # ln(1.38 / 1.17) = 0.16508, var = (w-² + w+²) / 12 - (w+ - w-)² / 36 = 0.0033649;
    # sd = 680 x 1.17 x sqrt(0.0033649) / 1,245.6 = 0.03705; P(1,300 ms) = Phi(1.1537) = 0.876
    e = DATA.e2e_tail_ratio
    assert e.point is not None
    w_lo, w_hi = math.log(e.point / e.low), math.log(e.high / e.point)
    var = (w_lo**2 + w_hi**2) / 12 - (w_hi - w_lo) ** 2 / 36
    sd = 680.0 * 1.17 * math.sqrt(var) / 1_245.6
    icl = _mine(cache_hit_rate=0.0, latency_budget_ms=1_300.0)[ICL]
    assert icl.within_budget_probability == pytest.approx(PHI(math.log(1_300.0 / 1_245.6) / sd))


# -------------------------------------------------------------------------------- batch


def test_a_batch_is_answered_within_its_window() -> None:
    # 24 h x 3,600,000 ms/h = 86,400,000 ms, first token and last alike; a budget of exactly
    # the window is met, a 600 ms one is not; unknown lengths leave it unknown
    r = _route(budget=np.array([86_400_000.0, 600.0, NAN]), batch_hours=24.0)
    for a in (r.median_ms, r.p95_ms, r.ttft_ms, r.target_ms):
        assert _rows(a, 3) == [86_400_000.0] * 3
    assert r.within.tolist() == [1.0, 0.0, 1.0]
    lat = strategy_latency(FT, r, 0, None, 86_400_000.0, basis="batch window")
    assert (lat.total_ms, lat.within_budget, lat.throughput_source) == (
        86_400_000.0, True, "a batch window")  # fmt: skip
    unknown = _route(output=NAN, budget=600.0, batch_hours=1.0)
    assert np.isnan(unknown.within).all()


def test_requests_are_answered_one_by_one_unless_priced_at_batch_rates() -> None:
    # OpenAI's 24-hour window, batch prices cheaper than online (no cache): priced at batch
    # rates only when allowed; otherwise timed one by one (980 and 1,245.6 ms)
    batched = spec(provider="OpenAI", cached_input_usd_per_mtok=None, ttft_ms=300.0,
                   ttft_p95_ms=450.0, batch_input_usd_per_mtok=0.5,
                   batch_output_usd_per_mtok=1.0)  # fmt: skip
    online = latency_of(profile(icl_model=batched, allow_batch=False))[ICL]
    assert (online.median_ms, online.p95_ms) == (
        pytest.approx(980.0, rel=1e-12), pytest.approx(1_245.6, rel=1e-12))  # fmt: skip
    assert online.basis == "uncached prefix"
    rec = recommend(profile(icl_model=batched, allow_batch=True), today=TODAY)
    assert rec.costs[ICL].serving.batch
    icl = rec.latency[ICL]
    assert (icl.ttft_ms, icl.median_ms, icl.total_ms, icl.basis) == (
        86_400_000.0, 86_400_000.0, 86_400_000.0, "batch window")  # fmt: skip


def test_batched_without_a_known_window_is_answered_one_by_one() -> None:
    # a provider with no known window, batch prices cheaper, the work offline: priced at
    # batch rates, timed one by one (980 and 1,245.6 ms, no cache)
    no_window = spec(provider=None, cached_input_usd_per_mtok=None, ttft_ms=300.0,
                     ttft_p95_ms=450.0, batch_input_usd_per_mtok=0.5,
                     batch_output_usd_per_mtok=1.0)  # fmt: skip
    rec = recommend(profile(icl_model=no_window, allow_batch=True), today=TODAY)
    assert rec.costs[ICL].serving.batch
    icl = rec.latency[ICL]
    assert icl.p95_ms == pytest.approx(1_245.6, rel=1e-12)
    assert icl.basis == "uncached prefix"


# --------------------------------------------------------------------- a replica's load

#: a replica's figures: first token 40 ms, 200 output tokens/s at low load, 20,000 prompt
#: tokens/s, the first 128 prompt tokens in the first token time
REPLICA = replace(
    HAND, ttft=_fig(40.0), speed=_fig(200.0), prefill=_fig(20_000.0), short_prompt=128.0,
    replica=True,
)  # fmt: skip


def test_a_replicas_load_slows_it() -> None:
    """The load factors are the mean of the two measured load curves
    (data/replica_latency.json) at the replica's utilisation, 58.51% here: OCI's
    concurrency-64 point itself (speed 35.74 / 58.64 = 0.60948, first token 400 / 50 = 8),
    and NIM between concurrency 25 (35.05%: 192.678 tok/s, 36.34 ms) and 50 (60.07%:
    169.205, 67.41), t = (58.51 - 35.05) / (60.07 - 35.05) = 0.93765: speed (192.678 -
    0.93765 x 23.473) / 215.983 = 0.79019, first token (36.34 + 0.93765 x 31.07) / 10.26 =
    6.3814. Mean: speed x0.69984, first token x7.1907.

    Idle: median 40 + (200 - 128) / 20,000 s (3.6 ms) + 50 / 200 s (250 ms) = 293.6 ms,
    p95 40 x 1.5 + (3.6 + 250) x 1.2 = 364.32 ms. Loaded: 40 x 7.1907 = 287.63 ms to the
    first token, 250 / 0.69984 = 357.23 ms of answer: median 648.45 ms, p95 287.63 x 1.5 +
    (3.6 + 357.23) x 1.2 = 864.43 ms."""
    t = (0.5851 - 0.3505) / (0.6007 - 0.3505)
    speed = (35.74 / 58.64 + (192.678227 + t * (169.204738 - 192.678227)) / 215.982721) / 2
    first = (400.0 / 50.0 + (36.34 + t * (67.41 - 36.34)) / 10.26) / 2
    r = _route(REPLICA, prompt=200.0, utilisation=np.array([0.0, 0.5851]))
    assert _rows(r.median_ms, 2) == [
        pytest.approx(293.6, rel=1e-12),
        pytest.approx(40 * first + 3.6 + 250 / speed, rel=1e-9),
    ]
    assert _rows(r.p95_ms, 2) == [
        pytest.approx(364.32, rel=1e-12),
        pytest.approx(60 * first + (3.6 + 250 / speed) * 1.2, rel=1e-9),
    ]
    assert r.median_ms[1] == pytest.approx(648.45, abs=0.01)
    assert r.p95_ms[1] == pytest.approx(864.43, abs=0.01)
    # a hosted API's figures already hold its provider's load: the utilisation is ignored
    hosted = _route(replace(REPLICA, replica=False), prompt=200.0,
                    utilisation=np.array([0.0, 0.5851]))  # fmt: skip
    assert _rows(hosted.median_ms, 2) == [pytest.approx(293.6, rel=1e-12)] * 2


def test_a_self_hosted_tuned_model_is_timed_on_its_replica() -> None:
    # an 8B tuned model on its own L40S (the cheapest GPU an hour), the prompted one on its
    # hosted API
    own = spec(params_b=8.0, ttft_ms=300.0, ttft_p95_ms=450.0,
               fine_tuning=offer(serving=("self_hosted",)))  # fmt: skip
    rec = recommend(profile(ft_model=own, icl_model=MINE, ft_serving="self_hosted"), today=TODAY)
    assert rec.costs[FT].serving.route == "self-hosted on 1x L40S 48GB"
    assert rec.latency[FT].throughput_source.startswith("8B on a replica: 7-8B on L40S 48GB")
    assert rec.latency[ICL].throughput_source.startswith("test-llm: your measurement")


# ---------------------------------------------------------------- a scale-to-zero worker

COLD = 294_000.0  # a vLLM 7-8B server's measured cold start, 294 s (70-600; GPU.md section 4)


@pytest.mark.parametrize(
    ("share", "median", "p95"),
    [
        # no prefix: prefill (200 - 100) / 10,000 = 10 ms; median 300 + 10 + 500 = 810 ms,
        # p95 450 + 510 x 1.2 = 1,062 ms, plus the cold start where enough requests wait
        (0.0, 810.0, 1_062.0),
        (0.04, 810.0, 1_062.0),  # fewer than 5%: the p95 request finds the worker up
        (0.05, 810.0, 1_062.0 + COLD),  # 5%: the p95 request waits
        (0.49, 810.0, 1_062.0 + COLD),
        (0.5, 810.0 + COLD, 1_062.0 + COLD),  # half: the median request waits too
        (1.0, 810.0 + COLD, 1_062.0 + COLD),
    ],
)
def test_a_cold_start_is_added_where_enough_requests_wait_for_one(
    share: float, median: float, p95: float
) -> None:
    r = _route(prompt=200.0, cold_share=np.array([share]), cold_start_ms=np.array([COLD]))
    assert (r.median_ms.tolist(), r.p95_ms.tolist()) == (
        [pytest.approx(median, rel=1e-12)], [pytest.approx(p95, rel=1e-12)])  # fmt: skip
    assert r.cold.tolist() == [share]


def test_the_budget_sees_the_cold_start_the_p95_holds() -> None:
    r = _route(prompt=200.0, budget=2_000.0, cold_share=np.array([0.05]),
               cold_start_ms=np.array([COLD]))  # fmt: skip
    assert r.p95_ms.tolist() == [pytest.approx(1_062.0 + COLD, rel=1e-12)]
    assert r.target_ms.tolist() == r.p95_ms.tolist()
    assert r.within.tolist() == [0.0]


def test_the_median_first_token_waits_for_a_cold_start_too() -> None:
    r = _route(prompt=200.0, cold_share=np.array([1.0]), cold_start_ms=np.array([COLD]))
    assert r.ttft_ms.tolist() == [pytest.approx(310.0 + COLD, rel=1e-12)]


def test_a_scale_to_zero_worker_at_low_volume_waits_for_its_cold_start() -> None:
    """1,000 requests a month on a worker that stops 5 s after its last request: nearly
    every request finds it down or starting ((1 + λc) / (exp(λ x 5 s) + λc), λ = 1,000 /
    2,629,800 s), so the median and
    the p95 each wait for the cold start (data/gpu_offers.json), over the same L40S's
    figures self-hosted and always up."""
    own = spec(params_b=8.0, fine_tuning=offer(serving=("self_hosted",)))
    cold = cold_start_seconds().point  # a restart, not a new endpoint's first start
    assert cold is not None and 1000 * cold == COLD
    # the work declared offline: a worker whose requests wait minutes may be chosen
    kw: dict[str, Any] = dict(ft_model=own, requests_per_month=1_000.0, allow_batch=True)
    _, ev = point_evaluation(profile(**kw))
    worker = ev.bills.mode(FT, 0)
    assert worker.route is not None and worker.route.kind == "scale_to_zero"
    assert worker.cold_share is not None and worker.cold_share[0] > 0.99
    lat = latency_of(profile(**kw))[FT]
    up = latency_of(profile(**kw, ft_serving="self_hosted"))[FT]
    assert lat.median_ms is not None and up.median_ms is not None
    assert lat.p95_ms is not None and up.p95_ms is not None
    assert lat.median_ms - up.median_ms == pytest.approx(COLD, rel=1e-9)
    assert lat.p95_ms - up.p95_ms == pytest.approx(COLD, rel=1e-9)


# --------------------------------------------------------------- passes without a budget


def _untimed_and_timed(p: Any, advisor: Advisor | None = None) -> tuple[Any, Any]:
    """Rows from 100 to 100M requests a month, answers of 1 to 2,000 tokens, evaluated as
    the searches and the simulation do (no notes), and with every route timed."""
    from strategy_advisor._pipeline import evaluate
    from strategy_advisor._scenarios import Scenarios

    adv = advisor or Advisor()
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    volumes = np.geomspace(1e2, 1e8, 40)
    rows = Scenarios.point(case).probes(["volume"], np.zeros(40, dtype=np.intp), volumes)
    rows = rows.with_values(output_tokens=np.linspace(1.0, 2_000.0, 40))
    return evaluate(case, rows, parts, notes=False), evaluate(case, rows, parts)


def test_without_a_budget_the_searches_do_not_time_routes_and_decide_alike() -> None:
    # with no latency budget every route answers in time: the passes without notes leave
    # the routes untimed (their latency unknown), and every choice, total and score is the
    # same as with them timed
    untimed, timed = _untimed_and_timed(profile(ft_model=spec(params_b=8.0)))
    assert np.isnan(untimed.bills.pick(ICL, "lat_p95")).all()
    assert np.isfinite(timed.bills.pick(ICL, "lat_p95")).all()
    for k in (FT, ICL):
        np.testing.assert_array_equal(untimed.bills.chosen[k], timed.bills.chosen[k])
        np.testing.assert_array_equal(untimed.bills.total[k], timed.bills.total[k])
    np.testing.assert_array_equal(untimed.scores.total, timed.scores.total)
    # a budget in any row: timed, as a rule with an effect that reads latency needs
    budget, _ = _untimed_and_timed(profile(latency_budget_ms=2_000.0))
    assert np.isfinite(budget.bills.pick(ICL, "lat_p95")).all()
    from strategy_advisor import default_rulebook

    book = default_rulebook().extended([{
        "code": "custom-slow", "title": "A custom rule on latency",
        "when": {"feature": "icl_latency_ms", "op": "gt", "value": 60_000},
        "effect": {"kind": "favor", "strategy": "fine_tuning", "weight": 0.6},
        "message": "Prompting is slow.",
        "source": {"document": "a test", "date": "2026-12-07"},
    }])  # fmt: skip
    ruled, _ = _untimed_and_timed(profile(), Advisor(rulebook=book))
    assert np.isfinite(ruled.columns["icl_latency_ms"]).all()  # timed, and read


def test_a_route_that_waits_for_cold_starts_is_timed_without_a_budget() -> None:
    # a scale-to-zero worker's cold start decides whether it answers in time even without
    # a budget (the work not declared offline): its routes are timed
    own = spec(params_b=8.0, fine_tuning=offer(serving=("self_hosted",)))
    untimed, timed = _untimed_and_timed(profile(ft_model=own, requests_per_month=1_000.0))
    assert np.isfinite(untimed.bills.pick(FT, "lat_p95")).all()
    np.testing.assert_array_equal(untimed.bills.chosen[FT], timed.bills.chosen[FT])


# ------------------------------------------------------------------ the planner's timing


def test_the_planners_probability_is_the_prompted_routes() -> None:
    # MINE with a warm cache: the prompt's 850 effective tokens are within the 1,000 the
    # first token covers: p95 450 + 500 x 1.17 = 1,035 ms. Only the e2e tail is ranged
    # (1.04-1.17-1.38): its log-variance (0.11778² + 0.16508²) / 12 - (0.16508 -
    # 0.11778)² / 36 = 0.0033649, so sd = 500 x 1.17 x sqrt(0.0033649) / 1,035 = 0.03279
    # and P(1,100 ms) = Phi(ln(1,100 / 1,035) / 0.03279) = Phi(1.857) = 0.968
    e = DATA.e2e_tail_ratio
    assert e.point is not None
    w_lo, w_hi = math.log(e.point / e.low), math.log(e.high / e.point)
    var = (w_lo**2 + w_hi**2) / 12 - (w_hi - w_lo) ** 2 / 36
    expected = PHI(math.log(1_100.0 / 1_035.0) / (585.0 * math.sqrt(var) / 1_035.0))
    assert expected == pytest.approx(0.968, abs=5e-4)
    p = profile(icl_model=MINE, ft_model=MINE, cache_hit_rate=1.0, latency_budget_ms=1_100.0)
    adv = Advisor()
    case, ev = point_evaluation(p, advisor=adv)
    within = serve_prompting(case, ev.scenarios, ev.plan.shots).within
    assert within.tolist() == [pytest.approx(expected, rel=1e-6)]
    # the same probability the latency stage reports for the prompted strategy
    icl = latency_of(p)[ICL]
    assert icl.p95_ms == pytest.approx(1_035.0, rel=1e-12)
    assert icl.within_budget_probability == pytest.approx(expected, rel=1e-6)
    # a tighter budget: less likely than not, which the planner reads as not meeting it
    tight = profile(icl_model=MINE, ft_model=MINE, cache_hit_rate=1.0, latency_budget_ms=1_000.0)
    case, ev = point_evaluation(tight, advisor=adv)
    assert serve_prompting(case, ev.scenarios, ev.plan.shots).within[0] < 0.5


@pytest.mark.parametrize(
    "shapes",
    [[(3,), (1,), ()], [(0,), (1,)], [(2, 1), (3,)], [(), ()], [(0,), (0,), (1,)], [(4,), (3,)],
     [(0,), (2,)], [(2, 3), (2, 1), (1,)]],
)  # fmt: skip
def test_the_rows_shape_is_numpys_broadcast_shape(shapes: list[tuple[int, ...]]) -> None:
    from strategy_advisor._latency import _rows_shape

    try:
        expected: Any = np.broadcast_shapes(*shapes)
    except ValueError:
        with pytest.raises(ValueError, match="cannot be broadcast"):
            _rows_shape(shapes)
        return
    assert _rows_shape(shapes) == expected


def test_a_figure_at_the_point_is_its_point_whatever_the_other_rows() -> None:
    """A row at slowness 0 is the figure's point exactly, alone or in a table with drawn
    rows (exp(log(x)) is not always x): a scenario evaluated in a batch is the scenario
    alone."""
    from strategy_advisor._figures import value_at

    for low, point, high in ((0.03, 0.1, 2.9), (12.0, 45.0, 300.0), (-1.0, 0.1, 4.0)):
        z = np.array([0.0, 0.37, -1.2, 0.0])
        for rate in (False, True):
            batch = value_at(low, point, high, z, rate=rate)
            assert batch[0] == batch[3] == point
            alone = value_at(low, point, high, z[:1], rate=rate)
            assert alone[0] == point
            assert [float(value_at(low, point, high, z[i : i + 1], rate=rate)[0])
                    for i in (1, 2)] == batch[1:3].tolist()  # fmt: skip
