"""GPU serving routes for a tuned model: GPU-hour prices, scale-to-zero, per-token LoRA.

The numbers live in ``data/gpu_offers.json`` (built by ``scripts/build_serving_data.py``
from the shared reference ``gpu.json``, GPU.md): every offer with its provider, billing kind
and unit, record, source and date; per GPU and kind the price range over the offers
(on-demand, reserved, spot, serverless, always-on serverless, managed endpoint kept apart);
scale-to-zero endpoints with their idle timeouts and cold starts; serverless per-token LoRA
offers with their status; multi-LoRA capacity.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._figures import Figure, resolve_name
from ._types import STRICT_DATA, FrozenMap

__all__ = [
    "GpuOffer",
    "GpuOffersData",
    "LoraOffer",
    "MultiLoraCapacity",
    "OfferKind",
    "ScaleToZeroOffer",
    "cold_start_seconds",
    "gpu_hourly_price",
    "gpu_offers",
    "gpu_offers_data",
    "lora_per_token_offers",
    "multi_lora",
    "scale_to_zero_offers",
]

#: How a GPU-hour is sold: rented by the hour (``on_demand``), with a commitment
#: (``reserved``, term not stated), interruptible (``spot``), billed only while a worker runs
#: and scaled to zero when idle (``serverless``), an always-on serverless worker
#: (``serverless_active``), a managed endpoint (``managed_endpoint``), or a price an older
#: benchmark used (``historical``, never in a range).
OfferKind = Literal[
    "on_demand",
    "reserved",
    "spot",
    "serverless",
    "serverless_active",
    "managed_endpoint",
    "historical",
]


class GpuOffer(BaseModel):
    """One price of one GPU-hour, as its source states it."""

    model_config = STRICT_DATA
    gpu: str = Field(..., description="Canonical GPU name (data/gpu_memory.json has its fit).")
    label: str | None = Field(..., description="The GPU as the source labels it.")
    provider: str
    product: str
    kind: OfferKind
    usd_per_gpu_hour: float = Field(..., gt=0)
    usd_per_gpu_second: float | None = Field(..., description="Where billed per second.")
    billing: str = Field(..., description="Billing unit and minimum, as the reference says.")
    scales_to_zero: bool
    low_authority: bool = Field(..., description="The source marks its figure unverified.")
    in_range: bool = Field(..., description="False: a duplicate or a bigger host (see note).")
    record: int
    reference: str
    arithmetic: str | None
    measured_on: str
    source: str
    note: str | None


class _GpuPrices(BaseModel):
    model_config = STRICT_DATA
    memory_gb: int
    usd_per_gpu_hour: FrozenMap[OfferKind, Figure]


class _Price(BaseModel):
    model_config = STRICT_DATA
    gpu: str
    usd_per_gpu_second: float | None
    usd_per_gpu_hour: float
    record: int
    reference: str
    arithmetic: str | None


class ScaleToZeroOffer(BaseModel):
    """An endpoint billed only while a worker is up: prices, idle timeout, cold start."""

    model_config = STRICT_DATA
    provider: str
    kind: OfferKind
    billing: str
    idle_timeout_s: float | None = Field(
        ..., description="Idle time billed before scaling to zero (None: not in the reference)."
    )
    idle_timeout: str
    record: int | None = None
    reference: str | None = None
    arithmetic: str | None = None
    prices: tuple[_Price, ...]
    cold_start_s: Figure
    note: str


class LoraOffer(BaseModel):
    """A serverless per-token offer for a custom LoRA adapter, as the reference states it."""

    model_config = STRICT_DATA
    provider: str
    offer: str
    status: str = Field(..., description="'preview', 'available as of ...', 'dedicated only'...")
    bases: tuple[str, ...] | None = Field(..., description="None: not listed in the reference.")
    price_rule: str
    multiplier: float | None = Field(..., description="x the base model's per-token price.")
    usd_per_mtok: float | None
    priced_by_default: bool = Field(..., description="Whether to price it without being asked.")
    why: str
    limits: str | None
    record: int
    reference: str
    measured_on: str
    source: str


class _Capacity(BaseModel):
    model_config = STRICT_DATA
    system: str
    adapters: int
    unit: str
    conditions: str
    record: int
    reference: str
    source: str


class MultiLoraCapacity(BaseModel):
    """How many adapters one GPU serves, and what many adapters cost in throughput."""

    model_config = STRICT_DATA
    capacity: tuple[_Capacity, ...]
    many_adapter_penalty: Figure


class GpuOffersData(BaseModel):
    """``data/gpu_offers.json``: GPU serving offers with their sources."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    rules: FrozenMap[str, str]
    gpus: FrozenMap[str, _GpuPrices]
    offers: tuple[GpuOffer, ...]
    cold_start_s: FrozenMap[str, Figure]
    scale_to_zero: tuple[ScaleToZeroOffer, ...]
    lora_per_token: tuple[LoraOffer, ...]
    multi_lora: MultiLoraCapacity
    sources: FrozenMap[str, str]


gpu_offers_data = shipped(GpuOffersData, "gpu_offers.json")


def _gpu(name: str) -> str:
    return resolve_name(name, gpu_offers_data().gpus, "GPU")


def gpu_offers(gpu: str | None = None, kind: OfferKind | None = None) -> tuple[GpuOffer, ...]:
    """Every offer (of one GPU, of one kind), cheapest first.

    Examples
    --------
    >>> [(o.provider, o.usd_per_gpu_hour) for o in gpu_offers("L4", "on_demand")]
    [('Google Cloud', 0.7), ('AWS', 0.8048), ('AWS', 1.5392)]
    """
    name = None if gpu is None else _gpu(gpu)
    found = [
        o
        for o in gpu_offers_data().offers
        if (name is None or o.gpu == name) and (kind is None or o.kind == kind)
    ]
    return tuple(sorted(found, key=lambda o: (o.usd_per_gpu_hour, o.provider, o.product)))


def gpu_hourly_price(gpu: str, kind: OfferKind = "on_demand") -> Figure | None:
    """A GPU-hour's price range over one kind of offer (None: no such offer).

    Low and high are the cheapest and dearest offers, the point their median; a low-authority
    offer widens the range only; a duplicate or a bigger host of the same GPU is left out.

    Examples
    --------
    >>> f = gpu_hourly_price("L4 24GB")
    >>> f.low, f.point, f.high
    (0.7, 0.8048, 0.8048)
    >>> gpu_hourly_price("L4", "serverless_active").point  # RunPod's always-on 24 GB worker
    0.468
    """
    return gpu_offers_data().gpus[_gpu(gpu)].usd_per_gpu_hour.get(kind)


def scale_to_zero_offers(gpu: str | None = None) -> tuple[ScaleToZeroOffer, ...]:
    """Endpoints that bill only while a worker runs (with ``gpu``: those that offer it, their
    ``prices`` cut to that GPU).

    Examples
    --------
    >>> [(o.provider, o.prices[0].usd_per_gpu_hour, o.idle_timeout_s)
    ...  for o in scale_to_zero_offers("L4")]  # doctest: +NORMALIZE_WHITESPACE
    [('Modal', 0.7992, None), ('RunPod Serverless', 0.684, 5.0),
     ('Hugging Face Inference Endpoints', 0.7, 3600.0)]
    """
    offers = gpu_offers_data().scale_to_zero
    if gpu is None:
        return offers
    name = _gpu(gpu)
    out = []
    for offer in offers:
        prices = tuple(
            sorted((p for p in offer.prices if p.gpu == name), key=lambda p: p.usd_per_gpu_hour)
        )
        if prices:
            out.append(offer.model_copy(update={"prices": prices}))
    return tuple(out)


def cold_start_seconds(provider: str | None = None) -> Figure:
    """Seconds until a scaled-to-zero vLLM 7-8B server answers: the provider's figure, or
    the range measured anywhere (``found=False`` for a provider with none of its own).

    Examples
    --------
    >>> f = cold_start_seconds()
    >>> f.low, f.point, f.high
    (70.0, 294.0, 600.0)
    >>> cold_start_seconds("Replicate").found
    False
    """
    data = gpu_offers_data()
    if provider is None:
        return data.cold_start_s["any"]
    for offer in data.scale_to_zero:
        if offer.provider.lower() == provider.strip().lower():
            return offer.cold_start_s
    known = [o.provider for o in data.scale_to_zero]
    resolve_name(provider, known, "scale-to-zero provider")  # raises, suggesting
    raise AssertionError("unreachable")  # pragma: no cover


def lora_per_token_offers(
    base: str | None = None, *, priced_only: bool = False
) -> tuple[LoraOffer, ...]:
    """Serverless per-token offers for a custom LoRA adapter (with ``base``: those that list
    it, and those whose bases the reference does not list). ``priced_only`` keeps the offers
    to price by default; in the reference as of 2026-12 there is none for an open 7-8B base:
    Fireworks' is a preview for GLM 5.3 Flash only, Together's is gone, DeepInfra's base
    prices are not in the reference, Predibase's figures are unverified.

    Examples
    --------
    >>> [o.provider for o in lora_per_token_offers("Llama-3.1-8B") if o.multiplier]
    ['DeepInfra']
    >>> lora_per_token_offers("Llama-3.1-8B", priced_only=True)
    ()
    >>> fw = lora_per_token_offers("GLM 5.3 Flash")[0]
    >>> fw.status, fw.priced_by_default
    ('preview', False)
    """
    out = []
    for offer in gpu_offers_data().lora_per_token:
        if priced_only and not offer.priced_by_default:
            continue
        if (
            base is not None
            and offer.bases is not None
            and not any(base.lower() in b.lower() or b.lower() in base.lower() for b in offer.bases)
        ):
            continue
        out.append(offer)
    return tuple(out)


def multi_lora() -> MultiLoraCapacity:
    """Adapters per GPU by serving system, and the throughput many adapters cost.

    Examples
    --------
    >>> m = multi_lora()
    >>> m.many_adapter_penalty.low, m.many_adapter_penalty.high  # S-LoRA, 5 -> 2,000 adapters
    (0.0547, 0.1029)
    """
    return gpu_offers_data().multi_lora
