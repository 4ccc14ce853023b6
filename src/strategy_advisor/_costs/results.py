"""Cost stage, results: what each strategy costs, line by line, and where the two cross."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .._model_spec import ServingMode
from .._types import RESULT, Strategy

__all__ = ["CostComparison", "CostLine", "ServingAlternative", "ServingPlan", "StrategyCost"]


class CostLine(BaseModel):
    """One line of a strategy's bill over the horizon, with its formula and its source."""

    model_config = RESULT

    name: str = Field(description="What is paid for (e.g. 'requests', 'first training run').")
    kind: Literal["one_time", "recurring"] = Field(
        description="Paid once (set-up, first training run) or over the horizon."
    )
    usd: float | None = Field(description="Amount over the horizon; None: unpriced.")
    formula: str = Field(description="The arithmetic, with its numbers.")
    source: str = Field(description="Where the prices and assumptions come from.")


class ServingPlan(BaseModel):
    """How a strategy's model is served, and what capacity that takes."""

    model_config = RESULT

    mode: ServingMode
    route: str = Field(
        description="The route in words: the API, the provider's deployment, the team's own "
        "GPUs, or a GPU platform's always-on or scale-to-zero worker, with its GPU."
    )
    batch: bool = Field(description="Priced at batch-API rates.")
    replicas: float = Field(
        description="Replicas paid for (a share when several tasks split one deployment); 0 "
        "for serverless."
    )
    usd_per_replica_hour: float | None = Field(description="Fee of one replica-hour.")
    gpu: str | None
    gpus_per_replica: int | None
    requests_per_s_per_replica: float | None = Field(
        description="Capacity of one replica at this task's prompt and output lengths."
    )
    capacity_source: str | None = Field(description="Where the capacity figure comes from.")
    replicas_for_load: float | None = Field(
        description="Replicas the peak load itself needs (None: capacity unknown); the "
        "others paid for are spares (a self-hosted minimum, an offer's minimum)."
    )
    peak_requests_per_s: float = Field(description="Peak request rate the replicas must carry.")
    cold_start_share: float | None = Field(
        None,
        description="A scale-to-zero worker: the share of requests that find it stopped and "
        "wait for a cold start (None: the route never stops).",
    )
    description: str = Field(description="The plan in one sentence, with its numbers.")


class ServingAlternative(BaseModel):
    """A serving route the offer allows (online, or at batch rates), priced, whether chosen
    or not."""

    model_config = RESULT

    mode: ServingMode
    route: str = Field(description="The route in words (see ServingPlan.route).")
    batch: bool = Field(description="Priced at the provider's batch-API rates.")
    total_usd: float | None = Field(description="The strategy's total with this route.")
    chosen: bool
    note: str = Field(description="Why it was or was not chosen.")


class StrategyCost(BaseModel):
    """What one strategy costs over the horizon. Any figure that needs an unknown price is
    ``None`` (unpriced) and ``unpriced`` names the missing inputs; never $0.

    ``total_usd = one_time_usd + monthly_usd × horizon_months``, and it is the sum of
    ``lines``. ``one_time_usd`` holds everything paid once (the first training run, set-up
    and prompt-engineering time); ``monthly_usd`` everything recurring (requests, serving
    fees, retraining), averaged per month.
    """

    model_config = RESULT

    strategy: Strategy
    model: str = Field(description="The model this strategy runs on.")
    serving: ServingPlan = Field(description="How the model is served (the chosen mode).")
    alternatives: tuple[ServingAlternative, ...] = Field(
        description="Every serving mode the offer allows, online and (where allowed) at "
        "batch rates, with its total."
    )
    per_request_usd: float | None = Field(
        description="Per-token charges of one request (serving fees not included)."
    )
    monthly_usd: float | None = Field(
        description="Recurring cost per month: requests, serving fees, operations time, "
        "retraining or prompt revisions and migration."
    )
    one_time_usd: float | None = Field(
        description="Paid once: first training run, set-up and prompt-engineering time."
    )
    training_usd: float | None = Field(
        description="Compute of the first training run (0 for prompting)."
    )
    retraining_usd: float | None = Field(
        description="Compute of later training runs within the horizon."
    )
    people_usd: float | None = Field(
        description="Engineering time over the horizon: set-up, prompt engineering, "
        "retraining, prompt revisions and migration, operating self-hosted serving."
    )
    hosting_usd: float | None = Field(
        description="Serving fees over the horizon (dedicated replicas or own GPUs)."
    )
    hosting_usd_per_month: float | None = Field(description="Serving fees per month.")
    requests_usd: float | None = Field(description="Per-token charges over the horizon.")
    total_usd: float | None = Field(description="Everything over the horizon.")
    total_usd_median: float | None = Field(
        description="The median total over the simulation's draws of every estimated input "
        "(measured token lengths, cache lifetime, epochs, people's time, peak load, serving "
        "utilization, GPU prices, and catalog numbers whose sources disagree; "
        "docs/decision.md, 'Uncertainty')."
    )
    total_usd_low: float | None = Field(
        description="The low end of the total's interval over the draws (the 10th "
        "percentile for the default 80% interval)."
    )
    total_usd_high: float | None = Field(
        description="The high end of the total's interval over the draws (the 90th "
        "percentile for the default 80% interval)."
    )
    known_part_usd: float | None = Field(
        description="Sum of the lines that are priced: a lower bound on the total when some "
        "price is unknown (None when nothing can be priced)."
    )
    lines: tuple[CostLine, ...] = Field(description="The bill, line by line.")
    training_runs: int = Field(
        description="Training runs within the horizon (0 for prompting): one, plus one per task "
        "change, plus one on a successor model when the tuned model shuts down after the last "
        "scheduled retraining (a provider's model; not the team's own weights)."
    )
    training_tokens_per_run: float | None = Field(description="Examples x tokens x epochs.")
    input_tokens_per_request: float | None
    cached_tokens_per_request: float | None = Field(
        description="Input tokens billed at the cached-input price, on average."
    )
    output_tokens_per_request: float | None
    reasoning_tokens_per_request: float | None = Field(
        default=0.0,
        description="Hidden reasoning tokens a request decodes before its answer, on the "
        "route it is served by; billed at the output price where tokens are billed (0: the "
        "model does not reason there; None: unknown).",
    )
    reasoning_tokens_range: tuple[float, float] | None = Field(
        default=None,
        description="Where the billed reasoning tokens are an estimate, not a measurement: "
        "the range they are drawn from (None: none billed, or an exact count).",
    )
    cache_hit_rate: float | None = Field(
        description="Share of requests whose prompt prefix is a cache hit (None: no prefix)."
    )
    unpriced: tuple[str, ...] = Field(description="Inputs missing for a complete price.")


class CostComparison(BaseModel):
    """Both strategies' costs and where they cross."""

    model_config = RESULT

    fine_tuning: StrategyCost
    in_context_learning: StrategyCost
    break_even_requests_per_month: float | None = Field(
        description="Monthly volume at which both totals are equal, fine-tuning cheaper above "
        "it (None: they never cross continuously in 0 to 1e13 requests/month)."
    )
    break_even_icl_shots: int | None = Field(
        None,
        description="The demonstrations prompting's prompt carries at the break-even where "
        "they differ from today's: the prompt is planned for that volume, as a "
        "recommendation there would plan it (None: no break-even, or the same count).",
    )
    payback_months: float | None = Field(
        description="Months until fine-tuning's one-time costs are paid back by its lower "
        "monthly cost (None: it does not pay back within the horizon)."
    )
    payback_days: float | None = Field(description="The payback time in days.")
    savings_per_month_usd: float | None = Field(
        description="Prompting's monthly cost minus fine-tuning's (requests, serving, retraining)."
    )
    retrain_payback_days: float | None = Field(
        description="Days of savings one retraining run (compute and time) needs to pay for itself."
    )

    def for_strategy(self, strategy: Strategy) -> StrategyCost:
        """The cost of one strategy."""
        return self.fine_tuning if strategy is Strategy.FINE_TUNING else self.in_context_learning
