"""Sourced figures: a measured number's low, point and high, and the evidence behind them.

The latency and serving-route data files (``data/hosted_latency.json``,
``data/replica_latency.json``, ``data/gpu_offers.json``, ``data/gpu_memory.json``) are built
by ``scripts/build_serving_data.py`` from the shared reference (``latency.json``,
``gpu.json``). Every estimated number in them is a :class:`Figure`: where sources conflict
both ends are kept as ``low`` and ``high``, and ``point`` is a stated central value (the
median of the credible sources), never one end picked. Each :class:`Evidence` item names the
reference record it was read from, the route the measurement took and its date; a DERIVED
number carries its arithmetic. ``found=False`` marks a figure the reference does not have:
its range is the widest the reference supports and ``basis`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from ._errors import ParameterError, closest_names
from ._types import STRICT_DATA, FloatArray

__all__ = [
    "Case",
    "Evidence",
    "Figure",
    "middle",
    "resolve_name",
    "slowness_value",
    "value_at",
]

#: Which value of a figure to read: its low end, its point, its high end.
Case = Literal["low", "point", "high"]


class Evidence(BaseModel):
    """One number behind a figure: read from a reference record, or another figure's value.

    ``low <= value <= high``; the three are equal unless the number was corrected by a range
    (an aggregator-routed time to first token less the aggregator hop, section 5 of
    LATENCY.md) or the source states bounds.
    """

    model_config = STRICT_DATA

    subject: str = Field(..., description="What was measured, in the source's words.")
    quantity: str = Field(..., description="Which field of the record (or figure) it is.")
    low: float
    value: float
    high: float
    record: int | None = Field(
        ..., description="Index of the record in the shared reference file (None: a figure)."
    )
    reference: str | None = Field(..., description="'latency.json' or 'gpu.json' (or None).")
    figure: str | None = Field(
        ..., description="Address ('a > b > c') of another figure of the same file it copies."
    )
    route: str | None = Field(
        ..., description="How the request reached the model: direct, aggregator, dedicated..."
    )
    measured_on: str = Field(..., description="Date of measurement as the source gives it.")
    source: str = Field(..., description="Key into the file's ``sources`` table.")
    credibility: str | None = Field(..., description="A/B/C as the reference grades it.")
    arithmetic: str | None = Field(
        ..., description="DERIVED: 'name = expression = result' parts joined by '; '."
    )
    used: bool = Field(..., description="False: listed for the record, not used (see note).")
    in_point: bool = Field(
        ..., description="False: a bound or a claim, which widens the range but is no point."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"evidence {self.subject!r} ({self.quantity}): expected low <= value <= high, "
                f"got {self.low:g}, {self.value:g}, {self.high:g}"
            )
        return self


class Figure(BaseModel):
    """A number with its plausible range, its central value and where both come from.

    Examples
    --------
    >>> f = Figure.exact(120.0, "tokens/s", "your measurement")
    >>> f.at("low"), f.at("point"), f.at("high"), f.found
    (120.0, 120.0, 120.0, True)
    >>> wide = Figure(low=0.0, point=None, high=71.2, unit="tokens", found=False,
    ...               basis="not found", rule="bounds", arithmetic="", as_of="undated")
    >>> wide.at("point")
    Traceback (most recent call last):
    ...
    ValueError: no central value is published for this figure (not found): draw from ...
    """

    model_config = STRICT_DATA

    low: float = Field(..., allow_inf_nan=False)
    point: float | None = Field(
        ..., description="Central value (median of the used evidence); None: none published."
    )
    high: float = Field(..., allow_inf_nan=False)
    unit: str
    found: bool = Field(
        ..., description="False: the reference has no figure; the range is its widest basis."
    )
    basis: str = Field(
        ..., description="'measured: <model>', 'provider class: <class>', 'not found: ...'."
    )
    rule: str = Field(..., description="How low, point and high follow from the evidence.")
    arithmetic: str = Field(..., description="The rule applied, with its numbers.")
    as_of: str = Field(..., description="Latest measurement date among the used evidence.")
    evidence: tuple[Evidence, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Figure:
        point = self.low if self.point is None else self.point
        if not self.low <= point <= self.high:
            raise ValueError(
                f"figure ({self.basis}): expected low <= point <= high, got {self.low:g}, "
                f"{self.point!r}, {self.high:g}"
            )
        return self

    @classmethod
    def exact(cls, value: float, unit: str, basis: str) -> Figure:
        """A figure known exactly (a user's own measurement): ``low = point = high``."""
        return cls(
            low=value,
            point=value,
            high=value,
            unit=unit,
            found=True,
            basis=basis,
            rule="given",
            arithmetic=f"{value:g}",
            as_of="given",
        )

    def at(self, case: Case) -> float:
        """The figure's low end, point or high end (``point`` raises when none is published)."""
        if case == "low":
            return self.low
        if case == "high":
            return self.high
        if self.point is None:
            raise ValueError(
                f"no central value is published for this figure ({self.basis}): draw from "
                f"its range {self.low:g}-{self.high:g} {self.unit}"
            )
        return self.point

    def __str__(self) -> str:
        point = "n/a" if self.point is None else f"{self.point:g}"
        return f"{point} {self.unit} ({self.low:g}-{self.high:g}; {self.basis})"


def middle(f: Figure) -> float:
    """A figure's point, or the middle of its range where none is published."""
    if f.point is not None:
        return f.point
    if f.low > 0:
        return math.sqrt(f.low * f.high)
    return 0.5 * (f.low + f.high)


def slowness_value(f: Figure, z: FloatArray, *, rate: bool = False) -> FloatArray:
    """A figure at slowness ``z`` (0: its point; +1: its slow end; −1: its fast end); a
    rate (a speed) is slow at its low end. On the log scale for positive figures, else
    linear; where no point is published, the middle of the range stands in for it.

    Examples
    --------
    >>> f = Figure(low=100.0, point=200.0, high=800.0, unit="ms", found=True, basis="b",
    ...            rule="spread", arithmetic="", as_of="2026")
    >>> slowness_value(f, np.array([-1.0, 0.0, 0.5, 1.0])).round(1).tolist()
    [100.0, 200.0, 400.0, 800.0]
    """
    return value_at(f.low, middle(f), f.high, z, rate=rate)


def value_at(
    low: float, point: float, high: float, z: FloatArray, *, rate: bool = False
) -> FloatArray:
    """:func:`slowness_value` of a range given by its numbers."""
    z = -np.asarray(z, dtype=np.float64) if rate else np.asarray(z, dtype=np.float64)
    if not z.any():  # the point, everywhere (the point estimate's row)
        return np.full(z.shape, point)
    if low > 0:
        lp = math.log(point)
        up, down = math.log(high) - lp, lp - math.log(low)
        moved = np.exp(lp + np.where(z >= 0, z * up, z * down))
    else:
        moved = point + np.where(z >= 0, z * (high - point), z * (point - low))
    # a row at 0 is the point exactly, whatever the other rows of its table
    return np.where(z == 0, point, moved)


def resolve_name(name: str, known: Iterable[str], what: str) -> str:
    """The known name ``name`` means: exact or case-insensitive, else the one known name it
    starts (``"L4"`` -> ``"L4 24GB"``); an unknown or ambiguous name raises, suggesting.

    Examples
    --------
    >>> resolve_name("l4", ["L4 24GB", "L40S 48GB"], "GPU")
    'L4 24GB'
    >>> try:
    ...     resolve_name("A100", ["A100 40GB", "A100 80GB"], "GPU")
    ... except ValueError as exc:
    ...     print(exc)
    GPU 'A100' is ambiguous: it starts 'A100 40GB', 'A100 80GB'; give the full name
    """
    names = list(known)
    lowered = name.strip().lower()
    for candidate in names:
        if candidate.lower() == lowered:
            return candidate
    starts = [c for c in names if c.lower().startswith(lowered + " ")]
    if len(starts) == 1:
        return starts[0]
    if starts:
        listed = ", ".join(repr(c) for c in starts)
        raise ParameterError(
            f"{what} {name!r} is ambiguous: it starts {listed}; give the full name"
        )
    hint = closest_names(name, names)
    suggestion = f" Did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    raise ParameterError(
        f"unknown {what} {name!r}: expected one of {', '.join(names)}.{suggestion}"
    )
