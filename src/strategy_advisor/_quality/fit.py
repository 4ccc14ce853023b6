"""Quality stage, fitting: refit the model on a corpus of head-to-head results (scipy)."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._constraints import check_params
from .corpus import QualityCorpus
from .cv import QualityCVReport, cross_validate
from .estimation import (
    FIT_CONSTRAINTS,
    CorpusLike,
    FitConfig,
    PointFit,
    as_corpus,
    check_outcomes,
    check_sources,
    design_of,
    fit_point,
    fit_settings,
    spec_of,
    variant_rows,
)
from .features import FEATURES, SUPPORT_DIMS, VARIANTS, FeatureSpec, bandwidth_of, support_points
from .model import QualityModel
from .params import QualityParams
from .resampling import Draw, bootstrap_fits, inner_calibration, worker_count

__all__ = ["QualityFitter", "fit_quality_model"]


class QualityFitter:
    """Fit the quality model on a corpus of head-to-head results (scikit-learn conventions).

    Two fits of one design: ``prior`` (what the advisor knows without measuring) and
    ``baseline`` (with the prompted model's measured score on the task as headroom). Every
    number of the procedure (priors, knots, tau grid, bootstrap count and seed) comes from
    ``data/quality_fit.json``, stated there with its reason; the values used are recorded in
    the parameter file.

    Parameters
    ----------
    n_bootstrap : int, optional
        Source-bootstrap refits behind the intervals, per fit (default
        ``bootstrap.n_draws``, 200). With fewer than ``min_sources_for_interval`` sources
        rows are resampled within sources too, and every estimate is flagged wide.
    missing_n_train : mapping, optional
        Imputed training-set size where ``n_train_ft`` is empty (``"*"``: default; rows
        imputed with it get the fit-time nuisance terms).
    cross_validate : bool, default=True
        Store leave-one-source-out metrics in the parameters (slow; needs >= 2 sources).
    fitted_on : str, optional
        Fitting date to record (default: today).
    random_state : int, optional
        Seed of the source bootstrap (default ``bootstrap.random_state``, 0).
    n_jobs : int, default=1
        Processes for the bootstrap and the cross-validation (-1: every core).

    Attributes
    ----------
    model_ : QualityModel
    spec_ : FeatureSpec
    points_ : dict of str to PointFit
        The fit on the whole corpus, per fit: ``coef``, ``intercept``, ``sigma``, ``tau``,
        the fit-only nuisance terms and source effects, and ``fitted_mu`` (the fitter's own
        linear predictor, for checking the run-time evaluator).
    sd_scales_ : dict of str to float
    platts_ : dict of str to (float, float)
    draws_ : dict of str to list of Draw
    cv_report_ : QualityCVReport or None
    feature_names_in_ : tuple of str
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        n_bootstrap: int | None = None,
        missing_n_train: Mapping[str, float] | None = None,
        cross_validate: bool = True,
        fitted_on: str | None = None,
        random_state: int | None = None,
        n_jobs: int = 1,
    ) -> None:
        self.n_bootstrap = n_bootstrap
        self.missing_n_train = missing_n_train
        self.cross_validate = cross_validate
        self.fitted_on = fitted_on
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _resolved(self) -> dict[str, Any]:
        given = {
            "n_bootstrap": self.n_bootstrap,
            "missing_n_train": self.missing_n_train,
            "cross_validate": self.cross_validate,
            "fitted_on": self.fitted_on,
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
        }
        check_params(
            "fit_quality_model", {k: v for k, v in given.items() if v is not None}, FIT_CONSTRAINTS
        )
        s = fit_settings()
        defaults = {
            "n_bootstrap": s.bootstrap.n_draws,
            "missing_n_train": dict(s.unstated_n.missing_n_train),
            "random_state": s.bootstrap.random_state,
        }
        return {k: defaults[k] if v is None and k in defaults else v for k, v in given.items()}

    def fit(self, corpus: CorpusLike) -> QualityFitter:
        """Fit on a corpus path, an iterable of row dicts or a parsed corpus; return self."""
        prm = self._resolved()
        settings = fit_settings()
        cfg = FitConfig.from_settings(settings)
        corp = as_corpus(corpus, prm["missing_n_train"])
        check_outcomes(corp)
        if prm["cross_validate"]:
            check_sources(corp)  # before the slow part
        self.spec_ = spec_of(corp, cfg)
        design = design_of(corp, self.spec_)
        jobs = worker_count(prm["n_jobs"])
        self.points_: dict[str, PointFit] = {}
        self.sd_scales_: dict[str, float] = {}
        self.platts_: dict[str, tuple[float, float]] = {}
        self.draws_: dict[str, list[Draw]] = {}
        self.rows_: dict[str, int] = {}
        for variant in VARIANTS:
            rows = design.take(variant_rows(design, variant))
            point = fit_point(rows, cfg, variant)
            k, platt, _ = inner_calibration(corp, cfg, variant, point.tau, jobs)
            self.points_[variant] = point
            self.sd_scales_[variant] = k
            self.platts_[variant] = platt
            self.draws_[variant] = bootstrap_fits(
                rows, cfg, variant, prm["n_bootstrap"], prm["random_state"], jobs
            )
            self.rows_[variant] = len(rows)
        fold_draws = settings.cv.fold_draws
        self.cv_report_: QualityCVReport | None = (
            cross_validate(corp, cfg, fold_draws=fold_draws, n_jobs=jobs)
            if prm["cross_validate"]
            else None
        )
        self.feature_names_in_ = tuple(f.name for f in FEATURES)
        self.n_features_in_ = len(FEATURES)
        self.params_ = prm
        self.model_ = QualityModel(self._params(corp, cfg, prm))
        return self

    def _variant(self, variant: str, cfg: FitConfig) -> dict[str, Any]:
        fit = self.points_[variant]
        draws = self.draws_[variant] or [
            Draw(fit.coef, fit.intercept, cfg.slope_below_min, fit.sigma, fit.tau)
        ]
        a, b = self.platts_[variant]
        return {
            "n_rows": self.rows_[variant],
            "coef": [float(c) for c in fit.coef],
            "intercept": fit.intercept,
            "slope_below_min": cfg.slope_below_min,
            "sigma": fit.sigma,
            "tau": fit.tau,
            "sd_scale": self.sd_scales_[variant],
            "sd_headroom": {
                "slope": fit.sd_headroom,
                "offset": cfg.headroom_offset,
                "reference": cfg.headroom_reference,
            },
            "platt": {"a": a, "b": b},
            "bootstrap": {
                "method": "",  # filled below
                "coef": [[float(c) for c in d.coef] for d in draws],
                "intercept": [d.intercept for d in draws],
                "slope_below_min": [d.slope_below_min for d in draws],
                "sigma": [d.sigma for d in draws],
                "tau": [d.tau for d in draws],
            },
            "fit_only": {
                "nuisance": dict(fit.nuisance),
                "intercept_raw": fit.intercept_raw,
                "sigma_unstated": fit.sigma_unstated,
                "source_effects": dict(fit.source_effects),
                "laplace_log_marginal": fit.laplace_log_marginal,
            },
        }

    def _params(self, corp: QualityCorpus, cfg: FitConfig, prm: Mapping[str, Any]) -> QualityParams:
        settings = fit_settings()
        spec = self.spec_
        n_sources = len(set(corp.source_ids))
        few = n_sources < cfg.min_sources_for_interval
        cols = corp.columns
        stated = cols.n[cols.n_missing == 0]
        sup = settings.support
        report = self.cv_report_
        fitted_on = prm["fitted_on"] or datetime.date.today().isoformat()
        method = (
            "two-stage bootstrap: source_ids, then rows within them"
            if few
            else "source bootstrap: source_ids resampled with replacement, copies kept "
            "as separate sources"
        ) + (
            "; the whole fit rerun (tau chosen again) with the full fit's imputation "
            "constants; slope below the first knot drawn from its prior; run time uses the "
            "draws' covariance around the point fit"
        )
        variants = {v: self._variant(v, cfg) for v in VARIANTS}
        for v in variants.values():
            v["bootstrap"]["method"] = method
        known_s = cols.icl_strength[~np.isnan(cols.icl_strength)]
        data: dict[str, Any] = {
            "schema_version": 5,
            "model_version": "",
            "fitted_on": fitted_on,
            "as_of": fitted_on,
            "source": (
                f"fitted by strategy_advisor.fit_quality_model on {corp.name} (sha256 "
                f"{(corp.sha256 or 'of rows given in memory')[:16]}, {len(corp)} rows from "
                f"{n_sources} sources) with the settings of data/quality_fit.json and the "
                "strengths of data/model_strength.json"
            ),
            "corpus": {
                "file": corp.name,
                "sha256": corp.sha256,
                "n_rows": len(corp),
                "n_sources": n_sources,
                "n_ft_wins": int(corp.y.sum()),
                "n_ties": sum(w == "tie" for w in corp.winner),
                "n_with_delta": int((~np.isnan(corp.score_delta)).sum()),
                "n_unstated": int(cols.n_unstated.sum()),
                "n_with_baseline": int((~np.isnan(cols.baseline)).sum()),
            },
            "features": [f.to_dict() for f in FEATURES],
            "spec": {**spec.to_dict(), "missing_n_train": dict(prm["missing_n_train"])},
            "fit": {
                "slope_prior_mean": list(cfg.slope_mean),
                "slope_prior_sd": cfg.slope_sd,
                "coef_prior_sd": cfg.coef_sd,
                "tau_grid": list(cfg.tau_grid),
                "nuisance": cfg.nuisance,
                "shots_within": cfg.shots_within,
                "stance": cfg.stance,
                "left_out": {k: list(v) for k, v in cfg.left_out.items()},
                "sd_scale_nested_loso": cfg.sd_scale,
                "platt": cfg.platt,
                "n_bootstrap": len(self.draws_["prior"]),
                "random_state": prm["random_state"],
                "settings_as_of": settings.as_of,
            },
            "margin": cfg.margin,
            "band": list(cfg.band),
            "gate": {"n_min": cfg.gate_n_min, "exponent": cfg.gate_exponent},
            "gain_clip": cfg.clip,
            "level": cfg.level,
            "variants": variants,
            "support": support_table(
                corp,
                spec,
                sup.bandwidths,
                min_rows=sup.min_rows,
                min_sources=sup.min_sources,
                threshold=sup.source_threshold,
            ),
            "wide_width": settings.wide_width.value,
            "force_wide": few,
            "coverage": {
                "min_n": float(stated.min()) if stated.size else 0.0,
                "max_n": float(stated.max()) if stated.size else 0.0,
                "max_shots": spec.shots_cap,
                "max_classes": spec.classes_cap,
                "max_strength": float(known_s.max()) if known_s.size else spec.strength_cap,
            },
            "cv": None
            if report is None
            else {
                "scheme": "leave-one-source-out",
                "target": "decisive outcomes (ties left out): fine-tuning better by > 1 point",
                "methods": dict(zip(report.methods, report.descriptions, strict=True)),
                "metrics": [m.model_dump() for m in report.metrics],
                "gain": [g.model_dump() for g in report.gain_metrics],
                "sd_scales": list(report.sd_scales),
            },
        }
        dated = ("model_version", "fitted_on", "as_of", "source")  # not parameters
        content = {k: v for k, v in data.items() if k not in dated}
        tag = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        data["model_version"] = f"5+{tag[:12]}"  # changes whenever any parameter changes
        return QualityParams.model_validate(data)


def fit_quality_model(
    corpus: CorpusLike,
    *,
    n_bootstrap: int | None = None,
    missing_n_train: Mapping[str, float] | None = None,
    cross_validate: bool = True,
    fitted_on: str | None = None,
    random_state: int | None = None,
    n_jobs: int = 1,
) -> QualityModel:
    """Fit the quality model on a corpus and return it (see :class:`QualityFitter`).

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        Head-to-head results in the format of ``data/evidence_public.csv``; rows need a
        ``score_delta`` (points on 0-100) or at least a winner.
    n_bootstrap, missing_n_train, cross_validate, fitted_on, random_state, n_jobs :
        See :class:`QualityFitter`; ``None`` takes the default in ``data/quality_fit.json``.

    Raises
    ------
    ParameterError
        A parameter of the wrong type or out of range (names it, with the range).
    DataFileError
        A corpus that cannot be read or fitted (a single outcome; no score_delta; one
        source with ``cross_validate=True``).

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("strategy_advisor") / "data" / "evidence_public.csv"
    >>> model = fit_quality_model(str(path), n_bootstrap=2, cross_validate=False)
    >>> type(model).__name__
    'QualityModel'
    """
    fitter = QualityFitter(
        n_bootstrap=n_bootstrap,
        missing_n_train=missing_n_train,
        cross_validate=cross_validate,
        fitted_on=fitted_on,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    return fitter.fit(corpus).model_


def support_table(
    corpus: QualityCorpus,
    spec: FeatureSpec,
    bandwidths: Mapping[str, float],
    *,
    min_rows: float,
    min_sources: int,
    threshold: float,
) -> dict[str, Any]:
    """The ``support`` section of the parameter file: the kernel points of the corpus rows,
    identical points of one source merged (with their count as weight)."""
    sources = sorted(set(corpus.source_ids))
    pts = support_points(corpus.columns, spec, bandwidths)
    merged: dict[tuple[int, tuple[float, ...]], int] = {}
    for s, row in zip(corpus.source_ids, pts.tolist(), strict=True):
        key = (sources.index(s), tuple(row))
        merged[key] = merged.get(key, 0) + 1
    return {
        "dims": list(SUPPORT_DIMS),
        "bandwidths": [bandwidth_of(d, bandwidths) for d in SUPPORT_DIMS],
        "points": [list(p) for _, p in merged],
        "weights": [float(c) for c in merged.values()],
        "source_index": [s for s, _ in merged],
        "sources": sources,
        "min_rows": min_rows,
        "min_sources": min_sources,
        "source_threshold": threshold,
    }
