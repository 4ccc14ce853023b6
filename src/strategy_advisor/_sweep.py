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
from ._estimates import GainOfZ
from ._flips import Explored
from ._pipeline import Parts, ScoredRows, evaluate, evaluate_tables, with_break_even
from ._quality import QualityEstimate
from ._scenarios import Case, Scenarios
from ._simulation import (
    Interval,
    SimulationTable,
    at_volume,
    drawn_gains,
    spreads,
    summarise,
)
from ._types import FloatArray, Strategy, quiet_floats
from ._uncertainty import uncertainty_settings

__all__ = ["SweptVolume", "sweep_volumes"]

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING

#: Scenarios per evaluation of the simulations (about 10 volumes of 2,000 draws), not a number
#: of the answer: tables of 10,000-25,000 rows were the fastest on a 2-core machine (the
#: arrays stay in cache; smaller ones pay the per-call cost more often).
_ROWS_PER_TABLE = 20_000

#: The quality estimate with a prompt of so many demonstrations, and its quantile function.
QualityAt = Callable[[float], tuple[QualityEstimate, GainOfZ]]


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
    search of one of them and ``first`` the simulation table of one of them."""
    m = len(volumes)
    values = np.asarray(volumes, dtype=np.float64)
    point = Scenarios.point(case)
    rows = point.probes(["volume"], np.zeros(m, dtype=np.intp), values)
    at = evaluate(case, rows, parts)
    be = searched.break_even
    if be is not None:  # rules that test the break-even see it
        at = with_break_even(at, be, parts)
    planned = at.plan.shots
    effects = parts.rulebook.effects
    settings = uncertainty_settings()
    # the quality estimate and the draws' gains for each prompt planned (a few at most)
    # (NaN, no prompt planned, is one key: None)
    keys = [None if math.isnan(x) else x for x in planned.tolist()]
    gains: dict[float | None, tuple[QualityEstimate, tuple[FloatArray, FloatArray]]] = {}
    for key in dict.fromkeys(keys):
        quality, gain_of_z = quality_at(math.nan if key is None else key)
        gains[key] = quality, drawn_gains(first, gain_of_z)
    out: list[SweptVolume] = []
    per_table = max(1, _ROWS_PER_TABLE // first.rows.scenarios.rows)
    for start in range(0, m, per_table):
        chunk = range(start, min(m, start + per_table))
        sims = []
        for i in chunk:
            quality, drawn = gains[keys[i]]
            table = at_volume(first, float(values[i]), float(planned[i]), float(at.gain[i]),
                              drawn)  # fmt: skip
            sims.append((table, quality))
        ev, slices = evaluate_tables(case, parts, [t.rows for t, _ in sims])
        scored = [ScoredRows.of(ev, rows_of) for rows_of in slices]
        spread = spreads(scored, settings.draws, settings.interval_level)
        for i, (table, quality), drawn_rows, sp in zip(chunk, sims, scored, spread, strict=True):
            sim = summarise(table, drawn_rows, at.scores.take(slice(i, i + 1)), quality,
                            parts, explained=False, spread=sp)  # fmt: skip
            fired = tuple(e for e, f in zip(effects, at.rules.fired[:, i].tolist(), strict=True)
                          if f)  # fmt: skip
            decision = decide(at.scores, fired, sim.share_fine_tuning_better, policy=policy,
                              row=i)  # fmt: skip
            totals = {k: _value(at.bills.total[k][i]) for k in (FT, ICL)}
            out.append(SweptVolume(decision, quality, totals, sim.intervals, be))
    return out


def _value(x: float) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v
