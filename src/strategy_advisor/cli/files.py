"""Profile files: one profile as JSON, or JSON Lines of many; their schema as users write it.

A profile file is a ``TaskProfile`` as JSON that may add ``examples_file`` (labeled examples
to measure token lengths and ``n_labeled_examples`` from, relative to the file) and
``token_counting`` (how to count them). Everything is validated here, once, and every
problem is named by its file, line and field.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._datafiles import _decode, describe_validation_error
from .._errors import AdvisorError, DataFileError
from .wording import describe, estimate_notice, indent

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._profile import TaskProfile

__all__ = ["ProfileInput", "ProfileReader", "TokenCounting", "profile_file_schema", "read_input"]

_EXAMPLE_KEYS = ("examples_file", "token_counting")
_JSON_LINES = (".jsonl", ".ndjson")
_MAX_LINE_ERRORS = 20


class TokenCounting(BaseModel):
    """How a profile file's ``examples_file`` is counted (its ``"token_counting"`` object)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    encoding: str | None = Field(
        None,
        description="A tiktoken encoding name (e.g. 'o200k_base'), a path to a .tiktoken "
        "file, or 'estimate' for the UTF-8 byte ratio. Default: the ft_model's encoding.",
    )
    allow_estimate: bool = Field(
        False,
        description="When the encoding's file is not available offline, estimate from UTF-8 "
        "bytes (marked as estimates, with an error band) instead of failing.",
    )
    sample: int | None = Field(
        None,
        ge=2,
        description="Count a seeded random sample of this many examples and extrapolate "
        "(default: count every example).",
    )
    seed: int = Field(0, description="Seed of the sample.")


def profile_file_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file as users write it.

    A ``TaskProfile``, plus ``examples_file`` (then ``n_labeled_examples`` and the token
    lengths may be left out: they are measured) and ``token_counting``. A JSON Lines file
    holds one such object per line.

    Examples
    --------
    >>> schema = profile_file_schema()
    >>> {"examples_file", "token_counting", "task_type"} <= set(schema["properties"])
    True
    >>> schema["dependentRequired"]
    {'token_counting': ['examples_file']}
    """
    from .._profile import TaskProfile

    base = TaskProfile.model_json_schema()
    defs = {**base.pop("$defs", {}), "TokenCounting": TokenCounting.model_json_schema()}
    properties = {
        **base.pop("properties"),
        "examples_file": {
            "type": "string",
            "minLength": 1,
            "title": "Examples File",
            "description": "Labeled examples (.jsonl prompt/completion or chat messages, or "
            ".csv) to measure n_labeled_examples and the token lengths from; a relative path "
            "is relative to the profile file. Values given beside it win over measured ones.",
        },
        "token_counting": {
            "$ref": "#/$defs/TokenCounting",
            "description": "How examples_file is counted; needs examples_file.",
        },
    }
    required = [k for k in base.pop("required", []) if k != "n_labeled_examples"]
    base.pop("title", None)
    base.pop("description", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Task profile file",
        "description": "One task for `strategy-advisor recommend FILE`: a TaskProfile, "
        "optionally measured from an examples_file. A .jsonl file holds one per line.",
        **base,
        "properties": properties,
        "required": required,
        "anyOf": [{"required": ["n_labeled_examples"]}, {"required": ["examples_file"]}],
        "dependentRequired": {"token_counting": ["examples_file"]},
        "$defs": defs,
    }


@dataclass
class ProfileReader:
    """Turns profile objects into validated profiles, measuring ``examples_file`` if given.

    An estimate's notice (why the counts are estimates, how to count exactly) is printed
    once per run, however many profiles fall back to it.
    """

    advisor: Advisor
    allow_estimate: bool
    notices: set[str] = field(default_factory=set)

    def profile(self, data: Any, where: str, base: Path) -> TaskProfile:
        """The profile in ``data`` (read from ``where``; relative paths from ``base``)."""
        from .._profile import TaskProfile

        if not isinstance(data, dict):
            kind = "array" if isinstance(data, list) else type(data).__name__
            raise DataFileError(
                f"{where}: expected a JSON object (a task profile), got a JSON {kind}; "
                "`strategy-advisor schema` prints its fields"
            )
        data = dict(data)
        extras = {k: data.pop(k) for k in _EXAMPLE_KEYS if k in data}
        if "examples_file" not in extras:
            if "token_counting" in extras:
                raise DataFileError(f"{where}: 'token_counting' needs 'examples_file' beside it")
            return TaskProfile.model_validate(data)
        examples = extras["examples_file"]
        if not isinstance(examples, str) or not examples:
            raise DataFileError(f"{where}: 'examples_file' must be a path string; got {examples!r}")
        counting = self._counting(extras.get("token_counting"), where)
        for key in sorted(set(data) & {*TokenCounting.model_fields, "progress", "catalog"}):
            inside = key in TokenCounting.model_fields
            raise DataFileError(
                f"{where}: {key!r} is not a profile field"
                + (f'; it belongs in "token_counting": {{"{key}": ...}}' if inside else "")
            )
        path = Path(examples)
        path = path if path.is_absolute() else base / path
        if not counting.allow_estimate:
            return self.advisor.profile_from_examples(path, **counting.model_dump(), **data)
        from .._tokens.encodings import EncodingNotCachedError

        try:  # exact if the file is there; else say how to get it, then estimate
            exact = counting.model_copy(update={"allow_estimate": False})
            return self.advisor.profile_from_examples(path, **exact.model_dump(), **data)
        except EncodingNotCachedError as exc:
            notice = estimate_notice(exc)
            if notice not in self.notices:
                self.notices.add(notice)
                print(notice, file=sys.stderr)
        return self.advisor.profile_from_examples(path, **counting.model_dump(), **data)

    def _counting(self, raw: Any, where: str) -> TokenCounting:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise DataFileError(
                f"{where}: 'token_counting' must be an object like "
                f'{{"allow_estimate": true, "sample": 20000}}; got {raw!r}'
            )
        try:
            counting = TokenCounting.model_validate(raw)
        except ValidationError as exc:
            problems = describe_validation_error(exc, TokenCounting).splitlines()
            raise DataFileError(
                f"{where}: invalid 'token_counting': "
                + "; ".join(f"token_counting.{p}" for p in problems)
            ) from exc
        if self.allow_estimate:
            counting = counting.model_copy(update={"allow_estimate": True})
        return counting


@dataclass(frozen=True)
class ProfileInput:
    """What a FILE argument held: one profile, or JSON Lines of many (with line numbers)."""

    where: str
    profiles: tuple[TaskProfile, ...]
    lines: tuple[int, ...]
    many: bool


def read_input(arg: str, reader: ProfileReader) -> ProfileInput:
    """Read FILE (``-``: standard input): JSON Lines if it ends in ``.jsonl``/``.ndjson``
    or holds JSON objects one after another, else one JSON profile."""
    if arg == "-":
        where, base, suffix = "standard input", Path.cwd(), ""
        text = _stdin_text()
    else:
        path = Path(arg)
        where, base, suffix = arg, path.resolve().parent, path.suffix.lower()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataFileError(
                f"cannot read {arg}: {exc.strerror or exc}; expected a readable JSON or JSON "
                "Lines file"
            ) from exc
        text = _decode(raw, arg)
    if suffix not in _JSON_LINES:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":  # "Extra data": objects one after another (JSON Lines)
                yaml = suffix in (".yaml", ".yml")
                raise DataFileError(
                    f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                    f"{exc.colno}" + ("; YAML is not read: write the profile as JSON" * yaml)
                ) from exc
        else:
            return ProfileInput(where, (reader.profile(data, where, base),), (1,), many=False)
    return _read_lines(text, where, base, reader)


def _read_lines(text: str, where: str, base: Path, reader: ProfileReader) -> ProfileInput:
    from .._profile import TaskProfile

    profiles: list[TaskProfile] = []
    lines: list[int] = []
    errors: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        lines.append(lineno)
        here = f"{where}, line {lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(
                (
                    lineno,
                    f"not valid JSON ({exc.msg} at column {exc.colno}); expected one JSON "
                    "object (a task profile) per line",
                )
            )
            continue
        try:
            profile = reader.profile(data, here, base)
            for role in ("icl_model", "ft_model"):  # an unknown name, named by its line
                reader.advisor.catalog.resolve(getattr(profile, role), role)
        except ValidationError as exc:
            problems = describe_validation_error(exc, TaskProfile).splitlines()
            errors += [(lineno, p) for p in problems]
        except AdvisorError as exc:
            errors.append((lineno, describe(exc, "recommend").removeprefix(here + ": ")))
        else:
            profiles.append(profile)
    if errors:
        shown = [f"line {n}: {problem}" for n, problem in errors[:_MAX_LINE_ERRORS]]
        if len(errors) > len(shown):
            shown.append(f"... and {len(errors) - len(shown)} more")
        raise DataFileError(
            f"{len({n for n, _ in errors})} of {len(lines)} profiles in {where} are invalid:\n"
            + indent("\n".join(shown))
            + "\nFix those lines (`strategy-advisor schema` prints every field), then run again."
        )
    if not lines:
        raise DataFileError(
            f"{where} holds no profiles (it is empty, or every line is blank); expected one "
            "JSON object (a task profile) per line"
        )
    return ProfileInput(where, tuple(profiles), tuple(lines), many=True)


def _stdin_text() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (a StringIO, or a redirected text stream)
        return str(sys.stdin.read())
    data: bytes = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"standard input is not UTF-8 text ({exc.reason} at byte {exc.start}); expected "
            "a UTF-8 JSON task profile"
        ) from exc
