"""Cost stage, serving fees: a self-hosted, GPU-platform or dedicated route's replicas (sized
to the peak load from the measured capacity), its hourly price and operations time, and a
scale-to-zero worker's billed share and cold starts (``docs/costs.md`` section 4)."""

from __future__ import annotations

import math

import numpy as np

from .._model_spec import ModelSpec
from .._replica_time import ReplicaTime, measured_replica_time, scaled_replica_time
from .._routes import Route, at_slowness
from .._scenarios import Case, Scenarios, SideFacts, allowed_modes
from .._types import FloatArray, Strategy
from .bills import ServingBill

__all__ = ["serving_fee"]


def serving_fee(
    case: Case, s: Scenarios, o: ServingBill, side: SideFacts, prompt: FloatArray,
    replica_times: dict[float, ReplicaTime],
) -> None:  # fmt: skip
    """A self-hosted or dedicated route's replicas and fee (``replica_times``: the replica
    times already computed for this side's requests, by model size)."""
    route = o.route
    if o.mode == "serverless" or route is None:
        return
    n = s.rows
    if route.kind != "provider" and route.gpu is None and route.price is None:
        o.fee_per_replica_month = np.full(n, np.nan)  # a fixed mode that opens no route
        o.unpriced.append(route.price_source)
        return
    spec = side.spec
    tuned = o.strategy is Strategy.FINE_TUNING
    adapters = s["adapters"] if tuned else np.ones(n)
    if side.max_adapters is not None:
        adapters = np.minimum(adapters, float(side.max_adapters))
    if route.kind == "own":
        minimum = s["self_hosted_min_replicas"]
    elif route.kind == "provider":
        minimum = np.full(n, side.min_replicas_dedicated)
    else:  # a GPU platform's worker: the platform replaces one that fails
        minimum = np.ones(n)
    measured = not math.isnan(route.capacity_ratio[0])
    ratio = at_slowness(route.capacity_ratio, s["capacity_z"]) if measured else np.nan
    offer_gpu = spec.fine_tuning.gpu if tuned and spec.fine_tuning is not None else None
    on_offer_gpu = route.kind == "provider" or (
        route.gpu is not None and offer_gpu is not None
        and route.gpu.split()[0].lower() == offer_gpu.split()[0].lower()
    )  # fmt: skip
    if side.capacity_given is not None and on_offer_gpu:  # measured on the offer's GPU only
        capacity = np.full(n, side.capacity_given)
        o.sources["capacity"] = "the offer's requests_per_s_per_replica"
    elif spec.params_b is None:
        capacity = np.full(n, np.nan)
        o.sources["capacity_note"] = (
            "capacity of a replica unknown (no params_b or measured figure): minimum assumed"
        )
    else:
        base = replica_times.get(spec.params_b)
        if base is None:
            base = replica_times[spec.params_b] = measured_replica_time(
                spec.params_b, prompt, o.output_tokens
            )
        t = scaled_replica_time(spec.params_b, route.gpus, base)
        o.replica_time = t
        capacity = s["utilization"] / (t.seconds * ratio)
        if route.capacity_source:
            o.sources["capacity"] = route.capacity_source
    o.capacity, o.gpus = capacity, route.gpus
    o.shared = adapters > 1
    min_r = minimum / adapters
    beta = s["peak_ratio"] / (case.seconds_per_month * capacity)
    needed = s["volume"] * beta
    stepped = np.maximum(min_r, np.ceil(needed - 1e-12))
    replicas = np.where(o.shared, np.maximum(min_r, needed), stepped)
    o.replicas = np.where(np.isnan(capacity), min_r, replicas)
    for_load = np.where(o.shared, needed, np.ceil(needed - 1e-12))
    o.replicas_for_load = np.where(np.isnan(capacity), np.nan, np.minimum(for_load, o.replicas))
    if route.kind == "provider":
        _provider_fee(case, s, o, spec, tuned)
        return
    # the team's time runs the weights whatever their price: priced even where the GPUs are not
    hours_a_month = s["ops_hours"] if route.kind == "own" else s["endpoint_ops_hours"]
    o.ops_per_month = hours_a_month * s["hourly_usd"] / adapters
    if spec.params_b is None and side.capacity_given is None:
        o.fee_per_replica_month = np.full(n, np.nan)
        o.unpriced.append(f"{spec.name}.params_b (needed to size self-hosted serving)")
        return
    if route.price is None:
        o.fee_per_replica_month = np.full(n, np.nan)
        o.unpriced.append(route.price_source)
        return
    price = at_slowness(route.price, s["gpu_price_z"])
    hours = 24.0 * case.days_per_month
    o.usd_per_replica_hour = price * route.gpus
    o.fee_per_replica_month = price * route.gpus * hours
    if route.kind == "own":
        min_source = case.assumptions.entry("self_hosted_min_replicas").source
        o.sources["serving"] = (
            f"{route.gpu} at ${float(price[0]):.3g}/GPU-hour ({route.price_source}); at "
            f"least {float(minimum[0]):g} replicas ({min_source})"
        )
        return
    if route.kind == "always_on":
        o.sources["serving"] = f"{route.label}: {route.price_source}"
        return
    _scale_to_zero(case, s, o, route, capacity, adapters)


def _scale_to_zero(
    case: Case, s: Scenarios, o: ServingBill, route: Route, capacity: FloatArray,
    adapters: FloatArray,
) -> None:  # fmt: skip
    """A worker that stops after ``T`` seconds without a request and bills only while up
    (cold starts included). Requests arrive at random at the rate ``λ`` of every task that
    shares the worker; a cycle is a stopped spell (``1/λ`` on average), a cold start ``c``,
    then an up spell that lasts until a gap of ``T + w`` without a request (``w``: a
    request's time on it), ``(exp(λ(T + w)) − 1)/λ`` on average. So the worker is down a
    share ``d = 1 / (exp(λ(T + w)) + λc)`` of the time, and the requests that arrive while
    it is down or starting, ``(1 + λc)·d`` of them, wait for a cold start. Billed workers,
    this task's part: the larger of its share of the up time and the mean number busy with
    its requests (``λ_task / capacity``)."""
    assert route.idle_seconds is not None and route.cold_start_seconds is not None
    adapters = np.where(o.shared, np.maximum(adapters, 1.0), 1.0)
    own_rate = s["volume"] / case.seconds_per_month
    rate = own_rate * adapters  # the worker's whole load
    cold_s = at_slowness(route.cold_start_seconds, s["cold_start_z"])
    busy = np.where(np.isnan(capacity), 0.0, own_rate / capacity)
    serve_s = np.where(np.isnan(capacity), 0.0, s["utilization"] / capacity)
    window = route.idle_seconds + serve_s
    with np.errstate(over="ignore"):
        down = 1.0 / (np.exp(rate * window) + rate * cold_s)
    o.cold_share = np.minimum(1.0, (1.0 + rate * cold_s) * down)
    o.replicas = np.maximum((1.0 - down) / adapters, busy)
    o.sources["serving"] = (
        f"{route.label}: {route.price_source}; up {route.idle_seconds:g} s after each "
        f"request, cold start {float(np.median(cold_s)):.0f} s ({case.tuned.spec.name}: "
        "data/gpu_offers.json)"
    )


def _provider_fee(case: Case, s: Scenarios, o: ServingBill, spec: ModelSpec, tuned: bool) -> None:
    n = s.rows
    hours = 24.0 * case.days_per_month
    modes = allowed_modes(spec, o.strategy)
    fee = s["ft_hosting"] if tuned and spec.fine_tuning is not None else np.full(n, np.nan)
    if "dedicated" not in modes or np.isnan(fee).all():
        o.fee_per_replica_month = np.full(n, np.nan)
        o.unpriced.append(
            f"{spec.name}: no hourly fee for a dedicated deployment"
            if "dedicated" in modes
            else f"{spec.name}: no dedicated deployment offered (serving: {', '.join(modes)})"
        )
        return
    offer = spec.fine_tuning
    o.usd_per_replica_hour = fee
    o.gpu = offer.gpu if offer is not None else None
    o.fee_per_replica_month = fee * hours
    given_by = offer.source if offer is not None and offer.source else "given"
    o.sources["serving"] = f"{spec.name} hosting fee ({given_by})"
