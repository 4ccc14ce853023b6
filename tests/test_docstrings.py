"""Docstring examples run (numpydoc Examples sections are doctests), as a reader would copy
them: each imports what it uses (nothing is injected but its module's own names).

A public name shows its public path (``__module__`` is ``strategy_advisor`` once it is
loaded), so doctest's own finder would no longer count it as its module's; the finder here
looks its module up in the table of public names instead, so that every example runs
whatever the tests before it loaded.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from typing import Any

import pytest

import strategy_advisor
from strategy_advisor import _SOURCES

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(strategy_advisor.__path__, "strategy_advisor.")
    if m.name != "strategy_advisor.cli"
)


def _home(obj: Any) -> str | None:
    """The module an object was defined in: a loaded public name's from the table."""
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__name__", None)
    if module == "strategy_advisor" and name in _SOURCES:
        return "strategy_advisor" + _SOURCES[name]
    return module


class _Finder(doctest.DocTestFinder):
    def _from_module(self, module: Any, obj: Any) -> bool:
        home = _home(obj)
        if home is not None and home != getattr(obj, "__module__", None):
            return home == module.__name__
        return bool(super()._from_module(module, obj))  # type: ignore[misc]


def test_published_names_are_found_in_their_modules() -> None:
    # loaded, recommend() shows its public path; its examples are still _facade's
    strategy_advisor.recommend  # noqa: B018 - loads it
    assert strategy_advisor.recommend.__module__ == "strategy_advisor"
    facade = importlib.import_module("strategy_advisor._facade")
    names = {t.name for t in _Finder(exclude_empty=True).find(facade) if t.examples}
    assert "strategy_advisor._facade.recommend" in names


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    tests = [
        t for t in _Finder(exclude_empty=True).find(module)
        if t.examples
    ]  # fmt: skip
    if not tests:
        pytest.skip(f"{name} has no docstring examples")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
