"""Quality stage, validation: leave-one-source-out scores of the model and the baselines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from .._constraints import check_params
from .._errors import ParameterError
from .._types import RESULT, FloatArray
from .baselines import rule_baselines
from .corpus import QualityCorpus, subset_corpus
from .estimation import (
    FIT_CONSTRAINTS,
    CorpusLike,
    FitConfig,
    as_corpus,
    check_outcomes,
    check_sources,
    design_of,
    fit_point,
    fit_settings,
    spec_of,
    variant_rows,
)
from .features import VARIANTS
from .params import GainMetrics, QualityMetrics
from .predictive import predict_arrays
from .resampling import bootstrap_fits, inner_calibration, map_jobs, predictive_of, worker_count

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "GainMetrics",
    "QualityCVReport",
    "QualityMetrics",
    "bucket_of",
    "cross_validate",
    "cross_validate_quality_model",
    "ece_of",
    "reliability_bins",
]

#: The methods every report scores, with what each is.
METHODS: tuple[tuple[str, str], ...] = (
    (
        "model",
        "the prior fit (no measured baseline): joint latent-gain model of score_delta, source "
        "effects integrated out, sd calibration k nested (inner leave-one-source-out), "
        "vendor-minimum gate; p on decisive outcomes",
    ),
    (
        "model_baseline",
        "the baseline fit: the same with the prompted model's measured score (each held-out "
        "row's own icl_score) as headroom and a headroom-dependent residual sd",
    ),
    ("always_ft", "always fine-tune: constant p at the top of the band"),
    ("base_rate", "base rate: the decisive FT-win share of the training sources"),
)
VARIANT_METHOD = {"prior": "model", "baseline": "model_baseline"}


def _rule_methods(thresholds: Sequence[int]) -> tuple[tuple[str, str], ...]:
    return (
        *((f"rule_n{t}", f"n >= {t} -> fine-tune, hard (kept in the band)") for t in thresholds),
        *(
            (
                f"rule_n{t}_soft",
                f"n >= {t} rule softened to the training sources' decisive FT-win shares",
            )
            for t in thresholds
        ),
    )


class QualityCVReport(BaseModel):
    """Leave-one-source-out results of the model and the baselines.

    Row arrays hold every corpus row; probability metrics are computed on the decisive rows
    (``decisive``), the gain's on the rows with a score_delta.
    """

    model_config = RESULT

    methods: tuple[str, ...]
    descriptions: tuple[str, ...]
    metrics: tuple[QualityMetrics, ...]
    gain_metrics: tuple[GainMetrics, ...] = Field(
        (), description="Out-of-source accuracy and interval coverage of the gain (points)."
    )
    row_ids: tuple[str, ...]
    source_ids: tuple[str, ...]
    task_families: tuple[str, ...] = ()
    buckets: tuple[str, ...] = Field((), description="Data-size bucket of each row.")
    y: tuple[int, ...] = Field(..., description="1 where fine-tuning won, else 0.")
    decisive: tuple[bool, ...] = Field((), description="False for ties (|delta| <= 1 point).")
    n_stated: tuple[float | None, ...] = Field(
        (), description="Training-set size each row states (None where it was imputed)."
    )
    predictions: tuple[tuple[float, ...], ...] = Field(..., description="One tuple per method.")
    p_low: tuple[float, ...] = Field((), description="Out-of-fold 80% interval of p (model).")
    p_high: tuple[float, ...] = ()
    p_tie: tuple[float, ...] = Field((), description="Out-of-fold P(tie) (model).")
    gain: tuple[float, ...] = Field((), description="Out-of-fold expected gain (model, points).")
    gain_low: tuple[float, ...] = ()
    gain_high: tuple[float, ...] = ()
    gain_baseline: tuple[float, ...] = Field((), description="The same for model_baseline.")
    gain_low_baseline: tuple[float, ...] = ()
    gain_high_baseline: tuple[float, ...] = ()
    score_delta: tuple[float | None, ...] = ()
    sd_scales: tuple[float, ...] = Field((), description="Nested sd calibration k, per fold.")
    sd_scales_baseline: tuple[float, ...] = ()

    def get(self, method: str, scope: str = "overall") -> QualityMetrics:
        """The metrics of ``method`` on ``scope``."""
        for m in self.metrics:
            if m.method == method and m.scope == scope:
                return m
        scopes = sorted({m.scope for m in self.metrics})
        raise ParameterError(
            f"no metrics for method={method!r}, scope={scope!r}; methods: "
            f"{', '.join(self.methods)}; scopes: {', '.join(scopes)}"
        )

    def outcomes(self, method: str = "model") -> tuple[FloatArray, FloatArray]:
        """``(y, p)`` of one method on the decisive rows: what its metrics score."""
        keep = np.array(self.decisive, dtype=bool) if self.decisive else np.ones(len(self.y), bool)
        return np.array(self.y, dtype=np.float64)[keep], self.predictions_of(method)[keep]

    def reliability(
        self, method: str = "model", n_bins: int = 10
    ) -> list[tuple[float, float, int, float, float]]:
        """Reliability bins of one method's out-of-fold predictions on the decisive rows
        (see :func:`reliability_bins`)."""
        y, p = self.outcomes(method)
        return reliability_bins(y, p, n_bins)

    def predictions_of(self, method: str) -> FloatArray:
        """Out-of-fold predictions of one method, in row order (every row)."""
        return np.array(self.predictions[self.methods.index(method)], dtype=np.float64)


def reliability_bins(
    y: FloatArray, p: FloatArray, n_bins: int = 10
) -> list[tuple[float, float, int, float, float]]:
    """Equal-width bins: ``(lower, upper, count, mean predicted, observed FT-win rate)``;
    empty bins are left out. The numbers of a reliability diagram.

    Examples
    --------
    >>> reliability_bins(np.array([0.0, 1.0, 1.0]), np.array([0.1, 0.75, 0.85]), n_bins=2)
    [(0.0, 0.5, 1, 0.1, 0.0), (0.5, 1.0, 2, 0.8, 1.0)]
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = idx == b
        if m.any():
            out.append(
                (
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(m.sum()),
                    float(p[m].mean()),
                    float(y[m].mean()),
                )
            )
    return out


def ece_of(y: FloatArray, p: FloatArray, n_bins: int = 10) -> float:
    """Expected calibration error over equal-width bins.

    Examples
    --------
    >>> ece_of(np.array([0.0, 1.0]), np.array([0.2, 0.8]), n_bins=2)
    0.2
    """
    idx = np.clip(np.digitize(p, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]), 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    gap = np.abs(np.bincount(idx, p, n_bins) - np.bincount(idx, y, n_bins))
    return float(round(gap.sum() / max(count.sum(), 1), 15))


def _ece_interval(
    y: FloatArray, p: FloatArray, groups: npt.NDArray[np.str_], draws: int, n_bins: int, seed: int
) -> tuple[float, float]:
    """5% and 95% of the ECE over source-bootstrap resamples of the held-out rows."""
    rng = np.random.default_rng(seed)
    names = np.unique(groups)
    rows = [np.flatnonzero(groups == g) for g in names]
    values = []
    for _ in range(draws):
        idx = np.concatenate([rows[i] for i in rng.integers(0, len(names), len(names))])
        values.append(ece_of(y[idx], p[idx], n_bins))
    lo, hi = np.quantile(values, [0.05, 0.95])
    return float(lo), float(hi)


def _metrics(scope: str, method: str, y: FloatArray, p: FloatArray, n_bins: int) -> QualityMetrics:
    from sklearn.metrics import roc_auc_score

    q = np.clip(p, 1e-15, 1 - 1e-15)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return QualityMetrics(
        scope=scope,
        method=method,
        n_rows=len(y),
        n_ft_wins=int(y.sum()),
        n_decisive=len(y),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
        auc=auc,
        accuracy=float(np.mean((p > 0.5) == (y > 0.5))),
        ece=ece_of(y, p, n_bins),
    )


def bucket_of(n: FloatArray, missing: FloatArray, edges: Sequence[int]) -> tuple[str, ...]:
    """Data-size bucket of each row: ``<a``, ``a-(b-1)``, ``b-(c-1)``, ``c+`` or
    ``unstated`` (n imputed), for ``edges = (a, b, c)``.

    Examples
    --------
    >>> bucket_of(np.array([20.0, 50.0, 500.0, 5000.0, 1e4]), np.array([0, 0, 0, 0, 1.0]),
    ...           (50, 100, 1000))
    ('<50', '50-99', '100-999', '1000+', 'unstated')
    """
    a, b, c = edges
    out = []
    for v, miss in zip(n, missing, strict=True):
        if miss > 0:
            out.append("unstated")
        elif v < a:
            out.append(f"<{a}")
        elif v < b:
            out.append(f"{a}-{b - 1}")
        elif v < c:
            out.append(f"{b}-{c - 1}")
        else:
            out.append(f"{c}+")
    return tuple(out)


def _variant_fold(
    train: QualityCorpus, test: QualityCorpus, cfg: FitConfig, variant: str, draws: int, seed: int
) -> dict[str, Any]:
    """One held-out source for one fit: every fitted quantity from the training sources."""
    spec = spec_of(train, cfg)
    d_tr, d_te = design_of(train, spec), design_of(test, spec)
    d_tr = d_tr.take(variant_rows(d_tr, variant))
    keep = variant_rows(d_te, variant)
    d_te = d_te.take(keep)
    fit = fit_point(d_tr, cfg, variant)
    k, platt, _ = inner_calibration(train, cfg, variant, fit.tau)
    fold_draws = bootstrap_fits(d_tr, cfg, variant, draws, seed, taus=(fit.tau,)) if draws else []
    pred = predictive_of(fit, fold_draws, k, platt, spec, cfg)
    sigma = np.where(d_te.unstated > 0, fit.sigma_unstated, fit.sigma)
    shift = fit.nuisance.get("unstated_shift", 0.0) * d_te.unstated
    out = predict_arrays(pred, d_te.x, d_te.off, d_te.n, shift=shift, sigma=sigma)
    return {"rows": keep, "k": k, **out}


_FoldArgs = tuple[
    QualityCorpus, "npt.NDArray[np.bool_]", int, int, FitConfig, Sequence[int], Sequence[str]
]


def _fold(args: _FoldArgs) -> dict[str, Any]:
    corp, held, draws, seed, cfg, thresholds, variants = args
    train, test = subset_corpus(corp, ~held), subset_corpus(corp, held)
    out: dict[str, Any] = {v: _variant_fold(train, test, cfg, v, draws, seed) for v in variants}
    out["rules"] = rule_baselines(train, test, cfg.band, tuple(thresholds))
    return out


def _gain_metrics(
    scope: str, fit: str, delta: FloatArray, gain: FloatArray, low: FloatArray, high: FloatArray,
    train_mean: FloatArray,
) -> GainMetrics:  # fmt: skip
    return GainMetrics(
        scope=scope,
        fit=fit,
        n_rows=len(delta),
        mean_predicted=float(np.mean(gain)),
        mean_observed=float(np.mean(delta)),
        mae=float(np.mean(np.abs(delta - gain))),
        mae_train_mean=float(np.mean(np.abs(delta - train_mean))),
        rmse=float(np.sqrt(np.mean((delta - gain) ** 2))),
        coverage=float(np.mean((delta >= low) & (delta <= high))),
        mean_width=float(np.mean(high - low)),
    )


def cross_validate(
    corp: QualityCorpus,
    cfg: FitConfig,
    *,
    fold_draws: int,
    n_jobs: int = 1,
    variants: Sequence[str] = VARIANTS,
) -> QualityCVReport:
    """Leave-one-source-out cross-validation of a parsed corpus with the procedure ``cfg``
    (the settings, or an ablation of them), for the fits in ``variants`` (a fit left out
    scores NaN)."""
    settings = fit_settings()
    check_outcomes(corp)
    check_sources(corp)
    groups = np.array(corp.source_ids)
    sources = sorted(set(corp.source_ids))
    thresholds = settings.cv.rule_thresholds
    jobs = [
        (corp, groups == s, fold_draws, settings.cv.fold_seed + i, cfg, thresholds, variants)
        for i, s in enumerate(sources)
    ]
    results = map_jobs(_fold, jobs, worker_count(n_jobs))
    run = {VARIANT_METHOD[v] for v in variants}
    methods = tuple(
        (name, d)
        for name, d in (*METHODS, *_rule_methods(thresholds))
        if name not in VARIANT_METHOD.values() or name in run
    )
    m = len(corp)
    preds = {name: np.full(m, np.nan) for name, _ in methods}
    keys = ("low", "high", "p_tie", "gain", "gain_low", "gain_high")
    extra = {f"{v}:{k}": np.full(m, np.nan) for v in ("prior", "baseline") for k in keys}
    train_mean = np.empty(m)
    has_d = ~np.isnan(corp.score_delta)
    ks: dict[str, list[float]] = {"prior": [], "baseline": []}
    for (_, held, *_), res in zip(jobs, results, strict=True):
        where = np.flatnonzero(held)
        for variant in variants:
            r = res[variant]
            rows = where[r["rows"]]
            preds[VARIANT_METHOD[variant]][rows] = r["p"]
            for k in keys:
                extra[f"{variant}:{k}"][rows] = r[k]
            ks[variant].append(float(r["k"]))
        for name, values in res["rules"].items():
            preds[name][held] = values
        train_mean[held] = float(corp.score_delta[~held & has_d].mean())
    y = corp.y
    decisive = corp.decisive
    cols = corp.columns
    buckets = bucket_of(cols.n, cols.n_missing, settings.cv.bucket_edges)
    bucket_arr = np.array(buckets)
    task = np.array(cols.task)
    stated = cols.n_missing == 0
    bucket_names = [*dict.fromkeys(bucket_of(
        np.array([0.0, *settings.cv.bucket_edges]), np.zeros(4), settings.cv.bucket_edges
    )), "unstated"]  # fmt: skip
    everything = np.ones(m, dtype=bool)
    scopes: list[tuple[str, npt.NDArray[np.bool_]]] = [
        ("overall", everything),
        ("n stated", stated),
        *((f"n stated >= {t}", stated & (cols.n >= t)) for t in settings.cv.stated_n_scopes),
        *((f"bucket {b}", bucket_arr == b) for b in bucket_names),
        *((f"task {t}", task == t) for t in dict.fromkeys(cols.task)),
        *((s, groups == s) for s in sources),
    ]
    n_bins = settings.cv.reliability_bins
    metrics = []
    for name, _ in methods:
        p = preds[name]
        for scope, mask in scopes:
            sel = mask & decisive & ~np.isnan(p)
            if not sel.any():
                continue
            met = _metrics(scope, name, y[sel], p[sel], n_bins)
            if scope == "overall" or scope.startswith("bucket "):
                lo, hi = _ece_interval(
                    y[sel], p[sel], groups[sel], settings.cv.ece_bootstrap, n_bins,
                    settings.cv.fold_seed,
                )  # fmt: skip
                met = met.model_copy(update={"ece_low": lo, "ece_high": hi})
            metrics.append(met)
    gain_metrics = []
    for variant in variants:
        g = extra[f"{variant}:gain"]
        for scope, mask in scopes:
            sel = mask & has_d & ~np.isnan(g)
            if not sel.any() or not scope.startswith(("overall", "n stated", "bucket", "task")):
                continue
            gain_metrics.append(
                _gain_metrics(
                    scope,
                    variant,
                    corp.score_delta[sel],
                    g[sel],
                    extra[f"{variant}:gain_low"][sel],
                    extra[f"{variant}:gain_high"][sel],
                    train_mean[sel],
                )
            )

    def floats(a: FloatArray) -> tuple[float, ...]:
        return () if np.isnan(a).all() else tuple(float(v) for v in a)

    return QualityCVReport(
        methods=tuple(name for name, _ in methods),
        descriptions=tuple(d for _, d in methods),
        metrics=tuple(metrics),
        gain_metrics=tuple(gain_metrics),
        row_ids=corp.row_ids,
        source_ids=corp.source_ids,
        task_families=cols.task,
        buckets=buckets,
        y=tuple(int(v) for v in y),
        decisive=tuple(bool(v) for v in decisive),
        n_stated=tuple(float(v) if ok else None for v, ok in zip(cols.n, stated, strict=True)),
        predictions=tuple(floats(preds[name]) for name, _ in methods),
        p_low=floats(extra["prior:low"]),
        p_high=floats(extra["prior:high"]),
        p_tie=floats(extra["prior:p_tie"]),
        gain=floats(extra["prior:gain"]),
        gain_low=floats(extra["prior:gain_low"]),
        gain_high=floats(extra["prior:gain_high"]),
        gain_baseline=floats(extra["baseline:gain"]),
        gain_low_baseline=floats(extra["baseline:gain_low"]),
        gain_high_baseline=floats(extra["baseline:gain_high"]),
        score_delta=tuple(None if np.isnan(v) else float(v) for v in corp.score_delta),
        sd_scales=tuple(ks["prior"]),
        sd_scales_baseline=tuple(ks["baseline"]),
    )


def cross_validate_quality_model(
    corpus: CorpusLike,
    *,
    missing_n_train: Mapping[str, float] | None = None,
    fold_draws: int | None = None,
    n_jobs: int = 1,
) -> QualityCVReport:
    """Leave-one-source-out cross-validation of the model (both fits) and the baselines.

    Every fitted quantity (imputation constants, scaling, coefficients, tau, the sd
    calibration k and, when enabled, the Platt step through an inner leave-one-source-out
    loop, the bootstrap draws behind the intervals) is learned from the training sources
    only; so are the baselines' rates. Probabilities are scored on decisive rows (not ties).

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        At least 2 sources, both outcomes, and some rows with a score_delta.
    missing_n_train : mapping, optional
        As for :func:`~strategy_advisor.fit_quality_model`.
    fold_draws : int, optional
        Source-bootstrap draws inside each fold for the out-of-fold intervals (default:
        ``cv.fold_draws`` of ``data/quality_fit.json``; 0 gives point intervals).
    n_jobs : int, default=1
        Processes to run folds in (-1: every core).

    Returns
    -------
    QualityCVReport
        Metrics per held-out source, per data-size bucket, per task family and pooled, the
        gain's accuracy and coverage, and every out-of-fold prediction.

    Raises
    ------
    ParameterError
        A parameter of the wrong type or out of range.
    DataFileError
        With fewer than 2 sources (nothing to hold out), a single outcome, or no
        score_delta.
    """
    settings = fit_settings()
    given = {"missing_n_train": missing_n_train, "fold_draws": fold_draws, "n_jobs": n_jobs}
    check_params(
        "cross_validate_quality_model",
        {k: v for k, v in given.items() if v is not None},
        FIT_CONSTRAINTS,
    )
    missing = settings.unstated_n.missing_n_train if missing_n_train is None else missing_n_train
    draws = settings.cv.fold_draws if fold_draws is None else fold_draws
    corp = as_corpus(corpus, missing)
    return cross_validate(corp, FitConfig.from_settings(settings), fold_draws=draws, n_jobs=n_jobs)
