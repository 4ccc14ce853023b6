"""Quality stage, estimation: the penalised mixed model of score_delta (scipy), for fit and CV.

For row i of source s (points on 0-100)::

    delta_i = mu_i + u_s + e_i,   u_s ~ N(0, tau²),   e_i ~ N(0, sigma_i²)
    mu_i    = b0 + x_i'beta + z_i'theta                (z: fit-time nuisance terms)
    ln sigma_i = g0 + g_u·unstated_i + g_h·ln((headroom_i + c) / (ref + c))

The nuisance terms are the shift of rows whose size is unstated, the mean shot count of the
row's fine-tuned result (so the demonstrations slope is learned within matched comparisons)
and, if enabled, the source's stance; ``g_h`` only in the fit with a measured baseline. The
objective is the negative log posterior at the joint mode of (beta, theta, g, u): the
Gaussian density of every row with a score_delta; for a row known only by its winner, the
probability of that outcome (``Phi((mu + u − m)/sigma)`` for fine-tuning, ``Phi((−m − mu −
u)/sigma)`` for prompting, the rest for a tie); the curve slopes' sourced priors; N(0,
coef_sd²) on every other coefficient (Gelman-scaled); u ~ N(0, tau²). L-BFGS-B with sign
bounds; tau from a grid by the Laplace approximation of the marginal likelihood with u
integrated out. scipy is imported inside the functions that fit, never at import.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import Constraint, Interval, NoneOk, Options, Satisfies
from .._errors import DataFileError, ParameterError
from .._types import FloatArray
from .corpus import QualityCorpus, read_corpus, spec_from_corpus
from .features import FEATURES, HEADROOM, FeatureSpec, below_min_offset, encode
from .settings import FitSettings, fit_settings

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FIT_CONSTRAINTS",
    "CorpusLike",
    "Design",
    "FitConfig",
    "PointFit",
    "as_corpus",
    "check_outcomes",
    "check_sources",
    "design_of",
    "fit_point",
    "fit_settings",
    "plugin_rows",
    "spec_of",
    "variant_rows",
    "with_settings",
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
    """The numbers of one fit procedure, read from ``data/quality_fit.json`` (``drop`` and
    ``add``: features left out of, or put back into, both fits, for the ablations of the
    report only)."""

    slope_mean: tuple[float, float, float]
    slope_sd: float
    slope_below_min: float
    coef_sd: float
    tau_grid: tuple[float, ...]
    margin: float
    nuisance: bool
    shots_within: str
    stance: bool
    sd_scale: bool
    platt: bool
    sd_headroom: bool
    headroom_offset: float
    headroom_reference: float
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
    strength_center: float
    knowledge_tasks: tuple[str, ...]
    knots_n: tuple[float, float, float, float]
    fallbacks: Mapping[str, float]
    left_out: Mapping[str, tuple[str, ...]]
    drop: tuple[str, ...] = ()
    add: tuple[str, ...] = ()

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
            shots_within=s.shots.within,
            stance=s.stance.use,
            sd_scale=s.calibration.sd_scale,
            platt=s.calibration.platt,
            sd_headroom=s.baseline.sd_headroom,
            headroom_offset=s.baseline.offset,
            headroom_reference=s.baseline.reference,
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
            strength_center=s.strength.center,
            knowledge_tasks=s.strength.knowledge_tasks,
            knots_n=s.curve.knots_n,
            fallbacks=s.imputation_fallbacks.as_mapping(),
            left_out=dict(s.features.left_out),
        )

    def mask(self, variant: str) -> npt.NDArray[np.bool_]:
        """Which features this fit estimates (the others are held at 0)."""
        left = set(self.left_out.get(variant, ())) - set(self.add)
        return np.array(
            [
                variant in f.variants and f.name not in left and f.name not in self.drop
                for f in FEATURES
            ]
        )


def spec_of(corp: QualityCorpus, cfg: FitConfig) -> FeatureSpec:
    """The encoding constants a fit on ``corp`` uses."""
    return spec_from_corpus(
        corp,
        cfg.fallbacks,
        cfg.knots_n,
        strength_center=cfg.strength_center,
        knowledge_tasks=cfg.knowledge_tasks,
    )


@dataclass(frozen=True)
class Design:
    """Encoded corpus rows: what a fit sees."""

    x: FloatArray  # raw features, rows x len(FEATURES)
    off: FloatArray  # below-minimum offset (0 for every corpus row with n >= 10)
    n: FloatArray
    unstated: FloatArray
    delta: FloatArray  # NaN for rows known only by their winner
    outcome: FloatArray  # +1 fine-tuning better, 0 tie, -1 prompting better
    groups: npt.NDArray[np.str_]
    arms: npt.NDArray[np.str_]
    stance_ft: FloatArray
    stance_icl: FloatArray
    has_baseline: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.delta)

    def take(self, idx: npt.NDArray[np.intp], groups: Sequence[str] | None = None) -> Design:
        """Rows ``idx`` (with new source labels, for the bootstrap)."""
        g = self.groups[idx] if groups is None else np.asarray(groups)
        arms = (
            self.arms[idx] if groups is None else np.char.add(np.char.add(g, "|"), self.arms[idx])
        )
        return Design(
            self.x[idx], self.off[idx], self.n[idx], self.unstated[idx], self.delta[idx],
            self.outcome[idx], g, arms, self.stance_ft[idx], self.stance_icl[idx],
            self.has_baseline[idx],
        )  # fmt: skip


def design_of(corp: QualityCorpus, spec: FeatureSpec) -> Design:
    """Encode a parsed corpus with the imputation constants ``spec``."""
    cols = corp.columns
    m = len(corp)
    stances = np.array(corp.stances) if corp.stances else np.full(m, "neutral")
    return Design(
        x=encode(cols, spec),
        off=below_min_offset(cols.n, spec),
        n=cols.n,
        unstated=cols.n_unstated,
        delta=corp.score_delta,
        outcome=corp.outcome,
        groups=np.array(corp.source_ids),
        arms=np.array(corp.arms) if corp.arms else np.array(corp.row_ids),
        stance_ft=(stances == "fine_tuning").astype(np.float64),
        stance_icl=(stances == "in_context").astype(np.float64),
        has_baseline=~np.isnan(cols.baseline),
    )


def variant_rows(design: Design, variant: str) -> npt.NDArray[np.intp]:
    """The rows a fit can use: every row without a baseline, those with one for 'baseline'."""
    keep = design.has_baseline if variant == "baseline" else np.ones(len(design), dtype=bool)
    return np.flatnonzero(keep)


@dataclass(frozen=True)
class PointFit:
    """One fit's estimates, on the raw (unscaled) features."""

    variant: str
    coef: FloatArray  # len(FEATURES), 0 outside the fit
    intercept: float  # run time: with the arm-mean term at its corpus average
    intercept_raw: float
    nuisance: Mapping[str, float]
    sigma: float
    sigma_unstated: float
    sd_headroom: float
    tau: float
    source_effects: Mapping[str, float]
    laplace_log_marginal: float
    fitted_mu: FloatArray = field(repr=False)  # the fitter's own mean of its rows (scaled)


def _signs() -> FloatArray:
    return np.array([{"nonneg": 1.0, "nonpos": -1.0}.get(f.constraint, 0.0) for f in FEATURES])


def _headroom_term(x: FloatArray, cfg: FitConfig) -> FloatArray:
    c = cfg.headroom_offset
    return np.asarray(np.log((np.maximum(x[:, HEADROOM], 0.0) + c) / (cfg.headroom_reference + c)))


def _nuisance(design: Design, cfg: FitConfig) -> tuple[list[str], FloatArray, float]:
    """The fit-time nuisance columns, their names, and the shots arm mean's corpus average."""
    names: list[str] = []
    cols: list[FloatArray] = []
    level = 0.0
    if cfg.nuisance and np.any(design.unstated > 0):
        names.append("unstated_shift")
        cols.append(design.unstated)
    if cfg.shots_within == "arm":
        j = [f.name for f in FEATURES].index("log_shots")
        shots = design.x[:, j]
        _, inv = np.unique(design.arms, return_inverse=True)
        means = np.bincount(inv, shots) / np.bincount(inv)
        names.append("shots_arm_mean")
        cols.append(means[inv])
        level = float(shots.mean())
    if cfg.stance:
        for name, col in (
            ("stance_fine_tuning", design.stance_ft),
            ("stance_in_context", design.stance_icl),
        ):
            if np.any(col > 0):
                names.append(name)
                cols.append(col)
    mat = np.column_stack(cols) if cols else np.zeros((len(design), 0))
    return names, mat, level


def fit_point(
    design: Design, cfg: FitConfig, variant: str, taus: Sequence[float] | None = None
) -> PointFit:
    """Penalised fit of the mixed model (module docstring) on ``design`` for one fit."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]
    from scipy.special import log_ndtr, ndtr  # type: ignore[import-untyped]

    mask = cfg.mask(variant)
    idx = np.flatnonzero(mask)
    nu_names, nu, shots_level = _nuisance(design, cfg)
    x = np.column_stack([design.x[:, idx], nu])
    kinds = [FEATURES[i].kind for i in idx] + ["binary"] * nu.shape[1]
    signs = np.r_[_signs()[idx], np.zeros(nu.shape[1])]
    delta, outcome = design.delta, design.outcome
    center = x.mean(axis=0)
    sd = x.std(axis=0)
    scale = np.array(
        [2 * s if k == "continuous" and s > 1e-12 else 1.0 for s, k in zip(sd, kinds, strict=True)]
    )
    zx = np.column_stack([(x - center) / scale, np.ones(len(delta))])
    p = zx.shape[1]
    is_curve = np.array([k == "curve" for k in kinds] + [False])
    prec = np.where(is_curve, 1.0 / cfg.slope_sd**2, 1.0 / cfg.coef_sd**2)
    prec[-1] = 0.0
    b0 = np.zeros(p)
    b0[np.flatnonzero(is_curve)] = cfg.slope_mean[: int(is_curve.sum())]
    src_names, src = np.unique(design.groups, return_inverse=True)
    s_n = len(src_names)
    bounds: list[tuple[float | None, float | None]] = [
        (0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs
    ]
    bounds.append((None, None))
    has_d = ~np.isnan(delta)
    gd = has_d.astype(float)
    w_ft = (~has_d & (outcome > 0)).astype(float)
    w_icl = (~has_d & (outcome < 0)).astype(float)
    w_tie = (~has_d & (outcome == 0)).astype(float)
    t = np.nan_to_num(delta)
    sd_cols = [np.ones(len(delta))]
    if np.any(design.unstated > 0) and cfg.nuisance:
        sd_cols.append(design.unstated)
    hetero = variant == "baseline" and cfg.sd_headroom
    if hetero:
        sd_cols.append(_headroom_term(design.x, cfg))
    zs = np.column_stack(sd_cols)
    k = zs.shape[1]
    bounds += [(None, None)] * (k + s_n)
    margin = cfg.margin
    inv_sqrt2pi = 1.0 / math.sqrt(2 * math.pi)

    def unpack(th: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        return th[:p], zs @ th[p : p + k], th[p + k :]

    def obj(th: FloatArray, tau: float) -> tuple[float, FloatArray]:
        b, ls, u = unpack(th)
        eta = zx @ b + u[src]
        db = b - b0
        inv = np.exp(-ls)
        r = (t - eta) * inv
        za = (eta - margin) * inv
        zb = (-margin - eta) * inv
        lpa, lpb = log_ndtr(za), log_ndtr(zb)
        hi, lo = (margin - eta) * inv, (-margin - eta) * inv
        ptie = np.clip(ndtr(hi) - ndtr(lo), 1e-300, 1.0)
        f = 0.5 * np.sum(prec * db * db) + 0.5 * u @ u / tau**2
        f += np.sum(gd * (ls + 0.5 * r * r))
        f -= np.sum(w_ft * lpa) + np.sum(w_icl * lpb) + np.sum(w_tie * np.log(ptie))
        ma = np.exp(-0.5 * za * za - lpa) * inv_sqrt2pi
        mb = np.exp(-0.5 * zb * zb - lpb) * inv_sqrt2pi
        phi_hi = np.exp(-0.5 * hi * hi) * inv_sqrt2pi
        phi_lo = np.exp(-0.5 * lo * lo) * inv_sqrt2pi
        de = gd * (-r * inv) - w_ft * ma * inv + w_icl * mb * inv
        de += w_tie * (phi_hi - phi_lo) * inv / ptie
        dls = gd * (1.0 - r * r) + w_ft * ma * za + w_icl * mb * zb
        dls += w_tie * (phi_hi * hi - phi_lo * lo) / ptie
        grad = [zx.T @ de + prec * db, zs.T @ dls, np.bincount(src, de, s_n) + u / tau**2]
        return float(f), np.concatenate(grad)

    def curvature(th: FloatArray) -> FloatArray:
        _, ls, _ = unpack(th)
        inv2 = np.exp(-2.0 * ls)
        return np.asarray(gd * inv2 + (1.0 - gd) * 0.5 * inv2)

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
            1.0 / np.sqrt(2.0 * np.sum(zs * zs, axis=0) + 1e-12),
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
    for tau in cfg.tau_grid if taus is None else taus:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
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
    g = th[p : p + k]
    raw = b[:-1] / scale
    icpt = float(b[-1] - np.sum(b[:-1] * center / scale))
    coef = np.zeros(len(FEATURES))
    coef[idx] = raw[: len(idx)]
    nuis = dict(zip(nu_names, (float(v) for v in raw[len(idx) :]), strict=True))
    run_icpt = icpt + nuis.get("shots_arm_mean", 0.0) * shots_level
    unstated_sd = k >= 2 and "unstated_shift" in nu_names
    return PointFit(
        variant=variant,
        coef=coef,
        intercept=run_icpt,
        intercept_raw=icpt,
        nuisance=nuis,
        sigma=math.exp(float(g[0])),
        sigma_unstated=math.exp(float(g[0] + g[1])) if unstated_sd else math.exp(float(g[0])),
        sd_headroom=float(g[-1]) if hetero else 0.0,
        tau=float(tau),
        source_effects={str(s): float(v) for s, v in zip(src_names, u, strict=True)},
        laplace_log_marginal=float(crit),
        fitted_mu=zx @ b,
    )


def plugin_rows(fit: PointFit, design: Design, cfg: FitConfig) -> tuple[FloatArray, FloatArray]:
    """Mean and plug-in sd (k = 1) of corpus rows from a new source: the run-time formula
    with the unstated-n nuisance terms (the shots arm mean at its corpus average, the stance
    at neutral)."""
    mu = design.x @ fit.coef + fit.intercept + cfg.slope_below_min * design.off
    mu = mu + fit.nuisance.get("unstated_shift", 0.0) * design.unstated
    sig = np.where(design.unstated > 0, fit.sigma_unstated, fit.sigma)
    if fit.sd_headroom != 0.0:
        sig = sig * np.exp(fit.sd_headroom * _headroom_term(design.x, cfg))
    return mu, np.sqrt(sig**2 + fit.tau**2)


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
    base = ~np.isnan(corp.columns.baseline)
    if not (base & ~np.isnan(corp.score_delta)).any():
        raise DataFileError(
            f"{corp.name}: no row with a score_delta states the prompted arm's score "
            "(icl_score); the fit with a measured baseline needs some. Add icl_score."
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


def with_settings(cfg: FitConfig, **changes: Any) -> FitConfig:
    """``cfg`` with some numbers changed (the ablations of the report)."""
    return replace(cfg, **changes)
