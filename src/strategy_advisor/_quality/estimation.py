"""Quality stage, estimation: the penalised mixed model of score_delta (scipy), for fit and CV.

For row i of source s (points on 0-100)::

    delta_i = mu_i + u_s + e_i,   u_s ~ N(0, tau²),   e_i ~ N(0, sigma_i²)
    mu_i    = b0 + x_i'beta + theta·unstated_i,   sigma_i = exp(g0 + g1·unstated_i)

The objective is the negative log posterior at the joint mode of (beta, g, u): the Gaussian
density of every row with a score_delta, ``log Phi(±(mu_i + u_s − margin) / sigma_i)`` for a
row known only by its winner, the curve slopes' sourced priors, N(0, coef_sd²) on every other
coefficient (Gelman-scaled), and u ~ N(0, tau²). L-BFGS-B with sign bounds; tau from a grid
by the Laplace approximation of the marginal likelihood with u integrated out. scipy is
imported inside the functions that fit, never at import: run time uses numpy only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import Constraint, Interval, NoneOk, Options, Satisfies
from .._errors import DataFileError, ParameterError
from .._types import FloatArray
from .corpus import QualityCorpus, read_corpus, spec_from_corpus, subset_corpus
from .features import FEATURES, FeatureSpec, below_min_offset, encode
from .predictive import Predictive, predict_arrays
from .settings import FitSettings, fit_settings

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FIT_CONSTRAINTS",
    "CorpusLike",
    "Design",
    "Draw",
    "FitConfig",
    "PointFit",
    "as_corpus",
    "bootstrap_fits",
    "check_outcomes",
    "check_sources",
    "design_of",
    "fit_point",
    "fit_settings",
    "predict_design",
    "predictive_of",
    "sd_scale_loso",
]

CorpusLike = str | Path | Iterable[Mapping[str, Any]] | QualityCorpus


def _is_size_map(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and "*" in value
        and all(
            isinstance(k, str)
            and isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and v >= 0
            for k, v in value.items()
        )
    )


_BOOL = Options((True, False))

#: Parameter constraints of fit_quality_model, QualityFitter and cross_validate_quality_model.
FIT_CONSTRAINTS: Mapping[str, list[Constraint]] = {
    "n_bootstrap": [Interval(Integral, 1, None, closed="left")],
    "missing_n_train": [
        Satisfies(_is_size_map, "a mapping of source_id to a size >= 0 with a '*' entry")
    ],
    "cross_validate": [_BOOL],
    "fitted_on": [NoneOk(), Satisfies(lambda v: isinstance(v, str), "a str (YYYY-MM-DD)")],
    "random_state": [Interval(Integral, None, None)],
    "n_jobs": [Interval(Integral, 1, None, closed="left"), Options((-1,))],  # -1: every core
    "fold_draws": [Interval(Integral, 0, None, closed="left")],
}


@dataclass(frozen=True)
class FitConfig:
    """The numbers of one fit procedure, read from ``data/quality_fit.json``."""

    slope_mean: tuple[float, float, float]
    slope_sd: float
    slope_below_min: float
    coef_sd: float
    tau_grid: tuple[float, ...]
    margin: float
    nuisance: bool
    sd_scale: bool
    maxiter: int
    ftol: float
    gtol: float
    maxcor: int
    band: tuple[float, float]
    gate_n_min: float
    gate_exponent: float
    clip: float
    level: float
    min_sources_for_interval: int

    @classmethod
    def from_settings(cls, s: FitSettings) -> FitConfig:
        """The procedure that ``quality_fit.json`` states."""
        return cls(
            slope_mean=s.curve.slope_prior_mean,
            slope_sd=s.curve.slope_prior_sd,
            slope_below_min=s.curve.slope_below_min,
            coef_sd=s.prior.coef_sd_points,
            tau_grid=s.source_effect.tau_grid_points,
            margin=s.margin_points.value,
            nuisance=s.unstated_n.nuisance,
            sd_scale=s.calibration.sd_scale,
            maxiter=s.optimizer.maxiter,
            ftol=s.optimizer.ftol,
            gtol=s.optimizer.gtol,
            maxcor=s.optimizer.maxcor,
            band=s.band.value,
            gate_n_min=s.gate.n_min,
            gate_exponent=s.gate.exponent,
            clip=s.gain_clip_points.value,
            level=s.bootstrap.interval_level,
            min_sources_for_interval=s.bootstrap.min_sources_for_interval,
        )


@dataclass(frozen=True)
class Design:
    """Encoded corpus rows: what a fit sees."""

    x: FloatArray  # raw features, rows x len(FEATURES)
    off: FloatArray  # below-minimum offset (0 for every corpus row with n >= 10)
    n: FloatArray
    unstated: FloatArray
    delta: FloatArray  # NaN for rows known only by their winner
    y: FloatArray
    groups: npt.NDArray[np.str_]

    def take(self, idx: npt.NDArray[np.intp], groups: Sequence[str] | None = None) -> Design:
        """Rows ``idx`` (with new source labels, for the bootstrap)."""
        g = self.groups[idx] if groups is None else np.asarray(groups)
        return Design(
            self.x[idx], self.off[idx], self.n[idx], self.unstated[idx], self.delta[idx],
            self.y[idx], g,
        )  # fmt: skip


def design_of(corp: QualityCorpus, spec: FeatureSpec) -> Design:
    """Encode a parsed corpus with the imputation constants ``spec``."""
    cols = corp.columns
    return Design(
        x=encode(cols, spec),
        off=below_min_offset(cols.n, spec),
        n=cols.n,
        unstated=cols.n_unstated,
        delta=corp.score_delta,
        y=corp.y,
        groups=np.array(corp.source_ids),
    )


@dataclass(frozen=True)
class PointFit:
    """One fit's estimates, on the raw (unscaled) features."""

    coef: FloatArray
    intercept: float
    nuisance_shift: float
    sigma: float
    sigma_unstated: float
    tau: float
    source_effects: Mapping[str, float]
    laplace_log_marginal: float
    fitted_mu: FloatArray = field(repr=False)  # the fitter's own linear predictor (scaled design)


def _signs() -> FloatArray:
    return np.array([{"nonneg": 1.0, "nonpos": -1.0}.get(f.constraint, 0.0) for f in FEATURES])


def fit_point(design: Design, cfg: FitConfig) -> PointFit:
    """Penalised fit of the mixed model (module docstring) on ``design``."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]
    from scipy.special import log_ndtr  # type: ignore[import-untyped]

    kinds = [f.kind for f in FEATURES]
    use_nuis = cfg.nuisance and bool(np.any(design.unstated > 0))
    x = np.column_stack([design.x, design.unstated]) if use_nuis else design.x
    kinds = [*kinds, "binary"] if use_nuis else kinds
    signs = np.r_[_signs(), 0.0] if use_nuis else _signs()
    delta, y = design.delta, design.y
    center = x.mean(axis=0)
    sd = x.std(axis=0)
    scale = np.array(
        [2 * s if k == "continuous" and s > 1e-12 else 1.0 for s, k in zip(sd, kinds, strict=True)]
    )
    zx = np.column_stack([(x - center) / scale, np.ones(len(y))])
    p = zx.shape[1]
    is_curve = np.array([k == "curve" for k in kinds])
    prec = np.r_[np.where(is_curve, 1.0 / cfg.slope_sd**2, 1.0 / cfg.coef_sd**2), 0.0]
    b0 = np.zeros(p)
    b0[np.flatnonzero(is_curve)] = cfg.slope_mean
    src_names, src = np.unique(design.groups, return_inverse=True)
    s_n = len(src_names)
    bounds: list[tuple[float | None, float | None]] = [
        (0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs
    ]
    bounds.append((None, None))
    has_d = ~np.isnan(delta)
    gd, pb = has_d.astype(float), (~has_d).astype(float)
    t = np.nan_to_num(delta)
    sgn = np.where(y > 0.5, 1.0, -1.0)
    unst = design.unstated
    k = 2 if (use_nuis and unst.any()) else 1
    zs = np.column_stack([np.ones(len(y)), unst])[:, :k]
    bounds += [(None, None)] * (k + s_n)
    margin = cfg.margin

    def unpack(th: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        return th[:p], zs @ th[p : p + k], th[p + k :]

    def obj(th: FloatArray, tau: float) -> tuple[float, FloatArray]:
        b, ls, u = unpack(th)
        eta = zx @ b + u[src]
        db = b - b0
        inv = np.exp(-ls)
        r = (t - eta) * inv
        zz = sgn * (eta - margin) * inv
        lp = log_ndtr(zz)
        f = 0.5 * np.sum(prec * db * db) + 0.5 * u @ u / tau**2
        f += np.sum(gd * (ls + 0.5 * r * r)) - np.sum(pb * lp)
        mills = np.exp(-0.5 * zz * zz - lp) / math.sqrt(2 * math.pi)
        de = gd * (-r * inv) - pb * mills * sgn * inv
        dls = zs.T @ (gd * (1.0 - r * r) + pb * mills * zz)
        grad = [zx.T @ de + prec * db, dls, np.bincount(src, de, s_n) + u / tau**2]
        return float(f), np.concatenate(grad)

    def curvature(th: FloatArray) -> FloatArray:
        b, ls, u = unpack(th)
        eta = zx @ b + u[src]
        inv = np.exp(-ls)
        zz = sgn * (eta - margin) * inv
        mills = np.exp(-0.5 * zz * zz - log_ndtr(zz)) / math.sqrt(2 * math.pi)
        return np.asarray(gd * inv**2 + pb * mills * (zz + mills) * inv**2)

    th0 = np.zeros(p + k + s_n)
    th0[:p] = np.clip(b0, 0, None)
    th0[p - 1] = float(np.mean(t[has_d]))
    th0[p] = math.log(float(np.std(t[has_d])))
    # diagonal preconditioner (1 / sqrt of an approximate Hessian diagonal): th = pre * phi
    w0 = 1.0 / float(np.var(t[has_d]))
    n_s = np.bincount(src, minlength=s_n).astype(float)
    pre = np.concatenate(
        [
            1.0 / np.sqrt(w0 * np.sum(zx * zx, axis=0) + prec),
            1.0 / np.sqrt(2.0 * np.sum(zs * zs, axis=0)),
            1.0 / np.sqrt(w0 * n_s + 1.0 / 100.0),
        ]
    )
    pbounds = [
        (None if lo is None else lo / c, None if hi is None else hi / c)
        for (lo, hi), c in zip(bounds, pre, strict=True)
    ]

    def obj_phi(phi: FloatArray, tau: float) -> tuple[float, FloatArray]:
        f, g = obj(pre * phi, tau)
        return f, pre * g

    options = {"maxiter": cfg.maxiter, "ftol": cfg.ftol, "gtol": cfg.gtol, "maxcor": cfg.maxcor}
    best: tuple[float, FloatArray, float] | None = None
    for tau in cfg.tau_grid:
        with np.errstate(over="ignore", invalid="ignore"):  # far line-search steps: inf
            res = minimize(
                obj_phi, th0 / pre, args=(tau,), jac=True, method="L-BFGS-B", bounds=pbounds,
                options=options,
            )  # fmt: skip
        th_hat = pre * res.x
        h = np.bincount(src, curvature(th_hat), s_n)
        crit = -float(res.fun) - 0.5 * float(np.sum(np.log1p(tau**2 * h)))
        if best is None or crit > best[0]:
            best = (crit, th_hat, tau)
        th0 = th_hat
    assert best is not None
    crit, th, tau = best
    b, _, u = unpack(th)
    lsig = th[p : p + k]
    coef = b[:-1] / scale
    icpt = float(b[-1] - np.sum(b[:-1] * center / scale))
    d = len(FEATURES)
    return PointFit(
        coef=coef[:d],
        intercept=icpt,
        nuisance_shift=float(coef[d]) if use_nuis else 0.0,
        sigma=math.exp(float(lsig[0])),
        sigma_unstated=math.exp(float(lsig[0] + lsig[1])) if k == 2 else math.exp(float(lsig[0])),
        tau=float(tau),
        source_effects={str(s): float(v) for s, v in zip(src_names, u, strict=True)},
        laplace_log_marginal=float(crit),
        fitted_mu=zx @ b,
    )


def _point_mu_sd(fit: PointFit, design: Design) -> tuple[FloatArray, FloatArray]:
    """Plug-in mean and sd (k = 1) of held-out rows, for the sd calibration."""
    mu = design.x @ fit.coef + fit.intercept + fit.nuisance_shift * design.unstated
    sig = np.where(design.unstated > 0, fit.sigma_unstated, fit.sigma)
    return mu, np.sqrt(sig**2 + fit.tau**2)


def sd_scale_loso(corp: QualityCorpus, cfg: FitConfig, n_jobs: int = 1) -> float:
    """k = sqrt(mean z²) of the standardised leave-one-source-out residuals of ``corp``:
    the maximum-likelihood inflation of the plug-in predictive sd for a new source. Each
    fold learns its own imputation constants, as a new fit would."""
    groups = np.array(corp.source_ids)
    has_delta = ~np.isnan(corp.score_delta)
    held = [s for s in sorted(set(corp.source_ids)) if ((groups == s) & has_delta).any()]
    if len(held) < 2:
        return 1.0
    settings = fit_settings()
    jobs, tests = [], []
    for s in held:
        train = subset_corpus(corp, groups != s)
        spec = spec_from_corpus(
            train, settings.imputation_fallbacks.as_mapping(), settings.curve.knots_n
        )
        jobs.append((design_of(train, spec), cfg))
        tests.append(design_of(subset_corpus(corp, (groups == s) & has_delta), spec))
    z = []
    for test, fit in zip(tests, _map(_fit_star, jobs, n_jobs), strict=True):
        mu, sd = _point_mu_sd(fit, test)
        z.append((test.delta - mu) / sd)
    return float(np.sqrt(np.mean(np.concatenate(z) ** 2)))


def _fit_star(args: tuple[Design, FitConfig]) -> PointFit:
    return fit_point(*args)


def _map(func: Any, jobs: Sequence[Any], n_jobs: int) -> list[Any]:
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
    nuisance_shift: float
    sigma: float
    sigma_unstated: float
    tau: float


def bootstrap_fits(
    design: Design, cfg: FitConfig, n_draws: int, seed: int, n_jobs: int = 1
) -> list[Draw]:
    """Source-bootstrap refits of the whole fit: sources resampled with replacement, copies
    kept as separate sources, tau chosen again; the slope below the first knot drawn from
    its prior N(slope_below_min, slope_sd²) truncated at 0.

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
        yb = design.y[idx]
        if yb.min() == yb.max() or (not few and len(set(pick.tolist())) < 2):
            continue
        below = float(max(0.0, rng.normal(cfg.slope_below_min, cfg.slope_sd)))
        samples.append((design.take(idx, labels), below))
    fits = _map(_fit_star, [(d, cfg) for d, _ in samples], n_jobs)
    return [
        Draw(f.coef, f.intercept, below, f.nuisance_shift, f.sigma, f.sigma_unstated, f.tau)
        for f, (_, below) in zip(fits, samples, strict=True)
    ]


def predictive_of(
    fit: PointFit, draws: Sequence[Draw], sd_scale: float, spec: FeatureSpec, cfg: FitConfig
) -> Predictive:
    """The run-time numbers of a fit (with no draws: the point fit alone, zero covariance)."""
    use = list(draws) or [
        Draw(fit.coef, fit.intercept, cfg.slope_below_min, fit.nuisance_shift, fit.sigma,
             fit.sigma_unstated, fit.tau)
    ]  # fmt: skip
    mat = np.array([[*d.coef, d.intercept, d.slope_below_min, d.nuisance_shift] for d in use])
    return Predictive.from_draws(
        draws=mat,
        sigma_draws=np.array([d.sigma for d in use]),
        sigma_unstated_draws=np.array([d.sigma_unstated for d in use]),
        tau_draws=np.array([d.tau for d in use]),
        spec=spec,
        coef=tuple(float(c) for c in fit.coef),
        intercept=fit.intercept,
        slope_below_min=cfg.slope_below_min,
        nuisance_shift=fit.nuisance_shift,
        sigma=fit.sigma,
        sigma_unstated=fit.sigma_unstated,
        tau=fit.tau,
        sd_scale=sd_scale,
        margin=cfg.margin,
        band=cfg.band,
        gate_n_min=cfg.gate_n_min,
        gate_exponent=cfg.gate_exponent,
        clip=cfg.clip,
        level=cfg.level,
    )


def predict_design(pred: Predictive, design: Design) -> dict[str, FloatArray]:
    """Predictions for encoded corpus rows (their nuisance terms included)."""
    return predict_arrays(pred, design.x, design.off, design.n, design.unstated)


def worker_count(n_jobs: int) -> int:
    """Processes for ``n_jobs`` (already checked): -1 is every core, as joblib reads it."""
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def as_corpus(corpus: CorpusLike, missing_n_train: Mapping[str, float]) -> QualityCorpus:
    """A parsed corpus (a path, rows, or an already parsed corpus)."""
    if isinstance(corpus, QualityCorpus):
        return corpus
    if not isinstance(corpus, str | os.PathLike | Iterable) or isinstance(corpus, bytes | Mapping):
        raise ParameterError(
            "The 'corpus' parameter must be a path to a CSV file, an iterable of row dicts or "
            f"a parsed corpus. Got {corpus!r} instead."
        )
    return read_corpus(corpus, missing_n_train=missing_n_train)


def check_outcomes(corp: QualityCorpus) -> None:
    """Both outcomes must occur, and some row needs a score_delta."""
    y = corp.y
    if y.min() == y.max():
        raise DataFileError(
            f"{corp.name}: the corpus needs both outcomes (fine-tuning wins and other rows); "
            f"got {int(y.sum())} fine-tuning wins in {len(y)} rows. Add rows where in-context "
            "learning won or tied."
        )
    if np.isnan(corp.score_delta).all():
        raise DataFileError(
            f"{corp.name}: no row has a score_delta; the model is fitted to score "
            "differences (points on 0-100). Add score_delta to at least some rows."
        )


def check_sources(corp: QualityCorpus) -> None:
    """Leave-one-source-out needs at least two sources."""
    sources = sorted(set(corp.source_ids))
    if len(sources) < 2:
        raise DataFileError(
            f"{corp.name}: leave-one-source-out cross-validation holds out one source at a "
            f"time and needs at least 2 sources; got {len(sources)} ({sources[0]!r}). Add "
            "results from another source (source_id), or fit with cross_validate=False "
            "(the interval is then a two-stage bootstrap and every estimate is flagged wide)."
        )
