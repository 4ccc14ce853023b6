"""The command outputs the docs show are what the commands print.

Each ```bash block holding one ``strategy-advisor`` command (no redirection) followed by a
```text block before the next command: every shown line, with a trailing "..." cut off,
must start a line of the real output, in the same order. A line that is only "..." stands
for lines left out. The command exits 0, or the code a trailing ``# exit N`` comment names.
Commands that take ``--today`` are run with the date the docs use, and tokens are counted
with the [tokenizers] extra, as README installs it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from strategy_advisor._tokens import encodings
from strategy_advisor.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = (
    "docs/quickstart.md",
    "docs/cli.md",
    "docs/catalog.md",
    "docs/tokens.md",
    "docs/service.md",
    "README.md",
)
DOC_DATE = "2026-12-01"  # the evaluation date of every output the docs show
# the docs show counts made with the [tokenizers] extra (in the test extra too); the offline
# fixture hides installed tokenizer packages, so put the real list back for these runs
INSTALLED_TOKENIZERS = encodings.TOKENIZER_PACKAGES
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str, list[str], int]]:
    out = []
    for doc in DOCS:
        blocks = _BLOCK.findall((ROOT / doc).read_text(encoding="utf-8"))
        for i, (lang, body) in enumerate(blocks[:-1]):
            lines = [ln for ln in body.strip().splitlines() if ln.strip()]
            if lang != "bash" or len(lines) != 1 or not lines[0].startswith("strategy-advisor "):
                continue
            command = lines[0].split("#")[0].strip()
            nxt_lang, nxt_body = blocks[i + 1]
            if ">" in command or "|" in command or nxt_lang != "text":
                continue
            code = re.search(r"#\s*exit (\d+)", lines[0])
            shown = nxt_body.rstrip("\n").splitlines()
            out.append((doc, command, shown, int(code.group(1)) if code else 0))
    return out


EXAMPLES = _examples()


def test_the_docs_show_command_outputs() -> None:
    assert len(EXAMPLES) >= 4, [c for _, c, _, _ in EXAMPLES]


@pytest.mark.parametrize(
    ("doc", "command", "shown", "code"), EXAMPLES, ids=[c for _, c, _, _ in EXAMPLES]
)
def test_a_shown_output_is_what_the_command_prints(
    doc: str,
    command: str,
    shown: list[str],
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(encodings, "TOKENIZER_PACKAGES", INSTALLED_TOKENIZERS)
    argv = shlex.split(command)[1:]
    if argv[0] in ("recommend", "explain", "catalog") and "--today" not in argv:
        argv += ["--today", DOC_DATE]
    assert main(argv) == code
    printed = [ln.rstrip() for ln in capsys.readouterr().out.splitlines()]
    at = 0
    for line in shown:
        want = line.rstrip()
        if want.strip() in ("", "..."):
            continue
        want = want.removesuffix("...").rstrip()
        hit = next((j for j in range(at, len(printed)) if printed[j].startswith(want)), None)
        assert hit is not None, f"{doc}: `{command}` no longer prints:\n{line}"
        at = hit + 1
