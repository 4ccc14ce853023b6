"""strategy_advisor: should this LLM task be fine-tuned or prompted with examples?

``recommend(profile)`` returns an immutable :class:`Recommendation`: the strategy, a
confidence, both strategies' costs and latency, the calibrated probability that
fine-tuning reaches higher quality, the reasons and a trace of every rule.
"""

from __future__ import annotations

from ._advisor import Advisor, recommend
from ._catalog import Catalog, default_catalog
from ._costs import StrategyCost
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._encodings import load_encoding
from ._errors import AdvisorError, CatalogError, DataFileError, RuleError, TokenizerError
from ._examples import ChatMessage, LabeledExample, load_examples, profile_from_examples
from ._latency import StrategyLatency
from ._profile import (
    FineTuningOffer,
    ModelSpec,
    PilotResult,
    Strategy,
    TaskProfile,
    TokenMeasurement,
)
from ._quality import QualityEstimate, QualityFeatures, QualityModel, load_default_quality_model
from ._quality_fit import cross_validate_quality_model, fit_quality_model
from ._recommendation import Recommendation
from ._rules import Rule, Rulebook, RuleOutcome, default_rulebook
from ._tokens import TokenStats, count_tokens

__all__ = [
    "Advisor",
    "AdvisorError",
    "Catalog",
    "CatalogError",
    "ChatMessage",
    "DataFileError",
    "DecisionPolicy",
    "FineTuningOffer",
    "LabeledExample",
    "ModelSpec",
    "PilotResult",
    "QualityEstimate",
    "QualityFeatures",
    "QualityModel",
    "Reason",
    "Recommendation",
    "Rule",
    "RuleError",
    "RuleOutcome",
    "Rulebook",
    "ScoreBreakdown",
    "Strategy",
    "StrategyCost",
    "StrategyLatency",
    "TaskProfile",
    "TokenMeasurement",
    "TokenStats",
    "TokenizerError",
    "count_tokens",
    "cross_validate_quality_model",
    "default_catalog",
    "default_rulebook",
    "fit_quality_model",
    "load_default_quality_model",
    "load_encoding",
    "load_examples",
    "profile_from_examples",
    "recommend",
]
