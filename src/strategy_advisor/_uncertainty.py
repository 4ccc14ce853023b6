"""Uncertainty: what the simulation's draws say, as results (the intervals' level, the share
of draws each strategy wins, the value of information, the tornado's rows, a total's
driver), and ``data/uncertainty.json``'s settings. The estimates and their draws are
``_estimates``; the simulation that evaluates them, ``_simulation``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._types import RESULT, STRICT_DATA, Strategy

__all__ = [
    "SensitivityRow",
    "TotalDriver",
    "Uncertainty",
    "UncertaintySettings",
    "far_from_median",
    "uncertainty_settings",
]


class _Families(BaseModel):
    model_config = STRICT_DATA
    positive_range: Literal["log_triangular"]
    range_from_zero: Literal["triangular"]
    disputed_catalog_number: Literal["two_point"]
    reason: str


class UncertaintySettings(BaseModel):
    """``data/uncertainty.json``: how many draws, which families, what is quoted."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    draws: int = Field(..., ge=100, le=100_000)
    draws_reason: str
    seed: int = Field(..., ge=0)
    seed_reason: str
    interval_level: float = Field(..., gt=0, lt=1)
    interval_reason: str
    families: _Families
    dispute_weight_low: float = Field(..., gt=0, lt=1)
    dispute_weight_reason: str
    team_hours_move_together: bool
    team_hours_reason: str
    sensitivity_percentiles: tuple[float, float]
    sensitivity_reason: str
    sensitivity_min_swing: float = Field(..., ge=0)
    sensitivity_min_swing_reason: str
    curve_draws: int = Field(..., ge=10)
    curve_draws_reason: str
    far_from_median_ratio: float = Field(..., gt=1)
    far_from_median_min_correlation: float = Field(..., ge=0, le=1)
    far_from_median_reason: str
    evpi_share_of_cheaper_total: float = Field(..., ge=0)
    evpi_min_usd: float = Field(..., ge=0)
    evpi_reason: str
    baseline_examples: int = Field(..., ge=1)
    baseline_examples_reason: str
    baseline_outcomes_points: tuple[float, ...] = Field(..., min_length=1)
    baseline_outcomes_reason: str


uncertainty_settings = shipped(UncertaintySettings, "uncertainty.json")


class SensitivityRow(BaseModel):
    """One row of the tornado: an estimated input moved alone across its 80% interval."""

    model_config = RESULT

    key: str = Field(description="Which estimate: a profile path or a named assumption.")
    input: str = Field(description="The estimated input, in words.")
    low_label: str = Field(description="The end that makes the totals cheap, in words.")
    high_label: str = Field(description="The end that makes them dear, in words.")
    score_low: float = Field(description="The decision score (log-odds for FT) at the cheap end.")
    score_high: float = Field(description="The decision score at the dear end.")
    swing: float = Field(description="|score_high − score_low|: how much the input matters.")
    strategy_low: Strategy = Field(description="The side the score favours at the cheap end.")
    strategy_high: Strategy = Field(description="The side the score favours at the dear end.")
    rank_correlation: float = Field(
        description="Spearman correlation of the input with the decision score over the "
        "simulation's draws, every estimate varying at once (sign: + favours fine-tuning)."
    )

    @property
    def flips(self) -> bool:
        """True when the favoured strategy differs between the two ends."""
        return self.strategy_low is not self.strategy_high


class TotalDriver(BaseModel):
    """The estimated input a strategy's total moves with most across the draws."""

    model_config = RESULT

    strategy: Strategy = Field(description="Whose total.")
    key: str = Field(description="Which estimate: a profile path or a named assumption.")
    input: str = Field(description="The estimated input, in words.")
    low_label: str = Field(description="Its cheap end (10th percentile), in words.")
    high_label: str = Field(description="Its dear end (90th percentile), in words.")
    rank_correlation: float = Field(
        description="Spearman's correlation of the input's draws with the total's, over the "
        "draws: the largest in size of all the estimated inputs."
    )
    median_low_usd: float = Field(
        description="The total's median over the half of the draws in which the input is "
        "nearer its cheap end (its percentile below 0.5; a two-valued input: at its low value)."
    )
    median_high_usd: float = Field(
        description="The total's median over the half nearer its dear end."
    )
    two_valued: bool = Field(
        default=False,
        description="The input is one of two published values (a disputed catalog number): "
        "the medians are those of the draws at each value, its ends the two values.",
    )


def far_from_median(point: float | None, median: float | None) -> bool:
    """Whether a total as given and its median over the draws are ``far_from_median_ratio``
    (``data/uncertainty.json``) times apart or more (both priced and positive)."""
    if point is None or median is None or not (point > 0 and median > 0):
        return False
    ratio = uncertainty_settings().far_from_median_ratio
    return max(point, median) >= ratio * min(point, median)


class Uncertainty(BaseModel):
    """What the simulation says: how often each strategy is the better choice, and what
    knowing more would be worth."""

    model_config = RESULT

    draws: int = Field(description="Scenarios drawn (0: nothing is estimated or priced).")
    seed: int = Field(
        description="The draws' seed (data/uncertainty.json): the same for every task, so the "
        "same input gives the same answer and two tasks differ only by their inputs."
    )
    interval_level: float = Field(description="Level of every interval, e.g. 0.8.")
    share_fine_tuning_better: float = Field(
        description="Share of draws in which fine-tuning is the better choice under the "
        "policy (feasible, and the decision score of that draw above 0)."
    )
    score_low: float = Field(description="Low end of the decision score's interval.")
    score_high: float = Field(description="High end of the decision score's interval.")
    cost_term_low: float = Field(description="Low end of the cost term's interval.")
    cost_term_high: float = Field(description="High end of the cost term's interval.")
    evpi_usd: float | None = Field(
        description="Expected value of perfect information, USD: E[max(NB, 0)] − max(E[NB], "
        "0) with NB fine-tuning's net benefit in a draw (docs/decision.md). None: unpriced."
    )
    evpi_quality_usd: float | None = Field(
        description="The part of it from not knowing the quality gain (its EVPPI), USD."
    )
    evpi_costs_usd: float | None = Field(
        description="The part from not knowing the costs' estimated inputs, USD."
    )
    estimates: tuple[str, ...] = Field(description="The estimated inputs that were drawn.")
    total_drivers: tuple[TotalDriver, ...] = Field(
        default=(),
        description="For each strategy whose total as given and median over the draws are "
        "far apart (far_from_median_ratio, data/uncertainty.json), the estimated input its "
        "total moves with most across the draws (none where no estimate moves it).",
    )
