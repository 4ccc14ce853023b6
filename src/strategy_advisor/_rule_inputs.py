"""Rule inputs: the named values rules may test, from features, costs and latency."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from ._costs import CostComparison
from ._features import FEATURE_DOCS, FeatureValue, TaskFeatures
from ._latency import LatencyComparison

__all__ = ["RULE_INPUT_DOCS", "RULE_INPUT_KINDS", "InputKind", "rule_inputs"]

_OUTCOME_DOCS: dict[str, str] = {
    "icl_per_request_usd": "Prompting: cost of one request, USD.",
    "ft_per_request_usd": "Fine-tuning: cost of one request to the tuned model, USD.",
    "icl_monthly_usd": "Prompting: recurring cost per month, USD.",
    "ft_monthly_usd": "Fine-tuning: recurring cost per month (requests + hosting), USD.",
    "icl_total_usd": "Prompting: total over the horizon, USD.",
    "ft_total_usd": "Fine-tuning: total over the horizon, USD.",
    "ft_one_time_usd": "Fine-tuning: first training run, USD.",
    "ft_training_runs": "Fine-tuning: training runs within the horizon.",
    "ft_hosting_usd_per_month": "Fine-tuning: dedicated-deployment fees per month, USD.",
    "icl_prefix_cached": "Prompting: the static prefix is billed at the cached-input price.",
    "icl_unpriced": "Prompting's total cannot be priced (a price or token length is unknown).",
    "ft_unpriced": "Fine-tuning's total cannot be priced (a price or token length is unknown).",
    "break_even_requests_per_month": "Monthly volume at which both totals are equal.",
    "payback_months": "Months until the first training run is paid back.",
    "payback_days": "Days until the first training run is paid back.",
    "savings_per_month_usd": "Prompting's monthly cost minus fine-tuning's, USD.",
    "retrain_payback_days": "Days of savings one training run needs to pay for itself.",
    "icl_latency_ms": "Prompting: estimated end-to-end latency per request, ms.",
    "ft_latency_ms": "Fine-tuning: estimated end-to-end latency per request, ms.",
    "icl_ttft_ms": "Prompting: estimated time to first token, ms.",
}

RULE_INPUT_DOCS: dict[str, str] = {**FEATURE_DOCS, **_OUTCOME_DOCS}

InputKind = Literal["number", "bool", "text"]


def _kind(annotation: Any) -> InputKind:
    args = set(get_args(annotation)) | {annotation}
    if bool in args:
        return "bool"
    if str in args or any(get_origin(a) is Literal for a in args):
        return "text"
    return "number"


RULE_INPUT_KINDS: dict[str, InputKind] = {
    **{name: _kind(field.annotation) for name, field in TaskFeatures.model_fields.items()},
    **{name: "number" for name in _OUTCOME_DOCS},
    "icl_prefix_cached": "bool",
    "icl_unpriced": "bool",
    "ft_unpriced": "bool",
}


def rule_inputs(
    features: TaskFeatures, costs: CostComparison, latency: LatencyComparison
) -> dict[str, FeatureValue]:
    """Every named value a rule may test (see :data:`RULE_INPUT_DOCS`)."""
    icl, ft = costs.in_context_learning, costs.fine_tuning
    values: dict[str, FeatureValue] = {
        **features.as_rule_inputs(),
        "icl_per_request_usd": icl.per_request_usd,
        "ft_per_request_usd": ft.per_request_usd,
        "icl_monthly_usd": icl.monthly_usd,
        "ft_monthly_usd": ft.monthly_usd,
        "icl_total_usd": icl.total_usd,
        "ft_total_usd": ft.total_usd,
        "ft_one_time_usd": ft.one_time_usd,
        "ft_training_runs": ft.training_runs,
        "ft_hosting_usd_per_month": ft.hosting_usd_per_month,
        "icl_prefix_cached": (
            None if icl.cached_tokens_per_request is None else icl.cached_tokens_per_request > 0
        ),
        "icl_unpriced": icl.total_usd is None,
        "ft_unpriced": ft.total_usd is None,
        "break_even_requests_per_month": costs.break_even_requests_per_month,
        "payback_months": costs.payback_months,
        "payback_days": costs.payback_days,
        "savings_per_month_usd": costs.savings_per_month_usd,
        "retrain_payback_days": costs.retrain_payback_days,
        "icl_latency_ms": latency.in_context_learning.total_ms,
        "ft_latency_ms": latency.fine_tuning.total_ms,
        "icl_ttft_ms": latency.in_context_learning.ttft_ms,
    }
    assert set(values) == set(RULE_INPUT_DOCS), set(values) ^ set(RULE_INPUT_DOCS)
    return values
