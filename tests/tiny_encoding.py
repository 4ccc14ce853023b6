"""A real tiktoken Encoding from a small vocabulary learned here, so BPE runs offline.

The vocabulary is every single byte (ranks 0-255) plus merges learned by byte-pair encoding
from a small mixed-script corpus; the split pattern and special tokens are o200k_base's.
Shared by the tests and ``benchmarks/bench_tokens.py`` (which imports this file by path).
Also the tests' offline helpers: no network, no tokenizer package, and a faked published
hash or installed package where a test needs one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import socket
from collections import Counter
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NoReturn

import tiktoken

__all__ = [
    "CORPUS",
    "O200K_PAT_STR",
    "block_network",
    "hide_tokenizer_packages",
    "install_fake_package",
    "publish_hash",
    "tiny_encoding",
    "tiny_file",
    "tiny_ranks",
    "write_tiktoken_file",
]

# o200k_base's split pattern (tiktoken_ext/openai_public.py), copied so this helper needs
# nothing but tiktoken itself.
O200K_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

CORPUS = """
The quick brown fox jumps over the lazy dog. Fine-tuning or in-context learning?
Classify the sentiment of this review: the product arrived late but works well.
Extract the invoice number, the date and the total amount from the text below.
Le renard brun rapide saute par-dessus le chien paresseux. Über die Brücke gehen.
El zorro marrón salta sobre el perro perezoso. ¿Cómo estás? Très bien, merci.
快速的棕色狐狸跳过了懒狗。我们应该微调模型还是使用上下文学习？
東京は日本の首都です。今日はいい天気ですね。
الثعلب البني السريع يقفز فوق الكلب الكسول. مرحبا بالعالم
Быстрая коричневая лиса прыгает через ленивую собаку.
🙂 🚀 ✨ 👍🏽 emoji 🎉 and more emoji 🙂🙂
def count_tokens(texts): return sum(len(encode(t)) for t in texts)  # Python code
{"prompt": "2 + 2 =", "completion": "4", "labels": [0, 1, 2, 3, 1000, 2024]}
"""


def _learn_merges(corpus: str, n_merges: int) -> list[bytes]:
    words = Counter(re.findall(r" ?\S+|\s+", corpus))
    seqs = {w: [bytes([b]) for b in w.encode("utf-8")] for w in words}
    merges: list[bytes] = []
    seen: set[bytes] = {bytes([b]) for b in range(256)}
    while len(merges) < n_merges:
        pairs: Counter[tuple[bytes, bytes]] = Counter()
        for w, seq in seqs.items():
            for a, b in pairwise(seq):
                pairs[a, b] += words[w]
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merged = a + b
        for w, seq in seqs.items():
            out: list[bytes] = []
            i = 0
            while i < len(seq):
                if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            seqs[w] = out
        if merged not in seen:
            seen.add(merged)
            merges.append(merged)
    return merges


@cache
def tiny_ranks(n_merges: int = 400) -> dict[bytes, int]:
    """Mergeable ranks: the 256 single bytes, then the learned merges in order."""
    ranks = {bytes([b]): b for b in range(256)}
    for token in _learn_merges(CORPUS, n_merges):
        ranks[token] = len(ranks)
    return ranks


@cache
def tiny_encoding(name: str = "tiny_o200k") -> tiktoken.Encoding:
    """A real ``tiktoken.Encoding`` with o200k_base's pattern and special-token strings."""
    ranks = tiny_ranks()
    top = len(ranks)
    return tiktoken.Encoding(
        name,
        pat_str=O200K_PAT_STR,
        mergeable_ranks=dict(ranks),
        special_tokens={"<|endoftext|>": top, "<|endofprompt|>": top + 1},
    )


def write_tiktoken_file(path: Path) -> Path:
    """Write the tiny vocabulary in tiktoken's file format (base64 token, space, rank)."""
    lines = [
        base64.b64encode(token) + b" " + str(rank).encode()
        for token, rank in sorted(tiny_ranks().items(), key=lambda kv: kv[1])
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def tiny_file(folder: Path) -> tuple[bytes, str]:
    """The tiny vocabulary's ``.tiktoken`` bytes (written to ``folder``) and their sha256."""
    data = write_tiktoken_file(folder / "tiny.tiktoken").read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def publish_hash(monkeypatch: Any, digest: str, *names: str) -> None:
    """Pretend tiktoken publishes ``digest`` as the sha256 of these encodings' file."""
    import strategy_advisor._tokens.encodings as encodings

    real = encodings._recipes()
    patched = {
        name: dataclasses.replace(r, sha256=digest, explicit_n_vocab=None) if name in names else r
        for name, r in real.items()
    }
    monkeypatch.setattr(encodings, "_recipes", lambda: patched)


def install_fake_package(monkeypatch: Any, root: Path, files: dict[str, bytes]) -> str:
    """Install ``fake-tokenizers 1.0`` holding ``files``, the one tokenizer package searched."""
    info = root / "fake_tokenizers-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-tokenizers\nVersion: 1.0\n")
    record = [f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
    for rel, data in files.items():
        target = root / "fake_tokenizers" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        record.append(f"fake_tokenizers/{rel},,")
    (info / "RECORD").write_text("\n".join(record) + "\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(
        "strategy_advisor._tokens.encodings.TOKENIZER_PACKAGES", ("fake-tokenizers",)
    )
    return "fake-tokenizers 1.0"


def hide_tokenizer_packages(monkeypatch: Any) -> None:
    """Search no installed package for encoding files (the [tokenizers] extra may be there)."""
    monkeypatch.setattr("strategy_advisor._tokens.encodings.TOKENIZER_PACKAGES", ())


def block_network(monkeypatch: Any) -> list[str]:
    """Make every socket connection and ``requests`` call fail at once; returns attempts.

    Also hides installed tokenizer packages (:func:`hide_tokenizer_packages`), so that offline
    means what it means on a fresh machine: no encoding file at all unless a test adds one.
    """
    hide_tokenizer_packages(monkeypatch)
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        attempts.append(repr(args[1:3]))
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    try:
        import requests
    except ImportError:  # pragma: no cover - tiktoken depends on requests
        return attempts
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)
    return attempts
