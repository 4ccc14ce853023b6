"""The public names are pinned; import stays light and offline."""

from __future__ import annotations

import subprocess
import sys
import types

import strategy_advisor

EXPECTED = {
    "Advisor", "AdvisorError", "Catalog", "CatalogError", "ChatMessage", "DataFileError",
    "DecisionPolicy", "FineTuningOffer", "FrozenMap", "LabeledExample", "ModelSpec",
    "ParameterError", "PeopleTime", "PilotResult", "PilotUpdate", "QualityCVReport",
    "QualityEstimate", "QualityFeatures", "QualityMetrics", "QualityModel", "Reason",
    "Recommendation", "Rule", "RuleError", "RuleInputs", "RuleOutcome", "Rulebook",
    "ScoreBreakdown", "Strategy", "StrategyCost", "StrategyLatency", "TaskProfile",
    "TokenMeasurement", "TokenStats", "TokenizerError", "count_tokens",
    "cross_validate_quality_model", "default_catalog", "default_rulebook", "fit_quality_model",
    "load_default_quality_model", "load_encoding", "load_examples", "profile_from_examples",
    "recommend", "FlipPoint", "SensitivityRow", "Sweep", "SweepRow", "Portfolio", "TableRow",
    "ProfileError", "ValueRange", "recommend_many", "sweep", "what_if",
    "CostVolumeDisplay", "SensitivityDisplay", "ReliabilityDisplay",
    "BaselineMeasurement", "PromptedBaseline", "measure_prompted_baseline",
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


def test_contract_names_are_importable() -> None:
    from strategy_advisor import (  # noqa: F401
        FineTuningOffer,
        ModelSpec,
        Recommendation,
        Strategy,
        TaskProfile,
        recommend,
    )

    assert Strategy.FINE_TUNING.value == "fine_tuning"
    assert Strategy.IN_CONTEXT_LEARNING.value == "in_context_learning"


def test_import_and_recommend_do_not_import_sklearn_or_use_the_network() -> None:
    code = (
        "import socket, sys\n"
        "def _no(*a, **k):\n"
        "    raise RuntimeError('network used')\n"
        "socket.socket.connect = _no\n"
        "socket.create_connection = _no\n"
        "import datetime, strategy_advisor as sa\n"
        "rec = sa.recommend({'task_type': 'classification', 'n_labeled_examples': 500,\n"
        "    'n_classes': 3, 'avg_input_tokens': 100, 'avg_output_tokens': 2,\n"
        "    'requests_per_month': 10000}, today=datetime.date(2026, 11, 27))\n"
        "str(rec); rec._repr_html_(); rec.to_json()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'matplotlib')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
