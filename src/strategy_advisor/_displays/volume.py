"""Figures, cost against volume: both strategies' totals at volumes around today's and the
break-even, as the recommendation computed them (``rec.cost_curve``, :mod:`.._curve`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._charts import Axis, Marker, Series, line_chart
from .._curve import CostVolumeCurve, StrategyCurve
from .._errors import ParameterError
from .._format import format_value, usd
from .common import COLOR, figure_html, pyplot, strategy_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._recommendation import Recommendation

__all__ = [
    "CostVolumeCurve",
    "CostVolumeDisplay",
    "StrategyCurve",
    "cost_volume_curve",
]


def cost_volume_curve(rec: Recommendation) -> CostVolumeCurve:
    """Both strategies' totals (with their intervals) at volumes around today's and the
    break-even, everything else as in ``rec``: the curve the recommendation computed.

    Raises
    ------
    ParameterError
        When a strategy is unpriced (no curve to draw).
    """
    if rec.cost_curve is None:
        unpriced = [
            strategy_name(c.strategy) + (f" ({', '.join(c.unpriced)})" if c.unpriced else "")
            for c in rec.costs.values()
            if c.total_usd is None
        ]
        raise ParameterError(
            f"no cost curve: {' and '.join(unpriced) or 'a total'} unpriced. Give the token "
            "lengths (or an examples file) and every price, then recommend again."
        )
    return rec.cost_curve


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

    Lines are the point estimates, shaded bands the intervals over the simulation's draws;
    dashed vertical lines mark today's volume and the break-even. A strategy the rules rule
    out is drawn dashed.

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
    >>> import datetime
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
    def from_recommendation(cls, rec: Recommendation) -> CostVolumeDisplay:
        """The display of ``rec``'s costs against volume (see :func:`cost_volume_curve`)."""
        return cls(cost_volume_curve(rec))

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
