"""The quickstart notebook runs against the current library and shows its current output."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"


def test_notebook_cells_run_and_outputs_are_current() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec("".join(cell["source"]), namespace)
        stored = "".join("".join(o.get("text", "")) for o in cell["outputs"])
        assert buf.getvalue() == stored, (
            "notebooks/quickstart.ipynb is stale: run python scripts/build_notebook.py"
        )
