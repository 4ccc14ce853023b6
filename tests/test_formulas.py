"""Every formula on a case computed by hand (latency, features, sampling, decision arithmetic).

Golden files and the notebook show whole outputs; these tests pin each formula so that a
one-token change (an off-by-one, a swapped sign, a dropped correction) fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from strategy_advisor import DecisionPolicy, Strategy, recommend
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._catalog import default_catalog
from strategy_advisor._features import derive_features
from strategy_advisor._latency import estimate_latency, request_latency
from strategy_advisor._tokens.sampling import extrapolate_total, t975

from .helpers import TODAY, profile, spec

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


def _features(**kw: object):  # type: ignore[no-untyped-def]
    p = profile(**kw)
    assert not isinstance(p.icl_model, str) and not isinstance(p.ft_model, str)
    assert p.icl_model is not None and p.ft_model is not None
    return derive_features(
        p, p.icl_model, p.ft_model, assumptions=default_assumptions(), today=TODAY
    )


# ------------------------------------------------------------------------------ latency


def test_request_latency_by_hand() -> None:
    # 2,000-token prompt of which 1,000 cached (5x faster): 1,000 + 200 = 1,200 effective
    # tokens at 12,000 tok/s = 100 ms to first token; 60 output tokens at 40 tok/s = 1,500 ms
    ttft, total = request_latency(
        2000.0,
        1000.0,
        60.0,
        prefill_tokens_per_s=12_000.0,
        decode_tokens_per_s=40.0,
        cached_prefill_speedup=5.0,
    )
    assert ttft == pytest.approx(100.0)
    assert total == pytest.approx(1600.0)
    assert request_latency(None, 0.0, 1.0, prefill_tokens_per_s=1.0, decode_tokens_per_s=1.0,
                           cached_prefill_speedup=1.0) == (None, None)  # fmt: skip


OVERHEAD = default_catalog().latency_defaults.ttft_overhead_ms  # 7.88 ms, NIM's intercept


def test_both_strategies_latency_by_hand() -> None:
    # helpers: query 200, output 50, instructions 100, 10 shots of 250 -> prompt 2,800 with a
    # 2,600-token cached prefix; prefill 10,000 tok/s, decode 100 tok/s, speedup 5 (catalog),
    # plus the catalog's fixed TTFT overhead
    f = _features(latency_budget_ms=600.0)
    model = spec()
    lat = estimate_latency(f, model, model, defaults=default_catalog().latency_defaults)
    speedup = default_catalog().latency_defaults.cached_prefill_speedup
    icl_ttft = OVERHEAD + 1000 * ((2800 - 2600) + 2600 / speedup) / 10_000
    assert lat.in_context_learning.ttft_ms == pytest.approx(icl_ttft)
    assert lat.in_context_learning.total_ms == pytest.approx(icl_ttft + 500.0)
    assert lat.fine_tuning.ttft_ms == pytest.approx(OVERHEAD + 20.0)  # the query alone
    assert lat.fine_tuning.total_ms == pytest.approx(OVERHEAD + 520.0)
    assert lat.fine_tuning.within_budget is True
    assert lat.in_context_learning.within_budget is (icl_ttft + 500.0 <= 600.0)
    assert lat.fine_tuning.throughput_source == "model"


def test_a_latency_exactly_at_the_budget_is_within_it() -> None:
    f = _features(latency_budget_ms=520.0 + OVERHEAD)
    model = spec()
    lat = estimate_latency(f, model, model, defaults=default_catalog().latency_defaults)
    assert lat.fine_tuning.total_ms == pytest.approx(520.0 + OVERHEAD)
    assert lat.fine_tuning.within_budget is True


def test_missing_throughputs_come_from_the_catalog_default() -> None:
    f = _features()
    model = spec(prefill_tokens_per_s=None, decode_tokens_per_s=None)  # no size known
    defaults = default_catalog().latency_defaults
    lat = estimate_latency(f, model, model, defaults=defaults)
    assert lat.fine_tuning.prefill_tokens_per_s == defaults.prefill_tokens_per_s
    assert lat.fine_tuning.ttft_ms == pytest.approx(
        OVERHEAD + 1000 * 200 / defaults.prefill_tokens_per_s
    )
    assert lat.fine_tuning.throughput_source.startswith("catalog default")


def test_nim_time_to_first_token_worked_example() -> None:
    """NVIDIA NIM 1.8.0, Llama-3.3-70B FP8 on 2x H100, concurrency 1 (PRICING.md section 4;
    docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.md): a 500-token prompt's TTFT is
    47.77 ms, a 5,000-token prompt's 406.77 ms. The catalog's defaults are the slope,
    4,500 / 0.359 s = 12,535 prompt tokens/s, and the intercept, 47.77 - 500 / 12,535 s =
    7.88 ms: the latency model reproduces both."""
    d = default_catalog().latency_defaults
    assert d.prefill_tokens_per_s == 12_535
    assert d.ttft_overhead_ms == pytest.approx(7.88)
    for prompt, published in ((500.0, 47.77), (5000.0, 406.77)):
        ttft, _ = request_latency(
            prompt,
            0.0,
            1.0,
            prefill_tokens_per_s=d.prefill_tokens_per_s,
            decode_tokens_per_s=d.decode_tokens_per_s,
            cached_prefill_speedup=d.cached_prefill_speedup,
            ttft_overhead_ms=d.ttft_overhead_ms,
        )
        assert ttft == pytest.approx(published, abs=0.02)


def test_a_model_of_known_size_gets_its_size_s_speeds() -> None:
    """Finding 9: an 8B model on one H100 is not decoded at the 70B default. The measured
    max-throughput tables (PRICING.md section 4) give the ratios to the 70B-on-2-GPU setup
    the defaults come from: generation 22,714 / 6,651 = 3.415 (128 in / 2,048 out), prompt
    3,450 / 762 = 4.528 (2,048 in / 128 out): 53 x 3.415 = 181 tokens/s decode, 12,535 x
    4.528 = 56,750 tokens/s prefill."""
    f = _features()
    small = spec(kind="open_weights", params_b=8.0, prefill_tokens_per_s=None,
                 decode_tokens_per_s=None)  # fmt: skip
    defaults = default_catalog().latency_defaults
    lat = estimate_latency(f, small, small, defaults=defaults).fine_tuning
    assert lat.decode_tokens_per_s == pytest.approx(53 * 22_714 / 6_651)
    assert lat.prefill_tokens_per_s == pytest.approx(12_535 * 3_450 / 762)
    assert "scaled to 8B on 1 GPU" in lat.throughput_source
    # the catalog's own open models: fireworks/llama-v3p1-8b-instruct decodes at ~181/s
    cat = default_catalog()
    fw = cat.get("fireworks/llama-v3p1-8b-instruct")
    lat = estimate_latency(f, fw, fw, defaults=cat.latency_defaults).fine_tuning
    assert lat.decode_tokens_per_s == pytest.approx(181.0, abs=0.1)
    big = spec(kind="open_weights", params_b=70.0, prefill_tokens_per_s=None,
               decode_tokens_per_s=None)  # fmt: skip
    lat = estimate_latency(f, big, big, defaults=defaults).fine_tuning
    assert lat.decode_tokens_per_s == pytest.approx(53.0)  # the measured setup itself


# ------------------------------------------------------------------------------ display


def test_a_stable_task_shows_no_retraining_row_and_hit_rates_keep_their_decimals() -> None:
    """Finding 11: no 'retraining (0 runs) $0.00' row for a stable task; a 99.5% hit rate
    reads 99.5%, not 100%."""
    stable = recommend(profile(cache_hit_rate=0.995), today=TODAY)
    text = str(stable)
    assert "retraining (" not in text
    assert "99.5% hits" in text
    changing = recommend(profile(task_change_interval_days=30.0), today=TODAY)
    assert "retraining (12 runs)" in str(changing)


# ----------------------------------------------------------------------------- features


def test_prompt_and_context_arithmetic_by_hand() -> None:
    f = _features(n_classes=7)
    assert f.demo_tokens == 250  # query 200 + output 50
    assert f.icl_prefix_tokens == 100 + 10 * 250
    assert f.icl_prompt_tokens == 100 + 10 * 250 + 200
    assert f.icl_context_needed == 100 + 10 * 250 + 200 + 50
    # one demonstration per class plus the request itself: 100 + 200 + 50 + 7 x 250
    assert f.one_per_class_context_needed == 100 + 200 + 50 + 7 * 250
    assert f.ft_context_needed == 250
    assert f.horizon_days == pytest.approx(12 * default_assumptions().get("days_per_month"))


def test_chosen_shots_fill_exactly_the_room_left_in_the_context() -> None:
    # window 1,600: fixed 100 + 200 + 50 = 350 leaves 1,250 = exactly 5 demonstrations of 250
    f = _features(icl_shots=None, icl_model=spec(context_window=1600))
    assert f.icl_shots == 5 and f.icl_shots_chosen
    assert f.icl_context_needed == 1600
    g = _features(icl_shots=None, icl_model=spec(context_window=1599))
    assert g.icl_shots == 4


def test_default_shots_cover_every_class_up_to_the_cap() -> None:
    a = default_assumptions()
    base, cap = int(a.get("default_icl_shots")), int(a.get("max_icl_shots"))
    assert _features(icl_shots=None, n_classes=2).icl_shots_wanted == base
    assert _features(icl_shots=None, n_classes=base + 3).icl_shots_wanted == base + 3
    assert _features(icl_shots=None, n_classes=cap + 50).icl_shots_wanted == cap
    assert _features(icl_shots=None, n_labeled_examples=3).icl_shots == 3


def test_a_prefix_is_cached_only_at_or_above_the_minimum() -> None:
    at = _features(icl_model=spec(min_cacheable_tokens=2600))
    above = _features(icl_model=spec(min_cacheable_tokens=2601))
    assert at.icl_prefix_cached is True
    assert at.icl_cached_tokens == pytest.approx(2600 * at.icl_cache_hit_rate)
    assert above.icl_prefix_cached is False and above.icl_cached_tokens == 0
    none = _features(icl_model=spec(cached_input_usd_per_mtok=None))
    assert none.icl_prefix_cached is False


def test_shutdown_share_of_the_horizon() -> None:
    # 2027-05-27 is 181 days after 2026-11-27; the horizon is 12 x 30.4375 = 365.25 days
    f = _features(ft_model=spec(shutdown_date="2027-05-27"))
    assert f.ft_shutdown_in_days == 181
    assert f.ft_shutdown_share_of_horizon == pytest.approx(181 / 365.25)


# ----------------------------------------------------------------------------- sampling


def test_t_quantiles_match_the_published_table() -> None:
    # Student's t, two-sided 95% (e.g. NIST/SEMATECH e-Handbook table of t)
    for df, value in ((1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042), (100, 1.984)):
        assert t975(df) == pytest.approx(value, abs=1e-3)


def test_extrapolated_total_uses_the_finite_population_correction() -> None:
    x = np.array([10.0, 20.0, 30.0, 40.0])  # mean 25, sd 12.910
    n = 10
    sd = math.sqrt(((15**2) * 2 + (5**2) * 2) / 3)
    half = t975(3) * sd / math.sqrt(4) * math.sqrt((10 - 4) / (10 - 1))
    e = extrapolate_total(x, n)
    assert e.total == pytest.approx(250.0)
    assert e.half_width_per_item == pytest.approx(half)
    assert e.ci95 == pytest.approx((max(10 * (25 - half), 100.0), 10 * (25 + half)))
    # sampling everything leaves no uncertainty
    assert extrapolate_total(x, 4).half_width_per_item == 0.0


# ----------------------------------------------------------------------------- decision


def test_cost_term_by_hand_with_the_same_floor_on_both_sides() -> None:
    # -k ln((C_ft + floor) / (C_icl + floor)), k = logit(0.75) / ln 2 = ln 3 / ln 2
    policy = DecisionPolicy.default()
    a = recommend(profile(requests_per_month=10_000.0), today=TODAY, policy=policy)
    ft_total = a.costs[FT].total_usd
    icl_total = a.costs[ICL].total_usd
    assert ft_total is not None and icl_total is not None
    floor = policy.cost_floor_usd
    expected = math.log((ft_total + floor) / (icl_total + floor))
    assert a.score.cost_log_ratio == pytest.approx(expected)
    k = math.log(policy.likely_win_probability / (1 - policy.likely_win_probability)) / math.log(
        policy.cost_multiple_for_likely_win
    )
    assert a.score.cost_term == pytest.approx(-k * expected)
    assert policy.cost_weight == pytest.approx(math.log(3) / math.log(2))
