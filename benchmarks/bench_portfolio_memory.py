"""Peak memory of a large portfolio through the command line: flat, whatever its length.

Writes a JSON Lines portfolio of ``--lines`` profiles (default 100,000: a mix of task types,
volumes and models, each with an id), runs ``strategy-advisor recommend FILE --csv`` on it
in a child process, and prints the child's wall time, its peak resident memory (the
kernel's high-water mark, ``ru_maxrss``) and the rows it wrote. Target: under 300 MB peak
for 100,000 lines (before streaming it was 5.2 GB, about 52 KB kept per profile).

Asserts nothing; on 2 cores a profile takes 20-30 ms (each recommendation is computed
whole: flip points, simulation, sensitivity), so 100,000 lines take 35-50 minutes, and
every line is checked once before any is recommended (``--keep-going`` skips that pass).
Measured on 7 December 2026: 1,000 and 4,000 lines both at a 77 MB peak.
Run a short one first to see the per-profile cost, e.g. ``--lines 2000``; compare two
lengths to see that memory does not grow with the count.

    python benchmarks/bench_portfolio_memory.py
    python benchmarks/bench_portfolio_memory.py --lines 2000 --format markdown --keep-going
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TEMPLATES: tuple[dict[str, Any], ...] = (
    {"task_type": "classification", "n_classes": 6, "n_labeled_examples": 2400,
     "avg_input_tokens": 180, "avg_output_tokens": 4, "icl_model": "gpt-5.4-mini",
     "ft_model": "fireworks/llama-v3p1-8b-instruct"},
    {"task_type": "extraction", "n_labeled_examples": 800, "avg_input_tokens": 12000,
     "avg_output_tokens": 300, "latency_budget_ms": 5000},
    {"task_type": "code", "n_labeled_examples": 5000, "avg_input_tokens": 400,
     "avg_output_tokens": 150, "task_change_interval_days": 30},
    {"task_type": "knowledge_qa", "n_labeled_examples": 300, "avg_input_tokens": 60,
     "avg_output_tokens": 120, "retrieved_context_tokens": 2000},
)  # fmt: skip


def write_portfolio(path: Path, lines: int) -> None:
    """``lines`` profiles, each a template at its own volume, with an id."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            profile = {
                "id": f"task-{i:06d}",
                **TEMPLATES[i % len(TEMPLATES)],
                "requests_per_month": float(10 ** (2 + i % 7) * (1 + i % 13)),
            }
            f.write(json.dumps(profile) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "markdown", "json"), default="csv")
    parser.add_argument("--keep-going", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        portfolio = Path(folder) / "portfolio.jsonl"
        write_portfolio(portfolio, args.lines)
        size = portfolio.stat().st_size
        command = [
            sys.executable, "-m", "strategy_advisor.cli", "recommend", str(portfolio),
            f"--{args.format}", "--today", "2026-12-01", "--n-jobs", str(args.n_jobs),
            *(["--keep-going"] if args.keep_going else []),
        ]  # fmt: skip
        start = time.perf_counter()
        with subprocess.Popen(command, stdout=subprocess.PIPE) as child:
            assert child.stdout is not None
            rows = sum(1 for _ in child.stdout)  # read as written: nothing piles up here
            code = child.wait()
        seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    print(f"portfolio: {args.lines:,} lines ({size / 1e6:.1f} MB), --{args.format}"
          + (" --keep-going" if args.keep_going else "") + f", --n-jobs {args.n_jobs}")  # fmt: skip
    print(f"exit code {code}; {rows:,} output lines in {seconds:,.1f} s "
          f"({1000 * seconds / max(args.lines, 1):.2f} ms a profile)")  # fmt: skip
    verdict = "under" if peak_mb < 300 else "OVER"
    print(f"peak resident memory of the command: {peak_mb:,.0f} MB ({verdict} the 300 MB target)")
    if os.environ.get("BENCH_JSON"):
        print(json.dumps({"lines": args.lines, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
