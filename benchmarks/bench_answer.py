"""Time the whole answer, a sweep, a portfolio and the CLI against references in one process.

Prints figures; asserts nothing (these machines are noisy and shared: compare the ratios,
not seconds). CPU time is ``time.process_time()``; in each ratio the reference and the
subject alternate, round after round, and the median of the rounds' ratios is printed.
The targets are issue 15's ("One forward pass and one pricing kernel"):

- the whole answer as printed, ``str(recommend(profile))`` (flip points, sensitivity and
  the simulation are computed inside ``recommend``), over one ``TaskProfile.model_validate``
  of the same profile dict: at most 400x; for a profile with catalog model names
  (``examples/product_routing.json``) and one with explicit specs and prices
  (``EXPLICIT`` in ``bench_recommend.py``);
- ``sweep`` of ``requests_per_month`` over 1,000 volumes over one ``recommend()`` of the
  same profile: at most 50x; and each row equals ``recommend()`` at that volume to 1e-9
  relative (checked on 20 volumes drawn with a fixed seed; the worst difference printed);
- ``recommend_many`` of N random valid profiles (``random_profiles.py``, seed 0), per
  profile, over one validation of the same profiles: at most 400x (the issue's figure is
  N = 10,000: ``--n 10000``);
- ``strategy-advisor recommend PORTFOLIO.jsonl --json`` on 1,000 random profiles, in a
  child process, as given (every core: the portfolio has 500 profiles or more) and with
  ``--n-jobs 1``: wall time (target under 10 s, as given), the CPU time of the command and
  its workers, the output size, and whether both outputs are the same.

    python benchmarks/bench_answer.py [--n 1000] [--rounds 5] [--only answer sweep many cli]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_recommend import EXPLICIT
from random_profiles import random_profiles

from strategy_advisor import TableRow, TaskProfile, recommend, recommend_many, sweep

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parent.parent
NAMED: dict[str, Any] = json.loads((ROOT / "examples" / "product_routing.json").read_text())
#: The sweep's 1,000 volumes, 100 to 100 million requests a month, evenly on the log scale.
SWEEP_VOLUMES = [10 ** (2 + 6 * i / 999) for i in range(1000)]
#: The fields of a sweep row compared with recommend() at the same volume.
ROW_FIELDS = tuple(f for f in TableRow.model_fields if f != "strategy")


def _cpu_per_call(fn: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


def _reps(fn: Callable[[], object], seconds: float, least: int = 1) -> int:
    """How many calls of ``fn`` take about ``seconds`` of CPU (one call measured)."""
    once = _cpu_per_call(fn, 1)
    return max(least, math.ceil(seconds / max(once, 1e-7)))


def alternated(
    reference: Callable[[], object],
    subject: Callable[[], object],
    rounds: int,
    *,
    seconds: float = 0.3,
    subject_reps: int | None = None,
) -> tuple[float, float, float]:
    """Median over ``rounds`` of subject/reference CPU time per call (they alternate), and
    the median per-call times of each."""
    ref_n = _reps(reference, seconds, least=10)
    sub_n = subject_reps if subject_reps is not None else _reps(subject, seconds)
    ratios, subs, refs = [], [], []
    for _ in range(rounds):
        ref = _cpu_per_call(reference, ref_n)
        sub = _cpu_per_call(subject, sub_n)
        ratios.append(sub / ref)
        subs.append(sub)
        refs.append(ref)
    return statistics.median(ratios), statistics.median(subs), statistics.median(refs)


def _verdict(ratio: float, target: float) -> str:
    return f"(target <= {target:g}x: {'met' if ratio <= target else 'MISSED'})"


# -------------------------------------------------------------------------- the answer


def bench_answer(rounds: int) -> None:
    print("== the whole answer: str(recommend(profile)) over TaskProfile.model_validate ==")
    for label, profile in (("catalog names", NAMED), ("explicit specs", EXPLICIT)):
        text = str(recommend(profile, today=TODAY))

        def reference(profile: dict[str, Any] = profile) -> object:
            return TaskProfile.model_validate(profile)

        def subject(profile: dict[str, Any] = profile) -> object:
            return str(recommend(profile, today=TODAY))

        ratio, sub, ref = alternated(reference, subject, rounds)
        print(
            f"{label}: {1e3 * sub:.1f} ms CPU for the answer ({len(text):,} characters), "
            f"validation {1e6 * ref:.1f} us, ratio median {ratio:,.0f}x {_verdict(ratio, 400)}"
        )


# ------------------------------------------------------------------------------- sweep


def _relative(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.0 if a is b else math.inf
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def sweep_row_differences(
    profile: dict[str, Any], values: list[float], result: Any, sample: list[int]
) -> tuple[float, str, int]:
    """The worst relative difference between a sweep's rows and ``recommend()`` at the same
    volume, where it is, and how many rows recommend another strategy."""
    worst, where, other = 0.0, "-", 0
    for i in sample:
        row = result.rows[i]
        rec = recommend({**profile, "requests_per_month": values[i]}, today=TODAY)
        alone = TableRow.of(rec)
        if alone.strategy is not row.strategy:
            other += 1
        for name in ROW_FIELDS:
            d = _relative(getattr(row, name), getattr(alone, name))
            if d > worst:
                worst = d
                where = (
                    f"{name} at {values[i]:,.0f} requests/month: sweep {getattr(row, name)!r},"
                    f" recommend() {getattr(alone, name)!r}"
                )
    return worst, where, other


def bench_sweep(rounds: int) -> None:
    print("== sweep of 1,000 volumes over one recommend() of the same profile ==")
    values = SWEEP_VOLUMES
    sample = sorted(random.Random(15).sample(range(len(values)), 20))
    for label, profile in (("catalog names", NAMED), ("explicit specs", EXPLICIT)):
        last: list[Any] = []

        def reference(profile: dict[str, Any] = profile) -> object:
            return recommend(profile, today=TODAY)

        def subject(profile: dict[str, Any] = profile, last: list[Any] = last) -> object:
            last[:] = [sweep(profile, "requests_per_month", values, today=TODAY)]
            return last[0]

        ratio, sub, ref = alternated(reference, subject, rounds, seconds=1.0, subject_reps=1)
        result = last[0]
        print(
            f"{label}: sweep {sub:.3f} s CPU, recommend() {1e3 * ref:.1f} ms, ratio median "
            f"{ratio:,.0f}x {_verdict(ratio, 50)}; {len(result.flips())} change(s) of strategy"
        )
        worst, where, other = sweep_row_differences(profile, values, result, sample)
        ok = worst <= 1e-9 and other == 0
        print(
            f"  rows against recommend() at 20 volumes: worst relative difference {worst:.3g}"
            f" ({where}); {other} row(s) with another strategy "
            f"(target <= 1e-9: {'met' if ok else 'MISSED'})"
        )


# --------------------------------------------------------------------------- portfolio


def bench_many(n: int, rounds: int, seed: int) -> None:
    print(f"== recommend_many of {n:,} random profiles, per profile, over one validation ==")
    profiles = random_profiles(n, seed)
    recommend(profiles[0], today=TODAY)
    last: list[Any] = []

    def reference() -> object:
        return [TaskProfile.model_validate(p) for p in profiles]

    def subject() -> object:
        last[:] = [recommend_many(profiles, today=TODAY)]
        return last[0]

    ratio, sub, ref = alternated(reference, subject, rounds, seconds=1.0, subject_reps=1)
    print(
        f"recommend_many: {1e3 * sub / n:.1f} ms CPU a profile ({sub:.1f} s in all), "
        f"validation {1e6 * ref / n:.1f} us a profile, ratio median {ratio:,.0f}x "
        f"{_verdict(ratio, 400)}"
    )
    sample = random.Random(1).sample(range(n), min(20, n))
    same = sum(last[0][i] == recommend(profiles[i], today=TODAY) for i in sample)
    print(f"  {same} of {len(sample)} sampled equal recommend() on the same profile")


# --------------------------------------------------------------------------------- CLI


def _cli() -> list[str]:
    here = Path(sys.executable).parent / "strategy-advisor"
    found = str(here) if here.exists() else shutil.which("strategy-advisor")
    return [found] if found else [sys.executable, "-m", "strategy_advisor.cli"]


def bench_cli(n: int, seed: int) -> None:
    print(f"== strategy-advisor recommend PORTFOLIO.jsonl --json on {n:,} random profiles ==")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.jsonl"
        path.write_text("".join(json.dumps(p) + "\n" for p in random_profiles(n, seed)))
        outputs = []
        for label, extra in (("as given (the target)", []), ("--n-jobs 1", ["--n-jobs", "1"])):
            out = Path(tmp) / f"out{len(outputs)}.jsonl"
            command = [*_cli(), "recommend", str(path), "--json", "--today", TODAY.isoformat(),
                       *extra]  # fmt: skip
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            with out.open("wb") as sink:
                done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, check=False)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            size = out.stat().st_size
            lines = sum(1 for _ in out.open("rb"))
            outputs.append(out.read_bytes())
            status = "ok" if done.returncode == 0 else f"EXIT {done.returncode}"
            target = f" (target < 10 s: {'met' if wall < 10 else 'MISSED'})" if not extra else ""
            print(
                f"{label}: wall {wall:.1f} s{target}, CPU of the command and its workers "
                f"{cpu:.1f} s, {status}; output {size / 1e6:.1f} MB in {lines:,} lines "
                f"({size / max(lines, 1) / 1e3:.1f} kB a profile); machine load "
                f"{os.getloadavg()[0]:.1f}"
            )
            if done.returncode != 0:
                print(done.stderr.decode(errors="replace")[-3000:])
        print(f"  the two outputs are {'the same' if outputs[0] == outputs[1] else 'DIFFERENT'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="profiles for recommend_many")
    parser.add_argument("--cli-n", type=int, default=1000, help="profiles for the CLI run")
    parser.add_argument("--rounds", type=int, default=5, help="alternated rounds per ratio")
    parser.add_argument(
        "--many-rounds", type=int, default=3, help="rounds for recommend_many and sweep"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random profiles")
    parser.add_argument(
        "--only", nargs="+", choices=("answer", "sweep", "many", "cli"), default=None
    )
    args = parser.parse_args()
    parts = set(args.only or ("answer", "sweep", "many", "cli"))
    start = time.process_time()
    recommend(NAMED, today=TODAY)  # data files loaded, schemas built
    cold = time.process_time() - start
    print(f"first recommendation (loads data files, builds schemas): {cold:.2f} s CPU")
    if "answer" in parts:
        bench_answer(args.rounds)
    if "sweep" in parts:
        bench_sweep(args.many_rounds)
    if "many" in parts:
        bench_many(args.n, args.many_rounds, args.seed)
    if "cli" in parts:
        bench_cli(args.cli_n, args.seed)


if __name__ == "__main__":
    main()
