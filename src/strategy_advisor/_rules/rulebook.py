"""Rules stage, the rulebook: rules as data, checked at load, every rule evaluated and traced."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from .._datafiles import describe_validation_error, load_json, read_shipped_json
from .._errors import RuleError, did_you_mean
from .._escape import printable, shown
from .._format import format_value
from .._limits import RULE_WEIGHT_MAX
from .._types import RESULT, STRICT_DATA, FrozenMap, Strategy, construct, quiet_floats
from .conditions import (
    Condition,
    ConditionError,
    Evaluator,
    InputKind,
    check_condition,
    compile_condition,
    literal_kind,
    walk,
)
from .inputs import INPUT_KINDS

__all__ = [
    "Effect",
    "Rule",
    "RuleOutcome",
    "RuleResults",
    "RuleSource",
    "Rulebook",
    "default_rulebook",
]

Value = float | int | bool | str | None
Status = Literal["fired", "not_fired", "not_applicable"]


class Effect(BaseModel):
    """What a fired rule does: makes a strategy infeasible, favours one, or only notes."""

    model_config = STRICT_DATA
    kind: Literal["infeasible", "favor", "note"]
    strategy: Strategy | None = None
    weight: float = Field(
        0.0,
        ge=0,
        le=RULE_WEIGHT_MAX,
        description="For 'favor': log-odds added to the strategy, at most "
        f"{RULE_WEIGHT_MAX:g} (odds of about 22,000 to 1, more than any quality or cost "
        "term; the bound keeps the sum over every rule finite and a typo from deciding "
        "every profile).",
    )
    certainty: float | None = Field(
        None,
        gt=0.5,
        le=1,
        description="For 'infeasible': how sure the rule is (default: the decision policy's "
        "infeasible_confidence). Lower it for rules resting on estimates.",
    )


class RuleSource(BaseModel):
    """Where a rule's threshold or logic comes from."""

    model_config = STRICT_DATA
    document: str = Field(..., min_length=1)
    date: str = Field(..., min_length=1)


class Rule(BaseModel):
    """One rule: a condition over named inputs, an effect, a message template, a source.

    Message templates name inputs and params in braces, optionally with a format:
    ``{n_labeled_examples:int}``, ``{ft_one_time_usd:usd}``, ``{icl_latency_ms:ms}``,
    ``{payback_months:months}``, ``{icl_prompt_tokens:tok}``, ``{x:days}``.
    """

    model_config = STRICT_DATA
    code: str = Field(..., pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    when: Condition
    effect: Effect
    message: str
    params: FrozenMap[str, float | int | str] = Field(default_factory=FrozenMap)
    source: RuleSource


class RuleOutcome(BaseModel):
    """The trace of one rule on one profile."""

    model_config = RESULT
    code: str
    status: Status
    effect: Literal["infeasible", "favor", "note"]
    strategy: Strategy | None
    weight: float
    certainty: float | None
    message: str | None = Field(description="The filled message, when the rule fired.")
    values: FrozenMap[str, Value] = Field(description="The inputs the rule looked at.")
    source: str


_WEIGHT_BOUND = (
    f"a weight is log-odds in [0, {RULE_WEIGHT_MAX:g}]: {RULE_WEIGHT_MAX:g} is odds of about "
    "22,000 to 1, more than any quality or cost term, and the bound keeps the sum over every "
    "rule finite"
)
_NUMBER_FORMATS = frozenset(
    {"", "usd", "int", "tok", "shots", "ms", "days", "ago", "months", "pct"}
)


def _check(rule: Rule, known: Mapping[str, InputKind]) -> None:
    """Reject, at load, anything that could fail or mislead when the rule is evaluated."""

    def fail(problem: str) -> RuleError:
        return RuleError(f"rule {rule.code!r}: {printable(problem)}")

    for name in rule.params:
        if name in known:
            raise fail(f"param {name!r} has the name of an input; rename it")
    try:
        check_condition(rule.when, known, rule.params)
    except ConditionError as exc:
        hint = did_you_mean(exc.unknown, known) if exc.unknown is not None else ""
        raise fail(f"{exc}.{hint}" if exc.unknown is not None else str(exc)) from None
    _check_message(rule, known, fail)
    effect = rule.effect
    if effect.kind != "note" and effect.strategy is None:
        raise fail(f"effect {effect.kind!r} needs a strategy")
    if effect.weight and effect.kind != "favor":
        raise fail(
            f"effect.weight {effect.weight:g} is read by 'favor' effects only; this effect is "
            f"{effect.kind!r}: remove the weight, or make the effect 'favor'"
        )
    if effect.certainty is not None and effect.kind != "infeasible":
        raise fail(
            f"effect.certainty is read by 'infeasible' effects only; this effect is "
            f"{effect.kind!r}: remove the certainty"
        )


def _check_message(rule: Rule, known: Mapping[str, InputKind], fail: Any) -> None:
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
            kind = literal_kind(rule.params[name])
        else:
            raise fail(f"message field {name!r} is not a known input.{did_you_mean(name, known)}")
        allowed = _NUMBER_FORMATS if kind == "number" else frozenset({""})
        if spec not in allowed:
            raise fail(
                f"message field {{{name}:{spec}}}: format {spec!r} is not one of "
                f"{sorted(f for f in allowed if f)} for a {kind} input"
            )


def _compile_message(
    template: str, params: Mapping[str, Value]
) -> Callable[[Mapping[str, Value]], str]:
    """The message as a function of the inputs: literal text and ``format_value`` fields,
    parsed once (the template was checked at load)."""
    parts: list[tuple[str, str | None, str]] = [
        (literal, name, spec or "") for literal, name, spec, _ in string.Formatter().parse(template)
    ]
    fixed = {
        name: format_value(params[name], spec)
        for _, name, spec in parts
        if name is not None and name in params
    }

    def fill(inputs: Mapping[str, Value]) -> str:
        out = []
        for literal, name, spec in parts:
            out.append(literal)
            if name is not None:
                out.append(fixed[name] if name in fixed else format_value(inputs[name], spec))
        return "".join(out)

    return fill


class _Compiled:
    """A checked rule, ready to evaluate: its condition and message compiled, its trace fixed."""

    __slots__ = ("code", "evaluate", "fill", "looked_at", "param_values", "source", "static")

    def __init__(self, rule: Rule) -> None:
        self.evaluate: Evaluator = compile_condition(rule.when, rule.params)
        self.fill = _compile_message(rule.message, rule.params)
        compares = list(walk(rule.when))
        names = [c.feature for c in compares] + [c.ref for c in compares if c.ref is not None]
        self.looked_at = tuple(dict.fromkeys(names))
        self.param_values = tuple(
            (c.param, rule.params[c.param]) for c in compares if c.param is not None
        )
        effect = rule.effect
        self.code = rule.code
        self.static = {
            "effect": effect.kind,
            "strategy": effect.strategy,
            "weight": effect.weight,
            "certainty": effect.certainty,
        }
        self.source = f"{rule.source.document} ({rule.source.date})"

    def outcome(self, inputs: Mapping[str, Value], result: bool | None) -> RuleOutcome:
        values = {n: inputs[n] for n in self.looked_at}
        values.update(self.param_values)
        # every field is already valid (checked at load, inputs typed by RuleInputs)
        # in field order (code, status, effect, ...), as a JSON round trip gives them
        return construct(
            RuleOutcome,
            code=self.code,
            status="not_applicable" if result is None else ("fired" if result else "not_fired"),
            **self.static,
            message=self.fill(inputs) if result else None,
            values=FrozenMap(values),
            source=self.source,
        )


class RuleResults:
    """Every rule's condition over rows of scenarios: ``fired[i, r]`` and ``unknown[i, r]``
    for rule ``i`` in row ``r`` (neither: the rule did not fire)."""

    __slots__ = ("complete", "fired", "unknown")

    def __init__(self, fired: np.ndarray, unknown: np.ndarray, *, complete: bool = True) -> None:
        self.fired = fired
        self.unknown = unknown
        self.complete = complete  # every rule evaluated (False: the notes were left out)

    def row(self, r: int) -> tuple[bool | None, ...]:
        """One row's results: True (fired), False, None (not applicable)."""
        return tuple(
            None if u else bool(f)
            for f, u in zip(self.fired[:, r].tolist(), self.unknown[:, r].tolist(), strict=True)
        )


def _evaluate_into(
    c: _Compiled, inputs: Mapping[str, Any], i: int, fired: np.ndarray, unknown: np.ndarray
) -> None:
    """Rule ``c``'s condition over the rows, into row ``i`` of the results."""
    t, f = c.evaluate(inputs)
    fired[i] = t
    unknown[i] = np.logical_not(np.logical_or(t, f))


class Rulebook:
    """An ordered set of rules, all evaluated every time (no short-circuit).

    Examples
    --------
    >>> book = default_rulebook()
    >>> "no-fine-tuning-offer" in book.codes
    True
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = tuple(rules)
        seen: set[str] = set()
        for rule in self._rules:
            if rule.code in seen:
                raise RuleError(f"rule {rule.code!r} is defined twice; rule codes must be unique")
            seen.add(rule.code)
            _check(rule, INPUT_KINDS)
        self._compiled = tuple(_Compiled(r) for r in self._rules)
        self._decision_inputs = frozenset(
            n for c in self._compiled if c.static["effect"] != "note" for n in c.looked_at
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its rules (the compiled conditions are rebuilt), for parallel runs."""
        return (type(self), (self._rules,))

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any] | list[Any]) -> Rulebook:
        """Load rules from a JSON file or its parsed content: ``{"rules": [...]}`` or a list."""
        where = printable(str(source)) if isinstance(source, (str, Path)) else "rules"
        data = load_json(source) if isinstance(source, (str, Path)) else source
        items = data.get("rules") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise RuleError(
                f'{where}: expected {{"rules": [...]}} or a list of rules; got a '
                f"{type(data).__name__} without a 'rules' list"
            )
        rules = _parse_rules(items, where)
        try:
            return cls(rules)
        except RuleError as exc:
            raise RuleError(f"{where}: {exc}") from None

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
        return Rulebook((*self._rules, *extra))

    def evaluate(self, inputs: Mapping[str, Value]) -> tuple[RuleOutcome, ...]:
        """Evaluate every rule on one set of ``inputs`` (every name in
        :class:`RuleInputs`), in order."""
        return self.trace(inputs, self.results(inputs))

    def results(self, inputs: Mapping[str, Value]) -> tuple[bool | None, ...]:
        """Each rule's condition on one set of ``inputs``: True (fired), False, None (not
        applicable)."""
        rows = {k: _as_row(v) for k, v in inputs.items()}
        return self.evaluate_rows(rows).row(0)

    @quiet_floats
    def evaluate_rows(self, inputs: Mapping[str, Any], *, notes: bool = True) -> RuleResults:
        """Every rule over rows of scenarios at once (see :mod:`.conditions` for how
        inputs are given): what the decision needs, no message filled. Without ``notes``
        the rules that only note something are left unevaluated (not fired): the decision
        over many scenarios needs only the rules with an effect."""
        n = max((v.shape[0] for v in inputs.values() if isinstance(v, np.ndarray)), default=1)
        fired = np.zeros((len(self._compiled), n), dtype=bool)
        unknown = np.zeros((len(self._compiled), n), dtype=bool)
        for i, c in enumerate(self._compiled):
            if notes or c.static["effect"] != "note":
                _evaluate_into(c, inputs, i, fired, unknown)
        return RuleResults(fired, unknown, complete=notes)

    def with_input_changed(
        self, inputs: Mapping[str, Any], results: RuleResults, name: str
    ) -> RuleResults:
        """``results`` (every rule, over the same rows) with the rules whose condition reads
        the input ``name`` evaluated again on ``inputs``: the others cannot have changed."""
        if not results.complete or results.fired.shape[0] != len(self._compiled):
            raise ValueError(
                "with_input_changed needs every rule of this rulebook evaluated "
                f"(evaluate_rows with notes): got {results.fired.shape[0]} rules"
                f"{'' if results.complete else ', notes left out'}, "
                f"the rulebook has {len(self._compiled)}"
            )
        fired, unknown = results.fired.copy(), results.unknown.copy()
        for i, c in enumerate(self._compiled):
            if name in c.looked_at:
                _evaluate_into(c, inputs, i, fired, unknown)
        return RuleResults(fired, unknown)

    def trace(
        self, inputs: Mapping[str, Value], results: tuple[bool | None, ...]
    ) -> tuple[RuleOutcome, ...]:
        """The full trace of one set of inputs and its results."""
        return tuple(c.outcome(inputs, r) for c, r in zip(self._compiled, results, strict=True))

    def fired_effects(self, results: tuple[bool | None, ...]) -> tuple[Effect, ...]:
        """The effects of the rules that fired (for the decision, before any message)."""
        return tuple(r.effect for r, fired in zip(self._rules, results, strict=True) if fired)

    @property
    def effects(self) -> tuple[Effect, ...]:
        """Every rule's effect, in evaluation order."""
        return tuple(r.effect for r in self._rules)

    def decides_with(self, name: str) -> bool:
        """Whether a rule with an effect on the decision (not a note) reads the input
        ``name``: evaluated without notes, such an input is still needed.

        Examples
        --------
        >>> book = default_rulebook()
        >>> book.decides_with("n_labeled_examples"), book.decides_with("icl_shots_reason")
        (True, False)
        """
        return name in self._decision_inputs

    @property
    def decision_inputs(self) -> frozenset[str]:
        """The inputs the rules with an effect on the decision read (a pass without notes
        needs no other)."""
        return self._decision_inputs


def _as_row(value: Value) -> Any:
    """One input as a one-row array (text stays a scalar)."""
    if value is None:
        return np.array([np.nan])
    if isinstance(value, str):
        return value
    return np.array([float(value)])


def _parse_rules(items: list[Any], where: str) -> list[Rule]:
    rules = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise RuleError(
                f"{where}: rule #{i} is a {type(item).__name__}; expected an object with code, "
                "title, when, effect, message and source"
            )
        code = item.get("code", f"#{i}")
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            lines = describe_validation_error(exc, Rule).splitlines()
            problems = "; ".join(lines[:4]) + (
                f"; ... and {len(lines) - 4} more" * (len(lines) > 4)
            )
            if any(e["loc"] == ("effect", "weight") for e in exc.errors()):
                problems += f" ({_WEIGHT_BOUND})"
            raise RuleError(f"{where}: rule {shown(code)} is malformed: {problems}") from exc
    return rules


@cache
def default_rulebook() -> Rulebook:
    """The shipped rules in ``data/rules.json`` (loaded once)."""
    data = read_shipped_json("rules.json")
    rules = data.get("rules") if isinstance(data, Mapping) else None
    if not isinstance(rules, list):
        raise RuleError("data/rules.json: expected {'rules': [...]}")
    return Rulebook(_parse_rules(rules, "data/rules.json"))
