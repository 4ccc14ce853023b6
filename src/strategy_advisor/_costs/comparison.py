"""Cost stage, the comparison: each strategy in its cheapest serving mode, break-even, payback."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .._assumptions import Assumptions
from .._catalog import ModelSpec
from .._features import TaskFeatures
from .._format import format_value, usd
from .._types import Strategy, construct
from .arms import Bill, End, Option, describe_plan, options_for
from .crossing import lowest_crossing
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost

__all__ = ["cheapest_totals", "compare_costs"]


def cheapest_totals(
    features: TaskFeatures,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    end: End,
    icl_serving: str = "cheapest",
    ft_serving: str = "cheapest",
) -> tuple[float | None, float | None]:
    """Both strategies' totals (fine-tuning, prompting), each in its cheapest serving mode,
    with the serving figures at ``end``: the totals alone, for the cost ranges."""
    v = features.requests_per_month
    ft_options = options_for(
        Strategy.FINE_TUNING, features, ft, ft_serving, assumptions=assumptions, end=end
    )
    icl_options = options_for(
        Strategy.IN_CONTEXT_LEARNING, features, icl, icl_serving, assumptions=assumptions, end=end
    )
    return _best(ft_options, v).total(v), _best(icl_options, v).total(v)


def _rank(option: Option, volume: float) -> tuple[int, float]:
    total = option.total(volume)
    if total is not None:
        return 0, total
    known = option.known_part(volume)
    return 1, known if known is not None else math.inf


def _best(options: Sequence[Option], volume: float) -> Option:
    """The cheapest option at ``volume`` (a priced total before an unpriced one; the first
    listed on a tie, so an online price beats an equal batch price)."""
    return min(options, key=lambda o: _rank(o, volume))


def compare_costs(
    features: TaskFeatures,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    icl_serving: str = "cheapest",
    ft_serving: str = "cheapest",
) -> CostComparison:
    """Price both strategies over the horizon, each in its cheapest serving option (or the
    mode the profile fixes), and find where the two totals cross.

    Totals are ``one-time + H·(V·per-request + serving fees) + later runs and changes``;
    the break-even ``V*`` is the lowest volume above which fine-tuning is cheaper
    (:func:`~.crossing.lowest_crossing`), every other input fixed.
    """
    f = features
    months = f.horizon_months
    volume = f.requests_per_month
    icl_options = options_for(
        Strategy.IN_CONTEXT_LEARNING, f, icl, icl_serving, assumptions=assumptions
    )
    ft_options = options_for(Strategy.FINE_TUNING, f, ft, ft_serving, assumptions=assumptions)
    icl_bill = _best(icl_options, volume).at(volume)
    ft_bill = _best(ft_options, volume).at(volume)
    icl_cost = _strategy_cost(icl_bill, icl_options, icl, f, assumptions)
    ft_cost = _strategy_cost(ft_bill, ft_options, ft, f, assumptions)

    break_even = None
    if icl_cost.total_usd is not None and ft_cost.total_usd is not None:
        break_even = lowest_crossing(
            [o for o in ft_options if o.fixed() is not None and o.miss_price is not None],
            [o for o in icl_options if o.fixed() is not None and o.miss_price is not None],
        )
    payback = savings = retrain_payback = None
    icl_month, ft_month = icl_cost.monthly_usd, ft_cost.monthly_usd
    ft_once, icl_once = ft_cost.one_time_usd, icl_cost.one_time_usd
    if icl_month is not None and ft_month is not None and ft_once is not None:
        assert icl_once is not None
        savings = icl_month - ft_month
        if savings > 0:
            payback = max(ft_once - icl_once, 0.0) / savings
        option = ft_bill.option
        run, retrain = option.training_run, option.retraining()
        if run is not None and retrain is not None:
            gross = savings + retrain / months
            if gross > 0:
                per_run = run + option.people_per_retraining
                retrain_payback = per_run / gross * assumptions.get("days_per_month")
    dpm = assumptions.get("days_per_month")
    return construct(
        CostComparison,
        fine_tuning=ft_cost,
        in_context_learning=icl_cost,
        break_even_requests_per_month=break_even,
        payback_months=payback,
        payback_days=payback * dpm if payback is not None else None,
        savings_per_month_usd=savings,
        retrain_payback_days=retrain_payback,
        favouring_fine_tuning=(),
        favouring_prompting=(),
    )


# ------------------------------------------------------------------------------ results


def _plan(bill: Bill) -> ServingPlan:
    o = bill.option
    return construct(
        ServingPlan,
        mode=o.mode,
        batch=o.batch,
        replicas=bill.replicas,
        usd_per_replica_hour=o.usd_per_replica_hour,
        gpu=o.gpu,
        gpus_per_replica=o.gpus,
        requests_per_s_per_replica=o.capacity,
        capacity_source=o.capacity_source,
        peak_requests_per_s=bill.peak_rps,
        description=describe_plan(bill),
    )


def _alternatives(
    chosen: Option, options: list[Option], volume: float
) -> tuple[ServingAlternative, ...]:
    out = []
    for o in options:
        total = o.total(volume)
        if o is chosen:
            note = "chosen: the cheapest" if len(options) > 1 else "the only mode allowed"
        elif total is None:
            note = "unpriced: " + ", ".join(o.unpriced)
        else:
            note = f"{usd(total)} over the horizon"
        out.append(
            construct(
                ServingAlternative,
                mode=o.mode,
                batch=o.batch,
                total_usd=total,
                chosen=o is chosen,
                note=note,
            )
        )
    return tuple(out)


def _strategy_cost(
    bill: Bill, options: list[Option], spec: ModelSpec, f: TaskFeatures, a: Assumptions
) -> StrategyCost:
    o, v = bill.option, bill.volume
    months = f.horizon_months
    lines = _lines(bill, spec, f, a)
    priced = [ln.usd for ln in lines if ln.usd is not None]
    total = bill.total()
    one_time = o.one_time()
    monthly = (total - one_time) / months if total is not None and one_time is not None else None
    fee = bill.fee_per_month
    per = bill.per_request
    retraining_compute = (
        (o.runs - 1) * o.training_run
        if o.training_run is not None and o.runs > 1
        else (0.0 if o.runs <= 1 else None)
    )
    people = (
        o.people_one_time
        + max(o.runs - 1, 0) * o.people_per_retraining
        + o.changes()
        + months * o.ops_per_month
    )
    return construct(
        StrategyCost,
        strategy=o.strategy,
        model=spec.name,
        serving=_plan(bill),
        alternatives=_alternatives(o, options, v),
        per_request_usd=per,
        monthly_usd=monthly,
        one_time_usd=one_time,
        training_usd=o.training_run if o.strategy is Strategy.FINE_TUNING else 0.0,
        retraining_usd=retraining_compute,
        people_usd=people,
        hosting_usd=fee * months if fee is not None else None,
        hosting_usd_per_month=fee,
        requests_usd=per * v * months if per is not None else None,
        total_usd=total,
        total_usd_low=total,
        total_usd_high=total,
        known_part_usd=sum(priced) if priced else None,
        lines=lines,
        training_runs=o.runs,
        training_tokens_per_run=o.training_tokens,
        input_tokens_per_request=o.input_tokens,
        cached_tokens_per_request=bill.cached_tokens,
        output_tokens_per_request=o.output_tokens,
        cache_hit_rate=bill.hit_rate,
        unpriced=tuple(dict.fromkeys(o.unpriced)),
    )


def _line(name: str, kind: str, usd_: float | None, formula: str, source: str) -> CostLine:
    return construct(CostLine, name=name, kind=kind, usd=usd_, formula=formula, source=source)


def _lines(bill: Bill, spec: ModelSpec, f: TaskFeatures, a: Assumptions) -> tuple[CostLine, ...]:
    o, v = bill.option, bill.volume
    months = f.horizon_months
    span = f"{months:g} month{'s' if months != 1 else ''}"
    out: list[CostLine] = []
    per = bill.per_request
    per_text = "unpriced" if per is None else f"${per:.3g}"
    tokens = o.sources.get("tokens", "unpriced")
    out.append(
        _line(
            "requests",
            "recurring",
            per * v * months if per is not None else None,
            f"{format_value(v, 'int')} requests/month x {span} x {per_text} a request",
            tokens,
        )
    )
    rate = f.engineer_hourly_usd
    people_source = _people_source(f, a)
    if o.mode != "serverless":
        fee = bill.fee_per_month
        out.append(
            _line(
                "serving",
                "recurring",
                fee * months if fee is not None else None,
                f"{describe_plan(bill)}, x 24 h x {a.get('days_per_month'):g} days x {span}",
                "; ".join(s for s in (o.sources.get("serving"), o.capacity_source) if s),
            )
        )
    if o.mode == "self_hosted":
        hours = f.self_hosting_ops_hours_per_month
        share = o.ops_per_month / (hours * rate) if hours and rate else 1.0
        shared = f" x {share:.2g} (shared deployment)" if share < 1 else ""
        out.append(
            _line(
                "self-hosting operations time",
                "recurring",
                months * o.ops_per_month,
                f"{hours:g} h/month x ${rate:g}/h{shared} x {span}",
                f"{people_source}; {a.entry('self_hosting_ops_hours_per_month').source}",
            )
        )
    if o.strategy is Strategy.FINE_TUNING:
        _ft_lines(out, o, f, people_source)
    else:
        _icl_lines(out, o, f, people_source)
    out.append(
        _line(
            "prompt engineering time",
            "one_time",
            f.prompt_engineering_hours * rate,
            f"{f.prompt_engineering_hours:g} h x ${rate:g}/h",
            people_source,
        )
    )
    return tuple(out)


def _ft_lines(out: list[CostLine], o: Option, f: TaskFeatures, people_source: str) -> None:
    rate = f.engineer_hourly_usd
    run = o.training_run
    tok = o.training_tokens
    tok_text = format_value(tok, "tok") if tok is not None else "unknown tokens"
    out.append(
        _line(
            "first training run",
            "one_time",
            run,
            f"{f.n_labeled_examples:,} examples x {format_value(f.demo_tokens, 'tok')} x "
            f"{f.epochs} epochs = {tok_text}, {usd(run)}",
            o.sources.get("training", "unpriced"),
        )
    )
    if o.runs > 1:
        later = o.runs - 1
        out.append(
            _line(
                f"retraining ({later} run{'s' if later != 1 else ''})",
                "recurring",
                later * run if run is not None else None,
                f"{later} x {usd(run)}",
                o.sources.get("training", "unpriced"),
            )
        )
        out.append(
            _line(
                "retraining time",
                "recurring",
                later * o.people_per_retraining,
                f"{later} x {f.ft_hours_per_retraining:g} h x ${rate:g}/h",
                people_source,
            )
        )
    out.append(
        _line(
            "fine-tuning set-up time",
            "one_time",
            f.ft_setup_hours * rate,
            f"{f.ft_setup_hours:g} h x ${rate:g}/h",
            people_source,
        )
    )


def _icl_lines(out: list[CostLine], o: Option, f: TaskFeatures, people_source: str) -> None:
    rate = f.engineer_hourly_usd
    if o.revisions > 0:
        out.append(
            _line(
                f"prompt revisions ({o.revisions} task change{'s' if o.revisions != 1 else ''})",
                "recurring",
                o.revision_usd,
                f"{o.revisions} x {f.prompt_revision_hours:g} h x ${rate:g}/h",
                people_source,
            )
        )
    if o.migration_usd or (o.mode != "self_hosted" and _shuts_down(f)):
        out.append(
            _line(
                "prompt migration time",
                "recurring",
                o.migration_usd,
                f"{f.prompt_migration_hours:g} h x ${rate:g}/h: {f.icl_model_name} shuts down in "
                f"{f.icl_shutdown_in_days:g} days, inside the horizon",
                people_source,
            )
        )


def _shuts_down(f: TaskFeatures) -> bool:
    s = f.icl_shutdown_in_days
    return s is not None and 0 < s < f.horizon_days


def _people_source(f: TaskFeatures, a: Assumptions) -> str:
    rate = a.entry("engineer_hourly_usd").source
    if f.people_assumed:
        return (
            f"hourly rate: {rate}; hours: stated assumptions, no published measurement "
            f"exists ({f.people_assumed} not given; set profile.people)"
        )
    return f"hourly rate: {rate}"
