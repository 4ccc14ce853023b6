"""Data files: the one reader, validator and error formatter of shipped and user JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import DataFileError, did_you_mean

__all__ = [
    "describe_validation_error",
    "load_json",
    "parse_json",
    "read_shipped_bytes",
    "read_shipped_json",
    "shipped",
    "validate_data",
]

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


def load_json(path: str | Path) -> Any:
    """Parse a user-supplied JSON file, naming it in any error (unreadable, not UTF-8, not JSON)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataFileError(
            f"cannot read {p}: {exc.strerror or exc}; expected a readable JSON file"
        ) from exc
    return parse_json(_decode(data, str(p)), str(p))


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start}); expected a UTF-8 "
            "JSON file. Save it as UTF-8 (most editors: 'Save with encoding', or "
            f"`iconv -f latin1 -t utf-8 {Path(where).name}`)"
        ) from exc


def parse_json(text: str, where: str) -> Any:
    """Parse JSON text, naming ``where`` it came from in any error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def describe_validation_error(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line per problem: the key path, what is wrong, what was received, a suggestion.

    A misspelled key gets the closest allowed names of the model it belongs to.
    """
    lines = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        path = ".".join(str(p) for p in loc) or "<root>"
        got = err.get("input")
        line = f"{path}: {err['msg']}"
        if err["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            owner = _model_at(model, loc[:-1])
            if owner is not None:
                line += did_you_mean(loc[-1], owner.model_fields)
        elif err["type"] != "missing":
            line += f" (got {got!r:.80})"
        lines.append(line)
    return "\n".join(lines)


def _model_at(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model a key path leads to, following model-typed fields (None if unknown)."""
    current = model
    for part in loc:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return None if not isinstance(part, int) else current
        annotation = current.model_fields[part].annotation
        current = _model_in(annotation)
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def validate_data(model: type[_M], data: Any, where: str) -> _M:
    """Validate ``data`` as ``model``; a failure names the file and the key path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = describe_validation_error(exc, model).replace("\n", "; ")
        raise DataFileError(f"{where} is malformed: {problems}") from exc
