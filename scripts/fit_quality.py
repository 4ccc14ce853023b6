"""Refit the quality model from the shipped corpus and rewrite data/quality_params.json.

Usage::

    python scripts/fit_quality.py [--n-bootstrap N] [--random-state 0] [--jobs 2] [--out PATH]
                                  [--cv-out notebooks/quality_cv_report.json]

Deterministic for a given ``--random-state`` (only ``fitted_on`` changes with the date;
pin it with ``--fitted-on YYYY-MM-DD``). Defaults come from ``data/quality_fit.json``. The
full refit of both fits with leave-one-source-out metrics takes 3-15 minutes on 2 cores
(more on a busy machine); ``--cv-out`` also writes the cross-validation report (every
held-out prediction), which ``benchmarks/quality_report.py --cv-report`` and the
calibration notebook read.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

from strategy_advisor._quality.fit import QualityFitter


def main(argv: list[str] | None = None) -> int:
    """Refit and write the parameter file; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bootstrap", type=int, default=None)
    parser.add_argument("--random-state", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--fitted-on", default=None, help="date to record (default: today)")
    parser.add_argument("--cv-out", type=Path, default=None, help="write the CV report here")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output path (default: the package's data/quality_params.json)",
    )
    args = parser.parse_args(argv)

    data_dir = resources.files("strategy_advisor").joinpath("data")
    corpus = Path(str(data_dir.joinpath("evidence_public.csv")))
    out = args.out or Path(str(data_dir.joinpath("quality_params.json")))
    start = time.perf_counter()
    fitter = QualityFitter(
        n_bootstrap=args.n_bootstrap,
        random_state=args.random_state,
        fitted_on=args.fitted_on,
        n_jobs=args.jobs,
    ).fit(corpus)
    model = fitter.model_
    out.write_text(model.to_json(), encoding="utf-8")
    if args.cv_out is not None and fitter.cv_report_ is not None:
        args.cv_out.write_text(fitter.cv_report_.model_dump_json(indent=1) + "\n", "utf-8")
    params = model.params
    print(
        f"wrote {out} ({params.model_version}, {params.fit.n_bootstrap} bootstrap draws per fit, "
        f"{time.perf_counter() - start:.1f} s)"
    )
    if params.cv is not None:
        for method in ("model", "model_baseline"):
            overall = next(
                m for m in params.cv.metrics if m.method == method and m.scope == "overall"
            )
            print(
                f"leave-one-source-out, {method}: Brier {overall.brier:.4f}, log loss "
                f"{overall.log_loss:.4f}, AUC {overall.auc:.3f}, accuracy "
                f"{overall.accuracy:.3f}, ECE {overall.ece:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
