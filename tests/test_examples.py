"""Labeled examples: loading JSONL/CSV/dicts, chat overhead, and measured task profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategy_advisor import (
    ChatMessage,
    DataFileError,
    LabeledExample,
    ModelSpec,
    TokenizerError,
    load_examples,
    profile_from_examples,
)
from strategy_advisor._tokens import tokenizer_data

from .tiny_encoding import tiny_encoding, write_tiktoken_file

CHAT: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": "You label reviews as positive or negative."},
        {"role": "user", "content": "Great value, works well.", "name": "alice"},
        {"role": "assistant", "content": "positive"},
    ]
}
PAIRS: list[dict[str, Any]] = [
    {"prompt": "Classify: I love it", "completion": "positive"},
    {"input": "Classify: 糟糕的产品", "output": "negative"},
    {"prompt": "Extract the total", "completion": {"total": 12.5, "currency": "EUR"}},
]


def n_tok(text: str) -> int:
    return len(tiny_encoding().encode_ordinary(text))


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


# --------------------------------------------------------------------------- loading


def test_jsonl_pairs_and_chat(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", [*PAIRS, CHAT])
    with path.open("a") as f:
        f.write("\n   \n")  # blank lines are skipped
    examples = list(load_examples(path))
    assert examples[0] == LabeledExample("Classify: I love it", "positive")
    assert examples[1] == LabeledExample("Classify: 糟糕的产品", "negative")
    assert examples[2].output == '{"total": 12.5, "currency": "EUR"}'
    assert examples[3] == LabeledExample(
        (ChatMessage("user", "Great value, works well.", "alice"),),
        "positive",
        (ChatMessage("system", "You label reviews as positive or negative."),),
    )
    assert list(load_examples(str(path))) == examples


def test_chat_content_parts_and_tool_turns() -> None:
    record = {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {"role": "assistant", "content": None},
            {"role": "tool", "content": "42"},
            {"role": "assistant", "content": "done"},
        ]
    }
    (ex,) = load_examples([record])
    assert isinstance(ex.input, tuple)
    assert [m.content for m in ex.input] == ["ab", "", "42"] and ex.output == "done"


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        '\ufeffInput,Output,id\n"multi\nline, quoted",yes,1\nplain,no,2\n\n', encoding="utf-8"
    )
    assert list(load_examples(path)) == [
        LabeledExample("multi\nline, quoted", "yes"),
        LabeledExample("plain", "no"),
    ]


def test_sequences_of_dicts_and_examples() -> None:
    ready = LabeledExample("q", "a")
    assert list(load_examples([PAIRS[0], ready])) == [
        LabeledExample("Classify: I love it", "positive"),
        ready,
    ]


def test_loading_is_lazy(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", PAIRS)
    with path.open("a") as f:
        f.write("{broken\n")
    stream = load_examples(path)
    assert next(stream).output == "positive"  # read before the bad line is reached


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{broken", r"t\.jsonl, line 3: not valid JSON .*expected one JSON object per line"),
        ('{"text": "x"}', r"line 3: expected an object with 'prompt' .* got keys \['text'\]"),
        ("[1, 2]", r"line 3: expected an object .* got a list"),
        ('{"prompt": "x", "completion": null}', r"line 3: 'completion' is null"),
        ('{"messages": []}', r"line 3: 'messages' must be a non-empty list"),
        (
            '{"messages": [{"role": "assistant", "content": "a"}, '
            '{"role": "user", "content": "q"}]}',
            r"line 3: the last message must be the assistant's answer .* got role 'user'",
        ),
        ('{"messages": [{"content": "a"}]}', r"line 3, messages\[0\]: expected \{'role'"),
        (
            '{"messages": [{"role": "user", "content": [{"type": "image_url"}]}, '
            '{"role": "assistant", "content": "a"}]}',
            r"messages\[0\]: only text content parts can be counted",
        ),
    ],
)
def test_malformed_jsonl_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", PAIRS[:2])
    with path.open("a") as f:
        f.write(line + "\n")
    with pytest.raises(DataFileError, match=message):
        list(load_examples(path))


def test_non_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"prompt": "a", "completion": "b"}\n{"prompt": "\xff"}\n')
    with pytest.raises(DataFileError, match="line 2: not UTF-8"):
        list(load_examples(path))


def test_malformed_csv_and_sources(tmp_path: Path) -> None:
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("question,answer\nq,a\n")
    with pytest.raises(
        DataFileError, match=r"h\.csv, line 1: expected a header .* got columns \['question'"
    ):
        list(load_examples(bad_header))
    short = tmp_path / "s.csv"
    short.write_text("prompt,completion\nq,a\nonly-one\n")
    with pytest.raises(DataFileError, match=r"s\.csv, line 3: expected 2 fields .* got 1"):
        list(load_examples(short))
    with pytest.raises(DataFileError, match=r"unsupported example file type '\.txt'"):
        load_examples(tmp_path / "x.txt")
    with pytest.raises(DataFileError, match="does not exist"):
        load_examples(tmp_path / "missing.jsonl")
    with pytest.raises(DataFileError, match=r"examples\[0\]: expected an object"):
        list(load_examples(["just a string"]))  # type: ignore[list-item]


# --------------------------------------------------------------------------- measuring


def test_chat_overhead_follows_the_cookbook() -> None:
    oh = tokenizer_data().overhead_for("tiny_o200k")
    assert (oh.tokens_per_message, oh.tokens_per_name, oh.reply_priming) == (3, 1, 3)
    assert "How_to_count_tokens_with_tiktoken" in oh.source
    profile = profile_from_examples([CHAT], encoding=tiny_encoding(), task_type="classification")
    system, user, _ = CHAT["messages"]
    expected_input = 3 + n_tok("user") + n_tok(user["content"]) + n_tok("alice") + 1 + 3
    expected_instructions = 3 + n_tok("system") + n_tok(system["content"])
    assert profile.avg_input_tokens == expected_input
    assert profile.instruction_tokens == expected_instructions
    assert profile.avg_output_tokens == n_tok("positive")


def test_profile_fills_measured_fields() -> None:
    openai = ModelSpec(name="an-openai-model", encoding="o200k_base", encoding_error_band=0.0)
    profile = profile_from_examples(
        PAIRS,
        encoding=tiny_encoding(),
        task_type="extraction",
        requests_per_month=1_000,
        icl_model=openai,
        ft_model=openai,
    )
    inputs = [
        n_tok("Classify: I love it"),
        n_tok("Classify: 糟糕的产品"),
        n_tok("Extract the total"),
    ]
    outputs = [n_tok("positive"), n_tok("negative"), n_tok('{"total": 12.5, "currency": "EUR"}')]
    assert profile.n_labeled_examples == 3
    assert profile.avg_input_tokens == pytest.approx(np.mean(inputs))
    assert profile.avg_output_tokens == pytest.approx(np.mean(outputs))
    assert profile.instruction_tokens is None and profile.requests_per_month == 1_000
    m = profile.token_measurement
    assert m is not None
    assert (m.encoding, m.exact, m.n_examples, m.n_counted) == ("tiny_o200k", True, 3, 3)
    assert m.relative_error == 0 and m.note is None
    assert m.p95_output_tokens == pytest.approx(np.percentile(outputs, 95))


def test_given_fields_win() -> None:
    profile = profile_from_examples(
        PAIRS, encoding=tiny_encoding(), task_type="extraction", n_labeled_examples=10_000
    )
    assert profile.n_labeled_examples == 10_000


def test_from_examples_delegates_with_keywords(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", PAIRS * 20)
    profile = profile_from_examples(
        path, encoding=tiny_encoding(), task_type="extraction", sample=10, seed=2
    )
    m = profile.token_measurement
    assert m is not None
    assert (m.n_examples, m.n_counted, m.exact) == (60, 10, False)
    assert m.relative_error > 0
    assert m.note is not None and "sample of 10 of 60 examples (seed 2)" in m.note


def test_sampling_a_file_parses_only_the_sample(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", PAIRS * 50)
    with path.open("a") as f:
        f.write("{broken\n" * 3)
    with pytest.raises(DataFileError):
        profile_from_examples(path, encoding=tiny_encoding(), task_type="extraction")
    seeds_ok = 0
    for seed in range(5):  # a sample that misses the 3 bad lines of 153 loads fine
        try:
            profile_from_examples(
                path, encoding=tiny_encoding(), task_type="extraction", sample=5, seed=seed
            )
            seeds_ok += 1
        except DataFileError:
            pass
    assert seeds_ok >= 3


def test_sampled_sequence_and_csv_agree_in_shape(tmp_path: Path) -> None:
    rows = [
        {"prompt": f"question number {i} " * (i % 7 + 1), "completion": "ok"} for i in range(300)
    ]
    path = tmp_path / "d.csv"
    path.write_text("prompt,completion\n" + "".join(f'"{r["prompt"]}",ok\n' for r in rows))
    for source in (rows, path):
        profile = profile_from_examples(
            source, encoding=tiny_encoding(), task_type="generation", sample=60
        )
        m = profile.token_measurement
        assert m is not None and (m.n_examples, m.n_counted) == (300, 60)
        assert profile.n_labeled_examples == 300


def test_encoding_from_the_models(tmp_path: Path) -> None:
    local = str(write_tiktoken_file(tmp_path / "o200k_base.tiktoken"))
    spec = ModelSpec(name="in-house", encoding=local, encoding_error_band=0.1)
    profile = profile_from_examples(PAIRS, task_type="extraction", ft_model=spec)
    m = profile.token_measurement
    # o200k_base stands in for the model's own tokenizer: an approximation, not "exact"
    assert m is not None and (m.encoding, m.exact, m.relative_error) == ("o200k_base", False, 0.1)
    as_dict = profile_from_examples(
        PAIRS, task_type="extraction", ft_model=spec.model_dump(), icl_model=spec
    )
    assert as_dict.avg_input_tokens == profile.avg_input_tokens


def test_catalog_model_offline_needs_the_cache_or_an_estimate(offline: list[str]) -> None:
    with pytest.raises(TokenizerError, match="TIKTOKEN_CACHE_DIR"):
        profile_from_examples(PAIRS, task_type="extraction")  # the catalog's default model
    profile = profile_from_examples(
        PAIRS, task_type="extraction", icl_model="claude-sonnet-4-5", allow_estimate=True
    )
    m = profile.token_measurement
    assert m is not None and (m.encoding, m.exact) == ("estimate", False)
    assert m.relative_error >= 0.25
    assert m.note is not None and "not available offline" in m.note
    assert offline == []


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=20)),
        min_size=1,
        max_size=10,
    )
)
def test_averages_are_means_of_encode_ordinary(pairs: list[tuple[str, str]]) -> None:
    records = [{"input": a, "output": b} for a, b in pairs]
    profile = profile_from_examples(records, encoding=tiny_encoding(), task_type="generation")
    assert profile.avg_input_tokens == pytest.approx(np.mean([n_tok(a) for a, _ in pairs]))
    assert profile.avg_output_tokens == pytest.approx(np.mean([n_tok(b) for _, b in pairs]))


def test_sampled_profile_flags_skewed_lengths() -> None:
    rows = [{"input": "word " * (1 if i % 50 else 2_000), "output": "ok"} for i in range(1_000)]
    profile = profile_from_examples(
        rows, encoding=tiny_encoding(), task_type="generation", sample=100
    )
    m = profile.token_measurement
    assert m is not None and m.note is not None
    assert "input lengths are skewed" in m.note and "output lengths" not in m.note


def test_profile_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    profile_from_examples(PAIRS, encoding=tiny_encoding(), task_type="extraction", progress=True)
    assert "example" in capsys.readouterr().err


def test_non_utf8_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"prompt,completion\r\na,b\r\n\xff\xfe,x\r\n")
    with pytest.raises(DataFileError, match=r"latin1\.csv.*UTF-8"):
        list(load_examples(path))


def test_an_explicit_encoding_for_a_non_openai_model_is_an_approximation() -> None:
    profile = profile_from_examples(PAIRS, encoding=tiny_encoding(), task_type="extraction")
    m = profile.token_measurement  # default models: open weights, 25% catalog band
    assert m is not None and not m.exact and m.relative_error == pytest.approx(0.25)
    assert m.note is not None and "approximate for the model" in m.note


def test_given_lengths_win_over_measured_ones_visibly() -> None:
    profile = profile_from_examples(
        PAIRS, encoding=tiny_encoding(), task_type="extraction", avg_input_tokens=500.0
    )
    m = profile.token_measurement
    assert profile.avg_input_tokens == 500.0
    assert m is not None and m.overridden == ("avg_input_tokens",)
    assert m.measured_avg_input_tokens is not None and m.measured_avg_input_tokens != 500.0
    assert m.note is not None and "given values win over measured ones" in m.note
