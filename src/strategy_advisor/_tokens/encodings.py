"""Token statistics stage: tiktoken encodings loaded offline, never downloaded.

tiktoken downloads an encoding's ``.tiktoken`` file on first use and caches it under
``TIKTOKEN_CACHE_DIR`` (or ``DATA_GYM_CACHE_DIR``, or ``<tmp>/data-gym-cache``) as
``sha1(url)``. Offline, that download hangs or fails with a raw network error
(openai/tiktoken#232, #317, #390, #513). Here the URL, hash, split pattern and special
tokens are read from tiktoken's own encoding constructors, which are run with their file
loader swapped for a recorder, so nothing is fetched; the file is then read from the cache,
checked against its published sha256, or a clear :class:`TokenizerError` says how to seed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import sys
import tempfile
import threading
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TokenizerError, closest_names

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "EncodingNotCachedError",
    "cache_path",
    "encoding_class",
    "encoding_recipe",
    "load_encoding",
]


def _tiktoken() -> Any:
    """tiktoken, imported on first use: only counting tokens needs it, not a recommendation."""
    import tiktoken
    import tiktoken.model
    import tiktoken.registry

    return tiktoken


def encoding_class() -> type[tiktoken.Encoding]:
    """``tiktoken.Encoding`` (imports tiktoken)."""
    cls: type[tiktoken.Encoding] = _tiktoken().Encoding
    return cls


class EncodingNotCachedError(TokenizerError):
    """The encoding's file is not in tiktoken's cache (the offline case)."""


@dataclass(frozen=True)
class EncodingRecipe:
    """How tiktoken builds a named encoding: its file, and everything besides the ranks."""

    name: str
    url: str
    sha256: str | None
    pat_str: str
    special_tokens: Mapping[str, int]
    explicit_n_vocab: int | None


class _RefusedError(Exception):
    pass


def _probe(name: str, constructor: Any) -> EncodingRecipe | str:
    """Run a tiktoken constructor with its file loaders recording instead of downloading.

    Returns the recipe, or a reason the encoding cannot be loaded offline by name.
    """
    if not isinstance(constructor, types.FunctionType):
        return "its tiktoken constructor is not a plain function"
    module = sys.modules.get(constructor.__module__)
    if module is None:  # pragma: no cover - a constructor always has its module loaded
        return "its tiktoken plugin module is not loaded"
    blobs: list[tuple[str, str | None]] = []

    def record(path: str, expected_hash: str | None = None) -> dict[bytes, int]:
        blobs.append((path, expected_hash))
        return {}

    def refuse(*args: object, **kwargs: object) -> dict[bytes, int]:
        raise _RefusedError("it is stored in the GPT-2 data-gym format")

    env: dict[str, Any] = dict(vars(module))
    env["load_tiktoken_bpe"] = record
    env["data_gym_to_mergeable_bpe_ranks"] = refuse
    for key, value in list(env.items()):  # constructors calling constructors use the copies
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            env[key] = _rebind(value, env)
    try:
        params = _rebind(constructor, env)()
    except _RefusedError as exc:
        return str(exc)
    except Exception as exc:  # a plugin we cannot read without running it for real
        return f"its constructor could not be inspected ({type(exc).__name__}: {exc})"
    if len(blobs) != 1:
        return f"its constructor reads {len(blobs)} files, not one .tiktoken file"
    url, sha = blobs[0]
    return EncodingRecipe(
        name=str(params.get("name", name)),
        url=url,
        sha256=sha,
        pat_str=str(params["pat_str"]),
        special_tokens=dict(params["special_tokens"]),
        explicit_n_vocab=params.get("explicit_n_vocab"),
    )


def _rebind(fn: types.FunctionType, env: dict[str, Any]) -> types.FunctionType:
    copy = types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


@cache
def _recipes() -> Mapping[str, EncodingRecipe | str]:
    registry = _tiktoken().registry
    names = registry.list_encoding_names()
    constructors = registry.ENCODING_CONSTRUCTORS or {}
    return {name: _probe(name, constructors.get(name)) for name in names}


def encoding_recipe(name: str) -> EncodingRecipe:
    """The recipe of a named tiktoken encoding, read from tiktoken without downloading."""
    recipe = _recipes().get(name)
    if recipe is None:
        raise _unknown(name)
    if isinstance(recipe, str):
        raise TokenizerError(
            f"tiktoken encoding {name!r} cannot be loaded offline by name: {recipe}. "
            f"Build it with tiktoken and pass the Encoding object as encoding=."
        )
    return recipe


def cache_path(url: str) -> Path | None:
    """Where tiktoken caches the file at ``url``; None when its cache is turned off.

    Mirrors ``tiktoken.load.read_file_cached``: ``TIKTOKEN_CACHE_DIR``, else
    ``DATA_GYM_CACHE_DIR``, else ``<tempdir>/data-gym-cache``; an empty value disables the
    cache; the file name is the sha1 of the URL.
    """
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        folder = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        folder = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        folder = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if folder == "":
        return None
    return Path(folder) / hashlib.sha1(url.encode()).hexdigest()


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], tiktoken.Encoding] = {}


def load_encoding(encoding: str | os.PathLike[str] | tiktoken.Encoding) -> tiktoken.Encoding:
    """A tiktoken ``Encoding`` from a name, a ``.tiktoken`` file, or an ``Encoding``; offline.

    Parameters
    ----------
    encoding : str, path or tiktoken.Encoding
        A tiktoken encoding name (``"o200k_base"``), read from tiktoken's cache and never
        downloaded; a path to a ``.tiktoken`` file (the published file, or one named after
        the encoding whose split pattern and special tokens it uses, e.g.
        ``o200k_base.tiktoken``); or an ``Encoding``, returned unchanged.

    Raises
    ------
    TokenizerError
        Unknown name, unreadable file, or (``EncodingNotCachedError``) a name whose file is
        not cached: the message names the file to fetch and where to put it.

    Examples
    --------
    >>> import tiktoken
    >>> enc = tiktoken.Encoding("bytes", pat_str=r"\\S+|\\s+",
    ...                         mergeable_ranks={bytes([b]): b for b in range(256)},
    ...                         special_tokens={})
    >>> load_encoding(enc) is enc
    True
    """
    if isinstance(encoding, encoding_class()):
        return encoding
    if isinstance(encoding, os.PathLike):
        return _from_file(Path(encoding))
    if not isinstance(encoding, str):
        raise TypeError(
            "encoding must be a tiktoken encoding name, a path to a .tiktoken file or a "
            f"tiktoken.Encoding; got {type(encoding).__name__}"
        )
    if encoding in _recipes():
        return _from_cache(encoding)
    if encoding.endswith(".tiktoken") or os.sep in encoding or "/" in encoding:
        return _from_file(Path(encoding))
    raise _unknown(encoding)


def _unknown(name: str) -> TokenizerError:
    known = sorted(_recipes())
    hint = ""
    try:
        model_encoding = _tiktoken().model.encoding_name_for_model(name)
        hint = f" {name!r} is a model; its encoding is {model_encoding!r}."
    except KeyError:
        close = closest_names(name, known)
        if close:
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?"
    return TokenizerError(
        f"unknown tiktoken encoding {name!r}: expected one of {', '.join(known)}, a path to a "
        f".tiktoken file, a tiktoken.Encoding, or 'estimate'.{hint}"
    )


def _from_cache(name: str) -> tiktoken.Encoding:
    already = _tiktoken().registry.ENCODINGS.get(name)  # loaded by tiktoken in this process
    if isinstance(already, encoding_class()):
        return already
    recipe = encoding_recipe(name)
    path = cache_path(recipe.url)
    if path is None:
        raise _not_cached(recipe, "TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off")
    with _LOCK:
        key = (name, str(path))
        if key in _LOADED:
            return _LOADED[key]
        if not path.is_file():
            raise _not_cached(recipe, f"its file is not in tiktoken's cache ({path} is missing)")
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if recipe.sha256 is not None and digest != recipe.sha256:
            raise _not_cached(
                recipe,
                f"the cached file {path} is damaged or partial (sha256 {digest[:12]}…, "
                f"expected {recipe.sha256[:12]}…); delete it",
            )
        enc = _build(recipe, _parse_bpe(data, str(path)), str(path), check_size=True)
        _LOADED[key] = enc
        return enc


def _not_cached(recipe: EncodingRecipe, reason: str) -> EncodingNotCachedError:
    key = hashlib.sha1(recipe.url.encode()).hexdigest()
    return EncodingNotCachedError(
        f"tiktoken encoding {recipe.name!r} is not available offline: {reason}.\n"
        "strategy_advisor never downloads; fix it in one of these ways:\n"
        f"  1. on a connected machine, download {recipe.url}\n"
        f"     (sha256 {recipe.sha256}) and save it in a folder under the file name\n"
        f"     {key}; copy the folder here and set TIKTOKEN_CACHE_DIR to it\n"
        "     (a cache folder tiktoken filled on a connected machine works as it is);\n"
        f"  2. or pass the downloaded file: encoding='/path/to/{recipe.name}.tiktoken';\n"
        "  3. or pass allow_estimate=True to estimate tokens from UTF-8 bytes (exact=False,\n"
        "     with a stated error band);\n"
        f"  4. or, with network access, pass encoding=tiktoken.get_encoding({recipe.name!r}).\n"
        "See docs/tokens.md, 'Offline setup'."
    )


def _from_file(path: Path) -> tiktoken.Encoding:
    with _LOCK:
        key = ("file", str(path.resolve()))
        if key in _LOADED:
            return _LOADED[key]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(
            f"cannot read encoding file {path}: {exc.strerror or exc}; expected a .tiktoken "
            "file (one '<base64 token> <rank>' per line)"
        ) from exc
    recipes = {n: r for n, r in _recipes().items() if isinstance(r, EncodingRecipe)}
    digest = hashlib.sha256(data).hexdigest()
    stem = path.name.split(".")[0]
    by_hash = next((r for r in recipes.values() if r.sha256 == digest), None)
    named = recipes.get(stem)
    if by_hash is not None and named is not None and by_hash is not named:
        raise TokenizerError(
            f"{path} is named {stem!r} but holds the published {by_hash.name!r} file "
            f"(sha256 {digest[:12]}…); rename it {by_hash.name}.tiktoken"
        )
    recipe = by_hash or named  # the published hash wins; a name admits custom vocabularies
    if recipe is None:
        raise TokenizerError(
            f"cannot tell which encoding {path} holds: its name {stem!r} is no known encoding "
            "and its sha256 matches no published file. Name the file after the encoding whose "
            f"split pattern and special tokens it uses ({', '.join(sorted(recipes))}), e.g. "
            "o200k_base.tiktoken, or build tiktoken.Encoding(...) yourself and pass it."
        )
    enc = _build(recipe, _parse_bpe(data, str(path)), str(path), check_size=digest == recipe.sha256)
    with _LOCK:
        _LOADED[key] = enc
    return enc


def _parse_bpe(data: bytes, where: str) -> dict[bytes, int]:
    """Parse tiktoken's file format, as ``tiktoken.load.load_tiktoken_bpe`` does.

    Not that function itself: given a local path, it copies the file into tiktoken's cache
    (and raises if a user-set cache folder is read-only), and its errors carry no line number.
    """
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error) as exc:
            raise TokenizerError(
                f"{where}, line {lineno}: expected '<base64 token> <rank>', got {line[:60]!r}"
            ) from exc
    if not ranks:
        raise TokenizerError(f"{where} holds no tokens; expected '<base64 token> <rank>' lines")
    return ranks


def _build(
    recipe: EncodingRecipe, ranks: dict[bytes, int], where: str, *, check_size: bool
) -> tiktoken.Encoding:
    try:
        return encoding_class()(
            recipe.name,
            pat_str=recipe.pat_str,
            mergeable_ranks=ranks,
            special_tokens=dict(recipe.special_tokens),
            explicit_n_vocab=recipe.explicit_n_vocab if check_size else None,
        )
    except (AssertionError, ValueError) as exc:
        raise TokenizerError(
            f"{where} does not make a valid {recipe.name!r} encoding "
            f"({type(exc).__name__}: {exc}); expected the published file"
        ) from exc
