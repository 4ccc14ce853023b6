"""Quality stage, resampling: the fit's uncertainty and calibration, for fit and CV.

The source bootstrap (:func:`bootstrap_fits`: sources resampled with replacement, the whole
fit refitted), the calibration learned inside a fold from leave-one-source-out residuals
(:func:`inner_calibration`: the sd's inflation ``k`` and, if enabled, a Platt step), and the
run-time numbers they make (:func:`predictive_of`). scipy is imported inside the functions
that fit, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import FloatArray
from .corpus import QualityCorpus, subset_corpus
from .estimation import (
    Design,
    FitConfig,
    PointFit,
    design_of,
    fit_point,
    plugin_rows,
    spec_of,
    variant_rows,
)
from .features import FEATURES, FeatureSpec
from .predictive import Predictive, decisive

__all__ = [
    "Draw",
    "bootstrap_fits",
    "fit_platt",
    "inner_calibration",
    "map_jobs",
    "predictive_of",
    "worker_count",
]


def fit_platt(q: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Platt step ``logit p' = a + b·logit q`` by maximum likelihood (b kept > 0)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    lq = np.log(np.clip(q, 1e-12, 1 - 1e-12) / np.clip(1 - q, 1e-12, 1))

    def nll(th: FloatArray) -> tuple[float, FloatArray]:
        z = th[0] + th[1] * lq
        pz = 1.0 / (1.0 + np.exp(-z))
        f = float(np.sum(np.logaddexp(0.0, z) - y * z))
        d = pz - y
        return f, np.array([d.sum(), (d * lq).sum()])

    res = minimize(nll, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B",
                   bounds=[(None, None), (1e-3, None)])  # fmt: skip
    return float(res.x[0]), float(res.x[1])


def inner_calibration(
    corp: QualityCorpus, cfg: FitConfig, variant: str, tau: float, n_jobs: int = 1
) -> tuple[float, tuple[float, float], int]:
    """The calibration fitted inside a fold: k = sqrt(mean z²) of the standardised
    leave-one-source-out residuals of ``corp`` (the maximum-likelihood inflation of the
    plug-in sd for a new source) and, when enabled, the Platt step on those held-out
    predictions' decisive probabilities (with k applied). Each inner fold learns its own
    imputation constants, with tau held at ``tau``. Returns ``(k, (a, b), folds)``."""
    groups = np.array(corp.source_ids)
    sources = sorted(set(corp.source_ids))
    if len(sources) < 2 or not (cfg.sd_scale or cfg.platt):
        return 1.0, (0.0, 1.0), 0
    jobs, tests = [], []
    for s in sources:
        train_c, test_c = subset_corpus(corp, groups != s), subset_corpus(corp, groups == s)
        spec = spec_of(train_c, cfg)
        d_tr, d_te = design_of(train_c, spec), design_of(test_c, spec)
        d_tr = d_tr.take(variant_rows(d_tr, variant))
        d_te = d_te.take(variant_rows(d_te, variant))
        if len(d_te) == 0:
            continue
        jobs.append((d_tr, cfg, variant, (tau,)))
        tests.append(d_te)
    mus, sds, deltas, outcomes = [], [], [], []
    for test, fit in zip(tests, map_jobs(_fit_star, jobs, n_jobs), strict=True):
        mu, sd = plugin_rows(fit, test, cfg)
        mus.append(mu)
        sds.append(sd)
        deltas.append(test.delta)
        outcomes.append(test.outcome)
    mu, sd, delta, outcome = (np.concatenate(a) for a in (mus, sds, deltas, outcomes))
    has = ~np.isnan(delta)
    k = float(np.sqrt(np.mean(((delta[has] - mu[has]) / sd[has]) ** 2))) if cfg.sd_scale else 1.0
    platt = (0.0, 1.0)
    if cfg.platt:
        dec = outcome != 0
        q = np.array(
            [decisive(m, k * s, cfg.margin)[0] for m, s in zip(mu[dec], sd[dec], strict=True)]
        )
        platt = fit_platt(q, (outcome[dec] > 0).astype(float))
    return k, platt, len(tests)


def _fit_star(args: tuple[Design, FitConfig, str, Sequence[float] | None]) -> PointFit:
    return fit_point(*args)


def map_jobs(func: Any, jobs: Sequence[Any], n_jobs: int) -> list[Any]:
    """``map`` over processes (fork) when ``n_jobs > 1``; results in job order."""
    if n_jobs <= 1 or len(jobs) <= 1:
        return [func(j) for j in jobs]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(min(n_jobs, len(jobs))) as pool:
        return list(pool.map(func, jobs))


@dataclass(frozen=True)
class Draw:
    """One source-bootstrap refit."""

    coef: FloatArray
    intercept: float
    slope_below_min: float
    sigma: float
    tau: float


def bootstrap_fits(
    design: Design,
    cfg: FitConfig,
    variant: str,
    n_draws: int,
    seed: int,
    n_jobs: int = 1,
    taus: Sequence[float] | None = None,
) -> list[Draw]:
    """Source-bootstrap refits of the whole fit: sources resampled with replacement, copies
    kept as separate sources, tau chosen again (or held at ``taus``); the slope below the
    first knot drawn from its prior N(slope_below_min, slope_sd²) truncated at 0.

    With fewer than ``min_sources_for_interval`` sources rows are resampled within each
    drawn source as well (a two-stage bootstrap), since a source bootstrap would mostly
    redraw the same one or two sources.
    """
    rng = np.random.default_rng(seed)
    sources = np.array(sorted(set(design.groups.tolist())))
    rows_of = {s: np.flatnonzero(design.groups == s) for s in sources}
    few = len(sources) < cfg.min_sources_for_interval
    samples: list[tuple[Design, float]] = []
    tries = 0
    while len(samples) < n_draws and tries < 50 * max(n_draws, 1):
        tries += 1
        pick = rng.choice(sources, size=len(sources), replace=True)
        parts, labels = [], []
        for j, s in enumerate(pick):
            r = rows_of[s]
            if few:
                r = rng.choice(r, size=r.size)
            parts.append(r)
            labels += [f"{s}#{j}"] * len(r)
        idx = np.concatenate(parts)
        oc = design.outcome[idx]
        if not ((oc > 0).any() and (oc <= 0).any()) or (not few and len(set(pick.tolist())) < 2):
            continue
        if np.isnan(design.delta[idx]).all():
            continue
        below = float(max(0.0, rng.normal(cfg.slope_below_min, cfg.slope_sd)))
        samples.append((design.take(idx, labels), below))
    fits = map_jobs(_fit_star, [(d, cfg, variant, taus) for d, _ in samples], n_jobs)
    return [
        Draw(f.coef, f.intercept, below, f.sigma, f.tau)
        for f, (_, below) in zip(fits, samples, strict=True)
    ]


def predictive_of(
    fit: PointFit,
    draws: Sequence[Draw],
    sd_scale: float,
    platt: tuple[float, float],
    spec: FeatureSpec,
    cfg: FitConfig,
) -> Predictive:
    """The run-time numbers of a fit (with no draws: the point fit alone, zero covariance)."""
    d = len(FEATURES) + 2
    if len(draws) > 1:
        mat = np.array([[*dr.coef, dr.intercept, dr.slope_below_min] for dr in draws])
        cov = np.atleast_2d(np.cov(mat.T, bias=True))
    else:
        cov = np.zeros((d, d))
    return Predictive(
        spec=spec,
        variant=fit.variant,
        coef=tuple(float(c) for c in fit.coef),
        intercept=fit.intercept,
        slope_below_min=cfg.slope_below_min,
        sigma=fit.sigma,
        tau=fit.tau,
        sd_scale=sd_scale,
        sd_headroom=fit.sd_headroom,
        headroom_offset=cfg.headroom_offset,
        headroom_reference=cfg.headroom_reference,
        margin=cfg.margin,
        band=cfg.band,
        gate_n_min=cfg.gate_n_min,
        gate_exponent=cfg.gate_exponent,
        clip=cfg.clip,
        level=cfg.level,
        platt=platt,
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )


def worker_count(n_jobs: int) -> int:
    """Processes for ``n_jobs`` (already checked): -1 is every core, as joblib reads it."""
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
