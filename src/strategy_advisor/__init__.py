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

if _typing.TYPE_CHECKING:  # the same names as _SOURCES, for type checkers (a test checks)
    from ._advisor import (
        Advisor as Advisor,
    )
    from ._assumptions import (
        Assumptions as Assumptions,
    )
    from ._assumptions import (
        Sourced as Sourced,
    )
    from ._assumptions import (
        default_assumptions as default_assumptions,
    )
    from ._baseline import (
        BaselineMeasurement as BaselineMeasurement,
    )
    from ._baseline import (
        measure_prompted_baseline as measure_prompted_baseline,
    )
    from ._catalog import (
        Catalog as Catalog,
    )
    from ._catalog import (
        CatalogDefaults as CatalogDefaults,
    )
    from ._catalog import (
        LatencyDefaults as LatencyDefaults,
    )
    from ._catalog import (
        default_catalog as default_catalog,
    )
    from ._costs import (
        CostComparison as CostComparison,
    )
    from ._costs import (
        CostLine as CostLine,
    )
    from ._costs import (
        ServingAlternative as ServingAlternative,
    )
    from ._costs import (
        ServingPlan as ServingPlan,
    )
    from ._costs import (
        StrategyCost as StrategyCost,
    )
    from ._curve import (
        CostVolumeCurve as CostVolumeCurve,
    )
    from ._curve import (
        StrategyCurve as StrategyCurve,
    )
    from ._decision import (
        DecisionPolicy as DecisionPolicy,
    )
    from ._decision import (
        Reason as Reason,
    )
    from ._decision import (
        ScoreBreakdown as ScoreBreakdown,
    )
    from ._displays import (
        CostVolumeDisplay as CostVolumeDisplay,
    )
    from ._displays import (
        ReliabilityBin as ReliabilityBin,
    )
    from ._displays import (
        ReliabilityCurve as ReliabilityCurve,
    )
    from ._displays import (
        ReliabilityDisplay as ReliabilityDisplay,
    )
    from ._displays import (
        SensitivityBars as SensitivityBars,
    )
    from ._displays import (
        SensitivityDisplay as SensitivityDisplay,
    )
    from ._errors import (
        AdvisorError as AdvisorError,
    )
    from ._errors import (
        CatalogError as CatalogError,
    )
    from ._errors import (
        DataFileError as DataFileError,
    )
    from ._errors import (
        ImplausibleValueWarning as ImplausibleValueWarning,
    )
    from ._errors import (
        ParameterError as ParameterError,
    )
    from ._errors import (
        ProfileError as ProfileError,
    )
    from ._errors import (
        RuleError as RuleError,
    )
    from ._errors import (
        TokenizerError as TokenizerError,
    )
    from ._facade import (
        iter_recommendations as iter_recommendations,
    )
    from ._facade import (
        recommend as recommend,
    )
    from ._facade import (
        recommend_many as recommend_many,
    )
    from ._facade import (
        sweep as sweep,
    )
    from ._facade import (
        what_if as what_if,
    )
    from ._features import (
        TaskFeatures as TaskFeatures,
    )
    from ._latency import (
        StrategyLatency as StrategyLatency,
    )
    from ._model_spec import (
        FineTuningOffer as FineTuningOffer,
    )
    from ._model_spec import (
        ModelSpec as ModelSpec,
    )
    from ._model_spec import (
        ValueRange as ValueRange,
    )
    from ._portfolio import (
        Portfolio as Portfolio,
    )
    from ._portfolio import (
        ProfileFailure as ProfileFailure,
    )
    from ._portfolio import (
        Sweep as Sweep,
    )
    from ._portfolio import (
        SweepRow as SweepRow,
    )
    from ._portfolio import (
        TableRow as TableRow,
    )
    from ._profile import (
        PeopleTime as PeopleTime,
    )
    from ._profile import (
        PilotResult as PilotResult,
    )
    from ._profile import (
        PromptedBaseline as PromptedBaseline,
    )
    from ._profile import (
        TaskProfile as TaskProfile,
    )
    from ._profile import (
        TokenMeasurement as TokenMeasurement,
    )
    from ._quality import (
        PilotUpdate as PilotUpdate,
    )
    from ._quality import (
        QualityEstimate as QualityEstimate,
    )
    from ._quality import (
        QualityFeatures as QualityFeatures,
    )
    from ._quality import (
        QualityModel as QualityModel,
    )
    from ._quality import (
        load_default_quality_model as load_default_quality_model,
    )
    from ._quality.corpus import (
        QualityCorpus as QualityCorpus,
    )
    from ._quality.cv import (
        QualityCVReport as QualityCVReport,
    )
    from ._quality.cv import (
        cross_validate_quality_model as cross_validate_quality_model,
    )
    from ._quality.features import (
        FeatureColumns as FeatureColumns,
    )
    from ._quality.fit import (
        fit_quality_model as fit_quality_model,
    )
    from ._quality.params import (
        GainMetrics as GainMetrics,
    )
    from ._quality.params import (
        QualityMetrics as QualityMetrics,
    )
    from ._quality.params import (
        QualityParams as QualityParams,
    )
    from ._quality.params import (
        VariantParams as VariantParams,
    )
    from ._recommendation import (
        Recommendation as Recommendation,
    )
    from ._rules import (
        AllOf as AllOf,
    )
    from ._rules import (
        AnyOf as AnyOf,
    )
    from ._rules import (
        Compare as Compare,
    )
    from ._rules import (
        Effect as Effect,
    )
    from ._rules import (
        Not as Not,
    )
    from ._rules import (
        Rule as Rule,
    )
    from ._rules import (
        Rulebook as Rulebook,
    )
    from ._rules import (
        RuleInputs as RuleInputs,
    )
    from ._rules import (
        RuleOutcome as RuleOutcome,
    )
    from ._rules import (
        RuleSource as RuleSource,
    )
    from ._rules import (
        default_rulebook as default_rulebook,
    )
    from ._tokens import (
        ChatMessage as ChatMessage,
    )
    from ._tokens import (
        LabeledExample as LabeledExample,
    )
    from ._tokens import (
        TokenStats as TokenStats,
    )
    from ._tokens import (
        count_message_tokens as count_message_tokens,
    )
    from ._tokens import (
        count_tokens as count_tokens,
    )
    from ._tokens import (
        load_encoding as load_encoding,
    )
    from ._tokens import (
        load_examples as load_examples,
    )
    from ._tokens import (
        profile_from_examples as profile_from_examples,
    )
    from ._types import (
        FrozenMap as FrozenMap,
    )
    from ._types import (
        Strategy as Strategy,
    )
    from ._uncertainty import (
        SensitivityRow as SensitivityRow,
    )
    from ._uncertainty import (
        TotalDriver as TotalDriver,
    )
    from ._uncertainty import (
        Uncertainty as Uncertainty,
    )
    from ._whatif import (
        FlipPoint as FlipPoint,
    )

#: Every public name and the private module it lives in: the one table of the public API.
#: Names load on first access; each shows its public path (``__module__``) once loaded.
_SOURCES: dict[str, str] = {
    "BaselineMeasurement": "._baseline",
    "Advisor": "._advisor",
    "AdvisorError": "._errors",
    "AllOf": "._rules",
    "AnyOf": "._rules",
    "Assumptions": "._assumptions",
    "Catalog": "._catalog",
    "CatalogDefaults": "._catalog",
    "CatalogError": "._errors",
    "ChatMessage": "._tokens",
    "Compare": "._rules",
    "CostComparison": "._costs",
    "CostLine": "._costs",
    "CostVolumeCurve": "._curve",
    "CostVolumeDisplay": "._displays",
    "DataFileError": "._errors",
    "DecisionPolicy": "._decision",
    "Effect": "._rules",
    "FeatureColumns": "._quality.features",
    "FineTuningOffer": "._model_spec",
    "FlipPoint": "._whatif",
    "FrozenMap": "._types",
    "GainMetrics": "._quality.params",
    "ImplausibleValueWarning": "._errors",
    "LabeledExample": "._tokens",
    "LatencyDefaults": "._catalog",
    "ModelSpec": "._model_spec",
    "Not": "._rules",
    "ParameterError": "._errors",
    "PeopleTime": "._profile",
    "PilotResult": "._profile",
    "PilotUpdate": "._quality",
    "Portfolio": "._portfolio",
    "ProfileFailure": "._portfolio",
    "ProfileError": "._errors",
    "PromptedBaseline": "._profile",
    "QualityCVReport": "._quality.cv",
    "QualityCorpus": "._quality.corpus",
    "QualityEstimate": "._quality",
    "QualityFeatures": "._quality",
    "QualityMetrics": "._quality.params",
    "QualityModel": "._quality",
    "QualityParams": "._quality.params",
    "VariantParams": "._quality.params",
    "Reason": "._decision",
    "Recommendation": "._recommendation",
    "ReliabilityBin": "._displays",
    "ReliabilityCurve": "._displays",
    "ReliabilityDisplay": "._displays",
    "Rule": "._rules",
    "RuleError": "._errors",
    "RuleInputs": "._rules",
    "RuleOutcome": "._rules",
    "RuleSource": "._rules",
    "Rulebook": "._rules",
    "ScoreBreakdown": "._decision",
    "SensitivityBars": "._displays",
    "SensitivityDisplay": "._displays",
    "SensitivityRow": "._uncertainty",
    "ServingAlternative": "._costs",
    "ServingPlan": "._costs",
    "Sourced": "._assumptions",
    "Strategy": "._types",
    "StrategyCost": "._costs",
    "StrategyCurve": "._curve",
    "StrategyLatency": "._latency",
    "Sweep": "._portfolio",
    "SweepRow": "._portfolio",
    "TableRow": "._portfolio",
    "TaskFeatures": "._features",
    "TaskProfile": "._profile",
    "TokenMeasurement": "._profile",
    "TokenStats": "._tokens",
    "TokenizerError": "._errors",
    "TotalDriver": "._uncertainty",
    "Uncertainty": "._uncertainty",
    "ValueRange": "._model_spec",
    "count_message_tokens": "._tokens",
    "count_tokens": "._tokens",
    "cross_validate_quality_model": "._quality.cv",
    "default_assumptions": "._assumptions",
    "default_catalog": "._catalog",
    "default_rulebook": "._rules",
    "fit_quality_model": "._quality.fit",
    "load_default_quality_model": "._quality",
    "load_encoding": "._tokens",
    "load_examples": "._tokens",
    "measure_prompted_baseline": "._baseline",
    "profile_from_examples": "._tokens",
    "iter_recommendations": "._facade",
    "recommend": "._facade",
    "recommend_many": "._facade",
    "sweep": "._facade",
    "what_if": "._facade",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> _typing.Any:
    """Load a public name from its module on first access (and keep it here)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'strategy_advisor' has no attribute {name!r}")
    value = getattr(_importlib.import_module(source, __name__), name)
    globals()[name] = value
    _publish()
    return value


def _publish() -> None:
    """Every public name whose module is loaded shows its public path in reprs, docs and
    tracebacks (as httpx does), also when it was reached through another public name."""
    import sys

    for public, source in _SOURCES.items():
        module = sys.modules.get(__name__ + source)
        value = getattr(module, public, None) if module is not None else None
        if value is not None and getattr(value, "__module__", "").startswith(__name__ + "."):
            rebuild = getattr(value, "model_rebuild", None)
            if rebuild is not None and not value.__pydantic_complete__:
                rebuild()  # resolve its annotations where they were written, first
            value.__module__ = __name__


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
