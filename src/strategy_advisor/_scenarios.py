"""Scenarios: one task's fixed facts (a :class:`Case`) and the inputs that can vary, as arrays.

Everything that prices anything evaluates scenarios: rows of named input values, one numpy
array per input (:class:`Scenarios`). The point estimate is one row; the simulation, the flip
search, the break-even and the charts are many. What no scenario varies (the two models'
offers and limits, providers' cache and batch policies, dates, the rulebook's inputs that are
facts) is read once per recommendation into a :class:`Case`.

An input is named by a *knob*: ``volume``, ``query_tokens``, ``ft_hosting_usd_per_hour``...
:data:`KNOBS` lists them with the profile path a person would change (``what_if`` paths) and
how the point value is read. ``NaN`` stands for an unknown value (a price not listed, a token
length not given); the pricing then reports the bill as unpriced, never $0.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._assumptions import Assumptions
from ._datafiles import read_shipped_json
from ._model_spec import ModelSpec, ServingMode
from ._profile import TaskProfile
from ._routes import Route, routes_for, small_model_max_params_b
from ._serving import (
    CacheLifetime,
    batch_stacks_with_cache,
    batch_window_hours,
    cache_lifetime,
    gpu_price,
    gpus_per_replica,
    serving_data,
)
from ._types import FloatArray, Strategy

__all__ = [
    "KNOBS",
    "Case",
    "Knob",
    "Scenarios",
    "SideFacts",
    "allowed_modes",
    "epochs_heuristic",
    "serving_modes",
]

_SECONDS_PER_DAY = 86_400.0
_NAN = math.nan


def allowed_modes(spec: ModelSpec, strategy: Strategy) -> tuple[ServingMode, ...]:
    """The serving modes a model allows for a strategy (the offer's, or derived)."""
    if strategy is Strategy.FINE_TUNING:
        offer = spec.fine_tuning
        if offer is None:
            return ("serverless",)
        if offer.serving:  # own weights on a GPU platform wherever a small one is self-hosted
            small = spec.params_b is not None and spec.params_b <= small_model_max_params_b()
            if small and "self_hosted" in offer.serving and "endpoint" not in offer.serving:
                return (*offer.serving, "endpoint")
            return offer.serving
        return ("dedicated",) if offer.hosting_usd_per_hour else ("serverless",)
    return spec.serving or ("serverless",)


def serving_modes(spec: ModelSpec, strategy: Strategy, choice: str) -> tuple[ServingMode, ...]:
    """The serving modes a strategy may use: every allowed one (``choice`` "cheapest"), or
    the fixed one."""
    return allowed_modes(spec, strategy) if choice == "cheapest" else (choice,)  # type: ignore[return-value]


def _num(x: float | int | None) -> float:
    return _NAN if x is None else float(x)


@dataclass(frozen=True)
class SideFacts:
    """What pricing one strategy's model needs that no scenario varies."""

    strategy: Strategy
    spec: ModelSpec
    modes: tuple[ServingMode, ...]  # the serving modes priced (allowed, or the fixed one)
    batch_listed: bool  # batch prices listed for this model (or its tuned offer)
    batch_window_hours: float | None
    gpu: str  # GPU of a dedicated or self-hosted replica
    gpu_source: str
    gpu_usd_per_hour: tuple[float, float, float]  # point, cheap end, dear end
    gpus: int  # GPUs per replica
    routes: tuple[Route, ...]  # every route the modes open (_routes.py)
    capacity_given: float | None  # the offer's measured requests/s per replica
    min_replicas_dedicated: float
    max_adapters: int | None
    shutdown_in_days: float | None  # at its provider (None: none announced)


@dataclass(frozen=True)
class Case:
    """One task's fixed facts: the profile, both models and what they imply, read once.

    Pricing, latency, rules and quality read these; the numbers that can vary between
    scenarios are in :class:`Scenarios` instead.
    """

    profile: TaskProfile
    icl: ModelSpec
    ft: ModelSpec
    assumptions: Assumptions
    today: dt.date
    catalog_as_of: dt.date | None
    values: Mapping[str, float]  # every assumption's point value
    stated: frozenset[str]  # assumptions that are stated assumptions (no measurement)
    days_per_month: float
    seconds_per_month: float
    prompted: SideFacts
    tuned: SideFacts
    cache: CacheLifetime  # the prompted model's prompt-cache lifetime
    cache_max_minutes: float | None  # the hard maximum priced (None when the model states one)
    min_cacheable: int | None  # the prompted model's minimum cacheable prefix
    batch_stacks_with_cache: bool
    shots_given: int | None  # demonstrations fixed by the profile or its pilot
    default_shots: int  # the advisor's count before capping (one per class, capped)
    ft_min_examples: int
    training_seconds_per_token: tuple[float, float, float] | None  # point, cheap, dear
    training_source: str | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(
        cls,
        profile: TaskProfile,
        icl: ModelSpec,
        ft: ModelSpec,
        *,
        assumptions: Assumptions,
        today: dt.date,
        catalog_as_of: dt.date | None = None,
    ) -> Case:
        """Read the fixed facts of a profile and its two resolved models."""
        entries = dict(assumptions.values)
        values = {k: e.value for k, e in entries.items()}
        stated = frozenset(k for k, e in entries.items() if e.assumption)
        dpm = values["days_per_month"]
        offer = ft.fine_tuning
        lifetime = cache_lifetime(icl.provider, icl.cache_lifetime_minutes)
        minimum = icl.min_cacheable_tokens
        if icl.cached_input_usd_per_mtok is not None and minimum is None:
            minimum = int(values["default_min_cacheable_tokens"])
        given = profile.icl_shots
        if given is None and profile.pilot is not None:
            given = profile.pilot.icl_shots
        shots = int(values["default_icl_shots"])
        if profile.n_classes is not None:
            shots = max(shots, profile.n_classes)
        shots = min(shots, int(values["max_icl_shots"]))
        min_examples = (
            offer.min_examples
            if offer is not None and offer.min_examples is not None
            else int(values["default_min_examples"])
        )
        training, training_source = _training_rate(ft)
        return cls(
            profile=profile,
            icl=icl,
            ft=ft,
            assumptions=assumptions,
            today=today,
            catalog_as_of=catalog_as_of,
            values=values,
            stated=stated,
            days_per_month=dpm,
            seconds_per_month=dpm * _SECONDS_PER_DAY,
            prompted=_side(Strategy.IN_CONTEXT_LEARNING, icl, profile.icl_serving, today),
            tuned=_side(Strategy.FINE_TUNING, ft, profile.ft_serving, today),
            cache=lifetime,
            cache_max_minutes=None if icl.cache_lifetime_minutes is not None else (
                lifetime.max_minutes
            ),
            min_cacheable=minimum,
            batch_stacks_with_cache=batch_stacks_with_cache(icl.provider),
            shots_given=given,
            default_shots=shots,
            ft_min_examples=min_examples,
            training_seconds_per_token=training,
            training_source=training_source,
        )  # fmt: skip

    def side(self, strategy: Strategy) -> SideFacts:
        return self.tuned if strategy is Strategy.FINE_TUNING else self.prompted

    @property
    def may_self_host(self) -> bool:
        """Either strategy may be served on the team's own GPUs."""
        return "self_hosted" in (*self.prompted.modes, *self.tuned.modes)


def _days_until(date: dt.date | None, today: dt.date) -> float | None:
    return None if date is None else float((date - today).days)


def _tuned_shutdown(ft: ModelSpec) -> dt.date | None:
    """The tuned model's shutdown: its offer's (a platform of its own), else the base's."""
    offer = ft.fine_tuning
    if offer is not None and offer.shutdown_date is not None:
        return offer.shutdown_date
    platform = offer.platform.lower() if offer is not None and offer.platform else None
    provider = ft.provider.lower() if ft.provider else None
    if platform is not None and provider is not None and not platform.startswith(provider):
        return None  # served on another platform: the base's date is not its date
    return ft.shutdown_date


def _side(strategy: Strategy, spec: ModelSpec, choice: str, today: dt.date) -> SideFacts:
    tuned = strategy is Strategy.FINE_TUNING
    offer = spec.fine_tuning if tuned else None
    if tuned:
        batch = offer is not None and None not in (
            offer.batch_input_usd_per_mtok,
            offer.batch_output_usd_per_mtok,
        )
    else:
        batch = None not in (spec.batch_input_usd_per_mtok, spec.batch_output_usd_per_mtok)
    window = batch_window_hours(spec.provider)
    name, point, low, high, source = gpu_price(offer.gpu if offer is not None else None)
    size_gpus = gpus_per_replica(spec.params_b) if spec.params_b is not None else 1
    gpus = (offer.gpus_per_replica if offer is not None else None) or size_gpus
    shutdown = _tuned_shutdown(spec) if tuned else spec.shutdown_date
    modes = serving_modes(spec, strategy, choice)
    return SideFacts(
        strategy=strategy,
        spec=spec,
        modes=modes,
        routes=routes_for(spec, strategy, modes),
        batch_listed=batch,
        batch_window_hours=window[0] if window is not None else None,
        gpu=name,
        gpu_source=source,
        gpu_usd_per_hour=(point, low, high),
        gpus=gpus,
        capacity_given=offer.requests_per_s_per_replica if offer is not None else None,
        min_replicas_dedicated=float(offer.min_replicas if offer is not None else 1),
        max_adapters=offer.max_adapters_per_deployment if offer is not None else None,
        shutdown_in_days=_days_until(shutdown, today),
    )


def _training_rate(ft: ModelSpec) -> tuple[tuple[float, float, float] | None, str | None]:
    """GPU-seconds per training token of self-hosted training (point, cheap, dear), from
    ``k·N·D / (MFU × peak)`` and the fastest measured throughput (``_serving``)."""
    offer = ft.fine_tuning
    if offer is None or ft.params_b is None:
        return None, None
    from ._serving import training_gpu_seconds

    gpu, _, _, _, _ = gpu_price(offer.gpu)
    method = "full" if offer.method == "full" else "lora"
    point, low, high, source = training_gpu_seconds(ft.params_b, 1e6, method, gpu)
    return (point / 1e6, low / 1e6, high / 1e6), source


def epochs_heuristic(n: FloatArray, values: Mapping[str, float]) -> FloatArray:
    """Training epochs by the OpenAI cookbook's default heuristic, over arrays of example
    counts (:meth:`Assumptions.epochs_for`, elementwise).

    Examples
    --------
    >>> from strategy_advisor._assumptions import default_assumptions
    >>> v = {k: e.value for k, e in dict(default_assumptions().values).items()}
    >>> epochs_heuristic(np.array([0.0, 10.0, 1000.0, 20000.0]), v).tolist()
    [3.0, 10.0, 3.0, 1.0]
    """
    target = values["epochs_target"]
    lo_ex, hi_ex = values["epochs_min_target_examples"], values["epochs_max_target_examples"]
    safe = np.maximum(n, 1.0)
    few = np.minimum(values["epochs_max"], np.floor(lo_ex / safe))
    many = np.maximum(values["epochs_min"], np.floor(hi_ex / safe))
    out = np.where(n * target < lo_ex, few, np.where(n * target > hi_ex, many, target))
    return np.where(n <= 0, target, out)


# ------------------------------------------------------------------------------- knobs


@dataclass(frozen=True)
class Knob:
    """One input that can vary between scenarios.

    ``path`` is where a person changes it (a ``what_if`` path; None: not a profile input);
    ``read`` gives its point value for a case (NaN: unknown); ``integer`` inputs hold whole
    numbers.
    """

    name: str
    path: str | None
    read: Callable[[Case], float]
    integer: bool = False
    tuned_only: bool = False  # only fine-tuning's bill reads it: the prompt plan cannot move


def _people(field_: str, key: str) -> Callable[[Case], float]:
    def read(c: Case) -> float:
        people = c.profile.people
        value = getattr(people, field_) if people is not None else None
        return float(value) if value is not None else c.values[key]

    return read


def priced_value(spec: ModelSpec, path: str, value: float) -> float:
    """A catalog number whose two sources disagree (the value is one of them) is priced at
    the mean of the two published values, weighted as ``data/uncertainty.json`` says (never
    at one end: the simulation draws each value with its weight); a value the catalog chose
    inside a wider spread of sources, or one nobody disputes, as it is."""
    r = spec.range_of(path)
    if r is None or math.isnan(value) or r.low < value < r.high:
        return value
    w = _dispute_weight_low()
    return w * r.low + (1.0 - w) * r.high


@functools.cache
def _dispute_weight_low() -> float:
    return float(read_shipped_json("uncertainty.json")["dispute_weight_low"])


def _offer(name: str) -> Callable[[Case], float]:
    def read(c: Case) -> float:
        offer = c.ft.fine_tuning
        value = _num(getattr(offer, name)) if offer is not None else _NAN
        return priced_value(c.ft, f"fine_tuning.{name}", value)

    return read


def _spec(name: str) -> Callable[[Case], float]:
    return lambda c: priced_value(c.icl, name, _num(getattr(c.icl, name)))


def _peak(c: Case) -> float:
    given = c.profile.peak_to_average_ratio
    return given if given is not None else c.values["peak_to_average_ratio"]


def _interval(c: Case) -> float:
    days = c.profile.task_change_interval_days
    return math.inf if days is None else days


KNOBS: tuple[Knob, ...] = (
    Knob("volume", "requests_per_month", lambda c: c.profile.requests_per_month),
    Knob("horizon_months", "horizon_months", lambda c: c.profile.horizon_months),
    Knob("query_tokens", "avg_input_tokens", lambda c: _num(c.profile.avg_input_tokens)),
    Knob("output_tokens", "avg_output_tokens", lambda c: _num(c.profile.avg_output_tokens)),
    Knob("instruction_tokens", "instruction_tokens",
         lambda c: c.profile.resolved_instruction_tokens()),
    Knob("retrieved_tokens", "retrieved_context_tokens",
         lambda c: c.profile.resolved_retrieved_tokens()),
    Knob("icl_shots", "icl_shots", lambda c: _num(c.shots_given), integer=True),
    Knob("n_examples", "n_labeled_examples", lambda c: float(c.profile.n_labeled_examples),
         integer=True),
    Knob("change_interval_days", "task_change_interval_days", _interval),
    Knob("adapters", "adapters_per_deployment",
         lambda c: float(c.profile.adapters_per_deployment), integer=True, tuned_only=True),
    Knob("peak_ratio", "peak_to_average_ratio", _peak),
    Knob("epochs", "epochs", lambda c: _num(c.profile.epochs), integer=True, tuned_only=True),
    Knob("latency_budget_ms", "latency_budget_ms", lambda c: _num(c.profile.latency_budget_ms)),
    Knob("cache_hit_given", "cache_hit_rate", lambda c: _num(c.profile.cache_hit_rate)),
    Knob("cache_idle_minutes", None, lambda c: c.cache.idle_minutes),
    # the prompted model's prices
    Knob("icl_input", "icl_model.input_usd_per_mtok", _spec("input_usd_per_mtok")),
    Knob("icl_cached", "icl_model.cached_input_usd_per_mtok", _spec("cached_input_usd_per_mtok")),
    Knob("icl_output", "icl_model.output_usd_per_mtok", _spec("output_usd_per_mtok")),
    Knob("icl_cache_write", "icl_model.cache_write_usd_per_mtok",
         _spec("cache_write_usd_per_mtok")),
    Knob("icl_batch_input", "icl_model.batch_input_usd_per_mtok",
         _spec("batch_input_usd_per_mtok")),
    Knob("icl_batch_output", "icl_model.batch_output_usd_per_mtok",
         _spec("batch_output_usd_per_mtok")),
    # the tuned model's offer
    Knob("ft_training", "ft_model.fine_tuning.training_usd_per_mtok",
         _offer("training_usd_per_mtok"), tuned_only=True),
    Knob("ft_input", "ft_model.fine_tuning.input_usd_per_mtok", _offer("input_usd_per_mtok"),
         tuned_only=True),
    Knob("ft_output", "ft_model.fine_tuning.output_usd_per_mtok", _offer("output_usd_per_mtok"),
         tuned_only=True),
    Knob("ft_batch_input", "ft_model.fine_tuning.batch_input_usd_per_mtok",
         _offer("batch_input_usd_per_mtok"), tuned_only=True),
    Knob("ft_batch_output", "ft_model.fine_tuning.batch_output_usd_per_mtok",
         _offer("batch_output_usd_per_mtok"), tuned_only=True),
    Knob("ft_hosting", "ft_model.fine_tuning.hosting_usd_per_hour",
         _offer("hosting_usd_per_hour"), tuned_only=True),
    # people's time
    Knob("hourly_usd", "people.hourly_usd", _people("hourly_usd", "engineer_hourly_usd")),
    Knob("prompt_engineering_hours", "people.prompt_engineering_hours",
         _people("prompt_engineering_hours", "prompt_engineering_hours")),
    Knob("ft_setup_hours", "people.fine_tuning_setup_hours",
         _people("fine_tuning_setup_hours", "fine_tuning_setup_hours"), tuned_only=True),
    Knob("ft_retraining_hours", "people.fine_tuning_hours_per_retraining",
         _people("fine_tuning_hours_per_retraining", "fine_tuning_hours_per_retraining"),
         tuned_only=True),
    Knob("prompt_revision_hours", "people.prompt_revision_hours",
         _people("prompt_revision_hours", "prompt_revision_hours")),
    Knob("prompt_migration_hours", "people.prompt_migration_hours",
         _people("prompt_migration_hours", "prompt_migration_hours")),
    Knob("ops_hours", "people.self_hosting_ops_hours_per_month",
         _people("self_hosting_ops_hours_per_month", "self_hosting_ops_hours_per_month")),
    Knob("endpoint_ops_hours", "people.endpoint_ops_hours_per_month",
         _people("endpoint_ops_hours_per_month", "endpoint_ops_hours_per_month"),
         tuned_only=True),
    # the serving figures (stated assumptions with a range)
    Knob("utilization", None, lambda c: serving_data().serving_utilization.value),
    # where a GPU's price, a GPU's capacity against the H100's and a cold start sit in
    # their ranges (0: the point; -1 the low end; +1 the high end; _costs/kernel.py)
    Knob("gpu_price_z", None, lambda c: 0.0),
    Knob("capacity_z", None, lambda c: 0.0),
    Knob("cold_start_z", None, lambda c: 0.0, tuned_only=True),
    Knob("training_speed", None, lambda c: 1.0, tuned_only=True),
    Knob("self_hosted_min_replicas", None, lambda c: c.values["self_hosted_min_replicas"]),
    # the latency figures' slowness (0: their point; +1 their slow end; _latency.py)
    *(Knob(f"{side}_lat_{figure}", None, lambda c: 0.0, tuned_only=side == "ft")
      for side in ("icl", "ft")
      for figure in ("ttft", "tail", "speed", "prefill", "reasoning")),
    Knob("lat_e2e_tail", None, lambda c: 0.0),
    Knob("self_hosted_setup_hours", None,
         lambda c: c.values["self_hosted_training_setup_hours"], tuned_only=True),
)  # fmt: skip

_BY_NAME = {k.name: k for k in KNOBS}
KNOB_NAMES: tuple[str, ...] = tuple(k.name for k in KNOBS)


class Scenarios(Mapping[str, FloatArray]):
    """Rows of scenarios: one float array per knob.

    A knob that has one value in every row is stored once (an array of length 1, which
    numpy broadcasts); the others hold one value per row. Built from a case's point values
    (:meth:`point`), then varied by replacing some knobs' arrays (:meth:`with_values`,
    :meth:`probes`) or repeating rows (:meth:`repeat`, :meth:`tile`).

    Examples
    --------
    >>> s = Scenarios({"volume": np.array([1.0, 2.0]), "horizon_months": np.array([12.0])})
    >>> len(s), s.rows, s.full("horizon_months").tolist()
    (2, 2, [12.0, 12.0])
    """

    __slots__ = ("_arrays", "period", "rows")

    def __init__(
        self, arrays: Mapping[str, FloatArray], rows: int | None = None, period: int | None = None
    ) -> None:
        self._arrays = dict(arrays)
        lengths = {a.shape[0] for a in self._arrays.values()} - {1}
        if len(lengths) > 1:
            raise ValueError(f"knob arrays differ in length: {sorted(lengths)}")
        self.rows = lengths.pop() if lengths else (rows if rows is not None else 1)
        #: A hint: tables of as many rows one after another (:meth:`concat`: a sweep's
        #: volumes, each the same draws); a stage that computes something once per table
        #: checks on the values that it repeats. (The cost curve's tiled draws are not
        #: hinted: at 50 draws a volume, the check cost more than it saved.)
        self.period = period

    @classmethod
    def point(cls, case: Case) -> Scenarios:
        """One row: every knob at its point value."""
        return cls({k.name: np.array([k.read(case)], dtype=np.float64) for k in KNOBS})

    def __getitem__(self, key: str) -> FloatArray:
        return self._arrays[key]

    def __iter__(self) -> Any:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def full(self, key: str) -> FloatArray:
        """A knob's values in every row (a read-only view where it is stored once)."""
        a = self._arrays[key]
        return a if a.shape[0] == self.rows else np.broadcast_to(a, (self.rows,))

    def _varying(self) -> dict[str, FloatArray]:
        return {k: a for k, a in self._arrays.items() if a.shape[0] != 1 or self.rows == 1}

    def repeat(self, n: int) -> Scenarios:
        """Each row repeated ``n`` times (row-major: row 0 n times, then row 1...)."""
        out = {k: (np.repeat(a, n) if a.shape[0] > 1 else a) for k, a in self._arrays.items()}
        return Scenarios(out, self.rows * n)

    def tile(self, k: int) -> Scenarios:
        """The whole table ``k`` times over (rows 0..n-1, then 0..n-1 again...)."""
        out = {name: (np.tile(a, k) if a.shape[0] > 1 else a) for name, a in self._arrays.items()}
        return Scenarios(out, self.rows * k)

    def take(self, index: Any) -> Scenarios:
        """The rows at ``index`` (an integer array, a boolean mask or a slice)."""
        if isinstance(index, slice):
            rows = len(range(*index.indices(self.rows)))
        else:
            idx = np.asarray(index)
            rows = int(idx.sum()) if idx.dtype == bool else len(idx)
        out = {k: (a[index] if a.shape[0] > 1 else a) for k, a in self._arrays.items()}
        return Scenarios(out, rows)

    def with_values(self, **arrays: FloatArray | float) -> Scenarios:
        """These rows with some knobs replaced (a scalar holds in every row)."""
        out = dict(self._arrays)
        for name, value in arrays.items():
            if name not in _BY_NAME:
                raise KeyError(f"no knob named {name!r}")
            arr = np.asarray(value, dtype=np.float64)
            out[name] = arr.reshape(1) if arr.ndim == 0 else arr
        return Scenarios(out, self.rows, period=self.period)

    def probes(self, knobs: list[str], index: np.ndarray, values: FloatArray) -> Scenarios:
        """Rows of this (one-row) table, one per probe: probe ``j`` sets knob
        ``knobs[index[j]]`` to ``values[j]``, every other knob as here."""
        n = len(values)
        out = dict(self._arrays)
        for i, name in enumerate(knobs):
            mask = index == i
            if mask.any():
                arr = np.repeat(self._arrays[name][:1], n)
                arr[mask] = values[mask]
                out[name] = arr
        return Scenarios(out, n)

    @staticmethod
    def concat(parts: Iterable[Scenarios]) -> Scenarios:
        """The rows of several scenario tables, one after the other."""
        items = list(parts)
        rows = sum(p.rows for p in items)
        once: dict[str, FloatArray] = {}
        for k in items[0]:
            arrays = [p[k] for p in items]
            if all(a.shape[0] == 1 for a in arrays):
                first = arrays[0].tolist()  # one value in every table (NaN equals NaN here)
                if all(a.tolist() == first or (a[0] != a[0] and first[0] != first[0])
                       for a in arrays):  # fmt: skip
                    once[k] = arrays[0]
        # the knobs that vary, each a row of one block, filled table by table
        block = np.empty((len(items[0]) - len(once), rows))
        out: dict[str, FloatArray] = {}
        i = 0
        for k in items[0]:
            if k in once:
                out[k] = once[k]
                continue
            at = 0
            for p in items:
                block[i, at : at + p.rows] = p[k]
                at += p.rows
            out[k] = block[i]
            i += 1
        sizes = {p.rows for p in items}
        period = sizes.pop() if len(items) > 1 and len(sizes) == 1 else None
        return Scenarios(out, rows, period=period)


def knob_named(name: str) -> Knob:
    """The knob of that name."""
    return _BY_NAME[name]


def knob_for_path(path: str) -> Knob | None:
    """The knob a profile path changes, or None when no knob stands for it."""
    return next((k for k in KNOBS if k.path == path), None)
