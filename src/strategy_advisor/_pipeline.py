"""The pipeline over rows: plan the prompt, price, time, check the rules, estimate, score.

:func:`evaluate` runs every stage once, in that order, for every row of a scenario table;
each stage returns arrays the next one takes and nothing patches an earlier stage's result.
The point estimate is a table of one row; the simulation, the flip search, the break-even
and the charts are tables of many.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._costs import Bills, price
from ._costs.statement import route_label
from ._decision import DecisionPolicy, RowScores, score_rows
from ._features import feature_columns
from ._profile import PilotResult
from ._prompt_plan import Plan, plan_prompt
from ._quality import QualityFeatures, QualityModel, quality_features_for
from ._rules import Rulebook, RuleResults
from ._scenarios import Case, Scenarios
from ._types import FloatArray, Strategy, nan_as, quiet_floats, replaced

__all__ = [
    "Evaluation",
    "FixedRows",
    "Parts",
    "ScoredRows",
    "evaluate",
    "evaluate_tables",
    "quality_features",
]

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING


def quality_features(case: Case) -> QualityFeatures:
    """What the quality model is told about the task (its examples and demonstrations
    are set per row)."""
    icl, ft = case.icl, case.ft
    shots = case.shots_given if case.shots_given is not None else case.default_shots
    return quality_features_for(
        case.profile,
        icl,
        ft,
        icl_shots=shots,
        same_model=icl.name.lower() == ft.name.lower(),
        retrieval=case.profile.resolved_retrieved_tokens() > 0,
    )


@dataclass
class Parts:
    """The advisor's swappable parts one evaluation needs, with the task's quality inputs."""

    rulebook: Rulebook
    quality: QualityModel
    policy: DecisionPolicy
    base_quality: QualityFeatures
    pilot: PilotResult | None
    min_examples: int = 0  # the fine-tuning offer's minimum: fewer can never be trained
    _gains: dict[tuple[int, int, bool], float] = field(default_factory=dict)
    # the quality model's gain over (examples, demonstrations, retrieval) for this task
    # (None: a stand-in model without one, asked task by task)
    _varying: Callable[[FloatArray, FloatArray, FloatArray], FloatArray] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        base, pilot = self.base_quality, self.pilot
        varying = getattr(self.quality, "gains_varying", None)
        if varying is not None:
            self._varying = varying(base, pilot)
        elif (expected := getattr(self.quality, "expected_gain_varying", None)) is not None:
            self._varying = lambda n, shots, rag: expected(base, n, shots, rag, pilot)

    def gain_of(self, n: FloatArray, shots: FloatArray, retrieved: FloatArray) -> FloatArray:
        """Fine-tuning's expected gain (points) for each row's examples, demonstrations and
        retrieved context (whether the prompt carries any), computed once per distinct
        triple (those not seen before in one vectorised call)."""
        rag = np.asarray(retrieved) > 0
        n, shots, rag = np.broadcast_arrays(n, shots, rag)
        triples = np.stack([n.reshape(-1), shots.reshape(-1), rag.reshape(-1)]).astype(np.float64)
        distinct, inverse = _distinct_columns(triples)
        keys = [(int(a), int(b), bool(c)) for a, b, c in distinct.T.tolist()]
        missing = [k for k in dict.fromkeys(keys) if k not in self._gains]
        if missing:
            self._gains.update(zip(missing, self._gains_of(missing), strict=True))
        values = np.array([self._gains[k] for k in keys], dtype=np.float64)
        return np.asarray(values[inverse], dtype=np.float64).reshape(n.shape)

    def _gains_of(self, keys: list[tuple[int, int, bool]]) -> list[float]:
        if self._varying is not None:
            n, shots, rag = (np.array(c, dtype=np.float64) for c in zip(*keys, strict=True))
            return [float(g) for g in self._varying(n, shots, rag)]
        features = [
            replaced(self.base_quality, n_labeled_examples=n, icl_shots=shots, icl_retrieval=rag)
            for n, shots, rag in keys
        ]
        many = getattr(self.quality, "expected_gain_many", None)
        if many is not None:
            return [float(g) for g in many(features, self.pilot)]
        return [self.quality.predict(f, self.pilot).expected_gain_points for f in features]


def _distinct_columns(table: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """The distinct columns of a (3, rows) table of whole numbers, in lexicographic order,
    and each row's index among them (``np.unique(axis=1)``, through one sort of a combined
    key where the numbers allow it; none where every column is the first)."""
    if table.shape[1] and (table == table[:, :1]).all():  # one triple (no NaN: it equals)
        return table[:, :1], np.zeros(table.shape[1], dtype=np.intp)
    if table.shape[1] and np.isfinite(table).all() and (table >= 0).all():
        width = table[1:].max(axis=1) + 1.0  # the last two columns' ranges
        span = (table[0].max() + 1.0) * width[0] * width[1]
        if span < 2.0**52 and (table == np.floor(table)).all():
            code = (table[0] * width[0] + table[1]) * width[1] + table[2]
            codes, inverse = np.unique(code, return_inverse=True)
            first = np.empty(len(codes), dtype=np.intp)
            first[inverse[::-1]] = np.arange(len(code) - 1, -1, -1)  # a row of each code
            return table[:, first], inverse.reshape(-1)
    distinct, inverse = np.unique(table, axis=1, return_inverse=True)
    return distinct, inverse.reshape(-1)


@dataclass
class FixedRows:
    """Rows to evaluate with their demonstrations (NaN: planned) and their quality gain
    (None: the quality model's expected gain), alone or in one table with other rows
    (:func:`evaluate_tables`)."""

    scenarios: Scenarios
    shots: FloatArray
    gain: FloatArray | None = None


@dataclass
class Evaluation:
    """Every stage's arrays for every row of one scenario table."""

    scenarios: Scenarios
    plan: Plan
    bills: Bills
    columns: dict[str, Any]  # every rule input (RuleInputs) over the rows
    rules: RuleResults
    gain: FloatArray
    scores: RowScores

    @property
    def rows(self) -> int:
        return self.scenarios.rows


@dataclass
class ScoredRows:
    """The scores and both totals of some rows of an evaluation (what a summary of many
    rows reads)."""

    scores: RowScores
    totals: dict[Strategy, FloatArray]

    @classmethod
    def of(cls, ev: Evaluation, rows: slice = slice(None)) -> ScoredRows:
        return cls(ev.scores.take(rows), {k: ev.bills.total[k][rows] for k in (FT, ICL)})


#: The rule inputs that hold latency, each a strategy's chosen route's (a rule with an
#: effect that reads one needs every row timed, budget or not).
_LATENCY_PICKS = {
    "icl_latency_ms": (ICL, "lat_p95"),
    "ft_latency_ms": (FT, "lat_p95"),
    "icl_latency_median_ms": (ICL, "lat_median"),
    "ft_latency_median_ms": (FT, "lat_median"),
    "icl_ttft_ms": (ICL, "lat_ttft"),
    "icl_within_budget_probability": (ICL, "lat_within"),
    "ft_within_budget_probability": (FT, "lat_within"),
}
LATENCY_COLUMNS = tuple(_LATENCY_PICKS)


def _people_hours(s: Scenarios, b: Bills) -> str:
    """The people's hours in the first row's bills, in words (what people-time-assumed
    lists): the hours of both strategies' work, and a month of running each one's own
    weights where its chosen route serves them."""

    def hours(x: float) -> str:
        return f"{x:.3g} h"

    names = ("prompt_engineering_hours", "ft_setup_hours", "ft_retraining_hours", "hourly_usd")
    first = {k: float(np.ravel(s[k])[0]) for k in names}
    parts = [
        f"prompt engineering {hours(first['prompt_engineering_hours'])}",
        f"fine-tuning set-up {hours(first['ft_setup_hours'])}",
        f"{hours(first['ft_retraining_hours'])} per retraining",
    ]
    for k, whose in ((FT, "the tuned model's"), (ICL, "the prompted model's")):
        ops = float(b.pick(k, "ops_per_month")[0])
        if ops > 0 and first["hourly_usd"] > 0:
            parts.append(f"running {whose} own weights {hours(ops / first['hourly_usd'])} a month")
    return ", ".join(parts)


#: The cost columns of each strategy (``ft_...``, ``icl_...``).
_PER_STRATEGY = (
    "per_request_usd", "monthly_usd", "total_usd", "people_usd", "serving_mode",
    "batch_priced", "unpriced",
)  # fmt: skip
#: The columns that compare the two strategies' monthly costs.
_PAYBACK = (
    "ft_one_time_usd", "payback_months", "payback_days", "savings_per_month_usd",
    "retrain_payback_days",
)  # fmt: skip


def _cost_columns(
    case: Case, b: Bills, break_even: float | None, needed: frozenset[str] | None = None
) -> dict[str, Any]:
    """The rule inputs of the bills; with ``needed`` (the inputs the rules with an effect
    read, for a pass without notes), only those and what they are computed from."""

    def wanted(*names: str) -> bool:
        return needed is None or not needed.isdisjoint(names)

    months = b.months
    out: dict[str, Any] = {}
    once: dict[Strategy, FloatArray] = {}
    monthly: dict[Strategy, FloatArray] = {}
    payback_wanted = wanted(*_PAYBACK)
    for k, tag in ((FT, "ft"), (ICL, "icl")):
        names = [f"{tag}_{n}" for n in _PER_STRATEGY]
        if not (payback_wanted or wanted(*names)):
            continue
        total = b.total[k]
        once[k] = b.pick(k, "one_time")
        monthly[k] = (total - once[k]) / months
        if not wanted(*names):
            continue
        runs = b.pick(k, "runs")
        people = (
            b.pick(k, "people_once")
            + np.maximum(runs - 1.0, 0.0) * b.pick(k, "people_per_retraining")
            + b.pick(k, "changes")
            + months * b.pick(k, "ops_per_month")
        )
        modes = np.array([route_label(o) for o in b.options[k]], dtype=object)
        out |= {
            f"{tag}_per_request_usd": b.pick(k, "per_request"),
            f"{tag}_monthly_usd": monthly[k],
            f"{tag}_total_usd": total,
            f"{tag}_people_usd": people,
            f"{tag}_serving_mode": modes[b.chosen[k]],
            f"{tag}_batch_priced": b.pick(k, "batch_flag"),
            f"{tag}_unpriced": np.isnan(total),
        }
    if payback_wanted:
        out["ft_one_time_usd"] = once[FT]
    picks = {
        "ft_training_usd": "training_run",
        "ft_training_runs": "runs",
        "ft_replicas": "replicas",
        "ft_replicas_for_load": "replicas_for_load",
        "ft_hosting_usd_per_month": "fee_per_month",
    }
    out |= {name: b.pick(FT, attr) for name, attr in picks.items() if wanted(name)}
    out["break_even_requests_per_month"] = np.nan if break_even is None else break_even
    if payback_wanted:
        run = b.pick(FT, "training_run")
        retraining = b.pick(FT, "retraining")
        savings = monthly[ICL] - monthly[FT]
        payback = np.where(savings > 0, np.maximum(once[FT] - once[ICL], 0.0) / savings, np.nan)
        gross = savings + retraining / months
        per_run = run + b.pick(FT, "people_per_retraining")
        retrain_days = np.where(gross > 0, per_run / gross * case.days_per_month, np.nan)
        out |= {
            "payback_months": payback,
            "payback_days": payback * case.days_per_month,
            "savings_per_month_usd": savings,
            "retrain_payback_days": retrain_days,
        }
    return out


@quiet_floats
def evaluate(
    case: Case,
    s: Scenarios,
    parts: Parts,
    *,
    shots: FloatArray | None = None,
    gain: FloatArray | None = None,
    expected: np.ndarray | None = None,
    break_even: float | None = None,
    notes: bool = True,
) -> Evaluation:
    """Every stage, once, for every row of ``s``.

    ``shots`` fixes the demonstrations (the simulation keeps the point's prompt); rows
    where it is NaN, or every row without it, have their prompt planned. ``gain``
    replaces the quality model's expected gain (the simulation draws it), except in the
    rows ``expected`` marks. ``break_even`` is what rules testing the break-even see.
    Without ``notes`` only the rules with an effect on the decision are evaluated, and the
    prompt's count is put in words (``icl_shots_reason``) only if one of them reads it.
    """
    # without notes only the rules with an effect are evaluated: only what they read is
    # computed (None: every input)
    needed = None if notes else parts.rulebook.decision_inputs
    # the prompt's count in words (the first row's, in every row) where a rule reads it
    explained = needed is None or "icl_shots_reason" in needed
    plan = _plan(case, s, parts, shots, explained=explained)
    # latency is shown and noted at the point; elsewhere it matters only against a budget
    # (or to a rule with an effect that reads it)
    timed = needed is None or not needed.isdisjoint(LATENCY_COLUMNS)
    bills = price(case, s, plan.shots, timed=timed)
    own = {k: bills.pick(k, "self_hosted_flag") > 0 for k in (FT, ICL)}
    features = feature_columns(
        case,
        s,
        shots=plan.shots,
        planned=plan.planned,
        wanted=plan.wanted,
        room=plan.room,
        prompt=bills.prompt,
        changes=bills.changes,
        epochs=bills.epochs,
        batch={ICL: bills.prompt.batch, FT: _ft_batch(bills)},
        own_weights=own,
        shots_reason=plan.reason,
    )
    columns = {**features, **_cost_columns(case, bills, break_even, needed)}
    if needed is None or "people_hours" in needed:
        columns["people_hours"] = _people_hours(s, bills)
    columns |= {
        name: bills.pick(*which)
        for name, which in _LATENCY_PICKS.items()
        if needed is None or name in needed
    }
    rules = parts.rulebook.evaluate_rows(_rule_view(columns), notes=notes)
    if gain is None:
        gain = parts.gain_of(s["n_examples"], plan.shots, s["retrieved_tokens"])
    elif expected is not None and expected.any():  # the model's gain in those rows alone
        rows = np.flatnonzero(expected)
        at = s.take(rows)
        gain = np.array(np.broadcast_to(gain, (s.rows,)), dtype=np.float64)
        gain[rows] = parts.gain_of(at["n_examples"], plan.shots[rows], at["retrieved_tokens"])
    gain = np.broadcast_to(gain, (s.rows,))
    totals = (bills.total[FT], bills.total[ICL], bills.known[FT], bills.known[ICL])
    trainable = s["n_examples"] >= case.ft_min_examples
    meets = {k: nan_as(bills.pick(k, "lat_within"), 1.0) for k in (FT, ICL)}
    scores = score_rows(
        gain, totals, rules.fired, parts.rulebook.effects, parts.policy, trainable,
        meets=meets,
    )  # fmt: skip
    return Evaluation(s, plan, bills, columns, rules, gain, scores)


def evaluate_tables(
    case: Case, parts: Parts, tables: Sequence[FixedRows], *, notes: bool = False
) -> tuple[Evaluation, list[slice]]:
    """Several tables of rows that do not depend on each other evaluated as one (the
    per-call cost of the pipeline paid once; each row is what it is alone, to the bit):
    the evaluation and each table's rows in it."""
    s = tables[0].scenarios if len(tables) == 1 else Scenarios.concat(t.scenarios for t in tables)
    shots = np.concatenate([t.shots for t in tables])
    given = [t.gain is not None for t in tables]
    gain = expected = None
    if any(given):
        gain = np.concatenate([
            t.gain if t.gain is not None else np.full(t.scenarios.rows, np.nan) for t in tables
        ])  # fmt: skip
        expected = np.concatenate([np.full(t.scenarios.rows, not g) for t, g in zip(
            tables, given, strict=True)])  # fmt: skip
    ev = evaluate(case, s, parts, shots=shots, gain=gain, expected=expected, notes=notes)
    slices, at = [], 0
    for t in tables:
        slices.append(slice(at, at + t.scenarios.rows))
        at += t.scenarios.rows
    return ev, slices


@quiet_floats
def with_break_even(ev: Evaluation, break_even: float, parts: Parts) -> Evaluation:
    """The same evaluation with the break-even known to the rules (the rules that read it
    evaluated again, and the scores that follow; nothing else depends on it). ``ev`` has
    every rule evaluated (with notes), as the point's evaluation has."""
    columns = {**ev.columns, "break_even_requests_per_month": break_even}
    rules = parts.rulebook.with_input_changed(
        _rule_view(columns), ev.rules, "break_even_requests_per_month"
    )
    b = ev.bills
    totals = (b.total[FT], b.total[ICL], b.known[FT], b.known[ICL])
    trainable = ev.scenarios["n_examples"] >= parts.min_examples
    meets = {k: nan_as(b.pick(k, "lat_within"), 1.0) for k in (FT, ICL)}
    scores = score_rows(
        ev.gain, totals, rules.fired, parts.rulebook.effects, parts.policy, trainable,
        meets=meets,
    )  # fmt: skip
    return Evaluation(ev.scenarios, ev.plan, b, columns, rules, ev.gain, scores)


def _ft_batch(b: Bills) -> np.ndarray:
    opts = b.options[FT]
    batch = [o.allowed for o in opts if o.batch]
    return batch[0] if batch else np.zeros(b.volume.shape, dtype=bool)


def _plan(
    case: Case, s: Scenarios, parts: Parts, shots: FloatArray | None, *, explained: bool
) -> Plan:
    """Each row's prompt: planned where ``shots`` is None or NaN, else as given; with
    ``explained``, the first row's count in words (the note that reads it)."""
    if shots is None:
        need = np.ones(s.rows, dtype=bool)
    else:
        need = np.isnan(shots)
        if not need.any():
            return _fixed_plan(case, s, shots)
    sub = s if need.all() else s.take(need)
    planned = plan_prompt(
        case,
        sub,
        policy=parts.policy,
        gain_of=parts.gain_of,
        explained=explained,
    )
    if need.all():
        return planned
    assert shots is not None
    out = _fixed_plan(case, s, np.where(need, 0.0, shots))
    for name in ("shots", "planned", "wanted", "room"):
        getattr(out, name)[need] = getattr(planned, name)
    out.reason = planned.reason if need[0] else None
    return out


def _fixed_plan(case: Case, s: Scenarios, shots: FloatArray) -> Plan:
    from ._features import shots_that_fit

    demo = s["query_tokens"] + s["output_tokens"]
    room = shots_that_fit(
        s["instruction_tokens"] + s["retrieved_tokens"] + demo, demo, case.icl.context_window
    )
    planned = np.full(s.rows, float(case.default_shots))
    given = s["icl_shots"]
    wanted = np.where(np.isnan(given), np.minimum(planned, s["n_examples"]), given)

    def full(x: FloatArray) -> FloatArray:
        return np.array(np.broadcast_to(np.asarray(x, dtype=np.float64), (s.rows,)))

    return Plan(full(shots), planned, full(wanted), full(room), None)


def _rule_view(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The columns as the condition language reads them: numbers and yes/no as floats."""
    out: dict[str, Any] = {}
    for k, v in columns.items():
        if isinstance(v, np.ndarray) and v.dtype == bool:
            out[k] = v.astype(np.float64)
        elif isinstance(v, bool):
            out[k] = float(v)
        elif v is None:
            out[k] = np.nan
        else:
            out[k] = v
    return out


def _typed_fields() -> tuple[frozenset[str], frozenset[str]]:
    from ._rules import RuleInputs

    ints, bools = set(), set()
    for name, f in RuleInputs.model_fields.items():
        if f.annotation in (int, int | None):
            ints.add(name)
        elif f.annotation in (bool, bool | None):
            bools.add(name)
    return frozenset(ints), frozenset(bools)


def rule_inputs_at(columns: Mapping[str, Any], row: int = 0) -> dict[str, Any]:
    """Every rule input in one row, as plain values (what a rule's trace shows)."""
    from ._features import scalar
    from ._rules import RuleInputs

    ints, bools = _typed_fields()
    return {
        k: scalar(columns[k], row, integer=k in ints, boolean=k in bools)
        for k in RuleInputs.model_fields
    }
