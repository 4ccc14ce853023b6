"""The advisor: the pipeline's swappable parts, and the stages run in order for one answer,
a sweep or a portfolio (the public functions are thin façades over it, ``_facade``)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

from ._answer import latency_at_point, placed, summary_line
from ._assumptions import Assumptions, default_assumptions
from ._batches import run_parallel, stream, validated_profiles
from ._catalog import Catalog, default_catalog
from ._costs import CostComparison, cost_comparison
from ._curve import cost_curve
from ._decision import Decision, DecisionPolicy, decide
from ._errors import ParameterError
from ._estimates import GainOfZ, gain_at
from ._features import features_at
from ._flips import Explored, explore
from ._measure_first import measure_first
from ._pipeline import (
    Evaluation,
    Parts,
    evaluate,
    quality_features,
    rule_inputs_at,
    with_break_even,
)
from ._portfolio import Errors, Portfolio, ProfileFailure, Sweep, TableNumbers
from ._profile import TaskProfile
from ._quality import QualityEstimate, QualityFeatures, QualityModel, load_default_quality_model
from ._reasons import reasons_for
from ._recommendation import Recommendation
from ._rules import Rulebook, default_rulebook
from ._scenarios import Case, Scenarios, knob_for_path, knob_named
from ._simulation import (
    SimulationResult,
    SimulationTable,
    evaluate_table,
    simulation_table,
    summarise,
)
from ._sweep import sweep_volumes
from ._types import FrozenMap, Strategy, construct, replaced
from ._uncertainty import uncertainty_settings
from ._whatif import apply_changes

__all__ = ["Advisor", "default_advisor", "evaluation_date"]


@dataclass
class _Decided:
    """A decision and what it rests on."""

    case: Case
    parts: Parts
    point: Scenarios
    at_point: Evaluation
    explored: Explored
    quality: QualityEstimate
    sim: SimulationResult
    decision: Decision
    costs: CostComparison
    quality_features: QualityFeatures  # the quality model's input, as the prompt is planned


@dataclass
class _Searched:
    """The point estimate, the simulation's table and the search around the point."""

    case: Case
    parts: Parts
    point: Scenarios
    at_point: Evaluation
    features: QualityFeatures  # the quality model's input, as the prompt is planned
    quality: QualityEstimate
    table: SimulationTable  # the simulation's rows
    explored: Explored


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

    def _case(self, profile: TaskProfile, today: dt.date) -> Case:
        icl = self.catalog.resolve(profile.icl_model, "icl_model")
        ft = self.catalog.resolve(profile.ft_model, "ft_model")
        return Case.of(
            profile,
            icl,
            ft,
            assumptions=self.assumptions,
            today=today,
            catalog_as_of=self.catalog.as_of_date,
        )

    def _parts(self, profile: TaskProfile, case: Case, policy: DecisionPolicy) -> Parts:
        return Parts(
            rulebook=self.rulebook,
            quality=self.quality_model,
            policy=policy,
            base_quality=quality_features(case),
            pilot=profile.pilot,
            min_examples=case.ft_min_examples,
        )

    def _searched(
        self, profile: TaskProfile, policy: DecisionPolicy, today: dt.date, *, explained: bool,
        simulated: bool = True,
    ) -> _Searched:  # fmt: skip
        """The point estimate; the simulation's table; the break-even and (``explained``)
        the flip points, searched together, with (``simulated``) the simulation's rows
        evaluated along with the first probes (they depend on the point only and are
        evaluated without the break-even)."""
        case = self._case(profile, today)
        parts = self._parts(profile, case, policy)
        point = Scenarios.point(case)
        at_point = evaluate(case, point, parts)
        planned = float(at_point.plan.shots[0])
        features, quality, gain_of_z = self._quality_at(parts, profile, planned)
        table = simulation_table(case, point, at_point, quality, gain_of_z)
        along = table.rows if simulated else None
        explored = explore(case, parts, point, at_point, flips=explained, along=along)
        return _Searched(case, parts, point, at_point, features, quality, table, explored)

    def _decided(
        self,
        profile: TaskProfile,
        policy: DecisionPolicy,
        today: dt.date,
        *,
        explained: bool = True,
    ) -> _Decided:
        """The decision and everything it rests on, in pipeline order: the search
        (:meth:`_searched`); the point's rules with the break-even; the simulation's summary
        (``explained``: with the sensitivity table); the decision and its costs. A sweep's
        rows are not explained."""
        found = self._searched(profile, policy, today, explained=explained)
        case, parts, point, table, explored = (
            found.case, found.parts, found.point, found.table, found.explored
        )  # fmt: skip
        evaluated = explored.along if explored.along is not None else (
            evaluate_table(case, parts, table)
        )  # fmt: skip
        at_point = found.at_point
        be = explored.break_even
        if be is not None:  # rules that test the break-even see it
            at_point = with_break_even(at_point, be, parts)
        sim = summarise(
            table, evaluated, at_point.scores, found.quality, parts, explained=explained,
            point_totals={k: float(at_point.bills.total[k][0]) for k in Strategy},
        )  # fmt: skip
        fired = tuple(
            e
            for e, f in zip(self.rulebook.effects, at_point.rules.fired[:, 0].tolist(), strict=True)
            if f
        )
        decision = decide(at_point.scores, fired, sim.share_fine_tuning_better, policy=policy)
        costs = cost_comparison(
            case, point, at_point.bills, break_even=be, intervals=sim.intervals,
            break_even_shots=explored.volumes[be][2] if be in explored.volumes else None,
        )  # fmt: skip
        return _Decided(
            case, parts, point, at_point, explored, found.quality, sim, decision, costs,
            found.features,
        )  # fmt: skip

    def _quality_at(
        self, parts: Parts, profile: TaskProfile, planned: float
    ) -> tuple[QualityFeatures, QualityEstimate, GainOfZ]:
        """The quality estimate with a prompt of ``planned`` demonstrations (what the
        quality model is told, the estimate, the quantile function of its gain)."""
        features = replaced(parts.base_quality, icl_shots=0 if np.isnan(planned) else int(planned))
        quality = self.quality_model.predict(features, profile.pilot)
        quantiles = getattr(self.quality_model, "gain_at", None)  # a stand-in may lack it
        gain_of_z = (
            functools.partial(quantiles, features, profile.pilot)
            if quantiles is not None
            else functools.partial(gain_at, quality)
        )
        return features, quality, gain_of_z

    def recommend(
        self,
        profile: TaskProfile | Mapping[str, Any],
        *,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
    ) -> Recommendation:
        """Recommend fine-tuning or in-context learning for ``profile``.

        Every stage runs once, forward: plan the prompt, price both strategies, time them,
        check the rules, estimate quality, decide; then the simulation, the break-even and
        the flip points, on the same evaluation (``_pipeline``). The result is complete:
        reasons, trace, flip points and sensitivity are plain values.

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
        core = self._decided(profile, policy, today)
        case, at_point = core.case, core.at_point
        be, quality, sim, decision, costs = (
            core.explored.break_even,
            core.quality,
            core.sim,
            core.decision,
            core.costs,
        )
        features = features_at(at_point.columns)
        budget = profile.latency_budget_ms
        latency = {s: latency_at_point(case, at_point, s, features, budget) for s in Strategy}
        trace = self.rulebook.trace(rule_inputs_at(at_point.columns), at_point.rules.row(0))
        reasons = reasons_for(
            decision,
            quality,
            costs,
            trace,
            profile.horizon_months,
            sim.uncertainty,
            latency,
            budget,
            sensitivity=sim.sensitivity,
        )
        flips = core.explored.flip_points
        measure = measure_first(
            profile, self.quality_model, core.quality_features, decision.score, policy,
            sim.uncertainty, costs, decision.strategy, case.icl.name,
        )  # fmt: skip
        reasons = placed(reasons, decision, flips, measure, core.explored.break_even)
        settings = uncertainty_settings()
        priced = dict(core.explored.volumes)
        ft0, icl0 = costs.fine_tuning.total_usd, costs.in_context_learning.total_usd
        if ft0 is not None and icl0 is not None:
            priced[profile.requests_per_month] = (ft0, icl0, float(at_point.plan.shots[0]))
        curve = cost_curve(
            case,
            priced,
            sim.draws.take(slice(0, settings.curve_draws)),
            dict(decision.feasible),
            be,
            level=settings.interval_level,
        )
        summary = summary_line(decision, reasons)
        return construct(
            Recommendation,
            strategy=decision.strategy,
            confidence=decision.confidence,
            summary=summary,
            reasons=reasons,
            feasible=decision.feasible,
            quality=quality,
            costs=FrozenMap({s: costs.for_strategy(s) for s in Strategy}),
            break_even_requests_per_month=costs.break_even_requests_per_month,
            break_even_icl_shots=costs.break_even_icl_shots,
            payback_months=costs.payback_months,
            payback_days=costs.payback_days,
            latency=FrozenMap(latency),
            cost_curve=curve,
            score=decision.score,
            uncertainty=sim.uncertainty,
            trace=trace,
            flip_points=flips,
            sensitivity=sim.sensitivity,
            features=features,
            models=FrozenMap(
                {Strategy.IN_CONTEXT_LEARNING: case.icl, Strategy.FINE_TUNING: case.ft}
            ),
            profile=profile,
            policy=policy,
            evaluation_date=today,
            catalog_as_of=self.catalog.as_of,
            library_version=_library_version(),
        )

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

        Returns a :class:`Sweep`: one row per value, in order (strategy, confidence, both
        totals with their ranges, the break-even), each what :meth:`recommend` decides at
        that value. A sweep of ``requests_per_month`` is computed in a few tables
        (``_sweep.py``); of any other input, one decision per value.
        """
        base = _validated(profile)
        today = evaluation_date(today)
        resolve = self.catalog.resolve
        profiles = [apply_changes(base, {field: v}, resolve) for v in values]
        policy = policy if policy is not None else self.policy
        if knob_for_path(field) is knob_named("volume") and profiles:
            return Sweep.of(field, profiles, self._volume_sweep(profiles, policy, today))
        numbers = []
        for p in profiles:
            d = self._decided(p, policy, today, explained=False)
            totals = {c.strategy: c.total_usd for c in (d.costs.fine_tuning,
                                                          d.costs.in_context_learning)}  # fmt: skip
            numbers.append(TableNumbers.of(d.decision, d.quality, totals, d.sim.intervals,
                                           d.costs.break_even_requests_per_month))  # fmt: skip
        return Sweep.of(field, profiles, numbers)

    def _volume_sweep(
        self, profiles: list[TaskProfile], policy: DecisionPolicy, today: dt.date
    ) -> list[TableNumbers]:
        """A sweep of the volume in a few tables (``_sweep.py``): the first volume's
        break-even search and simulation table serve every volume."""
        first = profiles[0]
        found = self._searched(first, policy, today, explained=False, simulated=False)

        def quality_at(planned: float) -> tuple[QualityEstimate, GainOfZ]:
            return self._quality_at(found.parts, first, planned)[1:]

        swept = sweep_volumes(
            found.case, found.parts, [p.requests_per_month for p in profiles], found.explored,
            found.table, quality_at, policy,
        )  # fmt: skip
        return [
            TableNumbers.of(r.decision, r.quality, r.totals, r.intervals, r.break_even)
            for r in swept
        ]

    @overload
    def recommend_many(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = ...,
        policy: DecisionPolicy | None = ...,
        today: dt.date | None = ...,
        backend: str | None = ...,
        errors: Literal["raise"] = ...,
    ) -> Portfolio[Recommendation]: ...
    @overload
    def recommend_many(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = ...,
        policy: DecisionPolicy | None = ...,
        today: dt.date | None = ...,
        backend: str | None = ...,
        errors: Literal["return"],
    ) -> Portfolio[Recommendation | ProfileFailure]: ...
    def recommend_many(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = 1,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
        backend: str | None = None,
        errors: Errors = "raise",
    ) -> Portfolio[Any]:
        """Recommendations for many profiles, in order, each equal to :meth:`recommend` on
        the same profile (see :func:`strategy_advisor.recommend_many`)."""
        _check_n_jobs(n_jobs)
        today = evaluation_date(today)
        if errors == "return":
            if backend is not None:
                raise ParameterError(
                    "recommend_many(errors='return') streams through joblib's default "
                    "backend; for backend="
                    f"{backend!r} set it around the call with "
                    "joblib.parallel_config(backend=...) instead"
                )
            return Portfolio(
                self.iter_recommendations(
                    profiles, n_jobs=n_jobs, policy=policy, today=today, errors="return"
                )
            )
        if errors != "raise":
            raise ParameterError(
                f"The 'errors' parameter must be 'raise' or 'return'. Got {errors!r} instead."
            )
        items = validated_profiles(profiles)
        if (n_jobs == 1 and backend is None) or len(items) < 2:
            return Portfolio(self.recommend(p, policy=policy, today=today) for p in items)
        return run_parallel(self, items, n_jobs=n_jobs, policy=policy, today=today, backend=backend)

    @overload
    def iter_recommendations(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = ...,
        policy: DecisionPolicy | None = ...,
        today: dt.date | None = ...,
        errors: Literal["raise"] = ...,
    ) -> Iterator[Recommendation]: ...
    @overload
    def iter_recommendations(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = ...,
        policy: DecisionPolicy | None = ...,
        today: dt.date | None = ...,
        errors: Literal["return"],
    ) -> Iterator[Recommendation | ProfileFailure]: ...
    def iter_recommendations(
        self,
        profiles: Iterable[TaskProfile | Mapping[str, Any]],
        *,
        n_jobs: int = 1,
        policy: DecisionPolicy | None = None,
        today: dt.date | None = None,
        errors: Errors = "raise",
    ) -> Iterator[Any]:
        """Each profile's recommendation as it is decided, in order, keeping none (see
        :func:`strategy_advisor.iter_recommendations`)."""
        _check_n_jobs(n_jobs)
        return stream(
            self,
            profiles,
            n_jobs=n_jobs,
            policy=policy,
            today=evaluation_date(today),
            errors=errors,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """The shipped default advisor pickles by reference; any other by its parts."""
        if default_advisor.cache_info().currsize and self is default_advisor():
            return (default_advisor, ())
        return (
            _rebuild_advisor,
            (self.catalog, self.rulebook, self.quality_model, self.policy, self.assumptions),
        )


def _check_n_jobs(n_jobs: object) -> None:
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ParameterError(
            f"n_jobs must be a non-zero integer (1: this process, -1: every core); got {n_jobs!r}"
        )


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


@functools.cache
def default_advisor() -> Advisor:
    return Advisor()


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
