"""Ranges: the inputs that are estimates, moved to the ends of their plausible ranges.

A measured token length carries its error band, the epochs the spread of provider
defaults, people's time and the peak load their stated
ranges, and every catalog number whose sources disagree its low and high. The cost-low
scenario puts each at the end that makes serving and training cheap; the cost-high scenario
at the dear end. Inputs the user gave are not moved: a given number is a fact here. (The
cache lifetime's span is applied by the features stage, ``derive_features(cache_end=...)``;
the serving figures' by the cost stage, ``end=``.)
"""

from __future__ import annotations

from typing import Any, Literal

from ._assumptions import Assumptions
from ._catalog import ModelSpec
from ._profile import PeopleTime, TaskProfile

__all__ = ["Side", "at_end"]

Side = Literal["low", "high"]
_PEOPLE = {
    "hourly_usd": "engineer_hourly_usd",
    "prompt_engineering_hours": "prompt_engineering_hours",
    "fine_tuning_setup_hours": "fine_tuning_setup_hours",
    "fine_tuning_hours_per_retraining": "fine_tuning_hours_per_retraining",
}


def at_end(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    assumptions: Assumptions,
    side: Side,
) -> tuple[TaskProfile, ModelSpec, ModelSpec]:
    """The profile and both models with every estimated input at its cheap (``"low"``) or
    dear (``"high"``) end (see the module docstring)."""
    low = side == "low"
    update: dict[str, Any] = {}
    m = profile.token_measurement
    if m is not None and m.relative_error > 0:
        factor = 1.0 - m.relative_error if low else 1.0 + m.relative_error
        for name in ("avg_input_tokens", "avg_output_tokens", "instruction_tokens"):
            value = getattr(profile, name)
            if value is not None and name not in m.overridden:
                update[name] = max(value * factor, 1e-9 if name != "instruction_tokens" else 0.0)
    if profile.epochs is None and low:
        update["epochs"] = 1  # Together's default; OpenAI's heuristic is the high end
    if profile.peak_to_average_ratio is None:
        entry = assumptions.entry("peak_to_average_ratio")
        end = entry.low if low else entry.high
        if end is not None:
            update["peak_to_average_ratio"] = end
    people = profile.people or PeopleTime()
    people_update = {}
    for field, key in _PEOPLE.items():
        if getattr(people, field) is None:
            entry = assumptions.entry(key)
            end = entry.low if low else entry.high
            if end is not None:
                people_update[field] = end
    if people_update:
        update["people"] = people.model_copy(update=people_update)
    moved = profile.model_copy(update=update) if update else profile
    return moved, _model_at_end(icl, side), _model_at_end(ft, side)


def _model_at_end(spec: ModelSpec, side: Side) -> ModelSpec:
    """A model with its disputed numbers (``ranges``) at one end."""
    low = side == "low"
    top: dict[str, Any] = {}
    tuned: dict[str, Any] = {}
    for r in spec.ranges:
        value = r.low if low else r.high
        head, _, tail = r.path.partition(".")
        if tail:
            tuned[tail] = value
        else:
            top[head] = value
    if tuned and spec.fine_tuning is not None:
        top["fine_tuning"] = spec.fine_tuning.model_copy(update=tuned)
    return spec.model_copy(update=top) if top else spec
