"""Assumptions stage: the dated, sourced constants in ``data/assumptions.json``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._types import STRICT_DATA

__all__ = ["Assumptions", "Sourced", "default_assumptions"]


class Sourced(BaseModel):
    """One assumed number: its value, its plausible range, where it comes from."""

    model_config = STRICT_DATA
    value: float = Field(..., ge=0)
    low: float | None = Field(None, ge=0, description="Low end of the plausible range.")
    high: float | None = Field(None, ge=0, description="High end of the plausible range.")
    assumption: bool = Field(
        False, description="True for a stated assumption with no published measurement."
    )
    source: str = Field(..., min_length=1)


class _Values(BaseModel):
    model_config = STRICT_DATA
    days_per_month: Sourced
    default_min_examples: Sourced
    epochs_target: Sourced
    epochs_min_target_examples: Sourced
    epochs_max_target_examples: Sourced
    epochs_min: Sourced
    epochs_max: Sourced
    default_min_cacheable_tokens: Sourced
    default_icl_shots: Sourced
    max_icl_shots: Sourced
    peak_to_average_ratio: Sourced
    engineer_hourly_usd: Sourced
    prompt_engineering_hours: Sourced
    fine_tuning_setup_hours: Sourced
    fine_tuning_hours_per_retraining: Sourced
    prompt_revision_hours: Sourced
    prompt_migration_hours: Sourced
    self_hosting_ops_hours_per_month: Sourced
    endpoint_ops_hours_per_month: Sourced
    self_hosted_min_replicas: Sourced
    self_hosted_training_setup_hours: Sourced
    catalog_max_age_days: Sourced


class Assumptions(BaseModel):
    """Constants the cost and prompt models use, each with its source."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    values: _Values

    def get(self, name: str) -> float:
        """The value of one assumption."""
        return self.entry(name).value

    def entry(self, name: str) -> Sourced:
        """One assumption with its range and source."""
        entry: Sourced = getattr(self.values, name)
        return entry

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
