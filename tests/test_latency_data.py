"""Hosted and replica latency (data/hosted_latency.json, data/replica_latency.json): each
figure's basis, hand-worked requests, the ModelSpec's own figures, the load curves."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from strategy_advisor import ModelSpec, default_catalog
from strategy_advisor._datafiles import validate_data
from strategy_advisor._errors import DataFileError, ParameterError
from strategy_advisor._hosted_latency import (
    HostedLatencyData,
    hosted_latency,
    hosted_latency_data,
    request_latency_ms,
)
from strategy_advisor._replica_latency import dedicated_latency, load_factors

BASIS_PREFIXES = ("measured: ", "sibling: ", "provider class: ", "not found")


def _doc(name: str) -> dict[str, Any]:
    text = (resources.files("strategy_advisor") / "data" / name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# --------------------------------------------------------------------- every catalog model


def test_every_catalog_model_has_latency_figures_with_a_basis() -> None:
    data = hosted_latency_data()
    assert set(data.models) == set(default_catalog().names)
    for name, entry in data.models.items():
        for fig in (entry.ttft_ms, entry.output_tokens_per_s, entry.prefill_tokens_per_s,
                    entry.ttft_tail_ratio):  # fmt: skip
            assert fig.basis.startswith(BASIS_PREFIXES), (name, fig.basis)
            assert fig.low <= (fig.point or fig.low) <= fig.high
            assert fig.evidence, name
        assert entry.ttft_tail_ratio.low >= 1.0, name
        assert entry.ttft_p95_ms.low >= entry.ttft_ms.low, name
        assert entry.basis, name


def test_no_hosted_figure_comes_from_a_self_hosted_gpu() -> None:
    """LATENCY.md's prefill_reference (NIM on 2x H100) and the OCI dedicated rows never feed
    a hosted model's figure."""
    records = {
        int(e["record"])
        for e in _walk_evidence(_doc("hosted_latency.json"))
        if e.get("reference") == "latency.json"
    }
    assert 123 not in records  # prefill_reference: self-hosted NIM
    assert not records & set(range(106, 113))  # OCI dedicated


def _walk_evidence(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if "quantity" in node and "used" in node else []
        return found + [e for v in node.values() for e in _walk_evidence(v)]
    if isinstance(node, list):
        return [e for v in node for e in _walk_evidence(v)]
    return []


def test_bases_say_where_each_figure_comes_from() -> None:
    lat = hosted_latency(ModelSpec(name="gpt-5.4-mini"))
    assert lat.output_tokens_per_s.basis == "measured: gpt-5.4-mini"
    assert lat.ttft_ms.basis == "provider class: OpenAI mini/nano"
    # the citations behind them, through the class to its members' records
    assert {"0X", "MS24", "MSA", "KG"} <= set(lat.sources)
    assert "0xmmo/forensics" in lat.sources["0X"]
    haiku_55 = hosted_latency(ModelSpec(name="claude-haiku-5-5"))
    assert haiku_55.ttft_ms.basis == "provider class: Claude Haiku"
    assert haiku_55.ttft_floor_ms is None
    flash = hosted_latency(ModelSpec(name="gemini-3.5-flash"))
    assert flash.prefill_tokens_per_s.basis.startswith("sibling: gemini-3-flash-preview")
    unknown = hosted_latency(ModelSpec(name="in-house-llm", provider="Acme"))
    assert unknown.provider_class == "All hosted APIs"
    assert not unknown.ttft_ms.found
    assert unknown.cached_prefill_saving.basis.startswith("not found")


# --------------------------------------------------------------------- hand-worked figures


def test_gpt_5_4_mini_short_call_matches_issue_16() -> None:
    """A short gpt-5.4-mini call with a 60-token answer: about 0.57-0.70 s at best and
    0.8-1.2 s typically, p95 about 1.7x the median TTFT (LATENCY.md section 0)."""
    lat = hosted_latency(ModelSpec(name="gpt-5.4-mini"))
    assert lat.ttft_floor_ms is not None and lat.ttft_floor_ms.point == 267  # [0X] floor
    assert (lat.output_tokens_per_s.low, lat.output_tokens_per_s.high) == (140.8, 201.0)
    floor = lat.ttft_floor_ms.point
    best = [
        request_latency_ms(100, 60, ttft_ms=floor, ttft_p95_ms=floor, output_tokens_per_s=speed,
                           prefill_tokens_per_s=lat.prefill_tokens_per_s.low)[0]
        for speed in (lat.output_tokens_per_s.high, lat.output_tokens_per_s.low)
    ]  # fmt: skip
    assert best == pytest.approx([267 + 60_000 / 201, 267 + 60_000 / 140.8])
    assert best[0] >= 560 and best[1] <= 700  # 0.57-0.70 s
    typical, p95 = lat.request_ms(100, 60)
    assert typical == pytest.approx(650.5 + 60_000 / 170.9)  # class median TTFT + decode
    assert 800 <= typical <= 1200
    ratio = lat.ttft_p95_ms.point / lat.ttft_ms.point  # type: ignore[operator]
    assert ratio == pytest.approx(1.644) and 1.55 <= ratio <= 1.75
    assert p95 == pytest.approx(650.5 * 1.644 + 1.17 * 60_000 / 170.9)


def test_request_latency_term_by_term() -> None:
    # 6,000-token prompt, 5,000 cached (a cached token saves 67% of its prefill time):
    # effective 1,000 + 5,000 x 0.33 = 2,650 tokens, 1,650 beyond the short prompt's 1,000,
    # at 100,000 tokens/s = 16.5 ms; 200 reasoning + 300 answer tokens at 100 tokens/s = 5 s
    median, p95 = request_latency_ms(
        6000, 300, cached_tokens=5000, reasoning_tokens=200, ttft_ms=500.0, ttft_p95_ms=800.0,
        output_tokens_per_s=100.0, prefill_tokens_per_s=100_000.0, cached_prefill_saving=0.67,
        e2e_tail_ratio=1.2,
    )  # fmt: skip
    assert median == pytest.approx(500 + 16.5 + 2000 + 3000)
    assert p95 == pytest.approx(800 + (16.5 + 5000) * 1.2)
    # a prompt shorter than the short prompt adds nothing beyond the TTFT
    assert request_latency_ms(10, 0, ttft_ms=300, ttft_p95_ms=500, output_tokens_per_s=1,
                              prefill_tokens_per_s=1) == (300, 500)  # fmt: skip
    with pytest.raises(ParameterError, match=r"cached_tokens .* more than prompt_tokens"):
        request_latency_ms(10, 1, cached_tokens=20, ttft_ms=1, ttft_p95_ms=1,
                           output_tokens_per_s=1, prefill_tokens_per_s=1)  # fmt: skip


def test_aggregator_routed_figures_are_corrected_by_the_hop() -> None:
    """claude-sonnet-5-5 is measured only through an aggregator (1,655 ms, JWOCT): less the
    hop of 337-544 ms (point 428.25 = median of 337 and median(495, 544))."""
    data = hosted_latency_data()
    hop = data.network.aggregator_hop_ms
    assert (hop.low, hop.point, hop.high) == (337.0, 428.25, 544.0)
    ttft = data.models["claude-sonnet-5-5"].ttft_ms
    assert (ttft.low, ttft.point, ttft.high) == (1655 - 544, 1655 - 428.25, 1655 - 337)
    # where direct-route figures exist, the aggregator rows are listed, not used
    sonnet = data.models["claude-sonnet-4-6"].ttft_ms
    unused = [e for e in sonnet.evidence if not e.used]
    assert unused and all("direct-route figures exist" in (e.note or "") for e in unused)
    assert (sonnet.low, sonnet.point, sonnet.high) == (740.0, 941.0, 1293.0)


def test_conflicting_sources_are_kept_as_a_range() -> None:
    """gpt-4.1-mini: 661 (24 h) and 769 ms (snapshot) vs 930 (AA) vs ~2,400 (n=3): both
    ends kept, the point their median (LATENCY.md section 9)."""
    ttft = hosted_latency_data().models["gpt-4.1-mini"].ttft_ms
    assert (ttft.low, ttft.point, ttft.high) == (661.0, (769 + 930) / 2, 2400.0)


def test_reasoning_defaults_and_efforts() -> None:
    gpt5 = hosted_latency(ModelSpec(name="gpt-5"))
    assert gpt5.reasoning.reasons_by_default and gpt5.reasoning.effort == "medium"
    tokens = gpt5.reasoning.tokens
    assert tokens.point is None and not tokens.found  # nothing published: no invented point
    assert (tokens.low, tokens.high) == (286.0, pytest.approx(22.99 * 108.1))
    with pytest.raises(ValueError, match="no central value"):
        gpt5.request_ms(100, 60)
    slow = gpt5.request_ms(100, 60, speed="slow")[0]
    assert slow > 22_000  # o3-like waits at the slow end
    mini = hosted_latency(ModelSpec(name="gpt-5.4-mini"))
    assert mini.reasoning.effort == "none" and mini.reasoning.tokens.point == 0
    high = hosted_latency(ModelSpec(name="gpt-5.4-mini", reasoning_effort="high"))
    assert high.reasoning.tokens.high == pytest.approx(21.945 * 161)
    measured = hosted_latency(ModelSpec(name="gpt-5", reasoning_tokens=400.0))
    assert measured.reasoning.tokens.point == 400.0
    assert hosted_latency(ModelSpec(name="claude-sonnet-4-6")).reasoning.tokens.high == 0


def test_cached_prefill_saving_by_provider() -> None:
    saving = hosted_latency_data().cached_prefill_saving
    assert (saving["OpenAI"].low, saving["OpenAI"].point, saving["OpenAI"].high) == (
        0.67, 0.67, 0.8)  # fmt: skip
    assert saving["Anthropic"].point == 0.83 and saving["Anthropic"].low == 0.47
    assert not saving["other"].found


# --------------------------------------------------------------------- your own figures


def test_a_spec_s_own_figures_win() -> None:
    spec = ModelSpec(name="gpt-5.4-mini", ttft_ms=400.0, output_tokens_per_s=150.0,
                     prefill_tokens_per_s=50_000.0)  # fmt: skip
    lat = hosted_latency(spec)
    assert (lat.ttft_ms.low, lat.ttft_ms.point, lat.ttft_ms.high) == (400.0, 400.0, 400.0)
    assert lat.ttft_p95_ms.point == pytest.approx(400 * 1.644)  # the class's tail ratio
    assert lat.output_tokens_per_s.point == 150.0
    assert lat.basis.startswith("your measurement: ttft_ms, output_tokens_per_s")
    both = hosted_latency(ModelSpec(name="x", ttft_ms=400.0, ttft_p95_ms=900.0))
    assert both.ttft_tail_ratio.point == pytest.approx(2.25)
    legacy = hosted_latency(ModelSpec(name="x", decode_tokens_per_s=80.0))
    assert legacy.output_tokens_per_s.point == 80.0  # decode_tokens_per_s keeps working


def test_spec_rejects_inconsistent_measurements() -> None:
    with pytest.raises(ValidationError, match="one figure"):
        ModelSpec(name="x", output_tokens_per_s=100.0, decode_tokens_per_s=90.0)
    with pytest.raises(ValidationError, match="never below the median"):
        ModelSpec(name="x", ttft_ms=500.0, ttft_p95_ms=400.0)
    with pytest.raises(ValidationError):
        ModelSpec(name="x", reasoning_effort="extreme")  # type: ignore[arg-type]
    ModelSpec(name="x", output_tokens_per_s=100.0, decode_tokens_per_s=100.0)


def test_a_malformed_latency_file_names_the_key() -> None:
    doc = _doc("hosted_latency.json")
    doc["models"]["gpt-5.4-mini"]["ttft_ms"]["lowe"] = 1.0
    with pytest.raises(
        DataFileError, match=r"hosted_latency\.json.*models\[gpt-5\.4-mini\]\.ttft_ms\.lowe"
    ):
        validate_data(HostedLatencyData, doc, "data/hosted_latency.json")


# --------------------------------------------------------------------- replicas under load


def test_load_factors_by_hand() -> None:
    """At 60% of the highest throughput: OCI between concurrency 32 (36.28%, 44.32 tok/s,
    160 ms) and 64 (58.51%, 35.74, 400), past its 64 point; NIM between 50 (60.07%) below."""
    speed, ttft, saturated = load_factors(0.5851)
    assert speed.low == pytest.approx(35.74 / 58.64)  # exactly OCI's concurrency-64 point
    assert ttft.high == pytest.approx(400 / 50)
    t = (0.5851 - 0.3505) / (0.6007 - 0.3505)  # NIM between concurrency 25 and 50
    nim_speed = 192.6782 + t * (169.2047 - 192.6782)
    assert speed.high == pytest.approx(nim_speed / 215.9827, rel=1e-6)
    assert not saturated
    assert load_factors(0.0)[0].point == 1.0
    assert load_factors(1.5)[2]  # past the highest measured throughput


def test_dedicated_latency_of_a_tuned_8b() -> None:
    idle = dedicated_latency(8.0, "H100 80GB", 0.0)
    assert idle.output_tokens_per_s.point == pytest.approx(1000 / 4.63, rel=1e-5)  # NIM ITL
    assert (idle.ttft_ms.low, idle.ttft_ms.high) == (6.5, 10.26)
    assert idle.setup == "7-8B on H100 80GB"
    lora = dedicated_latency(8.0, "H100 80GB", 0.0, lora="unmerged")
    assert lora.output_tokens_per_s.low == pytest.approx(215.9827 * 0.3693, rel=1e-4)
    l4 = dedicated_latency(8.0, "L4 24GB", 0.0)
    assert not l4.output_tokens_per_s.found and l4.output_tokens_per_s.point is None
    assert (l4.output_tokens_per_s.low, l4.output_tokens_per_s.high) == (25.0, 215.982721)
    big = dedicated_latency(70.0, None, 0.0)
    assert big.output_tokens_per_s.point == 58.64 and big.ttft_ms.point == 50.0
    assert not big.network_ms.found  # the client-to-endpoint network is not in the reference
