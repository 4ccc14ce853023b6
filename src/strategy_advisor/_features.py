"""Features stage: what the profile and the two resolved models imply, in named numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ._profile import TokenMeasurement
from ._scenarios import Case, Scenarios
from ._types import RESULT, FloatArray, Strategy, TaskType, construct, quiet_floats

__all__ = [
    "ShotPlan",
    "TaskFeatures",
    "feature_columns",
    "features_at",
    "shots_that_fit",
    "token_accuracy",
]


class ShotPlan(BaseModel):
    """How many demonstrations the prompt carries, and why (set by the prompt planner)."""

    model_config = RESULT

    shots: int = Field(ge=0, description="Demonstrations per prompt.")
    reason: str = Field(description="Why this many.")


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
    requests_per_second: float = Field(description="Average request rate, per second.")
    peak_to_average_ratio: float = Field(description="Peak request rate over the average.")
    peak_requests_per_second: float = Field(description="Peak request rate, per second.")
    horizon_months: float = Field(description="Months the costs are summed over.")
    horizon_days: float = Field(
        description="The horizon in days (months x the days_per_month assumption)."
    )
    latency_budget_ms: float | None = Field(description="p95 latency budget per request, ms.")
    task_change_interval_days: float | None = Field(
        description="Days between task changes (None: stable)."
    )
    task_changes_in_horizon: int = Field(
        description="Scheduled task changes after the start and inside the horizon: "
        "ceil(horizon_days / task_change_interval_days) - 1 (0 for a stable task). Each is a "
        "retraining for fine-tuning and a prompt revision for prompting."
    )
    fine_tuning_budget_usd: float | None = Field(
        description="Cap on the first training run's compute spend, USD."
    )

    query_tokens: float | None = Field(description="Variable input per request (the query).")
    output_tokens: float | None = Field(description="Output tokens per request.")
    instruction_tokens: float = Field(description="Fixed instructions in every ICL prompt.")
    retrieved_tokens: float = Field(description="Retrieved passages in every ICL prompt.")
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
    icl_shots_reason: str | None = Field(description="Why the advisor chose this many.")
    icl_shots_room: int | None = Field(
        description="The most demonstrations that fit the context window beside the rest of "
        "the prompt and the output (None: unknown lengths or window)."
    )
    icl_prefix_tokens: float | None = Field(description="Static prefix: instructions + demos.")
    icl_prompt_tokens: float | None = Field(
        description="Whole ICL prompt: prefix + retrieved passages + query."
    )
    icl_context_needed: float | None = Field(description="ICL prompt + output.")
    one_per_class_context_needed: float | None = Field(
        description="Context needed for one demonstration per class, plus the request."
    )
    ft_context_needed: float | None = Field(description="Tuned-model prompt (query) + output.")
    icl_context_window: int | None = Field(
        description="Context window of the prompted model, tokens."
    )
    ft_context_window: int | None = Field(
        description="Context window of the model to fine-tune, tokens."
    )
    icl_max_output_tokens: int | None = Field(
        description="Longest output the prompted model generates."
    )
    ft_max_output_tokens: int | None = Field(
        description="Longest output the model to fine-tune generates."
    )

    icl_model_name: str = Field(description="Name of the prompted model.")
    ft_model_name: str = Field(description="Name of the model to fine-tune.")
    icl_min_cacheable_tokens: int | None = Field(
        description="Shortest prefix the prompted model's provider caches."
    )
    icl_prefix_cached: bool | None = Field(
        description="Prompting: the static prefix can be cached (the model has a cached-input "
        "price and the prefix reaches its minimum cacheable length)."
    )
    icl_cache_lifetime_minutes: float | None = Field(
        description="Prompting: how long an unused cached prefix survives, minutes."
    )
    icl_cache_lifetime_assumed: bool = Field(
        description="The cache lifetime is an assumption (the provider states none)."
    )
    icl_cache_hit_rate: float | None = Field(
        description="Prompting: share of requests whose prefix is still cached (given, or "
        "from the request rate and the cache lifetime; 0 when it cannot be cached)."
    )
    icl_cache_hit_rate_given: bool = Field(description="The hit rate was given in the profile.")
    icl_cached_tokens: float | None = Field(
        description="Prompting: input tokens per request billed at the cached-input price, "
        "on average (prefix x hit rate)."
    )
    icl_batch: bool = Field(
        description="Prompting may be priced at its batch-API rates (listed, and allowed by "
        "allow_batch and the latency budget); the cost stage uses them only when cheaper."
    )
    ft_batch: bool = Field(
        description="The tuned model, served serverless, may be priced at its batch-API "
        "rates; used only when cheaper."
    )
    icl_batch_stacks_with_cache: bool = Field(
        description="The prompted model's provider applies its batch discount on top of its "
        "prompt-cache prices (Anthropic), so a batch bill keeps the cache."
    )
    icl_batch_window_hours: float | None = Field(
        description="Prompting: the provider's batch turnaround, hours."
    )
    ft_batch_window_hours: float | None = Field(
        description="Tuned model: the provider's batch turnaround, hours."
    )
    ft_tunable: bool = Field(description="The model to fine-tune has a fine-tuning offer.")
    ft_min_examples: int = Field(
        description="Minimum training examples (the offer's, else OpenAI's 10)."
    )
    ft_min_examples_from_offer: bool = Field(
        description="ft_min_examples comes from the model's own offer."
    )
    ft_hosting_usd_per_hour: float | None = Field(
        description="Hosting fee of one replica of the tuned model, USD per hour."
    )
    adapters_per_deployment: int = Field(
        description="Tuned tasks sharing one dedicated deployment."
    )
    epochs: int = Field(description="Training epochs (given, else the OpenAI cookbook heuristic).")
    epochs_given: bool = Field(description="The profile gives the epochs.")
    icl_shutdown_in_days: float | None = Field(
        description="Days from the evaluation date to the prompted model's shutdown at its "
        "provider (None: none announced, or served on your own GPUs)."
    )
    ft_shutdown_in_days: float | None = Field(
        description="Days from the evaluation date to the tuned model's shutdown (its "
        "platform's, else the base model's; None: none announced, or the team's own weights "
        "served on its own GPUs)."
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
    token_accuracy: str | None = Field(
        description="How the token lengths were obtained, in words (None: given by hand)."
    )
    engineer_hourly_usd: float = Field(description="Loaded cost of an engineering hour, USD.")
    prompt_engineering_hours: float = Field(
        description="Hours to build and tune the prompt (both strategies)."
    )
    ft_setup_hours: float = Field(description="Hours to set fine-tuning up, once.")
    ft_hours_per_retraining: float = Field(description="Hours per retraining run.")
    prompt_revision_hours: float = Field(
        description="Prompting: hours to revise the prompt at each task change."
    )
    prompt_migration_hours: float = Field(
        description="Prompting: hours to move the prompt to a successor when the prompted "
        "model shuts down inside the horizon."
    )
    self_hosting_ops_hours_per_month: float = Field(
        description="Hours a month of running your own GPU serving (self-hosted mode)."
    )
    endpoint_ops_hours_per_month: float = Field(
        description="Hours a month of running the tuned model on a GPU platform's endpoint "
        "(endpoint mode)."
    )
    people_time_assumed: bool = Field(
        description="Some people's-time figure is a stated assumption (not given)."
    )
    people_assumed: str | None = Field(
        description="Which people's-time figures are stated assumptions, comma-separated."
    )
    catalog_age_days: float | None = Field(
        description="Days from the catalog's as_of to the evaluation date."
    )
    catalog_max_age_days: float = Field(
        description="Age past which the catalog's prices are flagged as possibly stale."
    )


def token_accuracy(m: TokenMeasurement) -> str:
    """How measured token lengths were obtained, and for which models they are exact."""
    if m.encoding == "estimate":
        return (
            f"estimated from UTF-8 bytes on {m.n_counted:,} of {m.n_examples:,} examples; "
            "pip install 'strategy_advisor[tokenizers]' counts them exactly, offline"
        )
    how = f"counted with {m.encoding} on {m.n_counted:,} of {m.n_examples:,} examples"
    if m.n_counted < m.n_examples:
        how += " (a sample)"
    parts = []
    if m.exact_for:
        parts.append(f"exact for {' and '.join(m.exact_for)}")
    if m.approximate_for:
        parts.append(
            f"{m.encoding} stands in for the tokenizer of {' and '.join(m.approximate_for)}"
        )
    return f"{how}: {'; '.join(parts)}" if parts else how


@quiet_floats
def shots_that_fit(
    fixed_tokens: FloatArray, demo_tokens: FloatArray, context_window: int | None
) -> FloatArray:
    """The most demonstrations that fit the context window beside the fixed part of the
    prompt and the output, over rows (NaN: unknown lengths or window).

    Examples
    --------
    >>> shots_that_fit(np.array([1000.0]), np.array([250.0]), 4096).tolist()
    [12.0]
    """
    if context_window is None:
        return np.full(np.shape(fixed_tokens), np.nan)
    return np.maximum(0.0, np.floor((context_window - fixed_tokens) / demo_tokens))


#: (feature, PeopleTime field, assumptions key) of every people's-time figure
_PEOPLE_FIELDS = (
    ("engineer_hourly_usd", "hourly_usd", "engineer_hourly_usd"),
    ("prompt_engineering_hours", "prompt_engineering_hours", "prompt_engineering_hours"),
    ("ft_setup_hours", "fine_tuning_setup_hours", "fine_tuning_setup_hours"),
    (
        "ft_hours_per_retraining",
        "fine_tuning_hours_per_retraining",
        "fine_tuning_hours_per_retraining",
    ),
    ("prompt_revision_hours", "prompt_revision_hours", "prompt_revision_hours"),
    ("prompt_migration_hours", "prompt_migration_hours", "prompt_migration_hours"),
    (
        "self_hosting_ops_hours_per_month",
        "self_hosting_ops_hours_per_month",
        "self_hosting_ops_hours_per_month",
    ),
    ("endpoint_ops_hours_per_month", "endpoint_ops_hours_per_month",
     "endpoint_ops_hours_per_month"),
)  # fmt: skip
#: The knob of each people's-time feature.
_PEOPLE_KNOBS = {
    "engineer_hourly_usd": "hourly_usd",
    "prompt_engineering_hours": "prompt_engineering_hours",
    "ft_setup_hours": "ft_setup_hours",
    "ft_hours_per_retraining": "ft_retraining_hours",
    "prompt_revision_hours": "prompt_revision_hours",
    "prompt_migration_hours": "prompt_migration_hours",
    "self_hosting_ops_hours_per_month": "ops_hours",
    "endpoint_ops_hours_per_month": "endpoint_ops_hours",
}


def _people_assumed(case: Case, changes: float) -> str | None:
    """Which people's-time figures are stated assumptions that enter this task's costs."""
    people = case.profile.people
    horizon_days = case.profile.horizon_months * case.days_per_month
    shutdown = case.prompted.shutdown_in_days
    applies = {
        "prompt_revision_hours": changes > 0,
        "prompt_migration_hours": shutdown is not None and 0 < shutdown < horizon_days,
        "self_hosting_ops_hours_per_month": case.may_self_host,
        "endpoint_ops_hours_per_month": any(
            r.kind in ("always_on", "scale_to_zero") for r in case.tuned.routes
        ),
    }
    assumed = [
        field_
        for name, field_, key in _PEOPLE_FIELDS
        if (getattr(people, field_) if people is not None else None) is None
        and key in case.stated
        and applies.get(name, True)
    ]
    return ", ".join(assumed) or None


def _days_until(later: Any, earlier: Any) -> float | None:
    return None if later is None or earlier is None else float((later - earlier).days)


def feature_columns(
    case: Case,
    s: Scenarios,
    *,
    shots: FloatArray,
    planned: FloatArray,
    wanted: FloatArray,
    room: FloatArray,
    prompt: Any,
    changes: FloatArray,
    epochs: FloatArray,
    batch: Mapping[Strategy, Any],
    own_weights: Mapping[Strategy, Any],
    shots_reason: str | None,
) -> dict[str, Any]:
    """Every :class:`TaskFeatures` field over rows: an array where scenarios differ, a
    plain value where they cannot (the models' names, windows, the evaluation date).

    ``prompt`` is the kernel's :class:`~._costs.kernel.PromptShape`; ``own_weights`` says
    where each strategy's chosen serving is the team's own GPUs (a provider's shutdown
    does not apply there)."""
    p, icl, ft = case.profile, case.icl, case.ft
    offer = ft.fine_tuning
    m = p.token_measurement
    q, o = s["query_tokens"], s["output_tokens"]
    demo = q + o
    rate = s["volume"] / case.seconds_per_month
    horizon_days = s["horizon_months"] * case.days_per_month
    fixed = s["instruction_tokens"] + s["retrieved_tokens"] + demo
    per_class = fixed + p.n_classes * demo if p.n_classes is not None else None
    cacheable = prompt.cacheable
    icl_down = case.prompted.shutdown_in_days
    ft_down = case.tuned.shutdown_in_days
    icl_down_rows = np.where(own_weights[Strategy.IN_CONTEXT_LEARNING], np.nan, _num(icl_down))
    ft_down_rows = np.where(own_weights[Strategy.FINE_TUNING], np.nan, _num(ft_down))
    lifetime = case.cache
    hit_given = p.cache_hit_rate is not None
    interval = s["change_interval_days"]
    chosen = np.isnan(s["icl_shots"])
    out: dict[str, Any] = dict(
        task_type=p.task_type,
        n_labeled_examples=s["n_examples"],
        n_classes=p.n_classes,
        requests_per_month=s["volume"],
        requests_per_second=rate,
        peak_to_average_ratio=s["peak_ratio"],
        peak_requests_per_second=rate * s["peak_ratio"],
        horizon_months=s["horizon_months"],
        horizon_days=horizon_days,
        latency_budget_ms=s["latency_budget_ms"],
        task_change_interval_days=np.where(np.isinf(interval), np.nan, interval),
        task_changes_in_horizon=changes,
        fine_tuning_budget_usd=p.fine_tuning_budget_usd,
        query_tokens=q,
        output_tokens=o,
        instruction_tokens=s["instruction_tokens"],
        retrieved_tokens=s["retrieved_tokens"],
        demo_tokens=demo,
        icl_shots=shots,
        icl_shots_chosen=chosen,
        icl_shots_wanted=wanted,
        icl_shots_planned=np.where(chosen, planned, shots),
        icl_shots_reason=shots_reason,
        icl_shots_room=room,
        icl_prefix_tokens=prompt.prefix,
        icl_prompt_tokens=prompt.prompt,
        icl_context_needed=prompt.context_needed,
        one_per_class_context_needed=per_class,
        ft_context_needed=demo,
        icl_context_window=icl.context_window,
        ft_context_window=ft.context_window,
        icl_max_output_tokens=icl.max_output_tokens,
        ft_max_output_tokens=ft.max_output_tokens,
        icl_model_name=icl.name,
        ft_model_name=ft.name,
        icl_min_cacheable_tokens=case.min_cacheable,
        icl_prefix_cached=np.where(np.isnan(prompt.prefix), np.nan, cacheable),
        icl_cache_lifetime_minutes=np.where(cacheable, s["cache_idle_minutes"], np.nan),
        icl_cache_lifetime_assumed=cacheable & lifetime.assumed & (not hit_given),
        icl_cache_hit_rate=prompt.hit_rate,
        icl_cache_hit_rate_given=hit_given,
        icl_cached_tokens=prompt.cached_tokens,
        icl_batch=batch[Strategy.IN_CONTEXT_LEARNING],
        ft_batch=batch[Strategy.FINE_TUNING],
        icl_batch_stacks_with_cache=batch[Strategy.IN_CONTEXT_LEARNING]
        & case.batch_stacks_with_cache,
        icl_batch_window_hours=case.prompted.batch_window_hours,
        ft_batch_window_hours=case.tuned.batch_window_hours,
        ft_tunable=offer is not None,
        ft_min_examples=case.ft_min_examples,
        ft_min_examples_from_offer=offer is not None and offer.min_examples is not None,
        ft_hosting_usd_per_hour=s["ft_hosting"],
        adapters_per_deployment=s["adapters"],
        epochs=epochs,
        epochs_given=p.epochs is not None,
        icl_shutdown_in_days=icl_down_rows,
        ft_shutdown_in_days=ft_down_rows,
        ft_shutdown_share_of_horizon=ft_down_rows / horizon_days,
        same_model=icl.name.lower() == ft.name.lower(),
        tokens_exact=m.exact if m is not None else None,
        token_relative_error=m.relative_error if m is not None else None,
        token_accuracy=token_accuracy(m) if m is not None else None,
        people_time_assumed=None,
        people_assumed=None,
        catalog_age_days=_days_until(case.today, case.catalog_as_of),
        catalog_max_age_days=case.values["catalog_max_age_days"],
    )
    for name, knob_name in _PEOPLE_KNOBS.items():
        out[name] = s[knob_name]
    assumed = _people_assumed(case, float(changes[0]))
    out["people_time_assumed"] = assumed is not None
    out["people_assumed"] = assumed
    return out


def _num(x: float | None) -> float:
    return math.nan if x is None else x


_INTEGER_FIELDS = frozenset(
    name for name, f in TaskFeatures.model_fields.items() if f.annotation in (int, int | None)
)
_BOOL_FIELDS = frozenset(
    name for name, f in TaskFeatures.model_fields.items() if f.annotation in (bool, bool | None)
)
_FEATURE_FIELDS = tuple(TaskFeatures.model_fields)


def scalar(value: Any, row: int, *, integer: bool = False, boolean: bool = False) -> Any:
    """One row of a column as a plain value: NaN is None, an integer field an int."""
    if isinstance(value, np.ndarray):
        # a column held once (one value for every row) is broadcast
        value = value[row if value.shape[0] > 1 else 0] if value.ndim else value[()]
        if value is None:
            return None
        if isinstance(value, (np.bool_, bool)):
            return bool(value)
        if isinstance(value, np.generic):
            value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if boolean:
            return bool(value)
        if integer:
            return int(value)
    return value


def features_at(columns: Mapping[str, Any], row: int = 0) -> TaskFeatures:
    """The features of one row, as the result model (field order as from JSON)."""
    return construct(
        TaskFeatures,
        **{
            k: scalar(columns[k], row, integer=k in _INTEGER_FIELDS, boolean=k in _BOOL_FIELDS)
            for k in _FEATURE_FIELDS
        },
    )
