"""Quality stage, validation: leave-one-source-out scores of the model and the baselines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from .._constraints import check_params
from .._errors import ParameterError
from .._types import RESULT, FloatArray
from .baselines import rule_baselines, v1_refit
from .corpus import QualityCorpus, spec_from_corpus, subset_corpus
from .estimation import (
    FIT_CONSTRAINTS,
    CorpusLike,
    FitConfig,
    as_corpus,
    bootstrap_fits,
    check_outcomes,
    check_sources,
    design_of,
    fit_point,
    fit_settings,
    predict_design,
    predictive_of,
    sd_scale_loso,
    worker_count,
)
from .params import GainMetrics, QualityMetrics

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "GainMetrics",
    "QualityCVReport",
    "QualityMetrics",
    "bucket_of",
    "cross_validate_quality_model",
    "reliability_bins",
]

#: The methods every report scores, with what each is.
METHODS: tuple[tuple[str, str], ...] = (
    (
        "model",
        "shipped design: joint latent-gain model of score_delta, source effects integrated "
        "out, sd calibration k nested (inner leave-one-source-out), vendor-minimum gate",
    ),
    (
        "v1_refit",
        "model v1's design (constrained logistic regression, r(n) = n²/(n²+10²)) refitted",
    ),
    ("always_ft", "always fine-tune: constant p at the top of the band"),
    ("base_rate", "base rate: FT-win share of the training sources"),
)


def _rule_methods(thresholds: Sequence[int]) -> tuple[tuple[str, str], ...]:
    return (
        *((f"rule_n{t}", f"n >= {t} -> fine-tune, hard (kept in the band)") for t in thresholds),
        *(
            (f"rule_n{t}_soft", f"n >= {t} rule softened to the training sources' FT-win shares")
            for t in thresholds
        ),
    )


class QualityCVReport(BaseModel):
    """Leave-one-source-out results of the model and the baselines."""

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
    y: tuple[int, ...]
    n_stated: tuple[float | None, ...] = Field(
        (), description="Training-set size each row states (None where it was imputed)."
    )
    predictions: tuple[tuple[float, ...], ...] = Field(..., description="One tuple per method.")
    p_low: tuple[float, ...] = Field((), description="Out-of-fold 80% interval of p (model).")
    p_high: tuple[float, ...] = ()
    gain: tuple[float, ...] = Field((), description="Out-of-fold expected gain (model, points).")
    gain_low: tuple[float, ...] = ()
    gain_high: tuple[float, ...] = ()
    score_delta: tuple[float | None, ...] = ()
    sd_scales: tuple[float, ...] = Field((), description="Nested sd calibration k, per fold.")

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

    def reliability(
        self, method: str = "model", n_bins: int = 10
    ) -> list[tuple[float, float, int, float, float]]:
        """Reliability bins of one method's out-of-fold predictions (see
        :func:`reliability_bins`)."""
        return reliability_bins(np.array(self.y, dtype=float), self.predictions_of(method), n_bins)

    def predictions_of(self, method: str) -> FloatArray:
        """Out-of-fold predictions of one method, in row order."""
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


def _metrics(
    scope: str, method: str, y: FloatArray, p: FloatArray, decisive: int, n_bins: int
) -> QualityMetrics:
    from sklearn.metrics import roc_auc_score

    q = np.clip(p, 1e-15, 1 - 1e-15)
    bins = reliability_bins(y, p, n_bins)
    ece = sum(cnt * abs(mp - fy) for _, _, cnt, mp, fy in bins) / len(y)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return QualityMetrics(
        scope=scope,
        method=method,
        n_rows=len(y),
        n_ft_wins=int(y.sum()),
        n_decisive=decisive,
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
        auc=auc,
        accuracy=float(np.mean((p > 0.5) == (y > 0.5))),
        ece=float(ece),
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


def _fold(args: tuple[QualityCorpus, npt.NDArray[np.bool_], int, int]) -> dict[str, Any]:
    """One held-out source: every fitted quantity learned from the other sources."""
    corp, held, fold_draws, seed = args
    settings = fit_settings()
    cfg = FitConfig.from_settings(settings)
    train, test = subset_corpus(corp, ~held), subset_corpus(corp, held)
    spec = spec_from_corpus(
        train, settings.imputation_fallbacks.as_mapping(), settings.curve.knots_n
    )
    d_tr, d_te = design_of(train, spec), design_of(test, spec)
    fit = fit_point(d_tr, cfg)
    k = sd_scale_loso(train, cfg) if cfg.sd_scale else 1.0
    draws = bootstrap_fits(d_tr, cfg, fold_draws, seed) if fold_draws else []
    out = predict_design(predictive_of(fit, draws, k, spec, cfg), d_te)
    preds = {
        "model": out["p"],
        "v1_refit": v1_refit(train, test, cfg.band),
        **rule_baselines(train, test, cfg.band, settings.cv.rule_thresholds),
    }
    train_delta = train.score_delta[~np.isnan(train.score_delta)]
    return {
        "preds": preds,
        "k": k,
        "low": out["low"],
        "high": out["high"],
        "gain": out["gain"],
        "gain_low": out["gain_low"],
        "gain_high": out["gain_high"],
        "train_mean": float(train_delta.mean()),
    }


def _gain_metrics(
    scope: str,
    delta: FloatArray,
    gain: FloatArray,
    low: FloatArray,
    high: FloatArray,
    train_mean: FloatArray,
) -> GainMetrics:
    return GainMetrics(
        scope=scope,
        n_rows=len(delta),
        mae=float(np.mean(np.abs(delta - gain))),
        mae_train_mean=float(np.mean(np.abs(delta - train_mean))),
        rmse=float(np.sqrt(np.mean((delta - gain) ** 2))),
        coverage=float(np.mean((delta >= low) & (delta <= high))),
        mean_width=float(np.mean(high - low)),
    )


def cross_validate_quality_model(
    corpus: CorpusLike,
    *,
    missing_n_train: Mapping[str, float] | None = None,
    fold_draws: int | None = None,
    n_jobs: int = 1,
) -> QualityCVReport:
    """Leave-one-source-out cross-validation of the model and the baselines.

    Every fitted quantity (imputation constants, scaling, coefficients, tau, the sd
    calibration k through an inner leave-one-source-out loop, the bootstrap draws behind the
    intervals) is learned from the training sources only; so are the baselines' rates.

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
    check_outcomes(corp)
    check_sources(corp)
    groups = np.array(corp.source_ids)
    sources = sorted(set(corp.source_ids))
    jobs = [(corp, groups == s, draws, settings.cv.fold_seed + i) for i, s in enumerate(sources)]
    n_jobs = worker_count(n_jobs)
    if n_jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(min(n_jobs, len(jobs))) as pool:
            results = pool.map(_fold, jobs)
    else:
        results = [_fold(j) for j in jobs]
    thresholds = settings.cv.rule_thresholds
    methods = (*METHODS, *_rule_methods(thresholds))
    m = len(corp)
    preds = {name: np.empty(m) for name, _ in methods}
    extra = {k: np.empty(m) for k in ("low", "high", "gain", "gain_low", "gain_high", "tm")}
    for (_, held, _, _), res in zip(jobs, results, strict=True):
        for name, _ in methods:
            preds[name][held] = res["preds"][name]
        for key in ("low", "high", "gain", "gain_low", "gain_high"):
            extra[key][held] = res[key]
        extra["tm"][held] = res["train_mean"]
    y = corp.y
    cols = corp.columns
    buckets = bucket_of(cols.n, cols.n_missing, settings.cv.bucket_edges)
    bucket_arr = np.array(buckets)
    task = np.array(cols.task)
    decisive = np.array([w != "tie" for w in corp.winner])
    stated = cols.n_missing == 0
    bucket_names = [*dict.fromkeys(bucket_of(
        np.array([0.0, *settings.cv.bucket_edges]), np.zeros(4), settings.cv.bucket_edges
    )), "unstated"]  # fmt: skip
    scopes: list[tuple[str, npt.NDArray[np.bool_]]] = [
        ("overall", np.ones(m, dtype=bool)),
        ("overall (ties dropped)", decisive),
        ("n stated", stated),
        *((f"n stated >= {t}", stated & (cols.n >= t)) for t in settings.cv.stated_n_scopes),
        *((f"bucket {b}", bucket_arr == b) for b in bucket_names),
        *((f"task {t}", task == t) for t in dict.fromkeys(cols.task)),
        *((s, groups == s) for s in sources),
    ]
    n_bins = settings.cv.reliability_bins
    metrics = [
        _metrics(scope, name, y[mask], preds[name][mask], int(decisive[mask].sum()), n_bins)
        for name, _ in methods
        for scope, mask in scopes
        if mask.any()
    ]
    has_d = ~np.isnan(corp.score_delta)
    gain_metrics = [
        _gain_metrics(
            scope,
            corp.score_delta[mask & has_d],
            extra["gain"][mask & has_d],
            extra["gain_low"][mask & has_d],
            extra["gain_high"][mask & has_d],
            extra["tm"][mask & has_d],
        )
        for scope, mask in scopes
        if scope.startswith(("overall", "n stated", "bucket")) and (mask & has_d).any()
    ]

    def floats(a: FloatArray) -> tuple[float, ...]:
        return tuple(float(v) for v in a)

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
        n_stated=tuple(float(v) if ok else None for v, ok in zip(cols.n, stated, strict=True)),
        predictions=tuple(floats(preds[name]) for name, _ in methods),
        p_low=floats(extra["low"]),
        p_high=floats(extra["high"]),
        gain=floats(extra["gain"]),
        gain_low=floats(extra["gain_low"]),
        gain_high=floats(extra["gain_high"]),
        score_delta=tuple(None if np.isnan(v) else float(v) for v in corp.score_delta),
        sd_scales=tuple(float(r["k"]) for r in results),
    )
