"""Quality stage, the predictive distribution: p, the gain and their intervals from fitted numbers.

One definition, two paths: :func:`predict_arrays` (numpy, many tasks) and :func:`predict_row`
(plain floats, one task; a recommendation needs one and pays no numpy overhead). Both
compute, for a task from a new source,

    mu   = x'beta + b0 + s0·off + theta·unstated          (expected gain, points)
    sd   = k·sqrt(sigma² + tau²)                           (predictive sd, points)
    p    = lo + (hi − lo)·r(n)·Phi((mu − margin) / sd),     r(n) = min(1, (n / n_min)^e)

and the intervals from the mean ``m`` and covariance ``C`` of the source-bootstrap draws of
``(beta, b0, s0, theta)``: with ``x~ = (x, 1, off, unstated)``, the expected gain across
draws has mean ``m(x) = x~'m`` and variance ``s²(x) = x~'C x~``, so

    expected gain:  m(x) ± z·s(x)                     (how sure the fit is of mu)
    gain:           m(x) ± z·sqrt(E_b[sd_b²] + s²(x))  (where this task's gain would fall)
    p:              p at mu = m(x) ± z·s(x)

each widened to contain its point value, gains clipped to ±clip. ``z`` is the standard normal
quantile of the interval level (1.2816 for 80%). Every bootstrap draw's curve is
non-decreasing in n, and so are the ends: a lower end is the lowest value of its formula at
any size >= n, an upper end the highest at any size <= n (between two knots the formula is
concave, resp. convex, in ln(1 + n), so evaluating it at the knots is enough).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from .._types import FloatArray
from .features import FEATURES, FeatureSpec

__all__ = ["Predictive", "RowPrediction", "normal_cdf", "predict_arrays", "predict_row"]

_SQRT2 = math.sqrt(2.0)


def normal_cdf(z: float) -> float:
    """Standard normal CDF (``math.erfc``: accurate in both tails).

    Examples
    --------
    >>> normal_cdf(0.0)
    0.5
    """
    return 0.5 * math.erfc(-z / _SQRT2)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _normal_cdf_array(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * _erfc(-z / _SQRT2), dtype=np.float64)


@dataclass(frozen=True)
class Predictive:
    """The fitted numbers one prediction needs (built from the parameter file or a fit)."""

    spec: FeatureSpec
    coef: tuple[float, ...]
    intercept: float
    slope_below_min: float
    nuisance_shift: float  # fit-only: mean shift of corpus rows with an unstated n
    sigma: float
    sigma_unstated: float  # fit-only: residual sd of those rows
    tau: float
    sd_scale: float
    margin: float
    band: tuple[float, float]
    gate_n_min: float
    gate_exponent: float
    clip: float
    level: float
    draw_mean: tuple[float, ...]  # (beta, b0, s0, theta) averaged over the draws
    draw_cov: tuple[tuple[float, ...], ...]  # their covariance (ddof 0)
    draw_sd2: float  # mean over draws of k²·(sigma_b² + tau_b²)
    draw_sd2_unstated: float  # the same with sigma_unstated_b (fit-only)

    @classmethod
    def from_draws(
        cls,
        *,
        draws: FloatArray,
        sigma_draws: FloatArray,
        sigma_unstated_draws: FloatArray,
        tau_draws: FloatArray,
        **point: object,
    ) -> Predictive:
        """Moments of the draws (rows: ``(beta, b0, s0, theta)``) with the point values."""
        k = float(point["sd_scale"])  # type: ignore[arg-type]
        d = np.asarray(draws, dtype=np.float64)
        cov = np.atleast_2d(np.cov(d.T, bias=True)) if len(d) > 1 else np.zeros((d.shape[1],) * 2)
        return cls(
            draw_mean=tuple(float(v) for v in d.mean(axis=0)),
            draw_cov=tuple(tuple(float(v) for v in row) for row in cov),
            draw_sd2=float(np.mean(k * k * (sigma_draws**2 + tau_draws**2))),
            draw_sd2_unstated=float(np.mean(k * k * (sigma_unstated_draws**2 + tau_draws**2))),
            **point,  # type: ignore[arg-type]
        )

    @functools.cached_property
    def sd(self) -> float:
        """Predictive sd of the gain for a task from a new source (points)."""
        return self.sd_scale * math.hypot(self.sigma, self.tau)

    @functools.cached_property
    def z(self) -> float:
        """Standard normal quantile of the interval level."""
        return NormalDist().inv_cdf(0.5 + self.level / 2.0)

    @functools.cached_property
    def _row_constants(self) -> _RowConstants:
        d = len(self.coef)
        cidx = _curve_index(d)
        cov = self.draw_cov
        mean_c = tuple(self.draw_mean[k] for k in cidx)
        cov_c = tuple(tuple(cov[i][j] for j in cidx) for i in cidx)
        cont = _CONTINUOUS
        knots = []
        for t in (0.0, *self.spec.ln_knots):
            r = _curve_part(t, self.spec.ln_knots)
            rcr = sum(r[i] * cov_c[i][j] * r[j] for i in range(4) for j in range(4))
            knots.append((t, r, sum(m * v for m, v in zip(mean_c, r, strict=True)), rcr))
        return _RowConstants(
            categorical=tuple(i for i in range(d) if i not in _CURVE_SET and i not in cont),
            mean_cont=tuple(self.draw_mean[i] for i in cont),
            cov_cont=tuple(tuple(cov[i][j] for j in cont) for i in cont),
            cov_curve_cont=tuple(tuple(cov[k][i] for i in cont) for k in cidx),
            cidx=cidx,
            mean_c=mean_c,
            cov_c=cov_c,
            knots=tuple(knots),
            combos={},
        )

    def _combo(
        self, key: tuple[float, ...]
    ) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
        """Moments of the categorical part ``e`` of ``x~`` (its binary features and the
        intercept): ``mean·e``, ``e'Ce``, ``(Ce)`` at the continuous and at the curve
        entries. There are few distinct ``e``; each is computed once."""
        k = self._row_constants
        hit = k.combos.get(key)
        if hit is not None:
            return hit
        d = len(self.coef)
        e = [(i, v) for i, v in zip(k.categorical, key, strict=True) if v != 0.0]
        e.append((d, 1.0))
        cov, mean = self.draw_cov, self.draw_mean
        ce = [sum(cov[j][i] * v for i, v in e) for j in range(len(cov))]
        out = (
            sum(mean[i] * v for i, v in e),
            sum(ce[i] * v for i, v in e),
            tuple(ce[i] for i in _CONTINUOUS),
            tuple(ce[i] for i in k.cidx),
        )
        k.combos[key] = out
        return out

    def gate(self, n: float) -> float:
        """Vendor-minimum gate r(n) = min(1, (n / n_min)^exponent)."""
        if n >= self.gate_n_min:
            return 1.0
        return float((max(n, 0.0) / self.gate_n_min) ** self.gate_exponent)


@dataclass(frozen=True)
class _RowConstants:
    """Pieces of the draws' mean and covariance that the single-row path reuses."""

    categorical: tuple[int, ...]  # positions of the binary features (n-free)
    mean_cont: tuple[float, ...]  # the continuous n-free features
    cov_cont: tuple[tuple[float, ...], ...]
    cov_curve_cont: tuple[tuple[float, ...], ...]  # curve entries x continuous features
    cidx: tuple[int, int, int, int]  # positions in x~ of the n-dependent entries
    mean_c: tuple[float, ...]
    cov_c: tuple[tuple[float, ...], ...]
    knots: tuple[tuple[float, tuple[float, ...], float, float], ...]  # t, r, mean·r, r'Cr
    combos: dict[tuple[float, ...], tuple[float, float, tuple[float, ...], tuple[float, ...]]]


class RowPrediction(NamedTuple):
    """One task's numbers (see the module docstring)."""

    p: float
    low: float
    high: float
    gain: float
    gain_low: float
    gain_high: float
    mean_low: float
    mean_high: float
    gate: float
    mean: float  # m(x): the expected gain averaged over the draws
    mean_sd: float  # s(x)
    gain_sd: float  # sqrt(E_b[sd_b²] + s²(x)): the full predictive sd


def _curve_part(t: float, lk: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The n-dependent entries of ``x~`` at ``t = ln(1 + n)``: three ramps and the offset."""
    k1, k2, k3, k4 = lk
    return (
        min(max(t, k1), k2) - k1,
        min(max(t, k2), k3) - k2,
        min(max(t, k3), k4) - k3,
        min(t - k1, 0.0),
    )


def predict_row(pred: Predictive, row: Sequence[float], off: float, n: float) -> RowPrediction:
    """:func:`predict_arrays` for one task at run time (``unstated`` = 0), in plain floats."""
    k = pred._row_constants
    mu = pred.intercept + pred.slope_below_min * off
    for c, v in zip(pred.coef, row, strict=True):
        mu += c * v
    m_e, a, g, h = pred._combo(tuple(row[i] for i in k.categorical))
    cross = k.cov_curve_cont
    v0, v1, v2 = (row[i] for i in _CONTINUOUS)
    mc0, mc1, mc2 = k.mean_cont
    (c00, c01, c02), (_, c11, c12), (_, _, c22) = k.cov_cont
    m_u = m_e + mc0 * v0 + mc1 * v1 + mc2 * v2
    a += 2.0 * (g[0] * v0 + g[1] * v1 + g[2] * v2)
    a += c00 * v0 * v0 + c11 * v1 * v1 + c22 * v2 * v2
    a += 2.0 * (c01 * v0 * v1 + c02 * v0 * v2 + c12 * v1 * v2)
    b = [hk + x0 * v0 + x1 * v1 + x2 * v2 for hk, (x0, x1, x2) in zip(h, cross, strict=True)]
    t = math.log1p(max(n, 0.0))
    r = _curve_part(t, pred.spec.ln_knots)
    cc = k.cov_c
    q = a
    m = m_u
    for i in range(4):
        ri = r[i]
        if ri != 0.0:
            m += k.mean_c[i] * ri
            ci = cc[i]
            q += ri * (2.0 * b[i] + ci[0] * r[0] + ci[1] * r[1] + ci[2] * r[2] + ci[3] * r[3])
    q = max(q, 0.0)
    z, sd2 = pred.z, pred.draw_sd2
    s_here = math.sqrt(q)
    gsd = math.sqrt(sd2 + q)
    mean_lo, mean_hi, gain_lo, gain_hi = m - z * s_here, m + z * s_here, m - z * gsd, m + z * gsd
    b0, b1, b2, b3 = b
    for tk, rk, m_k, rcr in k.knots:
        if tk == t:
            continue
        qk = a + 2.0 * (b0 * rk[0] + b1 * rk[1] + b2 * rk[2] + b3 * rk[3]) + rcr
        qk = qk if qk > 0.0 else 0.0
        mk, sk, gk = m_u + m_k, math.sqrt(qk), math.sqrt(sd2 + qk)
        if tk > t:  # the lower ends are the lowest at any size >= n
            mean_lo, gain_lo = min(mean_lo, mk - z * sk), min(gain_lo, mk - z * gk)
        else:  # the upper ends the highest at any size <= n
            mean_hi, gain_hi = max(mean_hi, mk + z * sk), max(gain_hi, mk + z * gk)
    scale, margin = _SQRT2 * pred.sd, pred.margin
    lo_b, hi_b = pred.band
    r_n = pred.gate(n)
    span = 0.5 * (hi_b - lo_b) * r_n
    erfc = math.erfc
    p = lo_b + span * erfc((margin - mu) / scale)
    p_lo = lo_b + span * erfc((margin - min(mean_lo, mu)) / scale)
    p_hi = lo_b + span * erfc((margin - max(mean_hi, mu)) / scale)
    cl = pred.clip
    return RowPrediction(
        p,
        min(p_lo, p),
        max(p_hi, p),
        min(max(mu, -cl), cl),
        min(max(min(gain_lo, mu), -cl), cl),
        min(max(max(gain_hi, mu), -cl), cl),
        min(max(min(mean_lo, mu), -cl), cl),
        min(max(max(mean_hi, mu), -cl), cl),
        r_n,
        m,
        s_here,
        gsd,
    )


#: Positions of the ramps in ``FEATURES`` (the curve's n-dependent entries besides ``off``)
#: and of the continuous n-free features; the rest are binary.
_CURVE = tuple(i for i, f in enumerate(FEATURES) if f.kind == "curve")
_CURVE_SET = frozenset(_CURVE)
_CONTINUOUS = tuple(i for i, f in enumerate(FEATURES) if f.kind == "continuous")
assert len(_CURVE) == 3 and len(_CONTINUOUS) == 3, "predict_row unrolls 3 ramps, 3 continuous"


def _curve_index(d: int) -> tuple[int, int, int, int]:
    """Positions in ``x~ = (x, 1, off, unstated)`` of the entries that depend on n."""
    return (*_CURVE, d + 1)  # type: ignore[return-value]


def _curve_parts(t: FloatArray, lk: tuple[float, float, float, float]) -> FloatArray:
    k1, k2, k3, k4 = lk
    return np.stack(
        [
            np.clip(t, k1, k2) - k1,
            np.clip(t, k2, k3) - k2,
            np.clip(t, k3, k4) - k3,
            np.minimum(t - k1, 0.0),
        ],
        axis=-1,
    )


def predict_arrays(
    pred: Predictive,
    x: FloatArray,
    off: FloatArray,
    n: FloatArray,
    unstated: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """p, its interval, the gain, its predictive interval and the interval of the expected
    gain for many tasks (numpy). ``unstated`` (corpus rows only) adds the fit-time nuisance
    terms; at run time it is absent (0).

    The ends are made monotone in n: each lower end is the lowest value of its formula at
    any size >= n, each upper end the highest at any size <= n (on each stretch between
    the knots the formula is concave, resp. convex, in ln(1 + n), so the knots suffice).
    Every bootstrap draw's curve is non-decreasing in n; so are the intervals.
    """
    m_rows, d = x.shape
    u = np.zeros(m_rows) if unstated is None else np.asarray(unstated, dtype=np.float64)
    mu = x @ np.asarray(pred.coef) + pred.intercept + pred.slope_below_min * off
    mu = mu + pred.nuisance_shift * u
    sig = np.where(u > 0, pred.sigma_unstated, pred.sigma)
    sd = pred.sd_scale * np.sqrt(sig**2 + pred.tau**2)
    cidx = list(_curve_index(d))
    base = np.column_stack([x, np.ones(m_rows), np.zeros(m_rows), u])
    base[:, list(_CURVE)] = 0.0
    mean_v, cov = np.asarray(pred.draw_mean), np.asarray(pred.draw_cov)
    m_u = base @ mean_v
    a = np.einsum("ij,jk,ik->i", base, cov, base)
    b = base @ cov[:, cidx]
    mean_c, cov_c = mean_v[cidx], cov[np.ix_(cidx, cidx)]
    sd2 = np.where(u > 0, pred.draw_sd2_unstated, pred.draw_sd2)
    lk = pred.spec.ln_knots
    t = np.log1p(np.maximum(n, 0.0))
    z = pred.z

    def ends(tt: FloatArray) -> tuple[FloatArray, ...]:
        r = _curve_parts(tt, lk)
        m = m_u + r @ mean_c
        q = np.maximum(a + 2.0 * np.sum(b * r, axis=1) + np.einsum("ij,jk,ik->i", r, cov_c, r), 0)
        s, g = np.sqrt(q), np.sqrt(sd2 + q)
        return m, m - z * s, m + z * s, m - z * g, m + z * g, s

    mean, mean_lo, mean_hi, gain_lo, gain_hi, s = ends(t)
    for tk in (0.0, *lk):
        e = ends(np.full(m_rows, tk))
        above, below = tk > t, tk < t
        mean_lo = np.where(above, np.minimum(mean_lo, e[1]), mean_lo)
        gain_lo = np.where(above, np.minimum(gain_lo, e[3]), gain_lo)
        mean_hi = np.where(below, np.maximum(mean_hi, e[2]), mean_hi)
        gain_hi = np.where(below, np.maximum(gain_hi, e[4]), gain_hi)
    margin = pred.margin
    lo_b, hi_b = pred.band
    ln = np.maximum(n, 0.0)
    r_n = np.where(ln >= pred.gate_n_min, 1.0, (ln / pred.gate_n_min) ** pred.gate_exponent)
    span = (hi_b - lo_b) * r_n
    p = lo_b + span * _normal_cdf_array((mu - margin) / sd)
    p_lo = lo_b + span * _normal_cdf_array((mean_lo - margin) / sd)
    p_hi = lo_b + span * _normal_cdf_array((mean_hi - margin) / sd)
    cl = pred.clip
    return {
        "p": p,
        "low": np.minimum(p_lo, p),
        "high": np.maximum(p_hi, p),
        "gain": np.clip(mu, -cl, cl),
        "gain_low": np.clip(np.minimum(gain_lo, mu), -cl, cl),
        "gain_high": np.clip(np.maximum(gain_hi, mu), -cl, cl),
        "mean_low": np.clip(np.minimum(mean_lo, mu), -cl, cl),
        "mean_high": np.clip(np.maximum(mean_hi, mu), -cl, cl),
        "gate": r_n,
        "sd": sd,
        "mean": mean,
        "mean_sd": s,
        "gain_sd": np.sqrt(sd2 + s * s),
    }
