"""``recommend`` and ``explain``: one profile, or a portfolio streamed a line at a time.

A portfolio (JSON Lines) is read a line at a time and each profile's row is written as it
is decided (CSV, JSON Lines, Markdown, explanations), so memory does not grow with its
length; only the aligned text table keeps its short rows, to align them. Without
``--keep-going`` every line is checked first, as it always was: one bad line and nothing is
recommended (exit 2, each bad line named). With it, a bad line becomes an error row in its
place (its line, id, the field and the fix), the others are recommended, and the exit code
is 2 if any line was bad.

Tables need only the numbers; JSON, HTML and explanations need each explanation written
(about a second a profile: the flip points are searched on the real pipeline), so with
``--n-jobs`` the workers write them too. On a terminal, a tqdm bar counts the profiles.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from pydantic import ValidationError

from .._datafiles import describe_validation_error
from .._errors import DataFileError, ParameterError
from .._escape import printable
from .._types import replaced
from .files import InputFile, ProfileReader, invalid_lines, no_profiles, open_input
from .text import (
    Entry,
    explanation,
    failure_text,
    label,
    markdown_head,
    markdown_row,
    markdown_tail,
    portfolio_table,
    tally,
)
from .wording import in_cli_terms, indent
from .writing import Staging, check_targets, page_names

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._portfolio import ProfileFailure
    from .._recommendation import Recommendation

__all__ = ["explain", "recommend"]

#: On a terminal (with tqdm), a portfolio shows a bar from this many profiles: each is
#: computed whole (flip points, simulation, sensitivity) in 15-35 ms on 2 cores, whatever
#: the output, so a hundred take a few seconds.
_BAR_MIN_PROFILES = 100
#: Without ``--n-jobs``, a portfolio of this many profiles uses every core: each worker
#: takes about a second to start, and on 2 cores 1,000 profiles took 20.2 s in one process
#: and 10.7 s in two (100 profiles: 2.65 s and 2.38 s); with another process busy on one of
#: the cores, 210 profiles took 9 s in one process and 9-12 s in two, so not below this.
_PARALLEL_FROM = 500
#: Profiles per task sent to a joblib worker (``--n-jobs``): a few tasks per worker stay in
#: flight. Measured on 1,000 profiles with --json --n-jobs 2: 2, 8 and 32 all took 10.6-10.8 s.
_CHUNK = 16
#: Bad lines a run names on stderr (all of them are counted, and each has its own row).
_MAX_NAMED = 20


def recommend(args: argparse.Namespace) -> int:
    """``strategy-advisor recommend FILE``: text, ``--json``, ``--markdown``, ``--html``,
    ``--csv``; for JSON Lines a table (one row per profile) or one JSON line each."""
    how = (
        "jsonl" if args.json
        else "html" if args.html is not None
        else "csv" if args.csv
        else "markdown" if args.markdown
        else "table"
    )  # fmt: skip
    with _Run(args, pages=args.html not in (None, "-")) as run:
        if not run.source.many:
            return run.one(how)
        if args.html == "-":
            raise ParameterError(
                f"--html - prints one page, but {run.source.where} holds JSON Lines (one "
                "profile a line): give a file name (--html report.html writes one page per "
                "profile, report-<id or index>.html)"
            )
        return run.portfolio(how)


def explain(args: argparse.Namespace) -> int:
    """``strategy-advisor explain FILE``: the rule trace, flip points and sensitivity."""
    with _Run(args, pages=False) as run:
        if not run.source.many:
            return run.one("explain")
        return run.portfolio("explain")


# ------------------------------------------------------------------------------ one run


class _Run:
    """One command on one FILE: its advisor, reader, input and evaluation date."""

    def __init__(self, args: argparse.Namespace, *, pages: bool) -> None:
        if args.n_jobs is not None:
            _check_n_jobs(args.n_jobs)
        self.args = args
        self.advisor = _advisor(args)
        self.today: dt.date = args.today or dt.date.today()
        root = _root(args.root)
        self.reader = ProfileReader(self.advisor, args.allow_estimate, root=root)
        # a second pass (every line checked first, or HTML pages named first) re-reads it
        self.checked = not args.keep_going or pages
        self.source: InputFile = open_input(args.profile, root=root, replayable=self.checked)
        self.ids: list[str | None] = []  # each profile's id, read by the checking pass
        self.bad: set[int] = set()  # the indexes of the bad lines it found

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.close()

    # -- one profile ----------------------------------------------------------------------

    def one(self, how: str) -> int:
        from .._portfolio import Portfolio

        args, source = self.args, self.source
        target = None
        if how == "html" and args.html != "-":
            target = Path(args.html)
            check_targets([target], force=args.force, inputs=self._inputs())
        profile = self.reader.profile(source.data, source.where, source.base)
        rec = self.advisor.recommend(profile, today=self.today)
        if target is not None:
            page = rec.to_html()
            with Staging() as staging:
                staging.add(target, page)
                staging.commit()
            print(f"wrote {printable(str(target))}")
        elif how == "csv":
            _write(Portfolio((rec,)).to_csv())
        else:  # one profile's JSON is indented, as recommend(profile).to_json() writes it
            print(_render(rec, "json" if how == "jsonl" else how, self._titles()))
        return 0

    # -- a portfolio ----------------------------------------------------------------------

    def portfolio(self, how: str) -> int:
        """Each profile's row as it is decided; with ``--keep-going``, a row for each bad
        line and exit code 2."""
        total = self._check(collect_ids=how == "html")
        writer = _WRITERS[how](self)
        failures: list[ProfileFailure] = []
        bad = 0
        count = 0
        with writer:
            for entry in self._results(how, total):
                count += 1
                _, line, item = entry
                if _failed(item):
                    if not self.args.keep_going:  # found only now: when recommending
                        raise DataFileError(f"{self.source.where}, line {line}: {item.message}")
                    bad += 1
                    if len(failures) < _MAX_NAMED:
                        failures.append(item)
                writer.add(entry)
            if count == 0:
                raise no_profiles(self.source.where)
        if not bad:
            return 0
        named = [failure_text(f.line or 0, f) for f in failures]
        if bad > len(named):
            named.append(f"... and {bad - len(named)} more")
        print(
            f"strategy-advisor: {bad} of {count} profiles in {self.source.where} could not be "
            "recommended (each has its row, saying why):\n"
            + indent(printable("\n".join(named), newlines=True)),
            file=sys.stderr,
        )
        return 2

    def _check(self, *, collect_ids: bool) -> int | None:
        """Without ``--keep-going``, every line checked before any is recommended (the
        first bad lines named, nothing recommended); for HTML pages, every id read (in
        ``ids``, the bad lines' indexes in ``bad``) so the pages' names are known and
        checked before any is written. The number of profiles, or None without a pass."""
        if not self.checked:
            return None
        failures: list[ProfileFailure] = []
        bad = total = 0
        self.reader.keep = True
        for index, (_, item) in enumerate(self.source.entries(self.reader)):
            total += 1
            if collect_ids:
                self.ids.append(item.id)
            if _failed(item):
                bad += 1
                self.bad.add(index)
                if len(failures) < _MAX_NAMED:
                    failures.append(item)
        self.reader.keep = False
        if total == 0:
            raise no_profiles(self.source.where)
        if bad and not self.args.keep_going:
            raise DataFileError(invalid_lines(failures, bad, total, self.source.where))
        return total

    def _results(self, how: str, total: int | None) -> Iterator[Entry]:
        """(index, line, finished result or ProfileFailure) for each profile, in order."""
        from .._batches import stream

        finish = _finisher(how, self._titles())
        numbers: deque[int] = deque()

        def profiles() -> Iterator[Any]:
            for number, item in self.source.entries(self.reader):
                numbers.append(number)  # the results come out in the same order
                yield item

        bar = _progress(total)
        results = stream(
            self.advisor,
            profiles(),
            n_jobs=_workers(self.args.n_jobs, total),
            today=self.today,
            errors="return",
            finish=finish,
            chunk_size=_CHUNK,
        )
        try:
            for index, result in enumerate(results):
                number = numbers.popleft()
                if _failed(result) and result.line is None:  # failed while recommending
                    result = replaced(result, line=number, message=in_cli_terms(result.message))
                yield index, number, result
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    def _inputs(self) -> list[Path]:
        """Files a report must never replace: the profile file and the rules files."""
        given = [] if self.args.profile == "-" else [Path(self.args.profile)]
        return given + [Path(r) for r in self.args.rules]

    def _titles(self) -> dict[str, str]:
        return {r.code: r.title for r in self.advisor.rulebook.rules}


def _failed(item: object) -> TypeGuard[ProfileFailure]:
    from .._portfolio import ProfileFailure

    return isinstance(item, ProfileFailure)


# ------------------------------------------------------------------------------ writers


class _Writer:
    """Writes a portfolio's entries as they come (a context: ``__exit__`` finishes)."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()

    def add(self, entry: Entry) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _Csv(_Writer):
    def __enter__(self) -> _Writer:
        from .._portfolio import CSV_COLUMNS

        self.csv = csv.writer(sys.stdout, lineterminator="\n")
        self.csv.writerow(("index", "line", *CSV_COLUMNS[1:]))
        return self

    def add(self, entry: Entry) -> None:
        from .._portfolio import csv_cells

        index, line, item = entry
        self.csv.writerow(csv_cells(item, index, line=line))
        sys.stdout.flush()


class _JsonLines(_Writer):
    def add(self, entry: Entry) -> None:
        item = entry[2]
        _write((item.to_json() if _failed(item) else item) + "\n")


class _Markdown(_Writer):
    def __enter__(self) -> _Writer:
        self.counts = tally(())
        print(markdown_head(self.run.source.where, self.run.today), flush=True)
        return self

    def add(self, entry: Entry) -> None:
        self.counts[label(entry[2])] += 1
        print(markdown_row(entry), flush=True)

    def close(self) -> None:
        print(markdown_tail(self.counts))


class _Table(_Writer):
    def __enter__(self) -> _Writer:
        self.entries: list[Entry] = []
        return self

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def close(self) -> None:
        print(portfolio_table(self.entries, self.run.source.where, self.run.today))


class _Explained(_Writer):
    def add(self, entry: Entry) -> None:
        index, line, item = entry
        print(("\n" if index else "") + f"== {self.run.source.where}, line {line} ==")
        if _failed(item):
            print(printable(f"invalid: {failure_text(line, item)}"), flush=True)
        else:
            print(item, flush=True)


class _Pages(_Writer):
    """Pages staged as they are written, moved into place when all are: a failure
    part-way leaves nothing."""

    def __enter__(self) -> _Writer:
        run = self.run
        self.targets = page_names(Path(run.args.html), run.ids)
        good = [t for i, t in enumerate(self.targets) if i not in run.bad]
        check_targets(good, force=run.args.force, inputs=run._inputs())  # before any work
        self.staging = Staging()
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            self.staging.discard()
        else:
            self.close()

    def add(self, entry: Entry) -> None:
        index, _, item = entry
        if not _failed(item):
            self.staging.add(self.targets[index], item)

    def close(self) -> None:
        done = self.staging.commit()
        for target in done:
            print(f"wrote {printable(str(target))}")
        print(
            f"{len(done)} page{'s' * (len(done) != 1)}, one per profile of "
            f"{self.run.source.where} (named by the profile's id, else numbered as the CSV's "
            "index)"
        )


_WRITERS: Mapping[str, Callable[[_Run], _Writer]] = {
    "csv": _Csv,
    "jsonl": _JsonLines,
    "markdown": _Markdown,
    "table": _Table,
    "explain": _Explained,
    "html": _Pages,
}


# ------------------------------------------------------------------------------ helpers


def _finisher(how: str, titles: dict[str, str]) -> Callable[[Recommendation], Any]:
    """What each profile's recommendation becomes where it is made (a worker, with
    ``--n-jobs``): a table row, or its rendering with the explanation written there."""
    from .._portfolio import PortfolioRow

    if how in ("csv", "markdown", "table"):
        return PortfolioRow.of
    return functools.partial(_rendered, how=how, titles=titles)


def _rendered(rec: Recommendation, *, how: str, titles: dict[str, str]) -> str:
    return _render(rec, how, titles)


def _render(rec: Recommendation, how: str, titles: Mapping[str, str]) -> str:
    if how == "json":
        return rec.to_json()
    if how == "jsonl":
        return rec.to_json(indent=None)
    if how == "markdown":
        return rec.to_markdown()
    if how == "html":
        return rec.to_html()
    if how == "explain":
        return explanation(rec, titles)
    return rec.to_text()


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _root(folder: str | None) -> Path | None:
    """``--root DIR`` as a resolved folder, checked."""
    if folder is None:
        return None
    path = Path(folder)
    if not path.is_dir():
        raise ParameterError(
            f"--root {printable(folder)}: not a folder; expected an existing folder that holds "
            "the profile files and every file they name"
        )
    return path.resolve()


def _advisor(args: argparse.Namespace) -> Advisor:
    """The shipped advisor (the one ``recommend()`` uses), or one with the options' parts."""
    from .._advisor import Advisor, default_advisor
    from .._decision import DecisionPolicy
    from .._rules import default_rulebook

    catalog = None
    if args.catalog_litellm is not None:
        from .._catalog import Catalog, default_catalog

        catalog = default_catalog().merge(Catalog.from_litellm(args.catalog_litellm or None))
    if not args.rules and args.cost_multiple is None and catalog is None:
        return default_advisor()
    book = default_rulebook()
    for path in args.rules:
        book = book.extended(path)
    policy = None
    if args.cost_multiple is not None:
        try:
            policy = DecisionPolicy.default(cost_multiple_for_likely_win=args.cost_multiple)
        except ValidationError as exc:
            problem = describe_validation_error(exc).removeprefix("<root>: ")
            raise ParameterError(f"--cost-multiple {args.cost_multiple:g}: {problem}") from exc
    return Advisor(catalog=catalog, rulebook=book, policy=policy)


def _workers(n_jobs: int | None, total: int | None) -> int:
    """``--n-jobs``, or without it every core for a portfolio of at least
    ``_PARALLEL_FROM`` profiles (counted by the checking pass; joblib comes with
    scikit-learn), else this process."""
    if n_jobs is not None:
        return n_jobs
    if total is None or total < _PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return 1
    try:
        import joblib  # noqa: F401  (only whether it is installed)
    except ImportError:
        return 1
    return -1


def _check_n_jobs(n_jobs: int) -> None:
    if n_jobs == 1:
        return
    try:
        import joblib  # noqa: F401  (only whether it is installed)
    except ImportError as exc:
        raise ParameterError(
            f"--n-jobs {n_jobs} runs in parallel through joblib, which is not installed: "
            "pip install 'strategy_advisor[parallel]', or leave --n-jobs out"
        ) from exc


def _progress(total: int | None) -> Any:
    """A tqdm bar counting profiles, on a terminal only (and only if tqdm is installed)."""
    if (total is not None and total < _BAR_MIN_PROFILES) or sys.stderr is None or (
        not sys.stderr.isatty()
    ):  # fmt: skip
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the optional `progress` extra
        return None
    return tqdm(total=total, unit="profile", desc="recommending", leave=False)
