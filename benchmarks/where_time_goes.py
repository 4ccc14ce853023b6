"""Where the whole answer's CPU time goes: the pipeline's passes, the cost curve, the rest.

Prints figures; asserts nothing. For a profile with catalog names, one with explicit specs
and N random profiles, ``str(recommend(profile))`` is timed with every pass of the pipeline
(``_pipeline.evaluate``) and the cost curve's pricing (``_curve.price``) timed inside it:

- **the point**: the point estimate, one row, every rule (its notes too);
- **the simulation with the first probes**: the draws, the tornado's ends and every walk's
  first probes, one table (about 2,000 rows and more);
- **refinement rounds**: the flip points' and the break-even's narrowing probes;
- **the cost curve**: the first draws priced at each volume of the chart;
- **the rest**: validating, drawing, reading the search, the sensitivity table, reasons,
  the result's assembly and its text.

Then the fixed cost of a pass: one row against 2,000 copies of it (the same row, so the
same work per row), and the Python-level calls in one pass of one row. The issue's target
for the whole answer (at most 400 validations) sits below a pass's fixed cost times the
passes an answer needs plus the simulation's rows: that is what this script shows.

    python benchmarks/where_time_goes.py [--n 200] [--reps 20]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_recommend import EXPLICIT
from random_profiles import random_profiles

import strategy_advisor._advisor as advisor_module
import strategy_advisor._curve as curve_module
import strategy_advisor._flips as flips_module
import strategy_advisor._pipeline as pipeline
import strategy_advisor._simulation as simulation_module
import strategy_advisor._sweep as sweep_module
from strategy_advisor import TaskProfile, recommend
from strategy_advisor._advisor import default_advisor
from strategy_advisor._scenarios import Scenarios
from strategy_advisor._uncertainty import uncertainty_settings

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parent.parent
NAMED: dict[str, Any] = json.loads((ROOT / "examples" / "product_routing.json").read_text())
PARTS = ("the point", "simulation + first probes", "refinement rounds", "cost curve", "the rest")


class Timer:
    """CPU time of the pipeline's passes and the curve's pricing, by kind."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def add(self, kind: str, seconds: float, rows: int) -> None:
        self.seconds[kind] += seconds
        self.calls[kind] += 1
        self.rows[kind] += rows


def install(timer: Timer) -> None:
    """Time every pass (``evaluate``) and the cost curve's ``price``, where they are called."""
    evaluate, price = pipeline.evaluate, vars(curve_module)["price"]
    draws = uncertainty_settings().draws

    def timed_evaluate(case: Any, s: Scenarios, parts: Any, **kw: Any) -> Any:
        start = time.process_time()
        try:
            return evaluate(case, s, parts, **kw)
        finally:
            kind = (
                "the point" if s.rows == 1 and kw.get("notes", True)
                else "simulation + first probes" if s.rows >= draws
                else "refinement rounds"
            )  # fmt: skip
            timer.add(kind, time.process_time() - start, s.rows)

    def timed_price(case: Any, s: Scenarios, *args: Any, **kw: Any) -> Any:
        start = time.process_time()
        try:
            return price(case, s, *args, **kw)
        finally:
            timer.add("cost curve", time.process_time() - start, s.rows)

    for module in (pipeline, advisor_module, flips_module, simulation_module, sweep_module):
        if hasattr(module, "evaluate"):
            module.evaluate = timed_evaluate  # type: ignore[attr-defined]
    curve_module.price = timed_price  # type: ignore[attr-defined]


def split(label: str, profiles: list[dict[str, Any]], reps: int, timer: Timer) -> None:
    """Each part's CPU per answer, over ``reps`` answers of each profile."""
    for p in profiles[:5]:
        str(recommend(p, today=TODAY))
    timer.seconds.clear()
    timer.calls.clear()
    timer.rows.clear()
    start = time.process_time()
    for _ in range(reps):
        for p in profiles:
            str(recommend(p, today=TODAY))
    answers = reps * len(profiles)
    total = (time.process_time() - start) / answers
    timer.seconds["the rest"] = total * answers - sum(timer.seconds.values())
    cells = []
    for part in PARTS:
        ms = 1e3 * timer.seconds[part] / answers
        calls = timer.calls[part] / answers
        rows = timer.rows[part] / max(timer.calls[part], 1)
        count = f"; {calls:.1f} per answer, {rows:,.0f} rows each" if part != "the rest" else ""
        cells.append(f"  {part}: {ms:.2f} ms ({100 * ms / (1e3 * total):.0f}%{count})")
    print(f"{label}: {1e3 * total:.2f} ms CPU an answer")
    print("\n".join(cells))


def fixed_cost(label: str, profile: dict[str, Any]) -> None:
    """A pass of one row against a pass of 2,000 copies of it, and the calls in one pass."""
    adv = default_advisor()
    p = TaskProfile.model_validate(profile)
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    one = Scenarios.point(case)
    many = one.repeat(uncertainty_settings().draws)

    def cpu(fn: Callable[[], object], n: int) -> float:
        fn()
        start = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - start) / n

    t1 = cpu(lambda: pipeline.evaluate(case, one, parts), 200)
    tn = cpu(lambda: pipeline.evaluate(case, many, parts), 20)
    prof = cProfile.Profile()
    prof.enable()
    pipeline.evaluate(case, one, parts)
    prof.disable()
    calls = sum(v[1] for v in pstats.Stats(prof).stats.values())  # type: ignore[attr-defined]
    print(
        f"{label}: a pass of 1 row {1e3 * t1:.2f} ms ({calls:,} Python-level calls); "
        f"of {many.rows:,} rows {1e3 * tn:.2f} ms, {1e6 * (tn - t1) / (many.rows - 1):.2f} us "
        f"a further row"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="random profiles")
    parser.add_argument("--reps", type=int, default=20, help="answers of each named profile")
    args = parser.parse_args()
    timer = Timer()
    install(timer)
    print("== the whole answer, str(recommend(profile)), by part ==")
    split("catalog names (product_routing)", [NAMED], args.reps, timer)
    split("explicit specs", [EXPLICIT], args.reps, timer)
    split(f"{args.n} random profiles (seed 0)", random_profiles(args.n, 0), 1, timer)
    print("== the fixed cost of a pass ==")
    fixed_cost("catalog names (product_routing)", NAMED)
    fixed_cost("explicit specs", EXPLICIT)


if __name__ == "__main__":
    main()
