"""Build ``benchmarks/token_corpus.json``: the texts the byte estimate's ratios are measured on.

Run once, from the repository root, to (re)make the frozen corpus that
``benchmarks/bench_tokens.py --accuracy`` and ``tests/test_token_estimate.py`` read::

    python benchmarks/build_token_corpus.py --cpython-test DIR --django-wheel WHEEL

Six classes of texts, each cut into pieces the size of a labeled example (a paragraph to a
page) and sampled (seed 0) to at most 150 pieces:

- ``prose``: English prose of this repository's ``docs/*.md`` and ``README.md`` (code
  blocks, tables, headings, inline code and link targets removed; MIT);
- ``code``: this repository's Python source, ``src/strategy_advisor/**/*.py`` (MIT);
- ``json``: its data files and example profiles (``src/strategy_advisor/data/*.json``,
  ``examples/*.json``, ``examples/*.jsonl``; MIT);
- ``cjk``: CPython's ``Lib/test/cjkencodings/*-utf8.txt`` (Chinese, Japanese and Korean
  prose about Python; PSF-2.0) and Django 5.2's Chinese (zh_Hans), Japanese and Korean
  message translations, 12 messages a piece (``django/**/locale/*/LC_MESSAGES/django.po``
  msgstr; BSD-3-Clause);
- ``other``: Django's Russian, Ukrainian, Greek, Arabic, Hebrew, Hindi, Thai, Vietnamese,
  Turkish, Polish, German, French and Spanish translations the same way (non-ASCII pieces);
- ``emoji``: short chat messages, synthetic (seed 0): runs of 1-5 English words from the
  prose class alternating with runs of 1-4 emoji drawn from the Unicode pictograph blocks,
  skin-tone modifiers, ZWJ sequences, flags and VS16 presentation sequences.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "token_corpus.json"
PER_CLASS = 150
CJK_LANGS = ("zh_Hans", "ja", "ko")
OTHER_LANGS = ("ru", "uk", "el", "ar", "he", "hi", "th", "vi", "tr", "pl", "de", "fr", "es")


def _pieces(text: str, least: int = 200, most: int = 3000) -> list[str]:
    out: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text):
        if not para.strip():
            continue
        current = f"{current}\n\n{para}" if current else para
        if len(current) >= least:
            out.append(current[:most])
            current = ""
    if current:
        out.append(current)
    return out


def _prose() -> list[str]:
    out: list[str] = []
    for path in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
        lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(("|", "#", "<"))]
        text = re.sub(r"`[^`]*`", "", "\n".join(lines))
        text = re.sub(r"\]\([^)]*\)", "]", text)
        out += [p for p in _pieces(text) if p.isascii()]
    return out


def _code() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "src" / "strategy_advisor").rglob("*.py")):
        out += _pieces(path.read_text(encoding="utf-8"))
    return out


def _json() -> list[str]:
    out: list[str] = []
    files = sorted((ROOT / "src" / "strategy_advisor" / "data").glob("*.json"))
    for path in [*files, *sorted((ROOT / "examples").glob("*.json"))]:
        text = path.read_text(encoding="utf-8")
        out += [text[i : i + 1200] for i in range(0, len(text), 1200)]
    for path in sorted((ROOT / "examples").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out += ["\n".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    return out


def _po_messages(wheel: Path, lang: str) -> list[str]:
    msgs: list[str] = []
    pattern = re.compile(rf"django/.*locale/{re.escape(lang)}/LC_MESSAGES/django\.po$")
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(n for n in z.namelist() if pattern.search(n)):
            text = z.read(name).decode("utf-8")
            msgs += [m for m in re.findall(r'msgstr "((?:[^"\\]|\\.)+)"', text) if m]
    return msgs


def _translations(wheel: Path, langs: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for lang in langs:
        msgs = _po_messages(wheel, lang)
        out += ["\n".join(msgs[i : i + 12]) for i in range(0, len(msgs), 12)]
    return [t for t in out if not t.isascii()]


def _emoji(words: list[str], rng: random.Random, n: int) -> list[str]:
    blocks = ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F90C, 0x1F9FF))
    pictographs = [
        chr(c) for lo, hi in blocks for c in range(lo, hi) if unicodedata.name(chr(c), "")
    ]
    tones = [chr(c) for c in range(0x1F3FB, 0x1F400)]
    zwj = ["👩\u200d💻", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "🧑\u200d🚀"]
    flags = ["🇫🇷", "🇩🇪", "🇯🇵", "🇺🇸", "🇧🇷", "🇮🇳"]
    presented = ["❤\ufe0f", "☀\ufe0f", "✔\ufe0f", "✨", "✅", "⭐", "⚡", "☕"]

    def one() -> str:
        k = rng.random()
        if k < 0.6:
            return rng.choice(pictographs)
        if k < 0.7:
            return rng.choice(["👍", "👋", "🙌", "💪", "👏"]) + rng.choice(tones)
        if k < 0.8:
            return rng.choice(zwj)
        if k < 0.9:
            return rng.choice(flags)
        return rng.choice(presented)

    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(3, 25)):
            if rng.random() < 0.45:
                parts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))))
            else:
                parts.append("".join(one() for _ in range(rng.randint(1, 4))))
        out.append(" ".join(parts))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpython-test", type=Path, required=True, help="CPython's Lib/test")
    parser.add_argument("--django-wheel", type=Path, required=True, help="a Django 5.2 wheel")
    args = parser.parse_args()
    rng = random.Random(0)
    prose = _prose()
    cjk = [
        p.read_text(encoding="utf-8")
        for p in sorted((args.cpython_test / "cjkencodings").glob("*-utf8.txt"))
    ]
    classes = {
        "prose": prose,
        "code": _code(),
        "json": _json(),
        "cjk": cjk + _translations(args.django_wheel, CJK_LANGS),
        "other": _translations(args.django_wheel, OTHER_LANGS),
        "emoji": _emoji(" ".join(prose).split(), rng, PER_CLASS),
    }
    texts = {k: sorted(rng.sample(v, min(PER_CLASS, len(v)))) for k, v in classes.items()}
    OUT.write_text(
        json.dumps(
            {
                "about": __doc__.split("\n\n", 2)[2].strip(),
                "texts": texts,
            },
            ensure_ascii=False,
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}: " + ", ".join(f"{k} {len(v)}" for k, v in texts.items()))


if __name__ == "__main__":
    main()
