"""Quality-model feature stage: corpus rows and task descriptions to numeric features."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

import numpy as np
import numpy.typing as npt

from ._errors import DataFileError, closest_names
from ._profile import TaskType

__all__ = [
    "CORPUS_COLUMNS",
    "DEFAULT_MISSING_N_TRAIN",
    "FEATURES",
    "FT_METHODS",
    "MODEL_KINDS",
    "SUPPORT_DIMS",
    "TASK_TYPES",
    "FeatureColumns",
    "FeatureDef",
    "FeatureSpec",
    "QualityCorpus",
    "encode",
    "read_corpus",
    "spec_from_corpus",
    "subset_corpus",
    "support_points",
    "support_table",
]

FloatArray = npt.NDArray[np.float64]

TASK_TYPES: tuple[str, ...] = get_args(TaskType)
MODEL_KINDS = ("frontier_api", "open_weights", "unknown")
FT_METHODS = ("full", "lora", "qlora", "ia3", "other_peft", "unknown")
WINNERS = ("fine_tuning", "in_context_learning", "tie")

#: Columns a corpus CSV must have (extra columns are ignored; ``ft_model_kind`` is optional).
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

#: Imputed training-set size where ``n_train_ft`` is empty: ``"*"`` for every source, plus
#: per-source overrides. The public corpus leaves it empty where the paper used "the entire
#: training set" (large), except liu2022tfew, whose few-shot sets "vary from 20 to 70"
#: examples (geometric mid-point 37).
DEFAULT_MISSING_N_TRAIN: Mapping[str, float] = {"*": 10_000.0, "liu2022tfew": 37.0}


@dataclass(frozen=True)
class FeatureDef:
    """One model feature: its name, transform, sign constraint and reason."""

    name: str
    transform: str
    constraint: str  # "nonneg", "nonpos" or "free"
    why: str
    binary: bool = False  # penalised unscaled (Gelman 2008); continuous: divided by 2 sd

    def to_dict(self) -> dict[str, str]:
        """Plain-JSON form, as stored in the parameter file."""
        scaling = "binary: centred only" if self.binary else "continuous: centred, / (2 sd)"
        return {
            "name": self.name,
            "transform": self.transform,
            "scaling": scaling,
            "constraint": self.constraint,
            "why": self.why,
        }


FEATURES: tuple[FeatureDef, ...] = (
    FeatureDef(
        "log_n",
        "log(1 + n_labeled_examples)",
        "nonneg",
        "More labeled data can only help the tuned arm; monotone by construction.",
    ),
    FeatureDef(
        "log_n_per_class",
        "log(1 + n / min(n_classes, classes_cap)) where n_classes is known, else 0",
        "nonneg",
        "What a classifier learns from is examples per class.",
    ),
    FeatureDef(
        "log_classes",
        "log(min(n_classes, classes_cap)) where known, else 0; classes_cap is the "
        "corpus maximum (no extrapolation beyond the corpus)",
        "nonneg",
        "A prompt cannot show every label of a large label space; many classes "
        "favour fine-tuning (T-Few / RAFT Banking77).",
    ),
    FeatureDef(
        "log_shots",
        "log(1 + min(icl_shots, shots_cap)); unknown: corpus mean (no indicator: run "
        "time always knows the planned shots)",
        "nonpos",
        "Demonstrations strengthen the prompted arm (Brown et al. 2020).",
    ),
    FeatureDef(
        "log_size_ratio",
        "log10(icl_params_b) - log10(ft_params_b); an undisclosed "
        "size is imputed from the model kind",
        "nonpos",
        "A much larger prompted model closes the gap a small tuned model opens.",
    ),
    FeatureDef(
        "icl_undisclosed_frontier",
        "1 if the prompted model is a frontier API model of undisclosed size",
        "free",
        "Undisclosed frontier models (GPT-4 class) are stronger than any imputed size.",
        binary=True,
    ),
    FeatureDef(
        "same_model",
        "1 if both arms use the same base model",
        "nonneg",
        "Tuning a model rarely makes it worse than prompting that same model.",
        binary=True,
    ),
    FeatureDef(
        "full_ft",
        "1 for full fine-tuning, 0.5 for unknown, 0 for PEFT methods",
        "nonneg",
        "Full fine-tuning learns at least as much as LoRA-style methods "
        "(Biderman et al. 2024); method is confounded with source, so one "
        "constrained feature rather than six free ones.",
        binary=True,
    ),
    *(
        FeatureDef(
            f"task_{t}",
            f"1 if task_type == '{t}'",
            "free",
            "Tasks differ in how much a prompted frontier model already knows.",
            binary=True,
        )
        for t in TASK_TYPES
    ),
)

#: Dimensions of the support kernel (each divided by its bandwidth before distances). A row
#: one bandwidth away counts exp(-1/2) = 0.61; a different task type or a same-model vs
#: cross-model mismatch is two bandwidths away and counts exp(-2) = 0.14.
SUPPORT_DIMS: tuple[tuple[str, float], ...] = (
    ("log_n", math.log(4.0)),
    ("log_shots_uncapped", math.log(4.0)),
    ("log_size_ratio", 1.0),
    ("icl_undisclosed_frontier", 1.0),
    ("same_model", 0.5),
    *((f"task_{t}", 0.5) for t in TASK_TYPES),
)


@dataclass(frozen=True)
class FeatureSpec:
    """Constants of the encoding that are learned from (or stated for) the corpus."""

    size_impute_log10: Mapping[str, float] = field(
        default_factory=lambda: {
            "frontier_api": math.log10(175.0),
            "open_weights": math.log10(7.0),
            "unknown": math.log10(7.0),
        }
    )
    shots_impute_log1p: float = math.log1p(2.0)
    shots_cap: float = 32.0
    classes_cap: float = 77.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "size_impute_log10": dict(self.size_impute_log10),
            "shots_impute_log1p": self.shots_impute_log1p,
            "shots_cap": self.shots_cap,
            "classes_cap": self.classes_cap,
        }


@dataclass(frozen=True)
class FeatureColumns:
    """Raw inputs of many tasks, one array entry per task (NaN where unknown)."""

    task: tuple[str, ...]
    n: FloatArray
    n_missing: FloatArray  # 1 where a corpus row's n was imputed; bookkeeping, not a feature
    n_classes: FloatArray
    shots: FloatArray
    ft_params_b: FloatArray
    icl_params_b: FloatArray
    ft_kind: tuple[str, ...]
    icl_kind: tuple[str, ...]
    same_model: FloatArray
    ft_method: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.task)


def _log10_size(params: FloatArray, kinds: Sequence[str], spec: FeatureSpec) -> FloatArray:
    imputed = np.array([spec.size_impute_log10[k] for k in kinds], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        known = np.log10(params)
    return np.where(np.isnan(params), imputed, known)


def encode(cols: FeatureColumns, spec: FeatureSpec) -> FloatArray:
    """Encode raw columns into the model's feature matrix (rows x ``len(FEATURES)``)."""
    n = cols.n
    has_c = ~np.isnan(cols.n_classes)
    # no extrapolation beyond the corpus: more classes than its maximum count as the maximum
    n_cls = np.where(has_c, np.minimum(np.nan_to_num(cols.n_classes), spec.classes_cap), 1.0)
    has_s = ~np.isnan(cols.shots)
    shots = np.where(has_s, np.minimum(np.nan_to_num(cols.shots), spec.shots_cap), 0.0)
    icl_unknown = np.isnan(cols.icl_params_b)
    frontier = np.array([k == "frontier_api" for k in cols.icl_kind])
    method = {"full": 1.0, "unknown": 0.5}
    parts = [
        np.log1p(n),
        np.where(has_c, np.log1p(n / n_cls), 0.0),
        np.where(has_c, np.log(n_cls), 0.0),
        np.where(has_s, np.log1p(shots), spec.shots_impute_log1p),
        _log10_size(cols.icl_params_b, cols.icl_kind, spec)
        - _log10_size(cols.ft_params_b, cols.ft_kind, spec),
        (icl_unknown & frontier).astype(np.float64),
        cols.same_model,
        np.array([method.get(m, 0.0) for m in cols.ft_method]),
        *(np.array([t == name for t in cols.task], dtype=np.float64) for name in TASK_TYPES),
    ]
    return np.column_stack(parts).astype(np.float64)


def support_points(cols: FeatureColumns, spec: FeatureSpec) -> FloatArray:
    """Coordinates for the support kernel, already divided by the bandwidths."""
    x = encode(cols, spec)
    idx = {f.name: i for i, f in enumerate(FEATURES)}
    has_s = ~np.isnan(cols.shots)
    shots = np.where(has_s, np.log1p(np.nan_to_num(cols.shots)), spec.shots_impute_log1p)
    columns = {
        "log_n": x[:, idx["log_n"]],
        "log_shots_uncapped": shots,
        "log_size_ratio": x[:, idx["log_size_ratio"]],
        "icl_undisclosed_frontier": x[:, idx["icl_undisclosed_frontier"]],
        "same_model": x[:, idx["same_model"]],
        # one-hot / sqrt(2): two task types differ by a squared distance of 1 (before bandwidth)
        **{f"task_{t}": x[:, idx[f"task_{t}"]] / math.sqrt(2.0) for t in TASK_TYPES},
    }
    return np.column_stack([columns[name] / bw for name, bw in SUPPORT_DIMS])


# ----------------------------------------------------------------------------- corpus


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

    @property
    def y(self) -> FloatArray:
        """1.0 where fine-tuning won by more than the margin; ties and ICL wins are 0."""
        return np.array([w == "fine_tuning" for w in self.winner], dtype=np.float64)

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


def read_corpus(
    corpus: str | Path | Iterable[Mapping[str, Any]],
    *,
    missing_n_train: Mapping[str, float] = DEFAULT_MISSING_N_TRAIN,
) -> QualityCorpus:
    """Parse a corpus CSV (path) or an iterable of row dicts in the same format.

    Parameters
    ----------
    corpus : str, Path or iterable of mappings
        Rows with the columns of ``evidence_public.csv`` (see :data:`CORPUS_COLUMNS`).
    missing_n_train : mapping
        Training-set size imputed where ``n_train_ft`` is empty, by ``source_id``, with
        ``"*"`` as the default. Imputed rows are marked in ``columns.n_missing`` (used for
        the coverage statistics only; it is not a model feature, because it is always 0 at
        run time).

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
    default_n = float(missing_n_train.get("*", 10_000.0))
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
            "n_classes",
            "shots",
            "ft_params",
            "icl_params",
            "ft_kind",
            "icl_kind",
            "same",
            "method",
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

    def arr(key: str) -> FloatArray:
        return np.asarray(rec[key], dtype=np.float64)

    cols = FeatureColumns(
        task=tuple(rec["task"]),
        n=arr("n"),
        n_missing=arr("n_missing"),
        n_classes=arr("n_classes"),
        shots=arr("shots"),
        ft_params_b=arr("ft_params"),
        icl_params_b=arr("icl_params"),
        ft_kind=tuple(rec["ft_kind"]),
        icl_kind=tuple(rec["icl_kind"]),
        same_model=arr("same"),
        ft_method=tuple(rec["method"]),
    )
    return QualityCorpus(
        name=name,
        sha256=sha,
        row_ids=tuple(rec["row_id"]),
        source_ids=tuple(rec["source"]),
        winner=tuple(rec["winner"]),
        score_delta=arr("delta"),
        columns=cols,
    )


def spec_from_corpus(corpus: QualityCorpus) -> FeatureSpec:
    """Imputation constants learned from a corpus (disclosed sizes, stated shots)."""
    cols = corpus.columns
    sizes: dict[str, list[float]] = {"frontier_api": [], "open_weights": [], "all": []}
    for params, kinds in ((cols.ft_params_b, cols.ft_kind), (cols.icl_params_b, cols.icl_kind)):
        for p, k in zip(params, kinds, strict=True):
            if not math.isnan(p):
                sizes["all"].append(math.log10(p))
                sizes.setdefault(k, []).append(math.log10(p))
    known = cols.shots[~np.isnan(cols.shots)]
    cap = float(known.max()) if known.size else 32.0
    classes = cols.n_classes[~np.isnan(cols.n_classes)]
    return FeatureSpec(
        size_impute_log10={
            "frontier_api": max(sizes["frontier_api"], default=math.log10(175.0)),
            "open_weights": float(np.median(sizes["open_weights"] or [math.log10(7.0)])),
            "unknown": float(np.median(sizes["all"] or [math.log10(7.0)])),
        },
        shots_impute_log1p=float(np.mean(np.log1p(np.minimum(known, cap))))
        if known.size
        else math.log1p(2.0),
        shots_cap=cap,
        classes_cap=float(classes.max()) if classes.size else 2.0,
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
        n_classes=c.n_classes[idx],
        shots=c.shots[idx],
        ft_params_b=c.ft_params_b[idx],
        icl_params_b=c.icl_params_b[idx],
        ft_kind=tup(c.ft_kind),
        icl_kind=tup(c.icl_kind),
        same_model=c.same_model[idx],
        ft_method=tup(c.ft_method),
    )
    return replace(
        corpus,
        row_ids=tup(corpus.row_ids),
        source_ids=tup(corpus.source_ids),
        winner=tup(corpus.winner),
        score_delta=corpus.score_delta[idx],
        columns=cols,
    )


def support_table(
    corpus: QualityCorpus,
    spec: FeatureSpec,
    *,
    min_rows: float,
    min_sources: int,
    threshold: float,
) -> dict[str, Any]:
    """The ``support`` section of the parameter file: kernel points of every corpus row."""
    sources = sorted(set(corpus.source_ids))
    return {
        "dims": [d for d, _ in SUPPORT_DIMS],
        "bandwidths": [b for _, b in SUPPORT_DIMS],
        "points": support_points(corpus.columns, spec).tolist(),
        "source_index": [sources.index(s) for s in corpus.source_ids],
        "sources": sources,
        "min_rows": min_rows,
        "min_sources": min_sources,
        "source_threshold": threshold,
    }
