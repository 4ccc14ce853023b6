"""Docstring examples run (numpydoc Examples sections are doctests)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import strategy_advisor

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(strategy_advisor.__path__, "strategy_advisor.")
    if m.name != "strategy_advisor.cli"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    if not any(t.examples for t in finder.find(module)):
        pytest.skip(f"{name} has no docstring examples")
    result = doctest.testmod(
        module,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        extraglobs={"datetime": __import__("datetime")},
        verbose=False,
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
