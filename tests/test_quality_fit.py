"""Fitting the quality model: reproduction from JSON, refits, cross-validation, shipped data."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from strategy_advisor import (
    DataFileError,
    QualityFeatures,
    QualityModel,
    cross_validate_quality_model,
    fit_quality_model,
    load_default_quality_model,
)
from strategy_advisor._quality.corpus import read_corpus
from strategy_advisor._quality.cv import bucket_of, reliability_bins
from strategy_advisor._quality.features import FEATURES, encode_row
from strategy_advisor._quality.fit import QualityFitter

from .test_quality import BAND, synthetic_rows, typical, write_csv

DATA = resources.files("strategy_advisor").joinpath("data")
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "evidence_public.csv"


@pytest.fixture(scope="module")
def fitter(tmp_path_factory: pytest.TempPathFactory) -> QualityFitter:
    path = write_csv(synthetic_rows(), tmp_path_factory.mktemp("corpus") / "corpus.csv")
    return QualityFitter(n_bootstrap=6, cross_validate=False, fitted_on="2000-01-01").fit(path)


# ------------------------------------------------------------ reproduction from JSON


def test_the_json_reproduces_the_fitters_own_predictions(fitter: QualityFitter) -> None:
    from scipy.special import ndtr  # type: ignore[import-untyped]

    corpus = read_corpus(synthetic_rows())
    reloaded = QualityModel.from_json(fitter.model_.to_json())
    out = reloaded.predict_columns(corpus.columns)
    fit = fitter.point_
    # the fitter's linear predictor on its scaled design, against the run-time one on raw
    # features read back from JSON
    np.testing.assert_allclose(out["gain"], fit.fitted_mu, rtol=0, atol=1e-9)
    # and p against scipy's normal CDF applied to the fitter's own values
    sig = np.where(corpus.columns.n_unstated > 0, fit.sigma_unstated, fit.sigma)
    sd = fitter.sd_scale_ * np.sqrt(sig**2 + fit.tau**2)
    n = corpus.columns.n
    gate = np.minimum(1.0, (n / 10.0) ** 2)
    p = BAND[0] + (BAND[1] - BAND[0]) * gate * ndtr((fit.fitted_mu - 1.0) / sd)
    np.testing.assert_allclose(out["p"], p, rtol=0, atol=1e-9)
    assert reloaded.to_json() == fitter.model_.to_json()


def _by_hand(prm: dict[str, Any], f: QualityFeatures) -> dict[str, float]:
    """The shipped formulas written out from the raw JSON (docs/quality.md), numpy only."""
    spec = prm["spec"]
    from strategy_advisor._quality.features import FeatureSpec

    fs = FeatureSpec(
        size_impute_log10=spec["size_impute_log10"],
        shots_impute_log1p=spec["shots_impute_log1p"],
        shots_cap=spec["shots_cap"],
        classes_cap=spec["classes_cap"],
        knots_n=tuple(spec["knots_n"]),
    )
    x, off = encode_row(f, fs)
    n = f.n_labeled_examples
    mu = float(np.dot(prm["coef"], x)) + prm["intercept"] + prm["slope_below_min"] * off
    bs = prm["bootstrap"]
    draws = np.column_stack(
        [bs["coef"], bs["intercept"], bs["slope_below_min"], bs["nuisance_shift"]]
    )
    mean, cov = draws.mean(axis=0), np.cov(draws.T, bias=True)
    k = prm["sd_scale"]
    sd = k * math.hypot(prm["sigma"], prm["tau"])
    sd2 = float(np.mean(k * k * (np.array(bs["sigma"]) ** 2 + np.array(bs["tau"]) ** 2)))
    z = 1.2815515655446004  # the 90% standard normal quantile: an 80% interval
    knots = [math.log1p(v) for v in spec["knots_n"]]

    def at(t: float) -> tuple[float, float]:
        xt = np.array([*x, 1.0, off, 0.0])
        xt[0] = min(max(t, knots[0]), knots[1]) - knots[0]
        xt[1] = min(max(t, knots[1]), knots[2]) - knots[1]
        xt[2] = min(max(t, knots[2]), knots[3]) - knots[2]
        xt[len(x) + 1] = min(t - knots[0], 0.0)
        return float(xt @ mean), float(xt @ cov @ xt)

    t = math.log1p(n)
    above = [at(v) for v in [0.0, *knots] if v > t] + [at(t)]
    below = [at(v) for v in [0.0, *knots] if v < t] + [at(t)]
    lo, hi = (float(v) for v in prm["band"])
    r = float(min(1.0, (n / prm["gate"]["n_min"]) ** prm["gate"]["exponent"]))

    def p_at(m: float) -> float:
        margin = float(prm["margin"])
        return lo + (hi - lo) * r * 0.5 * math.erfc(-(m - margin) / sd / math.sqrt(2))

    mean_lo = min(min(m - z * math.sqrt(q) for m, q in above), mu)
    mean_hi = max(max(m + z * math.sqrt(q) for m, q in below), mu)
    return {
        "p_fine_tuning_better": p_at(mu),
        "low": p_at(mean_lo),
        "high": p_at(mean_hi),
        "expected_gain_points": mu,
        "expected_gain_low_points": mean_lo,
        "expected_gain_high_points": mean_hi,
        "gain_low_points": min(min(m - z * math.sqrt(sd2 + q) for m, q in above), mu),
        "gain_high_points": max(max(m + z * math.sqrt(sd2 + q) for m, q in below), mu),
    }


@pytest.mark.parametrize(
    "task",
    [
        typical(0),
        typical(5),
        typical(37),
        typical(250, same_model=True, icl_params_b=7.0, icl_kind="open_weights"),
        typical(5000, task_type="knowledge_qa", n_classes=None, icl_retrieval=True),
        typical(20_000, task_type="generation", icl_shots=None, ft_params_b=None),
    ],
)
def test_shipped_predictions_are_reproduced_from_the_json_by_hand(task: QualityFeatures) -> None:
    prm = json.loads(DATA.joinpath("quality_params.json").read_text("utf-8"))
    want = _by_hand(prm, task)
    got = load_default_quality_model().predict(task)
    for key, value in want.items():
        assert getattr(got, key) == pytest.approx(value, abs=1e-9), key


# -------------------------------------------------------------------------- refitting


def test_refit_on_a_small_synthetic_corpus(fitter: QualityFitter) -> None:
    params = fitter.model_.params
    assert params.corpus.n_rows == 96 and params.corpus.n_sources == 4
    assert len(params.bootstrap.coef) == 6 and params.fitted_on == "2000-01-01"
    coef = dict(zip(fitter.feature_names_in_, fitter.point_.coef, strict=True))
    for f in FEATURES:
        if f.constraint == "nonneg":
            assert coef[f.name] >= 0, f.name
        elif f.constraint == "nonpos":
            assert coef[f.name] <= 0, f.name
    assert coef["n_slope_10_100"] > 0 and coef["same_model"] > 0
    assert params.tau in params.fit.tau_grid and params.sd_scale > 0
    p = fitter.model_.predict_proba_batch([typical(n) for n in (0, 30, 300, 3000)])
    assert p[0] == BAND[0] and np.all(np.diff(p) >= 0)


def test_refit_is_deterministic_and_accepts_row_dicts() -> None:
    rows = synthetic_rows(n_sources=3, per_source=20, seed=3)
    a = fit_quality_model(rows, n_bootstrap=3, cross_validate=False, fitted_on="2000-01-01")
    b = fit_quality_model(rows, n_bootstrap=3, cross_validate=False, fitted_on="2000-01-01")
    assert a.to_json() == b.to_json()


def test_cross_validation_report_on_a_synthetic_corpus() -> None:
    report = cross_validate_quality_model(
        synthetic_rows(n_sources=3, per_source=20, seed=5), fold_draws=2
    )
    assert report.methods[:2] == ("model", "v1_refit") and "rule_n100_soft" in report.methods
    overall = report.get("model")
    assert overall.n_rows == 60 and 0 <= overall.brier <= 1
    scopes = {m.scope for m in report.metrics}
    assert {"overall", "src0", "src1", "src2", "bucket 100-999"} <= scopes
    assert any(s.startswith("task ") for s in scopes)
    assert report.gain_metrics and 0 <= report.gain_metrics[0].coverage <= 1
    assert len(report.sd_scales) == 3
    bins = report.reliability()
    assert sum(b[2] for b in bins) == 60
    with pytest.raises(Exception, match="scopes"):
        report.get("model", "nowhere")


def test_reliability_bins_and_buckets_by_hand() -> None:
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([0.05, 0.55, 0.58, 0.95])
    bins = reliability_bins(y, p, 2)
    assert bins[0] == (0.0, 0.5, 1, 0.05, 0.0)
    assert bins[1][:3] == (0.5, 1.0, 3) and bins[1][3:] == pytest.approx((2.08 / 3, 2 / 3))
    assert bucket_of(np.array([49.0, 99.0, 999.0, 1000.0]), np.zeros(4), (50, 100, 1000)) == (
        "<50",
        "50-99",
        "100-999",
        "1000+",
    )


def test_cross_validation_needs_two_sources() -> None:
    rows = synthetic_rows(n_sources=1, per_source=30, seed=2)
    with pytest.raises(DataFileError, match=r"at least 2 sources.*cross_validate=False"):
        fit_quality_model(rows, n_bootstrap=3, cross_validate=True)
    with pytest.raises(DataFileError, match="at least 2 sources"):
        cross_validate_quality_model(rows)


@pytest.mark.parametrize("n_sources", [1, 2])
def test_few_sources_give_an_honest_wide_interval(n_sources: int) -> None:
    rows = synthetic_rows(n_sources=n_sources, per_source=40, seed=6)
    model = fit_quality_model(rows, n_bootstrap=8, cross_validate=False, fitted_on="2000-01-01")
    assert model.params.force_wide
    assert model.params.bootstrap.method.startswith("two-stage")
    for n in (100, 1000, 20_000):
        e = model.predict(typical(n))
        assert e.wide and e.expected_gain_high_points - e.expected_gain_low_points > 0.5
        assert any(f"fitted on {n_sources} source(s) only" in note for note in e.notes)


def test_many_sources_do_not_force_wide(fitter: QualityFitter) -> None:
    assert not fitter.model_.params.force_wide
    assert fitter.model_.params.bootstrap.method.startswith("source bootstrap")


def test_unfittable_corpora_are_data_file_errors() -> None:
    rows = [{**r, "winner": "fine_tuning"} for r in synthetic_rows(n_sources=2, per_source=5)]
    with pytest.raises(DataFileError, match="both outcomes"):
        fit_quality_model(rows, n_bootstrap=2, cross_validate=False)
    rows = [{**r, "score_delta": ""} for r in synthetic_rows(n_sources=2, per_source=5)]
    with pytest.raises(DataFileError, match="score_delta"):
        fit_quality_model(rows, n_bootstrap=2, cross_validate=False)


def test_corpus_errors_name_line_and_column() -> None:
    rows = synthetic_rows(n_sources=1, per_source=3)
    rows[1]["winner"] = "fine-tuning"
    with pytest.raises(DataFileError, match=r"line 3 .*column 'winner'.*fine_tuning"):
        read_corpus(rows)
    rows = synthetic_rows(n_sources=1, per_source=3)
    rows[2]["icl_retrieval"] = "maybe"
    with pytest.raises(DataFileError, match=r"line 4 .*column 'icl_retrieval'"):
        read_corpus(rows)


def test_a_refitted_model_drives_recommend() -> None:
    import datetime as dt

    from strategy_advisor import TaskProfile, recommend

    model = fit_quality_model(
        synthetic_rows(), n_bootstrap=3, cross_validate=False, fitted_on="2000-01-01"
    )
    profile = TaskProfile(task_type="classification", n_labeled_examples=300, n_classes=3)
    rec = recommend(profile, quality_model=model, today=dt.date(2026, 11, 27))
    shipped = recommend(profile, today=dt.date(2026, 11, 27))
    assert rec.quality.expected_gain_points != shipped.quality.expected_gain_points


# ------------------------------------------------------------------- shipped data


def test_shipped_corpus_is_version_2_byte_for_byte() -> None:
    data = DATA.joinpath("evidence_public.csv").read_bytes()
    if REFERENCE.exists():
        assert data == REFERENCE.read_bytes()
    params = load_default_quality_model().params
    assert params.corpus.sha256 == hashlib.sha256(data).hexdigest()
    assert (params.corpus.n_rows, params.corpus.n_sources) == (683, 17)
    assert params.schema_version == 4


def test_shipped_model_beats_every_baseline_overall_out_of_source() -> None:
    cv = load_default_quality_model().params.cv
    assert cv is not None and cv.scheme == "leave-one-source-out"
    got = {(m.method, m.scope): m for m in cv.metrics}
    ours = got[("model", "overall")]
    baselines = [m for m in cv.methods if m != "model"]
    assert "v1_refit" in baselines and "rule_n100_soft" in baselines
    for other in baselines:
        theirs = got[(other, "overall")]
        assert ours.brier < theirs.brier and ours.log_loss < theirs.log_loss, other
    coverage = next(g for g in cv.gain if g.scope == "overall")
    assert 0.75 <= coverage.coverage <= 0.85  # the 80% predictive interval holds out of source


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.joinpath("quality_params.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d.pop("coef"), "coef"),
        (lambda d: d.update(coef=[0.0, 1.0]), "coef"),
        (lambda d: d.update(tau=-1.0), "tau"),
        (lambda d: d["bootstrap"].update(coef="oops"), "bootstrap.coef"),
        (lambda d: d["spec"]["size_impute_log10"].pop("unknown"), "size_impute_log10"),
        (lambda d: d.update(platt={"a": 1.0}), "platt"),
    ],
)
def test_malformed_params_name_file_and_key(edit: Any, key: str, tmp_path: Path) -> None:
    data = copy.deepcopy(_shipped())
    edit(data)
    path = tmp_path / "quality_params.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"quality_params\.json") as info:
        QualityModel.from_json(path)
    assert key in str(info.value)


def test_invalid_json_raises_data_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken\.json"):
        QualityModel.from_json(path)


def test_every_fit_setting_states_its_reason() -> None:
    raw = json.loads(DATA.joinpath("quality_fit.json").read_text("utf-8"))
    sections = [k for k, v in raw.items() if isinstance(v, dict)]
    assert len(sections) >= 14
    for key in sections:
        assert raw[key].get("why"), key


# --------------------------------------------------------------------------- docs


def test_quality_doc_tables_are_generated_from_the_shipped_parameters() -> None:
    import importlib.util

    script = ROOT / "benchmarks" / "quality_report.py"
    spec = importlib.util.spec_from_file_location("quality_report", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    blocks = module.doc_blocks(load_default_quality_model())
    assert module.update_doc(doc, blocks) == doc, (
        "docs/quality.md is stale: run python benchmarks/quality_report.py --doc-only"
    )
    assert all(f"<!-- generated:{name} -->" in doc for name in blocks)
