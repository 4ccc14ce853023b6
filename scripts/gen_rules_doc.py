"""Regenerate docs/rules.md from the shipped rulebook (``--check`` fails if it is stale).

One section per rule code and per reason code the stages give, each headed by the code
itself, so its anchor is the code: a reason links to ``rules/#<code>`` on the docs site
(``docs/rules.md#<code>`` in the repository).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from strategy_advisor import RuleInputs, default_rulebook
from strategy_advisor._uncertainty import uncertainty_settings

_UNCERTAINTY = uncertainty_settings()

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "rules.md"
SRC = REPO / "src" / "strategy_advisor"

HEADER = """# Rules

Rules are data (`src/strategy_advisor/data/rules.json`). Every rule is evaluated on every
profile, in this order, and the Recommendation's `trace` records for each one whether it
**fired**, did **not fire**, or was **not applicable** (an input it needs is unknown), with
the values it saw. Effects: `infeasible` removes a strategy; `favor` adds its weight (in
log-odds) to a strategy in the decision; `note` only explains.

Every rule, and every reason the quality, cost and decision stages give, has its own section
below headed by its code, so its anchor is the code: `rules/#no-fine-tuning-offer` on the
docs site, `rules.md#no-fine-tuning-offer` here. A reason's `code` is the link to its section.

This page is generated from `src/strategy_advisor/data/rules.json` by
`python scripts/gen_rules_doc.py`; a test fails when it is stale.

## Adding your own rules

```python
from strategy_advisor import Advisor, default_rulebook

book = default_rulebook().extended("our_policy_rules.json")   # or a list of dicts / Rule
rec = Advisor(rulebook=book).recommend(profile)
```

or `strategy-advisor recommend profile.json --rules our_policy_rules.json`. The file holds
`{"rules": [ ... ]}` (or a bare list of rules); a whole file with one rule:

```json
{
  "rules": [
    {
      "code": "org-no-fine-tuning-many-classes",
      "title": "Our policy",
      "when": {"feature": "n_classes", "op": "ge", "param": "max_classes"},
      "effect": {"kind": "infeasible", "strategy": "fine_tuning"},
      "params": {"max_classes": 50},
      "message": "Policy: {n_classes:int} classes is at least {max_classes:int}.",
      "source": {"document": "Org data policy v2", "date": "2026-10-01"}
    }
  ]
}
```

Conditions: `{"feature", "op", "value" | "param" | "ref"}` with `op` one of `lt le gt ge eq
ne is_null not_null is_true is_false` (`ref` compares with another input), combined with
`{"all": [...]}`, `{"any": [...]}`, `{"not": ...}`. A comparison with an unknown input is
unknown; `all`/`any` follow three-valued logic, and an unknown result makes the rule *not
applicable*. Message fields take a format: `usd`, `int`, `tok`, `ms`, `days`, `ago` (days
from now, negative in the past), `months`, `pct`. A rule naming an input that does not
exist, a malformed condition or a duplicate code fails at load with the rule's code in the
message.
"""


#: Reasons the stages give (not rules): code -> (kind, what it says and where it comes from).
#: A reason code in the source that is not here fails ``render()``, so every code has a section.
STAGE_REASONS: dict[str, tuple[str, str]] = {
    "quality-estimate": (
        "quality",
        "The quality model's probability that fine-tuning reaches higher quality than "
        "prompting, with its interval (and the update from your pilot results, if given). It "
        "enters the decision as `logit(p)` and favours fine-tuning when `p > 0.5`. See "
        "[The quality model](quality.md) and [The decision](decision.md).",
    ),
    "cost-comparison": (
        "cost",
        "Both strategies' totals over the horizon, the break-even volume and the payback of the "
        "first training run. It enters the decision as `-k * ln((C_ft + f) / (C_icl + f))` and "
        "favours the cheaper strategy; when a total is unpriced, its priced part is used only "
        "if it already decides. See [Costs and latency](costs.md) and "
        "[The decision](decision.md).",
    ),
    "decision-measure-baseline-first": (
        "note",
        "When knowing the quality gain (the simulation's partial value of information) is "
        "worth more than measuring the prompted model's own score on up to 200 of your "
        "labeled examples (`measure_prompted_baseline`, priced at the prompted per-request "
        "price), and some plausible score would change the answer: the plan, its cost and "
        "what each score (the corpus's 10th-90th percentiles) would decide. Never once a "
        "baseline or a pilot is given. See [The decision](decision.md#the-value-of-knowing-more).",
    ),
    "feasibility-latency": (
        "feasibility",
        "How likely each strategy meets the latency budget at its percentile "
        "(`latency_budget_percentile`, the p95 unless said otherwise), from the measured "
        "latency figures of the route it is served on and their ranges. An estimate never "
        "makes a strategy infeasible: the decision adds `ln P_ft - ln P_icl` to the score, "
        "and each draw of the simulation checks the budget plainly. See "
        "[Costs and latency](costs.md) and [The decision](decision.md).",
    ),
    "decision-neither-feasible": (
        "note, decisive",
        "Rules made both strategies infeasible. The first reason says so, names what blocks "
        "each strategy and the smallest single change that makes one feasible (from the flip "
        "search); the confidence is `both_infeasible_confidence` (0.5), and a task with too "
        "few examples to train on is never sent to fine-tuning. See "
        "[The decision](decision.md).",
    ),
    "decision-holds-across-ranges": (
        "note",
        "The chosen strategy is the better choice in at least 90% of the simulation's draws of "
        "every estimated input and of the quality gain; the message gives both totals' 80% "
        "intervals. See [The decision](decision.md#uncertainty).",
    ),
    "decision-uncertain": (
        "note",
        "The chosen strategy is the better choice in 50-90% of the simulation's draws: the "
        "confidence says how often; the sensitivity table names the inputs that move the "
        "decision most. See [The decision](decision.md#uncertainty).",
    ),
    "costs-far-from-median": (
        "note",
        "A strategy's total as given (every estimate at its point value) and its median over "
        "the simulation's draws are at least `far_from_median_ratio` "
        f"({_UNCERTAINTY.far_from_median_ratio:g}, `data/uncertainty.json`) times apart: the "
        "note names the estimated input that total moves with most across the draws "
        "(`rec.uncertainty.total_drivers`, by rank correlation, if it reaches "
        f"{_UNCERTAINTY.far_from_median_min_correlation:g} in size), with the total's median "
        "over the half of the draws nearer that input's cheap end and over the half nearer "
        "its dear end (for two published values, in the draws at each): typically a catalog "
        "number whose two sources disagree, priced at their weighted mean and drawn as one "
        "value or the other. See "
        "[Reading a recommendation](reading.md).",
    ),
    "costs-reasoning-estimated": (
        "note",
        "A strategy's requests are billed hidden reasoning tokens whose count is an estimate "
        "(`StrategyCost.reasoning_tokens_range`: no count per request is published for the "
        "model at its default settings, so the middle of a range is billed and the range is "
        "drawn), and that range moves the decision (a row of the sensitivity table): measure "
        "`usage.completion_tokens_details.reasoning_tokens` on your own calls and give it as "
        "`ModelSpec.reasoning_tokens`. See [Costs and latency](costs.md).",
    ),
    "decision-flips-inside-ranges": (
        "note",
        "The point estimates favour the chosen strategy, but the other one is the better "
        "choice in most of the simulation's draws (a skewed range): the confidence is one "
        "half. See [The decision](decision.md#uncertainty).",
    ),
    "decision-margins": (
        "note",
        "How far the facts about the task (its labeled examples, its lengths, how often it "
        "changes) can move, each alone, before the answer does: margins, not advice "
        "(`FlipPoint.kind` is `fact`, `FlipPoint.holds` the words). See "
        "[Reading a recommendation](reading.md).",
    ),
    "decision-value-of-information": (
        "note",
        "The expected value of perfect information, when it is worth a measurement (above "
        "`evpi_share_of_cheaper_total` of the cheaper total and `evpi_min_usd`, "
        "`data/uncertainty.json`): what deciding with the quality gain, or the costs' "
        "estimates, known would be worth, and what to measure. See "
        "[The decision](decision.md#the-value-of-knowing-more).",
    ),
    "decision-flip-points": (
        "note",
        "The nearest values at which single inputs would change the recommendation (each "
        "alone, everything else as given); `rec.flip_points` holds them all. Where the "
        "volume's flip is more than 1% from the break-even (the totals equal), it says why: "
        "the decision also weighs the quality estimate, the rules and the latency budget. See "
        "[Reading a recommendation](reading.md).",
    ),
    "quality-uncertain": (
        "note",
        "The quality estimate rests on thin evidence (its interval is wide, or few published "
        "results resemble the task): treat it as a prior, measure both strategies on your task "
        "and pass the scores as `TaskProfile(pilot=PilotResult(...))`. See "
        "[The quality model](quality.md).",
    ),
    "quality-note": (
        "note",
        "A caveat of the quality model (the task lies outside what the corpus covers, such as "
        "more classes or demonstrations than any published result), or what your pilot "
        "results changed. See [The quality model](quality.md).",
    ),
}

_STAGE_CODE = re.compile(r"(quality|cost|decision)(-[a-z0-9]+)+")
_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=", "ne": "!="}
_UNARY = {
    "is_null": "is unknown",
    "not_null": "is known",
    "is_true": "is true",
    "is_false": "is false",
}
_PAGE_HEADINGS = (
    "Rules",
    "Adding your own rules",
    "The default rulebook",
    "Rule by rule",
    "Reasons from the stages",
    "Inputs rules can test",
)


def _builds_reasons(tree: ast.AST) -> bool:
    """Whether a module makes ``Reason`` objects (``_reason(...)``, ``construct(Reason, ...)``
    or ``Reason(...)``): only there is a ``quality-*`` / ``cost-*`` string a reason code."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name, first = node.func.id, node.args[0] if node.args else None
            if name in {"_reason", "Reason"}:
                return True
            if name == "construct" and isinstance(first, ast.Name) and first.id == "Reason":
                return True
    return False


def stage_reason_codes(src: Path = SRC) -> dict[str, str]:
    """Reason codes the stages give, each with its file:line: the ``quality-*``, ``cost-*``
    and ``decision-*`` strings of the modules that build reasons."""
    found: dict[str, str] = {}
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _builds_reasons(tree):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _STAGE_CODE.fullmatch(node.value)
            ):
                found.setdefault(node.value, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def _code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    return f"{value:g}"


def condition_text(cond: Mapping[str, Any], params: Mapping[str, Any], top: bool = True) -> str:
    """A condition as one readable line: ``n_labeled_examples > 0 and ...``."""
    for key, word in (("all", " and "), ("any", " or ")):
        if key in cond:
            text = word.join(condition_text(c, params, top=False) for c in cond[key])
            return text if top else f"({text})"
    if "not" in cond:
        return f"not {condition_text(cond['not'], params, top=False)}"
    feature, op = cond["feature"], cond["op"]
    if op in _UNARY:
        return f"{feature} {_UNARY[op]}"
    if "param" in cond:
        right = f"{cond['param']} ({_number(params[cond['param']])})"
    elif "ref" in cond:
        right = cond["ref"]
    else:
        right = _number(cond.get("value"))
    return f"{feature} {_OPS[op]} {right}"


def _effect(rule: Any) -> str:
    effect = rule.effect
    if effect.kind == "infeasible":
        text = f"infeasible: {effect.strategy.value}"
        if effect.certainty is not None:
            text += f" (certainty {effect.certainty:g})"
        return text
    if effect.kind == "favor":
        return f"favours {effect.strategy.value} (+{effect.weight:g} log-odds)"
    return "note"


def _check_anchors(codes: list[str]) -> None:
    """Each code's heading slug is the code itself, and no other heading takes it."""
    taken = {h.lower().replace(" ", "-") for h in _PAGE_HEADINGS}
    for code in codes:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) or code in taken:
            raise ValueError(f"code {code!r} cannot be its own anchor on docs/rules.md")
        taken.add(code)


def render() -> str:
    book = default_rulebook()
    found = stage_reason_codes()
    unknown = sorted(set(found) - set(STAGE_REASONS))
    if unknown:
        where = ", ".join(f"{c} ({found[c]})" for c in unknown)
        raise ValueError(
            f"reason code(s) {where} have no section: add each to STAGE_REASONS in "
            "scripts/gen_rules_doc.py with its kind and what it says"
        )
    _check_anchors([*book.codes, *STAGE_REASONS])

    lines = [HEADER, "## The default rulebook", ""]
    lines += [
        f"{len(book.rules)} rules, evaluated in this order. Effects: *infeasible* removes the "
        "strategy named, *favours* adds its weight in log-odds to the decision, *note* only "
        "explains.",
        "",
        "| code | effect | title |",
        "|---|---|---|",
    ]
    for rule in book.rules:
        lines.append(f"| [`{rule.code}`](#{rule.code}) | {_effect(rule)} | {_cell(rule.title)} |")
    lines += ["", "## Rule by rule", ""]
    for rule in book.rules:
        cond = rule.when.model_dump(by_alias=True, exclude_none=True)
        params = dict(rule.params)
        lines += [f"### `{rule.code}`", "", f"**{rule.title}.**", ""]
        lines.append(f"- Effect: {_effect(rule)}")
        lines.append(f"- When: {_code(condition_text(cond, params))}")
        lines.append(f"- Says: {_code(rule.message)}")
        lines.append(f"- Source: {rule.source.document} ({rule.source.date})")
        lines.append("")
    lines += [
        "## Reasons from the stages",
        "",
        "Reasons that no rule gives: the quality model's estimate, the cost comparison, and "
        "what the decision says about itself.",
        "",
    ]
    for code, (kind, text) in STAGE_REASONS.items():
        lines += [f"### `{code}`", "", f"Kind: {kind}. {text}", ""]
    lines += ["## Inputs rules can test", "", "| input | meaning |", "|---|---|"]
    docs = {name: field.description or name for name, field in RuleInputs.model_fields.items()}
    lines += [f"| `{name}` | {doc} |" for name, doc in sorted(docs.items())]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/rules.md is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if DOC.read_text(encoding="utf-8") != text:
            print("docs/rules.md is stale: run python scripts/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
