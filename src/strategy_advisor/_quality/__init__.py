"""Quality stage: how likely fine-tuning beats prompting on a task, from published results.

The run-time names are here; fitting (:mod:`.fit`) and validation (:mod:`.cv`) need scipy
and scikit-learn and are imported from their own modules, so a recommendation never loads
them.
"""

from .estimate import QualityEstimate
from .features import QualityFeatures
from .inputs import quality_features_for
from .model import QualityModel, load_default_quality_model
from .pilot import PilotUpdate
from .strength import model_strengths, strength_of

__all__ = [
    "PilotUpdate",
    "QualityEstimate",
    "QualityFeatures",
    "QualityModel",
    "load_default_quality_model",
    "model_strengths",
    "quality_features_for",
    "strength_of",
]
