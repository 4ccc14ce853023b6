"""strategy_advisor: should this LLM task be fine-tuned or prompted with examples?

``recommend(profile)`` returns an immutable :class:`Recommendation`: the strategy, a
confidence, both strategies' costs and latency, the calibrated probability that
fine-tuning reaches higher quality, the reasons and a trace of every rule.
"""

from ._advisor import Advisor, recommend
from ._catalog import Catalog, FineTuningOffer, ModelSpec, default_catalog
from ._costs import StrategyCost
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._errors import (
    AdvisorError,
    CatalogError,
    DataFileError,
    ParameterError,
    RuleError,
    TokenizerError,
)
from ._latency import StrategyLatency
from ._profile import PilotResult, TaskProfile, TokenMeasurement
from ._quality import (
    PilotUpdate,
    QualityCVReport,
    QualityEstimate,
    QualityFeatures,
    QualityMetrics,
    QualityModel,
    cross_validate_quality_model,
    fit_quality_model,
    load_default_quality_model,
)
from ._recommendation import Recommendation
from ._rules import Rule, Rulebook, RuleInputs, RuleOutcome, default_rulebook
from ._tokens import (
    ChatMessage,
    LabeledExample,
    TokenStats,
    count_tokens,
    load_encoding,
    load_examples,
    profile_from_examples,
)
from ._types import FrozenMap, Strategy

__all__ = [
    "Advisor",
    "AdvisorError",
    "Catalog",
    "CatalogError",
    "ChatMessage",
    "DataFileError",
    "DecisionPolicy",
    "FineTuningOffer",
    "FrozenMap",
    "LabeledExample",
    "ModelSpec",
    "ParameterError",
    "PilotResult",
    "PilotUpdate",
    "QualityCVReport",
    "QualityEstimate",
    "QualityFeatures",
    "QualityMetrics",
    "QualityModel",
    "Reason",
    "Recommendation",
    "Rule",
    "RuleError",
    "RuleInputs",
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

# Public names show their public path in reprs, docs and tracebacks (as httpx does).
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", __name__).startswith(__name__ + "."):
        _obj.__module__ = __name__
del _name, _obj
