"""Many recommendations at once: a sweep of one input, and a portfolio of profiles.

A :class:`Sweep` holds the recommendations for one input at each value and their table; a
:class:`Portfolio` is the tuple of recommendations for many profiles, with the same table
per profile. Both tables are plain numbers (strategy, confidence, both totals with their
ranges), read from the recommendations without writing their explanations.

A profile that cannot be recommended is a :class:`ProfileFailure` (its position, id, the
field at fault and the fix); ``_batches`` runs many profiles.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, Field, ValidationError

from ._costs import StrategyCost
from ._datafiles import describe_validation_error
from ._decision import Decision
from ._escape import csv_cell, json_text
from ._profile import TaskProfile
from ._quality import QualityEstimate
from ._recommendation import Recommendation
from ._types import RESULT, Strategy, construct

__all__ = [
    "CSV_COLUMNS",
    "Errors",
    "Portfolio",
    "PortfolioRow",
    "ProfileFailure",
    "Sweep",
    "SweepRow",
    "TableRow",
    "csv_cells",
]

#: What a batch does with a profile it cannot recommend: raise (the first one ends the
#: run), or return a :class:`ProfileFailure` in its place.
Errors = Literal["raise", "return"]


#: A strategy's total as a median with the ends of its interval over the draws.
Interval = tuple[float | None, float | None, float | None]


class TableNumbers(NamedTuple):
    """A decision's numbers as a table shows them."""

    strategy: Strategy
    confidence: float
    p_fine_tuning_better: float
    totals: Mapping[Strategy, float | None]
    intervals: Mapping[Strategy, Interval]  # (median, low, high)
    break_even: float | None

    @classmethod
    def of(
        cls,
        decision: Decision,
        quality: QualityEstimate,
        totals: Mapping[Strategy, float | None],
        intervals: Mapping[Strategy, Interval],
        break_even: float | None,
    ) -> TableNumbers:
        return cls(
            decision.strategy, decision.confidence, quality.p_fine_tuning_better, totals,
            intervals, break_even,
        )  # fmt: skip


class TableRow(BaseModel):
    """One recommendation in a table: the answer and both totals with their ranges."""

    model_config = RESULT

    strategy: Strategy
    confidence: float
    p_fine_tuning_better: float
    ft_total_usd: float | None = Field(description="Fine-tuning's total over the horizon.")
    ft_total_usd_low: float | None
    ft_total_usd_high: float | None
    icl_total_usd: float | None = Field(description="Prompting's total over the horizon.")
    icl_total_usd_low: float | None
    icl_total_usd_high: float | None
    break_even_requests_per_month: float | None

    @classmethod
    def of(cls, rec: Recommendation, **extra: Any) -> Any:
        return cls.of_parts(
            rec.strategy,
            rec.confidence,
            rec.quality,
            rec.costs[Strategy.FINE_TUNING],
            rec.costs[Strategy.IN_CONTEXT_LEARNING],
            rec.break_even_requests_per_month,
            **extra,
        )

    @classmethod
    def of_parts(
        cls,
        strategy: Strategy,
        confidence: float,
        quality: QualityEstimate,
        ft: StrategyCost,
        icl: StrategyCost,
        break_even: float | None,
        **extra: Any,
    ) -> Any:
        """A row from a decision's parts."""
        costs = {Strategy.FINE_TUNING: ft, Strategy.IN_CONTEXT_LEARNING: icl}
        return cls.of_numbers(
            TableNumbers(
                strategy, confidence, quality.p_fine_tuning_better,
                {k: c.total_usd for k, c in costs.items()},
                {k: (c.total_usd_median, c.total_usd_low, c.total_usd_high)
                 for k, c in costs.items()},
                break_even,
            ),
            **extra,
        )  # fmt: skip

    @classmethod
    def of_numbers(cls, numbers: TableNumbers, **extra: Any) -> Any:
        """A row from a decision's numbers."""
        ft, icl = (numbers.intervals[k] for k in (Strategy.FINE_TUNING,
                                                  Strategy.IN_CONTEXT_LEARNING))  # fmt: skip
        return construct(
            cls,
            **extra,
            strategy=numbers.strategy,
            confidence=numbers.confidence,
            p_fine_tuning_better=numbers.p_fine_tuning_better,
            ft_total_usd=numbers.totals[Strategy.FINE_TUNING],
            ft_total_usd_low=ft[1],
            ft_total_usd_high=ft[2],
            icl_total_usd=numbers.totals[Strategy.IN_CONTEXT_LEARNING],
            icl_total_usd_low=icl[1],
            icl_total_usd_high=icl[2],
            break_even_requests_per_month=numbers.break_even,
        )


class SweepRow(TableRow):
    """One value of a swept input and the recommendation there."""

    value: Any = Field(description="The swept input's value.")


def _csv(rows: Sequence[BaseModel], model: type[BaseModel]) -> str:
    out = io.StringIO()
    names = list(model.model_fields)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        values = []
        for name in names:
            v = getattr(row, name)
            values.append(v.value if isinstance(v, Strategy) else ("" if v is None else v))
        writer.writerow(values)
    return out.getvalue()


class Sweep(BaseModel):
    """The recommendation for one input (``field``, a dotted path) at each value: a table,
    each row what ``recommend()`` decides at that value (strategy, confidence, both totals
    with their intervals, the break-even)."""

    model_config = RESULT

    field: str = Field(description="The swept input's dotted path.")
    rows: tuple[SweepRow, ...] = Field(description="One row per value, in order.")

    @classmethod
    def of(
        cls, field: str, profiles: Sequence[TaskProfile], numbers: Sequence[TableNumbers]
    ) -> Sweep:
        rows = tuple(
            SweepRow.of_numbers(d, value=_value_at(p, field))
            for p, d in zip(profiles, numbers, strict=True)
        )
        return construct(cls, field=field, rows=rows)

    def __len__(self) -> int:
        return len(self.rows)

    def flips(self) -> tuple[tuple[Any, Any], ...]:
        """Consecutive values between which the recommended strategy changes."""
        return tuple(
            (a.value, b.value)
            for a, b in zip(self.rows, self.rows[1:], strict=False)
            if a.strategy is not b.strategy
        )

    def to_csv(self) -> str:
        """The table as CSV (one row per value; strategies by their JSON value)."""
        return _csv(self.rows, SweepRow)


def _value_at(profile: TaskProfile, path: str) -> Any:
    obj: Any = profile
    for part in path.split("."):
        if isinstance(obj, str) or obj is None:
            return obj  # a model given by name: the value lives in the catalog
        obj = getattr(obj, part)
    return obj


class ProfileFailure(BaseModel):
    """A profile of a batch that could not be recommended, in its place in the results.

    ``recommend_many(..., errors="return")`` and ``iter_recommendations(...,
    errors="return")`` give one for each profile that is invalid (a field out of range, a
    typo, not an object) or names an unknown model; the command line's ``--keep-going``
    writes one as the error row of its line. Its ``message`` says what is wrong, what was
    expected and how to fix it, as the error would have.

    Examples
    --------
    >>> from strategy_advisor import recommend_many
    >>> bad = {"id": "t-2", "task_type": "code", "n_labeled_examples": -1}
    >>> failure = recommend_many([bad], errors="return")[0]
    >>> failure.index, failure.id, failure.field
    (0, 't-2', 'n_labeled_examples')
    """

    model_config = RESULT

    index: int = Field(description="Its position in the input (0-based), as in the results.")
    line: int | None = Field(
        None, description="Its line in a JSON Lines file (the command line sets it)."
    )
    id: str | None = Field(None, description="The profile's id, when it had a readable one.")
    field: str | None = Field(
        description="Dotted path of the (first) field at fault; None when the whole profile "
        "is (not a JSON object, not JSON at all, a file that cannot be read)."
    )
    message: str = Field(
        description="Every problem: what is wrong, what was expected, how to fix it."
    )
    error_type: str = Field(
        description="The error it would have raised: ValidationError, CatalogError, ..."
    )

    @classmethod
    def of(
        cls,
        exc: Exception,
        *,
        index: int,
        id: str | None = None,
        field: str | None = None,
        line: int | None = None,
        message: str | None = None,
    ) -> ProfileFailure:
        """The failure ``exc`` describes (a pydantic ``ValidationError`` gives its fields)."""
        if isinstance(exc, ValidationError):
            problems = describe_validation_error(exc, TaskProfile).splitlines()
            first = problems[0].split(": ", 1)[0] if problems else "<root>"
            field = field if field is not None else (None if first == "<root>" else first)
            text = "; ".join(problems)
        else:
            text = str(exc)
        return construct(
            cls,
            index=index,
            line=line,
            id=id,
            field=field,
            message=message if message is not None else text,
            error_type=type(exc).__name__,
        )

    def to_json(self, *, indent: int | None = None) -> str:
        """As a line of a JSON Lines portfolio: ``{"error": {...}}`` (a recommendation has
        no ``error`` key)."""
        inner = json_text(self.model_dump_json(indent=indent))
        if indent is None:
            return '{"error":' + inner + "}"
        pad = " " * indent
        return "{\n" + pad + '"error": ' + inner.replace("\n", "\n" + pad) + "\n}"


#: The portfolio CSV's columns: the row's place and id, the answer and both totals with
#: their ranges, the break-even, the reason that decided, both models, and for a profile
#: that could not be recommended (``--keep-going``, ``errors="return"``) the field at
#: fault and the error with its fix.
CSV_COLUMNS = (
    "index",
    "id",
    "strategy",
    "confidence",
    "p_fine_tuning_better",
    "ft_total_usd",
    "ft_total_usd_low",
    "ft_total_usd_high",
    "icl_total_usd",
    "icl_total_usd_low",
    "icl_total_usd_high",
    "break_even_requests_per_month",
    "deciding_reason",
    "ft_model",
    "icl_model",
    "error_field",
    "error",
)


class PortfolioRow(NamedTuple):
    """What a portfolio's table, CSV and Markdown show of one recommendation: small and
    picklable, so a worker sends it back instead of the recommendation."""

    id: str | None
    strategy: Strategy
    confidence: float
    p_fine_tuning_better: float
    ft_total_usd: float | None
    ft_total_usd_low: float | None
    ft_total_usd_high: float | None
    icl_total_usd: float | None
    icl_total_usd_low: float | None
    icl_total_usd_high: float | None
    break_even_requests_per_month: float | None
    deciding_reason: str | None
    ft_model: str
    icl_model: str

    @classmethod
    def of(cls, rec: Recommendation) -> PortfolioRow:
        ft = rec.costs[Strategy.FINE_TUNING]
        icl = rec.costs[Strategy.IN_CONTEXT_LEARNING]
        return cls(
            rec.profile.id,
            rec.strategy,
            rec.confidence,
            rec.quality.p_fine_tuning_better,
            ft.total_usd,
            ft.total_usd_low,
            ft.total_usd_high,
            icl.total_usd,
            icl.total_usd_low,
            icl.total_usd_high,
            rec.break_even_requests_per_month,
            rec.deciding_reason,
            ft.model,
            icl.model,
        )


def csv_cells(
    item: Recommendation | PortfolioRow | ProfileFailure, index: int, *, line: int | None = None
) -> list[object]:
    """One CSV row in :data:`CSV_COLUMNS` order (after ``index``, the ``line`` when given);
    text cells escaped by ``csv_cell``, numbers as Python writes them (full precision), a
    missing value empty."""

    def text(value: str | None) -> str:
        return "" if value is None else csv_cell(value)

    lead: list[object] = [index] if line is None else [index, line]
    if isinstance(item, ProfileFailure):
        blank: list[object] = [""] * (len(CSV_COLUMNS) - 4)
        return [*lead, text(item.id), *blank, text(item.field), text(item.message)]
    row = item if isinstance(item, PortfolioRow) else PortfolioRow.of(item)
    numbers = ["" if v is None else v for v in row[2:11]]
    return [
        *lead,
        text(row.id),
        row.strategy.value,
        *numbers,
        text(row.deciding_reason),
        text(row.ft_model),
        text(row.icl_model),
        "",
        "",
    ]


_Item = TypeVar("_Item", bound="Recommendation | ProfileFailure", covariant=True)


class Portfolio(tuple[_Item, ...]):
    """The recommendations for many profiles, in order (a tuple), and their table.

    With ``errors="return"``, a profile that could not be recommended holds a
    :class:`ProfileFailure` in its place (see :attr:`failures`).
    """

    __slots__ = ()

    @property
    def failures(self) -> tuple[ProfileFailure, ...]:
        """The profiles that could not be recommended, in order (none unless
        ``errors="return"``)."""
        return tuple(r for r in self if isinstance(r, ProfileFailure))

    def table(self) -> tuple[TableRow, ...]:
        """One row per recommendation, in order (a failure has no row: see ``to_csv``)."""
        return tuple(TableRow.of(r) for r in self if isinstance(r, Recommendation))

    def to_csv(self) -> str:
        """The table as CSV, one row per profile (:data:`CSV_COLUMNS`): its position as
        ``index``, its ``id``, the answer, both totals, the break-even, the deciding
        reason's code and both models; a failure's row has its field and error instead."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for i, item in enumerate(self):
            writer.writerow(csv_cells(item, i))
        return out.getvalue()

    def to_jsonl(self) -> str:
        """One recommendation's JSON per line (writes every explanation); a failure's line
        is ``{"error": {...}}``."""
        return "".join(r.to_json(indent=None) + "\n" for r in self)
