"""Shared builders for tests: explicit, fully priced model specs and profiles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from strategy_advisor import FineTuningOffer, ModelSpec, TaskProfile

TODAY = dt.date(2026, 11, 27)


def offer(**kw: Any) -> FineTuningOffer:
    base: dict[str, Any] = dict(
        training_usd_per_mtok=3.0,
        input_usd_per_mtok=0.3,
        output_usd_per_mtok=1.2,
        hosting_usd_per_hour=0.0,
        min_examples=10,
    )
    base.update(kw)
    return FineTuningOffer(**base)


def spec(name: str = "test-llm", *, tunable: bool = True, **kw: Any) -> ModelSpec:
    base: dict[str, Any] = dict(
        name=name,
        kind="frontier_api",
        context_window=128_000,
        input_usd_per_mtok=1.0,
        cached_input_usd_per_mtok=0.1,
        output_usd_per_mtok=2.0,
        min_cacheable_tokens=1024,
        prefill_tokens_per_s=10_000.0,
        decode_tokens_per_s=100.0,
        fine_tuning=offer() if tunable else None,
    )
    base.update(kw)
    return ModelSpec(**base)


def profile(**kw: Any) -> TaskProfile:
    base: dict[str, Any] = dict(
        task_type="classification",
        n_labeled_examples=1000,
        n_classes=4,
        avg_input_tokens=200.0,
        avg_output_tokens=50.0,
        instruction_tokens=100.0,
        icl_shots=10,
        requests_per_month=100_000.0,
        horizon_months=12.0,
        icl_model=spec(),
        ft_model=spec(),
    )
    base.update(kw)
    return TaskProfile(**base)
