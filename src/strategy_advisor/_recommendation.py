"""Result stage: the immutable Recommendation, with everything needed to check it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from ._assumptions import Assumptions
from ._catalog import ModelSpec
from ._costs import StrategyCost
from ._decision import DecisionPolicy, Reason, ScoreBreakdown
from ._escape import json_text
from ._features import TaskFeatures
from ._latency import StrategyLatency
from ._profile import TaskProfile
from ._quality import QualityEstimate
from ._render import RecommendationDisplay
from ._rules import RuleOutcome
from ._types import RESULT, FrozenMap, Strategy, construct
from ._whatif import FlipPoint, SensitivityRow

__all__ = ["LAZY_FIELDS", "Recommendation"]

#: Fields built on first use: the explanation (messages, trace, flip points, sensitivity).
#: The decision itself (strategy, confidence, costs, quality, score) is computed when the
#: recommendation is.
LAZY_FIELDS = ("summary", "reasons", "trace", "flip_points", "sensitivity")

Explainer = Callable[[], Mapping[str, Any]]
#: (advisor, profile, policy, evaluation date): enough to write the explanation again.
Recipe = tuple[Any, TaskProfile, DecisionPolicy, dt.date]


def _from_recipe(recipe: Recipe | None) -> Explainer:
    if recipe is None:  # pragma: no cover - only a broken construction gets here
        raise AttributeError("this Recommendation was built without its explanation")
    advisor, profile, policy, today = recipe

    def explain() -> dict[str, Any]:
        again = advisor.recommend(profile, policy=policy, today=today)._explained()
        return {k: again.__dict__[k] for k in LAZY_FIELDS}

    return explain


class Recommendation(RecommendationDisplay, BaseModel):
    """Fine-tune or prompt: the answer, how sure, the costs, and every reason and rule.

    A value: frozen all the way down (tuples and read-only mappings), hashable, and equal to
    its own JSON round trip (``Recommendation.model_validate_json(rec.to_json()) == rec``).
    Shows itself as text (``str``, :meth:`to_text`), Markdown (:meth:`to_markdown`) and
    HTML (:meth:`to_html`, and in notebooks).

    The explanation (``summary``, ``reasons``, ``trace``, ``flip_points``,
    ``sensitivity``) is written on first use: reading any of them, comparing, hashing,
    copying or serialising builds it once (the flip points take a few hundred evaluations
    of the pipeline).
    """

    model_config = RESULT
    _explain: Explainer | None = PrivateAttr(default=None)
    _recipe: Recipe | None = PrivateAttr(default=None)
    # the advisor's assumptions, for figures that recompute costs (kept after explanation
    # and through pickling; a JSON round trip drops them, and the figures then say so)
    _assumptions: Assumptions | None = PrivateAttr(default=None)
    # the deciding reason's code without the flip points (a portfolio's CSV reads it)
    _deciding: Callable[[], str | None] | None = PrivateAttr(default=None)

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
    payback_months: float | None = Field(description="Months to pay back the first training.")
    payback_days: float | None = Field(description="The same payback time, in days.")
    latency: FrozenMap[Strategy, StrategyLatency] = Field(description="Per-request latency.")
    score: ScoreBreakdown = Field(description="The decision's arithmetic (log-odds for FT).")
    trace: tuple[RuleOutcome, ...] = Field(description="Every rule checked, in order.")
    flip_points: tuple[FlipPoint, ...] = Field(
        description="Where one input alone would change the answer, nearest first."
    )
    sensitivity: tuple[SensitivityRow, ...] = Field(
        description="Each estimated input across its range: the decision score's swing."
    )
    features: TaskFeatures = Field(description="What the profile and models imply.")
    models: FrozenMap[Strategy, ModelSpec] = Field(description="The models each strategy uses.")
    profile: TaskProfile = Field(description="The input, as validated.")
    policy: DecisionPolicy = Field(description="The quality/cost trade-off used.")
    evaluation_date: dt.date = Field(description="Date shutdown dates are measured from.")
    catalog_as_of: str
    library_version: str

    # -- the explanation, built on first use ---------------------------------------------

    @classmethod
    def with_explanation(
        cls,
        explain: Explainer,
        recipe: Recipe | None = None,
        *,
        assumptions: Assumptions | None = None,
        deciding: Callable[[], str | None] | None = None,
        **decided: Any,
    ) -> Recommendation:
        """A recommendation from the decided fields (already valid, not re-validated) and a
        function that writes its explanation (``LAZY_FIELDS``) when first needed.

        ``recipe`` (the advisor and its arguments) rebuilds the explanation after the
        recommendation was pickled unexplained, e.g. sent back from a parallel worker.
        ``assumptions`` are the advisor's, for the figures that recompute costs.
        ``deciding`` gives :attr:`deciding_reason` without writing the whole explanation.
        """
        rec = construct(cls, **decided)
        private = {
            "_explain": explain,
            "_recipe": recipe,
            "_assumptions": assumptions,
            "_deciding": deciding,
        }
        object.__setattr__(rec, "__pydantic_private__", private)
        return rec

    @property
    def assumptions_used(self) -> Assumptions | None:
        """The ``Assumptions`` this recommendation was made with, or None when unknown (it
        came from JSON): the cost figures recompute totals with them."""
        return (self.__pydantic_private__ or {}).get("_assumptions")

    @property
    def deciding_reason(self) -> str | None:
        """The code of the reason that decided: the first decisive one in :attr:`reasons`
        (None when none is). Read without writing the flip points when the explanation is
        not written yet, so a portfolio's table stays fast."""
        if "reasons" not in self.__dict__:
            deciding = (self.__pydantic_private__ or {}).get("_deciding")
            if deciding is not None:
                code: str | None = deciding()
                return code
        return next((r.code for r in self.reasons if r.decisive), None)

    def _explained(self) -> Recommendation:
        d = self.__dict__
        if any(k not in d for k in LAZY_FIELDS):
            private = self.__pydantic_private__ or {}
            explain = private.get("_explain")
            if explain is None:
                explain = _from_recipe(private.get("_recipe"))
            d.update(explain())
            ordered = {k: d[k] for k in type(self).model_fields}  # field order, as from JSON
            d.clear()
            d.update(ordered)
            private["_explain"] = None  # the closure holds the stages' results: let them go
            private["_recipe"] = None
            private["_deciding"] = None
        return self

    def __getattr__(self, name: str) -> Any:
        if name in LAZY_FIELDS:
            return self._explained().__dict__[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recommendation):
            return NotImplemented
        return self._explained().__dict__ == other._explained().__dict__

    def __hash__(self) -> int:
        d = self._explained().__dict__
        return hash(tuple(d[k] for k in type(self).model_fields))

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return super(Recommendation, self._explained()).__iter__()

    def __getstate__(self) -> dict[Any, Any]:
        private = self.__pydantic_private__ or {}
        recipe = private.get("_recipe")
        if recipe is not None and any(k not in self.__dict__ for k in LAZY_FIELDS):
            # unexplained: send the decided fields and how to explain them, not the closure
            state = super().__getstate__()
            state["__pydantic_private__"] = {
                "_explain": None,
                "_recipe": recipe,
                "_assumptions": private.get("_assumptions"),
                "_deciding": None,
            }
            return state
        state = super(Recommendation, self._explained()).__getstate__()
        state["__pydantic_private__"] = {
            "_explain": None,
            "_recipe": None,
            "_assumptions": private.get("_assumptions"),
            "_deciding": None,
        }
        return state

    def __copy__(self) -> Recommendation:
        return super(Recommendation, self._explained()).__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Recommendation:
        return super(Recommendation, self._explained()).__deepcopy__(memo)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return super(Recommendation, self._explained()).model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        return super(Recommendation, self._explained()).model_dump_json(**kwargs)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Recommendation:
        return super(Recommendation, self._explained()).model_copy(update=update, deep=deep)

    def __repr__(self) -> str:
        return (
            f"<Recommendation {self.strategy.value} confidence={self.confidence:.2f} "
            f"p_ft_better={self.quality.p_fine_tuning_better:.2f}>"
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The recommendation as JSON (round-trips through ``model_validate_json``); the
        caller's strings keep no raw character a terminal would obey (``json_text``)."""
        return json_text(self.model_dump_json(indent=indent))
