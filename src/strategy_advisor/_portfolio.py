"""Many recommendations at once: a sweep of one input, and a portfolio of profiles.

A :class:`Sweep` holds the recommendations for one input at each value and their table; a
:class:`Portfolio` is the tuple of recommendations for many profiles, with the same table
per profile. Both tables are plain numbers (strategy, confidence, both totals with their
ranges), read from the recommendations without writing their explanations.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field, ValidationError

from ._costs import CostComparison, StrategyCost
from ._datafiles import describe_validation_error
from ._decision import DecisionPolicy
from ._errors import ParameterError, ProfileError
from ._profile import TaskProfile
from ._quality import QualityEstimate
from ._recommendation import Recommendation
from ._types import RESULT, Strategy, construct

__all__ = ["Portfolio", "Sweep", "SweepRow", "TableRow", "run_parallel", "validated_profiles"]


class TableRow(BaseModel):
    """One recommendation in a table: the answer and both totals with their ranges."""

    model_config = RESULT

    strategy: Strategy
    confidence: float
    p_fine_tuning_better: float
    ft_total_usd: float | None = Field(description="Fine-tuning's total over the horizon.")
    ft_total_usd_low: float | None
    ft_total_usd_high: float | None
    icl_total_usd: float | None = Field(description="Prompting's total over the horizon.")
    icl_total_usd_low: float | None
    icl_total_usd_high: float | None
    break_even_requests_per_month: float | None

    @classmethod
    def of(cls, rec: Recommendation, **extra: Any) -> Any:
        return cls.of_parts(
            rec.strategy,
            rec.confidence,
            rec.quality,
            rec.costs[Strategy.FINE_TUNING],
            rec.costs[Strategy.IN_CONTEXT_LEARNING],
            rec.break_even_requests_per_month,
            **extra,
        )

    @classmethod
    def of_parts(
        cls,
        strategy: Strategy,
        confidence: float,
        quality: QualityEstimate,
        ft: StrategyCost,
        icl: StrategyCost,
        break_even: float | None,
        **extra: Any,
    ) -> Any:
        """A row from a decision's parts."""
        return construct(
            cls,
            **extra,
            strategy=strategy,
            confidence=confidence,
            p_fine_tuning_better=quality.p_fine_tuning_better,
            ft_total_usd=ft.total_usd,
            ft_total_usd_low=ft.total_usd_low,
            ft_total_usd_high=ft.total_usd_high,
            icl_total_usd=icl.total_usd,
            icl_total_usd_low=icl.total_usd_low,
            icl_total_usd_high=icl.total_usd_high,
            break_even_requests_per_month=break_even,
        )


class SweepRow(TableRow):
    """One value of a swept input and the recommendation there."""

    value: Any = Field(description="The swept input's value.")


def _csv(rows: Sequence[BaseModel], model: type[BaseModel]) -> str:
    out = io.StringIO()
    names = list(model.model_fields)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        values = []
        for name in names:
            v = getattr(row, name)
            values.append(v.value if isinstance(v, Strategy) else ("" if v is None else v))
        writer.writerow(values)
    return out.getvalue()


class Sweep(BaseModel):
    """The recommendation for one input (``field``, a dotted path) at each value: a table,
    each row what ``recommend()`` decides at that value (strategy, confidence, both totals
    with their intervals, the break-even)."""

    model_config = RESULT

    field: str = Field(description="The swept input's dotted path.")
    rows: tuple[SweepRow, ...] = Field(description="One row per value, in order.")

    @classmethod
    def of(
        cls,
        field: str,
        profiles: Sequence[TaskProfile],
        decided: Sequence[tuple[Strategy, float, QualityEstimate, CostComparison]],
    ) -> Sweep:
        rows = tuple(
            SweepRow.of_parts(
                strategy,
                confidence,
                quality,
                costs.fine_tuning,
                costs.in_context_learning,
                costs.break_even_requests_per_month,
                value=_value_at(p, field),
            )
            for p, (strategy, confidence, quality, costs) in zip(profiles, decided, strict=True)
        )
        return construct(cls, field=field, rows=rows)

    def __len__(self) -> int:
        return len(self.rows)

    def flips(self) -> tuple[tuple[Any, Any], ...]:
        """Consecutive values between which the recommended strategy changes."""
        return tuple(
            (a.value, b.value)
            for a, b in zip(self.rows, self.rows[1:], strict=False)
            if a.strategy is not b.strategy
        )

    def to_csv(self) -> str:
        """The table as CSV (one row per value; strategies by their JSON value)."""
        return _csv(self.rows, SweepRow)


def _value_at(profile: TaskProfile, path: str) -> Any:
    obj: Any = profile
    for part in path.split("."):
        if isinstance(obj, str) or obj is None:
            return obj  # a model given by name: the value lives in the catalog
        obj = getattr(obj, part)
    return obj


class Portfolio(tuple[Recommendation, ...]):
    """The recommendations for many profiles, in order (a tuple), and their table."""

    __slots__ = ()

    def table(self) -> tuple[TableRow, ...]:
        """One row per profile, in order."""
        return tuple(TableRow.of(r) for r in self)

    def to_csv(self) -> str:
        """The table as CSV, one row per profile, with its position as ``index``."""
        return _csv([_Indexed.of(r, index=i) for i, r in enumerate(self)], _Indexed)


class _Indexed(TableRow):
    index: int


# ------------------------------------------------------------------------------- running


def validated_profiles(profiles: Iterable[TaskProfile | Mapping[str, Any]]) -> list[TaskProfile]:
    """Each profile validated; an invalid one raises :class:`ProfileError` naming its
    position and every field at fault."""
    if isinstance(profiles, (str, bytes, os.PathLike, Mapping, TaskProfile)):
        raise ParameterError(
            "profiles must be an iterable of profiles (TaskProfile or dict); got "
            f"{type(profiles).__name__}. For one profile use recommend(); for a JSON Lines "
            "file, read it first (strategy-advisor recommend FILE.jsonl does)."
        )
    out: list[TaskProfile] = []
    for i, p in enumerate(profiles):
        if isinstance(p, TaskProfile):
            out.append(p)
            continue
        if not isinstance(p, Mapping):
            raise ProfileError(
                f"profiles[{i}]: expected a TaskProfile or a dict; got {type(p).__name__}",
                index=i,
            )
        try:
            out.append(TaskProfile.model_validate(p))
        except ValidationError as exc:
            problems = describe_validation_error(exc, TaskProfile)
            raise ProfileError(
                f"profiles[{i}] is not a valid profile:\n{problems}", index=i
            ) from exc
    return out


class _Recommender(Protocol):
    def recommend(
        self, profile: TaskProfile, *, policy: DecisionPolicy | None, today: dt.date | None
    ) -> Recommendation: ...


def _chunk(
    advisor: _Recommender,
    profiles: list[TaskProfile],
    policy: DecisionPolicy | None,
    today: dt.date,
) -> list[Recommendation]:
    return [advisor.recommend(p, policy=policy, today=today) for p in profiles]


def run_parallel(
    advisor: _Recommender,
    profiles: list[TaskProfile],
    *,
    n_jobs: int,
    policy: DecisionPolicy | None,
    today: dt.date,
    backend: str | None = None,
) -> Portfolio:
    """The profiles in chunks through joblib: the caller's backend (``parallel_config``),
    or ``backend`` (``"dask"``: the current ``distributed.Client``'s cluster; with
    ``n_jobs=1``, every worker)."""
    try:
        from joblib import Parallel, delayed, effective_n_jobs, parallel_config
    except ImportError as exc:
        raise ParameterError(
            f"recommend_many(n_jobs={n_jobs}) runs in parallel through joblib, which is not "
            "installed: pip install 'strategy_advisor[parallel]' (or use n_jobs=1)"
        ) from exc
    if backend is None:
        return _in_chunks(
            Parallel, delayed, effective_n_jobs, advisor, profiles, n_jobs, policy, today
        )
    if not isinstance(backend, str) or not backend:
        raise ParameterError(
            "The 'backend' parameter of recommend_many must be a joblib backend name such as "
            f"'loky', 'threading', 'dask' or 'ray'. Got {backend!r} instead."
        )
    if backend == "dask":
        _check_dask_client()
    try:
        config = parallel_config(backend=backend)  # checks the name (and a Dask client)
    except ValueError as exc:
        raise ParameterError(
            f"recommend_many(backend={backend!r}): {str(exc).splitlines()[0]}. Expected "
            "'loky', 'threading', 'multiprocessing', 'dask' (the cluster extra, with a "
            "distributed.Client), or 'ray' after ray.util.joblib.register_ray()"
        ) from exc
    jobs = -1 if n_jobs == 1 else n_jobs
    with config:
        return _in_chunks(
            Parallel, delayed, effective_n_jobs, advisor, profiles, jobs, policy, today
        )


def _in_chunks(
    parallel: Any,
    delayed: Any,
    effective_n_jobs: Any,
    advisor: _Recommender,
    profiles: list[TaskProfile],
    n_jobs: int,
    policy: DecisionPolicy | None,
    today: dt.date,
) -> Portfolio:
    workers = effective_n_jobs(n_jobs)
    size = max(1, -(-len(profiles) // (4 * workers)))  # about four chunks per worker
    chunks = [profiles[i : i + size] for i in range(0, len(profiles), size)]
    done = parallel(n_jobs=n_jobs)(delayed(_chunk)(advisor, c, policy, today) for c in chunks)
    return Portfolio(rec for part in done for rec in part)


def _check_dask_client() -> None:
    """joblib's Dask backend runs on the current ``distributed.Client``: say how to get one."""
    try:
        from distributed import get_client
    except ImportError as exc:
        raise ParameterError(
            "recommend_many(backend='dask') runs on a Dask cluster through dask.distributed, "
            "which is not installed: pip install 'strategy_advisor[cluster]'"
        ) from exc
    try:
        get_client()
    except ValueError as exc:
        raise ParameterError(
            "recommend_many(backend='dask') runs on the cluster of the current "
            "distributed.Client, and there is none: connect first, e.g. "
            "client = distributed.Client('tcp://scheduler:8786') for an existing cluster, or "
            "distributed.Client(distributed.LocalCluster()) on this machine (docs/cluster.md)"
        ) from exc
