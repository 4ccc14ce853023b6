"""Searches on the pipeline: where an outcome first changes along a walk, found exactly.

A *walk* moves one input away from its value in steps (``data/exploration.json``); every
walk's probes are evaluated together, in one table of scenarios. Each walk's first probe
with another outcome brackets the change, and the brackets are narrowed together, round by
round (evenly spread probes, as many as close the bracket in this round or else in the
next, plus the root of the straight line through the two ends' continuous signal where it
has one: the decision score in dollars, or the difference of two totals), until each is as
narrow as asked. A walk can also ask where the new outcome ends: its first later probe with yet
another outcome brackets that change, narrowed in the same rounds. Every search has a fixed
budget of rounds and probes, and every round narrows or ends a bracket: no input can make it
loop.

The flip points and the break-even both search this way, with the same evaluation as the
point estimate, so a flip point flips under ``what_if`` and the totals are equal at the
break-even.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._types import FloatArray

__all__ = ["Change", "Probe", "Walk", "first_changes"]

#: Evaluate probes: (walk index of each probe, its value) to (outcome, signal, valid), one
#: per probe. The outcome is a class (a strategy, "fine-tuning cheaper"); the signal a
#: continuous number whose sign agrees with the outcome where it can (NaN: none).
Probe = Callable[[np.ndarray, FloatArray], tuple[np.ndarray, FloatArray, np.ndarray]]

_ROUNDS = 12  # refinement rounds at most
_SPREAD = 127  # evenly spread probes per bracket at most (fewer where they close it)


@dataclass
class Walk:
    """One input moved one way: its start, its outcome there, and the probes in order."""

    start: float
    outcome: int  # the outcome at ``start``
    signal: float  # the continuous signal at ``start`` (NaN: none)
    points: list[float]  # the probes, in the order walked
    integer: bool
    geometric: bool  # refine on the log scale (positive values that scale)
    precision: float  # stop when the bracket is this narrow, relative to its outer end
    resolution: float = 0.0  # ... or, a bracket that ends at 0 (no scale), this narrow
    until: bool = False  # also find where the new outcome ends, further out


class Change(NamedTuple):
    """Where a walk's outcome first changes: the value, the new outcome and its signal
    there; and, for a walk that asks (``Walk.until``), the first value further out whose
    outcome is not the new one (None: every later probe of the walk has it)."""

    value: float
    outcome: int
    signal: float
    until: float | None = None


class _Bracket(NamedTuple):
    """A bracket being narrowed: ``a`` has the outcome ``held``, ``b`` (further out) the
    outcome ``changed``; ``sa`` and ``sb`` their signals."""

    a: float
    b: float
    sa: float
    sb: float
    held: int
    changed: int


def _between(a: float, b: float, k: int, integer: bool, geometric: bool) -> list[float]:
    """``k`` points strictly between ``a`` and ``b``, evenly spread."""
    t = np.arange(1, k + 1) / (k + 1)
    if geometric and a > 0 and b > 0:
        pts = np.exp(math.log(a) + t * (math.log(b) - math.log(a)))
    else:
        pts = a + t * (b - a)
    if integer:
        lo, hi = min(a, b), max(a, b)
        pts = np.round(pts)
        pts = pts[(pts > lo) & (pts < hi)]
    # ascending, so nearest ``a`` first where ``a`` is the lower end (the points lie inside
    # the bracket; a bracket a few ulps wide, which the precision never reaches, could
    # round one just outside it)
    out = np.unique(pts)
    if a > b:
        out = out[::-1]
    return [x for x in out.tolist() if x != a and x != b]


def _secant(
    a: float, b: float, sa: float, sb: float, integer: bool, precision: float
) -> list[float]:
    """The root of the line through (a, sa) and (b, sb), its two nearest neighbours, and
    points half a precision, four and 32 precisions either side of it: where the signal is
    nearly straight (a narrow bracket) the root lies between two of them and the bracket
    closes in this round."""
    if not (math.isfinite(sa) and math.isfinite(sb)) or (sa > 0) == (sb > 0) or sa == sb:
        return []
    x = a + (b - a) * sa / (sa - sb)
    lo, hi = min(a, b), max(a, b)
    if integer:
        low, high = float(math.floor(x)), float(math.ceil(x))
        cands = [low, high, low - 1.0, high + 1.0]
    else:
        eps = 1e-10 * max(abs(a), abs(b), 1e-300)
        cands = [x, x - eps, x + eps]
        if math.isfinite(precision):
            half = 0.5 * precision * max(abs(x), 1e-300)
            cands += [x + k * half for k in (-1.0, 1.0, -8.0, 8.0, -64.0, 64.0)]
    return [c for c in cands if lo < c < hi]


def _spread(a: float, b: float, walk: Walk) -> int:
    """How many evenly spread probes a bracket gets: enough to close it in this round, else
    about the square root of what closing now would take (so that the next round closes it,
    for brackets up to about ``_SPREAD`` squared wide; wider integer ranges take more), at
    most ``_SPREAD``."""
    # a float bracket: a little over the linear count (geometric steps are uneven on the
    # linear scale)
    need = abs(b - a) - 1.0 if walk.integer else 1.25 * abs(b - a) / _width(a, b, walk)
    if need > _SPREAD:
        need = 1.5 * math.sqrt(need) + 1.0
    return int(min(_SPREAD, max(1.0, math.ceil(need))))


def _width(a: float, b: float, walk: Walk) -> float:
    """How narrow a float bracket must become: the precision relative to its outer end; a
    bracket that ends at 0 or spans it (no relative scale) at least the walk's resolution. (The
    resolution everywhere near 0 left a flip at $0.197/h of an engineering rate 2.5% wide:
    1% short of it the answer had already changed.)"""
    width = walk.precision * max(abs(a), abs(b))
    return max(width, walk.resolution) if min(a, b) <= 0 <= max(a, b) else width


def _narrow_enough(a: float, b: float, walk: Walk) -> bool:
    if walk.integer:
        return abs(b - a) <= 1
    return abs(b - a) <= _width(a, b, walk)


def _nearer_end(
    change: tuple[float, int, float], beyond: list[tuple[float, int, float]]
) -> _Bracket | None:
    """The bracket of the end of a walk's new outcome where probes past its first change
    (``change`` and each of ``beyond``: (value, outcome, signal); ``beyond`` nearest it
    first, between it and the probe it came from) show one: nearer than any later probe of
    the walk can."""
    y, held, sy = change
    for x, ox, sx in beyond:
        if ox != held:
            return _Bracket(y, x, sy, sx, held, ox)
        y, sy = x, sx
    return None


def first_changes(walks: list[Walk], probe: Probe) -> list[Change | None]:
    """For each walk, the first value (nearest its start) whose outcome differs from the
    start's, with that outcome and its signal; None when no probe of the walk changes it
    (or a probe the inputs do not accept ends the walk first). For a walk with ``until``,
    also the first value past it whose outcome differs from the new one, where a later
    probe of the walk (before any it does not accept) shows one.

    The value returned has the new outcome, and the bracket below it (towards the start)
    is narrower than the walk's precision (one whole step for integers); so has ``until``
    (its outcome is not the new one; below it, the new one)."""
    if not walks:
        return []
    index = np.concatenate([np.full(len(w.points), i) for i, w in enumerate(walks)]).astype(np.intp)
    values = np.concatenate([np.asarray(w.points, dtype=np.float64) for w in walks])
    out: list[Change | None] = [None] * len(walks)
    if values.size == 0:
        return out
    outcome, signal, valid = probe(index, values)
    # keyed by (walk, 0) for the first change, (walk, 1) for the end of the new outcome
    brackets: dict[tuple[int, int], _Bracket] = {}
    offset = 0
    for i, w in enumerate(walks):
        prev, prev_signal = w.start, w.signal
        held, part = w.outcome, 0
        for j in range(len(w.points)):
            k = offset + j
            if not valid[k]:
                break
            if outcome[k] != held:
                brackets[i, part] = _Bracket(prev, float(values[k]), prev_signal,
                                             float(signal[k]), held, int(outcome[k]))  # fmt: skip
                if part or not w.until:
                    break
                held, part = int(outcome[k]), 1
            prev, prev_signal = float(values[k]), float(signal[k])
        offset += len(w.points)
    stuck: set[tuple[int, int]] = set()  # nothing between the ends narrows it: stop there
    for _round in range(_ROUNDS):
        active = {
            key: b for key, b in brackets.items()
            if key not in stuck and not _narrow_enough(b[0], b[1], walks[key[0]])
        }  # fmt: skip
        if not active:
            break
        pts: list[tuple[int, float]] = []  # (bracket's number in ``active``, value)
        for n, ((i, _), (a, b, sa, sb, _, _)) in enumerate(active.items()):
            w = walks[i]
            cand = _secant(a, b, sa, sb, w.integer, w.precision) + _between(
                a, b, _spread(a, b, w), w.integer, w.geometric
            )
            pts.extend((n, x) for x in dict.fromkeys(cand))
        if not pts:
            break
        owner = np.array([p[0] for p in pts], dtype=np.intp)
        vals = np.array([p[1] for p in pts], dtype=np.float64)
        keys = list(active)
        nearer: dict[tuple[int, int], _Bracket] = {}
        o, sgn, ok = probe(np.array([keys[n][0] for n in owner.tolist()], dtype=np.intp), vals)
        for n, (key, (a, b, sa, sb, held, ob)) in enumerate(active.items()):
            at = np.flatnonzero((owner == n) & ok)
            at = at[np.argsort(np.abs(vals[at] - a), kind="stable")]  # nearest ``a`` first
            mine = list(zip(vals[at].tolist(), o[at].tolist(), sgn[at].tolist(), strict=True))
            na, nsa = a, sa
            nb, nsb, nob = b, sb, ob
            changed = len(mine)
            for j, (x, ox, sx) in enumerate(mine):
                if ox != held:
                    nb, nsb, nob = x, sx, ox
                    changed = j
                    break
                na, nsa = x, sx
            if (na, nb) == (a, b):
                stuck.add(key)
            else:
                brackets[key] = _Bracket(na, nb, nsa, nsb, held, nob)
            if key[1] == 0 and walks[key[0]].until:
                beyond = mine[changed + 1 :] + ([(b, ob, sb)] if nb != b else [])
                end = _nearer_end((nb, nob, nsb), beyond)
                if end is not None:
                    nearer[key[0], 1] = end
        brackets.update(nearer)  # after this round's own narrowing of the ends they replace
        stuck.difference_update(nearer)
    for (i, part), bracket in brackets.items():
        if part == 0:
            out[i] = Change(bracket.b, bracket.changed, bracket.sb)
    for (i, part), bracket in brackets.items():
        hit = out[i]
        if part == 1 and hit is not None:
            out[i] = hit._replace(until=bracket.b)
    return out
