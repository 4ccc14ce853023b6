"""Write notebooks/quickstart.ipynb from the cells below, executed, with their text outputs.

Run after changing the library: ``python scripts/build_notebook.py``. A test executes the
notebook's code cells, so a stale notebook fails CI.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"

CELLS: list[tuple[str, str]] = [
    ("markdown", "# strategy_advisor quick start\n\nFine-tune or prompt with examples? "
     "Describe the task, get a recommendation with its numbers and reasons."),
    ("code", "import datetime\nfrom strategy_advisor import TaskProfile, ModelSpec, "
     "FineTuningOffer, recommend, DecisionPolicy\nTODAY = datetime.date(2026, 11, 27)  "
     "# fixed for a reproducible notebook; omit for today"),
    ("markdown", "## A task described by hand\nA 6-class ticket classifier, 2,000 labeled "
     "examples, 400k requests a month. Models are catalog names (`strategy-advisor catalog` "
     "lists them): a prompted frontier model against a LoRA-tuned 8B open model on a dedicated "
     "deployment."),
    ("code", "profile = TaskProfile(\n    task_type='classification', n_labeled_examples=2000, "
     "n_classes=6,\n    avg_input_tokens=180, avg_output_tokens=3, instruction_tokens=120,\n"
     "    requests_per_month=400_000, latency_budget_ms=2000, task_change_interval_days=90,\n"
     "    icl_model='gpt-5.4-mini', ft_model='fireworks/llama-v3p1-8b-instruct',\n)\n"
     "rec = recommend(profile, today=TODAY)\nprint(rec)"),
    ("markdown", "In a notebook, `rec` on its own renders as an HTML table "
     "(`_repr_html_`). The numbers are plain attributes:"),
    ("code", "from strategy_advisor import Strategy\n"
     "print(rec.strategy, round(rec.confidence, 3))\n"
     "print('P(FT better) =', round(rec.quality.p_fine_tuning_better, 3), "
     "(round(rec.quality.low, 3), round(rec.quality.high, 3)))\n"
     "for s in Strategy:\n    print(s.value, rec.costs[s].total_usd)\n"
     "print('break-even requests/month:', rec.break_even_requests_per_month)"),
    ("markdown", "## Your own prices\nAn explicit `ModelSpec` replaces a catalog entry; an "
     "unknown price stays *unpriced* (None), never $0. Here: the same 8B model tuned with "
     "LoRA but served serverless, per token, with no hosting fee."),
    ("code", "mine = ModelSpec(name='our-serverless-lora-8b', kind='open_weights', params_b=8,\n"
     "    context_window=32_000, input_usd_per_mtok=0.2, output_usd_per_mtok=0.2,\n"
     "    fine_tuning=FineTuningOffer(training_usd_per_mtok=0.5, input_usd_per_mtok=0.2,\n"
     "        output_usd_per_mtok=0.2, hosting_usd_per_hour=0.0, method='lora'))\n"
     "rec2 = recommend(profile.model_copy(update={'ft_model': mine}), today=TODAY)\n"
     "print(rec2.summary)\nfor r in rec2.reasons[:3]:\n    print('-', r.code, ':', r.message)"),
    ("markdown", "## Your trade-off\nHow much extra cost is a likely quality win worth? "
     "(`cost_multiple_for_likely_win`, default 2; see docs/decision.md). Here the tuned model "
     "is a pricier frontier model, so quality and cost pull apart."),
    ("code", "pricey = ModelSpec(name='tuned-frontier', kind='frontier_api',\n"
     "    context_window=128_000,\n"
     "    input_usd_per_mtok=2.5, output_usd_per_mtok=10.0,\n"
     "    fine_tuning=FineTuningOffer(training_usd_per_mtok=25.0, input_usd_per_mtok=3.75,\n"
     "        output_usd_per_mtok=15.0))\n"
     "for m in (1.1, 2.0, 10.0):\n"
     "    r = recommend(profile.model_copy(update={'ft_model': pricey}),\n"
     "        policy=DecisionPolicy.default(cost_multiple_for_likely_win=m), today=TODAY)\n"
     "    ft, icl = (r.costs[s].total_usd for s in Strategy)\n"
     "    print(m, r.strategy.value, round(r.confidence, 2), f'FT ${ft:,.0f} vs ICL ${icl:,.0f}')"),
    ("markdown", "## Every rule, checked\n`rec.trace` lists each rule with its status and "
     "the values it saw."),
    ("code", "for o in rec.trace:\n    print(f'{o.status:<15} {o.code}')"),
]  # fmt: skip


def _execute(cells: list[tuple[str, str]]) -> list[dict[str, object]]:
    namespace: dict[str, object] = {}
    out: list[dict[str, object]] = []
    count = 0
    for kind, source in cells:
        lines = source.splitlines(keepends=True)
        if kind == "markdown":
            out.append({"cell_type": "markdown", "metadata": {}, "source": lines})
            continue
        count += 1
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(source, f"<cell {count}>", "exec"), namespace)
        outputs = []
        if buf.getvalue():
            outputs.append(
                {
                    "name": "stdout",
                    "output_type": "stream",
                    "text": buf.getvalue().splitlines(keepends=True),
                }
            )
        out.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {},
                "outputs": outputs,
                "source": lines,
            }
        )
    return out


def main() -> None:
    nb = {
        "cells": _execute(CELLS),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    OUT.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
