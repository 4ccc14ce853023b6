"""Errors in the command line's own terms: its options and profile keys, not Python's."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._errors import AdvisorError
    from .._tokens.encoding_errors import EncodingNotCachedError

__all__ = ["cli_wording", "describe", "estimate_notice", "in_cli_terms", "indent"]

#: Python terms in library messages, and the command line's own for the same thing.
_PYTHON_TERMS = (
    (
        "Known models: strategy_advisor.default_catalog().names",
        "`strategy-advisor catalog` lists them",
    ),
)


def cli_wording(command: str) -> dict[str, str]:
    """How an :class:`EncodingError` is worded here: this command's options, not Python's."""
    from .._tokens.encoding_errors import NEUTRAL_WORDING

    wording = {
        **NEUTRAL_WORDING,
        "lead": "Fix it in one of these ways:",
        "see": (
            "`strategy-advisor tokenizer status` shows what is available offline; see "
            "docs/tokens.md, 'Offline setup'."
        ),
        "fetch": (
            "on a machine with internet, run `strategy-advisor tokenizer fetch {name}`: it "
            "downloads the file once into tiktoken's cache (copy that folder to offline "
            "machines and set TIKTOKEN_CACHE_DIR to it there)"
        ),
        "pass_file": (
            'give the downloaded file in the profile: "token_counting": '
            '{{"encoding": "/path/to/{name}.tiktoken"}}'
        ),
        "estimate": (
            "estimate tokens from UTF-8 bytes (marked as estimates, with a stated error "
            'band): pass --allow-estimate, or set "token_counting": {{"allow_estimate": '
            "true}} in the profile"
        ),
        "expected": (
            'expected one of {known}, a path to a .tiktoken file, or "estimate" (the '
            'profile\'s "token_counting": {{"encoding": ...}})'
        ),
        "encoding_object": (
            "the command line takes encoding names and .tiktoken files only: count with "
            "another encoding, or build the tiktoken.Encoding in Python and pass it to "
            "strategy_advisor there"
        ),
    }
    if command == "tokenizer":
        wording["expected"] = "expected one of {known}"
    return wording


def describe(exc: AdvisorError, command: str) -> str:
    """The error's message, with a tokenizer error's fixes in this command's own terms."""
    from .._tokens.encoding_errors import EncodingError

    if isinstance(exc, EncodingError):
        return exc.reworded(cli_wording(command))
    return in_cli_terms(str(exc))


def in_cli_terms(text: str) -> str:
    """A library message with its Python terms in the command line's own."""
    for python, ours in _PYTHON_TERMS:
        text = text.replace(python, ours)
    return text


def estimate_notice(exc: EncodingNotCachedError) -> str:
    """What stderr says when counts fall back to estimates: why, and how to count exactly."""
    wording = cli_wording("recommend")
    ways = [wording[k].format(**exc.facts) for k in ("install_extra", "fetch") if k in exc.fixes]
    lines = [f"strategy-advisor: token counts are estimates: {exc.problem}."]
    lines += [f"  {'For exact counts,' if i == 0 else 'Or'} {way}." for i, way in enumerate(ways)]
    lines.append("  `strategy-advisor tokenizer status` shows what is available offline.")
    return "\n".join(lines)


def indent(text: str) -> str:
    """Every line of ``text`` indented by two spaces."""
    return "\n".join(f"  {line}" for line in text.splitlines())
