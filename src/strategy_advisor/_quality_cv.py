"""Quality-model validation stage: leave-one-source-out scores of the model and the baselines."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from ._quality import _band, _sigmoid, hill_gate
from ._quality_features import (
    DEFAULT_MISSING_N_TRAIN,
    FloatArray,
    QualityCorpus,
    encode,
    spec_from_corpus,
    subset_corpus,
)
from ._quality_fit import (
    BAND,
    GATE_EXPONENT,
    GATE_N_HALF,
    CorpusLike,
    _as_corpus,
    _check_outcomes,
    _check_sources,
    _fit_pipeline,
    _signs,
)

__all__ = [
    "STATED_N_SCOPES",
    "QualityCVReport",
    "QualityMetrics",
    "cross_validate_quality_model",
    "reliability_bins",
]

#: Extra pooled scopes: rows whose paper states a training-set size of at least 50 (or 100)
#: examples. There the vendor rule "n >= 50 -> fine-tune" is the same as always fine-tune.
STATED_N_SCOPES = (50, 100)


class QualityMetrics(BaseModel):
    """Scores of one method on one scope (a held-out source, or rows pooled)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: str = Field(
        ...,
        description="source_id, 'overall', 'overall (ties dropped)' or 'n stated >= 50' "
        "(pooled out-of-fold predictions of rows whose source states n >= 50).",
    )
    method: str
    n_rows: int
    n_ft_wins: int
    brier: float
    log_loss: float
    auc: float | None = Field(None, description="None where the scope has one class only.")
    accuracy: float
    ece: float = Field(..., description="Expected calibration error, 10 equal-width bins.")


class QualityCVReport(BaseModel):
    """Leave-one-source-out results of the model and the baselines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    methods: tuple[str, ...]
    descriptions: tuple[str, ...]
    metrics: tuple[QualityMetrics, ...]
    row_ids: tuple[str, ...]
    source_ids: tuple[str, ...]
    y: tuple[int, ...]
    n_stated: tuple[float | None, ...] = Field(
        (), description="Training-set size each row states (None where it was imputed)."
    )
    predictions: tuple[tuple[float, ...], ...] = Field(..., description="One tuple per method.")

    def get(self, method: str, scope: str = "overall") -> QualityMetrics:
        """The metrics of ``method`` on ``scope``."""
        for m in self.metrics:
            if m.method == method and m.scope == scope:
                return m
        raise KeyError(f"no metrics for method={method!r}, scope={scope!r}")

    def predictions_of(self, method: str) -> FloatArray:
        """Out-of-fold predictions of one method, in row order."""
        return np.array(self.predictions[self.methods.index(method)], dtype=np.float64)


def reliability_bins(
    y: FloatArray, p: FloatArray, n_bins: int = 10
) -> list[tuple[float, float, int, float, float]]:
    """Equal-width bins: ``(lower, upper, count, mean predicted, observed FT-win rate)``."""
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


def _metrics(scope: str, method: str, y: FloatArray, p: FloatArray) -> QualityMetrics:
    from sklearn.metrics import roc_auc_score

    q = np.clip(p, 1e-15, 1 - 1e-15)
    ece = sum(cnt * abs(mp - fy) for _, _, cnt, mp, fy in reliability_bins(y, p)) / len(y)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return QualityMetrics(
        scope=scope,
        method=method,
        n_rows=len(y),
        n_ft_wins=int(y.sum()),
        brier=float(np.mean((p - y) ** 2)),
        log_loss=float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
        auc=auc,
        accuracy=float(np.mean((p > 0.5) == (y > 0.5))),
        ece=float(ece),
    )


def _methods(calibrate: bool) -> tuple[tuple[str, str], ...]:
    platt = "Platt step (sigmoid on inner leave-one-source-out decision values)"
    return (
        (
            "model",
            "shipped pipeline: sign-constrained L2 logistic regression"
            + (f" with a {platt}" if calibrate else "")
            + ", prior data-sufficiency curve r(n), band [0.02, 0.98]",
        ),
        (
            "model_no_platt" if calibrate else "model_platt",
            f"ablation: the same {'without' if calibrate else 'with'} the {platt}",
        ),
        ("model_no_gate", "ablation: the shipped pipeline without the prior curve r(n)"),
        ("always_ft", "always fine-tune: constant p = 0.98"),
        ("base_rate", "base rate: FT-win share of the training sources"),
        ("rule_n50", "vendor rule n >= 50 -> fine-tune, hard 0/1 kept in the band (0.98 / 0.02)"),
        ("rule_n100", "vendor rule n >= 100 -> fine-tune, hard 0/1 kept in the band"),
        ("rule_n50_soft", "n >= 50 rule softened: training-source FT-win share on each side"),
        ("rule_n100_soft", "n >= 100 rule softened: training-source FT-win share on each side"),
    )


def _out_of_fold(
    corp: QualityCorpus,
    *,
    C: float,  # noqa: N803  (scikit-learn's name)
    calibrate: bool,
    gate_n_half: float,
    gate_exponent: float,
) -> dict[str, FloatArray]:
    groups = np.array(corp.source_ids)
    y, n = corp.y, corp.columns.n
    signs = _signs()
    preds = {name: np.empty(len(y)) for name, _ in _methods(calibrate)}
    for s in np.unique(groups):
        held = groups == s
        train = subset_corpus(corp, ~held)
        spec = spec_from_corpus(train)
        x_tr = encode(train.columns, spec)
        x_te = encode(subset_corpus(corp, held).columns, spec)
        ship = _fit_pipeline(x_tr, y[~held], groups[~held], C, signs, calibrate=calibrate)
        alt = _fit_pipeline(x_tr, y[~held], groups[~held], C, signs, calibrate=not calibrate)
        alt_name = "model_no_platt" if calibrate else "model_platt"
        gate = hill_gate(n[held], gate_n_half, gate_exponent)
        ones = np.ones(int(held.sum()))
        preds["model"][held] = _band(_sigmoid(ship.decision(x_te)), gate, BAND)
        preds[alt_name][held] = _band(_sigmoid(alt.decision(x_te)), gate, BAND)
        preds["model_no_gate"][held] = _band(_sigmoid(ship.decision(x_te)), ones, BAND)
        preds["always_ft"][held] = BAND[1]
        rate = float(y[~held].mean())
        preds["base_rate"][held] = min(max(rate, BAND[0]), BAND[1])
        for thr in (50, 100):
            fires = n >= thr
            preds[f"rule_n{thr}"][held] = np.where(fires[held], BAND[1], BAND[0])
            side = [y[~held & (fires == v)] for v in (False, True)]
            rates = [float(v.mean()) if v.size else rate for v in side]
            soft = np.where(fires[held], rates[1], rates[0])
            preds[f"rule_n{thr}_soft"][held] = np.clip(soft, *BAND)
    return preds


def cross_validate_quality_model(
    corpus: CorpusLike,
    *,
    C: float = 0.5,  # noqa: N803  (scikit-learn's name)
    calibrate: bool = False,
    gate_n_half: float = GATE_N_HALF,
    gate_exponent: float = GATE_EXPONENT,
    missing_n_train: Mapping[str, float] = DEFAULT_MISSING_N_TRAIN,
) -> QualityCVReport:
    """Leave-one-source-out cross-validation of the model and the baselines.

    Every fitted quantity (imputation constants, coefficients, Platt calibration on an inner
    leave-one-source-out loop) is learned from the training sources only.

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        At least 2 sources, and both outcomes.
    C, calibrate, gate_n_half, gate_exponent, missing_n_train :
        As for :class:`~strategy_advisor._quality_fit.QualityFitter`.

    Returns
    -------
    QualityCVReport
        Metrics per held-out source and pooled, and every out-of-fold prediction.

    Raises
    ------
    DataFileError
        With fewer than 2 sources (nothing to hold out) or a single outcome.
    """
    corp = _as_corpus(corpus, missing_n_train)
    _check_outcomes(corp)
    _check_sources(corp)
    methods = _methods(calibrate)
    preds = _out_of_fold(
        corp, C=C, calibrate=calibrate, gate_n_half=gate_n_half, gate_exponent=gate_exponent
    )
    groups = np.array(corp.source_ids)
    y = corp.y
    stated = corp.columns.n_missing == 0
    scopes: list[tuple[str, npt.NDArray[np.bool_]]] = [
        ("overall", np.ones(len(y), dtype=bool)),
        ("overall (ties dropped)", np.array([w != "tie" for w in corp.winner])),
        *((f"n stated >= {t}", stated & (corp.columns.n >= t)) for t in STATED_N_SCOPES),
        *((str(s), groups == s) for s in np.unique(groups)),
    ]
    metrics = [
        _metrics(scope, name, y[mask], preds[name][mask])
        for name, _ in methods
        for scope, mask in scopes
        if mask.any()
    ]
    return QualityCVReport(
        methods=tuple(m for m, _ in methods),
        descriptions=tuple(d for _, d in methods),
        metrics=tuple(metrics),
        row_ids=corp.row_ids,
        source_ids=corp.source_ids,
        y=tuple(int(v) for v in y),
        n_stated=tuple(
            float(v) if ok else None for v, ok in zip(corp.columns.n, stated, strict=True)
        ),
        predictions=tuple(tuple(float(v) for v in preds[m]) for m, _ in methods),
    )
