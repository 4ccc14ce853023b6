"""Command line: a profile file (JSON, or JSON Lines of many) in; text, JSON, Markdown, HTML
or CSV out.

``strategy-advisor tokenizer fetch NAME`` is the one command that reaches the network.
Exit codes: 0 success; 2 invalid input (the message names the field and the fix, never a
traceback); 1 an internal error (a short message asking for a report; the traceback with
``--debug`` or ``STRATEGY_ADVISOR_DEBUG=1``). A closed pipe (``| head``) ends quietly.

The modules: ``parser`` (options and their examples), ``files`` (profile files and their
schema), ``running`` (``recommend`` and ``explain``, one profile or a portfolio),
``text`` (the portfolio table and the explanation), ``listings`` (``catalog``, ``rules``,
``schema``, ``tokenizer``), ``wording`` (errors in the command line's own terms).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from pydantic import ValidationError

from .._datafiles import describe_validation_error
from .._errors import AdvisorError, ImplausibleValueWarning
from .._escape import printable, shown
from . import listings, running
from .files import TokenCounting, profile_file_schema
from .parser import DEBUG_ENV, build_parser
from .wording import describe, indent

__all__ = ["TokenCounting", "main", "profile_file_schema"]

_SCHEMA_HINT = "\n`strategy-advisor schema` prints every field of a profile."
_SHOW_WARNING = warnings.showwarning
#: Longest line of an error message printed whole (messages cut what they quote well
#: before this; a line this long can only be input no message meant to echo).
_LONGEST_LINE = 2000


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``strategy-advisor`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            # a value that looks like a unit slip: said once, in the command's own words
            warnings.simplefilter("default", ImplausibleValueWarning)
            warnings.showwarning = _show_warning
            return _run(args)
    except BrokenPipeError:  # e.g. `strategy-advisor catalog | head`: stop quietly
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print("strategy-advisor: interrupted", file=sys.stderr)
        return 130


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if issubclass(category, ImplausibleValueWarning):
        print(f"strategy-advisor: warning: {message}", file=sys.stderr)
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's capture): nothing to do
        pass


def _run(args: argparse.Namespace) -> int:
    from .._profile import TaskProfile

    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "recommend": running.recommend,
        "explain": running.explain,
        "catalog": listings.catalog,
        "tokenizer": listings.tokenizer,
        "rules": listings.rules,
        "schema": listings.schema,
    }
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        raise
    except ValidationError as exc:
        where = f" in {printable(args.profile)}" if getattr(args, "profile", None) else ""
        _error(
            f"invalid task profile{where}:\n"
            + indent(describe_validation_error(exc, TaskProfile))
            + _SCHEMA_HINT
        )
        return 2
    except AdvisorError as exc:
        _error(describe(exc, args.command))
        return 2
    except Exception as exc:
        debug = getattr(args, "debug", False) or os.environ.get(DEBUG_ENV, "") not in ("", "0")
        if debug:
            traceback.print_exc()
        _error(
            f"internal error ({type(exc).__name__}: {shown(str(exc))[1:-1]}). This is a bug: "
            "please report it, with the command you ran (and its input, if you can share it)."
            + ("" if debug else f" Run again with --debug (or {DEBUG_ENV}=1) for the traceback.")
        )
        return 1


def _error(message: str) -> None:
    """An error on stderr: the message's own lines kept, any control character the caller's
    input put in it escaped, and no line longer than ``_LONGEST_LINE`` (a safety net: each
    message quotes input through ``shown``, which already cuts it)."""
    lines = [
        line
        if len(line) <= _LONGEST_LINE
        else f"{line[:_LONGEST_LINE]}… ({len(line):,} characters)"
        for line in printable(message, newlines=True).split("\n")
    ]
    print("strategy-advisor: " + "\n".join(lines), file=sys.stderr)
