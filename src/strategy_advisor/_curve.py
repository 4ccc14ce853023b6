"""The cost against volume: both strategies' totals at volumes around today's and the
break-even, each re-planned as a recommendation at that volume would be, with intervals.

Priced by the kernel like everything else: the point totals are those the break-even's
search priced at the volumes of its walk (``data/breakeven.json``: ``probes_per_decade``)
and at the crossing it found (so the curves meet at the break-even; at a jump also the last
priced volume before it, so that the jump is drawn as a step), and today's, every volume
re-planned as a recommendation there would be; the band at each volume is the interval
over the first ``curve_draws`` of the simulation's draws (``data/uncertainty.json``), a
chart's band: the cost table's interval at today's volume uses every draw.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, Field

from ._costs import price
from ._scenarios import Case, Scenarios
from ._types import RESULT, Strategy, construct, quiet_floats

__all__ = ["CostVolumeCurve", "StrategyCurve", "cost_curve"]


class StrategyCurve(BaseModel):
    """One strategy's total over the horizon at each volume of a curve, with its range."""

    model_config = RESULT

    strategy: Strategy
    model: str = Field(description="The model this strategy uses.")
    feasible: bool = Field(description="Whether the rules allow this strategy.")
    total_usd: tuple[float, ...] = Field(description="Total at each volume (point estimate).")
    total_usd_low: tuple[float, ...] = Field(description="Low end of the interval at each volume.")
    total_usd_high: tuple[float, ...] = Field(
        description="High end of the interval at each volume."
    )


class CostVolumeCurve(BaseModel):
    """Both strategies' totals against requests per month (the numbers of the chart)."""

    model_config = RESULT

    volumes: tuple[float, ...] = Field(description="Requests per month, ascending.")
    fine_tuning: StrategyCurve
    in_context_learning: StrategyCurve
    current_volume: float = Field(description="The profile's requests per month.")
    break_even_requests_per_month: float | None = Field(
        description="The recommendation's break-even, where both totals are equal."
    )
    horizon_months: float


def _span(current: float, break_even: float | None) -> tuple[float, float]:
    """From a decade below the lower of today's volume and the break-even to a decade above
    the higher (whole decades)."""
    anchors = [max(x, 1.0) for x in (current, break_even) if x is not None and x > 0] or [1000.0]
    lo = 10.0 ** math.floor(math.log10(min(anchors) / 10.0))
    hi = 10.0 ** math.ceil(math.log10(max(anchors) * 10.0))
    return lo, hi


@quiet_floats
def cost_curve(
    case: Case,
    priced: dict[float, tuple[float, float, float]],
    draws: Scenarios,
    feasible: dict[Strategy, bool],
    break_even: float | None,
    *,
    level: float,
) -> CostVolumeCurve | None:
    """Both totals at the volumes ``priced`` (the break-even's walk and its crossing) between
    a decade below and a decade above today's volume and the break-even (each re-planned
    there), today's and the break-even included; their intervals from ``draws``. None when
    unpriced."""
    current = case.profile.requests_per_month
    lo, hi = _span(current, break_even)
    wanted = {current} | ({break_even} if break_even is not None else set())
    volumes = tuple(sorted(v for v in priced if lo <= v <= hi or v in wanted))
    if current not in priced or len(volumes) < 2:
        return None
    table = [priced[v] for v in volumes]
    if any(math.isnan(x) for row in table for x in row[:2]):
        return None
    grid = np.array(volumes)
    m = draws.rows
    rows = draws.tile(len(grid)).with_values(volume=np.repeat(grid, m))
    bills = price(case, rows, np.repeat(np.array([r[2] for r in table]), m), timed=False)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2

    def curve(s: Strategy, k: int) -> StrategyCurve:
        drawn = bills.total[s].reshape(len(grid), m)
        low, high = np.quantile(drawn, [lo_q, hi_q], axis=1)
        point_totals = np.array([r[k] for r in table])
        return construct(
            StrategyCurve,
            strategy=s,
            model=case.side(s).spec.name,
            feasible=feasible[s],
            total_usd=tuple(float(x) for x in point_totals),
            total_usd_low=tuple(float(x) for x in np.minimum(low, point_totals)),
            total_usd_high=tuple(float(x) for x in np.maximum(high, point_totals)),
        )

    return construct(
        CostVolumeCurve,
        volumes=volumes,
        fine_tuning=curve(Strategy.FINE_TUNING, 0),
        in_context_learning=curve(Strategy.IN_CONTEXT_LEARNING, 1),
        current_volume=current,
        break_even_requests_per_month=break_even,
        horizon_months=case.profile.horizon_months,
    )
