"""The shipped quality model at run time: monotone, banded, p and gain agree, both fits, pilots.

Also the builders the other quality tests share (typical tasks, synthetic corpora).
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategy_advisor import (
    PilotResult,
    QualityEstimate,
    QualityFeatures,
    QualityModel,
    load_default_quality_model,
)
from strategy_advisor._quality.corpus import CORPUS_COLUMNS, read_corpus
from strategy_advisor._types import TASK_TYPES

BAND = (0.02, 0.98)
Z80 = load_default_quality_model().predictive.z  # the 90% quantile: an 80% interval


def typical(n: int, **update: Any) -> QualityFeatures:
    """A 7B open model fine-tuned vs a GPT-4o-class model prompted 5-shot, 4 classes."""
    base: dict[str, Any] = dict(
        task_type="classification",
        n_labeled_examples=n,
        n_classes=4,
        icl_shots=5,
        ft_params_b=7.0,
        icl_params_b=None,
        ft_kind="open_weights",
        icl_kind="frontier_api",
        same_model=False,
        ft_method="lora",
        icl_strength=88.7,
    )
    return QualityFeatures(**{**base, **update})


def synthetic_rows(n_sources: int = 4, per_source: int = 24, seed: int = 1) -> list[dict[str, str]]:
    """A small corpus in the CSV format: the gain grows with ln n, with the same model and with
    the prompted model's headroom; each source has its own level; the winner follows the
    delta (1-point margin)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_sources):
        level = rng.normal(0, 6)
        for i in range(per_source):
            n = int(rng.choice([30, 100, 1000, 20_000]))
            same = bool(rng.random() < 0.4)
            icl = float(rng.uniform(40, 90))
            delta = -30 + 4.0 * np.log1p(n) + (8.0 if same else 0.0) + 0.3 * (100 - icl)
            delta = float(np.clip(delta + level + rng.normal(0, 6), -icl, 100 - icl))
            winner = "fine_tuning" if delta > 1 else "tie" if delta >= -1 else "in_context_learning"
            row = {c: "" for c in CORPUS_COLUMNS}
            row.update(
                row_id=f"src{s}-{i:03d}",
                source_id=f"src{s}",
                task=f"task{i % 5}",
                task_family=TASK_TYPES[int(rng.integers(0, 4))],
                n_classes=str(int(rng.choice([2, 3, 5]))) if rng.random() < 0.5 else "",
                n_train_ft=str(n) if rng.random() < 0.9 else "",
                ft_model="m7b",
                ft_model_params_b="7",
                ft_method_kind="lora",
                icl_model="GPT-4o" if not same else "",
                icl_model_params_b="7" if same else "",
                icl_model_kind=("open_weights" if same else "frontier_api"),
                same_model="true" if same else "false",
                icl_shots=str(int(rng.choice([0, 4, 8]))),
                icl_score=f"{icl:.2f}",
                ft_score=f"{icl + delta:.2f}",
                metric="accuracy (%)",
                higher_is_better="true",
                winner=winner,
                score_delta=f"{delta:.2f}",
                icl_retrieval="false",
            )
            rows.append(row)
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


ENDS = (
    "p_fine_tuning_better",
    "low",
    "high",
    "expected_gain_points",
    "gain_low_points",
    "gain_high_points",
    "expected_gain_low_points",
    "expected_gain_high_points",
)

sizes = st.one_of(st.none(), st.floats(min_value=0.05, max_value=2000.0))
kinds = st.sampled_from(["frontier_api", "open_weights", "unknown"])
quality_features = st.builds(
    QualityFeatures,
    task_type=st.sampled_from(TASK_TYPES),
    n_labeled_examples=st.integers(min_value=0, max_value=1_000_000),
    n_classes=st.one_of(st.none(), st.integers(min_value=2, max_value=500)),
    icl_shots=st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
    ft_params_b=sizes,
    icl_params_b=sizes,
    ft_kind=kinds,
    icl_kind=kinds,
    same_model=st.booleans(),
    ft_method=st.sampled_from(["full", "lora", "qlora", "ia3", "other_peft", "unknown"]),
    icl_retrieval=st.booleans(),
    icl_strength=st.one_of(st.none(), st.floats(min_value=0.0, max_value=100.0)),
    icl_baseline_points=st.one_of(st.none(), st.floats(min_value=0.0, max_value=100.0)),
    icl_baseline_se_points=st.floats(min_value=0.0, max_value=20.0),
)


@pytest.fixture(scope="module")
def model() -> QualityModel:
    return load_default_quality_model()


# -------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(features=quality_features, more=st.integers(min_value=0, max_value=1_000_000))
def test_every_number_is_non_decreasing_in_labeled_examples(
    model: QualityModel, features: QualityFeatures, more: int
) -> None:
    bigger = features.model_copy(update={"n_labeled_examples": features.n_labeled_examples + more})
    a, b = model.predict(features), model.predict(bigger)
    for key in ENDS:
        assert getattr(a, key) <= getattr(b, key) + 1e-9, key
    z = np.array([-2.5, -Z80, -0.3, 0.0, 0.4, Z80, 2.5])
    assert np.all(model.gain_at(features, None, z) <= model.gain_at(bigger, None, z) + 1e-9)


@settings(max_examples=150, deadline=None)
@given(features=quality_features)
def test_probabilities_stay_in_band_and_intervals_contain_their_points(
    model: QualityModel, features: QualityFeatures
) -> None:
    e = model.predict(features)
    assert BAND[0] <= e.low <= e.p_fine_tuning_better <= e.high <= BAND[1]
    assert e.gain_low_points <= e.expected_gain_points <= e.gain_high_points
    assert e.expected_gain_low_points <= e.expected_gain_points <= e.expected_gain_high_points
    # the predictive interval (where this task's gain falls) is wider than the interval of
    # the expected gain (how sure the fit is of its mean)
    assert e.gain_low_points <= e.expected_gain_low_points + 1e-9
    assert e.gain_high_points >= e.expected_gain_high_points - 1e-9
    assert e.gain_low_points >= -100 and e.gain_high_points <= 100
    assert e.interval_level == 0.8
    assert 0 <= e.p_tie <= 1
    assert e.outcome_probabilities is not None
    assert sum(e.outcome_probabilities) == pytest.approx(1.0, abs=1e-12)
    assert e.basis == ("prior" if features.icl_baseline_points is None else "baseline")


@settings(max_examples=100, deadline=None)
@given(features=quality_features)
def test_p_and_gain_agree(model: QualityModel, features: QualityFeatures) -> None:
    # one distribution, p on decisive outcomes: from n = 10 on (the gate only lowers p below
    # 10 examples), p > 0.5 exactly when the expected gain is positive (P(gain > 1) beats
    # P(gain < -1)); the shipped calibration step is the identity
    assert model.params.variants["prior"].platt.a == 0.0
    e = model.predict(
        features.model_copy(update={"n_labeled_examples": 10 + features.n_labeled_examples})
    )
    if abs(e.expected_gain_points) > 1e-6 and abs(e.expected_gain_points) < 99:
        assert (e.p_fine_tuning_better > 0.5) == (e.expected_gain_points > 0)


@settings(max_examples=100, deadline=None)
@given(features=quality_features, ft=st.floats(0, 1), icl=st.floats(0, 1), pilot=st.booleans())
def test_gain_at_is_the_predictive_distribution_behind_the_interval(
    model: QualityModel, features: QualityFeatures, ft: float, icl: float, pilot: bool
) -> None:
    result = PilotResult(ft_score=ft, icl_score=icl, n_eval_examples=150) if pilot else None
    e = model.predict(features, result)
    z = np.linspace(-3.0, 3.0, 25)
    g = model.gain_at(features, result, z)
    assert np.all(np.diff(g) >= 0)  # monotone in z
    assert np.all(np.diff(g)[(g[:-1] > -100) & (g[1:] < 100)] > 0)  # strictly, unclipped
    lo, mid, hi = model.gain_at(features, result, [-Z80, 0.0, Z80])
    assert (lo, hi) == (e.gain_low_points, e.gain_high_points)  # the same numbers, exactly
    assert mid == pytest.approx(e.expected_gain_points, abs=1e-12)


def test_gain_at_is_a_normal_where_no_envelope_binds(model: QualityModel) -> None:
    # far above the last knot the curve is flat: G(z) = mu + z·S with S from the interval
    f = typical(50_000)
    e = model.predict(f)
    s = (e.gain_high_points - e.expected_gain_points) / Z80
    z = np.array([-2.0, -0.5, 0.7, 1.9])
    np.testing.assert_allclose(
        model.gain_at(f, None, z), e.expected_gain_points + z * s, rtol=0, atol=1e-9
    )


def test_no_data_means_the_floor(model: QualityModel) -> None:
    for same in (False, True):
        e = model.predict(typical(0, same_model=same, icl_params_b=7.0 if same else None))
        assert e.p_fine_tuning_better == e.low == e.high == BAND[0]
        assert e.data_sufficiency == 0
        assert any("no labeled examples" in n for n in e.notes)


def test_the_vendor_minimum_gate_and_the_prior_below_the_data(model: QualityModel) -> None:
    assert [model.data_sufficiency(n) for n in (0, 5, 10, 1000)] == [0.0, 0.25, 1.0, 1.0]
    e5, e10 = model.predict(typical(5)), model.predict(typical(10))
    # below 10 the gain follows the prior slope (7 points per unit ln(1 + n)), not gated
    slope = model.params.variants["prior"].slope_below_min
    assert slope == 7.0
    drop = e10.expected_gain_points - e5.expected_gain_points
    assert drop == pytest.approx(slope * (math.log(11) - math.log(6)), abs=1e-9)
    assert e5.wide and any("fewer than 10 training examples" in n for n in e5.notes)
    cap = model.params.coverage.max_shots
    many_shot = model.predict(typical(1000, icl_shots=int(cap) + 1))
    assert any(f"more than {cap:g}" in n for n in many_shot.notes)


def test_retrieval_helps_the_prompted_arm_on_knowledge_tasks(model: QualityModel) -> None:
    for n in (100, 1000, 10_000):
        plain = model.predict(typical(n, task_type="knowledge_qa", n_classes=None))
        rag = model.predict(
            typical(n, task_type="knowledge_qa", n_classes=None, icl_retrieval=True)
        )
        assert rag.expected_gain_points < plain.expected_gain_points - 20
        assert rag.p_fine_tuning_better < plain.p_fine_tuning_better
        # elsewhere retrieval never raises the estimate
        cls, cls_rag = model.predict(typical(n)), model.predict(typical(n, icl_retrieval=True))
        assert cls_rag.p_fine_tuning_better <= cls.p_fine_tuning_better


def test_demonstrations_help_the_prompted_arm(model: QualityModel) -> None:
    # the slope learned within matched comparisons (rows sharing one fine-tuned result)
    gains = [model.predict(typical(1000, icl_shots=k)).expected_gain_points for k in (0, 5, 50)]
    assert gains[0] > gains[1] > gains[2]
    names = [f.name for f in model.params.features]
    coef = dict(zip(names, model.params.variants["prior"].coef, strict=True))
    assert coef["log_shots"] < 0
    assert gains[0] - gains[1] == pytest.approx(-coef["log_shots"] * math.log(6), abs=1e-9)


def test_class_count_is_capped_at_the_corpus_maximum(model: QualityModel) -> None:
    cap = model.params.spec.classes_cap
    assert cap == 151
    at_cap = model.predict(typical(1000, n_classes=151))
    for many in (500, 5000):
        e = model.predict(typical(1000, n_classes=many))
        assert e.p_fine_tuning_better == at_cap.p_fine_tuning_better
        assert any("treated as 151" in n for n in e.notes)


# ------------------------------------------------------------ the prompted model's strength


def test_a_stronger_prompted_model_lowers_the_estimate(model: QualityModel) -> None:
    for task in ("classification", "reasoning"):
        ests = [model.predict(typical(500, task_type=task, icl_strength=s)) for s in (40, 70, 85)]
        gains = [e.expected_gain_points for e in ests]
        ps = [e.p_fine_tuning_better for e in ests]
        assert gains[0] > gains[1] > gains[2], task
        assert ps[0] > ps[1] > ps[2], task


def test_strength_is_capped_at_the_strongest_prompted_model_of_the_corpus(
    model: QualityModel,
) -> None:
    cap = model.params.spec.strength_cap
    assert cap == 88.7  # GPT-4o, the strongest prompted model in corpus v3
    at_cap = model.predict(typical(500, icl_strength=cap))
    above = model.predict(typical(500, icl_strength=93.0))
    assert above.expected_gain_points == at_cap.expected_gain_points
    for e in (above, at_cap):  # a lower bound at the cap (GPQA, successors) is said too
        assert any("at least as strong as the strongest prompted" in n for n in e.notes)
    below = model.predict(typical(500, icl_strength=82.0))
    assert not any("at least as strong" in n for n in below.notes)
    unknown = model.predict(typical(500, icl_strength=None, icl_kind="open_weights"))
    imputed = model.params.spec.strength_impute["open_weights"]
    same = model.predict(typical(500, icl_strength=imputed, icl_kind="open_weights"))
    assert unknown.expected_gain_points == same.expected_gain_points
    assert any("no capability figure for the prompted model" in n for n in unknown.notes)


# ------------------------------------------------------------------- measured baseline


def test_a_measured_baseline_moves_the_estimate_with_the_headroom(model: QualityModel) -> None:
    ests = [
        model.predict(typical(500, icl_baseline_points=b, icl_baseline_se_points=2.0))
        for b in (50.0, 80.0, 97.0)
    ]
    assert all(e.basis == "baseline" for e in ests)
    gains = [e.expected_gain_points for e in ests]
    assert gains[0] > gains[1] > gains[2]
    assert [e.p_fine_tuning_better for e in ests] == sorted(
        (e.p_fine_tuning_better for e in ests), reverse=True
    )
    assert any("measured score on this task (97.0 of 100" in n for n in ests[2].notes)
    # its sampling error widens the interval (and only the interval)
    sharp = model.predict(typical(500, icl_baseline_points=80.0, icl_baseline_se_points=0.0))
    noisy = model.predict(typical(500, icl_baseline_points=80.0, icl_baseline_se_points=8.0))
    assert noisy.expected_gain_points == sharp.expected_gain_points
    assert (noisy.gain_high_points - noisy.gain_low_points) > (
        sharp.gain_high_points - sharp.gain_low_points
    )
    # the headroom term by hand: beta_h points per point of headroom
    beta = model.params.variants["baseline"].coef[-1]
    assert beta > 0
    assert gains[0] - gains[1] == pytest.approx(beta * 30.0, abs=1e-9)


def test_the_plugin_sd_by_hand(model: QualityModel) -> None:
    # sd_p = sqrt(k²(sigma_h² + tau²) + (beta_h·se)²), sigma_h = sigma·((h + c)/(ref + c))^g
    v = model.params.variants["baseline"]
    pred = model.predictives["baseline"]
    h, se = 15.0, 3.0
    c, ref, g = v.sd_headroom.offset, v.sd_headroom.reference, v.sd_headroom.slope
    sig = v.sigma * ((h + c) / (ref + c)) ** g
    want = math.sqrt(v.sd_scale**2 * (sig**2 + v.tau**2) + (v.coef[-1] * se) ** 2)
    assert pred.sd_plugin(h, se) == pytest.approx(want, rel=1e-12)
    # and p on decisive outcomes, the tie probability and the outcomes from it
    e = model.predict(typical(500, icl_baseline_points=100 - h, icl_baseline_se_points=se))
    mu = e.expected_gain_points
    up = 0.5 * math.erfc((1.0 - mu) / (want * math.sqrt(2)))
    down = 0.5 * math.erfc((mu + 1.0) / (want * math.sqrt(2)))
    assert e.p_fine_tuning_better == pytest.approx(BAND[0] + 0.96 * up / (up + down), abs=1e-12)
    assert e.p_tie == pytest.approx(1 - up - down, abs=1e-12)
    p, t = e.p_fine_tuning_better, e.p_tie
    assert e.outcome_probabilities == pytest.approx(((1 - t) * p, t, (1 - t) * (1 - p)))


# ------------------------------------------------------------------------ many tasks


def test_single_and_batch_paths_agree(model: QualityModel) -> None:
    variants: list[dict[str, Any]] = [
        {},
        {"same_model": True, "icl_params_b": 7.0, "icl_strength": 45.3},
        {"icl_shots": None},
        {"icl_baseline_points": 71.0, "icl_baseline_se_points": 3.2},
        {"icl_strength": None, "task_type": "reasoning", "n_classes": None},
    ]
    feats = [typical(n, **kw) for n in (0, 3, 10, 50, 100, 1000, 10_000, 10**6) for kw in variants]
    pilots: list[PilotResult | None] = [
        None if i % 3 else PilotResult(ft_score=0.8, icl_score=0.7, n_eval_examples=50 + i)
        for i in range(len(feats))
    ]
    batch = model.predict_batch(feats, pilots)
    for f, pilot, b in zip(feats, pilots, batch, strict=True):
        one = model.predict(f, pilot)
        for key, value in one.model_dump().items():
            if isinstance(value, float):
                assert getattr(b, key) == pytest.approx(value, abs=1e-9), key
            elif key not in ("pilot", "outcome_probabilities"):
                assert getattr(b, key) == value, key
    np.testing.assert_allclose(
        model.predict_proba_batch(feats),
        [model.predict(f).p_fine_tuning_better for f in feats],
        rtol=0,
        atol=1e-12,
    )
    assert model.predict_batch([]) == ()
    with pytest.raises(ValueError, match="one entry"):
        model.predict_batch(feats, pilots[:2])


@pytest.mark.parametrize(
    "pilot", [None, PilotResult(ft_score=0.82, icl_score=0.79, n_eval_examples=120)]
)
def test_the_vectorised_expected_gain_is_the_estimates(
    model: QualityModel, pilot: PilotResult | None
) -> None:
    # what a flip-point search varies over hundreds of probes: the size and the prompt
    probes = [
        typical(n, icl_shots=k, **kw)
        for n in (0, 4, 10, 37, 120, 999, 5_000, 40_000)
        for k in (0, 1, 8, 64)
        for kw in ({}, {"icl_baseline_points": 85.0, "icl_baseline_se_points": 2.5})
    ]
    many = model.expected_gain_many(probes, pilot)
    one = np.array([model.predict(f, pilot).expected_gain_points for f in probes])
    assert many.shape == (len(probes),)
    np.testing.assert_allclose(many, one, rtol=1e-12, atol=1e-12)
    assert model.expected_gain_many([]).shape == (0,)


@pytest.mark.parametrize(
    "pilot", [None, PilotResult(ft_score=0.82, icl_score=0.79, n_eval_examples=120)]
)
@pytest.mark.parametrize(
    "baseline", [{}, {"icl_baseline_points": 85.0, "icl_baseline_se_points": 2.5}]
)
def test_the_gain_over_many_prompts_of_one_task_is_each_prompts(
    model: QualityModel, pilot: PilotResult | None, baseline: dict[str, float]
) -> None:
    # the prompt planner's candidates: one task, its size, demonstrations and retrieval vary
    base = typical(300, n_classes=12, **baseline)
    n = np.array([0.0, 4.0, 37.0, 300.0, 5_000.0, 300.0])
    shots = np.array([0.0, 1.0, 8.0, 64.0, 2.0, 0.0])
    rag = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    varying = model.expected_gain_varying(base, n, shots, rag, pilot)
    each = model.expected_gain_many(
        [
            base.model_copy(
                update={"n_labeled_examples": int(a), "icl_shots": int(b), "icl_retrieval": bool(c)}
            )
            for a, b, c in zip(n, shots, rag, strict=True)
        ],
        pilot,
    )
    np.testing.assert_array_equal(varying, each)
    assert varying[2] != varying[3]  # the varied columns are read, not the task's own


@pytest.mark.parametrize("task", ["classification", "knowledge_qa", "extraction"])
def test_encoding_one_task_with_its_size_and_prompt_varied_is_encoding_each(task: str) -> None:
    # encode_varying recomputes only the examples, demonstrations and retrieval columns of
    # one encoded row: the same matrix as encoding every entry (NaN demonstrations: imputed)
    from strategy_advisor._quality.features import columns_of, encode, encode_varying

    spec = load_default_quality_model()._spec
    base = typical(300, task_type=task, icl_shots=None)
    n = np.array([0.0, 9.0, 37.0, 300.0, 1e5])
    shots = np.array([np.nan, 0.0, 8.0, 64.0, 2.0])
    rag = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    each = encode(columns_of([
        base.model_copy(update={"n_labeled_examples": int(a), "icl_retrieval": bool(c),
                                "icl_shots": None if np.isnan(b) else int(b)})
        for a, b, c in zip(n, shots, rag, strict=True)
    ]), spec)  # fmt: skip
    varied = encode_varying(encode(columns_of([base]), spec), task, n, shots, rag, spec)
    np.testing.assert_array_equal(varied, each)


def test_a_repeated_task_is_one_value(model: QualityModel) -> None:
    assert model.predict(typical(300)) is model.predict(typical(300))


def test_estimate_is_json_round_trippable_and_readable(model: QualityModel) -> None:
    e = model.predict(
        typical(200, icl_baseline_points=64.0),
        pilot=PilotResult(icl_score=70, ft_score=80, n_eval_examples=50, score_scale=100),
    )
    assert QualityEstimate.model_validate_json(e.model_dump_json()) == e
    text = str(e)
    assert "P(fine-tuning better)" in text and "expected gain" in text
    assert "pilot applied" in text
    # built by hand, the outcome probabilities are filled in from p and p_tie
    hand = QualityEstimate.model_validate(
        {**e.model_dump(), "outcome_probabilities": None, "p_tie": 0.1}
    )
    p = e.p_fine_tuning_better
    assert hand.outcome_probabilities == pytest.approx((0.9 * p, 0.1, 0.9 * (1 - p)))


def test_unstated_corpus_rows_get_the_fit_time_nuisance_terms(model: QualityModel) -> None:
    rows = synthetic_rows(n_sources=1, per_source=3)
    rows[0]["n_train_ft"] = ""  # "the entire training set": imputed at 10,000, unstated
    rows[1] = {**rows[0], "row_id": "stated", "n_train_ft": "10000"}
    rows[2] = {**rows[0], "row_id": "tfew", "source_id": "liu2022tfew", "n_train_ft": ""}
    corpus = read_corpus(rows)
    assert corpus.columns.n_missing.tolist() == [1.0, 0.0, 1.0]
    assert corpus.columns.n_unstated.tolist() == [1.0, 0.0, 0.0]  # liu's 37 counts as stated
    out = model.predict_columns(corpus.columns)
    shift = model.params.variants["prior"].fit_only.nuisance["unstated_shift"]
    assert out["gain"][0] - out["gain"][1] == pytest.approx(shift, abs=1e-9)


# ------------------------------------------------------------------------------ pilot


def test_pilot_updates_p_and_gain_towards_the_measurement(model: QualityModel) -> None:
    prior = model.predict(typical(100))
    up = model.predict(
        typical(100), pilot=PilotResult(icl_score=0.70, ft_score=0.85, n_eval_examples=200)
    )
    down = model.predict(  # -25 points: below the prior's gain at 100 examples
        typical(100), pilot=PilotResult(icl_score=0.90, ft_score=0.65, n_eval_examples=200)
    )
    assert prior.expected_gain_points > -25
    assert up.p_fine_tuning_better > prior.p_fine_tuning_better > down.p_fine_tuning_better
    assert up.expected_gain_points > prior.expected_gain_points > down.expected_gain_points
    assert up.pilot is not None and up.pilot.p_before == pytest.approx(prior.p_fine_tuning_better)
    assert up.pilot.gain_before_points == pytest.approx(prior.expected_gain_points)
    assert up.pilot.message.startswith("pilot applied")
    # the pilot's difference is +15 points with se ~3.8: the posterior sits near it
    assert 12 < up.expected_gain_points < 15.5 and up.pilot.weight > 0.95
    assert up.gain_high_points - up.gain_low_points < 15
    # error rates: lower is better, so a lower FT error favours fine-tuning
    err = model.predict(
        typical(100),
        pilot=PilotResult(icl_score=0.3, ft_score=0.1, n_eval_examples=200, higher_is_better=False),
    )
    assert err.expected_gain_points > prior.expected_gain_points


def test_pilot_posterior_by_hand(model: QualityModel) -> None:
    # normal prior N(mu, S^2) for the task's gain, measurement d with standard error se
    prior = model.predict(typical(1000))
    pilot = PilotResult(ft_score=0.83, icl_score=0.80, n_eval_examples=100)
    e = model.predict(typical(1000), pilot=pilot)
    assert e.pilot is not None
    pred = model.predictive
    d = 3.0

    def v(s: float) -> float:
        q = (s * 100 + 0.5) / 101
        return q * (1 - q)

    se = 100 * math.sqrt((v(0.83) + v(0.80)) / 100)
    assert e.pilot.standard_error * 100 == pytest.approx(se)
    w = e.pilot.weight
    s2 = model._row(typical(1000))[2].gain_sd ** 2  # the prior's full predictive sd
    assert w == pytest.approx(s2 / (s2 + se * se), rel=1e-12)
    mu = prior.expected_gain_points + w * (d - prior.expected_gain_points)
    assert e.expected_gain_points == pytest.approx(mu)
    sd = math.sqrt(w) * se
    up = 0.5 * math.erfc((pred.margin - mu) / (sd * math.sqrt(2)))
    down = 0.5 * math.erfc((mu + pred.margin) / (sd * math.sqrt(2)))
    lo, hi = pred.band
    assert e.p_fine_tuning_better == pytest.approx(lo + (hi - lo) * up / (up + down), abs=1e-12)
    np.testing.assert_allclose(
        model.gain_at(typical(1000), pilot, [-1.0, 2.0]), [mu - sd, mu + 2 * sd], atol=1e-9
    )


def test_a_pilot_takes_precedence_over_a_measured_baseline(model: QualityModel) -> None:
    pilot = PilotResult(ft_score=0.83, icl_score=0.80, n_eval_examples=20_000)
    for baseline in (None, 40.0, 95.0):
        e = model.predict(typical(1000, icl_baseline_points=baseline), pilot=pilot)
        assert e.expected_gain_points == pytest.approx(3.0, abs=0.2)
        assert e.pilot is not None and e.pilot.weight > 0.99


scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    features=quality_features,
    ft=scores,
    icl=scores,
    n_eval=st.integers(min_value=1, max_value=100_000),
    higher=st.booleans(),
)
def test_pilot_moves_the_gain_towards_the_measurement(
    model: QualityModel,
    features: QualityFeatures,
    ft: float,
    icl: float,
    n_eval: int,
    higher: bool,
) -> None:
    pilot = PilotResult(ft_score=ft, icl_score=icl, n_eval_examples=n_eval, higher_is_better=higher)
    e = model.predict(features, pilot=pilot)
    assert e.pilot is not None
    before, d = e.pilot.gain_before_points, 100 * e.pilot.difference
    lo, hi = sorted((before, d))
    assert lo - 1e-9 <= e.expected_gain_points <= hi + 1e-9  # between prior and measurement
    assert BAND[0] <= e.low <= e.p_fine_tuning_better <= e.high <= BAND[1]
    assert e.gain_low_points <= e.expected_gain_points <= e.gain_high_points


def test_pilot_strength_grows_with_evaluation_size(model: QualityModel) -> None:
    prior = model.predict(typical(1000)).expected_gain_points
    gains = [
        model.predict(
            typical(1000), pilot=PilotResult(ft_score=0.83, icl_score=0.80, n_eval_examples=k)
        ).expected_gain_points
        for k in (1, 10, 100, 1000, 100_000)
    ]
    pulls = [abs(g - 3.0) for g in gains]
    assert pulls == sorted(pulls, reverse=True)  # more examples, closer to the measured +3
    assert abs(gains[0] - prior) < abs(gains[-1] - prior)
    assert pulls[-1] < 0.1


# ----------------------------------------------------------------------------- run time


def test_recommend_never_imports_scipy_or_sklearn() -> None:
    code = (
        "import sys, datetime\n"
        "import strategy_advisor\n"
        "from strategy_advisor import recommend, TaskProfile, load_default_quality_model\n"
        "from strategy_advisor import PromptedBaseline\n"
        "p = TaskProfile(task_type='classification', n_labeled_examples=300, n_classes=3,\n"
        "    prompted_baseline=PromptedBaseline(score=0.7, n_examples=200))\n"
        "rec = recommend(p, today=datetime.date(2026, 12, 1))\n"
        "str(rec); rec.quality.expected_gain_points\n"
        "m = load_default_quality_model()\n"
        "f = strategy_advisor.QualityFeatures(task_type='code', n_labeled_examples=100)\n"
        "m.predict_batch([f]); m.expected_gain_many([f]); m.gain_at(f, None, [0.0])\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('scipy', 'sklearn'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_parameter_file_from_before_as_of_and_source_still_loads() -> None:
    import json
    from importlib import resources

    text = (resources.files("strategy_advisor") / "data" / "quality_params.json").read_text()
    old = {k: v for k, v in json.loads(text).items() if k not in ("as_of", "source")}
    again = QualityModel.from_json(old)
    assert again.params.as_of == old["fitted_on"]
    assert "recorded no source" in again.params.source


@settings(max_examples=150, deadline=None)
@given(features=quality_features, ft=scores, icl=scores, pilot_given=st.booleans())
def test_the_expected_gain_alone_is_the_estimates_to_the_bit(
    features: QualityFeatures, ft: float, icl: float, pilot_given: bool
) -> None:
    pilot = PilotResult(ft_score=ft, icl_score=icl, n_eval_examples=200) if pilot_given else None
    fresh = QualityModel.from_json(
        Path(__file__).resolve().parents[1] / "src/strategy_advisor/data/quality_params.json"
    )
    gain = fresh.expected_gain(features, pilot)  # computed alone, before any estimate
    assert gain == fresh.predict(features, pilot).expected_gain_points
    assert fresh.expected_gain(features, pilot) == gain  # from the estimate kept now
