"""The simulation: the draws of every estimated input, priced and decided, and what they say.

The draws (:func:`~._estimates.draw`) and, for the sensitivity table, each estimate alone
at the ends of its interval are one table of rows (:func:`simulation_table`), with the prompt
as planned for the point estimate. They are evaluated on the pipeline alone
(:func:`evaluate_table`) or with the flip search's first probes (they depend on the point
only). From them (:func:`summarise`): each strategy's total as a median with an interval;
the share of draws in which each strategy is the better choice (the confidence); the
expected value of perfect information (``docs/decision.md``); and the tornado.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ._decision import DecisionPolicy, RowScores
from ._estimates import Draws, Estimate, GainOfZ, draw, estimates, gain_at
from ._pipeline import Evaluation, FixedRows, Parts, ScoredRows, evaluate
from ._quality import QualityEstimate
from ._scenarios import Case, Scenarios
from ._types import FloatArray, Strategy, construct, quiet_floats
from ._uncertainty import (
    SensitivityRow,
    TotalDriver,
    Uncertainty,
    far_from_median,
    uncertainty_settings,
)

__all__ = [
    "SimulationResult",
    "SimulationTable",
    "Spread",
    "at_volume",
    "drawn_gains",
    "evaluate_table",
    "simulation_table",
    "spreads",
    "summarise",
]

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
Interval = tuple[float | None, float | None, float | None]  # median, low, high
#: Swings (log-odds) closer than this are a tie: such rows keep the order of the estimates
#: instead of one set by rounding in the last digits (far below any digit shown).
_SWING_TIE = 1e-9


@dataclass
class SimulationResult:
    """What the simulation gives the recommendation."""

    uncertainty: Uncertainty
    draws: Scenarios  # the drawn scenarios (for the cost curve's intervals)
    intervals: dict[Strategy, Interval]
    sensitivity: tuple[SensitivityRow, ...]
    share_fine_tuning_better: float


@dataclass
class Spread:
    """The percentiles of one evaluated simulation: each strategy's total (median and the
    interval's ends; None where a draw is unpriced) and the ends of the interval of the
    decision score and of its cost term."""

    intervals: dict[Strategy, Interval]
    score: tuple[float, float]
    cost: tuple[float, float]


def spreads(evs: Sequence[ScoredRows], n: int, level: float) -> list[Spread]:
    """The percentiles of the first ``n`` rows (the draws) of each of several evaluated
    simulations: every quantity of every simulation in one ``np.quantile`` over a
    (quantities × simulations, draws) array, the values each alone gives."""
    lo, hi = (1 - level) / 2, (1 + level) / 2
    m = len(evs)
    x = np.stack([a[:n] for ev in evs for a in (ev.totals[FT], ev.totals[ICL],
                                                 ev.scores.total, ev.scores.cost)])  # fmt: skip
    q = np.quantile(x, [lo, 0.5, hi], axis=1).reshape(3, m, 4)
    unpriced = np.isnan(x).any(axis=1).reshape(m, 4)
    out = []
    for j in range(m):
        intervals: dict[Strategy, Interval] = {}
        for c, k in enumerate((FT, ICL)):
            intervals[k] = (
                (None, None, None) if unpriced[j, c]
                else (float(q[1, j, c]), float(q[0, j, c]), float(q[2, j, c]))
            )  # fmt: skip
        out.append(Spread(intervals, (float(q[0, j, 2]), float(q[2, j, 2])),
                          (float(q[0, j, 3]), float(q[2, j, 3]))))  # fmt: skip
    return out


def _ranks(x: FloatArray) -> FloatArray:
    """Each value's rank in ``x`` as a share in (0, 1) (ties broken by position)."""
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = (np.arange(len(x)) + 0.5) / len(x)
    return r


def _rank_correlations(u: FloatArray, score_ranks: FloatArray) -> FloatArray:
    """:func:`_rank_correlation` of each row of ``u`` (inputs by draws) at once."""
    cu = u - u.mean(axis=1, keepdims=True)
    cr = score_ranks - score_ranks.mean()
    su, sr = cu.std(axis=1), cr.std()
    if sr == 0:
        return np.zeros(u.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (cu @ cr) / u.shape[1] / (su * sr)
    return np.where(su > 0, out, 0.0)


def _rank_correlation(u: FloatArray, score_ranks: FloatArray) -> float:
    """Spearman's correlation of an input with the score: the input's draws are uniform
    percentiles (their own ranks, up to ties of a two-valued input), so it is the
    correlation of those percentiles with the score's ranks."""
    su, sr = u.std(), score_ranks.std()
    if len(u) < 3 or su == 0 or sr == 0:
        return 0.0
    return float(np.mean((u - u.mean()) * (score_ranks - score_ranks.mean())) / (su * sr))


def _net_benefit(ev: ScoredRows, rows: slice, policy: DecisionPolicy) -> tuple[FloatArray, ...]:
    """Fine-tuning's net benefit in each draw, in dollars at prompting's cost scale:
    ``(C_icl + f)·exp((G/g + R)/k) − (C_ft + f)``, positive exactly where the draw's
    score is when the latency budget's term is 0 (and its parts for the partial values).
    That term, ``ln P_ft − ln P_icl``, is a chance, not a cost: at ``exp(L/k)`` a chance
    floored at 1e-6 would multiply a total by up to 6,100 (the default policy), so the value
    of information leaves it out (``docs/decision.md``)."""
    f, k = policy.cost_floor_usd, policy.cost_weight
    c_icl = ev.totals[ICL][rows] + f
    c_ft = ev.totals[FT][rows] + f
    quality = np.exp(ev.scores.quality[rows] / k)
    rules = np.exp(ev.scores.rules[rows] / k)
    return c_icl * rules, quality, c_ft


def _evpi(ev: ScoredRows, rows: slice, policy: DecisionPolicy) -> tuple[float, float, float]:
    a, q, b = _net_benefit(ev, rows, policy)
    nb = a * q - b
    base = max(float(nb.mean()), 0.0)
    total = float(np.maximum(nb, 0.0).mean()) - base
    # knowing the gain: the costs averaged out for each drawn gain (they are independent)
    quality = float(np.maximum(a.mean() * q - b.mean(), 0.0).mean()) - base
    # knowing the costs: the gain averaged out for each draw of the costs
    costs = float(np.maximum(a * q.mean() - b, 0.0).mean()) - base
    return max(total, 0.0), max(quality, 0.0), max(costs, 0.0)


@dataclass
class SimulationTable:
    """The rows the simulation evaluates: the draws, then two rows per estimate (that
    estimate alone at each end of its interval), with the point's prompt and the drawn
    gains (the point's expected gain in the rows of the ends)."""

    rows: FixedRows
    drawn: Draws
    found: tuple[Estimate, ...]
    gain_ends: FloatArray  # the quality gain at the ends of its interval


@quiet_floats
def simulation_table(
    case: Case,
    point: Scenarios,
    at_point: Evaluation,
    quality: QualityEstimate,
    gain_of_z: GainOfZ | None = None,
) -> SimulationTable:
    """The draws and the ends of every estimate, to evaluate (alone with
    :func:`evaluate_table`, or in one table with the flip points' first probes: the rows do
    not depend on each other). ``gain_of_z`` is the quality model's quantile function of
    this task's gain (``QualityModel.gain_at``); without it, a normal through the
    estimate's predictive interval."""
    settings = uncertainty_settings()
    if gain_of_z is None:
        gain_of_z = functools.partial(gain_at, quality)
    found = estimates(case, point)
    drawn = draw(case, point, gain_of_z, settings.draws, found)
    table = _with_ends(drawn.scenarios, point, found, np.array(settings.sensitivity_percentiles))
    gains = np.concatenate([drawn.gain, np.full(2 * len(found), float(at_point.gain[0]))])
    shots = np.full(table.rows, float(at_point.plan.shots[0]))
    return SimulationTable(FixedRows(table, shots, gains), drawn, found, gain_of_z(_end_scores()))


def _end_scores() -> FloatArray:
    """The standard-normal scores of the ends of the tornado's interval."""
    z = NormalDist().inv_cdf(uncertainty_settings().sensitivity_percentiles[1])
    return np.array([-z, z])


def drawn_gains(table: SimulationTable, gain_of_z: GainOfZ) -> tuple[FloatArray, FloatArray]:
    """The quality gains of ``table``'s draws and the ends of the gain's interval for another
    quantile function of the gain (another prompt): the same scores (:func:`at_volume`)."""
    return gain_of_z(table.drawn.gain_score), gain_of_z(_end_scores())


def at_volume(
    table: SimulationTable,
    volume: float,
    planned: float,
    gain_point: float,
    gains: tuple[FloatArray, FloatArray],
) -> SimulationTable:
    """``table`` for the same task at another volume, whose prompt has ``planned``
    demonstrations and whose expected gain is ``gain_point`` (``gains``: the draws' gains
    and the ends of its interval there, :func:`drawn_gains`): the same draws (no estimate
    is drawn from the volume's value, which the table holds once), the gains drawn at the
    same scores."""
    rows, drawn = table.rows, table.drawn
    if rows.scenarios["volume"].shape != (1,):
        raise ValueError("the simulation draws the volume: a table at another volume differs")
    scenarios = rows.scenarios.with_values(volume=volume)
    gain, gain_ends = gains
    ends = scenarios.rows - gain.shape[0]
    return SimulationTable(
        FixedRows(
            scenarios,
            np.full(scenarios.rows, planned),
            np.concatenate([gain, np.full(ends, gain_point)]),
        ),
        Draws(
            drawn.scenarios.with_values(volume=volume),
            drawn.percentiles,
            gain,
            drawn.gain_score,
            drawn.seed,
        ),
        table.found,
        gain_ends,
    )


@quiet_floats
def evaluate_table(case: Case, parts: Parts, table: SimulationTable) -> ScoredRows:
    """The simulation's rows evaluated on the pipeline (without the break-even, and only
    the rules with an effect: notes move no score)."""
    rows = table.rows
    return ScoredRows.of(
        evaluate(case, rows.scenarios, parts, shots=rows.shots, gain=rows.gain, notes=False)
    )


@quiet_floats
def summarise(
    table: SimulationTable,
    ev: ScoredRows,
    point: RowScores,
    quality: QualityEstimate,
    parts: Parts,
    *,
    explained: bool = True,
    point_totals: Mapping[Strategy, float] | None = None,
    spread: Spread | None = None,
) -> SimulationResult:
    """What the evaluated draws say: the intervals, the share of draws in which
    fine-tuning is the better choice, the value of information, and (``explained``) the
    tornado and, for each total as given (``point_totals``) far from its median, the input
    it moves with most (a sweep's rows read neither). ``point`` holds the point estimate's
    scores (its first row); ``spread`` the draws' percentiles where they are known
    (:func:`spreads` of several simulations at once)."""
    settings = uncertainty_settings()
    level = settings.interval_level
    n, drawn, found = settings.draws, table.drawn, table.found
    if spread is None:
        spread = spreads([ev], n, level)[0]
    sims = slice(0, n)
    sc = ev.scores
    ft_better = sc.fine_tuning[sims]
    share = float(ft_better.mean())
    intervals = spread.intervals
    priced = all(intervals[k][0] is not None for k in (FT, ICL))
    both_feasible = not (point.infeasible_ft[0] or point.infeasible_icl[0])
    evpi: tuple[float | None, float | None, float | None] = (None, None, None)
    if priced and both_feasible:
        evpi = _evpi(ev, sims, parts.policy)
    far = [
        k for k in (FT, ICL)
        if explained and point_totals is not None
        and far_from_median(point_totals.get(k), intervals[k][0])
    ]  # fmt: skip
    (s_lo, s_hi), (c_lo, c_hi) = spread.score, spread.cost
    uncertainty = construct(
        Uncertainty,
        draws=n,
        seed=drawn.seed,
        interval_level=level,
        share_fine_tuning_better=share,
        score_low=float(s_lo),
        score_high=float(s_hi),
        cost_term_low=float(c_lo),
        cost_term_high=float(c_hi),
        evpi_usd=evpi[0],
        evpi_quality_usd=evpi[1],
        evpi_costs_usd=evpi[2],
        estimates=tuple(e.key for e in found),
        total_drivers=_total_drivers(ev, n, found, drawn.percentiles, far) if far else (),
    )
    rows = _sensitivity(ev, n, found, drawn.percentiles, quality, table.gain_ends, point,
                        parts, drawn.gain_score) if explained else ()  # fmt: skip
    return SimulationResult(uncertainty, drawn.scenarios, intervals, rows, share)


def _end_labels(e: Estimate) -> tuple[str, str]:
    """An estimate's two ends (the tornado's percentiles), in words."""
    values = e.values(np.array(uncertainty_settings().sensitivity_percentiles))
    first = next(iter(values.values()))
    return e.describe(float(first[0])), e.describe(float(first[1]))


def _total_drivers(
    ev: ScoredRows,
    n: int,
    found: tuple[Estimate, ...],
    percentiles: dict[str, FloatArray],
    strategies: Sequence[Strategy] = (FT, ICL),
) -> tuple[TotalDriver, ...]:
    """For each of ``strategies`` priced in every draw, the estimate its total moves with
    most (the largest rank correlation in size; none where none reaches
    ``far_from_median_min_correlation``, or the total does not move)."""
    least = uncertainty_settings().far_from_median_min_correlation
    if not found:
        return ()
    u = np.stack([percentiles[e.key] for e in found])
    out = []
    for k in strategies:
        totals = ev.totals[k][:n]
        if np.isnan(totals).any() or totals.min() == totals.max():
            continue
        rho = _rank_correlations(u, _ranks(totals))
        i = int(np.argmax(np.abs(rho)))  # the first estimate on a tie
        e = found[i]
        cheap = u[i] < (e.low_share if e.low_share is not None else 0.5)  # the cheap half
        if abs(rho[i]) < least or cheap.all() or not cheap.any():
            continue
        low, high = _end_labels(e)
        out.append(construct(
            TotalDriver, strategy=k, key=e.key, input=e.label, low_label=low,
            high_label=high, rank_correlation=float(rho[i]),
            median_low_usd=float(np.median(totals[cheap])),
            median_high_usd=float(np.median(totals[~cheap])),
            two_valued=e.low_share is not None,
        ))  # fmt: skip
    return tuple(out)


def _with_ends(
    drawn: Scenarios, point: Scenarios, found: tuple[Estimate, ...], ends: FloatArray
) -> Scenarios:
    """The draws, then two rows per estimate: that estimate alone at each end of its
    interval, every other input at its point value."""
    n, extra = drawn.rows, 2 * len(found)
    arrays: dict[str, FloatArray] = {}
    for k in point:
        base = drawn[k]
        arrays[k] = base if base.shape[0] == 1 else np.concatenate(
            [base, np.repeat(point[k][:1], extra)]
        )  # fmt: skip
    for i, e in enumerate(found):
        for k, v in e.values(ends).items():
            arr = arrays[k]
            if arr.shape[0] == 1:
                arr = arrays[k] = np.repeat(arr, n + extra)
            arr[n + 2 * i : n + 2 * i + 2] = v
    return Scenarios(arrays, n + extra)


def _side(fine_tuning: bool) -> Strategy:
    return FT if fine_tuning else ICL


def _sensitivity(
    ev: ScoredRows,
    n: int,
    found: tuple[Estimate, ...],
    percentiles: dict[str, FloatArray],
    quality: QualityEstimate,
    gain_ends: FloatArray,
    point: RowScores,
    parts: Parts,
    gain_scores: FloatArray,
) -> tuple[SensitivityRow, ...]:
    """Each estimate alone at the ends of its interval (the quality gain first), the
    decision score at each end, largest swing first; inputs that cannot move it left out."""
    settings = uncertainty_settings()
    sc = ev.scores
    base = float(point.total[0]) - float(point.quality[0])
    forced = bool(point.infeasible_ft[0]) != bool(point.infeasible_icl[0])
    forced_side = _side(bool(point.fine_tuning[0]))
    score_ranks = _ranks(sc.total[:n])
    correlations = _rank_correlations(
        np.stack([percentiles[e.key] for e in found]) if found else np.zeros((0, n)),
        score_ranks,
    )

    def side(score: float, fine_tuning: bool) -> Strategy:
        if forced:
            return forced_side
        return _side(fine_tuning)

    rows: list[SensitivityRow] = []
    q_lo, q_hi = (float(base + parts.policy.quality_term(float(g))) for g in gain_ends)
    rows.append(
        construct(
            SensitivityRow,
            key="quality",
            input="quality gain (its interval)",
            low_label=f"{gain_ends[0]:+.0f} points",
            high_label=f"{gain_ends[1]:+.0f} points",
            score_low=q_lo,
            score_high=q_hi,
            swing=abs(q_hi - q_lo),
            strategy_low=side(q_lo, q_lo > 0),
            strategy_high=side(q_hi, q_hi > 0),
            rank_correlation=_rank_correlation(_ranks(gain_scores), score_ranks),
        )
    )
    for i, e in enumerate(found):
        r0, r1 = n + 2 * i, n + 2 * i + 1
        s0, s1 = float(sc.total[r0]), float(sc.total[r1])
        if not (math.isfinite(s0) and math.isfinite(s1)):
            continue
        at_low, at_high = side(s0, bool(sc.fine_tuning[r0])), side(s1, bool(sc.fine_tuning[r1]))
        if abs(s1 - s0) < settings.sensitivity_min_swing and at_low is at_high:
            continue  # left out (below): its ends are not put in words
        low, high = _end_labels(e)
        rows.append(
            construct(
                SensitivityRow,
                key=e.key,
                input=e.label,
                low_label=low,
                high_label=high,
                score_low=s0,
                score_high=s1,
                swing=abs(s1 - s0),
                strategy_low=at_low,
                strategy_high=at_high,
                rank_correlation=float(correlations[i]),
            )
        )
    kept = [r for r in rows if r.swing >= settings.sensitivity_min_swing or r.flips]
    return largest_swing_first(kept)


def largest_swing_first(rows: list[SensitivityRow]) -> tuple[SensitivityRow, ...]:
    """The rows by swing, largest first; rows whose swings tie (within ``_SWING_TIE`` of
    the largest of them) in the order given (the estimates'), not in one set by rounding."""
    order = sorted(range(len(rows)), key=lambda i: -rows[i].swing)
    out: list[SensitivityRow] = []
    group: list[int] = []
    for i in order:
        if group and rows[group[0]].swing - rows[i].swing > _SWING_TIE:
            out.extend(rows[j] for j in sorted(group))
            group = []
        group.append(i)
    out.extend(rows[j] for j in sorted(group))
    return tuple(out)
