"""Catalog stage, litellm: its model price map read into catalog entries, never importing it.

litellm's ``model_prices_and_context_window.json`` is the price file most of the ecosystem
reuses; its wheel ships a copy (``litellm/model_prices_and_context_window_backup.json``).
This module finds that copy on disk through ``importlib.metadata`` (or reads a given path),
never imports litellm and never fetches the file, and turns each chat entry into the
fields of a :class:`~strategy_advisor.ModelSpec`: per-token prices become USD per 1M
tokens; an absent price stays absent (unpriced), a 0 is litellm's own stated 0. litellm
has no training or hosting fields, so no entry gets a fine-tuning offer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import math
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ._datafiles import load_json
from ._errors import DataFileError
from ._names import name_rules, provider_rule

__all__ = ["MAP_FILE_NAMES", "LitellmMap", "find_model_map", "read_model_map"]

#: The map's name in litellm's repository, and the copy its wheel ships.
MAP_FILE_NAMES = (
    "model_prices_and_context_window.json",
    "model_prices_and_context_window_backup.json",
)
_DIST = "litellm"
_S = TypeVar("_S")
_PER_MILLION = 1e6
#: litellm's per-token fields -> ModelSpec's per-1M fields.
_PRICES = {
    "input_cost_per_token": "input_usd_per_mtok",
    "output_cost_per_token": "output_usd_per_mtok",
    "cache_read_input_token_cost": "cached_input_usd_per_mtok",
    "cache_creation_input_token_cost": "cache_write_usd_per_mtok",
    "input_cost_per_token_batches": "batch_input_usd_per_mtok",
    "output_cost_per_token_batches": "batch_output_usd_per_mtok",
}
#: litellm's token limits -> ModelSpec's.
_COUNTS = {
    "max_input_tokens": "context_window",
    "max_output_tokens": "max_output_tokens",
    "prompt_cache_min_tokens": "min_cacheable_tokens",
}


@dataclass(frozen=True)
class LitellmMap:
    """A litellm model map read into ModelSpec fields.

    Attributes
    ----------
    path : Path
        The file read.
    version : str or None
        The litellm version that shipped it (None when the file is not inside an install).
    entries : tuple of dict
        One dict of ModelSpec fields per chat model, in the file's order.
    skipped : tuple of (str, str)
        Entries not imported for another reason than their mode: (key, why).
    modes : dict
        How many entries of each mode were left out (embedding, image_generation, ...).
    """

    path: Path
    version: str | None
    entries: tuple[dict[str, Any], ...]
    skipped: tuple[tuple[str, str], ...]
    modes: Mapping[str, int]

    def validated(
        self, validate: Callable[[dict[str, Any], str], _S]
    ) -> tuple[list[_S], list[tuple[str, str]]]:
        """Each entry validated by ``validate(fields, where)`` (a DataFileError leaves it
        out), one per name ignoring case; (the specs, every entry left out with why)."""
        specs: list[_S] = []
        skipped = list(self.skipped)
        seen: set[str] = set()
        for fields in self.entries:
            name = str(fields["name"])
            if name.strip().lower() in seen:
                skipped.append((name, "the same name (ignoring case) as an earlier entry"))
                continue
            try:
                specs.append(validate(fields, f"{self.path}, key {name!r}"))
            except DataFileError as exc:
                skipped.append((name, str(exc).split(" is malformed: ", 1)[-1]))
                continue
            seen.add(name.strip().lower())
        if not specs:
            raise DataFileError(
                f"{self.path} holds no chat model litellm prices (modes found: "
                f"{', '.join(sorted(self.modes)) or 'none'}); expected litellm's "
                "model_prices_and_context_window.json"
            )
        return specs, skipped

    def defaults_for(self, names: list[str], spellings: Mapping[str, list[str]]) -> dict[str, str]:
        """For each role, the first of its spellings (a name or alias) that the map has."""
        have = {n.lower(): n for n in names}
        picked: dict[str, str] = {}
        for role, wanted in spellings.items():
            hit = next((have[k.lower()] for k in wanted if k.lower() in have), None)
            if hit is None:
                raise DataFileError(
                    f"{self.path} has no entry for the default {role} {wanted[0]!r} (nor for "
                    "its aliases); pass defaults=CatalogDefaults(icl_model=..., ft_model=..., "
                    "reason=...), or merge the import under the shipped catalog"
                )
            picked[role] = hit
        return picked

    @property
    def label(self) -> str:
        """How imported entries name their source: "litellm model map, version X"."""
        return f"litellm model map, version {self.version or 'unknown'}"


def find_model_map() -> tuple[Path, str | None]:
    """The map an installed litellm ships, found on disk: (path, litellm's version).

    The distribution's RECORD is searched for the file's name; without a RECORD, each
    ``sys.path`` folder's ``litellm/`` is. litellm itself is never imported.
    """
    try:
        dist = importlib.metadata.distribution(_DIST)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        found = {f.name: f for f in dist.files or () if f.name in MAP_FILE_NAMES}
        for name in MAP_FILE_NAMES:
            if name in found:
                path = Path(str(dist.locate_file(found[name])))
                if path.is_file():
                    return path, dist.version
    for folder in sys.path:
        for name in MAP_FILE_NAMES:
            path = Path(folder or ".") / "litellm" / name
            if path.is_file():
                return path, _version_near(path)
    raise DataFileError(
        "litellm's model map was not found: litellm is not installed here (its wheel ships "
        "litellm/model_prices_and_context_window_backup.json). Pass the file's path "
        "(Catalog.from_litellm('model_prices_and_context_window.json'), or "
        "--litellm PATH), or pip install litellm; it is read from disk, never imported"
    )


def _version_near(path: Path) -> str | None:
    """The version of the litellm install ``path`` sits in (its dist-info beside it)."""
    for info in sorted(path.parent.parent.glob("litellm-*.dist-info")):
        try:
            meta = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in meta.splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return None


def _installed_version(path: Path) -> str | None:
    try:
        dist = importlib.metadata.distribution(_DIST)
    except importlib.metadata.PackageNotFoundError:
        return _version_near(path)
    for f in dist.files or ():
        if f.name in MAP_FILE_NAMES and Path(str(dist.locate_file(f))).resolve() == path:
            return dist.version
    return _version_near(path)


def read_model_map(path: str | Path | None = None, *, version: str | None = None) -> LitellmMap:
    """Read litellm's map from ``path`` (None: the installed litellm's copy) into entries.

    Raises
    ------
    DataFileError
        No file, not JSON, or not a JSON object of entries keyed by model name.
    """
    if path is None:
        found, installed = find_model_map()
        version = version or installed
    else:
        found = Path(path)
        version = version or _installed_version(found.resolve())
    data = load_json(found)
    if not isinstance(data, dict):
        raise DataFileError(
            f"{found} is not a litellm model map: expected a JSON object keyed by model name "
            f"(as model_prices_and_context_window.json); got a JSON {type(data).__name__}"
        )
    label = f"litellm model map, version {version or 'unknown'}"
    rules = name_rules().litellm_import
    entries: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    modes: Counter[str] = Counter()
    for key, raw in data.items():
        if key == "sample_spec":  # the file's own description of its fields
            continue
        if not isinstance(raw, dict):
            skipped.append((key, f"not an object (a JSON {type(raw).__name__})"))
            continue
        mode = raw.get("mode")
        if mode not in rules.chat_modes:
            modes[str(mode)] += 1
            continue
        try:
            entries.append(_fields(key, raw, label, found))
        except ValueError as exc:
            skipped.append((key, str(exc)))
    return LitellmMap(found, version, tuple(entries), tuple(skipped), dict(modes))


def _number(key: str, field: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{field} is not a number (got {value!r:.40})")
    if value < 0:
        raise ValueError(f"{field} is negative ({value!r})")
    return float(value)


def _fields(key: str, raw: Mapping[str, Any], label: str, path: Path) -> dict[str, Any]:
    """ModelSpec fields of one chat entry; ValueError when a figure is malformed."""
    out: dict[str, Any] = {"name": key}
    for theirs, ours in _PRICES.items():
        value = _number(key, theirs, raw.get(theirs))
        out[ours] = None if value is None else round(value * _PER_MILLION, 9)
    if out["cache_write_usd_per_mtok"] == 0:
        # litellm writes 0 for "no write surcharge" (DeepSeek: a miss is billed as input);
        # here 0 would make a miss free, so it means what None means: the input price
        out["cache_write_usd_per_mtok"] = None
    for theirs, ours in _COUNTS.items():
        value = raw.get(theirs)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            out[ours] = value
    date = raw.get("deprecation_date")
    if isinstance(date, str):
        # litellm's placeholder text or a malformed date: the date stays unknown
        with contextlib.suppress(ValueError):
            out["shutdown_date"] = dt.date.fromisoformat(date)
    provider_id = str(raw.get("litellm_provider") or key.partition("/")[0])
    rule = provider_rule(provider_id)
    out["provider"] = rule.provider if rule is not None else provider_id
    out["kind"] = rule.kind if rule is not None else "unknown"
    out["encoding"], out["encoding_error_band"] = _encoding(key, provider_id)
    upstream = raw.get("source")
    out["source"] = f"{label} ({path}), key {key!r}" + (
        f" (upstream: {upstream})" if isinstance(upstream, str) and upstream else ""
    )
    out["as_of"] = label
    out["notes"] = (
        "Imported from litellm's model map: prompt prices and limits only. litellm has no "
        "training or hosting fields, so this entry has no fine-tuning offer."
    )
    return out


def _encoding(key: str, provider: str) -> tuple[str, float]:
    """OpenAI models: tiktoken's own encoding for the name (exact); others: the stand-in."""
    rules = name_rules().litellm_import
    if provider == "openai":
        import tiktoken.model  # a table lookup: nothing is downloaded

        try:
            return tiktoken.model.encoding_name_for_model(key.rpartition("/")[2]), 0.0
        except KeyError:
            pass
    return rules.stand_in_encoding, rules.stand_in_error_band
