"""strategy_advisor: should this LLM task be fine-tuned or prompted with examples?"""

from __future__ import annotations

from ._errors import AdvisorError, CatalogError, DataFileError, RuleError, TokenizerError
from ._profile import (
    FineTuningOffer,
    ModelSpec,
    PilotResult,
    Strategy,
    TaskProfile,
    TokenMeasurement,
)

__all__ = [
    "AdvisorError",
    "CatalogError",
    "DataFileError",
    "FineTuningOffer",
    "ModelSpec",
    "PilotResult",
    "RuleError",
    "Strategy",
    "TaskProfile",
    "TokenMeasurement",
    "TokenizerError",
]
