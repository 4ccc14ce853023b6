"""Token sampling formulas by hand: the reservoir, Student's t, the extrapolated total and its
finite-population correction, and the skew warning.

Each expected number is worked in the comment beside it. The reservoir's extreme branches
(``w`` rounding to zero, a skip longer than any index) are reached with a scripted random
source, since a real one would need a stream of about ``k·e^700`` items to get there.
"""

from __future__ import annotations

import math
import types
from collections.abc import Iterator

import numpy as np
import pytest

from strategy_advisor._tokens import sampling
from strategy_advisor._tokens.sampling import extrapolate_total, sample_items, skew_warning, t975

# ------------------------------------------------------------------------ sample_items


def test_a_sample_as_large_as_the_sequence_is_the_sequence_in_its_order() -> None:
    # k = n: nothing to draw, so no shuffle either (a drawn sample of 10 would be a permutation)
    letters = list("abcdefghij")
    assert sample_items(letters, 10, seed=0) == (letters, 10)
    assert sample_items(letters, 11, seed=0) == (letters, 10)


class _ScriptedRandom:
    """Stands in for ``random.Random``: ``random()`` returns the script, ``randrange`` 0."""

    def __init__(self, script: list[float]) -> None:
        self._draws: Iterator[float] = iter(script)

    def random(self) -> float:
        return next(self._draws)

    def randrange(self, stop: int) -> int:
        return 0


def _script(monkeypatch: pytest.MonkeyPatch, draws: list[float]) -> None:
    fake = types.SimpleNamespace(Random=lambda seed: _ScriptedRandom(draws))
    monkeypatch.setattr(sampling, "random", fake)


# 1 - U for U = 1 - 2**-53 (the largest value random() returns) is exactly 2**-53
_TINY = 1.0 - 2.0**-53


def test_a_reservoir_whose_threshold_rounds_to_zero_reads_the_rest_and_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # k = 1, so w = 1 - U: each U = 1 - 2**-53 multiplies w by 2**-53; each U = 0 gives a
    # skip of log(1)/log1p(-w) = 0, so the next item replaces the kept one.
    # w = 2**-53 before item 1, and 2**-53·(j+1) after item j replaces: 2**-1113 after
    # item 20, below the smallest subnormal 2**-1074, so w is 0.0 and the loop must stop
    # (dividing by log1p(-0.0) = 0 would fail). Kept: item 20; read: all 40.
    _script(monkeypatch, [_TINY] + [0.0, _TINY] * 20)
    assert sample_items(iter(range(40)), 1, seed=0) == ([20], 40)


def test_a_skip_longer_than_any_index_reads_to_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    # w = 2**-53, skip 0 (item 1 kept), w = 2**-106 = 1.2e-32; then U = 0.5 asks to skip
    # ln 2 / 1.2e-32 = 5.6e31 items, more than sys.maxsize (9.2e18): the skip is capped to an
    # index islice accepts, the 10-item stream runs out, item 1 stays.
    _script(monkeypatch, [_TINY, 0.0, _TINY, 0.5])
    assert sample_items(iter(range(10)), 1, seed=0) == ([1], 10)


def test_a_subnormal_threshold_with_a_long_skip_reads_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # as above, but after 19 replacements w = 2**-53·20 = 2**-1060 (subnormal, not zero);
    # then U = 0.5 asks for a skip of ln 2 / 2**-1060 = inf: the right answer reads to the
    # end of the 40-item stream, keeping item 19 (an infinite skip once overflowed int())
    _script(monkeypatch, [_TINY] + [0.0, _TINY] * 19 + [0.5])
    assert sample_items(iter(range(40)), 1, seed=0) == ([19], 40)


def test_a_first_draw_of_exactly_zero_keeps_the_first_items_and_reads_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # U = 0 makes w = exp(log(1 - 0) / k) = 1: no item can beat the threshold, and a skip
    # would divide by log1p(-1) (a math domain error); the loop must not start. k = 2 of 5:
    # kept the first two, read all five.
    _script(monkeypatch, [0.0])
    assert sample_items(iter(range(5)), 2, seed=0) == ([0, 1], 5)


# ------------------------------------------------------------------------------- t975


def test_t975_above_the_table_is_the_four_term_cornish_fisher_series() -> None:
    # Abramowitz & Stegun 26.7.5 with z = 1.959963984540054 (the normal 97.5% point):
    #   g1 = (z³ + z)/4                               = 2.3722712303
    #   g2 = (5z⁵ + 16z³ + 3z)/96                     = 2.8224986157
    #   g3 = (3z⁷ + 19z⁵ + 17z³ - 15z)/384            = 2.5558496795
    #   g4 = (79z⁹ + 776z⁷ + 1482z⁵ - 1920z³ - 945z)/92160 = 1.5895340534
    # (z³ = 7.5291209367, z⁵ = 28.922808034, z⁷ = 111.10577604, z⁹ = 426.80826341)
    # df = 10: z + .23722712303 + .028224986157 + .0025558496795 + .00015895340534
    #        = 2.2281308968 (scipy: 2.2281388520, within the promised 1e-5)
    assert t975(10) == pytest.approx(2.2281308968, abs=1e-10)
    # df = 20: z + .11861356152 + .0070562465393 + .00031948120994 + .0000099345878
    #        = 2.0859632084 (scipy: 2.0859634473)
    assert t975(20) == pytest.approx(2.0859632084, abs=1e-10)


def test_t_quantiles_match_the_published_table() -> None:
    # Student's t, two-sided 95% (e.g. NIST/SEMATECH e-Handbook table of t)
    for df, value in ((1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042), (100, 1.984)):
        assert t975(df) == pytest.approx(value, abs=1e-3)


# ----------------------------------------------------------------------- extrapolation


def test_extrapolated_total_uses_the_finite_population_correction() -> None:
    x = np.array([10.0, 20.0, 30.0, 40.0])  # mean 25, sd 12.910
    n = 10
    sd = math.sqrt(((15**2) * 2 + (5**2) * 2) / 3)
    half = t975(3) * sd / math.sqrt(4) * math.sqrt((10 - 4) / (10 - 1))
    e = extrapolate_total(x, n)
    assert e.total == pytest.approx(250.0)
    assert e.half_width_per_item == pytest.approx(half)
    assert e.ci95 == pytest.approx((max(10 * (25 - half), 100.0), 10 * (25 + half)))
    # sampling everything leaves no uncertainty
    assert extrapolate_total(x, 4).half_width_per_item == 0.0


def test_one_sampled_item_extrapolates_without_an_interval() -> None:
    # k = 1: no spread can be measured, so the half-width is 0 (not a NaN from ddof=1)
    e = extrapolate_total(np.array([7.0]), 5)
    assert e.total == 35.0
    assert e.ci95 == (35.0, 35.0)
    assert e.half_width_per_item == 0.0


def test_two_sampled_items_use_one_degree_of_freedom() -> None:
    # x = (1, 3), N = 4: mean 2, s = √2, t(1 df) = 12.7062047
    # half = 12.7062047 · √2/√2 · √((4-2)/(4-1)) = 12.7062047 · 0.81649658 = 10.3745727
    # total 8; low: 4·(2 - 10.37) < 0, so the 4 counted tokens; high 4·12.3745727 = 49.498291
    e = extrapolate_total(np.array([1.0, 3.0]), 4)
    assert e.total == 8.0
    assert e.half_width_per_item == pytest.approx(10.3745727, abs=1e-7)
    assert e.ci95 == pytest.approx((4.0, 49.498291), abs=1e-6)


def test_a_narrow_interval_is_not_clamped_to_the_counted_tokens() -> None:
    # x = (10, 12, 10, 12), N = 100: mean 11, s = √(4/3) = 1.15470054, t(3 df) = 3.1824463
    # half = 3.1824463 · 1.15470054/2 · √(96/99) = 3.1824463 · 0.57735027 · 0.98473193
    #      = 1.8093329; low 100·(11 - 1.8093329) = 919.06671 (above the 44 counted),
    #      high 100·12.8093329 = 1280.93329
    e = extrapolate_total(np.array([10.0, 12.0, 10.0, 12.0]), 100)
    assert e.total == 1100.0
    assert e.half_width_per_item == pytest.approx(1.8093329, abs=1e-7)
    assert e.ci95 == pytest.approx((919.06671, 1280.93329), abs=1e-5)


# ------------------------------------------------------------------------ skew_warning


def test_skew_warning_words_skewness_and_cochrans_sample_size() -> None:
    # x = (1, 1, 1, 50): mean 13.25, deviations -12.25 (3x) and 36.75
    # third moment (1/n) (3·(-1838.265625) + 49633.171875)/4 = 11029.59375
    # s² = (3·150.0625 + 1350.5625)/3 = 600.25, s = 24.5, s³ = 14706.125
    # skewness 11029.59375 / 14706.125 = 0.75; 25 · 0.75² = 14.0625, so 15 needed > 4
    assert skew_warning(np.array([1.0, 1.0, 1.0, 50.0])) == (
        "lengths are skewed (skewness 0.8): with fewer than 15 sampled "
        "(Cochran's rule, 25·skewness²) the interval may cover less than 95%"
    )
    # mirrored: skewness -0.75, and the rule squares it
    assert skew_warning(np.array([50.0, 50.0, 50.0, 1.0]), "output lengths") == (
        "output lengths are skewed (skewness -0.8): with fewer than 15 sampled "
        "(Cochran's rule, 25·skewness²) the interval may cover less than 95%"
    )


def test_skew_warning_at_exactly_cochrans_size_is_silent() -> None:
    # six 0s and three 1s: mean 1/3, third moment (6·(-1/27) + 3·(8/27))/9 = 2/27,
    # s² = (6/9 + 12/9)/8 = 1/4, s³ = 1/8, skewness 16/27 = 0.5926;
    # 25 · 256/729 = 8.78, so 9 needed: exactly the 9 sampled, enough
    x = np.array([0.0] * 6 + [1.0] * 3)
    assert skew_warning(x) is None


@pytest.mark.parametrize("x", [[], [5.0], [4.0, 4.0, 4.0]])
def test_skew_warning_is_silent_without_spread(x: list[float]) -> None:
    # no items, one item, or all equal: no standard deviation, nothing to warn about
    assert skew_warning(np.array(x, dtype=np.float64)) is None
