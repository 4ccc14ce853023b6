"""Latency formulas by hand: the cases mutation testing found unguarded (docs/mutation.md).

The profile is the helpers' (query 200, output 50, instructions 100, 10 shots: a 2,600-token
prefix and a 2,800-token prompt) served by ``spec()`` (prefill 10,000 tok/s, decode 100 tok/s).
The catalog defaults are pinned here (8,000 and 40 tok/s, a cached prefix 4x faster) so that
the hand arithmetic does not follow the shipped data; a fixed time to first token, when the
catalog states one, is added to every per-request figure.
"""

from __future__ import annotations

import pytest

from strategy_advisor import Strategy
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._catalog import LatencyDefaults, ModelSpec, default_catalog
from strategy_advisor._features import TaskFeatures, derive_features
from strategy_advisor._latency import (
    LatencyComparison,
    estimate_latency,
    prompted_total_ms,
    request_latency,
)

from .helpers import TODAY, offer, profile, spec

DEFAULTS: LatencyDefaults = default_catalog().latency_defaults.model_copy(
    update={
        "prefill_tokens_per_s": 8_000.0,
        "decode_tokens_per_s": 40.0,
        "cached_prefill_speedup": 4.0,
    }
)
# the part of the time to first token that does not grow with the prompt (0 when not stated)
OVERHEAD: float = getattr(DEFAULTS, "ttft_overhead_ms", 0.0)


def _features(**kw: object) -> TaskFeatures:
    p = profile(**kw)
    assert isinstance(p.icl_model, ModelSpec) and isinstance(p.ft_model, ModelSpec)
    return derive_features(
        p, p.icl_model, p.ft_model, assumptions=default_assumptions(), today=TODAY
    )


def _latency(f: TaskFeatures, model: ModelSpec | None = None, **kw: bool) -> LatencyComparison:
    m = model or spec()
    return estimate_latency(f, m, m, defaults=DEFAULTS, **kw)


# --------------------------------------------------------------------- request_latency


@pytest.mark.parametrize("missing", ["prompt", "cached", "output"])
def test_any_unknown_length_gives_no_latency(missing: str) -> None:
    lengths = {"prompt": 100.0, "cached": 0.0, "output": 10.0} | {missing: None}
    assert request_latency(
        lengths["prompt"],
        lengths["cached"],
        lengths["output"],
        prefill_tokens_per_s=1_000.0,
        decode_tokens_per_s=10.0,
        cached_prefill_speedup=2.0,
    ) == (None, None)


# ------------------------------------------------------------ the prefix at the p95 request


def test_a_prefix_hit_by_95_percent_of_requests_counts_as_cached() -> None:
    # effective prompt 200 + 2,600 / 4 = 850 tokens at 10,000 tok/s = 85 ms;
    # 50 output tokens at 100 tok/s = 500 ms, total 585 ms (within a 600 ms budget)
    lat = _latency(_features(cache_hit_rate=0.95, latency_budget_ms=600.0))
    icl = lat.in_context_learning
    assert icl.ttft_ms == pytest.approx(OVERHEAD + 85.0, rel=1e-12)
    assert icl.total_ms == pytest.approx(OVERHEAD + 585.0, rel=1e-12)
    assert icl.basis == "cached prefix"
    assert icl.within_budget is (OVERHEAD + 585.0 <= 600.0)
    assert lat.budget_ms == 600.0


@pytest.mark.parametrize("hit", [0.94, 0.0])
def test_a_prefix_hit_less_often_is_a_miss_at_the_p95_request(hit: float) -> None:
    # the whole 2,800-token prompt at 10,000 tok/s = 280 ms, total 280 + 500 = 780 ms
    icl = _latency(_features(cache_hit_rate=hit)).in_context_learning
    assert icl.ttft_ms == pytest.approx(OVERHEAD + 280.0, rel=1e-12)
    assert icl.total_ms == pytest.approx(OVERHEAD + 780.0, rel=1e-12)
    assert icl.basis == "uncached prefix"


def test_a_prefix_too_short_to_cache_is_read_in_full() -> None:
    # 2,600-token prefix below a 5,000-token minimum: 280 ms to first token, as a miss
    model = spec(min_cacheable_tokens=5_000)
    icl = _latency(_features(icl_model=model), model).in_context_learning
    assert icl.ttft_ms == pytest.approx(OVERHEAD + 280.0, rel=1e-12)
    assert icl.basis == "uncached prefix"


def test_a_prompt_without_a_prefix_reads_only_the_query() -> None:
    # no instructions and no demonstrations: the 200-token query, 20 ms, total 520 ms
    icl = _latency(_features(instruction_tokens=0.0, icl_shots=0)).in_context_learning
    assert icl.ttft_ms == pytest.approx(OVERHEAD + 20.0, rel=1e-12)
    assert icl.total_ms == pytest.approx(OVERHEAD + 520.0, rel=1e-12)
    assert icl.basis == "no prefix"


def test_unknown_token_lengths_give_unknown_latency_for_both() -> None:
    lat = _latency(
        _features(avg_input_tokens=None, avg_output_tokens=None, latency_budget_ms=600.0)
    )
    for one in (lat.fine_tuning, lat.in_context_learning):
        assert (one.ttft_ms, one.total_ms, one.within_budget) == (None, None, None)
    assert lat.in_context_learning.basis == "no prefix"


# ------------------------------------------------------------------------ throughputs


def test_a_model_missing_one_throughput_takes_that_one_from_the_defaults() -> None:
    # prefill 10,000 tok/s is the model's, decode is the default 40 tok/s:
    # tuned model 200 / 10,000 = 20 ms, + 50 / 40 = 1,250 ms, total 1,270 ms
    model = spec(decode_tokens_per_s=None)
    ft = _latency(_features(ft_model=model, icl_model=model), model).fine_tuning
    assert (ft.prefill_tokens_per_s, ft.decode_tokens_per_s) == (10_000.0, 40.0)
    assert ft.total_ms == pytest.approx(OVERHEAD + 1_270.0, rel=1e-12)
    assert ft.throughput_source != "model"
    assert "catalog default" in ft.throughput_source


def test_a_model_with_only_a_decode_figure_keeps_it_and_names_both_sources() -> None:
    # no size to scale by: prefill is the default 8,000 tok/s, decode the model's own 100
    model = spec(prefill_tokens_per_s=None)
    ft = _latency(_features(ft_model=model, icl_model=model), model).fine_tuning
    assert (ft.prefill_tokens_per_s, ft.decode_tokens_per_s) == (8_000.0, 100.0)
    assert ft.throughput_source == f"model and catalog default: {DEFAULTS.source}"


def test_a_sized_model_keeps_its_own_decode_figure() -> None:
    # 8B with a stated 100 tok/s decode: only prefill is scaled from the defaults
    model = spec(prefill_tokens_per_s=None, params_b=8.0)
    ft = _latency(_features(ft_model=model, icl_model=model), model).fine_tuning
    assert ft.decode_tokens_per_s == 100.0
    assert ft.prefill_tokens_per_s != 8_000.0  # scaled by the measured tables
    assert "from the catalog default" in ft.throughput_source


def test_the_tuned_model_runs_on_its_offers_gpus_the_prompted_on_its_sizes() -> None:
    # an 8B model needs 1 GPU (the replica rule); the tuned offer serves it on 4
    model = spec(
        prefill_tokens_per_s=None,
        decode_tokens_per_s=None,
        params_b=8.0,
        fine_tuning=offer(gpus_per_replica=4),
    )
    lat = _latency(_features(ft_model=model, icl_model=model), model)
    assert lat.fine_tuning.throughput_source.startswith("scaled to 8B on 4 GPUs ")
    assert lat.in_context_learning.throughput_source.startswith("scaled to 8B on 1 GPU ")


# ----------------------------------------------------------------------------- batch


def _windows(**kw: object) -> TaskFeatures:
    # batch turnarounds of 24 h (prompted model's provider) and 1 h (tuned model's)
    f = _features(**kw)
    return f.model_copy(update={"icl_batch_window_hours": 24.0, "ft_batch_window_hours": 1.0})


def test_requests_are_answered_one_by_one_unless_priced_at_batch_rates() -> None:
    # known windows change nothing by themselves: tuned 20 + 500 ms, prompted 280 + 500 ms
    lat = _latency(_windows(cache_hit_rate=0.0))
    assert lat.fine_tuning.total_ms == pytest.approx(OVERHEAD + 520.0, rel=1e-12)
    assert lat.in_context_learning.total_ms == pytest.approx(OVERHEAD + 780.0, rel=1e-12)
    assert (lat.fine_tuning.basis, lat.in_context_learning.basis) == (
        "no prefix",
        "uncached prefix",
    )


def test_a_batched_prompt_is_answered_within_its_batch_window() -> None:
    # 24 h x 3,600,000 ms/h = 86,400,000 ms, first token and last alike
    lat = _latency(_windows(latency_budget_ms=86_400_000.0), icl_batched=True)
    icl, ft = lat.in_context_learning, lat.fine_tuning
    assert (icl.ttft_ms, icl.total_ms) == (86_400_000.0, 86_400_000.0)
    assert icl.basis == "batch window"
    assert icl.within_budget is True  # exactly at the budget
    assert ft.total_ms == pytest.approx(OVERHEAD + 520.0, rel=1e-12)  # not batched
    assert ft.basis == "no prefix"


def test_a_batched_tuned_model_is_answered_within_its_batch_window() -> None:
    # 1 h = 3,600,000 ms, over a 600 ms budget
    lat = _latency(_windows(latency_budget_ms=600.0), ft_batched=True)
    ft, icl = lat.fine_tuning, lat.in_context_learning
    assert (ft.ttft_ms, ft.total_ms) == (3_600_000.0, 3_600_000.0)
    assert ft.basis == "batch window"
    assert ft.within_budget is False
    assert icl.basis != "batch window"
    assert icl.total_ms is not None and icl.total_ms < 3_600_000.0


def test_batched_without_a_known_window_is_answered_one_by_one() -> None:
    lat = _latency(_features(), icl_batched=True, ft_batched=True)
    assert lat.fine_tuning.total_ms == pytest.approx(OVERHEAD + 520.0, rel=1e-12)
    assert lat.fine_tuning.basis == "no prefix"


def test_for_strategy_picks_that_strategys_estimate() -> None:
    lat = _latency(_features())
    assert lat.for_strategy(Strategy.FINE_TUNING) is lat.fine_tuning
    assert lat.for_strategy(Strategy.IN_CONTEXT_LEARNING) is lat.in_context_learning
    assert lat.fine_tuning.strategy is Strategy.FINE_TUNING


# ------------------------------------------------------------------ prompted_total_ms


def test_the_planners_prompted_time_uses_the_models_throughput_and_the_overhead() -> None:
    # the whole 2,800-token prompt (no hit) at the model's 10,000 tok/s = 280 ms, + 50 output
    # tokens at its 100 tok/s = 500 ms, + a 100 ms fixed overhead = 880 ms (the defaults'
    # 8,000 and 40 tok/s would give 350 + 1,250 ms; no overhead, 780 ms)
    defaults = DEFAULTS.model_copy(update={"ttft_overhead_ms": 100.0})
    f = _features(cache_hit_rate=0.0)
    assert prompted_total_ms(f, spec(), defaults=defaults) == pytest.approx(880.0, rel=1e-12)
    # the same figure estimate_latency reports for the prompted strategy
    icl = estimate_latency(f, spec(), spec(), defaults=defaults).in_context_learning
    assert icl.total_ms == pytest.approx(880.0, rel=1e-12)
