"""Cost stage, the shape of a bill: one option's bill over the rows (:class:`ServingBill`),
both strategies' options and each row's choice (:class:`Bills`), and the prompted request
(:class:`PromptShape`); arrays over the rows of a scenario table, ``NaN`` where unpriced."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._latency import RouteFigures, RouteLatency
from .._model_spec import ServingMode
from .._replica_time import ReplicaTime
from .._routes import Route
from .._types import BoolArray, FloatArray, Strategy

__all__ = [
    "Bills",
    "PromptShape",
    "ServingBill",
    "blank_bill",
    "full_rows",
    "own_weights",
]


@dataclass
class PromptShape:
    """The prompted request for each row: demonstrations, prefix, prompt and its cache."""

    shots: FloatArray
    demo: FloatArray  # tokens per demonstration (query + output)
    prefix: FloatArray  # instructions + demonstrations (the static, cacheable part)
    prompt: FloatArray  # prefix + retrieved passages + query
    context_needed: FloatArray  # prompt + output
    cacheable: BoolArray  # a cached price exists and the prefix reaches the minimum
    hit_rate: FloatArray  # share of requests whose prefix is still cached
    cached_tokens: FloatArray  # prefix x hit rate
    batch: BoolArray  # batch prices may be used (allowed, listed, within the budget)


@dataclass
class ServingBill:
    """One strategy in one serving mode, online or at batch rates: each part of its bill
    over the rows (``NaN``: unpriced)."""

    strategy: Strategy
    mode: ServingMode
    batch: bool
    allowed: BoolArray  # rows where this option may be used (batch: allowed there)
    input_tokens: FloatArray
    output_tokens: FloatArray
    cached: BoolArray  # the prefix is billed at the cache prices
    hit_rate: FloatArray
    per_request: FloatArray  # per-token charges of one request
    reasoning_tokens: FloatArray  # hidden reasoning tokens per request, billed as output
    training_tokens: FloatArray
    training_run: FloatArray  # compute of one training run (0 for prompting)
    runs: FloatArray  # training runs within the horizon (0 for prompting)
    people_once: FloatArray  # prompt engineering (+ fine-tuning set-up)
    people_per_retraining: FloatArray
    revisions: FloatArray  # prompt revisions at task changes (prompting)
    revision_usd: FloatArray
    migration_usd: FloatArray
    ops_per_month: FloatArray  # self-hosting operations time, per month
    replicas: FloatArray  # replicas paid for (a share when tasks split a deployment)
    replicas_for_load: FloatArray  # replicas the peak load itself needs (the rest are spares)
    fee_per_replica_month: FloatArray
    usd_per_replica_hour: FloatArray
    capacity: FloatArray  # requests/s one replica carries
    shared: BoolArray
    gpus: int | None = None
    gpu: str | None = None
    route: Route | None = None  # how it is served (_routes.py)
    cold_share: FloatArray | None = None  # requests that wait for a cold start
    replica_time: ReplicaTime | None = None
    latency: RouteLatency | None = None  # a request's time on this route (set by price)
    figures: RouteFigures | None = None
    unpriced: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    # -- the bill -----------------------------------------------------------------------

    @property
    def one_time(self) -> FloatArray:
        """Paid once: the first training run and set-up time, or prompt engineering."""
        return self.training_run + self.people_once

    @property
    def retraining(self) -> FloatArray:
        """Later training runs and their time (0 for prompting)."""
        later = np.maximum(self.runs - 1.0, 0.0)
        return np.where(later > 0, later * (self.training_run + self.people_per_retraining), 0.0)

    @property
    def changes(self) -> FloatArray:
        """Prompt revisions at task changes and the migration to a successor (prompting)."""
        return self.revision_usd + self.migration_usd

    def _lat(self, name: str) -> FloatArray:
        if self.latency is None:
            return np.full(self.per_request.shape, np.nan)
        return np.asarray(getattr(self.latency, name), dtype=np.float64)

    @property
    def lat_p95(self) -> FloatArray:
        return self._lat("p95_ms")

    @property
    def lat_median(self) -> FloatArray:
        return self._lat("median_ms")

    @property
    def lat_ttft(self) -> FloatArray:
        return self._lat("ttft_ms")

    @property
    def lat_within(self) -> FloatArray:
        return self._lat("within")

    @property
    def batch_flag(self) -> FloatArray:
        return np.full(self.per_request.shape, float(self.batch))

    @property
    def self_hosted_flag(self) -> FloatArray:
        """1 where the team serves its own weights (self-hosted or on a GPU endpoint)."""
        return np.full(self.per_request.shape, float(own_weights(self.mode)))

    @property
    def fee_per_month(self) -> FloatArray:
        """Serving fees per month (GPU rent or the dedicated fee)."""
        return self.fee_per_replica_month * self.replicas

    def fixed(self, months: FloatArray) -> FloatArray:
        """Everything that does not depend on the volume, over the horizon."""
        return self.one_time + self.retraining + self.changes + months * self.ops_per_month

    def total(self, months: FloatArray, volume: FloatArray) -> FloatArray:
        """Everything over the horizon (NaN: unpriced)."""
        return self.fixed(months) + months * (
            volume * self.per_request + self.fee_per_replica_month * self.replicas
        )

    def known_part(self, months: FloatArray, volume: FloatArray) -> FloatArray:
        """The priced parts of an unpriced total, each line of the bill on its own (an
        unknown training price leaves the set-up time priced, an unknown hourly fee the
        operations time): a lower bound on the total; NaN when nothing is priced."""
        later = np.maximum(self.runs - 1.0, 0.0)

        def repeated(cost: FloatArray) -> FloatArray:  # once per later run (none: $0)
            return np.where(later > 0, later * cost, 0.0)

        parts = [
            self.training_run,
            self.people_once,
            repeated(self.training_run),
            repeated(self.people_per_retraining),
            self.revision_usd,
            self.migration_usd,
            months * self.per_request * volume,
            months * self.fee_per_month,
            months * self.ops_per_month,
        ]
        stack = np.stack(np.broadcast_arrays(*parts))
        known = ~np.isnan(stack)
        return np.where(known.any(axis=0), np.where(known, stack, 0.0).sum(axis=0), np.nan)


@dataclass
class Bills:
    """Every option of both strategies over the rows, and each strategy's cheapest."""

    prompt: PromptShape
    options: dict[Strategy, list[ServingBill]]
    chosen: dict[Strategy, np.ndarray]  # index of the cheapest option, per row
    total: dict[Strategy, FloatArray]  # the chosen option's total (NaN: unpriced)
    known: dict[Strategy, FloatArray]  # the chosen option's priced part
    months: FloatArray
    volume: FloatArray
    changes: FloatArray  # task changes inside the horizon
    epochs: FloatArray
    _same: dict[Strategy, int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def pick(self, strategy: Strategy, attr: str) -> FloatArray:
        """An attribute of each row's chosen option, in every row (read-only: it may be the
        option's own array)."""
        opts = self.options[strategy]
        chosen = self.chosen[strategy]
        n = chosen.shape[0]
        one = 0 if len(opts) == 1 else self._one_chosen(strategy)
        out: FloatArray
        if one is not None:  # every row chose the same option
            out = full_rows(getattr(opts[one], attr), n).view()
        else:
            values = np.stack([full_rows(getattr(o, attr), n) for o in opts])
            out = np.asarray(values[chosen, np.arange(n)], dtype=np.float64)
        out.flags.writeable = False
        return out

    def _one_chosen(self, strategy: Strategy) -> int | None:
        """The option every row chose, if they all chose one (found once: ``chosen`` is
        read-only)."""
        if strategy not in self._same:
            chosen = self.chosen[strategy]
            first = int(chosen[0]) if chosen.shape[0] else None
            self._same[strategy] = first if (chosen == first).all() else None
        return self._same[strategy]

    def mode(self, strategy: Strategy, row: int) -> ServingBill:
        """The option chosen in one row."""
        return self.options[strategy][int(self.chosen[strategy][row])]


def full_rows(x: object, n: int) -> FloatArray:
    """An array over every row (a value held once is broadcast)."""
    a = np.asarray(x, dtype=np.float64)
    return a if a.shape == (n,) else np.broadcast_to(a, (n,))


def own_weights(mode: ServingMode) -> bool:
    """The team serves the weights itself: on its own GPUs or a GPU platform's endpoint."""
    return mode in ("self_hosted", "endpoint")


def _zeros(n: int) -> FloatArray:
    return np.zeros(n, dtype=np.float64)


def blank_bill(strategy: Strategy, route: Route, batch: bool, n: int) -> ServingBill:
    z = _zeros(n)
    return ServingBill(
        strategy=strategy, mode=route.mode, route=route, batch=batch,
        allowed=np.ones(n, dtype=bool),
        input_tokens=z, output_tokens=z, cached=np.zeros(n, dtype=bool), hit_rate=z,
        per_request=z, reasoning_tokens=z, training_tokens=np.full(n, np.nan), training_run=z,
        runs=z,
        people_once=z, people_per_retraining=z, revisions=z, revision_usd=z, migration_usd=z,
        ops_per_month=z, replicas=z, replicas_for_load=z, fee_per_replica_month=z,
        usd_per_replica_hour=np.full(n, np.nan), capacity=np.full(n, np.nan),
        shared=np.zeros(n, dtype=bool), gpu=route.gpu,
    )  # fmt: skip
