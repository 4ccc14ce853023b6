"""Quality stage, fit settings: the stated choices and priors a fit uses (``quality_fit.json``).

Fitting and validation read these; run time reads only the fitted parameter file, which
records the values a fit used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .._datafiles import shipped
from .._types import STRICT_DATA, TASK_TYPES, FrozenMap
from .features import FEATURES, SUPPORT_DIMS, VARIANTS

__all__ = ["FitSettings", "SourceStances", "fit_settings", "source_stances"]


class _Explained(BaseModel):
    model_config = STRICT_DATA
    why: str = Field(..., min_length=1)


class _BandSetting(_Explained):
    value: tuple[float, float]


class _Value(_Explained):
    value: float = Field(..., gt=0)


class _MarginSetting(_Explained):
    value: float = Field(..., ge=0, description="Points (0-100) that count as 'better'.")


class _GateSetting(_Explained):
    n_min: float = Field(..., gt=0, description="Vendor minimum: r(n) = 1 from here on.")
    exponent: float = Field(..., gt=0)


class _CurveSetting(_Explained):
    knots_n: tuple[float, float, float, float] = Field(
        ..., description="Training-set sizes where the slope of the curve in ln(1 + n) changes."
    )
    slope_prior_mean: tuple[float, float, float]
    slope_prior_sd: float = Field(..., gt=0)
    slope_below_min: float = Field(..., ge=0, description="Prior slope below the first knot.")

    @model_validator(mode="after")
    def _increasing(self) -> _CurveSetting:
        k = self.knots_n
        if not 0 < k[0] < k[1] < k[2] < k[3]:
            raise ValueError(f"key 'curve.knots_n': expected 0 < k1 < k2 < k3 < k4, got {list(k)}")
        return self


class _PriorSetting(_Explained):
    coef_sd_points: float = Field(..., gt=0)


class _SourceEffect(_Explained):
    tau_grid_points: tuple[float, ...] = Field(..., min_length=1)


class _UnstatedN(_Explained):
    missing_n_train: FrozenMap[str, float]
    nuisance: bool


class _Fallbacks(_Explained):
    frontier_api_params_b: float = Field(..., gt=0)
    open_weights_params_b: float = Field(..., gt=0)
    strength: float = Field(..., ge=0, le=100, description="MMLU % when the corpus has none.")
    shots: float = Field(..., ge=0)
    shots_cap: float = Field(..., gt=0)
    classes_cap: float = Field(..., ge=1)

    def as_mapping(self) -> dict[str, float]:
        """The numbers alone."""
        return self.model_dump(exclude={"why"})


class _Calibration(_Explained):
    sd_scale: bool
    platt: bool = Field(..., description="A Platt step on p, fitted on decisive outcomes.")


class _StrengthSetting(_Explained):
    center: float = Field(..., ge=0, le=100, description="MMLU % at which the terms are 0.")
    knowledge_tasks: tuple[str, ...]

    @model_validator(mode="after")
    def _known(self) -> _StrengthSetting:
        bad = [t for t in self.knowledge_tasks if t not in TASK_TYPES]
        if bad:
            raise ValueError(f"key 'strength.knowledge_tasks': unknown task types {bad}")
        return self


class _ShotsSetting(_Explained):
    within: Literal["arm", "none"] = Field(
        ..., description="'arm': the slope from rows sharing one fine-tuned result only."
    )


class _StanceSetting(_Explained):
    use: bool


class _FeaturesSetting(_Explained):
    left_out: FrozenMap[str, tuple[str, ...]] = Field(
        ..., description="Per fit ('prior', 'baseline'): features cross-validation left out."
    )

    @model_validator(mode="after")
    def _known(self) -> _FeaturesSetting:
        names = {f.name for f in FEATURES}
        for fit, left in self.left_out.items():
            if fit not in VARIANTS:
                raise ValueError(f"key 'features.left_out': unknown fit {fit!r}")
            bad = [n for n in left if n not in names]
            if bad:
                raise ValueError(f"key 'features.left_out.{fit}': unknown features {bad}")
        return self


class _BaselineSetting(_Explained):
    sd_headroom: bool = Field(..., description="Residual sd depends on the measured headroom.")
    offset: float = Field(..., gt=0, description="Points added to the headroom before ln.")
    reference: float = Field(..., gt=0, description="Headroom at which the sd is sigma.")


class _BootstrapSetting(_Explained):
    n_draws: int = Field(..., ge=1)
    random_state: int
    interval_level: float = Field(..., gt=0, lt=1)
    min_sources_for_interval: int = Field(..., ge=2)


class _Optimizer(_Explained):
    maxiter: int = Field(..., ge=1)
    ftol: float = Field(..., gt=0)
    gtol: float = Field(..., gt=0)
    maxcor: int = Field(..., ge=1)


class _SupportSetting(_Explained):
    bandwidths: FrozenMap[str, float]
    min_rows: float = Field(..., ge=0)
    min_sources: int = Field(..., ge=0)
    source_threshold: float = Field(..., gt=0)


class _CVSetting(_Explained):
    stated_n_scopes: tuple[int, ...]
    rule_thresholds: tuple[int, ...]
    bucket_edges: tuple[int, int, int]
    fold_draws: int = Field(..., ge=0)
    fold_seed: int
    reliability_bins: int = Field(..., ge=2)
    ece_bootstrap: int = Field(..., ge=1, description="Source-bootstrap draws of the ECE.")


class FitSettings(BaseModel):
    """``data/quality_fit.json``: the stated choices and priors a fit uses (not fitted)."""

    model_config = STRICT_DATA

    schema_version: Literal[3]
    as_of: str
    source: str
    about: str
    band: _BandSetting
    margin_points: _MarginSetting
    gate: _GateSetting
    curve: _CurveSetting
    prior: _PriorSetting
    source_effect: _SourceEffect
    unstated_n: _UnstatedN
    imputation_fallbacks: _Fallbacks
    calibration: _Calibration
    features: _FeaturesSetting
    strength: _StrengthSetting
    shots: _ShotsSetting
    stance: _StanceSetting
    baseline: _BaselineSetting
    bootstrap: _BootstrapSetting
    optimizer: _Optimizer
    support: _SupportSetting
    wide_width: _Value
    gain_clip_points: _Value
    cv: _CVSetting

    @model_validator(mode="after")
    def _complete(self) -> FitSettings:
        needed = {"task" if d.startswith("task_") else d for d in SUPPORT_DIMS}
        missing = needed - set(self.support.bandwidths)
        if missing:
            raise ValueError(f"key 'support.bandwidths': missing {sorted(missing)}")
        if "*" not in self.unstated_n.missing_n_train:
            raise ValueError("key 'unstated_n.missing_n_train': needs a '*' entry (every source)")
        lo, hi = self.band.value
        if not 0 < lo < hi < 1:
            raise ValueError(f"key 'band.value': expected 0 < low < high < 1, got {lo}, {hi}")
        return self


fit_settings = shipped(FitSettings, "quality_fit.json")


class _Stance(BaseModel):
    model_config = STRICT_DATA
    stance: Literal["fine_tuning", "neutral", "in_context"]
    why: str = Field(..., min_length=1)


class SourceStances(BaseModel):
    """``data/source_stance.json``: each corpus source's stance (a fit-time nuisance)."""

    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    source: str
    about: str
    sources: FrozenMap[str, _Stance]

    def as_mapping(self) -> dict[str, str]:
        """source_id -> stance."""
        return {k: v.stance for k, v in self.sources.items()}


source_stances = shipped(SourceStances, "source_stance.json")
