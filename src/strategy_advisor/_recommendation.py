"""Result stage: the immutable Recommendation, with everything needed to check it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from ._costs import StrategyCost
from ._curve import CostVolumeCurve
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._escape import json_text
from ._features import TaskFeatures
from ._latency import StrategyLatency
from ._model_spec import ModelSpec
from ._profile import TaskProfile
from ._quality import QualityEstimate
from ._render import RecommendationDisplay
from ._rules import RuleOutcome
from ._types import RESULT, FrozenMap, Strategy
from ._uncertainty import SensitivityRow, Uncertainty
from ._whatif import FlipPoint

__all__ = ["Recommendation"]


class Recommendation(RecommendationDisplay, BaseModel):
    """Fine-tune or prompt: the answer, how sure, the costs, and every reason and rule.

    A value, computed once and eagerly: frozen all the way down (tuples and read-only
    mappings), hashable, and equal to its own JSON round trip
    (``Recommendation.model_validate_json(rec.to_json()) == rec``). Shows itself as text
    (``str``, :meth:`to_text`), Markdown (:meth:`to_markdown`) and HTML (:meth:`to_html`,
    and in notebooks).
    """

    model_config = RESULT

    strategy: Strategy = Field(description="The recommended strategy.")
    confidence: float = Field(ge=0, le=1, description="How sure, in [0.5, 1].")
    summary: str = Field(description="One line: the answer and its main reason.")
    reasons: tuple[Reason, ...] = Field(description="Why, deciding factors first.")
    feasible: FrozenMap[Strategy, bool] = Field(description="Which strategies the rules allow.")
    quality: QualityEstimate = Field(description="P(fine-tuning beats prompting), calibrated.")
    costs: FrozenMap[Strategy, StrategyCost] = Field(description="Each strategy over the horizon.")
    break_even_requests_per_month: float | None = Field(
        description="Monthly volume at which both totals are equal."
    )
    break_even_icl_shots: int | None = Field(
        None,
        description="The demonstrations prompting's prompt carries at the break-even where "
        "they differ from today's (planned for that volume, as a recommendation there would "
        "plan it); None: no break-even, or the same count.",
    )
    payback_months: float | None = Field(
        description="Months to pay back the first training (None: not within the horizon)."
    )
    payback_days: float | None = Field(description="The same payback time, in days.")
    latency: FrozenMap[Strategy, StrategyLatency] = Field(description="Per-request latency.")
    cost_curve: CostVolumeCurve | None = Field(
        description="Both totals against monthly volume, re-planned at each volume, with "
        "intervals (None: a strategy is unpriced)."
    )
    score: ScoreBreakdown = Field(description="The decision's arithmetic (log-odds for FT).")
    uncertainty: Uncertainty = Field(
        description="What the simulation of every estimated input says: how often each "
        "strategy is the better choice, the score's interval, the value of knowing more."
    )
    trace: tuple[RuleOutcome, ...] = Field(description="Every rule checked, in order.")
    flip_points: tuple[FlipPoint, ...] = Field(
        description="Where one input alone would change the answer, nearest first."
    )
    sensitivity: tuple[SensitivityRow, ...] = Field(
        description="Each estimated input alone across its interval: the decision score's "
        "swing, largest first."
    )
    features: TaskFeatures = Field(description="What the profile and models imply.")
    models: FrozenMap[Strategy, ModelSpec] = Field(description="The models each strategy uses.")
    profile: TaskProfile = Field(description="The input, as validated.")
    policy: DecisionPolicy = Field(description="The quality/cost trade-off used.")
    evaluation_date: dt.date = Field(description="Date shutdown dates are measured from.")
    catalog_as_of: str
    library_version: str

    @property
    def deciding_reason(self) -> str | None:
        """The code of the reason that decided: the first decisive one in :attr:`reasons`
        (None when none is)."""
        return next((r.code for r in self.reasons if r.decisive), None)

    def __repr__(self) -> str:
        return (
            f"<Recommendation {self.strategy.value} confidence={self.confidence:.2f} "
            f"p_ft_better={self.quality.p_fine_tuning_better:.2f}>"
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The recommendation as JSON (round-trips through ``model_validate_json``); the
        caller's strings keep no raw character a terminal would obey (``json_text``)."""
        return json_text(self.model_dump_json(indent=indent))
