"""Quality stage, baselines: the rules of thumb and model v1's design, refitted per fold (sklearn).

What cross-validation compares the model with. Every rate is learned from the training
sources of a fold; nothing here is used at run time.
"""

from __future__ import annotations

import math

import numpy as np

from .._types import TASK_TYPES, FloatArray
from .corpus import QualityCorpus

__all__ = ["rule_baselines", "v1_refit"]

_V1_C = 0.5  # v1's shipped inverse penalty (its quality_fit.json, schema 1)
#: v1's 15 features: (name, sign, binary); sign +1 nonneg, -1 nonpos, 0 free.
_V1_FEATURES = (
    ("log_n", 1, False),
    ("log_n_per_class", 1, False),
    ("log_classes", 1, False),
    ("log_shots", -1, False),
    ("log_size_ratio", -1, False),
    ("icl_undisclosed_frontier", 0, True),
    ("same_model", 1, True),
    ("full_ft", 1, True),
    *((f"task_{t}", 0, True) for t in TASK_TYPES),
)


def _v1_encode(c: QualityCorpus, spec: dict[str, object]) -> FloatArray:
    cols = c.columns
    size: dict[str, float] = spec["size"]  # type: ignore[assignment]

    def log10_size(params: FloatArray, kinds: tuple[str, ...]) -> FloatArray:
        imputed = np.array([size.get(k, size["unknown"]) for k in kinds])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.isnan(params), imputed, np.log10(params))

    has_c = ~np.isnan(cols.n_classes)
    cap_c, cap_s = float(spec["classes_cap"]), float(spec["shots_cap"])  # type: ignore[arg-type]
    n_cls = np.where(has_c, np.minimum(np.nan_to_num(cols.n_classes), cap_c), 1.0)
    has_s = ~np.isnan(cols.shots)
    shots = np.where(has_s, np.minimum(np.nan_to_num(cols.shots), cap_s), 0.0)
    frontier = np.isnan(cols.icl_params_b) & (np.asarray(cols.icl_kind) == "frontier_api")
    method = np.array([{"full": 1.0, "unknown": 0.5}.get(m, 0.0) for m in cols.ft_method])
    task = np.asarray(cols.task)
    parts = [
        np.log1p(cols.n),
        np.where(has_c, np.log1p(cols.n / n_cls), 0.0),
        np.where(has_c, np.log(n_cls), 0.0),
        np.where(has_s, np.log1p(shots), float(spec["shots_impute"])),  # type: ignore[arg-type]
        log10_size(cols.icl_params_b, cols.icl_kind) - log10_size(cols.ft_params_b, cols.ft_kind),
        frontier.astype(float),
        cols.same_model,
        method,
        *((task == t).astype(float) for t in TASK_TYPES),
    ]
    return np.column_stack(parts)


def _v1_spec(c: QualityCorpus) -> dict[str, object]:
    cols = c.columns
    sizes: dict[str, list[float]] = {"frontier_api": [], "open_weights": [], "all": []}
    for params, kinds in ((cols.ft_params_b, cols.ft_kind), (cols.icl_params_b, cols.icl_kind)):
        for p, k in zip(params, kinds, strict=True):
            if not math.isnan(p):
                sizes["all"].append(math.log10(p))
                sizes.setdefault(k, []).append(math.log10(p))
    known = cols.shots[~np.isnan(cols.shots)]
    cap = float(known.max())
    return {
        "size": {
            "frontier_api": max(sizes["frontier_api"], default=math.log10(175.0)),
            "open_weights": float(np.median(sizes["open_weights"] or [math.log10(7.0)])),
            "unknown": float(np.median(sizes["all"])),
        },
        "shots_impute": float(np.mean(np.log1p(np.minimum(known, cap)))),
        "shots_cap": cap,
        "classes_cap": float(np.nanmax(cols.n_classes)),
    }


def v1_refit(train: QualityCorpus, test: QualityCorpus, band: tuple[float, float]) -> FloatArray:
    """Model v1's design fitted on ``train``, predicting ``test``: sign-constrained L2
    logistic regression (C = 0.5, Gelman scaling, active set over scikit-learn), the prior
    curve r(n) = n² / (n² + 10²), no Platt step, probabilities in ``band``."""
    from sklearn.linear_model import LogisticRegression

    spec = _v1_spec(train)
    x, y = _v1_encode(train, spec), train.y
    signs = np.array([s for _, s, _ in _V1_FEATURES], dtype=float)
    binary = np.array([b for _, _, b in _V1_FEATURES])
    d = x.shape[1]
    center = x.mean(axis=0)
    sd2 = 2.0 * x.std(axis=0)
    scale = np.where(binary | (sd2 < 1e-12), 1.0, sd2)
    flip = np.where(signs < 0, -1.0, 1.0)
    active = np.ones(d, dtype=bool)
    z = (x - center) / scale * flip
    constrained = signs != 0
    w = np.zeros(d)
    icpt = 0.0
    for _ in range(3 * d):
        est = LogisticRegression(C=_V1_C, solver="newton-cholesky", tol=1e-10, max_iter=1000)
        est.fit(z[:, active], y)
        w = np.zeros(d)
        w[active] = est.coef_[0]
        icpt = float(est.intercept_[0])
        violated = active & constrained & (w < 0)
        if violated.any():
            active[int(np.argmin(np.where(violated, w, np.inf)))] = False
            continue
        resid = est.predict_proba(z[:, active])[:, 1] - y
        grad = _V1_C * (z.T @ resid)
        wants_in = ~active & constrained & (grad < -1e-7)
        if wants_in.any():
            active[int(np.argmin(np.where(wants_in, grad, np.inf)))] = True
            continue
        break
    coef = w * flip / scale
    eta = _v1_encode(test, spec) @ coef + icpt - float(center @ coef)
    n = np.maximum(test.columns.n, 0.0)
    lo, hi = band
    return np.asarray(lo + (hi - lo) * (n**2 / (n**2 + 100.0)) / (1.0 + np.exp(-eta)))


def rule_baselines(
    train: QualityCorpus,
    test: QualityCorpus,
    band: tuple[float, float],
    thresholds: tuple[int, ...],
) -> dict[str, FloatArray]:
    """Always fine-tune, the base rate, and each 'n >= t -> fine-tune' rule, hard (kept in
    the band) and softened to the training sources' FT-win share on each side."""
    lo, hi = band
    y = train.y
    rate = float(y.mean())
    m = len(test)
    out = {"always_ft": np.full(m, hi), "base_rate": np.full(m, min(max(rate, lo), hi))}
    for t in thresholds:
        fires_tr, fires_te = train.columns.n >= t, test.columns.n >= t
        out[f"rule_n{t}"] = np.where(fires_te, hi, lo)
        side = [y[fires_tr == v] for v in (False, True)]
        rates = [float(v.mean()) if v.size else rate for v in side]
        out[f"rule_n{t}_soft"] = np.clip(np.where(fires_te, rates[1], rates[0]), lo, hi)
    return out
