"""Figures, shared: the strategies' short names and colours, the lazy matplotlib import."""

from __future__ import annotations

from typing import Any

from .._charts import FT_COLOR, ICL_COLOR
from .._types import Strategy

__all__ = ["COLOR", "PLOT_EXTRA", "figure_html", "pyplot", "strategy_name"]

PLOT_EXTRA = "pip install 'strategy_advisor[plot]'"
COLOR = {Strategy.FINE_TUNING: FT_COLOR, Strategy.IN_CONTEXT_LEARNING: ICL_COLOR}


def strategy_name(s: Strategy) -> str:
    """The short name the tables and charts use: ``fine-tuning`` or ``prompting``."""
    return "fine-tuning" if s is Strategy.FINE_TUNING else "prompting"


def figure_html(svg: str) -> str:
    """A chart as a Display's notebook HTML."""
    return f"<div class='strategy-advisor-chart'>{svg}</div>"


def pyplot(owner: str) -> Any:
    """``matplotlib.pyplot``, imported now; a clear ImportError naming the extra if absent."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{owner}.plot() draws with matplotlib, which is not installed: {PLOT_EXTRA} "
            f"(or pip install matplotlib). {owner}.to_svg() draws the same chart as SVG "
            "without it."
        ) from exc
    return plt
