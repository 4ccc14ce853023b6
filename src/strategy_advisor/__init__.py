"""strategy_advisor: should this LLM task be fine-tuned or prompted with examples?

``recommend(profile)`` returns an immutable :class:`Recommendation`: the strategy, a
confidence, both strategies' costs and latency, the calibrated probability that
fine-tuning reaches higher quality, the reasons and a trace of every rule.

Names load on first use (SPEC 1 lazy loading, as scipy and networkx do): ``import
strategy_advisor`` reads no data file and builds no model; ``from strategy_advisor import
recommend`` loads the recommendation pipeline, and only fitting the quality model loads
scikit-learn, only counting tokens loads tiktoken.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from ._advisor import Advisor, recommend, recommend_many, sweep, what_if
    from ._baseline import BaselineMeasurement, measure_prompted_baseline
    from ._catalog import Catalog, FineTuningOffer, ModelSpec, ValueRange, default_catalog
    from ._costs import StrategyCost
    from ._decision import DecisionPolicy, Reason, ScoreBreakdown
    from ._displays import CostVolumeDisplay, ReliabilityDisplay, SensitivityDisplay
    from ._errors import (
        AdvisorError,
        CatalogError,
        DataFileError,
        ParameterError,
        ProfileError,
        RuleError,
        TokenizerError,
    )
    from ._latency import StrategyLatency
    from ._portfolio import Portfolio, Sweep, SweepRow, TableRow
    from ._profile import PeopleTime, PilotResult, PromptedBaseline, TaskProfile, TokenMeasurement
    from ._quality import (
        PilotUpdate,
        QualityEstimate,
        QualityFeatures,
        QualityModel,
        load_default_quality_model,
    )
    from ._quality.cv import QualityCVReport, cross_validate_quality_model
    from ._quality.fit import fit_quality_model
    from ._quality.params import QualityMetrics
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
    from ._whatif import FlipPoint, SensitivityRow

#: Where each public name lives (its private module); loaded on first access.
_SOURCES: dict[str, str] = {
    "Advisor": "._advisor",
    "AdvisorError": "._errors",
    "BaselineMeasurement": "._baseline",
    "Catalog": "._catalog",
    "CatalogError": "._errors",
    "ChatMessage": "._tokens",
    "CostVolumeDisplay": "._displays",
    "DataFileError": "._errors",
    "DecisionPolicy": "._decision",
    "FineTuningOffer": "._catalog",
    "FlipPoint": "._whatif",
    "FrozenMap": "._types",
    "LabeledExample": "._tokens",
    "ModelSpec": "._catalog",
    "ParameterError": "._errors",
    "PeopleTime": "._profile",
    "PilotResult": "._profile",
    "PilotUpdate": "._quality",
    "Portfolio": "._portfolio",
    "ProfileError": "._errors",
    "PromptedBaseline": "._profile",
    "QualityCVReport": "._quality.cv",
    "QualityEstimate": "._quality",
    "QualityFeatures": "._quality",
    "QualityMetrics": "._quality.params",
    "QualityModel": "._quality",
    "Reason": "._decision",
    "Recommendation": "._recommendation",
    "ReliabilityDisplay": "._displays",
    "Rule": "._rules",
    "RuleError": "._errors",
    "RuleInputs": "._rules",
    "RuleOutcome": "._rules",
    "Rulebook": "._rules",
    "ScoreBreakdown": "._decision",
    "SensitivityDisplay": "._displays",
    "SensitivityRow": "._whatif",
    "Strategy": "._types",
    "StrategyCost": "._costs",
    "StrategyLatency": "._latency",
    "Sweep": "._portfolio",
    "SweepRow": "._portfolio",
    "TableRow": "._portfolio",
    "TaskProfile": "._profile",
    "TokenMeasurement": "._profile",
    "TokenStats": "._tokens",
    "TokenizerError": "._errors",
    "ValueRange": "._catalog",
    "count_tokens": "._tokens",
    "cross_validate_quality_model": "._quality.cv",
    "default_catalog": "._catalog",
    "default_rulebook": "._rules",
    "fit_quality_model": "._quality.fit",
    "load_default_quality_model": "._quality",
    "load_encoding": "._tokens",
    "load_examples": "._tokens",
    "measure_prompted_baseline": "._baseline",
    "profile_from_examples": "._tokens",
    "recommend": "._advisor",
    "recommend_many": "._advisor",
    "sweep": "._advisor",
    "what_if": "._advisor",
}

__all__ = [
    "Advisor",
    "AdvisorError",
    "BaselineMeasurement",
    "Catalog",
    "CatalogError",
    "ChatMessage",
    "CostVolumeDisplay",
    "DataFileError",
    "DecisionPolicy",
    "FineTuningOffer",
    "FlipPoint",
    "FrozenMap",
    "LabeledExample",
    "ModelSpec",
    "ParameterError",
    "PeopleTime",
    "PilotResult",
    "PilotUpdate",
    "Portfolio",
    "ProfileError",
    "PromptedBaseline",
    "QualityCVReport",
    "QualityEstimate",
    "QualityFeatures",
    "QualityMetrics",
    "QualityModel",
    "Reason",
    "Recommendation",
    "ReliabilityDisplay",
    "Rule",
    "RuleError",
    "RuleInputs",
    "RuleOutcome",
    "Rulebook",
    "ScoreBreakdown",
    "SensitivityDisplay",
    "SensitivityRow",
    "Strategy",
    "StrategyCost",
    "StrategyLatency",
    "Sweep",
    "SweepRow",
    "TableRow",
    "TaskProfile",
    "TokenMeasurement",
    "TokenStats",
    "TokenizerError",
    "ValueRange",
    "count_tokens",
    "cross_validate_quality_model",
    "default_catalog",
    "default_rulebook",
    "fit_quality_model",
    "load_default_quality_model",
    "load_encoding",
    "load_examples",
    "measure_prompted_baseline",
    "profile_from_examples",
    "recommend",
    "recommend_many",
    "sweep",
    "what_if",
]


def __getattr__(name: str) -> _typing.Any:
    """Load a public name from its module on first access (and keep it here)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'strategy_advisor' has no attribute {name!r}")
    value = getattr(_importlib.import_module(source, __name__), name)
    # public names show their public path in reprs, docs and tracebacks (as httpx does)
    if getattr(value, "__module__", "").startswith(__name__ + "."):
        value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
