"""Quality stage, pilots: a measured score difference updates the gain, and with it p.

The model's predictive distribution of this task's gain is the prior, ``N(mu, S²)`` with
``S`` the full predictive sd (between-source, within-source and fit uncertainty; with a
measured baseline, the prior of that fit). A pilot measures ``d`` (points, fine-tuned minus
prompted) with standard error ``se``, so the posterior is normal (conjugate):

    w  = S² / (S² + se²)                   (the pilot's share)
    mu' = mu + w·(d − mu),   sd' = sqrt(w)·se
    p'  = lo + (hi − lo)·r(n)·cal(q(mu', sd')),  q the decisive probability

(``cal`` the fit's Platt step, the identity unless enabled). The interval of the expected
gain moves the same way (its ends are priors too, each shrunk by ``1 − w``), the interval
of p is p' at those ends, and the gain's quantile at z is ``mu' + z·sd'``. A precise pilot
(small ``se``) takes over; a noisy one moves little. A pilot takes precedence over a
measured baseline: the baseline only shapes the prior that the pilot updates.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from pydantic import BaseModel, Field

from .._profile import PilotResult
from .._types import RESULT, construct
from .predictive import Predictive, RowPrediction, decisive

__all__ = [
    "PilotPosterior",
    "PilotUpdate",
    "pilot_difference",
    "pilot_posterior",
    "update_with_pilot",
]


class PilotUpdate(BaseModel):
    """How a measured pilot moved the estimate (see :func:`update_with_pilot`)."""

    model_config = RESULT

    difference: float = Field(description="Fine-tuned minus in-context score, 0-1 scale.")
    standard_error: float = Field(ge=0, description="Standard error of the difference.")
    weight: float = Field(ge=0, le=1, description="The pilot's share of the updated gain.")
    bayes_factor: float = Field(
        gt=0,
        description="Posterior over prior odds of 'fine-tuning better', on decisive outcomes.",
    )
    p_before: float = Field(ge=0, le=1, description="p before the pilot.")
    gain_before_points: float = Field(description="Expected gain before the pilot (points).")
    message: str


def pilot_difference(pilot: PilotResult) -> tuple[float, float]:
    """``(difference, standard error)`` of a pilot on the 0-1 scale.

    Each score is read as a proportion of its scale measured on ``n_eval_examples``
    examples; the variance ``s(1 − s)/n`` uses ``(s·n + 0.5)/(n + 1)`` so that it stays > 0
    at 0 and 1. The arms are treated as independent samples (a paired evaluation would
    give a smaller error, so this is cautious).

    Examples
    --------
    >>> d, se = pilot_difference(PilotResult(icl_score=0.8, ft_score=0.85, n_eval_examples=300))
    >>> round(d, 3), round(se, 4)
    (0.05, 0.031)
    """
    n = pilot.n_eval_examples
    ft, icl = pilot.ft_score / pilot.score_scale, pilot.icl_score / pilot.score_scale
    diff = ft - icl if pilot.higher_is_better else icl - ft

    def var(s: float) -> float:
        s = (s * n + 0.5) / (n + 1.0)
        return s * (1.0 - s)

    return diff, math.sqrt((var(ft) + var(icl)) / n)


def _odds(q: float) -> float:
    q = min(max(q, 1e-12), 1.0 - 1e-12)
    return q / (1.0 - q)


class PilotPosterior(NamedTuple):
    """The gain's posterior after a pilot, and the pilot's numbers."""

    mean: float  # mu'
    sd: float  # sd'
    weight: float  # w
    difference: float  # d, points
    se: float  # se, points


def pilot_posterior(r: RowPrediction, pilot: PilotResult) -> PilotPosterior:
    """The conjugate normal update of the prior ``N(r.mean, r.gain_sd²)`` by ``pilot``."""
    diff, se01 = pilot_difference(pilot)
    d, se = 100.0 * diff, 100.0 * se01
    s2 = r.gain_sd * r.gain_sd
    w = s2 / (s2 + se * se)
    return PilotPosterior(r.mean + w * (d - r.mean), math.sqrt(w) * se, w, d, se)


def update_with_pilot(
    pred: Predictive, r: RowPrediction, pilot: PilotResult, n: float
) -> tuple[
    float, float, float, float, float, float, float, float, float, PilotPosterior, PilotUpdate
]:
    """p, its interval, gain, its predictive interval, the interval of the expected gain
    and p_tie, updated by ``pilot`` (module docstring); the posterior; and how."""
    post = pilot_posterior(r, pilot)
    mu, sd, w, d, se = post
    z, cl = pred.z, pred.clip

    def clip(v: float) -> float:
        return min(max(v, -cl), cl)

    p, tie = pred.probability(mu, sd, n)
    m_lo = r.mean_low + w * (d - r.mean_low)
    m_hi = r.mean_high + w * (d - r.mean_high)
    low, high = min(pred.probability(m_lo, sd, n)[0], p), max(pred.probability(m_hi, sd, n)[0], p)
    q_before = decisive(r.mean, r.sd_p, pred.margin)[0]
    q_after = decisive(mu, sd, pred.margin)[0]
    bf = _odds(q_after) / _odds(q_before)
    note = (
        f"pilot applied: fine-tuned {pilot.ft_score:g} vs in-context {pilot.icl_score:g} "
        f"on {pilot.n_eval_examples} examples (difference {d:+.1f} points of 100, standard "
        f"error {se:.1f}); it carries {100 * w:.0f}% of the updated estimate, which moved "
        f"from p = {r.p:.2f}, gain {r.gain:+.1f} points to p = {p:.2f}, gain {mu:+.1f} points"
    )
    update = construct(
        PilotUpdate,
        difference=d / 100.0,
        standard_error=se / 100.0,
        weight=w,
        bayes_factor=bf,
        p_before=r.p,
        gain_before_points=r.gain,
        message=note,
    )
    return (
        p,
        low,
        high,
        clip(mu),
        clip(mu - z * sd),
        clip(mu + z * sd),
        clip(min(m_lo, mu)),
        clip(max(m_hi, mu)),
        tie,
        post,
        update,
    )
