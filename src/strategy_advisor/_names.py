"""Catalog stage, names: model names as users write them (``data/model_names.json``).

A platform team's config names models the way litellm does: ``openai/gpt-5.4-mini``,
``anthropic/claude-haiku-4-5``, a dated snapshot ``gpt-4o-mini-2024-07-18``, a tuned
model's own id ``ft:gpt-4o-mini-2024-07-18:acme::abc123``. This module reads such a name
into its parts; :class:`~strategy_advisor.Catalog` looks the parts up. The rules (which
prefixes name which provider, the snapshot and fine-tuned id patterns, the snapshots with
their own shutdown dates or prices) are data, each with its source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, field_validator

from ._datafiles import shipped
from ._errors import CatalogError
from ._types import STRICT_DATA, ModelKind

if TYPE_CHECKING:
    from ._model_spec import ModelSpec

__all__ = [
    "LitellmImport",
    "NameReading",
    "ProviderRule",
    "SnapshotRule",
    "as_snapshot",
    "name_rules",
    "prompted_tuned",
    "provider_rule",
    "readings",
    "snapshot_rule",
]


class ProviderRule(BaseModel):
    """A litellm provider prefix (``openai`` in ``openai/gpt-4o``) and the provider it names."""

    model_config = STRICT_DATA

    prefix: str = Field(..., min_length=1, description="litellm's provider id, lower case.")
    provider: str = Field(..., min_length=1, description="The catalog's provider name.")
    kind: ModelKind = Field(..., description="Kind of the models imported from this provider.")
    source: str


class SnapshotRule(BaseModel):
    """A dated snapshot the data says more about: its shutdown date, or that its prices
    differ from its family's (then it does not resolve to the family)."""

    model_config = STRICT_DATA

    name: str
    family: str
    shutdown_date: dt.date | None
    same_prices: bool = True
    source: str


class _Pattern(BaseModel):
    model_config = STRICT_DATA

    pattern: str
    source: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class LitellmImport(BaseModel):
    """How ``Catalog.from_litellm`` reads litellm's map (which modes, which stand-in encoding)."""

    model_config = STRICT_DATA

    chat_modes: tuple[str, ...] = Field(..., min_length=1)
    stand_in_encoding: str
    stand_in_error_band: float = Field(..., ge=0, le=1)
    source: str


class _NameRules(BaseModel):
    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    source: str
    providers: tuple[ProviderRule, ...]
    snapshot_pattern: _Pattern
    fine_tuned_pattern: _Pattern
    snapshots: tuple[SnapshotRule, ...]
    litellm_import: LitellmImport


name_rules = shipped(_NameRules, "model_names.json")


@cache
def _providers() -> dict[str, ProviderRule]:
    return {p.prefix.lower(): p for p in name_rules().providers}


@cache
def _snapshots() -> dict[str, SnapshotRule]:
    return {s.name.lower(): s for s in name_rules().snapshots}


def provider_rule(prefix: str) -> ProviderRule | None:
    """The rule of a litellm provider prefix (case-insensitive), or None."""
    return _providers().get(prefix.lower())


def snapshot_rule(name: str) -> SnapshotRule | None:
    """What the data says about one dated snapshot (case-insensitive), or None."""
    return _snapshots().get(name.lower())


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class NameReading:
    """One way to read a name: the key to look up, and what was peeled off to get it.

    ``provider`` is the provider a litellm prefix named (the entry found must be that
    provider's); ``snapshot`` the dated snapshot read as its family; ``fine_tuned`` the
    tuned model's id read as its base model.
    """

    key: str
    provider: ProviderRule | None = None
    snapshot: str | None = None
    fine_tuned: str | None = None


def _dated(name: str) -> tuple[str, str] | None:
    """(family, snapshot) when ``name`` ends in a real date, else None."""
    match = _compiled(name_rules().snapshot_pattern.pattern).match(name)
    if match is None:
        return None
    date = match["date"]
    iso = date if "-" in date else f"{date[:4]}-{date[4:6]}-{date[6:]}"
    try:
        dt.date.fromisoformat(iso)
    except ValueError:
        return None
    return match["family"], name


def readings(name: str) -> Iterator[NameReading]:
    """The readings of ``name``, most literal first (each is looked up in turn).

    Examples
    --------
    >>> for r in readings("openai/ft:gpt-4o-mini-2024-07-18:acme::abc123"):
    ...     print(r.key)
    openai/ft:gpt-4o-mini-2024-07-18:acme::abc123
    ft:gpt-4o-mini-2024-07-18:acme::abc123
    gpt-4o-mini-2024-07-18
    gpt-4o-mini
    """
    key = name.strip().lower()
    yield NameReading(key)
    rules = name_rules()
    provider = None
    prefix, slash, rest = key.partition("/")
    if slash and rest and (provider := provider_rule(prefix)) is not None:
        key = rest
        yield NameReading(key, provider)
    fine_tuned = None
    tuned = _compiled(rules.fine_tuned_pattern.pattern).match(key)
    if tuned is not None:
        fine_tuned = key
        key = tuned["base"]
        yield NameReading(key, provider, fine_tuned=fine_tuned)
    dated = _dated(key)
    if dated is not None:
        yield NameReading(dated[0], provider, snapshot=dated[1], fine_tuned=fine_tuned)


# ----------------------------------------------------------------- a reading's entry


def as_snapshot(spec: ModelSpec, snapshot: str) -> ModelSpec:
    """A dated snapshot read as its family: the family's entry, with the snapshot's own
    shutdown date where the data has one; a snapshot priced unlike its family is refused."""
    rule = snapshot_rule(snapshot)
    if rule is None:
        return spec
    if not rule.same_prices:
        raise CatalogError(
            f"{snapshot!r} is a dated snapshot of {rule.family!r} with prices of its own "
            f"({rule.source}); the catalog prices only {rule.family!r}: give the snapshot "
            "as a ModelSpec, or layer litellm's map under the catalog "
            "(default_catalog().merge(Catalog.from_litellm()), --catalog-litellm PATH)"
        )
    if rule.shutdown_date is None or rule.shutdown_date == spec.shutdown_date:
        return spec
    return spec.model_copy(update={"shutdown_date": rule.shutdown_date})


def prompted_tuned(spec: ModelSpec, model_id: str) -> ModelSpec:
    """Prompting an already tuned model: the base's spec at the tuned offer's token prices."""
    offer = spec.fine_tuning
    assert offer is not None  # checked by Catalog.get
    return spec.model_copy(
        update={
            "name": model_id,
            "input_usd_per_mtok": offer.input_usd_per_mtok,
            "cached_input_usd_per_mtok": offer.cached_input_usd_per_mtok,
            "output_usd_per_mtok": offer.output_usd_per_mtok,
            "batch_input_usd_per_mtok": offer.batch_input_usd_per_mtok,
            "batch_output_usd_per_mtok": offer.batch_output_usd_per_mtok,
            "shutdown_date": offer.shutdown_date or spec.shutdown_date,
            "notes": f"{model_id}: a model tuned from {spec.name}, prompted at the per-token "
            f"prices of {spec.name}'s fine-tuning offer",
        }
    )
