"""Benchmark: count_tokens against a plain tiktoken loop, the sampled estimate, and the
byte estimate's accuracy per script class.

Run with ``python benchmarks/bench_tokens.py``. Offline: it uses the small real
``tiktoken.Encoding`` built in ``tests/tiny_encoding.py`` (imported by path), or
o200k_base when it is available offline (tiktoken's cache or the ``[tokenizers]`` extra).
Prints figures; asserts nothing about time.

``--accuracy`` measures the byte estimate (``encoding="estimate"``) against the real
o200k_base and cl100k_base encodings (the ``[tokenizers]`` extra) on the frozen corpus
``benchmarks/token_corpus.json`` (``benchmarks/build_token_corpus.py`` says what it holds):
per class, the error of the summed estimate against the summed true count, and the 5th and
95th percentiles of the per-text error, for the old rule (UTF-8 bytes / 4) and for the
per-script ratios of ``data/tokenizers.json``. ``--fit`` refits those ratios: non-negative
least squares of each text's true count on its bytes per script class, every class of texts
weighted equally (each text by 1/sqrt(its class's total tokens)).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tiktoken

from strategy_advisor import TokenizerError, count_tokens, load_encoding
from strategy_advisor._tokens.counting import SCRIPT_CLASSES, script_bytes, tokenizer_data

HERE = Path(__file__).resolve().parent
_WORDS = (
    "the quick brown fox jumps over lazy dog classify sentiment review invoice total",
    "amount date fine-tuning in-context learning le renard brun saute über Brücke",
    "¿Cómo estás? 快速的 棕色 狐狸 跳过 東京 首都 天気 مرحبا بالعالم الثعلب Быстрая лиса",
    '🙂 🚀 ✨ def return x**2 {"a": 1} 2024 3.14159 <|endoftext|>',
)


def _tiny_encoding() -> tiktoken.Encoding:
    spec = importlib.util.spec_from_file_location(
        "tiny_encoding", HERE.parent / "tests" / "tiny_encoding.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    enc: tiktoken.Encoding = module.tiny_encoding()
    return enc


def pick_encoding() -> tiktoken.Encoding:
    try:
        return load_encoding("o200k_base")
    except TokenizerError:
        return _tiny_encoding()


def make_texts(n: int, seed: int = 0) -> list[str]:
    """Texts of log-normal word counts (median ~15 words) drawn from several scripts."""
    words = [w for line in _WORDS for w in line.split()]
    rng = np.random.default_rng(seed)
    sizes = np.minimum(rng.lognormal(np.log(15), 0.8, size=n).astype(int) + 1, 500)
    vocab = np.array(words, dtype=object)
    picks = rng.integers(0, len(words), size=int(sizes.sum()))
    out: list[str] = []
    start = 0
    for s in sizes.tolist():
        out.append(" ".join(vocab[picks[start : start + s]]))
        start += s
    return out


def plain_loop(enc: tiktoken.Encoding, texts: list[str]) -> None:
    for t in texts:
        len(enc.encode_ordinary(t))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


CORPUS = HERE / "token_corpus.json"


def corpus() -> dict[str, list[str]]:
    """The frozen accuracy corpus: texts by class (prose, code, json, cjk, other, emoji)."""
    texts: dict[str, list[str]] = json.loads(CORPUS.read_text(encoding="utf-8"))["texts"]
    return texts


def truth(enc: tiktoken.Encoding, texts: dict[str, list[str]]) -> dict[str, np.ndarray]:
    return {k: np.array([len(enc.encode_ordinary(t)) for t in v], float) for k, v in texts.items()}


def accuracy(names: tuple[str, ...] = ("o200k_base", "cl100k_base")) -> None:
    """Print the byte estimate's error per class, before (bytes / 4) and after (per script)."""
    texts = corpus()
    est = tokenizer_data().estimate
    print(
        f"\nbyte estimate vs exact counts on {CORPUS.name} (stated band ±{est.relative_error:.0%})"
    )
    for name in names:
        enc = load_encoding(name)
        _, ratios = est.ratios_for(name)
        true = truth(enc, texts)
        print(f"  {name}: {ratios.describe()}")
        print(f"    {'class':<7}{'texts':>6}{'tokens':>9}  {'bytes/4':>8} {'p5..p95':>12}  "
              f"{'by script':>9} {'p5..p95':>12}")  # fmt: skip
        for cls, items in texts.items():
            y = true[cls]
            before = np.array([math.ceil(len(t.encode()) / 4) for t in items], float)
            after = np.array([ratios.tokens(t) for t in items], float)
            cols = []
            for guess in (before, after):
                rel = (guess - y) / y
                lo, hi = np.percentile(rel, [5, 95])
                cols.append(f"{(guess.sum() - y.sum()) / y.sum():>+8.1%} {lo:>+5.0%}..{hi:<+5.0%}")
            print(f"    {cls:<7}{len(items):>6}{y.sum():>9,.0f}  {cols[0]}  {cols[1]}")


def fit(names: tuple[str, ...] = ("o200k_base", "cl100k_base")) -> None:
    """Refit the per-script ratios (print them as data/tokenizers.json's estimate.ratios)."""
    from scipy.optimize import nnls

    texts = corpus()
    out = {}
    for name in names:
        true = truth(load_encoding(name), texts)
        rows, ys, ws = [], [], []
        for cls, items in texts.items():
            weight = 1.0 / math.sqrt(true[cls].sum())
            for t, y in zip(items, true[cls], strict=True):
                rows.append(script_bytes(t))
                ys.append(y)
                ws.append(weight)
        x, y, w = np.array(rows, float), np.array(ys), np.array(ws)
        coef, _ = nnls(x * w[:, None], y * w)
        out[name] = {c: round(1.0 / k, 2) for c, k in zip(SCRIPT_CLASSES, coef, strict=True)}
    print(json.dumps(out, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--accuracy", action="store_true", help="only the byte estimate's accuracy per class"
    )
    parser.add_argument("--fit", action="store_true", help="refit the per-script ratios")
    parser.add_argument("--n-speed", type=int, default=100_000, help="texts in the speed test")
    parser.add_argument("--repeats", type=int, default=11, help="alternating runs of each")
    parser.add_argument("--n-population", type=int, default=600_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=20, help="seeds for the sampled estimate")
    args = parser.parse_args()
    if args.fit:
        fit()
        return
    if args.accuracy:
        accuracy()
        return

    enc = pick_encoding()
    print(f"python {sys.version.split()[0]}, tiktoken {tiktoken.__version__}, encoding {enc.name}")

    texts = make_texts(args.n_speed)
    plain_loop(enc, texts[:1_000])  # warm up
    count_tokens(texts[:1_000], encoding=enc, progress=False)
    ours: list[float] = []
    raw: list[float] = []
    for _ in range(args.repeats):  # alternate, so drifts in machine speed hit both
        raw.append(timed(lambda: plain_loop(enc, texts)))
        ours.append(timed(lambda: count_tokens(texts, encoding=enc, progress=False)))
    batch = timed(lambda: enc.encode_ordinary_batch(texts, num_threads=2))
    n_tokens = count_tokens(texts, encoding=enc).total
    print(
        f"\nspeed: {args.n_speed:,} texts, {n_tokens:,.0f} tokens, {args.repeats} alternating runs"
    )
    for label, runs in (("plain encode_ordinary loop", raw), ("count_tokens", ours)):
        print(
            f"  {label:<28} best {min(runs):.3f} s, median {statistics.median(runs):.3f} s "
            f"({n_tokens / min(runs) / 1e6:.2f} M tokens/s)"
        )
    print(f"  {'encode_ordinary_batch (2 thr)':<28} one run {batch:.3f} s")
    print(
        f"  throughput ratio count_tokens / plain loop: best {min(raw) / min(ours):.3f}, "
        f"median {statistics.median(raw) / statistics.median(ours):.3f}"
    )

    population = make_texts(args.n_population, seed=1)
    start = time.perf_counter()
    truth = count_tokens(population, encoding=enc, progress=False).total
    exact_time = time.perf_counter() - start
    print(
        f"\nsampled estimate: {args.sample:,} of {args.n_population:,} texts "
        f"(exact count {truth:,.0f} tokens took {exact_time:.2f} s)"
    )
    times: list[float] = []
    errors: list[float] = []
    covered = 0
    for seed in range(args.seeds):
        start = time.perf_counter()
        est = count_tokens(population, encoding=enc, sample=args.sample, seed=seed)
        times.append(time.perf_counter() - start)
        errors.append(abs(est.total - truth) / truth)
        assert est.total_ci95 is not None
        covered += est.total_ci95[0] <= truth <= est.total_ci95[1]
        if seed == 0:
            print(f"  seed 0: {est}; CI {est.total_ci95[0]:,.0f}-{est.total_ci95[1]:,.0f}")
    start = time.perf_counter()
    streamed = count_tokens(iter(population), encoding=enc, sample=args.sample, seed=0)
    print(
        f"  the same from a stream (reservoir sampling): {time.perf_counter() - start:.3f} s, "
        f"error {abs(streamed.total - truth) / truth:.2%}"
    )
    print(
        f"  over {args.seeds} seeds: time median {statistics.median(times) * 1e3:.0f} ms "
        f"(max {max(times) * 1e3:.0f} ms); error median {statistics.median(errors):.2%}, "
        f"max {max(errors):.2%}; stated band ±{est.relative_error:.2%}; "
        f"CI covers the truth {covered}/{args.seeds}"
    )
    try:
        accuracy()
    except TokenizerError as exc:
        why = str(exc).splitlines()[0]
        print(f"\nbyte estimate accuracy: skipped ({why} pip install -e '.[tokenizers]')")


if __name__ == "__main__":
    main()
