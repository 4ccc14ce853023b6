"""Token statistics stage, sampling: seeded samples of streams and totals extrapolated from them."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterable, Sequence
from itertools import count, islice
from typing import NamedTuple, TypeVar

import numpy as np

from .._types import FloatArray

__all__ = ["Extrapolation", "extrapolate_total", "sample_items", "skew_warning", "t975"]

_T = TypeVar("_T")


def sample_items(items: Iterable[_T], k: int, seed: int) -> tuple[list[_T], int]:
    """A seeded random sample of ``k`` items without replacement, and the number of items.

    Sequences are sampled by index; other iterables (streams) by reservoir sampling
    (Li's Algorithm L: one pass, only ``k`` items in memory, skips drawn geometrically).

    Examples
    --------
    >>> sample_items(range(10), 3, seed=0)[1], len(sample_items(iter(range(10)), 3, 0)[0])
    (10, 3)
    """
    rng = random.Random(seed)
    if isinstance(items, Sequence):
        n = len(items)
        if k >= n:
            return list(items), n
        return [items[i] for i in rng.sample(range(n), k)], n
    consumed = count()
    # zip pulls from ``items`` first, so ``consumed`` advances once per item actually read.
    stream = zip(items, consumed, strict=False)  # consumed is endless
    kept = [item for item, _ in islice(stream, k)]
    if len(kept) == k:
        w = math.exp(math.log(1.0 - rng.random()) / k)
        while 0.0 < w < 1.0:
            gap = math.log(1.0 - rng.random()) / math.log1p(-w)
            skip = sys.maxsize - 1 if not gap < sys.maxsize - 1 else int(gap)  # inf: the end
            nxt = next(islice(stream, skip, None), None)
            if nxt is None:
                break
            kept[rng.randrange(k)] = nxt[0]
            w *= math.exp(math.log(1.0 - rng.random()) / k)
        else:  # pragma: no cover - w underflowed: read the rest without keeping any
            for _ in stream:
                pass
    return kept, next(consumed)


_T975_TABLE = {
    1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451, 5: 2.5705818,
    6: 2.4469119, 7: 2.3646243, 8: 2.3060041, 9: 2.2621572,
}  # fmt: skip
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """Two-sided 95% quantile of Student's t (table below 10 df, Cornish-Fisher above).

    Written out to keep scipy's slow import off this path; within 1e-5 of scipy.

    Examples
    --------
    >>> t975(1), round(t975(30), 4), round(t975(10**9), 4)
    (12.7062047, 2.0423, 1.96)
    """
    if df in _T975_TABLE:
        return _T975_TABLE[df]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


class Extrapolation(NamedTuple):
    """A population total estimated from a simple random sample."""

    total: float
    ci95: tuple[float, float]
    half_width_per_item: float


def extrapolate_total(x: FloatArray, n: int) -> Extrapolation:
    """The total of ``n`` items from the lengths ``x`` of a random sample of them.

    ``N·x̄ ± N·t·s/√k·√((N-k)/(N-1))``: Student's t on the sample mean with the
    finite-population correction, as for simple random sampling without replacement. The
    lower end never drops below what was counted.

    Examples
    --------
    >>> e = extrapolate_total(np.array([1.0, 3.0]), 4)  # 12.706 x 1.414 / 1.414 x 0.8165
    >>> e.total, round(e.half_width_per_item, 4)
    (8.0, 10.3746)
    """
    k = int(x.size)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if k > 1 else 0.0
    half = t975(max(k - 1, 1)) * sd / math.sqrt(k) * math.sqrt((n - k) / (n - 1))
    counted = float(x.sum())
    return Extrapolation(n * mean, (max(n * (mean - half), counted), n * (mean + half)), half)


def skew_warning(x: FloatArray, what: str = "lengths") -> str | None:
    """A warning when a sample is too small for its skewness (else None).

    Cochran's rule: the t interval covers about 95% once k > 25·skewness².

    Examples
    --------
    >>> skew_warning(np.array([1.0, 1.0, 1.0, 50.0])) is not None
    True
    """
    sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
    if sd == 0:
        return None
    skew = float(np.mean((x - x.mean()) ** 3)) / sd**3
    needed = math.ceil(25 * skew**2)
    if x.size >= needed:
        return None
    return (
        f"{what} are skewed (skewness {skew:.1f}): with fewer than {needed:,} sampled "
        "(Cochran's rule, 25·skewness²) the interval may cover less than 95%"
    )
