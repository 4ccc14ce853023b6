"""Token statistics stage: exact tiktoken counts, sampled estimates, or a byte-ratio estimate."""

from __future__ import annotations

import math
import os
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
from .encodings import EncodingNotCachedError, load_encoding
from .sampling import extrapolate_total, sample_items, skew_warning

if TYPE_CHECKING:
    from pathlib import Path

    import numpy.typing as npt
    import tiktoken

__all__ = [
    "COUNTING_CONSTRAINTS",
    "ChatOverhead",
    "EncodingLike",
    "TokenStats",
    "Tokenizer",
    "count_tokens",
    "join_notes",
    "progress_bar",
    "resolve_tokenizer",
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


class _Estimate(BaseModel):
    model_config = STRICT_DATA

    bytes_per_token: float = Field(..., gt=0)
    relative_error: float = Field(..., ge=0)
    source: str
    note: str


class ChatOverhead(BaseModel):
    """Tokens a chat API adds around messages (``data/tokenizers.json``, with its source)."""

    model_config = STRICT_DATA

    tokens_per_message: int = Field(..., ge=0)
    tokens_per_name: int
    reply_priming: int = Field(..., ge=0)
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

    schema_version: Literal[2]
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
    bytes_per_token: float
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
        per = self.bytes_per_token
        return [math.ceil(len(t.encode("utf-8", "surrogatepass")) / per) for t in texts]

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
    rule = (
        f"tokens estimated as UTF-8 bytes / {est.bytes_per_token:g}, rounded up "
        f"(±{est.relative_error:.0%}; {est.source})"
    )
    if isinstance(encoding, str) and encoding == "estimate":
        return Tokenizer("estimate", None, est.bytes_per_token, est.relative_error, rule)
    try:
        enc = load_encoding(encoding)
    except EncodingNotCachedError as exc:
        if not allow_estimate:
            raise
        how = "see docs/tokens.md, 'Offline setup'"
        if "install_extra" in exc.fixes:
            how = f"for exact counts, pip install 'strategy_advisor[tokenizers]'; {how}"
        note = f"{rule}, because {exc.problem} ({how})"
        return Tokenizer("estimate", None, est.bytes_per_token, est.relative_error, note)
    return Tokenizer(enc.name, enc, est.bytes_per_token, 0.0, None)


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
    (10000.0, 10000.0)
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
