"""Cost stage: both strategies priced over the horizon, with break-even and payback."""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from ._catalog import ModelSpec
from ._features import TaskFeatures
from ._types import RESULT, Strategy, construct

__all__ = ["CostComparison", "StrategyCost", "compare_costs"]

_MTOK = 1_000_000.0  # prices are per million tokens


class StrategyCost(BaseModel):
    """What one strategy costs. Any figure that needs an unknown price is ``None``
    (unpriced), and ``unpriced`` names the missing inputs; an unknown price is never $0."""

    model_config = RESULT

    strategy: Strategy
    model: str = Field(description="The model this strategy runs on.")
    per_request_usd: float | None = Field(description="Cost of one request.")
    monthly_usd: float | None = Field(description="Recurring cost per month: requests + hosting.")
    one_time_usd: float | None = Field(description="First training run (0 for prompting).")
    retraining_usd: float | None = Field(description="Later training runs within the horizon.")
    hosting_usd: float | None = Field(description="Dedicated-deployment fees over the horizon.")
    hosting_usd_per_month: float | None = Field(description="Hosting fees per month.")
    requests_usd: float | None = Field(description="Per-request costs over the horizon.")
    total_usd: float | None = Field(description="Everything over the horizon.")
    known_part_usd: float | None = Field(
        description="Sum of the components that are priced: a lower bound on the total when "
        "some price is unknown (None when nothing can be priced)."
    )
    training_runs: int = Field(
        description="Training runs within the horizon (0 for prompting): one, plus one per task "
        "change, plus one on a successor model when the tuned model's base shuts down."
    )
    training_tokens_per_run: float | None = Field(description="Examples x tokens x epochs.")
    input_tokens_per_request: float | None
    cached_tokens_per_request: float | None = Field(
        description="Input tokens billed at the cached-input price."
    )
    output_tokens_per_request: float | None
    unpriced: tuple[str, ...] = Field(description="Inputs missing for a complete price.")


class CostComparison(BaseModel):
    """Both strategies' costs and where they cross."""

    model_config = RESULT

    fine_tuning: StrategyCost
    in_context_learning: StrategyCost
    break_even_requests_per_month: float | None = Field(
        description="Monthly volume at which both totals are equal (None: they never cross)."
    )
    payback_months: float | None = Field(
        description="Months until the first training run is paid back by cheaper requests."
    )
    payback_days: float | None = Field(description="The payback time in days.")
    savings_per_month_usd: float | None = Field(
        description="Prompting's monthly cost minus fine-tuning's (requests, hosting, retraining)."
    )
    retrain_payback_days: float | None = Field(
        description="Days of savings one training run needs to pay for itself."
    )

    def for_strategy(self, strategy: Strategy) -> StrategyCost:
        """The cost of one strategy."""
        return self.fine_tuning if strategy is Strategy.FINE_TUNING else self.in_context_learning


def _usd(tokens: float, price: float) -> float:
    return tokens * price / _MTOK


def _known_sum(*parts: float | None) -> float | None:
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def _icl_cost(f: TaskFeatures, spec: ModelSpec, months: float) -> StrategyCost:
    missing: list[str] = []
    if f.query_tokens is None or f.output_tokens is None:
        missing.append("profile.avg_input_tokens/avg_output_tokens")
    if spec.input_usd_per_mtok is None:
        missing.append(f"{spec.name}.input_usd_per_mtok")
    if spec.output_usd_per_mtok is None:
        missing.append(f"{spec.name}.output_usd_per_mtok")
    per_request: float | None = None
    prompt, cached, cached_price = (
        f.icl_prompt_tokens,
        f.icl_cached_tokens,
        spec.cached_input_usd_per_mtok,
    )
    if not missing and prompt is not None and cached is not None and f.output_tokens is not None:
        assert spec.input_usd_per_mtok is not None and spec.output_usd_per_mtok is not None
        per_request = _usd(prompt - cached, spec.input_usd_per_mtok) + _usd(
            f.output_tokens, spec.output_usd_per_mtok
        )
        if cached and cached_price is not None:
            per_request += _usd(cached, cached_price)
    requests = per_request * f.requests_per_month * months if per_request is not None else None
    return construct(
        StrategyCost,
        strategy=Strategy.IN_CONTEXT_LEARNING,
        model=spec.name,
        per_request_usd=per_request,
        monthly_usd=per_request * f.requests_per_month if per_request is not None else None,
        one_time_usd=0.0,
        retraining_usd=0.0,
        hosting_usd=0.0,
        hosting_usd_per_month=0.0,
        requests_usd=requests,
        total_usd=requests,
        known_part_usd=requests,
        training_runs=0,
        training_tokens_per_run=None,
        input_tokens_per_request=prompt,
        cached_tokens_per_request=cached,
        output_tokens_per_request=f.output_tokens,
        unpriced=tuple(missing),
    )


def _ft_cost(f: TaskFeatures, spec: ModelSpec, months: float, hours: float) -> StrategyCost:
    offer = spec.fine_tuning
    missing: list[str] = []
    if f.query_tokens is None or f.output_tokens is None:
        missing.append("profile.avg_input_tokens/avg_output_tokens")
    if offer is None:
        missing.append(f"{spec.name}.fine_tuning (the model has no fine-tuning offer)")
    else:
        for field in ("training_usd_per_mtok", "input_usd_per_mtok", "output_usd_per_mtok"):
            if getattr(offer, field) is None:
                missing.append(f"{spec.name}.fine_tuning.{field}")
    runs = 1
    if f.task_change_interval_days is not None:
        runs = max(1, math.ceil(f.horizon_days / f.task_change_interval_days - 1e-9))
    shutdown = f.ft_shutdown_in_days
    if shutdown is not None and 0 < shutdown < f.horizon_days:
        runs += 1  # the tuned model goes with its base: retrain on a successor
    tokens_per_run = (
        f.n_labeled_examples * f.demo_tokens * f.epochs if f.demo_tokens is not None else None
    )
    run_usd = per_request = None
    hosting = offer.hosting_usd_per_hour * hours if offer is not None else None
    if offer is not None and tokens_per_run is not None and offer.training_usd_per_mtok is not None:
        run_usd = _usd(tokens_per_run, offer.training_usd_per_mtok)
    if (
        offer is not None
        and offer.input_usd_per_mtok is not None
        and offer.output_usd_per_mtok is not None
        and f.query_tokens is not None
        and f.output_tokens is not None
    ):
        per_request = _usd(f.query_tokens, offer.input_usd_per_mtok) + _usd(
            f.output_tokens, offer.output_usd_per_mtok
        )
    requests = per_request * f.requests_per_month * months if per_request is not None else None
    retraining = run_usd * (runs - 1) if run_usd is not None else None
    total = None
    if (
        run_usd is not None
        and retraining is not None
        and requests is not None
        and hosting is not None
    ):
        total = run_usd + retraining + requests + hosting
    hosting_monthly = hosting / months if hosting is not None else None
    monthly = (
        per_request * f.requests_per_month + hosting_monthly
        if per_request is not None and hosting_monthly is not None
        else None
    )
    return construct(
        StrategyCost,
        strategy=Strategy.FINE_TUNING,
        model=spec.name,
        per_request_usd=per_request,
        monthly_usd=monthly,
        one_time_usd=run_usd,
        retraining_usd=retraining,
        hosting_usd=hosting,
        hosting_usd_per_month=hosting_monthly,
        requests_usd=requests,
        total_usd=total,
        known_part_usd=_known_sum(run_usd, retraining, requests, hosting),
        training_runs=runs,
        training_tokens_per_run=tokens_per_run,
        input_tokens_per_request=f.query_tokens,
        cached_tokens_per_request=0.0 if f.query_tokens is not None else None,
        output_tokens_per_request=f.output_tokens,
        unpriced=tuple(missing),
    )


def compare_costs(
    features: TaskFeatures, icl: ModelSpec, ft: ModelSpec, *, days_per_month: float
) -> CostComparison:
    """Price both strategies over the horizon and find where they cross.

    Totals are linear in the monthly volume ``V``: prompting costs ``V·H·a``, fine-tuning
    ``T + V·H·b + fees`` (``H`` months, ``a``/``b`` per-request costs, ``T`` all training
    runs, ``fees`` hosting). They are equal at ``V* = (T + fees) / (H·(a − b))`` when
    ``a > b``; otherwise fine-tuning is never cheaper and there is no break-even.
    """
    months = features.horizon_months
    hours = 24.0 * days_per_month * months
    icl_cost = _icl_cost(features, icl, months)
    ft_cost = _ft_cost(features, ft, months, hours)

    a, b = icl_cost.per_request_usd, ft_cost.per_request_usd
    run, hosting, retraining = ft_cost.one_time_usd, ft_cost.hosting_usd, ft_cost.retraining_usd
    break_even = payback = savings = retrain_payback = None
    if a is not None and b is not None and run is not None and hosting is not None:
        assert retraining is not None
        fixed = run + retraining + hosting
        if a > b:
            break_even = fixed / (months * (a - b))
        gross = features.requests_per_month * (a - b) - hosting / months
        savings = gross - retraining / months
        if savings > 0:
            payback = run / savings
        if gross > 0:
            retrain_payback = run / gross * days_per_month
    return construct(
        CostComparison,
        fine_tuning=ft_cost,
        in_context_learning=icl_cost,
        break_even_requests_per_month=break_even,
        payback_months=payback,
        payback_days=payback * days_per_month if payback is not None else None,
        savings_per_month_usd=savings,
        retrain_payback_days=retrain_payback,
    )
