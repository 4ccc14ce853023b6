"""Rules stage, the inputs: every named value a rule may test, as one typed model.

The features stage's quantities, plus what the cost and latency stages conclude. Their
field descriptions are the rulebook's documentation (``docs/rules.md`` is generated from
them); their types decide which comparisons a rule may make.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import Field

from .._features import TaskFeatures
from .conditions import InputKind

__all__ = ["INPUT_KINDS", "RuleInputs", "input_docs"]


class RuleInputs(TaskFeatures):
    """What the rules see: the task's features and both strategies' costs and latency.

    The advisor fills it from the stages' results; ``None`` means unknown (a price or a
    token length is missing), and a rule testing an unknown value is "not applicable".
    """

    people_hours: str | None = Field(
        None,
        description="The people's hours the bills hold, in words: prompt engineering, "
        "fine-tuning set-up, per retraining, and a month of running each strategy's own "
        "weights where its chosen route serves them (the task's share).",
    )
    icl_per_request_usd: float | None = Field(description="Prompting: cost of one request, USD.")
    ft_per_request_usd: float | None = Field(
        description="Fine-tuning: cost of one request to the tuned model, USD."
    )
    icl_monthly_usd: float | None = Field(description="Prompting: recurring cost per month, USD.")
    ft_monthly_usd: float | None = Field(
        description="Fine-tuning: recurring cost per month (requests + hosting), USD."
    )
    icl_total_usd: float | None = Field(description="Prompting: total over the horizon, USD.")
    ft_total_usd: float | None = Field(description="Fine-tuning: total over the horizon, USD.")
    ft_one_time_usd: float | None = Field(
        description="Fine-tuning: everything paid once (first training run, set-up and "
        "prompt-engineering time), USD."
    )
    ft_training_usd: float | None = Field(
        description="Fine-tuning: compute of the first training run, USD."
    )
    ft_people_usd: float | None = Field(
        description="Fine-tuning: engineering time over the horizon, USD."
    )
    icl_people_usd: float | None = Field(
        description="Prompting: engineering time over the horizon, USD."
    )
    ft_training_runs: int = Field(description="Fine-tuning: training runs within the horizon.")
    ft_serving_mode: str = Field(
        description="Fine-tuning: how the tuned model is served, in words (the per-token API, "
        "the provider's dedicated deployment, self-hosted on a GPU, a GPU platform's worker)."
    )
    icl_serving_mode: str = Field(description="Prompting: how the prompted model is served.")
    ft_replicas: float = Field(
        description="Fine-tuning: dedicated or self-hosted replicas paid for (0: serverless)."
    )
    ft_replicas_for_load: float | None = Field(
        description="Fine-tuning: replicas the peak load itself needs (the others paid for "
        "are spares; None: serverless, or capacity unknown)."
    )
    icl_batch_priced: bool = Field(description="Prompting is priced at batch-API rates.")
    ft_batch_priced: bool = Field(description="Fine-tuning is priced at batch-API rates.")
    ft_hosting_usd_per_month: float | None = Field(
        description="Fine-tuning: serving fees per month (dedicated replicas or own GPUs), USD."
    )
    icl_unpriced: bool = Field(
        description="Prompting's total cannot be priced (a price or token length is unknown)."
    )
    ft_unpriced: bool = Field(
        description="Fine-tuning's total cannot be priced (a price or token length is unknown)."
    )
    break_even_requests_per_month: float | None = Field(
        description="Monthly volume at which both totals are equal."
    )
    payback_months: float | None = Field(
        description="Months until the first training run is paid back."
    )
    payback_days: float | None = Field(
        description="Days until the first training run is paid back."
    )
    savings_per_month_usd: float | None = Field(
        description="Prompting's monthly cost minus fine-tuning's, USD."
    )
    retrain_payback_days: float | None = Field(
        description="Days of savings one training run needs to pay for itself."
    )
    icl_latency_ms: float | None = Field(
        description="Prompting: estimated p95 end-to-end latency per request, ms."
    )
    ft_latency_ms: float | None = Field(
        description="Fine-tuning: estimated p95 end-to-end latency per request, ms."
    )
    icl_ttft_ms: float | None = Field(
        description="Prompting: estimated median time to first token (the prompt's prefill "
        "included), ms."
    )
    icl_latency_median_ms: float | None = Field(
        description="Prompting: estimated median end-to-end latency per request, ms."
    )
    ft_latency_median_ms: float | None = Field(
        description="Fine-tuning: estimated median end-to-end latency per request, ms."
    )
    icl_within_budget_probability: float | None = Field(
        description="Prompting: probability that its p95 meets latency_budget_ms, given the "
        "ranges of the measured figures (1 without a budget)."
    )
    ft_within_budget_probability: float | None = Field(
        description="Fine-tuning: probability that its p95 meets latency_budget_ms."
    )


def _kind(annotation: Any) -> InputKind:
    args = set(get_args(annotation)) | {annotation}
    if bool in args:
        return "bool"
    if str in args or any(get_origin(a) is Literal for a in args):
        return "text"
    return "number"


#: The kind of every input, from its type: what a rule may compare it with.
INPUT_KINDS: Mapping[str, InputKind] = {
    name: _kind(field.annotation) for name, field in RuleInputs.model_fields.items()
}


def input_docs() -> dict[str, str]:
    """Every input's description, in field order."""
    return {name: field.description or name for name, field in RuleInputs.model_fields.items()}
