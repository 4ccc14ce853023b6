"""Ranges: the inputs that are estimates, moved to the ends of their plausible ranges.

A measured token length carries its error band, the epochs the spread of provider
defaults, people's time and the peak load their stated ranges, and every catalog number
whose sources disagree its low and high. The cost-low scenario puts each at the end that
makes serving and training cheap; the cost-high scenario at the dear end. Inputs the user
gave are not moved: a given number is a fact here. Two more estimates are not inputs of the
profile: the prompt cache's lifetime (its span is applied by the features stage,
``derive_features(cache_end=...)``) and the assumed serving figures: utilization, GPU
prices, self-hosted training time and set-up hours, and the self-hosted spare replica
(applied by the cost stage, ``end=``).

:func:`estimated_inputs` names every estimate one by one, so the sensitivity table can move
each alone (``at_end(..., only=key)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ._assumptions import Assumptions
from ._catalog import ModelSpec
from ._profile import PeopleTime, TaskProfile
from ._serving import cache_lifetime, serving_data
from ._types import replaced

__all__ = [
    "CACHE_LIFETIME",
    "SERVING_FIGURES",
    "SHARED",
    "EstimatedInput",
    "Side",
    "at_end",
    "estimated_inputs",
    "shared_estimates",
]

Side = Literal["low", "high"]

#: Keys of the two estimates that are not inputs of the profile (see the module docstring).
CACHE_LIFETIME = "cache_lifetime"
SERVING_FIGURES = "serving_figures"

#: The estimates a consistent scenario keeps at one end for both strategies: those both
#: bills depend on (token lengths, the engineering rate, prompt-engineering hours), and the
#: two estimates of the same team's work at each task change, which move together (a team
#: that retrains in an hour has the tooling to revise a prompt quickly too; pairing a 1-hour
#: retraining with a 4-hour prompt revision would assume two different teams). The others
#: enter one strategy's bill only (the tuned model's numbers, the prompted model's, the
#: cache lifetime, fine-tuning's set-up hours, prompting's migration hours), except those of
#: :func:`shared_estimates` that depend on how both are served.
SHARED = frozenset(
    {
        "token_lengths",
        "people.hourly_usd",
        "people.prompt_engineering_hours",
        "people.fine_tuning_hours_per_retraining",
        "people.prompt_revision_hours",
    }
)
#: Shared when both strategies may run on replicas (dedicated or self-hosted): the peak load
#: sizes both. When both may self-host: the operations hours and the serving figures.
_ON_REPLICAS = frozenset({"peak_to_average_ratio"})
_SELF_HOSTED = frozenset({"people.self_hosting_ops_hours_per_month", SERVING_FIGURES})


def shared_estimates(prompted_modes: Iterable[str], tuned_modes: Iterable[str]) -> frozenset[str]:
    """The estimates both strategies' bills depend on, given the serving modes each may use
    (its allowed modes, or the fixed one): :data:`SHARED`, plus the peak load when both may
    run on replicas, plus the self-hosting hours and serving figures when both may
    self-host."""
    prompted, tuned = set(prompted_modes), set(tuned_modes)
    out = set(SHARED)
    if prompted - {"serverless"} and tuned - {"serverless"}:
        out |= _ON_REPLICAS
    if "self_hosted" in prompted and "self_hosted" in tuned:
        out |= _SELF_HOSTED
    return frozenset(out)


_PEOPLE = {
    "hourly_usd": ("engineer_hourly_usd", "engineering $/hour", "usd_h"),
    "prompt_engineering_hours": ("prompt_engineering_hours", "prompt engineering hours", "h"),
    "fine_tuning_setup_hours": ("fine_tuning_setup_hours", "fine-tuning set-up hours", "h"),
    "fine_tuning_hours_per_retraining": (
        "fine_tuning_hours_per_retraining",
        "hours per retraining",
        "h",
    ),
    "prompt_revision_hours": ("prompt_revision_hours", "hours per prompt revision", "h"),
    "prompt_migration_hours": ("prompt_migration_hours", "prompt migration hours", "h"),
    "self_hosting_ops_hours_per_month": (
        "self_hosting_ops_hours_per_month",
        "self-hosting operations hours a month",
        "h",
    ),
}
_TOKENS = ("avg_input_tokens", "avg_output_tokens", "instruction_tokens")


@dataclass(frozen=True)
class EstimatedInput:
    """One estimated input and its two ends, in words (``low`` is the cheap end)."""

    key: str
    label: str
    low: str
    high: str
    low_value: float | None = None
    high_value: float | None = None


def _amount(value: float, unit: str) -> str:
    if unit == "usd_h":
        return f"${value:,.0f}/h"
    return f"{value:g} h"


def estimated_inputs(
    profile: TaskProfile, icl: ModelSpec, ft: ModelSpec, assumptions: Assumptions
) -> tuple[EstimatedInput, ...]:
    """Every estimate that :func:`at_end` (or the cache and serving ends) can move, with
    its cheap and dear ends; inputs the user gave are facts and not listed."""
    out: list[EstimatedInput] = []
    m = profile.token_measurement
    if m is not None and m.relative_error > 0 and _moved_tokens(profile):
        pct = f"{m.relative_error:.0%}"
        out.append(EstimatedInput("token_lengths", "token lengths", f"−{pct}", f"+{pct}"))
    if profile.epochs is None:
        out.append(EstimatedInput("epochs", "training epochs", "1", "the default heuristic"))
    if profile.peak_to_average_ratio is None:
        e = assumptions.entry("peak_to_average_ratio")
        if e.low is not None and e.high is not None:
            out.append(
                EstimatedInput(
                    "peak_to_average_ratio", "peak-to-average load", f"{e.low:g}x", f"{e.high:g}x"
                )
            )
    people = profile.people or PeopleTime()
    for field, (key, label, unit) in _PEOPLE.items():
        if getattr(people, field) is None:
            e = assumptions.entry(key)
            if e.low is not None and e.high is not None:
                lo, hi = _amount(e.low, unit), _amount(e.high, unit)
                out.append(EstimatedInput(f"people.{field}", label, lo, hi, e.low, e.high))
    for arm, spec in (("icl_model", icl), ("ft_model", ft)):
        for r in spec.ranges:
            out.append(
                EstimatedInput(
                    f"{arm}.{r.path}",
                    _catalog_label(arm, r.path, spec.name),
                    f"{r.low:g}",
                    f"{r.high:g}",
                    r.low,
                    r.high,
                )
            )
    life = cache_lifetime(icl.provider, icl.cache_lifetime_minutes)
    if life.idle_minutes_low != life.idle_minutes_high:
        out.append(
            EstimatedInput(
                CACHE_LIFETIME,
                "prompt cache lifetime",
                f"{life.idle_minutes_high:g} min",
                f"{life.idle_minutes_low:g} min",
            )
        )
    u = serving_data().serving_utilization
    out.append(
        EstimatedInput(
            SERVING_FIGURES,
            "serving figures (utilization, GPU prices, spares)",
            f"{u.high:.0%} busy, cheap GPUs",
            f"{u.low:.0%} busy, dear GPUs",
        )
    )
    return tuple(out)


_WORDS = {
    "input_usd_per_mtok": "input price ($/1M tokens)",
    "output_usd_per_mtok": "output price ($/1M tokens)",
    "cached_input_usd_per_mtok": "cached input price ($/1M tokens)",
    "cache_write_usd_per_mtok": "cache write price ($/1M tokens)",
    "batch_input_usd_per_mtok": "batch input price ($/1M tokens)",
    "batch_output_usd_per_mtok": "batch output price ($/1M tokens)",
    "training_usd_per_mtok": "training price ($/1M tokens)",
    "hosting_usd_per_hour": "hosting fee ($/h per replica)",
}


def _catalog_label(arm: str, path: str, name: str) -> str:
    """A disputed catalog number in words: whose, which, and the model's name."""
    head, _, tail = path.rpartition(".")
    what = _WORDS.get(tail, tail.replace("_", " "))
    if arm == "icl_model":
        whose = "the prompted model's"
    elif head == "fine_tuning":
        whose = "the tuned model's"
    else:
        whose = "the tuned model's base"
    return f"{whose} {what} ({name})"


def _moved_tokens(profile: TaskProfile) -> list[str]:
    m = profile.token_measurement
    overridden = m.overridden if m is not None else ()
    return [n for n in _TOKENS if getattr(profile, n) is not None and n not in overridden]


def at_end(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    assumptions: Assumptions,
    side: Side,
    *,
    only: str | None = None,
    shared: Side | None = None,
    shared_keys: frozenset[str] = SHARED,
) -> tuple[TaskProfile, ModelSpec, ModelSpec]:
    """The profile and both models with every estimated input at its cheap (``"low"``) or
    dear (``"high"``) end (see the module docstring); with ``only``, just that one input
    (a key of :func:`estimated_inputs`); with ``shared``, the inputs both strategies' bills
    depend on (``shared_keys``, :func:`shared_estimates`) at that end instead."""

    def moves(key: str) -> bool:
        return only is None or only == key

    def at_low(key: str) -> bool:
        return (shared if shared is not None and key in shared_keys else side) == "low"

    update: dict[str, Any] = {}
    m = profile.token_measurement
    if m is not None and m.relative_error > 0 and moves("token_lengths"):
        factor = 1.0 - m.relative_error if at_low("token_lengths") else 1.0 + m.relative_error
        for name in _moved_tokens(profile):
            value = getattr(profile, name)
            update[name] = max(value * factor, 1e-9 if name != "instruction_tokens" else 0.0)
    if profile.epochs is None and at_low("epochs") and moves("epochs"):
        update["epochs"] = 1  # Together's default; OpenAI's heuristic is the high end
    if profile.peak_to_average_ratio is None and moves("peak_to_average_ratio"):
        entry = assumptions.entry("peak_to_average_ratio")
        end = entry.low if at_low("peak_to_average_ratio") else entry.high
        if end is not None:
            update["peak_to_average_ratio"] = end
    people = profile.people or PeopleTime()
    people_update = {}
    for field, (key, _, _) in _PEOPLE.items():
        if getattr(people, field) is None and moves(f"people.{field}"):
            entry = assumptions.entry(key)
            end = entry.low if at_low(f"people.{field}") else entry.high
            if end is not None:
                people_update[field] = end
    if people_update:
        update["people"] = replaced(people, **people_update)
    moved = replaced(profile, **update) if update else profile
    return (
        moved,
        _model_at_end(icl, side, "icl_model", only),
        _model_at_end(ft, side, "ft_model", only),
    )


def _model_at_end(spec: ModelSpec, side: Side, arm: str, only: str | None) -> ModelSpec:
    """A model with its disputed numbers (``ranges``) at one end."""
    low = side == "low"
    top: dict[str, Any] = {}
    tuned: dict[str, Any] = {}
    for r in spec.ranges:
        if only is not None and only != f"{arm}.{r.path}":
            continue
        value = r.low if low else r.high
        head, _, tail = r.path.partition(".")
        if tail:
            tuned[tail] = value
        else:
            top[head] = value
    if tuned and spec.fine_tuning is not None:
        top["fine_tuning"] = replaced(spec.fine_tuning, **tuned)
    return replaced(spec, **top) if top else spec
