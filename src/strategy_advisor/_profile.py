"""Input stage: the validated description of a task and the candidate models."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FineTuningOffer",
    "ModelKind",
    "ModelSpec",
    "PilotResult",
    "Strategy",
    "TaskProfile",
    "TaskType",
    "TokenMeasurement",
]


class Strategy(str, Enum):
    """The two strategies the advisor chooses between."""

    FINE_TUNING = "fine_tuning"
    IN_CONTEXT_LEARNING = "in_context_learning"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """Human-readable name ("fine-tuning", "in-context learning")."""
        return "fine-tuning" if self is Strategy.FINE_TUNING else "in-context learning"


TaskType = Literal[
    "classification",
    "extraction",
    "generation",
    "reasoning",
    "code",
    "structured_output",
    "knowledge_qa",
]
ModelKind = Literal["frontier_api", "open_weights", "unknown"]
FineTuningMethod = Literal["full", "lora", "qlora", "ia3", "other_peft", "unknown"]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True)

# Numbers are strict (no "12" strings, no booleans; ints are accepted as floats), finite, and
# bounded by a sanity limit far beyond any real task so arithmetic can never overflow.
_LIMIT = 1e15
_COUNT_LIMIT = 10**12
UsdPerMTok = Annotated[float, Field(ge=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(le=_COUNT_LIMIT, strict=True)]


def _known_args(args: Iterable[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
    """repr arguments without the unknown (None) ones: specs have many optional fields."""
    return [(k, v) for k, v in args if v is not None]


class FineTuningOffer(BaseModel):
    """How a model can be fine-tuned, and what the tuned model costs.

    ``FineTuningOffer()`` means "tunable, token prices unknown": every cost that needs a
    missing price is reported as unpriced, never as $0. The hosting fee defaults to 0
    (serverless tuned models); set it for a dedicated deployment.

    Examples
    --------
    >>> FineTuningOffer(training_usd_per_mtok=3.0, input_usd_per_mtok=0.3, output_usd_per_mtok=1.2)
    FineTuningOffer(training_usd_per_mtok=3.0, input_usd_per_mtok=0.3, ...)
    """

    model_config = _FROZEN

    training_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="Training price, USD per 1M training tokens (tokens x epochs)."
    )
    input_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="The tuned model's input price, USD per 1M tokens."
    )
    cached_input_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="The tuned model's cached-input price, USD per 1M tokens."
    )
    output_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="The tuned model's output price, USD per 1M tokens."
    )
    hosting_usd_per_hour: NonNegFloat = Field(
        0.0,
        description="Fixed fee per hour for a dedicated deployment of the tuned model "
        "(0 for serverless tuned models).",
    )
    min_examples: Count | None = Field(
        None, ge=1, description="The provider's minimum number of training examples."
    )
    method: FineTuningMethod = Field(
        "unknown", description="Fine-tuning method: full, lora, qlora, ia3, other_peft, unknown."
    )
    source: str | None = Field(None, description="Where these prices come from.")

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _known_args(super().__repr_args__())


class ModelSpec(BaseModel):
    """A model: its prices, limits and speed. Any field may be unknown (``None``).

    Examples
    --------
    >>> ModelSpec(name="my-llm", input_usd_per_mtok=0.5, output_usd_per_mtok=1.5).name
    'my-llm'
    """

    model_config = _FROZEN

    name: str = Field(
        ..., min_length=1, max_length=200, description="Model name, as shown in reasons."
    )
    provider: str | None = Field(None, description="Who serves the model.")
    kind: ModelKind = Field(
        "unknown",
        description="frontier_api (undisclosed size, served by a vendor), open_weights, unknown.",
    )
    params_b: PositiveFloat | None = Field(None, description="Parameters, in billions.")
    context_window: Count | None = Field(None, gt=0, description="Maximum prompt + output tokens.")
    input_usd_per_mtok: UsdPerMTok | None = Field(None, description="Input price, USD per 1M.")
    cached_input_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="Cached-input price, USD per 1M tokens (None: no prompt caching)."
    )
    output_usd_per_mtok: UsdPerMTok | None = Field(None, description="Output price, USD per 1M.")
    min_cacheable_tokens: Count | None = Field(
        None,
        ge=0,
        description="Shortest prompt prefix the provider caches; shorter prefixes pay full price.",
    )
    prefill_tokens_per_s: PositiveFloat | None = Field(
        None, description="Prompt processing speed, tokens per second (None: catalog default)."
    )
    decode_tokens_per_s: PositiveFloat | None = Field(
        None, description="Generation speed, tokens per second (None: catalog default)."
    )
    shutdown_date: dt.date | None = Field(
        None, description="Announced shutdown (deprecation) date, YYYY-MM-DD."
    )
    encoding: str | None = Field(
        None, description="tiktoken encoding used to count this model's tokens."
    )
    encoding_error_band: NonNegFloat | None = Field(
        None, description="Relative error of counting this model's tokens with `encoding`."
    )
    fine_tuning: FineTuningOffer | None = Field(
        None, description="The fine-tuning offer; None means this model cannot be fine-tuned."
    )
    source: str | None = Field(None, description="Where these figures come from.")
    as_of: str | None = Field(None, description="When these figures were read.")
    notes: str | None = Field(None, description="Caveats about these figures.")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(f"name must contain a non-space character; got {value!r}")
        return value.strip()

    @model_validator(mode="after")
    def _cached_not_above_input(self) -> ModelSpec:
        cached, full = self.cached_input_usd_per_mtok, self.input_usd_per_mtok
        if cached is not None and full is not None and cached > full:
            raise ValueError(
                f"cached_input_usd_per_mtok ({cached:g}) is above input_usd_per_mtok "
                f"({full:g}) for model {self.name!r}; a cache hit is never dearer than a miss"
            )
        return self

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _known_args(super().__repr_args__())


class PilotResult(BaseModel):
    """Scores a user measured for both strategies on their own task (a pilot).

    Scores are on the same scale for both arms, higher is better unless
    ``higher_is_better`` is false.
    """

    model_config = _FROZEN

    icl_score: float = Field(..., allow_inf_nan=False, description="In-context learning score.")
    ft_score: float = Field(..., allow_inf_nan=False, description="Fine-tuned model score.")
    n_eval_examples: Count = Field(
        ..., ge=1, description="Evaluation examples each score was measured on."
    )
    icl_shots: Count | None = Field(None, ge=0, description="Demonstrations in the ICL arm.")
    score_scale: PositiveFloat = Field(
        1.0, description="The score's full range (1 for accuracy in [0, 1], 100 for percent)."
    )
    higher_is_better: bool = Field(True, description="False for error rates and losses.")

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


class TokenMeasurement(BaseModel):
    """How the profile's token lengths were obtained (filled by ``TaskProfile.from_examples``)."""

    model_config = _FROZEN

    encoding: str = Field(..., description="Encoding name, or 'estimate' for the byte ratio.")
    exact: bool = Field(
        ..., description="True when every text was tokenized (no estimate, no sampling)."
    )
    n_examples: Count = Field(..., ge=0, description="Examples in the source.")
    n_counted: Count = Field(..., ge=0, description="Examples actually tokenized.")
    relative_error: NonNegFloat = Field(
        0.0, description="Stated relative error band of the averages (0 for exact counts)."
    )
    p95_input_tokens: NonNegFloat | None = Field(None, description="95th percentile input.")
    p95_output_tokens: NonNegFloat | None = Field(None, description="95th percentile output.")
    note: str | None = Field(None, description="Why the counts are estimated, if they are.")


class TaskProfile(BaseModel):
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

    model_config = _FROZEN

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
        None, description="p95 end-to-end latency budget per request, milliseconds."
    )
    task_change_interval_days: PositiveFloat | None = Field(
        None,
        description="How often labels, instructions or knowledge change (a tuned model must "
        "be retrained each time). None: stable over the horizon.",
    )
    fine_tuning_budget_usd: NonNegFloat | None = Field(
        None,
        description="Cap on one-off fine-tuning spend: the first training run (retraining is "
        "a running cost, counted in the totals).",
    )
    icl_model: str | ModelSpec | None = Field(
        None, description="Model prompted with demonstrations: catalog name or explicit spec."
    )
    ft_model: str | ModelSpec | None = Field(
        None, description="Model to fine-tune: catalog name or explicit spec."
    )
    pilot: PilotResult | None = Field(
        None, description="Measured scores of both strategies on this task, if any."
    )
    token_measurement: TokenMeasurement | None = Field(
        None, description="How token lengths were measured (set by from_examples)."
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
                "missing; build measured profiles with TaskProfile.from_examples(...)."
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

    @classmethod
    def from_examples(cls, examples: Any, /, *, encoding: Any = None, **fields: Any) -> TaskProfile:
        """Build a profile whose token fields are measured from labeled examples.

        See :func:`strategy_advisor.profile_from_examples` for the accepted inputs.
        """
        from ._examples import profile_from_examples

        return profile_from_examples(examples, encoding=encoding, **fields)

    def resolved_instruction_tokens(self) -> float:
        """Instruction tokens, 0 when not given."""
        return self.instruction_tokens or 0.0
