"""Parameter checks: one table of constraints per public function, one message shape.

The idea is scikit-learn's ``_parameter_constraints`` (``utils/_param_validation.py``),
written here in a few lines: each public function that takes plain keyword parameters
declares ``{name: [constraint, ...]}``, and :func:`check_params` raises
:class:`ParameterError` naming the function, the parameter, what was expected and what was
received ("The 'C' parameter of fit_quality_model must be a float in the range (0, inf).
Got -1 instead.").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

from ._errors import ParameterError

__all__ = ["Constraint", "Interval", "NoneOk", "Options", "Satisfies", "check_params"]


class Constraint:
    """One acceptable kind of value for a parameter."""

    def accepts(self, value: object) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """A real (or integral) number in ``[left, right]``, ends open or closed; None: unbounded."""

    kind: type[Real] | type[Integral]
    left: float | None
    right: float | None
    closed: Literal["both", "left", "right", "neither"] = "both"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        x = float(value)
        if math.isnan(x):
            return False
        lo_ok = self.left is None or (
            x >= self.left if self.closed in ("both", "left") else x > self.left
        )
        hi_ok = self.right is None or (
            x <= self.right if self.closed in ("both", "right") else x < self.right
        )
        return lo_ok and hi_ok

    def describe(self) -> str:
        what = "an int" if self.kind is Integral else "a float"
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{what} in the range {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values."""

    values: tuple[object, ...]

    def accepts(self, value: object) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def describe(self) -> str:
        return f"one of {{{', '.join(repr(v) for v in self.values)}}}"


@dataclass(frozen=True)
class NoneOk(Constraint):
    """``None``."""

    def accepts(self, value: object) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


@dataclass(frozen=True)
class Satisfies(Constraint):
    """Anything a predicate accepts (a type check such as "a mapping of str to float")."""

    predicate: Callable[[object], bool]
    description: str

    def accepts(self, value: object) -> bool:
        return bool(self.predicate(value))

    def describe(self) -> str:
        return self.description


def check_params(
    function: str,
    params: Mapping[str, Any],
    constraints: Mapping[str, Sequence[Constraint]],
) -> None:
    """Raise :class:`ParameterError` for the first parameter no constraint accepts.

    Examples
    --------
    >>> table = {"C": [Interval(Real, 0, None, closed="neither")]}
    >>> try:
    ...     check_params("fit_quality_model", {"C": -1}, table)
    ... except ParameterError as exc:
    ...     print(exc)
    The 'C' parameter of fit_quality_model must be a float in the range (0, inf). Got -1 instead.
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None:
            raise ParameterError(
                f"{function}() got an unexpected parameter {name!r}; expected one of "
                f"{', '.join(sorted(constraints))}."
            )
        if any(c.accepts(value) for c in allowed):
            continue
        options = [c.describe() for c in allowed]
        expected = (
            options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
        )
        raise ParameterError(
            f"The {name!r} parameter of {function} must be {expected}. Got {value!r} instead."
        )
