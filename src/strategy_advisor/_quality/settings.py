"""Quality stage, fit settings: the stated choices and priors a fit uses (``quality_fit.json``).

Fitting and validation read these; run time reads only the fitted parameter file, which
records the values a fit used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .._datafiles import shipped
from .._types import STRICT_DATA, FrozenMap
from .features import SUPPORT_DIMS

__all__ = ["FitSettings", "fit_settings"]


class _Explained(BaseModel):
    model_config = STRICT_DATA
    why: str = Field(..., min_length=1)


class _BandSetting(_Explained):
    value: tuple[float, float]


class _GateSetting(BaseModel):
    model_config = STRICT_DATA
    n_half: float = Field(..., gt=0)
    exponent: float = Field(..., gt=0)
    anchors: tuple[str, ...] = Field(..., min_length=1)


class _MissingN(_Explained):
    value: FrozenMap[str, float]


class _Fallbacks(_Explained):
    frontier_api_params_b: float = Field(..., gt=0)
    open_weights_params_b: float = Field(..., gt=0)
    shots: float = Field(..., ge=0)
    shots_cap: float = Field(..., gt=0)
    classes_cap: float = Field(..., ge=1)

    def as_mapping(self) -> dict[str, float]:
        """The numbers alone."""
        return self.model_dump(exclude={"why"})


class _SupportSetting(_Explained):
    bandwidths: FrozenMap[str, float]
    min_rows: float = Field(..., ge=0)
    min_sources: int = Field(..., ge=0)
    source_threshold: float = Field(..., gt=0)


class _PilotSetting(_Explained):
    margin: float = Field(..., ge=0)
    tau_fallback: float = Field(..., gt=0)
    tau_floor: float = Field(..., gt=0)
    tau_min_rows: int = Field(..., ge=2)


class _Defaults(_Explained):
    C: float = Field(..., gt=0)
    n_bootstrap: int = Field(..., ge=1)
    interval_level: float = Field(..., gt=0, lt=1)
    wide_width: float = Field(..., gt=0)
    calibrate: bool
    min_sources_for_interval: int = Field(..., ge=2)


class _CVSetting(_Explained):
    stated_n_scopes: tuple[int, ...]
    rule_thresholds: tuple[int, ...]


class FitSettings(BaseModel):
    """``data/quality_fit.json``: the stated choices and priors a fit uses (not fitted)."""

    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    about: str
    band: _BandSetting
    gate: _GateSetting
    missing_n_train: _MissingN
    imputation_fallbacks: _Fallbacks
    support: _SupportSetting
    pilot: _PilotSetting
    defaults: _Defaults
    cv: _CVSetting

    @model_validator(mode="after")
    def _complete(self) -> FitSettings:
        needed = {"task" if d.startswith("task_") else d for d in SUPPORT_DIMS}
        missing = needed - set(self.support.bandwidths)
        if missing:
            raise ValueError(f"key 'support.bandwidths': missing {sorted(missing)}")
        if "*" not in self.missing_n_train.value:
            raise ValueError("key 'missing_n_train.value': needs a '*' entry (every source)")
        lo, hi = self.band.value
        if not 0 < lo < hi < 1:
            raise ValueError(f"key 'band.value': expected 0 < low < high < 1, got {lo}, {hi}")
        return self


fit_settings = shipped(FitSettings, "quality_fit.json")
