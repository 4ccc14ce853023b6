"""The command line's options, each subcommand's help with an example, and option types."""

from __future__ import annotations

import argparse
import datetime as dt

__all__ = ["DEBUG_ENV", "EXAMPLES", "build_parser"]

DEBUG_ENV = "STRATEGY_ADVISOR_DEBUG"

#: Shown under each subcommand's --help (and all of them under the main --help).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "recommend": (
        "strategy-advisor recommend examples/support_tickets.json --today 2026-12-01",
        "strategy-advisor recommend examples/product_routing.json --html report.html",
        "strategy-advisor recommend examples/portfolio.jsonl --csv > portfolio.csv",
        "strategy-advisor recommend examples/portfolio.jsonl --json --n-jobs -1",
        "strategy-advisor recommend examples/product_routing.json "
        "--catalog-litellm examples/litellm/model_prices_and_context_window.json",
    ),
    "explain": ("strategy-advisor explain examples/contract_extraction.json --today 2026-12-01",),
    "catalog": (
        "strategy-advisor catalog --tunable --live --months 12",
        "strategy-advisor catalog --provider openai --json",
        "strategy-advisor catalog --provider openai "
        "--litellm examples/litellm/model_prices_and_context_window.json",
    ),
    "rules": ("strategy-advisor rules",),
    "schema": ("strategy-advisor schema > profile.schema.json",),
    "tokenizer": (
        "strategy-advisor tokenizer status",
        "strategy-advisor tokenizer fetch o200k_base",
    ),
}
_EXIT_CODES = (
    "exit codes: 0 success; 2 invalid input (the message names the field and the fix; "
    "with --keep-going, any bad line); 1 internal error (please report it; --debug shows the "
    "traceback)"
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD, e.g. 2026-12-01; got {text!r}"
        ) from None


def _n_jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n == 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero whole number (1: this process, -1: every core); got {text!r}"
        )
    return n


def _epilog(*commands: str) -> str:
    lines = ["examples:"] + [f"  {c}" for name in commands for c in EXAMPLES[name]]
    return "\n".join([*lines, "", _EXIT_CODES])


def _inputs() -> argparse.ArgumentParser:
    """The options ``recommend`` and ``explain`` share: what to read, and how to judge it."""
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument(
        "profile",
        metavar="FILE",
        help="a task profile (JSON), or JSON Lines of profiles (.jsonl, one per line); "
        "'-' reads standard input",
    )
    inputs.add_argument(
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the evaluation date, for shutdown dates (default: today)",
    )
    inputs.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="RULES.json",
        help="an organisation's extra rules (repeatable; see docs/rules.md)",
    )
    inputs.add_argument(
        "--cost-multiple",
        type=float,
        metavar="X",
        help="total-cost multiple worth paying for a strategy likely to be better "
        "(default: the shipped policy's, see docs/decision.md)",
    )
    inputs.add_argument(
        "--catalog-litellm",
        nargs="?",
        const="",
        metavar="PATH",
        help="also know every chat model of litellm's model map (model_prices_and_context_"
        "window.json at PATH; without PATH, the copy an installed litellm ships), under the "
        "shipped catalog, whose entries win",
    )
    inputs.add_argument(
        "--allow-estimate",
        action="store_true",
        help="estimate token counts when the tokenizer's files are not available offline",
    )
    inputs.add_argument(
        "--keep-going",
        action="store_true",
        help="JSON Lines: recommend every valid line and write an error row for each bad one "
        "(its line, id, the field and the fix), then exit 2 if any was bad (default: check "
        "every line first; one bad line and nothing is recommended)",
    )
    inputs.add_argument(
        "--root",
        metavar="DIR",
        help="read FILE and every file a profile names (examples_file, a .tiktoken file) "
        "only from inside DIR, symbolic links and '..' resolved (for services)",
    )
    inputs.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        metavar="N",
        help="JSON Lines: recommend in N processes through joblib; -1: every core (-2: all "
        "but one); 1: this process (default: every core from 500 profiles, else this "
        "process)",
    )
    return inputs


def build_parser() -> argparse.ArgumentParser:
    """The ``strategy-advisor`` parser and its subcommands."""
    raw = argparse.RawDescriptionHelpFormatter
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # given before or after the subcommand, either counts
        help=f"show the traceback of an internal error (or set {DEBUG_ENV}=1)",
    )
    p = argparse.ArgumentParser(
        prog="strategy-advisor",
        description="Should this LLM task be fine-tuned or prompted with examples?",
        epilog=_epilog(*EXAMPLES),
        formatter_class=raw,
        parents=[debug],
    )
    sub = p.add_subparsers(dest="command", required=True)
    inputs = _inputs()

    rec = sub.add_parser(
        "recommend",
        help="recommend a strategy for a profile, or for each profile of a JSON Lines file",
        description="Recommend fine-tuning or in-context learning. One profile prints a "
        "readable summary; a JSON Lines file prints a table, one row per profile. Choose at "
        "most one output option.",
        epilog=_epilog("recommend"),
        formatter_class=raw,
        parents=[inputs, debug],
    )
    out = rec.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="the Recommendation as JSON (JSON Lines: one recommendation per line)",
    )
    out.add_argument(
        "--markdown",
        action="store_true",
        help="Markdown for tickets and wikis (JSON Lines: the table in Markdown)",
    )
    out.add_argument(
        "--html",
        metavar="OUT.html",
        help="write a self-contained HTML report to OUT.html ('-': print it); JSON Lines: "
        "one page per profile, OUT-<id>.html, or OUT-0.html, OUT-1.html, ... (numbered as "
        "the CSV's index) for profiles without an id. An existing file is refused (--force)",
    )
    out.add_argument(
        "--csv",
        action="store_true",
        help="the table as CSV, one row per profile (a single profile: one row)",
    )
    rec.add_argument(
        "--force",
        action="store_true",
        help="--html: replace a page that already exists (default: refuse; never the input)",
    )
    sub.add_parser(
        "explain",
        help="the full rule trace, the flip points and the sensitivity table of a profile",
        description="Every rule checked (status, message, the values it read), where each "
        "input would flip the answer, and how much each estimate moves the decision score.",
        epilog=_epilog("explain"),
        formatter_class=raw,
        parents=[inputs, debug],
    )

    cat = sub.add_parser(
        "catalog",
        help="list the catalog's models: prompt prices, tunable, serving modes, training "
        "price, hosting, shutdown",
        epilog=_epilog("catalog"),
        formatter_class=raw,
        parents=[debug],
    )
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
        "--today",
        type=_date,
        metavar="YYYY-MM-DD",
        help="date --live counts from (default: today)",
    )
    cat.add_argument(
        "--months", type=int, default=12, help="months --live looks ahead (default: 12)"
    )
    cat.add_argument("--provider", help="only this provider's models (case-insensitive)")
    cat.add_argument(
        "--litellm",
        nargs="?",
        const="",
        metavar="PATH",
        help="list the chat models of litellm's model map instead (model_prices_and_context_"
        "window.json at PATH; without PATH, the copy an installed litellm ships, read from "
        "disk)",
    )

    tok = sub.add_parser(
        "tokenizer",
        help="tokenizer files for exact token counts offline",
        epilog=_epilog("tokenizer"),
        formatter_class=raw,
        parents=[debug],
    )
    tok_sub = tok.add_subparsers(dest="tokenizer_command", required=True)
    fetch = tok_sub.add_parser(
        "fetch",
        help="download encoding files once into tiktoken's cache (the only command that "
        "uses the network)",
        epilog="example:\n  strategy-advisor tokenizer fetch o200k_base cl100k_base",
        formatter_class=raw,
        parents=[debug],
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", help="encoding name, e.g. o200k_base")
    tok_sub.add_parser(
        "status",
        help="list which encodings are available offline, and from where",
        epilog="example:\n  strategy-advisor tokenizer status",
        formatter_class=raw,
        parents=[debug],
    )

    sub.add_parser(
        "rules",
        help="list the default rules",
        epilog=_epilog("rules"),
        formatter_class=raw,
        parents=[debug],
    )
    sub.add_parser(
        "schema",
        help="print the JSON Schema of a profile file (with examples_file and token_counting)",
        epilog=_epilog("schema"),
        formatter_class=raw,
        parents=[debug],
    )
    return p
