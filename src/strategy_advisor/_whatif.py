"""What would change the answer: inputs changed by dotted path, flip points, sensitivity.

A path names an input as it sits in the profile's JSON: ``requests_per_month``,
``people.hourly_usd``, ``ft_model.fine_tuning.hosting_usd_per_hour``. A path into a model
named by a catalog name resolves the name to its spec first, so the change applies to the
spec the recommendation used.

A flip point (:class:`FlipPoint`) is where one input alone changes the recommended
strategy; :mod:`._flips` searches them on the same evaluation as the point estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, model_validator

from ._datafiles import describe_validation_error, shipped
from ._decision import Reason
from ._errors import ParameterError, did_you_mean
from ._format import format_value
from ._model_spec import ModelSpec
from ._profile import TaskProfile
from ._types import RESULT, STRICT_DATA, Strategy, construct

__all__ = [
    "FlipPoint",
    "apply_changes",
    "exploration_settings",
    "flip_reason",
    "flip_text",
    "margin_reason",
    "value_at",
    "value_text",
]

Resolve = Callable[[str | ModelSpec | None, Literal["icl_model", "ft_model"]], ModelSpec]


class FlipPoint(BaseModel):
    """Where one input would change the answer.

    At ``current`` the recommendation is the recommended strategy; at ``value``, and past
    it going away from ``current`` (up to ``until``, where the answer turns again within the
    input's plausible range), it is ``becomes``. Every other input as given.
    """

    model_config = RESULT

    field: str = Field(description="Dotted path of the input in the profile's JSON.")
    label: str = Field(description="The input in words.")
    current: int | float = Field(description="The input's value in this recommendation.")
    value: int | float = Field(description="The value at which the recommendation flips.")
    becomes: Strategy = Field(description="The strategy at value and just past it.")
    until: int | float | None = Field(
        None,
        description="Further from current than value: the first value at which the answer "
        "is no longer this flip point's (a window: 'becomes' holds from value to until, "
        "not including it, going away from current). None: every value probed up to the "
        "input's plausible bound (or one the profile does not accept) keeps it, or neither "
        "strategy is feasible as described (windows are not searched there).",
    )
    text: str = Field(description="The value in words, e.g. '$0.90/h per replica'.")
    current_text: str = Field(description="The current value in words.")
    makes_feasible: Strategy | None = Field(
        None,
        description="Where neither strategy is feasible as described: the strategy this "
        "value makes feasible (None otherwise).",
    )
    holds: str | None = Field(
        None,
        description="For a fact: how far the answer holds, in words ('down to 9'), the last "
        "value before the flip; past a window, where it holds again ('up to 40 (and again "
        "from 97)').",
    )
    kind: Literal["lever", "fact"] = Field(
        "lever",
        description="'lever': something a team chooses (volume, prices, budgets, hours, "
        "serving); 'fact': something about the task (the examples it has, its lengths, how "
        "often it changes), shown as a margin: how far it can move before the answer does.",
    )

    @property
    def relative_distance(self) -> float:
        """How far the flip is from the current value: |ln(value / current)| (∞ from 0)."""
        if self.current <= 0 or self.value <= 0:
            return math.inf if self.current != self.value else 0.0
        return abs(math.log(self.value / self.current))


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
    role: Literal["lever", "fact"]
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


def value_text(value: float, setting: _FieldSetting) -> str:
    if setting.format == "hours":
        words = f"{value:.3g} h"
    elif setting.format == "float":
        words = f"{value:.3g}"
    elif setting.format == "usd" and value < 1000:
        words = f"${value:.3g}" if value < 10 else f"${value:,.4g}"
    else:
        words = format_value(value, setting.format)
    return words + setting.unit


def flip_text(current: float, value: float, setting: _FieldSetting) -> str:
    """The flip value in words; with its change in percent when it reads as the current
    value (a flip within rounding of where the input stands)."""
    words = value_text(value, setting)
    if words == value_text(current, setting) and current:
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
    changed = _set(child, rest, value, path, resolve)
    if isinstance(changed, ModelSpec):  # a value set is a fact: its dispute no longer applies
        inner = ".".join(rest)
        kept = tuple(r for r in changed.ranges if r.path != inner)
        if len(kept) != len(changed.ranges):
            changed = changed.model_copy(update={"ranges": kept})
    return obj.model_copy(update={head: changed})


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


def flip_reason(
    flips: tuple[FlipPoint, ...],
    current: Strategy,
    most: int,
    break_even: float | None = None,
) -> Reason | None:
    """The nearest flip points of the levers a team controls, one per input, as one
    sentence (facts about the task are margins: :func:`margin_reason`); where the volume's
    flip is not the ``break_even`` (the totals equal), why."""
    seen: set[str] = set()
    parts: list[str] = []
    for f in flips:
        if f.field in seen or f.becomes is current or f.kind != "lever":
            continue
        seen.add(f.field)
        verb = "rose" if f.value > f.current else "fell"
        # a flip from 0 at any amount is written "above 0 tokens": "rose above 0 tokens"
        to = " " if f.text.startswith(f"above {f.current_text}") else " to "
        parts.append(f"{f.label} {verb}{to}{f.text}")
        if len(parts) == most:
            break
    if not parts:
        return None
    other = current.other
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or if " + parts[-1]
    volume = next((f for f in flips if f.field == "requests_per_month" and f.field in seen), None)
    why = "" if volume is None else _volume_flip_why(volume, break_even, current)
    return construct(
        Reason,
        code="decision-flip-points",
        message=f"{other.label.capitalize()} would be recommended if {listed} "
        f"(each alone, everything else as given; see flip_points).{why}",
        favors=None,
        kind="note",
        decisive=False,
        weight=0.0,
    )


def _volume_flip_why(flip: FlipPoint, break_even: float | None, current: Strategy) -> str:
    """Why the volume at which the answer flips is not the break-even, where the totals
    are equal ("" where they agree within 1%)."""
    now, at = float(flip.current), float(flip.value)
    if break_even is None or break_even <= 0 or now <= 0 or at <= 0:
        return ""
    to_flip, to_even = math.log(at / now), math.log(break_even / now)
    if abs(at / break_even - 1.0) <= 0.01:
        return ""
    setting = next(f for f in exploration_settings().fields if f.path == flip.field)
    even = value_text(break_even, setting)
    if to_flip * to_even <= 0:  # one above today's volume, the other below it
        return (
            f" The volume flip and the break-even ({even}, where the totals are equal) lie on "
            "opposite sides of today's volume: the decision weighs the quality estimate, the "
            "rules and the latency budget besides the totals, so the answer need not change "
            "where the totals cross."
        )
    if abs(to_flip) > abs(to_even):
        return (
            f" The volume flip lies beyond the break-even ({even}, where the totals are "
            "equal): the decision also weighs the quality estimate, the rules and the latency "
            f"budget, and at the break-even they still favour {current.label}."
        )
    return (
        f" The volume flip comes before the break-even ({even}, where the totals are equal): "
        "the decision also weighs the quality estimate, the rules and the latency budget, "
        f"and they favour {current.other.label} before the totals are equal."
    )


def margin_reason(flips: tuple[FlipPoint, ...], current: Strategy, most: int) -> Reason | None:
    """How far the facts about the task (its examples, its lengths, how often it changes)
    can move before the answer does: margins, not advice."""
    seen: set[str] = set()
    parts: list[str] = []
    for f in flips:
        if f.field in seen or f.kind != "fact" or f.holds is None:
            continue
        seen.add(f.field)
        parts.append(f"{f.label} {f.holds}")
        if len(parts) == most:
            break
    if not parts:
        return None
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return construct(
        Reason,
        code="decision-margins",
        message=f"The answer ({current.label}) holds with {listed}, each alone (facts about "
        "the task; see flip_points).",
        favors=None,
        kind="note",
        decisive=False,
        weight=0.0,
    )
