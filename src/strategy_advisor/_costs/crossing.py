"""Cost stage, the break-even: the lowest monthly volume above which fine-tuning is cheaper.

Between replica steps every option's total over the horizon is a smooth form of the volume
``V`` (linear, plus the prompt cache's saving as the hit rate rises), so the totals'
crossings are found exactly rather than by a search from the current volume
(``docs/costs.md``, "Break-even and payback").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from .arms import Option

__all__ = ["lowest_crossing"]

_MAX_VOLUME = 1e13  # requests per month searched for a break-even (beyond any real task)
_MAX_PIECES = 10_000  # replica steps walked through before the search gives up

# --------------------------------------------------------------------------- break-even
#
# On a stretch of volumes where no option adds a replica, every total is
# ``a + b*V + g*(V - v0)*exp(-k*V)``: linear, plus the prompt cache's saving as the hit rate
# ``h = (1 - exp(-k*V))*(1 - v0/V)`` rises (``g`` = H x what a hit saves per request; ``v0``
# the volume below which a hard maximum lifetime leaves no hit, 0 without one).


class _Form:
    """One option's total on one stretch of volumes: ``a + b·V + g·(V − v0)·exp(−k·V)``."""

    __slots__ = ("a", "b", "g", "k", "v0")

    def __init__(self, a: float, b: float, g: float = 0.0, k: float = 0.0, v0: float = 0.0):
        self.a, self.b, self.g, self.k, self.v0 = a, b, g, k, v0

    def __call__(self, v: float) -> float:
        if not self.g:
            return self.a + self.b * v
        return self.a + self.b * v + self.g * (v - self.v0) * math.exp(-self.k * v)


def _breaks(o: Option, fluid: bool) -> list[float]:
    """Volumes at which an option's formula changes, other than its replica steps."""
    out = []
    beta = o.replicas_per_volume
    if o.mode != "serverless" and beta is not None and (o.shared or fluid):
        out.append(o.min_replicas / beta)  # the minimum stops binding
    if o.cached and o.hit_given is None and o.cache_idle_minutes and o.cache_max_minutes:
        out.append(o.seconds_per_month / (60.0 * o.cache_max_minutes))  # hits start
    return out


def _stepped(o: Option) -> bool:
    return o.mode != "serverless" and o.replicas_per_volume is not None and not o.shared


def _next_step(o: Option, v: float) -> float:
    """The first replica step of a stepped option above ``v``."""
    beta = o.replicas_per_volume
    assert beta is not None
    n = max(math.floor(v * beta + 1e-12) + 1, math.ceil(o.min_replicas))
    return n / beta


def _form(o: Option, lo: float, hi: float, bound: str = "exact") -> _Form:
    """An option's total on ``(lo, hi]`` (no formula change inside). ``bound`` replaces
    its replica steps by a smooth lower (``"low"``) or upper (``"high"``) bound."""
    assert o.miss_price is not None and o.fee_per_replica_month is not None
    fixed = o.fixed()
    assert fixed is not None
    h, mid = o.months, 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * lo + 1.0
    a, b = fixed, h * o.miss_price
    fee = h * o.fee_per_replica_month
    beta = o.replicas_per_volume
    if o.mode != "serverless":
        if beta is None:
            a += fee * o.min_replicas
        elif o.shared or bound != "exact":
            if mid * beta > o.min_replicas:
                b += fee * beta
            else:
                a += fee * o.min_replicas
            if bound == "high" and not o.shared:
                a += fee  # ceil(x) < x + 1
        else:
            a += fee * o.replicas(mid)
    if not o.cached or not o.hit_discount:
        return _Form(a, b)
    if o.hit_given is not None or not o.cache_idle_minutes:
        return _Form(a, b - h * o.hit_discount * o.hit_rate(mid))
    k = 60.0 * o.cache_idle_minutes / o.seconds_per_month
    g = h * o.hit_discount
    if o.cache_max_minutes:
        v0 = o.seconds_per_month / (60.0 * o.cache_max_minutes)
        if mid <= v0:
            return _Form(a, b)  # fewer than one request per maximum lifetime: no hit
        return _Form(a + g * v0, b - g, g, k, v0)
    return _Form(a, b - g, g, k, 0.0)


def _root(d: _Form, order: int, lo: float, hi: float) -> float:
    """The zero of ``d`` (``order`` 0) or of its slope (``order`` 1) in ``[lo, hi]``, where
    it is monotone and changes sign: Newton's method kept inside a shrinking bracket (a
    bisection step when Newton leaves it). ``d`` has a cache term (``g`` is not 0); the
    expressions are :class:`_Form`'s, :class:`_Slope`'s and :class:`_Curvature`'s."""
    a, b, g, k, v0 = d.a, d.b, d.g, d.k, d.v0
    exp = math.exp
    if order == 0:
        f_lo = a + b * lo + g * (lo - v0) * exp(-k * lo)
    else:
        f_lo = b + g * exp(-k * lo) * (1.0 - k * (lo - v0))
    v = 0.5 * (lo + hi)
    for _ in range(200):
        e = exp(-k * v)
        if order == 0:
            fv = a + b * v + g * (v - v0) * e
            slope = b + g * e * (1.0 - k * (v - v0))
        else:
            fv = b + g * e * (1.0 - k * (v - v0))
            slope = g * k * e * (k * (v - v0) - 2.0)
        if fv == 0:
            return v
        if (fv < 0) == (f_lo < 0):
            lo, f_lo = v, fv
        else:
            hi = v
        step = v - fv / slope if slope else math.nan
        if abs(step - v) <= 1e-15 * abs(v):
            return v  # Newton has converged (even if rounding put its step just outside)
        if not lo < step < hi:
            step = 0.5 * (lo + hi)
        if hi - lo <= 1e-15 * abs(v):
            return step
        v = step
    return v


class _Slope:
    """The derivative of a form."""

    __slots__ = ("d",)

    def __init__(self, d: _Form) -> None:
        self.d = d

    def __call__(self, v: float) -> float:
        d = self.d
        if not d.g:
            return d.b
        return d.b + d.g * math.exp(-d.k * v) * (1.0 - d.k * (v - d.v0))


def _zeros(icl: _Form, ft: _Form, lo: float, hi: float) -> list[float]:
    """Volumes in ``(lo, hi)`` where two totals are equal (``ft`` is linear)."""
    d = _Form(icl.a - ft.a, icl.b - ft.b, icl.g, icl.k, icl.v0)
    if not d.g:
        if d.b == 0:
            return []
        v = -d.a / d.b
        return [v] if lo < v < hi else []
    # d'' changes sign once, at v0 + 2/k: d' falls, then rises; at most two turning points
    cuts = {lo, hi}
    turn = d.v0 + 2.0 / d.k
    slope = _Slope(d)
    for a, b in ((lo, min(turn, hi)), (max(turn, lo), hi)):
        if a < b and (slope(a) < 0) != (slope(b) < 0):
            cuts.add(_root(d, 1, a, b))
    if lo < turn < hi:
        cuts.add(turn)
    points = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(points):
        da, db = d(a), d(b)
        if da == 0 and a > lo:
            out.append(a)
        elif (da < 0) != (db < 0) and db != 0:
            out.append(_root(d, 0, a, b))
    return out


def _gap(ft: list[_Form], icl: list[_Form], v: float) -> float:
    return min(x(v) for x in ft) - min(x(v) for x in icl)


def _sign_changes(
    ft: list[_Form], icl: list[_Form], lo: float, hi: float
) -> Iterator[tuple[float, float]]:
    """The stretches of ``(lo, hi]`` where fine-tuning's lowest total is below prompting's,
    in order, on a piece where every total is a smooth form."""
    cuts = {lo, hi}
    for x in ft:
        for y in icl:
            cuts.update(_zeros(y, x, lo, hi))
    points = sorted(cuts)
    start = None
    for a, b in itertools.pairwise(points):
        below = _gap(ft, icl, 0.5 * (a + b)) < 0
        if below and start is None:
            start = a
        elif not below and start is not None:
            yield start, a
            start = None
    if start is not None:
        yield start, hi


def _pieces(options: list[Option], lo: float, hi: float, fluid: bool) -> list[float]:
    """The volumes in ``(lo, hi)`` at which some option's formula changes (its replica
    steps too unless ``fluid``), with ``lo`` and ``hi``."""
    cuts = {lo, hi}
    for o in options:
        cuts.update(v for v in _breaks(o, fluid) if lo < v < hi)
    return sorted(cuts)


def lowest_crossing(ft: list[Option], icl: list[Option]) -> float | None:
    """The lowest monthly volume above which fine-tuning is cheaper: ``V*`` with equal
    totals there and fine-tuning's the lower just above it.

    Between replica steps every total is a smooth form (:class:`_Form`), so crossings are
    found exactly, piece by piece from zero volume up: where two totals are equal
    (closed form, or Newton's method on a stretch where their difference is monotone),
    then the sign of the gap between those points. Bounds that smooth the replica steps
    away (fine-tuning's from below, prompting's from above) first show where fine-tuning
    can be cheaper at all, so the walk through replica steps visits only those stretches.
    None when fine-tuning is not dearer at zero volume, when it never becomes cheaper up
    to 1e13 requests a month, or when it first becomes cheaper at a replica step (a jump:
    no volume then has equal totals). At higher volumes fine-tuning may lose again (a
    replica step, a prompt cache that warms up); the break-even is the first crossing.
    """
    if not ft or not icl:
        return None
    at_zero = [o.total(0.0) for o in ft], [o.total(0.0) for o in icl]
    if min(at_zero[0]) - min(at_zero[1]) <= 0:  # type: ignore[type-var,operator]
        return None  # fine-tuning is never dearer: no volume at which it starts to win
    everything = ft + icl
    stepped = any(_stepped(o) for o in everything)
    bounds = _pieces(everything, 0.0, _MAX_VOLUME, fluid=True)
    budget = _MAX_PIECES
    for lo, hi in itertools.pairwise(bounds):
        ft_low = [_form(o, lo, hi, "low") for o in ft]
        icl_high = [_form(o, lo, hi, "high") for o in icl]
        for start, stop in _sign_changes(ft_low, icl_high, lo, hi):
            if not stepped:  # the bounds are the totals: the gap is continuous
                return start if start > 0 else None
            found, done, budget = _walk(ft, icl, start, stop, budget)
            if done:
                return found
    return None


def _walk(
    ft: list[Option], icl: list[Option], lo: float, hi: float, budget: int
) -> tuple[float | None, bool, int]:
    """``(crossing, search over, pieces left)``: the first crossing in ``(lo, hi]``,
    walking through every replica step; over at a crossing, at a jump, or out of pieces."""
    v = lo
    tolerance = 1e-7 * max(1.0, *(abs(o.fixed() or 0.0) for o in ft + icl))
    while v < hi:
        nxt = min([hi, *(_next_step(o, v) for o in ft + icl if _stepped(o))])
        if not nxt > v:  # a step below the float spacing at v rounded back: take the next float
            nxt = min(hi, math.nextafter(v, math.inf))
        points = _pieces(ft + icl, v, nxt, fluid=False)
        charged = False
        for a, b in itertools.pairwise(points):
            budget -= 1
            charged = True
            if budget < 0:
                return None, True, 0
            ft_forms = [_form(o, a, b) for o in ft]
            icl_forms = [_form(o, a, b) for o in icl]
            for start, _ in _sign_changes(ft_forms, icl_forms, a, b):
                equal = abs(_gap(ft_forms, icl_forms, start)) <= tolerance
                return (start if equal and start > 0 else None), True, budget
        if not charged:  # every pass pays for itself, whatever the pieces between v and nxt
            budget -= 1
            if budget < 0:
                return None, True, 0
        v = nxt
    return None, False, budget
