"""``recommend`` and ``explain``: one profile, or a portfolio through ``recommend_many``.

A portfolio's tables need only the numbers; its JSON, Markdown, HTML and explanations
need each explanation written (about a second a profile: the flip points are searched on
the real pipeline), so with ``--n-jobs`` those are written by joblib's workers too. On a
terminal, a tqdm bar counts the profiles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .._datafiles import describe_validation_error
from .._errors import AdvisorError, DataFileError, ParameterError
from .files import ProfileInput, ProfileReader, read_input
from .text import explanation, portfolio_table
from .wording import describe

if TYPE_CHECKING:
    from .._advisor import Advisor
    from .._portfolio import Portfolio
    from .._profile import TaskProfile
    from .._recommendation import Recommendation

__all__ = ["explain", "recommend"]

#: On a terminal (with tqdm), a portfolio shows a bar from this many profiles, or from two
#: when every result is explained (JSON, Markdown, HTML, explain: about a second each).
_BAR_MIN_PROFILES = 1000
_BAR_MIN_EXPLAINED = 2
#: Profiles per call of recommend_many in this process (the bar moves between calls).
_CHUNK = 250


def recommend(args: argparse.Namespace) -> int:
    """``strategy-advisor recommend FILE``: text, ``--json``, ``--markdown``, ``--html``,
    ``--csv``; for JSON Lines a table (one row per profile) or one JSON line each."""
    from .._portfolio import Portfolio

    _check_n_jobs(args.n_jobs)
    advisor = _advisor(args)
    item = read_input(args.profile, ProfileReader(advisor, args.allow_estimate))
    today = args.today or dt.date.today()
    if args.html is not None:
        return _write_pages(item, advisor, today, args.n_jobs, args.html)
    if not item.many:
        rec = advisor.recommend(item.profiles[0], today=today)
        if args.csv:
            sys.stdout.write(Portfolio((rec,)).to_csv())
        else:
            how = "json" if args.json else "markdown" if args.markdown else "text"
            print(_render(rec, how, advisor))
        return 0
    if args.json:
        for line in _rendered(item, advisor, today, args.n_jobs, "jsonl"):
            sys.stdout.write(line + "\n")
        return 0
    portfolio = _portfolio(item, advisor, today, args.n_jobs)
    if args.csv:
        sys.stdout.write(portfolio.to_csv())
    else:
        print(portfolio_table(portfolio, item.lines, item.where, today, markdown=args.markdown))
    return 0


def explain(args: argparse.Namespace) -> int:
    """``strategy-advisor explain FILE``: the rule trace, flip points and sensitivity."""
    _check_n_jobs(args.n_jobs)
    advisor = _advisor(args)
    item = read_input(args.profile, ProfileReader(advisor, args.allow_estimate))
    today = args.today or dt.date.today()
    texts = _rendered(item, advisor, today, args.n_jobs, "explain")
    for i, (line, text) in enumerate(zip(item.lines, texts, strict=True)):
        if item.many:
            print(("\n" if i else "") + f"== {item.where}, line {line} ==")
        print(text)
    return 0


def _advisor(args: argparse.Namespace) -> Advisor:
    """The shipped advisor (the one ``recommend()`` uses), or one with the options' parts."""
    from .._advisor import Advisor, _default_advisor
    from .._decision import DecisionPolicy
    from .._rules import default_rulebook

    catalog = None
    if args.catalog_litellm is not None:
        from .._catalog import Catalog, default_catalog

        catalog = default_catalog().merge(Catalog.from_litellm(args.catalog_litellm or None))
    if not args.rules and args.cost_multiple is None and catalog is None:
        return _default_advisor()
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


def _render(rec: Recommendation, how: str, advisor: Advisor) -> str:
    if how == "json":
        return rec.to_json()
    if how == "jsonl":
        return rec.to_json(indent=None)
    if how == "markdown":
        return rec.to_markdown()
    if how == "html":
        return rec.to_html()
    if how == "explain":
        return explanation(rec, {r.code: r.title for r in advisor.rulebook.rules})
    return rec.to_text()


def _rendered_chunk(
    advisor: Advisor, profiles: Sequence[TaskProfile], today: dt.date, how: str
) -> list[str]:
    """One worker's share: each profile recommended and rendered (explanation included)."""
    return [_render(advisor.recommend(p, today=today), how, advisor) for p in profiles]


def _progress(total: int, *, explained: bool) -> Any:
    """A tqdm bar counting profiles, on a terminal only (and only if tqdm is installed)."""
    least = _BAR_MIN_EXPLAINED if explained else _BAR_MIN_PROFILES
    if total < least or sys.stderr is None or not sys.stderr.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the optional `progress` extra
        return None
    return tqdm(total=total, unit="profile", desc="recommending", leave=False)


def _located(
    exc: AdvisorError, item: ProfileInput, run: Callable[[TaskProfile], object]
) -> Exception:
    """A portfolio's error, naming the line whose profile raises it."""
    for line, profile in zip(item.lines, item.profiles, strict=True):
        try:
            run(profile)
        except AdvisorError as found:
            return DataFileError(f"{item.where}, line {line}: {describe(found, 'recommend')}")
    return exc


def _portfolio(item: ProfileInput, advisor: Advisor, today: dt.date, n_jobs: int) -> Portfolio:
    """The recommendations (their numbers: no explanation is written), in order."""
    from .._portfolio import Portfolio

    size = _CHUNK if n_jobs == 1 else 8 * _CHUNK
    bar = _progress(len(item.profiles), explained=False)
    done: list[Recommendation] = []
    try:
        for start in range(0, len(item.profiles), size):
            chunk = item.profiles[start : start + size]
            try:
                done += advisor.recommend_many(chunk, n_jobs=n_jobs, today=today)
            except AdvisorError as exc:
                raise _located(exc, item, lambda p: advisor.recommend(p, today=today)) from exc
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return Portfolio(done)


def _rendered(
    item: ProfileInput, advisor: Advisor, today: dt.date, n_jobs: int, how: str
) -> Iterator[str]:
    """Each profile's rendering, in order; written by joblib's workers when ``n_jobs != 1``."""
    profiles = item.profiles
    bar = _progress(len(profiles), explained=True)
    parts: Iterator[list[str]]
    if n_jobs == 1:
        parts = (
            [_render(rec, how, advisor)]
            for start in range(0, len(profiles), _CHUNK)
            for rec in advisor.recommend_many(profiles[start : start + _CHUNK], today=today)
        )
    else:
        from joblib import Parallel, delayed, effective_n_jobs

        size = max(1, min(16, -(-len(profiles) // (4 * effective_n_jobs(n_jobs)))))
        chunks = [profiles[i : i + size] for i in range(0, len(profiles), size)]
        parts = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_rendered_chunk)(advisor, c, today, how) for c in chunks
        )
    try:
        for part in parts:
            yield from part
            if bar is not None:
                bar.update(len(part))
    except AdvisorError as exc:
        raise _located(exc, item, lambda p: advisor.recommend(p, today=today)) from exc
    finally:
        if bar is not None:
            bar.close()


def _write_pages(
    item: ProfileInput, advisor: Advisor, today: dt.date, n_jobs: int, out: str
) -> int:
    """``--html OUT``: one self-contained page (JSON Lines: one per profile, numbered)."""
    n = len(item.profiles)
    if out == "-":
        if item.many:
            raise ParameterError(
                f"--html - prints one page, but {item.where} holds {n} profiles: give a file "
                "name (--html report.html writes report-0.html, report-1.html, ...)"
            )
        print(advisor.recommend(item.profiles[0], today=today).to_html())
        return 0
    path = Path(out)
    if item.many:
        width = len(str(n - 1))
        targets = [path.with_name(f"{path.stem}-{i:0{width}d}{path.suffix}") for i in range(n)]
    else:
        targets = [path]
    for target in targets:
        if not target.parent.is_dir():
            raise DataFileError(
                f"cannot write {target}: the folder {target.parent} does not exist; expected "
                "--html OUT.html in an existing folder"
            )
    for target, page in zip(targets, _rendered(item, advisor, today, n_jobs, "html"), strict=True):
        try:
            target.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise DataFileError(
                f"cannot write {target}: {exc.strerror or exc}; expected a writable file path "
                "(--html OUT.html)"
            ) from exc
        print(f"wrote {target}")
    if item.many:
        print(f"{n} pages, one per profile of {item.where} (numbered as the CSV's index)")
    return 0
