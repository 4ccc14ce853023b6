"""Time sweeps, portfolios and the explanation against a reference in the same process.

Prints figures; asserts nothing (these machines are noisy: compare the ratio, not seconds).
The reference is one ``TaskProfile`` validation of each profile (the same profiles, so the
ratio is per profile). Targets (issue 15, which replaces issue 10's lazy explanation and
its 10x): ``recommend_many`` at most 400 validations per profile, everything computed; a
1,000-point sweep at most 50x one ``recommend()``; reading the explanation after
``recommend()`` costs nothing (it is computed eagerly). ``bench_answer.py`` measures these
with CPU time and alternated rounds; this script is the older wall-clock view.

    python benchmarks/bench_explore.py [--profiles 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any

from strategy_advisor import Advisor, TaskProfile

TODAY = dt.date(2026, 11, 27)
TASKS = ("classification", "extraction", "generation", "structured_output", "knowledge_qa")
NAMED_PAIRS = (
    ("gpt-4.1-mini", "gpt-4o-mini"),
    ("claude-sonnet-4-6", "fireworks/llama-v3p1-8b-instruct"),
    ("gpt-4.1-nano", "together/llama-3.3-70b-instruct-turbo"),
)


def _explicit(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    icl = {
        "name": "prompted-model",
        "kind": "frontier_api",
        "context_window": 128_000,
        "input_usd_per_mtok": round(rng.uniform(0.1, 3.0), 3),
        "cached_input_usd_per_mtok": 0.05,
        "output_usd_per_mtok": round(rng.uniform(0.4, 15.0), 3),
        "min_cacheable_tokens": 1024,
    }
    ft = {
        "name": "tuned-model",
        "kind": "open_weights",
        "params_b": rng.choice((1.0, 8.0, 70.0)),
        "context_window": 32_000,
        "fine_tuning": {
            "training_usd_per_mtok": round(rng.uniform(0.5, 25.0), 2),
            "input_usd_per_mtok": round(rng.uniform(0.1, 3.0), 3),
            "output_usd_per_mtok": round(rng.uniform(0.1, 12.0), 3),
            "hosting_usd_per_hour": rng.choice((0.0, 0.0, 3.0, 8.0)),
            "min_examples": 10,
        },
    }
    return icl, ft


def random_profiles(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` valid profiles: random tasks, sizes, volumes and models (names or specs)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        task = rng.choice(TASKS)
        p: dict[str, Any] = {
            "task_type": task,
            "n_labeled_examples": int(10 ** rng.uniform(0, 5)),
            "avg_input_tokens": round(10 ** rng.uniform(1.3, 3.7), 1),
            "avg_output_tokens": round(10 ** rng.uniform(0, 2.7), 1),
            "instruction_tokens": rng.choice((0, 150, 600, 2500)),
            "requests_per_month": round(10 ** rng.uniform(2, 8)),
            "horizon_months": rng.choice((3, 6, 12, 24)),
        }
        if task == "classification":
            p["n_classes"] = rng.choice((2, 4, 12, 60))
            p["n_labeled_examples"] = max(p["n_labeled_examples"], p["n_classes"])
        if rng.random() < 0.5:
            p["latency_budget_ms"] = rng.choice((500, 2000, 10_000))
        if rng.random() < 0.3:
            p["task_change_interval_days"] = rng.choice((7, 30, 180))
        if rng.random() < 0.5:
            p["icl_model"], p["ft_model"] = rng.choice(NAMED_PAIRS)
        else:
            p["icl_model"], p["ft_model"] = _explicit(rng)
        out.append(p)
    return out


def _validations(profiles: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for p in profiles:
        TaskProfile.model_validate(p)
    return (time.perf_counter() - start) / len(profiles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    advisor = Advisor()
    profiles = random_profiles(args.profiles)
    advisor.recommend(profiles[0], today=TODAY)  # data files loaded, schemas built

    # portfolio: per-profile time over validation of the same profiles, alternating
    ratios = []
    per = ref = 0.0
    for _ in range(3):
        ref = _validations(profiles)
        start = time.perf_counter()
        many = advisor.recommend_many(profiles, today=TODAY)
        per = (time.perf_counter() - start) / len(profiles)
        ratios.append(per / ref)
    print(
        f"recommend_many on {len(profiles):,} random profiles: {1e6 * per:.0f} us a profile, "
        f"validation {1e6 * ref:.1f} us, ratio median {statistics.median(ratios):.0f}x "
        "(target <= 400x)"
    )
    sample = random.Random(1).sample(range(len(profiles)), 20)
    same = all(many[i] == advisor.recommend(profiles[i], today=TODAY) for i in sample)
    print(f"  a sample of 20 equals recommend() on the same profile: {same}")

    # sweep: 1,000 values of the volume
    base = TaskProfile.model_validate(profiles[0])
    values = [10 ** (2 + 6 * i / 999) for i in range(1000)]
    start = time.perf_counter()
    result = advisor.sweep(base, "requests_per_month", values, today=TODAY)
    took = time.perf_counter() - start
    ref_sweep = _validations([profiles[0]] * 1000) * 1000
    print(
        f"sweep of 1,000 volumes: {took:.3f} s, {took / ref_sweep:.0f}x 1,000 validations "
        "(target: at most 50x one recommend(), bench_answer.py); "
        f"{len(result.flips())} change(s) of strategy"
    )

    # the explanation: flip points and sensitivity, computed eagerly (reading them is free)
    times, plain = [], []
    for p in profiles[:20]:
        start = time.perf_counter()
        rec = advisor.recommend(p, today=TODAY)
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        _ = rec.flip_points
        times.append(time.perf_counter() - start)
    explain, itself = statistics.median(times), statistics.median(plain)
    print(
        f"reading the explanation (flip points) after recommend(): median "
        f"{1e3 * explain:.0f} ms, {explain / itself:.0f}x the recommendation itself "
        f"({1e6 * itself:.0f} us)"
    )


if __name__ == "__main__":
    main()
