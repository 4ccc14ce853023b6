"""What would change the answer: inputs changed by dotted path, flip points, sensitivity.

A path names an input as it sits in the profile's JSON: ``requests_per_month``,
``people.hourly_usd``, ``ft_model.fine_tuning.hosting_usd_per_hour``. A path into a model
named by a catalog name resolves the name to its spec first, so the change applies to the
spec the recommendation used.

A flip point is searched on the real pipeline: from the current value outwards, step by
step, then bisected to the value where the strategy changes; every probe is a validated
profile, exactly what :func:`strategy_advisor.what_if` would build. The sensitivity table
moves each estimated input (``_ranges``) alone to its cheap and dear end and records how
far the decision score moves.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, model_validator

from ._assumptions import Assumptions
from ._catalog import ModelSpec
from ._costs import CostComparison, cheapest_totals
from ._datafiles import describe_validation_error, shipped
from ._decision import DecisionPolicy, Reason, ScoreBreakdown, cost_score
from ._errors import ParameterError, did_you_mean
from ._features import ShotPlan, TaskFeatures, derive_features
from ._format import format_value
from ._profile import TaskProfile
from ._quality import QualityEstimate
from ._ranges import CACHE_LIFETIME, SERVING_FIGURES, at_end, estimated_inputs
from ._types import RESULT, STRICT_DATA, Strategy, construct, logit

__all__ = [
    "FlipPoint",
    "SensitivityRow",
    "apply_changes",
    "exploration_settings",
    "find_flip_points",
    "flip_reason",
    "sensitivity_table",
    "value_at",
]

Resolve = Callable[[str | ModelSpec | None, Literal["icl_model", "ft_model"]], ModelSpec]
Evaluate = Callable[[TaskProfile], Strategy]


class FlipPoint(BaseModel):
    """Where one input would change the answer.

    At ``current`` the recommendation is the recommended strategy; at ``value``, and just
    past it going away from ``current``, it is ``becomes``. Every other input as given.
    """

    model_config = RESULT

    field: str = Field(description="Dotted path of the input in the profile's JSON.")
    label: str = Field(description="The input in words.")
    current: int | float = Field(description="The input's value in this recommendation.")
    value: int | float = Field(description="The value at which the recommendation flips.")
    becomes: Strategy = Field(description="The strategy at value and just past it.")
    text: str = Field(description="The value in words, e.g. '$0.90/h per replica'.")
    current_text: str = Field(description="The current value in words.")

    @property
    def relative_distance(self) -> float:
        """How far the flip is from the current value: |ln(value / current)| (∞ from 0)."""
        if self.current <= 0 or self.value <= 0:
            return math.inf if self.current != self.value else 0.0
        return abs(math.log(self.value / self.current))


class SensitivityRow(BaseModel):
    """One row of the tornado: an estimated input moved alone across its plausible range."""

    model_config = RESULT

    key: str = Field(description="Which estimate: a profile path or a named assumption.")
    input: str = Field(description="The estimated input, in words.")
    low_label: str = Field(description="Its cheap end, in words.")
    high_label: str = Field(description="Its dear end, in words.")
    score_low: float = Field(description="The decision score (log-odds for FT) at the cheap end.")
    score_high: float = Field(description="The decision score at the dear end.")
    swing: float = Field(description="|score_high − score_low|: how much the input matters.")
    strategy_low: Strategy = Field(description="The side the score favours at the cheap end.")
    strategy_high: Strategy = Field(description="The side the score favours at the dear end.")

    @property
    def flips(self) -> bool:
        """True when the favoured strategy differs between the two ends."""
        return self.strategy_low is not self.strategy_high


# ------------------------------------------------------------------------------ settings


class _FieldSetting(BaseModel):
    model_config = STRICT_DATA
    path: str
    kind: Literal["float", "int"]
    bounds: Literal["scale", "absolute"]
    low: float = Field(..., ge=0)
    high: float = Field(..., gt=0)
    # the walk multiplies by ``step`` (a whole number adds 1 below step 2): a factor of 1
    # or less would never reach the bounds
    step: float = Field(..., gt=1)
    floor: float = Field(..., gt=0)
    feature: str | None
    label: str
    format: Literal["int", "tok", "usd", "days", "months", "hours", "float"]
    unit: str

    @model_validator(mode="after")
    def _walk_ends(self) -> _FieldSetting:
        if self.kind == "int" and self.bounds == "scale" and self.step < 2:
            raise ValueError(
                f"{self.path}: a whole-number input with 'scale' bounds needs step >= 2 (below "
                f"it the walk adds 1 at a time, up to 10^12 steps); got {self.step:g}"
            )
        return self


class _Exploration(BaseModel):
    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    about: str
    relative_precision: float = Field(..., gt=0, lt=0.01)
    flip_points_in_reasons: int = Field(..., ge=0)
    fields: tuple[_FieldSetting, ...]


exploration_settings = shipped(_Exploration, "exploration.json")


def _text(value: float, setting: _FieldSetting) -> str:
    if setting.format == "hours":
        words = f"{value:.3g} h"
    elif setting.format == "float":
        words = f"{value:.3g}"
    elif setting.format == "usd" and value < 1000:
        words = f"${value:.3g}" if value < 10 else f"${value:,.4g}"
    else:
        words = format_value(value, setting.format)
    return words + setting.unit


def _flip_text(current: float, value: float, setting: _FieldSetting) -> str:
    """The flip value in words; with its change in percent when it reads as the current
    value (a flip within rounding of where the input stands)."""
    words = _text(value, setting)
    if words == _text(current, setting) and current:
        words += f" ({100 * (value - current) / current:+.2g}%)"
    return words


# ---------------------------------------------------------------------------------- paths


def _not_a_field(path: str, part: str, owner: Any) -> ParameterError:
    known = type(owner).model_fields if isinstance(owner, BaseModel) else {}
    what = type(owner).__name__ if isinstance(owner, BaseModel) else "a value"
    hint = did_you_mean(part, known)
    return ParameterError(
        f"{path!r} is not an input of the profile: {what} has no field {part!r}.{hint}"
    )


def _resolved(obj: Any, part: str, parent: Any, resolve: Resolve) -> Any:
    """A model field named by catalog name (or left to the default) as its spec."""
    if isinstance(parent, TaskProfile) and part in ("icl_model", "ft_model"):
        return resolve(obj, "icl_model" if part == "icl_model" else "ft_model")
    return obj


def value_at(profile: TaskProfile, path: str, resolve: Resolve) -> Any:
    """The value an input has in ``profile`` (model names resolved to their specs); None
    where the path passes through an unset value."""
    obj: Any = profile
    for part in path.split("."):
        if obj is None:
            return None
        if not isinstance(obj, BaseModel) or part not in type(obj).model_fields:
            raise _not_a_field(path, part, obj)
        obj = _resolved(getattr(obj, part), part, obj, resolve)
    return obj


def apply_changes(
    profile: TaskProfile, changes: Mapping[str, Any], resolve: Resolve
) -> TaskProfile:
    """``profile`` with each dotted path set to its new value, validated as a whole.

    A fractional number for an integer input (a count) is rounded to the nearest count.
    Raises :class:`ParameterError` for a path that names no input (with the closest
    names), or for a value the input does not accept (with the path and what it expects).
    """
    if not isinstance(changes, Mapping):
        raise ParameterError(
            f"changes must map dotted input paths to values, e.g. "
            f"{{'requests_per_month': 2e6}}; got {type(changes).__name__}"
        )
    updated = profile
    for path, value in changes.items():
        if not isinstance(path, str) or not path:
            raise ParameterError(f"change keys are dotted input paths (str); got {path!r}")
        updated = _set(updated, path.split("."), value, path, resolve)
    try:
        return TaskProfile.model_validate(updated.model_dump(warnings=False))
    except ValidationError as exc:
        given = ", ".join(f"{k} = {v!r}" for k, v in changes.items())
        problems = describe_validation_error(exc, TaskProfile)
        raise ParameterError(f"the profile with {given} is not valid:\n{problems}") from exc


def _set(obj: BaseModel, parts: list[str], value: Any, path: str, resolve: Resolve) -> Any:
    head, rest = parts[0], parts[1:]
    if head not in type(obj).model_fields:
        raise _not_a_field(path, head, obj)
    if not rest:
        return obj.model_copy(update={head: _as_declared(type(obj), head, value)})
    child = _resolved(getattr(obj, head), head, obj, resolve)
    if child is None:
        child = _empty(type(obj), head, path)
    if not isinstance(child, BaseModel):
        raise ParameterError(f"{path!r} is not an input of the profile: {head!r} holds a value")
    return obj.model_copy(update={head: _set(child, rest, value, path, resolve)})


def _as_declared(owner: type[BaseModel], name: str, value: Any) -> Any:
    """A finite float for an integer input (a count: examples, demonstrations, tasks) as
    the nearest int: ``4.0`` examples means 4, and a what-if just past a flip point
    (``999 * 1.000001``) lands on the count it rounds to; a half rounds up (10.5 is 11)."""
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and _counts(owner.model_fields[name].annotation)
    ):
        return math.floor(value + 0.5)
    return value


def _counts(annotation: Any) -> bool:
    """An integer annotation: ``int``, ``Annotated[int, ...]``, or either or None."""
    if annotation is int:
        return True
    if get_origin(annotation) is Annotated:
        return _counts(get_args(annotation)[0])
    args = get_args(annotation)
    return (
        bool(args)
        and get_origin(annotation) is not Annotated
        and any(_counts(a) for a in args if a is not type(None))
    )


def _empty(owner: type[BaseModel], name: str, path: str) -> BaseModel:
    """A blank sub-model for a path into a field that is None (e.g. ``people``)."""
    annotation = owner.model_fields[name].annotation
    for arg in getattr(annotation, "__args__", (annotation,)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            try:
                return arg()
            except ValidationError:
                break
    raise ParameterError(
        f"{path!r}: {name!r} is not set, and it has required fields of its own; set {name!r} "
        "as a whole instead"
    )


# ----------------------------------------------------------------------------- flip points


def find_flip_points(
    profile: TaskProfile,
    features: TaskFeatures,
    current: Strategy,
    evaluate: Evaluate,
    resolve: Resolve,
) -> tuple[FlipPoint, ...]:
    """Every input's nearest flip point in each direction, inside its plausible range
    (``data/exploration.json``), nearest to its current value first."""
    settings = exploration_settings()
    out: list[FlipPoint] = []
    for setting in settings.fields:
        try:
            x0 = value_at(profile, setting.path, resolve)
        except ParameterError:
            continue  # e.g. a fine-tuning price of a model with no offer
        if x0 is None and setting.feature is not None:
            x0 = getattr(features, setting.feature)
        if x0 is None or isinstance(x0, bool) or not isinstance(x0, (int, float)):
            continue
        for direction in (+1, -1):
            found = _search(profile, setting, float(x0), direction, current, evaluate, resolve)
            if found is not None:
                value, becomes = found
                integer = setting.kind == "int"
                out.append(
                    construct(
                        FlipPoint,
                        field=setting.path,
                        label=setting.label,
                        current=int(x0) if integer else float(x0),
                        value=int(value) if integer else value,
                        becomes=becomes,
                        text=_flip_text(float(x0), value, setting),
                        current_text=_text(float(x0), setting),
                    )
                )
    return tuple(sorted(out, key=lambda f: f.relative_distance))


def _bounds(setting: _FieldSetting, x0: float) -> tuple[float, float]:
    if setting.bounds == "absolute":
        return setting.low, setting.high
    scale = x0 if x0 > 0 else setting.floor
    return setting.low * scale, setting.high * scale


def _search(
    profile: TaskProfile,
    setting: _FieldSetting,
    x0: float,
    direction: int,
    current: Strategy,
    evaluate: Evaluate,
    resolve: Resolve,
) -> tuple[float, Strategy] | None:
    lo_bound, hi_bound = _bounds(setting, x0)
    integer = setting.kind == "int"

    def at(x: float) -> Strategy | None:
        value: float | int = round(x) if integer else x
        try:
            changed = apply_changes(profile, {setting.path: value}, resolve)
        except ParameterError:
            return None  # outside what a profile accepts: the search ends there
        return evaluate(changed)

    prev = x0
    x = x0
    while True:
        x = _step(x, setting, direction, integer)
        if (direction > 0 and x > hi_bound) or (direction < 0 and x < lo_bound):
            x = hi_bound if direction > 0 else lo_bound
            if integer:
                x = float(math.floor(x) if direction > 0 else math.ceil(x))
            if (x - prev) * direction <= 0:
                return None
        got = at(x)
        if got is None:
            return None
        if got is not current:
            return _bisect(prev, x, current, got, at, integer, exploration_settings())
        if x in (lo_bound, hi_bound):
            return None
        prev = x


def _step(x: float, setting: _FieldSetting, direction: int, integer: bool) -> float:
    if integer:
        if setting.step >= 2 and x >= 1:
            nxt = x * setting.step if direction > 0 else x / setting.step
            return float(math.ceil(nxt) if direction > 0 else math.floor(nxt))
        return x + direction
    if x <= 0:
        return setting.floor * 1e-3 if direction > 0 else -1.0
    nxt = x * setting.step if direction > 0 else x / setting.step
    if direction < 0 and nxt < setting.floor * 1e-3:
        return 0.0
    return nxt


def _bisect(
    inside: float,
    outside: float,
    current: Strategy,
    becomes: Strategy,
    at: Callable[[float], Strategy | None],
    integer: bool,
    settings: _Exploration,
) -> tuple[float, Strategy]:
    """Narrow [inside, outside] to the flip; return the value nearest ``inside`` found to
    recommend ``becomes`` (so that value, and the side beyond it, give ``becomes``)."""
    for _ in range(200):
        gap = abs(outside - inside)
        if integer and gap <= 1:
            break
        if not integer and gap <= settings.relative_precision * max(abs(outside), abs(inside)):
            break
        mid = (inside + outside) / 2
        if integer:
            mid = float(math.floor(mid) if outside > inside else math.ceil(mid))
        got = at(mid)
        if got is current:
            inside = mid
        elif got is None:
            break  # a value between is not accepted: keep the last one that was
        else:
            outside, becomes = mid, got
    return outside, becomes


def flip_reason(flips: tuple[FlipPoint, ...], current: Strategy, most: int) -> Reason | None:
    """The nearest flip points, one per input, as one sentence."""
    seen: set[str] = set()
    parts: list[str] = []
    for f in flips:
        if f.field in seen or f.becomes is current:
            continue
        seen.add(f.field)
        verb = "rose" if f.value > f.current else "fell"
        parts.append(f"{f.label} {verb} to {f.text}")
        if len(parts) == most:
            break
    if not parts:
        return None
    other = current.other
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or if " + parts[-1]
    return construct(
        Reason,
        code="decision-flip-points",
        message=f"{other.label.capitalize()} would be recommended if {listed} "
        "(each alone, everything else as given; see flip_points).",
        favors=None,
        kind="note",
        decisive=False,
        weight=0.0,
    )


# ----------------------------------------------------------------------------- sensitivity


def sensitivity_table(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    plan: ShotPlan | None,
    quality: QualityEstimate,
    score: ScoreBreakdown,
    costs: CostComparison,
    feasible: Mapping[Strategy, bool],
    assumptions: Assumptions,
    policy: DecisionPolicy,
    today: dt.date,
    catalog_as_of: dt.date | None,
) -> tuple[SensitivityRow, ...]:
    """Each estimated input moved alone to its cheap and dear end, the decision score
    (log-odds for fine-tuning) at each, largest swing first.

    The score at an end is the quality term plus the cost term of the totals with that one
    input moved, plus the rules' term as decided. The first row is the quality estimate
    itself across its interval.
    """
    rules = score.rules_term
    forced = None
    if not all(feasible.values()) and any(feasible.values()):
        forced = next(s for s, ok in feasible.items() if ok)

    def side(s: float) -> Strategy:
        if forced is not None:
            return forced
        return Strategy.FINE_TUNING if s > 0 else Strategy.IN_CONTEXT_LEARNING

    def row(key: str, label: str, lo: str, hi: str, s_lo: float, s_hi: float) -> SensitivityRow:
        return construct(
            SensitivityRow,
            key=key,
            input=label,
            low_label=lo,
            high_label=hi,
            score_low=s_lo,
            score_high=s_hi,
            swing=abs(s_hi - s_lo),
            strategy_low=side(s_lo),
            strategy_high=side(s_hi),
        )

    cost_term = score.cost_term
    q_lo, q_hi = (logit(x, clip=1e-6) for x in (quality.low, quality.high))
    rows = [
        row(
            "quality",
            "quality estimate (its interval)",
            f"P = {quality.low:.2f}",
            f"P = {quality.high:.2f}",
            q_lo + cost_term + rules,
            q_hi + cost_term + rules,
        )
    ]
    if costs.fine_tuning.total_usd is None or costs.in_context_learning.total_usd is None:
        return tuple(rows)
    q = score.quality_log_odds
    named = {f.path: f for f in exploration_settings().fields}
    for item in estimated_inputs(profile, icl, ft, assumptions):
        label, lo_text, hi_text = item.label, item.low, item.high
        setting = named.get(item.key)
        if setting is not None and item.low_value is not None and item.high_value is not None:
            label = setting.label
            lo_text, hi_text = _text(item.low_value, setting), _text(item.high_value, setting)
        scores: list[float] = []
        for end in ("low", "high"):
            p2, icl2, ft2 = (
                at_end(profile, icl, ft, assumptions, end, only=item.key)
                if item.key not in (CACHE_LIFETIME, SERVING_FIGURES)
                else (profile, icl, ft)
            )
            f2 = derive_features(
                p2,
                icl2,
                ft2,
                assumptions=assumptions,
                today=today,
                catalog_as_of=catalog_as_of,
                plan=plan,
                cache_end=end if item.key == CACHE_LIFETIME else None,
            )
            ft_total, icl_total = cheapest_totals(
                f2,
                icl2,
                ft2,
                assumptions=assumptions,
                end=end if item.key == SERVING_FIGURES else "point",
                icl_serving=p2.icl_serving,
                ft_serving=p2.ft_serving,
            )
            if ft_total is None or icl_total is None:
                break
            scores.append(q + cost_score(ft_total, icl_total, policy)[1] + rules)
        if len(scores) == 2:
            rows.append(row(item.key, label, lo_text, hi_text, scores[0], scores[1]))
    return tuple(sorted(rows, key=lambda r: -r.swing))
