"""Input stage, the measured baseline: the prompted model's own score on the user's examples.

The library never calls a model: ``measure_prompted_baseline`` calls the user's ``predict``
(their client) on a seeded sample of their labeled examples and scores the answers.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from ._errors import ParameterError
from ._profile import PromptedBaseline
from ._tokens.counting import progress_bar, resolve_tokenizer
from ._tokens.examples import ExampleSource, LabeledExample, load_examples
from ._tokens.sampling import sample_items, t975
from ._types import RESULT, construct

__all__ = ["METRICS", "BaselineMeasurement", "measure_prompted_baseline", "score_answer"]

MetricLike = str | Callable[[str, str], float]

_Z975 = 1.959963984540054
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def _normalized(text: str) -> str:
    """Lower case, punctuation and articles removed, whitespace collapsed (SQuAD's rule)."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def _exact_match(prediction: str, reference: str) -> float:
    return float(prediction.strip() == reference.strip())


def _accuracy(prediction: str, reference: str) -> float:
    return float(_normalized(prediction) == _normalized(reference))


def _f1(prediction: str, reference: str) -> float:
    pred, ref = _normalized(prediction).split(), _normalized(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


#: The named metrics: each scores one answer against its reference, in [0, 1].
METRICS: dict[str, Callable[[str, str], float]] = {
    "exact_match": _exact_match,
    "accuracy": _accuracy,
    "f1": _f1,
}


def score_answer(prediction: str, reference: str, metric: MetricLike = "exact_match") -> float:
    """One answer's score in [0, 1].

    ``exact_match``: the answer equals the reference, surrounding whitespace aside.
    ``accuracy``: equal after lower-casing and removing punctuation, articles and extra
    whitespace (a label match). ``f1``: token-overlap F1 after that normalisation (SQuAD).
    A callable ``metric(prediction, reference)`` returns its own score in [0, 1].

    Examples
    --------
    >>> score_answer("Billing.", "billing", "accuracy"), score_answer("Billing.", "billing")
    (1.0, 0.0)
    >>> round(score_answer("the red car", "a red bus", "f1"), 2)
    0.5
    """
    if callable(metric):
        value = metric(prediction, reference)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(
                f"the metric callable must return a number in [0, 1]; got {value!r} "
                f"for prediction {prediction[:40]!r}"
            )
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ParameterError(
                f"the metric callable must return a number in [0, 1]; got {value:g}. Scale "
                "it to a proportion."
            )
        return value
    return METRICS[metric](prediction, reference)


class BaselineMeasurement(BaseModel):
    """What :func:`measure_prompted_baseline` measured: the value to put in the profile
    (``TaskProfile(prompted_baseline=m.baseline)``), its interval and what it cost."""

    model_config = RESULT

    baseline: PromptedBaseline = Field(description="The measured score, ready for the profile.")
    ci_low: float = Field(ge=0, le=1, description="Lower end of its 95% confidence interval.")
    ci_high: float = Field(ge=0, le=1, description="Upper end of the 95% interval.")
    interval_method: str = Field(description="How the interval was computed.")
    n_available: int = Field(ge=0, description="Labeled examples the source held.")
    seed: int = Field(description="Seed of the sample.")
    input_tokens: int = Field(ge=0, description="Tokens of the prompts sent to predict.")
    output_tokens: int = Field(ge=0, description="Tokens of the answers it returned.")
    encoding: str = Field(description="How tokens were counted ('estimate': bytes / 4).")
    tokens_exact: bool = Field(description="True when counted with a real encoding.")
    scores: tuple[float, ...] = Field(description="Each measured example's score, in order.")
    note: str | None = Field(None, description="How the token counts were made, if estimated.")

    def __str__(self) -> str:
        b = self.baseline
        return (
            f"prompted baseline {b.metric} = {b.score:.3f} on {b.n_examples} of "
            f"{self.n_available} examples (95% CI {self.ci_low:.3f}-{self.ci_high:.3f}, "
            f"{self.interval_method}); {self.input_tokens:,} input and "
            f"{self.output_tokens:,} output tokens ({self.encoding})"
        )


def _prompt_of(example: LabeledExample) -> str:
    if isinstance(example.input, str):
        return example.input
    return "\n\n".join(m.content for m in (*example.instructions, *example.input))


def _interval(scores: list[float]) -> tuple[float, float, str]:
    n = len(scores)
    mean = sum(scores) / n
    if all(s in (0.0, 1.0) for s in scores):  # a proportion: Wilson's score interval
        z2 = _Z975 * _Z975
        center = (mean + z2 / (2 * n)) / (1 + z2 / n)
        half = _Z975 * math.sqrt(mean * (1 - mean) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        return max(center - half, 0.0), min(center + half, 1.0), "Wilson score interval"
    if n < 2:
        return 0.0, 1.0, "one example: no interval"
    var = sum((s - mean) ** 2 for s in scores) / (n - 1)
    half = t975(n - 1) * math.sqrt(var / n)
    return max(mean - half, 0.0), min(mean + half, 1.0), "Student's t on the per-example scores"


def measure_prompted_baseline(
    examples: ExampleSource,
    predict: Callable[[str], str],
    *,
    metric: MetricLike = "exact_match",
    n: int = 200,
    seed: int = 0,
    prompt: Callable[[LabeledExample], str] | None = None,
    encoding: str = "o200k_base",
    progress: bool | None = None,
) -> BaselineMeasurement:
    """Measure the prompted model's score on a seeded sample of your labeled examples.

    Calls your own ``predict(prompt) -> str`` (your client, with your prompt and your
    demonstrations) on ``n`` examples drawn at random with ``seed``, scores each answer
    against its reference, and returns the score to put in
    ``TaskProfile(prompted_baseline=...)``, its 95% confidence interval and the tokens it
    sent and received. The library itself never touches the network. A progress bar shows
    with the ``progress`` extra (tqdm) when asked for, or on a terminal for long runs.

    Parameters
    ----------
    examples : path, sequence of dicts, or sequence of LabeledExample
        Labeled examples in any format :func:`~strategy_advisor.load_examples` reads.
    predict : callable
        ``predict(prompt) -> str``: the prompted model's answer.
    metric : {"exact_match", "accuracy", "f1"} or callable, default "exact_match"
        How an answer is scored (see :func:`score_answer`); a callable
        ``metric(prediction, reference) -> float`` in [0, 1].
    n : int, default 200
        Examples to measure (all of them when there are fewer).
    seed : int, default 0
        Seed of the sample: the same examples, the same order, every time.
    prompt : callable, optional
        Builds the text ``predict`` receives from an example (default: its input; a chat's
        instructions and messages joined by blank lines).
    encoding : str, default "o200k_base"
        Encoding the tokens are counted with (the byte estimate when it is not available
        offline).
    progress : bool, optional
        Show a progress bar (None: on a terminal, for long runs).

    Returns
    -------
    BaselineMeasurement

    Raises
    ------
    ParameterError
        An unknown metric, ``n`` below 1, no examples, or ``predict`` returning a non-str.

    Examples
    --------
    >>> data = [{"input": f"ticket {i}", "output": "billing" if i % 4 else "other"}
    ...         for i in range(40)]
    >>> m = measure_prompted_baseline(data, lambda p: "billing", metric="accuracy", n=20,
    ...                               encoding="estimate")
    >>> m.baseline.n_examples, 0.5 < m.baseline.score < 1.0
    (20, True)
    """
    if not callable(metric) and metric not in METRICS:
        raise ParameterError(
            f"The 'metric' parameter of measure_prompted_baseline must be a str among "
            f"{sorted(METRICS)} or a callable. Got {metric!r} instead."
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(
            f"The 'n' parameter of measure_prompted_baseline must be an int >= 1. Got {n!r} "
            "instead."
        )
    if not callable(predict):
        raise ParameterError(
            "The 'predict' parameter of measure_prompted_baseline must be a callable "
            f"predict(prompt) -> str. Got {predict!r} instead."
        )
    sample, total = sample_items(load_examples(examples), n, seed)
    if not sample:
        raise ParameterError("measure_prompted_baseline needs at least one labeled example.")
    build = prompt if prompt is not None else _prompt_of
    tokenizer = resolve_tokenizer(encoding, allow_estimate=True)
    scores: list[float] = []
    prompts: list[str] = []
    answers: list[str] = []
    bar: Any = progress_bar(
        progress, len(sample), unit="example", desc="measuring the prompted baseline"
    )
    try:
        for example in sample:
            text = build(example)
            answer = predict(text)
            if not isinstance(answer, str):
                raise ParameterError(
                    f"predict must return the answer as a str; got {type(answer).__name__} "
                    f"for prompt {text[:40]!r}"
                )
            scores.append(score_answer(answer, example.output, metric))
            prompts.append(text)
            answers.append(answer)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    mean = sum(scores) / len(scores)
    low, high, how = _interval(scores)
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    baseline = PromptedBaseline(
        score=mean, max_score=1.0, higher_is_better=True, metric=name, n_examples=len(scores)
    )
    return construct(
        BaselineMeasurement,
        baseline=baseline,
        ci_low=low,
        ci_high=high,
        interval_method=how,
        n_available=total,
        seed=seed,
        input_tokens=sum(tokenizer.lengths(prompts)),
        output_tokens=sum(tokenizer.lengths(answers)),
        encoding=tokenizer.name,
        tokens_exact=tokenizer.exact,
        scores=tuple(scores),
        note=tokenizer.note,
    )
