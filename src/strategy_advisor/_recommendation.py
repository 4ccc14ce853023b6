"""Result stage: the immutable Recommendation, with everything needed to check it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ._costs import StrategyCost
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._features import TaskFeatures
from ._latency import StrategyLatency
from ._profile import ModelSpec, Strategy, TaskProfile
from ._quality import QualityEstimate
from ._rules import RuleOutcome

__all__ = ["Recommendation"]


class Recommendation(BaseModel):
    """Fine-tune or prompt: the answer, how sure, the costs, and every reason and rule.

    Immutable; ``model_dump(mode="json")`` round-trips through ``model_validate``. Prints
    as a summary (``str``), renders in notebooks, and serialises with ``to_json()``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Strategy = Field(description="The recommended strategy.")
    confidence: float = Field(ge=0, le=1, description="How sure, in [0, 1].")
    summary: str = Field(description="One line: the answer and its main reason.")
    reasons: tuple[Reason, ...] = Field(description="Why, deciding factors first.")
    feasible: dict[Strategy, bool] = Field(description="Which strategies the rules allow.")
    quality: QualityEstimate = Field(description="P(fine-tuning beats prompting), calibrated.")
    costs: dict[Strategy, StrategyCost] = Field(description="Each strategy over the horizon.")
    break_even_requests_per_month: float | None = Field(
        description="Monthly volume at which both totals are equal."
    )
    payback_months: float | None = Field(description="Months to pay back the first training.")
    payback_days: float | None = Field(description="The same payback time, in days.")
    latency: dict[Strategy, StrategyLatency] = Field(description="Per-request latency.")
    score: ScoreBreakdown = Field(description="The decision's arithmetic (log-odds for FT).")
    trace: tuple[RuleOutcome, ...] = Field(description="Every rule checked, in order.")
    features: TaskFeatures = Field(description="What the profile and models imply.")
    models: dict[Strategy, ModelSpec] = Field(description="The models each strategy uses.")
    profile: TaskProfile = Field(description="The input, as validated.")
    policy: DecisionPolicy = Field(description="The quality/cost trade-off used.")
    evaluation_date: dt.date = Field(description="Date shutdown dates are measured from.")
    catalog_as_of: str
    library_version: str

    def __repr__(self) -> str:
        return (
            f"<Recommendation {self.strategy.value} confidence={self.confidence:.2f} "
            f"p_ft_better={self.quality.p_fine_tuning_better:.2f}>"
        )

    def __str__(self) -> str:
        from ._render import render_text

        return render_text(self)

    def _repr_markdown_(self) -> str:
        from ._render import render_markdown

        return render_markdown(self)

    def _repr_html_(self) -> str:
        from ._render import render_html

        return render_html(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The recommendation as JSON (round-trips through ``model_validate_json``)."""
        return self.model_dump_json(indent=indent)

    @property
    def fired(self) -> tuple[RuleOutcome, ...]:
        """The rules that fired."""
        return tuple(o for o in self.trace if o.status == "fired")
