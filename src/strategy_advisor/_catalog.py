"""Catalog stage: names to model specs (``data/catalog.json``), and the shipped catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._datafiles import load_json, read_shipped_json, validate_data
from ._errors import CatalogError, DataFileError, closest_names
from ._escape import shown
from ._model_spec import ModelSpec
from ._names import NameReading, as_snapshot, prompted_tuned, readings
from ._types import (
    STRICT_DATA,
)

__all__ = [
    "Catalog",
    "CatalogDefaults",
    "LatencyDefaults",
    "default_catalog",
]


class LatencyDefaults(BaseModel):
    """Throughputs used when a model's own are unknown, and the fixed part of a request's
    time to first token."""

    model_config = STRICT_DATA

    prefill_tokens_per_s: float = Field(..., gt=0)
    decode_tokens_per_s: float = Field(..., gt=0)
    cached_prefill_speedup: float = Field(..., ge=1)
    ttft_overhead_ms: float = Field(
        ...,
        ge=0,
        description="Time to first token that does not grow with the prompt (scheduling, "
        "the first decode step), added to every request.",
    )
    source: str
    as_of: str | None = None


class CatalogDefaults(BaseModel):
    """Which catalog models a profile gets when it names none."""

    model_config = STRICT_DATA

    icl_model: str
    ft_model: str
    reason: str


class _CatalogEntry(ModelSpec):
    model_config = STRICT_DATA
    aliases: tuple[str, ...] = ()


class _CatalogFile(BaseModel):
    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    source: str
    defaults: CatalogDefaults
    latency_defaults: LatencyDefaults
    models: tuple[_CatalogEntry, ...] = Field(..., min_length=1)


class Catalog:
    """Models by name: prices, limits, fine-tuning offers, each with source and ``as_of``.

    Names are matched case-insensitively, aliases included, and as users write them: with
    litellm's provider prefixes, as dated snapshots, as a tuned model's ``ft:`` id (see
    :meth:`get`); an unknown name raises :class:`CatalogError` listing the closest known
    names.

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
        #: Entries an import left out, with the reason: (name, why).
        self.skipped: tuple[tuple[str, str], ...] = ()
        #: Entries an import left out for their mode (not chat), counted by mode.
        self.modes_left_out: Mapping[str, int] = {}
        for role in ("icl_model", "ft_model"):
            name = getattr(defaults, role)
            if name not in self:
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
    def as_of_date(self) -> dt.date | None:
        """``as_of`` as a date (a month means its first day); None when it does not parse."""
        text = self.as_of.strip()[:10]
        try:
            return dt.date.fromisoformat(text if len(text) == 10 else f"{text[:7]}-01")
        except ValueError:
            return None

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical model names, sorted."""
        return tuple(sorted(self._models))

    def __contains__(self, name: object) -> bool:
        """Whether :meth:`get` finds ``name`` (without building its error's suggestions)."""
        if not isinstance(name, str):
            return False
        try:
            found = self._find(name)
        except CatalogError:  # a name the data refuses (a snapshot priced unlike its family)
            return False
        if found is None:
            return False
        spec, reading = found
        return reading.fine_tuned is None or spec.fine_tuning is not None

    def __len__(self) -> int:
        return len(self._models)

    def _find(self, name: str) -> tuple[ModelSpec, NameReading] | None:
        """The entry ``name`` reads as, and how; None when no reading names an entry.

        Readings, most literal first (:func:`~._names.readings`): the name or an alias;
        without a litellm provider prefix (the entry must be that provider's); a tuned
        model's id read as its base; a dated snapshot read as its family.
        """
        for reading in readings(name):
            target = self._lookup.get(reading.key)
            if target is None:
                continue
            spec = self._models[target]
            rule = reading.provider
            if rule is not None and (spec.provider or rule.provider).lower() != (
                rule.provider.lower()
            ):
                continue  # openai/claude-haiku-4-5: not that provider's model
            if reading.snapshot is not None:
                spec = as_snapshot(spec, reading.snapshot)
            return spec, reading
        return None

    def get(self, name: str) -> ModelSpec:
        """Return the spec of a model by name, as users write it (case-insensitive).

        A catalog name or alias; litellm's provider prefixes (``openai/gpt-5.4-mini``);
        a dated snapshot (``gpt-4o-mini-2024-07-18``: its family, with the snapshot's own
        shutdown date where the data has one); a tuned model's id
        (``ft:gpt-4o-mini-2024-07-18:acme::abc123``: its base model, whose fine-tuning
        offer prices it). The rules are ``data/model_names.json``.

        Examples
        --------
        >>> cat = default_catalog()
        >>> cat.get("openai/gpt-5.4-mini").name, cat.get("gpt-4o-mini-2024-07-18").name
        ('gpt-5.4-mini', 'gpt-4o-mini')
        """
        found = self._find(name)
        if found is None:
            keys = list(self._models) + list(self._lookup)
            suggestions = closest_names(name, keys)
            *_, last = readings(name)  # the name without its prefix, tuned id or date
            for hit in closest_names(last.key, keys) if last.key != name.lower() else ():
                if hit.lower() not in {s.lower() for s in suggestions}:
                    suggestions.append(hit)
            hint = (
                f" Did you mean {', '.join(repr(s) for s in suggestions[:4])}?"
                if suggestions
                else ""
            )
            raise CatalogError(
                f"unknown model {shown(name)}: expected a catalog name or an explicit ModelSpec."
                f"{self._other_provider(name)}{hint}"
                f" Known models: strategy_advisor.default_catalog().names"
            )
        spec, reading = found
        if reading.fine_tuned is not None and spec.fine_tuning is None:
            raise CatalogError(
                f"{name!r} is a model tuned from {spec.name!r}, but the catalog has no "
                f"fine-tuning offer for {spec.name!r}, so the tuned model's prices are "
                "unknown; give the model as a ModelSpec with a fine_tuning offer"
            )
        return spec

    def _other_provider(self, name: str) -> str:
        """ " 'x' is Anthropic's model, not OpenAI's" when a prefix names the wrong provider."""
        for reading in readings(name):
            target = self._lookup.get(reading.key)
            rule = reading.provider
            if target is not None and rule is not None:
                owner = self._models[target].provider
                return (
                    f" {target!r} is {owner}'s model, not {rule.provider}'s "
                    f"(prefix {rule.prefix!r})."
                )
        return ""

    def resolve(
        self, value: str | ModelSpec | None, role: Literal["icl_model", "ft_model"]
    ) -> ModelSpec:
        """Turn a profile's model field (name, spec or None) into a spec.

        A tuned model's id (``ft:BASE:...``) is, as ``ft_model``, its base model with the
        fine-tuning offer; as ``icl_model`` (prompting the tuned model), a spec named by
        the id and priced at the offer's per-token prices.
        """
        if isinstance(value, ModelSpec):
            return value
        name = getattr(self.defaults, role) if value is None else value
        try:
            spec = self.get(name)
        except CatalogError as exc:
            raise CatalogError(f"{role}: {exc}") from None
        if role == "icl_model" and spec.fine_tuning is not None:
            found = self._find(name)
            if found is not None and found[1].fine_tuned is not None:
                return prompted_tuned(spec, name.strip())
        return spec

    def merge(self, other: Catalog) -> Catalog:
        """This catalog layered over ``other``: every name this one resolves keeps its
        entry; ``other``'s entries fill in the names this one does not know.

        The defaults, latency defaults and ``as_of`` are this catalog's. Use it to put the
        shipped, sourced catalog over a broad import, so that shipped entries (with their
        fine-tuning offers) win:

        >>> shipped = default_catalog()
        >>> ours = CatalogDefaults(icl_model="my-llm", ft_model="my-llm", reason="ours")
        >>> extra = Catalog([ModelSpec(name="my-llm", input_usd_per_mtok=1.0)],
        ...                 defaults=ours, latency_defaults=shipped.latency_defaults,
        ...                 as_of="2026-12", source="our price list")
        >>> both = shipped.merge(extra)
        >>> "my-llm" in both, len(both) == len(shipped) + 1
        (True, True)
        """
        specs = list(self._models.values())
        aliases = {k: t for k, t in self._lookup.items() if k != t.lower()}
        added: set[str] = set()
        for name, spec in other._models.items():
            if name in self:
                continue
            specs.append(spec)
            added.add(name)
        for key, target in other._lookup.items():
            if target in added and key not in self._lookup and key != target.lower():
                aliases[key] = target
        return Catalog(
            specs,
            defaults=self.defaults,
            latency_defaults=self.latency_defaults,
            as_of=self.as_of,
            source=f"{self.source}; under it: {other.source}",
            aliases=aliases,
        )

    @classmethod
    def from_litellm(
        cls,
        path: str | Path | None = None,
        *,
        version: str | None = None,
        defaults: CatalogDefaults | None = None,
    ) -> Catalog:
        """A catalog of the chat models in litellm's ``model_prices_and_context_window.json``.

        Each chat entry becomes a :class:`ModelSpec` with its input, output, cached-input,
        cache-write and batch prices per 1M tokens, context window, longest output,
        shortest cacheable prefix, shutdown date and provider; its ``source`` names
        "litellm model map, version X". None has a fine-tuning offer (litellm has no
        training or hosting fields): layer the shipped catalog over it with
        ``default_catalog().merge(Catalog.from_litellm())``. Entries with a malformed
        figure are left out; ``Catalog.skipped`` lists them with the reason.

        Parameters
        ----------
        path : str or Path, optional
            The map's file. None: the copy an installed litellm ships, found on disk
            (litellm is never imported, and nothing is downloaded).
        version : str, optional
            The litellm version the file comes from, for the entries' ``source`` (found
            by itself for an installed copy).
        defaults : CatalogDefaults, optional
            Models a profile gets when it names none. None: the shipped defaults, as the
            import names them (``gpt-5.4-mini``, ``fireworks_ai/.../llama-v3p1-8b-instruct``).

        Examples
        --------
        >>> import json, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "model_prices_and_context_window.json"
        >>> _ = path.write_text(json.dumps({
        ...     "gpt-5.4-mini": {"mode": "chat", "litellm_provider": "openai",
        ...                      "input_cost_per_token": 7.5e-07, "output_cost_per_token": 4.5e-06},
        ...     "text-embedding-3-small": {"mode": "embedding", "input_cost_per_token": 2e-08}}))
        >>> cat = Catalog.from_litellm(path, version="1.110.2",
        ...                            defaults=CatalogDefaults(icl_model="gpt-5.4-mini",
        ...                            ft_model="gpt-5.4-mini", reason="example"))
        >>> cat.names, cat.get("openai/gpt-5.4-mini").input_usd_per_mtok
        (('gpt-5.4-mini',), 0.75)
        """
        from ._litellm import read_model_map

        read = read_model_map(path, version=version)
        specs, skipped = read.validated(
            lambda fields, where: validate_data(ModelSpec, fields, where)
        )
        shipped = default_catalog()
        if defaults is None:
            spellings = {
                role: [name] + [k for k, t in shipped._lookup.items() if t == name]
                for role, name in (("icl_model", shipped.defaults.icl_model),
                                   ("ft_model", shipped.defaults.ft_model))
            }  # fmt: skip
            picked = read.defaults_for([s.name for s in specs], spellings)
            defaults = CatalogDefaults(
                **picked,
                reason=f"the shipped defaults as litellm names them ({shipped.defaults.reason})",
            )
        catalog = cls(
            specs,
            defaults=defaults,
            latency_defaults=shipped.latency_defaults,
            as_of=read.label,
            source=f"{read.label} ({read.path}): {len(specs)} chat models",
        )
        catalog.skipped = tuple(skipped)
        catalog.modes_left_out = read.modes
        return catalog


@cache
def default_catalog() -> Catalog:
    """The catalog shipped in ``strategy_advisor/data/catalog.json`` (loaded once)."""
    return Catalog._from_data(read_shipped_json("catalog.json"), "data/catalog.json")
