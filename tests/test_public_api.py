"""The public names are pinned; import stays light and offline."""

from __future__ import annotations

import subprocess
import sys
import types

import strategy_advisor

EXPECTED = {
    "Advisor", "AdvisorError", "Catalog", "CatalogError", "ChatMessage", "DataFileError",
    "DecisionPolicy", "FineTuningOffer", "FrozenMap", "ImplausibleValueWarning",
    "LabeledExample", "ModelSpec",
    "ParameterError", "PeopleTime", "PilotResult", "PilotUpdate", "QualityCVReport",
    "QualityEstimate", "QualityFeatures", "QualityMetrics", "QualityModel", "Reason",
    "Recommendation", "Rule", "RuleError", "RuleInputs", "RuleOutcome", "Rulebook",
    "ScoreBreakdown", "Strategy", "StrategyCost", "StrategyLatency", "TaskProfile",
    "TokenMeasurement", "TokenStats", "TokenizerError", "count_message_tokens", "count_tokens",
    "cross_validate_quality_model", "default_catalog", "default_rulebook", "fit_quality_model",
    "load_default_quality_model", "load_encoding", "load_examples", "profile_from_examples",
    "recommend", "FlipPoint", "SensitivityRow", "Sweep", "SweepRow", "Portfolio", "TableRow",
    "ProfileError", "ValueRange", "recommend_many", "sweep", "what_if",
    "CostVolumeDisplay", "SensitivityDisplay", "ReliabilityDisplay", "Assumptions",
    "default_assumptions", "TaskFeatures", "CostComparison", "CostLine", "ServingPlan",
    "ServingAlternative", "Uncertainty", "CostVolumeCurve", "StrategyCurve", "LatencyDefaults",
    "CatalogDefaults", "Effect", "RuleSource", "Sourced", "GainMetrics", "ReliabilityCurve",
    "ReliabilityBin", "SensitivityBars", "QualityParams", "QualityCorpus", "AllOf", "AnyOf",
    "Compare", "Not", "FeatureColumns", "ProfileFailure", "iter_recommendations",
    "BaselineMeasurement", "PromptedBaseline", "measure_prompted_baseline", "VariantParams",
    "TotalDriver",
}  # fmt: skip


def test_exported_names_are_pinned_and_sorted() -> None:
    assert set(strategy_advisor.__all__) == EXPECTED
    assert list(strategy_advisor.__all__) == sorted(strategy_advisor.__all__)
    for name in strategy_advisor.__all__:
        assert getattr(strategy_advisor, name) is not None


def test_the_module_namespace_holds_only_the_exported_names() -> None:
    # as httpx's tests/test_exported_members.py: what the package namespace holds, apart from
    # its private submodules and dunders, is exactly __all__ (no leaked helper or import);
    # names load on first access, so load them all first
    for name in strategy_advisor.__all__:
        getattr(strategy_advisor, name)
    public = {
        name
        for name, value in vars(strategy_advisor).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(strategy_advisor.__all__)
    leaked_modules = {
        name
        for name, value in vars(strategy_advisor).items()
        if isinstance(value, types.ModuleType) and not name.startswith("_") and name != "cli"
    }
    assert not leaked_modules


def test_dir_lists_every_exported_name_and_unknown_names_fail_clearly() -> None:
    assert set(strategy_advisor.__all__) <= set(dir(strategy_advisor))
    try:
        strategy_advisor.recomend  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "recomend" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown name must raise AttributeError")


def test_import_loads_nothing_heavy_until_a_name_is_used() -> None:
    code = (
        "import sys, strategy_advisor\n"
        "heavy = ('pydantic.main', 'numpy', 'tiktoken', 'sklearn', 'importlib.metadata')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from strategy_advisor import recommend\n"
        "print(sorted(m for m in ('tiktoken', 'sklearn', 'scipy', 'matplotlib',\n"
        "      'strategy_advisor._quality.fit', 'strategy_advisor._tokens') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "[]"], out.stdout


def test_exported_names_show_the_public_module() -> None:
    for name in strategy_advisor.__all__:
        assert getattr(strategy_advisor, name).__module__ == "strategy_advisor", name


def test_types_reached_through_a_result_show_the_public_module_too() -> None:
    code = (
        "import datetime, strategy_advisor as sa\n"
        "rec = sa.recommend({'task_type': 'classification', 'n_labeled_examples': 500},\n"
        "                   today=datetime.date(2026, 12, 1))\n"
        "print(type(rec.costs[sa.Strategy.FINE_TUNING].serving).__module__,\n"
        "      type(rec.uncertainty).__module__, type(rec.features).__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["strategy_advisor"] * 3, out.stdout


def _types_outside_the_api() -> dict[str, str]:
    """Types of this package in the public models' fields and the public callables'
    signatures that are not exported: {type: where it appears}."""
    import typing
    from pathlib import Path

    from pydantic import BaseModel

    exported = {getattr(strategy_advisor, n) for n in strategy_advisor.__all__}
    seen: set[type] = set()
    missing: dict[str, str] = {}
    names = {**vars(typing), "Path": Path, **{n: getattr(strategy_advisor, n)
                                                for n in strategy_advisor.__all__}}  # fmt: skip

    def check(t: object, where: str) -> None:
        for arg in typing.get_args(t):
            check(arg, where)
        if isinstance(t, type) and t.__module__.startswith("strategy_advisor"):
            # a data file's private layout (``_Values``, ``_Spec``...) is reached only
            # through its exported model (Assumptions, QualityParams): not part of the API
            if t not in exported and not t.__name__.startswith("_"):
                missing.setdefault(t.__qualname__, where)
            if issubclass(t, BaseModel) and t not in seen:
                seen.add(t)
                for name, f in t.model_fields.items():
                    check(f.annotation, f"{t.__name__}.{name}")

    for name in strategy_advisor.__all__:
        value = getattr(strategy_advisor, name)
        targets = [value.__init__] if isinstance(value, type) else [value]
        if isinstance(value, type):
            check(value, name)
        for target in targets:
            if not callable(target) or getattr(target, "__module__", "") == "pydantic.main":
                continue
            try:
                hints = typing.get_type_hints(target, localns=names)
            except (NameError, TypeError):
                continue
            for param, hint in hints.items():
                check(hint, f"{name}({param})")
    return missing


def test_every_type_in_a_public_signature_is_exported() -> None:
    assert _types_outside_the_api() == {}


def test_the_type_checking_imports_are_the_table() -> None:
    """``__init__.py`` has one table of public names (``_SOURCES``); the imports a type
    checker reads list exactly those names, from the same modules."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(strategy_advisor.__file__).read_text(encoding="utf-8"))
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                imported[alias.name] = "." + node.module
    assert imported == strategy_advisor._SOURCES
