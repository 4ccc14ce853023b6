"""Assumptions stage: the dated, sourced constants in ``data/assumptions.json``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._types import STRICT_DATA

__all__ = ["Assumptions", "default_assumptions"]


class _Sourced(BaseModel):
    model_config = STRICT_DATA
    value: float = Field(..., ge=0)
    source: str = Field(..., min_length=1)


class _Values(BaseModel):
    model_config = STRICT_DATA
    days_per_month: _Sourced
    default_min_examples: _Sourced
    epochs_target: _Sourced
    epochs_min_target_examples: _Sourced
    epochs_max_target_examples: _Sourced
    epochs_min: _Sourced
    epochs_max: _Sourced
    default_min_cacheable_tokens: _Sourced
    default_icl_shots: _Sourced
    max_icl_shots: _Sourced


class Assumptions(BaseModel):
    """Constants the cost and prompt models use, each with its source."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    values: _Values

    def get(self, name: str) -> float:
        """The value of one assumption."""
        entry: _Sourced = getattr(self.values, name)
        return entry.value

    def epochs_for(self, n_examples: int) -> int:
        """Training epochs by the OpenAI cookbook's default heuristic.

        3 epochs, raised so that ``n x epochs`` reaches 100 examples (at most 25), lowered so
        that it stays under 25,000 (at least 1).

        Examples
        --------
        >>> a = default_assumptions()
        >>> a.epochs_for(10), a.epochs_for(1000), a.epochs_for(20000)
        (10, 3, 1)
        """
        target = int(self.get("epochs_target"))
        lo_examples = int(self.get("epochs_min_target_examples"))
        hi_examples = int(self.get("epochs_max_target_examples"))
        if n_examples <= 0:
            return target
        if n_examples * target < lo_examples:
            return min(int(self.get("epochs_max")), lo_examples // n_examples)
        if n_examples * target > hi_examples:
            return max(int(self.get("epochs_min")), hi_examples // n_examples)
        return target


default_assumptions = shipped(Assumptions, "assumptions.json")
