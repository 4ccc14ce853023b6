"""Time ``recommend()`` against a reference in the same process, and its memory.

Prints figures; asserts nothing (these machines are noisy: compare the ratio, not seconds).
The reference is validating the same profile dict as a ``TaskProfile``: the ratio says how
many profile validations one whole recommendation costs.

    python benchmarks/bench_recommend.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import tracemalloc
from collections.abc import Callable

from strategy_advisor import Advisor, TaskProfile

PROFILE = {
    "task_type": "classification",
    "n_labeled_examples": 2000,
    "n_classes": 6,
    "avg_input_tokens": 180,
    "avg_output_tokens": 3,
    "instruction_tokens": 120,
    "requests_per_month": 400_000,
    "latency_budget_ms": 2000,
    "task_change_interval_days": 90,
    "icl_model": "gpt-4.1-mini",
    "ft_model": "gpt-4o-mini",
}
TODAY = dt.date(2026, 11, 27)


def _per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    t0 = time.perf_counter()
    advisor = Advisor()
    advisor.recommend(PROFILE, today=TODAY)
    cold = time.perf_counter() - t0

    def reference() -> object:
        return TaskProfile.model_validate(PROFILE)

    def job() -> object:
        return advisor.recommend(PROFILE, today=TODAY)

    ratios, per_rec = [], []
    for _ in range(7):
        ref = _per_call(reference, 2000)
        rec = _per_call(job, 200)
        ratios.append(rec / ref)
        per_rec.append(rec)
    tracemalloc.start()
    job()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"first recommendation (loads data files): {1000 * cold:.1f} ms")
    print(f"recommend(): median {1e3 * statistics.median(per_rec):.3f} ms per call")
    print(
        f"ratio to TaskProfile validation: median {statistics.median(ratios):.0f}x "
        f"(min {min(ratios):.0f}x, max {max(ratios):.0f}x)"
    )
    print(f"peak memory of one recommendation: {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
