"""The break-even: the lowest monthly volume above which fine-tuning is cheaper.

Everything that depends on the volume is recomputed at every volume probed: the prompt
cache's warmth, the replicas, batch pricing, and the prompt plan (the demonstrations a team
would use at that volume), exactly as a recommendation at that volume prices them. The
volumes from zero to 1e13 requests a month are probed together, and the first one at which
fine-tuning is cheaper is narrowed to where the two totals meet (:mod:`._search`). A
crossing at a jump (fine-tuning becomes cheaper at a replica step, or where the prompt plan
changes) has no volume with equal totals: then there is no break-even, and the text says so.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._search import Walk
from ._types import STRICT_DATA, FloatArray

__all__ = [
    "BreakEvenSettings",
    "break_even_of",
    "break_even_settings",
    "break_even_walk",
    "relative_gap",
]


class BreakEvenSettings(BaseModel):
    """``data/breakeven.json``: where the break-even is searched and how exactly."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    max_volume: float = Field(..., gt=0)
    probes_per_decade: int = Field(..., ge=1, le=100)
    relative_precision: float = Field(..., gt=0, lt=0.01)
    equal_within: float = Field(..., gt=0, lt=0.1)


break_even_settings = shipped(BreakEvenSettings, "breakeven.json")


def relative_gap(ft: FloatArray, icl: FloatArray) -> FloatArray:
    """Fine-tuning's total minus prompting's, as a share of the larger: where it is at most
    ``equal_within`` in size the totals count as equal."""
    return (ft - icl) / np.maximum(np.maximum(np.abs(ft), np.abs(icl)), 1e-300)


def break_even_walk() -> Walk:
    """The walk of the volume from 0 up to ``max_volume``, expecting fine-tuning to be
    dearer at first (outcome 0); its first probe is zero volume itself. It does not start
    from today's volume, and every probe replaces the volume: the break-even is the same at
    any volume of a task (a sweep of the volume searches it once, ``Advisor.sweep``)."""
    settings = break_even_settings()
    decades = math.log10(settings.max_volume)
    steps = math.ceil(decades * settings.probes_per_decade)
    return Walk(
        start=0.0,
        outcome=0,
        signal=math.nan,
        points=[0.0, *np.logspace(0.0, decades, steps + 1).tolist()],
        integer=False,
        geometric=True,
        precision=settings.relative_precision,
        resolution=settings.relative_precision,  # of one request a month: below it is none
    )


def break_even_of(volume: float | None, ft_total: float, icl_total: float) -> float | None:
    """The break-even from the volume at which the walk's outcome first changed (None: it
    never did) and both totals there: that volume, when the totals are within
    ``equal_within`` of each other (:func:`relative_gap`; else a jump: None). A change at
    zero volume means fine-tuning is never dearer: no break-even either.

    Examples
    --------
    >>> break_even_of(1_000.0, 100.0, 100.4), break_even_of(1_000.0, 100.0, 101.0)
    (1000.0, None)
    """
    if volume is None or volume <= 0:
        return None
    gap = float(relative_gap(np.float64(ft_total), np.float64(icl_total)))
    if not math.isfinite(gap) or abs(gap) > break_even_settings().equal_within:
        return None
    return volume
