"""The measured prompted baseline: the profile field, the harness, what the advisor makes of it."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from pydantic import ValidationError

from strategy_advisor import (
    BaselineMeasurement,
    LabeledExample,
    ParameterError,
    PromptedBaseline,
    TaskProfile,
    default_catalog,
    measure_prompted_baseline,
    recommend,
)
from strategy_advisor._baseline import score_answer
from strategy_advisor._quality import quality_features_for

from .tiny_encoding import tiny_encoding

TODAY = dt.date(2026, 12, 1)


# ----------------------------------------------------------------------- the profile field


def test_a_baseline_is_validated_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match=r"score must lie in \[0, max_score=1\]; got 82"):
        PromptedBaseline(score=82, n_examples=100)
    with pytest.raises(ValidationError, match="max_score"):
        PromptedBaseline(score=0.8, max_score=10.0, n_examples=100)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="n_examples"):
        PromptedBaseline(score=0.8, n_examples=0)
    with pytest.raises(ValidationError, match="extra"):
        PromptedBaseline(score=0.8, n_examples=10, headroom=3)  # type: ignore[call-arg]


def test_points_and_standard_error_by_hand() -> None:
    b = PromptedBaseline(score=82.0, max_score=100.0, n_examples=200, metric="accuracy")
    assert b.points == pytest.approx(82.0)
    s = (0.82 * 200 + 0.5) / 201
    assert b.standard_error_points == pytest.approx(100 * math.sqrt(s * (1 - s) / 200))
    err = PromptedBaseline(score=0.1, higher_is_better=False, n_examples=50, metric="error")
    assert err.points == pytest.approx(90.0)  # an error rate of 10% leaves 10 points
    perfect = PromptedBaseline(score=1.0, n_examples=10)
    assert perfect.standard_error_points > 0  # smoothed: never a zero error


def test_the_advisor_reads_the_baseline_into_the_quality_model() -> None:
    cat = default_catalog()
    profile = TaskProfile(
        task_type="classification",
        n_labeled_examples=400,
        n_classes=5,
        prompted_baseline=PromptedBaseline(score=0.91, n_examples=300),
    )
    f = quality_features_for(
        profile, cat.get("gpt-5.4-mini"), cat.get("gpt-4.1-mini"),
        icl_shots=4, same_model=False, retrieval=False,
    )  # fmt: skip
    assert f.icl_baseline_points == pytest.approx(91.0)
    assert f.icl_baseline_se_points == pytest.approx(
        profile.prompted_baseline.standard_error_points
    )  # type: ignore[union-attr]
    assert f.icl_strength == 88.7  # at least GPT-4o (GPQA), capped at the corpus maximum
    assert f.n_labeled_examples == 400 and f.icl_shots == 4
    probe = quality_features_for(
        profile, cat.get("gpt-5.4-mini"), cat.get("gpt-4.1-mini"),
        icl_shots=0, same_model=False, retrieval=True, n_labeled_examples=50,
    )  # fmt: skip
    assert probe.n_labeled_examples == 50 and probe.icl_retrieval
    # an explicit model the table does not know: imputed, and said so
    from strategy_advisor import ModelSpec

    mine = ModelSpec(name="our-llm", input_usd_per_mtok=1.0, output_usd_per_mtok=2.0)
    g = quality_features_for(profile, mine, mine, icl_shots=0, same_model=True, retrieval=False)
    assert g.icl_strength is None


def test_recommend_with_a_measured_baseline_uses_the_baseline_fit() -> None:
    base: dict[str, Any] = dict(task_type="classification", n_labeled_examples=800, n_classes=4)
    plain = recommend(TaskProfile(**base), today=TODAY)
    assert plain.quality.basis == "prior"
    saturated = recommend(
        TaskProfile(**base, prompted_baseline=PromptedBaseline(score=0.99, n_examples=500)),
        today=TODAY,
    )
    weak = recommend(
        TaskProfile(**base, prompted_baseline=PromptedBaseline(score=0.40, n_examples=500)),
        today=TODAY,
    )
    assert saturated.quality.basis == weak.quality.basis == "baseline"
    # a prompted model at 99% leaves fine-tuning at most a point to win
    assert saturated.quality.expected_gain_points < weak.quality.expected_gain_points
    assert saturated.quality.p_fine_tuning_better < weak.quality.p_fine_tuning_better


# ------------------------------------------------------------------------- the harness

DATA = [
    {"input": f"ticket {i}: my invoice is wrong", "output": "billing" if i % 4 else "other"}
    for i in range(60)
]


def test_scores_by_hand() -> None:
    assert score_answer(" billing ", "billing") == 1.0
    assert score_answer("Billing", "billing") == 0.0
    assert score_answer("Billing.", "billing", "accuracy") == 1.0
    assert score_answer("The answer is Paris", "Paris", "f1") == pytest.approx(
        2 * (1 / 3) * 1 / (1 / 3 + 1)  # the article dropped: 3 predicted tokens, 1 shared
    )
    assert score_answer("", "", "f1") == 1.0 and score_answer("x", "", "f1") == 0.0
    assert score_answer("a", "b", lambda p, r: 0.25) == 0.25


def test_the_harness_calls_predict_on_a_seeded_sample_and_scores_it() -> None:
    seen: list[str] = []

    def predict(prompt: str) -> str:
        seen.append(prompt)
        return "billing"

    m = measure_prompted_baseline(DATA, predict, metric="accuracy", n=20, seed=3,
                                  encoding=tiny_encoding())  # fmt: skip
    assert isinstance(m, BaselineMeasurement)
    assert len(seen) == 20 and len(set(seen)) == 20
    assert m.n_available == 60 and m.seed == 3 and m.baseline.n_examples == 20
    expected = [1.0 if int(p.split()[1].rstrip(":")) % 4 else 0.0 for p in seen]
    assert list(m.scores) == expected
    assert m.baseline.score == pytest.approx(sum(expected) / 20)
    assert m.baseline.metric == "accuracy" and m.baseline.max_score == 1.0
    # the same seed, the same examples in the same order
    again: list[str] = []
    measure_prompted_baseline(DATA, lambda p: again.append(p) or "billing", metric="accuracy",
                              n=20, seed=3, encoding="estimate")  # fmt: skip
    assert again == seen
    # tokens: what was sent and received, with a real (tiny) encoding
    enc = tiny_encoding()
    assert m.tokens_exact and m.encoding == enc.name
    assert m.input_tokens == sum(len(enc.encode_ordinary(p)) for p in seen)
    assert m.output_tokens == 20 * len(enc.encode_ordinary("billing"))
    assert "prompted baseline accuracy" in str(m)
    # the profile takes it as it is
    TaskProfile(task_type="classification", n_labeled_examples=60, prompted_baseline=m.baseline)


def test_the_wilson_interval_by_hand() -> None:
    m = measure_prompted_baseline(DATA[:40], lambda p: "billing", n=40, encoding="estimate")
    k, n, z = 30, 40, 1.959963984540054
    phat = k / n
    center = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert m.baseline.score == phat
    assert (m.ci_low, m.ci_high) == pytest.approx((center - half, center + half))
    assert m.interval_method == "Wilson score interval"


def test_an_averaged_metric_gets_a_t_interval() -> None:
    data = [{"input": f"q{i}", "output": "red blue green"} for i in range(10)]
    answers = iter(["red", "red blue", "red blue green", "nothing"] * 3)
    m = measure_prompted_baseline(data, lambda p: next(answers), metric="f1", n=10,
                                  encoding="estimate")  # fmt: skip
    assert m.interval_method.startswith("Student's t")
    assert m.ci_low < m.baseline.score < m.ci_high


def test_chat_examples_and_a_custom_prompt() -> None:
    from strategy_advisor import ChatMessage

    chat = [
        LabeledExample(
            input=(ChatMessage("user", f"q{i}"),),
            output="yes",
            instructions=(ChatMessage("system", "Answer yes or no."),),
        )
        for i in range(5)
    ]
    got: list[str] = []
    measure_prompted_baseline(chat, lambda p: got.append(p) or "yes", n=5, encoding="estimate")
    assert all(p.startswith("Answer yes or no.\n\nq") for p in got)
    custom: list[str] = []
    measure_prompted_baseline(chat, lambda p: custom.append(p) or "no", n=2,
                              prompt=lambda ex: "Q: " + ex.output, encoding="estimate")  # fmt: skip
    assert custom == ["Q: yes", "Q: yes"]


def test_the_harness_refuses_what_it_cannot_score() -> None:
    with pytest.raises(ParameterError, match=r"'metric' .*\['accuracy', 'exact_match', 'f1'\]"):
        measure_prompted_baseline(DATA, lambda p: "x", metric="bleu")
    with pytest.raises(ParameterError, match="'n' parameter"):
        measure_prompted_baseline(DATA, lambda p: "x", n=0)
    with pytest.raises(ParameterError, match="must return the answer as a str"):
        measure_prompted_baseline(DATA, lambda p: 3, n=2, encoding="estimate")  # type: ignore[arg-type, return-value]
    with pytest.raises(ParameterError, match=r"in \[0, 1\]"):
        measure_prompted_baseline(DATA, lambda p: "x", metric=lambda a, b: 5.0, n=2,
                                  encoding="estimate")  # fmt: skip
    with pytest.raises(ParameterError, match="at least one"):
        measure_prompted_baseline([], lambda p: "x", encoding="estimate")
    boom = RuntimeError("the client is down")

    def failing(prompt: str) -> str:
        raise boom

    with pytest.raises(RuntimeError) as info:  # the user's own error passes through
        measure_prompted_baseline(DATA, failing, n=2, encoding="estimate")
    assert info.value is boom


def test_the_progress_bar_shows_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    measure_prompted_baseline(DATA, lambda p: "billing", n=5, progress=True, encoding="estimate")
    assert "measuring the prompted baseline" in capsys.readouterr().err
