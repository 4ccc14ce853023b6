"""Rules stage: feasibility and preferences as data, every rule evaluated and explained."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._data import load_json, read_shipped_json
from ._errors import RuleError, closest_names
from ._format import format_value
from ._profile import Strategy
from ._rule_inputs import RULE_INPUT_KINDS, InputKind

__all__ = ["Effect", "Rule", "RuleOutcome", "RuleSource", "Rulebook", "default_rulebook"]

Value = float | int | bool | str | None
Status = Literal["fired", "not_fired", "not_applicable"]
_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)


class Compare(BaseModel):
    """``feature <op> value``; the right side is a literal ``value``, a rule ``param``, or
    another feature (``ref``). A comparison with an unknown (``None``) side is unknown."""

    model_config = _STRICT
    feature: str
    op: Literal["lt", "le", "gt", "ge", "eq", "ne", "is_null", "not_null", "is_true", "is_false"]
    value: float | bool | str | None = None
    param: str | None = None
    ref: str | None = None


class AllOf(BaseModel):
    """True when every part is true; false when any part is false; else unknown."""

    model_config = _STRICT
    all: tuple[Condition, ...] = Field(..., min_length=1)


class AnyOf(BaseModel):
    """True when any part is true; false when every part is false; else unknown."""

    model_config = _STRICT
    any: tuple[Condition, ...] = Field(..., min_length=1)


class Not(BaseModel):
    """Negation (unknown stays unknown)."""

    model_config = _STRICT
    not_: Condition = Field(..., alias="not")


Condition = Annotated[Union[Compare, AllOf, AnyOf, Not], Field(union_mode="smart")]  # noqa: UP007


class Effect(BaseModel):
    """What a fired rule does: makes a strategy infeasible, favours one, or only notes."""

    model_config = _STRICT
    kind: Literal["infeasible", "favor", "note"]
    strategy: Strategy | None = None
    weight: float = Field(0.0, ge=0, description="For 'favor': log-odds added to the strategy.")
    certainty: float | None = Field(
        None,
        gt=0.5,
        le=1,
        description="For 'infeasible': how sure the rule is (default: the decision policy's "
        "infeasible_confidence). Lower it for rules resting on estimates.",
    )


class RuleSource(BaseModel):
    """Where a rule's threshold or logic comes from."""

    model_config = _STRICT
    document: str = Field(..., min_length=1)
    date: str = Field(..., min_length=1)


class Rule(BaseModel):
    """One rule: a condition over named inputs, an effect, a message template, a source.

    Message templates name inputs and params in braces, optionally with a format:
    ``{n_labeled_examples:int}``, ``{ft_one_time_usd:usd}``, ``{icl_latency_ms:ms}``,
    ``{payback_months:months}``, ``{icl_prompt_tokens:tok}``, ``{x:days}``.
    """

    model_config = _STRICT
    code: str = Field(..., pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    when: Condition
    effect: Effect
    message: str
    params: dict[str, float | int | str] = Field(default_factory=dict)
    source: RuleSource


class RuleOutcome(BaseModel):
    """The trace of one rule on one profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    status: Status
    effect: Literal["infeasible", "favor", "note"]
    strategy: Strategy | None
    weight: float
    certainty: float | None
    message: str | None = Field(description="The filled message, when the rule fired.")
    values: dict[str, Value] = Field(description="The inputs the rule looked at.")
    source: str


def _walk(cond: Condition) -> Iterable[Compare]:
    if isinstance(cond, Compare):
        yield cond
    elif isinstance(cond, AllOf):
        for c in cond.all:
            yield from _walk(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            yield from _walk(c)
    else:
        yield from _walk(cond.not_)


_NUMBER_FORMATS = frozenset({"", "usd", "int", "tok", "ms", "days", "ago", "months", "pct"})
_ORDERING = frozenset({"lt", "le", "gt", "ge"})


def _literal_kind(value: object) -> InputKind:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "text"


def _check(rule: Rule, known: Mapping[str, InputKind]) -> None:
    """Reject, at load, anything that could fail or mislead when the rule is evaluated."""

    def fail(problem: str) -> RuleError:
        return RuleError(f"rule {rule.code!r}: {problem}")

    def unknown(name: str, where: str) -> RuleError:
        hint = closest_names(name, known)
        near = f" Did you mean {', '.join(map(repr, hint))}?" if hint else ""
        return fail(f"{where} {name!r} is not a known input.{near}")

    for name in rule.params:
        if name in known:
            raise fail(f"param {name!r} has the name of an input; rename it")
    for cmp in _walk(rule.when):
        _check_compare(cmp, rule, known, fail, unknown)
    _check_message(rule, known, fail, unknown)
    if rule.effect.kind != "note" and rule.effect.strategy is None:
        raise fail(f"effect {rule.effect.kind!r} needs a strategy")


def _check_compare(
    cmp: Compare,
    rule: Rule,
    known: Mapping[str, InputKind],
    fail: Callable[[str], RuleError],
    unknown: Callable[[str, str], RuleError],
) -> None:
    if cmp.feature not in known:
        raise unknown(cmp.feature, "condition feature")
    if cmp.ref is not None and cmp.ref not in known:
        raise unknown(cmp.ref, "condition ref")
    if cmp.param is not None and cmp.param not in rule.params:
        raise fail(f"param {cmp.param!r} is not in its params {sorted(rule.params)}")
    left = known[cmp.feature]
    if cmp.op in ("is_null", "not_null"):
        return
    if cmp.op in ("is_true", "is_false"):
        if left != "bool":
            raise fail(f"{cmp.op} needs a yes/no input; {cmp.feature!r} is {left}")
        return
    sides = [x for x in (cmp.value, cmp.param, cmp.ref) if x is not None]
    if len(sides) != 1:
        raise fail(
            f"comparison {cmp.feature} {cmp.op} needs exactly one of value, param or ref; "
            f"got {len(sides)}"
        )
    if cmp.ref is not None:
        right = known[cmp.ref]
    elif cmp.param is not None:
        right = _literal_kind(rule.params[cmp.param])
    else:
        right = _literal_kind(cmp.value)
    if cmp.op in _ORDERING and (left != "number" or right != "number"):
        raise fail(
            f"{cmp.op} compares numbers; {cmp.feature!r} is {left} and the other side is {right}"
        )
    if left != right:
        raise fail(f"{cmp.feature!r} is {left} but is compared with a {right}")


def _check_message(
    rule: Rule,
    known: Mapping[str, InputKind],
    fail: Callable[[str], RuleError],
    unknown: Callable[[str, str], RuleError],
) -> None:
    try:
        fields = list(string.Formatter().parse(rule.message))
    except ValueError as exc:
        raise fail(
            f"message is not a valid template ({exc}); write a literal brace as {{{{"
        ) from exc
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name or name.isdigit():
            raise fail("message fields must be named, like {n_labeled_examples}")
        if conversion is not None:
            raise fail(f"message field {{{name}!{conversion}}}: conversions are not supported")
        if name in known:
            kind: InputKind = known[name]
        elif name in rule.params:
            kind = _literal_kind(rule.params[name])
        else:
            raise unknown(name, "message field")
        allowed = _NUMBER_FORMATS if kind == "number" else frozenset({""})
        if spec not in allowed:
            raise fail(
                f"message field {{{name}:{spec}}}: format {spec!r} is not one of "
                f"{sorted(f for f in allowed if f)} for a {kind} input"
            )


_ORDER = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
          "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
          "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}  # fmt: skip


def _eval(cond: Condition, inputs: Mapping[str, Value], params: Mapping[str, Any]) -> bool | None:
    if isinstance(cond, AllOf):
        parts = [_eval(c, inputs, params) for c in cond.all]
        return False if False in parts else (None if None in parts else True)
    if isinstance(cond, AnyOf):
        parts = [_eval(c, inputs, params) for c in cond.any]
        return True if True in parts else (None if None in parts else False)
    if isinstance(cond, Not):
        inner = _eval(cond.not_, inputs, params)
        return None if inner is None else not inner
    left = inputs[cond.feature]
    if cond.op == "is_null":
        return left is None
    if cond.op == "not_null":
        return left is not None
    if left is None:
        return None
    if cond.op in ("is_true", "is_false"):
        return bool(left) is (cond.op == "is_true")
    if cond.ref is not None:
        right = inputs[cond.ref]
    elif cond.param is not None:
        right = params[cond.param]
    else:
        right = cond.value
    if right is None:
        return None
    return bool(_ORDER[cond.op](left, right))


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return format_value(value, format_spec)


class Rulebook:
    """An ordered set of rules, all evaluated every time (no short-circuit).

    Examples
    --------
    >>> book = default_rulebook()
    >>> "no-fine-tuning-offer" in book.codes
    True
    """

    def __init__(
        self, rules: Iterable[Rule], *, known_inputs: Mapping[str, InputKind] | None = None
    ):
        self._rules = tuple(rules)
        self._known: dict[str, InputKind] = dict(
            RULE_INPUT_KINDS if known_inputs is None else known_inputs
        )
        seen: set[str] = set()
        for rule in self._rules:
            if rule.code in seen:
                raise RuleError(f"rule {rule.code!r} is defined twice; rule codes must be unique")
            seen.add(rule.code)
            _check(rule, self._known)

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any] | list[Any]) -> Rulebook:
        """Load rules from a JSON file or its parsed content: ``{"rules": [...]}`` or a list."""
        where = str(source) if isinstance(source, (str, Path)) else "rules"
        data = load_json(source) if isinstance(source, (str, Path)) else source
        items = data.get("rules") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise RuleError(
                f'{where}: expected {{"rules": [...]}} or a list of rules; got a '
                f"{type(data).__name__} without a 'rules' list"
            )
        return cls(_parse_rules(items, where))

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in evaluation order."""
        return self._rules

    @property
    def codes(self) -> tuple[str, ...]:
        """Rule codes, in evaluation order."""
        return tuple(r.code for r in self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def extended(self, rules: Iterable[Rule | Mapping[str, Any]] | str | Path) -> Rulebook:
        """A new rulebook with ``rules`` (objects, dicts or a JSON file) after these."""
        if isinstance(rules, (str, Path)):
            extra: tuple[Rule, ...] = Rulebook.from_json(rules).rules
        else:
            items = list(rules)
            extra = tuple(
                r if isinstance(r, Rule) else _parse_rules([r], "rules")[0] for r in items
            )
        return Rulebook((*self._rules, *extra), known_inputs=self._known)

    def evaluate(self, inputs: Mapping[str, Value]) -> tuple[RuleOutcome, ...]:
        """Evaluate every rule on ``inputs``, in order."""
        formatter = _Formatter()
        outcomes = []
        for rule in self._rules:
            result = _eval(rule.when, inputs, rule.params)
            status: Status = (
                "not_applicable" if result is None else ("fired" if result else "not_fired")
            )
            compares = list(_walk(rule.when))
            names = dict.fromkeys(
                [c.feature for c in compares] + [c.ref for c in compares if c.ref is not None]
            )
            values: dict[str, Value] = {n: inputs[n] for n in names}
            for c in compares:
                if c.param is not None:
                    values[c.param] = rule.params[c.param]
            message = None
            if status == "fired":
                message = formatter.vformat(rule.message, (), {**inputs, **rule.params})
            outcomes.append(
                RuleOutcome(
                    code=rule.code,
                    status=status,
                    effect=rule.effect.kind,
                    strategy=rule.effect.strategy,
                    weight=rule.effect.weight,
                    certainty=rule.effect.certainty,
                    message=message,
                    values=values,
                    source=f"{rule.source.document} ({rule.source.date})",
                )
            )
        return tuple(outcomes)


def _parse_rules(items: list[Any], where: str) -> list[Rule]:
    rules = []
    for i, item in enumerate(items):
        code = item.get("code", f"#{i}") if isinstance(item, Mapping) else f"#{i}"
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
                for e in exc.errors()[:4]
            )
            raise RuleError(f"{where}: rule {code!r} is malformed: {problems}") from exc
    return rules


@cache
def default_rulebook() -> Rulebook:
    """The shipped rules in ``data/rules.json`` (loaded once)."""
    data = read_shipped_json("rules.json")
    return Rulebook(_parse_rules(data["rules"], "data/rules.json"))
