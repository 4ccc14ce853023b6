"""Display objects: the numbers come from the real pipeline; plot() draws them with matplotlib."""

from __future__ import annotations

import builtins
import json
import math
import pickle
import time
from pathlib import Path
from typing import Any

import pytest

import strategy_advisor as sa
from strategy_advisor import (
    CostVolumeDisplay,
    ParameterError,
    QualityCVReport,
    Recommendation,
    ReliabilityDisplay,
    SensitivityDisplay,
    Strategy,
)
from strategy_advisor._assumptions import default_assumptions
from strategy_advisor._displays import reliability_curve, sensitivity_bars, volume_grid

from .helpers import TODAY, profile, spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PRICED = ("contract_extraction", "product_routing", "tiny_internal_tool", "weekly_knowledge_qa")


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module", params=PRICED)
def example(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Recommendation]:
    data = _example(request.param)
    return data, sa.recommend(data, today=TODAY)


@pytest.fixture(scope="module")
def plt() -> Any:
    mpl = pytest.importorskip("matplotlib", reason="the plot extra: pip install matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


# ------------------------------------------------------------------------ cost and volume


def test_the_curve_reproduces_the_recommendation_at_its_own_volume(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    _, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    i = c.volumes.index(rec.profile.requests_per_month)
    for curve, s in (
        (c.fine_tuning, Strategy.FINE_TUNING),
        (c.in_context_learning, Strategy.IN_CONTEXT_LEARNING),
    ):
        cost = rec.costs[s]
        assert curve.total_usd[i] == cost.total_usd
        assert curve.total_usd_low[i] == cost.total_usd_low
        assert curve.total_usd_high[i] == cost.total_usd_high
        assert all(
            lo <= p <= hi
            for lo, p, hi in zip(
                curve.total_usd_low, curve.total_usd, curve.total_usd_high, strict=True
            )
        )


def test_every_point_is_what_recommend_prices_at_that_volume_with_the_planned_prompt(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    data, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    for i in range(0, len(c.volumes), 6):
        v = c.volumes[i]
        there = sa.what_if(
            data, {"requests_per_month": v, "icl_shots": rec.features.icl_shots}, today=TODAY
        )
        for curve, s in (
            (c.fine_tuning, Strategy.FINE_TUNING),
            (c.in_context_learning, Strategy.IN_CONTEXT_LEARNING),
        ):
            cost = there.costs[s]
            assert cost.total_usd is not None
            assert math.isclose(curve.total_usd[i], cost.total_usd, rel_tol=1e-9), (s, v)
            assert math.isclose(curve.total_usd_low[i], cost.total_usd_low or 0, rel_tol=1e-9)
            assert math.isclose(curve.total_usd_high[i], cost.total_usd_high or 0, rel_tol=1e-9)


def test_the_two_totals_meet_at_the_break_even(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    _, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    be = rec.break_even_requests_per_month
    assert be is not None and be in c.volumes
    i = c.volumes.index(be)
    assert math.isclose(
        c.fine_tuning.total_usd[i], c.in_context_learning.total_usd[i], rel_tol=1e-6
    )


def test_the_grid_spans_whole_decades_around_both_volumes_in_at_most_35_points() -> None:
    g = volume_grid(40_000.0, 196_521.4)
    assert g[0] == 1_000.0 and math.isclose(g[-1], 1e7)
    assert 40_000.0 in g and 196_521.4 in g and len(g) <= 35
    assert list(g) == sorted(set(g))
    # a decade below 400/10 and above 400x10, in 4 equal steps of 10^0.75, with 400 added
    g = volume_grid(400.0, None, n_points=5)
    assert len(g) == 6 and g[0] == 10.0 and g[-1] == pytest.approx(1e4) and g[3] == 400.0
    assert g[1] == pytest.approx(10**1.75) and g[2] == pytest.approx(10**2.5)


def test_the_curve_is_fast() -> None:
    rec = sa.recommend(_example("product_routing"), today=TODAY)
    rec.reasons  # noqa: B018 - the explanation is not part of the chart's time
    start = time.perf_counter()
    CostVolumeDisplay.from_recommendation(rec).to_svg()
    assert time.perf_counter() - start < 0.5


def test_an_unpriced_strategy_has_no_curve_and_says_why() -> None:
    rec = sa.recommend(profile(ft_model=spec("base-only", tunable=False)), today=TODAY)
    with pytest.raises(ParameterError, match=r"no cost curve: fine-tuning .*unpriced"):
        CostVolumeDisplay.from_recommendation(rec)


def test_an_advisors_own_assumptions_travel_with_its_recommendation() -> None:
    a = default_assumptions()
    rate = a.values.engineer_hourly_usd.model_copy(update={"value": 250.0})
    mine = a.model_copy(
        update={"values": a.values.model_copy(update={"engineer_hourly_usd": rate})}
    )
    rec = sa.recommend(_example("tiny_internal_tool"), assumptions=mine, today=TODAY)
    assert rec.assumptions_used is mine
    ft_total = rec.costs[Strategy.FINE_TUNING].total_usd
    # the curve prices with them without being told, also after explanation and pickling
    assert ft_total in CostVolumeDisplay.from_recommendation(rec).curve.fine_tuning.total_usd
    rec.reasons  # noqa: B018 - explained: the recipe goes, the assumptions stay
    again = pickle.loads(pickle.dumps(rec))
    assert again.assumptions_used == mine
    assert ft_total in CostVolumeDisplay.from_recommendation(again).curve.fine_tuning.total_usd
    assert "No cost chart" not in rec.to_html()
    # from JSON they are unknown: the shipped ones do not reproduce the totals, and it says so
    loaded = Recommendation.model_validate_json(rec.to_json())
    assert loaded.assumptions_used is None
    with pytest.raises(ParameterError, match=r"assumptions=advisor\.assumptions"):
        CostVolumeDisplay.from_recommendation(loaded)
    c = CostVolumeDisplay.from_recommendation(loaded, assumptions=mine).curve
    assert ft_total in c.fine_tuning.total_usd


def test_n_points_is_checked() -> None:
    rec = sa.recommend(_example("tiny_internal_tool"), today=TODAY)
    with pytest.raises(ParameterError, match=r"'n_points' parameter .* Got 1 instead"):
        CostVolumeDisplay.from_recommendation(rec, n_points=1)


def test_cost_plot_returns_the_axes_with_both_lines_and_markers(plt: Any) -> None:
    rec = sa.recommend(_example("weekly_knowledge_qa"), today=TODAY)
    disp = CostVolumeDisplay.from_recommendation(rec)
    ax = disp.plot()
    assert ax is disp.ax_ and ax.figure is disp.figure_
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(x.startswith("fine-tuning (") for x in labels)
    assert any(x.startswith("prompting (") for x in labels)
    assert any(x.startswith("today: 150k") for x in labels)
    assert any(x.startswith("break-even") for x in labels)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    _, given = plt.subplots()
    assert disp.plot(ax=given) is given


# ---------------------------------------------------------------------------- sensitivity


def test_sensitivity_bars_are_the_recommendations_rows_largest_first() -> None:
    rec = sa.recommend(_example("contract_extraction"), today=TODAY)
    bars = sensitivity_bars(rec)
    assert bars.rows == rec.sensitivity and bars.score == rec.score.total
    assert [r.swing for r in bars.rows] == sorted((r.swing for r in bars.rows), reverse=True)
    disp = SensitivityDisplay.from_recommendation(rec, top=3)
    assert disp.bars.rows == rec.sensitivity[:3]
    assert all(r.swing >= 0.01 for r in SensitivityDisplay.from_recommendation(rec).bars.rows)
    with pytest.raises(ParameterError, match="'top' parameter"):
        sensitivity_bars(rec, top=0)


def test_sensitivity_when_one_strategy_is_ruled_out_says_so() -> None:
    rec = sa.recommend(profile(n_labeled_examples=0, icl_shots=0), today=TODAY)
    disp = SensitivityDisplay.from_recommendation(rec)
    assert disp.bars.forced is Strategy.IN_CONTEXT_LEARNING
    assert "only prompting is feasible" in disp.to_svg()


def test_sensitivity_plot_returns_the_axes(plt: Any) -> None:
    rec = sa.recommend(_example("contract_extraction"), today=TODAY)
    disp = SensitivityDisplay.from_recommendation(rec)
    ax = disp.plot()
    assert ax is disp.ax_
    texts = [t.get_text() for t in ax.get_yticklabels()]
    ticks = sorted(zip(ax.get_yticks(), texts, strict=True))
    assert [text for _, text in ticks][::-1] == [r.input for r in disp.bars.rows]  # top down


# ---------------------------------------------------------------------------- reliability


def test_reliability_numbers_by_hand() -> None:
    c = reliability_curve([0, 1, 1, 0], [0.1, 0.15, 0.8, 0.9], n_bins=2)
    assert [(b.lower, b.upper, b.count) for b in c.bins] == [(0.0, 0.5, 2), (0.5, 1.0, 2)]
    assert [b.mean_predicted for b in c.bins] == pytest.approx([0.125, 0.85])
    assert [b.observed for b in c.bins] == [0.5, 0.5]
    # ECE: (2·|0.125 - 0.5| + 2·|0.85 - 0.5|) / 4; Brier: mean squared error
    assert c.ece == pytest.approx((2 * 0.375 + 2 * 0.35) / 4)
    assert c.brier == pytest.approx((0.01 + 0.7225 + 0.04 + 0.81) / 4)
    with pytest.raises(ParameterError, match="same length"):
        reliability_curve([0, 1], [0.5])


def _report() -> QualityCVReport:
    return QualityCVReport.model_construct(
        methods=("model", "base_rate"),
        y=(0, 1, 1, 1),
        predictions=((0.2, 0.6, 0.7, 0.9), (0.75, 0.75, 0.75, 0.75)),
    )


def test_reliability_from_a_report_reads_the_methods_held_out_predictions() -> None:
    disp = ReliabilityDisplay.from_quality_report(_report(), method="base_rate", n_bins=4)
    assert disp.curve.name == "base_rate" and disp.curve.n_rows == 4
    assert [(b.count, b.observed) for b in disp.curve.bins] == [(4, 0.75)]
    with pytest.raises(ParameterError, match="Did you mean 'base_rate'"):
        ReliabilityDisplay.from_quality_report(_report(), method="base_rat")
    assert "<svg" in disp.to_svg() and "n=4" in disp.to_svg()


def test_reliability_plot_overlays_methods_with_one_diagonal(plt: Any) -> None:
    ax = ReliabilityDisplay.from_quality_report(_report()).plot()
    same = ReliabilityDisplay.from_quality_report(_report(), method="base_rate").plot(ax=ax)
    assert same is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels.count("perfectly calibrated") == 1 and len(labels) == 3


# ------------------------------------------------------------------------- no matplotlib


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    disp = ReliabilityDisplay.from_predictions([0, 1], [0.3, 0.8])
    with pytest.raises(ImportError, match=r"pip install 'strategy_advisor\[plot\]'"):
        disp.plot()
    assert disp.to_svg().startswith("<svg")  # the SVG path needs nothing
