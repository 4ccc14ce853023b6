"""Token statistics stage: examples in, token lengths out (exact, sampled, or estimated)."""

from .counting import EncodingLike, Tokenizer, TokenStats, count_tokens, tokenizer_data
from .encoding_errors import EncodingNotCachedError
from .encodings import load_encoding
from .examples import LabeledExample, load_examples, profile_from_examples
from .messages import ChatMessage, count_message_tokens

__all__ = [
    "ChatMessage",
    "EncodingLike",
    "EncodingNotCachedError",
    "LabeledExample",
    "TokenStats",
    "Tokenizer",
    "count_message_tokens",
    "count_tokens",
    "load_encoding",
    "load_examples",
    "profile_from_examples",
    "tokenizer_data",
]
