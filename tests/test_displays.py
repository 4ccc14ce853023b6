"""Display objects: the numbers come from the real pipeline; plot() draws them with matplotlib."""

from __future__ import annotations

import builtins
import json
import math
import pickle
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
from strategy_advisor._displays import reliability_curve, sensitivity_bars

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
    assert c is rec.cost_curve
    i = c.volumes.index(rec.profile.requests_per_month)
    for curve, s in (
        (c.fine_tuning, Strategy.FINE_TUNING),
        (c.in_context_learning, Strategy.IN_CONTEXT_LEARNING),
    ):
        assert curve.total_usd[i] == rec.costs[s].total_usd
        assert all(
            lo <= p <= hi
            for lo, p, hi in zip(
                curve.total_usd_low, curve.total_usd, curve.total_usd_high, strict=True
            )
        )


def test_every_point_is_what_recommend_prices_at_that_volume(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    """Each volume of the curve is priced as a recommendation there would price it: the
    prompt re-planned, the cache, replicas and batch at that volume."""
    data, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    for i in range(0, len(c.volumes), 5):
        v = c.volumes[i]
        there = sa.what_if(data, {"requests_per_month": v}, today=TODAY)
        for curve, s in (
            (c.fine_tuning, Strategy.FINE_TUNING),
            (c.in_context_learning, Strategy.IN_CONTEXT_LEARNING),
        ):
            total = there.costs[s].total_usd
            assert total is not None
            assert math.isclose(curve.total_usd[i], total, rel_tol=1e-9), (s, v)


def test_the_two_totals_meet_at_the_break_even(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    _, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    be = rec.break_even_requests_per_month
    assert be is not None and be in c.volumes
    i = c.volumes.index(be)
    assert math.isclose(
        c.fine_tuning.total_usd[i], c.in_context_learning.total_usd[i], rel_tol=0.005
    )


def test_the_curve_spans_whole_decades_around_both_volumes(
    example: tuple[dict[str, Any], Recommendation],
) -> None:
    _, rec = example
    c = CostVolumeDisplay.from_recommendation(rec).curve
    anchors = [x for x in (c.current_volume, c.break_even_requests_per_month) if x]
    assert c.volumes[0] >= 10 ** math.floor(math.log10(min(anchors) / 10)) * (1 - 1e-12)
    assert c.volumes[-1] <= 10 ** math.ceil(math.log10(max(anchors) * 10)) * (1 + 1e-12)
    assert c.volumes[0] <= min(anchors) / 10 * 1.8 and c.volumes[-1] >= max(anchors) * 10 / 1.8
    assert list(c.volumes) == sorted(set(c.volumes))


def test_an_unpriced_strategy_has_no_curve_and_says_why() -> None:
    rec = sa.recommend(profile(ft_model=spec("base-only", tunable=False)), today=TODAY)
    assert rec.cost_curve is None
    with pytest.raises(ParameterError, match=r"no cost curve: fine-tuning .*unpriced"):
        CostVolumeDisplay.from_recommendation(rec)


def test_an_advisors_own_assumptions_price_its_curve() -> None:
    a = default_assumptions()
    rate = a.values.engineer_hourly_usd.model_copy(update={"value": 250.0})
    mine = a.model_copy(
        update={"values": a.values.model_copy(update={"engineer_hourly_usd": rate})}
    )
    rec = sa.recommend(_example("tiny_internal_tool"), assumptions=mine, today=TODAY)
    ft_total = rec.costs[Strategy.FINE_TUNING].total_usd
    assert ft_total in CostVolumeDisplay.from_recommendation(rec).curve.fine_tuning.total_usd
    again = pickle.loads(pickle.dumps(rec))
    assert ft_total in CostVolumeDisplay.from_recommendation(again).curve.fine_tuning.total_usd
    loaded = Recommendation.model_validate_json(rec.to_json())
    assert loaded.cost_curve == rec.cost_curve
    assert "No cost chart" not in rec.to_html()


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
