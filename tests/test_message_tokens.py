"""Tokens as billed: chat messages and tools counted as OpenAI documents, and the byte
estimate inside its stated band for every script class (issue 18, item 3).

The documented figures are the OpenAI cookbook's ("How to count tokens with tiktoken",
sections 6 and 7): its example messages are 124 prompt tokens for gpt-4o and gpt-4o-mini
(o200k_base) and 129 for gpt-4 (cl100k_base), by its function and by the OpenAI API; with
its one weather tool, 101 and 105. They are checked here with the real encoding files that
the [tokenizers] extra ships (in the test extra), and the cookbook's own function, rewritten
below, is checked against ours on the tiny offline encoding.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from strategy_advisor import (
    ChatMessage,
    ParameterError,
    count_message_tokens,
    load_encoding,
    profile_from_examples,
)
from strategy_advisor._tokens import encodings
from strategy_advisor._tokens.counting import tokenizer_data

from .test_doc_outputs import INSTALLED_TOKENIZERS
from .tiny_encoding import tiny_encoding

ROOT = Path(__file__).resolve().parents[1]
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on "
        "opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]
COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_TOOL_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.fixture
def real_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """The published o200k_base and cl100k_base files, from the [tokenizers] extra."""
    monkeypatch.setattr(encodings, "TOKENIZER_PACKAGES", INSTALLED_TOKENIZERS)


@pytest.mark.parametrize(("encoding", "documented"), [("o200k_base", 124), ("cl100k_base", 129)])
def test_the_cookbooks_messages_count_as_documented(
    real_files: None, encoding: str, documented: int
) -> None:
    assert count_message_tokens(COOKBOOK_MESSAGES, encoding=encoding) == documented


@pytest.mark.parametrize(("encoding", "documented"), [("o200k_base", 101), ("cl100k_base", 105)])
def test_the_cookbooks_tool_request_counts_as_documented(
    real_files: None, encoding: str, documented: int
) -> None:
    got = count_message_tokens(COOKBOOK_TOOL_MESSAGES, encoding=encoding, tools=COOKBOOK_TOOLS)
    assert got == documented


def _cookbook(messages: list[dict[str, Any]], tools: list[dict[str, Any]], enc: Any) -> int:
    """The cookbook's num_tokens_from_messages + num_tokens_for_tools (gpt-4o settings)."""
    n = 0
    for message in messages:
        n += 3
        for key, value in message.items():
            n += len(enc.encode(value))
            if key == "name":
                n += 1
    n += 3
    if tools:
        for f in tools:
            n += 7
            function = f["function"]
            desc = function["description"].removesuffix(".")
            n += len(enc.encode(function["name"] + ":" + desc))
            props = function["parameters"]["properties"]
            if props:
                n += 3
                for key, prop in props.items():
                    n += 3
                    if "enum" in prop:
                        n += -3
                        for item in prop["enum"]:
                            n += 3 + len(enc.encode(item))
                    p_desc = prop["description"].removesuffix(".")
                    n += len(enc.encode(f"{key}:{prop['type']}:{p_desc}"))
        n += 12
    return n


@pytest.mark.parametrize("with_tools", [False, True])
def test_count_message_tokens_is_the_cookbooks_function(with_tools: bool) -> None:
    enc = tiny_encoding()
    tools = COOKBOOK_TOOLS if with_tools else []
    for messages in (COOKBOOK_MESSAGES, COOKBOOK_TOOL_MESSAGES):
        want = _cookbook(messages, tools, enc)
        assert count_message_tokens(messages, encoding=enc, tools=tools) == want


def test_chat_messages_objects_and_text_parts_count_alike() -> None:
    enc = tiny_encoding()
    as_dicts = [{"role": "user", "name": "ann", "content": "Hello there"}]
    as_parts = [
        {"role": "user", "name": "ann", "content": [{"type": "text", "text": "Hello "},
                                                     {"type": "text", "text": "there"}]}
    ]  # fmt: skip
    as_objects = [ChatMessage("user", "Hello there", "ann")]
    counts = {count_message_tokens(m, encoding=enc) for m in (as_dicts, as_parts, as_objects)}
    assert len(counts) == 1
    # 3 per message + role + content + name + 1 for the name, + 3 to prime the reply
    pieces = ("user", "Hello there", "ann")
    assert counts == {3 + sum(len(enc.encode(p)) for p in pieces) + 1 + 3}


def test_bad_messages_say_what_is_expected() -> None:
    with pytest.raises(ParameterError, match="must be a list of messages"):
        count_message_tokens("hello", encoding="estimate")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"messages\[0\]: expected \{'role'"):
        count_message_tokens([{"content": "no role"}], encoding="estimate")
    with pytest.raises(ParameterError, match="only text content parts"):
        count_message_tokens(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}],
            encoding="estimate",
        )
    with pytest.raises(ParameterError, match=r"tools\[0\]: expected a function with a 'name'"):
        count_message_tokens([{"role": "user", "content": "x"}], encoding="estimate", tools=[{}])


def test_profile_from_examples_counts_chats_as_billed(tmp_path: Path) -> None:
    enc = tiny_encoding()
    lines = [
        {"messages": [*COOKBOOK_MESSAGES[:3], {"role": "assistant", "content": "Sure."}]},
        {"messages": [*COOKBOOK_MESSAGES[:1], COOKBOOK_MESSAGES[5],
                      {"role": "assistant", "content": "Plain words."}]},
    ]  # fmt: skip
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    p = profile_from_examples(path, encoding=enc, task_type="generation")
    billed = [count_message_tokens(x["messages"][:-1], encoding=enc) for x in lines]
    assert p.instruction_tokens is not None and p.avg_input_tokens is not None
    # instructions (the leading system messages) + query = the request as billed
    assert p.instruction_tokens + p.avg_input_tokens == pytest.approx(sum(billed) / 2)


# ------------------------------------------------------------------- the byte estimate


def _corpus() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = json.loads(
        (ROOT / "benchmarks" / "token_corpus.json").read_text(encoding="utf-8")
    )["texts"]
    return texts


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_the_estimate_stays_in_its_band_for_every_script_class(
    real_files: None, encoding: str
) -> None:
    est = tokenizer_data().estimate
    _, ratios = est.ratios_for(encoding)
    enc = load_encoding(encoding)
    corpus = _corpus()
    assert set(corpus) == {"prose", "code", "json", "cjk", "other", "emoji"}
    for cls, texts in corpus.items():
        true = sum(len(enc.encode_ordinary(t)) for t in texts)
        guess = sum(ratios.tokens(t) for t in texts)
        error = (guess - true) / true
        assert abs(error) <= est.relative_error, (encoding, cls, error)
        recorded = est.measured[encoding][cls]["after"]
        assert recorded.startswith(f"{error:+.1%}"), (encoding, cls, recorded)
    # the old rule, bytes / 4, was outside the band on JSON and emoji
    for cls in ("json", "emoji"):
        true = sum(len(enc.encode_ordinary(t)) for t in corpus[cls])
        old = sum(math.ceil(len(t.encode()) / 4) for t in corpus[cls])
        assert (old - true) / true < -est.relative_error


def test_the_estimate_counts_each_script_by_hand() -> None:
    ratios = tokenizer_data().estimate.ratios["o200k_base"]
    text = '{"a": 1} déjà 東京 🙂'  # 7 ASCII text, 6 symbol, 6 CJK, 4 emoji, 4 other bytes
    want = 7 / ratios.ascii_text + 6 / ratios.ascii_symbols + 6 / ratios.cjk
    want += 4 / ratios.emoji + 4 / ratios.other
    assert ratios.tokens(text) == math.ceil(want)
    assert ratios.tokens("") == 0 and ratios.tokens("a") == 1
