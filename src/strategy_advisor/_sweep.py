"""A sweep of the volume as a few tables: every volume's point estimate in one, the
simulations of about ten volumes in each of the others, the break-even searched once.

Each row is what :func:`~strategy_advisor.recommend` decides at that volume, to the bit:
the point estimates are the same rows evaluated together (the prompt planned in each, as
``recommend`` plans it), and each volume's simulation is the same draws (no estimate is
drawn from the volume) with that volume's prompt and quality gain. The break-even does not
depend on today's volume (its walk reprices every volume from zero), so one search serves
every row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._decision import Decision, DecisionPolicy, decide
from ._flips import Explored
from ._pipeline import Evaluated, FixedRows, Parts, evaluate, with_break_even
from ._quality import QualityEstimate
from ._scenarios import Case, Scenarios
from ._simulation import Interval, SimulationTable, at_volume, summarise
from ._types import FloatArray, Strategy, quiet_floats

__all__ = ["SweptVolume", "sweep_volumes"]

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING

#: Scenarios per evaluation of the simulations (about 10 volumes of 2,000 draws), not a number
#: of the answer: tables of 10,000-25,000 rows were the fastest on a 2-core machine (the
#: arrays stay in cache; smaller ones pay the per-call cost more often).
_ROWS_PER_TABLE = 20_000

#: The quality estimate at a prompt of so many demonstrations, and its quantile function.
QualityAt = Callable[[float], tuple[QualityEstimate, Callable[[FloatArray], FloatArray]]]


@dataclass
class SweptVolume:
    """What a sweep's row shows at one volume."""

    decision: Decision
    quality: QualityEstimate
    totals: dict[Strategy, float | None]
    intervals: dict[Strategy, Interval]
    break_even: float | None


@quiet_floats
def sweep_volumes(
    case: Case,
    parts: Parts,
    volumes: Sequence[float],
    searched: Explored,
    first: SimulationTable,
    quality_at: QualityAt,
    policy: DecisionPolicy,
) -> list[SweptVolume]:
    """Every volume's decision, totals and intervals. ``searched`` is the break-even
    search of one of them and ``first`` the simulation table of the first volume."""
    m = len(volumes)
    values = np.asarray(volumes, dtype=np.float64)
    point = Scenarios.point(case)
    rows = point.probes(["volume"], np.zeros(m, dtype=np.intp), values)
    at = evaluate(case, rows, parts)
    be = searched.break_even
    if be is not None:  # rules that test the break-even see it
        at = with_break_even(at, be, parts)
    planned = at.plan.shots
    tables = []
    for i in range(m):
        quality, gain_of_z = quality_at(float(planned[i]))
        table = at_volume(first, float(values[i]), float(planned[i]), float(at.gain[i]), gain_of_z)
        tables.append((table, quality))
    fired = parts.rulebook.effects
    out: list[SweptVolume] = []
    size = first.rows.scenarios.rows
    per_table = max(1, _ROWS_PER_TABLE // size)
    for start in range(0, m, per_table):
        chunk = tables[start : start + per_table]
        evaluated = _evaluate_together(case, parts, [t.rows for t, _ in chunk])
        for j, ((table, quality), ev) in enumerate(zip(chunk, evaluated, strict=True)):
            i = start + j
            sim = summarise(table, ev, at.scores.take(slice(i, i + 1)), quality, parts,
                            sensitivity=False)  # fmt: skip
            effects = tuple(e for e, f in zip(fired, at.rules.fired[:, i].tolist(), strict=True)
                            if f)  # fmt: skip
            decision = decide(at.scores, effects, sim.share_fine_tuning_better, policy=policy,
                              row=i)  # fmt: skip
            totals = {k: _value(at.bills.total[k][i]) for k in (FT, ICL)}
            out.append(SweptVolume(decision, quality, totals, sim.intervals, be))
    return out


def _evaluate_together(case: Case, parts: Parts, tables: list[FixedRows]) -> list[Evaluated]:
    """Several simulations' rows evaluated as one table, and each one's part of it."""
    scenarios = Scenarios.concat(t.scenarios for t in tables)
    shots = np.concatenate([t.shots for t in tables])
    gain = np.concatenate([t.gain for t in tables])
    ev = evaluate(case, scenarios, parts, shots=shots, gain=gain, notes=False)
    out, at = [], 0
    for t in tables:
        n = t.scenarios.rows
        out.append(Evaluated.of(ev, slice(at, at + n)))
        at += n
    return out


def _value(x: float) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v
