"""Cost stage, one strategy's bill: tokens, serving capacity, training runs, people's time.

Each strategy is priced once per serving option its model allows (a serving mode, online or
at batch rates): :func:`price_option` prices everything that does not depend on the monthly
volume, and :class:`Option` gives the total at any volume from it (the break-even search
and the cost ranges evaluate hypothetical volumes without pricing anything again). The
formulas are written out in ``docs/costs.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from .._assumptions import Assumptions
from .._catalog import ModelSpec, ServingMode
from .._features import TaskFeatures, allowed_modes, assumption_values, serving_modes
from .._format import format_value, usd
from .._serving import (
    cache_hit_rate,
    cache_lifetime,
    gpu_price,
    gpus_per_replica,
    replica_seconds_per_request,
    serving_data,
    training_gpu_seconds,
)
from .._types import Strategy

__all__ = ["Bill", "End", "Option", "allowed_modes", "options_for", "price_option"]

#: Which end of each assumed serving figure to price at: its point value, or the end that
#: makes serving cheap (high utilization, cheap GPUs, fast training) or dear.
End = Literal["low", "point", "high"]

_MTOK = 1_000_000.0  # prices are per million tokens
_SECONDS_PER_DAY = 86_400.0
_UNKNOWN_TOKENS = "profile.avg_input_tokens/avg_output_tokens"


@dataclass
class Option:
    """One strategy in one serving mode, online or at batch rates: every volume-independent
    part of its bill (plain numbers; see results). ``None`` marks an unpriced figure.

    The total over ``months`` at ``V`` requests a month is
    ``fixed + months × (V × (miss_price − hit_discount × h(V)) + fee × replicas(V))``.
    """

    strategy: Strategy
    mode: ServingMode
    batch: bool
    months: float
    seconds_per_month: float
    # paid once, or a fixed number of times within the horizon
    training_run: float | None
    runs: int
    people_one_time: float
    people_per_retraining: float
    revisions: int
    revision_usd: float
    migration_usd: float
    ops_per_month: float
    # per request: the price of a cache miss and what a hit saves
    miss_price: float | None
    cached: bool
    hit_discount: float
    hit_given: float | None
    cache_idle_minutes: float | None
    cache_max_minutes: float | None
    # serving: replicas(V) = max(min_replicas, ceil(V x replicas_per_volume))
    fee_per_replica_month: float | None
    min_replicas: float
    replicas_per_volume: float | None
    shared: bool
    peak_ratio: float
    usd_per_replica_hour: float | None
    gpu: str | None
    gpus: int | None
    capacity: float | None
    capacity_source: str | None
    input_tokens: float | None
    prefix_tokens: float
    output_tokens: float | None
    training_tokens: float | None
    fixed_usd: float | None = None
    unpriced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    # -- volume-independent parts ----------------------------------------------------------

    def one_time(self) -> float | None:
        """Paid once: the first training run and set-up time, or prompt engineering."""
        if self.strategy is Strategy.IN_CONTEXT_LEARNING:
            return self.people_one_time
        return None if self.training_run is None else self.training_run + self.people_one_time

    def retraining(self) -> float | None:
        """Later training runs and their time (fine-tuning; 0 for prompting)."""
        if self.runs <= 1:
            return 0.0
        if self.training_run is None:
            return None
        return (self.runs - 1) * (self.training_run + self.people_per_retraining)

    def changes(self) -> float:
        """Prompt revisions at task changes and the migration to a successor (prompting)."""
        return self.revision_usd + self.migration_usd

    def fixed(self) -> float | None:
        """Everything that does not depend on the volume, over the horizon (priced once, by
        :func:`price_option`)."""
        return self.fixed_usd

    def _fixed(self) -> float | None:
        one, retrain = self.one_time(), self.retraining()
        if one is None or retrain is None or self.fee_per_replica_month is None:
            return None
        return one + retrain + self.changes() + self.months * self.ops_per_month

    # -- at a volume --------------------------------------------------------------------------

    def hit_rate(self, volume: float) -> float:
        """Share of requests whose prefix is a cache hit at ``volume`` requests a month."""
        if self.hit_given is not None:
            return self.hit_given
        if self.cache_idle_minutes is None:
            return 0.0
        rate = volume / self.seconds_per_month
        return cache_hit_rate(rate, self.cache_idle_minutes, self.cache_max_minutes)

    def per_request(self, volume: float) -> float | None:
        """Per-token charges of one request at ``volume``."""
        if self.miss_price is None:
            return None
        if not self.cached:
            return self.miss_price
        return self.miss_price - self.hit_discount * self.hit_rate(volume)

    def replicas(self, volume: float) -> float:
        """Replicas paid for at ``volume`` (a share when several tasks split a deployment)."""
        if self.mode == "serverless":
            return 0.0
        if self.replicas_per_volume is None:
            return self.min_replicas
        needed = volume * self.replicas_per_volume
        if self.shared:
            return max(self.min_replicas, needed)
        return float(max(self.min_replicas, math.ceil(needed - 1e-12)))

    def fee_per_month(self, volume: float) -> float | None:
        """Serving fees per month at ``volume`` (GPU rent or the dedicated fee)."""
        if self.fee_per_replica_month is None:
            return None
        return self.fee_per_replica_month * self.replicas(volume)

    def total(self, volume: float) -> float | None:
        """Everything over the horizon at ``volume`` requests a month (None: unpriced)."""
        fixed, per = self.fixed_usd, self.per_request(volume)
        if fixed is None or per is None:
            return None
        assert self.fee_per_replica_month is not None  # fixed() is None otherwise
        return fixed + self.months * (
            volume * per + self.fee_per_replica_month * self.replicas(volume)
        )

    def known_part(self, volume: float) -> float | None:
        """The priced parts of an unpriced total (None when nothing is priced)."""
        parts = [self.one_time(), self.retraining(), self.changes()]
        per, fee = self.per_request(volume), self.fee_per_month(volume)
        if per is not None:
            parts.append(self.months * per * volume)
        if fee is not None:
            parts.append(self.months * (fee + self.ops_per_month))
        known = [p for p in parts if p is not None]
        return sum(known) if known else None

    def at(self, volume: float) -> Bill:
        """This option's bill at one monthly volume."""
        return Bill(self, volume)


@dataclass(frozen=True)
class Bill:
    """One option at one monthly volume: what the result's lines and plan are built from."""

    option: Option
    volume: float

    @property
    def strategy(self) -> Strategy:
        return self.option.strategy

    @property
    def mode(self) -> ServingMode:
        return self.option.mode

    @property
    def per_request(self) -> float | None:
        return self.option.per_request(self.volume)

    @property
    def hit_rate(self) -> float | None:
        o = self.option
        if o.strategy is Strategy.FINE_TUNING or o.input_tokens is None:
            return None
        return o.hit_rate(self.volume) if o.cached else 0.0

    @property
    def cached_tokens(self) -> float | None:
        o = self.option
        if o.input_tokens is None:
            return None
        return o.prefix_tokens * o.hit_rate(self.volume) if o.cached else 0.0

    @property
    def replicas(self) -> float:
        return self.option.replicas(self.volume)

    @property
    def peak_rps(self) -> float:
        return self.volume / self.option.seconds_per_month * self.option.peak_ratio

    @property
    def fee_per_month(self) -> float | None:
        return self.option.fee_per_month(self.volume)

    def total(self) -> float | None:
        return self.option.total(self.volume)


#: The per-request source of a self-hosted model: no token is billed, the GPUs are.
_OWN_GPUS = "self-hosted: no per-token price; the GPU hours are the serving fees"


def options_for(
    strategy: Strategy,
    f: TaskFeatures,
    spec: ModelSpec,
    fixed: str,
    *,
    assumptions: Assumptions,
    end: End = "point",
) -> list[Option]:
    """Every serving option a strategy may use: each allowed mode (or the fixed one), and
    the serverless mode at batch rates too where batch is allowed."""
    modes = serving_modes(spec, strategy, fixed)
    batch = f.ft_batch if strategy is Strategy.FINE_TUNING else f.icl_batch
    out = []
    for mode in modes:
        out.append(price_option(strategy, f, spec, mode, assumptions=assumptions, end=end))
        if batch and mode == "serverless":
            out.append(
                price_option(strategy, f, spec, mode, batch=True, assumptions=assumptions, end=end)
            )
    return out


def _ranged(assumptions: Assumptions, key: str, end: End) -> float:
    """An assumption at its point value or at the cheap (low) or dear (high) end."""
    entry = assumptions.entry(key)
    if end == "low" and entry.low is not None:
        return entry.low
    if end == "high" and entry.high is not None:
        return entry.high
    return entry.value


def _utilization(end: End) -> float:
    u = serving_data().serving_utilization
    return {"low": u.high, "point": u.value, "high": u.low}[end]  # busier replicas cost less


def _gpu(gpu: str | None, end: End) -> tuple[str, float, str]:
    name, point, low, high, source = gpu_price(gpu)
    return name, {"low": low, "point": point, "high": high}[end], source


def price_option(
    strategy: Strategy,
    f: TaskFeatures,
    spec: ModelSpec,
    mode: ServingMode,
    *,
    batch: bool = False,
    assumptions: Assumptions,
    end: End = "point",
) -> Option:
    """Price the volume-independent parts of one strategy in one serving mode.

    ``batch`` prices the serverless mode at the provider's batch rates. ``end`` picks which
    end of the assumed serving figures (utilization, GPU price, self-hosted training time,
    spare replicas and set-up time) to use: the point values, or the cheap or dear end.
    """
    dpm = assumption_values(assumptions)[0]["days_per_month"]
    o = Option(
        strategy=strategy, mode=mode, batch=batch, months=f.horizon_months,
        seconds_per_month=dpm * _SECONDS_PER_DAY, training_run=0.0, runs=0,
        people_one_time=0.0, people_per_retraining=0.0, revisions=0, revision_usd=0.0,
        migration_usd=0.0, ops_per_month=0.0, miss_price=None, cached=False, hit_discount=0.0,
        hit_given=None, cache_idle_minutes=None, cache_max_minutes=None,
        fee_per_replica_month=0.0, min_replicas=0.0, replicas_per_volume=None, shared=False,
        peak_ratio=f.peak_to_average_ratio, usd_per_replica_hour=None, gpu=None, gpus=None,
        capacity=None, capacity_source=None, input_tokens=None, prefix_tokens=0.0,
        output_tokens=f.output_tokens, training_tokens=None,
    )  # fmt: skip
    if f.query_tokens is None or f.output_tokens is None:
        o.unpriced.append(_UNKNOWN_TOKENS)
    rate = f.engineer_hourly_usd
    if strategy is Strategy.IN_CONTEXT_LEARNING:
        _icl_tokens(o, f, spec)
        o.people_one_time = f.prompt_engineering_hours * rate
        _icl_changes(o, f)
    else:
        _ft_tokens(o, f, spec)
        _ft_training(o, f, spec, end, assumptions)
        o.people_one_time = (f.prompt_engineering_hours + f.ft_setup_hours) * rate
        o.people_per_retraining = f.ft_hours_per_retraining * rate
    _serving_fee(o, f, spec, dpm, end, assumptions)
    o.fixed_usd = o._fixed()
    return o


def _icl_tokens(o: Option, f: TaskFeatures, spec: ModelSpec) -> None:
    prompt, prefix = f.icl_prompt_tokens, f.icl_prefix_tokens
    o.input_tokens = prompt
    if prompt is None or prefix is None or f.output_tokens is None:
        return
    if o.mode == "self_hosted":
        o.miss_price = 0.0  # the GPUs are the bill; nothing is cached
        o.sources["tokens"] = _OWN_GPUS
        return
    cacheable = bool(f.icl_prefix_cached) and (not o.batch or f.icl_batch_stacks_with_cache)
    if cacheable:
        o.cached, o.prefix_tokens = True, prefix
        if f.icl_cache_hit_rate_given:
            o.hit_given = f.icl_cache_hit_rate or 0.0
        else:
            o.cache_idle_minutes = f.icl_cache_lifetime_minutes
            o.cache_max_minutes = _max_lifetime(spec)
    names = ("batch_input_usd_per_mtok", "batch_output_usd_per_mtok") if o.batch else (
        "input_usd_per_mtok", "output_usd_per_mtok"
    )  # fmt: skip
    missing = [f"{spec.name}.{n}" for n in names if getattr(spec, n) is None]
    if missing:
        o.unpriced.extend(missing)
        return
    i, out = (float(getattr(spec, n)) for n in names)
    if not cacheable:
        o.miss_price = (prompt * i + f.output_tokens * out) / _MTOK
    else:
        full = spec.input_usd_per_mtok
        assert full is not None and spec.cached_input_usd_per_mtok is not None
        scale = i / full if full else 1.0  # the batch discount applies to cache prices too
        hit = spec.cached_input_usd_per_mtok * scale
        write = (spec.cache_write_usd_per_mtok or full) * scale
        o.miss_price = (prefix * write + (prompt - prefix) * i + f.output_tokens * out) / _MTOK
        o.hit_discount = prefix * (write - hit) / _MTOK
    what = "batch prices" if o.batch else "prices"
    if o.batch and cacheable:
        what = "batch prices, cache prices at the batch discount"
    o.sources["tokens"] = f"{spec.name} {what} ({spec.source or 'given'})"


def _max_lifetime(spec: ModelSpec) -> float | None:
    if spec.cache_lifetime_minutes is not None:
        return None
    return cache_lifetime(spec.provider, None).max_minutes


def _depends_on_provider(mode: ServingMode) -> bool:
    """Serverless and dedicated models go when their provider stops serving them; the
    team's own weights on its own GPUs do not."""
    return mode != "self_hosted"


def _shutdown_run(f: TaskFeatures, shutdown: float | None) -> tuple[bool, bool]:
    """(the model shuts down inside the horizon, no scheduled change after the shutdown can
    take the move to a successor): a change at or after the shutdown is done on the
    successor and costs nothing extra."""
    if shutdown is None or not 0 < shutdown < f.horizon_days:
        return False, False
    interval = f.task_change_interval_days
    last_change = f.task_changes_in_horizon * interval if interval is not None else 0.0
    return True, f.task_changes_in_horizon == 0 or shutdown > last_change


def _icl_changes(o: Option, f: TaskFeatures) -> None:
    rate = f.engineer_hourly_usd
    revisions = f.task_changes_in_horizon
    moves, extra = _shutdown_run(f, f.icl_shutdown_in_days)
    if moves and _depends_on_provider(o.mode):
        o.migration_usd = f.prompt_migration_hours * rate
        if not extra:
            revisions -= 1  # the revision after the shutdown is done on the successor
    o.revisions = revisions
    o.revision_usd = revisions * f.prompt_revision_hours * rate


def _ft_tokens(o: Option, f: TaskFeatures, spec: ModelSpec) -> None:
    offer = spec.fine_tuning
    o.input_tokens = f.query_tokens
    if offer is None:
        o.unpriced.append(f"{spec.name}.fine_tuning (the model has no fine-tuning offer)")
        return
    if f.query_tokens is None or f.output_tokens is None:
        return
    if o.mode == "self_hosted":
        o.miss_price = 0.0
        o.sources["tokens"] = _OWN_GPUS
        return
    names = ("batch_input_usd_per_mtok", "batch_output_usd_per_mtok") if o.batch else (
        "input_usd_per_mtok", "output_usd_per_mtok"
    )  # fmt: skip
    missing = [f"{spec.name}.fine_tuning.{n}" for n in names if getattr(offer, n) is None]
    if missing:
        o.unpriced.extend(missing)
        return
    i, out = (float(getattr(offer, n)) for n in names)
    o.miss_price = (f.query_tokens * i + f.output_tokens * out) / _MTOK
    what = "batch prices" if o.batch else "prices"
    o.sources["tokens"] = f"tuned {spec.name} {what} ({offer.source or 'given'})"


def _ft_training(
    o: Option, f: TaskFeatures, spec: ModelSpec, end: End, assumptions: Assumptions
) -> None:
    offer = spec.fine_tuning
    runs = 1 + f.task_changes_in_horizon
    moves, extra = _shutdown_run(f, f.ft_shutdown_in_days)
    if moves and extra and _depends_on_provider(o.mode):
        runs += 1  # the tuned model goes with its platform: retrain on a successor
    o.runs = runs
    tokens = f.n_labeled_examples * f.demo_tokens * f.epochs if f.demo_tokens is not None else None
    o.training_tokens = tokens
    if offer is None or tokens is None:
        o.training_run = None
        return
    if o.mode == "self_hosted":
        if spec.params_b is None:
            o.training_run = None
            o.unpriced.append(f"{spec.name}.params_b (needed to price self-hosted training)")
            return
        gpu, price, gpu_source = _gpu(offer.gpu, end)
        point, low, high, flops_source = training_gpu_seconds(
            spec.params_b, tokens, "full" if offer.method == "full" else "lora", gpu
        )
        seconds = {"low": low, "point": point, "high": high}[end]
        node = offer.gpus_per_replica or gpus_per_replica(spec.params_b)
        setup = _ranged(assumptions, "self_hosted_training_setup_hours", end)
        o.training_run = (seconds / 3600.0 + setup * node) * price
        setup_source = assumptions.entry("self_hosted_training_setup_hours").source
        o.sources["training"] = (
            f"{gpu} at ${price:g}/h ({gpu_source}); {flops_source}; plus {setup:g} h of the "
            f"{node}-GPU node per run ({setup_source})"
        )
        return
    if offer.training_usd_per_mtok is None:
        o.training_run = None
        o.unpriced.append(f"{spec.name}.fine_tuning.training_usd_per_mtok")
        return
    o.training_run = tokens * offer.training_usd_per_mtok / _MTOK
    o.sources["training"] = f"{spec.name} training price ({offer.source or 'given'})"


def _serving_fee(
    o: Option, f: TaskFeatures, spec: ModelSpec, dpm: float, end: End, assumptions: Assumptions
) -> None:
    if o.mode == "serverless":
        return
    hours = 24.0 * dpm
    tuned = o.strategy is Strategy.FINE_TUNING
    offer = spec.fine_tuning if tuned else None
    adapters = f.adapters_per_deployment if tuned else 1
    if offer is not None and offer.max_adapters_per_deployment is not None:
        adapters = min(adapters, offer.max_adapters_per_deployment)
    size_gpus = gpus_per_replica(spec.params_b) if spec.params_b is not None else 1
    gpus = (offer.gpus_per_replica if offer is not None else None) or size_gpus
    given = offer.requests_per_s_per_replica if offer is not None else None
    self_hosted = o.mode == "self_hosted"
    if self_hosted:
        minimum = _ranged(assumptions, "self_hosted_min_replicas", end)
    else:
        minimum = float(offer.min_replicas if offer is not None else 1)
    capacity, capacity_source = _capacity(f, spec, given, gpus, o.input_tokens, end)
    o.min_replicas = minimum / adapters
    o.shared = adapters > 1
    if capacity is None:
        o.notes.append(
            "capacity of a replica unknown (no params_b or measured figure): minimum assumed"
        )
    else:
        o.replicas_per_volume = f.peak_to_average_ratio / (o.seconds_per_month * capacity)
    o.capacity, o.capacity_source, o.gpus = capacity, capacity_source, gpus
    if o.mode == "dedicated":
        fee = offer.hosting_usd_per_hour if offer is not None else None
        modes = allowed_modes(spec, o.strategy)
        if fee is None or "dedicated" not in modes:
            o.fee_per_replica_month = None
            o.unpriced.append(
                f"{spec.name}: no hourly fee for a dedicated deployment"
                if "dedicated" in modes
                else f"{spec.name}: no dedicated deployment offered (serving: {', '.join(modes)})"
            )
            return
        o.usd_per_replica_hour = fee
        o.gpu = offer.gpu if offer is not None else None
        o.fee_per_replica_month = fee * hours
        given_by = offer.source if offer is not None and offer.source else "given"
        o.sources["serving"] = f"{spec.name} hosting fee ({given_by})"
        return
    # self-hosted: own GPUs at market prices, a spare replica, and the team's time to run it
    if spec.params_b is None and given is None:
        o.fee_per_replica_month = None
        o.unpriced.append(f"{spec.name}.params_b (needed to size self-hosted serving)")
        return
    gpu, price, gpu_source = _gpu(offer.gpu if offer is not None else None, end)
    o.gpu, o.usd_per_replica_hour = gpu, price * gpus
    o.fee_per_replica_month = price * gpus * hours
    ops = f.self_hosting_ops_hours_per_month
    o.ops_per_month = ops * f.engineer_hourly_usd / adapters
    o.sources["serving"] = (
        f"{gpu} at ${price:g}/GPU-hour ({gpu_source}); at least {minimum:g} replicas "
        f"({assumptions.entry('self_hosted_min_replicas').source})"
    )


def _capacity(
    f: TaskFeatures,
    spec: ModelSpec,
    given: float | None,
    gpus: int,
    prompt: float | None,
    end: End,
) -> tuple[float | None, str | None]:
    """Requests per second one replica carries at this task's lengths, and its source."""
    if given is not None:
        return given, "the offer's requests_per_s_per_replica"
    if spec.params_b is None or prompt is None or f.output_tokens is None:
        return None, None
    utilization = _utilization(end)
    w, source = replica_seconds_per_request(spec.params_b, gpus, prompt, f.output_tokens)
    return utilization / w, f"{source}, at {utilization:.0%} of the offline maximum"


def describe_plan(bill: Bill) -> str:
    """The serving plan in one sentence, with its numbers."""
    o = bill.option
    peak = f"a peak of {_rate(bill.peak_rps)}"
    if o.mode == "serverless":
        how = "batch API" if o.batch else "per-token API"
        return f"serverless ({how}): no hourly fee"
    replicas = bill.replicas
    share = (
        f"{replicas:.2g} of a replica"
        if replicas < 1
        else f"{replicas:g} replica{'s' if replicas != 1 else ''}"
    )
    gpus = f" of {o.gpus}x {o.gpu}" if o.gpu and o.gpus else ""
    fee = f" at {usd(o.usd_per_replica_hour)}/h" if o.usd_per_replica_hour is not None else ""
    cap = f" (each carries {_rate(o.capacity)})" if o.capacity is not None else ""
    what = "dedicated" if o.mode == "dedicated" else "self-hosted"
    return f"{what}: {share}{gpus}{fee} for {peak}{cap}"


def _rate(rps: float) -> str:
    if rps >= 0.1:
        return f"{rps:.3g} requests/s"
    return f"{format_value(rps * 3600, 'int')} requests/hour"
