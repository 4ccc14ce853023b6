"""Hypothesis strategies shared by the tests (attrs keeps its own in ``tests/strategies.py``).

``extreme_profiles``: valid profiles at the far ends of every range a profile accepts,
from 1 to 10^12 labeled examples, token lengths from 1e-4 to 1e9, volumes up to 10^12 a
month, with any catalog model and serving choice: the inputs a service must survive.
``hostile_text``: strings built to break an output format (escape sequences, newlines,
Markdown and HTML syntax, spreadsheet formulas, bidirectional overrides).
"""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import strategies as st

from strategy_advisor import default_catalog
from strategy_advisor._profile import ServingChoice
from strategy_advisor._types import TASK_TYPES

#: Strings that try to forge output: each medium must show them as text, never obey them.
HOSTILE = (
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;pwned\x07",  # set the window title
    "ok\r\x1b[2Kforged",  # overwrite the line
    "line one\n# Approved by Security\n",  # a Markdown heading on its own line
    "a | b | c",  # Markdown table cells
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil","x")',  # a spreadsheet formula
    "+1+cmd|' /C calc'!A0",
    "\u202eevil\u202c",  # right-to-left override
    "\u2028next",  # Unicode line separator
    "**bold** _it_ `code` [link](http://x)",
    "\\",
)

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
)


def _log_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats spread over every decade from ``low`` to ``high``, ends included."""
    import math

    lo, hi = math.log10(low), math.log10(high)
    spread = st.floats(lo, hi).map(lambda e: min(max(10.0**e, low), high))
    return st.one_of(st.sampled_from((low, high)), spread)


@st.composite
def extreme_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid profile (as a dict) with inputs anywhere in their accepted ranges, often
    at their ends."""
    names = default_catalog().names
    n = draw(st.one_of(st.integers(1, 100), st.integers(1, 10**12), st.just(10**12)))
    profile: dict[str, Any] = {
        "task_type": draw(st.sampled_from(TASK_TYPES)),
        "n_labeled_examples": n,
        "avg_input_tokens": draw(_log_floats(1e-4, 1e9)),
        "avg_output_tokens": draw(_log_floats(1e-4, 1e9)),
        "requests_per_month": draw(st.one_of(st.just(0.0), _log_floats(1e-3, 1e12))),
        "horizon_months": draw(_log_floats(0.1, 600.0)),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "n_classes": st.integers(2, 10**6),
        "instruction_tokens": _log_floats(1e-4, 1e9),
        "retrieved_context_tokens": _log_floats(1e-4, 1e9),
        "icl_shots": st.integers(0, min(n, 10_000)),
        "latency_budget_ms": _log_floats(1.0, 1e9),
        "task_change_interval_days": _log_floats(0.01, 1e5),
        "fine_tuning_budget_usd": _log_floats(1e-2, 1e12),
        "peak_to_average_ratio": _log_floats(1.0, 1000.0),
        "adapters_per_deployment": st.integers(1, 10**6),
        "cache_hit_rate": st.floats(0.0, 1.0),
        "allow_batch": st.booleans(),
        "ft_serving": st.sampled_from(get_args(ServingChoice)),
        "icl_serving": st.sampled_from(get_args(ServingChoice)),
        "icl_model": st.sampled_from(names),
        "ft_model": st.sampled_from(names),
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            profile[key] = draw(values)
    return profile
