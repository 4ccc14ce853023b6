"""Quality stage, corpus: published head-to-head results parsed into feature columns."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import DataFileError, closest_names
from .._types import FT_METHODS, MODEL_KINDS, TASK_TYPES, FloatArray
from .features import FeatureColumns, FeatureSpec
from .settings import fit_settings, source_stances
from .strength import StrengthTable, model_strengths

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "CORPUS_COLUMNS",
    "QualityCorpus",
    "read_corpus",
    "spec_from_corpus",
    "subset_corpus",
]

WINNERS = ("fine_tuning", "in_context_learning", "tie")

#: Columns a corpus CSV must have (extra columns are ignored; ``ft_model_kind``,
#: ``icl_retrieval`` (default false), ``icl_model``, ``icl_score``, ``ft_score``, ``metric``,
#: ``higher_is_better``, ``score_delta`` and ``task`` are optional: without ``icl_model`` the
#: prompted model's strength is imputed from its kind, without ``icl_score`` a row takes no
#: part in the fit with a measured baseline).
CORPUS_COLUMNS = (
    "source_id",
    "task_family",
    "n_classes",
    "n_train_ft",
    "ft_model",
    "ft_model_params_b",
    "ft_method_kind",
    "icl_model_params_b",
    "icl_model_kind",
    "same_model",
    "icl_shots",
    "winner",
)


@dataclass(frozen=True)
class QualityCorpus:
    """A parsed corpus of head-to-head results (the public one, or an organisation's)."""

    name: str
    sha256: str | None
    row_ids: tuple[str, ...]
    source_ids: tuple[str, ...]
    winner: tuple[str, ...]
    score_delta: FloatArray
    columns: FeatureColumns
    arms: tuple[str, ...] = ()  # one key per fine-tuned result: rows sharing it are matched
    stances: tuple[str, ...] = ()  # the source's stance (data/source_stance.json), fit-only

    @property
    def y(self) -> FloatArray:
        """1.0 where fine-tuning won by more than the margin; ties and ICL wins are 0."""
        return np.array([w == "fine_tuning" for w in self.winner], dtype=np.float64)

    @property
    def outcome(self) -> FloatArray:
        """+1 fine-tuning better, 0 tie, -1 in-context learning better."""
        code = {"fine_tuning": 1.0, "tie": 0.0, "in_context_learning": -1.0}
        return np.array([code[w] for w in self.winner], dtype=np.float64)

    @property
    def decisive(self) -> npt.NDArray[np.bool_]:
        """True where one strategy won by more than the margin (not a tie)."""
        return np.array([w != "tie" for w in self.winner], dtype=bool)

    def __len__(self) -> int:
        return len(self.row_ids)


def _num(value: str, where: str, *, minimum: float | None = None) -> float:
    text = value.strip()
    if text == "":
        return math.nan
    try:
        out = float(text)
    except ValueError:
        raise DataFileError(f"{where}: expected a number or empty, got {value!r}.") from None
    if not math.isfinite(out) or (minimum is not None and out < minimum):
        raise DataFileError(f"{where}: expected a finite number >= {minimum}, got {value!r}.")
    return out


def _choice(value: str, allowed: Sequence[str], where: str) -> str:
    text = value.strip().lower()  # category names are lower case; accept "True", "LoRA"
    if text not in allowed:
        hint = closest_names(text, allowed) if text else []
        extra = f" Did you mean {hint[0]!r}?" if hint else ""
        raise DataFileError(f"{where}: expected one of {list(allowed)}, got {value!r}.{extra}")
    return text


def _ft_kind(row: Mapping[str, str], icl_kind: str, where: str) -> str:
    given = (row.get("ft_model_kind") or "").strip()
    if given:
        return _choice(given, MODEL_KINDS, where + ", column 'ft_model_kind'")
    if row["same_model"].strip().lower() == "true":
        return icl_kind
    name = row["ft_model"].strip().lower()
    return "unknown" if not name or "unnamed" in name else "open_weights"


def _score_scale(
    row: Mapping[str, str], icl: float, ft: float, delta: float, higher: bool
) -> float:
    """100 when a row's scores are on a 0-1 scale, 1 when on 0-100: from the stated
    score_delta where it tells (delta = 100 x (ft - icl) on a 0-1 scale, the sign turned for
    a lower-is-better metric), else from the metric's name or the scores' size."""
    if not math.isnan(delta) and not math.isnan(ft):
        diff = ft - icl if higher else icl - ft
        e100, e1 = abs(100.0 * diff - delta), abs(diff - delta)
        if abs(e100 - e1) > 0.05:
            return 100.0 if e100 < e1 else 1.0
    metric = row.get("metric", "") or ""
    top = max(icl, 0.0 if math.isnan(ft) else ft)
    return 100.0 if ("0-1" in metric or top <= 1.0) else 1.0


def _baseline_points(row: Mapping[str, str], at: str, delta: float) -> float:
    """The prompted arm's score on 0-100, higher is better (NaN where not stated)."""
    icl = _num(row.get("icl_score", "") or "", f"{at}, column 'icl_score'")
    if math.isnan(icl):
        return math.nan
    try:
        ft = float((row.get("ft_score", "") or "").strip())
    except ValueError:  # a range ("0.83-0.90") or empty
        ft = math.nan
    higher = (row.get("higher_is_better", "") or "true").strip().lower() != "false"
    points = icl * _score_scale(row, icl, ft, delta, higher)
    return min(max(points if higher else 100.0 - points, 0.0), 100.0)


def read_corpus(
    corpus: str | Path | Iterable[Mapping[str, Any]],
    *,
    missing_n_train: Mapping[str, float] | None = None,
    strengths: StrengthTable | None = None,
    stances: Mapping[str, str] | None = None,
) -> QualityCorpus:
    """Parse a corpus CSV (path) or an iterable of row dicts in the same format.

    Parameters
    ----------
    corpus : str, Path or iterable of mappings
        Rows with the columns of ``evidence_public.csv`` (see :data:`CORPUS_COLUMNS`).
    missing_n_train : mapping
        Training-set size imputed where ``n_train_ft`` is empty, by ``source_id``, with
        ``"*"`` as the default (``None``: ``data/quality_fit.json``). Imputed rows are marked
        in ``columns.n_missing``; rows imputed with the ``"*"`` value also in
        ``columns.n_unstated``, which the fit gives its own nuisance terms (a source-specific
        value counts as stated). Neither is a run-time feature: at run time n is stated.
    strengths : StrengthTable, optional
        Capability figures of the prompted models, looked up by ``icl_model`` (default:
        ``data/model_strength.json``); a model the table does not know is imputed.
    stances : mapping, optional
        Stance of each source_id (default: ``data/source_stance.json``; others: neutral).

    Returns
    -------
    QualityCorpus
    """
    sha: str | None = None
    if isinstance(corpus, (str, Path)):
        path = Path(corpus)
        name = path.name
        try:
            data = path.read_bytes()
        except OSError as err:
            raise DataFileError(f"{name}: cannot read the corpus file: {err}") from err
        sha = hashlib.sha256(data).hexdigest()
        rows: list[Mapping[str, Any]] = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    else:
        name = "<rows>"
        rows = list(corpus)
        canonical = json.dumps([dict(r) for r in rows], sort_keys=True, default=str)
        sha = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if not rows:
        raise DataFileError(f"{name}: the corpus has no rows.")
    missing = [c for c in CORPUS_COLUMNS if c not in rows[0]]
    if missing:
        raise DataFileError(
            f"{name}: missing column(s) {missing}; expected {list(CORPUS_COLUMNS)}."
        )
    if missing_n_train is None:
        missing_n_train = fit_settings().unstated_n.missing_n_train
    if "*" not in missing_n_train:
        raise DataFileError(
            f"missing_n_train needs a '*' entry (the size imputed for every source without "
            f"its own); got keys {sorted(missing_n_train)}"
        )
    default_n = float(missing_n_train["*"])
    table = strengths if strengths is not None else model_strengths()
    stance_of = stances if stances is not None else source_stances().as_mapping()
    rec: dict[str, list[Any]] = {
        k: []
        for k in (
            "row_id",
            "source",
            "winner",
            "delta",
            "task",
            "n",
            "n_missing",
            "n_unstated",
            "n_classes",
            "shots",
            "ft_params",
            "icl_params",
            "ft_kind",
            "icl_kind",
            "same",
            "method",
            "retrieval",
            "strength",
            "baseline",
            "arm",
            "stance",
        )
    }
    for i, raw in enumerate(rows, start=2):
        row = {k: "" if v is None else str(v) for k, v in raw.items()}
        rid = row.get("row_id", "").strip() or f"row{i - 1}"
        at = f"{name}: line {i} ({rid})"
        source = row["source_id"].strip()
        if not source:
            raise DataFileError(f"{at}, column 'source_id': empty; every row needs a source.")
        n = _num(row["n_train_ft"], f"{at}, column 'n_train_ft'", minimum=0)
        icl_kind = _choice(row["icl_model_kind"], MODEL_KINDS, f"{at}, column 'icl_model_kind'")
        rec["row_id"].append(rid)
        rec["source"].append(source)
        rec["winner"].append(_choice(row["winner"], WINNERS, f"{at}, column 'winner'"))
        rec["delta"].append(_num(row.get("score_delta", ""), f"{at}, column 'score_delta'"))
        rec["task"].append(_choice(row["task_family"], TASK_TYPES, f"{at}, column 'task_family'"))
        rec["n_missing"].append(float(math.isnan(n)))
        rec["n_unstated"].append(float(math.isnan(n) and source not in missing_n_train))
        rec["n"].append(float(missing_n_train.get(source, default_n)) if math.isnan(n) else n)
        rec["n_classes"].append(_num(row["n_classes"], f"{at}, column 'n_classes'", minimum=1))
        rec["shots"].append(_num(row["icl_shots"], f"{at}, column 'icl_shots'", minimum=0))
        ft_p = _num(row["ft_model_params_b"], f"{at}, column 'ft_model_params_b'", minimum=1e-6)
        icl_p = _num(row["icl_model_params_b"], f"{at}, column 'icl_model_params_b'", minimum=1e-6)
        rec["ft_params"].append(ft_p)
        rec["icl_params"].append(icl_p)
        rec["icl_kind"].append(icl_kind)
        rec["ft_kind"].append(_ft_kind(row, icl_kind, at))
        same = _choice(
            row["same_model"].strip().lower(), ("true", "false"), f"{at}, column 'same_model'"
        )
        rec["same"].append(1.0 if same == "true" else 0.0)
        rec["method"].append(
            _choice(row["ft_method_kind"], FT_METHODS, f"{at}, column 'ft_method_kind'")
        )
        retrieval = row.get("icl_retrieval", "").strip() or "false"
        rec["retrieval"].append(
            1.0
            if _choice(retrieval, ("true", "false"), f"{at}, column 'icl_retrieval'") == "true"
            else 0.0
        )
        figure = strength_of_row(table, row.get("icl_model", ""))
        rec["strength"].append(math.nan if figure is None else figure)
        rec["baseline"].append(_baseline_points(row, at, rec["delta"][-1]))
        # one fine-tuned result: the same source, task, tuned model, size and tuned score
        arm = (source, row.get("task", ""), row["ft_model"], row["n_train_ft"])
        rec["arm"].append("|".join((*arm, row.get("ft_score", ""))).strip())
        rec["stance"].append(stance_of.get(source, "neutral"))

    def arr(key: str) -> FloatArray:
        return np.asarray(rec[key], dtype=np.float64)

    cols = FeatureColumns(
        task=tuple(rec["task"]),
        n=arr("n"),
        n_missing=arr("n_missing"),
        n_unstated=arr("n_unstated"),
        n_classes=arr("n_classes"),
        shots=arr("shots"),
        ft_params_b=arr("ft_params"),
        icl_params_b=arr("icl_params"),
        ft_kind=tuple(rec["ft_kind"]),
        icl_kind=tuple(rec["icl_kind"]),
        same_model=arr("same"),
        ft_method=tuple(rec["method"]),
        retrieval=arr("retrieval"),
        icl_strength=arr("strength"),
        baseline=arr("baseline"),
        baseline_se=np.zeros(len(rec["row_id"])),
    )
    return QualityCorpus(
        name=name,
        sha256=sha,
        row_ids=tuple(rec["row_id"]),
        source_ids=tuple(rec["source"]),
        winner=tuple(rec["winner"]),
        score_delta=arr("delta"),
        columns=cols,
        arms=tuple(rec["arm"]),
        stances=tuple(rec["stance"]),
    )


def strength_of_row(table: StrengthTable, icl_model: str | None) -> float | None:
    """The capability figure of a corpus row's prompted model (None: unknown)."""
    entry = table.lookup(icl_model)
    return None if entry is None else table.figure(entry)


def spec_from_corpus(
    corpus: QualityCorpus,
    fallbacks: Mapping[str, float],
    knots_n: tuple[float, float, float, float],
    *,
    strength_center: float,
    knowledge_tasks: tuple[str, ...],
) -> FeatureSpec:
    """Imputation constants learned from a corpus (disclosed sizes, prompted models'
    strengths, stated shots, class counts of classification rows), with the curve's knots
    and the strength settings.

    ``fallbacks`` (``data/quality_fit.json`` ``imputation_fallbacks``) are used only where
    the corpus states no size, strength, shot count or class count at all.
    """
    cols = corpus.columns
    sizes: dict[str, list[float]] = {"frontier_api": [], "open_weights": [], "all": []}
    for params, kinds in ((cols.ft_params_b, cols.ft_kind), (cols.icl_params_b, cols.icl_kind)):
        for p, k in zip(params, kinds, strict=True):
            if not math.isnan(p):
                sizes["all"].append(math.log10(p))
                sizes.setdefault(k, []).append(math.log10(p))
    frontier = math.log10(fallbacks["frontier_api_params_b"])
    open_weights = math.log10(fallbacks["open_weights_params_b"])
    known = cols.shots[~np.isnan(cols.shots)]
    cap = float(known.max()) if known.size else fallbacks["shots_cap"]
    is_cls = np.array([t == "classification" for t in cols.task], dtype=bool)
    classes = cols.n_classes[is_cls & ~np.isnan(cols.n_classes)]
    icl_kinds: npt.NDArray[np.str_] = np.array(cols.icl_kind)
    known_s = ~np.isnan(cols.icl_strength)
    fallback_s = fallbacks["strength"]

    def median_strength(mask: npt.NDArray[np.bool_]) -> float:
        values = cols.icl_strength[mask & known_s]
        return float(np.median(values)) if values.size else fallback_s

    return FeatureSpec(
        size_impute_log10={
            "frontier_api": max(sizes["frontier_api"], default=frontier),
            "open_weights": float(np.median(sizes["open_weights"] or [open_weights])),
            "unknown": float(np.median(sizes["all"] or [open_weights])),
        },
        strength_impute={
            "frontier_api": median_strength(icl_kinds == "frontier_api"),
            "open_weights": median_strength(icl_kinds == "open_weights"),
            "unknown": median_strength(np.ones(len(icl_kinds), dtype=bool)),
        },
        strength_cap=float(cols.icl_strength[known_s].max()) if known_s.any() else fallback_s,
        strength_center=strength_center,
        knowledge_tasks=knowledge_tasks,
        shots_impute_log1p=float(np.mean(np.log1p(np.minimum(known, cap))))
        if known.size
        else math.log1p(fallbacks["shots"]),
        shots_cap=cap,
        classes_cap=float(classes.max()) if classes.size else fallbacks["classes_cap"],
        knots_n=knots_n,
    )


def subset_corpus(corpus: QualityCorpus, mask: npt.NDArray[np.bool_]) -> QualityCorpus:
    """The rows of ``corpus`` where ``mask`` is true."""
    idx = np.flatnonzero(mask)
    c = corpus.columns

    def tup(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(values[i] for i in idx)

    cols = FeatureColumns(
        task=tup(c.task),
        n=c.n[idx],
        n_missing=c.n_missing[idx],
        n_unstated=c.n_unstated[idx],
        n_classes=c.n_classes[idx],
        shots=c.shots[idx],
        ft_params_b=c.ft_params_b[idx],
        icl_params_b=c.icl_params_b[idx],
        ft_kind=tup(c.ft_kind),
        icl_kind=tup(c.icl_kind),
        same_model=c.same_model[idx],
        ft_method=tup(c.ft_method),
        retrieval=c.retrieval[idx],
        icl_strength=c.icl_strength[idx],
        baseline=c.baseline[idx],
        baseline_se=c.baseline_se[idx],
    )
    return replace(
        corpus,
        row_ids=tup(corpus.row_ids),
        source_ids=tup(corpus.source_ids),
        winner=tup(corpus.winner),
        score_delta=corpus.score_delta[idx],
        columns=cols,
        arms=tup(corpus.arms) if corpus.arms else (),
        stances=tup(corpus.stances) if corpus.stances else (),
    )
