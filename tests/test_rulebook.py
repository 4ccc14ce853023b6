"""The rule engine: loading, validation errors naming the rule, user rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import Advisor, RuleError
from strategy_advisor._rules import Rulebook, default_rulebook

from .helpers import TODAY, point_evaluation, profile

POLICY_RULE = {
    "code": "org-no-fine-tuning-on-pii",
    "title": "Our policy: no fine-tuning on tasks with many classes",
    "when": {"feature": "n_classes", "op": "ge", "param": "max_classes"},
    "effect": {"kind": "infeasible", "strategy": "fine_tuning"},
    "params": {"max_classes": 3},
    "message": "Policy: {n_classes:int} classes is at least {max_classes:int}.",
    "source": {"document": "Org data policy v2", "date": "2026-10-01"},
}


def test_user_rule_from_python_changes_the_decision() -> None:
    book = default_rulebook().extended([POLICY_RULE])
    rec = Advisor(rulebook=book).recommend(profile(n_classes=4), today=TODAY)
    assert rec.feasible[rec.strategy]
    assert rec.strategy.value == "in_context_learning"
    assert rec.trace[-1].code == "org-no-fine-tuning-on-pii"
    assert rec.trace[-1].message == "Policy: 4 classes is at least 3."


def test_user_rule_from_file(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    path.write_text(json.dumps({"rules": [POLICY_RULE]}))
    assert default_rulebook().extended(path).codes[-1] == "org-no-fine-tuning-on-pii"


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"when": {"feature": "n_clases", "op": "ge", "value": 3}}, "n_classes"),
        ({"code": "Bad Code"}, "Bad Code"),
        ({"message": "{nonexistent}"}, "nonexistent"),
        ({"when": {"feature": "n_classes", "op": "ge"}}, "exactly one"),
        ({"when": {"feature": "n_classes", "op": "between", "value": 1}}, "org-no-fine"),
        ({"when": {"feature": "task_type", "op": "lt", "value": 3}}, "compares numbers"),
        ({"when": {"feature": "n_classes", "op": "is_true"}}, "yes/no"),
        ({"when": {"feature": "ft_tunable", "op": "eq", "value": 3}}, "compared with a number"),
        ({"message": "{n_classes:xyz}"}, "xyz"),
        ({"message": "{ft_model_name:usd}"}, "usd"),
        ({"message": "{} classes"}, "named"),
        ({"message": "oops { x"}, "valid template"),
        ({"message": "{n_classes!r}"}, "conversions"),
        ({"params": {"n_classes": 99, "max_classes": 3}}, "name of an input"),
    ],
)
def test_malformed_rule_fails_at_load_naming_the_rule(
    patch: dict[str, object], needle: str
) -> None:
    bad = {**POLICY_RULE, **patch}
    with pytest.raises(RuleError) as info:
        Rulebook.from_json([bad])
    assert needle in str(info.value)
    assert str(bad["code"]) in str(info.value)


def test_trace_shows_param_thresholds() -> None:
    book = default_rulebook().extended([POLICY_RULE])
    rec = Advisor(rulebook=book).recommend(profile(n_classes=4), today=TODAY)
    assert rec.trace[-1].values == {"n_classes": 4, "max_classes": 3}


def test_duplicate_codes_are_rejected() -> None:
    with pytest.raises(RuleError, match="defined twice"):
        Rulebook.from_json([POLICY_RULE, POLICY_RULE])


def test_malformed_rule_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"broken\.json"):
        Rulebook.from_json(path)


def test_every_shipped_rule_has_a_source() -> None:
    for rule in default_rulebook().rules:
        assert rule.source.document and rule.source.date


def test_rules_doc_is_current() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "gen_rules_doc.py"
    spec = importlib.util.spec_from_file_location("gen_rules_doc", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DOC.read_text(encoding="utf-8") == module.render(), (
        "docs/rules.md is stale: run python scripts/gen_rules_doc.py"
    )


#: a user rule that reads the break-even as its feature, with an effect
BREAK_EVEN_RULE = {
    "code": "org-tiny-break-even",
    "title": "Our policy: favour fine-tuning that pays back at almost any volume",
    "when": {"feature": "break_even_requests_per_month", "op": "le", "value": 10.0},
    "effect": {"kind": "favor", "strategy": "fine_tuning", "weight": 0.5},
    "message": "Break-even at {break_even_requests_per_month:int} requests/month.",
    "source": {"document": "Org policy", "date": "2026-10-01"},
}


def _point_rules(book: Rulebook) -> tuple[Any, Any]:
    from strategy_advisor._pipeline import _rule_view

    p = profile(requests_per_month=1e5, n_labeled_examples=2_000, instruction_tokens=3_000)
    _, ev = point_evaluation(p, advisor=Advisor(rulebook=book))
    return ev, lambda be: _rule_view({**ev.columns, "break_even_requests_per_month": be})


@pytest.mark.parametrize(("break_even", "fired"), [(1.0, True), (5e4, False), (1e12, False)])
def test_rules_that_read_an_input_are_all_that_change_with_it(
    break_even: float, fired: bool
) -> None:
    # with_break_even re-evaluates only the rules that read the break-even: the same results
    # as every rule evaluated again, a shipped note (as a reference) and a user rule (as its
    # feature) included
    book = default_rulebook().extended([BREAK_EVEN_RULE])
    ev, columns = _point_rules(book)
    again = book.evaluate_rows(columns(break_even))
    changed = book.with_input_changed(
        columns(break_even), ev.rules, "break_even_requests_per_month"
    )
    assert changed.fired.tolist() == again.fired.tolist()
    assert changed.unknown.tolist() == again.unknown.tolist()
    codes = book.codes
    user, note = codes.index("org-tiny-break-even"), codes.index("high-volume-long-prompt")
    assert not ev.rules.fired[user, 0] and not ev.rules.fired[note, 0]  # no break-even yet
    assert bool(changed.fired[user, 0]) is fired
    assert bool(changed.fired[note, 0]) is (break_even <= 1e5)


def test_changing_an_input_needs_every_rule_evaluated() -> None:
    book = default_rulebook()
    ev, columns = _point_rules(book)
    partial = book.evaluate_rows(columns(1.0), notes=False)
    with pytest.raises(ValueError, match="notes left out"):
        book.with_input_changed(columns(1.0), partial, "break_even_requests_per_month")
    with pytest.raises(ValueError, match="the rulebook has"):
        default_rulebook().extended([BREAK_EVEN_RULE]).with_input_changed(
            columns(1.0), ev.rules, "break_even_requests_per_month"
        )


@pytest.mark.parametrize(
    "reads", ["payback_months", "ft_people_usd", "people_hours", "ft_latency_ms"]
)
def test_a_pass_without_notes_computes_what_the_rules_with_an_effect_read(reads: str) -> None:
    # the searches and the simulation evaluate only the rules with an effect, and only the
    # inputs those read: a custom rule on any input sees it there as at the point
    from strategy_advisor._pipeline import evaluate
    from strategy_advisor._scenarios import Scenarios

    op = {"op": "not_null"} if reads == "people_hours" else {"op": "gt", "value": -1.0}
    book = default_rulebook().extended([{
        "code": "custom-effect", "title": "A custom rule with an effect",
        "when": {"feature": reads, **op},
        "effect": {"kind": "favor", "strategy": "fine_tuning", "weight": 0.6},
        "message": "A custom effect.", "source": {"document": "a test", "date": "2026-12-07"},
    }])  # fmt: skip
    p = profile(latency_budget_ms=5_000.0, task_change_interval_days=30.0, requests_per_month=5e7)
    for rules in (default_rulebook(), book):
        adv = Advisor(rulebook=rules)
        case = adv._case(p, TODAY)
        parts = adv._parts(p, case, adv.policy)
        point = Scenarios.point(case)
        full, lean = evaluate(case, point, parts), evaluate(case, point, parts, notes=False)
        assert set(lean.columns) < set(full.columns)
        assert rules.decision_inputs <= set(lean.columns)
        assert lean.scores.total[0] == full.scores.total[0]
    i = book.codes.index("custom-effect")
    assert reads in lean.columns and lean.rules.fired[i, 0] and full.rules.fired[i, 0]
