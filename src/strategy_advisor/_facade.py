"""The public functions: ``recommend()``, ``what_if()``, ``sweep()``, ``recommend_many()`` and
``iter_recommendations()``, each a thin façade over the shipped :class:`Advisor` (or one
built from the parts given)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, overload

from ._advisor import Advisor, default_advisor
from ._assumptions import Assumptions
from ._catalog import Catalog
from ._decision import DecisionPolicy
from ._errors import ParameterError
from ._portfolio import Errors, Portfolio, ProfileFailure, Sweep
from ._profile import TaskProfile
from ._quality import QualityModel
from ._recommendation import Recommendation
from ._rules import Rulebook

__all__ = ["iter_recommendations", "recommend", "recommend_many", "sweep", "what_if"]


def recommend(
    profile: TaskProfile | Mapping[str, Any],
    *,
    catalog: Catalog | None = None,
    rulebook: Rulebook | None = None,
    quality_model: QualityModel | None = None,
    policy: DecisionPolicy | None = None,
    assumptions: Assumptions | None = None,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """Recommend fine-tuning or in-context learning for a task.

    A thin façade over :meth:`Advisor.recommend`. It takes the same parts as
    :class:`Advisor` (``catalog``, ``rulebook``, ``quality_model``, ``policy``,
    ``assumptions``): any given part replaces the shipped one; ``advisor`` passes a whole
    advisor instead (then give no parts, except ``policy`` for this call).

    Examples
    --------
    >>> import datetime
    >>> from strategy_advisor import TaskProfile, recommend
    >>> rec = recommend(TaskProfile(task_type="classification", n_labeled_examples=5000,
    ...     n_classes=4, avg_input_tokens=300, avg_output_tokens=2,
    ...     requests_per_month=20_000_000), today=datetime.date(2026, 11, 27))
    >>> rec.strategy.value
    'fine_tuning'
    """
    parts = {
        "catalog": catalog,
        "rulebook": rulebook,
        "quality_model": quality_model,
        "assumptions": assumptions,
    }
    given = [k for k, v in parts.items() if v is not None]
    if advisor is not None and given:
        raise ParameterError(
            f"recommend() got advisor= and {', '.join(f'{k}=' for k in given)}: pass either "
            "an advisor or the parts to replace, not both (Advisor(...) takes the same parts)."
        )
    if advisor is None:
        advisor = (
            Advisor(
                catalog=catalog,
                rulebook=rulebook,
                quality_model=quality_model,
                assumptions=assumptions,
            )
            if given
            else default_advisor()
        )
    return advisor.recommend(profile, policy=policy, today=today)


def what_if(
    profile: TaskProfile | Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Recommendation:
    """The recommendation with ``changes`` applied: dotted input paths (as in
    :attr:`FlipPoint.field`) mapped to new values. See :meth:`Advisor.what_if`.

    Examples
    --------
    >>> import datetime
    >>> from strategy_advisor import TaskProfile, what_if
    >>> p = TaskProfile(task_type="classification", n_labeled_examples=5000, n_classes=4,
    ...     avg_input_tokens=300, avg_output_tokens=2, requests_per_month=20_000_000)
    >>> rec = what_if(p, {"requests_per_month": 1000}, today=datetime.date(2026, 12, 1))
    >>> rec.profile.requests_per_month
    1000.0
    """
    return (advisor or default_advisor()).what_if(profile, changes, today=today)


def sweep(
    profile: TaskProfile | Mapping[str, Any],
    field: str,
    values: Iterable[Any],
    *,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
) -> Sweep:
    """Recommendations with one input (a dotted path) at each of ``values``, and their
    table. See :meth:`Advisor.sweep`."""
    return (advisor or default_advisor()).sweep(profile, field, values, today=today)


@overload
def recommend_many(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = ...,
    advisor: Advisor | None = ...,
    today: dt.date | None = ...,
    backend: str | None = ...,
    errors: Literal["raise"] = ...,
) -> Portfolio[Recommendation]: ...
@overload
def recommend_many(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = ...,
    advisor: Advisor | None = ...,
    today: dt.date | None = ...,
    backend: str | None = ...,
    errors: Literal["return"],
) -> Portfolio[Recommendation | ProfileFailure]: ...
def recommend_many(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = 1,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
    backend: str | None = None,
    errors: Errors = "raise",
) -> Portfolio[Any]:
    """Recommendations for many profiles, in order, each equal to ``recommend()`` on the
    same profile.

    ``n_jobs`` other than 1 runs the profiles in parallel through joblib (the ``parallel``
    extra), in chunks; ``-1`` uses every core. ``backend`` names the joblib backend:
    ``"dask"`` runs on the cluster of the current ``distributed.Client`` (the ``cluster``
    extra; with ``n_jobs=1``, on every worker), ``"ray"`` on Ray's after
    ``ray.util.joblib.register_ray()``; ``with joblib.parallel_config(backend="dask"):
    recommend_many(..., n_jobs=-1)`` is the same (docs/cluster.md). The answers do not
    depend on the backend: each is computed whole where it is made.

    ``errors="raise"`` (the default) raises at the first profile that cannot be
    recommended: :class:`ProfileError` naming its position and fields for an invalid one
    (every profile is validated before any is recommended), the error itself (e.g.
    :class:`CatalogError`) for one naming an unknown model. ``errors="return"`` puts a
    :class:`ProfileFailure` (its position, id, the field at fault and the fix) in that
    profile's place and recommends the others; ``Portfolio.failures`` lists them.

    Examples
    --------
    >>> import datetime
    >>> good = {"id": "a", "task_type": "classification", "n_labeled_examples": 50}
    >>> bad = {"id": "b", "task_type": "classification", "n_labeled_examples": "many"}
    >>> p = recommend_many([good, bad], errors="return", today=datetime.date(2026, 12, 1))
    >>> [type(x).__name__ for x in p], p.failures[0].field
    (['Recommendation', 'ProfileFailure'], 'n_labeled_examples')
    """
    return (advisor or default_advisor()).recommend_many(
        profiles, n_jobs=n_jobs, today=today, backend=backend, errors=errors
    )


@overload
def iter_recommendations(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = ...,
    advisor: Advisor | None = ...,
    today: dt.date | None = ...,
    errors: Literal["raise"] = ...,
) -> Iterator[Recommendation]: ...
@overload
def iter_recommendations(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = ...,
    advisor: Advisor | None = ...,
    today: dt.date | None = ...,
    errors: Literal["return"],
) -> Iterator[Recommendation | ProfileFailure]: ...
def iter_recommendations(
    profiles: Iterable[TaskProfile | Mapping[str, Any]],
    *,
    n_jobs: int = 1,
    advisor: Advisor | None = None,
    today: dt.date | None = None,
    errors: Errors = "raise",
) -> Iterator[Any]:
    """Each profile's recommendation as it is decided, in order, keeping none: a portfolio
    of any length (a generator of profiles read from a file, a queue) in flat memory.

    Profiles are read one at a time (``n_jobs`` other than 1: a chunk at a time, sent to
    joblib's workers, at most a few chunks ahead). Write each result out and drop it;
    :func:`recommend_many` keeps them all. ``errors="raise"`` raises at the first profile
    that cannot be recommended, after yielding those before it (invalid: a
    :class:`ProfileError` naming its position); ``errors="return"`` yields a
    :class:`ProfileFailure` in its place and goes on.

    Examples
    --------
    >>> import datetime
    >>> lines = ({"id": f"t{i}", "task_type": "code", "n_labeled_examples": i} for i in range(3))
    >>> for rec in iter_recommendations(lines, today=datetime.date(2026, 12, 1)):
    ...     print(rec.profile.id, rec.strategy.value)
    t0 in_context_learning
    t1 in_context_learning
    t2 in_context_learning
    """
    return (advisor or default_advisor()).iter_recommendations(
        profiles, n_jobs=n_jobs, today=today, errors=errors
    )
