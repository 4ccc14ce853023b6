"""Time ``recommend()`` against a reference in the same process, and its memory.

Prints figures; asserts nothing (these machines are noisy: compare the ratio, not seconds).
The references are validations of the same profile as a ``TaskProfile``: once with catalog
model names, once with both models given as explicit specs with their prices (the shape
of the held-out decision scenarios). The ratio says how many validations one whole
recommendation costs; reference and subject alternate, and the median of the ratios is
printed. Target (issue 15, which replaces the 40x of lazy explanations): ``recommend()``
computes the whole answer eagerly (flip points, sensitivity, the simulation), and the answer
as printed is at most 400x one validation; ``bench_answer.py`` times it with ``str()``.

    python benchmarks/bench_recommend.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from strategy_advisor import Advisor, QualityFeatures, TaskProfile

NAMED: dict[str, Any] = {
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
EXPLICIT: dict[str, Any] = {
    **NAMED,
    "icl_model": {
        "name": "prompted-model",
        "kind": "frontier_api",
        "context_window": 128_000,
        "input_usd_per_mtok": 0.4,
        "cached_input_usd_per_mtok": 0.1,
        "output_usd_per_mtok": 1.6,
        "min_cacheable_tokens": 1024,
    },
    "ft_model": {
        "name": "tuned-model",
        "kind": "open_weights",
        "params_b": 8.0,
        "context_window": 32_000,
        "input_usd_per_mtok": 0.2,
        "output_usd_per_mtok": 0.2,
        "fine_tuning": {
            "training_usd_per_mtok": 0.5,
            "input_usd_per_mtok": 0.2,
            "output_usd_per_mtok": 0.2,
            "hosting_usd_per_hour": 8.0,
            "min_examples": 10,
        },
    },
}
TODAY = dt.date(2026, 11, 27)


def _per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def _ratio(advisor: Advisor, profile: dict[str, Any]) -> tuple[float, float, float]:
    def reference() -> object:
        return TaskProfile.model_validate(profile)

    def job() -> object:
        return advisor.recommend(profile, today=TODAY)

    ratios, per_rec, per_ref = [], [], []
    for _ in range(9):
        ref = _per_call(reference, 3000)
        rec = _per_call(job, 300)
        ratios.append(rec / ref)
        per_rec.append(rec)
        per_ref.append(ref)
    return statistics.median(ratios), statistics.median(per_rec), statistics.median(per_ref)


def _quality_line(advisor: Advisor) -> None:
    """One quality estimate: a task seen for the first time, and the same task again."""
    model = advisor.quality_model
    task = QualityFeatures(
        task_type="classification", n_labeled_examples=2000, n_classes=6, icl_shots=8,
        ft_params_b=8.0, ft_kind="open_weights", icl_kind="frontier_api",
    )  # fmt: skip
    new = iter([task.model_copy(update={"n_labeled_examples": 100 + i}) for i in range(20_000)])
    first = min(_per_call(lambda: model.predict(next(new)), 4000) for _ in range(5))
    again = min(_per_call(lambda: model.predict(task), 4000) for _ in range(5))
    print(
        f"quality predict(): {1e6 * first:.1f} us for a new task, {1e6 * again:.2f} us for "
        "one seen before (target <= 15 us)"
    )


def main() -> None:
    t0 = time.perf_counter()
    advisor = Advisor()
    advisor.recommend(NAMED, today=TODAY)
    cold = time.perf_counter() - t0
    print(f"first recommendation (loads data files, builds schemas): {1000 * cold:.1f} ms")
    for label, profile in (("catalog names", NAMED), ("explicit specs", EXPLICIT)):
        ratio, rec, ref = _ratio(advisor, profile)
        print(
            f"{label}: recommend() {1e6 * rec:.0f} us, TaskProfile validation {1e6 * ref:.1f} "
            f"us, ratio median {ratio:.0f}x (target <= 400x)"
        )
    _quality_line(advisor)
    tracemalloc.start()
    advisor.recommend(NAMED, today=TODAY)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of one recommendation: {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
