"""Token statistics stage: exact tiktoken counts, sampled estimates, or a byte-ratio estimate."""

from __future__ import annotations

import math
import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import count, islice
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import tiktoken
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._data import read_shipped_json, validate_data
from ._encodings import EncodingNotCachedError, load_encoding

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ChatOverhead",
    "EncodingLike",
    "TokenStats",
    "Tokenizer",
    "check_sample",
    "count_tokens",
    "progress_bar",
    "resolve_tokenizer",
    "sample_items",
    "skew_warning",
    "summarize_lengths",
    "tokenizer_data",
]

EncodingLike: TypeAlias = "str | os.PathLike[str] | Path | tiktoken.Encoding"
_T = TypeVar("_T")
_PROGRESS_MIN_TEXTS = 20_000  # below this, a bar would flash by
_CHUNK = 4_096  # texts per progress-bar update


# --------------------------------------------------------------------------- data file


class _Estimate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bytes_per_token: float = Field(..., gt=0)
    relative_error: float = Field(..., ge=0)
    source: str
    note: str


class ChatOverhead(BaseModel):
    """Tokens a chat API adds around messages (``data/tokenizers.json``, with its source)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tokens_per_message: int = Field(..., ge=0)
    tokens_per_name: int
    reply_priming: int = Field(..., ge=0)
    source: str
    note: str


class _TokenizerData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1]
    as_of: str
    default_encoding: str
    estimate: _Estimate
    chat_overhead: dict[str, ChatOverhead]

    @model_validator(mode="after")
    def _has_default(self) -> _TokenizerData:
        if "default" not in self.chat_overhead:
            raise ValueError("chat_overhead needs a 'default' entry")
        return self

    def overhead_for(self, encoding: str) -> ChatOverhead:
        """The chat overhead of the family using ``encoding`` (``default`` if not listed)."""
        return self.chat_overhead.get(encoding, self.chat_overhead["default"])


@cache
def tokenizer_data() -> _TokenizerData:
    """The shipped ``data/tokenizers.json``: estimate ratio and band, chat overheads."""
    raw = read_shipped_json("tokenizers.json")
    return validate_data(_TokenizerData, raw, "data/tokenizers.json")


# --------------------------------------------------------------------------- result


class TokenStats(BaseModel):
    """Token counts of a collection of texts, with how exact they are.

    Examples
    --------
    >>> stats = count_tokens(["four bytes!", "eight bytes here"], encoding="estimate")
    >>> (stats.total, stats.exact, stats.relative_error)
    (7.0, False, 0.25)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

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
            with bar:
                while chunk := list(islice(it, _CHUNK)):
                    out += self.lengths(chunk)
                    bar.update(len(chunk))
            return out
        except (TypeError, AttributeError) as exc:
            raise TypeError(
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
        reason = str(exc).splitlines()[0]
        note = f"{rule}, because {reason} (see docs/tokens.md, 'Offline setup')"
        return Tokenizer("estimate", None, est.bytes_per_token, est.relative_error, note)
    return Tokenizer(enc.name, enc, est.bytes_per_token, 0.0, None)


def progress_bar(progress: bool | None, total: int | None, *, unit: str) -> Any:
    """A tqdm.auto bar, or None: off, not installed, or (``None``) short or not a terminal."""
    if progress is False:
        return None
    if progress is None:
        stderr = sys.stderr
        long = total is not None and total >= _PROGRESS_MIN_TEXTS
        if not (long and stderr is not None and stderr.isatty()):
            return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # optional dependency: stay silent
        return None
    return tqdm(total=total, unit=unit, desc="counting tokens", leave=False)


# --------------------------------------------------------------------------- sampling


def sample_items(items: Iterable[_T], k: int, seed: int) -> tuple[list[_T], int]:
    """A seeded random sample of ``k`` items without replacement, and the number of items.

    Sequences are sampled by index; other iterables (streams) by reservoir sampling
    (Li's Algorithm L: one pass, only ``k`` items in memory, skips drawn geometrically).
    """
    rng = random.Random(seed)
    if isinstance(items, Sequence):
        n = len(items)
        if k >= n:
            return list(items), n
        return [items[i] for i in rng.sample(range(n), k)], n
    consumed = count()
    # zip pulls from ``items`` first, so ``consumed`` advances once per item actually read.
    stream = zip(items, consumed, strict=False)  # consumed is endless
    kept = [item for item, _ in islice(stream, k)]
    if len(kept) == k:
        w = math.exp(math.log(1.0 - rng.random()) / k)
        while 0.0 < w < 1.0:
            gap = math.log(1.0 - rng.random()) / math.log1p(-w)
            nxt = next(islice(stream, min(int(gap), sys.maxsize - 1), None), None)
            if nxt is None:
                break
            kept[rng.randrange(k)] = nxt[0]
            w *= math.exp(math.log(1.0 - rng.random()) / k)
        else:  # pragma: no cover - w underflowed: read the rest without keeping any
            for _ in stream:
                pass
    return kept, next(consumed)


def _t975(df: int) -> float:
    """Two-sided 95% quantile of Student's t (table below 10 df, Cornish-Fisher above).

    Written out to keep scipy's slow import off this path; within 1e-5 of scipy.
    """
    table = {
        1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451, 5: 2.5705818,
        6: 2.4469119, 7: 2.3646243, 8: 2.3060041, 9: 2.2621572,
    }  # fmt: skip
    if df in table:
        return table[df]
    z = 1.959963984540054
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def summarize_lengths(
    lengths: Sequence[int] | npt.NDArray[np.float64],
    n: int,
    tokenizer: Tokenizer,
    *,
    seed: int = 0,
    what: str = "texts",
) -> TokenStats:
    """Statistics of counted lengths; extrapolates with a 95% CI when ``len(lengths) < n``.

    The interval is ``N·(x̄ ± t·s/√k·√((N-k)/(N-1)))``: Student's t on the sample mean with
    the finite-population correction, as for simple random sampling without replacement.
    """
    x = np.asarray(lengths, dtype=np.float64)
    k = int(x.size)
    if k == 0:
        note = _join(tokenizer.note, f"no {what} to count")
        return TokenStats(
            n=n, n_counted=0, total=0.0, mean=0.0, p50=0.0, p95=0.0, max=0.0,
            exact=tokenizer.exact, total_ci95=None, encoding=tokenizer.name,
            relative_error=tokenizer.relative_error, note=note,
        )  # fmt: skip
    mean = float(x.mean())
    p50, p95 = (float(v) for v in np.percentile(x, [50, 95]))
    counted = float(x.sum())
    if k >= n:
        total, ci, rel, note = counted, None, tokenizer.relative_error, tokenizer.note
    else:
        sd = float(x.std(ddof=1)) if k > 1 else 0.0
        half = _t975(max(k - 1, 1)) * sd / math.sqrt(k) * math.sqrt((n - k) / (n - 1))
        total = n * mean
        ci = (max(n * (mean - half), counted), n * (mean + half))
        rel = max(tokenizer.relative_error, half / mean if mean > 0 else 0.0)
        note = _join(
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


def skew_warning(x: npt.NDArray[np.float64], what: str = "lengths") -> str | None:
    """A warning when a sample is too small for its skewness (else None).

    Cochran's rule: the t interval covers about 95% once k > 25·skewness².
    """
    sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
    if sd == 0:
        return None
    skew = float(np.mean((x - x.mean()) ** 3)) / sd**3
    needed = math.ceil(25 * skew**2)
    if x.size >= needed:
        return None
    return (
        f"{what} are skewed (skewness {skew:.1f}): with fewer than {needed:,} sampled "
        "(Cochran's rule, 25·skewness²) the interval may cover less than 95%"
    )


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


def check_sample(sample: object) -> None:
    """Validate the ``sample`` argument (``None`` or an int >= 2)."""
    if sample is None:
        return
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 2:
        raise ValueError(
            f"sample must be None (count everything) or an int >= 2 (texts to sample); "
            f"got {sample!r}"
        )


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
        raise TypeError(
            f"texts must be an iterable of strings, got a single {type(texts).__name__}; "
            "wrap it in a list: count_tokens([text])"
        )
    check_sample(sample)
    tokenizer = resolve_tokenizer(encoding, allow_estimate=allow_estimate)
    if sample is None:
        total = len(texts) if isinstance(texts, Sequence) else None
        lengths = tokenizer.count(texts, total=total, progress=progress)
        return summarize_lengths(lengths, len(lengths), tokenizer, seed=seed)
    picked, n = sample_items(texts, sample, seed)
    lengths = tokenizer.count(picked, total=len(picked), progress=progress)
    return summarize_lengths(lengths, n, tokenizer, seed=seed)
