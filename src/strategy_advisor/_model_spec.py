"""Model specs: a model's prices, limits and serving facts (:class:`ModelSpec`), its
fine-tuning offer (:class:`FineTuningOffer`) and a sourced range of one of its numbers
(:class:`ValueRange`), as a profile gives them or the catalog holds them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ._datafiles import SuggestingModel
from ._types import (
    USER_INPUT,
    Count,
    FineTuningMethod,
    ModelKind,
    NonNegFloat,
    PositiveFloat,
    ReasoningEffort,
    UsdPerMTok,
    UserDate,
)

__all__ = ["FineTuningOffer", "ModelSpec", "ServingMode", "ValueRange"]

#: How a model is served: per-token on shared capacity, dedicated replicas billed by the
#: hour, the team's own GPUs, or the team's weights on a serverless GPU platform's
#: endpoint (an always-on worker, or one that scales to zero).
ServingMode = Literal["serverless", "dedicated", "self_hosted", "endpoint"]


def _known_args(args: Iterable[tuple[str | None, Any]]) -> list[tuple[str | None, Any]]:
    """repr arguments without the unknown (None) ones: specs have many optional fields."""
    return [(k, v) for k, v in args if v is not None]


class ValueRange(SuggestingModel):
    """Where sources disagree on a number: its plausible low and high, and who says what.

    ``path`` names the field inside the spec (``"input_usd_per_mtok"``,
    ``"fine_tuning.hosting_usd_per_hour"``); the field itself holds the point value used.
    """

    model_config = USER_INPUT

    path: str = Field(..., min_length=1, description="Dotted field path inside the spec.")
    low: float = Field(..., ge=0, allow_inf_nan=False)
    high: float = Field(..., ge=0, allow_inf_nan=False)
    sources: str = Field(..., min_length=1, description="Which source gives which value.")

    @model_validator(mode="after")
    def _ordered(self) -> ValueRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g}) for {self.path}")
        return self


class FineTuningOffer(SuggestingModel):
    """How a model can be fine-tuned, how the tuned model can be served, and what it costs.

    ``FineTuningOffer()`` means "tunable, token prices unknown": every cost that needs a
    missing price is reported as unpriced, never as $0. The hosting fee is unknown by
    default: serverless tuned models need none (give 0 where a provider states there is no
    fee); set it for a dedicated deployment: it is the fee of one replica, and the advisor
    adds replicas when the task's peak load needs them. A dedicated deployment without a
    fee is unpriced.

    Examples
    --------
    >>> FineTuningOffer(training_usd_per_mtok=3.0, input_usd_per_mtok=0.3, output_usd_per_mtok=1.2)
    FineTuningOffer(training_usd_per_mtok=3.0, input_usd_per_mtok=0.3, ...)
    """

    model_config = USER_INPUT

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
    hosting_usd_per_hour: NonNegFloat | None = Field(
        None,
        description="Fee per hour of one replica of a dedicated deployment of the tuned "
        "model, billed busy or idle (None: unknown, which leaves a dedicated deployment "
        "unpriced; serverless tuned models need none).",
    )
    dedicated_bills_tokens: bool = Field(
        True,
        description="A dedicated deployment is billed per token too, at the tuned prices, "
        "besides its hourly fee (Azure OpenAI's); false where the provider bills only its GPU "
        "time (Fireworks' on-demand deployments, Together's dedicated endpoints).",
    )
    batch_input_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="The tuned model's batch-API input price, USD per 1M tokens."
    )
    batch_output_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="The tuned model's batch-API output price, USD per 1M tokens."
    )
    serving: tuple[ServingMode, ...] | None = Field(
        None,
        description="How the tuned model can be served: serverless (per-token prices), "
        "dedicated (hosting_usd_per_hour per replica, plus per-token prices where given) or "
        "self_hosted (GPU hours; needs the base model's params_b). None: dedicated when a "
        "hosting fee is set, else serverless.",
    )
    gpu: str | None = Field(
        None, description="GPU of one replica (dedicated or self-hosted), e.g. 'H100 80GB'."
    )
    gpus_per_replica: Count | None = Field(
        None, ge=1, description="GPUs per replica (None: from the model's size)."
    )
    min_replicas: Count = Field(1, ge=1, description="Replicas kept running at the least.")
    requests_per_s_per_replica: PositiveFloat | None = Field(
        None,
        description="Your own measured capacity of one replica at this task's prompt and "
        "output lengths (None: from the reference throughput tables, scaled by model size).",
    )
    max_adapters_per_deployment: Count | None = Field(
        None, ge=1, description="LoRA adapters one deployment can serve (provider limit)."
    )
    platform: str | None = Field(
        None, description="Where tuning and tuned serving run (e.g. 'Vertex AI')."
    )
    shutdown_date: UserDate | None = Field(
        None,
        description="When the tuned model stops being served on its platform (None: the base "
        "model's shutdown date).",
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


class ModelSpec(SuggestingModel):
    """A model: its prices, limits and speed. Any field may be unknown (``None``).

    Examples
    --------
    >>> ModelSpec(name="my-llm", input_usd_per_mtok=0.5, output_usd_per_mtok=1.5).name
    'my-llm'
    """

    model_config = USER_INPUT

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
    cache_write_usd_per_mtok: UsdPerMTok | None = Field(
        None,
        description="Price of writing a prefix into the cache on a miss, USD per 1M tokens "
        "(Anthropic 1.25x input); None: a miss pays the input price.",
    )
    cache_lifetime_minutes: PositiveFloat | None = Field(
        None,
        description="How long a cached prefix survives without use (None: the provider's, "
        "from data/serving.json).",
    )
    batch_input_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="Batch-API input price, USD per 1M tokens (None: no batch API)."
    )
    batch_output_usd_per_mtok: UsdPerMTok | None = Field(
        None, description="Batch-API output price, USD per 1M tokens."
    )
    max_output_tokens: Count | None = Field(
        None, gt=0, description="Longest output the model generates per request."
    )
    serving: tuple[ServingMode, ...] | None = Field(
        None,
        description="How the model can be served when prompted: serverless (its per-token "
        "prices) and, for open weights with params_b, self_hosted. None: serverless.",
    )
    prefill_tokens_per_s: PositiveFloat | None = Field(
        None,
        description="Your measured marginal prompt processing speed (uncached), prompt tokens "
        "per second: how much faster the time to first token grows with the prompt (None: "
        "data/hosted_latency.json).",
    )
    decode_tokens_per_s: PositiveFloat | None = Field(
        None,
        description="Generation speed, output tokens per second; the same figure as "
        "output_tokens_per_s, kept for existing profiles (None: catalog figures).",
    )
    output_tokens_per_s: PositiveFloat | None = Field(
        None,
        description="Your measured output speed after the first token, output tokens per "
        "second per request (None: data/hosted_latency.json; decode_tokens_per_s when set).",
    )
    ttft_ms: PositiveFloat | None = Field(
        None,
        description="Your measured median time to first token at a short prompt (up to ~1,000 "
        "tokens), milliseconds, from where your requests are sent: network, gateway, queueing "
        "and the short prefill included (None: data/hosted_latency.json).",
    )
    ttft_p95_ms: PositiveFloat | None = Field(
        None,
        description="Your measured 95th-percentile time to first token at a short prompt, "
        "milliseconds (None: ttft_ms times the measured tail ratio).",
    )
    reasoning_effort: ReasoningEffort | None = Field(
        None,
        description="Reasoning effort the requests are sent with, as the provider names it "
        "(none, minimal, low, medium, high); None: the model's default (gpt-5.1 and later: "
        "none; earlier GPT-5 and o-series: medium; Claude: thinking off).",
    )
    reasoning_tokens: NonNegFloat | None = Field(
        None,
        description="Your measured hidden reasoning tokens per request (the API's usage "
        "reasoning_tokens), decoded before the answer and billed as output (None: the "
        "reference's range for the effort).",
    )
    shutdown_date: UserDate | None = Field(
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
    ranges: tuple[ValueRange, ...] = Field(
        (), description="Numbers whose sources disagree: low and high with both sources."
    )

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
        output, decode = self.output_tokens_per_s, self.decode_tokens_per_s
        if output is not None and decode is not None and output != decode:
            raise ValueError(
                f"output_tokens_per_s ({output:g}) and decode_tokens_per_s ({decode:g}) differ "
                f"for model {self.name!r}; they are one figure: give output_tokens_per_s only"
            )
        ttft, p95 = self.ttft_ms, self.ttft_p95_ms
        if ttft is not None and p95 is not None and p95 < ttft:
            raise ValueError(
                f"ttft_p95_ms ({p95:g}) is below ttft_ms ({ttft:g}) for model {self.name!r}; "
                "the 95th percentile is never below the median"
            )
        for r in self.ranges:
            head, _, tail = r.path.partition(".")
            owner: BaseModel | None = self
            field = r.path
            if tail:
                owner = self.fine_tuning if head == "fine_tuning" else None
                field = tail
            if owner is None or field not in type(owner).model_fields:
                raise ValueError(
                    f"ranges: {r.path!r} names no numeric field of model {self.name!r} "
                    "(expected a ModelSpec field or fine_tuning.<FineTuningOffer field>)"
                )
        return self

    def range_of(self, path: str) -> ValueRange | None:
        """The disagreement recorded for one field (``"fine_tuning.hosting_usd_per_hour"``)."""
        return next((r for r in self.ranges if r.path == path), None)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _known_args(super().__repr_args__())
