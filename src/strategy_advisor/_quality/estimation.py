"""Quality stage, estimation: the constrained logistic fit and checks shared by fit and CV.

scikit-learn is imported inside the functions that fit, never at import: run time
(``recommend()``) evaluates stored parameters with numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import Constraint, Interval, NoneOk, Options, Satisfies
from .._errors import DataFileError
from .._types import FloatArray
from .corpus import QualityCorpus, read_corpus
from .features import FEATURES
from .settings import fit_settings

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FIT_CONSTRAINTS",
    "CorpusLike",
    "Pipeline",
    "as_corpus",
    "check_outcomes",
    "check_sources",
    "fit_pipeline",
    "fit_settings",
    "robust_sd",
    "sign_constraints",
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


_POSITIVE = Interval(Real, 0, None, closed="neither")
_BOOL = Options((True, False))

#: Parameter constraints of fit_quality_model, QualityFitter and cross_validate_quality_model.
FIT_CONSTRAINTS: Mapping[str, list[Constraint]] = {
    "C": [_POSITIVE],
    "n_bootstrap": [Interval(Integral, 1, None, closed="left")],
    "interval_level": [Interval(Real, 0, 1, closed="neither")],
    "calibrate": [_BOOL],
    "gate_n_half": [_POSITIVE],
    "gate_exponent": [_POSITIVE],
    "wide_width": [_POSITIVE],
    "missing_n_train": [
        Satisfies(_is_size_map, "a mapping of source_id to a size >= 0 with a '*' entry")
    ],
    "cross_validate": [_BOOL],
    "fitted_on": [NoneOk(), Satisfies(lambda v: isinstance(v, str), "a str (YYYY-MM-DD)")],
    "random_state": [Interval(Integral, None, None)],
}


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
class Pipeline:
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


def sign_constraints() -> FloatArray:
    """+1 for a coefficient kept >= 0, -1 for one kept <= 0, 0 for a free one (per feature)."""
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


def fit_pipeline(
    x: FloatArray,
    y: FloatArray,
    groups: npt.NDArray[np.str_],
    c: float,
    signs: FloatArray,
    *,
    calibrate: bool = True,
) -> Pipeline:
    """Fit on all rows; calibrate (Platt) on leave-one-source-out decision values."""
    logit = _fit_logit(x, y, c, signs)
    sources = np.unique(groups)
    if not calibrate or len(sources) < 2:
        return Pipeline(logit, 1.0, 0.0)
    oof = np.empty(len(y))
    for s in sources:
        held = groups == s
        oof[held] = _fit_logit(x[~held], y[~held], c, signs).decision(x[held])
    a, b = _platt(oof, y)
    return Pipeline(logit, a, b)


def robust_sd(values: FloatArray, *, fallback: float, floor: float, min_rows: int) -> float:
    """1.4826 x the median absolute deviation (score deltas are heavy-tailed), at least
    ``floor``; ``fallback`` when fewer than ``min_rows`` values are known."""
    if values.size < min_rows:
        return fallback
    mad = float(np.median(np.abs(values - np.median(values))))
    return max(1.4826 * mad, floor)


def as_corpus(corpus: CorpusLike, missing_n_train: Mapping[str, float]) -> QualityCorpus:
    """A parsed corpus (a path, rows, or an already parsed corpus)."""
    if isinstance(corpus, QualityCorpus):
        return corpus
    return read_corpus(corpus, missing_n_train=missing_n_train)


def check_outcomes(corp: QualityCorpus) -> None:
    """Both outcomes must occur: a one-class corpus cannot be fitted."""
    y = corp.y
    if y.min() == y.max():
        raise DataFileError(
            f"{corp.name}: the corpus needs both outcomes (fine-tuning wins and other rows); "
            f"got {int(y.sum())} fine-tuning wins in {len(y)} rows. Add rows where in-context "
            "learning won or tied."
        )


def check_sources(corp: QualityCorpus) -> None:
    """Leave-one-source-out needs at least two sources."""
    sources = sorted(set(corp.source_ids))
    if len(sources) < 2:
        raise DataFileError(
            f"{corp.name}: leave-one-source-out cross-validation holds out one source at a "
            f"time and needs at least 2 sources; got {len(sources)} ({sources[0]!r}). Add "
            "results from another source (source_id), or fit with cross_validate=False "
            "(the interval is then a row bootstrap and every estimate is flagged wide)."
        )
