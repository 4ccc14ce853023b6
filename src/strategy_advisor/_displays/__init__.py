"""Presentation stage, figures: the numbers behind each chart (pure functions) and the
Display objects that draw them, as SVG or with matplotlib (scikit-learn's CalibrationDisplay).

A Display holds numbers only. ``to_svg()`` draws them with :mod:`strategy_advisor._charts`
(no dependency; a notebook shows that SVG for a Display on its own); ``plot(ax=None)``
imports matplotlib when called (the ``plot`` extra), draws on ``ax`` or a new figure, and
returns the axes. Build one with its ``from_...`` constructor. One display per module:

- ``volume``: :class:`CostVolumeDisplay`, both strategies' total cost against monthly
  volume, each with its interval, today's volume and the break-even marked.
- ``tornado``: :class:`SensitivityDisplay`, the tornado of ``rec.sensitivity``.
- ``reliability``: :class:`ReliabilityDisplay`, a reliability diagram of the quality
  model's cross-validated (out-of-source) predictions.
- ``common``: what the three share (names, colours, the lazy matplotlib import).
"""

from .common import PLOT_EXTRA, strategy_name
from .reliability import ReliabilityBin, ReliabilityCurve, ReliabilityDisplay, reliability_curve
from .tornado import SensitivityBars, SensitivityDisplay, sensitivity_bars
from .volume import (
    CostVolumeCurve,
    CostVolumeDisplay,
    StrategyCurve,
    cost_volume_curve,
)

__all__ = [
    "PLOT_EXTRA",
    "CostVolumeCurve",
    "CostVolumeDisplay",
    "ReliabilityBin",
    "ReliabilityCurve",
    "ReliabilityDisplay",
    "SensitivityBars",
    "SensitivityDisplay",
    "StrategyCurve",
    "cost_volume_curve",
    "reliability_curve",
    "sensitivity_bars",
    "strategy_name",
]
