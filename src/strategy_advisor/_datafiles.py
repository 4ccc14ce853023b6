"""Data files: the one reader, validator and error formatter of shipped and user JSON."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from typing_extensions import Self

from ._errors import AdvisorError, DataFileError, did_you_mean
from ._escape import printable, shown
from ._limits import ECHO_CHARS, JSON_MAX_DEPTH, JSON_MAX_NUMBER_CHARS

__all__ = [
    "DATA_FILE_MAX_BYTES",
    "RefusedJSONError",
    "SuggestingModel",
    "describe_validation_error",
    "load_json",
    "loads",
    "parse_json",
    "read_regular_file",
    "read_shipped_bytes",
    "read_shipped_json",
    "shipped",
    "validate_data",
]

#: Largest user data file ``load_json`` reads whole (a rules file, a catalog, quality
#: parameters, litellm's model map at about 1.5 MB), in bytes: room for any real one, and
#: no ``/dev/zero`` read into memory.
DATA_FILE_MAX_BYTES = 64 << 20

_M = TypeVar("_M", bound=BaseModel)


def read_shipped_bytes(name: str) -> bytes:
    """The bytes of ``strategy_advisor/data/<name>``."""
    resource = resources.files("strategy_advisor") / "data" / name
    try:
        return resource.read_bytes()
    except FileNotFoundError as exc:  # pragma: no cover - packaging error
        raise DataFileError(f"shipped data file data/{name} is missing from the package") from exc


@cache
def read_shipped_json(name: str) -> Any:
    """The parsed content of ``strategy_advisor/data/<name>`` (read once)."""
    return parse_json(_decode(read_shipped_bytes(name), f"data/{name}"), f"data/{name}")


def shipped(model: type[_M], name: str) -> Callable[[], _M]:
    """A cached loader of a shipped file validated as ``model`` (errors name file and key)."""

    @cache
    def load() -> _M:
        return validate_data(model, read_shipped_json(name), f"data/{name}")

    load.__doc__ = f"The shipped data/{name}, validated (loaded once)."
    return load


def load_json(path: str | Path, *, duplicate_keys: Literal["refuse", "last"] = "refuse") -> Any:
    """Parse a user-supplied JSON file, naming it in any error: unreadable, not a regular
    file, over ``DATA_FILE_MAX_BYTES``, not UTF-8, not JSON, or refused by :func:`loads`
    (a key twice in one object, unless ``duplicate_keys="last"``; a number too long;
    nesting too deep)."""
    p = Path(path)
    where = printable(str(p))
    data = read_regular_file(
        p, max_bytes=DATA_FILE_MAX_BYTES, what="", expected="a readable JSON file"
    )
    return parse_json(_decode(data, where), where, duplicate_keys=duplicate_keys)


def read_regular_file(
    path: Path,
    *,
    max_bytes: int,
    what: str,
    expected: str,
    error: type[AdvisorError] = DataFileError,
) -> bytes:
    """The bytes of ``path``, refused (``error``, naming the file) unless it is a regular
    file of at most ``max_bytes``: a FIFO would block forever and a device (``/dev/zero``)
    never end. Opened without blocking and checked on the open file, so the file checked is
    the file read."""
    where = f"{what} {printable(str(path))}".lstrip()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"cannot read {where}: {exc.strerror or exc}; expected {expected}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "folder" if stat.S_ISDIR(mode)
            else "named pipe" if stat.S_ISFIFO(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "socket" if stat.S_ISSOCK(mode)
            else "special file"
        )  # fmt: skip
        raise error(f"cannot read {where}: it is a {kind}, not a regular file; expected {expected}")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"cannot read {where}: {exc.strerror or exc}; expected {expected}") from exc
    if len(data) > max_bytes:
        raise error(
            f"cannot read {where}: it is larger than {max_bytes:,} bytes, the most read from "
            f"one such file; expected {expected}"
        )
    return data


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start}); expected a UTF-8 "
            "JSON file. Save it as UTF-8 (most editors: 'Save with encoding', or "
            f"`iconv -f latin1 -t utf-8 {Path(where).name}`)"
        ) from exc


def parse_json(
    text: str, where: str, *, duplicate_keys: Literal["refuse", "last"] = "refuse"
) -> Any:
    """Parse JSON text, naming ``where`` it came from in any error (see :func:`loads`)."""
    try:
        return loads(text, duplicate_keys=duplicate_keys)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RefusedJSONError as exc:
        raise DataFileError(f"{where}: {exc}") from exc


class RefusedJSONError(ValueError):
    """Valid JSON this library will not read: a key twice in one object, a number longer
    than ``JSON_MAX_NUMBER_CHARS``, ``NaN`` or ``Infinity``, or nesting deeper than
    ``JSON_MAX_DEPTH``. The message says which, and why (the caller names the file)."""


def _number(kind: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(literal: str) -> Any:
        if len(literal) > JSON_MAX_NUMBER_CHARS:
            raise RefusedJSONError(
                f"a number of {len(literal):,} characters ({literal[:20]}…); expected at most "
                f"{JSON_MAX_NUMBER_CHARS} (no field takes a number that large: counts stop at "
                "10^12, other numbers at 1e15)"
            )
        return parse(literal)

    checked.__name__ = f"checked_{kind}"
    return checked


def _constant(name: str) -> Any:
    raise RefusedJSONError(
        f"{name} is not a JSON number (Python's json reads it; this library does not); "
        "expected a finite number"
    )


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RefusedJSONError(
                    f"key {shown(key, ECHO_CHARS)} appears twice in one object; expected each "
                    "key once (a JSON reader keeps only one of them, silently)"
                )
            seen.add(key)
    return out


_PARSE_INT = _number("int", int)
_PARSE_FLOAT = _number("float", float)


def loads(text: str, *, duplicate_keys: Literal["refuse", "last"] = "refuse") -> Any:
    """``json.loads`` for input from outside: a key twice in one object (unless
    ``duplicate_keys="last"``), a number longer than ``JSON_MAX_NUMBER_CHARS``, ``NaN``
    or ``Infinity``, and nesting deeper than ``JSON_MAX_DEPTH`` raise :class:`RefusedJSONError`;
    a syntax error raises ``json.JSONDecodeError`` as ``json.loads`` does.

    Examples
    --------
    >>> loads('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> try:
    ...     loads('{"a": 1, "a": 2}')
    ... except RefusedJSONError as exc:
    ...     print(str(exc)[:40])
    key 'a' appears twice in one object; exp
    """
    try:
        data = json.loads(
            text,
            object_pairs_hook=_refuse_duplicates if duplicate_keys == "refuse" else None,
            parse_int=_PARSE_INT,
            parse_float=_PARSE_FLOAT,
            parse_constant=_constant,
        )
    except RecursionError:
        data = None
        deep = True
    else:
        deep = _deeper_than(data, JSON_MAX_DEPTH)
    if deep:
        raise RefusedJSONError(
            f"arrays and objects are nested more than {JSON_MAX_DEPTH} deep; expected a "
            "profile, a rule or a catalog (a few levels)"
        )
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (iteratively: no recursion)."""
    if not isinstance(data, (dict, list)):
        return False
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def describe_validation_error(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line per problem: the key path, what is wrong, what was received, a suggestion.

    Paths read as the user wrote the data (``ft_model.fine_tuning.hosting``): the tags
    pydantic adds for the branches of a union are dropped, and so is the complaint of a
    branch the data plainly was not meant for (a dict is not a model *name*). A misspelled
    key gets the closest allowed names of the model it belongs to.
    """
    seen: list[tuple[str, str]] = []
    branch_misses: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc, got, msg = err["loc"], err.get("input"), err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            path, line, on_branch = _unknown_field(loc, model)
        else:
            path, _, on_branch = _clean_path(loc, model)
            # a name that fails as a name (too long): the model branch's "not a dict" is noise
            on_branch = on_branch or (err["type"] == "model_type" and isinstance(got, str))
            if err["type"] == "missing" or isinstance(got, (dict, list)):
                line = msg  # the whole object adds nothing to "field required"
            else:
                line = f"{msg} (got {shown(got, 80)})"
        if on_branch:
            branch_misses.setdefault(path, line)
        else:
            seen.append((path, line))
    # a union branch's complaint alone is the whole story; next to deeper errors, it is noise
    for path, line in branch_misses.items():
        if not any(p == path or p.startswith(path + ".") for p, _ in seen):
            seen.append((path, line))
    return "\n".join(f"{_path_shown(path or '<root>')}: {line}" for path, line in seen)


def _path_shown(path: str) -> str:
    """A key path for a message: the caller's keys escaped, a huge one cut (its length said)."""
    if len(path) > ECHO_CHARS:
        path = f"{path[:ECHO_CHARS]}… ({len(path):,} characters)"
    return printable(path)


def _unknown_field(
    loc: tuple[int | str, ...], model: type[BaseModel] | None
) -> tuple[str, str, bool]:
    """(the key's path as the user wrote it, "unknown field of X. Did you mean 'y'?",
    whether it is a union branch's own complaint), for an ``extra_forbidden`` error."""
    key = str(loc[-1])
    path, owner, on_branch = _clean_path(loc[:-1], model)
    line = "unknown field"
    if owner is not None:
        line += f" of {owner.__name__}.{did_you_mean(key, owner.model_fields)}"
    return (f"{path}.{key}" if path else key), line, on_branch


def with_field_suggestions(exc: ValidationError, model: type[BaseModel]) -> ValidationError:
    """``exc`` with each unknown field's message naming the closest valid fields.

    The errors keep their type (``extra_forbidden``), location and input; only the message
    of an unknown field changes, worded as :func:`describe_validation_error` words it for
    the command line (one implementation for both). Without unknown fields, ``exc`` itself.
    """
    errors = exc.errors(include_url=False)
    if not any(e["type"] == "extra_forbidden" for e in errors):
        return exc
    details: list[InitErrorDetails] = []
    for err in errors:
        loc = err["loc"]
        if err["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            _, line, _ = _unknown_field(loc, model)
            message = f"Extra inputs are not permitted: {loc[-1]!r} is an {line}"
            kind = PydanticCustomError("extra_forbidden", "{message}", {"message": message})
            details.append(InitErrorDetails(type=kind, loc=loc, input=err["input"]))
        else:
            details.append(_same_error(err, exc.title))
    return ValidationError.from_exception_data(exc.title, details)


def _same_error(err: Any, title: str) -> InitErrorDetails:
    """An error as it was: its own type where pydantic rebuilds the same message, else its
    message under its type name (a custom error's)."""
    same = InitErrorDetails(type=err["type"], loc=err["loc"], input=err["input"])
    if "ctx" in err:
        same["ctx"] = err["ctx"]
    try:
        rebuilt = ValidationError.from_exception_data(title, [same]).errors()[0]["msg"]
    except (KeyError, TypeError, ValueError):
        rebuilt = None
    if rebuilt == err["msg"]:
        return same
    kind = PydanticCustomError(err["type"], "{message}", {"message": err["msg"]})
    return InitErrorDetails(type=kind, loc=err["loc"], input=err["input"])


class SuggestingModel(BaseModel):
    """A model whose validation errors name the closest valid field of an unknown one.

    ``TaskProfile(requests_per_mnth=...)`` raises pydantic's ``ValidationError`` (not
    wrapped) whose message says "Did you mean 'requests_per_month'?", nested models
    included, as the command line does. Only construction and ``model_validate*`` are
    wrapped: no validator is added, so nested validation and union tags are unchanged.
    """

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise with_field_suggestions(exc, type(self)) from None

    # pydantic's own __init__ behaviour: validation never calls it back (without this mark,
    # model_validate would run this __init__ and every after-validator twice)
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise with_field_suggestions(exc, cls) from None

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise with_field_suggestions(exc, cls) from None


def _clean_path(
    loc: tuple[int | str, ...], model: type[BaseModel] | None
) -> tuple[str, type[BaseModel] | None, bool]:
    """(the path as the user wrote it, the model the last key belongs to, whether the error
    is a union branch's own complaint, e.g. "not a string")."""
    parts: list[str] = []
    current = model
    owner = model
    on_branch = False
    keyed = False  # the last field is a mapping: the next part is one of its keys
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            on_branch = False
            continue
        if keyed:
            parts.append(f"[{part}]")
            keyed = on_branch = False
            continue
        if current is not None and part in current.model_fields:
            parts.append(part)
            owner = current
            annotation = current.model_fields[part].annotation
            current = _model_in(annotation)
            keyed = _is_mapping(annotation)
            on_branch = False
            continue
        # a union branch tag: 'str', 'function-after[..., ModelSpec]', 'ModelSpec', ...
        named = _model_named(part, current, model)
        if named is not None:
            current = named
            on_branch = False
        else:
            on_branch = True
    path = ".".join(parts).replace(".[", "[")
    return path, current if current is not None else owner, on_branch


def _is_mapping(annotation: Any) -> bool:
    """Whether a field holds a mapping (``FrozenMap[str, X]``, ``dict``), maybe optional."""
    origin = get_origin(annotation)
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return True
    return origin in (Union, UnionType) and any(
        _is_mapping(arg) for arg in get_args(annotation) if arg is not type(None)
    )


def _model_named(tag: str, *candidates: type[BaseModel] | None) -> type[BaseModel] | None:
    for cand in candidates:
        if cand is None:
            continue
        for field in cand.model_fields.values():
            for m in _models_in(field.annotation):
                if _tags(tag, m):
                    return m
        if _tags(tag, cand):
            return cand
    return None


def _tags(tag: str, model: type[BaseModel]) -> bool:
    """Whether a union branch tag (``ModelSpec``, ``function-after[..., ModelSpec]``) names
    ``model``."""
    name = model.__name__
    return tag == name or tag.endswith(f", {name}]") or f"[{name}]" in tag


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        out += _models_in(arg)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    found = _models_in(annotation)
    return found[0] if found else None


def validate_data(model: type[_M], data: Any, where: str) -> _M:
    """Validate ``data`` as ``model``; a failure names the file and the key path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = describe_validation_error(exc, model).replace("\n", "; ")
        raise DataFileError(f"{where} is malformed: {problems}") from exc
