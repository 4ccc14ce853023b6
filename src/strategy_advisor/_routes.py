"""Serving routes: every way a team could serve a model, with its GPU, price and capacity.

A strategy's serving modes (``serverless``, ``dedicated``, ``self_hosted``, ``endpoint``)
open one or more routes, as ``data/routes.json`` chooses them. A tuned open model of up
to 16B parameters that a team may host itself can run on any GPU whose 7-8B throughput is
measured (an H100 from
``data/serving.json``; an L40S or an A100 from ``data/gpu_memory.json``), at that GPU's
on-demand price (``data/gpu_offers.json``; an H100 at ``serving.json``'s, as before), with
the team's own operations time; or on a serverless GPU platform's endpoint: an always-on
worker, or a worker that scales to zero between requests and bills only while up (with a
cold start when a request finds it down). A GPU whose throughput the reference does not
measure (an L4, an A10G) is not offered: its capacity would be a guess; give
``FineTuningOffer.gpu`` and ``requests_per_s_per_replica`` to price your own.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from ._datafiles import shipped
from ._figures import value_at
from ._gpu_memory import kv_cache_bytes_per_token, throughput_tables
from ._gpu_offers import cold_start_seconds, gpu_hourly_price, scale_to_zero_offers
from ._model_spec import ModelSpec, ServingMode
from ._replica_time import replica_seconds
from ._serving import gpu_price, gpus_per_replica
from ._types import STRICT_DATA, FloatArray, Strategy

__all__ = [
    "Route",
    "RouteChoices",
    "RouteKind",
    "at_slowness",
    "gpu_capacity_ratio",
    "route_choices",
    "routes_for",
    "small_model_max_params_b",
]

#: What a route is: a provider's API or deployment, the team's own GPUs, or a serverless
#: GPU platform's always-on or scale-to-zero worker.
RouteKind = Literal["api", "provider", "own", "always_on", "scale_to_zero"]

_SAME = (1.0, 1.0, 1.0)  # the reference H100 itself


class _Choice(BaseModel):
    model_config = STRICT_DATA
    value: Any
    source: str


class RouteChoices(BaseModel):
    """``data/routes.json``: which routes are priced, each choice with its source."""

    model_config = STRICT_DATA
    schema_version: int
    as_of: str
    source: str
    small_model_max_params_b: _Choice
    own_gpus: _Choice
    endpoint_gpu: _Choice
    endpoint_provider: _Choice


route_choices = shipped(RouteChoices, "routes.json")


def small_model_max_params_b() -> float:
    """Billions of parameters up to which one 48-80 GB card holds the model: the smaller
    GPUs and the GPU platforms' endpoints are priced up to this size (data/routes.json)."""
    return float(route_choices().small_model_max_params_b.value)


@dataclass(frozen=True)
class Route:
    """One way of serving a strategy's model."""

    mode: ServingMode
    kind: RouteKind
    gpu: str | None
    gpus: int  # GPUs per replica (worker)
    price: tuple[float, float, float] | None  # $/GPU-hour: point, low, high
    price_source: str
    capacity_ratio: tuple[float, float, float]  # seconds per request over the H100's
    capacity_source: str
    idle_seconds: float | None  # scale to zero: the worker stops after this long idle
    cold_start_seconds: tuple[float, float, float] | None  # point, low, high
    provider: str | None

    @property
    def label(self) -> str:
        """The route in words."""
        if self.kind == "api":
            return "per-token API"
        if self.kind == "provider":
            on = f" on {self.gpus}x {self.gpu}" if self.gpu else ""
            return f"provider's dedicated deployment{on}"
        if self.gpu is None and self.price is None:
            return f"no {self.mode.replace('_', '-')} route"
        gpus = f"{self.gpus}x {self.gpu}" if self.gpu else "a replica"
        if self.kind == "own":
            return f"self-hosted on {gpus}"
        how = "always-on worker" if self.kind == "always_on" else "scale-to-zero worker"
        return f"{self.provider} {how} on {gpus}"


def at_slowness(point_low_high: tuple[float, float, float], z: FloatArray) -> FloatArray:
    """A (point, low, high) figure at ``z`` (0: its point; -1 its low end; +1 its high end;
    on the log scale)."""
    point, low, high = point_low_high
    return value_at(min(low, point), point, max(high, point), z)


@functools.cache
def gpu_capacity_ratio(gpu: str) -> tuple[tuple[float, float, float], str]:
    """How much longer a request takes on ``gpu`` than on the reference H100
    (``serving.json``): at each shape both measure, the GPU's seconds per request over the
    H100's; the point is their geometric mean, the range their least and greatest. Only
    tables of models with the KV-cache layout of current 7-8B models count
    (``gpu_memory.json: kv_bytes_per_token``; Llama-2 7B's full multi-head cache holds a
    quarter of the requests in flight); ``(nan, nan, nan)`` where none is measured."""
    wanted = gpu.split()[0].lower()
    ratios: list[float] = []
    where: list[str] = []
    for t in throughput_tables():
        if t.gpu.split()[0].lower() != wanted or not kv_cache_bytes_per_token(
            t.model.replace(" ", "-")
        ):
            continue
        for prompt, output, tokens_per_s in t.points:
            w_h100 = float(
                replica_seconds(t.params_b, t.gpus, np.array([prompt]), np.array([output]))
                .seconds[0]
            )  # fmt: skip
            ratios.append(output / tokens_per_s / w_h100)
        where.append(f"{t.model} {t.precision} ({t.engine.split(',')[0]})")
    if not ratios:
        nan = math.nan
        return (nan, nan, nan), f"no measured 7-8B throughput on {gpu}"
    point = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    return (point, min(ratios), max(ratios)), (
        f"{gpu}: x{point:.2f} (x{min(ratios):.2f}-x{max(ratios):.2f}) the H100's seconds per "
        f"request at the {len(ratios)} shapes both measure ({'; '.join(where)}, "
        f"data/gpu_memory.json, against serving.json's H100 table)"
    )


def _price(gpu: str, kind: str) -> tuple[tuple[float, float, float], str] | None:
    f = gpu_hourly_price(gpu, kind)  # type: ignore[arg-type]
    if f is None:
        return None
    point = f.point if f.point is not None else math.sqrt(f.low * f.high)
    return (point, f.low, f.high), f"{gpu} {kind.replace('_', ' ')} ${point:.3g}/h ({f.basis})"


def _h100(offer_gpu: str | None) -> tuple[str, tuple[float, float, float], str]:
    name, point, low, high, source = gpu_price(offer_gpu)
    return name, (point, low, high), source


@functools.cache
def routes_for(spec: ModelSpec, strategy: Strategy, modes: tuple[ServingMode, ...]) -> tuple[
    Route, ...
]:  # fmt: skip
    """Every route a strategy's model may be served on, for its modes."""
    offer = spec.fine_tuning if strategy is Strategy.FINE_TUNING else None
    size = spec.params_b
    base_gpus = gpus_per_replica(size) if size is not None else 1
    gpus = (offer.gpus_per_replica if offer is not None else None) or base_gpus
    given_gpu = offer.gpu if offer is not None else None
    out: list[Route] = []
    for mode in modes:
        if mode == "serverless":
            out.append(Route(mode, "api", None, 1, None, "", _SAME, "", None, None, None))
        elif mode == "dedicated":
            out.append(Route(mode, "provider", given_gpu, gpus, None, "", _SAME, "", None, None,
                             spec.provider))  # fmt: skip
        elif mode == "self_hosted":
            out.extend(_own_routes(size, given_gpu, gpus, mode))
        elif mode == "endpoint":
            found = (
                _endpoint_routes()
                if size is not None and size <= small_model_max_params_b()
                else []
            )
            out.extend(found or [_no_route(mode, size)])
    return tuple(out)


def _no_route(mode: ServingMode, size: float | None) -> Route:
    """A mode fixed by the profile that opens no route here: priced as unpriced, saying why."""
    known = "size unknown" if size is None else f"{size:g}B"
    why = (
        f"no {mode} route: a GPU platform's endpoint is priced for open models up to "
        f"{small_model_max_params_b():g}B on one card ({known})"
    )
    return Route(mode, "always_on", None, 1, None, why, (math.nan,) * 3, "", None, None, None)


def _own_routes(
    size: float | None, given_gpu: str | None, gpus: int, mode: ServingMode
) -> list[Route]:
    name, price, source = _h100(given_gpu)
    own = [Route(mode, "own", name, gpus, price, source, _SAME, "", None, None, None)]
    if given_gpu is not None and not given_gpu.upper().startswith("H100"):
        found = _price(given_gpu, "on_demand")
        ratio, why = gpu_capacity_ratio(given_gpu)
        if found is not None:
            own = [Route(mode, "own", given_gpu, gpus, found[0], found[1], ratio, why, None,
                         None, None)]  # fmt: skip
        return own
    if size is None or size > small_model_max_params_b():
        return own
    for gpu in route_choices().own_gpus.value:
        found = _price(gpu, "on_demand")
        ratio, why = gpu_capacity_ratio(gpu)
        if found is not None and math.isfinite(ratio[0]):
            own.append(Route(mode, "own", gpu, 1, found[0], found[1], ratio, why, None, None,
                             None))  # fmt: skip
    return own


def _endpoint_routes() -> list[Route]:
    choices = route_choices()
    gpu, provider = str(choices.endpoint_gpu.value), str(choices.endpoint_provider.value)
    ratio, why = gpu_capacity_ratio(gpu)
    # a restart of a stopped worker: the vLLM 7-8B cold start measured anywhere (RunPod's own
    # "3-10 minutes" is a new endpoint's first start, not a restart)
    cold = cold_start_seconds()
    cold_t = (cold.point if cold.point is not None else cold.low, cold.low, cold.high)
    out: list[Route] = []
    active = _price(gpu, "serverless_active")
    if active is not None and math.isfinite(ratio[0]):
        out.append(Route("endpoint", "always_on", gpu, 1, active[0], active[1], ratio,
                         why, None, cold_t, provider))  # fmt: skip
    for offer in scale_to_zero_offers(gpu):
        if offer.provider != provider or offer.idle_timeout_s is None:
            continue
        per_s = next((p for p in offer.prices if p.gpu == gpu), None)
        if per_s is None or not math.isfinite(ratio[0]):
            continue
        hourly = per_s.usd_per_gpu_hour
        source = f"{offer.provider} {gpu} ${hourly:.3g}/h billed {offer.billing}"
        price = (hourly, hourly, hourly)
        out.append(Route("endpoint", "scale_to_zero", gpu, 1, price, source, ratio,
                         why, offer.idle_timeout_s, cold_t, offer.provider))  # fmt: skip
    return out
