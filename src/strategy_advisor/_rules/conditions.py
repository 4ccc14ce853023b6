"""Rules stage, the condition language: typed comparisons, three-valued logic, compiled once.

A condition is data (``{"feature": "n_labeled_examples", "op": "lt", "value": 10}``,
``{"all": [...]}``, ``{"any": [...]}``, ``{"not": ...}``). It knows no input names: a
rulebook checks each condition against the kinds of the inputs it may test, then compiles
it into a plain function of the inputs, evaluated with no interpretation per call. A
comparison with an unknown (``None``) side is unknown, and unknown propagates as in SQL.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "ConditionError",
    "Evaluator",
    "InputKind",
    "Not",
    "check_condition",
    "compile_condition",
    "literal_kind",
    "walk",
]

InputKind = Literal["number", "bool", "text"]
Value = float | int | bool | str | None
#: A compiled condition: inputs and params to True, False, or None (unknown).
Evaluator = Callable[[Mapping[str, Value]], "bool | None"]

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


_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt,
    "ge": operator.ge, "eq": operator.eq, "ne": operator.ne,
}  # fmt: skip


def compile_condition(cond: Condition, params: Mapping[str, Value]) -> Evaluator:
    """A function of the inputs that evaluates ``cond`` (checked first: see
    :func:`check_condition`). Params are bound now; inputs are read at each call.

    Examples
    --------
    >>> c = AllOf(all=(Compare(feature="n", op="ge", param="least"),
    ...                Compare(feature="budget", op="not_null")))
    >>> f = compile_condition(c, {"least": 10})
    >>> f({"n": 12, "budget": 5.0}), f({"n": 3, "budget": None}), f({"n": None, "budget": 1})
    (True, False, None)
    """
    if isinstance(cond, AllOf):
        parts = tuple(compile_condition(c, params) for c in cond.all)

        def all_of(v: Mapping[str, Value]) -> bool | None:
            unknown = False
            for part in parts:
                r = part(v)
                if r is False:
                    return False
                unknown = unknown or r is None
            return None if unknown else True

        return all_of
    if isinstance(cond, AnyOf):
        parts = tuple(compile_condition(c, params) for c in cond.any)

        def any_of(v: Mapping[str, Value]) -> bool | None:
            unknown = False
            for part in parts:
                r = part(v)
                if r is True:
                    return True
                unknown = unknown or r is None
            return None if unknown else False

        return any_of
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_, params)

        def negation(v: Mapping[str, Value]) -> bool | None:
            r = inner(v)
            return None if r is None else not r

        return negation
    return _compile_compare(cond, params)


def _compile_compare(cmp: Compare, params: Mapping[str, Value]) -> Evaluator:
    name, op = cmp.feature, cmp.op
    if op == "is_null":
        return lambda v: v[name] is None
    if op == "not_null":
        return lambda v: v[name] is not None
    if op in ("is_true", "is_false"):
        wanted = op == "is_true"
        return lambda v: None if v[name] is None else bool(v[name]) is wanted
    fn = _OPERATORS[op]
    if cmp.ref is not None:
        ref = cmp.ref

        def against_input(v: Mapping[str, Value]) -> bool | None:
            left, right = v[name], v[ref]
            return None if left is None or right is None else bool(fn(left, right))

        return against_input
    right = params[cmp.param] if cmp.param is not None else cmp.value
    if right is None:  # pragma: no cover - rejected by check_condition
        return lambda v: None

    def against_constant(v: Mapping[str, Value]) -> bool | None:
        left = v[name]
        return None if left is None else bool(fn(left, right))

    return against_constant
