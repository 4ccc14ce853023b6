"""Flip points: where one input alone would change the recommended strategy.

Every input listed in ``data/exploration.json`` is walked away from its value, both ways, in
steps, within its plausible range; all probes of all inputs are evaluated together on the
pipeline (:func:`~._pipeline.evaluate`, prompt re-planned as ``what_if`` does), and each
first change is narrowed until it is exact (:mod:`._search`). A probe is what a profile
accepts: a value outside a field's bounds, or one that breaks a rule between fields (more
demonstrations than examples), ends the walk, as it would end a ``what_if``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._breakeven import break_even_of, break_even_walk, relative_gap
from ._decision import RowScores, score_in_dollars
from ._pipeline import Evaluation, FixedRows, Parts, ScoredRows, evaluate_tables
from ._scenarios import Case, Scenarios, knob_for_path, knob_named
from ._search import Change, Walk, first_changes
from ._types import FloatArray, Strategy, construct, quiet_floats
from ._whatif import (
    FlipPoint,
    _Exploration,
    _FieldSetting,
    exploration_settings,
    flip_text,
    value_text,
)

__all__ = ["Explored", "explore", "resolution_at_zero"]

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING

_LIMIT = 1e15  # the profile's sanity limit for numbers (_types)
_COUNT_LIMIT = 1e12


def _bounds(setting: _FieldSetting, x0: float) -> tuple[float, float]:
    if setting.bounds == "absolute":
        return setting.low, setting.high
    scale = x0 if x0 > 0 else setting.floor
    return setting.low * scale, setting.high * scale


def _step(x: float, setting: _FieldSetting, direction: int, integer: bool) -> float:
    if integer:
        if setting.step >= 2 and x >= 1:
            nxt = x * setting.step if direction > 0 else x / setting.step
            return float(math.ceil(nxt) if direction > 0 else math.floor(nxt))
        return x + direction
    if x <= 0:
        return setting.floor * 1e-3 if direction > 0 else -1.0
    nxt = x * setting.step if direction > 0 else x / setting.step
    if direction < 0 and nxt < setting.floor * 1e-3:
        return 0.0
    return nxt


def _walk_points(setting: _FieldSetting, x0: float, direction: int) -> list[float]:
    """The probes of one walk, from the value outwards, ending at the range's bound."""
    lo, hi = _bounds(setting, x0)
    integer = setting.kind == "int"
    out: list[float] = []
    prev = x = x0
    for _ in range(200):  # a walk of factor-2 steps crosses any range in far fewer
        x = _step(x, setting, direction, integer)
        if (direction > 0 and x > hi) or (direction < 0 and x < lo):
            x = hi if direction > 0 else lo
            if integer:
                x = float(math.floor(x) if direction > 0 else math.ceil(x))
            if (x - prev) * direction <= 0:
                break
        out.append(x)
        if x in (lo, hi):
            break
        prev = x
    return out


def _accepted(case: Case, knob: str, values: FloatArray) -> np.ndarray:
    """Where a profile accepts the value for this input (its field's bounds and the rules
    between fields), as ``what_if`` would validate it."""
    p = case.profile
    finite = np.isfinite(values) & (values <= _LIMIT)
    if knob in ("horizon_months", "query_tokens", "output_tokens", "change_interval_days",
                "latency_budget_ms"):  # fmt: skip
        return finite & (values > 0)
    if knob == "icl_shots":
        ok = finite & (values >= 0) & (values <= p.n_labeled_examples)
        pilot = p.pilot.icl_shots if p.pilot is not None else None
        return ok & (values == pilot) if pilot is not None else ok
    if knob == "n_examples":
        least = max(p.icl_shots or 0, (p.pilot.icl_shots or 0) if p.pilot else 0)
        return finite & (values >= least) & (values <= _COUNT_LIMIT)
    if knob == "adapters":
        return finite & (values >= 1) & (values <= _COUNT_LIMIT)
    if knob == "icl_input":
        cached = case.icl.cached_input_usd_per_mtok
        return finite & (values >= (cached or 0.0))
    if knob == "icl_cached":
        full = case.icl.input_usd_per_mtok
        return finite & (values >= 0) & (values <= (full if full is not None else _LIMIT))
    if knob in ("prompt_engineering_hours", "ft_setup_hours", "ft_retraining_hours",
                "prompt_revision_hours", "prompt_migration_hours", "ops_hours"):  # fmt: skip
        return finite & (values >= 0) & (values <= 1e6)
    return finite & (values >= 0)


def _outcome(sc: RowScores, neither: bool) -> np.ndarray:
    """What a probe must change: the strategy; where neither strategy is feasible as
    described, also which ones are (bit 1: fine-tuning, 2: fine-tuning infeasible, 4:
    prompting infeasible)."""
    out = sc.fine_tuning.astype(np.intp)
    if neither:
        out = out + 2 * sc.infeasible_ft.astype(np.intp) + 4 * sc.infeasible_icl.astype(np.intp)
    return out


def resolution_at_zero(setting: _FieldSetting, precision: float) -> float:
    """How narrow a bracket that ends at 0 must become (it has no relative scale): the
    precision of the input's own scale, its ``floor`` in ``data/exploration.json``."""
    return precision * setting.floor


def _any_amount(setting: _FieldSetting, x0: float, value: float, precision: float) -> bool:
    """A flip from 0 at the search's resolution: any amount of the input flips the answer."""
    return setting.kind != "int" and x0 == 0 and 0 < value <= resolution_at_zero(setting, precision)


def _window(setting: _FieldSetting, value: float, until: float | None) -> str:
    """Where the new answer ends, in words ("" where it holds to the end of the walk):
    "only below 28", "only above 2.74 months"; as a share of the value where the two read
    the same ("only for 0.4% further")."""
    if until is None:
        return ""
    words = value_text(until, setting)
    if words == value_text(value, setting) and value:
        return f"only for {100 * abs(until - value) / abs(value):.2g}% further"
    return f"only {'below' if until > value else 'above'} {words}"


def _with_window(words: str, window: str) -> str:
    """``words`` with the window in brackets, in the bracket they end with if they do
    ("3.15 months (+0.4%; only below 3.2 months)")."""
    if not window:
        return words
    if words.endswith(")"):
        return f"{words[:-1]}; {window})"
    return f"{words} ({window})"


def _holds(
    setting: _FieldSetting, x0: float, value: float, precision: float, until: float | None
) -> str:
    """How far a fact can move before the answer does: the last value before the flip; and,
    past a window, where today's answer holds again."""
    if _any_amount(setting, x0, value, precision):
        words = f"only at {value_text(0.0, setting)}"
    elif setting.kind != "int" and value == 0 and x0 > 0:  # only none flips it
        words = f"down to just above {value_text(0.0, setting)}"
    else:
        step = (1.0 if value < x0 else -1.0) if setting.kind == "int" else 0.0
        way = "up to" if value > x0 else "down to"
        words = f"{way} {value_text(value + step, setting)}"
    if until is None:
        return words
    again = "from" if until > value else "at"
    below = "" if until > value else " or below"
    return f"{words} (and again {again} {value_text(until, setting)}{below})"


@dataclass
class Explored:
    """What the joint search found: the break-even, the flip points, and the totals at
    the volumes of the break-even's walk and of the crossing it found (for the cost curve;
    at a jump also the last priced volume before it, so that the jump is drawn as a step)."""

    break_even: float | None
    flip_points: tuple[FlipPoint, ...]
    volumes: dict[float, tuple[float, float, float]]  # volume: (ft total, icl total, shots)
    along: ScoredRows | None = None  # the rows evaluated with the first probes


@quiet_floats
def explore(
    case: Case,
    parts: Parts,
    point: Scenarios,
    at_point: Evaluation,
    *,
    flips: bool = True,
    along: FixedRows | None = None,
) -> Explored:
    """The break-even and (with ``flips``) every input's nearest flip point in each
    direction, inside its plausible range, searched together: one table of probes per
    round. ``along``: rows that do not depend on the search (the simulation's), evaluated
    in one table with its first probes and returned evaluated (None if the search made no
    probe)."""
    settings = exploration_settings()
    sc0 = at_point.scores
    neither = bool(sc0.infeasible_ft[0] and sc0.infeasible_icl[0])
    current = _outcome(sc0, neither)[0]
    planned = float(at_point.plan.shots[0])
    # the walks narrow on the score in dollars (score_in_dollars), the break-even's on the
    # difference of the totals: both straight in most inputs, so the secant closes brackets
    start_signal = float(score_in_dollars(sc0.total, at_point.bills.total[FT], parts.policy)[0])
    walks: list[Walk] = []
    meta: list[tuple[_FieldSetting, str, float] | None] = []
    walks.append(break_even_walk())
    meta.append(None)
    for setting in settings.fields if flips else ():
        knob = knob_for_path(setting.path)
        if knob is None:
            continue
        x0 = float(point[knob.name][0])
        if knob.name == "icl_shots" and math.isnan(x0):
            x0 = planned  # the advisor chose them: a what-if gives them
        if not math.isfinite(x0):
            continue
        for direction in (+1, -1):
            pts = _walk_points(setting, x0, direction)
            if not pts:
                continue
            walks.append(
                Walk(
                    start=x0,
                    outcome=int(current),
                    signal=start_signal,
                    points=pts,
                    integer=setting.kind == "int",
                    geometric=setting.bounds == "scale" and x0 > 0,
                    precision=settings.relative_precision,
                    resolution=resolution_at_zero(setting, settings.relative_precision),
                    # where neither strategy is feasible, the outcome holds which are: its
                    # next change need not end what the flip point says (makes_feasible)
                    until=not neither,
                )
            )
            meta.append((setting, knob.name, x0))
    names = ["volume" if m is None else m[1] for m in meta]
    unique = list(dict.fromkeys(names))
    is_be = np.array([m is None for m in meta], dtype=bool)
    tuned_only = np.array([knob_named(n).tuned_only for n in unique], dtype=bool)
    knob_of_walk = np.array([unique.index(n) for n in names], dtype=np.intp)
    volumes: dict[float, tuple[float, float, float]] = {}
    carried: list[ScoredRows] = []

    def probe(index: np.ndarray, values: FloatArray) -> tuple[np.ndarray, FloatArray, np.ndarray]:
        knob_index = knob_of_walk[index]
        rows = point.probes(unique, knob_index, values)
        shots = np.where(tuned_only[knob_index], planned, np.nan)
        tables = [FixedRows(rows, shots)]
        if along is not None and not carried:  # the first probes, with the rows along
            tables.append(along)
        ev, (mine, *theirs) = evaluate_tables(case, parts, tables)
        carried.extend(ScoredRows.of(ev, t) for t in theirs)
        sc = ev.scores.take(mine)
        ft, icl = ev.bills.total[FT][mine], ev.bills.total[ICL][mine]
        gap = relative_gap(ft, icl)
        be_rows = is_be[index]
        forced = sc.infeasible_ft ^ sc.infeasible_icl
        outcome = np.where(be_rows, gap <= 0, _outcome(sc, neither)).astype(np.intp)
        dollars = score_in_dollars(sc.total, ft, parts.policy)
        signal = np.where(be_rows, ft - icl, np.where(forced, np.nan, dollars))
        ok = np.ones(len(values), dtype=bool)
        for i, name in enumerate(unique):
            mask = (knob_index == i) & ~be_rows
            if mask.any():
                ok[mask] = _accepted(case, name, values[mask])
        ok[be_rows] = ~np.isnan(gap[be_rows])
        for j in np.flatnonzero(be_rows).tolist():
            volumes[float(values[j])] = (float(ft[j]), float(icl[j]), float(ev.plan.shots[j]))
        return outcome, signal, ok

    found = first_changes(walks, probe)
    be = _break_even(found[0], volumes)
    volumes = _curve_volumes(volumes, walks[0], found[0], be)
    found_flips: list[FlipPoint] = []
    for m, hit in zip(meta, found, strict=True):
        if m is None:
            continue
        if hit is None:
            continue
        setting, _, x0 = m
        value, code, until = hit.value, hit.outcome, hit.until
        integer = setting.kind == "int"
        makes = None
        if neither:  # what changed is which strategies are feasible
            makes = (
                Strategy.FINE_TUNING
                if not code & 2
                else Strategy.IN_CONTEXT_LEARNING
                if not code & 4
                else None
            )
        found_flips.append(
            construct(
                FlipPoint,
                field=setting.path,
                label=setting.label,
                current=int(x0) if integer else float(x0),
                value=int(value) if integer else float(value),
                becomes=Strategy.FINE_TUNING if code & 1 else Strategy.IN_CONTEXT_LEARNING,
                until=None if until is None else int(until) if integer else float(until),
                text=_with_window(
                    f"above {value_text(0.0, setting)}"
                    if _any_amount(setting, float(x0), value, settings.relative_precision)
                    else flip_text(float(x0), value, setting),
                    _window(setting, value, until),
                ),
                current_text=value_text(float(x0), setting),
                makes_feasible=makes,
                holds=(
                    _holds(setting, float(x0), value, settings.relative_precision, until)
                    if setting.role == "fact"
                    else None
                ),
                kind=setting.role,
            )
        )
    return Explored(
        be, _nearest_first(found_flips, settings), volumes, carried[0] if carried else None
    )


def _break_even(
    hit: Change | None, volumes: dict[float, tuple[float, float, float]]
) -> float | None:
    """The break-even from its walk's first change (narrowed on the totals' difference in
    dollars) and the totals priced there (read on their relative gap)."""
    if hit is None:
        return None
    ft, icl, _ = volumes[hit.value]
    return break_even_of(hit.value, ft, icl)


def _curve_volumes(
    volumes: dict[float, tuple[float, float, float]],
    walk: Walk,
    hit: Change | None,
    break_even: float | None,
) -> dict[float, tuple[float, float, float]]:
    """The totals the cost curve draws: at the break-even walk's volumes and where the
    crossing was found; at a jump (no volume with equal totals) also the last priced volume
    before it, so that the chart draws the jump as a step."""
    kept = set(walk.points)
    if hit is not None:
        change = hit.value
        kept.add(change)
        if break_even is None:
            priced = [v for v, t in volumes.items() if v < change and not math.isnan(t[0] - t[1])]
            kept.add(max(priced, default=change))
    return {v: t for v, t in volumes.items() if v in kept}


def _nearest_first(flips: list[FlipPoint], settings: _Exploration) -> tuple[FlipPoint, ...]:
    """Nearest first (|ln(value / current)|); flips as near as the search can tell apart
    (within twice its precision: costs that scale with volume × months, or rate × hours,
    flip at the same distance) in the order of the inputs in ``data/exploration.json``."""
    order = {f.path: i for i, f in enumerate(settings.fields)}
    tie = 2.0 * settings.relative_precision
    out: list[FlipPoint] = []
    group: list[FlipPoint] = []
    for f in sorted(flips, key=lambda f: f.relative_distance):
        if group and not f.relative_distance - group[0].relative_distance <= tie:
            out.extend(sorted(group, key=lambda g: order.get(g.field, len(order))))
            group = []
        group.append(f)
    out.extend(sorted(group, key=lambda g: order.get(g.field, len(order))))
    return tuple(out)
