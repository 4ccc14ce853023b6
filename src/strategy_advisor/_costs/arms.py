"""Cost stage, one strategy's bill: tokens, serving capacity, training runs, people's time.

Each strategy is priced for every serving mode its model allows, as a function of the monthly
volume (the break-even search prices hypothetical volumes with the same formulas). The
formulas are written out in ``docs/costs.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .._assumptions import Assumptions
from .._catalog import ModelSpec, ServingMode
from .._features import TaskFeatures
from .._format import format_value, usd
from .._serving import (
    cache_hit_rate,
    gpu_price,
    gpus_per_replica,
    replica_seconds_per_request,
    serving_data,
    training_gpu_seconds,
)
from .._types import Strategy

__all__ = ["Bill", "End", "allowed_modes", "price_arm"]

#: Which end of each assumed serving figure to price at: its point value, or the end that
#: makes serving cheap (high utilization, cheap GPUs, fast training) or dear.
End = Literal["low", "point", "high"]

_MTOK = 1_000_000.0  # prices are per million tokens
_SECONDS_PER_DAY = 86_400.0
_UNKNOWN_TOKENS = "profile.avg_input_tokens/avg_output_tokens"


@dataclass
class Bill:
    """One strategy in one serving mode at one monthly volume (plain numbers; see results)."""

    strategy: Strategy
    mode: ServingMode
    volume: float
    batch: bool
    per_request: float | None
    fee_per_month: float | None
    training_run: float | None
    runs: int
    people_one_time: float
    people_per_retraining: float
    replicas: float
    usd_per_replica_hour: float | None
    gpu: str | None
    gpus: int | None
    capacity: float | None
    capacity_source: str | None
    peak_rps: float
    hit_rate: float | None
    cached_tokens: float | None
    input_tokens: float | None
    output_tokens: float | None
    training_tokens: float | None
    unpriced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def one_time(self) -> float | None:
        if self.strategy is Strategy.IN_CONTEXT_LEARNING:
            return self.people_one_time
        return None if self.training_run is None else self.training_run + self.people_one_time

    def retraining(self) -> float | None:
        if self.runs <= 1:
            return 0.0
        if self.training_run is None:
            return None
        return (self.runs - 1) * (self.training_run + self.people_per_retraining)

    def total(self, months: float) -> float | None:
        parts = (self.one_time(), self.per_request, self.fee_per_month, self.retraining())
        if any(p is None for p in parts):
            return None
        one, per, fee, retrain = (float(p) for p in parts)  # type: ignore[arg-type]
        return one + months * (per * self.volume + fee) + retrain

    def known_part(self, months: float) -> float | None:
        parts = [self.one_time(), self.retraining()]
        if self.per_request is not None:
            parts.append(months * self.per_request * self.volume)
        if self.fee_per_month is not None:
            parts.append(months * self.fee_per_month)
        known = [p for p in parts if p is not None]
        return sum(known) if known else None


def allowed_modes(spec: ModelSpec, strategy: Strategy) -> tuple[ServingMode, ...]:
    """The serving modes a model allows for a strategy (the offer's, or derived)."""
    if strategy is Strategy.FINE_TUNING:
        offer = spec.fine_tuning
        if offer is None:
            return ("serverless",)
        if offer.serving:
            return offer.serving
        return ("dedicated",) if offer.hosting_usd_per_hour > 0 else ("serverless",)
    return spec.serving or ("serverless",)


def _utilization(end: End) -> float:
    u = serving_data().serving_utilization
    return {"low": u.high, "point": u.value, "high": u.low}[end]  # busier replicas cost less


def _gpu(gpu: str | None, end: End) -> tuple[str, float, str]:
    name, point, low, high, source = gpu_price(gpu)
    return name, {"low": low, "point": point, "high": high}[end], source


def _capacity(
    f: TaskFeatures,
    spec: ModelSpec,
    given: float | None,
    gpus: int,
    prompt: float | None,
    utilization: float,
) -> tuple[float | None, str | None]:
    """Requests per second one replica carries at this task's lengths, and its source."""
    if given is not None:
        return given, "the offer's requests_per_s_per_replica"
    if spec.params_b is None or prompt is None or f.output_tokens is None:
        return None, None
    w, source = replica_seconds_per_request(spec.params_b, gpus, prompt, f.output_tokens)
    return utilization / w, f"{source}, at {utilization:.0%} of the offline maximum"


def _replicas(
    peak_rps: float, capacity: float | None, min_replicas: int, adapters: int
) -> tuple[float, str | None]:
    """Replicas paid for: enough for the peak (whole replicas), at least the minimum; a
    deployment shared by ``adapters`` tasks bills each its share of the always-on minimum or
    the fraction of capacity it uses, whichever is larger."""
    if capacity is None:
        note = "capacity of a replica unknown (no params_b or measured figure): minimum assumed"
        return min_replicas / adapters, note
    needed = peak_rps / capacity
    if adapters > 1:
        return max(min_replicas / adapters, needed), None
    return float(max(min_replicas, math.ceil(needed - 1e-12))), None


def price_arm(
    strategy: Strategy,
    f: TaskFeatures,
    spec: ModelSpec,
    mode: ServingMode,
    volume: float,
    *,
    assumptions: Assumptions,
    end: End = "point",
) -> Bill:
    """Price one strategy in one serving mode at ``volume`` requests per month.

    ``end`` picks which end of the assumed serving figures (utilization, GPU price,
    self-hosted training time) to use: the point values, or the cheap or dear end.
    """
    dpm = assumptions.get("days_per_month")
    rate = volume / (dpm * _SECONDS_PER_DAY)
    peak = rate * f.peak_to_average_ratio
    known = f.query_tokens is not None and f.output_tokens is not None
    bill = Bill(
        strategy=strategy, mode=mode, volume=volume, batch=False, per_request=None,
        fee_per_month=0.0, training_run=0.0, runs=0, people_one_time=0.0,
        people_per_retraining=0.0, replicas=0.0, usd_per_replica_hour=None, gpu=None,
        gpus=None, capacity=None, capacity_source=None, peak_rps=peak, hit_rate=None,
        cached_tokens=None, input_tokens=None, output_tokens=f.output_tokens,
        training_tokens=None,
    )  # fmt: skip
    if not known:
        bill.unpriced.append(_UNKNOWN_TOKENS)
    if strategy is Strategy.IN_CONTEXT_LEARNING:
        _icl_tokens(bill, f, spec, rate)
        bill.people_one_time = f.prompt_engineering_hours * f.engineer_hourly_usd
    else:
        _ft_tokens(bill, f, spec)
        _ft_training(bill, f, spec, end)
        rate_usd = f.engineer_hourly_usd
        bill.people_one_time = (f.prompt_engineering_hours + f.ft_setup_hours) * rate_usd
        bill.people_per_retraining = f.ft_hours_per_retraining * rate_usd
    _serving_fee(bill, f, spec, dpm, end)
    return bill


def _icl_tokens(bill: Bill, f: TaskFeatures, spec: ModelSpec, rate: float) -> None:
    prompt, prefix = f.icl_prompt_tokens, f.icl_prefix_tokens
    bill.input_tokens = prompt
    if prompt is None or prefix is None or f.output_tokens is None:
        return
    if bill.mode == "self_hosted":
        bill.per_request, bill.hit_rate, bill.cached_tokens = 0.0, 0.0, 0.0
        return
    if f.icl_cache_hit_rate_given or bill.volume == f.requests_per_month:
        hit = f.icl_cache_hit_rate or 0.0
    elif f.icl_prefix_cached and f.icl_cache_lifetime_minutes is not None:
        hit = cache_hit_rate(rate, f.icl_cache_lifetime_minutes, _max_lifetime(spec))
    else:
        hit = 0.0
    bill.hit_rate = hit if f.icl_prefix_cached else 0.0
    if f.icl_batch:
        bill.batch = True
        bill.hit_rate, bill.cached_tokens = 0.0, 0.0
        bi, bo = spec.batch_input_usd_per_mtok, spec.batch_output_usd_per_mtok
        assert bi is not None and bo is not None  # icl_batch is set only when both exist
        bill.per_request = (prompt * bi + f.output_tokens * bo) / _MTOK
        bill.sources["tokens"] = f"{spec.name} batch prices ({spec.source or 'given'})"
        return
    missing = [
        f"{spec.name}.{name}"
        for name in ("input_usd_per_mtok", "output_usd_per_mtok")
        if getattr(spec, name) is None
    ]
    if missing:
        bill.unpriced.extend(missing)
        return
    i, o = spec.input_usd_per_mtok, spec.output_usd_per_mtok
    assert i is not None and o is not None
    cacheable = bool(f.icl_prefix_cached)
    c = spec.cached_input_usd_per_mtok if cacheable else None
    write = spec.cache_write_usd_per_mtok if cacheable and spec.cache_write_usd_per_mtok else i
    h = bill.hit_rate or 0.0
    prefix_usd = prefix * (h * (c if c is not None else i) + (1.0 - h) * write)
    rest = prompt - prefix
    bill.cached_tokens = prefix * h if cacheable else 0.0
    bill.per_request = (prefix_usd + rest * i + f.output_tokens * o) / _MTOK
    bill.sources["tokens"] = f"{spec.name} prices ({spec.source or 'given'})"


def _max_lifetime(spec: ModelSpec) -> float | None:
    policy = serving_data().provider(spec.provider)
    cache = policy.cache if policy is not None else None
    return cache.max_minutes if cache is not None and spec.cache_lifetime_minutes is None else None


def _ft_tokens(bill: Bill, f: TaskFeatures, spec: ModelSpec) -> None:
    offer = spec.fine_tuning
    bill.input_tokens = f.query_tokens
    bill.hit_rate, bill.cached_tokens = None, 0.0 if f.query_tokens is not None else None
    if offer is None:
        bill.unpriced.append(f"{spec.name}.fine_tuning (the model has no fine-tuning offer)")
        return
    if f.query_tokens is None or f.output_tokens is None:
        return
    if bill.mode == "self_hosted":
        bill.per_request = 0.0
        return
    if bill.mode == "serverless" and f.ft_batch:
        bi, bo = offer.batch_input_usd_per_mtok, offer.batch_output_usd_per_mtok
        assert bi is not None and bo is not None  # ft_batch is set only when both exist
        bill.batch = True
        bill.per_request = (f.query_tokens * bi + f.output_tokens * bo) / _MTOK
        bill.sources["tokens"] = f"tuned {spec.name} batch prices ({offer.source or 'given'})"
        return
    missing = [
        f"{spec.name}.fine_tuning.{name}"
        for name in ("input_usd_per_mtok", "output_usd_per_mtok")
        if getattr(offer, name) is None
    ]
    if missing:
        bill.unpriced.extend(missing)
        bill.per_request = None
        return
    i, o = offer.input_usd_per_mtok, offer.output_usd_per_mtok
    assert i is not None and o is not None
    bill.per_request = (f.query_tokens * i + f.output_tokens * o) / _MTOK
    bill.sources["tokens"] = f"tuned {spec.name} prices ({offer.source or 'given'})"


def _ft_training(bill: Bill, f: TaskFeatures, spec: ModelSpec, end: End) -> None:
    offer = spec.fine_tuning
    runs = 1
    if f.task_change_interval_days is not None:
        runs = max(1, math.ceil(f.horizon_days / f.task_change_interval_days - 1e-9))
    shutdown = f.ft_shutdown_in_days
    if shutdown is not None and 0 < shutdown < f.horizon_days:
        runs += 1  # the tuned model goes with its base: retrain on a successor
    bill.runs = runs
    tokens = f.n_labeled_examples * f.demo_tokens * f.epochs if f.demo_tokens is not None else None
    bill.training_tokens = tokens
    if offer is None:
        bill.training_run = None
        return
    if tokens is None:
        bill.training_run = None
        return
    if bill.mode == "self_hosted":
        if spec.params_b is None:
            bill.training_run = None
            bill.unpriced.append(f"{spec.name}.params_b (needed to price self-hosted training)")
            return
        gpu, price, gpu_source = _gpu(offer.gpu, end)
        point, low, high, flops_source = training_gpu_seconds(
            spec.params_b, tokens, "full" if offer.method == "full" else "lora", gpu
        )
        seconds = {"low": low, "point": point, "high": high}[end]
        bill.training_run = seconds / 3600.0 * price
        bill.sources["training"] = f"{gpu} at ${price:g}/h ({gpu_source}); {flops_source}"
        return
    if offer.training_usd_per_mtok is None:
        bill.training_run = None
        bill.unpriced.append(f"{spec.name}.fine_tuning.training_usd_per_mtok")
        return
    bill.training_run = tokens * offer.training_usd_per_mtok / _MTOK
    bill.sources["training"] = f"{spec.name} training price ({offer.source or 'given'})"


def _serving_fee(bill: Bill, f: TaskFeatures, spec: ModelSpec, dpm: float, end: End) -> None:
    if bill.mode == "serverless":
        return
    utilization = _utilization(end)
    hours = 24.0 * dpm
    offer = spec.fine_tuning if bill.strategy is Strategy.FINE_TUNING else None
    adapters = f.adapters_per_deployment if bill.strategy is Strategy.FINE_TUNING else 1
    if offer is not None and offer.max_adapters_per_deployment is not None:
        adapters = min(adapters, offer.max_adapters_per_deployment)
    size_gpus = gpus_per_replica(spec.params_b) if spec.params_b is not None else 1
    gpus = (offer.gpus_per_replica if offer is not None else None) or size_gpus
    prompt = bill.input_tokens
    given = offer.requests_per_s_per_replica if offer is not None else None
    min_replicas = offer.min_replicas if offer is not None else 1
    capacity, capacity_source = _capacity(f, spec, given, gpus, prompt, utilization)
    replicas, note = _replicas(bill.peak_rps, capacity, min_replicas, adapters)
    if note:
        bill.notes.append(note)
    bill.capacity, bill.capacity_source, bill.replicas, bill.gpus = (
        capacity, capacity_source, replicas, gpus,
    )  # fmt: skip
    if bill.mode == "dedicated":
        fee = offer.hosting_usd_per_hour if offer is not None else None
        if fee is None:
            bill.fee_per_month = None
            bill.unpriced.append(f"{spec.name}: no hourly fee for a dedicated deployment")
            return
        bill.usd_per_replica_hour = fee
        bill.gpu = offer.gpu if offer is not None else None
        bill.fee_per_month = replicas * fee * hours
        given_by = offer.source if offer is not None and offer.source else "given"
        bill.sources["serving"] = f"{spec.name} hosting fee ({given_by})"
        return
    # self-hosted: own GPUs at market prices
    if spec.params_b is None and given is None:
        bill.fee_per_month = None
        bill.unpriced.append(f"{spec.name}.params_b (needed to size self-hosted serving)")
        return
    gpu, price, gpu_source = _gpu(offer.gpu if offer is not None else None, end)
    bill.gpu, bill.usd_per_replica_hour = gpu, price * gpus
    bill.fee_per_month = replicas * price * gpus * hours
    bill.sources["serving"] = f"{gpu} at ${price:g}/GPU-hour ({gpu_source})"


def describe_plan(bill: Bill) -> str:
    """The serving plan in one sentence, with its numbers."""
    peak = f"a peak of {_rate(bill.peak_rps)}"
    if bill.mode == "serverless":
        how = "batch API" if bill.batch else "per-token API"
        return f"serverless ({how}): no hourly fee"
    share = (
        f"{bill.replicas:.2g} of a replica"
        if bill.replicas < 1
        else f"{bill.replicas:g} replica{'s' if bill.replicas != 1 else ''}"
    )
    gpus = f" of {bill.gpus}x {bill.gpu}" if bill.gpu and bill.gpus else ""
    fee = f" at {usd(bill.usd_per_replica_hour)}/h" if bill.usd_per_replica_hour is not None else ""
    cap = f" (each carries {_rate(bill.capacity)})" if bill.capacity is not None else ""
    what = "dedicated" if bill.mode == "dedicated" else "self-hosted"
    return f"{what}: {share}{gpus}{fee} for {peak}{cap}"


def _rate(rps: float) -> str:
    if rps >= 0.1:
        return f"{rps:.3g} requests/s"
    return f"{format_value(rps * 3600, 'int')} requests/hour"


LineMaker = Callable[[Bill, float], list[tuple[str, str, float | None, str, str]]]
