"""Token statistics stage, chat messages: a message list (and its tools) counted as billed.

OpenAI documents how its chat encodings bill a request (OpenAI cookbook, "How to count
tokens with tiktoken", https://github.com/openai/openai-cookbook/blob/main/examples/
How_to_count_tokens_with_tiktoken.ipynb, ``num_tokens_from_messages`` and
``num_tokens_for_tools``): each message costs ``tokens_per_message`` plus the tokens of its
role, content and name (``tokens_per_name`` more with a name), every reply is primed with
``<|start|>assistant<|message|>``, and each tool definition is written as ``name:description``
and ``key:type:description`` lines with fixed tokens around them. The numbers are data
(``data/tokenizers.json``, ``chat_overhead``), per encoding, each with its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import DataFileError, ParameterError
from .counting import ChatOverhead, EncodingLike, ToolOverhead, resolve_tokenizer, tokenizer_data

__all__ = ["ChatMessage", "count_message_tokens", "message_texts", "parse_message", "tool_texts"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat message; ``name`` is the optional participant name."""

    role: str
    content: str
    name: str | None = None


def parse_message(raw: Any, where: str, error: type[Exception] = DataFileError) -> ChatMessage:
    """A ``{"role": ..., "content": ...}`` dict (or a ChatMessage) as a ChatMessage.

    ``content`` may be a string, a list of text parts (``{"type": "text", "text": ...}``,
    joined) or null (an assistant turn that only calls tools). Other keys are not counted
    by the documented format: ``tool_calls`` is refused rather than guessed.
    """
    if isinstance(raw, ChatMessage):
        return raw
    if not isinstance(raw, Mapping) or not isinstance(raw.get("role"), str):
        raise error(f"{where}: expected {{'role': str, 'content': ...}}; got {raw!r:.60}")
    content = raw.get("content")
    if isinstance(content, list):  # content parts: only text can be counted
        kinds = {p.get("type") if isinstance(p, Mapping) else None for p in content}
        if kinds - {"text"}:
            raise error(
                f"{where}: only text content parts can be counted; got part types "
                f"{sorted(map(str, kinds))}"
            )
        content = "".join(str(p.get("text", "")) for p in content)
    elif content is None:
        content = ""  # e.g. an assistant turn that only calls tools (tool calls not counted)
    elif not isinstance(content, str):
        raise error(f"{where}: 'content' must be text; got {type(content).__name__}")
    name = raw.get("name")
    return ChatMessage(raw["role"], content, name if isinstance(name, str) else None)


def message_texts(messages: Iterable[ChatMessage], overhead: ChatOverhead) -> tuple[list[str], int]:
    """The texts a message list bills (role, content, name of each) and its fixed tokens:
    ``tokens_per_message`` each, ``tokens_per_name`` more for a named one (no reply
    priming: the caller adds it once per request)."""
    texts: list[str] = []
    fixed = 0
    for m in messages:
        texts += (m.role, m.content)
        fixed += overhead.tokens_per_message
        if m.name is not None:
            texts.append(m.name)
            fixed += overhead.tokens_per_name
    return texts, fixed


def tool_texts(tools: Sequence[Mapping[str, Any]], rule: ToolOverhead) -> tuple[list[str], int]:
    """The texts and fixed tokens of tool (function) definitions, as the cookbook counts them.

    Per function: ``func_init``, then ``name:description`` (a final period dropped); with
    parameters, ``prop_init``, and per property ``prop_key`` plus ``key:type:description``,
    and for an enum ``enum_init`` plus ``enum_item`` and the item's tokens per item; after
    all functions, ``func_end``. Nested properties are not in the documented format.
    """
    texts: list[str] = []
    fixed = 0
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise ParameterError(
                f"tools[{i}] must be a tool definition ({{'type': 'function', 'function': "
                f"{{'name': ..., 'description': ..., 'parameters': ...}}}}); got {tool!r:.60}"
            )
        function = tool.get("function", tool)
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise ParameterError(f"tools[{i}]: expected a function with a 'name'; got {tool!r:.60}")
        fixed += rule.func_init
        texts.append(f"{function['name']}:{_sentence(function.get('description'))}")
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
        if not isinstance(properties, Mapping) or not properties:
            continue
        fixed += rule.prop_init
        for key, prop in properties.items():
            fixed += rule.prop_key
            prop = prop if isinstance(prop, Mapping) else {}
            enum = prop.get("enum")
            if isinstance(enum, list):
                fixed += rule.enum_init + rule.enum_item * len(enum)
                texts += [str(item) for item in enum]
            texts.append(f"{key}:{prop.get('type', '')}:{_sentence(prop.get('description'))}")
    if tools:
        fixed += rule.func_end
    return texts, fixed


def _sentence(text: object) -> str:
    value = "" if text is None else str(text)
    return value[:-1] if value.endswith(".") else value


def count_message_tokens(
    messages: Iterable[Mapping[str, Any] | ChatMessage],
    *,
    encoding: EncodingLike = "o200k_base",
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Tokens a chat request's messages (and tool definitions) are billed as prompt tokens.

    Counted as OpenAI documents for its chat encodings (cookbook "How to count tokens with
    tiktoken"): 3 tokens per message plus the tokens of its role and content (and of its
    name, plus 1), plus 3 that prime the reply; each tool definition per the cookbook's
    ``num_tokens_for_tools``. The per-message and per-tool numbers are
    ``data/tokenizers.json``'s ``chat_overhead`` for the encoding (OpenAI's figures stand
    in for encodings without their own).

    Parameters
    ----------
    messages : iterable of dict or ChatMessage
        ``{"role": ..., "content": ..., "name": ...}``; content may be text parts.
    encoding : str, path or tiktoken.Encoding, default "o200k_base"
        As in :func:`count_tokens` (loaded offline, never downloaded); ``"estimate"``
        estimates the texts from their UTF-8 bytes (the overhead stays exact).
    tools : list of dict, optional
        Tool definitions as sent in the request's ``tools``.

    Returns
    -------
    int
        The prompt tokens the provider bills for these messages.

    Examples
    --------
    >>> count_message_tokens([{"role": "user", "content": "Hello"}], encoding="estimate")
    9
    """
    if isinstance(messages, (str, bytes, Mapping)):
        raise ParameterError(
            "The 'messages' parameter of count_message_tokens must be a list of messages "
            f"({{'role': ..., 'content': ...}}). Got a {type(messages).__name__} instead; "
            "wrap one message in a list."
        )
    tokenizer = resolve_tokenizer(encoding)
    overhead = tokenizer_data().overhead_for(tokenizer.name)
    parsed = [parse_message(m, f"messages[{i}]", ParameterError) for i, m in enumerate(messages)]
    texts, fixed = message_texts(parsed, overhead)
    fixed += overhead.reply_priming
    if tools:
        extra, tool_fixed = tool_texts(tools, overhead.tools)
        texts += extra
        fixed += tool_fixed
    return sum(tokenizer.lengths(texts)) + fixed
