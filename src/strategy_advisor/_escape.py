"""Escaping per medium: the caller's strings made safe for terminal text, Markdown, CSV and
error messages.

A model name, a rule message, an unknown field name or a profile id is the caller's text,
and it reaches terminals, tickets and spreadsheets. Each medium gets one helper, and the
renderers call it on every such string (HTML is escaped by ``html.escape`` in the report):

- :func:`printable`: terminal text and error messages. Control characters (escape
  sequences that clear the screen or set a window title, carriage returns, newlines unless
  kept), Unicode line separators and bidirectional overrides are written as Python writes
  them in a ``repr`` (``\\x1b``, ``\\n``, ``\\u202e``), so nothing the caller wrote can
  move the cursor, start a line or reorder what a reader sees.
- :func:`markdown`: a table cell or a list item. :func:`printable` first (a newline would
  end the table and could start a heading), then HTML's ``& < >`` and Markdown's
  ``\\ | * _ ` [ ]``.
- :func:`csv_cell`: :func:`printable`, and a leading ``= + - @`` quoted with ``'`` so a
  spreadsheet does not read the cell as a formula.
- :func:`json_text`: JSON as written by pydantic, with the characters JSON allows raw but
  a terminal or a JavaScript parser would obey (DEL, C1 controls, line separators,
  bidirectional overrides) written as ``\\uXXXX`` escapes; it parses to the same value.
- :func:`shown`: a value quoted in an error message: its ``repr`` (escaped), cut at
  ``ECHO_CHARS`` with its full length stated.
"""

from __future__ import annotations

import html
import re

from ._limits import ECHO_CHARS

__all__ = ["csv_cell", "json_text", "markdown", "printable", "shown"]

# C0 and C1 controls and DEL; Unicode's line and paragraph separators; the bidirectional
# marks, embeddings, overrides and isolates (the "Trojan Source" characters).
_OTHERS = "\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_KEEP_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHERS}]")
_RAW_IN_JSON = re.compile(f"[{_OTHERS}]")  # JSON escapes C0 itself
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MARKDOWN = re.compile(r"([\\|*_`\[\]])")
_FORMULA_START = ("=", "+", "-", "@")


def _escaped(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``).

    ``newlines=True`` keeps ``\\n`` (for a message whose own lines are structure; the
    caller's strings inside it must then be escaped where they are inserted, by
    :func:`shown` or ``printable``).

    Examples
    --------
    >>> printable("gpt\\x1b]0;pwned\\x07\\nmini")
    'gpt\\\\x1b]0;pwned\\\\x07\\\\nmini'
    >>> printable("two\\nlines\\r", newlines=True)
    'two\\nlines\\\\r'
    """
    pattern = _UNSAFE_KEEP_NEWLINE if newlines else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escaped, text)


def markdown(text: str) -> str:
    """``text`` safe inside a Markdown table cell or list item: one line, no markup.

    Examples
    --------
    >>> markdown("a|b\\n# Approved by Security <b>")
    'a\\\\|b\\\\\\\\n# Approved by Security &lt;b&gt;'
    """
    out = _MARKDOWN.sub(r"\\\1", printable(text))
    return html.escape(out, quote=False)


def json_text(text: str) -> str:
    """JSON text with every character a terminal or a JavaScript parser would act on
    escaped as ``\\uXXXX`` (valid JSON: only strings can hold them).

    Examples
    --------
    >>> json_text('{"id": "a\u202eb"}')
    '{"id": "a\\\\u202eb"}'
    """
    if _RAW_IN_JSON.search(text) is None:
        return text
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_cell(text: str) -> str:
    """``text`` safe as a CSV cell: one line, and never read as a spreadsheet formula.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("gpt-5.4-mini")
    ('\\'=HYPERLINK("http://x")', 'gpt-5.4-mini')
    """
    out = printable(text)
    return "'" + out if out.startswith(_FORMULA_START) else out


def shown(value: object, limit: int = ECHO_CHARS) -> str:
    """``value`` quoted for an error message: its ``repr`` (control characters escaped),
    cut after ``limit`` characters with the full length stated.

    Examples
    --------
    >>> shown("gpt-9")
    "'gpt-9'"
    >>> shown("x" * 1000, limit=5)
    "'xxxxx'… (1,000 characters)"
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, bytes):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} bytes)"
    text = repr(value)
    if len(text) <= limit:
        return printable(text)
    return f"{printable(text[:limit])}… ({len(text):,} characters)"
