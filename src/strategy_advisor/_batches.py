"""Many profiles run: each validated where it comes from, recommended in this process or in
chunks through joblib (any of its backends), in order; :func:`stream` keeps none, so a
portfolio of any length runs in flat memory. With ``errors="return"`` a profile that cannot
be recommended becomes a :class:`ProfileFailure` in its place instead of ending the run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from ._datafiles import describe_validation_error
from ._decision import DecisionPolicy
from ._errors import AdvisorError, ParameterError, ProfileError
from ._limits import ID_MAX_CHARS
from ._portfolio import Errors, Portfolio, ProfileFailure
from ._profile import TaskProfile
from ._recommendation import Recommendation
from ._types import construct

__all__ = ["Finish", "run_parallel", "stream", "validated_profiles"]


def _given_id(data: object) -> str | None:
    """The id a raw profile carries, when it is one (a string within the bound)."""
    if isinstance(data, TaskProfile):
        return data.id
    raw = data.get("id") if isinstance(data, Mapping) else None
    return raw if isinstance(raw, str) and len(raw) <= ID_MAX_CHARS else None


def _validated_one(i: int, p: object) -> TaskProfile | ProfileFailure:
    """``p`` as a profile, or the failure that says why it is not one."""
    if isinstance(p, (TaskProfile, ProfileFailure)):
        return p
    if not isinstance(p, Mapping):
        return construct(
            ProfileFailure,
            index=i,
            line=None,
            id=None,
            field=None,
            message=f"profiles[{i}]: expected a TaskProfile or a dict; got {type(p).__name__}",
            error_type="ProfileError",
        )
    try:
        return TaskProfile.model_validate(p)
    except ValidationError as exc:
        return ProfileFailure.of(exc, index=i, id=_given_id(p))


def _check_iterable(profiles: object) -> None:
    if isinstance(profiles, (str, bytes, os.PathLike, Mapping, TaskProfile)):
        raise ParameterError(
            "profiles must be an iterable of profiles (TaskProfile or dict); got "
            f"{type(profiles).__name__}. For one profile use recommend(); for a JSON Lines "
            "file, read it first (strategy-advisor recommend FILE.jsonl does)."
        )


def validated_profiles(profiles: Iterable[TaskProfile | Mapping[str, Any]]) -> list[TaskProfile]:
    """Each profile validated; an invalid one raises :class:`ProfileError` naming its
    position and every field at fault."""
    _check_iterable(profiles)
    return [_validated_or_raise(i, p) for i, p in enumerate(profiles)]


def _validated_or_raise(i: int, p: object) -> TaskProfile:
    if isinstance(p, TaskProfile):
        return p
    if not isinstance(p, Mapping):
        raise ProfileError(
            f"profiles[{i}]: expected a TaskProfile or a dict; got {type(p).__name__}", index=i
        )
    try:
        return TaskProfile.model_validate(p)
    except ValidationError as exc:
        problems = describe_validation_error(exc, TaskProfile)
        raise ProfileError(f"profiles[{i}] is not a valid profile:\n{problems}", index=i) from exc


class _Recommender(Protocol):
    @property
    def catalog(self) -> Any: ...

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
) -> Portfolio[Recommendation]:
    """The profiles in chunks through joblib: the caller's backend (``parallel_config``),
    or ``backend`` (``"dask"``: the current ``distributed.Client``'s cluster; with
    ``n_jobs=1``, every worker)."""
    parallel, delayed, effective_n_jobs, parallel_config = _joblib(n_jobs)
    if backend is None:
        return _in_chunks(
            parallel, delayed, effective_n_jobs, advisor, profiles, n_jobs, policy, today
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
            parallel, delayed, effective_n_jobs, advisor, profiles, jobs, policy, today
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
) -> Portfolio[Recommendation]:
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


def _joblib(n_jobs: int) -> Any:
    try:
        from joblib import Parallel, delayed, effective_n_jobs, parallel_config
    except ImportError as exc:
        raise ParameterError(
            f"recommend_many(n_jobs={n_jobs}) runs in parallel through joblib, which is not "
            "installed: pip install 'strategy_advisor[parallel]' (or use n_jobs=1)"
        ) from exc
    return Parallel, delayed, effective_n_jobs, parallel_config


_R = TypeVar("_R")
#: Chunks in flight per worker where the backend cannot stream results (each window is
#: waited for whole, so a few per worker keep them busy).
_WINDOW_PER_WORKER = 4
Finish = Callable[[Recommendation], Any]


def _one(
    advisor: _Recommender,
    index: int,
    item: TaskProfile | ProfileFailure,
    policy: DecisionPolicy | None,
    today: dt.date,
    errors: Errors,
    finish: Finish | None,
) -> Any:
    """One profile's result: ``finish(rec)`` (or the recommendation), or its failure."""
    if isinstance(item, ProfileFailure):
        return item
    try:
        for role in ("icl_model", "ft_model"):  # an unknown name, named by its field
            try:
                advisor.catalog.resolve(getattr(item, role), role)
            except AdvisorError as exc:
                if errors == "raise":
                    raise
                return ProfileFailure.of(exc, index=index, id=item.id, field=role)
        rec = advisor.recommend(item, policy=policy, today=today)
        return rec if finish is None else finish(rec)
    except AdvisorError as exc:
        if errors == "raise":
            raise
        return ProfileFailure.of(exc, index=index, id=item.id)


def _run_chunk(
    advisor: _Recommender,
    items: list[tuple[int, TaskProfile | ProfileFailure]],
    policy: DecisionPolicy | None,
    today: dt.date,
    errors: Errors,
    finish: Finish | None,
) -> list[Any]:
    """One worker's share, in order."""
    return [_one(advisor, i, item, policy, today, errors, finish) for i, item in items]


def _chunks(
    items: Iterator[tuple[int, TaskProfile | ProfileFailure]], size: int
) -> Iterator[list[tuple[int, TaskProfile | ProfileFailure]]]:
    chunk: list[tuple[int, TaskProfile | ProfileFailure]] = []
    for pair in items:
        chunk.append(pair)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stream(
    advisor: _Recommender,
    profiles: Iterable[Any],
    *,
    n_jobs: int = 1,
    policy: DecisionPolicy | None = None,
    today: dt.date,
    errors: Errors = "raise",
    finish: Finish | None = None,
    chunk_size: int = 64,
) -> Iterator[Any]:
    """Each profile's recommendation (or ``finish`` of it), in order, as it is decided.

    ``profiles`` is read lazily, one at a time (or a chunk at a time for joblib's
    workers, at most a few chunks ahead), and nothing is kept: memory does not grow with
    the number of profiles. Items may be ``TaskProfile``, dicts (validated here) or
    :class:`ProfileFailure` (a reader's, passed through in place). ``errors="raise"``
    raises at the first profile that cannot be recommended (an invalid one as
    :class:`ProfileError`, naming its position); ``"return"`` yields its
    :class:`ProfileFailure` instead. ``finish`` (a picklable function) runs on each
    recommendation where it is made, e.g. a worker writing its explanation. The workers
    are the caller's joblib backend (``parallel_config``).
    """
    _check_iterable(profiles)
    if errors not in ("raise", "return"):
        raise ParameterError(
            f"The 'errors' parameter must be 'raise' or 'return'. Got {errors!r} instead."
        )

    def checked() -> Iterator[tuple[int, TaskProfile | ProfileFailure]]:
        for i, p in enumerate(profiles):
            if errors == "raise" and not isinstance(p, ProfileFailure):
                yield i, _validated_or_raise(i, p)
            else:
                yield i, _validated_one(i, p)

    if n_jobs == 1:
        for i, item in checked():
            yield _one(advisor, i, item, policy, today, errors, finish)
        return
    parallel, delayed, effective_n_jobs, _ = _joblib(n_jobs)
    tasks = (
        delayed(_run_chunk)(advisor, c, policy, today, errors, finish)
        for c in _chunks(checked(), chunk_size)
    )
    from joblib.parallel import get_active_backend

    streams = get_active_backend()[0].supports_return_generator
    pool = parallel(n_jobs=n_jobs, return_as="generator" if streams else "list")
    workers = effective_n_jobs(n_jobs)
    if streams:
        for part in pool(tasks):
            yield from part
        return
    # a backend that cannot stream its results (joblib's multiprocessing): a few chunks
    # per worker at a time, on the same workers
    with pool:
        while batch := list(itertools.islice(tasks, _WINDOW_PER_WORKER * workers)):
            for part in pool(batch):
                yield from part
