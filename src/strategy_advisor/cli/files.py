"""Profile files: one profile as JSON, or JSON Lines of many; their schema as users write it.

A profile file is a ``TaskProfile`` as JSON that may add ``examples_file`` (labeled examples
to measure token lengths and ``n_labeled_examples`` from, relative to the file) and
``token_counting`` (how to count them). Everything is validated here, once, and every
problem is named by its file, line and field.

A JSON Lines file is read a line at a time (never whole), so a portfolio of any length
streams; it can be read again for a second pass (standard input is kept in a temporary
file for that). With ``root`` (``--root DIR``) the file and every path a profile names
(``examples_file``, a ``.tiktoken`` file) must lie inside that folder, symbolic links
followed: what a service reads is what it was given.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._datafiles import RefusedJSONError, _decode, describe_validation_error, loads
from .._errors import AdvisorError, DataFileError
from .._escape import printable, shown
from .._limits import EXCERPT_CHARS, ID_MAX_CHARS, PATH_MAX_CHARS, PROFILE_MAX_BYTES
from .wording import describe, estimate_notice, indent

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._portfolio import ProfileFailure
    from .._profile import TaskProfile

__all__ = [
    "InputFile",
    "ProfileInput",
    "ProfileReader",
    "TokenCounting",
    "invalid_lines",
    "no_profiles",
    "open_input",
    "profile_file_schema",
    "read_input",
]

_EXAMPLE_KEYS = ("examples_file", "token_counting")
_JSON_LINES = (".jsonl", ".ndjson")
_MAX_LINE_ERRORS = 20
#: Profiles measured from an examples file in a portfolio's checking pass, kept for its
#: second pass so their examples are not counted twice (a bound, so memory stays flat).
_MEASURED_KEPT = 1000


class TokenCounting(BaseModel):
    """How a profile file's ``examples_file`` is counted (its ``"token_counting"`` object)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    encoding: str | None = Field(
        None,
        max_length=PATH_MAX_CHARS,
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
            "maxLength": PATH_MAX_CHARS,
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
    once per run, however many profiles fall back to it. With ``root``, every path a
    profile names must lie inside that folder. With ``keep``, profiles measured from an
    examples file are kept by line number (at most ``_MEASURED_KEPT``) for a second pass.
    """

    advisor: Advisor
    allow_estimate: bool
    root: Path | None = None
    keep: bool = False
    notices: set[str] = field(default_factory=set)
    kept: dict[int, TaskProfile] = field(default_factory=dict)

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
        if not isinstance(examples, str) or not examples or len(examples) > PATH_MAX_CHARS:
            raise DataFileError(
                f"{where}: 'examples_file' must be a path string of at most {PATH_MAX_CHARS} "
                f"characters; got {shown(examples, EXCERPT_CHARS)}"
            )
        counting = self._counting(extras.get("token_counting"), where)
        for key in sorted(set(data) & {*TokenCounting.model_fields, "progress", "catalog"}):
            inside = key in TokenCounting.model_fields
            raise DataFileError(
                f"{where}: {shown(key)} is not a profile field"
                + (f'; it belongs in "token_counting": {{"{key}": ...}}' if inside else "")
            )
        path = Path(examples)
        path = path if path.is_absolute() else base / path
        self.confine(path, f"{where}: 'examples_file'")
        name = counting.encoding
        if name is not None and (name.endswith(".tiktoken") or "/" in name or os.sep in name):
            self.confine(Path(name), f"{where}: 'token_counting.encoding'")
        if not counting.allow_estimate:
            return self.advisor.profile_from_examples(path, **counting.model_dump(), **data)
        from .._tokens.encoding_errors import EncodingNotCachedError

        try:  # exact if the file is there; else say how to get it, then estimate
            exact = counting.model_copy(update={"allow_estimate": False})
            return self.advisor.profile_from_examples(path, **exact.model_dump(), **data)
        except EncodingNotCachedError as exc:
            notice = estimate_notice(exc)
            if notice not in self.notices:
                self.notices.add(notice)
                print(notice, file=sys.stderr)
        return self.advisor.profile_from_examples(path, **counting.model_dump(), **data)

    def confine(self, path: Path, what: str) -> None:
        """Refuse ``path`` unless it lies inside ``root`` (nothing to check without one);
        symbolic links and ``..`` are resolved first."""
        if self.root is None:
            return
        try:
            inside = path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError):  # a symbolic link loop
            inside = False
        if not inside:
            raise DataFileError(
                f"{what} {shown(str(path), EXCERPT_CHARS)} is outside the folder --root "
                f"allows ({printable(str(self.root))}); expected a path inside it (symbolic "
                "links and '..' are resolved before the check)"
            )

    def entry(self, text: str, number: int, index: int, where: str, base: Path) -> Any:
        """One JSON Lines line: its profile (both models known), or the
        :class:`ProfileFailure` that names its line, id and the field at fault."""
        from .._portfolio import ProfileFailure

        here = f"{where}, line {number}"
        given: str | None = None

        def failure(exc: Exception, message: str, at: str | None = None) -> ProfileFailure:
            return ProfileFailure.of(
                exc, index=index, id=given, field=at, line=number, message=message
            )

        try:
            data = loads(text)
        except RefusedJSONError as exc:
            return failure(exc, str(exc))
        except ValueError as exc:  # json.JSONDecodeError
            msg, col = getattr(exc, "msg", str(exc)), getattr(exc, "colno", 0)
            return failure(
                exc,
                f"not valid JSON ({msg} at column {col}); expected one JSON object (a task "
                "profile) per line",
            )
        raw = data.get("id") if isinstance(data, dict) else None
        given = raw if isinstance(raw, str) and len(raw) <= ID_MAX_CHARS else None
        try:
            profile = self.kept.pop(number, None) or self.profile(data, here, base)
            if self.keep and "examples_file" in data and len(self.kept) < _MEASURED_KEPT:
                self.kept[number] = profile
            for role in ("icl_model", "ft_model"):  # an unknown name, named by its line
                try:
                    self.advisor.catalog.resolve(getattr(profile, role), role)
                except AdvisorError as exc:
                    return failure(exc, describe(exc, "recommend"), role)
        except ValidationError as exc:  # every field at fault, the first one as its field
            return ProfileFailure.of(exc, index=index, id=given, line=number)
        except AdvisorError as exc:
            return failure(exc, describe(exc, "recommend").removeprefix(here + ": "))
        return profile

    def _counting(self, raw: Any, where: str) -> TokenCounting:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise DataFileError(
                f"{where}: 'token_counting' must be an object like "
                f'{{"allow_estimate": true, "sample": 20000}}; got {shown(raw, EXCERPT_CHARS)}'
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


# ------------------------------------------------------------------------------ the FILE


@dataclass
class InputFile:
    """What a FILE argument holds: one profile (``data``), or JSON Lines (``many``) read a
    line at a time by :meth:`entries`, again for each pass when ``replayable``."""

    where: str
    base: Path
    many: bool
    data: Any = None
    stream: IO[bytes] | None = None
    replayable: bool = True
    owned: bool = True
    _lookahead: list[bytes | None] = field(default_factory=list)
    _passes: int = 0

    def lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """``(line number, text, problem)`` for each non-blank line; ``text`` is None when
        the line cannot be read (``problem`` says why: too long, not UTF-8)."""
        assert self.stream is not None
        if self._passes and not self.replayable:  # pragma: no cover - a caller's bug
            raise RuntimeError(f"{self.where} can be read once only")
        self._passes += 1
        if self.replayable:
            self.stream.seek(0)
            raw_lines: Iterator[bytes | None] = _capped_lines(self.stream)
        else:
            raw_lines = _chain(self._lookahead, _capped_lines(self.stream))
            self._lookahead = []
        for number, raw in enumerate(raw_lines, start=1):
            if raw is None:
                yield (
                    number,
                    None,
                    (
                        f"a line longer than {PROFILE_MAX_BYTES:,} bytes, the most one profile may "
                        "take; expected one JSON object (a task profile) per line"
                    ),
                )
                continue
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                continue
            yield number, text.removeprefix("\ufeff") if number == 1 else text, None

    def entries(self, reader: ProfileReader) -> Iterator[tuple[int, Any]]:
        """``(line number, profile or ProfileFailure)`` for each profile line, in order."""
        from .._portfolio import ProfileFailure

        for index, (number, text, problem) in enumerate(self.lines()):
            if text is None:
                failure: Any = ProfileFailure.of(
                    DataFileError(problem), index=index, line=number, message=problem
                )
                yield number, failure
            else:
                yield number, reader.entry(text, number, index, self.where, self.base)

    def close(self) -> None:
        """Close the file (or the copy of standard input); standard input stays open."""
        if self.stream is not None and self.owned:
            self.stream.close()


def _capped_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """The stream's lines, each at most ``PROFILE_MAX_BYTES`` (a longer one is skipped to
    its end and given as None): one huge line cannot fill memory."""
    while True:
        raw = stream.readline(PROFILE_MAX_BYTES + 1)
        if not raw:
            return
        if len(raw) > PROFILE_MAX_BYTES and not raw.endswith(b"\n"):
            while True:
                more = stream.readline(1 << 16)
                if not more or more.endswith(b"\n"):
                    break
            yield None
            continue
        yield raw


def _chain(first: list[bytes | None], rest: Iterator[bytes | None]) -> Iterator[bytes | None]:
    yield from first
    yield from rest


def _stdin_bytes() -> IO[bytes]:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (a StringIO, or a redirected text stream)
        return io.BytesIO(str(sys.stdin.read()).encode("utf-8"))
    return stream  # type: ignore[no-any-return]


def _open_regular(path: Path, where: str) -> IO[bytes]:
    """``path`` opened for reading, refused unless it is a regular file (a FIFO would block
    forever, a device never end); checked on the open file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataFileError(
            f"cannot read {where}: {exc.strerror or exc}; expected a readable JSON or JSON "
            "Lines file"
        ) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DataFileError(
            f"cannot read {where}: it is not a regular file (a folder, pipe or device); "
            "expected a JSON or JSON Lines file"
        )
    return os.fdopen(fd, "rb")


def open_input(arg: str, *, root: Path | None = None, replayable: bool = True) -> InputFile:
    """Open FILE (``-``: standard input): JSON Lines if it ends in ``.jsonl``/``.ndjson``
    or holds JSON values one a line, else one JSON profile (at most ``PROFILE_MAX_BYTES``).

    ``replayable`` lets :meth:`InputFile.entries` run more than once (standard input is
    then copied to a temporary file first); ``root`` confines FILE to that folder.
    """
    if arg == "-":
        where, base, suffix = "standard input", Path.cwd(), ""
        stream = _stdin_bytes()
        owned = replayable
        if replayable:  # a second pass reads it again: keep a copy on disk, not in memory
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by InputFile.close
            while chunk := stream.read(1 << 20):
                spool.write(chunk)
            spool.seek(0)
            stream = spool
    else:
        path = Path(arg)
        where, base, suffix = printable(arg), path.resolve().parent, path.suffix.lower()
        if root is not None and not path.resolve().is_relative_to(root):
            raise DataFileError(
                f"{where} is outside the folder --root allows ({printable(str(root))}); "
                "expected a file inside it (symbolic links and '..' are resolved first)"
            )
        stream = _open_regular(path, where)
        owned = True
    seekable = replayable or arg != "-"
    try:
        source = _opened(stream, where, base, suffix, seekable)
    except BaseException:
        if owned:
            stream.close()
        raise
    source.owned = owned
    return source


def _opened(stream: IO[bytes], where: str, base: Path, suffix: str, seekable: bool) -> InputFile:
    if suffix in _JSON_LINES:
        return InputFile(where, base, many=True, stream=stream, replayable=seekable)
    # one profile, or JSON values one a line: the first non-blank line tells
    seen: list[bytes | None] = []
    first: bytes | None = None
    for raw in _capped_lines(stream):
        seen.append(raw)
        if raw is None:
            break
        if not raw.strip():
            continue
        if first is None:
            first = raw
            try:
                loads(raw.decode("utf-8-sig"))
            except (ValueError, UnicodeDecodeError):
                break  # not a whole JSON value on one line: one (pretty-printed) profile
            continue
        return InputFile(  # a second non-blank line after a whole first one: JSON Lines
            where, base, many=True, stream=stream, replayable=seekable, _lookahead=seen
        )
    rest = stream.read(PROFILE_MAX_BYTES + 1)
    raw_text = b"".join(x for x in seen if x is not None) + rest
    if None in seen or len(raw_text) > PROFILE_MAX_BYTES:
        raise DataFileError(
            f"{where} is larger than {PROFILE_MAX_BYTES:,} bytes, the most one profile may "
            "take; expected one JSON profile (or JSON Lines, one profile a line)"
        )
    text = _decode(raw_text, where)
    if not text.strip():
        raise DataFileError(f"{where} is empty; expected a JSON task profile")
    try:
        data = loads(text)
    except RefusedJSONError as exc:
        raise DataFileError(f"{where}: {exc}") from exc
    except ValueError as exc:  # json.JSONDecodeError
        yaml = suffix in (".yaml", ".yml")
        msg, lineno, col = (getattr(exc, a, "?") for a in ("msg", "lineno", "colno"))
        raise DataFileError(
            f"{where} is not valid JSON: {msg} at line {lineno}, column {col}"
            + ("; YAML is not read: write the profile as JSON" * yaml)
        ) from exc
    return InputFile(where, base, many=False, data=data, stream=stream)


@dataclass(frozen=True)
class ProfileInput:
    """What a FILE argument held: one profile, or JSON Lines of many (with line numbers)."""

    where: str
    profiles: tuple[TaskProfile, ...]
    lines: tuple[int, ...]
    many: bool


def invalid_lines(failures: list[ProfileFailure], bad: int, total: int, where: str) -> str:
    """The message for a portfolio with invalid lines: how many, then the first of them
    (``line N: field: what is wrong``), then how to go on."""
    shown_ = [f"line {f.line}: {f.message}" for f in failures[:_MAX_LINE_ERRORS]]
    if bad > len(shown_):
        shown_.append(f"... and {bad - len(shown_)} more")
    return (
        f"{bad} of {total} profiles in {where} are invalid:\n"
        + indent("\n".join(shown_))
        + "\nFix those lines (`strategy-advisor schema` prints every field), then run again"
        " (or pass --keep-going to recommend the others and write a row for each bad line)."
    )


def read_input(arg: str, reader: ProfileReader, *, root: Path | None = None) -> ProfileInput:
    """Read FILE (``-``: standard input) whole: one JSON profile, or JSON Lines of many
    (every line checked; any invalid one raises, naming each). ``root`` confines FILE and
    every path its profiles name to that folder. For a portfolio too large to hold, use
    :func:`open_input` and :meth:`InputFile.entries`, which stream."""
    from .._portfolio import ProfileFailure

    if root is not None:
        reader.root = root
    source = open_input(arg, root=root, replayable=False)
    try:
        if not source.many:
            profile = reader.profile(source.data, source.where, source.base)
            return ProfileInput(source.where, (profile,), (1,), many=False)
        profiles, numbers, failures = [], [], []
        for number, item in source.entries(reader):
            numbers.append(number)
            if isinstance(item, ProfileFailure):
                failures.append(item)
            else:
                profiles.append(item)
    finally:
        source.close()
    if failures:
        raise DataFileError(invalid_lines(failures, len(failures), len(numbers), source.where))
    if not numbers:
        raise no_profiles(source.where)
    return ProfileInput(source.where, tuple(profiles), tuple(numbers), many=True)


def no_profiles(where: str) -> DataFileError:
    return DataFileError(
        f"{where} holds no profiles (it is empty, or every line is blank); expected one "
        "JSON object (a task profile) per line"
    )
