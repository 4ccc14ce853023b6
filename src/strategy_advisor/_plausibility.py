"""Input stage, plausibility: values that look like unit slips warn (``data/plausibility.json``).

``latency_budget_ms=1.5`` is valid, but no LLM answers in 1.5 ms: the likely mistake is
seconds typed as milliseconds. Such values warn with :class:`ImplausibleValueWarning` (a
``UserWarning``) naming the likely mistake and the reason for the threshold; they are never
refused. Filter them like any warning::

    warnings.filterwarnings("ignore", category=strategy_advisor.ImplausibleValueWarning)
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ._datafiles import shipped
from ._errors import ImplausibleValueWarning
from ._types import STRICT_DATA

__all__ = ["PlausibilityCheck", "implausible", "plausibility_checks", "warn_if_implausible"]

#: Modules that build profiles from a validated one (what-if searches and sweeps): values
#: they try are not the user's, so they do not warn.
_DERIVED_IN = ("strategy_advisor._whatif",)
#: Frames of these packages are not where a warning should point.
_INTERNAL = ("strategy_advisor", "pydantic", "pydantic_core")


class PlausibilityCheck(BaseModel):
    """One threshold: a value of ``field`` below (above 0) or above it warns."""

    model_config = STRICT_DATA

    field: str
    below: float | None = Field(None, gt=0)
    above: float | None = Field(None, gt=0)
    mistake: str = Field(..., description="The likely slip, with {value} and {scaled}.")
    scale: float | None = Field(None, gt=0, description="value x scale = the likely meant one.")
    reason: str = Field(..., description="Why a value past the threshold is implausible.")

    @model_validator(mode="after")
    def _one_side(self) -> PlausibilityCheck:
        if (self.below is None) == (self.above is None):
            raise ValueError(f"check of {self.field!r}: give exactly one of below and above")
        return self

    def message(self, value: float) -> str | None:
        """The warning for ``value``, or None when it is plausible."""
        low = self.below is not None and 0 < value < self.below
        if not (low or (self.above is not None and value > self.above)):
            return None
        scaled = value * self.scale if self.scale is not None else value
        mistake = self.mistake.format(value=value, scaled=scaled)
        return f"{self.field}={value:g}: {mistake}. It is {self.reason}."


class _Checks(BaseModel):
    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    source: str
    checks: tuple[PlausibilityCheck, ...]


plausibility_checks = shipped(_Checks, "plausibility.json")


def implausible(values: Mapping[str, Any]) -> list[str]:
    """The warnings ``values`` (a profile's fields) deserve, in the data file's order."""
    out = []
    for check in plausibility_checks().checks:
        value = values.get(check.field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            message = check.message(float(value))
            if message is not None:
                out.append(message)
    return out


def warn_if_implausible(values: Mapping[str, Any]) -> None:
    """Warn once per implausible value, pointing at the caller's line; silent for profiles
    that a what-if search or sweep derives from a validated one."""
    messages = implausible(values)
    if not messages:
        return
    level, derived = _caller()
    if derived:
        return
    for message in messages:
        warnings.warn(message, ImplausibleValueWarning, stacklevel=level)


def _caller() -> tuple[int, bool]:
    """(the stacklevel of the first frame outside this library and pydantic, whether a
    derived-profile module is on the stack)."""
    frame: Any = sys._getframe(1)  # warn_if_implausible: warnings.warn's stacklevel 1
    found: int | None = None
    derived = False
    depth = 1
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith(_DERIVED_IN):
            derived = True
        if found is None and not module.startswith(_INTERNAL):
            found = depth
        frame = frame.f_back
        depth += 1
    return (found if found is not None else 2), derived
