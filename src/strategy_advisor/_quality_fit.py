"""Quality-model fitting stage: penalised, sign-constrained logistic regression (scikit-learn)."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import DataFileError
from ._quality import QualityModel, QualityParams, _band, _sigmoid, hill_gate
from ._quality_features import (
    DEFAULT_MISSING_N_TRAIN,
    FEATURES,
    FeatureColumns,
    FloatArray,
    QualityCorpus,
    encode,
    read_corpus,
    spec_from_corpus,
    support_table,
)

__all__ = [
    "BAND",
    "GATE_EXPONENT",
    "GATE_N_HALF",
    "MIN_SOURCES_FOR_INTERVAL",
    "QualityCVReport",
    "QualityFitter",
    "QualityMetrics",
    "cross_validate_quality_model",
    "fit_quality_model",
    "reliability_bins",
]

#: Probabilities are kept in this band: the corpus can never make the model certain.
BAND = (0.02, 0.98)
#: Prior data-sufficiency curve r(n) = n^h / (n^h + n_half^h), set from the anchors below
#: (stated prior knowledge), not from the corpus: r(10) = 0.5, r(20) = 0.8, r(50) = 0.96.
GATE_N_HALF = 10.0
GATE_EXPONENT = 2.0
GATE_ANCHORS = (
    "n = 0: nothing to train on, r = 0 (p at the band floor)",
    "OpenAI fine-tuning guide: minimum 10 examples, so n_half = 10 (r(10) = 0.5)",
    "OpenAI 'start with 50'; T-Few and SetFit beat GPT-3 few-shot with 20-70 examples "
    "(RAFT: 50 per task): r >= 0.95 by ~45 examples, so exponent 2 (r(20) = 0.8, r(50) = 0.96)",
)
#: Below this many sources a source bootstrap cannot show between-source variation: rows are
#: resampled within sources too, and every estimate is flagged wide.
MIN_SOURCES_FOR_INTERVAL = 4
CorpusLike = str | Path | Iterable[Mapping[str, Any]] | QualityCorpus


# --------------------------------------------------------------------------- estimation


@dataclass(frozen=True)
class _Logit:
    center: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    estimator: Any  # the fitted sklearn LogisticRegression (None for a constant model)
    active: npt.NDArray[np.bool_]
    flip: FloatArray

    def decision(self, x: FloatArray) -> FloatArray:
        return np.asarray(((x - self.center) / self.scale) @ self.coef + self.intercept)

    def sklearn_decision(self, x: FloatArray) -> FloatArray:
        """The same values computed by the scikit-learn estimator itself."""
        if self.estimator is None:
            return np.full(len(x), self.intercept)
        z = (x - self.center) / self.scale * self.flip
        return np.asarray(self.estimator.decision_function(z[:, self.active]))


@dataclass(frozen=True)
class _Pipeline:
    logit: _Logit
    a: float
    b: float

    def decision(self, x: FloatArray) -> FloatArray:
        return self.a * self.logit.decision(x) + self.b

    def raw(self) -> tuple[FloatArray, float]:
        """Calibrated coefficients on unscaled features: ``z = x @ coef + intercept``."""
        lg = self.logit
        coef = self.a * lg.coef / lg.scale
        icpt = self.a * (lg.intercept - float((lg.center / lg.scale) @ lg.coef)) + self.b
        return coef, icpt


def _signs() -> FloatArray:
    return np.array([{"nonneg": 1.0, "nonpos": -1.0}.get(f.constraint, 0.0) for f in FEATURES])


def _fit_logit(x: FloatArray, y: FloatArray, c: float, signs: FloatArray) -> _Logit:
    """L2-penalised logistic regression with sign constraints (active set over sklearn fits).

    Continuous features are centred and divided by two standard deviations, binary ones only
    centred (Gelman 2008), so the penalty shrinks a rare category as much as a common one.
    """
    from sklearn.linear_model import LogisticRegression

    d = x.shape[1]
    center = x.mean(axis=0)
    sd2 = 2.0 * x.std(axis=0)
    binary = np.array([f.binary for f in FEATURES])
    scale = np.where(binary | (sd2 < 1e-12), 1.0, sd2)  # Gelman (2008) scaling
    flip = np.where(signs < 0, -1.0, 1.0)
    active = np.ones(d, dtype=bool)
    if y.min() == y.max():  # one class only: a constant, smoothed rate
        rate = (y.sum() + 0.5) / (len(y) + 1.0)
        return _Logit(center, scale, np.zeros(d), math.log(rate / (1 - rate)), None, active, flip)
    z = (x - center) / scale * flip
    constrained = signs != 0
    est, w = None, np.zeros(d)
    for _ in range(3 * d):
        est = LogisticRegression(C=c, solver="newton-cholesky", tol=1e-10, max_iter=1000).fit(
            z[:, active], y
        )
        w = np.zeros(d)
        w[active] = est.coef_[0]
        violated = active & constrained & (w < 0)
        if violated.any():  # drop the most negative constrained coefficient (held at 0)
            active[int(np.argmin(np.where(violated, w, np.inf)))] = False
            continue
        resid = est.predict_proba(z[:, active])[:, 1] - y
        grad = c * (z.T @ resid)  # KKT: a dropped coefficient must not want to grow
        wants_in = ~active & constrained & (grad < -1e-7)
        if wants_in.any():
            active[int(np.argmin(np.where(wants_in, grad, np.inf)))] = True
            continue
        break
    assert est is not None
    return _Logit(center, scale, w * flip, float(est.intercept_[0]), est, active.copy(), flip)


def _platt(z: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Platt (1999) sigmoid on decision values, with his smoothed targets; slope kept > 0."""
    from sklearn.linear_model import LogisticRegression

    n_pos = float(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 1.0, 0.0
    t = np.where(y > 0.5, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    est = LogisticRegression(C=1e6, solver="newton-cholesky", tol=1e-10, max_iter=1000).fit(
        np.concatenate([z, z])[:, None],
        np.r_[np.ones(len(z)), np.zeros(len(z))],
        sample_weight=np.r_[t, 1 - t],
    )
    a, b = float(est.coef_[0, 0]), float(est.intercept_[0])
    return (a, b) if a > 1e-6 else (1.0, 0.0)  # a <= 0 would break monotonicity


def _fit_pipeline(
    x: FloatArray,
    y: FloatArray,
    groups: npt.NDArray[np.str_],
    c: float,
    signs: FloatArray,
    *,
    calibrate: bool = True,
) -> _Pipeline:
    """Fit on all rows; calibrate (Platt) on leave-one-source-out decision values."""
    logit = _fit_logit(x, y, c, signs)
    sources = np.unique(groups)
    if not calibrate or len(sources) < 2:
        return _Pipeline(logit, 1.0, 0.0)
    oof = np.empty(len(y))
    for s in sources:
        held = groups == s
        oof[held] = _fit_logit(x[~held], y[~held], c, signs).decision(x[held])
    a, b = _platt(oof, y)
    return _Pipeline(logit, a, b)


def _robust_sd(values: FloatArray) -> float:
    """1.4826 x median absolute deviation (score deltas are heavy-tailed); 0.1 if too few."""
    if values.size < 5:
        return 0.1
    mad = float(np.median(np.abs(values - np.median(values))))
    return max(1.4826 * mad, 0.01)


def _as_corpus(corpus: CorpusLike, missing_n_train: Mapping[str, float]) -> QualityCorpus:
    if isinstance(corpus, QualityCorpus):
        return corpus
    return read_corpus(corpus, missing_n_train=missing_n_train)


def _check_outcomes(corp: QualityCorpus) -> None:
    y = corp.y
    if y.min() == y.max():
        raise DataFileError(
            f"{corp.name}: the corpus needs both outcomes (fine-tuning wins and other rows); "
            f"got {int(y.sum())} fine-tuning wins in {len(y)} rows. Add rows where in-context "
            "learning won or tied."
        )


def _check_sources(corp: QualityCorpus) -> None:
    sources = sorted(set(corp.source_ids))
    if len(sources) < 2:
        raise DataFileError(
            f"{corp.name}: leave-one-source-out cross-validation holds out one source at a "
            f"time and needs at least 2 sources; got {len(sources)} ({sources[0]!r}). Add "
            "results from another source (source_id), or fit with cross_validate=False "
            "(the interval is then a row bootstrap and every estimate is flagged wide)."
        )


# ------------------------------------------------------------------------------ fitting


class QualityFitter:
    """Fit the quality model on a corpus of head-to-head results (scikit-learn conventions).

    Parameters
    ----------
    C : float, default=0.5
        Inverse L2 penalty (scikit-learn's ``C``) on Gelman-scaled features.
    n_bootstrap : int, default=200
        Bootstrap refits stored for the interval: sources resampled with replacement; with
        fewer than ``MIN_SOURCES_FOR_INTERVAL`` sources, rows within each source too (and
        every estimate is then flagged wide).
    interval_level : float, default=0.8
        Central level of the interval.
    calibrate : bool, default=False
        Add a Platt step (sigmoid on leave-one-source-out decision values). Off for the
        shipped model: on the public corpus it made out-of-source log loss and Brier worse
        (``docs/quality.md``); a corpus with many sources may gain from it.
    gate_n_half, gate_exponent : float, default=10.0, 2.0
        Prior data-sufficiency curve ``r(n) = n^h / (n^h + n_half^h)`` (not fitted: set
        from stated prior knowledge, see ``docs/quality.md``).
    wide_width : float, default=0.3
        Interval width above which an estimate is flagged as wide.
    missing_n_train : mapping
        Imputed training-set size where ``n_train_ft`` is empty (``"*"``: default).
    cross_validate : bool, default=True
        Store leave-one-source-out metrics in the parameters (slower; needs >= 2 sources).
    fitted_on : str, optional
        Fitting date to record (default: today).
    random_state : int, default=0
        Seed of the source bootstrap.

    Attributes
    ----------
    model_ : QualityModel
    spec_ : FeatureSpec
    coef_, intercept_ : calibrated coefficients on the unscaled features
    platt_ : tuple of float
    cv_report_ : QualityCVReport or None
    feature_names_in_ : tuple of str
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        C: float = 0.5,  # noqa: N803  (scikit-learn's name)
        n_bootstrap: int = 200,
        interval_level: float = 0.8,
        calibrate: bool = False,
        gate_n_half: float = GATE_N_HALF,
        gate_exponent: float = GATE_EXPONENT,
        wide_width: float = 0.3,
        missing_n_train: Mapping[str, float] = DEFAULT_MISSING_N_TRAIN,
        cross_validate: bool = True,
        fitted_on: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.n_bootstrap = n_bootstrap
        self.interval_level = interval_level
        self.calibrate = calibrate
        self.gate_n_half = gate_n_half
        self.gate_exponent = gate_exponent
        self.wide_width = wide_width
        self.missing_n_train = missing_n_train
        self.cross_validate = cross_validate
        self.fitted_on = fitted_on
        self.random_state = random_state

    def _check_params(self) -> None:
        checks = {
            "C": self.C > 0,
            "n_bootstrap": self.n_bootstrap >= 1,
            "interval_level": 0 < self.interval_level < 1,
            "gate_n_half": self.gate_n_half > 0,
            "gate_exponent": self.gate_exponent > 0,
            "wide_width": self.wide_width > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(
                    f"The {name!r} parameter of QualityFitter is out of range; "
                    f"got {getattr(self, name)!r}."
                )

    def fit(self, corpus: CorpusLike) -> QualityFitter:
        """Fit on a corpus path, an iterable of row dicts or a parsed corpus; return self."""
        self._check_params()
        corp = _as_corpus(corpus, self.missing_n_train)
        _check_outcomes(corp)
        groups = np.array(corp.source_ids)
        if self.cross_validate:
            _check_sources(corp)  # before the slow part
        y = corp.y
        signs = _signs()
        self.spec_ = spec_from_corpus(corp)
        x = encode(corp.columns, self.spec_)
        self.pipeline_ = _fit_pipeline(x, y, groups, self.C, signs, calibrate=self.calibrate)
        self.coef_, self.intercept_ = self.pipeline_.raw()
        self.platt_ = (self.pipeline_.a, self.pipeline_.b)
        draws = self._bootstrap(x, y, groups, signs)
        self.cv_report_ = (
            cross_validate_quality_model(
                corp,
                C=self.C,
                calibrate=self.calibrate,
                gate_n_half=self.gate_n_half,
                gate_exponent=self.gate_exponent,
            )
            if self.cross_validate
            else None
        )
        self.feature_names_in_ = tuple(f.name for f in FEATURES)
        self.n_features_in_ = len(FEATURES)
        self.model_ = QualityModel(self._params(corp, draws))
        return self

    def _bootstrap(
        self, x: FloatArray, y: FloatArray, groups: npt.NDArray[np.str_], signs: FloatArray
    ) -> list[tuple[FloatArray, float]]:
        """Resample sources with replacement and refit the whole pipeline each time.

        With fewer than ``MIN_SOURCES_FOR_INTERVAL`` sources, a source bootstrap would mostly
        redraw the same one or two sources and give a collapsed interval (false certainty):
        rows are then resampled within each drawn source as well (two-stage bootstrap).
        """
        rng = np.random.default_rng(self.random_state)
        sources = np.unique(groups)
        rows_of = {s: np.flatnonzero(groups == s) for s in sources}
        few = len(sources) < MIN_SOURCES_FOR_INTERVAL
        draws: list[tuple[FloatArray, float]] = []
        for _ in range(50 * self.n_bootstrap):
            if len(draws) == self.n_bootstrap:
                break
            pick = rng.choice(sources, size=len(sources), replace=True)
            if few:
                parts = [rng.choice(rows_of[s], size=rows_of[s].size) for s in pick]
            else:
                parts = [rows_of[s] for s in pick]
            idx = np.concatenate(parts)
            if (not few and len(set(pick)) < 2) or y[idx].min() == y[idx].max():
                continue  # degenerate replicate: redraw
            pipe = _fit_pipeline(
                x[idx], y[idx], groups[idx], self.C, signs, calibrate=self.calibrate
            )
            draws.append(pipe.raw())
        if not draws:
            draws.append(self.pipeline_.raw())
        return draws

    def _params(self, corp: QualityCorpus, draws: list[tuple[FloatArray, float]]) -> QualityParams:
        lg, spec = self.pipeline_.logit, self.spec_
        fitted_on = self.fitted_on or datetime.date.today().isoformat()
        hyper = {
            "C": self.C,
            "n_bootstrap": len(draws),
            "penalty": "l2; continuous features / (2 sd), binary centred (Gelman 2008)",
            "C_default": "0.5 is the most regularised C in {0.05, 0.1, 0.2, 0.5, 1, 2} whose "
            "leave-one-source-out log loss is within one source-clustered paired standard "
            "error of the best, on the public corpus",
            "random_state": self.random_state,
            "interval_level": self.interval_level,
            "ties": "a tie counts as 'fine-tuning not better' (y = 0)",
            "calibration": "Platt sigmoid on leave-one-source-out decision values"
            if self.calibrate
            else "none (a = 1, b = 0)",
        }
        stated = corp.columns.n[corp.columns.n_missing == 0]
        n_sources = len(set(corp.source_ids))
        deltas = corp.score_delta[~np.isnan(corp.score_delta)] / 100.0
        report = self.cv_report_
        data: dict[str, Any] = {
            "schema_version": 2,
            "model_version": "",
            "fitted_on": fitted_on,
            "corpus": {
                "file": corp.name,
                "sha256": corp.sha256,
                "n_rows": len(corp),
                "n_sources": n_sources,
                "n_ft_wins": int(corp.y.sum()),
                "n_ties": sum(w == "tie" for w in corp.winner),
            },
            "features": [f.to_dict() for f in FEATURES],
            "imputation": {**spec.to_dict(), "missing_n_train": dict(self.missing_n_train)},
            "hyperparameters": hyper,
            "band": list(BAND),
            "logit": {
                "center": lg.center.tolist(),
                "scale": lg.scale.tolist(),
                "coef": lg.coef.tolist(),
                "intercept": lg.intercept,
            },
            "platt": {"a": self.pipeline_.a, "b": self.pipeline_.b},
            "gate": {
                "form": "hill",
                "n_half": self.gate_n_half,
                "exponent": self.gate_exponent,
                "anchors": list(GATE_ANCHORS),
            },
            "bootstrap": {
                "level": self.interval_level,
                "method": (
                    "two-stage bootstrap: source_ids, then rows within them"
                    if n_sources < MIN_SOURCES_FOR_INTERVAL
                    else "source bootstrap: resample source_ids with replacement"
                )
                + ", refit and recalibrate; calibrated raw-feature logits",
                "coef": [c.tolist() for c, _ in draws],
                "intercept": [i for _, i in draws],
            },
            "support": support_table(corp, spec, min_rows=5.0, min_sources=2, threshold=1.0),
            "pilot": {"tau": _robust_sd(deltas), "margin": 0.01},
            "wide_width": self.wide_width,
            "force_wide": n_sources < MIN_SOURCES_FOR_INTERVAL,
            "coverage": {
                "min_n": float(stated.min()) if stated.size else 0.0,
                "max_shots": spec.shots_cap,
                "max_classes": spec.classes_cap,
            },
            "cv": None
            if report is None
            else {
                "scheme": "leave-one-source-out",
                "methods": dict(zip(report.methods, report.descriptions, strict=True)),
                "metrics": [m.model_dump() for m in report.metrics],
            },
        }
        content = {k: v for k, v in data.items() if k not in ("model_version", "fitted_on")}
        tag = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        data["model_version"] = f"2+{tag[:12]}"  # changes whenever any parameter changes
        return QualityParams.model_validate(data)

    def predict_proba(self, columns: FeatureColumns) -> FloatArray:
        """Point probabilities computed with the fitted scikit-learn estimator itself."""
        x = encode(columns, self.spec_)
        z = self.pipeline_.a * self.pipeline_.logit.sklearn_decision(x) + self.pipeline_.b
        return _band(_sigmoid(z), hill_gate(columns.n, self.gate_n_half, self.gate_exponent), BAND)


def fit_quality_model(
    corpus: CorpusLike, *, random_state: int = 0, n_bootstrap: int = 200, **params: Any
) -> QualityModel:
    """Fit the quality model on a corpus and return it (see :class:`QualityFitter`).

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        Head-to-head results in the format of ``data/evidence_public.csv``.
    random_state, n_bootstrap :
        See :class:`QualityFitter`; other keyword parameters are passed on to it.

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("strategy_advisor") / "data" / "evidence_public.csv"
    >>> model = fit_quality_model(str(path), n_bootstrap=5, cross_validate=False)
    >>> type(model).__name__
    'QualityModel'
    """
    fitter = QualityFitter(random_state=random_state, n_bootstrap=n_bootstrap, **params)
    return fitter.fit(corpus).model_


# Re-exported here (the public import path); placed last because _quality_cv builds on the
# estimation core above, and the package imports this module first.
from ._quality_cv import (  # noqa: E402
    QualityCVReport,
    QualityMetrics,
    cross_validate_quality_model,
    reliability_bins,
)
