"""Decision formulas and reasons by hand: the cases mutation testing found unguarded
(docs/mutation.md).

The shipped policy (``data/decision_policy.json``) is 2x the cost for a 0.75-likely win, 18
points of expected gain per unit of log-odds, a $1 floor, confidences 0.95 (one strategy
infeasible), 0.5 (neither) and 0.99 (the cap). So ``k = logit(0.75) / ln 2 = ln 3 / ln 2``.
Costs are stand-ins holding only the fields the decision reads; money stays below $10,000 so
``usd()`` writes it out in full ("$3,000").
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest

from strategy_advisor import DecisionPolicy, Strategy
from strategy_advisor._decision import (
    _cost_reason,
    _points,
    _quality_reason,
    _range_reason,
    cost_score,
    decide,
    reasons_for,
)
from strategy_advisor._rules import Effect, RuleOutcome
from strategy_advisor._types import FrozenMap

from .helpers import estimate

FT, ICL = Strategy.FINE_TUNING, Strategy.IN_CONTEXT_LEARNING
POLICY = DecisionPolicy.default()
K = math.log(3.0) / math.log(2.0)  # logit(0.75) = ln 3, over ln 2
NEVER = "; fine-tuning is never cheaper at any volume (its per-request cost is not lower)."


_estimate = estimate


def _side(
    total: float | None,
    known: float | None = None,
    unpriced: tuple[str, ...] = (),
    ends: tuple[float, float] | None = None,
) -> SimpleNamespace:
    low, high = ends if ends is not None else (total, total)
    return SimpleNamespace(
        total_usd=total,
        known_part_usd=known if known is not None else total,
        total_usd_low=low,
        total_usd_high=high,
        unpriced=unpriced,
    )


def _costs(
    ft: SimpleNamespace,
    icl: SimpleNamespace,
    *,
    break_even: float | None = None,
    payback: tuple[float, float] | None = None,
) -> Any:
    return SimpleNamespace(
        fine_tuning=ft,
        in_context_learning=icl,
        break_even_requests_per_month=break_even,
        payback_months=payback[0] if payback else None,
        payback_days=payback[1] if payback else None,
        for_strategy=lambda s: ft if s is FT else icl,
        favouring_fine_tuning=(),  # no consistent pairs: each strategy's own range decides
        favouring_prompting=(),
    )


def _outcome(effect: str, strategy: Strategy | None, weight: float = 0.0) -> RuleOutcome:
    return RuleOutcome(
        code=f"{effect}-rule",
        status="fired",
        effect=effect,  # type: ignore[arg-type]
        strategy=strategy,
        weight=weight,
        certainty=None,
        message=f"the {effect} rule",
        values=FrozenMap({}),
        source="hand",
    )


# ------------------------------------------------------------------------------ policy


def test_an_overridden_policy_is_user_supplied() -> None:
    assert POLICY.source.startswith("strategy_advisor default policy")
    assert DecisionPolicy.default(max_confidence=0.9).source == "user-supplied"


def test_the_cost_floor_is_added_to_both_totals() -> None:
    # ln((9 + 1) / (1 + 1)) = ln 5; ln((1 + 1) / (0 + 1)) = ln 2; $0 against $0 is ln 1 = 0
    for (ft, icl), ratio in (((9.0, 1.0), math.log(5.0)), ((1.0, 0.0), math.log(2.0))):
        r, term = cost_score(ft, icl, POLICY)
        assert r == pytest.approx(ratio, rel=1e-15)
        assert term == pytest.approx(-K * ratio, rel=1e-12)
    assert cost_score(0.0, 0.0, POLICY) == (0.0, -0.0)


# ------------------------------------------------------------------------ cost reason


def test_cheaper_fine_tuning_without_a_break_even_is_not_called_never_cheaper() -> None:
    # fine-tuning cheaper now, no continuous crossing: cheaper at every volume, or past a step
    msg, favors = _cost_reason(_costs(_side(2_000.0), _side(3_000.0)), 12.0)  # type: ignore[misc]
    assert msg == (
        "Fine-tuning costs $2,000 over 12 months vs $3,000 for prompting; no single break-even "
        "volume (the totals never cross continuously)."
    )
    assert favors is FT and NEVER not in msg


def test_the_cost_reason_when_fine_tuning_is_dearer_over_one_month() -> None:
    msg, favors = _cost_reason(_costs(_side(9_000.0), _side(3_000.0)), 1.0)  # type: ignore[misc]
    assert msg == "Fine-tuning costs $9,000 over 1 month vs $3,000 for prompting" + NEVER
    assert favors is ICL


def test_the_cost_reason_with_a_break_even_and_a_payback() -> None:
    # 250,000 requests/month is "250k"; a payback of 0.5 months = 15.2 days reads "15 days"
    costs = _costs(_side(2_000.0), _side(3_000.0), break_even=250_000.0, payback=(0.5, 15.2))
    msg, favors = _cost_reason(costs, 2.0)  # type: ignore[misc]
    assert msg == (
        "Fine-tuning costs $2,000 over 2 months vs $3,000 for prompting; break-even at 250k "
        "requests/month; the first training run pays back in 15 days."
    )
    assert favors is FT


def test_no_payback_is_quoted_when_prompting_is_cheaper() -> None:
    costs = _costs(_side(4_000.0), _side(3_000.0), break_even=250_000.0, payback=(0.5, 15.2))
    msg, _ = _cost_reason(costs, 12.0)  # type: ignore[misc]
    assert msg.endswith(
        "over 12 months vs $3,000 for prompting; break-even at 250k requests/month."
    )


@pytest.mark.parametrize(
    ("ft", "icl", "line"),
    [
        # fine-tuning unpriced, but its priced $5,000 already exceeds prompting's $3,000
        (_side(None, 5_000.0, ("a.training_usd_per_mtok",)), _side(3_000.0),
         "Fine-tuning costs at least $5,000 over 12 months vs $3,000 for prompting (unpriced: "
         "a.training_usd_per_mtok; the priced part already decides)."),
        # prompting unpriced, its priced $4,000 already above fine-tuning's $2,000
        (_side(2_000.0), _side(None, 4_000.0, ("b.input_usd_per_mtok", "c")),
         "Fine-tuning costs $2,000 over 12 months vs at least $4,000 for prompting (unpriced: "
         "b.input_usd_per_mtok, c; the priced part already decides)."),
    ],
)  # fmt: skip
def test_a_priced_part_that_already_decides_is_a_lower_bound(
    ft: SimpleNamespace, icl: SimpleNamespace, line: str
) -> None:
    msg, favors = _cost_reason(_costs(ft, icl), 12.0)  # type: ignore[misc]
    assert msg == line
    assert favors is (ICL if ft.total_usd is None else FT)


def test_a_priced_part_that_does_not_decide_gives_no_cost_reason() -> None:
    # fine-tuning's priced $2,000 is below prompting's $3,000: the unpriced rest could go either way
    assert _cost_reason(_costs(_side(None, 2_000.0), _side(3_000.0)), 12.0) is None


def test_totals_equal_to_nine_digits_favour_neither() -> None:
    # a relative difference of 1e-10 is within isclose's 1e-9
    _, favors = _cost_reason(_costs(_side(3_000.0), _side(3_000.0 * (1 + 1e-10))), 12.0)  # type: ignore[misc]
    assert favors is None


# --------------------------------------------------------------------- quality reason


@pytest.mark.parametrize(
    ("x", "text"), [(1.2, "+1"), (0.4, "±0"), (-0.4, "±0"), (-1.6, "−2"), (11.5, "+12")]
)
def test_points_are_signed_whole_numbers(x: float, text: str) -> None:
    assert _points(x) == text


def test_a_gain_of_one_point_lower_is_singular() -> None:
    q = _estimate(-1.0, p_fine_tuning_better=0.4, low=0.3, high=0.5)
    msg, favors = _quality_reason(q)
    assert msg == (
        "Fine-tuning is 40% likely to be better (interval 30-50%), but expected to score about "
        "1 point lower (−11 to +9 on a 0-100 scale)."
    )
    assert favors is ICL


def test_a_zero_expected_gain_favours_prompting() -> None:
    msg, favors = _quality_reason(_estimate(0.0))
    assert "by about 0 points" in msg
    assert favors is ICL


# ----------------------------------------------------------------------------- decide


def test_incomparable_costs_leave_no_log_ratio_and_no_cost_term() -> None:
    d = decide(_estimate(9.0), _costs(_side(None, 2_000.0), _side(3_000.0)), (), policy=POLICY)
    assert d.score.cost_log_ratio is None
    assert d.score.cost_term == 0.0
    assert d.score.total == pytest.approx(0.5, rel=1e-15)  # 9 / 18


def test_a_rule_favouring_prompting_subtracts_its_weight() -> None:
    # quality 9 / 18 = 0.5, equal costs (cost term 0), prompting favoured by 0.4: total 0.1
    costs = _costs(_side(3_000.0), _side(3_000.0))
    fired = (Effect(kind="favor", strategy=ICL, weight=0.4),)
    d = decide(_estimate(9.0), costs, fired, policy=POLICY)
    assert d.score.rules_term == pytest.approx(-0.4, rel=1e-15)
    assert d.score.total == pytest.approx(0.1, rel=1e-12)


@pytest.mark.parametrize(
    ("certainties", "confidence"), [((None,), 0.95), ((0.8,), 0.8), ((0.7, None, 0.8), 0.95)]
)
def test_one_infeasible_strategy_decides_with_the_rules_certainty(
    certainties: tuple[float | None, ...], confidence: float
) -> None:
    # a large quality term for fine-tuning (36 / 18 = 2) does not matter: it is infeasible;
    # the confidence is the surest blocking rule's (the policy's 0.95 when a rule states none)
    fired = tuple(Effect(kind="infeasible", strategy=FT, certainty=c) for c in certainties)
    d = decide(_estimate(36.0), _costs(_side(3_000.0), _side(3_000.0)), fired, policy=POLICY)
    assert d.strategy is ICL
    assert d.confidence == confidence
    assert dict(d.feasible) == {FT: False, ICL: True}


def test_neither_feasible_weighs_anyway_capped_at_one_half() -> None:
    fired = (Effect(kind="infeasible", strategy=FT), Effect(kind="infeasible", strategy=ICL))
    d = decide(_estimate(36.0), _costs(_side(3_000.0), _side(3_000.0)), fired, policy=POLICY)
    assert d.strategy is FT  # sigmoid(2) = 0.88 > 0.5
    assert d.confidence == 0.5


def test_a_sure_choice_is_capped_at_the_max_confidence() -> None:
    # 180 / 18 = 10: sigmoid(10) = 0.99995, capped at 0.99
    d = decide(_estimate(180.0), _costs(_side(3_000.0), _side(3_000.0)), (), policy=POLICY)
    assert (d.strategy, d.confidence) == (FT, 0.99)


# ----------------------------------------------------------------------- range reason

SPANS = "fine-tuning $2,000-$4,000, prompting $2,500-$3,500 over the horizon"


def test_a_choice_that_flips_inside_the_ranges_says_which_would_win() -> None:
    # quality 0.5; point costs $3,000 each (cost term 0): fine-tuning, sigmoid(0.5) > 0.5;
    # fine-tuning dear ($4,001) and prompting cheap ($2,501): -k ln(4,001 / 2,501) = -0.745,
    # so prompting would win there
    costs = _costs(_side(3_000.0, ends=(2_000.0, 4_000.0)), _side(3_000.0, ends=(2_500.0, 3_500.0)))
    d = decide(_estimate(9.0), costs, (), policy=POLICY)
    assert d.strategy is FT and not d.score.holds_across_ranges
    assert d.score.cost_term_range[0] == pytest.approx(-K * math.log(4_001 / 2_501), rel=1e-12)
    r = _range_reason(d, costs)
    assert r is not None
    assert (r.code, r.favors, r.kind) == ("decision-flips-inside-ranges", ICL, "note")
    assert r.message == (
        f"The choice flips inside the plausible ranges ({SPANS}): with the estimates of "
        "prompting's own bill at their cheap end, the other's at their dear end, and the shared "
        "ones (engineering rate, token lengths, ...) at one end for both, "
        "in-context learning would win, so the confidence is lowered. The sensitivity table "
        "names the inputs that move it most."
    )


def test_a_choice_that_holds_across_the_ranges_is_a_note() -> None:
    # quality 36 / 18 = 2 outweighs the worst end, -0.745
    costs = _costs(_side(3_000.0, ends=(2_000.0, 4_000.0)), _side(3_000.0, ends=(2_500.0, 3_500.0)))
    d = decide(_estimate(36.0), costs, (), policy=POLICY)
    r = _range_reason(d, costs)
    assert r is not None
    assert (r.code, r.favors, r.kind) == ("decision-holds-across-ranges", None, "note")
    assert r.message == (
        "The choice holds with every estimated input at either end of its plausible range "
        f"({SPANS})."
    )


# ------------------------------------------------------------------------ reasons_for


def test_reasons_are_ordered_by_weight_with_signed_terms() -> None:
    # quality 36 / 18 = +2 (for fine-tuning); cost -k ln(3,001 / 1,001) = -1.7402 (for
    # prompting); a rule for fine-tuning +0.3. Total 0.5598: fine-tuning, all feasible.
    costs = _costs(_side(3_000.0), _side(1_000.0))
    fired = (Effect(kind="favor", strategy=FT, weight=0.3),)
    q = _estimate(36.0)
    d = decide(q, costs, fired, policy=POLICY)
    cost_term = -K * math.log(3_001 / 1_001)
    assert d.score.total == pytest.approx(2.0 + cost_term + 0.3, rel=1e-12)
    reasons = reasons_for(d, q, costs, (_outcome("favor", FT, 0.3),), 12.0)
    got = [(r.code, r.kind, r.favors, r.decisive) for r in reasons]
    assert got == [
        ("quality-estimate", "quality", FT, True),
        ("cost-comparison", "cost", ICL, False),
        ("favor-rule", "favor", FT, True),
    ]
    assert reasons[0].weight == pytest.approx(2.0, rel=1e-12)
    assert reasons[1].weight == pytest.approx(cost_term, rel=1e-12)
    assert reasons[2].weight == 0.3
    assert (
        reasons[1].message
        == "Fine-tuning costs $3,000 over 12 months vs $1,000 for prompting" + NEVER
    )


def test_a_rule_for_prompting_weighs_with_a_minus_sign() -> None:
    costs = _costs(_side(None, 2_000.0), _side(3_000.0))  # incomparable: no cost reason
    fired = (Effect(kind="favor", strategy=ICL, weight=0.3),)
    q = _estimate(36.0)
    d = decide(q, costs, fired, policy=POLICY)
    reasons = reasons_for(d, q, costs, (_outcome("favor", ICL, 0.3),), 12.0)
    assert [(r.code, r.weight) for r in reasons] == [
        ("quality-estimate", pytest.approx(2.0, rel=1e-12)),
        ("favor-rule", -0.3),
    ]


def test_infeasibility_comes_first_and_decides_when_one_strategy_is_left() -> None:
    costs = _costs(_side(3_000.0), _side(3_000.0))
    q = _estimate(9.0)
    d = decide(q, costs, (Effect(kind="infeasible", strategy=FT),), policy=POLICY)
    outcomes = (_outcome("infeasible", FT), _outcome("note", None))
    reasons = reasons_for(d, q, costs, outcomes, 12.0)
    first = reasons[0]
    assert (first.code, first.message, first.favors, first.kind, first.decisive) == (
        "infeasible-rule",
        "the infeasible rule",
        ICL,
        "infeasible",
        True,
    )
    # with one strategy left, no weighed factor is decisive
    assert not any(r.decisive for r in reasons[1:])
    assert reasons[-1].code == "note-rule"


def test_neither_feasible_is_said_first() -> None:
    costs = _costs(_side(3_000.0), _side(3_000.0))
    q = _estimate(9.0)
    fired = (Effect(kind="infeasible", strategy=FT), Effect(kind="infeasible", strategy=ICL))
    d = decide(q, costs, fired, policy=POLICY)
    outcomes = (_outcome("infeasible", FT), _outcome("infeasible", None))
    reasons = reasons_for(d, q, costs, outcomes, 12.0)
    first = reasons[0]
    assert (first.code, first.favors, first.kind, first.decisive) == (
        "decision-neither-feasible",
        None,
        "note",
        True,
    )
    assert first.message == (
        "Neither strategy is feasible as described; the choice below weighs quality and cost "
        "anyway, with low confidence. Fix the blocking inputs first."
    )
    # an infeasibility rule naming no strategy favours none
    assert [(r.code, r.favors) for r in reasons[1:3]] == [
        ("infeasible-rule", ICL),
        ("infeasible-rule", None),
    ]
