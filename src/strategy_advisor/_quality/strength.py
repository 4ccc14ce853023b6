"""Quality stage, the prompted model's strength: a dated capability figure per model.

``data/model_strength.json`` gives each model named in the corpus and each catalog model one
figure, its MMLU score, with the source it was read from; a model without an MMLU of its own
may stand at or above another entry (``at_least``), or be unknown (its kind imputes one).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .._datafiles import shipped
from .._types import STRICT_DATA, ModelKind

__all__ = ["StrengthEntry", "StrengthTable", "model_strengths", "strength_of"]

Figure = Literal["reported", "family", "bound", "at_least", "unknown"]
_NUMBERED = ("reported", "family", "bound")


class StrengthEntry(BaseModel):
    """One model's capability figure and where it comes from."""

    model_config = STRICT_DATA

    name: str = Field(..., min_length=1)
    aliases: tuple[str, ...] = Field((), description="Other names: corpus spellings, catalog ids.")
    kind: ModelKind
    released: str = Field(..., min_length=4, description="Release (YYYY or YYYY-MM).")
    mmlu: float | None = Field(..., ge=0, le=100, description="MMLU, % correct; None without.")
    figure: Figure = Field(..., description="How the figure relates to this model.")
    at_least: str | None = Field(
        None, description="The entry this model is at least as strong as (figure 'at_least')."
    )
    source: str = Field(..., min_length=1)
    as_of: str = Field(..., min_length=4, description="When the figure was published or read.")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> StrengthEntry:
        if self.figure in _NUMBERED and (self.mmlu is None or self.at_least is not None):
            raise ValueError(
                f"{self.name}: figure {self.figure!r} needs an mmlu number and no at_least"
            )
        if self.figure == "at_least" and (self.mmlu is not None or not self.at_least):
            raise ValueError(f"{self.name}: figure 'at_least' needs at_least and no mmlu")
        if self.figure == "unknown" and (self.mmlu is not None or self.at_least is not None):
            raise ValueError(f"{self.name}: figure 'unknown' takes neither mmlu nor at_least")
        return self


class StrengthTable(BaseModel):
    """``data/model_strength.json``: the capability figures, validated."""

    model_config = STRICT_DATA

    schema_version: Literal[1]
    as_of: str
    source: str
    about: str
    benchmark: str
    models: tuple[StrengthEntry, ...] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _resolvable(self) -> StrengthTable:
        seen: dict[str, int] = {}
        for i, e in enumerate(self.models):
            for k in dict.fromkeys(key.strip().lower() for key in (e.name, *e.aliases)):
                if k in seen:
                    other = self.models[seen[k]].name
                    raise ValueError(f"name {k!r} is used by both {other!r} and {e.name!r}")
                seen[k] = i
        by_name = {e.name: e for e in self.models}
        for e in self.models:
            steps, cur = 0, e
            while cur.figure == "at_least":
                ref = by_name.get(cur.at_least or "")
                if ref is None:
                    raise ValueError(f"{cur.name}: at_least names {cur.at_least!r}, not an entry")
                cur, steps = ref, steps + 1
                if steps > len(by_name):
                    raise ValueError(f"{e.name}: at_least references form a cycle")
            if e.figure == "at_least" and cur.mmlu is None:
                raise ValueError(f"{e.name}: at_least leads to {cur.name!r}, which has no figure")
        return self

    @cached_property
    def _index(self) -> dict[str, StrengthEntry]:
        return {k.strip().lower(): e for e in self.models for k in (e.name, *e.aliases)}

    def lookup(self, *names: str | None) -> StrengthEntry | None:
        """The entry of the first of ``names`` that the table knows (case-insensitive)."""
        for name in names:
            if name:
                hit = self._index.get(name.strip().lower())
                if hit is not None:
                    return hit
        return None

    def figure(self, entry: StrengthEntry) -> float | None:
        """The MMLU figure that stands for ``entry``: its own, or (``at_least``) the one of
        the entry it is at least as strong as (a lower bound); None when unknown."""
        cur = entry
        while cur.figure == "at_least":
            nxt = self.lookup(cur.at_least)
            assert nxt is not None  # checked at load
            cur = nxt
        return cur.mmlu


model_strengths = shipped(StrengthTable, "model_strength.json")


def strength_of(names: Iterable[str | None], table: StrengthTable | None = None) -> float | None:
    """The capability figure (MMLU %) of the first known of ``names``; None when the table
    does not know the model or gives it no figure (the quality model then imputes one).

    Examples
    --------
    >>> strength_of(["gpt-4o"])
    88.7
    >>> strength_of(["a-model-nobody-knows"]) is None
    True
    """
    t = table if table is not None else model_strengths()
    entry = t.lookup(*names)
    return None if entry is None else t.figure(entry)
