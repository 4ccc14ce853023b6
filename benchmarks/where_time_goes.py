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
same work per row), and the Python-level calls in one pass of one row.

Last, the floor of an answer: its draws (the 2,000 of ``data/uncertainty.json``, the issue's
example figure) evaluated alone, as the simulation evaluates them, then with the point (one
row with every rule and its note: the trace) as a pass of its own, in validations of the
same profile. No answer costs less than its draws without fewer draws or cheaper rows. And
a sweep's rows as this design evaluates them (every volume's draws through the whole
pipeline) less each pass's fixed cost, in ``recommend()``: what the sweep's rows cost now,
not a floor (work that does not depend on the volume is redone at every volume).

    python benchmarks/where_time_goes.py [--n 200] [--reps 20]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from bench_answer import NAMED, SWEEP_VOLUMES, TODAY, _cpu_per_call
from bench_recommend import EXPLICIT
from random_profiles import random_profiles

import strategy_advisor._advisor as advisor_module
import strategy_advisor._curve as curve_module
import strategy_advisor._flips as flips_module
import strategy_advisor._pipeline as pipeline
import strategy_advisor._simulation as simulation_module
import strategy_advisor._sweep as sweep_module
from strategy_advisor import TaskProfile, recommend, sweep
from strategy_advisor._advisor import default_advisor
from strategy_advisor._scenarios import Scenarios
from strategy_advisor._uncertainty import uncertainty_settings

TARGET = 400  # issue 15: the whole answer, at most 400 validations of the same profile
SWEEP_TARGET = 50  # issue 15: a sweep of 1,000 volumes, at most 50 recommend()
PARTS = ("the point", "simulation + first probes", "refinement rounds", "cost curve", "the rest")


class Timer:
    """CPU time of the pipeline's passes and the curve's pricing, by kind; and the first
    point's pass and the simulation tables seen since ``points`` and ``tables`` were last
    emptied."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)
        self.tables: list[Any] = []  # the simulation tables built since last emptied
        self.points: list[tuple[Any, Scenarios, Any, dict[str, Any]]] = []  # the first point
        self.untimed: Callable[..., Any] = pipeline.evaluate  # the pass itself

    def seen(self, case: Any, s: Scenarios, parts: Any, kw: dict[str, Any]) -> None:
        if not self.points and s.rows == 1 and kw.get("notes", True):
            self.points.append((case, s, parts, kw))

    def add(self, kind: str, seconds: float, rows: int) -> None:
        self.seconds[kind] += seconds
        self.calls[kind] += 1
        self.rows[kind] += rows


def install(timer: Timer) -> None:
    """Time every pass (``evaluate``) and the cost curve's ``price``, where they are called."""
    evaluate, price = pipeline.evaluate, vars(curve_module)["price"]
    timer.untimed = evaluate
    draws = uncertainty_settings().draws

    def timed_evaluate(case: Any, s: Scenarios, parts: Any, **kw: Any) -> Any:
        timer.seen(case, s, parts, kw)
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
    table = simulation_module.simulation_table

    def kept_table(*args: Any, **kw: Any) -> Any:
        out = table(*args, **kw)
        timer.tables.append(out)
        return out

    advisor_module.simulation_table = kept_table  # type: ignore[attr-defined]


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


def _cpu(fn: Callable[[], object], n: int) -> float:
    """CPU per call of ``fn`` over ``n`` calls, after one call to warm it."""
    fn()
    return _cpu_per_call(fn, n)


def fixed_cost(label: str, profile: dict[str, Any]) -> None:
    """A pass of one row against a pass of 2,000 copies of it, and the calls in one pass."""
    adv = default_advisor()
    p = TaskProfile.model_validate(profile)
    case = adv._case(p, TODAY)
    parts = adv._parts(p, case, adv.policy)
    one = Scenarios.point(case)
    many = one.repeat(uncertainty_settings().draws)

    t1 = _cpu(lambda: pipeline.evaluate(case, one, parts), 200)
    tn = _cpu(lambda: pipeline.evaluate(case, many, parts), 20)
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


def floor(label: str, profiles: list[dict[str, Any]], reps: int, timer: Timer) -> None:
    """Each profile's draws evaluated alone (the rows the confidence is the share of, as
    the simulation evaluates them) and with the point (one row, every rule and its note:
    the trace), against one validation of it: the means in ms and in validations, and how
    many profiles are above the target."""
    evaluate = timer.untimed
    draws_ratio, both_ratio, draws_ms, point_ms, check_ms = [], [], [], [], []
    for p in profiles:
        for kept in (timer.tables, timer.points):
            kept.clear()
        str(recommend(p, today=TODAY))
        case, point, parts, kw = timer.points[0]
        drawn = timer.tables[0].drawn
        shots = np.full(drawn.scenarios.rows, timer.tables[0].rows.shots[0])
        draws = partial(
            evaluate, case, drawn.scenarios, parts, shots=shots, gain=drawn.gain, notes=False
        )
        t_draws = _cpu(draws, reps)
        t_point = _cpu(partial(evaluate, case, point, parts, **kw), 5 * reps)
        check = _cpu(partial(TaskProfile.model_validate, p), 50 * reps)
        draws_ratio.append(t_draws / check)
        both_ratio.append((t_draws + t_point) / check)
        draws_ms.append(1e3 * t_draws)
        point_ms.append(1e3 * t_point)
        check_ms.append(1e3 * check)
    n = len(profiles)

    def mean(x: list[float]) -> float:
        return sum(x) / n

    def above(x: list[float]) -> str:
        count = sum(r > TARGET for r in x)
        return f"; above {TARGET} in {count} of {n} profiles" if n > 1 else ""

    # as recommend_many's ratio: the time of every profile's over every validation's
    pooled = sum(draws_ms) / sum(check_ms)
    pooled_both = (sum(draws_ms) + sum(point_ms)) / sum(check_ms)
    print(
        f"{label}: the draws alone {mean(draws_ms):.2f} ms = {pooled:,.0f} validations"
        f"{above(draws_ratio)}; with the point ({mean(point_ms):.2f} ms) {pooled_both:,.0f}"
        f"{above(both_ratio)}"
    )


def sweep_rows(label: str, profile: dict[str, Any], timer: Timer) -> None:
    """A sweep of 1,000 volumes: its passes' time less each pass's fixed cost (a pass of
    one row without notes, as the sweep's tables are evaluated): what its rows cost as this
    design evaluates them (every volume's draws through the whole pipeline), in
    ``recommend()`` of the same profile."""
    values = SWEEP_VOLUMES
    sweep(profile, "requests_per_month", values[:50], today=TODAY)
    answer = _cpu(partial(recommend, profile, today=TODAY), 20)
    p = TaskProfile.model_validate(profile)
    adv = default_advisor()
    case = adv._case(p, TODAY)
    one = Scenarios.point(case)
    parts = adv._parts(p, case, adv.policy)
    fixed = _cpu(partial(timer.untimed, case, one, parts, notes=False), 200)
    for d in (timer.seconds, timer.calls, timer.rows):
        d.clear()
    start = time.process_time()
    sweep(profile, "requests_per_month", values, today=TODAY)
    whole = time.process_time() - start
    kinds = [k for k in timer.calls if k != "cost curve"]
    passes = sum(timer.calls[k] for k in kinds)
    rows = sum(timer.rows[k] for k in kinds)
    in_passes = sum(timer.seconds[k] for k in kinds)
    print(
        f"{label}: sweep {whole:.2f} s = {whole / answer:.0f} recommend(); {passes} passes of "
        f"{rows:,} rows {in_passes:.2f} s, less {passes} fixed costs "
        f"{in_passes - passes * fixed:.2f} s = {(in_passes - passes * fixed) / answer:.0f} "
        f"recommend() ({1e6 * (in_passes - passes * fixed) / rows:.2f} us a row; target "
        f"{SWEEP_TARGET})"
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
    print(f"== the floor: the answer's draws alone, in validations (target {TARGET}) ==")
    floor("catalog names (product_routing)", [NAMED], args.reps, timer)
    floor("explicit specs", [EXPLICIT], args.reps, timer)
    floor(f"{args.n} random profiles (seed 0)", random_profiles(args.n, 0), 3, timer)
    print(f"== a sweep of 1,000 volumes: its rows, in recommend() (target {SWEEP_TARGET}) ==")
    sweep_rows("catalog names (product_routing)", NAMED, timer)
    sweep_rows("explicit specs", EXPLICIT, timer)


if __name__ == "__main__":
    main()
