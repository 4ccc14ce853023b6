"""Quality stage, the predictive distribution: p, the gain and their intervals from fitted numbers.

One definition, two paths: :func:`predict_arrays` (numpy, many tasks) and :func:`predict_row`
(one task). For a task from a new source, with ``x~ = (x, 1, off)`` and the point fit
``theta = (beta, b0, s0)``::

    mu    = x'beta + b0 + s0·off                          expected gain, points
    sig_h = sigma · ((headroom + c) / (ref + c))^g        residual sd (g = 0 without a baseline)
    sd_p  = sqrt(k²(sig_h² + tau²) + (beta_h·se)²)        plug-in predictive sd
    S(t)  = sqrt(sd_p² + x~(t)'C x~(t))                   full predictive sd at t = ln(1 + n)

``C`` is the covariance of ``theta`` over the source-bootstrap draws, ``beta_h`` the headroom
coefficient and ``se`` the measured baseline's standard error (a noisier baseline widens
everything). From ``N(mu, sd_p²)``, with the 1-point margin m::

    P+ = Phi((mu − m)/sd_p),  P− = Phi((−m − mu)/sd_p),  p_tie = 1 − P+ − P−
    q  = P+ / (P+ + P−)                                   decisive: P(FT better | not a tie)
    p  = lo + (hi − lo)·r(n)·sigmoid(a + b·logit q),      r(n) = min(1, (n / n_min)^e)

(the Platt step (a, b) is the identity unless a fit enables it), so from n_min on, p > 0.5
exactly when mu > 0 for the identity step. The gain's quantile at a standard-normal score z is

    G(z) = min over t' in {t} ∪ {knots > t} of  mu(t') + z·S(t')    (z < 0)
    G(z) = max over t' in {t} ∪ {knots < t} of  mu(t') + z·S(t')    (z > 0),   G(0) = mu

clipped to ±clip: a normal N(mu, S²) whose quantiles are made non-decreasing in n (a lower
quantile is the lowest value at any size ≥ n, an upper the highest at any size ≤ n; between
two knots mu is linear and S convex in t, so the knots suffice). G is strictly increasing in
z. The predictive interval is [G(−z80), G(z80)]; the interval of the expected gain is the same
envelope with S replaced by the fit uncertainty alone (sd_p = 0); the interval of p is p at
the ends of the latter.
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
from .features import FEATURES, HEADROOM, FeatureSpec

__all__ = [
    "Predictive",
    "RowPrediction",
    "decisive",
    "gain_envelope",
    "gain_quantiles",
    "mean_gain",
    "moments",
    "normal_cdf",
    "plugin_sd",
    "predict_arrays",
    "predict_row",
]

_SQRT2 = math.sqrt(2.0)
_CURVE = tuple(i for i, f in enumerate(FEATURES) if f.kind == "curve")
assert len(_CURVE) == 3, "the curve is three ramps"


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


def _log_upper(x: float) -> float:
    """``ln P(Z > x)`` for a standard normal Z, without underflow far in the tail."""
    if x < 30.0:
        return math.log(0.5 * math.erfc(x / _SQRT2))
    return -0.5 * x * x - math.log(x * math.sqrt(2.0 * math.pi)) + math.log1p(-1.0 / (x * x))


def decisive(mu: float, sd: float, margin: float) -> tuple[float, float]:
    """``(q, p_tie)`` of a gain ``N(mu, sd²)``: q = P(gain > m | |gain| > m), p_tie =
    P(|gain| ≤ m). Far in both tails (a tiny sd inside the margin) q is the ratio of the two
    tails, computed on the log scale.

    Examples
    --------
    >>> decisive(0.0, 10.0, 1.0)[0]
    0.5
    >>> round(decisive(0.5, 1e-3, 1.0)[0], 6), decisive(0.5, 1e-3, 1.0)[1]
    (1.0, 1.0)
    """
    if sd <= 0.0:
        return (1.0 if mu > 0.0 else 0.0 if mu < 0.0 else 0.5), float(abs(mu) <= margin)
    a, b = (margin - mu) / sd, (mu + margin) / sd  # the gain above m, below -m
    up, down = 0.5 * math.erfc(a / _SQRT2), 0.5 * math.erfc(b / _SQRT2)
    if up + down > 1e-250:
        return up / (up + down), max(1.0 - up - down, 0.0)
    diff = _log_upper(b) - _log_upper(a)  # ln(down / up)
    return (1.0 / (1.0 + math.exp(diff)) if diff < 700 else 0.0), max(1.0 - up - down, 0.0)


def _decisive_array(mu: FloatArray, sd: FloatArray, margin: float) -> tuple[FloatArray, FloatArray]:
    up = _normal_cdf_array((mu - margin) / sd)
    down = _normal_cdf_array((-margin - mu) / sd)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = up / (up + down)
    tiny = ~(up + down > 1e-250)
    if tiny.any():  # far in both tails: the scalar path's log-scale ratio
        q = q.copy()
        for i in np.flatnonzero(tiny):
            q[i] = decisive(float(mu[i]), float(sd[i]), margin)[0]
    return q, np.maximum(1.0 - up - down, 0.0)


@dataclass(frozen=True)
class Predictive:
    """The fitted numbers one prediction needs (one fit: without or with a baseline)."""

    spec: FeatureSpec
    variant: str
    coef: tuple[float, ...]
    intercept: float
    slope_below_min: float
    sigma: float
    tau: float
    sd_scale: float
    sd_headroom: float  # g: ln-sd slope on ln((headroom + offset) / (reference + offset))
    headroom_offset: float
    headroom_reference: float
    margin: float
    band: tuple[float, float]
    gate_n_min: float
    gate_exponent: float
    clip: float
    level: float
    platt: tuple[float, float]
    cov: tuple[tuple[float, ...], ...]  # of (coef, intercept, slope_below_min) over the draws

    @functools.cached_property
    def z(self) -> float:
        """Standard normal quantile of the interval level."""
        return NormalDist().inv_cdf(0.5 + self.level / 2.0)

    @functools.cached_property
    def cov_array(self) -> FloatArray:
        """``C`` as an array."""
        return np.array(self.cov, dtype=np.float64)

    @functools.cached_property
    def theta_curve(self) -> FloatArray:
        """The coefficients of the n-dependent entries: three ramps and the offset."""
        return np.array([*(self.coef[i] for i in _CURVE), self.slope_below_min])

    @functools.cached_property
    def cov_curve(self) -> FloatArray:
        """The covariance of the n-dependent entries."""
        idx = list(self.curve_index)
        return self.cov_array[np.ix_(idx, idx)]

    @functools.cached_property
    def cov_curve_rows(self) -> tuple[tuple[float, ...], ...]:
        """:attr:`cov_curve` as plain floats."""
        return tuple(tuple(float(v) for v in row) for row in self.cov_curve)

    @functools.cached_property
    def theta_curve_tuple(self) -> tuple[float, ...]:
        """:attr:`theta_curve` as plain floats."""
        return tuple(float(v) for v in self.theta_curve)

    @functools.cached_property
    def knot_constants(self) -> tuple[tuple[tuple[float, ...], float, float], ...]:
        """Per knot value: its curve entries r_k, r_k'C_rr r_k and r_k·theta."""
        out = []
        for rk in self.knot_parts.tolist():
            ak = float(np.asarray(rk) @ self.cov_curve @ np.asarray(rk))
            bk = sum(a * b for a, b in zip(rk, self.theta_curve_tuple, strict=True))
            out.append((tuple(rk), ak, bk))
        return tuple(out)

    @functools.cached_property
    def curve_index(self) -> tuple[int, int, int, int]:
        """Positions in ``x~ = (x, 1, off)`` of the n-dependent entries."""
        a, b, c = _CURVE
        return a, b, c, len(self.coef) + 1

    @functools.cached_property
    def knot_values(self) -> tuple[float, ...]:
        """t = ln(1 + n) at which the envelope is evaluated: 0 and the four knots."""
        return (0.0, *self.spec.ln_knots)

    @functools.cached_property
    def knot_parts(self) -> FloatArray:
        """The curve entries at each knot value (rows)."""
        return np.array([_curve_part(t, self.spec.ln_knots) for t in self.knot_values])

    def sigma_at(self, headroom: float) -> float:
        """Residual sd of a task with this measured headroom (sigma when g = 0)."""
        if self.sd_headroom == 0.0:
            return self.sigma
        c = self.headroom_offset
        ratio = (max(headroom, 0.0) + c) / (self.headroom_reference + c)
        return float(self.sigma * ratio**self.sd_headroom)

    def sd_plugin(self, headroom: float, se: float) -> float:
        """``sd_p``: the plug-in predictive sd (see the module docstring)."""
        k, s = self.sd_scale, self.sigma_at(headroom)
        beta_h = self.coef[HEADROOM]
        return math.sqrt(k * k * (s * s + self.tau * self.tau) + (beta_h * se) ** 2)

    def gate(self, n: float) -> float:
        """Vendor-minimum gate r(n) = min(1, (n / n_min)^exponent)."""
        if n >= self.gate_n_min:
            return 1.0
        return float((max(n, 0.0) / self.gate_n_min) ** self.gate_exponent)

    def calibrate(self, q: float) -> float:
        """The Platt step ``sigmoid(a + b·logit q)`` (the identity for a = 0, b = 1)."""
        a, b = self.platt
        if a == 0.0 and b == 1.0:
            return q
        q = min(max(q, 1e-12), 1.0 - 1e-12)
        return 1.0 / (1.0 + math.exp(-(a + b * math.log(q / (1.0 - q)))))

    def probability(self, mu: float, sd: float, n: float) -> tuple[float, float]:
        """``(p, p_tie)`` for a gain ``N(mu, sd²)`` at training-set size n."""
        q, tie = decisive(mu, sd, self.margin)
        lo, hi = self.band
        return lo + (hi - lo) * self.gate(n) * self.calibrate(q), tie


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
    p_tie: float
    mean: float  # mu, unclipped
    sd_p: float  # plug-in predictive sd
    gain_sd: float  # S at n: the full predictive sd


def _curve_part(t: float, lk: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The n-dependent entries of ``x~`` at ``t = ln(1 + n)``: three ramps and the offset."""
    k1, k2, k3, k4 = lk
    return (
        min(max(t, k1), k2) - k1,
        min(max(t, k2), k3) - k2,
        min(max(t, k3), k4) - k3,
        min(t - k1, 0.0),
    )


def _curve_parts(t: FloatArray, lk: tuple[float, float, float, float]) -> FloatArray:
    k1, k2, k3, _ = lk
    k4 = lk[3]
    return np.stack(
        [
            np.clip(t, k1, k2) - k1,
            np.clip(t, k2, k3) - k2,
            np.clip(t, k3, k4) - k3,
            np.minimum(t - k1, 0.0),
        ],
        axis=-1,
    )


def moments(
    pred: Predictive, xt: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """For each task (rows of ``xt``) and each column (the task itself, then the knot
    values): the expected gain's shift from mu, the fit variance ``x~'C x~``, and which
    columns lie above and below the task's own t."""
    m, p = xt.shape
    kv = np.array(pred.knot_values)
    cols = np.repeat(xt[:, None, :], 1 + len(kv), axis=1)  # (m, K, p)
    cols[:, 1:, list(pred.curve_index)] = pred.knot_parts[None, :, :]
    own = _curve_parts(t, pred.spec.ln_knots)  # (m, 4)
    parts = cols[:, :, list(pred.curve_index)]  # (m, K, 4)
    shift = (parts - own[:, None, :]) @ pred.theta_curve  # (m, K)
    flat = cols.reshape(-1, p)
    q = np.einsum("ij,ij->i", flat @ pred.cov_array, flat).reshape(m, -1)
    q = np.maximum(q, 0.0)
    above = np.concatenate([np.zeros((m, 1), bool), kv[None, :] > t[:, None]], axis=1)
    below = np.concatenate([np.zeros((m, 1), bool), kv[None, :] < t[:, None]], axis=1)
    return shift, q, above, below


def gain_envelope(
    mu: FloatArray,
    shift: FloatArray,
    q: FloatArray,
    base2: FloatArray,
    above: FloatArray,
    below: FloatArray,
    zs: FloatArray,
) -> FloatArray:
    """``G(z)`` of the module docstring, unclipped, for each task (rows) and each z
    (columns): mu at z = 0, the envelope of ``mu(t') + z·sqrt(base2 + q(t'))`` otherwise."""
    s = np.sqrt(base2[:, None] + q)  # (m, K)
    values = (mu[:, None] + shift)[:, :, None] + s[:, :, None] * zs[None, None, :]  # (m, K, nz)
    lower = np.where((above | np.eye(1, shift.shape[1], 0, dtype=bool))[:, :, None], values, np.inf)
    upper = np.where(
        (below | np.eye(1, shift.shape[1], 0, dtype=bool))[:, :, None], values, -np.inf
    )
    out = np.where(zs[None, :] < 0, lower.min(axis=1), upper.max(axis=1))
    return np.where(zs[None, :] == 0, mu[:, None], out)


def mean_gain(pred: Predictive, x: FloatArray, off: FloatArray) -> FloatArray:
    """``mu`` for many tasks, summed in the same order as :func:`predict_row` (bit-identical)."""
    mu = pred.intercept + pred.slope_below_min * off
    for j, c in enumerate(pred.coef):
        mu = mu + c * x[:, j]
    return np.asarray(mu, dtype=np.float64)


def plugin_sd(
    pred: Predictive, x: FloatArray, se: FloatArray, sigma: FloatArray | None = None
) -> FloatArray:
    """``sd_p`` for many tasks (``sigma``: a per-row residual sd before the headroom factor,
    for corpus rows with fit-time nuisance terms)."""
    sig = np.full(len(x), pred.sigma) if sigma is None else np.asarray(sigma, dtype=np.float64)
    if pred.sd_headroom != 0.0:
        c = pred.headroom_offset
        ratio = (np.maximum(x[:, HEADROOM], 0.0) + c) / (pred.headroom_reference + c)
        sig = sig * ratio**pred.sd_headroom
    k, beta_h = pred.sd_scale, pred.coef[HEADROOM]
    return np.asarray(np.sqrt(k * k * (sig**2 + pred.tau**2) + (beta_h * se) ** 2))


def predict_arrays(
    pred: Predictive,
    x: FloatArray,
    off: FloatArray,
    n: FloatArray,
    se: FloatArray | None = None,
    *,
    shift: FloatArray | None = None,
    sigma: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """p, its interval, the gain, its predictive interval and the interval of the expected
    gain for many tasks (numpy). ``shift`` and ``sigma`` (corpus rows only) carry the fit-time
    nuisance terms; at run time both are absent."""
    m = len(x)
    se_ = np.zeros(m) if se is None else np.asarray(se, dtype=np.float64)
    mu = mean_gain(pred, x, off)
    if shift is not None:
        mu = mu + shift
    sd_p = plugin_sd(pred, x, se_, sigma)
    t = np.log1p(np.maximum(n, 0.0))
    xt = np.column_stack([x, np.ones(m), off])
    dm, q, above, below = moments(pred, xt, t)
    z = pred.z
    zs = np.array([-z, z])
    gains = gain_envelope(mu, dm, q, sd_p**2, above, below, zs)
    means = gain_envelope(mu, dm, q, np.zeros(m), above, below, zs)
    lo_b, hi_b = pred.band
    ln = np.maximum(n, 0.0)
    r_n = np.where(ln >= pred.gate_n_min, 1.0, (ln / pred.gate_n_min) ** pred.gate_exponent)
    span = (hi_b - lo_b) * r_n

    def prob(center: FloatArray) -> tuple[FloatArray, FloatArray]:
        q_dec, tie = _decisive_array(center, sd_p, pred.margin)
        a, b = pred.platt
        if not (a == 0.0 and b == 1.0):
            qc = np.clip(q_dec, 1e-12, 1 - 1e-12)
            q_dec = 1.0 / (1.0 + np.exp(-(a + b * np.log(qc / (1 - qc)))))
        return lo_b + span * q_dec, tie

    p, tie = prob(mu)
    cl = pred.clip
    return {
        "p": p,
        "low": np.minimum(prob(means[:, 0])[0], p),
        "high": np.maximum(prob(means[:, 1])[0], p),
        "gain": np.clip(mu, -cl, cl),
        "gain_low": np.clip(gains[:, 0], -cl, cl),
        "gain_high": np.clip(gains[:, 1], -cl, cl),
        "mean_low": np.clip(means[:, 0], -cl, cl),
        "mean_high": np.clip(means[:, 1], -cl, cl),
        "gate": r_n,
        "p_tie": tie,
        "mean": mu,
        "sd": sd_p,
        "gain_sd": np.sqrt(sd_p**2 + q[:, 0]),
    }


def _row_envelope(
    pred: Predictive, row: Sequence[float], off: float, n: float, se: float
) -> tuple[float, float, float, list[float], list[float], list[bool], list[bool]]:
    """One task's mu, sd_p, t and, per column (the task itself, then the knot values), the
    expected gain's shift from mu, the fit variance, and which columns lie above and below t:
    :func:`moments` for one row. With ``x~ = a + P·r`` (r the four n-dependent entries),
    ``x~_k'C x~_k = a'Ca + 2·r_k·(P'Ca) + r_k'C_rr r_k``; only ``C x~`` needs the full
    product."""
    mu = pred.intercept + pred.slope_below_min * off
    for c, v in zip(pred.coef, row, strict=True):
        mu += c * v
    sd_p = pred.sd_plugin(row[HEADROOM], se)
    t = math.log1p(max(n, 0.0))
    xt = np.array([*row, 1.0, off])
    cvec = pred.cov_array @ xt
    q_t = float(xt @ cvec)
    c_all = cvec.tolist()
    i0, i1, i2, i3 = pred.curve_index
    c0, c1, c2, c3 = c_all[i0], c_all[i1], c_all[i2], c_all[i3]
    r0, r1, r2, r3 = _curve_part(t, pred.spec.ln_knots)
    (a00, a01, a02, a03), (a10, a11, a12, a13), (a20, a21, a22, a23), (a30, a31, a32, a33) = (
        pred.cov_curve_rows
    )
    h0 = c0 - (a00 * r0 + a01 * r1 + a02 * r2 + a03 * r3)
    h1 = c1 - (a10 * r0 + a11 * r1 + a12 * r2 + a13 * r3)
    h2 = c2 - (a20 * r0 + a21 * r1 + a22 * r2 + a23 * r3)
    h3 = c3 - (a30 * r0 + a31 * r1 + a32 * r2 + a33 * r3)
    # a'Ca = x~'Cx~ - 2 r.(Cx~)_r + r'C_rr r = x~'Cx~ - r.(Cx~)_r - r.h
    a_ca = q_t - (r0 * c0 + r1 * c1 + r2 * c2 + r3 * c3) - (r0 * h0 + r1 * h1 + r2 * h2 + r3 * h3)
    t0, t1, t2, t3 = pred.theta_curve_tuple
    r_theta = r0 * t0 + r1 * t1 + r2 * t2 + r3 * t3
    shift = [0.0]
    q = [max(q_t, 0.0)]
    for (k0, k1, k2, k3), ak, bk in pred.knot_constants:
        shift.append(bk - r_theta)
        qk = a_ca + 2.0 * (k0 * h0 + k1 * h1 + k2 * h2 + k3 * h3) + ak
        q.append(qk if qk > 0.0 else 0.0)
    kv = pred.knot_values
    return mu, sd_p, t, shift, q, [False, *(k > t for k in kv)], [False, *(k < t for k in kv)]


def _row_ends(
    mu: float, shift: list[float], q: list[float], b2: float, above: list[bool],
    below: list[bool], z: float,
) -> tuple[float, float, float, float]:  # fmt: skip
    """``G(−z), G(z)`` and the expected gain's ends (``b2 = 0``) in one pass, computed as
    :func:`gain_quantiles` computes them."""
    s0, f0 = math.sqrt(b2 + q[0]), math.sqrt(q[0])
    g_lo, g_hi, m_lo, m_hi = mu + -z * s0, mu + z * s0, mu + -z * f0, mu + z * f0
    for sh, qk, up, down in zip(shift, q, above, below, strict=True):
        if up:
            v = mu + sh
            g_lo = min(g_lo, v + -z * math.sqrt(b2 + qk))
            m_lo = min(m_lo, v + -z * math.sqrt(0.0 + qk))
        elif down:
            v = mu + sh
            g_hi = max(g_hi, v + z * math.sqrt(b2 + qk))
            m_hi = max(m_hi, v + z * math.sqrt(0.0 + qk))
    return g_lo, g_hi, m_lo, m_hi


def predict_row(
    pred: Predictive, row: Sequence[float], off: float, n: float, se: float = 0.0
) -> RowPrediction:
    """:func:`predict_arrays` for one task at run time."""
    mu, sd_p, _, shift, q, above, below = _row_envelope(pred, row, off, n, se)
    z = pred.z
    b2 = sd_p * sd_p
    g_lo, g_hi, m_lo, m_hi = _row_ends(mu, shift, q, b2, above, below, z)
    p, tie = pred.probability(mu, sd_p, n)
    cl = pred.clip
    return RowPrediction(
        p,
        min(pred.probability(m_lo, sd_p, n)[0], p),
        max(pred.probability(m_hi, sd_p, n)[0], p),
        min(max(mu, -cl), cl),
        min(max(g_lo, -cl), cl),
        min(max(g_hi, -cl), cl),
        min(max(m_lo, -cl), cl),
        min(max(m_hi, -cl), cl),
        pred.gate(n),
        tie,
        mu,
        sd_p,
        math.sqrt(b2 + q[0]),
    )


def gain_quantiles(
    pred: Predictive, row: Sequence[float], off: float, n: float, se: float, z: FloatArray
) -> FloatArray:
    """``G(z)`` of one task at run time, clipped (no pilot), for an array of z: the values
    :func:`predict_row` takes for its predictive interval at ``z = ∓z80``, computed the same
    way (``(mu + shift) + z·sqrt(sd_p² + q)``, the envelope over the knots)."""
    mu, sd_p, _, shift, q, above, below = _row_envelope(pred, row, off, n, se)
    b2 = sd_p * sd_p
    s = np.sqrt(b2 + np.array(q))
    centers = mu + np.array(shift)
    values = centers[:, None] + z[None, :] * s[:, None]  # (K, nz)
    lo_use = np.array(above)
    lo_use[0] = True
    hi_use = np.array(below)
    hi_use[0] = True
    lower = np.where(lo_use[:, None], values, np.inf).min(axis=0)
    upper = np.where(hi_use[:, None], values, -np.inf).max(axis=0)
    out = np.where(z < 0, lower, np.where(z > 0, upper, mu))
    return np.clip(out, -pred.clip, pred.clip)
