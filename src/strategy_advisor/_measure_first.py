"""Measure before deciding: when knowing the quality gain is worth more than measuring the
prompted model's own score on the task, say so, with the plan, its cost and what each
plausible score would decide (issue 17, item 6).

The value of knowing the gain is the simulation's partial EVPI of the quality gain
(``Uncertainty.evpi_quality_usd``, in dollars at the policy's own exchange rate). The
measurement is ``measure_prompted_baseline`` on ``n`` of the user's labeled examples
(``data/uncertainty.json: baseline_examples``, at most the examples there are), each one
request through the prompted model as planned: ``n × the prompted per-request price``.
What it would decide: the quality model's expected gain with the baseline at each of
``baseline_outcomes_points`` (the corpus's spread of prompted scores), the rest of the
score (cost, rules, latency) as at the point estimate.
"""

from __future__ import annotations

from ._costs import CostComparison
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._format import usd
from ._profile import PromptedBaseline, TaskProfile
from ._quality import QualityFeatures, QualityModel
from ._types import Strategy, construct, replaced
from ._uncertainty import Uncertainty, uncertainty_settings

__all__ = ["measure_first"]


def measure_first(
    profile: TaskProfile,
    model: QualityModel,
    features: QualityFeatures,
    score: ScoreBreakdown,
    policy: DecisionPolicy,
    uncertainty: Uncertainty,
    costs: CostComparison,
    chosen: Strategy,
    icl_name: str,
) -> Reason | None:
    """The ``decision-measure-baseline-first`` reason, or None when nothing is to gain: a
    baseline or pilot is given already, a rule decided, there are no labeled examples to
    measure on, the prompted price is unknown, knowing the gain is worth less than the
    measurement, or no plausible score would change the answer."""
    if profile.prompted_baseline is not None or profile.pilot is not None:
        return None
    if score.decided_by != "score" or not hasattr(model, "expected_gain"):
        return None
    settings = uncertainty_settings()
    n = min(settings.baseline_examples, profile.n_labeled_examples)
    per_request = costs.in_context_learning.per_request_usd
    worth = uncertainty.evpi_quality_usd
    if n < 1 or per_request is None or worth is None:
        return None
    cost = n * per_request
    if worth <= max(cost, settings.evpi_min_usd):
        return None
    rest = score.total - score.quality_log_odds  # cost, rules and latency as at the point
    decides = []
    for points in settings.baseline_outcomes_points:
        measured = PromptedBaseline(score=points / 100.0, n_examples=n)
        f = replaced(
            features,
            icl_baseline_points=measured.points,
            icl_baseline_se_points=measured.standard_error_points,
        )
        total = rest + policy.quality_term(model.expected_gain(f, None))
        decides.append(
            (points, Strategy.FINE_TUNING if total > 0 else Strategy.IN_CONTEXT_LEARNING)
        )
    if all(s is chosen for _, s in decides):
        return None
    outcomes = ", ".join(f"{p:g} → {s.label}" for p, s in decides)
    return construct(
        Reason,
        code="decision-measure-baseline-first",
        message=(
            f"Measure the prompted baseline first: knowing the quality gain is worth about "
            f"{usd(worth)}, and {icl_name}'s own score on {n:,} of your labeled examples costs "
            f"about {usd(cost)} in calls (measure_prompted_baseline(examples, predict), then "
            "pass it as prompted_baseline=). What the score (0-100) would decide, everything "
            f"else as now: {outcomes}."
        ),
        favors=None,
        kind="note",
        decisive=False,
        weight=0.0,
    )
