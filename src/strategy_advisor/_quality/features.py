"""Quality stage, features: what the quality model knows of a task, encoded as numbers."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .._types import RESULT, TASK_TYPES, FineTuningMethod, FloatArray, ModelKind, TaskType

__all__ = [
    "FEATURES",
    "SUPPORT_DIMS",
    "VARIANTS",
    "FeatureColumns",
    "FeatureDef",
    "FeatureSpec",
    "QualityFeatures",
    "bandwidth_of",
    "below_min_offset",
    "columns_of",
    "encode",
    "encode_row",
    "encode_varying",
    "support_points",
    "support_row",
]

#: The two fits of one design: without and with the prompted model's measured score.
VARIANTS: tuple[str, str] = ("prior", "baseline")


class QualityFeatures(BaseModel):
    """What the quality model needs to know about one task and its two arms.

    Build it from a profile and two model specs with
    :func:`~strategy_advisor._quality.inputs.quality_features_for`.

    Examples
    --------
    >>> f = QualityFeatures(task_type="classification", n_labeled_examples=500, n_classes=4,
    ...     icl_shots=5, ft_params_b=7.0, icl_params_b=None, ft_kind="open_weights",
    ...     icl_kind="frontier_api", same_model=False, ft_method="lora", icl_retrieval=False,
    ...     icl_strength=88.7)
    >>> f.n_labeled_examples
    500
    """

    model_config = RESULT

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
        None, gt=0, description="Prompted model size in billions (recorded; not a feature)."
    )
    ft_kind: ModelKind = Field("unknown", description="Kind of the tuned model.")
    icl_kind: ModelKind = Field("unknown", description="Kind of the prompted model.")
    same_model: bool = Field(False, description="Both arms use the same base model.")
    ft_method: FineTuningMethod = Field(
        "unknown", description="Fine-tuning method (recorded; not a feature)."
    )
    icl_retrieval: bool = Field(
        False, description="The prompted arm carries retrieved context (RAG) in every prompt."
    )
    icl_strength: float | None = Field(
        None,
        ge=0,
        le=100,
        description="The prompted model's capability figure (MMLU %, data/model_strength.json); "
        "None: unknown, imputed from icl_kind.",
    )
    icl_baseline_points: float | None = Field(
        None,
        ge=0,
        le=100,
        description="The prompted model's measured score on this task, 0-100, higher is better "
        "(TaskProfile.prompted_baseline); None: not measured.",
    )
    icl_baseline_se_points: float = Field(
        0.0, ge=0, description="Standard error of icl_baseline_points (points)."
    )


@dataclass(frozen=True)
class FeatureDef:
    """One model feature: its name, transform, kind, sign constraint, fits and reason."""

    name: str
    transform: str
    kind: Literal["curve", "continuous", "binary"]
    constraint: Literal["nonneg", "nonpos", "free"]
    why: str
    variants: tuple[str, ...] = VARIANTS

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as stored in the parameter file."""
        return {
            "name": self.name,
            "transform": self.transform,
            "kind": self.kind,
            "constraint": self.constraint,
            "why": self.why,
            "variants": list(self.variants),
        }


_RAMP = (
    "clip(ln(1 + n), ln(1 + k{a}), ln(1 + k{b})) - ln(1 + k{a}), knots k1-k4 of "
    "curve.knots_n (10, 100, 1,000, 10,000)"
)
_STRENGTH = (
    "(min(s, strength_cap) - strength.center) x 1[task {which}], s the prompted model's MMLU "
    "(data/model_strength.json; unknown: imputed from its kind)"
)

FEATURES: tuple[FeatureDef, ...] = (
    *(
        FeatureDef(
            name,
            _RAMP.format(a=i + 1, b=i + 2),
            "curve",
            "nonneg",
            "More labeled data can only help the tuned arm: slopes >= 0 make the curve "
            "monotone in n by construction; sourced prior on each slope (quality_fit.json).",
        )
        for i, name in enumerate(("n_slope_10_100", "n_slope_100_1000", "n_slope_1000_10000"))
    ),
    FeatureDef(
        "same_model",
        "1 if both arms use the same base model",
        "binary",
        "nonneg",
        "Tuning a model rarely makes it worse than prompting that same model; in the baseline "
        "fit only (quality_fit.json, 'features'): without a baseline the prompted model's "
        "strength carries it.",
    ),
    FeatureDef(
        "log_classes",
        "ln(min(n_classes, classes_cap)) for classification tasks with a known class "
        "count, else 0; classes_cap is the corpus maximum (no extrapolation)",
        "continuous",
        "nonneg",
        "A prompt cannot show every label of a large label space (T-Few / RAFT Banking77).",
    ),
    FeatureDef(
        "log_shots",
        "ln(1 + min(icl_shots, shots_cap)); unknown: the corpus mean. Its slope is learned "
        "within matched comparisons (rows sharing one fine-tuned result), the rest is a "
        "fit-time nuisance",
        "continuous",
        "nonpos",
        "Demonstrations can only strengthen the prompted arm; between sources the shot count "
        "is confounded with model and era, so only same-arm comparisons set the slope "
        "(zhong2023chatgptbert 0/1/5 shots, bertsch2024longicl).",
    ),
    FeatureDef(
        "icl_retrieval",
        "1 if the prompted arm carries retrieved context",
        "binary",
        "nonpos",
        "Retrieved context can only strengthen the prompted arm.",
    ),
    FeatureDef(
        "retrieval_x_knowledge_qa",
        "icl_retrieval x (task_type == 'knowledge_qa')",
        "binary",
        "nonpos",
        "Knowledge injection: retrieval beats fine-tuning on new facts (Ovadia et al. 2023, RAFT).",
    ),
    *(
        FeatureDef(
            f"task_{t}",
            f"1 if task_type == '{t}'",
            "binary",
            "free",
            "Tasks differ in how much a prompted model already knows.",
        )
        for t in TASK_TYPES
    ),
    FeatureDef(
        "log10_ft_size",
        "log10(ft_params_b); an undisclosed size is imputed from the tuned model's kind",
        "continuous",
        "nonneg",
        "A larger tuned model learns more from the same examples; left out of both fits "
        "(quality_fit.json, 'features'): held-out log loss is lower without it.",
    ),
    FeatureDef(
        "strength_knowledge",
        _STRENGTH.format(which="in strength.knowledge_tasks"),
        "continuous",
        "nonpos",
        "Where the answer rests on knowledge or multi-step reasoning (reasoning, knowledge "
        "QA, code, text-to-SQL), a stronger prompted model closes more of the gap.",
    ),
    FeatureDef(
        "strength_pattern",
        _STRENGTH.format(which="not in strength.knowledge_tasks"),
        "continuous",
        "nonpos",
        "Where the task maps inputs to labels or spans, a small tuned model matches a strong "
        "prompted one sooner: its own slope.",
    ),
    FeatureDef(
        "headroom",
        "100 - icl_baseline_points: the prompted model's measured errors on the task (0 when "
        "not measured; the prior fit leaves it out)",
        "continuous",
        "nonneg",
        "Fine-tuning can only win where the prompted model leaves room; its measured score is "
        "the strongest single signal in the corpus (icl_score).",
        ("baseline",),
    ),
)

_INDEX = {f.name: i for i, f in enumerate(FEATURES)}
HEADROOM = _INDEX["headroom"]
_RAMPS = tuple(_INDEX[f"n_slope_{a}_{b}"] for a, b in ((10, 100), (100, 1000), (1000, 10000)))
_SHOTS, _RETRIEVAL = _INDEX["log_shots"], _INDEX["icl_retrieval"]
_RETRIEVAL_KQA = _INDEX["retrieval_x_knowledge_qa"]

#: Dimensions of the support kernel, in order; each is divided by its bandwidth (stored in
#: the parameter file, set in ``data/quality_fit.json``) before distances. The one-hot task
#: columns share the ``task`` bandwidth.
SUPPORT_DIMS: tuple[str, ...] = (
    "log_n",
    "log_shots_uncapped",
    "icl_strength",
    "log10_ft_size",
    "same_model",
    *(f"task_{t}" for t in TASK_TYPES),
)


def bandwidth_of(dim: str, bandwidths: Mapping[str, float]) -> float:
    """The bandwidth of one support dimension (``task_*`` columns fall back to ``task``)."""
    if dim in bandwidths:
        return bandwidths[dim]
    return bandwidths["task"]


@dataclass(frozen=True)
class FeatureSpec:
    """Constants of the encoding: learned from the corpus (sizes, strengths, shots, classes)
    or set in ``data/quality_fit.json`` (the curve's knots, the strength centre, the tasks
    where knowledge decides)."""

    size_impute_log10: Mapping[str, float]
    strength_impute: Mapping[str, float]
    strength_cap: float
    strength_center: float
    knowledge_tasks: tuple[str, ...]
    shots_impute_log1p: float
    shots_cap: float
    classes_cap: float
    knots_n: tuple[float, float, float, float]

    @functools.cached_property
    def ln_knots(self) -> tuple[float, float, float, float]:
        """The knots on the ln(1 + n) scale."""
        a, b, c, d = (math.log1p(k) for k in self.knots_n)
        return a, b, c, d

    def strength(self, value: float | None, kind: str) -> float:
        """The capped capability figure of a prompted model (imputed from its kind if None)."""
        table = self.strength_impute
        v = table.get(kind, table["unknown"]) if value is None else value
        return min(v, self.strength_cap)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "size_impute_log10": dict(self.size_impute_log10),
            "strength_impute": dict(self.strength_impute),
            "strength_cap": self.strength_cap,
            "strength_center": self.strength_center,
            "knowledge_tasks": list(self.knowledge_tasks),
            "shots_impute_log1p": self.shots_impute_log1p,
            "shots_cap": self.shots_cap,
            "classes_cap": self.classes_cap,
            "knots_n": list(self.knots_n),
        }


@dataclass(frozen=True)
class FeatureColumns:
    """Raw inputs of many tasks, one array entry per task (NaN where unknown)."""

    task: tuple[str, ...]
    n: FloatArray
    n_missing: FloatArray  # 1 where a corpus row's n was imputed (any imputation)
    n_unstated: FloatArray  # 1 where imputed with the '*' default: fit-time nuisance terms
    n_classes: FloatArray
    shots: FloatArray
    ft_params_b: FloatArray
    icl_params_b: FloatArray
    ft_kind: tuple[str, ...]
    icl_kind: tuple[str, ...]
    same_model: FloatArray
    ft_method: tuple[str, ...]
    retrieval: FloatArray
    icl_strength: FloatArray  # MMLU %, NaN unknown
    baseline: FloatArray  # the prompted model's score, 0-100 higher better, NaN unmeasured
    baseline_se: FloatArray  # its standard error (points)

    def __len__(self) -> int:
        return len(self.task)


def _log10_size(params: FloatArray, kinds: Sequence[str], spec: FeatureSpec) -> FloatArray:
    table = spec.size_impute_log10
    imputed = np.array([table.get(k, table["unknown"]) for k in kinds], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        known = np.log10(params)
    return np.where(np.isnan(params), imputed, known)


def _strength(cols: FeatureColumns, spec: FeatureSpec) -> FloatArray:
    table = spec.strength_impute
    imputed = np.array([table.get(k, table["unknown"]) for k in cols.icl_kind], dtype=np.float64)
    s = np.where(np.isnan(cols.icl_strength), imputed, cols.icl_strength)
    return np.minimum(s, spec.strength_cap)


def below_min_offset(n: FloatArray, spec: FeatureSpec) -> FloatArray:
    """``min(ln(1 + n) − ln(1 + k1), 0)``: the part of the curve below the first knot, where
    only the prior slope applies (no corpus row has fewer than 10 examples)."""
    ln = np.log1p(np.maximum(n, 0.0))
    return np.asarray(np.minimum(ln - spec.ln_knots[0], 0.0), dtype=np.float64)


def encode(cols: FeatureColumns, spec: FeatureSpec) -> FloatArray:
    """Encode raw columns into the model's feature matrix (rows x ``len(FEATURES)``)."""
    task = np.asarray(cols.task)
    has_c = ~np.isnan(cols.n_classes) & (task == "classification")
    n_cls = np.where(has_c, np.minimum(np.nan_to_num(cols.n_classes, nan=1.0), spec.classes_cap), 1)
    knowledge = np.isin(task, spec.knowledge_tasks)
    centred = _strength(cols, spec) - spec.strength_center
    headroom = np.where(np.isnan(cols.baseline), 0.0, 100.0 - np.nan_to_num(cols.baseline))
    parts = [
        *_ramps(cols.n, spec),
        cols.same_model,
        np.log(n_cls),
        _shots_column(cols.shots, spec),
        cols.retrieval,
        cols.retrieval * (task == "knowledge_qa"),
        *((task == t).astype(np.float64) for t in TASK_TYPES),
        _log10_size(cols.ft_params_b, cols.ft_kind, spec),
        np.where(knowledge, centred, 0.0),
        np.where(knowledge, 0.0, centred),
        headroom,
    ]
    return np.column_stack(parts).astype(np.float64)


def encode_varying(
    encoded: FloatArray,
    task: str,
    n: FloatArray,
    shots: FloatArray,
    retrieval: FloatArray,
    spec: FeatureSpec,
) -> FloatArray:
    """:func:`encode` of one task (its row ``encoded``, a task of type ``task``) repeated
    with its examples, demonstrations and retrieval replaced by each entry of ``n``,
    ``shots`` and ``retrieval``, to the bit (only those columns are computed again)."""
    x = np.repeat(np.asarray(encoded, dtype=np.float64).reshape(1, -1), len(n), axis=0)
    for column, ramp in zip(_RAMPS, _ramps(n, spec), strict=True):
        x[:, column] = ramp
    x[:, _SHOTS] = _shots_column(shots, spec)
    x[:, _RETRIEVAL] = retrieval
    x[:, _RETRIEVAL_KQA] = retrieval * (task == "knowledge_qa")
    return x


def _ramps(n: FloatArray, spec: FeatureSpec) -> list[FloatArray]:
    """The three slopes of the examples curve: ln(1 + n) within each pair of knots."""
    ln = np.log1p(np.maximum(n, 0.0))
    lk = spec.ln_knots
    return [np.clip(ln, lk[i], lk[i + 1]) - lk[i] for i in range(3)]


def _shots_column(shots: FloatArray, spec: FeatureSpec) -> FloatArray:
    return np.where(
        np.isnan(shots),
        spec.shots_impute_log1p,
        np.log1p(np.minimum(np.nan_to_num(shots), spec.shots_cap)),
    )


def encode_row(f: QualityFeatures, spec: FeatureSpec) -> tuple[list[float], float]:
    """One task's features (in ``FEATURES`` order) and its below-minimum offset, in plain
    Python floats: the single-row path of :func:`encode` and :func:`below_min_offset`."""
    n = float(f.n_labeled_examples)
    ln = math.log1p(n)
    k1, k2, k3, k4 = spec.ln_knots
    table = spec.size_impute_log10
    ft = math.log10(f.ft_params_b) if f.ft_params_b is not None else table[f.ft_kind]
    task = f.task_type
    classes = (
        math.log(min(float(f.n_classes), spec.classes_cap))
        if f.n_classes is not None and task == "classification"
        else 0.0
    )
    shots = (
        spec.shots_impute_log1p
        if f.icl_shots is None
        else math.log1p(min(float(f.icl_shots), spec.shots_cap))
    )
    retr = 1.0 if f.icl_retrieval else 0.0
    centred = spec.strength(f.icl_strength, f.icl_kind) - spec.strength_center
    knowledge = task in spec.knowledge_tasks
    baseline = f.icl_baseline_points
    row = [
        min(max(ln, k1), k2) - k1,
        min(max(ln, k2), k3) - k2,
        min(max(ln, k3), k4) - k3,
        1.0 if f.same_model else 0.0,
        classes,
        shots,
        retr,
        retr if task == "knowledge_qa" else 0.0,
        *(1.0 if task == t else 0.0 for t in TASK_TYPES),
        ft,
        centred if knowledge else 0.0,
        0.0 if knowledge else centred,
        0.0 if baseline is None else 100.0 - baseline,
    ]
    return row, min(ln - k1, 0.0)


def support_points(
    cols: FeatureColumns, spec: FeatureSpec, bandwidths: Mapping[str, float]
) -> FloatArray:
    """Coordinates for the support kernel, already divided by the bandwidths."""
    x = encode(cols, spec)
    shots = np.where(
        np.isnan(cols.shots), spec.shots_impute_log1p, np.log1p(np.nan_to_num(cols.shots))
    )
    columns = {
        "log_n": np.log1p(np.maximum(cols.n, 0.0)),
        "log_shots_uncapped": shots,
        "icl_strength": _strength(cols, spec),
        "log10_ft_size": x[:, _INDEX["log10_ft_size"]],
        "same_model": x[:, _INDEX["same_model"]],
        # one-hot / sqrt(2): two task types differ by a squared distance of 1 (before bandwidth)
        **{f"task_{t}": x[:, _INDEX[f"task_{t}"]] / math.sqrt(2.0) for t in TASK_TYPES},
    }
    return np.column_stack([columns[d] / bandwidth_of(d, bandwidths) for d in SUPPORT_DIMS])


def support_row(
    f: QualityFeatures, row: Sequence[float], spec: FeatureSpec, widths: Sequence[float]
) -> list[float]:
    """One task's support coordinates (:func:`support_points` in plain floats), from its
    encoded ``row`` and the bandwidths in ``SUPPORT_DIMS`` order."""
    shots = spec.shots_impute_log1p if f.icl_shots is None else math.log1p(float(f.icl_shots))
    half = 1.0 / math.sqrt(2.0)
    task = f.task_type
    values = [
        math.log1p(float(f.n_labeled_examples)),
        shots,
        spec.strength(f.icl_strength, f.icl_kind),
        row[_INDEX["log10_ft_size"]],
        row[_INDEX["same_model"]],
        *(half if task == t else 0.0 for t in TASK_TYPES),
    ]
    return [v / w for v, w in zip(values, widths, strict=True)]


def columns_of(features: Sequence[QualityFeatures]) -> FeatureColumns:
    """The raw columns of many tasks (NaN where unknown), ready to encode."""

    def arr(values: Sequence[float | None]) -> FloatArray:
        return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)

    zeros = np.zeros(len(features))
    return FeatureColumns(
        task=tuple(f.task_type for f in features),
        n=arr([f.n_labeled_examples for f in features]),
        n_missing=zeros,
        n_unstated=zeros,
        n_classes=arr([f.n_classes for f in features]),
        shots=arr([f.icl_shots for f in features]),
        ft_params_b=arr([f.ft_params_b for f in features]),
        icl_params_b=arr([f.icl_params_b for f in features]),
        ft_kind=tuple(f.ft_kind for f in features),
        icl_kind=tuple(f.icl_kind for f in features),
        same_model=arr([float(f.same_model) for f in features]),
        ft_method=tuple(f.ft_method for f in features),
        retrieval=arr([float(f.icl_retrieval) for f in features]),
        icl_strength=arr([f.icl_strength for f in features]),
        baseline=arr([f.icl_baseline_points for f in features]),
        baseline_se=arr([f.icl_baseline_se_points for f in features]),
    )
