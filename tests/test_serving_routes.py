"""Serving routes for a tuned model (data/gpu_offers.json, data/gpu_memory.json): GPU
prices by kind, memory fit by hand, scale-to-zero, per-token LoRA offers, multi-LoRA."""

from __future__ import annotations

import pytest

from strategy_advisor._errors import ParameterError
from strategy_advisor._gpu_memory import (
    fit_on_gpu,
    gpu_memory_data,
    kv_cache_bytes_per_token,
    smallest_gpus_that_fit,
    throughput_tables,
    weights_gib,
)
from strategy_advisor._gpu_offers import (
    cold_start_seconds,
    gpu_hourly_price,
    gpu_offers,
    gpu_offers_data,
    lora_per_token_offers,
    multi_lora,
    scale_to_zero_offers,
)

GIB = 2**30
KV_8B = 32 * 8 * 128 * 2 * 2  # layers x KV heads x head dim x (K, V) x 2 bytes


# --------------------------------------------------------------------------- memory fit


def test_kv_bytes_and_weights_by_hand() -> None:
    assert kv_cache_bytes_per_token("meta-llama/Llama-3.1-8B-Instruct") == KV_8B == 131_072
    assert kv_cache_bytes_per_token("together/mistral-7b-instruct-v0.3") == KV_8B
    assert kv_cache_bytes_per_token("qwen2.5-7b") is None  # architecture not in the reference
    assert weights_gib(8.0) == pytest.approx(8e9 * 2 / GIB)  # 14.90 (vLLM measured 14.99)
    assert weights_gib(8.0, "4-bit") == pytest.approx(8e9 * 0.5 / GIB)


def test_the_vllm_measurement_reproduces() -> None:
    """GPU.md 2b: Llama-3.1-8B BF16 on a 23.58 GiB card at utilisation 0.90 kept 3.81 GiB of
    KV cache (1,952 blocks = 31,232 tokens) at max_model_len 20,000 and 2.89 at 29,000; what
    vLLM held besides is the overhead the fit subtracts."""
    data = gpu_memory_data()
    ref = data.vllm_reference
    overhead = data.non_kv_overhead_gib
    assert overhead.low == pytest.approx(23.58 * 0.90 - 14.9888 - 3.81)  # 2.4232
    assert overhead.high == pytest.approx(23.58 * 0.90 - 14.9888 - 2.89)  # 3.3432
    assert ref.kv_tokens_at_20000 == pytest.approx(3.81 * GIB / KV_8B, rel=0.001)  # 31,232


def test_a_tuned_8b_fits_one_l4_at_16_bit() -> None:
    """An L4 reports 22,888 MiB (22.35 GiB; the AWS console says 22): 0.90 of it, less
    14.90 GiB of weights and 2.42-3.34 GiB of overhead, leaves ~1.6-2.8 GiB for KV cache,
    ~13k-23k tokens in flight. GPU.md 2b's 24 GB-class 2.89-3.81 GiB were measured on a
    23.58 GiB card: 'L4/A10G expose ~22 GiB, so roughly 1 GiB ~ 8k tokens less'."""
    fit = fit_on_gpu("L4 24GB", 8.0, kv_bytes_per_token=KV_8B)
    weights = 8e9 * 2 / GIB
    low = 22.0 * 0.9 - weights - 3.3432
    point = (22.0 + 22888 / 1024) / 2 * 0.9 - weights - 2.8832
    high = 22888 / 1024 * 0.9 - weights - 2.4232
    assert (fit.kv_left_gib.low, fit.kv_left_gib.point, fit.kv_left_gib.high) == pytest.approx(
        (low, point, high), abs=1e-4)  # fmt: skip
    assert 1.5 < low < point < high < 2.9
    assert fit.fits and fit.fits_worst_case and fit.precision_admissible
    assert fit.kv_tokens is not None
    assert fit.kv_tokens.point == pytest.approx(point * GIB / KV_8B, rel=1e-4)  # ~17,800
    assert fit_on_gpu("L4", 8.0, kv_tokens_needed=17_000, kv_bytes_per_token=KV_8B).fits
    assert not fit_on_gpu("L4", 8.0, kv_tokens_needed=25_000, kv_bytes_per_token=KV_8B).fits
    assert not fit_on_gpu("T4 16GB", 8.0).fits  # 16 GiB x 0.9 < 14.9 GiB + overhead


def test_smallest_gpus_that_fit_in_order() -> None:
    fits = smallest_gpus_that_fit(8.0, 16_000, kv_bytes_per_token=KV_8B)
    assert [f.gpu for f in fits][:2] == ["A10G 24GB", "L4 24GB"]  # 22 GiB, then 22.18
    usable = [f.usable_gib.point for f in fits]
    assert usable == sorted(usable)
    assert "T4 16GB" not in {f.gpu for f in fits}
    bigger = smallest_gpus_that_fit(8.0, 40_000, kv_bytes_per_token=KV_8B)
    assert bigger[0].gpu == "A100 40GB"  # no 24 GB card holds 40k tokens
    # 70B at 16-bit is 130.4 GiB of weights: no single GPU, nor two H100s (2 x 74.5 x 0.9 =
    # 134.1 GiB less 2 x 2.88 of overhead); the reference serves it in FP8 on 2 x H100
    assert smallest_gpus_that_fit(70.0, 0) == ()
    assert "H100 80GB" not in {f.gpu for f in smallest_gpus_that_fit(70.0, 0, gpus=2)}
    assert "H100 80GB" in {f.gpu for f in smallest_gpus_that_fit(70.0, 0, gpus=4)}


def test_undocumented_precisions_are_not_admissible() -> None:
    with pytest.raises(ParameterError, match="'8-bit' is not admissible"):
        smallest_gpus_that_fit(8.0, 1000, "8-bit", kv_bytes_per_token=KV_8B)
    quantised = smallest_gpus_that_fit(8.0, 1000, "4-bit", kv_bytes_per_token=KV_8B,
                                       allow_undocumented_precision=True)  # fmt: skip
    assert quantised[0].gpu.endswith("16GB") and not quantised[0].precision_admissible
    with pytest.raises(ParameterError, match="kv_bytes_per_token is needed"):
        fit_on_gpu("L4", 8.0, kv_tokens_needed=100)


def test_throughput_tables_have_the_serving_json_shape() -> None:
    tables = throughput_tables()
    assert {t.gpu for t in tables} == {"L40S 48GB", "A100 (memory size not stated)"}
    for table in tables:
        assert len(table.points) == 4 and table.gpus == 1
        assert all(len(p) == 3 for p in table.points)
    mistral_l40s = next(t for t in tables if t.model == "Mistral 7B" and t.gpu == "L40S 48GB")
    assert mistral_l40s.points[0] == (128, 128, 9562) and mistral_l40s.precision == "FP8"


# --------------------------------------------------------------------------- prices


def test_gpu_prices_by_kind() -> None:
    l4 = gpu_hourly_price("L4")
    assert l4 is not None and (l4.low, l4.point, l4.high) == (0.7, 0.8048, 0.8048)
    larger_host = [o for o in gpu_offers("L4", "on_demand") if not o.in_range]
    assert [o.usd_per_gpu_hour for o in larger_host] == [1.5392]  # gr6.4xlarge: left out
    low_authority = [o for o in gpu_offers("L4", "on_demand") if o.low_authority]
    assert [o.provider for o in low_authority] == ["Google Cloud"]  # widens the range only
    modal = next(o for o in gpu_offers("L4", "serverless") if o.provider == "Modal")
    assert modal.usd_per_gpu_hour == pytest.approx(0.000222 * 3600)
    assert modal.scales_to_zero and "per second" in modal.billing
    aws = next(o for o in gpu_offers("A10G 24GB", "on_demand") if o.provider == "AWS")
    assert aws.billing.startswith("per second, 60 s minimum")
    a100 = gpu_hourly_price("A100 40GB")
    assert a100 is not None and a100.evidence[0].arithmetic is not None  # 21.957642 / 8
    assert gpu_hourly_price("L4", "historical") is None


def test_every_offer_is_sourced_and_dated() -> None:
    data = gpu_offers_data()
    for offer in data.offers:
        assert offer.source in data.sources, offer.product
        assert offer.measured_on and offer.billing
    assert {o.kind for o in data.offers} >= {
        "on_demand",
        "spot",
        "serverless",
        "reserved",
        "serverless_active",
        "managed_endpoint",
    }


def test_unknown_and_ambiguous_gpus_say_so() -> None:
    with pytest.raises(ParameterError, match="ambiguous"):
        gpu_hourly_price("A100")
    with pytest.raises(ParameterError, match="unknown GPU 'L5'"):
        gpu_offers("L5")


# --------------------------------------------------------------------------- routes


def test_scale_to_zero_offers_for_an_l4() -> None:
    offers = {o.provider: o for o in scale_to_zero_offers("L4")}
    assert set(offers) == {"Modal", "RunPod Serverless", "Hugging Face Inference Endpoints"}
    runpod = offers["RunPod Serverless"]
    assert runpod.idle_timeout_s == 5 and runpod.prices[0].usd_per_gpu_hour == 0.684
    assert offers["Hugging Face Inference Endpoints"].idle_timeout_s == 3600
    cold = cold_start_seconds()
    assert (cold.low, cold.point, cold.high) == (70.0, 294.0, 600.0)  # 61+33+10+42+54+94 s
    assert cold_start_seconds("Modal").high == 460.0
    assert not cold_start_seconds("Replicate").found


def test_per_token_lora_offers() -> None:
    """Serverless per-token LoRA for an open 8B base: none to price by default (GPU.md 3)."""
    assert lora_per_token_offers("Llama-3.1-8B", priced_only=True) == ()
    fireworks = lora_per_token_offers("GLM 5.3 Flash")[0]
    assert fireworks.status == "preview" and "not an offer to price" in fireworks.why
    deepinfra = next(o for o in lora_per_token_offers() if o.provider == "DeepInfra")
    assert deepinfra.multiplier == 1.5 and deepinfra.bases is None


def test_multi_lora_capacity() -> None:
    m = multi_lora()
    penalty = m.many_adapter_penalty
    assert (penalty.low, penalty.high) == pytest.approx((1 - 7.61 / 8.05, 1 - 6.71 / 7.48),
                                                        abs=1e-4)  # fmt: skip
    adapters = {c.system: c.adapters for c in m.capacity}
    assert adapters["LoRAX"] == 1024 and adapters["S-LoRA (A100 80GB)"] == 2000
