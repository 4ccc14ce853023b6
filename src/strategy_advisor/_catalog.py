"""Catalog stage: model names to priced, dated model specs (data in ``data/catalog.json``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._data import load_json, read_shipped_json, validate_data
from ._errors import CatalogError, DataFileError, closest_names
from ._profile import ModelSpec

__all__ = ["Catalog", "CatalogDefaults", "LatencyDefaults", "default_catalog"]

_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class LatencyDefaults(BaseModel):
    """Throughputs used when a model's own are unknown."""

    model_config = _STRICT

    prefill_tokens_per_s: float = Field(..., gt=0)
    decode_tokens_per_s: float = Field(..., gt=0)
    cached_prefill_speedup: float = Field(..., ge=1)
    source: str
    as_of: str | None = None


class CatalogDefaults(BaseModel):
    """Which catalog models a profile gets when it names none."""

    model_config = _STRICT

    icl_model: str
    ft_model: str
    reason: str


class _CatalogEntry(ModelSpec):
    model_config = _STRICT
    aliases: tuple[str, ...] = ()


class _CatalogFile(BaseModel):
    model_config = _STRICT

    schema_version: Literal[1]
    as_of: str
    source: str
    defaults: CatalogDefaults
    latency_defaults: LatencyDefaults
    models: tuple[_CatalogEntry, ...] = Field(..., min_length=1)


class Catalog:
    """Models by name: prices, limits, fine-tuning offers, each with source and ``as_of``.

    Names are matched case-insensitively, aliases included; an unknown name raises
    :class:`CatalogError` listing the closest known names.

    Examples
    --------
    >>> cat = default_catalog()
    >>> cat.get("GPT-4o-mini").name
    'gpt-4o-mini'
    """

    def __init__(
        self,
        models: Iterable[ModelSpec],
        *,
        defaults: CatalogDefaults,
        latency_defaults: LatencyDefaults,
        as_of: str,
        source: str,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._models: dict[str, ModelSpec] = {}
        self._lookup: dict[str, str] = {}
        for spec in models:
            self._add(spec.name, spec.name)
            self._models[spec.name] = spec
        for alias, target in (aliases or {}).items():
            self._add(alias, target)
        self.defaults = defaults
        self.latency_defaults = latency_defaults
        self.as_of = as_of
        self.source = source
        for role in ("icl_model", "ft_model"):
            name = getattr(defaults, role)
            if name.lower() not in self._lookup:
                raise DataFileError(f"catalog defaults.{role} names {name!r}, not in the catalog")

    def _add(self, key: str, target: str) -> None:
        lowered = key.lower()
        if lowered in self._lookup and self._lookup[lowered] != target:
            raise DataFileError(
                f"catalog name {key!r} is ambiguous: it names both "
                f"{self._lookup[lowered]!r} and {target!r}"
            )
        self._lookup[lowered] = target

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> Catalog:
        """Load a catalog from a JSON file (or its parsed content) in the shipped format."""
        where = "catalog" if isinstance(source, Mapping) else str(source)
        data = source if isinstance(source, Mapping) else load_json(source)
        return cls._from_data(data, where)

    @classmethod
    def _from_data(cls, data: Any, where: str) -> Catalog:
        parsed = validate_data(_CatalogFile, data, where)
        specs: list[ModelSpec] = []
        aliases: dict[str, str] = {}
        for entry in parsed.models:
            fields = entry.model_dump(exclude={"aliases"})
            specs.append(ModelSpec.model_validate(fields))
            for alias in entry.aliases:
                aliases[alias] = entry.name
        return cls(
            specs,
            defaults=parsed.defaults,
            latency_defaults=parsed.latency_defaults,
            as_of=parsed.as_of,
            source=parsed.source,
            aliases=aliases,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical model names, sorted."""
        return tuple(sorted(self._models))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup

    def __len__(self) -> int:
        return len(self._models)

    def get(self, name: str) -> ModelSpec:
        """Return the spec of a model by name or alias (case-insensitive)."""
        target = self._lookup.get(name.lower())
        if target is None:
            suggestions = closest_names(name, list(self._models) + list(self._lookup))
            hint = (
                f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
            )
            raise CatalogError(
                f"unknown model {name!r}: expected a catalog name or an explicit ModelSpec.{hint}"
                f" Known models: strategy_advisor.default_catalog().names"
            )
        return self._models[target]

    def resolve(
        self, value: str | ModelSpec | None, role: Literal["icl_model", "ft_model"]
    ) -> ModelSpec:
        """Turn a profile's model field (name, spec or None) into a spec."""
        if isinstance(value, ModelSpec):
            return value
        name = getattr(self.defaults, role) if value is None else value
        try:
            return self.get(name)
        except CatalogError as exc:
            raise CatalogError(f"{role}: {exc}") from None


@cache
def default_catalog() -> Catalog:
    """The catalog shipped in ``strategy_advisor/data/catalog.json`` (loaded once)."""
    return Catalog._from_data(read_shipped_json("catalog.json"), "data/catalog.json")
