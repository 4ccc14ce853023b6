"""Quality stage, fitting: refit the model on a corpus of head-to-head results (scikit-learn)."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._constraints import check_params
from .._types import FloatArray, sigmoid
from .corpus import QualityCorpus, spec_from_corpus
from .cv import cross_validate_quality_model
from .estimation import (
    FIT_CONSTRAINTS,
    CorpusLike,
    as_corpus,
    check_outcomes,
    check_sources,
    fit_pipeline,
    fit_settings,
    robust_sd,
    sign_constraints,
)
from .features import (
    FEATURES,
    SUPPORT_DIMS,
    FeatureColumns,
    FeatureSpec,
    bandwidth_of,
    encode,
    support_points,
)
from .model import QualityModel, band, hill_gate
from .params import QualityParams

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["QualityFitter", "fit_quality_model"]


class QualityFitter:
    """Fit the quality model on a corpus of head-to-head results (scikit-learn conventions).

    Parameters
    ----------
    Every parameter left at ``None`` takes its default from ``data/quality_fit.json``
    (stated there with its reason); the values used are recorded in the parameter file.

    C : float, default=0.5
        Inverse L2 penalty (scikit-learn's ``C``) on Gelman-scaled features.
    n_bootstrap : int, default=200
        Bootstrap refits stored for the interval: sources resampled with replacement; with
        fewer than ``MIN_SOURCES_FOR_INTERVAL`` sources, rows within each source too (and
        every estimate is then flagged wide).
    interval_level : float, default=0.8
        Central level of the interval.
    calibrate : bool, default=False
        Add a Platt step (sigmoid on leave-one-source-out decision values). Off for the
        shipped model: on the public corpus it made out-of-source log loss and Brier worse
        (``docs/quality.md``); a corpus with many sources may gain from it.
    gate_n_half, gate_exponent : float, default=10.0, 2.0
        Prior data-sufficiency curve ``r(n) = n^h / (n^h + n_half^h)`` (not fitted: set
        from stated prior knowledge, see ``docs/quality.md``).
    wide_width : float, default=0.3
        Interval width above which an estimate is flagged as wide.
    missing_n_train : mapping
        Imputed training-set size where ``n_train_ft`` is empty (``"*"``: default).
    cross_validate : bool, default=True
        Store leave-one-source-out metrics in the parameters (slower; needs >= 2 sources).
    fitted_on : str, optional
        Fitting date to record (default: today).
    random_state : int, default=0
        Seed of the source bootstrap.

    Attributes
    ----------
    model_ : QualityModel
    spec_ : FeatureSpec
    coef_, intercept_ : calibrated coefficients on the unscaled features
    platt_ : tuple of float
    cv_report_ : QualityCVReport or None
    feature_names_in_ : tuple of str
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        C: float | None = None,  # noqa: N803  (scikit-learn's name)
        n_bootstrap: int | None = None,
        interval_level: float | None = None,
        calibrate: bool | None = None,
        gate_n_half: float | None = None,
        gate_exponent: float | None = None,
        wide_width: float | None = None,
        missing_n_train: Mapping[str, float] | None = None,
        cross_validate: bool = True,
        fitted_on: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.n_bootstrap = n_bootstrap
        self.interval_level = interval_level
        self.calibrate = calibrate
        self.gate_n_half = gate_n_half
        self.gate_exponent = gate_exponent
        self.wide_width = wide_width
        self.missing_n_train = missing_n_train
        self.cross_validate = cross_validate
        self.fitted_on = fitted_on
        self.random_state = random_state

    def _resolved(self) -> dict[str, Any]:
        """Every parameter, with ``None`` replaced by its ``data/quality_fit.json`` default."""
        given = {
            "C": self.C,
            "n_bootstrap": self.n_bootstrap,
            "interval_level": self.interval_level,
            "calibrate": self.calibrate,
            "gate_n_half": self.gate_n_half,
            "gate_exponent": self.gate_exponent,
            "wide_width": self.wide_width,
            "missing_n_train": self.missing_n_train,
            "cross_validate": self.cross_validate,
            "fitted_on": self.fitted_on,
            "random_state": self.random_state,
        }
        check_params(
            "fit_quality_model", {k: v for k, v in given.items() if v is not None}, FIT_CONSTRAINTS
        )
        settings = fit_settings()
        defaults = {
            "C": settings.defaults.C,
            "n_bootstrap": settings.defaults.n_bootstrap,
            "interval_level": settings.defaults.interval_level,
            "calibrate": settings.defaults.calibrate,
            "gate_n_half": settings.gate.n_half,
            "gate_exponent": settings.gate.exponent,
            "wide_width": settings.defaults.wide_width,
            "missing_n_train": dict(settings.missing_n_train.value),
        }
        return {k: defaults[k] if v is None and k in defaults else v for k, v in given.items()}

    def fit(self, corpus: CorpusLike) -> QualityFitter:
        """Fit on a corpus path, an iterable of row dicts or a parsed corpus; return self."""
        prm = self._resolved()
        settings = fit_settings()
        corp = as_corpus(corpus, prm["missing_n_train"])
        check_outcomes(corp)
        groups = np.array(corp.source_ids)
        if prm["cross_validate"]:
            check_sources(corp)  # before the slow part
        y = corp.y
        signs = sign_constraints()
        self.spec_ = spec_from_corpus(corp, settings.imputation_fallbacks.as_mapping())
        x = encode(corp.columns, self.spec_)
        self.pipeline_ = fit_pipeline(x, y, groups, prm["C"], signs, calibrate=prm["calibrate"])
        self.coef_, self.intercept_ = self.pipeline_.raw()
        self.platt_ = (self.pipeline_.a, self.pipeline_.b)
        draws = self._bootstrap(x, y, groups, signs, prm)
        self.cv_report_ = (
            cross_validate_quality_model(
                corp,
                C=prm["C"],
                calibrate=prm["calibrate"],
                gate_n_half=prm["gate_n_half"],
                gate_exponent=prm["gate_exponent"],
            )
            if prm["cross_validate"]
            else None
        )
        self.feature_names_in_ = tuple(f.name for f in FEATURES)
        self.n_features_in_ = len(FEATURES)
        self.params_ = prm
        self.model_ = QualityModel(self._params(corp, draws, prm))
        return self

    def _bootstrap(
        self,
        x: FloatArray,
        y: FloatArray,
        groups: npt.NDArray[np.str_],
        signs: FloatArray,
        prm: Mapping[str, Any],
    ) -> list[tuple[FloatArray, float]]:
        """Resample sources with replacement and refit the whole pipeline each time.

        With fewer than ``min_sources_for_interval`` sources, a source bootstrap would mostly
        redraw the same one or two sources and give a collapsed interval (false certainty):
        rows are then resampled within each drawn source as well (two-stage bootstrap).
        """
        rng = np.random.default_rng(prm["random_state"])
        sources = np.unique(groups)
        rows_of = {s: np.flatnonzero(groups == s) for s in sources}
        few = len(sources) < fit_settings().defaults.min_sources_for_interval
        draws: list[tuple[FloatArray, float]] = []
        wanted = prm["n_bootstrap"]
        for _ in range(50 * wanted):
            if len(draws) == wanted:
                break
            pick = rng.choice(sources, size=len(sources), replace=True)
            if few:
                parts = [rng.choice(rows_of[s], size=rows_of[s].size) for s in pick]
            else:
                parts = [rows_of[s] for s in pick]
            idx = np.concatenate(parts)
            if (not few and len(set(pick)) < 2) or y[idx].min() == y[idx].max():
                continue  # degenerate replicate: redraw
            pipe = fit_pipeline(
                x[idx], y[idx], groups[idx], prm["C"], signs, calibrate=prm["calibrate"]
            )
            draws.append(pipe.raw())
        if not draws:
            draws.append(self.pipeline_.raw())
        return draws

    def _params(
        self,
        corp: QualityCorpus,
        draws: list[tuple[FloatArray, float]],
        prm: Mapping[str, Any],
    ) -> QualityParams:
        settings = fit_settings()
        lg, spec = self.pipeline_.logit, self.spec_
        fitted_on = prm["fitted_on"] or datetime.date.today().isoformat()
        hyper = {
            "C": prm["C"],
            "n_bootstrap": len(draws),
            "penalty": "l2; continuous features / (2 sd), binary centred (Gelman 2008)",
            "C_default": settings.defaults.why,
            "random_state": prm["random_state"],
            "interval_level": prm["interval_level"],
            "ties": "a tie counts as 'fine-tuning not better' (y = 0)",
            "calibration": "Platt sigmoid on leave-one-source-out decision values"
            if prm["calibrate"]
            else "none (a = 1, b = 0)",
        }
        few = n_sources_of(corp) < settings.defaults.min_sources_for_interval
        pilot = settings.pilot
        sup = settings.support
        stated = corp.columns.n[corp.columns.n_missing == 0]
        n_sources = len(set(corp.source_ids))
        deltas = corp.score_delta[~np.isnan(corp.score_delta)] / 100.0
        report = self.cv_report_
        data: dict[str, Any] = {
            "schema_version": 3,
            "model_version": "",
            "fitted_on": fitted_on,
            "corpus": {
                "file": corp.name,
                "sha256": corp.sha256,
                "n_rows": len(corp),
                "n_sources": n_sources,
                "n_ft_wins": int(corp.y.sum()),
                "n_ties": sum(w == "tie" for w in corp.winner),
            },
            "features": [f.to_dict() for f in FEATURES],
            "imputation": {**spec.to_dict(), "missing_n_train": dict(prm["missing_n_train"])},
            "hyperparameters": hyper,
            "band": list(settings.band.value),
            "logit": {
                "center": lg.center.tolist(),
                "scale": lg.scale.tolist(),
                "coef": lg.coef.tolist(),
                "intercept": lg.intercept,
            },
            "platt": {"a": self.pipeline_.a, "b": self.pipeline_.b},
            "gate": {
                "form": "hill",
                "n_half": prm["gate_n_half"],
                "exponent": prm["gate_exponent"],
                "anchors": list(settings.gate.anchors),
            },
            "bootstrap": {
                "level": prm["interval_level"],
                "method": (
                    "two-stage bootstrap: source_ids, then rows within them"
                    if few
                    else "source bootstrap: resample source_ids with replacement"
                )
                + ", refit and recalibrate; calibrated raw-feature logits",
                "coef": [c.tolist() for c, _ in draws],
                "intercept": [i for _, i in draws],
            },
            "support": support_table(
                corp,
                spec,
                sup.bandwidths,
                min_rows=sup.min_rows,
                min_sources=sup.min_sources,
                threshold=sup.source_threshold,
            ),
            "pilot": {
                "tau": robust_sd(
                    deltas,
                    fallback=pilot.tau_fallback,
                    floor=pilot.tau_floor,
                    min_rows=pilot.tau_min_rows,
                ),
                "margin": pilot.margin,
            },
            "wide_width": prm["wide_width"],
            "force_wide": few,
            "coverage": {
                "min_n": float(stated.min()) if stated.size else 0.0,
                "max_shots": spec.shots_cap,
                "max_classes": spec.classes_cap,
            },
            "cv": None
            if report is None
            else {
                "scheme": "leave-one-source-out",
                "methods": dict(zip(report.methods, report.descriptions, strict=True)),
                "metrics": [m.model_dump() for m in report.metrics],
            },
        }
        content = {k: v for k, v in data.items() if k not in ("model_version", "fitted_on")}
        tag = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        data["model_version"] = f"3+{tag[:12]}"  # changes whenever any parameter changes
        return QualityParams.model_validate(data)

    def predict_proba(self, columns: FeatureColumns) -> FloatArray:
        """Point probabilities computed with the fitted scikit-learn estimator itself."""
        prm = self.params_
        x = encode(columns, self.spec_)
        z = self.pipeline_.a * self.pipeline_.logit.sklearn_decision(x) + self.pipeline_.b
        gate = hill_gate(columns.n, prm["gate_n_half"], prm["gate_exponent"])
        return band(sigmoid(z), gate, fit_settings().band.value)


def fit_quality_model(
    corpus: CorpusLike,
    *,
    C: float | None = None,  # noqa: N803  (scikit-learn's name)
    n_bootstrap: int | None = None,
    interval_level: float | None = None,
    calibrate: bool | None = None,
    gate_n_half: float | None = None,
    gate_exponent: float | None = None,
    wide_width: float | None = None,
    missing_n_train: Mapping[str, float] | None = None,
    cross_validate: bool = True,
    fitted_on: str | None = None,
    random_state: int = 0,
) -> QualityModel:
    """Fit the quality model on a corpus and return it (see :class:`QualityFitter`).

    Parameters
    ----------
    corpus : path, iterable of row dicts, or QualityCorpus
        Head-to-head results in the format of ``data/evidence_public.csv``.
    C, n_bootstrap, interval_level, calibrate, gate_n_half, gate_exponent, wide_width, \
missing_n_train, cross_validate, fitted_on, random_state :
        See :class:`QualityFitter`; ``None`` takes the default in ``data/quality_fit.json``.

    Raises
    ------
    ParameterError
        A parameter of the wrong type or out of range (names it, with the range).
    DataFileError
        A corpus that cannot be read or fitted (a single outcome; one source with
        ``cross_validate=True``).

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("strategy_advisor") / "data" / "evidence_public.csv"
    >>> model = fit_quality_model(str(path), n_bootstrap=5, cross_validate=False)
    >>> type(model).__name__
    'QualityModel'
    """
    fitter = QualityFitter(
        C=C,
        n_bootstrap=n_bootstrap,
        interval_level=interval_level,
        calibrate=calibrate,
        gate_n_half=gate_n_half,
        gate_exponent=gate_exponent,
        wide_width=wide_width,
        missing_n_train=missing_n_train,
        cross_validate=cross_validate,
        fitted_on=fitted_on,
        random_state=random_state,
    )
    return fitter.fit(corpus).model_


def n_sources_of(corpus: QualityCorpus) -> int:
    """How many sources a corpus holds."""
    return len(set(corpus.source_ids))


def support_table(
    corpus: QualityCorpus,
    spec: FeatureSpec,
    bandwidths: Mapping[str, float],
    *,
    min_rows: float,
    min_sources: int,
    threshold: float,
) -> dict[str, Any]:
    """The ``support`` section of the parameter file: kernel points of every corpus row."""
    sources = sorted(set(corpus.source_ids))
    return {
        "dims": list(SUPPORT_DIMS),
        "bandwidths": [bandwidth_of(d, bandwidths) for d in SUPPORT_DIMS],
        "points": support_points(corpus.columns, spec, bandwidths).tolist(),
        "source_index": [sources.index(s) for s in corpus.source_ids],
        "sources": sources,
        "min_rows": min_rows,
        "min_sources": min_sources,
        "source_threshold": threshold,
    }
