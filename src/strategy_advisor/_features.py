"""Features stage: what the profile and the two resolved models imply, in named numbers."""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, Field

from ._assumptions import Assumptions
from ._catalog import ModelSpec
from ._profile import TaskProfile
from ._types import RESULT, TaskType, construct

__all__ = ["TaskFeatures", "derive_features"]


class TaskFeatures(BaseModel):
    """The profile and the two models reduced to the quantities later stages use.

    Token quantities are ``None`` when the profile does not give token lengths; every stage
    that needs them then reports "not applicable" or "unpriced" rather than guessing.
    """

    model_config = RESULT

    task_type: TaskType = Field(description="The profile's task type.")
    n_labeled_examples: int = Field(description="Labeled examples available.")
    n_classes: int | None = Field(
        description="Label-space size (None: not a classification-like task)."
    )
    requests_per_month: float = Field(description="Expected requests per month.")
    horizon_months: float = Field(description="Months the costs are summed over.")
    horizon_days: float = Field(
        description="The horizon in days (months x the days_per_month assumption)."
    )
    latency_budget_ms: float | None = Field(description="p95 latency budget per request, ms.")
    task_change_interval_days: float | None = Field(
        description="Days between task changes (None: stable)."
    )
    fine_tuning_budget_usd: float | None = Field(
        description="Cap on one-off fine-tuning spend, USD."
    )

    query_tokens: float | None = Field(description="Variable input per request (the query).")
    output_tokens: float | None = Field(description="Output tokens per request.")
    instruction_tokens: float = Field(description="Fixed instructions in every ICL prompt.")
    demo_tokens: float | None = Field(description="Tokens per demonstration (input + output).")
    icl_shots: int = Field(description="Demonstrations per ICL prompt (given or chosen).")
    icl_shots_chosen: bool = Field(description="True when the advisor chose icl_shots.")
    icl_shots_wanted: int = Field(
        description="Demonstrations wanted before fitting the context window."
    )
    icl_shots_planned: int = Field(
        description="Demonstrations of the prompt as planned, before any cap by the number of "
        "labeled examples or the context window (what the quality model is told)."
    )
    icl_prefix_tokens: float | None = Field(description="Static prefix: instructions + demos.")
    icl_prompt_tokens: float | None = Field(description="Whole ICL prompt: prefix + query.")
    icl_context_needed: float | None = Field(description="ICL prompt + output.")
    one_per_class_context_needed: float | None = Field(
        description="Context needed for one demonstration per class, plus query and output."
    )
    ft_context_needed: float | None = Field(description="Tuned-model prompt (query) + output.")
    icl_context_window: int | None = Field(
        description="Context window of the prompted model, tokens."
    )
    ft_context_window: int | None = Field(
        description="Context window of the model to fine-tune, tokens."
    )

    icl_model_name: str = Field(description="Name of the prompted model.")
    ft_model_name: str = Field(description="Name of the model to fine-tune.")
    icl_min_cacheable_tokens: int | None = Field(
        description="Shortest prefix the prompted model's provider caches."
    )
    icl_prefix_cached: bool | None = Field(
        description="Prompting: the static prefix is billed at the cached-input price (the "
        "model has one and the prefix reaches its minimum cacheable length)."
    )
    icl_cached_tokens: float | None = Field(
        description="Prompting: input tokens per request billed at the cached-input price."
    )
    ft_tunable: bool = Field(description="The model to fine-tune has a fine-tuning offer.")
    ft_min_examples: int = Field(
        description="Minimum training examples (the offer's, else OpenAI's 10)."
    )
    ft_min_examples_from_offer: bool = Field(
        description="ft_min_examples comes from the model's own offer."
    )
    ft_hosting_usd_per_hour: float | None = Field(
        description="Hosting fee of the tuned model, USD per hour."
    )
    epochs: int = Field(description="Training epochs (OpenAI cookbook heuristic).")
    icl_shutdown_in_days: float | None = Field(
        description="Days from the evaluation date to the prompted model's shutdown."
    )
    ft_shutdown_in_days: float | None = Field(
        description="Days from the evaluation date to the tuned model's shutdown."
    )
    ft_shutdown_share_of_horizon: float | None = Field(
        description="Days to the tuned model's shutdown as a share of the horizon (0.25: it "
        "serves a quarter of the horizon)."
    )
    same_model: bool = Field(description="Both strategies use the same base model.")
    tokens_exact: bool | None = Field(
        description="Token lengths were counted exactly (None: given by hand)."
    )
    token_relative_error: float | None = Field(
        description="Stated relative error of measured token lengths."
    )


def _shutdown_in_days(spec: ModelSpec, today: dt.date) -> float | None:
    if spec.shutdown_date is None:
        return None
    return float((spec.shutdown_date - today).days)


def _min_cacheable(spec: ModelSpec, assumptions: Assumptions) -> int | None:
    """The provider's minimum cacheable prefix; assumed when a cached price has none."""
    if spec.cached_input_usd_per_mtok is None:
        return spec.min_cacheable_tokens
    if spec.min_cacheable_tokens is not None:
        return spec.min_cacheable_tokens
    return int(assumptions.get("default_min_cacheable_tokens"))


def _cached_prefix(spec: ModelSpec, prefix: float | None, minimum: int | None) -> float | None:
    """Tokens of the static prefix billed at the cached price: all of it, or none when the
    model has no cached price or the prefix is shorter than its minimum cacheable length."""
    if prefix is None:
        return None
    eligible = (
        spec.cached_input_usd_per_mtok is not None and prefix > 0 and prefix >= (minimum or 0)
    )
    return prefix if eligible else 0.0


def _default_shots(profile: TaskProfile, assumptions: Assumptions) -> int:
    """The advisor's demonstrations before capping at the labeled examples or the context."""
    shots = int(assumptions.get("default_icl_shots"))
    if profile.n_classes is not None:
        shots = max(shots, profile.n_classes)
    return min(shots, int(assumptions.get("max_icl_shots")))


def _choose_shots(
    profile: TaskProfile,
    assumptions: Assumptions,
    fixed_tokens: float | None,
    demo_tokens: float | None,
    context_window: int | None,
) -> tuple[int, int, bool]:
    """(shots used, shots wanted before fitting the context window, chosen by the advisor).

    A given ``icl_shots`` (or the pilot's, when the pilot measured a prompt) is used as is.
    """
    given = profile.icl_shots
    if given is None and profile.pilot is not None:
        given = profile.pilot.icl_shots
    if given is not None:
        return given, given, False
    wanted = min(_default_shots(profile, assumptions), profile.n_labeled_examples)
    k = wanted
    if fixed_tokens is not None and demo_tokens is not None and context_window is not None:
        room = math.floor((context_window - fixed_tokens) / demo_tokens)
        k = max(0, min(k, room))
    return k, wanted, True


def derive_features(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    today: dt.date,
) -> TaskFeatures:
    """Reduce a profile and its two resolved models to :class:`TaskFeatures`."""
    days_per_month = assumptions.get("days_per_month")
    query = profile.avg_input_tokens
    output = profile.avg_output_tokens
    instructions = profile.resolved_instruction_tokens()
    demo = (query + output) if query is not None and output is not None else None
    fixed = (instructions + query + output) if query is not None and output is not None else None
    shots, wanted, chosen = _choose_shots(profile, assumptions, fixed, demo, icl.context_window)

    prefix = instructions + shots * demo if demo is not None else None
    prompt = prefix + query if prefix is not None and query is not None else None
    needed = prompt + output if prompt is not None and output is not None else None
    per_class = (
        fixed + profile.n_classes * demo
        if fixed is not None and demo is not None and profile.n_classes is not None
        else None
    )
    min_cacheable = _min_cacheable(icl, assumptions)
    cached = _cached_prefix(icl, prefix, min_cacheable)
    offer = ft.fine_tuning
    min_from_offer = offer is not None and offer.min_examples is not None
    min_examples = (
        offer.min_examples
        if offer is not None and offer.min_examples is not None
        else int(assumptions.get("default_min_examples"))
    )
    measurement = profile.token_measurement
    ft_shutdown = _shutdown_in_days(ft, today)
    horizon_days = profile.horizon_months * days_per_month
    return construct(
        TaskFeatures,
        task_type=profile.task_type,
        n_labeled_examples=profile.n_labeled_examples,
        n_classes=profile.n_classes,
        requests_per_month=profile.requests_per_month,
        horizon_months=profile.horizon_months,
        horizon_days=horizon_days,
        latency_budget_ms=profile.latency_budget_ms,
        task_change_interval_days=profile.task_change_interval_days,
        fine_tuning_budget_usd=profile.fine_tuning_budget_usd,
        query_tokens=query,
        output_tokens=output,
        instruction_tokens=instructions,
        demo_tokens=demo,
        icl_shots=shots,
        icl_shots_chosen=chosen,
        icl_shots_wanted=wanted,
        icl_shots_planned=_default_shots(profile, assumptions) if chosen else shots,
        icl_prefix_tokens=prefix,
        icl_prompt_tokens=prompt,
        icl_context_needed=needed,
        one_per_class_context_needed=per_class,
        ft_context_needed=(query + output) if query is not None and output is not None else None,
        icl_context_window=icl.context_window,
        ft_context_window=ft.context_window,
        icl_model_name=icl.name,
        ft_model_name=ft.name,
        icl_min_cacheable_tokens=min_cacheable,
        icl_prefix_cached=None if cached is None else cached > 0,
        icl_cached_tokens=cached,
        ft_tunable=offer is not None,
        ft_min_examples=min_examples,
        ft_min_examples_from_offer=min_from_offer,
        ft_hosting_usd_per_hour=offer.hosting_usd_per_hour if offer is not None else None,
        epochs=assumptions.epochs_for(profile.n_labeled_examples),
        icl_shutdown_in_days=_shutdown_in_days(icl, today),
        ft_shutdown_in_days=ft_shutdown,
        ft_shutdown_share_of_horizon=(
            ft_shutdown / horizon_days if ft_shutdown is not None else None
        ),
        same_model=icl.name.lower() == ft.name.lower(),
        tokens_exact=measurement.exact if measurement is not None else None,
        token_relative_error=measurement.relative_error if measurement is not None else None,
    )
