"""Quality stage, parameters: the fitted-parameter file as typed data.

Every section is a model with ``extra="forbid"``: a renamed or misspelled key fails at load,
naming the file and the key. Sections marked fit-only are used to predict corpus rows (cross-
validation, the report) and for inspection, never for a run-time task.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .._types import STRICT_DATA, FrozenMap
from .features import FEATURES, SUPPORT_DIMS

__all__ = ["GainMetrics", "QualityMetrics", "QualityParams"]


class QualityMetrics(BaseModel):
    """Scores of one method's probability on one scope (a held-out source, or rows pooled)."""

    model_config = STRICT_DATA

    scope: str = Field(
        ...,
        description="source_id, 'overall', 'overall (ties dropped)', 'n stated', "
        "'n stated >= 50', 'bucket <50' (and the other data-size buckets) or 'task <family>'.",
    )
    method: str
    n_rows: int
    n_ft_wins: int
    n_decisive: int = Field(..., description="Rows that are not ties.")
    brier: float
    log_loss: float
    auc: float | None = Field(None, description="None where the scope has one class only.")
    accuracy: float
    ece: float = Field(..., description="Expected calibration error, 10 equal-width bins.")


class GainMetrics(BaseModel):
    """Out-of-source accuracy of the expected gain and coverage of its predictive interval."""

    model_config = STRICT_DATA

    scope: str
    n_rows: int = Field(..., description="Rows with a score_delta.")
    mae: float = Field(..., description="Mean absolute error of the expected gain (points).")
    mae_train_mean: float = Field(..., description="MAE of the training sources' mean delta.")
    rmse: float
    coverage: float = Field(..., description="Share of deltas inside the predictive interval.")
    mean_width: float = Field(..., description="Mean width of the interval (points).")


# ------------------------------------------------------------------ parameter file sections


class _CorpusInfo(BaseModel):
    model_config = STRICT_DATA
    file: str
    sha256: str | None
    n_rows: int = Field(..., ge=1)
    n_sources: int = Field(..., ge=1)
    n_ft_wins: int = Field(..., ge=0)
    n_ties: int = Field(..., ge=0)
    n_with_delta: int = Field(..., ge=0)
    n_unstated: int = Field(..., ge=0, description="Rows given the fit-time nuisance terms.")


class _FeatureDoc(BaseModel):
    model_config = STRICT_DATA
    name: str
    transform: str
    kind: Literal["curve", "continuous", "binary"]
    constraint: Literal["nonneg", "nonpos", "free"]
    why: str


class _Spec(BaseModel):
    model_config = STRICT_DATA
    size_impute_log10: FrozenMap[str, float]
    shots_impute_log1p: float
    shots_cap: float = Field(..., gt=0)
    classes_cap: float = Field(..., ge=1, description="Largest class count in the corpus.")
    knots_n: tuple[float, float, float, float]
    missing_n_train: FrozenMap[str, float]


class _FitRecord(BaseModel):
    """The settings a fit used (from ``quality_fit.json``), recorded with the result."""

    model_config = STRICT_DATA
    slope_prior_mean: tuple[float, float, float]
    slope_prior_sd: float
    coef_prior_sd: float
    tau_grid: tuple[float, ...]
    nuisance: bool
    sd_scale_nested_loso: bool
    n_bootstrap: int
    random_state: int
    settings_as_of: str


class _Gate(BaseModel):
    model_config = STRICT_DATA
    n_min: float = Field(..., gt=0)
    exponent: float = Field(..., gt=0)


class _Bootstrap(BaseModel):
    model_config = STRICT_DATA
    level: float = Field(..., gt=0, lt=1)
    method: str
    coef: tuple[tuple[float, ...], ...] = Field(..., min_length=1)
    intercept: tuple[float, ...]
    slope_below_min: tuple[float, ...]
    sigma: tuple[float, ...]
    tau: tuple[float, ...]
    nuisance_shift: tuple[float, ...] = Field(..., description="Fit-only.")
    sigma_unstated: tuple[float, ...] = Field(..., description="Fit-only.")


class _FitOnly(BaseModel):
    model_config = STRICT_DATA
    nuisance_shift: float = Field(..., description="Mean shift of rows with an unstated n.")
    sigma_unstated: float = Field(..., gt=0, description="Their residual sd.")
    source_effects: FrozenMap[str, float] = Field(
        ..., description="Fitted source intercepts u_s (points), integrated out at run time."
    )
    laplace_log_marginal: float


class _Support(BaseModel):
    model_config = STRICT_DATA
    dims: tuple[str, ...]
    bandwidths: tuple[float, ...] = Field(..., description="One per dimension, > 0.")
    points: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...] = Field(..., description="Corpus rows at each (distinct) point.")
    source_index: tuple[int, ...]
    sources: tuple[str, ...]
    min_rows: float = Field(..., ge=0)
    min_sources: int = Field(..., ge=0)
    source_threshold: float = Field(..., gt=0)


class _Coverage(BaseModel):
    model_config = STRICT_DATA
    min_n: float = Field(..., ge=0, description="Smallest stated training-set size.")
    max_n: float = Field(..., ge=0, description="Largest stated training-set size.")
    max_shots: float = Field(..., ge=0)
    max_classes: float = Field(..., ge=0)


class _CrossValidation(BaseModel):
    model_config = STRICT_DATA
    scheme: Literal["leave-one-source-out"]
    methods: FrozenMap[str, str]
    metrics: tuple[QualityMetrics, ...]
    gain: tuple[GainMetrics, ...]
    sd_scales: tuple[float, ...]


class QualityParams(BaseModel):
    """The fitted parameter file, validated (see ``data/quality_params.json``)."""

    model_config = STRICT_DATA

    schema_version: Literal[4] = Field(
        ..., description="4: model v2, the joint latent-gain model of score_delta."
    )
    model_version: str
    fitted_on: str
    as_of: str | None = Field(None, description="The date of the fit (default: fitted_on).")
    source: str = Field(
        "fitted by an earlier release, which recorded no source",
        description="How and on what the parameters were fitted.",
    )
    corpus: _CorpusInfo
    features: tuple[_FeatureDoc, ...]
    spec: _Spec
    fit: _FitRecord
    coef: tuple[float, ...]
    intercept: float
    slope_below_min: float = Field(..., ge=0, description="Prior slope below the first knot.")
    sigma: float = Field(..., gt=0, description="Residual sd (points).")
    tau: float = Field(..., gt=0, description="Between-source sd (points).")
    sd_scale: float = Field(..., gt=0, description="Calibration k of the predictive sd.")
    margin: float = Field(..., ge=0, description="Points that count as 'better'.")
    band: tuple[float, float]
    gate: _Gate
    gain_clip: float = Field(..., gt=0)
    bootstrap: _Bootstrap
    fit_only: _FitOnly
    support: _Support
    wide_width: float = Field(..., gt=0)
    force_wide: bool = Field(
        ..., description="Fitted on too few sources for a between-source interval: always wide."
    )
    coverage: _Coverage
    cv: _CrossValidation | None = None

    @model_validator(mode="after")
    def _dated(self) -> QualityParams:
        if self.as_of is None:  # a file written before as_of was recorded
            object.__setattr__(self, "as_of", self.fitted_on)
        return self

    @model_validator(mode="after")
    def _shapes(self) -> QualityParams:
        d = len(FEATURES)
        names = [f.name for f in self.features]
        if names != [f.name for f in FEATURES]:
            raise ValueError(
                f"key 'features': expected names {[f.name for f in FEATURES]}, got {names}"
            )
        if len(self.coef) != d:
            raise ValueError(f"key 'coef': expected {d} numbers, got {len(self.coef)}")
        bs = self.bootstrap
        if any(len(row) != d for row in bs.coef):
            raise ValueError(f"key 'bootstrap.coef': every draw must have {d} numbers")
        for key in ("intercept", "slope_below_min", "sigma", "tau", "nuisance_shift"):
            if len(getattr(bs, key)) != len(bs.coef):
                raise ValueError(f"key 'bootstrap.{key}': one value per coefficient draw")
        if len(bs.sigma_unstated) != len(bs.coef):
            raise ValueError("key 'bootstrap.sigma_unstated': one value per coefficient draw")
        k = len(SUPPORT_DIMS)
        sup = self.support
        if sup.dims != SUPPORT_DIMS:
            raise ValueError(f"key 'support.dims': expected {list(SUPPORT_DIMS)}")
        if len(sup.bandwidths) != k or min(sup.bandwidths) <= 0:
            raise ValueError(f"key 'support.bandwidths': expected {k} numbers, each > 0")
        if any(len(row) != k for row in sup.points):
            raise ValueError(f"key 'support.points': every point must have {k} numbers")
        if len(sup.weights) != len(sup.points):
            raise ValueError("key 'support.weights': one weight per point")
        if len(sup.source_index) != len(sup.points) or any(
            not 0 <= i < len(sup.sources) for i in sup.source_index
        ):
            raise ValueError("key 'support.source_index': one valid source index per point")
        missing = {"frontier_api", "open_weights", "unknown"} - set(self.spec.size_impute_log10)
        if missing:
            raise ValueError(f"key 'spec.size_impute_log10': missing {sorted(missing)}")
        lo, hi = self.band
        if not 0 < lo < hi < 1:
            raise ValueError(f"key 'band': expected 0 < low < high < 1, got {self.band}")
        return self

    @property
    def bandwidths(self) -> dict[str, float]:
        """Support bandwidth of each dimension, by name."""
        return dict(zip(self.support.dims, self.support.bandwidths, strict=True))
