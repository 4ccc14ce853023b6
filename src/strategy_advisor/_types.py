"""Shared vocabulary: strategies, task and model kinds, number types, immutable maps, links."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar, get_args, overload

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = [
    "FT_METHODS",
    "MODEL_KINDS",
    "REASONING_EFFORTS",
    "RESULT",
    "STRICT_DATA",
    "TASK_TYPES",
    "USER_INPUT",
    "BoolArray",
    "Count",
    "FineTuningMethod",
    "FloatArray",
    "FrozenMap",
    "IntArray",
    "ModelKind",
    "NonNegFloat",
    "PositiveFloat",
    "ReasoningEffort",
    "Strategy",
    "TaskType",
    "UsdPerMTok",
    "UserBool",
    "UserDate",
    "construct",
    "logit",
    "nan_as",
    "quiet_floats",
    "replaced",
    "sigmoid",
]


class Strategy(str, Enum):
    """The two strategies the advisor chooses between."""

    FINE_TUNING = "fine_tuning"
    IN_CONTEXT_LEARNING = "in_context_learning"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """Human-readable name ("fine-tuning", "in-context learning")."""
        return "fine-tuning" if self is Strategy.FINE_TUNING else "in-context learning"

    @property
    def other(self) -> Strategy:
        """The other strategy."""
        return (
            Strategy.IN_CONTEXT_LEARNING if self is Strategy.FINE_TUNING else Strategy.FINE_TUNING
        )


TaskType = Literal[
    "classification",
    "extraction",
    "generation",
    "reasoning",
    "code",
    "structured_output",
    "knowledge_qa",
]
ModelKind = Literal["frontier_api", "open_weights", "unknown"]
FineTuningMethod = Literal["full", "lora", "qlora", "ia3", "other_peft", "unknown"]
#: Reasoning effort as OpenAI names its levels (``none`` from gpt-5.1 on, ``minimal`` on the
#: gpt-5 family; LATENCY.md section 4); a provider's thinking switched off is ``none``.
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]

TASK_TYPES: tuple[str, ...] = get_args(TaskType)
MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
FT_METHODS: tuple[str, ...] = get_args(FineTuningMethod)
REASONING_EFFORTS: tuple[str, ...] = get_args(ReasoningEffort)

if TYPE_CHECKING:  # numpy.typing is slow to import and only a type checker reads it
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
else:
    FloatArray = np.ndarray
#: Arrays of numpy bools and of indices (numpy's typing of them is not worth it here).
BoolArray = np.ndarray
IntArray = np.ndarray

# Models are built on first use, not at import (pydantic ``defer_build``): importing the
# package stays cheap, and the first validation of each model pays its schema once.
#: What users write: validated strictly, frozen, every default validated.
USER_INPUT = ConfigDict(
    frozen=True, extra="forbid", allow_inf_nan=False, validate_default=True, defer_build=True
)
#: What the library computes: frozen values (tuples and FrozenMap, never dict or list).
RESULT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)
#: Shipped and user data files: a renamed or misspelled key fails at load.
STRICT_DATA = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

# Numbers are strict (no "12" strings, no booleans; ints are accepted as floats), finite, and
# bounded by a sanity limit far beyond any real task so arithmetic can never overflow.
_LIMIT = 1e15
_COUNT_LIMIT = 10**12
UsdPerMTok = Annotated[float, Field(ge=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, le=_LIMIT, strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(le=_COUNT_LIMIT, strict=True)]

#: A yes/no the caller writes: ``true`` or ``false`` only. Lax parsing would read "yes",
#: "no", "off", 0 and 1, and a guessed "no" changes answers.
UserBool = Annotated[bool, Field(strict=True)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """A date as the caller writes it: a ``datetime.date`` or a ``"YYYY-MM-DD"`` string.

    Lax parsing would read the number 0 (or the string "0") as 1970-01-01, and a model
    shut down since 1970 flips the answer.
    """
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("expected a date as 'YYYY-MM-DD', e.g. '2026-12-01'")


#: A date the caller writes: ``"YYYY-MM-DD"`` (or a ``datetime.date`` from Python).
UserDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# ---------------------------------------------------------------------------- results

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__
_new = object.__new__


def construct(cls: type[_M], /, **values: Any) -> _M:
    """A result model from values the pipeline computed: no validation, every field given.

    Validation happens once, at the boundary (the profile, specs and data files); inside,
    each stage computes its results from validated inputs, so re-validating them would only
    cost time. Tests check that every result validates and round-trips through JSON.
    Unlike ``model_construct``, it fills no defaults: a missing field is a bug, caught by
    those tests.
    """
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


def replaced(m: _M, /, **update: Any) -> _M:
    """``m`` with some fields replaced by values of the right type, not re-validated (as
    ``model_copy(update=...)``, without its deep-copy machinery)."""
    out = _new(type(m))
    _set(out, "__dict__", {**m.__dict__, **update})
    _set(out, "__pydantic_fields_set__", m.__pydantic_fields_set__ | set(update))
    _set(out, "__pydantic_extra__", m.__pydantic_extra__)
    _set(out, "__pydantic_private__", m.__pydantic_private__)
    return out


# ------------------------------------------------------------------------ array arithmetic

_F = TypeVar("_F", bound="Callable[..., Any]")


def quiet_floats(func: _F) -> _F:
    """Run ``func`` with numpy's floating-point warnings off: the kernel computes with NaN
    for unknown values on purpose (an unpriced bill stays NaN), and ∞ for "never"."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def nan_as(x: FloatArray, value: float) -> FloatArray:
    """``x`` with NaN replaced by ``value`` (infinities kept: ``np.nan_to_num`` would make
    them finite, and costs several times as much per call).

    Examples
    --------
    >>> nan_as(np.array([0.25, np.nan, np.inf]), 1.0).tolist()
    [0.25, 1.0, inf]
    """
    a = np.asarray(x, dtype=np.float64)
    return np.asarray(np.where(np.isnan(a), value, a), dtype=np.float64)


# ------------------------------------------------------------------------- link functions

_FloatOrArray = TypeVar("_FloatOrArray", float, FloatArray)


@overload
def sigmoid(z: float) -> float: ...
@overload
def sigmoid(z: FloatArray) -> FloatArray: ...
def sigmoid(z: float | FloatArray) -> float | FloatArray:
    """The logistic function ``1 / (1 + exp(-z))``, overflow-free (via tanh).

    Examples
    --------
    >>> sigmoid(0.0), float(sigmoid(np.array([0.0]))[0])
    (0.5, 0.5)
    """
    if isinstance(z, float):
        return 0.5 * (1.0 + math.tanh(0.5 * z))
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * np.asarray(z))), dtype=np.float64)


def logit(p: float, *, clip: float = 1e-12) -> float:
    """``log(p / (1 - p))``, with ``p`` clipped to ``[clip, 1 - clip]`` so 0 and 1 stay finite.

    Examples
    --------
    >>> round(logit(0.75), 6) == round(math.log(3.0), 6)
    True
    """
    p = min(max(p, clip), 1.0 - clip)
    return math.log(p / (1.0 - p))


# ----------------------------------------------------------------------------- FrozenMap

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """An immutable, hashable mapping that pydantic validates and serialises like a dict.

    Result models hold these instead of ``dict``: ``rec.costs[Strategy.FINE_TUNING]`` reads
    as before, but ``rec.costs[...] = x`` raises ``TypeError`` and ``hash(rec)`` works.

    Examples
    --------
    >>> m = FrozenMap({"a": 1})
    >>> m["a"], len(m), m == {"a": 1}, hash(m) == hash(FrozenMap({"a": 1}))
    (1, 1, True, True)
    >>> m["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenMap' object does not support item assignment
    """

    __slots__ = ("_data", "_hash")

    _data: Mapping[K, V]
    _hash: int | None

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = (), /) -> None:
        # read-only all the way: the items behind a read-only view, the slots not reassignable
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"'FrozenMap' object is read-only (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"'FrozenMap' object is read-only (cannot delete {name!r})")

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self._data)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self._data),))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        args = get_args(source)
        key, value = args if len(args) == 2 else (Any, Any)
        as_dict = handler.generate_schema(dict[key, value])  # type: ignore[valid-type]

        def from_dict(data: dict[Any, Any]) -> FrozenMap[Any, Any]:
            return cls(data)

        def to_dict(m: FrozenMap[Any, Any]) -> dict[Any, Any]:
            return dict(m._data)

        return core_schema.no_info_after_validator_function(
            from_dict,
            as_dict,
            serialization=core_schema.plain_serializer_function_ser_schema(
                to_dict, return_schema=as_dict
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(schema)
