"""Regenerate docs/quality_report.md, docs/img/reliability.png and the tables in docs/quality.md.

Usage::

    python benchmarks/quality_report.py [--docs DIR] [--no-sensitivity]

The report comes from a fresh leave-one-source-out run on the shipped corpus; the tables inside
``docs/quality.md`` (between ``<!-- generated:NAME -->`` and ``<!-- /generated -->``) come from
the shipped parameter file, so they always show what the code produces. The reliability
diagram needs matplotlib (``pip install 'strategy_advisor[plot]'``).
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
    QualityMetrics,
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
#: Methods shown in the short tables of docs/quality.md.
DOC_METHODS = ("model", "always_ft", "base_rate", "rule_n50", "rule_n100")
GRID_C = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
TYPICAL_N = (0, 10, 20, 50, 100, 1000, 10_000)
GATE_N = (0, 5, 10, 20, 32, 37, 50, 100, 258)
#: (FT score, ICL score, evaluation examples) of the pilot examples in quality.md.
PILOTS = (
    (0.83, 0.80, 1000),
    (0.83, 0.80, 10),
    (0.83, 0.80, 100),
    (0.805, 0.80, 1000),
    (0.75, 0.80, 10),
    (0.75, 0.80, 100),
    (0.75, 0.80, 1000),
)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _table(rows: Sequence[Mapping[str, Any]], methods: Sequence[str]) -> list[str]:
    """Metric table from plain metric dicts (one per method, in ``methods`` order)."""
    by = {r["method"]: r for r in rows}
    lines = [
        "| method | " + " | ".join(label for _, label, _ in METRICS) + " |",
        "|---|" + "---:|" * len(METRICS),
    ]
    for method in methods:
        if method in by:
            cells = " | ".join(_fmt(by[method][key]) for key, _, _ in METRICS)
            lines.append(f"| {method} | {cells} |")
    return lines


def _scope_rows(report: QualityCVReport, scope: str) -> list[dict[str, Any]]:
    return [m.model_dump() for m in report.metrics if m.scope == scope]


def _per_source_table(report: QualityCVReport, key: str, sources: list[str]) -> list[str]:
    lines = [
        "| source | rows | FT wins | " + " | ".join(report.methods) + " |",
        "|---|---:|---:|" + "---:|" * len(report.methods),
    ]
    for s in sources:
        first: QualityMetrics = report.get(report.methods[0], s)
        cells = [_fmt(getattr(report.get(m, s), key)) for m in report.methods]
        lines.append(f"| {s} | {first.n_rows} | {first.n_ft_wins} | " + " | ".join(cells) + " |")
    return lines


def _below_half(report: QualityCVReport) -> list[str]:
    """Where the model says 'prompt' out-of-fold: how often it is right, per source."""
    y = np.array(report.y)
    p = report.predictions_of("model")
    src = np.array(report.source_ids)
    stated = np.array([v is not None and v >= 50 for v in report.n_stated])
    low = p < 0.5
    lines = [
        f"Out-of-fold, the model gives p < 0.5 for {int(low.sum())} of {len(y)} rows "
        f"({int((low & stated).sum())} of them state n ≥ 50); fine-tuning won "
        f"{int(y[low].sum())} of those, so the 'prompt' call was right in "
        f"{int(low.sum() - y[low].sum())} of {int(low.sum())}.",
        "",
        "| source | rows with p < 0.5 | FT wins among them | mean p there |",
        "|---|---:|---:|---:|",
    ]
    for s in sorted(set(report.source_ids)):
        m = low & (src == s)
        if m.any():
            lines.append(f"| {s} | {int(m.sum())} | {int(y[m].sum())} | {p[m].mean():.3f} |")
    return lines


def _paired_se(loss: np.ndarray, best: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """Mean difference of per-row losses and its source-clustered standard error."""
    d = loss - best
    mean = float(d.mean())
    sources = np.unique(groups)
    sums = np.array([d[groups == s].sum() - mean * (groups == s).sum() for s in sources])
    k = len(sources)
    return mean, float(np.sqrt((sums**2).sum() * k / (k - 1)) / len(d))


def sensitivity(corpus: Path) -> list[str]:
    """C x Platt grid, scored out of source, with the paired one-SE rule for C."""
    runs: dict[tuple[float, bool], QualityCVReport] = {
        (c, cal): cross_validate_quality_model(corpus, C=c, calibrate=cal)
        for cal in (False, True)
        for c in GRID_C
    }
    first = next(iter(runs.values()))
    y = np.array(first.y, dtype=float)
    groups = np.array(first.source_ids)

    def row_loss(r: QualityCVReport) -> np.ndarray:
        p = np.clip(r.predictions_of("model"), 1e-15, 1 - 1e-15)
        return np.asarray(-(y * np.log(p) + (1 - y) * np.log(1 - p)))

    losses = {k: row_loss(r) for k, r in runs.items()}
    best = min(losses, key=lambda k: float(losses[k].mean()))
    lines = [
        "| C | Platt | log loss | Δ vs best (± paired SE) | Brier | AUC | accuracy | "
        "rows p < 0.5 | FT wins there |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (c, cal), r in runs.items():
        m = r.get("model")
        diff, se = _paired_se(losses[(c, cal)], losses[best], groups)
        p = r.predictions_of("model")
        low = p < 0.5
        lines.append(
            f"| {c:g} | {'yes' if cal else 'no'} | {m.log_loss:.4f} | {diff:+.4f} ± {se:.4f} | "
            f"{m.brier:.4f} | {_fmt(m.auc)} | {m.accuracy:.3f} | {int(low.sum())} | "
            f"{int(y[low].sum())} |"
        )
    return lines


def render_markdown(
    report: QualityCVReport, corpus_sha: str, image: str | None, grid: list[str] | None
) -> str:
    """The whole report as Markdown (pure: same inputs, same text)."""
    sources = sorted(set(report.source_ids))
    y = np.array(report.y, dtype=float)
    out = [
        "# Quality model: leave-one-source-out evaluation",
        "",
        "Generated by `benchmarks/quality_report.py`; do not edit by hand. Design and caveats: "
        "[quality.md](quality.md).",
        "",
        f"Corpus: `evidence_public.csv`, {len(y)} rows from {len(sources)} sources "
        f"({int(y.sum())} fine-tuning wins; ties count as 'not better'), sha256 "
        f"`{corpus_sha[:16]}…`.",
        "",
        "Each source is held out in turn; everything (imputation constants, coefficients, and "
        "in the Platt ablation the calibration, itself fitted on an inner leave-one-source-out "
        "loop) is learned from the other sources, and the held-out rows are predicted. "
        "'overall' pools all out-of-fold predictions. AUC of a method that is constant within "
        "a fold (base rate, the hard rules) is computed on the pooled predictions, so it "
        "mostly reflects between-fold differences.",
        "",
        "## Methods",
        "",
        *(f"- **{m}**: {d}" for m, d in zip(report.methods, report.descriptions, strict=True)),
        "",
        "## Overall",
        "",
        *_table(_scope_rows(report, "overall"), report.methods),
        "",
        "Ties dropped (decisive rows only):",
        "",
        *_table(_scope_rows(report, "overall (ties dropped)"), report.methods),
        "",
        "## Rows that state n ≥ 50 (and n ≥ 100)",
        "",
        "Rows whose source states a training-set size of at least 50 examples (imputed sizes "
        "excluded). Here the vendor rule 'n ≥ 50 → fine-tune' is the same as always "
        "fine-tune, so this is where the model must earn its keep against it.",
        "",
    ]
    for t in (50, 100):
        scope = f"n stated >= {t}"
        rows = _scope_rows(report, scope)
        if rows:
            out += [
                f"**n stated ≥ {t}** ({rows[0]['n_rows']} rows, {rows[0]['n_ft_wins']} "
                "fine-tuning wins):",
                "",
                *_table(rows, report.methods),
                "",
            ]
    out += ["## Where the model says 'prompt'", "", *_below_half(report), "", "## Per source", ""]
    for key, label, better in METRICS:
        out += [
            f"### {label} ({better} is better)",
            "",
            *_per_source_table(report, key, sources),
            "",
        ]
    out += [
        "## Reliability of the model (out-of-fold)",
        "",
        "| bin | rows | mean predicted | observed FT-win rate |",
        "|---|---:|---:|---:|",
    ]
    for lo, hi, cnt, mp, fy in report.reliability("model"):
        out.append(f"| {lo:.1f}–{hi:.1f} | {cnt} | {mp:.3f} | {fy:.3f} |")
    out.append("")
    if image:
        out += [f"![Reliability diagram]({image})", ""]
    if grid:
        out += [
            "## Sensitivity: penalty and Platt step",
            "",
            "The whole pipeline, cross-validated at each L2 strength `C` with and without a "
            "Platt step. 'Δ vs best' is the log-loss difference to the best cell with its "
            "source-clustered paired standard error. The shipped `C` is the most regularised "
            "one within one such standard error of the best (a one-SE rule); 'rows p < 0.5' "
            "shows how often, and how reliably, each variant says 'prompt'.",
            "",
            *grid,
            "",
        ]
    return "\n".join(out)


# --------------------------------------------------------------- tables in docs/quality.md


def _typical(n: int, same: bool) -> QualityFeatures:
    return QualityFeatures(
        task_type="classification",
        n_labeled_examples=n,
        n_classes=4,
        icl_shots=5,
        ft_params_b=7.0,
        icl_params_b=7.0 if same else None,
        ft_kind="open_weights",
        icl_kind="open_weights" if same else "frontier_api",
        same_model=same,
        ft_method="lora",
    )


def doc_blocks(model: QualityModel) -> dict[str, str]:
    """The generated tables of docs/quality.md, from the shipped parameters only."""
    prm = model.params
    lg = prm.logit
    a, b = prm.platt.a, prm.platt.b
    sign = {"nonneg": "≥ 0", "nonpos": "≤ 0", "free": "free"}
    coef = [
        "| feature | sign | coef per unit | coef per 2 sd (penalised scale) |",
        "|---|---|---:|---:|",
    ]
    for f, w, s in zip(prm.features, lg.coef, lg.scale, strict=True):
        if w == 0:
            cells = "0 (held at 0)" if f.constraint != "free" else "0", "0"
        else:
            cells = f"{a * w / s:+.3f}", f"{a * w:+.3f}"
        coef.append(f"| `{f.name}` | {sign[f.constraint]} | {cells[0]} | {cells[1]} |")
    icpt = a * (
        lg.intercept - sum(c / s * w for c, s, w in zip(lg.center, lg.scale, lg.coef, strict=True))
    )
    platt = "no Platt step" if (a, b) == (1.0, 0.0) else f"Platt step a = {a:.3g}, b = {b:.3g}"
    coef += [
        "",
        f"Intercept on the raw features {icpt + b:+.3f}; {platt}; C = {prm.hyperparameters.C:g}.",
    ]
    metrics = [m.model_dump() for m in prm.cv.metrics] if prm.cv is not None else []
    loso: list[str] = []
    for scope, title in (("overall", "All rows"), ("n stated >= 50", "Rows that state n ≥ 50")):
        rows = [m for m in metrics if m["scope"] == scope]
        if rows:
            loso += [
                f"**{title}** ({rows[0]['n_rows']} rows, {rows[0]['n_ft_wins']} fine-tuning wins):",
                "",
                *_table(rows, DOC_METHODS),
                "",
            ]
    typical = [
        "| n | 7B open model tuned vs frontier API prompted | same 7B model, tuned vs prompted |",
        "|---:|---|---|",
    ]
    for n in TYPICAL_N:
        cells = []
        for same in (False, True):
            e = model.predict(_typical(n, same))
            flag = ", flagged wide" if e.wide else ""
            cells.append(f"{e.p_fine_tuning_better:.2f} ({e.low:.2f}-{e.high:.2f}){flag}")
        typical.append(f"| {n:,} | " + " | ".join(cells) + " |")
    gate = prm.gate
    curve = [
        f"`r(n) = n^{gate.exponent:g} / (n^{gate.exponent:g} + {gate.n_half:g}^"
        f"{gate.exponent:g})`:",
        "",
        "| n | " + " | ".join(f"{n:g}" for n in GATE_N) + " |",
        "|---|" + "---:|" * len(GATE_N),
        "| r(n) | " + " | ".join(f"{model.data_sufficiency(n):.2f}" for n in GATE_N) + " |",
    ]
    pilot = [
        "| pilot: FT vs ICL score, evaluation examples | p before | p after |",
        "|---|---:|---:|",
    ]
    note = ""
    for ft, icl, k in PILOTS:
        e = model.predict(
            _typical(1000, False),
            pilot=PilotResult(ft_score=ft, icl_score=icl, n_eval_examples=k),
        )
        pilot.append(
            f"| {ft:g} vs {icl:g}, {k:,} | {e.pilot.p_before if e.pilot else 0:.2f} | "
            f"{e.p_fine_tuning_better:.2f} |"
        )
        note = note or (e.pilot.message if e.pilot else "")
    pilot += ["", f'The note of the first row: "{note}".']
    return {
        "pilot": "\n".join(pilot),
        "coefficients": "\n".join(coef),
        "loso": "\n".join(loso).rstrip("\n"),
        "typical": "\n".join(typical),
        "gate": "\n".join(curve),
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


def plot_reliability(report: QualityCVReport, ax: Any = None) -> Any:
    """Draw the reliability diagram of the model and its Platt ablation; return the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    for method, color in zip(report.methods[:2], ("tab:blue", "tab:orange"), strict=True):
        bins = report.reliability(method)
        xs, ys, counts = [b[3] for b in bins], [b[4] for b in bins], [b[2] for b in bins]
        ax.plot(xs, ys, "-", color=color, alpha=0.6, label=f"{method} (marker area ~ rows)")
        ax.scatter(xs, ys, s=[8 + 3 * c for c in counts], color=color, alpha=0.8, zorder=3)
        if method == "model":
            for x, yy, c in zip(xs, ys, counts, strict=True):
                ax.annotate(
                    str(c),
                    (x, yy),
                    textcoords="offset points",
                    xytext=(6, -10),
                    fontsize=8,
                    color=color,
                )
    ax.set_xlabel("predicted P(fine-tuning better), out-of-fold")
    ax.set_ylabel("observed share of fine-tuning wins")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Leave-one-source-out reliability (10 bins)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def main(argv: list[str] | None = None) -> int:
    """Write the report, the diagram (with matplotlib) and the tables of quality.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--no-sensitivity", action="store_true", help="skip the C x Platt grid (12 CV runs)"
    )
    args = parser.parse_args(argv)
    corpus = Path(
        str(resources.files("strategy_advisor").joinpath("data").joinpath("evidence_public.csv"))
    )
    report = cross_validate_quality_model(corpus)
    grid = None if args.no_sensitivity else sensitivity(corpus)
    sha = hashlib.sha256(corpus.read_bytes()).hexdigest()
    image: str | None = "img/reliability.png"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed: skipping docs/img/reliability.png. "
            "Install it with: pip install 'strategy_advisor[plot]'",
            file=sys.stderr,
        )
        image = None
    if image is not None:
        (args.docs / "img").mkdir(parents=True, exist_ok=True)
        ax = plot_reliability(report)
        ax.figure.tight_layout()
        ax.figure.savefig(args.docs / image, dpi=120, metadata={"Software": None})
        plt.close(ax.figure)
    args.docs.mkdir(parents=True, exist_ok=True)
    (args.docs / "quality_report.md").write_text(
        render_markdown(report, sha, image, grid), encoding="utf-8"
    )
    design = args.docs / "quality.md"
    if design.exists():
        text = design.read_text(encoding="utf-8")
        design.write_text(update_doc(text, doc_blocks(load_default_quality_model())), "utf-8")
    m = report.get("model")
    print(
        f"wrote {args.docs / 'quality_report.md'}: model Brier {m.brier:.4f}, "
        f"AUC {_fmt(m.auc)}, accuracy {m.accuracy:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
