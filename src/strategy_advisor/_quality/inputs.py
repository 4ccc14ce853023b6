"""Quality stage, inputs: what the advisor knows of a task, as the quality model's features."""

from __future__ import annotations

from .._model_spec import ModelSpec
from .._profile import TaskProfile
from .._types import construct
from .features import QualityFeatures
from .strength import StrengthTable, strength_of

__all__ = ["quality_features_for"]


def quality_features_for(
    profile: TaskProfile,
    icl: ModelSpec,
    ft: ModelSpec,
    *,
    icl_shots: int,
    same_model: bool,
    retrieval: bool,
    n_labeled_examples: int | None = None,
    strengths: StrengthTable | None = None,
) -> QualityFeatures:
    """The quality model's input for ``profile`` with these two models and this prompt.

    The prompted model's capability figure comes from ``data/model_strength.json`` (by the
    spec's name, or one of the table's aliases; a model it does not know is imputed from its
    kind), the measured baseline and its standard error from ``profile.prompted_baseline``.

    Parameters
    ----------
    profile : TaskProfile
    icl, ft : ModelSpec
        The prompted and the tuned model (resolved from the catalog).
    icl_shots : int
        Demonstrations in the prompt being priced.
    same_model : bool
        Both arms use the same base model.
    retrieval : bool
        Every prompt carries retrieved context.
    n_labeled_examples : int, optional
        Training-set size to assume (default: the profile's); a search over sizes sets it.
    strengths : StrengthTable, optional
        Capability figures (default: the shipped table).

    Examples
    --------
    >>> from strategy_advisor import TaskProfile, default_catalog
    >>> cat = default_catalog()
    >>> f = quality_features_for(
    ...     TaskProfile(task_type="classification", n_labeled_examples=300),
    ...     cat.get("gpt-4o"), cat.get("gpt-4o-mini"),
    ...     icl_shots=8, same_model=False, retrieval=False)
    >>> f.icl_strength, f.icl_baseline_points
    (88.7, None)
    """
    offer = ft.fine_tuning
    base = profile.prompted_baseline
    return construct(
        QualityFeatures,
        task_type=profile.task_type,
        n_labeled_examples=(
            profile.n_labeled_examples if n_labeled_examples is None else n_labeled_examples
        ),
        n_classes=profile.n_classes,
        icl_shots=icl_shots,
        ft_params_b=ft.params_b,
        icl_params_b=icl.params_b,
        ft_kind=ft.kind,
        icl_kind=icl.kind,
        same_model=same_model,
        ft_method=offer.method if offer is not None else "unknown",
        icl_retrieval=retrieval,
        icl_strength=strength_of([icl.name], strengths),
        icl_baseline_points=None if base is None else base.points,
        icl_baseline_se_points=0.0 if base is None else base.standard_error_points,
    )
