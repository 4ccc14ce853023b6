"""Input stage: the validated description of a task (its models come from the catalog)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    model_serializer,
    model_validator,
)

from ._datafiles import SuggestingModel
from ._limits import ID_MAX_CHARS, MODEL_NAME_MAX_CHARS
from ._model_spec import ModelSpec
from ._plausibility import warn_if_implausible
from ._types import USER_INPUT, Count, NonNegFloat, PositiveFloat, TaskType, UserBool

__all__ = [
    "PeopleTime",
    "PilotResult",
    "PromptedBaseline",
    "ServingChoice",
    "TaskProfile",
    "TokenMeasurement",
]

#: Which way to serve a model: the cheapest one its offer allows, or a fixed one.
ServingChoice = Literal["cheapest", "serverless", "dedicated", "self_hosted", "endpoint"]
_Share = Annotated[float, Field(ge=0, le=1, strict=True, allow_inf_nan=False)]
_Hours = Annotated[float, Field(ge=0, le=1e6, strict=True, allow_inf_nan=False)]
#: A model given by its catalog name (an explicit spec's name has the same bound).
_ModelName = Annotated[str, Field(min_length=1, max_length=MODEL_NAME_MAX_CHARS)]


def _model_kind(value: Any) -> str | None:
    """Which kind of model reference a value is: a name (a string) or a spec (an object), so
    that an error is reported for that kind alone (tagged by its type's name, as pydantic
    tags a union's branches: never a field's name)."""
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict | ModelSpec):
        return "ModelSpec"
    return None


#: A model: its catalog name, or an explicit spec.
_Model = Annotated[
    Annotated[_ModelName, Tag("str")] | Annotated[ModelSpec, Tag("ModelSpec")],
    Discriminator(
        _model_kind,
        custom_error_type="model_reference",
        custom_error_message="Input should be a catalog model name (a string) or a model "
        "spec (an object with name and prices)",
    ),
]


class PeopleTime(SuggestingModel):
    """Engineering time each strategy needs, and what an hour costs. ``None`` takes the
    stated assumption in ``data/assumptions.json`` (no published measurement of these
    hours exists; set your own). Set a field to 0 to leave that time out."""

    model_config = USER_INPUT

    hourly_usd: NonNegFloat | None = Field(
        None, description="Loaded cost of an engineering hour, USD (default: BLS-derived)."
    )
    prompt_engineering_hours: _Hours | None = Field(
        None,
        description="Writing and tuning the prompt against an evaluation set; both strategies "
        "pay it (vendors advise prompting first).",
    )
    fine_tuning_setup_hours: _Hours | None = Field(
        None,
        description="Dataset preparation, evaluation set, training pipeline, deployment.",
    )
    fine_tuning_hours_per_retraining: _Hours | None = Field(
        None, description="Refreshing data, retraining, re-evaluating and redeploying."
    )
    prompt_revision_hours: _Hours | None = Field(
        None,
        description="Prompting, per task change: updating the prompt and re-running the "
        "evaluation set.",
    )
    prompt_migration_hours: _Hours | None = Field(
        None,
        description="Prompting: re-testing and re-tuning the prompt on a successor when the "
        "prompted model shuts down inside the horizon.",
    )
    endpoint_ops_hours_per_month: _Hours | None = Field(
        None,
        description="Running a tuned model on a serverless GPU platform's endpoint (endpoint "
        "mode): the container, the weights, scaling settings, monitoring; per month.",
    )
    self_hosting_ops_hours_per_month: _Hours | None = Field(
        None,
        description="Running your own GPU serving (self-hosted mode, either strategy): "
        "monitoring, on-call, upgrades; per month, shared among the tasks on one deployment.",
    )


class PilotResult(SuggestingModel):
    """Scores a user measured for both strategies on their own task (a pilot).

    Scores are on the same scale for both arms, higher is better unless
    ``higher_is_better`` is false.
    """

    model_config = USER_INPUT

    icl_score: float = Field(..., allow_inf_nan=False, description="In-context learning score.")
    ft_score: float = Field(..., allow_inf_nan=False, description="Fine-tuned model score.")
    n_eval_examples: Count = Field(
        ..., ge=1, description="Evaluation examples each score was measured on."
    )
    icl_shots: Count | None = Field(None, ge=0, description="Demonstrations in the ICL arm.")
    score_scale: PositiveFloat = Field(
        1.0, description="The score's full range (1 for accuracy in [0, 1], 100 for percent)."
    )
    higher_is_better: UserBool = Field(True, description="False for error rates and losses.")

    @model_validator(mode="after")
    def _scores_in_scale(self) -> PilotResult:
        for name in ("icl_score", "ft_score"):
            value = getattr(self, name)
            if not 0 <= value <= self.score_scale:
                raise ValueError(
                    f"{name} must lie in [0, score_scale={self.score_scale:g}]; got {value:g}. "
                    "Set score_scale=100 for percentages."
                )
        return self


class PromptedBaseline(SuggestingModel):
    """The prompted model's own score on this task, measured on the user's labeled examples
    (``measure_prompted_baseline`` measures it without the library touching the network).

    The quality model reads it as headroom (``100 − score`` on a 0-100 scale where higher is
    better), the strongest single signal in the published record; its sampling error, from
    ``n_examples``, widens the interval.

    Examples
    --------
    >>> b = PromptedBaseline(score=0.82, n_examples=200, metric="exact_match")
    >>> round(b.points, 1), round(b.standard_error_points, 2)
    (82.0, 2.73)
    """

    model_config = USER_INPUT

    score: float = Field(
        ..., allow_inf_nan=False, description="The prompted model's score on this task."
    )
    max_score: float = Field(
        1.0, description="The score's full range: 1.0 for a proportion, 100 for percent."
    )
    higher_is_better: bool = Field(True, description="False for error rates.")
    metric: str = Field(
        "accuracy", min_length=1, description="What the score measures (exact_match, f1, ...)."
    )
    n_examples: Count = Field(..., ge=1, description="Labeled examples the score was measured on.")

    @model_validator(mode="after")
    def _score_in_range(self) -> PromptedBaseline:
        if self.max_score not in (1.0, 100.0):
            raise ValueError(
                f"max_score must be 1.0 (a proportion) or 100 (percent); got "
                f"{self.max_score:g}. Rescale the score to one of them."
            )
        if not 0 <= self.score <= self.max_score:
            raise ValueError(
                f"score must lie in [0, max_score={self.max_score:g}]; got {self.score:g}. "
                "Set max_score=100 for percentages, 1.0 for proportions."
            )
        return self

    @property
    def points(self) -> float:
        """The score on 0-100, higher is better (an error rate is turned around)."""
        s = 100.0 * self.score / self.max_score
        return s if self.higher_is_better else 100.0 - s

    @property
    def standard_error_points(self) -> float:
        """Its sampling standard error on 0-100: ``100·sqrt(s(1 − s)/n)`` with the score as a
        proportion, smoothed to ``(s·n + 0.5)/(n + 1)`` so that it stays above 0 at 0 and 1
        (exact for accuracy; an approximation for F1 and other averaged scores)."""
        n = float(self.n_examples)
        s = (float(self.score) / float(self.max_score) * n + 0.5) / (n + 1.0)
        return 100.0 * math.sqrt(s * (1.0 - s) / n)


class TokenMeasurement(SuggestingModel):
    """How the profile's token lengths were obtained (filled by ``profile_from_examples``)."""

    model_config = USER_INPUT

    encoding: str = Field(..., description="Encoding name, or 'estimate' for the byte ratio.")
    exact: UserBool = Field(
        ...,
        description="True when every text was tokenized with the model's own encoding (no "
        "estimate, no sampling, no stand-in tokenizer).",
    )
    n_examples: Count = Field(..., ge=0, description="Examples in the source.")
    n_counted: Count = Field(..., ge=0, description="Examples actually tokenized.")
    relative_error: NonNegFloat = Field(
        0.0, description="Stated relative error band of the averages (0 for exact counts)."
    )
    p95_input_tokens: NonNegFloat | None = Field(None, description="95th percentile input.")
    p95_output_tokens: NonNegFloat | None = Field(None, description="95th percentile output.")
    note: str | None = Field(None, description="Why the counts are estimated, if they are.")
    measured_avg_input_tokens: NonNegFloat | None = Field(
        None, description="The measured mean query length (before any given value won)."
    )
    measured_avg_output_tokens: NonNegFloat | None = Field(
        None, description="The measured mean output length (before any given value won)."
    )
    overridden: tuple[str, ...] = Field(
        (), description="Measured fields for which a given value was used instead."
    )
    exact_for: tuple[str, ...] = Field(
        (),
        description="Models whose own tokenizer made the counts (exact for them, when every "
        "example was counted).",
    )
    approximate_for: tuple[str, ...] = Field(
        (),
        description="Models whose own tokenizer is not the encoding used: a stand-in, with the "
        "catalog's error band.",
    )


class TaskProfile(SuggestingModel):
    """Everything the advisor needs to know about one LLM task.

    Validated once, here; every later stage trusts it. Token lengths are per request
    (``avg_input_tokens`` is the variable part: the query), and per labeled example a
    demonstration costs ``avg_input_tokens + avg_output_tokens`` tokens.

    Examples
    --------
    >>> p = TaskProfile(task_type="classification", n_labeled_examples=500, n_classes=4,
    ...                 avg_input_tokens=120, avg_output_tokens=3, requests_per_month=50_000)
    >>> p.horizon_months
    12.0
    """

    model_config = USER_INPUT

    id: Annotated[str, Field(max_length=ID_MAX_CHARS)] | None = Field(
        None,
        description="The caller's name for this profile (any string): carried into every "
        "output (text, JSON, a portfolio's CSV and JSON Lines rows, HTML page names); it "
        "never changes the answer. Left out of the JSON when not set.",
    )
    task_type: TaskType = Field(..., description="What the task asks of the model.")
    n_labeled_examples: Count = Field(
        ..., ge=0, description="Labeled input/output examples available for training or prompts."
    )
    n_classes: Count | None = Field(
        None, ge=2, description="Label-space size for classification-like tasks."
    )
    avg_input_tokens: PositiveFloat | None = Field(
        None, description="Mean tokens of the variable part of a request (the query)."
    )
    avg_output_tokens: PositiveFloat | None = Field(
        None, description="Mean tokens the model generates per request."
    )
    instruction_tokens: NonNegFloat | None = Field(
        None, description="Fixed instructions every in-context prompt carries (None: 0)."
    )
    icl_shots: Count | None = Field(
        None,
        ge=0,
        description="Demonstrations per in-context prompt; None lets the advisor choose.",
    )
    requests_per_month: NonNegFloat = Field(0.0, description="Expected requests per month.")
    horizon_months: PositiveFloat = Field(12.0, description="Period the costs are summed over.")
    latency_budget_ms: PositiveFloat | None = Field(
        None,
        description="End-to-end latency budget per request, milliseconds, at the percentile "
        "latency_budget_percentile (the p95 unless said otherwise).",
    )
    latency_budget_percentile: Annotated[
        float, Field(ge=50, lt=100, strict=False, allow_inf_nan=False)
    ] = Field(
        95.0,
        description="Which percentile of a request's latency must meet latency_budget_ms: "
        "50 (the median) to 99.9; the tail between the measured median and p95 is taken as "
        "log-normal.",
    )
    task_change_interval_days: PositiveFloat | None = Field(
        None,
        description="How often labels, instructions or knowledge change (a tuned model must "
        "be retrained each time). None: stable over the horizon.",
    )
    fine_tuning_budget_usd: NonNegFloat | None = Field(
        None,
        description="Cap on the first training run's compute spend (retraining and people's "
        "time are counted in the totals, not against this cap).",
    )
    epochs: Count | None = Field(
        None,
        ge=1,
        le=100,
        description="Training epochs (None: the OpenAI cookbook heuristic from the number of "
        "examples).",
    )
    retrieved_context_tokens: NonNegFloat | None = Field(
        None,
        description="Retrieved passages each prompt carries (knowledge tasks); priced on the "
        "prompted arm and never cached (None: 0).",
    )
    peak_to_average_ratio: (
        Annotated[float, Field(ge=1, le=1000, strict=True, allow_inf_nan=False)] | None
    ) = Field(
        None,
        description="Peak request rate over the monthly average, for sizing dedicated "
        "capacity (None: the stated assumption in data/assumptions.json).",
    )
    adapters_per_deployment: Count = Field(
        1,
        ge=1,
        description="Tuned tasks sharing one dedicated deployment (LoRA adapters): its "
        "always-on fee is split among them.",
    )
    ft_serving: ServingChoice = Field(
        "cheapest", description="How to serve the tuned model: the cheapest allowed, or fixed."
    )
    icl_serving: ServingChoice = Field(
        "cheapest", description="How to serve the prompted model: the cheapest, or fixed."
    )
    cache_hit_rate: _Share | None = Field(
        None,
        description="Measured share of prompts that hit the provider's prompt cache (None: "
        "from the request rate and the provider's cache lifetime).",
    )
    allow_batch: UserBool | None = Field(
        None,
        description="Batch-API rates (answers within the provider's batch window, often 24 "
        "h), priced as an alternative and used only when cheaper: true, the work is offline "
        "(allowed unless latency_budget_ms is below the window); None, allowed only when "
        "latency_budget_ms is given and at least the window; false, never.",
    )
    people: PeopleTime | None = Field(
        None, description="Engineering time and its cost (None: the stated assumptions)."
    )
    icl_model: _Model | None = Field(
        None, description="Model prompted with demonstrations: catalog name or explicit spec."
    )
    ft_model: _Model | None = Field(
        None, description="Model to fine-tune: catalog name or explicit spec."
    )
    pilot: PilotResult | None = Field(
        None, description="Measured scores of both strategies on this task, if any."
    )
    prompted_baseline: PromptedBaseline | None = Field(
        None,
        description="The prompted model's measured score on this task, if any (a pilot of "
        "both strategies takes precedence).",
    )
    token_measurement: TokenMeasurement | None = Field(
        None, description="How token lengths were measured (set by profile_from_examples)."
    )

    @model_validator(mode="after")
    def _cross_field_rules(self) -> TaskProfile:
        if self.icl_shots is not None and self.icl_shots > self.n_labeled_examples:
            raise ValueError(
                f"icl_shots ({self.icl_shots}) exceeds n_labeled_examples "
                f"({self.n_labeled_examples}): demonstrations are labeled examples. Count "
                "hand-written demonstrations in n_labeled_examples, or lower icl_shots."
            )
        if self.token_measurement is not None and (
            self.avg_input_tokens is None or self.avg_output_tokens is None
        ):
            raise ValueError(
                "token_measurement is set but avg_input_tokens or avg_output_tokens is "
                "missing; build measured profiles with profile_from_examples(...)."
            )
        pilot_shots = self.pilot.icl_shots if self.pilot is not None else None
        if pilot_shots is not None and pilot_shots > self.n_labeled_examples:
            raise ValueError(
                f"pilot.icl_shots ({pilot_shots}) exceeds n_labeled_examples "
                f"({self.n_labeled_examples}): demonstrations are labeled examples."
            )
        if (
            self.pilot is not None
            and self.pilot.icl_shots is not None
            and self.icl_shots is not None
            and self.pilot.icl_shots != self.icl_shots
        ):
            raise ValueError(
                f"pilot.icl_shots ({self.pilot.icl_shots}) differs from icl_shots "
                f"({self.icl_shots}); the pilot must measure the prompt being priced."
            )
        return self

    @model_validator(mode="after")
    def _plausible(self) -> TaskProfile:
        # valid, but a likely unit slip (1.5 ms: seconds?): an ImplausibleValueWarning
        warn_if_implausible(self.__dict__)
        return self

    @model_serializer(mode="wrap")
    def _id_only_when_set(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.id is None and isinstance(data, dict):
            data.pop("id", None)  # a profile without an id serialises as it always has
        return data

    def resolved_instruction_tokens(self) -> float:
        """Instruction tokens, 0 when not given."""
        return self.instruction_tokens or 0.0

    def resolved_retrieved_tokens(self) -> float:
        """Retrieved-context tokens, 0 when not given."""
        return self.retrieved_context_tokens or 0.0
