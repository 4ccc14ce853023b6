"""Quality stage, features: what the quality model knows of a task, encoded as numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .._types import RESULT, TASK_TYPES, FineTuningMethod, FloatArray, ModelKind, TaskType

__all__ = [
    "FEATURES",
    "SUPPORT_DIMS",
    "FeatureColumns",
    "FeatureDef",
    "FeatureSpec",
    "QualityFeatures",
    "bandwidth_of",
    "columns_of",
    "encode",
    "support_points",
]


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
        None, gt=0, description="Prompted model size in billions; None undisclosed."
    )
    ft_kind: ModelKind = Field("unknown", description="Kind of the tuned model.")
    icl_kind: ModelKind = Field("unknown", description="Kind of the prompted model.")
    same_model: bool = Field(False, description="Both arms use the same base model.")
    ft_method: FineTuningMethod = Field("unknown", description="Fine-tuning method.")


@dataclass(frozen=True)
class FeatureDef:
    """One model feature: its name, transform, sign constraint and reason."""

    name: str
    transform: str
    constraint: str  # "nonneg", "nonpos" or "free"
    why: str
    binary: bool = False  # penalised unscaled (Gelman 2008); continuous: divided by 2 sd

    def to_dict(self) -> dict[str, str]:
        """Plain-JSON form, as stored in the parameter file."""
        scaling = "binary: centred only" if self.binary else "continuous: centred, / (2 sd)"
        return {
            "name": self.name,
            "transform": self.transform,
            "scaling": scaling,
            "constraint": self.constraint,
            "why": self.why,
        }


FEATURES: tuple[FeatureDef, ...] = (
    FeatureDef(
        "log_n",
        "log(1 + n_labeled_examples)",
        "nonneg",
        "More labeled data can only help the tuned arm; monotone by construction.",
    ),
    FeatureDef(
        "log_n_per_class",
        "log(1 + n / min(n_classes, classes_cap)) where n_classes is known, else 0",
        "nonneg",
        "What a classifier learns from is examples per class.",
    ),
    FeatureDef(
        "log_classes",
        "log(min(n_classes, classes_cap)) where known, else 0; classes_cap is the "
        "corpus maximum (no extrapolation beyond the corpus)",
        "nonneg",
        "A prompt cannot show every label of a large label space; many classes "
        "favour fine-tuning (T-Few / RAFT Banking77).",
    ),
    FeatureDef(
        "log_shots",
        "log(1 + min(icl_shots, shots_cap)); unknown: corpus mean (no indicator: run "
        "time always knows the planned shots)",
        "nonpos",
        "Demonstrations strengthen the prompted arm (Brown et al. 2020).",
    ),
    FeatureDef(
        "log_size_ratio",
        "log10(icl_params_b) - log10(ft_params_b); an undisclosed "
        "size is imputed from the model kind",
        "nonpos",
        "A much larger prompted model closes the gap a small tuned model opens.",
    ),
    FeatureDef(
        "icl_undisclosed_frontier",
        "1 if the prompted model is a frontier API model of undisclosed size",
        "free",
        "Undisclosed frontier models (GPT-4 class) are stronger than any imputed size.",
        binary=True,
    ),
    FeatureDef(
        "same_model",
        "1 if both arms use the same base model",
        "nonneg",
        "Tuning a model rarely makes it worse than prompting that same model.",
        binary=True,
    ),
    FeatureDef(
        "full_ft",
        "1 for full fine-tuning, 0.5 for unknown, 0 for PEFT methods",
        "nonneg",
        "Full fine-tuning learns at least as much as LoRA-style methods "
        "(Biderman et al. 2024); method is confounded with source, so one "
        "constrained feature rather than six free ones.",
        binary=True,
    ),
    *(
        FeatureDef(
            f"task_{t}",
            f"1 if task_type == '{t}'",
            "free",
            "Tasks differ in how much a prompted frontier model already knows.",
            binary=True,
        )
        for t in TASK_TYPES
    ),
)

#: Dimensions of the support kernel, in order; each is divided by its bandwidth (stored in
#: the parameter file, set in ``data/quality_fit.json``) before distances. The one-hot task
#: columns share the ``task`` bandwidth.
SUPPORT_DIMS: tuple[str, ...] = (
    "log_n",
    "log_shots_uncapped",
    "log_size_ratio",
    "icl_undisclosed_frontier",
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
    """Constants of the encoding that are learned from the corpus (see ``spec_from_corpus``)."""

    size_impute_log10: Mapping[str, float]
    shots_impute_log1p: float
    shots_cap: float
    classes_cap: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "size_impute_log10": dict(self.size_impute_log10),
            "shots_impute_log1p": self.shots_impute_log1p,
            "shots_cap": self.shots_cap,
            "classes_cap": self.classes_cap,
        }


@dataclass(frozen=True)
class FeatureColumns:
    """Raw inputs of many tasks, one array entry per task (NaN where unknown)."""

    task: tuple[str, ...]
    n: FloatArray
    n_missing: FloatArray  # 1 where a corpus row's n was imputed; bookkeeping, not a feature
    n_classes: FloatArray
    shots: FloatArray
    ft_params_b: FloatArray
    icl_params_b: FloatArray
    ft_kind: tuple[str, ...]
    icl_kind: tuple[str, ...]
    same_model: FloatArray
    ft_method: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.task)


def _log10_size(params: FloatArray, kinds: Sequence[str], spec: FeatureSpec) -> FloatArray:
    imputed = np.array([spec.size_impute_log10[k] for k in kinds], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        known = np.log10(params)
    return np.where(np.isnan(params), imputed, known)


def encode(cols: FeatureColumns, spec: FeatureSpec) -> FloatArray:
    """Encode raw columns into the model's feature matrix (rows x ``len(FEATURES)``)."""
    n = cols.n
    has_c = ~np.isnan(cols.n_classes)
    # no extrapolation beyond the corpus: more classes than its maximum count as the maximum
    n_cls = np.where(has_c, np.minimum(np.nan_to_num(cols.n_classes), spec.classes_cap), 1.0)
    has_s = ~np.isnan(cols.shots)
    shots = np.where(has_s, np.minimum(np.nan_to_num(cols.shots), spec.shots_cap), 0.0)
    icl_unknown = np.isnan(cols.icl_params_b)
    frontier = np.array([k == "frontier_api" for k in cols.icl_kind])
    method = {"full": 1.0, "unknown": 0.5}
    parts = [
        np.log1p(n),
        np.where(has_c, np.log1p(n / n_cls), 0.0),
        np.where(has_c, np.log(n_cls), 0.0),
        np.where(has_s, np.log1p(shots), spec.shots_impute_log1p),
        _log10_size(cols.icl_params_b, cols.icl_kind, spec)
        - _log10_size(cols.ft_params_b, cols.ft_kind, spec),
        (icl_unknown & frontier).astype(np.float64),
        cols.same_model,
        np.array([method.get(m, 0.0) for m in cols.ft_method]),
        *(np.array([t == name for t in cols.task], dtype=np.float64) for name in TASK_TYPES),
    ]
    return np.column_stack(parts).astype(np.float64)


def support_points(
    cols: FeatureColumns, spec: FeatureSpec, bandwidths: Mapping[str, float]
) -> FloatArray:
    """Coordinates for the support kernel, already divided by the bandwidths."""
    x = encode(cols, spec)
    idx = {f.name: i for i, f in enumerate(FEATURES)}
    has_s = ~np.isnan(cols.shots)
    shots = np.where(has_s, np.log1p(np.nan_to_num(cols.shots)), spec.shots_impute_log1p)
    columns = {
        "log_n": x[:, idx["log_n"]],
        "log_shots_uncapped": shots,
        "log_size_ratio": x[:, idx["log_size_ratio"]],
        "icl_undisclosed_frontier": x[:, idx["icl_undisclosed_frontier"]],
        "same_model": x[:, idx["same_model"]],
        # one-hot / sqrt(2): two task types differ by a squared distance of 1 (before bandwidth)
        **{f"task_{t}": x[:, idx[f"task_{t}"]] / math.sqrt(2.0) for t in TASK_TYPES},
    }
    return np.column_stack([columns[d] / bandwidth_of(d, bandwidths) for d in SUPPORT_DIMS])


def columns_of(features: Sequence[QualityFeatures]) -> FeatureColumns:
    """The raw columns of many tasks (NaN where unknown), ready to encode."""

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
