"""Counts exact for one model and a stand-in for the other: said per model, in the token
line and in the tokens-estimated note."""

from __future__ import annotations

from strategy_advisor import profile_from_examples, recommend

from .helpers import TODAY, spec
from .tiny_encoding import tiny_encoding

EXAMPLES = [
    {"prompt": f"ticket {i}: the app crashes on login", "completion": "bug"} for i in range(6)
]


def _profile(**models: object):  # type: ignore[no-untyped-def]
    return profile_from_examples(
        EXAMPLES,
        encoding=tiny_encoding(),
        task_type="classification",
        n_classes=2,
        requests_per_month=10_000,
        **models,
    )


def test_counts_are_exact_for_the_model_whose_encoding_counted_them() -> None:
    p = _profile(
        icl_model=spec("prompted", encoding="tiny_o200k", tunable=False),
        ft_model=spec("tuned", encoding="llama3", encoding_error_band=0.25),
    )
    m = p.token_measurement
    assert m is not None
    assert m.exact_for == ("prompted",) and m.approximate_for == ("tuned",)
    assert not m.exact and m.relative_error == 0.25
    rec = recommend(p, today=TODAY)
    line = next(ln for ln in rec.to_text().splitlines() if "token lengths" in ln)
    assert (
        "(exact for prompted; for tuned tiny_o200k stands in for its own tokenizer, ±25%)" in line
    )
    note = next(r for r in rec.reasons if r.code == "tokens-estimated")
    assert "exact for prompted" in note.message and "tokenizer of tuned" in note.message


def test_counts_exact_for_both_models_are_exact() -> None:
    p = _profile(
        icl_model=spec("prompted", encoding="tiny_o200k", tunable=False),
        ft_model=spec("tuned", encoding="tiny_o200k"),
    )
    m = p.token_measurement
    assert m is not None and m.exact and m.exact_for == ("prompted", "tuned")
    rec = recommend(p, today=TODAY)
    assert "(exact)" in rec.to_text()
    assert all(r.code != "tokens-estimated" for r in rec.reasons)
