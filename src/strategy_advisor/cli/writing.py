"""Files the command line writes (``--html``): checked first, written whole or not at all.

Every target is checked before anything is written: its folder exists, it is not the
input file, and it does not exist unless ``--force``. A page is written to a temporary
file in the target's folder, then moved over the target with ``os.replace`` (atomic on one
file system; a symbolic link at the target is replaced, its own target is not touched). A
portfolio's pages are all staged first and moved only when every one is written, so a
failure part-way (an error, Ctrl-C) removes the staged files and leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import DataFileError
from .._escape import printable
from .._limits import PAGE_NAME_MAX_CHARS

__all__ = ["Staging", "check_targets", "page_names"]

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_part(text: str) -> str:
    """An id as part of a file name: letters, digits, ``. _ -`` (runs of anything else
    become one ``_``), no leading dot or dash, at most ``PAGE_NAME_MAX_CHARS``."""
    return _UNSAFE_IN_NAME.sub("_", text).lstrip(".-")[:PAGE_NAME_MAX_CHARS]


def page_names(out: Path, ids: Sequence[str | None]) -> list[Path]:
    """One page per profile: ``OUT-<id>.html`` for a profile with an id (made safe for a
    file name), ``OUT-<index>.html`` otherwise (zero-padded as today); a name already taken
    (two ids alike once made safe, in any letter case) gets its index added.

    Examples
    --------
    >>> [p.name for p in page_names(Path("r.html"), [None, "t/1", "t:1", "../x"])]
    ['r-0.html', 'r-t_1.html', 'r-t_1-2.html', 'r-_x.html']
    """
    width = len(str(max(len(ids) - 1, 0)))
    taken: set[str] = set()
    names = []
    for i, given in enumerate(ids):
        part = _safe_part(given) if given is not None else ""
        stem = f"{out.stem}-{part}" if part else f"{out.stem}-{i:0{width}d}"
        while stem.lower() in taken:
            stem += f"-{i}"
        taken.add(stem.lower())
        names.append(out.with_name(stem + out.suffix))
    return names


def check_targets(targets: Sequence[Path], *, force: bool, inputs: Sequence[Path]) -> None:
    """Refuse before writing anything: a target whose folder is missing, one that is an
    input, a folder, or (unless ``force``) a file that already exists."""
    protected = {_identity(p) for p in inputs} - {None}
    for target in targets:
        where = printable(str(target))
        if not target.parent.is_dir():
            raise DataFileError(
                f"cannot write {where}: the folder {printable(str(target.parent))} does not "
                "exist; expected --html OUT.html in an existing folder"
            )
        if _identity(target) in protected:
            raise DataFileError(
                f"cannot write {where}: it is the input file; expected another name for "
                "--html (the report never replaces its own input, even with --force)"
            )
        if target.is_dir():
            raise DataFileError(f"cannot write {where}: it is a folder; expected a file name")
        if not force and (target.exists() or target.is_symlink()):
            raise DataFileError(
                f"{where} already exists; expected a new file name, or --force to replace it "
                "(the replacement is written whole, then moved into place)"
            )


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


@dataclass
class Staging:
    """Pages written to temporary files beside their targets, moved into place together by
    :meth:`commit`, or removed by :meth:`discard` (use it as a context manager: an
    exception, Ctrl-C included, discards)."""

    staged: list[tuple[Path, Path]] = field(default_factory=list)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is not None:
            self.discard()

    def add(self, target: Path, text: str) -> None:
        """Write ``text`` to a new temporary file in ``target``'s folder."""
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:  # O_EXCL: never an existing file; 0o666 minus the umask, as a plain write
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise DataFileError(
                f"cannot write {printable(str(target))}: {exc.strerror or exc}; expected a "
                "writable folder (--html OUT.html)"
            ) from exc
        self.staged.append((temp, target))

    def commit(self) -> list[Path]:
        """Move every staged file over its target; the targets, in order."""
        done: list[Path] = []
        try:
            for temp, target in self.staged:
                os.replace(temp, target)
                done.append(target)
        except OSError as exc:
            failed, total = self.staged[len(done)][1], len(self.staged)
            self.discard()
            raise DataFileError(
                f"cannot write {printable(str(failed))}: {exc.strerror or exc}; {len(done)} "
                f"of {total} pages were written before it, the rest removed"
            ) from exc
        self.staged = []
        return done

    def discard(self) -> None:
        """Remove every staged file not yet moved."""
        for temp, _ in self.staged:
            temp.unlink(missing_ok=True)
        self.staged = []
