"""Serving stage, replica time: the seconds of one replica's capacity a request takes.

Fitted to the measured max-throughput tables of ``data/serving.json``
(``inference_throughput``) at a task's prompt and output lengths, scaled to the model's size
and GPUs, bounded below by the physical prefill bound (``prefill_bound``), and never
extrapolated past the measured grid (the nearest point's rate per token where it is slower).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ._errors import DataFileError
from ._serving import serving_data
from ._types import FloatArray, quiet_floats

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "ReplicaTime",
    "measured_replica_time",
    "replica_seconds",
    "replica_seconds_per_request",
    "replica_time_source",
    "scaled_replica_time",
]


@dataclass(frozen=True)
class _Fit:
    """One throughput table's per-request replica time, fitted and corrected (plain floats)."""

    coef: tuple[float, float, float, float, float]  # c0, in, out, in·out, out²
    where: tuple[tuple[float, float, float], ...]  # (log in, log out, log-residual) per point
    points: tuple[tuple[float, float, float], ...]  # (in, out, seconds of a replica)
    in_range: tuple[float, float]
    out_range: tuple[float, float]
    prefill_seconds_per_token: float  # the physical bound, at the table's size and GPUs

    @functools.cached_property
    def where_array(self) -> FloatArray:
        return np.array(self.where, dtype=np.float64)

    @functools.cached_property
    def points_array(self) -> FloatArray:
        return np.array(self.points, dtype=np.float64)


@functools.cache
def _fitted(index: int) -> _Fit:
    """Per-request replica time ``w = c0 + a·in + b·out + c·in·out + d·out²`` fitted to one
    table (least squares on the relative error), with the log-residual at each measured
    point. ``c0`` is the per-request overhead the measurements imply; ``in·out`` and
    ``out²`` the attention over a growing context while decoding."""
    data = serving_data()
    table = data.inference_throughput[index]
    pts = np.array(table.points, dtype=np.float64)
    isl, osl, out_tok_s = pts.T
    w = osl / out_tok_s
    x = np.column_stack([np.ones_like(isl), isl, osl, isl * osl, osl * osl])
    coef, *_ = np.linalg.lstsq(x / w[:, None], np.ones_like(w), rcond=None)
    if (coef < 0).any():
        raise DataFileError(
            f"data/serving.json inference_throughput[{index}] ({table.model}): the fitted "
            f"per-request time {_TERMS} has a negative term ({coef.tolist()}); check the points"
        )
    resid = np.log(w) - np.log(x @ coef)
    bound = data.prefill_bound
    peak = bound.peak_tflops.get(table.gpu) or max(bound.peak_tflops.values())
    per_token = 2.0 * table.params_b * 1e9 / (bound.mfu * peak * 1e12 * table.gpus)
    c0, a, b, c, d = (float(v) for v in coef)
    return _Fit(
        coef=(c0, a, b, c, d),
        where=tuple(
            (math.log(i), math.log(o), float(r)) for i, o, r in zip(isl, osl, resid, strict=True)
        ),
        points=tuple((float(i), float(o), float(t)) for i, o, t in zip(isl, osl, w, strict=True)),
        in_range=(float(isl.min()), float(isl.max())),
        out_range=(float(osl.min()), float(osl.max())),
        prefill_seconds_per_token=per_token,
    )


_TERMS = "c0 + a·in + b·out + c·in·out + d·out²"


def _nearest_table(params_b: float) -> int:
    tables = serving_data().inference_throughput
    return min(range(len(tables)), key=lambda i: abs(math.log(tables[i].params_b / params_b)))


class ReplicaTime(NamedTuple):
    """Per-request replica seconds over arrays of scenarios, and how each was bounded."""

    seconds: FloatArray  # seconds of one replica's full capacity per request
    prefill_bound: npt.NDArray[np.bool_]  # the physical prefill bound set the figure
    outside: npt.NDArray[np.bool_]  # the lengths lie outside the measured grid
    per_token: npt.NDArray[np.bool_]  # outside it, the nearest point's rate per token won
    nearest: npt.NDArray[np.intp]  # the nearest measured point (index into the table)


@quiet_floats
def replica_seconds(
    params_b: float, gpus: int, prompt_tokens: FloatArray, output_tokens: FloatArray
) -> ReplicaTime:
    """Seconds of one replica's full capacity a request takes, over arrays of scenarios.

    From the measured table of the nearest model size (offline maximum throughput): the
    per-request time ``w = c0 + a·in + b·out + c·in·out + d·out²`` is fitted to the table
    and corrected at the measured points (inverse-distance weighting of the log-residuals
    in log in/out, exact at a measured point). Prefill never beats the physical bound
    ``in × 2·N / (MFU × peak × GPUs)`` (``serving.json: prefill_bound``). Outside the
    measured grid the fit is not extrapolated: a request takes at least what the nearest
    measured point takes per token, ``w_p × (in + out) / (in_p + out_p)``. The figure is
    then scaled by parameters and GPUs: ``w × (N / N_ref) × (gpus_ref / gpus)``.

    Examples
    --------
    >>> t = replica_seconds(8.0, 1, np.array([128.0]), np.array([128.0]))
    >>> round(float(128 / t.seconds[0]))  # the measured 28,312 output tokens/s
    28312
    """
    return scaled_replica_time(
        params_b, gpus, measured_replica_time(params_b, prompt_tokens, output_tokens)
    )


def scaled_replica_time(params_b: float, gpus: int, measured: ReplicaTime) -> ReplicaTime:
    """A :func:`measured_replica_time` scaled to ``params_b`` on ``gpus`` GPUs (what
    :func:`replica_seconds` returns; routes that differ only by their GPUs share the rest)."""
    table = serving_data().inference_throughput[_nearest_table(params_b)]
    return measured._replace(
        seconds=measured.seconds * (params_b / table.params_b) * (table.gpus / gpus)
    )


@quiet_floats
def measured_replica_time(
    params_b: float, prompt_tokens: FloatArray, output_tokens: FloatArray
) -> ReplicaTime:
    """:func:`replica_seconds` on the measured setup of the nearest model size (its own
    parameters and GPUs), before scaling."""
    index = _nearest_table(params_b)
    fit = _fitted(index)
    isl = np.maximum(np.asarray(prompt_tokens, dtype=np.float64), 1.0)
    osl = np.maximum(np.asarray(output_tokens, dtype=np.float64), 1.0)
    c0, a, b, c, d = fit.coef
    base = c0 + a * isl + b * osl + c * isl * osl + d * osl * osl
    where = fit.where_array
    d2 = (where[:, 0] - np.log(isl)[..., None]) ** 2 + (where[:, 1] - np.log(osl)[..., None]) ** 2
    exact = d2 < 1e-18
    inv = np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, d2))
    idw = (inv @ where[:, 2]) / np.where(inv.sum(axis=-1) > 0, inv.sum(axis=-1), 1.0)
    at_point = exact.any(axis=-1)
    correction = np.where(at_point, (exact * where[:, 2]).sum(axis=-1), idw)
    w = base * np.exp(correction)
    bound = isl * fit.prefill_seconds_per_token
    prefill = bound > w
    w = np.where(prefill, bound, w)
    nearest = np.argmin(d2, axis=-1)
    (in_lo, in_hi), (out_lo, out_hi) = fit.in_range, fit.out_range
    outside = ~((in_lo <= isl) & (isl <= in_hi) & (out_lo <= osl) & (osl <= out_hi))
    pts = fit.points_array[nearest]
    per_token_w = pts[..., 2] * (isl + osl) / (pts[..., 0] + pts[..., 1])
    per_token = outside & (per_token_w > w)
    w = np.where(per_token, per_token_w, w)
    return ReplicaTime(w, prefill & ~per_token, outside, per_token, nearest)


@functools.cache
def replica_seconds_per_request(
    params_b: float, gpus: int, prompt_tokens: float, output_tokens: float
) -> tuple[float, str]:
    """:func:`replica_seconds` for one request, with where the figure comes from in words.

    Examples
    --------
    >>> w, _ = replica_seconds_per_request(8.0, 1, 128, 128)
    >>> round(128 / w)  # the measured 28,312 output tokens/s
    28312
    >>> w, source = replica_seconds_per_request(8.0, 1, 3290, 8)  # 8 out: outside the grid
    >>> round(1 / w, 1), "outside the measured grid" in source
    (17.8, True)
    """
    t = replica_seconds(
        params_b, gpus, np.array([float(prompt_tokens)]), np.array([float(output_tokens)])
    )
    return float(t.seconds[0]), replica_time_source(
        params_b, gpus, prompt_tokens, output_tokens, t, 0
    )


def replica_time_source(
    params_b: float, gpus: int, prompt_tokens: float, output_tokens: float,
    t: ReplicaTime, row: int,
) -> str:  # fmt: skip
    """Where row ``row`` of a :func:`replica_seconds` result comes from, in words."""
    index = _nearest_table(params_b)
    table = serving_data().inference_throughput[index]
    fit = _fitted(index)
    isl, osl = max(prompt_tokens, 1.0), max(output_tokens, 1.0)
    how = ""
    if bool(t.prefill_bound[row]):
        how = (
            f"prefill at its physical bound (MFU {serving_data().prefill_bound.mfu:g} of peak "
            "FLOPs, serving.json prefill_bound)"
        )
    if bool(t.outside[row]):
        (in_lo, in_hi), (out_lo, out_hi) = fit.in_range, fit.out_range
        if bool(t.per_token[row]):
            p_in, p_out, _ = fit.points[int(t.nearest[row])]
            how = (
                f"the nearest measured point's throughput per token ({p_in:,.0f} in / "
                f"{p_out:,.0f} out)"
            )
        how = (
            f"; {isl:,.0f} in / {osl:,.0f} out is outside the measured grid ({in_lo:,.0f}-"
            f"{in_hi:,.0f} in, {out_lo:,.0f}-{out_hi:,.0f} out), not extrapolated: "
            + (how or "the fit, slower there than the nearest measured point per token")
        )
    elif how:
        how = "; " + how
    return (
        f"{table.model} on {table.gpus}x {table.gpu} ({table.source}), scaled to "
        f"{params_b:g}B on {gpus} GPU{'s' if gpus != 1 else ''}{how}"
    )
