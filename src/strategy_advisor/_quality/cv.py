"""Quality stage, validation: leave-one-source-out scores of the model and the baselines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from .._constraints import check_params
from .._errors import ParameterError
from .._types import RESULT, FloatArray, sigmoid
from .corpus import QualityCorpus, spec_from_corpus, subset_corpus
from .estimation import (
    FIT_CONSTRAINTS,
    CorpusLike,
    as_corpus,
    check_outcomes,
    check_sources,
    fit_pipeline,
    fit_settings,
    sign_constraints,
)
from .features import encode
from .model import band, hill_gate
from .params import QualityMetrics

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "QualityCVReport",
    "QualityMetrics",
    "cross_validate_quality_model",
    "reliability_bins",
]


class QualityCVReport(BaseModel):
    """Leave-one-source-out results of the model and the baselines."""

    model_config = RESULT

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
        raise ParameterError(
            f"no metrics for method={method!r}, scope={scope!r}; methods: "
            f"{', '.join(self.methods)}; scopes include 'overall' and each source_id"
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


def _methods(
    calibrate: bool, limits: tuple[float, float], thresholds: tuple[int, ...]
) -> tuple[tuple[str, str], ...]:
    platt = "Platt step (sigmoid on inner leave-one-source-out decision values)"
    lo, hi = limits
    return (
        (
            "model",
            "shipped pipeline: sign-constrained L2 logistic regression"
            + (f" with a {platt}" if calibrate else "")
            + f", prior data-sufficiency curve r(n), band [{lo:g}, {hi:g}]",
        ),
        (
            "model_no_platt" if calibrate else "model_platt",
            f"ablation: the same {'without' if calibrate else 'with'} the {platt}",
        ),
        ("model_no_gate", "ablation: the shipped pipeline without the prior curve r(n)"),
        ("always_ft", f"always fine-tune: constant p = {hi:g}"),
        ("base_rate", "base rate: FT-win share of the training sources"),
        *(
            (
                f"rule_n{t}",
                f"vendor rule n >= {t} -> fine-tune, hard 0/1 kept in the band ({hi:g} / {lo:g})",
            )
            for t in thresholds
        ),
        *(
            (
                f"rule_n{t}_soft",
                f"n >= {t} rule softened: training-source FT-win share on each side",
            )
            for t in thresholds
        ),
    )


def _out_of_fold(
    corp: QualityCorpus,
    methods: tuple[tuple[str, str], ...],
    *,
    C: float,  # noqa: N803  (scikit-learn's name)
    calibrate: bool,
    gate_n_half: float,
    gate_exponent: float,
) -> dict[str, FloatArray]:
    settings = fit_settings()
    limits = settings.band.value
    fallbacks = settings.imputation_fallbacks.as_mapping()
    groups = np.array(corp.source_ids)
    y, n = corp.y, corp.columns.n
    signs = sign_constraints()
    preds = {name: np.empty(len(y)) for name, _ in methods}
    for s in np.unique(groups):
        held = groups == s
        train = subset_corpus(corp, ~held)
        spec = spec_from_corpus(train, fallbacks)
        x_tr = encode(train.columns, spec)
        x_te = encode(subset_corpus(corp, held).columns, spec)
        ship = fit_pipeline(x_tr, y[~held], groups[~held], C, signs, calibrate=calibrate)
        alt = fit_pipeline(x_tr, y[~held], groups[~held], C, signs, calibrate=not calibrate)
        alt_name = "model_no_platt" if calibrate else "model_platt"
        gate = hill_gate(n[held], gate_n_half, gate_exponent)
        ones = np.ones(int(held.sum()))
        preds["model"][held] = band(sigmoid(ship.decision(x_te)), gate, limits)
        preds[alt_name][held] = band(sigmoid(alt.decision(x_te)), gate, limits)
        preds["model_no_gate"][held] = band(sigmoid(ship.decision(x_te)), ones, limits)
        preds["always_ft"][held] = limits[1]
        rate = float(y[~held].mean())
        preds["base_rate"][held] = min(max(rate, limits[0]), limits[1])
        for thr in settings.cv.rule_thresholds:
            fires = n >= thr
            preds[f"rule_n{thr}"][held] = np.where(fires[held], limits[1], limits[0])
            side = [y[~held & (fires == v)] for v in (False, True)]
            rates = [float(v.mean()) if v.size else rate for v in side]
            soft = np.where(fires[held], rates[1], rates[0])
            preds[f"rule_n{thr}_soft"][held] = np.clip(soft, *limits)
    return preds


def cross_validate_quality_model(
    corpus: CorpusLike,
    *,
    C: float | None = None,  # noqa: N803  (scikit-learn's name)
    calibrate: bool | None = None,
    gate_n_half: float | None = None,
    gate_exponent: float | None = None,
    missing_n_train: Mapping[str, float] | None = None,
) -> QualityCVReport:
    """Leave-one-source-out cross-validation of the model and the baselines.

    Every fitted quantity (imputation constants, coefficients, Platt calibration on an inner
    leave-one-source-out loop) is learned from the training sources only.

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        At least 2 sources, and both outcomes.
    C, calibrate, gate_n_half, gate_exponent, missing_n_train :
        As for :func:`~strategy_advisor.fit_quality_model`; ``None`` takes the default in
        ``data/quality_fit.json``.

    Returns
    -------
    QualityCVReport
        Metrics per held-out source and pooled, and every out-of-fold prediction.

    Raises
    ------
    ParameterError
        A parameter of the wrong type or out of range.
    DataFileError
        With fewer than 2 sources (nothing to hold out) or a single outcome.
    """
    settings = fit_settings()
    given = {
        "C": C,
        "calibrate": calibrate,
        "gate_n_half": gate_n_half,
        "gate_exponent": gate_exponent,
        "missing_n_train": missing_n_train,
    }
    check_params(
        "cross_validate_quality_model",
        {k: v for k, v in given.items() if v is not None},
        FIT_CONSTRAINTS,
    )
    c = settings.defaults.C if C is None else C
    cal = settings.defaults.calibrate if calibrate is None else calibrate
    n_half = settings.gate.n_half if gate_n_half is None else gate_n_half
    exponent = settings.gate.exponent if gate_exponent is None else gate_exponent
    missing = settings.missing_n_train.value if missing_n_train is None else missing_n_train
    corp = as_corpus(corpus, missing)
    check_outcomes(corp)
    check_sources(corp)
    methods = _methods(cal, settings.band.value, settings.cv.rule_thresholds)
    preds = _out_of_fold(
        corp, methods, C=c, calibrate=cal, gate_n_half=n_half, gate_exponent=exponent
    )
    groups = np.array(corp.source_ids)
    y = corp.y
    stated = corp.columns.n_missing == 0
    scopes: list[tuple[str, npt.NDArray[np.bool_]]] = [
        ("overall", np.ones(len(y), dtype=bool)),
        ("overall (ties dropped)", np.array([w != "tie" for w in corp.winner])),
        *(
            (f"n stated >= {t}", stated & (corp.columns.n >= t))
            for t in settings.cv.stated_n_scopes
        ),
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
