"""Write the notebooks in ``notebooks/`` from the cells below, executed, with their outputs.

Run after changing the library: ``python scripts/build_notebook.py`` (or name some:
``python scripts/build_notebook.py economics``). Each notebook runs in a fresh Jupyter kernel
(nbclient) in ``notebooks/``, offline: a first cell, not stored, blocks the network and points
tiktoken at an empty cache. ``tests/test_notebook.py`` executes every stored notebook the same
way and compares its text and HTML outputs with the stored ones, so a stale notebook fails CI.

The calibration notebook reads ``notebooks/quality_cv_report.json``: the cross-validation
report of the shipped quality model (every held-out prediction), which takes minutes to
compute; ``--cv`` computes it again (after a refit), and the notebook checks it against the
record shipped in ``quality_params.json``.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CV_REPORT = NOTEBOOKS / "quality_cv_report.json"
KERNEL = "python3"
TIMEOUT_S = 300  # per cell

#: Run first in the kernel, not stored: no network, no tiktoken download cache, inline figures.
SETUP = """\
import os, socket, tempfile
def _offline(*args, **kwargs):
    raise OSError("network access blocked while the notebook is built or tested")
socket.socket.connect = socket.socket.connect_ex = _offline
socket.create_connection = socket.getaddrinfo = _offline
os.environ["TIKTOKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="empty-tiktoken-cache-")
os.environ.pop("DATA_GYM_CACHE_DIR", None)
get_ipython().run_line_magic("matplotlib", "inline")
"""

QUICKSTART: list[tuple[str, str]] = [
    ("markdown", "# strategy_advisor quick start\n\nFine-tune a model or prompt one with "
     "examples? This notebook goes from a file of labeled examples to a recommendation, with "
     "its numbers, reasons, ranges and charts. Everything runs offline."),
    ("code", "import datetime\nfrom pathlib import Path\n\nimport strategy_advisor as sa\n\n"
     "TODAY = datetime.date(2026, 12, 1)  # fixed for a reproducible notebook; omit for today\n"
     "EXAMPLES = Path('..', 'examples')"),
    ("markdown", "## From an examples file to a profile\n`examples/support_tickets.jsonl` holds "
     "240 labeled support tickets in the chat format (system, user, assistant). "
     "`profile_from_examples` counts their tokens (exactly with the `[tokenizers]` extra, else "
     "it says how far off an estimate may be) and adds what the file cannot say: the volume, "
     "the horizon, the models."),
    ("code", "profile = sa.profile_from_examples(\n    EXAMPLES / 'support_tickets.jsonl',\n"
     "    task_type='classification', n_classes=6,\n    requests_per_month=400_000, "
     "horizon_months=12, latency_budget_ms=2000,\n    task_change_interval_days=90,\n"
     "    icl_model='gpt-5.4-mini', ft_model='fireworks/llama-v3p1-8b-instruct',\n)\n"
     "m = profile.token_measurement\n"
     "print(f'{m.n_counted} of {m.n_examples} examples counted with {m.encoding}: '\n"
     "      f'query {profile.avg_input_tokens:.1f}, output {profile.avg_output_tokens:.2f}, '\n"
     "      f'instructions {profile.instruction_tokens:.0f} tokens on average')"),
    ("markdown", "The same profile as a file is `examples/support_tickets.json` (it names the "
     "examples file); `strategy-advisor recommend examples/support_tickets.json` runs it from "
     "the command line."),
    ("markdown", "## The recommendation\n`recommend` returns an immutable `Recommendation`. "
     "Its numbers are plain attributes:"),
    ("code", "rec = sa.recommend(profile, today=TODAY)\n"
     "print(rec.strategy.label, round(rec.confidence, 2))\n"
     "print('P(fine-tuning better) =', round(rec.quality.p_fine_tuning_better, 2),\n"
     "      (round(rec.quality.low, 2), round(rec.quality.high, 2)))\n"
     "for s in sa.Strategy:\n    c = rec.costs[s]\n"
     "    print(f'{s.label:>20}: ${c.total_usd:,.0f} (${c.total_usd_low:,.0f} to '\n"
     "          f'${c.total_usd_high:,.0f}) over {rec.profile.horizon_months:g} months')\n"
     "print('break-even requests/month:', round(rec.break_even_requests_per_month))"),
    ("markdown", "Why, deciding factors first, and what would change the answer (each input "
     "alone, searched on the real pipeline):"),
    ("code", "for r in rec.reasons[:3]:\n    print('-', r.code, ':', r.message)\n"
     "for f in rec.flip_points:\n"
     "    print(f'{f.label}: {f.current_text} -> {f.text} makes it {f.becomes.label}')"),
    ("markdown", "## In a notebook\nA recommendation on its own renders as HTML: the verdict, "
     "what decided it, the costs with their 80% intervals over the simulation's draws, the "
     "serving routes not chosen, the deciding reasons, total cost against monthly "
     "volume and the sensitivity tornado (inline SVG, no matplotlib needed). `rec.to_html()` "
     "is the full report as one self-contained page; `rec.to_markdown()` is for tickets. The "
     "Display objects draw the same charts with matplotlib (`pip install "
     "'strategy_advisor[plot]'`)."),
    ("code", "from IPython.display import display\n\ndisplay(rec)\n"
     "sa.CostVolumeDisplay.from_recommendation(rec).plot();"),
]  # fmt: skip

ECONOMICS: list[tuple[str, str]] = [
    ("markdown", "# The economics: volume, flip points, what-if\n\nA help desk answering "
     "questions from documents that change every week (`examples/weekly_knowledge_qa.json`). "
     "Prompting pays for 2,500 retrieved tokens on every request; the tuned model retrains "
     "every week. Which inputs decide, and how far would they have to move?"),
    ("code", "import datetime\nimport json\nfrom pathlib import Path\n\n"
     "import strategy_advisor as sa\n\nTODAY = datetime.date(2026, 12, 1)\n"
     "profile = sa.TaskProfile.model_validate(\n"
     "    json.loads(Path('..', 'examples', 'weekly_knowledge_qa.json').read_text()))\n"
     "rec = sa.recommend(profile, today=TODAY)\nprint(rec.summary)"),
    ("markdown", "## A volume sweep\n`sweep` recommends again at each value of one input "
     "(a dotted path into the profile) and tabulates the answer and both totals."),
    ("code", "volumes = [10_000, 50_000, 150_000, 500_000, 1_000_000, 2_000_000, 5_000_000]\n"
     "sw = sa.sweep(profile, 'requests_per_month', volumes, today=TODAY)\n\n\n"
     "def usd(x):\n    return f'${x:,.0f}'\n\n\n"
     "print(f\"{'requests/month':>15} {'answer':>20} {'conf':>5} {'fine-tuning':>12} "
     "{'prompting':>12}\")\n"
     "for row in sw.rows:\n"
     "    print(f'{row.value:>15,.0f} {row.strategy.label:>20} {row.confidence:>5.2f} '\n"
     "          f'{usd(row.ft_total_usd):>12} {usd(row.icl_total_usd):>12}')\n"
     "print('the answer changes between', sw.flips())"),
    ("markdown", "## Flip points\nFor each input that can move the answer, the value at which "
     "it flips, everything else as given. `what_if` just past a flip point confirms it."),
    ("code", "for f in rec.flip_points:\n"
     "    past = f.value * (1.01 if f.value > f.current else 0.99)\n"
     "    check = sa.what_if(profile, {f.field: past}, today=TODAY).strategy\n"
     "    print(f'{f.label:<34} {f.current_text:>22} -> {f.text:<22} {check.label}')"),
    ("markdown", "## What if: hosting and people's time\nThe tuned model is self-hosted on a "
     "GPU replica, and every retraining takes assumed engineering hours. What if nine tasks "
     "shared one deployment, the hosting were cheaper, or a retraining took one hour?"),
    ("code", "changes = {\n"
     "    'nine tasks on one deployment': {'adapters_per_deployment': 9},\n"
     "    'hosting at $2/h': {'ft_model.fine_tuning.hosting_usd_per_hour': 2.0},\n"
     "    '1 h per retraining': {'people.fine_tuning_hours_per_retraining': 1.0},\n"
     "    '1 h per retraining, $150/h': {'people.fine_tuning_hours_per_retraining': 1.0,\n"
     "                                   'people.hourly_usd': 150.0},\n"
     "    'retrain monthly': {'task_change_interval_days': 30},\n}\n"
     "for name, change in changes.items():\n"
     "    r = sa.what_if(profile, change, today=TODAY)\n"
     "    ft, icl = (r.costs[s].total_usd for s in sa.Strategy)\n"
     "    print(f'{name:<28} {r.strategy.label:>20} {r.confidence:.2f}  fine-tuning '\n"
     "          f'{usd(ft):>8}  prompting {usd(icl):>7}')"),
    ("markdown", "## Which estimates matter most\nThe sensitivity table moves each estimated "
     "input alone to the ends of its 80% interval and records the decision score (log-odds for "
     "fine-tuning) at each end: measure the top rows first."),
    ("code", "for row in rec.sensitivity[:6]:\n"
     "    print(f'{row.input:<58} {row.score_low:+.2f} .. {row.score_high:+.2f}')\n"
     "sa.SensitivityDisplay.from_recommendation(rec).plot();"),
    ("markdown", "## The report\nThe recommendation renders as HTML with both charts; the "
     "matplotlib figure below draws the cost against volume with each total's range."),
    ("code", "from IPython.display import display\n\ndisplay(rec)\n"
     "sa.CostVolumeDisplay.from_recommendation(rec).plot();"),
]  # fmt: skip

CALIBRATION: list[tuple[str, str]] = [
    ("markdown", "# Calibration: the quality model's cross-validated record\n\nThe quality "
     "model says how likely fine-tuning beats prompting when one of them is better by more "
     "than a point (ties left out). How well does that probability hold on results it never "
     "saw? Each source of the evidence corpus is held out in turn, everything is refitted on "
     "the others, and the held-out results are predicted (leave-one-source-out), once as the "
     "advisor knows a task (`model`) and once with the prompted model's measured score "
     "(`model_baseline`)."),
    ("markdown", "Cross-validation refits the model many times and takes minutes, so this "
     "notebook reads its saved report, `quality_cv_report.json`, written by\n\n"
     "```python\nfrom importlib.resources import files\n"
     "report = sa.cross_validate_quality_model(\n"
     "    files('strategy_advisor') / 'data' / 'evidence_public.csv')\n```\n\n"
     "(`python scripts/build_notebook.py --cv` runs it again; `scripts/fit_quality.py "
     "--cv-out` writes it with a refit) and checks that it is the record shipped with the "
     "model."),
    ("code", "from pathlib import Path\n\nimport strategy_advisor as sa\n\n"
     "report = sa.QualityCVReport.model_validate_json(\n"
     "    Path('quality_cv_report.json').read_text())\n"
     "shipped = sa.load_default_quality_model().params.cv\n"
     "same = {(m.method, m.scope, round(m.brier, 12)) for m in report.metrics} == {\n"
     "    (m.method, m.scope, round(m.brier, 12)) for m in shipped.metrics}\n"
     "verdict = 'the same' if same else 'DIFFERENT: rebuild with --cv'\n"
     "print(f'{len(report.y)} held-out results from {len(set(report.source_ids))} sources; '\n"
     "      f'the record shipped in quality_params.json: {verdict}')"),
    ("markdown", "## Scores, against simple baselines\nOn the decisive held-out results. Lower "
     "is better for the Brier score, log loss and ECE (expected calibration error, with its "
     "90% source-bootstrap interval); AUC: 0.5 is chance."),
    ("code", "from IPython.display import Markdown, display\n\n"
     "lines = ['| method | Brier | log loss | AUC | accuracy | ECE (90%) |',\n"
     "         '|---|---:|---:|---:|---:|---:|']\n"
     "for method in report.methods:\n"
     "    m = report.get(method)\n"
     "    auc = '-' if m.auc is None else f'{m.auc:.3f}'\n"
     "    lines.append(f'| {method} | {m.brier:.3f} | {m.log_loss:.3f} | {auc} | '\n"
     "                 f'{m.accuracy:.3f} | {m.ece:.3f} ({m.ece_low:.3f}-{m.ece_high:.3f}) |')\n"
     "display(Markdown('\\n'.join(lines)))"),
    ("markdown", "## Where it is reliable\nIn each bin of predicted P(fine-tuning wins), the "
     "share of decisive held-out results where it did. On the diagonal is perfectly "
     "calibrated; the numbers are the results in each bin."),
    ("code", "disp = sa.ReliabilityDisplay.from_quality_report(report)\n"
     "for b in disp.curve.bins:\n"
     "    print(f'predicted {b.lower:.1f}-{b.upper:.1f}: mean {b.mean_predicted:.2f}, '\n"
     "          f'observed {b.observed:.2f} of {b.count}')"),
    ("markdown", "The diagram as HTML (inline SVG, no matplotlib needed), then with matplotlib "
     "against the base-rate baseline:"),
    ("code", "display(disp)\n"
     "ax = disp.plot()\n"
     "sa.ReliabilityDisplay.from_quality_report(report, method='model_baseline').plot(ax=ax)\n"
     "sa.ReliabilityDisplay.from_quality_report(report, method='base_rate').plot(ax=ax);"),
]  # fmt: skip

SOURCES: dict[str, list[tuple[str, str]]] = {
    "quickstart": QUICKSTART,
    "economics": ECONOMICS,
    "calibration": CALIBRATION,
}

#: Added to each notebook's first cell: what running it needs (the `notebooks` extra).
INSTALL = (
    "\n\n**Setup:** `pip install 'strategy_advisor[notebooks]'` (from a clone: "
    "`pip install -e '.[notebooks]'`) installs what this notebook needs: matplotlib for the "
    "charts, the tokenizer files for exact token counts, and a Jupyter kernel. It runs offline."
)


def build(name: str) -> Any:
    """The notebook ``name`` from its cells, not executed."""
    import nbformat

    sources = list(SOURCES[name])
    kind, first = sources[0]
    sources[0] = (kind, first + INSTALL)  # the first cell (a title) says what to install
    cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        for kind, src in sources
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"{name}-{i:02d}"  # stable ids: the file changes only where outputs do
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": KERNEL}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: Any, *, timeout: int = TIMEOUT_S) -> Any:
    """``nb`` executed offline in a fresh kernel in ``notebooks/`` (a copy; the setup cell
    run first and left out)."""
    import nbformat
    from nbclient import NotebookClient

    run = copy.deepcopy(nb)
    run.cells.insert(0, nbformat.v4.new_code_cell(SETUP))
    run.cells[0]["id"] = "offline-setup"
    client = NotebookClient(
        run,
        kernel_name=KERNEL,
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    setup = run.cells.pop(0)
    if setup.outputs:
        raise RuntimeError(f"the offline setup cell printed: {setup.outputs}")
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.execution_count -= 1
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] -= 1
    nbformat.validate(run)
    return run


def comparable(nb: Any) -> list[list[tuple[str, str]]]:
    """Per code cell, its outputs as (kind, text): printed text, HTML, Markdown, a result's
    plain text; a figure as its kind alone (pixels differ across matplotlib versions)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        items = []
        for o in cell.outputs:
            if o.output_type == "stream":  # one text per run of a stream (flushes split it)
                kind, text = f"stream:{o.name}", "".join(o.text)
                if items and items[-1][0] == kind:
                    kind, text = kind, items.pop()[1] + text
                items.append((kind, text))
            elif o.output_type in ("display_data", "execute_result"):
                data = o.get("data", {})
                for mime in ("text/html", "text/markdown"):
                    if mime in data:
                        items.append((mime, "".join(data[mime])))
                if "image/png" in data:
                    items.append(("image/png", ""))
                elif o.output_type == "execute_result" and "text/plain" in data:
                    items.append(("text/plain", "".join(data["text/plain"])))
            else:
                items.append((o.output_type, str(o.get("evalue", ""))))
        out.append(items)
    return out


def write_cv_report() -> None:
    """Cross-validate the shipped quality model on the shipped corpus (minutes)."""
    from importlib.resources import files

    import strategy_advisor as sa

    corpus = files("strategy_advisor") / "data" / "evidence_public.csv"
    report = sa.cross_validate_quality_model(corpus, n_jobs=2)
    CV_REPORT.write_text(report.model_dump_json() + "\n", encoding="utf-8")


def check(names: list[str]) -> int:
    """Execute each stored notebook offline; 1 if any cell fails or a notebook is stale."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    failed = []
    for name in names:
        stored = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
        if [(c.cell_type, c.source) for c in stored.cells] != [
            (c.cell_type, c.source) for c in build(name).cells
        ]:
            failed.append(f"{name}: stale (run python scripts/build_notebook.py {name})")
            continue
        try:
            execute(stored)
        except CellExecutionError as exc:
            failed.append(f"{name}: {str(exc).strip().splitlines()[-1]}")
            continue
        print(f"notebooks/{name}.ipynb ran offline")
    for problem in failed:
        print(f"FAILED {problem}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(SOURCES)} (default: all)")
    parser.add_argument("--cv", action="store_true", help=f"rewrite {CV_REPORT.name} first")
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the stored notebooks offline, write nothing: exit 1 if a cell fails or a "
        "notebook is not what this script builds (.ci/run does it in a fresh virtual "
        "environment with only the [notebooks] extra)",
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SOURCES]
    if unknown:
        parser.error(f"no notebook named {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    import nbformat

    if args.check:
        return check(args.names or list(SOURCES))
    if args.cv:
        write_cv_report()
    for name in args.names or list(SOURCES):
        nb = execute(build(name))
        nbformat.write(nb, str(NOTEBOOKS / f"{name}.ipynb"))
        print(f"wrote notebooks/{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
