"""Seeded random valid ``TaskProfile`` dicts over realistic ranges, for the benchmarks and
checks in this directory (``bench_answer.py``, ``check_break_even.py``).

Every field of a profile is drawn from a plausible range (log-uniform for sizes and
volumes); models are catalog names from the default catalog (the tuned model among those
with a fine-tuning offer), or, for a quarter of the profiles, explicit specs with prices.
The same seed gives the same profiles. Each profile is validated as a ``TaskProfile``
before it is returned.

    python benchmarks/random_profiles.py --n 1000 --seed 0 > /tmp/profiles.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from typing import Any

from strategy_advisor import TaskProfile, default_catalog

TASKS = (
    "classification",
    "extraction",
    "generation",
    "reasoning",
    "code",
    "structured_output",
    "knowledge_qa",
)


def catalog_models() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The default catalog's names: every model (prompted), and those that can be tuned."""
    catalog = default_catalog()
    names = tuple(catalog.names)
    tunable = tuple(n for n in names if catalog.get(n).fine_tuning is not None)
    return names, tunable


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    """A draw uniform on the log scale between ``low`` and ``high``."""
    return float(10 ** rng.uniform(math.log10(low), math.log10(high)))


def explicit_icl(rng: random.Random) -> dict[str, Any]:
    """A prompted model given by its prices (the held-out scenarios' shape)."""
    price_in = round(_log_uniform(rng, 0.05, 5.0), 4)
    return {
        "name": "prompted-model",
        "kind": "frontier_api",
        "context_window": rng.choice((32_000, 128_000, 200_000)),
        "input_usd_per_mtok": price_in,
        "cached_input_usd_per_mtok": round(price_in * rng.choice((0.1, 0.25, 0.5)), 5),
        "output_usd_per_mtok": round(price_in * rng.uniform(2.0, 8.0), 4),
        "min_cacheable_tokens": rng.choice((1024, 2048, 4096)),
    }


def explicit_ft(rng: random.Random) -> dict[str, Any]:
    """A tuned model given by its prices: an open model with a hosting fee, or an API."""
    if rng.random() < 0.5:
        return {
            "name": "tuned-model",
            "kind": "open_weights",
            "params_b": rng.choice((1.0, 3.0, 8.0, 14.0, 70.0)),
            "context_window": 32_000,
            "input_usd_per_mtok": 0.2,
            "output_usd_per_mtok": 0.2,
            "fine_tuning": {
                "training_usd_per_mtok": round(_log_uniform(rng, 0.3, 10.0), 3),
                "input_usd_per_mtok": round(_log_uniform(rng, 0.05, 1.0), 4),
                "output_usd_per_mtok": round(_log_uniform(rng, 0.05, 2.0), 4),
                "hosting_usd_per_hour": rng.choice((0.0, 1.5, 3.0, 8.0)),
                "min_examples": 10,
            },
        }
    price_in = round(_log_uniform(rng, 0.1, 4.0), 4)
    return {
        "name": "tuned-api-model",
        "kind": "frontier_api",
        "context_window": 128_000,
        "input_usd_per_mtok": price_in,
        "output_usd_per_mtok": round(price_in * 4, 4),
        "fine_tuning": {
            "training_usd_per_mtok": round(_log_uniform(rng, 1.0, 30.0), 3),
            "input_usd_per_mtok": round(price_in * 2, 4),
            "output_usd_per_mtok": round(price_in * 8, 4),
            "hosting_usd_per_hour": 0.0,
            "min_examples": 10,
        },
    }


def random_profile(
    rng: random.Random, icl_names: tuple[str, ...], ft_names: tuple[str, ...]
) -> dict[str, Any]:
    """One profile dict (not yet validated)."""
    task = rng.choice(TASKS)
    p: dict[str, Any] = {
        "task_type": task,
        "n_labeled_examples": 0 if rng.random() < 0.05 else int(_log_uniform(rng, 5, 100_000)),
        "avg_input_tokens": round(_log_uniform(rng, 20, 8_000), 1),
        "avg_output_tokens": round(_log_uniform(rng, 1, 800), 1),
        "requests_per_month": float(round(_log_uniform(rng, 100, 1e8))),
        "horizon_months": rng.choice((3.0, 6.0, 12.0, 12.0, 24.0, 36.0)),
    }
    if rng.random() < 0.8:
        p["instruction_tokens"] = float(rng.choice((0, 120, 400, 1200, 3200)))
    if task == "classification" or (task == "extraction" and rng.random() < 0.3):
        p["n_classes"] = rng.choice((2, 3, 6, 12, 50, 300))
        p["n_labeled_examples"] = max(p["n_labeled_examples"], p["n_classes"])
    if task == "knowledge_qa" and rng.random() < 0.7:
        p["retrieved_context_tokens"] = float(rng.choice((500, 1500, 4000)))
    if rng.random() < 0.15 and p["n_labeled_examples"] > 0:
        p["icl_shots"] = rng.randint(0, min(32, p["n_labeled_examples"]))
    if rng.random() < 0.6:
        p["latency_budget_ms"] = float(rng.choice((800, 1500, 3000, 10_000, 60_000, 86_400_000)))
        if rng.random() < 0.2:
            p["latency_budget_percentile"] = rng.choice((50.0, 90.0, 99.0))
    if rng.random() < 0.4:
        p["task_change_interval_days"] = float(rng.choice((7, 30, 90, 180, 365)))
    if rng.random() < 0.15:
        p["fine_tuning_budget_usd"] = float(rng.choice((50, 500, 5000)))
    if rng.random() < 0.1:
        p["epochs"] = rng.randint(1, 5)
    if rng.random() < 0.15:
        p["peak_to_average_ratio"] = rng.choice((1.0, 2.0, 5.0, 20.0))
    if rng.random() < 0.15:
        p["adapters_per_deployment"] = rng.choice((2, 10, 50))
    if rng.random() < 0.1:
        p["cache_hit_rate"] = round(rng.uniform(0, 1), 3)
    if rng.random() < 0.1:
        p["allow_batch"] = rng.choice((True, False))
    if rng.random() < 0.25:
        people: dict[str, float] = {}
        if rng.random() < 0.7:
            people["hourly_usd"] = float(rng.choice((40, 91, 150, 250)))
        if rng.random() < 0.5:
            people["fine_tuning_setup_hours"] = float(rng.choice((4, 40, 160)))
        if rng.random() < 0.4:
            people["prompt_engineering_hours"] = float(rng.choice((2, 8, 40)))
        if rng.random() < 0.3:
            people["fine_tuning_hours_per_retraining"] = float(rng.choice((1, 4, 16)))
        p["people"] = people
    if rng.random() < 0.75:
        p["icl_model"] = rng.choice(icl_names)
        p["ft_model"] = rng.choice(ft_names)
    else:
        p["icl_model"] = explicit_icl(rng)
        p["ft_model"] = explicit_ft(rng)
    if rng.random() < 0.08 and p["n_labeled_examples"] > 0:
        icl = round(rng.uniform(0.4, 0.9), 3)
        p["pilot"] = {
            "icl_score": icl,
            "ft_score": round(min(1.0, max(0.0, icl + rng.uniform(-0.1, 0.15))), 3),
            "n_eval_examples": rng.choice((50, 200, 1000)),
        }
    return p


def random_profiles(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` valid profile dicts, the same for the same seed (each validated here)."""
    rng = random.Random(seed)
    icl_names, ft_names = catalog_models()
    out: list[dict[str, Any]] = []
    while len(out) < n:
        p = random_profile(rng, icl_names, ft_names)
        TaskProfile.model_validate(p)  # the generator makes valid profiles only
        out.append(p)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for p in random_profiles(args.n, args.seed):
        sys.stdout.write(json.dumps(p) + "\n")


if __name__ == "__main__":
    main()
