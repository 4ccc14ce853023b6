"""Quality stage, the estimate: the quality model's answer for one task, with its caveats.

:class:`QualityEstimate` is the result (how likely fine-tuning is better, by how much, how
sure, on what evidence); :func:`estimate_notes` words where the evidence is thin.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from .._types import RESULT
from .features import QualityFeatures
from .params import QualityParams
from .pilot import PilotUpdate
from .predictive import Predictive

__all__ = ["QualityEstimate", "estimate_notes"]


class QualityEstimate(BaseModel):
    """The quality model's answer for one task: how likely fine-tuning is better, by how
    much, how sure, and on what evidence."""

    model_config = RESULT

    p_fine_tuning_better: float = Field(
        ...,
        ge=0,
        le=1,
        description="P(fine-tuning is better | one strategy is better by more than 1 point of "
        "100): the probability on decisive outcomes, ties left out.",
    )
    low: float = Field(..., ge=0, le=1, description="Lower bound of the interval of p.")
    high: float = Field(..., ge=0, le=1, description="Upper bound of the interval of p.")
    interval_level: float = Field(..., gt=0, lt=1, description="Interval level, e.g. 0.8.")
    p_tie: float = Field(
        0.0, ge=0, le=1, description="P(the two scores are within 1 point of 100 of each other)."
    )
    outcome_probabilities: tuple[float, float, float] | None = Field(
        None,
        description="(fine-tuning better, tie, prompting better): (1 - p_tie)·p, p_tie, "
        "(1 - p_tie)·(1 - p); they sum to 1 (filled from p and p_tie when not given).",
    )
    expected_gain_points: float = Field(
        ..., description="Expected score of fine-tuning minus prompting, points on 0-100."
    )
    gain_low_points: float = Field(
        ..., description="Lower end of the predictive interval: where this task's gain falls."
    )
    gain_high_points: float = Field(..., description="Upper end of the predictive interval.")
    expected_gain_low_points: float = Field(
        ..., description="Lower end of the interval of the expected gain (fit uncertainty)."
    )
    expected_gain_high_points: float = Field(
        ..., description="Upper end of the interval of the expected gain."
    )
    data_sufficiency: float = Field(
        ..., ge=0, le=1, description="Vendor-minimum gate r(n): can n examples train at all?"
    )
    support_rows: float = Field(..., ge=0, description="Kernel-weighted count of similar rows.")
    support_sources: int = Field(..., ge=0, description="Sources with >= 1 similar row (weighted).")
    wide: bool = Field(..., description="True when the interval is wide or support is low.")
    basis: str = Field(
        "prior",
        description="'baseline' when the prompted model's measured score set the estimate, "
        "else 'prior'.",
    )
    pilot: PilotUpdate | None = Field(None, description="How a pilot result updated p and gain.")
    notes: tuple[str, ...] = Field((), description="Human-readable caveats.")
    model_version: str = Field(..., description="Version of the fitted parameters.")

    @model_validator(mode="after")
    def _outcomes(self) -> QualityEstimate:
        if self.outcome_probabilities is None:
            p, t = self.p_fine_tuning_better, self.p_tie
            object.__setattr__(self, "outcome_probabilities", ((1 - t) * p, t, (1 - t) * (1 - p)))
        return self

    def __str__(self) -> str:
        pct = round(self.interval_level * 100)
        head = (
            f"P(fine-tuning better) = {self.p_fine_tuning_better:.2f} "
            f"({pct}% interval {self.low:.2f}-{self.high:.2f}); expected gain "
            f"{self.expected_gain_points:+.1f} points ({pct}% predictive interval "
            f"{self.gain_low_points:+.0f} to {self.gain_high_points:+.0f}); "
            f"support {self.support_rows:.1f} rows from {self.support_sources} source(s)"
        )
        notes = [*self.notes, *([self.pilot.message] if self.pilot is not None else [])]
        return "\n".join([head, *(f"  - {n}" for n in notes)])


def estimate_notes(
    prm: QualityParams,
    predictive: Predictive,
    f: QualityFeatures,
    gate: float,
    rows: float,
    sources: int,
    low_support: bool,
    low: float,
    high: float,
) -> list[str]:
    """The caveats of one task's estimate, in words (``QualityEstimate.notes``): where the
    corpus does not reach the task, the evidence is thin, or the interval is wide."""
    notes: list[str] = []
    cov = prm.coverage
    spec = predictive.spec
    n = f.n_labeled_examples
    if n == 0:
        notes.append(
            f"no labeled examples: nothing to fine-tune on, so p stays at the floor {prm.band[0]:g}"
        )
    elif n < cov.min_n:
        notes.append(
            f"no published result in the corpus used fewer than {cov.min_n:g} training "
            f"examples; here the data-size curve follows its sourced prior slope "
            f"({predictive.slope_below_min:g} points per unit ln(1 + n)) and p is "
            f"gated by the vendor minimum (r({n}) = {gate:.2f})"
        )
    if f.icl_shots is not None and f.icl_shots > cov.max_shots:
        notes.append(
            f"the corpus has no prompt with more than {cov.max_shots:g} "
            f"demonstrations; many-shot prompting is not modelled beyond that"
        )
    cap = spec.classes_cap
    if f.n_classes is not None and f.task_type == "classification" and f.n_classes > cap:
        notes.append(
            f"the corpus has no task with more than {cap:g} classes; {f.n_classes} classes "
            f"are treated as {cap:g} (no extrapolation beyond the corpus)"
        )
    if f.icl_strength is None:
        imputed = spec.strength(None, f.icl_kind)
        notes.append(
            f"no capability figure for the prompted model (data/model_strength.json): "
            f"its MMLU is taken as {imputed:.1f}, the corpus median for its kind"
        )
    elif f.icl_strength >= spec.strength_cap:
        notes.append(
            f"the prompted model (MMLU {f.icl_strength:.1f}, or a lower bound) is at least "
            f"as strong as the strongest prompted model in the corpus "
            f"({spec.strength_cap:.1f}); it is treated as that one, so the estimate may "
            "favour fine-tuning too much: measure the prompted baseline"
        )
    if f.icl_baseline_points is not None:
        notes.append(
            f"the prompted model's measured score on this task ({f.icl_baseline_points:.1f} "
            f"of 100, standard error {f.icl_baseline_se_points:.1f}) sets the estimate: "
            "it leaves "
            f"{100 - f.icl_baseline_points:.1f} points for fine-tuning to win"
        )
    if prm.force_wide:
        notes.append(
            f"the model was fitted on {prm.corpus.n_sources} source(s) only: "
            "its interval cannot show how much sources disagree, so treat it as wide"
        )
    if low_support:
        spread = (
            f"from {sources} source{'s' if sources != 1 else ''}"
            if sources
            else "and no source has a full row like it"
        )
        notes.append(f"few published results resemble this task: {rows:.1f} similar rows {spread}")
    if high - low > prm.wide_width:
        notes.append(
            f"the {round(prm.level * 100)}% interval is wide "
            f"({low:.2f}-{high:.2f}): published sources disagree on tasks like this"
        )
    return notes
