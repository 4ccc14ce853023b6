"""Estimates: every estimated input's distribution and the draws.

An input the user gave is a fact and is not drawn. Every other figure that can move a bill is
an estimate with a range in the data files: a measured token length's error band, the
epochs, the peak load, people's time, the prompt cache's lifetime, the serving figures
(utilization, GPU prices, training speed, the spare replica, set-up hours), the latency
figures and catalog numbers whose sources disagree; the quality gain has the quality model's
predictive distribution. :func:`draw` turns them into rows of scenarios
(``data/uncertainty.json`` names the families: triangular on the log scale with the point
as mode, triangular from zero, or one of two published values), drawn from common random
numbers (every task uses the same stream for an estimate), so the same input gives the same
answer byte for byte and a what-if differs only by its change. A figure both strategies'
bills read (the engineering rate, token lengths, the GPU price when both self-host) is one
knob, drawn once per row: it moves both bills together by construction.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ._figures import Figure
from ._latency import hosted_figures, replica_figures, slowness_value
from ._model_spec import ModelSpec
from ._profile import PeopleTime
from ._quality import QualityEstimate
from ._routes import Route, at_slowness
from ._scenarios import Case, Scenarios, epochs_heuristic
from ._serving import serving_data
from ._types import FloatArray
from ._uncertainty import uncertainty_settings

__all__ = [
    "Draws",
    "Estimate",
    "GainOfZ",
    "draw",
    "estimates",
    "gain_at",
    "log_triangular",
    "ranged",
    "triangular",
]


# ---------------------------------------------------------------------------- families


def triangular(u: FloatArray, low: float, mode: float, high: float) -> FloatArray:
    """The triangular distribution's quantile at ``u``.

    Examples
    --------
    >>> triangular(np.array([0.0, 0.5, 1.0]), 0.0, 5.0, 10.0).tolist()
    [0.0, 5.0, 10.0]
    """
    if high <= low:
        return np.full(np.shape(u), float(mode))
    span = high - low
    cut = (mode - low) / span
    left = low + np.sqrt(u * span * (mode - low))
    right = high - np.sqrt((1.0 - u) * span * (high - mode))
    return np.where(u < cut, left, right)


def log_triangular(u: FloatArray, low: float, mode: float, high: float) -> FloatArray:
    """Triangular on the log scale (``low`` > 0), the point estimate as mode."""
    return np.exp(triangular(u, math.log(low), math.log(mode), math.log(high)))


def ranged(u: FloatArray, low: float, mode: float, high: float) -> FloatArray:
    """The data's family for a range: log-triangular, or triangular from zero."""
    low, high = min(low, mode), max(high, mode)
    if low > 0:
        return log_triangular(u, low, mode, high)
    return triangular(u, low, mode, high)


# ---------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Estimate:
    """One estimated input: the knobs it sets from a percentile ``u`` (a low percentile is
    the end that makes the bills cheap), its label, and its value in words."""

    key: str
    label: str
    values: Callable[[FloatArray], dict[str, FloatArray]]
    describe: Callable[[float], str]
    group: str | None = None  # estimates in one group share their percentile
    low_share: float | None = None  # one of two published values: the share of draws at the low one


_PEOPLE = {
    "hourly_usd": ("hourly_usd", "engineer_hourly_usd", "the engineering rate", "usd_h"),
    "prompt_engineering_hours": (
        "prompt_engineering_hours", "prompt_engineering_hours", "prompt engineering time", "h"),
    "fine_tuning_setup_hours": (
        "ft_setup_hours", "fine_tuning_setup_hours", "fine-tuning set-up time", "h"),
    "fine_tuning_hours_per_retraining": (
        "ft_retraining_hours", "fine_tuning_hours_per_retraining",
        "engineering time per retraining", "h"),
    "prompt_revision_hours": (
        "prompt_revision_hours", "prompt_revision_hours", "hours per prompt revision", "h"),
    "prompt_migration_hours": (
        "prompt_migration_hours", "prompt_migration_hours", "prompt migration hours", "h"),
    "self_hosting_ops_hours_per_month": (
        "ops_hours", "self_hosting_ops_hours_per_month",
        "self-hosting operations hours a month", "h"),
    "endpoint_ops_hours_per_month": (
        "endpoint_ops_hours", "endpoint_ops_hours_per_month",
        "GPU endpoint operations hours a month", "h"),
}  # fmt: skip
_TEAM = frozenset({"fine_tuning_hours_per_retraining", "prompt_revision_hours"})

_ICL_PATHS = {
    "input_usd_per_mtok": "icl_input",
    "cached_input_usd_per_mtok": "icl_cached",
    "output_usd_per_mtok": "icl_output",
    "cache_write_usd_per_mtok": "icl_cache_write",
    "batch_input_usd_per_mtok": "icl_batch_input",
    "batch_output_usd_per_mtok": "icl_batch_output",
}
_FT_PATHS = {
    "fine_tuning.training_usd_per_mtok": "ft_training",
    "fine_tuning.input_usd_per_mtok": "ft_input",
    "fine_tuning.output_usd_per_mtok": "ft_output",
    "fine_tuning.batch_input_usd_per_mtok": "ft_batch_input",
    "fine_tuning.batch_output_usd_per_mtok": "ft_batch_output",
    "fine_tuning.hosting_usd_per_hour": "ft_hosting",
}
_WORDS = {
    "input_usd_per_mtok": ("input price", "/1M tokens"),
    "output_usd_per_mtok": ("output price", "/1M tokens"),
    "cached_input_usd_per_mtok": ("cached input price", "/1M tokens"),
    "cache_write_usd_per_mtok": ("cache write price", "/1M tokens"),
    "batch_input_usd_per_mtok": ("batch input price", "/1M tokens"),
    "batch_output_usd_per_mtok": ("batch output price", "/1M tokens"),
    "training_usd_per_mtok": ("training price", "/1M tokens"),
    "hosting_usd_per_hour": ("dedicated hosting fee", "/h per replica"),
}


def _money(x: float, unit: str = "") -> str:
    if x < 10:
        return f"${x:.3g}{unit}"
    return f"${x:,.4g}{unit}"


def _moved_tokens(case: Case) -> tuple[str, ...]:
    p = case.profile
    m = p.token_measurement
    overridden = m.overridden if m is not None else ()
    names = (("avg_input_tokens", "query_tokens"), ("avg_output_tokens", "output_tokens"),
             ("instruction_tokens", "instruction_tokens"))  # fmt: skip
    return tuple(k for f, k in names if getattr(p, f) is not None and f not in overridden)


Values = Callable[[FloatArray], dict[str, FloatArray]]
Words = Callable[[float], str]


def _ranged_knob(
    knob_name: str, low: float, mode: float, high: float, *, cheap_at_high: bool = False,
    integer: bool = False,
) -> Values:  # fmt: skip
    """A knob drawn from the data's family for its range; ``cheap_at_high`` where the high
    end of the figure is the cheap end (a longer cache life, a busier replica), so that a
    low percentile is always the cheap end."""

    return _memo_draws(_ranged_values(knob_name, low, mode, high, cheap_at_high, integer))


def _ranged_values(
    knob_name: str, low: float, mode: float, high: float, cheap_at_high: bool, integer: bool
) -> Values:
    def values(u: FloatArray) -> dict[str, FloatArray]:
        x = ranged(1.0 - u if cheap_at_high else u, low, mode, high)
        return {knob_name: np.floor(x + 0.5) if integer else x}

    return values


_DRAWN: dict[tuple[object, ...], tuple[FloatArray, dict[str, FloatArray]]] = {}


def _memo_draws(values: Values) -> Values:
    """``values`` remembering what it made of a stream of common random numbers (a
    read-only array, the same object for every task): the same figure's draws are computed
    once per process."""
    code = values.__code__
    params = tuple(c.cell_contents for c in values.__closure__ or ())

    def memoised(u: FloatArray) -> dict[str, FloatArray]:
        if u.flags.writeable or u.size < 100:
            return values(u)
        key = (code, params, id(u))
        hit = _DRAWN.get(key)
        if hit is None or hit[0] is not u:
            if len(_DRAWN) > 512:
                _DRAWN.clear()
            made = values(u)
            for a in made.values():
                a.setflags(write=False)
            hit = _DRAWN[key] = (u, made)
        return hit[1]

    return memoised


def _two_valued(knob_name: str, low: float, high: float, weight_low: float) -> Values:
    def values(u: FloatArray) -> dict[str, FloatArray]:
        return {knob_name: np.where(u < weight_low, low, high).astype(np.float64)}

    return values


def _tokens(base: dict[str, float], r: float) -> Values:
    def values(u: FloatArray) -> dict[str, FloatArray]:
        factor = log_triangular(u, max(1.0 - r, 1e-6), 1.0, 1.0 + r)
        return {
            k: np.maximum(v * factor, 0.0 if k == "instruction_tokens" else 1e-9)
            for k, v in base.items()
        }

    return values


def _percent_of(base: float) -> Words:
    return lambda x: f"{(x / base - 1.0) * 100:+.0f}%"


def _formatted(template: str) -> Words:
    return lambda x: template.format(x)


def estimates(case: Case, point: Scenarios) -> tuple[Estimate, ...]:
    """Every estimated input of a case, with how a percentile sets its knobs (a low
    percentile is the cheap end of every cost figure)."""
    p, a = case.profile, case.assumptions
    out: list[Estimate] = []
    m = p.token_measurement
    moved = _moved_tokens(case)
    if m is not None and m.relative_error > 0 and moved:
        base = {k: float(point[k][0]) for k in moved}
        out.append(
            Estimate(
                "token_lengths",
                "token lengths",
                _tokens(base, m.relative_error),
                _percent_of(base[moved[0]]),
            )
        )
    if p.epochs is None:
        h = float(epochs_heuristic(point["n_examples"], case.values)[0])
        if h > 1:
            out.append(
                Estimate(
                    "epochs",
                    "training epochs",
                    _ranged_knob("epochs", 1.0, h, h),
                    _formatted("{:.2g} epochs"),
                )
            )
    if p.peak_to_average_ratio is None:
        e = a.entry("peak_to_average_ratio")
        if e.low is not None and e.high is not None:
            out.append(
                Estimate(
                    "peak_to_average_ratio",
                    "peak-to-average load",
                    _ranged_knob("peak_ratio", e.low, e.value, e.high),
                    _formatted("{:.2g}x"),
                )
            )
    people = p.people or PeopleTime()
    settings = uncertainty_settings()
    kinds = {r.kind for side in (case.prompted, case.tuned) for r in side.routes}
    applies = {
        "self_hosting_ops_hours_per_month": "own" in kinds,
        "endpoint_ops_hours_per_month": bool({"always_on", "scale_to_zero"} & kinds),
    }
    for field_, (knob_name, key, label, unit) in _PEOPLE.items():
        e = a.entry(key)
        if getattr(people, field_) is not None or e.low is None or e.high is None:
            continue
        if not applies.get(field_, True):
            continue
        group = "team_hours" if settings.team_hours_move_together and field_ in _TEAM else None
        words = _formatted("${:,.0f}/h") if unit == "usd_h" else _formatted("{:.3g} h")
        out.append(
            Estimate(
                f"people.{field_}",
                label,
                _ranged_knob(knob_name, e.low, e.value, e.high),
                words,
                group,
            )
        )
    for arm, spec, paths in (("icl_model", case.icl, _ICL_PATHS), ("ft_model", case.ft, _FT_PATHS)):
        for rng in spec.ranges:
            dispute_knob = paths.get(rng.path)
            if dispute_knob is None:
                continue
            tail = rng.path.rpartition(".")[2]
            what, unit = _WORDS.get(tail, (tail.replace("_", " "), ""))
            whose = "the prompted model's" if arm == "icl_model" else "the tuned model's"
            used = _spec_value(spec, rng.path)
            inside = used is not None and rng.low < used < rng.high
            spread = inside and used is not None  # a spread with a point, else two values
            values = (
                _ranged_knob(dispute_knob, rng.low, used, rng.high)  # type: ignore[arg-type]
                if spread
                else _two_valued(dispute_knob, rng.low, rng.high, settings.dispute_weight_low)
            )
            out.append(
                Estimate(
                    f"{arm}.{rng.path}", f"{whose} {what} ({spec.name})", values,
                    _money_words(unit),
                    low_share=None if spread else settings.dispute_weight_low,
                )
            )  # fmt: skip
    life = case.cache
    given_rate = p.cache_hit_rate is not None  # a measured hit rate: the lifetime is moot
    if (
        life.idle_minutes_low != life.idle_minutes_high
        and case.icl.cached_input_usd_per_mtok
        and not given_rate
    ):
        out.append(
            Estimate(
                "cache_lifetime",
                "prompt cache lifetime",
                _ranged_knob(
                    "cache_idle_minutes",
                    life.idle_minutes_low,
                    life.idle_minutes,
                    life.idle_minutes_high,
                    cheap_at_high=True,
                ),
                _formatted("{:.3g} min"),
            )
        )
    out.extend(_serving_estimates(case))
    # the hidden reasoning tokens are billed as output: drawn with or without a budget
    names = (*_LATENCY_WORDS, "e2e") if p.latency_budget_ms is not None else ("reasoning",)
    out.extend(_latency_estimates(case, names))
    return tuple(out)


_LATENCY_WORDS = {
    "ttft": ("time to first token", "ms", False, "{:,.0f} ms"),
    "tail": ("first-token p95/p50", "", False, "{:.2f}x"),
    "speed": ("output speed", "", True, "{:,.0f} tokens/s"),
    "prefill": ("prefill speed", "", True, "{:,.0f} tokens/s"),
    "reasoning": ("hidden reasoning tokens", "", False, "{:,.0f} tokens"),
}


def _slowness(knob_name: str) -> Values:
    def values(u: FloatArray) -> dict[str, FloatArray]:
        return {knob_name: triangular(u, -1.0, 0.0, 1.0)}

    return _memo_draws(values)


def _figure_words(figure: Figure, rate: bool, template: str) -> Words:
    def words(z: float) -> str:
        return template.format(float(slowness_value(figure, np.array([z]), rate=rate)[0]))

    return words


def _latency_estimates(case: Case, names: tuple[str, ...]) -> list[Estimate]:
    """The measured latency figures' ranges (``_latency.py``): a slowness per figure and
    strategy, drawn triangular from the fast end (−1) to the slow end (+1); ``names`` the
    figures (all, and the end-to-end tail ``e2e``, with a latency budget; only the hidden
    reasoning tokens, which are billed, without one)."""
    out: list[Estimate] = []
    tuned = case.ft
    ft_route = (
        hosted_figures(tuned)
        if "serverless" in case.tuned.modes or tuned.params_b is None
        else replica_figures(tuned.params_b, tuned.fine_tuning.gpu if tuned.fine_tuning else None)
    )
    routes = (("icl", "the prompted model's", hosted_figures(case.icl)),
              ("ft", "the tuned model's", ft_route))  # fmt: skip
    for tag, whose, figures in routes:
        for name in (n for n in names if n in _LATENCY_WORDS):
            label, _, rate, template = _LATENCY_WORDS[name]
            figure = getattr(figures, name)
            if figure.low >= figure.high:
                continue
            out.append(
                Estimate(
                    f"latency.{tag}.{name}",
                    f"{whose} {label}",
                    _slowness(f"{tag}_lat_{name}"),
                    _figure_words(figure, rate, template),
                )
            )
    e2e = hosted_latency_figures_e2e()
    if "e2e" in names and e2e.low < e2e.high:
        out.append(
            Estimate(
                "latency.e2e_tail",
                "end-to-end p95/p50",
                _slowness("lat_e2e_tail"),
                _figure_words(e2e, False, "{:.2f}x"),
            )
        )
    return out


def hosted_latency_figures_e2e() -> Figure:
    """The end-to-end tail ratio's figure (shared by every route)."""
    from ._hosted_latency import hosted_latency_data

    return hosted_latency_data().e2e_tail_ratio


def _spec_value(spec: ModelSpec, path: str) -> float | None:
    """The number a spec holds at a dotted path (None: unknown)."""
    value: object = spec
    for part in path.split("."):
        value = getattr(value, part, None)
    return float(value) if isinstance(value, (int, float)) else None


def _money_words(unit: str) -> Words:
    return lambda x: _money(x, unit)


def _route_words(routes: list[Route], attr: str, template: str) -> Words:
    """A route figure at slowness ``z``, for each route that has one, in words."""

    def words(z: float) -> str:
        seen: dict[str, str] = {}
        for r in routes:
            figure = getattr(r, attr)
            if r.gpu is not None and r.gpu not in seen:
                seen[r.gpu] = template.format(float(at_slowness(figure, np.array([z]))[0]))
        return "; ".join(f"{gpu} {text}" for gpu, text in seen.items())

    return words


def _serving_estimates(case: Case) -> list[Estimate]:
    """The serving figures, where some strategy may run on replicas or train on own GPUs."""
    modes = (*case.prompted.modes, *case.tuned.modes)
    out: list[Estimate] = []
    if any(m != "serverless" for m in modes):
        u = serving_data().serving_utilization
        out.append(
            Estimate(
                "serving.utilization",
                "replica utilization",
                _ranged_knob("utilization", u.low, u.value, u.high, cheap_at_high=True),
                _formatted("{:.0%} busy"),
            )
        )
    routes = [r for side in (case.prompted, case.tuned) for r in side.routes]
    rented = [r for r in routes if r.price is not None and r.price[1] < r.price[2]]
    if rented or "self_hosted" in modes or "endpoint" in modes:
        out.append(
            Estimate(
                "serving.gpu_price",
                "GPU price",
                _slowness("gpu_price_z"),
                _route_words(rented or routes, "price", "${:.3g}/GPU-hour"),
            )
        )
    measured = [r for r in routes if r.capacity_ratio[1] < r.capacity_ratio[2]]
    if measured:
        out.append(
            Estimate(
                "serving.gpu_capacity",
                "GPU time per request vs an H100",
                _slowness("capacity_z"),
                _route_words(measured, "capacity_ratio", "x{:.2g}"),
            )
        )
    cold = [r for r in case.tuned.routes if r.cold_start_seconds is not None]
    if any(r.kind == "scale_to_zero" for r in cold):
        out.append(
            Estimate(
                "serving.cold_start",
                "cold start of a scaled-to-zero worker",
                _slowness("cold_start_z"),
                _route_words(cold[-1:], "cold_start_seconds", "{:.0f} s"),
            )
        )
    if not {"self_hosted", "endpoint"} & set(modes):
        return out
    if case.training_seconds_per_token is not None:
        point, low, high = case.training_seconds_per_token
        out.append(
            Estimate(
                "serving.training_speed",
                "self-hosted training time",
                _ranged_knob("training_speed", low / point, 1.0, high / point),
                _formatted("x{:.2g} of the FLOPs estimate"),
            )
        )
    for key, knob_name, label, template in (
        ("self_hosted_min_replicas", "self_hosted_min_replicas", "self-hosted replicas at least",
         "{:g}"),
        ("self_hosted_training_setup_hours", "self_hosted_setup_hours",
         "self-hosted training set-up hours", "{:.2g} h"),
    ):  # fmt: skip
        e = case.assumptions.entry(key)
        if e.low is None or e.high is None:
            continue
        out.append(
            Estimate(
                f"serving.{key}",
                label,
                _ranged_knob(
                    knob_name, e.low, e.value, e.high, integer=key == "self_hosted_min_replicas"
                ),
                _formatted(template),
            )
        )
    return out


# -------------------------------------------------------------------------------- draws


@functools.cache
def _stream(name: str, n: int, normal: bool = False) -> FloatArray:
    """The common random numbers of one estimate: ``n`` uniforms (or standard normals),
    the same for every task (read-only)."""
    seed = uncertainty_settings().seed
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    out = rng.standard_normal(n) if normal else rng.random(n)
    out.setflags(write=False)
    return out


@dataclass
class Draws:
    """The simulation's rows: scenarios, each estimate's percentile, the quality gain."""

    scenarios: Scenarios
    percentiles: dict[str, FloatArray]
    gain: FloatArray
    gain_score: FloatArray  # the standard-normal score of each draw's gain
    seed: int


#: A task's quality gain (points) at standard-normal scores of its predictive distribution
#: (``QualityModel.gain_at`` for a task, or :func:`gain_at` of an estimate).
GainOfZ = Callable[[FloatArray], FloatArray]


def gain_at(quality: QualityEstimate, z: FloatArray) -> FloatArray:
    """The task's gain at standard-normal scores ``z`` of the quality model's predictive
    distribution: normal, with the expected gain as mean and the predictive interval's
    width (``gain_low_points`` and ``gain_high_points`` are its ends)."""
    z_level = NormalDist().inv_cdf(0.5 + quality.interval_level / 2.0)
    sd = max((quality.gain_high_points - quality.gain_low_points) / (2.0 * z_level), 0.0)
    return quality.expected_gain_points + sd * np.asarray(z, dtype=np.float64)


def draw(
    case: Case,
    point: Scenarios,
    gain_of_z: GainOfZ,
    n: int,
    found: tuple[Estimate, ...] | None = None,
) -> Draws:
    """``n`` scenarios with every estimate drawn (the point's other inputs kept), and the
    quality gain at ``n`` standard-normal scores of its predictive distribution
    (``gain_of_z``: the quality model's quantile function for this task). ``found``: the
    task's :func:`estimates`, where the caller has them."""
    if found is None:
        found = estimates(case, point)
    percentiles: dict[str, FloatArray] = {}
    values: dict[str, FloatArray] = {}
    for e in found:
        u = _stream(e.group or e.key, n)
        percentiles[e.key] = u
        values.update(e.values(u))
    z_gain = _stream("quality", n, normal=True)
    rows = point.repeat(n).with_values(**values)
    seed = uncertainty_settings().seed
    return Draws(rows, percentiles, gain_of_z(z_gain), z_gain, seed)
