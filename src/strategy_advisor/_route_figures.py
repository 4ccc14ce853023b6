"""Latency stage's figures: each serving route's latency figures, read once from the data
files, and a replica's slowdown under load.

A hosted API's figures (``data/hosted_latency.json``: its own measurements, its class's or
all hosted APIs'); a model's on its own replica (``data/replica_latency.json``: vendor side
plus the network to the endpoint, at low load); and the measured load curves that slow a
replica as it fills. Each figure is a range (``_figures.Figure``); :mod:`._latency` times
requests with them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ._figures import Figure
from ._figures import middle as _middle
from ._hosted_latency import hosted_latency, hosted_latency_data
from ._model_spec import ModelSpec
from ._replica_latency import dedicated_latency, replica_latency_data
from ._types import FloatArray

__all__ = ["RouteConstants", "RouteFigures", "hosted_figures", "load_factors", "replica_figures"]


@dataclass(frozen=True)
class RouteFigures:
    """A serving route's latency figures (each a range, see the module docstring)."""

    ttft: Figure  # median first-token time at a short prompt, client side, ms
    tail: Figure  # TTFT p95 / p50
    speed: Figure  # output tokens/s per request (a replica's at low load)
    prefill: Figure  # marginal prompt tokens/s
    reasoning: Figure  # hidden tokens decoded before the answer
    e2e_tail: Figure  # end-to-end p95 / p50 of the token-proportional part
    saving: Figure  # share of a cached token's prefill time saved
    short_prompt: float  # prompt tokens the first-token time already covers
    replica: bool  # a replica: the load it carries slows it
    basis: str

    @functools.cached_property
    def constants(self) -> RouteConstants:
        """What every row of this route reads from its figures, computed once: the
        variances of the figures' logs (the reasoning tokens': linear) and the middle
        cached-prefill saving."""
        return RouteConstants(
            ttft_and_tail=_log_var(self.ttft) + _log_var(self.tail),
            prefill=_log_var(self.prefill),
            speed=_log_var(self.speed),
            e2e=_log_var(self.e2e_tail),
            reasoning=_lin_var(self.reasoning),
            saving=_middle(self.saving),
        )


@dataclass(frozen=True)
class RouteConstants:
    ttft_and_tail: float
    prefill: float
    speed: float
    e2e: float
    reasoning: float
    saving: float


def _log_var(f: Figure) -> float:
    """Variance of the log of a positive figure under its slowness distribution."""
    if f.low <= 0:
        return 0.0
    p = _middle(f)
    w_lo, w_hi = math.log(p / f.low), math.log(f.high / p)
    return (w_lo**2 + w_hi**2) / 12.0 - (w_hi - w_lo) ** 2 / 36.0


def _lin_var(f: Figure) -> float:
    """Variance of a figure (linear) under its slowness distribution."""
    p = _middle(f)
    d_lo, d_hi = p - f.low, f.high - p
    return (d_lo**2 + d_hi**2) / 12.0 - (d_hi - d_lo) ** 2 / 36.0


def _sum(a: Figure, b: Figure, unit: str, basis: str) -> Figure:
    return Figure(
        low=a.low + b.low,
        point=_middle(a) + _middle(b),
        high=a.high + b.high,
        unit=unit,
        found=a.found and b.found,
        basis=basis,
        rule="sum",
        arithmetic=f"{a.basis} + {b.basis}",
        as_of=a.as_of,
    )


@functools.cache
def hosted_figures(spec: ModelSpec) -> RouteFigures:
    """A hosted API model's figures (its measurements, its class's, or all hosted APIs')."""
    h = hosted_latency(spec)
    data = hosted_latency_data()
    return RouteFigures(
        ttft=h.ttft_ms,
        tail=h.ttft_tail_ratio,
        speed=h.output_tokens_per_s,
        prefill=h.prefill_tokens_per_s,
        reasoning=h.reasoning.tokens,
        e2e_tail=h.e2e_tail_ratio,
        saving=h.cached_prefill_saving,
        short_prompt=data.assumptions["short_prompt_tokens"].value,
        replica=False,
        basis=f"{spec.name}: {h.basis} (data/hosted_latency.json, as of {h.as_of})",
    )


@functools.cache
def replica_figures(params_b: float, gpu: str | None) -> RouteFigures:
    """A model's figures on its own replica at low load (vendor side plus the network to
    the endpoint); the load is applied per scenario (:func:`load_factors`)."""
    r = dedicated_latency(params_b, gpu, 0.0)
    data = replica_latency_data()
    hosted = hosted_latency_data()
    short = 128.0 if params_b <= 16 else 480.0  # the measured setups' prompt lengths
    no_reasoning = Figure.exact(0.0, "tokens", "an open model served as given: no hidden tokens")
    return RouteFigures(
        ttft=_sum(r.ttft_ms, r.network_ms, "ms", "replica first token + network"),
        tail=data.ttft_tail_ratio,
        speed=r.output_tokens_per_s,
        prefill=r.prefill_tokens_per_s,
        reasoning=no_reasoning,
        e2e_tail=data.e2e_tail_ratio,
        saving=hosted.cached_prefill_saving["other"],
        short_prompt=short,
        replica=True,
        basis=f"{params_b:g}B on a replica: {r.basis} (data/replica_latency.json)",
    )


@functools.cache
def _curves() -> tuple[tuple[FloatArray, FloatArray, FloatArray], ...]:
    """Each load curve's (utilisation, speed factor, TTFT factor), rising part only."""
    out = []
    for curve in replica_latency_data().load_curves.values():
        points = list(curve.points)
        peak = max(range(len(points)), key=lambda i: points[i].utilisation)
        rising = sorted(points[: peak + 1], key=lambda p: p.utilisation)
        base = min(points, key=lambda p: p.concurrency)
        out.append(
            (
                np.array([p.utilisation for p in rising]),
                np.array([p.output_tokens_per_s / base.output_tokens_per_s for p in rising]),
                np.array([p.ttft_ms / base.ttft_ms for p in rising]),
            )
        )
    return tuple(out)


def load_factors(utilisation: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(speed factor, TTFT factor, the speed factor's log-variance across the curves) at
    each utilisation: the mean of the measured curves (``_replica_latency.load_factors``,
    over arrays), flat past their peak."""
    curves = _curves()
    speeds = [np.interp(utilisation, u, s) for u, s, _ in curves]
    ttfts = [np.interp(utilisation, u, t) for u, _, t in curves]
    spread = np.log(functools.reduce(np.maximum, speeds) / functools.reduce(np.minimum, speeds))
    speed = functools.reduce(np.add, speeds) / len(speeds)
    ttft = functools.reduce(np.add, ttfts) / len(ttfts)
    return speed, ttft, spread**2 / 12.0
