"""Regenerate docs/quality_report.md and the tables in docs/quality.md.

Usage::

    python benchmarks/quality_report.py [--docs DIR] [--jobs 2] [--fold-draws N]

The report comes from a fresh leave-one-source-out run on the shipped corpus (about 8
minutes on 2 cores with ``--jobs 2``); the tables inside ``docs/quality.md`` (between
``<!-- generated:NAME -->`` and ``<!-- /generated -->``) come from the shipped parameter file,
so they always show what the code produces. The reliability diagram is a table of bins;
``QualityCVReport.reliability()`` (``reliability_bins`` in ``_quality/cv.py``) returns the
same numbers for a chart.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from strategy_advisor import (
    PilotResult,
    QualityCVReport,
    QualityFeatures,
    QualityModel,
    cross_validate_quality_model,
    load_default_quality_model,
)

ROOT = Path(__file__).resolve().parents[1]
METRICS = (
    ("brier", "Brier", "lower"),
    ("log_loss", "log loss", "lower"),
    ("auc", "AUC", "higher"),
    ("accuracy", "accuracy", "higher"),
    ("ece", "ECE", "lower"),
)
BASELINES = (
    "v1_refit",
    "always_ft",
    "base_rate",
    "rule_n50",
    "rule_n100",
    "rule_n50_soft",
    "rule_n100_soft",
)
BUCKETS = ("<50", "50-99", "100-999", "1000+", "unstated")
#: Methods shown in the short tables of docs/quality.md.
DOC_METHODS = ("model", "v1_refit", "base_rate", "rule_n100_soft", "rule_n50", "rule_n100")
CURVE_N = (0, 5, 10, 20, 50, 100, 200, 1000, 10_000)
GATE_N = (0, 2, 5, 8, 10, 20, 100)
#: (FT score, ICL score, evaluation examples) of the pilot examples in quality.md.
PILOTS = (
    (0.83, 0.80, 1000),
    (0.83, 0.80, 100),
    (0.83, 0.80, 10),
    (0.805, 0.80, 1000),
    (0.93, 0.80, 200),
    (0.75, 0.80, 100),
    (0.75, 0.80, 1000),
)
#: Targets of issue 9 (leave-one-source-out, corpus version 2).
MIN_DECISIVE = 30
AUC_TARGET, ECE_TARGET = 0.80, 0.06


def _fmt(value: float | None, nd: int = 3) -> str:
    return "–" if value is None else f"{value:.{nd}f}"


def _rows(report: QualityCVReport, scope: str) -> dict[str, dict[str, Any]]:
    return {m.method: m.model_dump() for m in report.metrics if m.scope == scope}


def _table(by: Mapping[str, Mapping[str, Any]], methods: Sequence[str]) -> list[str]:
    lines = [
        "| method | " + " | ".join(label for _, label, _ in METRICS) + " |",
        "|---|" + "---:|" * len(METRICS),
    ]
    for method in methods:
        if method in by:
            cells = " | ".join(_fmt(by[method][key]) for key, _, _ in METRICS)
            lines.append(f"| {method} | {cells} |")
    return lines


def _scope_block(report: QualityCVReport, scope: str, title: str) -> list[str]:
    by = _rows(report, scope)
    if not by:
        return []
    m = by["model"]
    return [
        f"**{title}** ({m['n_rows']} rows, {m['n_ft_wins']} fine-tuning wins, "
        f"{m['n_decisive']} decisive)",
        "",
        *_table(by, report.methods),
        "",
    ]


def _compact(report: QualityCVReport, scopes: Sequence[tuple[str, str]], key: str) -> list[str]:
    methods = report.methods
    lines = [
        "| scope | rows | FT wins | " + " | ".join(methods) + " |",
        "|---|---:|---:|" + "---:|" * len(methods),
    ]
    for scope, label in scopes:
        by = _rows(report, scope)
        if not by:
            continue
        first = by["model"]
        cells = [_fmt(by[m][key]) for m in methods]
        lines.append(
            f"| {label} | {first['n_rows']} | {first['n_ft_wins']} | " + " | ".join(cells) + " |"
        )
    return lines


def targets(report: QualityCVReport) -> tuple[list[str], dict[str, bool]]:
    """The issue's targets, checked: beat every baseline on Brier and log loss overall and
    in every data-size bucket with at least 30 decisive rows; AUC and ECE."""
    lines = [
        "| scope | decisive rows | model Brier / log loss | best baseline Brier (which) | "
        "best baseline log loss (which) | beats every baseline on both? |",
        "|---|---:|---|---|---|---|",
    ]
    met: dict[str, bool] = {}
    for scope, label in [("overall", "overall"), *((f"bucket {b}", b) for b in BUCKETS)]:
        by = _rows(report, scope)
        if not by:
            continue
        m = by["model"]
        others = {k: v for k, v in by.items() if k in BASELINES}
        bb = min(others, key=lambda k: others[k]["brier"])
        bl = min(others, key=lambda k: others[k]["log_loss"])
        ok = m["brier"] < others[bb]["brier"] and m["log_loss"] < others[bl]["log_loss"]
        counts = m["n_decisive"] >= MIN_DECISIVE
        verdict = ("yes" if ok else "**no**") if counts else f"({'yes' if ok else 'no'}; < 30)"
        if counts:
            met[label] = ok
        lines.append(
            f"| {label} | {m['n_decisive']} | {m['brier']:.4f} / {m['log_loss']:.4f} | "
            f"{others[bb]['brier']:.4f} ({bb}) | {others[bl]['log_loss']:.4f} ({bl}) | "
            f"{verdict} |"
        )
    overall = report.get("model")
    met["AUC"] = overall.auc is not None and overall.auc >= AUC_TARGET
    met["ECE"] = overall.ece <= ECE_TARGET
    lines += [
        "",
        f"Overall AUC {_fmt(overall.auc)} (target ≥ {AUC_TARGET:.2f}: "
        f"{'met' if met['AUC'] else '**not met**'}); ECE {overall.ece:.3f} (target ≤ "
        f"{ECE_TARGET:.2f}: {'met' if met['ECE'] else '**not met**'}).",
    ]
    return lines, met


def oracle(report: QualityCVReport) -> dict[str, float]:
    """Scores of an oracle that knows each held-out source's own FT-win rate: the ceiling
    of any prediction that is constant within a source (no model can be it)."""
    from sklearn.metrics import roc_auc_score

    y = np.array(report.y, dtype=float)
    src = np.array(report.source_ids)
    p = np.empty(len(y))
    for s in np.unique(src):
        p[src == s] = y[src == s].mean()
    q = np.clip(p, 1e-15, 1 - 1e-15)
    return {
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
        "auc": float(roc_auc_score(y, p)),
    }


def _within_source_auc(report: QualityCVReport) -> list[str]:
    from sklearn.metrics import roc_auc_score

    y = np.array(report.y, dtype=float)
    src = np.array(report.source_ids)
    p = report.predictions_of("model")
    out = []
    for s in sorted(set(report.source_ids)):
        m = src == s
        if 0 < y[m].sum() < m.sum() and m.sum() >= 16:
            out.append(f"{s} {roc_auc_score(y[m], p[m]):.2f}")
    return out


def _gain_table(report: QualityCVReport) -> list[str]:
    lines = [
        "| scope | rows with a delta | MAE, model | MAE, training mean | RMSE, model | "
        "80% interval coverage | mean width (points) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for g in report.gain_metrics:
        lines.append(
            f"| {g.scope} | {g.n_rows} | {g.mae:.1f} | {g.mae_train_mean:.1f} | {g.rmse:.1f} | "
            f"{g.coverage:.3f} | {g.mean_width:.1f} |"
        )
    return lines


def render_markdown(report: QualityCVReport, corpus_sha: str) -> str:
    """The whole report as Markdown (pure: same inputs, same text)."""
    sources = sorted(set(report.source_ids))
    y = np.array(report.y, dtype=float)
    target_lines, met = targets(report)
    missed = [k for k, ok in met.items() if not ok]
    orc = oracle(report)
    overall = report.get("model")
    p_width = float(np.mean(np.array(report.p_high) - np.array(report.p_low)))
    tasks = list(dict.fromkeys(report.task_families))
    out = [
        "# Quality model: leave-one-source-out evaluation",
        "",
        "Generated by `benchmarks/quality_report.py`; do not edit by hand. Design and caveats: "
        "[quality.md](quality.md).",
        "",
        f"Corpus: `evidence_public.csv` version 2, {len(y)} rows from {len(sources)} sources "
        f"({int(y.sum())} fine-tuning wins; ties count as 'not better'), sha256 "
        f"`{corpus_sha[:16]}…`.",
        "",
        "Each source is held out in turn. Everything is refitted on the others: imputation "
        "constants, scaling, coefficients, the source-effect sd tau, the sd calibration k "
        "(through an inner leave-one-source-out loop; per fold "
        f"{min(report.sd_scales):.3f}-{max(report.sd_scales):.3f}), the bootstrap draws behind "
        "the intervals, and every baseline's rates. 'overall' pools all out-of-fold "
        "predictions. Rows whose size is unstated are predicted with the fit-time nuisance "
        "terms learned on the training sources. AUC of a method that is constant within a "
        "fold (base rate, the rules) is computed on the pooled predictions, so it mostly "
        "reflects between-fold differences.",
        "",
        "## Methods",
        "",
        *(f"- **{m}**: {d}" for m, d in zip(report.methods, report.descriptions, strict=True)),
        "",
        "## Targets",
        "",
        *target_lines,
        "",
    ]
    if missed:
        out += [
            "**Missed: " + ", ".join(missed) + ".** Why, from the evidence rather than from "
            "tuning to the targets:",
            "",
            f"- *The ceiling of source-level prediction.* An oracle that knew each held-out "
            f"source's own fine-tuning win rate (a constant per source, which no model can "
            f"know) would score AUC {orc['auc']:.3f}, Brier {orc['brier']:.3f}, log loss "
            f"{orc['log_loss']:.3f}. Much of the variation is a source level that no run-time "
            "feature explains: the fitted source effects span about 35 points, with "
            "tau = 10 points. Within a source the model ranks rows well where n or the arms vary "
            "inside it (AUC per source with both outcomes and at least 16 rows: "
            + ", ".join(_within_source_auc(report))
            + f"); with ties dropped the pooled AUC is "
            f"{_fmt(report.get('model', 'overall (ties dropped)').auc)}.",
            f"- *ECE {overall.ece:.3f}.* The reliability table below is not monotone, so no "
            "monotone recalibration can fix it; a nested Platt step made every score worse "
            "(FINDINGS of the v2 study: log loss +0.019 ± 0.022). A model honest about "
            "between-source uncertainty cannot be sharp, and pooled bins mix sources whose "
            "levels it cannot know.",
            "- *50-99 and 100-999.* Each bucket holds two sources. 50-99 is bucher at 50 "
            "examples and liu's T-Few rows (60% fine-tuning wins); the within-source curves "
            "(CLUES at 10-30, bucher at 50) put p near 0.4-0.5 there, so the base rate wins. "
            "100-999 is bucher and ho (86% wins), where always-fine-tune has the best Brier. "
            "Beating those baselines would mean predicting two sources' levels, which "
            "leave-one-source-out cannot reward honestly.",
            "- *1000+* is within a few thousandths of the softened n ≥ 100 rule on both "
            "scores (see the bucket table).",
            "",
        ]
    out += [
        "## Overall",
        "",
        *_scope_block(report, "overall", "All rows"),
        *_scope_block(report, "overall (ties dropped)", "Ties dropped"),
        *_scope_block(report, "n stated", "Rows that state n"),
        "## Per data-size bucket",
        "",
        "By the training-set size the source states ('unstated': imputed).",
        "",
    ]
    for b in BUCKETS:
        out += _scope_block(report, f"bucket {b}", f"n {b}")
    out += ["## Per task family", ""]
    fam = [(f"task {t}", t) for t in tasks]
    for key, label, better in METRICS[:4]:
        out += [f"### {label} ({better} is better)", "", *_compact(report, fam, key), ""]
    out += ["## Per held-out source", ""]
    per = [(s, s) for s in sources]
    for key, label, better in METRICS[:3]:
        out += [f"### {label} ({better} is better)", "", *_compact(report, per, key), ""]
    out += [
        "## Reliability of the model (out-of-fold)",
        "",
        "The numbers of the reliability diagram: `QualityCVReport.reliability('model')` "
        "returns them as `(lower, upper, rows, mean predicted, observed)`.",
        "",
        "| bin | rows | mean predicted | observed FT-win rate |",
        "|---|---:|---:|---:|",
    ]
    for lo, hi, cnt, mp, fy in report.reliability("model"):
        out.append(f"| {lo:.1f}–{hi:.1f} | {cnt} | {mp:.3f} | {fy:.3f} |")
    out += [
        "",
        "## The gain out of source",
        "",
        "The expected gain (points) against each row's `score_delta`, and the share of deltas "
        "inside the 80% predictive interval (with the fold's bootstrap draws). The training "
        "mean is the baseline for the point: the expected gain has little out-of-source skill "
        "over it, so the library presents the gain with its interval, and the interval's "
        f"coverage is the tested part. The 80% interval of p has mean width {p_width:.3f}.",
        "",
        *_gain_table(report),
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------- tables in docs/quality.md


def _task(n: int, same: bool, **kw: Any) -> QualityFeatures:
    base: dict[str, Any] = dict(
        task_type="classification",
        n_labeled_examples=n,
        n_classes=4,
        icl_shots=min(8, n),
        ft_params_b=7.0,
        icl_params_b=7.0 if same else None,
        ft_kind="open_weights",
        icl_kind="open_weights" if same else "frontier_api",
        same_model=same,
        ft_method="lora",
    )
    return QualityFeatures(**{**base, **kw})


SCENARIOS: tuple[tuple[str, bool, dict[str, Any]], ...] = (
    ("4-class classification, 7B open model tuned vs frontier API prompted", False, {}),
    ("4-class classification, the same 7B model tuned vs prompted", True, {}),
    ("knowledge QA, 7B tuned vs frontier API prompted", False, {"task_type": "knowledge_qa"}),
    (
        "knowledge QA, 7B tuned vs frontier API prompted with retrieved context",
        False,
        {"task_type": "knowledge_qa", "icl_retrieval": True},
    ),
    ("generation, 7B tuned vs frontier API prompted", False, {"task_type": "generation"}),
)


def doc_blocks(model: QualityModel) -> dict[str, str]:
    """The generated tables of docs/quality.md, from the shipped parameters only."""
    prm = model.params
    sign = {"nonneg": "≥ 0", "nonpos": "≤ 0", "free": "free"}
    draws = np.array(prm.bootstrap.coef)
    lo, hi = np.quantile(draws, [0.1, 0.9], axis=0)
    coef = [
        "| feature | sign | coef (points per unit) | 10%-90% over the bootstrap draws |",
        "|---|---|---:|---|",
    ]
    for i, (f, w) in enumerate(zip(prm.features, prm.coef, strict=True)):
        held = " (held at 0)" if w == 0 and f.constraint != "free" else ""
        coef.append(
            f"| `{f.name}` | {sign[f.constraint]} | {w:+.2f}{held} | {lo[i]:+.2f} to {hi[i]:+.2f} |"
        )
    sd = model.predictive.sd
    fo = prm.fit_only
    effects = ", ".join(
        f"{k} {v:+.1f}" for k, v in sorted(fo.source_effects.items(), key=lambda kv: kv[1])
    )
    coef += [
        f"| intercept | | {prm.intercept:+.2f} | |",
        "",
        f"sd calibration k = {prm.sd_scale:.3f}; source-effect sd tau = {prm.tau:g} points; "
        f"residual sd sigma = {prm.sigma:.1f} points; predictive sd for a new source "
        f"k·sqrt(sigma² + tau²) = {sd:.1f} points. Fit-only: rows with an unstated n shift "
        f"the mean by {fo.nuisance_shift:+.1f} points and have residual sd "
        f"{fo.sigma_unstated:.1f}; source effects (integrated out at run time): {effects}. "
        f"{prm.fit.n_bootstrap} source-bootstrap draws, seed {prm.fit.random_state}.",
    ]
    metrics = [m.model_dump() for m in prm.cv.metrics] if prm.cv is not None else []
    loso: list[str] = []
    for scope, title in (("overall", "All rows"), ("n stated", "Rows that state n")):
        by = {m["method"]: m for m in metrics if m["scope"] == scope}
        if by:
            first = by["model"]
            loso += [
                f"**{title}** ({first['n_rows']} rows, {first['n_ft_wins']} fine-tuning wins):",
                "",
                *_table(by, DOC_METHODS),
                "",
            ]
    curves: list[str] = []
    for title, same, kw in SCENARIOS:
        ests = [model.predict(_task(n, same, **kw)) for n in CURVE_N]
        curves += [
            f"**{title}**",
            "",
            "| n | " + " | ".join(f"{n:,}" for n in CURVE_N) + " |",
            "|---|" + "---:|" * len(CURVE_N),
            "| p | " + " | ".join(f"{e.p_fine_tuning_better:.2f}" for e in ests) + " |",
            "| p 80% | " + " | ".join(f"{e.low:.2f}-{e.high:.2f}" for e in ests) + " |",
            "| gain (points) | "
            + " | ".join(f"{e.expected_gain_points:+.1f}" for e in ests)
            + " |",
            "| gain 80% predictive | "
            + " | ".join(f"{e.gain_low_points:+.0f} to {e.gain_high_points:+.0f}" for e in ests)
            + " |",
            "| expected gain 80% | "
            + " | ".join(
                f"{e.expected_gain_low_points:+.0f} to {e.expected_gain_high_points:+.0f}"
                for e in ests
            )
            + " |",
            "",
        ]
        grid = [model.predict(_task(n, same, **kw)).p_fine_tuning_better for n in range(0, 2001)]
        even = next((n for n, p in enumerate(grid) if p >= 0.5), None)
        curves += [
            f"p ≥ 0.5 from n = {even:,}." if even is not None else "p < 0.5 up to n = 2,000.",
            "",
        ]
    gate = prm.gate
    gate_lines = [
        f"`r(n) = min(1, (n / {gate.n_min:g})^{gate.exponent:g})`:",
        "",
        "| n | " + " | ".join(f"{n:g}" for n in GATE_N) + " |",
        "|---|" + "---:|" * len(GATE_N),
        "| r(n) | " + " | ".join(f"{model.data_sufficiency(n):.2f}" for n in GATE_N) + " |",
    ]
    pilot = [
        "| pilot: FT vs ICL score, evaluation examples | p before | gain before | p after | "
        "gain after (80% predictive) | pilot's weight |",
        "|---|---:|---:|---:|---|---:|",
    ]
    note = ""
    for ft, icl, k in PILOTS:
        e = model.predict(
            _task(1000, False), pilot=PilotResult(ft_score=ft, icl_score=icl, n_eval_examples=k)
        )
        assert e.pilot is not None
        pilot.append(
            f"| {ft:g} vs {icl:g}, {k:,} | {e.pilot.p_before:.2f} | "
            f"{e.pilot.gain_before_points:+.1f} | {e.p_fine_tuning_better:.2f} | "
            f"{e.expected_gain_points:+.1f} ({e.gain_low_points:+.0f} to "
            f"{e.gain_high_points:+.0f}) | {e.pilot.weight:.2f} |"
        )
        note = note or e.pilot.message
    pilot += ["", f'The note of the first row: "{note}".']
    return {
        "coefficients": "\n".join(coef),
        "loso": "\n".join(loso).rstrip("\n"),
        "curves": "\n".join(curves).rstrip("\n"),
        "gate": "\n".join(gate_lines),
        "pilot": "\n".join(pilot),
    }


_BLOCK = re.compile(
    r"^([ \t]*)(<!-- generated:(\w+) -->\n).*?^[ \t]*(<!-- /generated -->)",
    re.DOTALL | re.MULTILINE,
)


def update_doc(text: str, blocks: Mapping[str, str]) -> str:
    """Replace every ``<!-- generated:NAME -->`` block of ``text`` by ``blocks[NAME]``.

    The block keeps the indentation of its opening marker (so it can sit inside a list item).
    """

    def sub(m: re.Match[str]) -> str:
        pad = m.group(1)
        body = "".join(
            f"{pad}{line}\n" if line else "\n" for line in blocks[m.group(3)].split("\n")
        )
        return f"{pad}{m.group(2)}{body}{pad}{m.group(4)}"

    return _BLOCK.sub(sub, text)


def main(argv: list[str] | None = None) -> int:
    """Write the report and the tables of quality.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument(
        "--fold-draws", type=int, default=None, help="bootstrap draws per fold (default: settings)"
    )
    parser.add_argument(
        "--doc-only", action="store_true", help="only regenerate the tables of quality.md"
    )
    args = parser.parse_args(argv)
    design = args.docs / "quality.md"
    if design.exists():
        text = design.read_text(encoding="utf-8")
        design.write_text(update_doc(text, doc_blocks(load_default_quality_model())), "utf-8")
    if args.doc_only:
        return 0
    corpus = Path(
        str(resources.files("strategy_advisor").joinpath("data").joinpath("evidence_public.csv"))
    )
    report = cross_validate_quality_model(corpus, fold_draws=args.fold_draws, n_jobs=args.jobs)
    sha = hashlib.sha256(corpus.read_bytes()).hexdigest()
    args.docs.mkdir(parents=True, exist_ok=True)
    (args.docs / "quality_report.md").write_text(render_markdown(report, sha), encoding="utf-8")
    m = report.get("model")
    print(
        f"wrote {args.docs / 'quality_report.md'}: model Brier {m.brier:.4f}, log loss "
        f"{m.log_loss:.4f}, AUC {_fmt(m.auc)}, accuracy {m.accuracy:.3f}, ECE {m.ece:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
