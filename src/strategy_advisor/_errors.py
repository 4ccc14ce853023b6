"""Errors: one family, every member a ``ValueError`` that says what, expected, got and fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AdvisorError",
    "CatalogError",
    "DataFileError",
    "ImplausibleValueWarning",
    "ParameterError",
    "ProfileError",
    "RuleError",
    "TokenizerError",
    "closest_names",
    "did_you_mean",
]


class AdvisorError(ValueError):
    """Base class of every error a user can cause: bad input, a malformed file, a bad name.

    Messages name what is wrong, what was expected, what was received and how to fix it.
    pydantic's ``ValidationError`` (raised when a profile or spec is invalid) is not wrapped.
    """


class CatalogError(AdvisorError):
    """An unknown model name, or a catalog entry that cannot be used."""


class DataFileError(AdvisorError):
    """A shipped or user-supplied data file is malformed (names the file and the key)."""


class RuleError(AdvisorError):
    """A rule definition is malformed, or refers to an input that does not exist."""


class ParameterError(AdvisorError, TypeError):
    """A function was called with a parameter of the wrong type or out of its range."""


class ProfileError(AdvisorError):
    """One profile of a batch is invalid: names its position (``index``) and every field."""

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(message)
        self.index = index


class ImplausibleValueWarning(UserWarning):
    """A valid value that looks like a unit slip (``latency_budget_ms=1.5``: seconds?).

    The message names the field, the threshold and why it is implausible, and the likely
    mistake with the value it would then be; the value itself is used as given. Silence
    it with ``warnings.filterwarnings("ignore", category=ImplausibleValueWarning)``.
    """


class TokenizerError(AdvisorError, RuntimeError):
    """A tokenizer encoding cannot be loaded (for example offline, with no cached file)."""


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` known names closest to ``name`` (case-insensitive).

    Examples
    --------
    >>> closest_names("n_labelled_examples", ["n_labeled_examples", "n_classes"])
    ['n_labeled_examples']
    """
    known_list = list(known)
    lowered = {k.lower(): k for k in known_list}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    if not hits:
        hits = [k for k in lowered if name.lower() in k or k in name.lower()][:n]
    return [lowered[h] for h in hits]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest known names, or an empty string.

    Examples
    --------
    >>> did_you_mean("hosting", ["hosting_usd_per_hour", "min_examples"])
    " Did you mean 'hosting_usd_per_hour'?"
    """
    hits = closest_names(name, known)
    return f" Did you mean {', '.join(repr(h) for h in hits)}?" if hits else ""
