"""Cost stage, the statement: one row of the kernel's bills as results, line by line.

The kernel (:mod:`.kernel`) prices every row; a recommendation shows one of them. Each
strategy's :class:`~.results.StrategyCost` is read off the arrays at that row: the chosen
serving option, its alternatives, and every line of the bill with its formula and source,
so the lines add up to the total the kernel computed.
"""

from __future__ import annotations

import math

import numpy as np

from .._format import format_value, share, usd
from .._replica_time import replica_time_source
from .._routes import at_slowness
from .._scenarios import Case, Scenarios
from .._types import FloatArray, Strategy, construct
from .bills import Bills, ServingBill, own_weights
from .kernel import bills_tokens, reasoning_figure
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost

__all__ = ["cost_comparison", "describe_plan", "replica_words", "route_label"]


def _f(x: FloatArray | float, row: int) -> float | None:
    v = float(x[row]) if isinstance(x, np.ndarray) else float(x)
    return None if math.isnan(v) else v


def _rate(rps: float) -> str:
    if rps >= 0.1:
        return f"{rps:.3g} requests/s"
    return f"{format_value(rps * 3600, 'int')} requests/hour"


def _peak_rps(case: Case, s: Scenarios, row: int) -> float:
    return float(s["volume"][row] / case.seconds_per_month * s["peak_ratio"][row])


def replica_words(replicas: float, for_load: float | None, shared: object = False) -> str:
    """Replicas paid for in words: the serving ones and the spares ("1 serving + 1 spare"),
    or a share of a deployment that several tasks split.

    Examples
    --------
    >>> replica_words(2.0, 1.0), replica_words(3.0, 3.0), replica_words(0.25, 0.1, True)
    ('1 serving + 1 spare', '3 replicas', '0.25 of a replica')
    """
    if replicas < 1 or bool(shared):
        return f"{replicas:.2g} of a replica" if replicas < 1 else f"{replicas:.3g} replicas"
    spare = replicas - for_load if for_load is not None and for_load >= 1 else 0.0
    if spare >= 1:
        serving = replicas - spare
        return f"{serving:g} serving + {spare:g} spare{'s' if spare != 1 else ''}"
    return f"{replicas:g} replica{'s' if replicas != 1 else ''}"


def describe_plan(o: ServingBill, row: int, peak_rps: float) -> str:
    """The serving plan in one sentence, with its numbers."""
    peak = f"a peak of {_rate(peak_rps)}"
    if o.mode == "serverless":
        how = "batch API" if o.batch else "per-token API"
        return f"serverless ({how}): no hourly fee"
    share = replica_words(float(o.replicas[row]), _f(o.replicas_for_load, row), o.shared[row])
    gpus = f" of {o.gpus}x {o.gpu}" if o.gpu and o.gpus else ""
    fee = _f(o.usd_per_replica_hour, row)
    fee_text = f" at {usd(fee)}/h" if fee is not None else ""
    capacity = _f(o.capacity, row)
    cap = f" (each carries {_rate(capacity)})" if capacity is not None else ""
    route = o.route
    if route is not None and route.kind == "scale_to_zero":
        cold = _f(o.cold_share, row) if o.cold_share is not None else None
        up = f"billed {float(o.replicas[row]):.2g} of the time (up {route.idle_seconds:g} s "
        up += "after each request, and during cold starts)"
        waits = f"; {cold:.1%} of requests wait for a cold start" if cold is not None else ""
        return f"{route.label}{fee_text}: {up} for {peak}{cap}{waits}"
    kind = route.kind if route is not None else "provider"
    what = {"provider": "dedicated", "own": "self-hosted"}.get(kind)
    if what is None and route is not None:
        what = f"{route.provider} {'always-on' if kind == 'always_on' else 'scale-to-zero'}"
    return f"{what}: {share}{gpus}{fee_text} for {peak}{cap}"


def route_label(o: ServingBill) -> str:
    """How an option is served, in words (``Route.label``; an API at batch rates says so)."""
    if o.batch:
        return "batch API"
    return o.route.label if o.route is not None else "per-token API"


def _capacity_source(case: Case, s: Scenarios, o: ServingBill, row: int) -> str | None:
    if o.mode == "serverless":
        return None
    given = o.sources.get("capacity")
    if given is not None:
        return given
    t = o.replica_time
    spec = case.side(o.strategy).spec
    if t is None or spec.params_b is None:
        return None
    prompt = float(o.input_tokens[row])
    out = float(o.output_tokens[row])
    if math.isnan(prompt) or math.isnan(out):
        return None
    source = replica_time_source(spec.params_b, case.side(o.strategy).gpus, prompt, out, t, row)
    utilization = float(s["utilization"][row])
    return f"{source}, at {utilization:.0%} of the offline maximum"


def _plan(case: Case, s: Scenarios, o: ServingBill, row: int) -> ServingPlan:
    return construct(
        ServingPlan,
        mode=o.mode,
        route=route_label(o),
        batch=o.batch,
        replicas=float(o.replicas[row]),
        usd_per_replica_hour=_f(o.usd_per_replica_hour, row),
        gpu=o.gpu,
        gpus_per_replica=o.gpus,
        requests_per_s_per_replica=_f(o.capacity, row),
        capacity_source=_capacity_source(case, s, o, row),
        replicas_for_load=_f(o.replicas_for_load, row) if o.mode != "serverless" else None,
        peak_requests_per_s=_peak_rps(case, s, row),
        cold_start_share=_f(o.cold_share, row) if o.cold_share is not None else None,
        description=describe_plan(o, row, _peak_rps(case, s, row)),
    )


def _alternatives(
    b: Bills, strategy: Strategy, chosen: int, row: int
) -> tuple[ServingAlternative, ...]:
    options = b.options[strategy]
    chosen_total = _f(options[chosen].total(b.months, b.volume), row)
    skipped = False  # a cheaper route passed over for its latency
    out = []
    for i, o in enumerate(options):
        if not o.allowed[row]:
            continue
        total = _f(o.total(b.months, b.volume), row)
        if i == chosen:
            note = ""
        elif total is None:
            note = "unpriced: " + ", ".join(o.unpriced)
        else:
            note = f"{usd(total)} over the horizon"
            within = _f(o.lat_within, row)
            cold = _f(o.cold_share, row) if o.cold_share is not None else None
            if within is not None and within < 0.5:
                note += f"; meets the latency budget with probability {share(within)}"
            elif cold is not None and cold >= 0.05:
                note += f"; {share(cold)} of requests wait for a cold start"
            skipped |= chosen_total is not None and total < chosen_total
        out.append((i, o, total, note))
    alternatives = []
    for i, o, total, note in out:
        if i == chosen:
            note = (
                "the only route allowed" if len(options) == 1
                else "chosen: the cheapest that answers in time" if skipped
                else "chosen: the cheapest"
            )  # fmt: skip
        alternatives.append(
            construct(
                ServingAlternative,
                mode=o.mode,
                route=route_label(o),
                batch=o.batch,
                total_usd=total,
                chosen=i == chosen,
                note=note,
            )
        )
    return tuple(alternatives)


def _strategy_cost(
    case: Case,
    s: Scenarios,
    b: Bills,
    strategy: Strategy,
    row: int,
    interval: tuple[float | None, float | None, float | None],
) -> StrategyCost:
    chosen = int(b.chosen[strategy][row])
    o = b.options[strategy][chosen]
    months = float(b.months[row])
    volume = float(b.volume[row])
    lines = _lines(case, s, b, o, row)
    total = _f(b.total[strategy], row)
    one_time = _f(o.one_time, row)
    monthly = (total - one_time) / months if total is not None and one_time is not None else None
    fee = _f(o.fee_per_month, row)
    per = _f(o.per_request, row)
    runs = int(o.runs[row])
    run = _f(o.training_run, row)
    retraining = (runs - 1) * run if run is not None and runs > 1 else (0.0 if runs <= 1 else None)
    people = (
        float(o.people_once[row])
        + max(runs - 1, 0) * float(o.people_per_retraining[row])
        + float(o.changes[row])
        + months * float(o.ops_per_month[row])
    )
    median, low, high = interval
    hit = None
    if strategy is Strategy.IN_CONTEXT_LEARNING and not math.isnan(float(o.input_tokens[row])):
        hit = float(o.hit_rate[row]) if bool(o.cached[row]) else 0.0
    cached_tokens = None
    if not math.isnan(float(o.input_tokens[row])):
        cached_tokens = float(b.prompt.cached_tokens[row]) if bool(o.cached[row]) else 0.0
    return construct(
        StrategyCost,
        strategy=strategy,
        model=case.side(strategy).spec.name,
        serving=_plan(case, s, o, row),
        alternatives=_alternatives(b, strategy, chosen, row),
        per_request_usd=per,
        monthly_usd=monthly,
        one_time_usd=one_time,
        training_usd=run if strategy is Strategy.FINE_TUNING else 0.0,
        retraining_usd=retraining,
        people_usd=people,
        hosting_usd=fee * months if fee is not None else None,
        hosting_usd_per_month=fee,
        requests_usd=per * volume * months if per is not None else None,
        total_usd=total,
        total_usd_median=median,
        total_usd_low=low,
        total_usd_high=high,
        # the kernel's priced part, the one the decision weighs (the total where it is priced)
        known_part_usd=total if total is not None else _f(b.known[strategy], row),
        lines=lines,
        training_runs=runs,
        training_tokens_per_run=_f(o.training_tokens, row),
        input_tokens_per_request=_f(o.input_tokens, row),
        cached_tokens_per_request=cached_tokens,
        output_tokens_per_request=_f(o.output_tokens, row),
        reasoning_tokens_per_request=_f(o.reasoning_tokens, row),
        reasoning_tokens_range=_reasoning_range(case, o, row),
        cache_hit_rate=hit,
        unpriced=tuple(dict.fromkeys(o.unpriced)),
    )


def _reasoning_range(case: Case, o: ServingBill, row: int) -> tuple[float, float] | None:
    """The range of the reasoning tokens an option bills, where they are an estimate."""
    if not _f(o.reasoning_tokens, row) or not bills_tokens(case, o):
        return None
    f = reasoning_figure(case, o)
    return (f.low, f.high) if f.low < f.high else None


def _line(name: str, kind: str, usd_: float | None, formula: str, source: str) -> CostLine:
    return construct(CostLine, name=name, kind=kind, usd=usd_, formula=formula, source=source)


def _people_source(case: Case, people_assumed: str | None) -> str:
    rate = case.assumptions.entry("engineer_hourly_usd").source
    if people_assumed:
        return (
            f"hourly rate: {rate}; hours: stated assumptions, no published measurement "
            f"exists ({people_assumed} not given; set profile.people)"
        )
    return f"hourly rate: {rate}"


def _lines(case: Case, s: Scenarios, b: Bills, o: ServingBill, row: int) -> tuple[CostLine, ...]:
    from .._features import _people_assumed

    a = case.assumptions
    v = float(b.volume[row])
    months = float(b.months[row])
    span = f"{months:g} month{'s' if months != 1 else ''}"
    out: list[CostLine] = []
    per = _f(o.per_request, row)
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
    rate = float(s["hourly_usd"][row])
    people_source = _people_source(case, _people_assumed(case, float(b.changes[row])))
    if o.mode != "serverless":
        fee = _f(o.fee_per_month, row)
        plan = describe_plan(o, row, _peak_rps(case, s, row))
        capacity = _capacity_source(case, s, o, row)
        out.append(
            _line(
                "serving",
                "recurring",
                fee * months if fee is not None else None,
                f"{plan}, x 24 h x {case.days_per_month:g} days x {span}",
                "; ".join(x for x in (o.sources.get("serving"), capacity) if x),
            )
        )
    if o.mode in ("self_hosted", "endpoint"):
        own = o.mode == "self_hosted"
        knob, key = ("ops_hours", "self_hosting_ops_hours_per_month") if own else (
            "endpoint_ops_hours", "endpoint_ops_hours_per_month"
        )  # fmt: skip
        hours = float(s[knob][row])
        ops = float(o.ops_per_month[row])
        share = ops / (hours * rate) if hours and rate else 1.0
        shared = f" x {share:.2g} (shared deployment)" if share < 1 else ""
        out.append(
            _line(
                "self-hosting operations time" if own else "GPU endpoint operations time",
                "recurring",
                months * ops,
                f"{hours:g} h/month x ${rate:g}/h{shared} x {span}",
                f"{people_source}; {a.entry(key).source}",
            )
        )
    if o.strategy is Strategy.FINE_TUNING:
        _ft_lines(out, case, s, b, o, row, people_source)
    else:
        _icl_lines(out, case, s, o, row, people_source)
    hours = float(s["prompt_engineering_hours"][row])
    out.append(
        _line(
            "prompt engineering time",
            "one_time",
            hours * rate,
            f"{hours:g} h x ${rate:g}/h",
            people_source,
        )
    )
    return tuple(out)


def _ft_lines(
    out: list[CostLine], case: Case, s: Scenarios, b: Bills, o: ServingBill, row: int,
    people_source: str,
) -> None:  # fmt: skip
    rate = float(s["hourly_usd"][row])
    run = _f(o.training_run, row)
    tok = _f(o.training_tokens, row)
    tok_text = format_value(tok, "tok") if tok is not None else "unknown tokens"
    demo = _f(s["query_tokens"] + s["output_tokens"], row)
    n = int(s["n_examples"][row])
    epochs = int(b.epochs[row])
    detail = f"{n:,} examples x {format_value(demo, 'tok')} x {epochs} epochs = {tok_text}, "
    gpu = case.tuned.gpu_usd_per_hour
    if own_weights(o.mode) and run is not None and gpu is not None:
        # trained on the team's own GPUs: priced by the GPU hour, not the offer's tokens
        price = float(np.broadcast_to(at_slowness(gpu, s["gpu_price_z"]), (s.rows,))[row])
        hours = run / price
        unit = "GPU-hour" if f"{hours:.4g}" == "1" else "GPU-hours"
        detail += f"on {case.tuned.gpu}: {hours:.4g} {unit} with set-up x ${price:.4g}/h = "
    out.append(
        _line(
            "first training run",
            "one_time",
            run,
            detail + usd(run),
            o.sources.get("training", "unpriced"),
        )
    )
    runs = int(o.runs[row])
    if runs > 1:
        later = runs - 1
        out.append(
            _line(
                f"retraining ({later} run{'s' if later != 1 else ''})",
                "recurring",
                later * run if run is not None else None,
                f"{later} x {usd(run)}",
                o.sources.get("training", "unpriced"),
            )
        )
        hours = float(s["ft_retraining_hours"][row])
        out.append(
            _line(
                "retraining time",
                "recurring",
                later * float(o.people_per_retraining[row]),
                f"{later} x {hours:g} h x ${rate:g}/h",
                people_source,
            )
        )
    hours = float(s["ft_setup_hours"][row])
    out.append(
        _line(
            "fine-tuning set-up time",
            "one_time",
            hours * rate,
            f"{hours:g} h x ${rate:g}/h",
            people_source,
        )
    )


def _icl_lines(
    out: list[CostLine], case: Case, s: Scenarios, o: ServingBill, row: int, people_source: str
) -> None:
    rate = float(s["hourly_usd"][row])
    revisions = int(o.revisions[row])
    if revisions > 0:
        hours = float(s["prompt_revision_hours"][row])
        out.append(
            _line(
                f"prompt revisions ({revisions} task change{'s' if revisions != 1 else ''})",
                "recurring",
                float(o.revision_usd[row]),
                f"{revisions} x {hours:g} h x ${rate:g}/h",
                people_source,
            )
        )
    shutdown = case.prompted.shutdown_in_days
    horizon_days = float(s["horizon_months"][row]) * case.days_per_month
    shuts_down = shutdown is not None and 0 < shutdown < horizon_days
    migration = float(o.migration_usd[row])
    if migration or (o.mode != "self_hosted" and shuts_down):
        hours = float(s["prompt_migration_hours"][row])
        out.append(
            _line(
                "prompt migration time",
                "recurring",
                migration,
                f"{hours:g} h x ${rate:g}/h: {case.icl.name} shuts down in "
                f"{shutdown:g} days, inside the horizon",
                people_source,
            )
        )


def cost_comparison(
    case: Case,
    s: Scenarios,
    b: Bills,
    row: int = 0,
    *,
    break_even: float | None,
    break_even_shots: float | None = None,
    intervals: dict[Strategy, tuple[float | None, float | None, float | None]] | None = None,
) -> CostComparison:
    """Both strategies' costs at one row, with the break-even (and the demonstrations the
    prompt planned there carries, ``break_even_shots``) and payback."""
    none: tuple[float | None, float | None, float | None] = (None, None, None)
    intervals = intervals or {}
    ft = _strategy_cost(case, s, b, Strategy.FINE_TUNING, row, intervals.get(
        Strategy.FINE_TUNING, none))  # fmt: skip
    icl = _strategy_cost(case, s, b, Strategy.IN_CONTEXT_LEARNING, row, intervals.get(
        Strategy.IN_CONTEXT_LEARNING, none))  # fmt: skip
    payback = savings = retrain_payback = None
    months = float(b.months[row])
    if icl.monthly_usd is not None and ft.monthly_usd is not None and ft.one_time_usd is not None:
        assert icl.one_time_usd is not None
        savings = icl.monthly_usd - ft.monthly_usd
        if savings > 0:
            payback = max(ft.one_time_usd - icl.one_time_usd, 0.0) / savings
            if payback > months:  # not within the horizon: no figure a person can use
                payback = None
        o = b.mode(Strategy.FINE_TUNING, row)
        run = _f(o.training_run, row)
        retrain = _f(o.retraining, row)
        if run is not None and retrain is not None:
            gross = savings + retrain / months
            if gross > 0:
                per_run = run + float(o.people_per_retraining[row])
                retrain_payback = per_run / gross * case.days_per_month
    dpm = case.days_per_month
    today = float(np.broadcast_to(b.prompt.shots, (b.months.shape[0],))[row])
    there = None
    planned = break_even_shots if break_even is not None else None
    if planned is not None and math.isfinite(planned) and planned != today:
        there = int(planned)
    return construct(
        CostComparison,
        fine_tuning=ft,
        in_context_learning=icl,
        break_even_requests_per_month=break_even,
        break_even_icl_shots=there,
        payback_months=payback,
        payback_days=payback * dpm if payback is not None else None,
        savings_per_month_usd=savings,
        retrain_payback_days=retrain_payback,
    )
