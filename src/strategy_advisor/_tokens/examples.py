"""Token statistics stage, from examples: labeled examples in, measured TaskProfile out."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np

from .._catalog import Catalog, default_catalog
from .._constraints import check_params
from .._errors import DataFileError, ParameterError
from .._escape import printable, shown
from .._limits import EXCERPT_CHARS
from .._model_spec import ModelSpec
from .._profile import TaskProfile, TokenMeasurement
from .._types import TASK_TYPES
from .counting import (
    COUNTING_CONSTRAINTS,
    ChatOverhead,
    EncodingLike,
    Tokenizer,
    progress_bar,
    resolve_tokenizer,
    summarize_lengths,
    tokenizer_data,
)
from .messages import ChatMessage, message_texts, parse_message
from .sampling import sample_items, skew_warning

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["ChatMessage", "LabeledExample", "load_examples", "profile_from_examples"]

ExampleSource: TypeAlias = "str | os.PathLike[str] | Iterable[Mapping[str, Any] | LabeledExample]"
_JSONL = (".jsonl", ".ndjson")
_INSTRUCTION_ROLES = ("system", "developer")
_KEY_PAIRS = (("prompt", "completion"), ("input", "output"))
_EXPECTED = (
    "an object with 'prompt' and 'completion', 'input' and 'output', or 'messages' "
    "(a list of {'role': ..., 'content': ...} ending with the assistant's answer)"
)


@dataclass(frozen=True, slots=True)
class LabeledExample:
    """One labeled example: what the model reads, and the answer it should write.

    ``input`` is a prompt string, or the chat messages before the answer. ``instructions``
    holds a chat's leading system/developer messages: fixed instructions, not the query.
    """

    input: str | tuple[ChatMessage, ...]
    output: str
    instructions: tuple[ChatMessage, ...] = ()


# --------------------------------------------------------------------------- loading


def load_examples(source: ExampleSource) -> Iterator[LabeledExample]:
    """Stream labeled examples from a ``.jsonl``/``.csv`` file or a sequence of dicts.

    Files are read one line (row) at a time, in constant memory. JSONL lines hold
    ``{"prompt", "completion"}``, ``{"input", "output"}`` or chat ``{"messages": [...]}``
    (the last message, the assistant's, is the output); CSV files have columns
    ``prompt``/``completion`` or ``input``/``output``. Non-string values (numbers, JSON
    objects) count as their JSON text.

    Raises
    ------
    DataFileError
        Unsupported or missing file, or a malformed line/row: the message names the file,
        the line and what was expected.

    Examples
    --------
    >>> ex = next(load_examples([{"messages": [
    ...     {"role": "system", "content": "Be brief."},
    ...     {"role": "user", "content": "2+2?"},
    ...     {"role": "assistant", "content": "4"}]}]))
    >>> (ex.input[0].content, ex.output, ex.instructions[0].content)
    ('2+2?', '4', 'Be brief.')
    """
    payloads = _payloads(source)
    return (_to_example(where, payload) for where, payload in payloads)


def _payloads(source: ExampleSource) -> Iterator[tuple[str, Any]]:
    """(where, raw record) pairs; JSONL lines stay unparsed bytes until needed."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        suffix = path.suffix.lower()
        if suffix not in (*_JSONL, ".csv"):
            raise DataFileError(
                f"{printable(str(path))}: unsupported example file type "
                f"{shown(suffix or '(none)', EXCERPT_CHARS)}; expected "
                ".jsonl (or .ndjson) or .csv, or a sequence of dicts"
            )
        if not path.is_file():
            raise DataFileError(
                f"example file {printable(str(path))} does not exist (or is not a regular file)"
            )
        return _jsonl_lines(path) if suffix in _JSONL else _csv_rows(path)
    if isinstance(source, (bytes, Mapping)):
        raise DataFileError(
            f"examples must be a path or a sequence of dicts; got a {type(source).__name__}"
        )
    return ((f"examples[{i}]", item) for i, item in enumerate(source))


def _jsonl_lines(path: Path) -> Iterator[tuple[str, Any]]:
    name = printable(str(path))
    with path.open("rb") as f:
        for lineno, line in enumerate(f, start=1):
            if line.strip():
                yield f"{name}, line {lineno}", line


def _csv_rows(file: Path) -> Iterator[tuple[str, Any]]:
    path = printable(str(file))
    with file.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            pair = next((p for p in _KEY_PAIRS if set(p) <= set(header)), None)
            if pair is None:
                raise DataFileError(
                    f"{path}, line 1: expected a header with columns 'prompt' and 'completion' "
                    f"(or 'input' and 'output'); got columns "
                    f"{shown(header, EXCERPT_CHARS)}"
                )
            cols = [header.index(c) for c in pair]
            for row in reader:
                where = f"{path}, line {reader.line_num}"
                if not any(row):
                    continue
                if len(row) <= max(cols):
                    raise DataFileError(
                        f"{where}: expected {len(header)} fields with {pair[0]!r} and "
                        f"{pair[1]!r}; got {len(row)} field(s)"
                    )
                yield where, {pair[0]: row[cols[0]], pair[1]: row[cols[1]]}
        except csv.Error as exc:
            raise DataFileError(
                f"{path}, line {reader.line_num}: not valid CSV ({exc}); fields longer than "
                "csv.field_size_limit() are better stored as JSONL"
            ) from exc
        except UnicodeDecodeError as exc:
            raise DataFileError(
                f"{path}, after line {reader.line_num}: not UTF-8 text ({exc.reason} at byte "
                f"{exc.start} of a read block); save the file as UTF-8"
            ) from exc


def _to_example(where: str, payload: Any) -> LabeledExample:
    if isinstance(payload, LabeledExample):
        return payload
    if isinstance(payload, bytes):
        try:
            payload = json.loads(payload.decode("utf-8").lstrip("\ufeff"))
        except UnicodeDecodeError as exc:
            raise DataFileError(f"{where}: not UTF-8 text ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{where}: not valid JSON ({exc.msg}, column {exc.colno}); expected one "
                f"JSON object per line: {_EXPECTED}"
            ) from exc
    if not isinstance(payload, Mapping):
        raise DataFileError(f"{where}: expected {_EXPECTED}; got a {type(payload).__name__}")
    if "messages" in payload:
        return _from_messages(where, payload["messages"])
    for key_in, key_out in _KEY_PAIRS:
        if key_in in payload and key_out in payload:
            return LabeledExample(
                _text(where, key_in, payload[key_in]), _text(where, key_out, payload[key_out])
            )
    raise DataFileError(
        f"{where}: expected {_EXPECTED}; got keys {shown(sorted(payload), EXCERPT_CHARS)}"
    )


def _text(where: str, key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        raise DataFileError(f"{where}: {key!r} is null; expected text")
    return json.dumps(value, ensure_ascii=False)


def _from_messages(where: str, messages: Any) -> LabeledExample:
    if not isinstance(messages, list) or not messages:
        raise DataFileError(
            f"{where}: 'messages' must be a non-empty list of {{'role': ..., 'content': ...}}; "
            f"got {shown(messages, EXCERPT_CHARS)}"
        )
    parsed = [parse_message(m, f"{where}, messages[{i}]") for i, m in enumerate(messages)]
    *context, answer = parsed
    if answer.role != "assistant":
        raise DataFileError(
            f"{where}: the last message must be the assistant's answer (role 'assistant'); "
            f"got role {answer.role!r}"
        )
    n_lead = 0
    while n_lead < len(context) and context[n_lead].role in _INSTRUCTION_ROLES:
        n_lead += 1
    return LabeledExample(tuple(context[n_lead:]), answer.content, tuple(context[:n_lead]))


# --------------------------------------------------------------------------- measuring


def _measure(
    examples: Sequence[LabeledExample], tokenizer: Tokenizer, overhead: ChatOverhead
) -> npt.NDArray[np.float64]:
    """Tokens per example, shape (3, n): instructions, input, output."""
    n = len(examples)
    texts: list[str] = []
    slots: list[int] = []
    extra = np.zeros(3 * n)

    def add(messages: tuple[ChatMessage, ...], slot: int) -> None:
        # billed as count_message_tokens counts them (the OpenAI cookbook's format)
        billed, fixed = message_texts(messages, overhead)
        texts.extend(billed)
        slots.extend([slot] * len(billed))
        extra[slot] += fixed

    for i, ex in enumerate(examples):
        if isinstance(ex.input, str):
            texts.append(ex.input)
            slots.append(n + i)
        else:
            add(ex.input, n + i)
            extra[n + i] += overhead.reply_priming
        add(ex.instructions, i)
        texts.append(ex.output)
        slots.append(2 * n + i)
    lengths = tokenizer.lengths(texts)
    sums = np.bincount(slots, weights=lengths, minlength=3 * n) + extra
    return sums.reshape(3, n)


def _measure_all(
    source: ExampleSource,
    tokenizer: Tokenizer,
    overhead: ChatOverhead,
    *,
    sample: int | None,
    seed: int,
    progress: bool | None,
) -> tuple[npt.NDArray[np.float64], int]:
    if sample is not None:
        if isinstance(source, Sequence) and not isinstance(source, str):
            idx, n = sample_items(range(len(source)), sample, seed)
            picked = [_to_example(f"examples[{i}]", source[i]) for i in sorted(idx)]
        else:  # a stream: reservoir over raw lines/rows, parse only the kept ones
            kept, n = sample_items(_payloads(source), sample, seed)
            picked = [_to_example(where, payload) for where, payload in kept]
        return _measure(picked, tokenizer, overhead), n
    total = _bar_total(source, progress)
    # token counts are whole numbers: int32 keeps 12 bytes per example (the file is never
    # held, only its three lengths per example)
    parts = [np.zeros((3, 0), dtype=np.int32)]
    stream = load_examples(source)
    bar = progress_bar(progress, total, unit="example")
    try:
        while chunk := list(islice(stream, tokenizer_data().counting.examples_chunk)):
            parts.append(np.rint(_measure(chunk, tokenizer, overhead)).astype(np.int32))
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    measured = np.concatenate(parts, axis=1).astype(np.float64)
    return measured, measured.shape[1]


def _bar_total(source: ExampleSource, progress: bool | None) -> int | None:
    """The examples a progress bar counts to: a sequence's length, or a file's records.

    A path is a ``str`` (a ``Sequence`` too, but its length is not a count of examples):
    its records are counted in one extra read, only when a bar may be shown (asked for,
    or ``None`` on a terminal).
    """
    if isinstance(source, (str, os.PathLike)):
        on_terminal = sys.stderr is not None and sys.stderr.isatty()
        if progress is False or (progress is None and not on_terminal):
            return None
        return sum(1 for _ in _payloads(source))
    return len(source) if isinstance(source, Sequence) else None


def _spec_for(
    name_or_spec: str | ModelSpec | Mapping[str, Any] | None,
    role: Literal["icl_model", "ft_model"],
    catalog: Catalog,
) -> ModelSpec:
    if isinstance(name_or_spec, Mapping):
        return ModelSpec.model_validate(name_or_spec)
    if isinstance(name_or_spec, ModelSpec):
        return name_or_spec
    return catalog.resolve(name_or_spec, role)


def _counted_for(
    fields: Mapping[str, Any], catalog: Catalog, encoding: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(models whose own tokenizer is ``encoding``, models it only stands in for)."""
    exact: list[str] = []
    approximate: list[str] = []
    for role in ("icl_model", "ft_model"):
        spec = _spec_for(fields.get(role), role, catalog)
        own = spec.encoding or tokenizer_data().default_encoding
        mine = own == encoding and not (spec.encoding_error_band or 0.0)
        names = exact if mine else approximate
        if spec.name not in names:
            names.append(spec.name)
    return tuple(exact), tuple(approximate)


def _encoding_for_model(
    name_or_spec: str | ModelSpec | Mapping[str, Any] | None,
    role: Literal["icl_model", "ft_model"],
    catalog: Catalog,
) -> tuple[str, float]:
    """(encoding, relative error band) for a model name, spec or dict; None: the default model.

    Names (and None) go through ``catalog``; a model without an encoding gets the default
    encoding from ``data/tokenizers.json``.
    """
    if isinstance(name_or_spec, Mapping):
        name_or_spec = ModelSpec.model_validate(name_or_spec)
    if isinstance(name_or_spec, ModelSpec):
        spec = name_or_spec
    else:
        spec = catalog.resolve(name_or_spec, role)
    return spec.encoding or tokenizer_data().default_encoding, spec.encoding_error_band or 0.0


def _choose_encoding(
    encoding: EncodingLike | None, fields: Mapping[str, Any], catalog: Catalog
) -> tuple[EncodingLike, float, str | None]:
    ft_enc, ft_band = _encoding_for_model(fields.get("ft_model"), "ft_model", catalog)
    icl_enc, icl_band = _encoding_for_model(fields.get("icl_model"), "icl_model", catalog)
    band = max(ft_band, icl_band)
    if encoding is not None:
        if band > 0 and not (isinstance(encoding, str) and encoding == "estimate"):
            # the encoding is exact for itself, an approximation for these models
            return (
                encoding,
                band,
                (
                    f"the given encoding stands in for a model's own tokenizer (catalog band "
                    f"±{band:.0%}): counts are exact for the encoding, approximate for the model"
                ),
            )
        return encoding, 0.0, None
    notes = []
    if icl_enc != ft_enc:
        notes.append(f"icl_model uses {icl_enc}, ft_model {ft_enc}; counted with {ft_enc}")
    if band > 0:
        notes.append(f"{ft_enc} stands in for a model's own tokenizer (catalog band ±{band:.0%})")
    return ft_enc, band, "; ".join(notes) or None


def profile_from_examples(
    examples: ExampleSource,
    *,
    encoding: EncodingLike | None = None,
    allow_estimate: bool = False,
    sample: int | None = None,
    seed: int = 0,
    progress: bool | None = None,
    catalog: Catalog | None = None,
    **fields: Any,
) -> TaskProfile:
    """Build a :class:`TaskProfile` whose token lengths are measured from labeled examples.

    Parameters
    ----------
    examples : path or sequence of dicts
        A ``.jsonl``/``.csv`` file (streamed) or dicts, as read by :func:`load_examples`.
    encoding : str, path or tiktoken.Encoding, optional
        As in :func:`count_tokens`. ``None``: the encoding of ``ft_model`` (or the catalog's
        default model), whose catalog error band then enters ``relative_error``.
    allow_estimate, sample, seed, progress
        As in :func:`count_tokens`; sampling is over examples.
    catalog : Catalog, optional
        Where model names in ``fields`` are looked up for their encoding (default: the
        shipped catalog; :meth:`Advisor.profile_from_examples` passes the advisor's).
    **fields
        Every other :class:`TaskProfile` field (``task_type`` is required). Fields given
        here win over measured ones.

    Returns
    -------
    TaskProfile
        ``avg_input_tokens`` (the query: a chat's messages after its leading
        system/developer messages, plus chat overhead), ``avg_output_tokens``,
        ``n_labeled_examples`` (examples in the source), ``instruction_tokens`` (mean
        tokens of the leading system/developer messages, when there are any), and
        ``token_measurement`` saying how exact they are.

    Examples
    --------
    >>> p = profile_from_examples([{"prompt": "Great product!", "completion": "positive"}] * 3,
    ...                           encoding="estimate", task_type="classification")
    >>> (p.n_labeled_examples, p.avg_input_tokens, p.avg_output_tokens)
    (3, 4.0, 2.0)
    """
    check_params(
        "profile_from_examples",
        {"sample": sample, "seed": seed, "allow_estimate": allow_estimate, "progress": progress},
        COUNTING_CONSTRAINTS,
    )
    if "task_type" not in fields:
        raise ParameterError(
            "profile_from_examples() needs task_type=...: one of "
            f"{', '.join(TASK_TYPES)} (the other TaskProfile fields are optional)."
        )
    catalog = catalog if catalog is not None else default_catalog()
    chosen, band, model_note = _choose_encoding(encoding, fields, catalog)
    tokenizer = resolve_tokenizer(chosen, allow_estimate=allow_estimate)
    overhead = tokenizer_data().overhead_for(tokenizer.name)
    measured, n = _measure_all(
        examples, tokenizer, overhead, sample=sample, seed=seed, progress=progress
    )
    if n == 0:
        where = str(examples) if isinstance(examples, (str, os.PathLike)) else "examples"
        raise DataFileError(
            f"{where} holds no labeled examples (it is empty, or every line is blank); "
            f"expected at least one example: {_EXPECTED}. Token lengths cannot be measured from "
            "nothing: add examples, or give avg_input_tokens and avg_output_tokens yourself."
        )
    instr, inp, out = (
        summarize_lengths(row, n, tokenizer, seed=seed, what="examples") for row in measured
    )
    sampled = inp.n_counted < n
    sample_note = (
        f"averages from a random sample of {inp.n_counted:,} of {n:,} examples (seed {seed})"
        if sampled
        else None
    )
    notes = [tokenizer.note, sample_note, model_note]
    if sampled:
        notes += [
            skew_warning(measured[1], "input lengths"),
            skew_warning(measured[2], "output lengths"),
        ]
    measured_fields: dict[str, Any] = {
        "n_labeled_examples": n,
        "avg_input_tokens": inp.mean,
        "avg_output_tokens": out.mean,
    }
    if instr.max > 0:
        measured_fields["instruction_tokens"] = instr.mean
    overridden = tuple(
        k for k in measured_fields if k in fields and fields[k] != measured_fields[k]
    )
    if overridden:
        notes.append(
            "given values win over measured ones: "
            + ", ".join(f"{k} {fields[k]!r} (measured {measured_fields[k]:g})" for k in overridden)
        )
    exact_for, approximate_for = (
        _counted_for(fields, catalog, tokenizer.name) if tokenizer.exact else ((), ())
    )
    measurement = TokenMeasurement(
        exact_for=exact_for if not sampled else (),
        approximate_for=approximate_for,
        encoding=tokenizer.name,
        exact=tokenizer.exact and not sampled and band == 0,
        n_examples=n,
        n_counted=inp.n_counted,
        relative_error=max(band, instr.relative_error, inp.relative_error, out.relative_error),
        p95_input_tokens=inp.p95,
        p95_output_tokens=out.p95,
        note="; ".join(p for p in notes if p) or None,
        measured_avg_input_tokens=inp.mean,
        measured_avg_output_tokens=out.mean,
        overridden=overridden,
    )
    return TaskProfile(**{**measured_fields, **fields, "token_measurement": measurement})
