"""Command line: ``strategy-advisor recommend profile.json`` (JSON in, text or JSON out).

``strategy-advisor tokenizer fetch NAME`` is the one command that reaches the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._datafiles import describe_validation_error, load_json, parse_json
from ._errors import AdvisorError, DataFileError

if TYPE_CHECKING:
    from ._tokens.encodings import EncodingNotCachedError

__all__ = ["main"]

_EXAMPLE_KEYS = ("examples_file", "token_counting")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="strategy-advisor",
        description="Should this LLM task be fine-tuned or prompted with examples?",
    )
    sub = p.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("recommend", help="recommend a strategy for a task profile (JSON)")
    rec.add_argument("profile", help="task profile JSON file ('-' for standard input)")
    rec.add_argument("--json", action="store_true", help="print the Recommendation as JSON")
    rec.add_argument("--markdown", action="store_true", help="print Markdown instead of text")
    rec.add_argument("--today", type=dt.date.fromisoformat, help="evaluation date, YYYY-MM-DD")
    rec.add_argument("--rules", action="append", default=[], help="extra rules JSON (repeatable)")
    rec.add_argument(
        "--cost-multiple",
        type=float,
        help="total-cost multiple worth paying for a strategy likely to be better "
        "(default: the shipped policy's, see docs/decision.md)",
    )
    rec.add_argument(
        "--allow-estimate",
        action="store_true",
        help="estimate token counts when the tokenizer's files are not available offline",
    )
    cat = sub.add_parser("catalog", help="list the catalog's models")
    cat.add_argument(
        "--json", action="store_true", help="print the full entries of the listed models as JSON"
    )
    cat.add_argument("--tunable", action="store_true", help="only models with a fine-tuning offer")
    cat.add_argument(
        "--live",
        action="store_true",
        help="only models whose base and tuned model are served from --today through --months",
    )
    cat.add_argument(
        "--today", type=dt.date.fromisoformat, help="date --live counts from (default: today)"
    )
    cat.add_argument(
        "--months", type=int, default=12, help="months --live looks ahead (default: 12)"
    )
    cat.add_argument("--provider", help="only this provider's models (case-insensitive)")
    tok = sub.add_parser("tokenizer", help="tokenizer files for exact token counts offline")
    tok_sub = tok.add_subparsers(dest="tokenizer_command", required=True)
    fetch = tok_sub.add_parser(
        "fetch",
        help="download encoding files once into tiktoken's cache (the only command that "
        "uses the network)",
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", help="encoding name, e.g. o200k_base")
    tok_sub.add_parser("status", help="list which encodings are available offline, and from where")
    sub.add_parser("rules", help="list the default rules")
    sub.add_parser("schema", help="print the TaskProfile JSON Schema")
    return p


def _read_profile(arg: str, allow_estimate: bool, advisor: Any) -> Any:
    from ._profile import TaskProfile

    if arg == "-":
        data: Any = parse_json(_stdin_text(), "standard input")
        base = Path.cwd()
    else:
        data = load_json(arg)
        base = Path(arg).resolve().parent
    if not isinstance(data, dict):
        raise DataFileError(
            f"{arg}: expected a JSON object (a task profile), got a JSON {type(data).__name__}"
        )
    extras = {k: data.pop(k) for k in _EXAMPLE_KEYS if k in data}
    if "examples_file" not in extras:
        if "token_counting" in extras:
            raise DataFileError(f"{arg}: 'token_counting' needs 'examples_file' beside it")
        return TaskProfile.model_validate(data)

    examples = extras["examples_file"]
    counting = extras.get("token_counting") or {}
    if not isinstance(examples, str) or not examples:
        raise DataFileError(f"{arg}: 'examples_file' must be a path string; got {examples!r}")
    if not isinstance(counting, dict):
        raise DataFileError(
            f"{arg}: 'token_counting' must be an object like "
            f'{{"allow_estimate": true, "sample": 20000}}; got {counting!r}'
        )
    allowed = {"encoding", "allow_estimate", "sample", "seed"}
    if set(counting) - allowed:
        raise DataFileError(
            f"{arg}: unknown 'token_counting' keys {sorted(set(counting) - allowed)}; "
            f"expected some of {sorted(allowed)}"
        )
    if allow_estimate:
        counting = {**counting, "allow_estimate": True}
    path = Path(examples)
    path = path if path.is_absolute() else base / path
    if counting.get("allow_estimate") is not True:
        return advisor.profile_from_examples(path, **counting, **data)
    from ._tokens.encodings import EncodingNotCachedError

    try:  # exact if the file is there; else say how to get it, then estimate
        exact = {**counting, "allow_estimate": False}
        return advisor.profile_from_examples(path, **exact, **data)
    except EncodingNotCachedError as exc:
        print(_estimate_notice(exc), file=sys.stderr)
    return advisor.profile_from_examples(path, **counting, **data)


def _estimate_notice(exc: EncodingNotCachedError) -> str:
    wording = _cli_wording("recommend")
    ways = [wording[k].format(**exc.facts) for k in ("install_extra", "fetch") if k in exc.fixes]
    lines = [f"strategy-advisor: token counts are estimates: {exc.problem}."]
    lines += [f"  {'For exact counts,' if i == 0 else 'Or'} {way}." for i, way in enumerate(ways)]
    lines.append("  `strategy-advisor tokenizer status` shows what is available offline.")
    return "\n".join(lines)


def _stdin_text() -> str:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (a StringIO, or a redirected text stream)
        return str(sys.stdin.read())
    data: bytes = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"standard input is not UTF-8 text ({exc.reason} at byte {exc.start}); expected "
            "a UTF-8 JSON task profile"
        ) from exc


def _recommend(args: argparse.Namespace) -> int:
    from ._advisor import Advisor
    from ._decision import DecisionPolicy
    from ._rules import default_rulebook

    book = default_rulebook()
    for path in args.rules:
        book = book.extended(path)
    policy = (
        DecisionPolicy.default(cost_multiple_for_likely_win=args.cost_multiple)
        if args.cost_multiple is not None
        else None
    )
    advisor = Advisor(rulebook=book, policy=policy)
    profile = _read_profile(args.profile, args.allow_estimate, advisor)
    rec = advisor.recommend(profile, today=args.today)
    if args.json:
        print(rec.to_json())
    elif args.markdown:
        print(rec.to_markdown())
    else:
        print(rec.to_text())
    return 0


def _catalog(args: argparse.Namespace) -> int:
    import calendar

    from ._catalog import ModelSpec, default_catalog
    from ._errors import CatalogError, ParameterError, did_you_mean

    cat = default_catalog()
    specs = [cat.get(n) for n in cat.names]
    filters: list[str] = []
    if args.provider is not None:
        providers = sorted({s.provider for s in specs if s.provider})
        wanted = args.provider.strip().lower()
        if wanted not in {p.lower() for p in providers}:
            raise CatalogError(
                f"--provider {args.provider!r} is not a catalog provider; expected one of "
                f"{', '.join(repr(p) for p in providers)}.{did_you_mean(args.provider, providers)}"
            )
        specs = [s for s in specs if (s.provider or "").lower() == wanted]
        filters.append(f"provider {specs[0].provider}")
    if args.tunable:
        specs = [s for s in specs if s.fine_tuning is not None]
        filters.append("tunable")
    if args.live:
        if args.months < 0:
            raise ParameterError(
                f"--months must be a whole number of months >= 0; got {args.months}"
            )
        today = args.today or dt.date.today()
        year, month = divmod(today.month - 1 + args.months, 12)
        year += today.year
        last_day = calendar.monthrange(year, month + 1)[1]
        end = dt.date(year, month + 1, min(today.day, last_day))

        def live(s: ModelSpec) -> bool:
            tuned = s.fine_tuning.shutdown_date if s.fine_tuning is not None else None
            return all(d is None or d > end for d in (s.shutdown_date, tuned))

        specs = [s for s in specs if live(s)]
        filters.append(f"live {today} through {end}")
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in specs], indent=2))
        return 0

    def money(value: float | None, path: str, s: ModelSpec) -> str:
        if value is None:
            return "unpriced"
        text = f"${value:g}"
        spread = s.range_of(path)
        return f"{text} ({spread.low:g}-{spread.high:g})" if spread is not None else text

    def row(s: ModelSpec) -> list[str]:
        ft = s.fine_tuning
        prompted = ",".join(s.serving or ("serverless",))
        shutdown = str(s.shutdown_date or "-")
        if ft is None:
            return [
                s.name,
                s.provider or "-",
                "no",
                prompted,
                "-",
                "-",
                "-",
                shutdown,
                s.as_of or "-",
            ]
        tuned_modes = ft.serving or (("dedicated",) if ft.hosting_usd_per_hour else ("serverless",))
        prices = (ft.input_usd_per_mtok, ft.output_usd_per_mtok)
        tuned_price = (
            "unpriced"
            if prices == (None, None)
            else "/".join("unpriced" if p is None else f"${p:g}" for p in prices)
        )
        hosting = (
            "no fee"
            if ft.hosting_usd_per_hour == 0
            and s.range_of("fine_tuning.hosting_usd_per_hour") is None
            else money(ft.hosting_usd_per_hour, "fine_tuning.hosting_usd_per_hour", s)
        )
        if ft.shutdown_date is not None and ft.shutdown_date != s.shutdown_date:
            shutdown += f" (tuned {ft.shutdown_date})"
        return [
            s.name,
            s.provider or "-",
            "yes",
            f"{prompted} / {','.join(tuned_modes)}",
            money(ft.training_usd_per_mtok, "fine_tuning.training_usd_per_mtok", s),
            tuned_price,
            hosting,
            shutdown,
            s.as_of or "-",
        ]

    header = [
        "name",
        "provider",
        "tunable",
        "serving (prompted / tuned)",
        "training $/1M",
        "tuned in/out $/1M",
        "hosting $/h",
        "shutdown",
        "as of",
    ]
    rows = [header, *(row(s) for s in specs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    where = f" ({'; '.join(filters)})" if filters else ""
    print(f"{len(specs)} models, as of {cat.as_of}{where}")
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _tokenizer(args: argparse.Namespace) -> int:
    from ._tokens import encodings

    folder, chosen_by = encodings.cache_folder()
    if args.tokenizer_command == "fetch":
        for name in args.names:
            path, downloaded = encodings.fetch_encoding(name)
            if downloaded:
                print(f"{name}: downloaded {encodings.encoding_recipe(name).url}, sha256 checked")
                print(f"  saved as {path}")
            else:
                print(f"{name}: already in tiktoken's cache, sha256 checked: {path}")
        if chosen_by == "tiktoken's default":
            print(
                f"The cache is tiktoken's default folder {folder}, which the system may clear: "
                "set TIKTOKEN_CACHE_DIR to a lasting folder and fetch again to keep the files."
            )
        print(
            "To count exactly on a machine without internet, copy the folder there and set "
            "TIKTOKEN_CACHE_DIR to it."
        )
        return 0
    where = f"{folder} ({chosen_by})" if folder else "turned off (TIKTOKEN_CACHE_DIR is empty)"
    print(f"tiktoken cache: {where}")
    packages = encodings.tokenizer_packages()
    installed = [f"{n} {v}" for n, v in packages if v]
    missing = [n for n, v in packages if not v]
    print(
        f"tokenizer packages: {', '.join(installed) or 'none installed'}"
        + (f" (also searched if installed: {', '.join(missing)})" if missing else "")
    )
    statuses = encodings.encoding_status()
    width = max(len(s.name) for s in statuses)
    for status in statuses:
        error = status.error
        if status.source is not None:
            print(f"  {status.name:<{width}}  offline  {status.source}")
        elif error is not None and "fetch" in error.fixes:
            how = f"strategy-advisor tokenizer fetch {status.name} (needs internet)"
            if "install_extra" in error.fixes:
                how = f"pip install 'strategy_advisor[tokenizers]', or {how}"
            print(f"  {status.name:<{width}}  missing  {how}")
        else:
            why = error.problem.split(": ", 1)[-1] if error is not None else "unavailable"
            print(f"  {status.name:<{width}}  no       cannot be loaded by name: {why}")
        for note in status.notes:
            print(f"  {'':<{width}}  !        {note}")
    return 0


def _cli_wording(command: str) -> dict[str, str]:
    """How an :class:`EncodingError` is worded here: this command's options, not Python's."""
    from ._tokens.encodings import NEUTRAL_WORDING

    wording = {
        **NEUTRAL_WORDING,
        "lead": "Fix it in one of these ways:",
        "see": (
            "`strategy-advisor tokenizer status` shows what is available offline; see "
            "docs/tokens.md, 'Offline setup'."
        ),
        "fetch": (
            "on a machine with internet, run `strategy-advisor tokenizer fetch {name}`: it "
            "downloads the file once into tiktoken's cache (copy that folder to offline "
            "machines and set TIKTOKEN_CACHE_DIR to it there)"
        ),
        "pass_file": (
            'give the downloaded file in the profile: "token_counting": '
            '{{"encoding": "/path/to/{name}.tiktoken"}}'
        ),
        "estimate": (
            "estimate tokens from UTF-8 bytes (marked as estimates, with a stated error "
            'band): pass --allow-estimate, or set "token_counting": {{"allow_estimate": '
            "true}} in the profile"
        ),
        "expected": (
            'expected one of {known}, a path to a .tiktoken file, or "estimate" (the '
            'profile\'s "token_counting": {{"encoding": ...}})'
        ),
        "encoding_object": (
            "the command line takes encoding names and .tiktoken files only: count with "
            "another encoding, or build the tiktoken.Encoding in Python and pass it to "
            "strategy_advisor there"
        ),
    }
    if command == "tokenizer":
        wording["expected"] = "expected one of {known}"
    return wording


def _describe(exc: AdvisorError, command: str) -> str:
    """The error's message, with a tokenizer error's fixes in this command's own terms."""
    from ._tokens.encodings import EncodingError

    if isinstance(exc, EncodingError):
        return exc.reworded(_cli_wording(command))
    return str(exc)


def _rules(_: argparse.Namespace) -> int:
    from ._rules import default_rulebook

    for rule in default_rulebook().rules:
        target = rule.effect.strategy.value if rule.effect.strategy else "-"
        print(f"{rule.code:<38} {rule.effect.kind:<10} {target:<20} {rule.title}")
    return 0


def _schema(_: argparse.Namespace) -> int:
    from ._profile import TaskProfile

    print(json.dumps(TaskProfile.model_json_schema(), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``strategy-advisor`` command."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # e.g. `strategy-advisor catalog | head`
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    from ._profile import TaskProfile

    handlers = {
        "recommend": _recommend,
        "catalog": _catalog,
        "tokenizer": _tokenizer,
        "rules": _rules,
        "schema": _schema,
    }
    try:
        return handlers[args.command](args)
    except ValidationError as exc:
        where = f" in {args.profile}" if getattr(args, "profile", None) else ""
        print(
            f"strategy-advisor: invalid task profile{where}:\n"
            + _indent(describe_validation_error(exc, TaskProfile)),
            file=sys.stderr,
        )
        return 2
    except AdvisorError as exc:
        print(f"strategy-advisor: {_describe(exc, args.command)}", file=sys.stderr)
        return 2


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
