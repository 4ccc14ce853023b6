"""Hosted API latency: measured time to first token, output and prefill speed per model.

The numbers live in ``data/hosted_latency.json``, built by
``scripts/build_serving_data.py`` from the shared reference ``latency.json`` (LATENCY.md):
per catalog model its own measurements, else a listed sibling's, else its provider class's
(LATENCY.md section 8), never a self-hosted GPU's. :func:`hosted_latency` reads them for a
:class:`~strategy_advisor.ModelSpec`, letting the spec's own measured figures win;
:func:`request_latency_ms` is the reference formula of one request's median and p95.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._figures import Case, Figure, middle
from ._request_latency import request_latency_ms
from ._types import RESULT, STRICT_DATA, FrozenMap, ReasoningEffort, construct

if TYPE_CHECKING:  # a spec is read by attribute only: the catalog is a sibling stage
    from ._model_spec import ModelSpec

__all__ = [
    "HostedLatency",
    "HostedLatencyData",
    "ReasoningTokens",
    "hosted_latency",
    "hosted_latency_data",
    "request_latency_ms",
]

#: Which end of every figure a request is timed at: all fast ends, the points, all slow ends.
Speed = Literal["fast", "point", "slow"]
#: For each speed, the end of a time (TTFT) and the end of a rate (tokens/s) it reads.
_ENDS: dict[Speed, tuple[Case, Case]] = {
    "fast": ("low", "high"),
    "point": ("point", "point"),
    "slow": ("high", "low"),
}


#: The range over every hosted measurement (models of every kind): no one model's spread.
_ALL_HOSTED = "All hosted APIs"


class _Assumption(BaseModel):
    model_config = STRICT_DATA
    value: float
    basis: str


class _Reasoning(BaseModel):
    model_config = STRICT_DATA
    reasons_by_default: bool | None
    default_effort: ReasoningEffort | None
    basis: str
    tokens_at_default: Figure


class _ModelEntry(BaseModel):
    model_config = STRICT_DATA
    provider: str
    aliases: tuple[str, ...]
    provider_class: str = Field(..., alias="class")
    basis: str
    ttft_floor_ms: Figure | None
    ttft_ms: Figure
    ttft_tail_ratio: Figure
    ttft_p95_ms: Figure
    output_tokens_per_s: Figure
    prefill_tokens_per_s: Figure
    reasoning: _Reasoning


class _ClassEntry(BaseModel):
    model_config = STRICT_DATA
    basis: str
    members: tuple[str, ...]
    ttft_ms: Figure
    output_tokens_per_s: Figure
    prefill_tokens_per_s: Figure
    ttft_tail_ratio: Figure


class _Network(BaseModel):
    model_config = STRICT_DATA
    aggregator_hop_ms: Figure
    cross_region_ms: Figure
    gateway_software_ms: Figure
    fastest_direct_ttft_ms: Figure
    direct_fixed_overhead_ms: Figure


class HostedLatencyData(BaseModel):
    """``data/hosted_latency.json``: hosted API latency figures, each with its evidence."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    assumptions: FrozenMap[str, _Assumption]
    rules: FrozenMap[str, str]
    network: _Network
    e2e_tail_ratio: Figure
    cached_prefill_saving: FrozenMap[str, Figure]
    reasoning_tokens_by_effort: FrozenMap[ReasoningEffort, Figure]
    classes: FrozenMap[str, _ClassEntry]
    models: FrozenMap[str, _ModelEntry]
    sources: FrozenMap[str, str]


hosted_latency_data = shipped(HostedLatencyData, "hosted_latency.json")


class ReasoningTokens(BaseModel):
    """Hidden reasoning tokens per request, decoded before the first answer token."""

    model_config = RESULT
    effort: ReasoningEffort | None = Field(
        description="The effort the figure is for (None: the model's default, not stated)."
    )
    reasons_by_default: bool | None = Field(description="None: the reference does not say.")
    tokens: Figure
    basis: str


class HostedLatency(BaseModel):
    """What one request to a hosted model takes: each figure a low, point and high.

    ``ttft_ms`` is the median time to first token at a short prompt (up to
    ``short_prompt_tokens``), measured client-side, so it includes network, gateway, queueing
    and the short prefill; ``ttft_p95_ms`` its 95th percentile (the median times the tail
    ratio). ``basis`` says where the figures come from ("measured: ...", "provider class:
    ...", "your measurement: ...").
    """

    model_config = RESULT
    model: str
    provider: str | None
    provider_class: str = Field(description="The LATENCY.md section 8 class the model is in.")
    basis: str
    ttft_ms: Figure
    ttft_p95_ms: Figure
    ttft_tail_ratio: Figure
    ttft_floor_ms: Figure | None = Field(description="Best case (minimum), where measured.")
    output_tokens_per_s: Figure
    prefill_tokens_per_s: Figure = Field(description="Marginal prompt tokens/s (uncached).")
    cached_prefill_saving: Figure = Field(
        description="Fraction of a cached token's prefill time saved (its provider's)."
    )
    e2e_tail_ratio: Figure = Field(description="p95/p50 of the token-proportional part.")
    reasoning: ReasoningTokens
    short_prompt_tokens: float
    as_of: str
    sources: FrozenMap[str, str] = Field(
        description="The full citation of every source key behind these figures."
    )

    def request_ms(
        self,
        prompt_tokens: float,
        output_tokens: float,
        *,
        cached_tokens: float = 0.0,
        reasoning_tokens: float | None = None,
        speed: Speed = "point",
    ) -> tuple[float, float]:
        """``(median_ms, p95_ms)`` of one request by :func:`request_latency_ms`, every figure
        at its fast end, point or slow end (``reasoning_tokens`` None: the model's own figure,
        which has no point when none is published: pass a count or a ``speed`` end then).

        Examples
        --------
        >>> from strategy_advisor import ModelSpec
        >>> lat = hosted_latency(ModelSpec(name="gpt-5.4-mini"))
        >>> [round(ms) for ms in lat.request_ms(100, 60)]  # TTFT 650.5 ms + 60 / 170.9 s
        [1002, 1480]
        """
        lo, hi = _ENDS[speed]
        reasoning = self.reasoning.tokens.at(lo) if reasoning_tokens is None else reasoning_tokens
        return request_latency_ms(
            prompt_tokens,
            output_tokens,
            cached_tokens=cached_tokens,
            reasoning_tokens=reasoning,
            ttft_ms=self.ttft_ms.at(lo),
            ttft_p95_ms=self.ttft_p95_ms.at(lo),
            output_tokens_per_s=self.output_tokens_per_s.at(hi),
            prefill_tokens_per_s=self.prefill_tokens_per_s.at(hi),
            cached_prefill_saving=self.cached_prefill_saving.at(hi),
            e2e_tail_ratio=self.e2e_tail_ratio.at(lo),
            short_prompt_tokens=self.short_prompt_tokens,
        )


@cache
def _by_name() -> dict[str, str]:
    data = hosted_latency_data()
    out: dict[str, str] = {}
    for name, entry in data.models.items():
        for key in (name, *entry.aliases):
            out[key.lower()] = name
    return out


def _sources(figures: list[Figure | None]) -> FrozenMap[str, str]:
    """The citations behind figures, following the figures of the file their evidence
    copies (a model's class figure, the class's members)."""
    data = hosted_latency_data()
    keys: set[str] = set()
    seen: set[str] = set()
    todo = [f for f in figures if f is not None]
    while todo:
        for e in todo.pop().evidence:
            if e.figure is None:
                keys.add(e.source)
            elif e.figure not in seen:
                seen.add(e.figure)
                node: Any = data
                for key in e.figure.split(" > "):
                    node = node[key] if isinstance(node, Mapping) else getattr(node, key)
                todo.append(node)
    return FrozenMap({k: data.sources[k] for k in sorted(keys) if k in data.sources})


def _exact(value: float, unit: str, field: str) -> Figure:
    return Figure.exact(value, unit, f"your measurement (ModelSpec.{field})")


def _times(fig: Figure, factor: float, basis: str) -> Figure:
    """``fig`` scaled by a known factor (a p95 from your median and the tail ratio)."""
    point = None if fig.point is None else fig.point * factor
    return Figure(
        low=fig.low * factor,
        point=point,
        high=fig.high * factor,
        unit="ms",
        found=fig.found,
        basis=basis,
        rule="product",
        arithmetic=f"{factor:g} x ({fig.low:g}, {fig.point}, {fig.high:g})",
        as_of=fig.as_of,
    )


def _with_class_range(fig: Figure, wider: Figure, cls: str) -> Figure:
    """A measured figure of one value (``low == high``: one measurement, or several that
    agree) with its class's spread around its own point: one measurement says nothing of
    how much another day, region or load would differ, and the class's measurements do (the
    file widens a class of one measurement to all hosted APIs the same way). The point
    stays the model's own; the range is the point times the class's low/point and
    high/point, so that it is as wide on each side as the class's."""
    centre = wider.point if wider.point is not None else middle(wider)
    if not fig.found or fig.low != fig.high or fig.point is None or not wider.low > 0:
        return fig
    low = min(fig.low, fig.point * wider.low / centre)
    high = max(fig.high, fig.point * wider.high / centre)
    if (low, high) == (fig.low, fig.high):
        return fig
    return fig.model_copy(
        update={
            "low": low,
            "high": high,
            "basis": f"{fig.basis} (one value; range: its class {cls}'s spread)",
            "arithmetic": f"{fig.arithmetic}; widened by its class's spread: low = "
            f"{fig.point:g} x {wider.low:g} / {centre:g} = {low:.4g}, high = {fig.point:g} x "
            f"{wider.high:g} / {centre:g} = {high:.4g}",
            "as_of": max(fig.as_of, wider.as_of),
            "evidence": (*fig.evidence, *wider.evidence),
        }
    )


def _product(ttft: Figure, ratio: Figure, basis: str, arithmetic: str | None = None) -> Figure:
    """A p95 as the median TTFT times the tail ratio (low, point and high each)."""
    return Figure(
        low=ttft.low * ratio.low,
        point=None if ttft.point is None or ratio.point is None else ttft.point * ratio.point,
        high=ttft.high * ratio.high,
        unit="ms",
        found=ttft.found and ratio.found,
        basis=basis,
        rule="product",
        arithmetic=arithmetic
        or f"({ttft.low:g}, {ttft.point}, {ttft.high:g}) x ({ratio.low:g}, {ratio.point}, "
        f"{ratio.high:g})",
        as_of=max(ttft.as_of, ratio.as_of),
    )


def _reasoning(spec: ModelSpec, entry: _Reasoning | None) -> ReasoningTokens:
    data = hosted_latency_data()
    if spec.reasoning_tokens is not None:
        return construct(
            ReasoningTokens,
            effort=spec.reasoning_effort,
            reasons_by_default=None if entry is None else entry.reasons_by_default,
            tokens=_exact(
                spec.reasoning_tokens, "hidden reasoning tokens per request", "reasoning_tokens"
            ),
            basis="your measurement (ModelSpec.reasoning_tokens)",
        )
    effort = spec.reasoning_effort
    default = None if entry is None else entry.default_effort
    if entry is not None and (effort is None or effort == default):
        return construct(
            ReasoningTokens,
            effort=default,
            reasons_by_default=entry.reasons_by_default,
            tokens=entry.tokens_at_default,
            basis=entry.basis,
        )
    if effort is None:  # a model the data does not know, and no effort given
        tokens = Figure.exact(
            0.0,
            "hidden reasoning tokens per request",
            "a model you describe answers without hidden reasoning unless you set "
            "reasoning_effort (or reasoning_tokens)",
        )
        return construct(
            ReasoningTokens, effort=None, reasons_by_default=None, tokens=tokens, basis=tokens.basis
        )
    return construct(
        ReasoningTokens,
        effort=effort,
        reasons_by_default=None if entry is None else entry.reasons_by_default,
        tokens=data.reasoning_tokens_by_effort[effort],
        basis=f"reasoning_effort={effort!r}: " + data.reasoning_tokens_by_effort[effort].basis,
    )


def hosted_latency(spec: ModelSpec) -> HostedLatency:
    """The latency figures of a hosted model, from its measurements or its class's.

    The spec's own figures win (``ttft_ms``, ``ttft_p95_ms``, ``output_tokens_per_s`` or
    ``decode_tokens_per_s``, ``prefill_tokens_per_s``, ``reasoning_effort``,
    ``reasoning_tokens``); the rest come from the catalog model of the same name (or alias),
    else from the range over all hosted measurements (``provider_class`` "All hosted APIs").

    Examples
    --------
    >>> from strategy_advisor import ModelSpec
    >>> lat = hosted_latency(ModelSpec(name="gpt-5.4-mini"))
    >>> lat.provider_class, lat.ttft_ms.point, lat.output_tokens_per_s.point
    ('OpenAI mini/nano', 650.5, 170.9)
    >>> lat.ttft_ms.basis, lat.output_tokens_per_s.basis
    ('provider class: OpenAI mini/nano', 'measured: gpt-5.4-mini')
    >>> mine = hosted_latency(ModelSpec(name="gpt-5.4-mini", ttft_ms=400.0))
    >>> mine.ttft_ms.point, round(mine.ttft_p95_ms.point, 1)  # 400 x the class's 1.644
    (400.0, 657.6)
    """
    data = hosted_latency_data()
    name = _by_name().get(spec.name.lower())
    entry = data.models[name] if name is not None else None
    fallback = data.classes[_ALL_HOSTED]
    provider: str | None
    if entry is not None:
        basis, cls, provider = entry.basis, entry.provider_class, entry.provider
        ttft, speed, prefill = entry.ttft_ms, entry.output_tokens_per_s, entry.prefill_tokens_per_s
        if cls in data.classes and cls != _ALL_HOSTED:  # the spread of one kind of model
            wider = data.classes[cls]
            ttft = _with_class_range(ttft, wider.ttft_ms, cls)
            speed = _with_class_range(speed, wider.output_tokens_per_s, cls)
            prefill = _with_class_range(prefill, wider.prefill_tokens_per_s, cls)
        ratio = entry.ttft_tail_ratio
        p95 = entry.ttft_p95_ms
        if ttft is not entry.ttft_ms and p95.rule == "product":
            p95 = _product(ttft, ratio, f"{p95.basis} (the median TTFT's range: its class's)")
    else:
        ratio = fallback.ttft_tail_ratio
        ttft, speed, prefill = (
            fallback.ttft_ms,
            fallback.output_tokens_per_s,
            fallback.prefill_tokens_per_s,
        )
        p95 = _product(ttft, ratio, "DERIVED: TTFT median x TTFT p95/p50",
                       "all hosted TTFT x all hosted tail ratio")  # fmt: skip
        basis = f"not in the measured catalog: {fallback.basis}"
        cls, provider = _ALL_HOSTED, spec.provider
    mine = []
    if spec.ttft_ms is not None:
        ttft = _exact(spec.ttft_ms, "ms", "ttft_ms")
        if spec.ttft_p95_ms is None:
            p95 = _times(ratio, spec.ttft_ms, "your ttft_ms x the tail ratio")
        mine.append("ttft_ms")
    if spec.ttft_p95_ms is not None:
        p95 = _exact(spec.ttft_p95_ms, "ms", "ttft_p95_ms")
        mine.append("ttft_p95_ms")
        if spec.ttft_ms is not None:
            ratio = Figure.exact(
                spec.ttft_p95_ms / spec.ttft_ms, "TTFT p95/p50", "your ttft_p95_ms / ttft_ms"
            )
    own_speed = spec.output_tokens_per_s or spec.decode_tokens_per_s
    if own_speed is not None:
        field = "output_tokens_per_s" if spec.output_tokens_per_s else "decode_tokens_per_s"
        speed = _exact(own_speed, "output tokens/s", field)
        mine.append(field)
    if spec.prefill_tokens_per_s is not None:
        prefill = _exact(spec.prefill_tokens_per_s, "prompt tokens/s", "prefill_tokens_per_s")
        mine.append("prefill_tokens_per_s")
    if mine:
        basis = f"your measurement: {', '.join(mine)} | {basis}"
    saving = data.cached_prefill_saving
    cached = saving.get(provider or "", saving["other"])
    reasoning = _reasoning(spec, None if entry is None else entry.reasoning)
    return construct(
        HostedLatency,
        model=spec.name,
        provider=provider,
        provider_class=cls,
        basis=basis,
        ttft_ms=ttft,
        ttft_p95_ms=p95,
        ttft_tail_ratio=ratio,
        ttft_floor_ms=None if entry is None else entry.ttft_floor_ms,
        output_tokens_per_s=speed,
        prefill_tokens_per_s=prefill,
        cached_prefill_saving=cached,
        e2e_tail_ratio=data.e2e_tail_ratio,
        reasoning=reasoning,
        short_prompt_tokens=data.assumptions["short_prompt_tokens"].value,
        as_of=data.as_of,
        sources=_sources([ttft, p95, ratio, speed, prefill, reasoning.tokens, cached]),
    )
