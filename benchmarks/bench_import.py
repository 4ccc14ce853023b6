"""Time ``import strategy_advisor`` against ``import pydantic, numpy`` in fresh processes.

Prints figures; asserts nothing (these machines are noisy: compare the ratio, not seconds).
Runs alternate between the two so both see the same machine; the ratio of the medians and
of the minima are printed, and which heavy modules the import pulled in (none of
tiktoken, scikit-learn, scipy, matplotlib or importlib.metadata should be there).

    python benchmarks/bench_import.py [--runs 21]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

REFERENCE = "import pydantic, numpy"
SUBJECT = "import strategy_advisor"
HEAVY = ("tiktoken", "sklearn", "scipy", "matplotlib", "importlib.metadata", "numpy.typing")


def _run(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    _run(SUBJECT)  # warm the file cache
    ref, sub = [], []
    for _ in range(args.runs):
        ref.append(_run(REFERENCE))
        sub.append(_run(SUBJECT))
    probe = (
        "import sys, json, strategy_advisor\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    heavy = json.loads(out.stdout)
    print(f"{REFERENCE}: median {1e3 * statistics.median(ref):.1f} ms, min {1e3 * min(ref):.1f} ms")
    print(f"{SUBJECT}: median {1e3 * statistics.median(sub):.1f} ms, min {1e3 * min(sub):.1f} ms")
    print(
        f"ratio: median {statistics.median(sub) / statistics.median(ref):.2f}x, "
        f"min {min(sub) / min(ref):.2f}x (target <= 1.5x)"
    )
    print(f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
