"""Token statistics stage: examples in, token lengths out (exact, sampled, or estimated)."""

from .counting import EncodingLike, Tokenizer, TokenStats, count_tokens, tokenizer_data
from .encodings import EncodingNotCachedError, load_encoding
from .examples import ChatMessage, LabeledExample, load_examples, profile_from_examples

__all__ = [
    "ChatMessage",
    "EncodingLike",
    "EncodingNotCachedError",
    "LabeledExample",
    "TokenStats",
    "Tokenizer",
    "count_tokens",
    "load_encoding",
    "load_examples",
    "profile_from_examples",
    "tokenizer_data",
]
