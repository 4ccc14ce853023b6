"""Quality-model stage: calibrated probability that fine-tuning beats in-context learning."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._errors import DataFileError
from ._profile import PilotResult, TaskType
from ._quality_features import (
    FEATURES,
    SUPPORT_DIMS,
    FeatureColumns,
    FeatureSpec,
    FloatArray,
    encode,
    support_points,
)

__all__ = [
    "QualityEstimate",
    "QualityFeatures",
    "QualityModel",
    "QualityParams",
    "hill_gate",
    "load_default_quality_model",
    "pilot_bayes_factor",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
_PARAMS_FILE = "quality_params.json"


class QualityFeatures(BaseModel):
    """What the quality model needs to know about one task and its two arms.

    Examples
    --------
    >>> f = QualityFeatures(task_type="classification", n_labeled_examples=500, n_classes=4,
    ...     icl_shots=5, ft_params_b=7.0, icl_params_b=None, ft_kind="open_weights",
    ...     icl_kind="frontier_api", same_model=False, ft_method="lora")
    >>> f.n_labeled_examples
    500
    """

    model_config = _FROZEN

    task_type: TaskType = Field(..., description="What the task asks of the model.")
    n_labeled_examples: int = Field(..., ge=0, description="Labeled examples for fine-tuning.")
    n_classes: int | None = Field(None, ge=2, description="Label-space size, if classification.")
    icl_shots: int | None = Field(
        None, ge=0, description="Demonstrations the ICL arm uses (0 = zero-shot); None unknown."
    )
    ft_params_b: float | None = Field(
        None, gt=0, description="Tuned model size in billions; None undisclosed."
    )
    icl_params_b: float | None = Field(
        None, gt=0, description="Prompted model size in billions; None undisclosed."
    )
    ft_kind: Literal["frontier_api", "open_weights", "unknown"] = Field(
        "unknown", description="Kind of the tuned model."
    )
    icl_kind: Literal["frontier_api", "open_weights", "unknown"] = Field(
        "unknown", description="Kind of the prompted model."
    )
    same_model: bool = Field(False, description="Both arms use the same base model.")
    ft_method: Literal["full", "lora", "qlora", "ia3", "other_peft", "unknown"] = Field(
        "unknown", description="Fine-tuning method."
    )


class QualityEstimate(BaseModel):
    """The quality model's answer for one task: a probability, its interval, its support."""

    model_config = _FROZEN

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
    pilot_applied: bool = Field(False, description="True when a pilot result updated p.")
    p_before_pilot: float | None = Field(None, description="p before the pilot update.")
    notes: tuple[str, ...] = Field((), description="Human-readable caveats.")
    model_version: str = Field(..., description="Version of the fitted parameters.")

    def __str__(self) -> str:
        pct = round(self.interval_level * 100)
        head = (
            f"P(fine-tuning better) = {self.p_fine_tuning_better:.2f} "
            f"({pct}% interval {self.low:.2f}-{self.high:.2f}); "
            f"support {self.support_rows:.1f} rows from {self.support_sources} source(s)"
        )
        return "\n".join([head, *(f"  - {n}" for n in self.notes)])


# ------------------------------------------------------------------ parameter file schema


class _Linear(BaseModel):
    model_config = _FROZEN
    center: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float


class _Platt(BaseModel):
    model_config = _FROZEN
    a: float = Field(..., gt=0, description="Slope; > 0 keeps the model monotone.")
    b: float


class _Bootstrap(BaseModel):
    model_config = _FROZEN
    level: float = Field(..., gt=0, lt=1)
    method: str
    coef: tuple[tuple[float, ...], ...] = Field(..., min_length=1)
    intercept: tuple[float, ...]


class _Gate(BaseModel):
    model_config = _FROZEN
    form: Literal["hill"]
    n_half: float = Field(..., gt=0)
    exponent: float = Field(..., gt=0)
    anchors: tuple[str, ...] = ()


class _Support(BaseModel):
    model_config = _FROZEN
    dims: tuple[str, ...]
    bandwidths: tuple[float, ...]
    points: tuple[tuple[float, ...], ...]
    source_index: tuple[int, ...]
    sources: tuple[str, ...]
    min_rows: float = Field(..., ge=0)
    min_sources: int = Field(..., ge=0)
    source_threshold: float = Field(..., gt=0)


class _Pilot(BaseModel):
    model_config = _FROZEN
    tau: float = Field(
        ..., gt=0, description="Spread of true score differences around the margin (0-1 scale)."
    )
    margin: float = Field(..., ge=0, description="Difference that counts as 'better'.")


class _Imputation(BaseModel):
    model_config = _FROZEN
    size_impute_log10: dict[str, float]
    shots_impute_log1p: float
    shots_cap: float = Field(..., gt=0)
    classes_cap: float = Field(..., ge=1, description="Largest class count in the corpus.")
    missing_n_train: dict[str, float]


class QualityParams(BaseModel):
    """The shipped parameter file, validated (see ``data/quality_params.json``)."""

    model_config = _FROZEN

    schema_version: Literal[2] = Field(
        ..., description="2: features without n_missing and shots_unknown, classes_cap, force_wide."
    )
    model_version: str
    fitted_on: str
    corpus: dict[str, Any]
    features: tuple[dict[str, str], ...]
    imputation: _Imputation
    hyperparameters: dict[str, Any]
    band: tuple[float, float]
    logit: _Linear
    platt: _Platt
    gate: _Gate
    bootstrap: _Bootstrap
    support: _Support
    pilot: _Pilot
    wide_width: float = Field(..., gt=0)
    force_wide: bool = Field(
        False, description="Fitted on too few sources for a between-source interval: always wide."
    )
    coverage: dict[str, float]
    cv: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _shapes(self) -> QualityParams:
        d = len(FEATURES)
        names = [f.get("name") for f in self.features]
        if names != [f.name for f in FEATURES]:
            raise ValueError(
                f"key 'features': expected names {[f.name for f in FEATURES]}, got {names}"
            )
        for key in ("center", "scale", "coef"):
            if len(getattr(self.logit, key)) != d:
                raise ValueError(
                    f"key 'logit.{key}': expected {d} numbers, got {len(getattr(self.logit, key))}"
                )
        if min(self.logit.scale) <= 0:
            raise ValueError("key 'logit.scale': every scale must be > 0")
        if any(len(row) != d for row in self.bootstrap.coef):
            raise ValueError(f"key 'bootstrap.coef': every draw must have {d} numbers")
        if len(self.bootstrap.intercept) != len(self.bootstrap.coef):
            raise ValueError("key 'bootstrap.intercept': one intercept per coefficient draw")
        k = len(SUPPORT_DIMS)
        if list(self.support.dims) != [name for name, _ in SUPPORT_DIMS]:
            raise ValueError(f"key 'support.dims': expected {[n for n, _ in SUPPORT_DIMS]}")
        if any(len(row) != k for row in self.support.points):
            raise ValueError(f"key 'support.points': every point must have {k} numbers")
        if len(self.support.source_index) != len(self.support.points) or any(
            not 0 <= i < len(self.support.sources) for i in self.support.source_index
        ):
            raise ValueError("key 'support.source_index': one valid source index per point")
        missing = {"frontier_api", "open_weights", "unknown"} - set(
            self.imputation.size_impute_log10
        )
        if missing:
            raise ValueError(f"key 'imputation.size_impute_log10': missing {sorted(missing)}")
        lo, hi = self.band
        if not 0 < lo < hi < 1:
            raise ValueError(f"key 'band': expected 0 < low < high < 1, got {self.band}")
        return self


# ------------------------------------------------------------------------------ numerics


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


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def _band(q: FloatArray, gate: FloatArray, band: tuple[float, float]) -> FloatArray:
    lo, hi = band
    return np.asarray(lo + (hi - lo) * gate * q, dtype=np.float64)


def _columns(features: Sequence[QualityFeatures]) -> FeatureColumns:
    def arr(values: Sequence[float | None]) -> FloatArray:
        return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)

    return FeatureColumns(
        task=tuple(f.task_type for f in features),
        n=arr([f.n_labeled_examples for f in features]),
        n_missing=np.zeros(len(features)),
        n_classes=arr([f.n_classes for f in features]),
        shots=arr([f.icl_shots for f in features]),
        ft_params_b=arr([f.ft_params_b for f in features]),
        icl_params_b=arr([f.icl_params_b for f in features]),
        ft_kind=tuple(f.ft_kind for f in features),
        icl_kind=tuple(f.icl_kind for f in features),
        same_model=arr([float(f.same_model) for f in features]),
        ft_method=tuple(f.ft_method for f in features),
    )


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(f"{name}: not valid JSON ({err}).") from err


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
    :func:`strategy_advisor._quality_fit.fit_quality_model`.

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
            -1, len(SUPPORT_DIMS)
        )
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
            return cls._from_data(source, "<dict>")
        text = str(source)
        if isinstance(source, str) and text.lstrip().startswith("{"):
            return cls._from_data(_parse_json(text, "<json>"), "<json>")
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise DataFileError(f"{path.name}: cannot read the parameter file: {err}") from err
        return cls._from_data(_parse_json(text, path.name), path.name)

    @classmethod
    def _from_data(cls, data: Any, name: str) -> QualityModel:
        try:
            params = QualityParams.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            where = f"key '{key}': " if key else ""
            msg = first["msg"].removeprefix("Value error, ")
            raise DataFileError(
                f"{name}: {where}{msg} ({err.error_count()} problem(s); refit with "
                "scripts/fit_quality.py or fix the file)."
            ) from err
        return cls(params)

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
        return _band(_sigmoid(z), self._gate(n), self.params.band)

    def predict_proba_columns(self, cols: FeatureColumns) -> FloatArray:
        """Point probabilities for raw feature columns (vectorised; used for corpus rows)."""
        return self._point(self._encode(cols), cols.n)

    def predict_proba_batch(self, features: Sequence[QualityFeatures]) -> FloatArray:
        """Point probabilities for many tasks at once (no interval, no pilot)."""
        return self.predict_proba_columns(_columns(features))

    def _interval(self, x: FloatArray, gate: FloatArray) -> tuple[float, float]:
        z = x @ self._draw_coef.T + self._draw_icpt
        draws = _band(_sigmoid(z), gate, self.params.band)
        alpha = (1.0 - self.params.bootstrap.level) / 2.0
        lo, hi = np.quantile(draws, [alpha, 1.0 - alpha])
        return float(lo), float(hi)

    def _support(self, cols: FeatureColumns) -> tuple[float, int]:
        s = support_points(cols, self._spec)[0]
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
        cols = _columns([features])
        x = self._encode(cols)
        gate = self._gate(cols.n)
        p = float(self._point(x, cols.n)[0])
        low, high = self._interval(x, gate)
        low, high = min(low, p), max(high, p)
        p_before, pilot_note = None, None
        if pilot is not None:
            p_before = p
            p, low, high, pilot_note = self._pilot_update(p, low, high, pilot)
        rows, sources = self._support(cols)
        low_support = rows < prm.support.min_rows or sources < prm.support.min_sources
        # below the corpus's smallest stated n the prior curve decides, and the bootstrap
        # (which refits the data model only) cannot show how uncertain that prior is
        below_corpus = 0 < features.n_labeled_examples < prm.coverage.get("min_n", 0.0)
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
            pilot_applied=pilot is not None,
            p_before_pilot=p_before,
            notes=(*notes, *([pilot_note] if pilot_note else [])),
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
        elif f.n_labeled_examples < cov.get("min_n", 0):
            notes.append(
                f"no published result in the corpus used fewer than {cov['min_n']:g} training "
                f"examples; here the estimate follows the prior data-sufficiency curve "
                f"(r({f.n_labeled_examples}) = {gate:.2f}: vendor minimums, T-Few/RAFT)"
            )
        if f.icl_shots is not None and f.icl_shots > cov.get("max_shots", math.inf):
            notes.append(
                f"the corpus has no prompt with more than {cov['max_shots']:g} "
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
                f"the model was fitted on {prm.corpus.get('n_sources', '?')} source(s) only: "
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
    ) -> tuple[float, float, float, str]:
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
            q = min(max(q, 1e-12), 1 - 1e-12)
            post = 1.0 / (1.0 + math.exp(-(math.log(q / (1.0 - q)) + log_bf)))
            return min(max(post, lo_b), hi_b)

        p1 = update(p)
        note = (
            f"pilot applied: fine-tuned {pilot.ft_score:g} vs in-context {pilot.icl_score:g} "
            f"on {n} examples (difference {diff:+.3f} of the score range, standard error "
            f"{se:.3f}; Bayes factor {math.exp(log_bf):.3g} for 'fine-tuning better by more "
            f"than {100 * margin:g} point(s) of 100'); p moved from {p:.2f} to {p1:.2f}"
        )
        return p1, min(update(low), p1), max(update(high), p1), note


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
    ref = resources.files("strategy_advisor").joinpath("data").joinpath(_PARAMS_FILE)
    try:
        text = ref.read_text(encoding="utf-8")
    except OSError as err:
        raise DataFileError(f"{_PARAMS_FILE}: cannot read the shipped parameters: {err}") from err
    return QualityModel._from_data(_parse_json(text, _PARAMS_FILE), _PARAMS_FILE)
