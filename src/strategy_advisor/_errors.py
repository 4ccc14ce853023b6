"""Errors: one hierarchy, each subclassing the builtin a caller would expect."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AdvisorError",
    "CatalogError",
    "DataFileError",
    "RuleError",
    "TokenizerError",
    "closest_names",
]


class AdvisorError(Exception):
    """Base class of every error this library raises on purpose."""


class CatalogError(AdvisorError, ValueError):
    """An unknown model name, or a catalog entry that cannot be used."""


class DataFileError(AdvisorError, ValueError):
    """A shipped or user-supplied data file is malformed (names the file and the key)."""


class RuleError(AdvisorError, ValueError):
    """A rule definition is malformed, or refers to a feature that does not exist."""


class TokenizerError(AdvisorError, RuntimeError):
    """A tokenizer encoding cannot be loaded (for example offline, with no cached file)."""


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` known names closest to ``name`` (case-insensitive)."""
    known_list = list(known)
    lowered = {k.lower(): k for k in known_list}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    if not hits:
        hits = [k for k in lowered if name.lower() in k or k in name.lower()][:n]
    return [lowered[h] for h in hits]
