"""Data-file access: read the JSON files shipped in ``strategy_advisor/data``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import DataFileError

__all__ = ["load_json", "parse_json", "read_shipped_json", "validate_data"]

_M = TypeVar("_M", bound=BaseModel)


@cache
def read_shipped_json(name: str) -> Any:
    """Return the parsed content of ``strategy_advisor/data/<name>`` (cached)."""
    resource = resources.files("strategy_advisor") / "data" / name
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - packaging error
        raise DataFileError(f"shipped data file data/{name} is missing from the package") from exc
    return _parse(text, f"data/{name}")


def load_json(path: str | Path) -> Any:
    """Parse a user-supplied JSON file, naming it in any error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"cannot read {p}: {exc.strerror or exc}") from exc
    return _parse(text, str(p))


def parse_json(text: str, where: str) -> Any:
    """Parse JSON text, naming ``where`` it came from in any error."""
    return _parse(text, where)


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def validate_data(model: type[_M], data: Any, where: str) -> _M:
    """Validate ``data`` as ``model``; a failure names the file and the key path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            f" (got {err.get('input')!r:.60})"
            for err in exc.errors()[:5]
        )
        raise DataFileError(f"{where} is malformed: {problems}") from exc
