"""Quality stage, the model: P(fine-tuning beats prompting), its interval and support (numpy)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .._datafiles import load_json, parse_json, read_shipped_json, validate_data
from .._errors import DataFileError
from .._profile import PilotResult
from .._types import RESULT, FloatArray, logit, sigmoid
from .features import (
    FeatureColumns,
    FeatureSpec,
    QualityFeatures,
    columns_of,
    encode,
    support_points,
)
from .params import QualityParams

__all__ = [
    "PilotUpdate",
    "QualityEstimate",
    "QualityModel",
    "band",
    "hill_gate",
    "load_default_quality_model",
    "pilot_bayes_factor",
]

_PARAMS_FILE = "quality_params.json"


class PilotUpdate(BaseModel):
    """How a measured pilot moved the estimate (see :func:`pilot_bayes_factor`)."""

    model_config = RESULT

    difference: float = Field(description="Fine-tuned minus in-context score, 0-1 scale.")
    standard_error: float = Field(ge=0, description="Standard error of the difference.")
    bayes_factor: float = Field(gt=0, description="For 'fine-tuning better by > margin'.")
    p_before: float = Field(ge=0, le=1, description="p before the pilot.")
    message: str


class QualityEstimate(BaseModel):
    """The quality model's answer for one task: a probability, its interval, its support."""

    model_config = RESULT

    p_fine_tuning_better: float = Field(
        ..., ge=0, le=1, description="P(fine-tuning beats ICL by more than 1 point of 100)."
    )
    low: float = Field(..., ge=0, le=1, description="Lower bound of the interval.")
    high: float = Field(..., ge=0, le=1, description="Upper bound of the interval.")
    interval_level: float = Field(..., gt=0, lt=1, description="Interval level, e.g. 0.8.")
    data_sufficiency: float = Field(
        ..., ge=0, le=1, description="Prior curve r(n): can n examples train the model at all?"
    )
    support_rows: float = Field(..., ge=0, description="Kernel-weighted count of similar rows.")
    support_sources: int = Field(..., ge=0, description="Sources with >= 1 similar row (weighted).")
    wide: bool = Field(..., description="True when the interval is wide or support is low.")
    pilot: PilotUpdate | None = Field(None, description="How a pilot result updated p.")
    notes: tuple[str, ...] = Field((), description="Human-readable caveats.")
    model_version: str = Field(..., description="Version of the fitted parameters.")

    @property
    def pilot_applied(self) -> bool:
        """True when a pilot result updated p."""
        return self.pilot is not None

    def __str__(self) -> str:
        pct = round(self.interval_level * 100)
        head = (
            f"P(fine-tuning better) = {self.p_fine_tuning_better:.2f} "
            f"({pct}% interval {self.low:.2f}-{self.high:.2f}); "
            f"support {self.support_rows:.1f} rows from {self.support_sources} source(s)"
        )
        notes = [*self.notes, *([self.pilot.message] if self.pilot is not None else [])]
        return "\n".join([head, *(f"  - {n}" for n in notes)])


def hill_gate(n: FloatArray | float, n_half: float, exponent: float) -> FloatArray:
    """Prior data-sufficiency curve ``r(n) = n^h / (n^h + n_half^h)``; 0 at n = 0.

    Examples
    --------
    >>> float(hill_gate(15.0, 15.0, 1.5))
    0.5
    """
    x = np.asarray(n, dtype=np.float64)
    num = np.power(np.maximum(x, 0.0), exponent)
    return np.asarray(num / (num + n_half**exponent), dtype=np.float64)


def band(q: FloatArray, gate: FloatArray, limits: tuple[float, float]) -> FloatArray:
    """``lo + (hi − lo) · gate · q``: a probability kept inside ``limits``, gated by r(n)."""
    lo, hi = limits
    return np.asarray(lo + (hi - lo) * gate * q, dtype=np.float64)


def _compact_json(obj: Any, indent: int = 0) -> str:
    """JSON with one key per line but lists of scalars kept on one line."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, Mapping):
        if not obj:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k))}: {_compact_json(v, indent + 1)}" for k, v in obj.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (Mapping, list, tuple)) for v in obj):
            return json.dumps(list(obj), allow_nan=False)
        body = ",\n".join(inner + _compact_json(v, indent + 1) for v in obj)
        return "[\n" + body + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


class QualityModel:
    """Fitted quality model, evaluated with numpy only.

    Build it with :meth:`from_json` (or :func:`load_default_quality_model`), or refit it with
    :func:`strategy_advisor.fit_quality_model`.

    Examples
    --------
    >>> model = load_default_quality_model()
    >>> est = model.predict(QualityFeatures(task_type="classification", n_labeled_examples=0))
    >>> est.p_fine_tuning_better
    0.02
    """

    def __init__(self, params: QualityParams) -> None:
        self.params = params
        self._spec = FeatureSpec(
            size_impute_log10=dict(params.imputation.size_impute_log10),
            shots_impute_log1p=params.imputation.shots_impute_log1p,
            shots_cap=params.imputation.shots_cap,
            classes_cap=params.imputation.classes_cap,
        )
        lin = params.logit
        self._center = np.array(lin.center)
        self._scale = np.array(lin.scale)
        self._coef = np.array(lin.coef)
        self._draw_coef = np.array(params.bootstrap.coef, dtype=np.float64)
        self._draw_icpt = np.array(params.bootstrap.intercept, dtype=np.float64)
        self._points = np.array(params.support.points, dtype=np.float64).reshape(
            -1, len(params.support.dims)
        )
        self._bandwidths = params.bandwidths
        self._source_index = np.array(params.support.source_index, dtype=np.int64)

    def __repr__(self) -> str:
        return f"QualityModel(version={self.params.model_version!r})"

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> QualityModel:
        """Load parameters from a path, a JSON string or an already parsed mapping.

        Raises
        ------
        DataFileError
            When the file is unreadable or a key is missing or malformed (names both).
        """
        if isinstance(source, Mapping):
            return cls._from_data(source, "quality parameters")
        if isinstance(source, str) and source.lstrip().startswith("{"):
            return cls._from_data(parse_json(source, "quality parameters"), "quality parameters")
        return cls._from_data(load_json(source), str(source))

    @classmethod
    def _from_data(cls, data: Any, where: str) -> QualityModel:
        try:
            return cls(validate_data(QualityParams, data, where))
        except DataFileError as err:
            raise DataFileError(
                f"{err} (refit with scripts/fit_quality.py, or fix the file)"
            ) from err.__cause__

    def to_dict(self) -> dict[str, Any]:
        """Parameters as plain JSON-able data."""
        return self.params.model_dump(mode="json")

    def to_json(self) -> str:
        """Parameters as a JSON string that :meth:`from_json` reads back exactly."""
        return _compact_json(self.to_dict()) + "\n"

    # -- prediction --------------------------------------------------------------------

    def _encode(self, cols: FeatureColumns) -> FloatArray:
        return encode(cols, self._spec)

    def _gate(self, n: FloatArray) -> FloatArray:
        return hill_gate(n, self.params.gate.n_half, self.params.gate.exponent)

    def _point(self, x: FloatArray, n: FloatArray) -> FloatArray:
        z = ((x - self._center) / self._scale) @ self._coef + self.params.logit.intercept
        z = self.params.platt.a * z + self.params.platt.b
        return band(sigmoid(z), self._gate(n), self.params.band)

    def data_sufficiency(self, n: float) -> float:
        """The prior data-sufficiency curve r(n) of this model (0 at n = 0)."""
        return float(self._gate(np.array([float(n)]))[0])

    def predict_proba_columns(self, cols: FeatureColumns) -> FloatArray:
        """Point probabilities for raw feature columns (vectorised; used for corpus rows)."""
        return self._point(self._encode(cols), cols.n)

    def predict_proba_batch(self, features: Sequence[QualityFeatures]) -> FloatArray:
        """Point probabilities for many tasks at once (no interval, no pilot)."""
        return self.predict_proba_columns(columns_of(features))

    def _interval(self, x: FloatArray, gate: FloatArray) -> tuple[float, float]:
        z = x @ self._draw_coef.T + self._draw_icpt
        draws = band(sigmoid(z), gate, self.params.band)
        alpha = (1.0 - self.params.bootstrap.level) / 2.0
        lo, hi = np.quantile(draws, [alpha, 1.0 - alpha])
        return float(lo), float(hi)

    def _support(self, cols: FeatureColumns) -> tuple[float, int]:
        s = support_points(cols, self._spec, self._bandwidths)[0]
        d2 = np.sum((self._points - s) ** 2, axis=1)
        w = np.exp(-0.5 * d2)
        per_source = np.bincount(
            self._source_index, weights=w, minlength=len(self.params.support.sources)
        )
        return float(w.sum()), int(np.sum(per_source >= self.params.support.source_threshold))

    def predict(
        self, features: QualityFeatures, pilot: PilotResult | None = None
    ) -> QualityEstimate:
        """Probability that fine-tuning beats ICL on this task, with interval and support.

        Parameters
        ----------
        features : QualityFeatures
        pilot : PilotResult, optional
            Scores measured for both arms; updates the estimate (see ``docs/quality.md``).

        Returns
        -------
        QualityEstimate
        """
        prm = self.params
        cols = columns_of([features])
        x = self._encode(cols)
        gate = self._gate(cols.n)
        p = float(self._point(x, cols.n)[0])
        low, high = self._interval(x, gate)
        low, high = min(low, p), max(high, p)
        update = None
        if pilot is not None:
            p, low, high, update = self._pilot_update(p, low, high, pilot)
        rows, sources = self._support(cols)
        low_support = rows < prm.support.min_rows or sources < prm.support.min_sources
        # below the corpus's smallest stated n the prior curve decides, and the bootstrap
        # (which refits the data model only) cannot show how uncertain that prior is
        below_corpus = 0 < features.n_labeled_examples < prm.coverage.min_n
        notes = self._notes(features, float(gate[0]), rows, sources, low_support, low, high)
        return QualityEstimate(
            p_fine_tuning_better=p,
            low=low,
            high=high,
            interval_level=prm.bootstrap.level,
            data_sufficiency=float(gate[0]),
            support_rows=rows,
            support_sources=sources,
            wide=(high - low) > prm.wide_width or low_support or below_corpus or prm.force_wide,
            pilot=update,
            notes=tuple(notes),
            model_version=prm.model_version,
        )

    def _notes(
        self,
        f: QualityFeatures,
        gate: float,
        rows: float,
        sources: int,
        low_support: bool,
        low: float,
        high: float,
    ) -> list[str]:
        prm, notes = self.params, []
        cov = prm.coverage
        if f.n_labeled_examples == 0:
            notes.append(
                f"no labeled examples: nothing to fine-tune on, so p stays at the "
                f"floor {prm.band[0]:g}"
            )
        elif f.n_labeled_examples < cov.min_n:
            notes.append(
                f"no published result in the corpus used fewer than {cov.min_n:g} training "
                f"examples; here the estimate follows the prior data-sufficiency curve "
                f"(r({f.n_labeled_examples}) = {gate:.2f}: vendor minimums, T-Few/RAFT)"
            )
        if f.icl_shots is not None and f.icl_shots > cov.max_shots:
            notes.append(
                f"the corpus has no prompt with more than {cov.max_shots:g} "
                f"demonstrations; many-shot prompting is not modelled beyond that"
            )
        cap = prm.imputation.classes_cap
        if f.n_classes is not None and f.n_classes > cap:
            notes.append(
                f"the corpus has no task with more than {cap:g} classes; {f.n_classes} classes "
                f"are treated as {cap:g} (no extrapolation beyond the corpus)"
            )
        if prm.force_wide:
            notes.append(
                f"the model was fitted on {prm.corpus.n_sources} source(s) only: "
                "its interval cannot show how much sources disagree, so treat it as wide"
            )
        if low_support:
            spread = (
                f"from {sources} source{'s' if sources != 1 else ''}"
                if sources
                else "and no source has a full row like it"
            )
            notes.append(
                f"few published results resemble this task: {rows:.1f} similar rows {spread}"
            )
        if high - low > prm.wide_width:
            notes.append(
                f"the {round(prm.bootstrap.level * 100)}% interval is wide "
                f"({low:.2f}-{high:.2f}): published sources disagree on tasks like this"
            )
        return notes

    def _pilot_update(
        self, p: float, low: float, high: float, pilot: PilotResult
    ) -> tuple[float, float, float, PilotUpdate]:
        """Bayes-factor update of p by a measured pilot (see :func:`pilot_bayes_factor`)."""
        tau, margin = self.params.pilot.tau, self.params.pilot.margin
        n = pilot.n_eval_examples
        ft, icl = pilot.ft_score / pilot.score_scale, pilot.icl_score / pilot.score_scale
        diff = ft - icl if pilot.higher_is_better else icl - ft

        def var(s: float) -> float:
            s = (s * n + 0.5) / (n + 1.0)  # keeps the variance > 0 at scores of 0 or 1
            return s * (1.0 - s)

        se = math.sqrt((var(ft) + var(icl)) / n)
        log_bf = math.log(pilot_bayes_factor(diff, se, tau=tau, margin=margin))
        lo_b, hi_b = self.params.band

        def update(q: float) -> float:
            return min(max(sigmoid(logit(q) + log_bf), lo_b), hi_b)

        p1 = update(p)
        note = (
            f"pilot applied: fine-tuned {pilot.ft_score:g} vs in-context {pilot.icl_score:g} "
            f"on {n} examples (difference {diff:+.3f} of the score range, standard error "
            f"{se:.3f}; Bayes factor {math.exp(log_bf):.3g} for 'fine-tuning better by more "
            f"than {100 * margin:g} point(s) of 100'); p moved from {p:.2f} to {p1:.2f}"
        )
        result = PilotUpdate(
            difference=diff,
            standard_error=se,
            bayes_factor=math.exp(log_bf),
            p_before=p,
            message=note,
        )
        return p1, min(update(low), p1), max(update(high), p1), result


def pilot_bayes_factor(diff: float, se: float, *, tau: float, margin: float) -> float:
    """Bayes factor of a measured score difference for "fine-tuning better by > margin".

    The event E is "true difference > margin". Given E, the true difference lies above the
    margin, given not-E below it, spread as the two halves of N(margin, tau^2): the
    reference spread ``tau`` comes from the corpus, the direction only from the prior p. The
    measured ``diff ~ N(true difference, se^2)``. Then

        BF = [P(E | diff) / P(not E | diff)] under N(margin, tau^2) = Phi(t) / Phi(-t),
        t = (diff - margin) / se^2 / sqrt(1 / tau^2 + 1 / se^2),

    and posterior odds = prior odds x BF. BF > 1 exactly when ``diff > margin``, so a
    measured fine-tuning lead never lowers p, a measured tie or ICL lead never raises it,
    and a small evaluation (large ``se``) moves p little.

    Examples
    --------
    >>> round(pilot_bayes_factor(0.03, 0.0174, tau=0.1, margin=0.01), 2)
    6.77
    >>> pilot_bayes_factor(0.01, 0.05, tau=0.1, margin=0.01)
    1.0
    """
    t = (diff - margin) / se**2 / math.sqrt(1.0 / tau**2 + 1.0 / se**2)
    t = min(max(t, -30.0), 30.0)  # beyond this p is pinned to the band anyway
    return math.erfc(-t / math.sqrt(2.0)) / math.erfc(t / math.sqrt(2.0))  # Phi(t) / Phi(-t)


@functools.cache
def load_default_quality_model() -> QualityModel:
    """The shipped model (``data/quality_params.json``), loaded once.

    Raises
    ------
    DataFileError
        If the shipped file is malformed (names the file and the key).
    """
    return QualityModel._from_data(read_shipped_json(_PARAMS_FILE), f"data/{_PARAMS_FILE}")
