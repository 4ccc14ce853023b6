"""Token statistics stage: exact tiktoken counts, sampled estimates, or a byte-ratio estimate."""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from numbers import Integral
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
from pydantic import BaseModel, Field, model_validator

from .._constraints import Constraint, Interval, NoneOk, Options, check_params
from .._datafiles import shipped
from .._errors import ParameterError
from .._types import RESULT, STRICT_DATA
from .encoding_errors import EncodingNotCachedError
from .encodings import load_encoding
from .sampling import extrapolate_total, sample_items, skew_warning

if TYPE_CHECKING:
    from pathlib import Path

    import numpy.typing as npt
    import tiktoken

__all__ = [
    "COUNTING_CONSTRAINTS",
    "SCRIPT_CLASSES",
    "ChatOverhead",
    "EncodingLike",
    "ScriptRatios",
    "TokenStats",
    "Tokenizer",
    "ToolOverhead",
    "count_tokens",
    "join_notes",
    "progress_bar",
    "resolve_tokenizer",
    "script_bytes",
    "summarize_lengths",
    "tokenizer_data",
]

EncodingLike: TypeAlias = "str | os.PathLike[str] | Path | tiktoken.Encoding"

#: Checks shared by every function that counts tokens (count_tokens, profile_from_examples).
COUNTING_CONSTRAINTS: Mapping[str, list[Constraint]] = {
    "sample": [NoneOk(), Interval(Integral, 2, None)],
    "seed": [Interval(Integral, None, None)],
    "allow_estimate": [Options((True, False))],
    "progress": [NoneOk(), Options((True, False))],
}


# --------------------------------------------------------------------------- data file


#: The script classes of the byte estimate: each character's UTF-8 bytes count toward one
#: class, and each class has its own bytes per token (``data/tokenizers.json``). ASCII
#: symbols are digits and punctuation (what makes code and JSON dearer than prose); CJK
#: covers Hangul Jamo, the CJK blocks from radicals to Yi, Hangul syllables, compatibility
#: ideographs and forms, full-width forms and the supplementary ideographs; emoji covers the
#: symbol and pictograph blocks with their joiners, selectors and tags; "other" is every
#: other non-ASCII character (accented Latin, Cyrillic, Greek, Arabic, Hebrew, Indic, ...).
SCRIPT_CLASSES = ("ascii_text", "ascii_symbols", "cjk", "emoji", "other")
_SYMBOLS = re.compile(r"[!-/0-9:-@\[-`{-~]+")
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\ua4cf\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]+"
)
_EMOJI = re.compile(
    "[\u200d\u20e3\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2900-\u2bff\ufe0f"
    "\U0001f000-\U0001faff\U000e0020-\U000e007f]+"
)


def script_bytes(text: str) -> tuple[int, int, int, int, int]:
    """UTF-8 bytes of ``text`` per script class, in :data:`SCRIPT_CLASSES` order.

    >>> script_bytes('{"a": 1} déjà 東京 🙂')
    (7, 6, 6, 4, 4)
    """
    n_ascii = len(text.encode("ascii", "ignore"))
    symbols = sum(map(len, _SYMBOLS.findall(text)))
    if n_ascii == len(text):
        return n_ascii - symbols, symbols, 0, 0, 0
    total = len(text.encode("utf-8", "surrogatepass"))
    cjk = sum(len(m.encode("utf-8", "surrogatepass")) for m in _CJK.findall(text))
    emoji = sum(len(m.encode("utf-8", "surrogatepass")) for m in _EMOJI.findall(text))
    return n_ascii - symbols, symbols, cjk, emoji, total - n_ascii - cjk - emoji


class ScriptRatios(BaseModel):
    """UTF-8 bytes per token of each script class, for one encoding."""

    model_config = STRICT_DATA

    ascii_text: float = Field(..., gt=0, description="ASCII letters, spaces, line breaks.")
    ascii_symbols: float = Field(..., gt=0, description="ASCII digits and punctuation.")
    cjk: float = Field(..., gt=0, description="Chinese, Japanese and Korean characters.")
    emoji: float = Field(..., gt=0, description="Emoji, pictographs and their joiners.")
    other: float = Field(..., gt=0, description="Every other non-ASCII character.")

    def tokens(self, text: str) -> int:
        """The estimate for one text: its bytes over each class's ratio, summed, rounded up."""
        parts = script_bytes(text)
        ratios = (self.ascii_text, self.ascii_symbols, self.cjk, self.emoji, self.other)
        return math.ceil(sum(b / r for b, r in zip(parts, ratios, strict=True)) - 1e-9)

    def describe(self) -> str:
        """``ASCII text 4.69, symbols 1.79, CJK 3.92, emoji 2.08, other 5.42 bytes/token``."""
        return (
            f"ASCII text {self.ascii_text:g}, ASCII symbols {self.ascii_symbols:g}, CJK "
            f"{self.cjk:g}, emoji {self.emoji:g}, other scripts {self.other:g} bytes/token"
        )


class _Estimate(BaseModel):
    model_config = STRICT_DATA

    relative_error: float = Field(..., ge=0)
    default_encoding: str
    ratios: dict[str, ScriptRatios]
    measured: dict[str, Any] = Field(
        ..., description="The corpus, the method and the error per class, before and after."
    )
    source: str
    note: str

    @model_validator(mode="after")
    def _has_default(self) -> _Estimate:
        if self.default_encoding not in self.ratios:
            raise ValueError(f"ratios needs an entry for {self.default_encoding!r}")
        return self

    def ratios_for(self, encoding: str | None) -> tuple[str, ScriptRatios]:
        """(the encoding whose ratios are used, its ratios): its own, else the default's."""
        name = encoding if encoding in self.ratios else self.default_encoding
        return name, self.ratios[name]

    @property
    def bytes_per_token(self) -> float:
        """English prose's ratio (ASCII text) of the default encoding."""
        return self.ratios[self.default_encoding].ascii_text


class ToolOverhead(BaseModel):
    """Tokens around tool (function) definitions (the cookbook's ``num_tokens_for_tools``)."""

    model_config = STRICT_DATA

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int
    source: str


class ChatOverhead(BaseModel):
    """Tokens a chat API adds around messages (``data/tokenizers.json``, with its source)."""

    model_config = STRICT_DATA

    tokens_per_message: int = Field(..., ge=0)
    tokens_per_name: int
    reply_priming: int = Field(..., ge=0)
    tools: ToolOverhead
    source: str
    note: str


class _Counting(BaseModel):
    model_config = STRICT_DATA

    progress_min_texts: int = Field(..., ge=0, description="Shorter counts show no bar.")
    progress_chunk_texts: int = Field(..., ge=1, description="Texts per bar update.")
    examples_chunk: int = Field(..., ge=1, description="Examples measured per batch.")
    source: str


class _TokenizerData(BaseModel):
    model_config = STRICT_DATA

    schema_version: Literal[3]
    as_of: str
    default_encoding: str
    estimate: _Estimate
    counting: _Counting
    chat_overhead: dict[str, ChatOverhead]

    @model_validator(mode="after")
    def _has_default(self) -> _TokenizerData:
        if "default" not in self.chat_overhead:
            raise ValueError("chat_overhead needs a 'default' entry")
        return self

    def overhead_for(self, encoding: str) -> ChatOverhead:
        """The chat overhead of the family using ``encoding`` (``default`` if not listed)."""
        return self.chat_overhead.get(encoding, self.chat_overhead["default"])


tokenizer_data = shipped(_TokenizerData, "tokenizers.json")


# --------------------------------------------------------------------------- result


class TokenStats(BaseModel):
    """Token counts of a collection of texts, with how exact they are.

    Examples
    --------
    >>> stats = count_tokens(["four bytes!", "eight bytes here"], encoding="estimate")
    >>> (stats.total, stats.exact, stats.relative_error)
    (7.0, False, 0.25)
    """

    model_config = RESULT

    n: int = Field(..., ge=0, description="Texts in the source.")
    n_counted: int = Field(..., ge=0, description="Texts actually tokenized (< n when sampled).")
    total: float = Field(..., ge=0, description="Total tokens (extrapolated when sampled).")
    mean: float = Field(..., ge=0, description="Mean tokens per text.")
    p50: float = Field(..., ge=0, description="Median tokens per text (of the counted texts).")
    p95: float = Field(..., ge=0, description="95th percentile (of the counted texts).")
    max: float = Field(..., ge=0, description="Longest counted text.")
    exact: bool = Field(..., description="True when every text was tokenized with `encoding`.")
    total_ci95: tuple[float, float] | None = Field(
        None, description="95% confidence interval of `total` when sampled, else None."
    )
    encoding: str = Field(..., description="Encoding name, or 'estimate' for the byte ratio.")
    relative_error: float = Field(
        ..., ge=0, description="Stated relative error band of `total` and `mean` (0 if exact)."
    )
    note: str | None = Field(None, description="How the figures were obtained, if not exact.")

    def __str__(self) -> str:
        how = "exact" if self.exact else f"±{self.relative_error:.1%}"
        return (
            f"{self.n:,} texts, {self.total:,.0f} tokens ({self.encoding}, {how}); "
            f"mean {self.mean:,.1f}, p95 {self.p95:,.0f}, max {self.max:,.0f}"
        )


# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class Tokenizer:
    """Turns texts into token counts: a tiktoken encoding, or the byte-ratio estimate."""

    name: str
    encoding: tiktoken.Encoding | None
    ratios: ScriptRatios
    relative_error: float
    note: str | None

    @property
    def exact(self) -> bool:
        """True when counts come from a real encoding."""
        return self.encoding is not None

    def lengths(self, texts: Iterable[str]) -> list[int]:
        """Tokens of each text; special-token text counts as plain text."""
        if self.encoding is not None:
            return list(map(len, map(self.encoding.encode_ordinary, texts)))
        return list(map(self.ratios.tokens, texts))

    def count(self, texts: Iterable[str], *, total: int | None, progress: bool | None) -> list[int]:
        """:meth:`lengths`, with a progress bar when asked for (or long, on a terminal)."""
        try:
            bar = progress_bar(progress, total, unit="text")
            if bar is None:
                return self.lengths(texts)
            out: list[int] = []
            it = iter(texts)
            chunk_size = tokenizer_data().counting.progress_chunk_texts
            with bar:
                while chunk := list(islice(it, chunk_size)):
                    out += self.lengths(chunk)
                    bar.update(len(chunk))
            return out
        except (TypeError, AttributeError) as exc:
            raise ParameterError(
                f"every text must be a str; counting failed with {type(exc).__name__}: {exc}"
            ) from exc


def resolve_tokenizer(encoding: EncodingLike, *, allow_estimate: bool = False) -> Tokenizer:
    """Load ``encoding`` offline, or fall back to the byte-ratio estimate if allowed.

    ``encoding="estimate"`` asks for the estimate directly. Only a missing cached file falls
    back; an unknown encoding name still raises :class:`TokenizerError`.
    """
    est = tokenizer_data().estimate
    wanted = encoding if isinstance(encoding, str) and encoding != "estimate" else None
    based_on, ratios = est.ratios_for(wanted)
    rule = (
        f"tokens estimated from UTF-8 bytes per script ({ratios.describe()}, measured for "
        f"{based_on}), rounded up (±{est.relative_error:.0%}; {est.source})"
    )
    if isinstance(encoding, str) and encoding == "estimate":
        return Tokenizer("estimate", None, ratios, est.relative_error, rule)
    try:
        enc = load_encoding(encoding)
    except EncodingNotCachedError as exc:
        if not allow_estimate:
            raise
        how = "see docs/tokens.md, 'Offline setup'"
        if "install_extra" in exc.fixes:
            how = f"for exact counts, pip install 'strategy_advisor[tokenizers]'; {how}"
        note = f"{rule}, because {exc.problem} ({how})"
        return Tokenizer("estimate", None, ratios, est.relative_error, note)
    return Tokenizer(enc.name, enc, ratios, 0.0, None)


def progress_bar(
    progress: bool | None, total: int | None, *, unit: str, desc: str = "counting tokens"
) -> Any:
    """A tqdm.auto bar, or None: off, not installed, or (``None``) short or not a terminal."""
    if progress is False:
        return None
    if progress is None:
        stderr = sys.stderr
        long = total is not None and total >= tokenizer_data().counting.progress_min_texts
        if not (long and stderr is not None and stderr.isatty()):
            return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # optional dependency: stay silent
        return None
    return tqdm(total=total, unit=unit, desc=desc, leave=False)


# --------------------------------------------------------------------------- summary


def summarize_lengths(
    lengths: Sequence[int] | npt.NDArray[np.float64],
    n: int,
    tokenizer: Tokenizer,
    *,
    seed: int = 0,
    what: str = "texts",
) -> TokenStats:
    """Statistics of counted lengths; extrapolates with a 95% CI when ``len(lengths) < n``.

    The interval is :func:`~strategy_advisor._tokens.sampling.extrapolate_total`'s.
    """
    x = np.asarray(lengths, dtype=np.float64)
    k = int(x.size)
    if k == 0:
        note = join_notes(tokenizer.note, f"no {what} to count")
        return TokenStats(
            n=n, n_counted=0, total=0.0, mean=0.0, p50=0.0, p95=0.0, max=0.0,
            exact=tokenizer.exact, total_ci95=None, encoding=tokenizer.name,
            relative_error=tokenizer.relative_error, note=note,
        )  # fmt: skip
    mean = float(x.mean())
    p50, p95 = (float(v) for v in np.percentile(x, [50, 95]))
    if k >= n:
        total, ci, rel, note = float(x.sum()), None, tokenizer.relative_error, tokenizer.note
    else:
        total, ci, half = extrapolate_total(x, n)
        rel = max(tokenizer.relative_error, half / mean if mean > 0 else 0.0)
        note = join_notes(
            tokenizer.note,
            f"total extrapolated from a random sample of {k:,} of {n:,} {what} (seed {seed}), "
            "95% CI by Student's t with finite-population correction; "
            "p50, p95 and max are the sample's",
            skew_warning(x),
        )
    return TokenStats(
        n=n, n_counted=k, total=total, mean=mean, p50=p50, p95=p95, max=float(x.max()),
        exact=tokenizer.exact and k >= n, total_ci95=ci, encoding=tokenizer.name,
        relative_error=rel, note=note,
    )  # fmt: skip


def join_notes(*parts: str | None) -> str | None:
    """The given notes joined with "; ", or None when there are none."""
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


# --------------------------------------------------------------------------- façade


def count_tokens(
    texts: Iterable[str],
    *,
    encoding: EncodingLike = "o200k_base",
    sample: int | None = None,
    seed: int = 0,
    allow_estimate: bool = False,
    progress: bool | None = None,
) -> TokenStats:
    """Count the tokens of ``texts`` exactly, or estimate them from a random sample.

    Parameters
    ----------
    texts : iterable of str
        A list, tuple or any stream of texts; streams are read once, in constant memory.
    encoding : str, path or tiktoken.Encoding, default "o200k_base"
        A tiktoken encoding name (loaded from tiktoken's cache, never downloaded), a path to
        a ``.tiktoken`` file, an ``Encoding`` object, or ``"estimate"`` for the byte ratio.
    sample : int, optional
        Tokenize a seeded random sample of this many texts and extrapolate the total with a
        95% confidence interval. ``None`` counts every text.
    seed : int, default 0
        Seed of the sample; same inputs and seed give the same result.
    allow_estimate : bool, default False
        When the encoding is not cached, estimate from UTF-8 bytes (stated ±25%) instead of
        raising :class:`TokenizerError`.
    progress : bool, optional
        Show a tqdm bar (if tqdm is installed). ``None``: only for long counts on a terminal.

    Returns
    -------
    TokenStats
        ``exact`` is True only when every text was tokenized. Counts equal
        ``len(encoding.encode_ordinary(text))``: special-token text counts as plain text.

    Raises
    ------
    TokenizerError
        The encoding is unknown, or not cached and ``allow_estimate`` is False; the message
        says how to make it available offline.

    Examples
    --------
    >>> count_tokens(["a", "bb", "ccccc"], encoding="estimate").total
    4.0
    >>> count_tokens(["x" * 40] * 1000, encoding="estimate", sample=50).total_ci95
    (9000.0, 9000.0)
    """
    if isinstance(texts, (str, bytes)):
        raise ParameterError(
            f"The 'texts' parameter of count_tokens must be an iterable of strings. Got a "
            f"single {type(texts).__name__} instead; wrap it in a list: count_tokens([text])."
        )
    check_params(
        "count_tokens",
        {"sample": sample, "seed": seed, "allow_estimate": allow_estimate, "progress": progress},
        COUNTING_CONSTRAINTS,
    )
    tokenizer = resolve_tokenizer(encoding, allow_estimate=allow_estimate)
    if sample is None:
        total = len(texts) if isinstance(texts, Sequence) else None
        lengths = tokenizer.count(texts, total=total, progress=progress)
        return summarize_lengths(lengths, len(lengths), tokenizer, seed=seed)
    picked, n = sample_items(texts, sample, seed)
    lengths = tokenizer.count(picked, total=len(picked), progress=progress)
    return summarize_lengths(lengths, n, tokenizer, seed=seed)
