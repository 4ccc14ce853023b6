"""Features stage: what the profile and the two resolved models imply, in named numbers."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._assumptions import Assumptions
from ._catalog import ModelSpec, ServingMode
from ._profile import TaskProfile, TokenMeasurement
from ._serving import batch_stacks_with_cache, batch_window_hours, cache_hit_rate, cache_lifetime
from ._types import RESULT, Strategy, TaskType, construct

__all__ = [
    "ShotPlan",
    "TaskFeatures",
    "allowed_modes",
    "assumption_values",
    "default_shots",
    "derive_features",
    "on_own_weights",
    "serving_modes",
    "shots_that_fit",
    "with_shots",
]

_SECONDS_PER_DAY = 86_400.0
_MS_PER_HOUR = 3_600_000.0


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


def allowed_modes(spec: ModelSpec, strategy: Strategy) -> tuple[ServingMode, ...]:
    """The serving modes a model allows for a strategy (the offer's, or derived)."""
    if strategy is Strategy.FINE_TUNING:
        offer = spec.fine_tuning
        if offer is None:
            return ("serverless",)
        if offer.serving:
            return offer.serving
        return ("dedicated",) if offer.hosting_usd_per_hour else ("serverless",)
    return spec.serving or ("serverless",)


def serving_modes(spec: ModelSpec, strategy: Strategy, choice: str) -> tuple[ServingMode, ...]:
    """The serving modes a strategy may use: every allowed one (``choice`` "cheapest"), or
    the fixed one."""
    return allowed_modes(spec, strategy) if choice == "cheapest" else (choice,)  # type: ignore[return-value]


def _may_self_host(profile: TaskProfile, icl: ModelSpec, ft: ModelSpec) -> bool:
    """Either strategy may be served on the team's own GPUs (its fixed or allowed modes)."""
    return "self_hosted" in (
        *serving_modes(icl, Strategy.IN_CONTEXT_LEARNING, profile.icl_serving),
        *serving_modes(ft, Strategy.FINE_TUNING, profile.ft_serving),
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


def _days_until(date: dt.date | None, today: dt.date) -> float | None:
    return None if date is None else float((date - today).days)


def _tuned_shutdown(ft: ModelSpec) -> dt.date | None:
    """The tuned model's shutdown: its offer's (a platform of its own), else the base's."""
    offer = ft.fine_tuning
    if offer is not None and offer.shutdown_date is not None:
        return offer.shutdown_date
    platform = offer.platform.lower() if offer is not None and offer.platform else None
    provider = ft.provider.lower() if ft.provider else None
    if platform is not None and provider is not None and not platform.startswith(provider):
        return None  # served on another platform: the base's date is not its date
    return ft.shutdown_date


def _min_cacheable(spec: ModelSpec, values: dict[str, float]) -> int | None:
    """The provider's minimum cacheable prefix; assumed when a cached price has none."""
    if spec.cached_input_usd_per_mtok is None:
        return spec.min_cacheable_tokens
    if spec.min_cacheable_tokens is not None:
        return spec.min_cacheable_tokens
    return int(values["default_min_cacheable_tokens"])


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
)

_ASSUMED: dict[int, tuple[Assumptions, dict[str, float], frozenset[str]]] = {}
_EPOCHS: dict[tuple[int, int], int] = {}


def assumption_values(a: Assumptions) -> tuple[dict[str, float], frozenset[str]]:
    """Every assumption's value, and the keys that are stated assumptions, read once per
    (frozen) assumptions object."""
    hit = _ASSUMED.get(id(a))
    if hit is None or hit[0] is not a:
        if len(_ASSUMED) > 32:
            _ASSUMED.clear()
            _EPOCHS.clear()
        entries = dict(a.values)
        hit = (
            a,
            {k: e.value for k, e in entries.items()},
            frozenset(k for k, e in entries.items() if e.assumption),
        )
        _ASSUMED[id(a)] = hit
    return hit[1], hit[2]


def _epochs(a: Assumptions, n: int) -> int:
    assumption_values(a)  # ties the memo to this object
    key = (id(a), n)
    epochs = _EPOCHS.get(key)
    if epochs is None:
        epochs = _EPOCHS[key] = a.epochs_for(n)
    return epochs


def _prefix_cacheable(spec: ModelSpec, prefix: float | None, minimum: int | None) -> bool | None:
    """The static prefix can be cached: a cached price exists and the prefix is long enough."""
    if prefix is None:
        return None
    return spec.cached_input_usd_per_mtok is not None and prefix > 0 and prefix >= (minimum or 0)


def default_shots(profile: TaskProfile, assumptions: Assumptions) -> int:
    """The advisor's demonstrations before capping at the labeled examples or the context:
    the default count, raised to one per class, at most the cap."""
    return _default_shots(profile, assumption_values(assumptions)[0])


def _default_shots(profile: TaskProfile, values: dict[str, float]) -> int:
    shots = int(values["default_icl_shots"])
    if profile.n_classes is not None:
        shots = max(shots, profile.n_classes)
    return min(shots, int(values["max_icl_shots"]))


def shots_that_fit(
    fixed_tokens: float | None, demo_tokens: float | None, context_window: int | None
) -> int | None:
    """The most demonstrations that fit the context window beside the fixed part of the
    prompt and the output (None: unknown lengths or window)."""
    if fixed_tokens is None or demo_tokens is None or context_window is None:
        return None
    return max(0, math.floor((context_window - fixed_tokens) / demo_tokens))


def _batch(
    allow: bool | None,
    serving_ok: bool,
    prices: tuple[float | None, float | None],
    provider: str | None,
    budget_ms: float | None,
) -> tuple[bool, float | None]:
    """(batch prices may be used, the provider's batch window in hours).

    Batch is opt-in by evidence: ``allow_batch`` false never; true (the work is offline)
    unless a latency budget is given below the provider's window; None only when a budget
    is given and is at least the window. A budget with an unknown window never admits it,
    and the prices must be listed.
    """
    window = batch_window_hours(provider)
    hours = window[0] if window is not None else None
    if allow is False or not serving_ok or any(p is None for p in prices):
        return False, hours
    if budget_ms is None:
        return allow is True, hours
    return hours is not None and budget_ms >= hours * _MS_PER_HOUR, hours


def derive_features(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    today: dt.date,
    catalog_as_of: dt.date | None = None,
    plan: ShotPlan | None = None,
    cache_end: Literal["low", "high"] | None = None,
) -> TaskFeatures:
    """Reduce a profile and its two resolved models to :class:`TaskFeatures`.

    ``plan`` fixes the demonstrations (the prompt planner's choice); without one, a given
    ``icl_shots`` (or the pilot's) is used, else the default count fitted to the context.
    ``cache_end`` takes the cache lifetime at the end of its stated span that makes
    prompting cheap (``"low"``: the longest) or dear (``"high"``: the shortest).
    """
    a = assumptions
    values, stated = assumption_values(a)
    days_per_month = values["days_per_month"]
    query = profile.avg_input_tokens
    output = profile.avg_output_tokens
    instructions = profile.resolved_instruction_tokens()
    retrieved = profile.resolved_retrieved_tokens()
    demo = query + output if query is not None and output is not None else None
    fixed = instructions + retrieved + demo if demo is not None else None

    given = profile.icl_shots
    if given is None and profile.pilot is not None:
        given = profile.pilot.icl_shots
    planned = _default_shots(profile, values)
    wanted = min(planned, profile.n_labeled_examples) if given is None else given
    room = shots_that_fit(fixed, demo, icl.context_window)
    if plan is not None:
        shots, chosen, reason = plan.shots, given is None, plan.reason
    elif given is not None:
        shots, chosen, reason = given, False, None
    else:
        shots = wanted if room is None else min(wanted, room)
        chosen, reason = True, None

    per_class = (
        fixed + profile.n_classes * demo
        if fixed is not None and demo is not None and profile.n_classes is not None
        else None
    )

    rate = profile.requests_per_month / (days_per_month * _SECONDS_PER_DAY)
    peak_given = profile.peak_to_average_ratio
    peak_ratio = peak_given if peak_given is not None else values["peak_to_average_ratio"]

    minimum = _min_cacheable(icl, values)
    lifetime = cache_lifetime(icl.provider, icl.cache_lifetime_minutes)
    idle = {
        None: lifetime.idle_minutes,
        "low": lifetime.idle_minutes_high,
        "high": lifetime.idle_minutes_low,
    }[cache_end]
    prompt_part = _prompt_part(shots, profile, icl, minimum, rate, idle, lifetime.max_minutes)
    cacheable = prompt_part["icl_prefix_cached"]
    hit_given = profile.cache_hit_rate is not None

    budget = profile.latency_budget_ms
    offer = ft.fine_tuning
    icl_batch, icl_window = _batch(
        profile.allow_batch,
        profile.icl_serving in ("cheapest", "serverless"),
        (icl.batch_input_usd_per_mtok, icl.batch_output_usd_per_mtok),
        icl.provider,
        budget,
    )
    ft_batch, ft_window = _batch(
        profile.allow_batch,
        profile.ft_serving in ("cheapest", "serverless"),
        (
            offer.batch_input_usd_per_mtok if offer is not None else None,
            offer.batch_output_usd_per_mtok if offer is not None else None,
        ),
        ft.provider,
        budget,
    )

    people = profile.people
    horizon_days = profile.horizon_months * days_per_month
    interval = profile.task_change_interval_days
    changes = 0 if interval is None else max(1, math.ceil(horizon_days / interval - 1e-9)) - 1
    icl_shutdown = _days_until(icl.shutdown_date, today)
    applies = {  # the figures that enter this task's costs; the others are not "assumed"
        "prompt_revision_hours": changes > 0,
        "prompt_migration_hours": icl_shutdown is not None and 0 < icl_shutdown < horizon_days,
        "self_hosting_ops_hours_per_month": _may_self_host(profile, icl, ft),
    }
    people_values: dict[str, float] = {}
    assumed: list[str] = []
    for name, field, key in _PEOPLE_FIELDS:
        value = getattr(people, field) if people is not None else None
        if value is None:
            people_values[name] = values[key]
            if key in stated and applies.get(name, True):
                assumed.append(field)
        else:
            people_values[name] = float(value)

    min_from_offer = offer is not None and offer.min_examples is not None
    min_examples = (
        offer.min_examples
        if offer is not None and offer.min_examples is not None
        else int(values["default_min_examples"])
    )
    measurement = profile.token_measurement
    ft_shutdown = _days_until(_tuned_shutdown(ft), today)
    out: dict[str, Any] = dict(
        task_type=profile.task_type,
        n_labeled_examples=profile.n_labeled_examples,
        n_classes=profile.n_classes,
        requests_per_month=profile.requests_per_month,
        requests_per_second=rate,
        peak_to_average_ratio=peak_ratio,
        peak_requests_per_second=rate * peak_ratio,
        horizon_months=profile.horizon_months,
        horizon_days=horizon_days,
        latency_budget_ms=budget,
        task_change_interval_days=interval,
        task_changes_in_horizon=changes,
        fine_tuning_budget_usd=profile.fine_tuning_budget_usd,
        query_tokens=query,
        output_tokens=output,
        instruction_tokens=instructions,
        retrieved_tokens=retrieved,
        demo_tokens=demo,
        icl_shots_chosen=chosen,
        icl_shots_wanted=wanted,
        icl_shots_planned=planned if chosen else shots,
        icl_shots_reason=reason,
        icl_shots_room=room,
        one_per_class_context_needed=per_class,
        ft_context_needed=demo,
        icl_context_window=icl.context_window,
        ft_context_window=ft.context_window,
        icl_max_output_tokens=icl.max_output_tokens,
        ft_max_output_tokens=ft.max_output_tokens,
        icl_model_name=icl.name,
        ft_model_name=ft.name,
        icl_min_cacheable_tokens=minimum,
        icl_cache_lifetime_minutes=idle if cacheable else None,
        icl_cache_lifetime_assumed=bool(cacheable) and lifetime.assumed and not hit_given,
        icl_cache_hit_rate_given=hit_given,
        icl_batch=icl_batch,
        ft_batch=ft_batch,
        icl_batch_stacks_with_cache=icl_batch and batch_stacks_with_cache(icl.provider),
        icl_batch_window_hours=icl_window,
        ft_batch_window_hours=ft_window,
        ft_tunable=offer is not None,
        ft_min_examples=min_examples,
        ft_min_examples_from_offer=min_from_offer,
        ft_hosting_usd_per_hour=offer.hosting_usd_per_hour if offer is not None else None,
        adapters_per_deployment=profile.adapters_per_deployment,
        epochs=profile.epochs or _epochs(a, profile.n_labeled_examples),
        epochs_given=profile.epochs is not None,
        icl_shutdown_in_days=icl_shutdown,
        ft_shutdown_in_days=ft_shutdown,
        ft_shutdown_share_of_horizon=(
            ft_shutdown / horizon_days if ft_shutdown is not None else None
        ),
        same_model=icl.name.lower() == ft.name.lower(),
        tokens_exact=measurement.exact if measurement is not None else None,
        token_relative_error=measurement.relative_error if measurement is not None else None,
        token_accuracy=token_accuracy(measurement) if measurement is not None else None,
        people_time_assumed=bool(assumed),
        people_assumed=", ".join(assumed) or None,
        catalog_age_days=_days_until(today, catalog_as_of) if catalog_as_of else None,
        catalog_max_age_days=values["catalog_max_age_days"],
        **people_values,
        **prompt_part,
    )
    # in field order, as a JSON round trip gives them (``to_json`` byte for byte)
    return construct(TaskFeatures, **{k: out[k] for k in _FEATURE_FIELDS})


_FEATURE_FIELDS = tuple(TaskFeatures.model_fields)


def _prompt_part(
    shots: int,
    profile: TaskProfile,
    icl: ModelSpec,
    minimum: int | None,
    rate: float,
    idle_minutes: float,
    max_minutes: float | None,
) -> dict[str, object]:
    """The features that depend on the demonstrations: the prompt, its prefix, its cache."""
    query, output = profile.avg_input_tokens, profile.avg_output_tokens
    instructions = profile.resolved_instruction_tokens()
    retrieved = profile.resolved_retrieved_tokens()
    if query is None or output is None:
        prefix = prompt = needed = hit = cached = None
    else:
        prefix = instructions + shots * (query + output)
        prompt = prefix + retrieved + query
        needed = prompt + output
    cacheable = _prefix_cacheable(icl, prefix, minimum)
    if prefix is not None:
        if not cacheable:
            hit = 0.0
        elif profile.cache_hit_rate is not None:
            hit = profile.cache_hit_rate
        else:
            hit = cache_hit_rate(rate, idle_minutes, max_minutes)
        cached = prefix * hit
    return {
        "icl_shots": shots,
        "icl_prefix_tokens": prefix,
        "icl_prompt_tokens": prompt,
        "icl_context_needed": needed,
        "icl_prefix_cached": cacheable,
        "icl_cache_hit_rate": hit,
        "icl_cached_tokens": cached,
    }


def with_shots(
    features: TaskFeatures,
    plan: ShotPlan,
    profile: TaskProfile,
    icl: ModelSpec,
    assumptions: Assumptions,
) -> TaskFeatures:
    """The same features with another number of demonstrations (the prompt planner's
    candidates, and its choice): only the prompt-dependent fields are recomputed, so
    ``with_shots(derive_features(..., plan=any), plan, ...)`` equals
    ``derive_features(..., plan=plan)``."""
    lifetime = cache_lifetime(icl.provider, icl.cache_lifetime_minutes)
    part = _prompt_part(
        plan.shots,
        profile,
        icl,
        features.icl_min_cacheable_tokens,
        features.requests_per_second,
        lifetime.idle_minutes,
        lifetime.max_minutes,
    )
    return construct(
        TaskFeatures,
        **{
            **features.__dict__,
            **part,
            "icl_shots_reason": plan.reason,
            "icl_cache_lifetime_minutes": lifetime.idle_minutes
            if part["icl_prefix_cached"]
            else None,
            "icl_cache_lifetime_assumed": bool(part["icl_prefix_cached"])
            and lifetime.assumed
            and profile.cache_hit_rate is None,
        },
    )


def on_own_weights(features: TaskFeatures, *, tuned: bool, prompted: bool) -> TaskFeatures:
    """The features with the provider's shutdown dates removed for a model served on the
    team's own GPUs (self-hosted mode): open weights do not disappear when a provider stops
    serving them. ``tuned`` and ``prompted`` say which strategy's chosen mode is self-hosted."""
    update: dict[str, object] = {}
    if tuned and features.ft_shutdown_in_days is not None:
        update |= {"ft_shutdown_in_days": None, "ft_shutdown_share_of_horizon": None}
    if prompted and features.icl_shutdown_in_days is not None:
        update["icl_shutdown_in_days"] = None
    return construct(TaskFeatures, **{**features.__dict__, **update}) if update else features
