"""Quality stage, parameters: the fitted-parameter file as typed data.

Every section is a model with ``extra="forbid"``: a renamed or misspelled key fails at load,
naming the file and the key, and every value stored is a value the code uses.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .._types import STRICT_DATA, FrozenMap
from .features import FEATURES, SUPPORT_DIMS

__all__ = ["QualityMetrics", "QualityParams"]


class QualityMetrics(BaseModel):
    """Scores of one method on one scope (a held-out source, or rows pooled)."""

    model_config = STRICT_DATA

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


# ------------------------------------------------------------------ parameter file sections


class _CorpusInfo(BaseModel):
    model_config = STRICT_DATA
    file: str
    sha256: str | None
    n_rows: int = Field(..., ge=1)
    n_sources: int = Field(..., ge=1)
    n_ft_wins: int = Field(..., ge=0)
    n_ties: int = Field(..., ge=0)


class _FeatureDoc(BaseModel):
    model_config = STRICT_DATA
    name: str
    transform: str
    scaling: str
    constraint: Literal["nonneg", "nonpos", "free"]
    why: str


class _Imputation(BaseModel):
    model_config = STRICT_DATA
    size_impute_log10: FrozenMap[str, float]
    shots_impute_log1p: float
    shots_cap: float = Field(..., gt=0)
    classes_cap: float = Field(..., ge=1, description="Largest class count in the corpus.")
    missing_n_train: FrozenMap[str, float]


class _Hyperparameters(BaseModel):
    model_config = STRICT_DATA
    C: float = Field(..., gt=0)
    n_bootstrap: int = Field(..., ge=1)
    random_state: int
    interval_level: float = Field(..., gt=0, lt=1)
    penalty: str
    C_default: str
    ties: str
    calibration: str


class _Linear(BaseModel):
    model_config = STRICT_DATA
    center: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float


class _Platt(BaseModel):
    model_config = STRICT_DATA
    a: float = Field(..., gt=0, description="Slope; > 0 keeps the model monotone.")
    b: float


class _Gate(BaseModel):
    model_config = STRICT_DATA
    form: Literal["hill"]
    n_half: float = Field(..., gt=0)
    exponent: float = Field(..., gt=0)
    anchors: tuple[str, ...] = ()


class _Bootstrap(BaseModel):
    model_config = STRICT_DATA
    level: float = Field(..., gt=0, lt=1)
    method: str
    coef: tuple[tuple[float, ...], ...] = Field(..., min_length=1)
    intercept: tuple[float, ...]


class _Support(BaseModel):
    model_config = STRICT_DATA
    dims: tuple[str, ...]
    bandwidths: tuple[float, ...] = Field(..., description="One per dimension, > 0.")
    points: tuple[tuple[float, ...], ...]
    source_index: tuple[int, ...]
    sources: tuple[str, ...]
    min_rows: float = Field(..., ge=0)
    min_sources: int = Field(..., ge=0)
    source_threshold: float = Field(..., gt=0)


class _Pilot(BaseModel):
    model_config = STRICT_DATA
    tau: float = Field(
        ..., gt=0, description="Spread of true score differences around the margin (0-1 scale)."
    )
    margin: float = Field(..., ge=0, description="Difference that counts as 'better'.")


class _Coverage(BaseModel):
    model_config = STRICT_DATA
    min_n: float = Field(..., ge=0, description="Smallest stated training-set size.")
    max_shots: float = Field(..., ge=0)
    max_classes: float = Field(..., ge=0)


class _CrossValidation(BaseModel):
    model_config = STRICT_DATA
    scheme: Literal["leave-one-source-out"]
    methods: FrozenMap[str, str]
    metrics: tuple[QualityMetrics, ...]


class QualityParams(BaseModel):
    """The fitted parameter file, validated (see ``data/quality_params.json``)."""

    model_config = STRICT_DATA

    schema_version: Literal[3] = Field(
        ..., description="3: typed sections, support bandwidths per dimension."
    )
    model_version: str
    fitted_on: str
    corpus: _CorpusInfo
    features: tuple[_FeatureDoc, ...]
    imputation: _Imputation
    hyperparameters: _Hyperparameters
    band: tuple[float, float]
    logit: _Linear
    platt: _Platt
    gate: _Gate
    bootstrap: _Bootstrap
    support: _Support
    pilot: _Pilot
    wide_width: float = Field(..., gt=0)
    force_wide: bool = Field(
        ..., description="Fitted on too few sources for a between-source interval: always wide."
    )
    coverage: _Coverage
    cv: _CrossValidation | None = None

    @model_validator(mode="after")
    def _shapes(self) -> QualityParams:
        d = len(FEATURES)
        names = [f.name for f in self.features]
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
        if self.support.dims != SUPPORT_DIMS:
            raise ValueError(f"key 'support.dims': expected {list(SUPPORT_DIMS)}")
        if len(self.support.bandwidths) != k or min(self.support.bandwidths) <= 0:
            raise ValueError(f"key 'support.bandwidths': expected {k} numbers, each > 0")
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

    @property
    def bandwidths(self) -> dict[str, float]:
        """Support bandwidth of each dimension, by name."""
        return dict(zip(self.support.dims, self.support.bandwidths, strict=True))
