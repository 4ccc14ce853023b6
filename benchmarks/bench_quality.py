"""Time the quality model at run time: one task's estimate, its expected gain, its quantiles,
and the vectorised paths over many probes.

Prints figures; asserts nothing (these machines are noisy: the CPU time of this process is
printed next to the wall time, which other processes on a busy machine inflate). Each
estimate is computed afresh (the per-model cache is bypassed). Targets: one uncached
``predict`` well under 100 µs; the vectorised expected gain of 500 probes in a few
milliseconds.

    python benchmarks/bench_quality.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from strategy_advisor import PilotResult, QualityFeatures, load_default_quality_model


def _best_of(fn: Callable[[], object], number: int, repeat: int = 7) -> tuple[float, float]:
    """The medians over ``repeat`` runs of the mean wall and CPU time of ``number`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        wall.append((time.perf_counter() - start) / number)
        cpu.append((time.process_time() - start_cpu) / number)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    model = load_default_quality_model()
    task = QualityFeatures(
        task_type="classification", n_labeled_examples=800, n_classes=6, icl_shots=8,
        ft_params_b=8.0, ft_kind="open_weights", icl_kind="frontier_api", icl_strength=88.7,
    )  # fmt: skip
    measured = task.model_copy(update={"icl_baseline_points": 84.0, "icl_baseline_se_points": 2.6})
    pilot = PilotResult(ft_score=0.86, icl_score=0.84, n_eval_examples=300)
    z = np.linspace(-3, 3, 101)
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("predict (uncached)", lambda: model._predict(task, None), 2000),
        ("predict, measured baseline (uncached)", lambda: model._predict(measured, None), 2000),
        ("predict with a pilot (uncached)", lambda: model._predict(task, pilot), 2000),
        ("expected gain alone (uncached)", lambda: model._gain(task, None), 2000),
        ("gain_at, 101 z", lambda: model.gain_at(task, None, z), 2000),
        ("predict (cached)", lambda: model.predict(task), 20000),
    ]
    print(f"{'':42s} {'wall':>8s}    {'CPU':>8s}")
    for name, fn, number in cases:
        wall, cpu = _best_of(fn, number)
        print(f"{name:42s} {1e6 * wall:8.1f} µs {1e6 * cpu:8.1f} µs")
    probes = [
        task.model_copy(update={"n_labeled_examples": n, "icl_shots": k})
        for n in np.unique(np.geomspace(10, 100_000, 125).astype(int)).tolist()
        for k in (0, 4, 8, 32)
    ]
    for name, fn, number in (
        (f"expected_gain_many, {len(probes)} probes", lambda: model.expected_gain_many(probes), 20),
        ("  with a pilot", lambda: model.expected_gain_many(probes, pilot), 20),
        (f"predict_batch, {len(probes)} probes", lambda: model.predict_batch(probes), 5),
    ):
        wall, cpu = _best_of(fn, number)
        print(f"{name:42s} {1e3 * wall:8.2f} ms {1e3 * cpu:8.2f} ms")


if __name__ == "__main__":
    main()
