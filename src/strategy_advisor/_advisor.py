"""The advisor: the pipeline's swappable parts, and ``recommend()`` as a thin façade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ._assumptions import Assumptions, default_assumptions
from ._catalog import Catalog, default_catalog
from ._costs import compare_costs
from ._decision import DecisionPolicy, decide
from ._features import TaskFeatures, derive_features
from ._latency import estimate_latency
from ._profile import ModelSpec, Strategy, TaskProfile
from ._quality import QualityFeatures, QualityModel, load_default_quality_model
from ._recommendation import Recommendation
from ._rule_inputs import rule_inputs
from ._rules import Rulebook, default_rulebook

__all__ = ["Advisor", "recommend"]


def _library_version() -> str:
    try:
        return version("strategy_advisor")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


class Advisor:
    """Holds the catalog, rulebook, quality model, assumptions and decision policy.

    Every part defaults to what ships with the package; pass your own to change one
    (an organisation's rules, a refitted quality model, a private price list).

    Examples
    --------
    >>> adv = Advisor()
    >>> rec = adv.recommend(TaskProfile(task_type="classification", n_labeled_examples=0))
    >>> rec.strategy.value
    'in_context_learning'
    """

    def __init__(
        self,
        *,
        catalog: Catalog | None = None,
        rulebook: Rulebook | None = None,
        quality_model: QualityModel | None = None,
        policy: DecisionPolicy | None = None,
        assumptions: Assumptions | None = None,
    ) -> None:
        self.catalog = catalog if catalog is not None else default_catalog()
        self.rulebook = rulebook if rulebook is not None else default_rulebook()
        self.quality_model = (
            quality_model if quality_model is not None else load_default_quality_model()
        )
        self.policy = policy if policy is not None else DecisionPolicy.default()
        self.assumptions = assumptions if assumptions is not None else default_assumptions()

    def recommend(
        self,
        profile: TaskProfile | Mapping[str, Any],
        *,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
    ) -> Recommendation:
        """Recommend fine-tuning or in-context learning for ``profile``.

        Parameters
        ----------
        profile : TaskProfile or dict
            The task; a dict is validated as a ``TaskProfile`` (JSON-shaped input works).
        policy : DecisionPolicy, optional
            Overrides the advisor's quality/cost trade-off for this call.
        today : datetime.date, optional
            Evaluation date for shutdown dates (default: today). Fix it for reproducible
            output.
        """
        if not isinstance(profile, TaskProfile):
            profile = TaskProfile.model_validate(profile)
        policy = policy if policy is not None else self.policy
        today = today if today is not None else dt.date.today()
        icl = self.catalog.resolve(profile.icl_model, "icl_model")
        ft = self.catalog.resolve(profile.ft_model, "ft_model")

        features = derive_features(profile, icl, ft, assumptions=self.assumptions, today=today)
        days_per_month = self.assumptions.get("days_per_month")
        costs = compare_costs(features, icl, ft, days_per_month=days_per_month)
        latency = estimate_latency(
            costs,
            icl,
            ft,
            defaults=self.catalog.latency_defaults,
            budget_ms=profile.latency_budget_ms,
        )
        outcomes = self.rulebook.evaluate(rule_inputs(features, costs, latency))
        quality = self.quality_model.predict(_quality_features(features, icl, ft), profile.pilot)
        decision = decide(
            quality, costs, outcomes, policy=policy, horizon_months=profile.horizon_months
        )
        lead = next((r for r in decision.reasons if r.decisive), None)
        summary = f"Recommend {decision.strategy.label} (confidence {decision.confidence:.2f})"
        if lead is not None:
            summary += f": {lead.message}"
        return Recommendation(
            strategy=decision.strategy,
            confidence=decision.confidence,
            summary=summary,
            reasons=decision.reasons,
            feasible=decision.feasible,
            quality=quality,
            costs={s: costs.for_strategy(s) for s in Strategy},
            break_even_requests_per_month=costs.break_even_requests_per_month,
            payback_months=costs.payback_months,
            payback_days=costs.payback_days,
            latency={s: latency.for_strategy(s) for s in Strategy},
            score=decision.score,
            trace=outcomes,
            features=features,
            models={Strategy.IN_CONTEXT_LEARNING: icl, Strategy.FINE_TUNING: ft},
            profile=profile,
            policy=policy,
            evaluation_date=today,
            catalog_as_of=self.catalog.as_of,
            library_version=_library_version(),
        )


def _quality_features(features: TaskFeatures, icl: ModelSpec, ft: ModelSpec) -> QualityFeatures:
    offer = ft.fine_tuning
    return QualityFeatures(
        task_type=features.task_type,
        n_labeled_examples=features.n_labeled_examples,
        n_classes=features.n_classes,
        icl_shots=features.icl_shots_planned,
        ft_params_b=ft.params_b,
        icl_params_b=icl.params_b,
        ft_kind=ft.kind,
        icl_kind=icl.kind,
        same_model=features.same_model,
        ft_method=offer.method if offer is not None else "unknown",
    )


_DEFAULT: Advisor | None = None


def recommend(
    profile: TaskProfile | Mapping[str, Any],
    *,
    policy: DecisionPolicy | None = None,
    today: dt.date | None = None,
    advisor: Advisor | None = None,
    quality_model: QualityModel | None = None,
) -> Recommendation:
    """Recommend fine-tuning or in-context learning for a task.

    A thin façade over :meth:`Advisor.recommend` with the shipped catalog, rules and
    quality model. ``quality_model`` swaps in a refitted model (see
    :func:`strategy_advisor.fit_quality_model`); ``advisor`` swaps every part at once.

    Examples
    --------
    >>> from strategy_advisor import TaskProfile, recommend
    >>> rec = recommend(TaskProfile(task_type="classification", n_labeled_examples=5000,
    ...     n_classes=4, avg_input_tokens=300, avg_output_tokens=2,
    ...     requests_per_month=20_000_000), today=datetime.date(2026, 11, 27))
    >>> rec.strategy.value
    'fine_tuning'
    """
    global _DEFAULT
    if quality_model is not None:
        if advisor is not None:
            raise TypeError("pass either advisor= or quality_model=, not both")
        advisor = Advisor(quality_model=quality_model)
    if advisor is None:
        if _DEFAULT is None:
            _DEFAULT = Advisor()
        advisor = _DEFAULT
    return advisor.recommend(profile, policy=policy, today=today)
