"""Rules stage: feasibility and preferences as data, every rule evaluated and explained."""

from .conditions import AllOf, AnyOf, Compare, Condition, Not
from .inputs import INPUT_KINDS, RuleInputs, input_docs
from .rulebook import (
    Effect,
    Rule,
    Rulebook,
    RuleOutcome,
    RuleResults,
    RuleSource,
    default_rulebook,
)

__all__ = [
    "INPUT_KINDS",
    "AllOf",
    "AnyOf",
    "Compare",
    "Condition",
    "Effect",
    "Not",
    "Rule",
    "RuleInputs",
    "RuleOutcome",
    "RuleResults",
    "RuleSource",
    "Rulebook",
    "default_rulebook",
    "input_docs",
]
