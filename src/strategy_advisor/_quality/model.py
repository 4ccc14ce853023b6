"""Quality stage, the model: P(fine-tuning beats prompting), the expected gain, their intervals.

Evaluated from the parameter file with numpy; no scikit-learn or scipy (see
:mod:`.predictive` for the formulas, :mod:`.pilot` for pilots, :mod:`.estimate` for the
result and its notes). Two fits of one design: the prior (what the advisor knows without
measuring) and, when the prompted model's score on the task was measured, the baseline fit.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._datafiles import load_json, parse_json, read_shipped_json, validate_data
from .._errors import DataFileError
from .._profile import PilotResult
from .._types import FloatArray, construct
from .estimate import QualityEstimate, estimate_notes
from .features import (
    VARIANTS,
    FeatureColumns,
    QualityFeatures,
    below_min_offset,
    columns_of,
    encode,
    encode_row,
    encode_varying,
    support_points,
    support_row,
)
from .params import QualityParams, predictive_from_params
from .pilot import pilot_difference, pilot_posterior, update_with_pilot
from .predictive import (
    RowPrediction,
    gain_quantiles,
    mean_gain,
    plugin_sd,
    predict_arrays,
    predict_row,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["QualityModel", "load_default_quality_model"]

_PARAMS_FILE = "quality_params.json"
_MEMO_SIZE = 4096  # estimates kept per model (a value cache, cleared when full)


def _compact_json(obj: Any, indent: int = 0) -> str:
    """JSON with one key per line but lists of scalars kept on one line."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, Mapping):
        if not obj:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k))}: {_compact_json(v, indent + 1)}" for k, v in obj.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (Mapping, list, tuple)) for v in obj):
            return json.dumps(list(obj), allow_nan=False)
        body = ",\n".join(inner + _compact_json(v, indent + 1) for v in obj)
        return "[\n" + body + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


def _variant_of(f: QualityFeatures) -> str:
    return "prior" if f.icl_baseline_points is None else "baseline"


class QualityModel:
    """Fitted quality model, evaluated without scikit-learn or scipy.

    Build it with :meth:`from_json` (or :func:`load_default_quality_model`), or refit it with
    :func:`strategy_advisor.fit_quality_model`.

    Examples
    --------
    >>> model = load_default_quality_model()
    >>> est = model.predict(QualityFeatures(task_type="classification", n_labeled_examples=0))
    >>> est.p_fine_tuning_better
    0.02
    """

    def __init__(self, params: QualityParams) -> None:
        self.params = params
        self.predictives = {v: predictive_from_params(params, v) for v in VARIANTS}
        self.predictive = self.predictives["prior"]
        self._spec = self.predictive.spec
        sup = params.support
        pts = np.array(sup.points, dtype=np.float64).reshape(-1, len(sup.dims))
        # log w = P·s - |P|²/2 - |s|²/2: one product with s~ = (s, |s|², 1)
        self._kernel = np.column_stack(
            [pts, np.full(len(pts), -0.5), -0.5 * np.einsum("ij,ij->i", pts, pts)]
        )
        weights = np.array(sup.weights, dtype=np.float64)
        by_source = np.zeros((len(pts), len(sup.sources)))
        by_source[np.arange(len(pts)), np.array(sup.source_index, dtype=np.int64)] = 1.0
        self._weighted = np.column_stack([weights, by_source * weights[:, None]])
        self._bandwidths = params.bandwidths
        self._widths = tuple(params.support.bandwidths)
        self._memo: dict[tuple[QualityFeatures, PilotResult | None], QualityEstimate] = {}
        self._gains: dict[tuple[QualityFeatures, PilotResult | None], float] = {}

    def __repr__(self) -> str:
        return f"QualityModel(version={self.params.model_version!r})"

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> QualityModel:
        """Load parameters from a path, a JSON string or an already parsed mapping.

        Raises
        ------
        DataFileError
            When the file is unreadable or a key is missing or malformed (names both).
        """
        if isinstance(source, Mapping):
            return cls._from_data(source, "quality parameters")
        if isinstance(source, str) and source.lstrip().startswith("{"):
            return cls._from_data(parse_json(source, "quality parameters"), "quality parameters")
        return cls._from_data(load_json(source), str(source))

    @classmethod
    def _from_data(cls, data: Any, where: str) -> QualityModel:
        try:
            return cls(validate_data(QualityParams, data, where))
        except DataFileError as err:
            raise DataFileError(
                f"{err} (refit with scripts/fit_quality.py, or fix the file)"
            ) from err.__cause__

    def to_dict(self) -> dict[str, Any]:
        """Parameters as plain JSON-able data."""
        return self.params.model_dump(mode="json")

    def to_json(self) -> str:
        """Parameters as a JSON string that :meth:`from_json` reads back exactly."""
        return _compact_json(self.to_dict()) + "\n"

    # -- many tasks (numpy) ------------------------------------------------------------

    def predict_columns(
        self, cols: FeatureColumns, variant: str = "prior"
    ) -> dict[str, FloatArray]:
        """Every number of :mod:`.predictive` for raw feature columns with one fit (corpus
        rows included: their ``n_unstated`` flag adds the fit-time nuisance terms)."""
        pred = self.predictives[variant]
        fit_only = self.params.variants[variant].fit_only
        x = encode(cols, self._spec)
        off = below_min_offset(cols.n, self._spec)
        u = cols.n_unstated
        shift = fit_only.nuisance.get("unstated_shift", 0.0) * u
        sigma = np.where(u > 0, fit_only.sigma_unstated, pred.sigma)
        se = np.nan_to_num(cols.baseline_se)
        return predict_arrays(pred, x, off, cols.n, se, shift=shift, sigma=sigma)

    def predict_proba_columns(self, cols: FeatureColumns) -> FloatArray:
        """Point probabilities (decisive) for raw feature columns, prior fit (vectorised)."""
        return self.predict_columns(cols)["p"]

    def predict_proba_batch(self, features: Sequence[QualityFeatures]) -> FloatArray:
        """Point probabilities for many tasks at once (no interval, no pilot)."""
        out = np.empty(len(features))
        for variant, idx, cols in self._groups(features):
            out[idx] = self.predict_columns(cols, variant)["p"]
        return out

    def data_sufficiency(self, n: float) -> float:
        """The vendor-minimum gate r(n) of this model (0 at n = 0)."""
        return self.predictive.gate(float(n))

    def _groups(
        self, features: Sequence[QualityFeatures]
    ) -> list[tuple[str, npt.NDArray[np.intp], FeatureColumns]]:
        """The tasks of each fit: (fit, positions, their columns)."""
        kinds = np.array([_variant_of(f) for f in features])
        out = []
        for variant in VARIANTS:
            idx = np.flatnonzero(kinds == variant)
            if idx.size:
                out.append((variant, idx, columns_of([features[i] for i in idx.tolist()])))
        return out

    def predict_batch(
        self,
        features: Sequence[QualityFeatures],
        pilots: Sequence[PilotResult | None] | None = None,
    ) -> tuple[QualityEstimate, ...]:
        """:meth:`predict` for many tasks at once (vectorised; the same numbers).

        Parameters
        ----------
        features : sequence of QualityFeatures
        pilots : sequence of PilotResult or None, optional
            One per task (None where there is no pilot).
        """
        if pilots is not None and len(pilots) != len(features):
            raise ValueError(
                f"pilots: expected one entry (or None) per task, {len(features)}; got {len(pilots)}"
            )
        if not features:
            return ()
        result: list[QualityEstimate | None] = [None] * len(features)
        keys = (
            *("p", "low", "high", "gain", "gain_low", "gain_high", "mean_low", "mean_high"),
            *("gate", "p_tie", "mean", "sd", "gain_sd"),
        )
        for variant, idx, cols in self._groups(features):
            out = self.predict_columns(cols, variant)
            s = support_points(cols, self._spec, self._bandwidths)
            rows, sources = self._support(s)
            columns = [out[k].tolist() for k in keys]
            for j, i in enumerate(idx.tolist()):
                row = RowPrediction._make(c[j] for c in columns)
                pilot = pilots[i] if pilots is not None else None
                result[i] = self._estimate(
                    features[i], variant, row, pilot, float(rows[j]), int(sources[j])
                )
        return tuple(e for e in result if e is not None)

    def expected_gain_many(
        self, features: Sequence[QualityFeatures], pilot: PilotResult | None = None
    ) -> FloatArray:
        """``predict(f, pilot).expected_gain_points`` for many tasks at once (vectorised):
        what a search over many probes of one task (its size, its prompt) compares.

        Parameters
        ----------
        features : sequence of QualityFeatures
        pilot : PilotResult, optional
            One pilot applied to every task (the profile's).

        Returns
        -------
        ndarray of float, one expected gain (points) per task.
        """
        out = np.empty(len(features))
        for variant, idx, cols in self._groups(features):
            out[idx] = self._expected_gains(variant, cols, pilot)
        return out

    def expected_gain_varying(
        self,
        features: QualityFeatures,
        n: FloatArray,
        shots: FloatArray,
        retrieval: FloatArray,
        pilot: PilotResult | None = None,
    ) -> FloatArray:
        """:meth:`expected_gain_many` of one task whose examples, demonstrations and
        retrieval vary, without a ``QualityFeatures`` per entry (the prompt planner's
        candidates, the searches' probes).

        Parameters
        ----------
        features : QualityFeatures
            The task; its own examples, demonstrations and retrieval are not read.
        n, shots, retrieval : ndarray of float, one entry per task
            Labeled examples, demonstrations, and 1 where the prompt carries retrieved
            context (0 where not).
        pilot : PilotResult, optional
            One pilot applied to every entry (the profile's).

        Returns
        -------
        ndarray of float, one expected gain (points) per entry: ``expected_gain_many`` of
        the task with those three fields replaced, to the bit.

        Examples
        --------
        >>> model = load_default_quality_model()
        >>> task = QualityFeatures(task_type="classification", n_labeled_examples=0)
        >>> gains = model.expected_gain_varying(
        ...     task, np.array([50.0, 5000.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))
        >>> bool(gains[1] > gains[0])
        True
        """
        return self.gains_varying(features, pilot)(n, shots, retrieval)

    def gains_varying(
        self, features: QualityFeatures, pilot: PilotResult | None = None
    ) -> Callable[[FloatArray, FloatArray, FloatArray], FloatArray]:
        """:meth:`expected_gain_varying` of one task as a function of ``(n, shots,
        retrieval)``: the task's own columns encoded once, for a caller that asks again and
        again (an answer's planner and searches ask this one).

        Examples
        --------
        >>> model = load_default_quality_model()
        >>> task = QualityFeatures(task_type="classification", n_labeled_examples=0)
        >>> gains = model.gains_varying(task)
        >>> n, none = np.array([50.0, 5000.0]), np.zeros(2)
        >>> bool((gains(n, none, none) == model.expected_gain_varying(task, n, none, none)).all())
        True
        """
        one = columns_of([features])
        encoded = encode(one, self._spec)
        variant = _variant_of(features)
        task = features.task_type

        def gains(n: FloatArray, shots: FloatArray, retrieval: FloatArray) -> FloatArray:
            n = np.asarray(n, dtype=np.float64)
            x = encode_varying(
                encoded, task, n, np.asarray(shots, dtype=np.float64),
                np.asarray(retrieval, dtype=np.float64), self._spec,
            )  # fmt: skip
            return self._gains_of_encoded(variant, x, n, np.repeat(one.baseline_se, len(n)), pilot)

        return gains

    def _expected_gains(
        self, variant: str, cols: FeatureColumns, pilot: PilotResult | None
    ) -> FloatArray:
        x = encode(cols, self._spec)
        return self._gains_of_encoded(variant, x, cols.n, cols.baseline_se, pilot)

    def _gains_of_encoded(
        self, variant: str, x: FloatArray, n: FloatArray, baseline_se: FloatArray,
        pilot: PilotResult | None,
    ) -> FloatArray:  # fmt: skip
        pred = self.predictives[variant]
        off = below_min_offset(n, self._spec)
        mu = mean_gain(pred, x, off)
        if pilot is not None:
            se = np.nan_to_num(baseline_se)
            xt = np.column_stack([x, np.ones(len(x)), off])
            q = np.maximum(np.einsum("ij,ij->i", xt @ pred.cov_array, xt), 0.0)
            s2 = plugin_sd(pred, x, se) ** 2 + q
            diff, se01 = pilot_difference(pilot)
            d, pse = 100.0 * diff, 100.0 * se01
            w = s2 / (s2 + pse * pse)
            mu = mu + w * (d - mu)
        return np.asarray(np.clip(mu, -pred.clip, pred.clip), dtype=np.float64)

    # -- one task ----------------------------------------------------------------------

    def predict(
        self, features: QualityFeatures, pilot: PilotResult | None = None
    ) -> QualityEstimate:
        """How likely fine-tuning beats ICL on this task, by how much, with intervals.

        Parameters
        ----------
        features : QualityFeatures
            With ``icl_baseline_points`` set, the baseline fit answers (the prompted model's
            measured score as headroom, its standard error widening the interval).
        pilot : PilotResult, optional
            Scores measured for both arms; updates p and the gain (see ``docs/quality.md``),
            and takes precedence over a measured baseline.

        Returns
        -------
        QualityEstimate
            The same task and pilot give the same (immutable) estimate: it is computed once
            and kept.
        """
        key = (features, pilot)
        try:
            hit = self._memo.get(key)
        except TypeError:  # an unhashable stand-in for the inputs: compute every time
            return self._predict(features, pilot)
        if hit is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            hit = self._memo[key] = self._predict(features, pilot)
        return hit

    def expected_gain(self, features: QualityFeatures, pilot: PilotResult | None = None) -> float:
        """``predict(features, pilot).expected_gain_points``, without the support and the
        intervals: what the prompt planner compares candidate prompts by (kept too)."""
        key = (features, pilot)
        try:
            hit = self._memo.get(key)
        except TypeError:  # an unhashable stand-in for the inputs: compute every time
            return self._gain(features, pilot)
        if hit is not None:
            return hit.expected_gain_points
        gain = self._gains.get(key)
        if gain is None:
            if len(self._gains) >= _MEMO_SIZE:
                self._gains.clear()
            gain = self._gains[key] = self._gain(features, pilot)
        return gain

    def gain_at(
        self,
        features: QualityFeatures,
        pilot: PilotResult | None,
        z: Sequence[float] | FloatArray,
    ) -> FloatArray:
        """This task's gain (points, 0-100 scale) at standard-normal scores ``z``: the
        quantile function of its predictive distribution, strictly increasing in z.

        Without a pilot the family is a normal ``N(mu, S²)`` whose quantiles are made
        non-decreasing in the training-set size (``docs/quality.md``); with a pilot, the
        normal posterior ``N(mu', sd'²)``. Clipped to ±100. ``gain_low_points`` and
        ``gain_high_points`` of :meth:`predict` are ``gain_at`` at ``∓z`` of the interval
        level (``z = 1.2816`` for 80%).

        Examples
        --------
        >>> model = load_default_quality_model()
        >>> f = QualityFeatures(task_type="classification", n_labeled_examples=500)
        >>> z = model.predictive.z  # 1.2816: the 80% interval
        >>> lo, hi = model.gain_at(f, None, [-z, z])
        >>> est = model.predict(f)
        >>> (float(lo), float(hi)) == (est.gain_low_points, est.gain_high_points)
        True
        """
        zs = np.asarray(z, dtype=np.float64).reshape(-1)
        variant = _variant_of(features)
        pred = self.predictives[variant]
        x, off = encode_row(features, self._spec)
        n = float(features.n_labeled_examples)
        se = features.icl_baseline_se_points
        if pilot is None:
            return gain_quantiles(pred, x, off, n, se, zs)
        post = pilot_posterior(predict_row(pred, x, off, n, se), pilot)
        return np.clip(post.mean + zs * post.sd, -pred.clip, pred.clip)

    def _row(self, features: QualityFeatures) -> tuple[str, list[float], RowPrediction]:
        """The fit, the encoded row and its prediction (before support and a pilot)."""
        variant = _variant_of(features)
        pred = self.predictives[variant]
        x, off = encode_row(features, self._spec)
        n = float(features.n_labeled_examples)
        return variant, x, predict_row(pred, x, off, n, features.icl_baseline_se_points)

    def _gain(self, features: QualityFeatures, pilot: PilotResult | None) -> float:
        # the first steps of _predict and _estimate: the gain needs no support
        variant, _, r = self._row(features)
        if pilot is None:
            return r.gain
        pred = self.predictives[variant]
        return min(max(pilot_posterior(r, pilot).mean, -pred.clip), pred.clip)

    def _predict(self, features: QualityFeatures, pilot: PilotResult | None) -> QualityEstimate:
        variant, x, row = self._row(features)
        rows, sources = self._support_one(support_row(features, x, self._spec, self._widths))
        return self._estimate(features, variant, row, pilot, rows, sources)

    def _support(self, s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Kernel-weighted similar rows, and sources with at least ``source_threshold``."""
        aug = np.column_stack([s, np.einsum("ij,ij->i", s, s), np.ones(len(s))])
        w = np.exp(np.minimum(aug @ self._kernel.T, 0.0))
        totals = w @ self._weighted
        threshold = self.params.support.source_threshold
        return totals[:, 0], np.count_nonzero(totals[:, 1:] >= threshold, axis=1)

    def _support_one(self, s: list[float]) -> tuple[float, int]:
        aug = np.array([*s, 0.0, 1.0])
        aug[-2] = aug[:-2] @ aug[:-2]
        w = np.exp(np.minimum(self._kernel @ aug, 0.0))
        totals = w @ self._weighted
        threshold = self.params.support.source_threshold
        return float(totals[0]), int(np.count_nonzero(totals[1:] >= threshold))

    def _estimate(
        self,
        f: QualityFeatures,
        variant: str,
        r: RowPrediction,
        pilot: PilotResult | None,
        rows: float,
        sources: int,
    ) -> QualityEstimate:
        prm = self.params
        pred = self.predictives[variant]
        p, low, high, tie = r.p, r.low, r.high, r.p_tie
        gain, g_lo, g_hi, m_lo, m_hi = r.gain, r.gain_low, r.gain_high, r.mean_low, r.mean_high
        update = None
        if pilot is not None:
            n = float(f.n_labeled_examples)
            p, low, high, gain, g_lo, g_hi, m_lo, m_hi, tie, _, update = update_with_pilot(
                pred, r, pilot, n
            )
        sup = prm.support
        low_support = rows < sup.min_rows or sources < sup.min_sources
        n = f.n_labeled_examples
        below_corpus = 0 < n < prm.coverage.min_n
        notes = estimate_notes(
            prm, self.predictive, f, r.gate, rows, sources, low_support, low, high
        )
        return construct(
            QualityEstimate,
            p_fine_tuning_better=p,
            low=low,
            high=high,
            interval_level=prm.level,
            p_tie=tie,
            outcome_probabilities=((1.0 - tie) * p, tie, (1.0 - tie) * (1.0 - p)),
            expected_gain_points=gain,
            gain_low_points=g_lo,
            gain_high_points=g_hi,
            expected_gain_low_points=m_lo,
            expected_gain_high_points=m_hi,
            data_sufficiency=r.gate,
            support_rows=rows,
            support_sources=sources,
            wide=(high - low) > prm.wide_width or low_support or below_corpus or prm.force_wide,
            basis=variant,
            pilot=update,
            notes=tuple(notes),
            model_version=prm.model_version,
        )


@functools.cache
def load_default_quality_model() -> QualityModel:
    """The shipped model (``data/quality_params.json``), loaded once.

    Raises
    ------
    DataFileError
        If the shipped file is malformed (names the file and the key).
    """
    return QualityModel._from_data(read_shipped_json(_PARAMS_FILE), f"data/{_PARAMS_FILE}")
