"""The listings: ``catalog`` (models and their offers), ``rules``, ``schema`` and ``tokenizer``."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from .files import profile_file_schema

__all__ = ["catalog", "rules", "schema", "tokenizer"]


def catalog(args: argparse.Namespace) -> int:
    """``strategy-advisor catalog``: each model's provider, prompt prices, whether it is
    tunable, serving modes, training and tuned prices, hosting fee (with recorded ranges)
    and shutdown; ``--litellm [PATH]``: the chat models of litellm's model map instead."""
    import calendar

    from .._catalog import Catalog, default_catalog
    from .._errors import CatalogError, ParameterError, did_you_mean
    from .._model_spec import ModelSpec
    from .._scenarios import priced_value

    cat = default_catalog() if args.litellm is None else Catalog.from_litellm(args.litellm or None)
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
        """The price the advisor uses: a disputed one at the weighted mean of the two
        published values, with them."""
        if value is None:
            return "unpriced"
        spread = s.range_of(path)
        if spread is None:
            return f"${value:g}"
        if spread.low < value < spread.high:  # the catalog's choice inside a wider spread
            return f"${value:g} ({spread.low:g}-{spread.high:g})"
        used = priced_value(s, path, value)  # two sources disagree: priced between them
        return f"${used:.3g} ({spread.low:g} or {spread.high:g})"

    def prompt_prices(s: ModelSpec) -> str:
        cached = s.cached_input_usd_per_mtok
        return "/".join(
            (
                money(s.input_usd_per_mtok, "input_usd_per_mtok", s),
                "-" if cached is None else money(cached, "cached_input_usd_per_mtok", s),
                money(s.output_usd_per_mtok, "output_usd_per_mtok", s),
            )
        )

    def row(s: ModelSpec) -> list[str]:
        ft = s.fine_tuning
        prompted = ",".join(s.serving or ("serverless",))
        shutdown = str(s.shutdown_date or "-")
        if ft is None:
            return [
                s.name,
                s.provider or "-",
                prompt_prices(s),
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
            ("unpriced" if "dedicated" in tuned_modes else "no fee")
            if ft.hosting_usd_per_hour is None
            else "no fee"
            if ft.hosting_usd_per_hour == 0
            and s.range_of("fine_tuning.hosting_usd_per_hour") is None
            else money(ft.hosting_usd_per_hour, "fine_tuning.hosting_usd_per_hour", s)
        )
        if ft.shutdown_date is not None and ft.shutdown_date != s.shutdown_date:
            shutdown += f" (tuned {ft.shutdown_date})"
        return [
            s.name,
            s.provider or "-",
            prompt_prices(s),
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
        "prompt in/cached/out $/1M",
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
    if args.litellm is None:
        print(f"{len(specs)} models, as of {cat.as_of}{where}")
    else:
        left_out = [
            f"{n:,} {'with no mode' if mode == 'None' else mode}"
            for mode, n in sorted(cat.modes_left_out.items())
        ]
        print(f"{len(specs)} models{where} of the {cat.source}")
        print(
            f"left out: {', '.join(left_out) or 'no other modes'} (not chat); "
            f"{len(cat.skipped)} with a malformed figure; no entry has a fine-tuning offer "
            "(litellm has no training or hosting prices): recommend --catalog-litellm layers "
            "the shipped catalog over these"
        )
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return 0


def rules(_: argparse.Namespace) -> int:
    """``strategy-advisor rules``: the default rulebook, one rule a line."""
    from .._rules import default_rulebook

    for rule in default_rulebook().rules:
        target = rule.effect.strategy.value if rule.effect.strategy else "-"
        print(f"{rule.code:<38} {rule.effect.kind:<10} {target:<20} {rule.title}")
    return 0


def schema(_: argparse.Namespace) -> int:
    """Print the JSON Schema of a profile file as users write it."""
    print(json.dumps(profile_file_schema(), indent=2))
    return 0


def tokenizer(args: argparse.Namespace) -> int:
    """``strategy-advisor tokenizer fetch NAME...`` (the network, once) or ``status``."""
    from .._tokens import encodings

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
