"""The advisor: the pipeline's swappable parts, and ``recommend()`` as a thin façade."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from ._assumptions import Assumptions, default_assumptions
from ._catalog import Catalog, ModelSpec, default_catalog
from ._costs import CostComparison, StrategyCost, cheapest_totals, compare_costs
from ._decision import Decision, DecisionPolicy, Reason, decide, reasons_for
from ._errors import ParameterError
from ._features import ShotPlan, TaskFeatures, derive_features, on_own_weights, serving_modes
from ._latency import LatencyComparison, estimate_latency
from ._portfolio import Portfolio, Sweep, run_parallel, validated_profiles
from ._profile import TaskProfile
from ._prompt_plan import plan_prompt
from ._quality import (
    QualityEstimate,
    QualityFeatures,
    QualityModel,
    load_default_quality_model,
    quality_features_for,
)
from ._ranges import SERVING_FIGURES, Side, at_end, shared_estimates
from ._recommendation import Recommendation
from ._rules import Rulebook, default_rulebook
from ._types import FrozenMap, Strategy, construct
from ._whatif import (
    FlipPoint,
    SensitivityRow,
    apply_changes,
    exploration_settings,
    find_flip_points,
    flip_reason,
    sensitivity_table,
)

__all__ = ["Advisor", "recommend", "recommend_many", "sweep", "what_if"]


@functools.cache
def _library_version() -> str:
    """The installed package version, read once (importlib.metadata is slow)."""
    from importlib.metadata import PackageNotFoundError, version

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

    def profile_from_examples(self, examples: Any, /, **kwargs: Any) -> TaskProfile:
        """:func:`strategy_advisor.profile_from_examples`, resolving model names in this
        advisor's catalog (for their tokenizer encodings)."""
        from ._tokens import profile_from_examples  # token counting loads only when used

        return profile_from_examples(examples, catalog=self.catalog, **kwargs)

    def _with_ranges(
        self,
        costs: CostComparison,
        profile: TaskProfile,
        icl: ModelSpec,
        ft: ModelSpec,
        plan: ShotPlan | None,
        today: dt.date,
    ) -> CostComparison:
        """The costs with each strategy's total at the cheap and dear ends of every
        estimated input (``_ranges``), the prompt kept as planned; and the pairs of totals
        in the consistent scenarios that favour one strategy most, for the decision: each
        estimate only one bill depends on at the end that favours that strategy, the shared
        ones (:func:`~._ranges.shared_estimates`) at one common end, each end tried."""
        if costs.fine_tuning.total_usd is None and costs.in_context_learning.total_usd is None:
            return costs
        keys = shared_estimates(
            serving_modes(icl, Strategy.IN_CONTEXT_LEARNING, profile.icl_serving),
            serving_modes(ft, Strategy.FINE_TUNING, profile.ft_serving),
        )
        serving_shared = SERVING_FIGURES in keys
        totals: dict[tuple[str, str], _Totals] = {}
        # (the end of the one-bill estimates, the end of the shared ones)
        scenarios: tuple[tuple[Side, Side], ...] = (
            ("low", "low"),
            ("high", "high"),
            ("high", "low"),
            ("low", "high"),
        )
        for side, shared in scenarios:
            p2, icl2, ft2 = at_end(
                profile, icl, ft, self.assumptions, side, shared=shared, shared_keys=keys
            )
            f2 = derive_features(
                p2,
                icl2,
                ft2,
                assumptions=self.assumptions,
                today=today,
                catalog_as_of=self.catalog.as_of_date,
                plan=plan,
                cache_end=side,  # the cache lifetime enters prompting's bill only
            )
            totals[side, shared] = cheapest_totals(
                f2,
                icl2,
                ft2,
                assumptions=self.assumptions,
                end=shared if serving_shared else side,  # the serving figures' end
                icl_serving=p2.icl_serving,
                ft_serving=p2.ft_serving,
            )
        (ft_lo, icl_lo), (ft_hi, icl_hi) = totals["low", "low"], totals["high", "high"]
        (ft_m1, icl_m1), (ft_m2, icl_m2) = totals["high", "low"], totals["low", "high"]

        def pairs(*candidates: _Totals) -> tuple[tuple[float, float], ...]:
            return tuple((a, b) for a, b in candidates if a is not None and b is not None)

        return construct(
            CostComparison,
            **{
                **costs.__dict__,
                "fine_tuning": _ranged(costs.fine_tuning, ft_lo, ft_hi),
                "in_context_learning": _ranged(costs.in_context_learning, icl_lo, icl_hi),
                "favouring_fine_tuning": pairs((ft_lo, icl_m1), (ft_m2, icl_hi)),
                "favouring_prompting": pairs((ft_m1, icl_lo), (ft_hi, icl_m2)),
            },
        )

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
        today = evaluation_date(today)
        icl = self.catalog.resolve(profile.icl_model, "icl_model")
        ft = self.catalog.resolve(profile.ft_model, "ft_model")

        quality_model = self.quality_model

        def gain_of(candidates: list[TaskFeatures]) -> list[float]:
            # each candidate prompt's expected gain only (the estimate of the one chosen is
            # computed in full below, and kept by the model)
            return [
                quality_model.expected_gain(_quality_features(profile, f, icl, ft), profile.pilot)
                for f in candidates
            ]

        plan, features = plan_prompt(
            profile,
            icl,
            ft,
            assumptions=self.assumptions,
            latency_defaults=self.catalog.latency_defaults,
            policy=policy,
            gain_of=gain_of,
            today=today,
            catalog_as_of=self.catalog.as_of_date,
        )
        costs = compare_costs(
            features,
            icl,
            ft,
            assumptions=self.assumptions,
            icl_serving=profile.icl_serving,
            ft_serving=profile.ft_serving,
        )
        features = on_own_weights(  # a provider's shutdown spares own weights
            features,
            tuned=costs.fine_tuning.serving.mode == "self_hosted",
            prompted=costs.in_context_learning.serving.mode == "self_hosted",
        )
        costs = self._with_ranges(costs, profile, icl, ft, plan, today)
        latency = estimate_latency(
            features,
            icl,
            ft,
            defaults=self.catalog.latency_defaults,
            icl_batched=costs.in_context_learning.serving.batch,
            ft_batched=costs.fine_tuning.serving.batch,
        )
        inputs = _rule_inputs(features, costs, latency)
        rulebook = self.rulebook
        results = rulebook.results(inputs)
        quality = self.quality_model.predict(
            _quality_features(profile, features, icl, ft), profile.pilot
        )
        decision = decide(quality, costs, rulebook.fired_effects(results), policy=policy)

        def explain() -> dict[str, Any]:
            trace = rulebook.trace(inputs, results)
            reasons = reasons_for(decision, quality, costs, trace, profile.horizon_months)
            lead = next((r for r in reasons if r.decisive), None)
            summary = f"Recommend {decision.strategy.label} (confidence {decision.confidence:.2f})"
            if lead is not None:
                summary += f": {lead.message}"
            explored = self._explore(
                profile, features, icl, ft, plan, quality, costs, decision, policy, today
            )
            flips, sensitivity, flip_note = explored
            if flip_note is not None:  # after the weighed reasons and whether they hold
                cut = _after_weighed(reasons)
                reasons = (*reasons[:cut], flip_note, *reasons[cut:])
            return {
                "summary": summary,
                "reasons": reasons,
                "trace": trace,
                "flip_points": flips,
                "sensitivity": sensitivity,
            }

        return Recommendation.with_explanation(
            explain,
            (self, profile, policy, today),
            assumptions=self.assumptions,
            strategy=decision.strategy,
            confidence=decision.confidence,
            feasible=decision.feasible,
            quality=quality,
            costs=FrozenMap({s: costs.for_strategy(s) for s in Strategy}),
            break_even_requests_per_month=costs.break_even_requests_per_month,
            payback_months=costs.payback_months,
            payback_days=costs.payback_days,
            latency=FrozenMap({s: latency.for_strategy(s) for s in Strategy}),
            score=decision.score,
            features=features,
            models=FrozenMap({Strategy.IN_CONTEXT_LEARNING: icl, Strategy.FINE_TUNING: ft}),
            profile=profile,
            policy=policy,
            evaluation_date=today,
            catalog_as_of=self.catalog.as_of,
            library_version=_library_version(),
        )

    # -- what would change the answer ----------------------------------------------------

    def _explore(
        self,
        profile: TaskProfile,
        features: TaskFeatures,
        icl: ModelSpec,
        ft: ModelSpec,
        plan: ShotPlan | None,
        quality: QualityEstimate,
        costs: CostComparison,
        decision: Decision,
        policy: DecisionPolicy,
        today: dt.date,
    ) -> tuple[tuple[FlipPoint, ...], tuple[SensitivityRow, ...], Reason | None]:
        """Flip points (searched with this advisor), the sensitivity table, and the reason
        that quotes the nearest flip points."""

        def evaluate(changed: TaskProfile) -> Strategy:
            return self.recommend(changed, policy=policy, today=today).strategy

        flips = find_flip_points(
            profile, features, decision.strategy, evaluate, self.catalog.resolve
        )
        table = sensitivity_table(
            profile,
            icl,
            ft,
            plan=plan,
            quality=quality,
            score=decision.score,
            costs=costs,
            feasible=decision.feasible,
            assumptions=self.assumptions,
            policy=policy,
            today=today,
            catalog_as_of=self.catalog.as_of_date,
        )
        most = exploration_settings().flip_points_in_reasons
        return flips, table, flip_reason(flips, decision.strategy, most)

    def what_if(
        self,
        profile: TaskProfile | Mapping[str, Any],
        changes: Mapping[str, Any],
        *,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
    ) -> Recommendation:
        """The recommendation for ``profile`` with ``changes`` applied.

        ``changes`` maps dotted input paths, as in :attr:`FlipPoint.field`, to new values:
        ``{"requests_per_month": 2e6, "ft_model.fine_tuning.hosting_usd_per_hour": 0.9}``.
        A path into a model given by catalog name changes that model's spec. A path that
        names no input, or a value it does not accept, raises :class:`ParameterError`
        naming the path (with the closest names, or what the input expects).
        """
        base = _validated(profile)
        changed = apply_changes(base, changes, self.catalog.resolve)
        return self.recommend(changed, policy=policy, today=today)

    def sweep(
        self,
        profile: TaskProfile | Mapping[str, Any],
        field: str,
        values: Iterable[Any],
        *,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
    ) -> Sweep:
        """Recommendations for ``profile`` with one input (a dotted path) at each value.

        Returns a :class:`Sweep`: the recommendations in order and a table (strategy,
        confidence, both totals with their ranges) per value.
        """
        base = _validated(profile)
        today = evaluation_date(today)
        resolve = self.catalog.resolve
        recs = tuple(
            self.recommend(apply_changes(base, {field: v}, resolve), policy=policy, today=today)
            for v in values
        )
        return Sweep.of(field, recs)

    def recommend_many(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = 1,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
    ) -> Portfolio:
        """Recommendations for many profiles, in order, each equal to :meth:`recommend` on
        the same profile (see :func:`strategy_advisor.recommend_many`)."""
        if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
            raise ParameterError(
                f"n_jobs must be a non-zero integer (1: this process, -1: every core); "
                f"got {n_jobs!r}"
            )
        items = validated_profiles(profiles)
        today = evaluation_date(today)
        if n_jobs == 1 or len(items) < 2:
            return Portfolio(self.recommend(p, policy=policy, today=today) for p in items)
        return run_parallel(self, items, n_jobs=n_jobs, policy=policy, today=today)

    def __reduce__(self) -> tuple[Any, ...]:
        """The shipped default advisor pickles by reference; any other by its parts."""
        if _default_advisor.cache_info().currsize and self is _default_advisor():
            return (_default_advisor, ())
        return (
            _rebuild_advisor,
            (self.catalog, self.rulebook, self.quality_model, self.policy, self.assumptions),
        )


_Totals = tuple[float | None, float | None]  # (fine-tuning, prompting)


def evaluation_date(today: object) -> dt.date:
    """The ``today`` argument as a date: None is today; a datetime gives its date; an ISO
    date string (``"2026-11-27"``, as from JSON) is parsed.

    >>> evaluation_date("2026-11-27"), evaluation_date(dt.datetime(2026, 11, 27, 9, 30))
    (datetime.date(2026, 11, 27), datetime.date(2026, 11, 27))
    """
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    if isinstance(today, str):
        try:
            return dt.date.fromisoformat(today)
        except ValueError:
            pass
    raise ParameterError(
        "The 'today' parameter must be a datetime.date, an ISO date string such as "
        f"'2026-11-27', or None for today. Got {today!r} instead."
    )


def _after_weighed(reasons: tuple[Reason, ...]) -> int:
    """Where the weighed reasons (and the note on whether they hold) end."""
    cut = 0
    for i, r in enumerate(reasons):
        if r.kind != "note" or r.code.startswith("decision-"):
            cut = i + 1
    return cut


def _ranged(cost: StrategyCost, low: float | None, high: float | None) -> StrategyCost:
    total = cost.total_usd
    if total is None or low is None or high is None:
        return cost
    return construct(
        StrategyCost,
        **{**cost.__dict__, "total_usd_low": min(low, total), "total_usd_high": max(high, total)},
    )


def _rule_inputs(
    features: TaskFeatures, costs: CostComparison, latency: LatencyComparison
) -> dict[str, Any]:
    """Every value a rule may test (the fields of :class:`RuleInputs`), from the stages."""
    icl, ft = costs.in_context_learning, costs.fine_tuning
    return {
        **features.__dict__,
        "icl_per_request_usd": icl.per_request_usd,
        "ft_per_request_usd": ft.per_request_usd,
        "icl_monthly_usd": icl.monthly_usd,
        "ft_monthly_usd": ft.monthly_usd,
        "icl_total_usd": icl.total_usd,
        "ft_total_usd": ft.total_usd,
        "ft_one_time_usd": ft.one_time_usd,
        "ft_training_usd": ft.training_usd,
        "ft_people_usd": ft.people_usd,
        "icl_people_usd": icl.people_usd,
        "ft_training_runs": ft.training_runs,
        "ft_serving_mode": ft.serving.mode,
        "icl_serving_mode": icl.serving.mode,
        "ft_replicas": ft.serving.replicas,
        "icl_batch_priced": icl.serving.batch,
        "ft_batch_priced": ft.serving.batch,
        "ft_hosting_usd_per_month": ft.hosting_usd_per_month,
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


def _quality_features(
    profile: TaskProfile, features: TaskFeatures, icl: ModelSpec, ft: ModelSpec
) -> QualityFeatures:
    return quality_features_for(
        profile,
        icl,
        ft,
        icl_shots=features.icl_shots,
        same_model=features.same_model,
        retrieval=features.retrieved_tokens > 0,
        n_labeled_examples=features.n_labeled_examples,
    )


@functools.cache
def _default_advisor() -> Advisor:
    return Advisor()


def recommend(
    profile: TaskProfile | Mapping[str, Any],
    *,
    catalog: Catalog | None = None,
    rulebook: Rulebook | None = None,
    quality_model: QualityModel | None = None,
    policy: DecisionPolicy | None = None,
    assumptions: Assumptions | None = None,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """Recommend fine-tuning or in-context learning for a task.

    A thin façade over :meth:`Advisor.recommend`. It takes the same parts as
    :class:`Advisor` (``catalog``, ``rulebook``, ``quality_model``, ``policy``,
    ``assumptions``): any given part replaces the shipped one; ``advisor`` passes a whole
    advisor instead (then give no parts, except ``policy`` for this call).

    Examples
    --------
    >>> from strategy_advisor import TaskProfile, recommend
    >>> rec = recommend(TaskProfile(task_type="classification", n_labeled_examples=5000,
    ...     n_classes=4, avg_input_tokens=300, avg_output_tokens=2,
    ...     requests_per_month=20_000_000), today=datetime.date(2026, 11, 27))
    >>> rec.strategy.value
    'fine_tuning'
    """
    parts = {
        "catalog": catalog,
        "rulebook": rulebook,
        "quality_model": quality_model,
        "assumptions": assumptions,
    }
    given = [k for k, v in parts.items() if v is not None]
    if advisor is not None and given:
        raise ParameterError(
            f"recommend() got advisor= and {', '.join(f'{k}=' for k in given)}: pass either "
            "an advisor or the parts to replace, not both (Advisor(...) takes the same parts)."
        )
    if advisor is None:
        advisor = (
            Advisor(
                catalog=catalog,
                rulebook=rulebook,
                quality_model=quality_model,
                assumptions=assumptions,
            )
            if given
            else _default_advisor()
        )
    return advisor.recommend(profile, policy=policy, today=today)


def _rebuild_advisor(
    catalog: Catalog,
    rulebook: Rulebook,
    quality_model: QualityModel,
    policy: DecisionPolicy,
    assumptions: Assumptions,
) -> Advisor:
    return Advisor(
        catalog=catalog,
        rulebook=rulebook,
        quality_model=quality_model,
        policy=policy,
        assumptions=assumptions,
    )


def _validated(profile: TaskProfile | Mapping[str, Any]) -> TaskProfile:
    return profile if isinstance(profile, TaskProfile) else TaskProfile.model_validate(profile)


def what_if(
    profile: TaskProfile | Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """The recommendation with ``changes`` applied: dotted input paths (as in
    :attr:`FlipPoint.field`) mapped to new values. See :meth:`Advisor.what_if`.

    Examples
    --------
    >>> import datetime
    >>> from strategy_advisor import TaskProfile, what_if
    >>> p = TaskProfile(task_type="classification", n_labeled_examples=5000, n_classes=4,
    ...     avg_input_tokens=300, avg_output_tokens=2, requests_per_month=20_000_000)
    >>> rec = what_if(p, {"requests_per_month": 1000}, today=datetime.date(2026, 12, 1))
    >>> rec.profile.requests_per_month
    1000.0
    """
    return (advisor or _default_advisor()).what_if(profile, changes, today=today)


def sweep(
    profile: TaskProfile | Mapping[str, Any],
    field: str,
    values: Iterable[Any],
    *,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Sweep:
    """Recommendations with one input (a dotted path) at each of ``values``, and their
    table. See :meth:`Advisor.sweep`."""
    return (advisor or _default_advisor()).sweep(profile, field, values, today=today)


def recommend_many(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = 1,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Portfolio:
    """Recommendations for many profiles, in order, each equal to ``recommend()`` on the
    same profile.

    ``n_jobs`` other than 1 runs the profiles in parallel through joblib (the ``parallel``
    extra), in chunks; ``-1`` uses every core. joblib's backends run it on a cluster with
    no other change: ``with joblib.parallel_config(backend="dask"): recommend_many(...)``.
    Each recommendation's explanation (reasons, trace, flip points) is written when first
    read, in the process that reads it.
    """
    return (advisor or _default_advisor()).recommend_many(profiles, n_jobs=n_jobs, today=today)
