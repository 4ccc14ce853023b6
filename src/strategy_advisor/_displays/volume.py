"""Figures, cost against volume: both strategies' totals priced by the features and cost
stages at each monthly volume, the prompt kept as planned, with every estimated input at its
cheap and dear end for the range, exactly as ``recommend()`` prices today's volume (checked:
at today's volume the curve reproduces the recommendation's totals)."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .._assumptions import Assumptions, default_assumptions
from .._charts import Axis, Marker, Series, line_chart
from .._costs import cheapest_totals
from .._errors import ParameterError
from .._features import ShotPlan, derive_features
from .._format import format_value, usd
from .._ranges import at_end
from .._types import RESULT, Strategy, construct
from .common import COLOR, figure_html, pyplot, strategy_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._recommendation import Recommendation

__all__ = [
    "CostVolumeCurve",
    "CostVolumeDisplay",
    "StrategyCurve",
    "cost_volume_curve",
    "volume_grid",
]


class StrategyCurve(BaseModel):
    """One strategy's total over the horizon at each volume of a curve, with its range."""

    model_config = RESULT

    strategy: Strategy
    model: str = Field(description="The model this strategy uses.")
    feasible: bool = Field(description="Whether the rules allow this strategy.")
    total_usd: tuple[float, ...] = Field(description="Total at each volume (point estimate).")
    total_usd_low: tuple[float, ...] = Field(description="Every estimate at its cheap end.")
    total_usd_high: tuple[float, ...] = Field(description="Every estimate at its dear end.")


class CostVolumeCurve(BaseModel):
    """Both strategies' totals against requests per month (the numbers of the chart)."""

    model_config = RESULT

    volumes: tuple[float, ...] = Field(description="Requests per month, ascending.")
    fine_tuning: StrategyCurve
    in_context_learning: StrategyCurve
    current_volume: float = Field(description="The profile's requests per month.")
    break_even_requests_per_month: float | None = Field(
        description="The recommendation's break-even, where both totals are equal."
    )
    horizon_months: float


def volume_grid(current: float, break_even: float | None, n_points: int = 33) -> tuple[float, ...]:
    """``n_points`` volumes evenly spaced in log from a decade below the lower of today's
    volume and the break-even to a decade above the higher (whole decades), with both
    included exactly.

    Examples
    --------
    >>> g = volume_grid(400.0, None, n_points=5)
    >>> g[0], g[-1], 400.0 in g
    (10.0, 10000.0, True)
    """
    anchors = [current] + ([break_even] if break_even is not None and break_even > 0 else [])
    lo = 10.0 ** math.floor(math.log10(min(anchors) / 10.0))
    hi = 10.0 ** math.ceil(math.log10(max(anchors) * 10.0))
    ratio = hi / lo
    grid = {lo * ratio ** (i / (n_points - 1)) for i in range(n_points)}
    return tuple(sorted(grid | set(anchors)))


def _catalog_date(text: str) -> dt.date | None:
    """The catalog's ``as_of`` as a date, as :attr:`Catalog.as_of_date` reads it."""
    head = text.strip()[:10]
    try:
        return dt.date.fromisoformat(head if len(head) == 10 else f"{head[:7]}-01")
    except ValueError:
        return None


#: The cost stage's ends (its ``end=``) with the estimates' side each moves them to.
_ENDS: tuple[tuple[Literal["point", "low", "high"], Literal["low", "high"] | None], ...] = (
    ("point", None),
    ("low", "low"),
    ("high", "high"),
)


def _totals_at(rec: Recommendation, volume: float, a: Assumptions) -> list[tuple[float, float]]:
    """(fine-tuning, prompting) totals at ``volume``: point, cheap end, dear end."""
    profile = rec.profile.model_copy(update={"requests_per_month": volume})
    icl, ft = rec.models[Strategy.IN_CONTEXT_LEARNING], rec.models[Strategy.FINE_TUNING]
    f = rec.features
    plan = construct(ShotPlan, shots=f.icl_shots, reason=f.icl_shots_reason or "")
    as_of = _catalog_date(rec.catalog_as_of)
    out: list[tuple[float, float]] = []
    for end, side in _ENDS:
        p2, icl2, ft2 = (profile, icl, ft) if side is None else at_end(profile, icl, ft, a, side)
        f2 = derive_features(
            p2,
            icl2,
            ft2,
            assumptions=a,
            today=rec.evaluation_date,
            catalog_as_of=as_of,
            plan=plan,
            cache_end=side,
        )
        ft_total, icl_total = cheapest_totals(
            f2,
            icl2,
            ft2,
            assumptions=a,
            end=end,
            icl_serving=p2.icl_serving,
            ft_serving=p2.ft_serving,
        )
        if ft_total is None or icl_total is None:
            raise ParameterError(f"unpriced at {volume:g} requests/month")  # pragma: no cover
        out.append((ft_total, icl_total))
    (ft_p, icl_p), (ft_lo, icl_lo), (ft_hi, icl_hi) = out
    # as recommend() does: the range always holds the point
    return [
        (ft_p, icl_p),
        (min(ft_lo, ft_p), min(icl_lo, icl_p)),
        (max(ft_hi, ft_p), max(icl_hi, icl_p)),
    ]


def cost_volume_curve(
    rec: Recommendation, *, assumptions: Assumptions | None = None, n_points: int = 33
) -> CostVolumeCurve:
    """Both strategies' totals (with their ranges) at ``n_points`` monthly volumes around
    today's volume and the break-even (:func:`volume_grid`), everything else as in ``rec``.

    Parameters
    ----------
    rec : Recommendation
    assumptions : Assumptions, optional
        The assumptions to price with; default: the ones the recommendation was made with
        (``rec.assumptions_used``), or the shipped ones when it came from JSON.
    n_points : int, default=33
        Volumes on the curve, between 2 and 200 (today's volume and the break-even are
        added).

    Raises
    ------
    ParameterError
        When a strategy is unpriced (no curve to draw), or when the curve at today's
        volume does not reproduce the recommendation's totals (it came from JSON and was
        made with other assumptions than the shipped ones: pass them).
    """
    if not isinstance(n_points, int) or isinstance(n_points, bool) or not 2 <= n_points <= 200:
        raise ParameterError(
            f"The 'n_points' parameter of cost_volume_curve must be an int in the range "
            f"[2, 200]. Got {n_points!r} instead."
        )
    ft_cost, icl_cost = rec.costs[Strategy.FINE_TUNING], rec.costs[Strategy.IN_CONTEXT_LEARNING]
    unpriced = [
        strategy_name(c.strategy) + (f" ({', '.join(c.unpriced)})" if c.unpriced else "")
        for c in (ft_cost, icl_cost)
        if c.total_usd is None
    ]
    if unpriced:
        raise ParameterError(
            f"no cost curve: {' and '.join(unpriced)} unpriced. Give the token lengths "
            "(or an examples file) and every price, then recommend again."
        )
    if assumptions is None:
        assumptions = rec.assumptions_used
    a = assumptions if assumptions is not None else default_assumptions()
    current = rec.profile.requests_per_month
    if not current > 0:  # the volume axis is logarithmic: zero has no place on it
        raise ParameterError(
            "no cost curve at 0 requests a month (the chart's volume axis is logarithmic); "
            "give requests_per_month, then recommend again"
        )
    be = rec.break_even_requests_per_month
    volumes = volume_grid(current, be, n_points)
    rows = [_totals_at(rec, v, a) for v in volumes]
    here = rows[volumes.index(current)]
    given = [
        (ft_cost.total_usd, icl_cost.total_usd),
        (ft_cost.total_usd_low, icl_cost.total_usd_low),
        (ft_cost.total_usd_high, icl_cost.total_usd_high),
    ]
    for got, want in zip(here, given, strict=True):
        for g, w in zip(got, want, strict=True):
            if w is None or not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-9):
                raise ParameterError(
                    "the cost curve does not reproduce this recommendation's totals at its own "
                    f"volume (fine-tuning {usd(here[0][0])} vs {usd(ft_cost.total_usd)}, "
                    f"prompting {usd(here[0][1])} vs {usd(icl_cost.total_usd)}): it was made "
                    "with other assumptions than the shipped ones; pass "
                    "assumptions=advisor.assumptions"
                )

    def curve(s: Strategy, k: int) -> StrategyCurve:
        return construct(
            StrategyCurve,
            strategy=s,
            model=rec.models[s].name,
            feasible=rec.feasible[s],
            total_usd=tuple(r[0][k] for r in rows),
            total_usd_low=tuple(r[1][k] for r in rows),
            total_usd_high=tuple(r[2][k] for r in rows),
        )

    return construct(
        CostVolumeCurve,
        volumes=volumes,
        fine_tuning=curve(Strategy.FINE_TUNING, 0),
        in_context_learning=curve(Strategy.IN_CONTEXT_LEARNING, 1),
        current_volume=current,
        break_even_requests_per_month=be,
        horizon_months=rec.profile.horizon_months,
    )


def _volume(v: float) -> str:
    return format_value(v, "int")


def _curve_label(c: StrategyCurve) -> str:
    return f"{strategy_name(c.strategy)} ({c.model})" + ("" if c.feasible else ", not feasible")


def _curve_markers(curve: CostVolumeCurve) -> list[tuple[float, str]]:
    out = [(curve.current_volume, f"today: {_volume(curve.current_volume)}/month")]
    be = curve.break_even_requests_per_month
    if be is not None:
        out.append((be, f"break-even: {_volume(be)}/month"))
    return out


class CostVolumeDisplay:
    """Total cost over the horizon against monthly volume, both strategies.

    Lines are the point estimates, shaded bands the plausible ranges (every estimated
    input at its cheap or dear end); dashed vertical lines mark today's volume and the
    break-even. A strategy the rules rule out is drawn dashed.

    Parameters
    ----------
    curve : CostVolumeCurve
        The numbers (see :func:`cost_volume_curve`).

    Attributes
    ----------
    curve : CostVolumeCurve
    ax_ : matplotlib Axes
        Set by :meth:`plot`.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    Examples
    --------
    >>> import strategy_advisor as sa
    >>> rec = sa.recommend({"task_type": "classification", "n_labeled_examples": 2000,
    ...     "n_classes": 6, "avg_input_tokens": 180, "avg_output_tokens": 3,
    ...     "requests_per_month": 400_000}, today=datetime.date(2026, 12, 1))
    >>> disp = sa.CostVolumeDisplay.from_recommendation(rec)
    >>> disp.curve.current_volume in disp.curve.volumes
    True
    >>> disp.to_svg()[:4]
    '<svg'
    """

    def __init__(self, curve: CostVolumeCurve) -> None:
        self.curve = curve

    @classmethod
    def from_recommendation(
        cls,
        rec: Recommendation,
        *,
        assumptions: Assumptions | None = None,
        n_points: int = 33,
    ) -> CostVolumeDisplay:
        """The display of ``rec``'s costs against volume (see :func:`cost_volume_curve`)."""
        return cls(cost_volume_curve(rec, assumptions=assumptions, n_points=n_points))

    def _title(self) -> str:
        return f"Total cost over {self.curve.horizon_months:g} months against monthly volume"

    def to_svg(self) -> str:
        """The chart as an inline SVG string (no matplotlib needed)."""
        c = self.curve
        series = [
            Series(
                _curve_label(s),
                c.volumes,
                s.total_usd,
                COLOR[s.strategy],
                low=s.total_usd_low,
                high=s.total_usd_high,
                dashed=not s.feasible,
            )
            for s in (c.fine_tuning, c.in_context_learning)
        ]
        markers = [Marker(x, label) for x, label in _curve_markers(c)]
        parts = [
            f"{strategy_name(s.strategy)}: {usd(s.total_usd[0])} at {_volume(c.volumes[0])} to "
            f"{usd(s.total_usd[-1])} at {_volume(c.volumes[-1])} requests/month"
            for s in (c.fine_tuning, c.in_context_learning)
        ]
        desc = "; ".join(parts) + "; " + "; ".join(label for _, label in _curve_markers(c))
        return line_chart(
            series,
            title=self._title(),
            x=Axis("requests per month (log scale)", log=True, fmt=_volume),
            y=Axis("total over the horizon (log scale)", log=True, fmt=usd),
            markers=markers,
            desc=desc,
        )

    def _repr_html_(self) -> str:
        """In a notebook: the chart as inline SVG (what :meth:`to_svg` returns)."""
        return figure_html(self.to_svg())

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw with matplotlib on ``ax`` (default: a new figure); returns the axes."""
        plt = pyplot(type(self).__name__)
        from matplotlib.ticker import FuncFormatter

        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        c = self.curve
        for s in (c.fine_tuning, c.in_context_learning):
            color = COLOR[s.strategy]
            ax.fill_between(
                c.volumes, s.total_usd_low, s.total_usd_high, color=color, alpha=0.16, lw=0
            )
            ax.plot(
                c.volumes,
                s.total_usd,
                color=color,
                lw=2,
                ls="-" if s.feasible else "--",
                label=_curve_label(s),
            )
        for x, label in _curve_markers(c):
            ax.axvline(x, color="0.2", lw=1, ls=":", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _volume(v)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: usd(v)))
        ax.set_xlabel("requests per month")
        ax.set_ylabel("total over the horizon")
        ax.set_title(self._title())
        ax.grid(True, which="major", color="0.9")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return ax
