"""Quality stage: how likely fine-tuning beats prompting on a task, from published results."""

from .cv import QualityCVReport, QualityMetrics, cross_validate_quality_model, reliability_bins
from .features import QualityFeatures
from .fit import QualityFitter, fit_quality_model
from .model import PilotUpdate, QualityEstimate, QualityModel, load_default_quality_model

__all__ = [
    "PilotUpdate",
    "QualityCVReport",
    "QualityEstimate",
    "QualityFeatures",
    "QualityFitter",
    "QualityMetrics",
    "QualityModel",
    "cross_validate_quality_model",
    "fit_quality_model",
    "load_default_quality_model",
    "reliability_bins",
]
