"""Rules stage, the condition language: typed comparisons, three-valued logic, compiled once.

A condition is data (``{"feature": "n_labeled_examples", "op": "lt", "value": 10}``,
``{"all": [...]}``, ``{"any": [...]}``, ``{"not": ...}``). It knows no input names: a
rulebook checks each condition against the kinds of the inputs it may test, then compiles
it into a plain function of the inputs, evaluated with no interpretation per call. A
comparison with an unknown (``None``) side is unknown, and unknown propagates as in SQL.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "ConditionError",
    "Evaluator",
    "InputKind",
    "Inputs",
    "Not",
    "Truth",
    "check_condition",
    "compile_condition",
    "literal_kind",
    "walk",
]

InputKind = Literal["number", "bool", "text"]
Value = float | int | bool | str | None

_CONDITION = ConfigDict(
    frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True, defer_build=True
)


class Compare(BaseModel):
    """``feature <op> value``; the right side is a literal ``value``, a rule ``param``, or
    another input (``ref``). A comparison with an unknown (``None``) side is unknown."""

    model_config = _CONDITION
    feature: str
    op: Literal["lt", "le", "gt", "ge", "eq", "ne", "is_null", "not_null", "is_true", "is_false"]
    value: float | bool | str | None = None
    param: str | None = None
    ref: str | None = None


class AllOf(BaseModel):
    """True when every part is true; false when any part is false; else unknown."""

    model_config = _CONDITION
    all: tuple[Condition, ...] = Field(..., min_length=1)


class AnyOf(BaseModel):
    """True when any part is true; false when every part is false; else unknown."""

    model_config = _CONDITION
    any: tuple[Condition, ...] = Field(..., min_length=1)


class Not(BaseModel):
    """Negation (unknown stays unknown)."""

    model_config = _CONDITION
    not_: Condition = Field(..., alias="not")


Condition = Annotated[Union[Compare, AllOf, AnyOf, Not], Field(union_mode="smart")]  # noqa: UP007


class ConditionError(Exception):
    """A condition that cannot be evaluated on the given inputs (the caller names the rule).

    ``unknown`` is the input name that is not known, when that is the problem.
    """

    def __init__(self, message: str, unknown: str | None = None) -> None:
        super().__init__(message)
        self.unknown = unknown


def walk(cond: Condition) -> Iterable[Compare]:
    """Every comparison in a condition, depth first."""
    if isinstance(cond, Compare):
        yield cond
    elif isinstance(cond, AllOf):
        for c in cond.all:
            yield from walk(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            yield from walk(c)
    else:
        yield from walk(cond.not_)


_ORDERING = frozenset({"lt", "le", "gt", "ge"})
_UNARY = frozenset({"is_null", "not_null", "is_true", "is_false"})


def literal_kind(value: object) -> InputKind:
    """The kind of a literal: ``bool``, ``number`` or ``text``."""
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "text"


def check_condition(
    cond: Condition, kinds: Mapping[str, InputKind], params: Mapping[str, object]
) -> None:
    """Raise :class:`ConditionError` for anything that could fail or mislead when evaluated:
    an unknown input or param, a missing or extra right side, or sides of different kinds."""
    for cmp in walk(cond):
        _check_compare(cmp, kinds, params)


def _check_compare(
    cmp: Compare, kinds: Mapping[str, InputKind], params: Mapping[str, object]
) -> None:
    for name, where in ((cmp.feature, "condition feature"), (cmp.ref, "condition ref")):
        if name is not None and name not in kinds:
            raise ConditionError(f"{where} {name!r} is not a known input", name)
    if cmp.param is not None and cmp.param not in params:
        raise ConditionError(f"param {cmp.param!r} is not in its params {sorted(params)}")
    left = kinds[cmp.feature]
    sides = [x for x in (cmp.value, cmp.param, cmp.ref) if x is not None]
    if cmp.op in _UNARY:
        if sides:
            given = [k for k in ("value", "param", "ref") if getattr(cmp, k) is not None]
            raise ConditionError(
                f"{cmp.op} takes no value, param or ref (it tests {cmp.feature!r} alone); "
                f"got {' and '.join(given)}: remove {'them' if len(given) > 1 else 'it'}"
            )
        if cmp.op in ("is_true", "is_false") and left != "bool":
            raise ConditionError(f"{cmp.op} needs a yes/no input; {cmp.feature!r} is {left}")
        return
    if len(sides) != 1:
        raise ConditionError(
            f"comparison {cmp.feature} {cmp.op} needs exactly one of value, param or ref; "
            f"got {len(sides)}"
        )
    if cmp.ref is not None:
        right = kinds[cmp.ref]
    elif cmp.param is not None:
        right = literal_kind(params[cmp.param])
    else:
        right = literal_kind(cmp.value)
    if cmp.op in _ORDERING and (left != "number" or right != "number"):
        raise ConditionError(
            f"{cmp.op} compares numbers; {cmp.feature!r} is {left} and the other side is {right}"
        )
    if left != right:
        raise ConditionError(f"{cmp.feature!r} is {left} but is compared with a {right}")


_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt,
    "ge": operator.ge, "eq": operator.eq, "ne": operator.ne,
}  # fmt: skip

#: A condition's truth over rows: (true, false) boolean arrays; neither means unknown.
Truth = tuple[np.ndarray, np.ndarray]
#: Inputs over rows: numbers and yes/no inputs as float arrays (NaN: unknown; 1.0 yes,
#: 0.0 no), text as object arrays (None: unknown), or a scalar for every row.
Inputs = Mapping[str, Any]
#: A compiled condition: inputs over rows to their truth.
Evaluator = Callable[[Inputs], Truth]


def _known(x: Any) -> Any:
    """Where an input is known: not NaN (numbers) and not None (text)."""
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return np.array([v is not None for v in x.tolist()], dtype=bool)
        return ~np.isnan(x)
    if x is None:
        return False
    if isinstance(x, float):
        return not math.isnan(x)
    return True


def _truth(known: Any, value: Any) -> Truth:
    t = np.logical_and(known, value)
    f = np.logical_and(known, np.logical_not(value))
    return np.asarray(t), np.asarray(f)


def compile_condition(cond: Condition, params: Mapping[str, Value]) -> Evaluator:
    """A function of the inputs over rows that evaluates ``cond`` in every row at once
    (checked first: see :func:`check_condition`). Params are bound now; inputs are read
    at each call. A comparison with an unknown side is unknown, and unknown propagates as
    in SQL.

    Examples
    --------
    >>> c = AllOf(all=(Compare(feature="n", op="ge", param="least"),
    ...                Compare(feature="budget", op="not_null")))
    >>> f = compile_condition(c, {"least": 10})
    >>> t, f_ = f({"n": np.array([12.0, 3.0, np.nan]), "budget": np.array([5.0, np.nan, 1.0])})
    >>> t.tolist(), f_.tolist()  # true, false, unknown
    ([True, False, False], [False, True, False])
    """
    if isinstance(cond, AllOf):
        parts = tuple(compile_condition(c, params) for c in cond.all)

        def all_of(v: Inputs) -> Truth:
            results = [part(v) for part in parts]
            t = functools.reduce(np.logical_and, [r[0] for r in results])
            f = functools.reduce(np.logical_or, [r[1] for r in results])
            return np.asarray(t), np.asarray(f)

        return all_of
    if isinstance(cond, AnyOf):
        parts = tuple(compile_condition(c, params) for c in cond.any)

        def any_of(v: Inputs) -> Truth:
            results = [part(v) for part in parts]
            t = functools.reduce(np.logical_or, [r[0] for r in results])
            f = functools.reduce(np.logical_and, [r[1] for r in results])
            return np.asarray(t), np.asarray(f)

        return any_of
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_, params)

        def negation(v: Inputs) -> Truth:
            t, f = inner(v)
            return f, t

        return negation
    return _compile_compare(cond, params)


def _compile_compare(cmp: Compare, params: Mapping[str, Value]) -> Evaluator:
    name, op = cmp.feature, cmp.op
    if op in ("is_null", "not_null"):
        wanted_null = op == "is_null"

        def nullness(v: Inputs) -> Truth:
            null = np.logical_not(_known(v[name]))
            t = null if wanted_null else np.logical_not(null)
            return np.asarray(t), np.asarray(np.logical_not(t))

        return nullness
    if op in ("is_true", "is_false"):
        wanted = op == "is_true"

        def yes_no(v: Inputs) -> Truth:
            x = v[name]
            known = _known(x)
            value = np.not_equal(x, 0)  # an unknown row's value is masked by ``known``
            return _truth(known, value if wanted else np.logical_not(value))

        return yes_no
    fn = _OPERATORS[op]
    if cmp.ref is not None:
        ref = cmp.ref

        def against_input(v: Inputs) -> Truth:
            left, right = v[name], v[ref]
            known = np.logical_and(_known(left), _known(right))
            return _truth(known, fn(left, right))

        return against_input
    right = params[cmp.param] if cmp.param is not None else cmp.value
    if right is None:  # pragma: no cover - rejected by check_condition
        raise ConditionError(f"comparison {name} {op} has no right side")
    if isinstance(right, bool):
        right = float(right)

    def against_constant(v: Inputs) -> Truth:
        left = v[name]
        return _truth(_known(left), fn(left, right))

    return against_constant
