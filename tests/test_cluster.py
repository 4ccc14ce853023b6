"""Portfolios past one machine (issue 18, item 7): recommend_many on a Dask cluster gives the
answers it gives in one process.

The cluster is a ``distributed.LocalCluster`` with two workers, in this process
(``processes=False``: each worker a thread pool, talking over Dask's in-process transport),
so the test needs no network, no ports and no second Python start-up; the scheduler, the
workers and joblib's Dask backend (task submission, pickling of the advisor and the
profiles, gathering in order) are the real ones a remote cluster uses. Worker processes on
other machines run the same code path with a TCP address instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import ParameterError, TaskProfile, recommend_many

from .helpers import TODAY

distributed = pytest.importorskip("distributed", reason="the cluster extra (in the test extra)")

ROOT = Path(__file__).resolve().parents[1]


def _portfolio() -> list[TaskProfile]:
    """The bundled portfolio's profiles with stated token lengths, and some variants."""
    lines = (ROOT / "examples" / "portfolio.jsonl").read_text(encoding="utf-8").splitlines()
    base = [json.loads(line) for line in lines if line.strip()]
    out = []
    for i, data in enumerate(base):
        data = {k: v for k, v in data.items() if k not in ("examples_file", "token_counting")}
        data.setdefault("n_labeled_examples", 200)
        data.setdefault("avg_input_tokens", 150)
        data.setdefault("avg_output_tokens", 20)
        for scale in (1, 10):
            out.append(TaskProfile(**{**data, "requests_per_month": (i + 1) * 10_000.0 * scale}))
    return out


def test_dask_without_a_client_says_how_to_connect() -> None:
    # runs before the module's cluster starts (its fixture is made on first use)
    with pytest.raises(ParameterError, match=r"no\w* .*distributed\.Client|there is none"):
        recommend_many(_portfolio()[:2], today=TODAY, backend="dask")


def test_an_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ParameterError, match=r"Invalid backend: nope.*'ray' after"):
        recommend_many(_portfolio()[:2], today=TODAY, backend="nope")


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


def _answers(portfolio: Any) -> list[tuple[str, float, float | None, float | None]]:
    return [(r.strategy.value, r.confidence, *(row.ft_total_usd, row.icl_total_usd))
            for r, row in zip(portfolio, portfolio.table(), strict=True)]  # fmt: skip


def test_a_portfolio_on_a_local_dask_cluster_matches_one_process(client: Any) -> None:
    profiles = _portfolio()
    sequential = recommend_many(profiles, today=TODAY)
    on_cluster = recommend_many(profiles, today=TODAY, backend="dask")
    assert len(client.scheduler_info()["workers"]) == 2
    assert _answers(on_cluster) == _answers(sequential)
    assert on_cluster.to_csv() == sequential.to_csv()  # every number of the table


def test_joblibs_documented_parallel_config_path_is_the_same(client: Any) -> None:
    import joblib

    profiles = _portfolio()[:6]
    with joblib.parallel_config(backend="dask"):
        via_config = recommend_many(profiles, today=TODAY, n_jobs=-1)
    assert _answers(via_config) == _answers(recommend_many(profiles, today=TODAY))
