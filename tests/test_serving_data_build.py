"""scripts/build_serving_data.py: the shipped latency and serving-route files trace to the
shared reference (latency.json, gpu.json), and the check is no rubber stamp."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared/reference"
needs_reference = pytest.mark.skipif(
    not (REFERENCE / "latency.json").exists() or not (REFERENCE / "gpu.json").exists(),
    reason=f"reference data not available at {REFERENCE}",
)


def _script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_serving_data", REPO / "scripts/build_serving_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built() -> tuple[Any, dict[str, Any], list[Any], dict[str, Any]]:
    if not (REFERENCE / "latency.json").exists():
        pytest.skip(f"reference data not available at {REFERENCE}")
    script = _script()
    latency = json.loads((REFERENCE / "latency.json").read_text(encoding="utf-8"))
    gpu = json.loads((REFERENCE / "gpu.json").read_text(encoding="utf-8"))
    return script, script.build(latency, gpu), latency, gpu


@needs_reference
def test_shipped_files_are_current_with_the_reference() -> None:
    """The build script's --check: every number traces to a record and the files are fresh."""
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/build_serving_data.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *head, last = path.split(" > ")
    node: Any = doc
    for key in head:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.mark.parametrize(
    ("file", "path", "value", "problem"),
    [
        # an evidence value the record does not state
        (
            "hosted_latency.json",
            "models > gpt-4o > ttft_ms > evidence > 0 > value",
            650.0,
            "value=650.0 not in latency.json record",
        ),
        # a figure that is not its rule applied to its evidence
        (
            "hosted_latency.json",
            "models > gpt-4o > ttft_ms > point",
            700.0,
            "is not its rule (spread)",
        ),
        # a copied figure that differs from the one it names
        (
            "hosted_latency.json",
            "models > gpt-5.4-mini > ttft_ms > high",
            2500.0,
            "is not its rule (copy)",
        ),
        # arithmetic with a number no record states
        (
            "hosted_latency.json",
            "network > aggregator_hop_ms > evidence > 1 > arithmetic",
            "low = 775 - 281 = 494; value = median(775 - 280, 775 - 231) = 519.5; "
            "high = 775 - 231 = 544",
            "uses 281",
        ),
        # an offer price the record does not state
        (
            "gpu_offers.json",
            "offers > 0 > usd_per_gpu_hour",
            0.5,
            "usd_per_gpu_hour = 0.5: not stated by a cited record",
        ),
        # a load-curve point off its record
        (
            "replica_latency.json",
            "load_curves > OCI Llama 3.3 70B > points > 0 > ttft_ms",
            55,
            "ttft_ms = 55: not stated",
        ),
        # a GPU's memory not in its labels
        ("gpu_memory.json", "gpus > L4 24GB > memory_gb", 32, "memory_gb 32 is not in"),
        # a figure without its date
        ("gpu_memory.json", "as_of", None, "as_of and source are required"),
    ],
)
def test_check_catches_planted_problems(
    built: tuple[Any, dict[str, Any], list[Any], dict[str, Any]],
    file: str,
    path: str,
    value: Any,
    problem: str,
) -> None:
    script, docs, latency, gpu = built
    assert script.check(docs, latency, gpu) == []
    planted = copy.deepcopy(docs)
    _set(planted[file], path, value)
    problems = script.check(planted, latency, gpu)
    assert any(problem in p for p in problems), problems


def test_an_unmapped_record_fails_the_build_naming_it(
    built: tuple[Any, dict[str, Any], list[Any], dict[str, Any]],
) -> None:
    script, _, latency, gpu = built
    changed = copy.deepcopy(latency)
    changed[0]["catalog_model"] = "gpt-9-mini"
    with pytest.raises(KeyError, match="record 0: catalog_model 'gpt-9-mini' not in"):
        script.build(changed, gpu)


def test_arithmetic_is_re_evaluated() -> None:
    script = _script()
    value, literals = script.evaluate("round(max(1655 - 544, 176) / 2, 1)")
    assert value == 555.5 and literals == [1655.0, 544.0, 176.0, 2.0]
    assert script.parse_arith("low = 1 + 1 = 2; high = 3 * 2 = 6") == {
        "low": ("1 + 1", 2.0),
        "high": ("3 * 2", 6.0),
    }
    with pytest.raises(ValueError, match="unsupported arithmetic"):
        script.evaluate("__import__('os')")


def test_doc_tables_are_generated_from_the_shipped_files() -> None:
    """docs/latency.md and docs/costs.md show the shipped figures (no reference needed)."""
    script = _script()
    tables = script.doc_tables()
    for page, names in script.DOC_PAGES.items():
        text = (REPO / page).read_text(encoding="utf-8")
        assert all(f"<!-- generated:{name} -->" in text for name in names), page
        assert script.update_doc(text, {n: tables[n] for n in names}) == text, (
            f"{page} is stale: run python scripts/build_serving_data.py --docs"
        )
