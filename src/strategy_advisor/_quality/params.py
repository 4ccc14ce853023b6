"""Quality stage, parameters: the fitted-parameter file as typed data, and the run-time
numbers of one fit (:func:`predictive_from_params`).

Every section is a model with ``extra="forbid"``: a renamed or misspelled key fails at load,
naming the file and the key. Sections marked fit-only are used to predict corpus rows (cross-
validation, the report) and for inspection, never for a run-time task.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from .._types import STRICT_DATA, FrozenMap
from .features import FEATURES, SUPPORT_DIMS, VARIANTS, FeatureSpec
from .predictive import Predictive

__all__ = [
    "GainMetrics",
    "QualityMetrics",
    "QualityParams",
    "VariantParams",
    "predictive_from_params",
]


class QualityMetrics(BaseModel):
    """Scores of one method's probability on one scope (a held-out source, or rows pooled)."""

    model_config = STRICT_DATA

    scope: str = Field(
        ...,
        description="source_id, 'overall', 'n stated', 'n stated >= 50', 'bucket <50' (and "
        "the other data-size buckets) or 'task <family>'; decisive rows only.",
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
    ece_low: float | None = Field(None, description="5% end of the ECE's source bootstrap.")
    ece_high: float | None = Field(None, description="95% end of the ECE's source bootstrap.")


class GainMetrics(BaseModel):
    """Out-of-source accuracy of the expected gain and coverage of its predictive interval."""

    model_config = STRICT_DATA

    scope: str
    fit: str = Field("prior", description="Which fit: 'prior' or 'baseline'.")
    n_rows: int = Field(..., description="Rows with a score_delta.")
    mean_predicted: float = Field(0.0, description="Mean expected gain (points).")
    mean_observed: float = Field(0.0, description="Mean score_delta (points).")
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
    n_with_baseline: int = Field(..., ge=0, description="Rows with the prompted arm's score.")


class _FeatureDoc(BaseModel):
    model_config = STRICT_DATA
    name: str
    transform: str
    kind: Literal["curve", "continuous", "binary"]
    constraint: Literal["nonneg", "nonpos", "free"]
    why: str
    variants: tuple[str, ...]


class _Spec(BaseModel):
    model_config = STRICT_DATA
    size_impute_log10: FrozenMap[str, float]
    strength_impute: FrozenMap[str, float]
    strength_cap: float = Field(..., ge=0, le=100)
    strength_center: float
    knowledge_tasks: tuple[str, ...]
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
    shots_within: str
    stance: bool
    left_out: FrozenMap[str, tuple[str, ...]]
    sd_scale_nested_loso: bool
    platt: bool
    n_bootstrap: int
    random_state: int
    settings_as_of: str


class _Gate(BaseModel):
    model_config = STRICT_DATA
    n_min: float = Field(..., gt=0)
    exponent: float = Field(..., gt=0)


class _Bootstrap(BaseModel):
    model_config = STRICT_DATA
    method: str
    coef: tuple[tuple[float, ...], ...] = Field(..., min_length=1)
    intercept: tuple[float, ...]
    slope_below_min: tuple[float, ...]
    sigma: tuple[float, ...]
    tau: tuple[float, ...]


class _SdHeadroom(BaseModel):
    model_config = STRICT_DATA
    slope: float = Field(..., description="g: ln-sd slope on ln((headroom + c) / (ref + c)).")
    offset: float = Field(..., gt=0)
    reference: float = Field(..., gt=0)


class _Platt(BaseModel):
    model_config = STRICT_DATA
    a: float
    b: float = Field(..., gt=0, description="> 0 keeps p monotone in the gain.")


class _FitOnly(BaseModel):
    model_config = STRICT_DATA
    nuisance: FrozenMap[str, float] = Field(
        ..., description="Fit-time terms (points): unstated-n shift, shots arm mean, stance."
    )
    intercept_raw: float = Field(..., description="The intercept before the arm-mean term.")
    sigma_unstated: float = Field(..., gt=0, description="Residual sd of unstated-n rows.")
    source_effects: FrozenMap[str, float] = Field(
        ..., description="Fitted source intercepts u_s (points), integrated out at run time."
    )
    laplace_log_marginal: float


class VariantParams(BaseModel):
    """One fit of the design: without ('prior') or with ('baseline') a measured baseline."""

    model_config = STRICT_DATA

    n_rows: int = Field(..., ge=1, description="Corpus rows this fit used.")
    coef: tuple[float, ...]
    intercept: float
    slope_below_min: float = Field(..., ge=0, description="Prior slope below the first knot.")
    sigma: float = Field(..., gt=0, description="Residual sd (points).")
    tau: float = Field(..., gt=0, description="Between-source sd (points).")
    sd_scale: float = Field(..., gt=0, description="Calibration k of the predictive sd.")
    sd_headroom: _SdHeadroom
    platt: _Platt
    bootstrap: _Bootstrap
    fit_only: _FitOnly


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
    max_strength: float = Field(..., ge=0, description="Strongest prompted model (MMLU %).")


class _CrossValidation(BaseModel):
    model_config = STRICT_DATA
    scheme: Literal["leave-one-source-out"]
    target: str
    methods: FrozenMap[str, str]
    metrics: tuple[QualityMetrics, ...]
    gain: tuple[GainMetrics, ...]
    sd_scales: tuple[float, ...]


class QualityParams(BaseModel):
    """The fitted parameter file, validated (see ``data/quality_params.json``)."""

    model_config = STRICT_DATA

    schema_version: Literal[5] = Field(
        ..., description="5: model v3, two fits (without and with a measured baseline)."
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
    margin: float = Field(..., ge=0, description="Points that count as 'better'.")
    band: tuple[float, float]
    gate: _Gate
    gain_clip: float = Field(..., gt=0)
    level: float = Field(..., gt=0, lt=1, description="Interval level, e.g. 0.8.")
    variants: FrozenMap[str, VariantParams]
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
        if set(self.variants) != set(VARIANTS):
            raise ValueError(
                f"key 'variants': expected {list(VARIANTS)}, got {sorted(self.variants)}"
            )
        for name, v in self.variants.items():
            at = f"variants.{name}"
            if len(v.coef) != d:
                raise ValueError(f"key '{at}.coef': expected {d} numbers, got {len(v.coef)}")
            left = set(self.fit.left_out.get(name, ()))
            for f, c in zip(FEATURES, v.coef, strict=True):
                if (name not in f.variants or f.name in left) and c != 0.0:
                    raise ValueError(f"key '{at}.coef': {f.name} is not in this fit, must be 0")
            bs = v.bootstrap
            if any(len(row) != d for row in bs.coef):
                raise ValueError(f"key '{at}.bootstrap.coef': every draw must have {d} numbers")
            for key in ("intercept", "slope_below_min", "sigma", "tau"):
                if len(getattr(bs, key)) != len(bs.coef):
                    raise ValueError(f"key '{at}.bootstrap.{key}': one value per draw")
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
        for key in ("size_impute_log10", "strength_impute"):
            missing = {"frontier_api", "open_weights", "unknown"} - set(getattr(self.spec, key))
            if missing:
                raise ValueError(f"key 'spec.{key}': missing {sorted(missing)}")
        lo, hi = self.band
        if not 0 < lo < hi < 1:
            raise ValueError(f"key 'band': expected 0 < low < high < 1, got {self.band}")
        return self

    @property
    def bandwidths(self) -> dict[str, float]:
        """Support bandwidth of each dimension, by name."""
        return dict(zip(self.support.dims, self.support.bandwidths, strict=True))


def predictive_from_params(params: QualityParams, variant: str = "prior") -> Predictive:
    """The run-time numbers of one fit of a parameter file."""
    sp = params.spec
    spec = FeatureSpec(
        size_impute_log10=dict(sp.size_impute_log10),
        strength_impute=dict(sp.strength_impute),
        strength_cap=sp.strength_cap,
        strength_center=sp.strength_center,
        knowledge_tasks=sp.knowledge_tasks,
        shots_impute_log1p=sp.shots_impute_log1p,
        shots_cap=sp.shots_cap,
        classes_cap=sp.classes_cap,
        knots_n=sp.knots_n,
    )
    v = params.variants[variant]
    bs = v.bootstrap
    draws = np.column_stack(
        [np.array(bs.coef, dtype=np.float64), np.array(bs.intercept), np.array(bs.slope_below_min)]
    )
    d = draws.shape[1]
    cov = np.atleast_2d(np.cov(draws.T, bias=True)) if len(draws) > 1 else np.zeros((d, d))
    return Predictive(
        spec=spec,
        variant=variant,
        coef=v.coef,
        intercept=v.intercept,
        slope_below_min=v.slope_below_min,
        sigma=v.sigma,
        tau=v.tau,
        sd_scale=v.sd_scale,
        sd_headroom=v.sd_headroom.slope,
        headroom_offset=v.sd_headroom.offset,
        headroom_reference=v.sd_headroom.reference,
        margin=params.margin,
        band=params.band,
        gate_n_min=params.gate.n_min,
        gate_exponent=params.gate.exponent,
        clip=params.gain_clip,
        level=params.level,
        platt=(v.platt.a, v.platt.b),
        cov=tuple(tuple(float(c) for c in row) for row in cov),
    )
