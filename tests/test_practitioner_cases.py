"""The five situations of issue 16, each from a hand-worked case: the latency of a hosted
call from the catalog's measured figures; contract extraction and code completion decided
by cost and quality, not by a latency default; no fine-tuning without examples; a
300-class task with 20 examples; a tuned 8B model at low volume served on its cheapest
route."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from strategy_advisor import Recommendation, Strategy, TaskProfile, recommend
from strategy_advisor._gpu_offers import cold_start_seconds, scale_to_zero_offers

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
TODAY = dt.date(2026, 12, 1)
SECONDS_PER_MONTH = 30.4375 * 86_400

# gpt-5.4-mini's figures in data/hosted_latency.json (LATENCY.md): the OpenAI mini/nano
# class's median first token 650.5 ms and TTFT p95/p50 1.644; its own measured output speed
# 170.9 tokens/s and prefill 118,440.5 tokens/s beyond a 1,000-token short prompt; the
# end-to-end tail 1.17 of the token-proportional part; no hidden reasoning (effort none).
TTFT, TAIL, SPEED, PREFILL, SHORT, E2E = 650.5, 1.644, 170.9, 118_440.5, 1_000.0, 1.17


def _hosted(prompt: float, output: float) -> tuple[float, float]:
    """(median, p95) of one gpt-5.4-mini call by hand, nothing cached."""
    prefill = 1000.0 * max(0.0, prompt - SHORT) / PREFILL
    decode = 1000.0 * output / SPEED
    return TTFT + prefill + decode, TTFT * TAIL + (prefill + decode) * E2E


def _rec(**kw: object) -> Recommendation:
    return recommend(TaskProfile.model_validate(kw), today=TODAY)


def test_a_hosted_call_takes_what_its_measurements_say() -> None:
    # 100 tokens in, 60 out, no demonstrations (no examples): 650.5 + 60 / 170.9 s
    # = 650.5 + 351.08 = 1,001.6 ms median, inside the published 0.8-1.2 s for such a call;
    # p95 = 650.5 x 1.644 + 351.08 x 1.17 = 1,069.4 + 410.8 = 1,480.2 ms
    rec = _rec(task_type="knowledge_qa", n_labeled_examples=0, avg_input_tokens=100,
               avg_output_tokens=60, requests_per_month=10_000, icl_model="gpt-5.4-mini",
               ft_model="together/llama-3.1-8b-instruct-turbo")  # fmt: skip
    median, p95 = _hosted(100, 60)
    assert median == pytest.approx(1_001.6, abs=0.1)
    assert p95 == pytest.approx(1_480.2, abs=0.1)
    lat = rec.latency[ICL]
    assert lat.median_ms == pytest.approx(median, rel=1e-6)
    assert lat.p95_ms == pytest.approx(p95, rel=1e-6)
    assert "measured: gpt-5.4-mini" in lat.throughput_source


CONTRACTS = dict(
    task_type="extraction", n_labeled_examples=800, avg_input_tokens=6_000,
    avg_output_tokens=300, latency_budget_ms=3_000, requests_per_month=50_000,
    icl_model="gpt-5.4-mini", ft_model="fireworks/llama-v3p1-8b-instruct",
)  # fmt: skip


def test_contract_extraction_is_decided_by_cost_and_quality_not_a_latency_default() -> None:
    # 6,000 tokens in: 5,000 beyond the short prompt at 118,440.5/s = 42.2 ms; 300 out at
    # 170.9/s = 1,755.4 ms: median 650.5 + 42.2 + 1,755.4 = 2,448.1 ms (the old default
    # said 6,195 ms); p95 = 1,069.4 + 1,797.6 x 1.17 = 3,172.6 ms, just over the 3 s budget
    rec = _rec(**CONTRACTS)
    median, p95 = _hosted(6_000, 300)
    assert median == pytest.approx(2_448.1, abs=0.1)
    assert p95 == pytest.approx(3_172.6, abs=0.1)
    lat = rec.latency[ICL]
    assert lat.p95_ms == pytest.approx(p95, rel=1e-6)
    # an estimate near the budget is a probability, not a verdict
    assert lat.within_budget_probability is not None
    assert 0.05 < lat.within_budget_probability < 0.95
    assert rec.score.decided_by == "score"
    assert not [r for r in rec.reasons if r.kind == "infeasible"]
    cost = next(r for r in rec.reasons if r.code == "cost-comparison")
    assert cost.decisive and cost.favors is rec.strategy is ICL
    # prompting costs a tenth of fine-tuning here; the verdict follows the score's sign
    assert rec.costs[ICL].total_usd < rec.costs[FT].total_usd / 5
    assert (rec.score.total > 0) == (rec.strategy is FT)


def test_code_completion_with_15_examples_is_decided_by_cost_and_quality() -> None:
    # 400 in (under the short prompt), 60 out: median 1,001.6 ms, p95 1,480.2 ms against an
    # 800 ms budget: prompting very likely misses it, and the reason says so with the
    # probability; fine-tuning 15 examples is likely worse and costs many times more
    rec = _rec(task_type="code", n_labeled_examples=15, avg_input_tokens=400,
               avg_output_tokens=60, latency_budget_ms=800, requests_per_month=200_000,
               icl_model="gpt-5.4-mini", ft_model="fireworks/llama-v3p1-8b-instruct")  # fmt: skip
    lat = rec.latency[ICL]
    assert lat.p95_ms == pytest.approx(_hosted(400, 60)[1], rel=1e-6)
    assert lat.within_budget_probability is not None and lat.within_budget_probability < 0.05
    latency = next(r for r in rec.reasons if r.code == "feasibility-latency")
    assert "Prompting meets it with probability 1%" in latency.message
    assert rec.strategy is ICL
    assert rec.score.decided_by == "score"
    decisive = {r.code for r in rec.reasons if r.decisive}
    assert {"cost-comparison", "quality-estimate"} <= decisive
    assert rec.quality.p_fine_tuning_better < 0.5


@pytest.mark.parametrize("task_type", ["classification", "extraction", "knowledge_qa", "code"])
@pytest.mark.parametrize("volume", [100, 1e6, 1e9])
def test_no_labeled_examples_never_fine_tunes(task_type: str, volume: float) -> None:
    kw: dict[str, object] = dict(task_type=task_type, n_labeled_examples=0,
                                 avg_input_tokens=500, avg_output_tokens=50,
                                 requests_per_month=volume, latency_budget_ms=200)  # fmt: skip
    if task_type == "classification":
        kw["n_classes"] = 5
    rec = _rec(**kw)
    assert rec.strategy is ICL
    assert any(r.decisive and r.code == "no-labeled-examples" for r in rec.reasons)


def test_300_classes_with_20_examples_do_not_need_300_demonstrations() -> None:
    # one demonstration per class needs an example of each class: with 20 examples there are
    # at most 20 to show, so the context cannot be overflowed by 300 of them
    rec = _rec(task_type="classification", n_classes=300, n_labeled_examples=20,
               avg_input_tokens=100, avg_output_tokens=5, requests_per_month=10_000,
               icl_model="gpt-5.4-mini",
               ft_model="together/llama-3.1-8b-instruct-turbo")  # fmt: skip
    fired = {o.code for o in rec.trace if o.status == "fired"}
    assert "one-demo-per-class-overflows-context" not in fired
    assert rec.score.decided_by == "score"
    # the same rule does fire when the examples exist and 300 demonstrations overflow
    many = _rec(task_type="classification", n_classes=300, n_labeled_examples=3_000,
                avg_input_tokens=2_000, avg_output_tokens=5, requests_per_month=10_000,
                icl_model="gpt-5.4-mini",
               ft_model="together/llama-3.1-8b-instruct-turbo")  # fmt: skip
    assert "one-demo-per-class-overflows-context" in {
        o.code for o in many.trace if o.status == "fired"
    }


def test_a_tuned_8b_model_at_low_volume_is_served_on_its_cheapest_route() -> None:
    # 100 requests a month: not a dedicated H100 ($8/h at Fireworks) but a RunPod worker on
    # an L40S. Always on at $1.332/h: 1.332 x 24 x 30.4375 x 12 = $11,675.52 a year, the
    # cheapest route whose requests answer in time when no latency budget is given
    kw: dict[str, object] = dict(
        task_type="classification", n_classes=4, n_labeled_examples=500, avg_input_tokens=200,
        avg_output_tokens=5, requests_per_month=100, icl_model="gpt-5.4-mini",
        ft_model="fireworks/llama-v3p1-8b-instruct",
    )  # fmt: skip
    rec = _rec(**kw)
    ft = rec.costs[FT]
    assert ft.serving.mode == "endpoint" and "always-on" in ft.serving.route
    assert ft.hosting_usd == pytest.approx(1.332 * 24 * 30.4375 * 12)
    chosen = next(a for a in ft.alternatives if a.chosen)
    others = [a for a in ft.alternatives if not a.chosen and a.total_usd is not None]
    assert len(others) >= 4 and any("dedicated" in a.route for a in others)
    # the one cheaper route is the worker that scales to zero, passed over: its requests
    # wait minutes for a cold start
    cheaper = [a for a in others if a.total_usd < chosen.total_usd]
    assert [a.route for a in cheaper] == ["RunPod Serverless scale-to-zero worker on 1x L40S 48GB"]
    assert "wait for a cold start" in cheaper[0].note
    assert chosen.note == "chosen: the cheapest that answers in time"

    # the same work declared offline (allow_batch): the scale-to-zero worker. It stops 5 s
    # after its last request and bills from start to stop; a restart takes c = 294 s (a
    # vLLM 7-8B server measured anywhere, 70-600). Requests at random at lambda = 100 /
    # 2,629,800 s: a cycle is down 1/lambda, a cold start c, then up until a 5 s gap, so it
    # is down a share d = 1 / (exp(5 lambda) + lambda c) = 1 / (1.00019 + 0.01118) and billed
    # 1 - d = 1.124%; the
    # requests arriving while it is down or starting, (1 + lambda c) d, wait for a restart
    offline = _rec(**kw, allow_batch=True).costs[FT]
    assert "scale-to-zero" in offline.serving.route
    offer = next(o for o in scale_to_zero_offers("L40S 48GB") if o.provider == "RunPod Serverless")
    hourly = next(p.usd_per_gpu_hour for p in offer.prices if p.gpu == "L40S 48GB")
    assert hourly == pytest.approx(0.00053 * 3600)  # $0.00053 per second, flex worker
    assert offer.idle_timeout_s == 5.0
    cold = cold_start_seconds().point
    assert cold == 294.0
    rate = 100 / SECONDS_PER_MONTH
    d = 1 / (math.exp(rate * 5.0) + rate * cold)  # w, a few ms of the worker, is bounded below
    assert 1 - d == pytest.approx(0.011242, rel=1e-3)
    assert offline.serving.replicas == pytest.approx(1 - d, rel=1e-3)
    assert offline.hosting_usd == pytest.approx((1 - d) * hourly * 24 * 30.4375 * 12, rel=1e-3)
    assert offline.serving.cold_start_share == pytest.approx((1 + rate * cold) * d, rel=1e-3)


MEASURE = dict(
    task_type="knowledge_qa", n_labeled_examples=948, avg_input_tokens=62.7,
    avg_output_tokens=219.9, requests_per_month=10_736_390.0, horizon_months=6.0,
    retrieved_context_tokens=4000.0, icl_shots=22, latency_budget_ms=10_000.0,
    people={"hourly_usd": 250.0}, icl_model="gpt-5.4-nano",
    ft_model="together/qwen2.5-7b-instruct-turbo",
)  # fmt: skip


def test_measure_the_prompted_baseline_first_when_knowing_the_gain_is_worth_it() -> None:
    # issue 17.6: knowing the quality gain is worth thousands (the simulation's partial
    # EVPI), measuring gpt-5.4-nano's own score costs 200 requests at the prompted price,
    # and a low score would flip the answer to fine-tuning: the answer says measure first
    rec = _rec(**MEASURE)
    (reason,) = [r for r in rec.reasons if r.code == "decision-measure-baseline-first"]
    worth = rec.uncertainty.evpi_quality_usd
    per_request = rec.costs[ICL].per_request_usd
    assert worth is not None and per_request is not None
    cost = 200 * per_request
    assert worth > cost
    assert f"{worth:,.0f}" in reason.message.replace("$", "")
    assert "on 200 of your labeled examples" in reason.message
    # each outcome: the score with the quality term at that baseline, the rest as now
    assert "17 → fine-tuning" in reason.message
    assert "90.9 → in-context learning" in reason.message
    # once measured (or with a pilot), nothing is left to ask
    measured = _rec(**MEASURE, prompted_baseline={"score": 0.9, "n_examples": 200})
    assert not [r for r in measured.reasons if r.code == "decision-measure-baseline-first"]
    assert measured.quality.basis == "baseline"
