"""Figures, the sensitivity tornado: each estimated input moved alone across its
range, the decision score at each end (``rec.sensitivity``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from .._charts import FT_COLOR, ICL_COLOR, MUTED, Bar, tornado_chart
from .._errors import ParameterError
from .._types import RESULT, Strategy, construct
from .._uncertainty import SensitivityRow
from .common import figure_html, pyplot, strategy_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .._recommendation import Recommendation

__all__ = ["SensitivityBars", "SensitivityDisplay", "sensitivity_bars"]


class SensitivityBars(BaseModel):
    """The numbers of the tornado: each estimated input's score at its two ends."""

    model_config = RESULT

    rows: tuple[SensitivityRow, ...] = Field(description="Largest swing first.")
    score: float = Field(description="The decision score as given (log-odds for FT).")
    strategy: Strategy = Field(description="The recommended strategy.")
    forced: Strategy | None = Field(
        description="The only feasible strategy, when the rules rule the other out (then "
        "the score does not decide)."
    )


def sensitivity_bars(
    rec: Recommendation, *, top: int | None = None, min_swing: float = 0.0
) -> SensitivityBars:
    """The rows of ``rec.sensitivity`` whose swing is at least ``min_swing`` (the ``top``
    largest, default all), and the decision score as given."""
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise ParameterError(
            f"The 'top' parameter of sensitivity_bars must be a positive int or None. Got "
            f"{top!r} instead."
        )
    if not isinstance(min_swing, (int, float)) or not min_swing >= 0:
        raise ParameterError(
            f"The 'min_swing' parameter of sensitivity_bars must be a float in the range "
            f"[0, inf). Got {min_swing!r} instead."
        )
    feasible = [s for s in Strategy if rec.feasible[s]]
    rows = tuple(r for r in rec.sensitivity if r.swing >= min_swing)
    rows = rows if top is None else rows[:top]
    return construct(
        SensitivityBars,
        rows=rows,
        score=rec.score.total,
        strategy=rec.strategy,
        forced=feasible[0] if len(feasible) == 1 else None,
    )


def _score(v: float) -> str:
    return "0" if abs(v) < 1e-9 else f"{v:+.3g}"


class SensitivityDisplay:
    """The tornado: each estimated input moved alone to the ends of its interval, and the
    decision score (log-odds for fine-tuning; above 0 favours fine-tuning) at each end.

    The part of a bar left of 0 favours prompting, the part right of it fine-tuning; a bar
    that crosses 0 is an input whose range alone could change the answer.

    Parameters
    ----------
    bars : SensitivityBars
        The numbers (see :func:`sensitivity_bars`).

    Examples
    --------
    >>> import datetime
    >>> import strategy_advisor as sa
    >>> rec = sa.recommend({"task_type": "classification", "n_labeled_examples": 2000,
    ...     "n_classes": 6, "avg_input_tokens": 180, "avg_output_tokens": 3,
    ...     "requests_per_month": 400_000}, today=datetime.date(2026, 12, 1))
    >>> disp = sa.SensitivityDisplay.from_recommendation(rec)
    >>> disp.bars.rows[0].swing >= disp.bars.rows[-1].swing
    True
    """

    def __init__(self, bars: SensitivityBars) -> None:
        self.bars = bars

    @classmethod
    def from_recommendation(
        cls, rec: Recommendation, *, top: int | None = 10, min_swing: float = 0.01
    ) -> SensitivityDisplay:
        """The tornado of ``rec.sensitivity``: the ``top`` largest swings (None: all) of at
        least ``min_swing`` (the smaller ones would not show)."""
        return cls(sensitivity_bars(rec, top=top, min_swing=min_swing))

    def _title(self) -> str:
        b = self.bars
        if b.forced is not None:
            return f"What moves the score (only {strategy_name(b.forced)} is feasible)"
        return "What moves the decision score"

    _X_LABEL = "decision score (log-odds for fine-tuning)"

    def to_svg(self) -> str:
        """The tornado as an inline SVG string (no matplotlib needed)."""
        b = self.bars
        bars = [Bar(r.input, r.score_low, r.score_high, r.low_label, r.high_label) for r in b.rows]
        desc = "; ".join(
            f"{r.input}: {_score(r.score_low)} at {r.low_label}, {_score(r.score_high)} at "
            f"{r.high_label}"
            for r in b.rows
        )
        return tornado_chart(
            bars,
            title=self._title(),
            x_label=self._X_LABEL,
            center=b.score,
            center_label=f"as given: {_score(b.score)}",
            left_label="favours prompting",
            right_label="favours fine-tuning",
            fmt=_score,
            desc=desc,
        )

    def _repr_html_(self) -> str:
        """In a notebook: the chart as inline SVG (what :meth:`to_svg` returns)."""
        return figure_html(self.to_svg())

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw with matplotlib on ``ax`` (default: a new figure); returns the axes."""
        plt = pyplot(type(self).__name__)
        b = self.bars
        if ax is None:
            _, ax = plt.subplots(
                figsize=(8.5, 0.45 * max(len(b.rows), 2) + 1.4), layout="constrained"
            )
        ys = list(range(len(b.rows)))[::-1]
        for y, r in zip(ys, b.rows, strict=True):
            lo, hi = min(r.score_low, r.score_high), max(r.score_low, r.score_high)
            if lo < 0:
                ax.barh(y, min(hi, 0.0) - lo, left=lo, color=ICL_COLOR, alpha=0.85, height=0.6)
            if hi > 0:
                ax.barh(
                    y, hi - max(lo, 0.0), left=max(lo, 0.0), color=FT_COLOR, alpha=0.85, height=0.6
                )
            left_text, right_text = (
                (r.low_label, r.high_label)
                if r.score_low <= r.score_high
                else (r.high_label, r.low_label)
            )
            ax.annotate(
                left_text,
                (lo, y),
                xytext=(-4, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize="x-small",
                color=MUTED,
            )
            ax.annotate(
                right_text,
                (hi, y),
                xytext=(4, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize="x-small",
                color=MUTED,
            )
        ax.axvline(0.0, color="0.1", lw=1)
        ax.axvline(b.score, color="0.1", lw=1, ls=":", label=f"as given: {_score(b.score)}")
        ax.set_yticks(ys, [r.input for r in b.rows])
        ends = [v for r in b.rows for v in (r.score_low, r.score_high)] + [0.0, b.score]
        span = max(max(ends) - min(ends), 1e-6)
        ax.set_xlim(min(ends) - 0.3 * span, max(ends) + 0.3 * span)  # room for the end labels
        ax.set_xlabel(self._X_LABEL + ": < 0 favours prompting, > 0 fine-tuning")
        ax.set_title(self._title())
        ax.legend(fontsize="small", loc="lower right")
        self.ax_, self.figure_ = ax, ax.figure
        return ax
