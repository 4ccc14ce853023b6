"""Figures, the reliability diagram: predicted against observed fine-tuning win rates of
the quality model's held-out (cross-validated) predictions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from .._charts import FT_COLOR, MUTED, Axis, Series, line_chart
from .._errors import ParameterError, did_you_mean
from .._types import RESULT, construct
from .common import figure_html, pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._quality.cv import QualityCVReport

__all__ = ["ReliabilityBin", "ReliabilityCurve", "ReliabilityDisplay", "reliability_curve"]


class ReliabilityBin(BaseModel):
    """One bin of a reliability diagram."""

    model_config = RESULT

    lower: float
    upper: float
    count: int = Field(description="Predictions in the bin.")
    mean_predicted: float = Field(description="Mean predicted P(fine-tuning wins).")
    observed: float = Field(description="Share of those rows where fine-tuning won.")


class ReliabilityCurve(BaseModel):
    """Predicted against observed fine-tuning win rates, binned (the diagram's numbers)."""

    model_config = RESULT

    name: str = Field(description="Which predictions (a method of the CV report).")
    bins: tuple[ReliabilityBin, ...] = Field(description="Non-empty bins, ascending.")
    n_rows: int
    n_bins: int
    brier: float = Field(description="Mean squared error of the predictions.")
    ece: float = Field(description="Expected calibration error over these bins.")


def reliability_curve(
    y: Sequence[float] | Any, p: Sequence[float] | Any, *, n_bins: int = 10, name: str = "model"
) -> ReliabilityCurve:
    """The reliability diagram's numbers for outcomes ``y`` (1: fine-tuning won) and
    predicted probabilities ``p``, in ``n_bins`` equal-width bins (the quality stage's
    ``reliability_bins``, as the CV report's ECE uses them).

    Examples
    --------
    >>> c = reliability_curve([0, 1, 1], [0.1, 0.8, 0.9], n_bins=2)
    >>> [(b.count, round(b.mean_predicted, 2), b.observed) for b in c.bins]
    [(1, 0.1, 0.0), (2, 0.85, 1.0)]
    """
    from .._quality.cv import reliability_bins  # validation code: loaded only when asked

    if not isinstance(n_bins, int) or isinstance(n_bins, bool) or not 1 <= n_bins <= 100:
        raise ParameterError(
            f"The 'n_bins' parameter of reliability_curve must be an int in the range "
            f"[1, 100]. Got {n_bins!r} instead."
        )
    ya, pa = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if ya.shape != pa.shape or ya.ndim != 1 or len(ya) == 0:
        raise ParameterError(
            f"y and p must be two non-empty sequences of the same length; got shapes "
            f"{ya.shape} and {pa.shape}"
        )
    bins = tuple(
        construct(ReliabilityBin, lower=lo, upper=hi, count=n, mean_predicted=mp, observed=ob)
        for lo, hi, n, mp, ob in reliability_bins(ya, pa, n_bins)
    )
    ece = sum(b.count * abs(b.mean_predicted - b.observed) for b in bins) / len(ya)
    return construct(
        ReliabilityCurve,
        name=name,
        bins=bins,
        n_rows=len(ya),
        n_bins=n_bins,
        brier=float(np.mean((pa - ya) ** 2)),
        ece=float(ece),
    )


class ReliabilityDisplay:
    """A reliability diagram: in each bin of predicted P(fine-tuning wins), the share of
    held-out results where it did. On the diagonal is perfectly calibrated.

    Parameters
    ----------
    curve : ReliabilityCurve
        The numbers (see :func:`reliability_curve`).

    Examples
    --------
    >>> disp = ReliabilityDisplay.from_predictions([0, 1, 1, 1], [0.2, 0.6, 0.7, 0.9])
    >>> disp.curve.n_rows, disp.to_svg()[:4]
    (4, '<svg')
    """

    def __init__(self, curve: ReliabilityCurve) -> None:
        self.curve = curve

    @classmethod
    def from_quality_report(
        cls, report: QualityCVReport, *, method: str = "model", n_bins: int = 10
    ) -> ReliabilityDisplay:
        """The diagram of one method's out-of-source predictions in a cross-validation
        report (:func:`strategy_advisor.cross_validate_quality_model`)."""
        methods = tuple(report.methods)
        if method not in methods:
            raise ParameterError(
                f"The 'method' parameter of ReliabilityDisplay.from_quality_report must be a "
                f"str among {methods}. Got {method!r} instead.{did_you_mean(method, methods)}"
            )
        y, p = report.outcomes(method)  # the decisive rows: what p is defined on
        return cls(reliability_curve(y, p, n_bins=n_bins, name=method))

    @classmethod
    def from_predictions(
        cls,
        y: Sequence[float] | Any,
        p: Sequence[float] | Any,
        *,
        n_bins: int = 10,
        name: str = "model",
    ) -> ReliabilityDisplay:
        """The diagram of outcomes ``y`` (1: fine-tuning won) against predictions ``p``."""
        return cls(reliability_curve(y, p, n_bins=n_bins, name=name))

    def _title(self) -> str:
        return f"Reliability, {self.curve.n_rows} held-out results"

    def _label(self) -> str:
        c = self.curve
        return f"{c.name} (Brier {c.brier:.3f}, ECE {c.ece:.3f})"

    def to_svg(self) -> str:
        """The diagram as an inline SVG string (no matplotlib needed)."""
        c = self.curve
        xs = tuple(b.mean_predicted for b in c.bins)
        ys = tuple(b.observed for b in c.bins)
        series = [
            Series("perfectly calibrated", (0.0, 1.0), (0.0, 1.0), MUTED, dashed=True),
            Series(
                self._label(),
                xs,
                ys,
                FT_COLOR,
                dots=True,
                notes=tuple(f"n={b.count}" for b in c.bins),
            ),
        ]
        desc = "; ".join(
            f"predicted {b.mean_predicted:.2f}: observed {b.observed:.2f} (n={b.count})"
            for b in c.bins
        )
        unit = Axis("", lo=0.0, hi=1.0, fmt=lambda v: f"{v:.1f}")
        return line_chart(
            series,
            title=self._title(),
            x=Axis("predicted P(fine-tuning wins)", lo=0.0, hi=1.0, fmt=unit.fmt),
            y=Axis("observed share of fine-tuning wins", lo=0.0, hi=1.0, fmt=unit.fmt),
            desc=desc,
            width=520,
            height=420,
        )

    def _repr_html_(self) -> str:
        """In a notebook: the chart as inline SVG (what :meth:`to_svg` returns)."""
        return figure_html(self.to_svg())

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw with matplotlib on ``ax`` (default: a new figure); returns the axes. On
        axes that already show a diagram, adds this one (the diagonal is drawn once)."""
        plt = pyplot(type(self).__name__)
        if ax is None:
            _, ax = plt.subplots(figsize=(5.2, 5.2), layout="constrained")
        c = self.curve
        ref = "perfectly calibrated"
        if ref not in [line.get_label() for line in ax.get_lines()]:
            ax.plot([0, 1], [0, 1], ls="--", color="0.5", label=ref)
        ax.plot(
            [b.mean_predicted for b in c.bins],
            [b.observed for b in c.bins],
            marker="o",
            label=self._label(),
        )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("predicted P(fine-tuning wins)")
        ax.set_ylabel("observed share of fine-tuning wins")
        ax.set_title(self._title())
        ax.legend(fontsize="small", loc="upper left")
        self.ax_, self.figure_ = ax, ax.figure
        return ax
