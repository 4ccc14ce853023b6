"""Cost stage, the comparison: each strategy in its cheapest serving mode, break-even, payback."""

from __future__ import annotations

import math
from collections.abc import Callable

from .._assumptions import Assumptions
from .._catalog import ModelSpec, ServingMode
from .._features import TaskFeatures
from .._format import format_value, usd
from .._types import Strategy, construct
from .arms import Bill, End, allowed_modes, describe_plan, price_arm
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost

__all__ = ["cheapest_totals", "compare_costs"]

_MAX_VOLUME = 1e13  # requests per month searched for a break-even (beyond any real task)


def _modes(f: TaskFeatures, spec: ModelSpec, strategy: Strategy, fixed: str) -> list[ServingMode]:
    allowed = list(allowed_modes(spec, strategy))
    if fixed != "cheapest":
        return [fixed]  # type: ignore[list-item]
    return allowed


def _bills(
    strategy: Strategy,
    f: TaskFeatures,
    spec: ModelSpec,
    fixed: str,
    volume: float,
    assumptions: Assumptions,
    end: End,
) -> list[Bill]:
    return [
        price_arm(strategy, f, spec, mode, volume, assumptions=assumptions, end=end)
        for mode in _modes(f, spec, strategy, fixed)
    ]


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
    months, v = features.horizon_months, features.requests_per_month
    ft_bills = _bills(Strategy.FINE_TUNING, features, ft, ft_serving, v, assumptions, end)
    icl_bills = _bills(
        Strategy.IN_CONTEXT_LEARNING, features, icl, icl_serving, v, assumptions, end
    )
    return _best(ft_bills, months).total(months), _best(icl_bills, months).total(months)


def _rank(bill: Bill, months: float) -> tuple[int, float]:
    total = bill.total(months)
    if total is not None:
        return 0, total
    known = bill.known_part(months)
    return 1, known if known is not None else math.inf


def _best(bills: list[Bill], months: float) -> Bill:
    return min(bills, key=lambda b: _rank(b, months))


def compare_costs(
    features: TaskFeatures,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    assumptions: Assumptions,
    icl_serving: str = "cheapest",
    ft_serving: str = "cheapest",
) -> CostComparison:
    """Price both strategies over the horizon, each in its cheapest serving mode (or the
    mode the profile fixes), and find where the two totals cross.

    Totals are ``one-time + H·(V·per-request + serving fees) + retraining``; with serving
    fees that step with replicas and cache hit rates that grow with the rate, the
    break-even ``V*`` (where both totals are equal, fine-tuning cheaper above it) is found
    by bisection over the volume, every other input fixed.
    """
    f = features
    months = f.horizon_months
    volume = f.requests_per_month

    def bills(strategy: Strategy, spec: ModelSpec, fixed: str, v: float) -> list[Bill]:
        return _bills(strategy, f, spec, fixed, v, assumptions, "point")

    icl_bills = bills(Strategy.IN_CONTEXT_LEARNING, icl, icl_serving, volume)
    ft_bills = bills(Strategy.FINE_TUNING, ft, ft_serving, volume)
    icl_bill, ft_bill = _best(icl_bills, months), _best(ft_bills, months)
    icl_cost = _strategy_cost(icl_bill, icl_bills, icl, f, assumptions)
    ft_cost = _strategy_cost(ft_bill, ft_bills, ft, f, assumptions)

    def gap(v: float) -> tuple[float, float] | None:
        """(total_FT − total_ICL, its slope in V) at volume v; None if unpriced."""
        ft_b = _best(bills(Strategy.FINE_TUNING, ft, ft_serving, v), months)
        icl_b = _best(bills(Strategy.IN_CONTEXT_LEARNING, icl, icl_serving, v), months)
        ft_total, icl_total = ft_b.total(months), icl_b.total(months)
        if ft_total is None or icl_total is None:
            return None
        assert ft_b.per_request is not None and icl_b.per_request is not None
        return ft_total - icl_total, months * (ft_b.per_request - icl_b.per_request)

    break_even = None
    if icl_cost.total_usd is not None and ft_cost.total_usd is not None:
        break_even = _crossing(gap, volume)
    payback = savings = retrain_payback = None
    icl_month, ft_month = icl_cost.monthly_usd, ft_cost.monthly_usd
    ft_once, icl_once = ft_cost.one_time_usd, icl_cost.one_time_usd
    if icl_month is not None and ft_month is not None and ft_once is not None:
        assert icl_once is not None
        savings = icl_month - ft_month
        if savings > 0:
            payback = max(ft_once - icl_once, 0.0) / savings
        run = ft_bill.training_run
        retrain = ft_bill.retraining()
        if run is not None and retrain is not None:
            gross = savings + retrain / months
            if gross > 0:
                per_run = run + ft_bill.people_per_retraining
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
    )


def _crossing(gap: Callable[[float], tuple[float, float] | None], start: float) -> float | None:
    """The volume where fine-tuning's total meets prompting's, fine-tuning cheaper above it.

    Newton's method on ``gap = total_FT − total_ICL`` from the current volume, with the
    slope ``H·(per-request_FT − per-request_ICL)``: exact in one step where the totals are
    linear in the volume, a few more where cache hit rates or replica counts move. Where a
    step (one more replica) makes the totals jump past each other, a bracketing bisection
    confirms there is no volume of equal cost and the answer is None.
    """
    at = gap(start)
    if at is None:
        return None
    g0, _ = gap(0.0) or (0.0, 0.0)
    if g0 <= 0:
        return None  # fine-tuning is never dearer: no volume at which it starts to win
    scale = max(abs(g0), 1.0)
    v, (g, slope) = start, at
    lo, hi = (0.0, math.inf)
    for _ in range(40):
        if abs(g) <= 1e-9 * scale:
            return v
        if g > 0:
            lo = max(lo, v)
        else:
            hi = min(hi, v)
        step = v - g / slope if slope < 0 else math.nan
        if not (math.isfinite(step) and lo < step < hi and step <= _MAX_VOLUME):
            step = math.sqrt(max(lo, 1e-3) * hi) if math.isfinite(hi) else max(4.0 * v, 1.0)
        if step > _MAX_VOLUME:
            return None
        nxt = gap(step)
        if nxt is None:
            return None
        v, (g, slope) = step, nxt
        if math.isfinite(hi) and hi - lo <= 1e-9 * hi:
            break
    return v if abs(g) <= 1e-6 * scale else None


# ------------------------------------------------------------------------------ results


def _plan(bill: Bill) -> ServingPlan:
    return construct(
        ServingPlan,
        mode=bill.mode,
        batch=bill.batch,
        replicas=bill.replicas,
        usd_per_replica_hour=bill.usd_per_replica_hour,
        gpu=bill.gpu,
        gpus_per_replica=bill.gpus,
        requests_per_s_per_replica=bill.capacity,
        capacity_source=bill.capacity_source,
        peak_requests_per_s=bill.peak_rps,
        description=describe_plan(bill),
    )


def _alternatives(chosen: Bill, bills: list[Bill], months: float) -> tuple[ServingAlternative, ...]:
    out = []
    for b in bills:
        total = b.total(months)
        if b is chosen:
            note = "chosen: the cheapest" if len(bills) > 1 else "the only mode allowed"
        elif total is None:
            note = "unpriced: " + ", ".join(b.unpriced)
        else:
            note = f"{usd(total)} over the horizon"
        out.append(
            construct(
                ServingAlternative, mode=b.mode, total_usd=total, chosen=b is chosen, note=note
            )
        )
    return tuple(out)


def _strategy_cost(
    bill: Bill, bills: list[Bill], spec: ModelSpec, f: TaskFeatures, a: Assumptions
) -> StrategyCost:
    months = f.horizon_months
    lines = _lines(bill, spec, f, a)
    priced = [ln.usd for ln in lines if ln.usd is not None]
    total = bill.total(months)
    one_time = bill.one_time()
    monthly = (total - one_time) / months if total is not None and one_time is not None else None
    fee = bill.fee_per_month
    requests = bill.per_request * bill.volume * months if bill.per_request is not None else None
    retraining_compute = (
        (bill.runs - 1) * bill.training_run
        if bill.training_run is not None and bill.runs > 1
        else (0.0 if bill.runs <= 1 else None)
    )
    people = bill.people_one_time + max(bill.runs - 1, 0) * bill.people_per_retraining
    return construct(
        StrategyCost,
        strategy=bill.strategy,
        model=spec.name,
        serving=_plan(bill),
        alternatives=_alternatives(bill, bills, months),
        per_request_usd=bill.per_request,
        monthly_usd=monthly,
        one_time_usd=one_time,
        training_usd=bill.training_run if bill.strategy is Strategy.FINE_TUNING else 0.0,
        retraining_usd=retraining_compute,
        people_usd=people,
        hosting_usd=fee * months if fee is not None else None,
        hosting_usd_per_month=fee,
        requests_usd=requests,
        total_usd=total,
        total_usd_low=total,
        total_usd_high=total,
        known_part_usd=sum(priced) if priced else None,
        lines=lines,
        training_runs=bill.runs,
        training_tokens_per_run=bill.training_tokens,
        input_tokens_per_request=bill.input_tokens,
        cached_tokens_per_request=bill.cached_tokens,
        output_tokens_per_request=bill.output_tokens,
        cache_hit_rate=bill.hit_rate,
        unpriced=tuple(dict.fromkeys(bill.unpriced)),
    )


def _line(name: str, kind: str, usd_: float | None, formula: str, source: str) -> CostLine:
    return construct(CostLine, name=name, kind=kind, usd=usd_, formula=formula, source=source)


def _lines(bill: Bill, spec: ModelSpec, f: TaskFeatures, a: Assumptions) -> tuple[CostLine, ...]:
    months, v = f.horizon_months, bill.volume
    span = f"{months:g} month{'s' if months != 1 else ''}"
    out: list[CostLine] = []
    per = bill.per_request
    per_text = "unpriced" if per is None else f"${per:.3g}"
    tokens = bill.sources.get("tokens", "unpriced")
    out.append(
        _line(
            "requests",
            "recurring",
            per * v * months if per is not None else None,
            f"{format_value(v, 'int')} requests/month x {span} x {per_text} a request",
            tokens,
        )
    )
    if bill.mode != "serverless":
        fee = bill.fee_per_month
        out.append(
            _line(
                "serving",
                "recurring",
                fee * months if fee is not None else None,
                f"{describe_plan(bill)}, x 24 h x {a.get('days_per_month'):g} days x {span}",
                "; ".join(s for s in (bill.sources.get("serving"), bill.capacity_source) if s),
            )
        )
    rate = f.engineer_hourly_usd
    people_source = _people_source(f, a)
    if bill.strategy is Strategy.FINE_TUNING:
        run = bill.training_run
        tok = bill.training_tokens
        tok_text = format_value(tok, "tok") if tok is not None else "unknown tokens"
        out.append(
            _line(
                "first training run",
                "one_time",
                run,
                f"{f.n_labeled_examples:,} examples x {format_value(f.demo_tokens, 'tok')} x "
                f"{f.epochs} epochs = {tok_text}, {usd(run)}",
                bill.sources.get("training", "unpriced"),
            )
        )
        if bill.runs > 1:
            out.append(
                _line(
                    f"retraining ({bill.runs - 1} run{'s' if bill.runs != 2 else ''})",
                    "recurring",
                    (bill.runs - 1) * run if run is not None else None,
                    f"{bill.runs - 1} x {usd(run)}",
                    bill.sources.get("training", "unpriced"),
                )
            )
            out.append(
                _line(
                    "retraining time",
                    "recurring",
                    (bill.runs - 1) * bill.people_per_retraining,
                    f"{bill.runs - 1} x {f.ft_hours_per_retraining:g} h x ${rate:g}/h",
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


def _people_source(f: TaskFeatures, a: Assumptions) -> str:
    rate = a.entry("engineer_hourly_usd").source
    if f.people_assumed:
        return (
            f"hourly rate: {rate}; hours: stated assumptions, no published measurement "
            f"exists ({f.people_assumed} not given; set profile.people)"
        )
    return f"hourly rate: {rate}"
