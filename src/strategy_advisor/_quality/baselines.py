"""Quality stage, baselines: the rules of thumb the model is compared with, refitted per fold.

Every rate is learned from the training sources of a fold, on their decisive rows (the
outcome the model's probability is defined on); nothing here is used at run time.
"""

from __future__ import annotations

import numpy as np

from .._types import FloatArray
from .corpus import QualityCorpus

__all__ = ["rule_baselines"]


def rule_baselines(
    train: QualityCorpus,
    test: QualityCorpus,
    band: tuple[float, float],
    thresholds: tuple[int, ...],
) -> dict[str, FloatArray]:
    """Always fine-tune, the base rate, and each 'n >= t -> fine-tune' rule, hard (kept in
    the band) and softened to the training sources' decisive FT-win share on each side.

    Examples
    --------
    >>> from strategy_advisor._quality.corpus import read_corpus
    >>> rows = [dict(source_id="a", task_family="classification", n_classes="",
    ...     n_train_ft=str(n), ft_model="m", ft_model_params_b="7", ft_method_kind="lora",
    ...     icl_model_params_b="", icl_model_kind="frontier_api", same_model="false",
    ...     icl_shots="0", winner=w) for n, w in ((10, "in_context_learning"),
    ...     (500, "fine_tuning"), (900, "tie"))]
    >>> corp = read_corpus(rows)
    >>> out = rule_baselines(corp, corp, (0.02, 0.98), (100,))
    >>> out["rule_n100_soft"].tolist()
    [0.02, 0.98, 0.98]
    """
    lo, hi = band
    decisive = train.decisive
    y = train.y[decisive]
    rate = float(y.mean()) if y.size else 0.5
    m = len(test)
    out = {"always_ft": np.full(m, hi), "base_rate": np.full(m, min(max(rate, lo), hi))}
    for t in thresholds:
        fires_tr, fires_te = train.columns.n[decisive] >= t, test.columns.n >= t
        out[f"rule_n{t}"] = np.where(fires_te, hi, lo)
        side = [y[fires_tr == v] for v in (False, True)]
        rates = [float(v.mean()) if v.size else rate for v in side]
        out[f"rule_n{t}_soft"] = np.clip(np.where(fires_te, rates[1], rates[0]), lo, hi)
    return out
