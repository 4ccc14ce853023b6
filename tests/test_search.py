"""Searches on the pipeline: where an outcome first changes along a walk, found exactly.

The probes here are stand-ins with a known answer (an outcome that changes at 3.7, at 5, at
a jump), so the bracketing and the narrowing are checked by hand; the break-even and the
flip points run the same search on the pipeline (tests/test_costs.py, the break-even).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from strategy_advisor._breakeven import break_even_of, break_even_walk, relative_gap
from strategy_advisor._search import Probe, Walk, first_changes


def _walk(points: list[float], *, start: float = 0.0, integer: bool = False,
          geometric: bool = False, precision: float = 1e-6,
          until: bool = False) -> Walk:  # fmt: skip
    return Walk(start=start, outcome=0, signal=-1.0, points=points, integer=integer,
                geometric=geometric, precision=precision, until=until)  # fmt: skip


def _windows(*spans: tuple[float, float], code: tuple[int, ...] = (),
             refused: tuple[float, float] | None = None) -> Probe:  # fmt: skip
    """Outcome ``code[i]`` (1 by default) inside the ``[low, high)`` of ``spans[i]``, else 0;
    no signal; values strictly inside ``refused`` not accepted."""

    def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        out = np.zeros(values.shape, dtype=np.intp)
        for i, (low, high) in enumerate(spans):
            out[(values >= low) & (values < high)] = code[i] if code else 1
        valid = np.ones(values.shape, dtype=bool)
        if refused is not None:
            valid &= ~((values > refused[0]) & (values < refused[1]))
        return out, np.full(values.shape, np.nan), valid

    return probe


def _threshold(at: float, *, signal: bool = True) -> Probe:
    """Outcome 1 from ``at`` on; the signal ``x - at`` (or none)."""

    def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        sig = values - at if signal else np.full(values.shape, np.nan)
        return (values >= at).astype(np.intp), sig, np.ones(values.shape, dtype=bool)

    return probe


@pytest.mark.parametrize("signal", [True, False])
def test_the_first_change_is_narrowed_to_the_precision(signal: bool) -> None:
    # probes 1, 2, ..., 10: the outcome changes between 3 and 4; narrowed to 3.7 within 1e-6
    (hit,) = first_changes(
        [_walk([float(x) for x in range(1, 11)])], _threshold(3.7, signal=signal)
    )
    assert hit is not None
    value, outcome, sig, until = hit
    assert outcome == 1 and value >= 3.7 and until is None
    assert value == pytest.approx(3.7, rel=1e-6)
    if signal:  # the straight line through the bracket's ends finds the root itself
        assert sig == pytest.approx(value - 3.7)


def test_an_integer_walk_stops_at_the_first_whole_number_that_changes() -> None:
    (hit,) = first_changes([_walk([1.0, 10.0, 100.0], integer=True)], _threshold(4.5))
    assert hit is not None and hit[0] == 5.0 and hit[1] == 1


def test_a_geometric_walk_narrows_on_the_log_scale() -> None:
    walk = _walk([1.0, 1e3, 1e6, 1e9], start=0.0, geometric=True, precision=1e-6)
    (hit,) = first_changes([walk], _threshold(123_456.0, signal=False))
    assert hit is not None and hit[0] == pytest.approx(123_456.0, rel=1e-6)


@pytest.mark.parametrize(("resolution", "rounds"), [(0.1, 3), (0.0, 13)])
def test_a_change_at_any_amount_above_zero_closes_at_the_resolution(
    resolution: float, rounds: int
) -> None:
    # from 0, every positive amount changes the outcome (the quality gain keyed on whether a
    # prompt has retrieved context at all): a bracket that ends at 0 has no relative
    # precision; the walk's resolution closes it in two narrowing rounds (without one it
    # narrows towards 0 until the rounds run out)
    calls: list[int] = []
    threshold = _threshold(1e-300, signal=False)

    def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        calls.append(len(values))
        return threshold(index, values)

    walk = Walk(start=0.0, outcome=0, signal=math.nan, points=[500.0, 1000.0], integer=False,
                geometric=True, precision=1e-4, resolution=resolution)  # fmt: skip
    (hit,) = first_changes([walk], probe)
    assert hit is not None and hit[1] == 1
    assert len(calls) == rounds
    if resolution:
        assert 0 < hit[0] <= resolution


def test_a_change_near_zero_away_from_it_keeps_its_relative_precision() -> None:
    # the engineering rate walked down from $91/h flips at $0.2/h: the resolution (the
    # precision of the input's scale, $0.005/h) is for a bracket that ends at 0 only; here
    # it left the flip 2.5% wide, and 1% short of it the answer had already changed
    # (benchmarks/check_consistency.py)
    def below(at: float) -> Probe:
        def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
            none = np.full(values.shape, np.nan)  # no signal: the spread alone narrows
            return (values <= at).astype(np.intp), none, np.ones(values.shape, bool)

        return probe

    points = [91.0 / 2**k for k in range(1, 12)] + [0.0]
    walk = Walk(start=91.0, outcome=0, signal=math.nan, points=points, integer=False,
                geometric=True, precision=1e-4, resolution=0.005)  # fmt: skip
    (hit,) = first_changes([walk], below(0.2))
    assert hit is not None and hit[1] == 1
    assert hit[0] <= 0.2 and hit[0] == pytest.approx(0.2, rel=1e-4)


def test_no_change_along_the_walk_is_none() -> None:
    assert first_changes([_walk([1.0, 2.0, 3.0])], _threshold(10.0)) == [None]
    assert first_changes([], _threshold(1.0)) == []


def test_a_probe_the_inputs_do_not_accept_ends_the_walk() -> None:
    def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        return (values >= 3.7).astype(np.intp), values - 3.7, values < 3.0  # 3 and up refused

    assert first_changes([_walk([1.0, 2.0, 3.0, 4.0])], probe) == [None]


def test_walks_are_searched_together_each_to_its_own_change() -> None:
    calls: list[int] = []

    def probe(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        calls.append(len(values))
        at = np.where(index == 0, 3.7, 42.0)
        return (values >= at).astype(np.intp), values - at, np.ones(values.shape, dtype=bool)

    walks = [_walk([1.0, 5.0, 10.0]), _walk([10.0, 50.0, 100.0]), _walk([1.0, 2.0])]
    hits = first_changes(walks, probe)
    assert hits[0] is not None and hits[0][0] == pytest.approx(3.7, rel=1e-6)
    assert hits[1] is not None and hits[1][0] == pytest.approx(42.0, rel=1e-6)
    assert hits[2] is None
    assert len(calls) <= 13  # one table of probes, then at most 12 rounds for all walks


def test_a_jump_is_bracketed_and_stops_when_nothing_lies_between() -> None:
    # the outcome jumps at exactly 5 with no signal: the bracket closes on 5
    (hit,) = first_changes([_walk([4.0, 6.0])], _threshold(5.0, signal=False))
    assert hit is not None and hit[0] == pytest.approx(5.0, rel=1e-6) and hit[0] >= 5.0


# ---------------------------------------------------------------------------- break-even


def test_the_break_even_walk_starts_at_zero_and_covers_every_volume() -> None:
    walk = break_even_walk()
    assert walk.start == 0.0 and walk.points[0] == 0.0
    assert walk.points[1] == 1.0 and walk.points[-1] == pytest.approx(1e13)
    # 4 probes a decade over 13 decades
    assert len(walk.points) == 1 + 13 * 4 + 1
    assert walk.geometric and not walk.integer


def test_the_relative_gap_and_what_counts_as_a_break_even() -> None:
    gap = relative_gap(np.array([105.0, 100.0, 0.0]), np.array([100.0, 105.0, 0.0]))
    np.testing.assert_allclose(gap, [5 / 105, -5 / 105, 0.0], rtol=1e-15)
    assert break_even_of(None, 1.0, 1.0) is None
    assert break_even_of(0.0, 90.0, 100.0) is None  # cheaper from zero volume: none
    assert break_even_of(1_000.0, 99.6, 100.0) == 1_000.0  # within 0.5%
    assert break_even_of(1_000.0, 99.4, 100.0) is None  # a jump: no equal totals
    assert break_even_of(1_000.0, math.nan, 100.0) is None
    # read on the relative gap, not on a difference in dollars: $0.89 apart out of $18,980
    assert break_even_of(298_715.0, 18_979.32, 18_980.21) == 298_715.0


def test_a_walk_that_asks_finds_where_the_new_outcome_ends() -> None:
    # outcome 1 only in [3.7, 7.2): the change at 3.7, and back at 7.2 (each to 1e-6)
    points = [float(x) for x in range(1, 11)]
    (hit,) = first_changes([_walk(points, until=True)], _windows((3.7, 7.2)))
    assert hit is not None and hit.outcome == 1
    assert hit.value == pytest.approx(3.7, rel=1e-6) and hit.value >= 3.7
    assert hit.until is not None and hit.until == pytest.approx(7.2, rel=1e-6)
    assert hit.until >= 7.2  # its outcome is not the new one
    # a walk that does not ask, or whose new outcome holds to its end, has none
    (plain,) = first_changes([_walk(points)], _windows((3.7, 7.2)))
    assert plain is not None and plain.until is None and plain.value == hit.value
    (held,) = first_changes([_walk(points, until=True)], _windows((3.7, 100.0)))
    assert held is not None and held.until is None


def test_a_window_of_one_count_ends_at_the_next() -> None:
    (hit,) = first_changes(
        [_walk([1.0, 2.0, 3.0, 4.0], integer=True, until=True)], _windows((2.0, 3.0))
    )
    assert hit is not None and (hit.value, hit.until) == (2.0, 3.0)
    # walking down from 8 in factor-2 steps: 4 changes, the window [3, 5) ends at 2
    walk = Walk(start=8.0, outcome=0, signal=math.nan, points=[4.0, 2.0, 1.0], integer=True,
                geometric=False, precision=0.0, until=True)  # fmt: skip
    (down,) = first_changes([walk], _windows((3.0, 5.0)))
    assert down is not None and (down.value, down.until) == (4.0, 2.0)


def test_the_window_nearest_the_change_is_found_between_the_walks_probes() -> None:
    # the coarse probes 1, 10, 100 see outcome 1 only at 10 (inside [8, 50)); the first
    # change is at 4.5, whose window [4.5, 4.6) the refining probes find: it ends at 4.6,
    # not at 50
    walk = _walk([1.0, 10.0, 100.0], geometric=True, precision=1e-6, until=True)
    (hit,) = first_changes([walk], _windows((4.5, 4.6), (8.0, 50.0)))
    assert hit is not None and hit.value == pytest.approx(4.5, rel=1e-6)
    assert hit.until is not None and hit.until == pytest.approx(4.6, rel=1e-6)


def test_a_window_ends_where_the_narrowed_change_has_an_outcome_of_its_own() -> None:
    # the coarse probe at 4 has outcome 1; narrowed, the change at 3.7 has outcome 2, which
    # ends at 4 itself (the coarse probe), not where outcome 1 ends (7)
    walk = _walk([float(x) for x in range(1, 11)], until=True)
    (hit,) = first_changes([walk], _windows((3.7, 4.0), (4.0, 7.0), code=(2, 1)))
    assert hit is not None and hit.outcome == 2
    assert hit.value == pytest.approx(3.7, rel=1e-6)
    assert hit.until is not None and hit.until == pytest.approx(4.0, rel=1e-6)


def test_a_nearer_window_end_is_narrowed_though_the_far_one_could_not_be() -> None:
    # the coarse probes see the answer end between 8 and 9, where no value is accepted:
    # that bracket cannot narrow; the refining probes find the nearer end, which must
    # narrow to the precision all the same (3.7537: between two refining probes, 3 + k/128)
    walk = _walk([float(x) for x in range(1, 11)], until=True)
    probe = _windows((3.7, 3.7537), (4.0, 8.5), refused=(8.0, 9.0))
    (hit,) = first_changes([walk], probe)
    assert hit is not None and hit.value == pytest.approx(3.7, rel=1e-6)
    assert hit.until is not None and hit.until == pytest.approx(3.7537, rel=1e-6)
