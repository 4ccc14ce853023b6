"""Every test runs offline: no network, an empty tiktoken cache, no encoding preloaded."""

from __future__ import annotations

import pytest
import tiktoken.registry

from .tiny_encoding import block_network


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Block sockets and ``requests``; returns the attempted connections."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("empty-cache")))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    for name in list(tiktoken.registry.ENCODINGS):
        monkeypatch.delitem(tiktoken.registry.ENCODINGS, name)
    return block_network(monkeypatch)
