"""Check that the break-even and the flip points mean what they say, on the examples and
on seeded random profiles.

For every profile in ``examples/`` (each ``*.json``, and each line of each ``*.jsonl``,
that validates as a ``TaskProfile``; a profile file with ``examples_file`` has its token
lengths counted by ``profile_from_examples``, estimating where the encoding is not cached,
as the CLI does) and for N random valid profiles (``random_profiles.py``, seed 0), take
``rec = recommend(profile)``, then:

- **break-even**: where ``rec.break_even_requests_per_month`` is not None, the
  recommendation at that volume (``what_if``) has both strategies' totals equal within
  0.5% of the larger (issue 15, item 3);
- **flip points**: for each of ``rec.flip_points``, the recommendation with that input 1%
  past the flip value, going away from the current value, is ``becomes`` (and, for a flip
  that makes a strategy feasible, that strategy is feasible there); 1% short of it (never
  past the current value: at most half-way back) it is still ``rec.strategy``. A count
  input is rounded away from the current value past the flip and towards it before it (a
  whole count short if that rounds back onto the flip value). A flip to 0 from above can
  go no further: it is checked at 0; nor can a flip at an input's own bound (1 task per
  deployment): it is checked at the bound. Where a side fails at 1%, the answer is looked
  at closer (at the value, and 0.01% past or short for a float input), to tell a window
  narrower than the probe (the answer changes again within 1%) from a flip value that is
  off. A flip point whose answer holds only up to ``until`` (a window) is checked past its
  value at most half-way to ``until`` (a window of one count: at the value), and at
  ``until`` the answer must be another than at the value.

Prints the counts and the first failures in full (profile as JSON, both totals, or the
flip point and the strategies found); a crash prints its traceback and profile. Exit
status 1 if anything failed or crashed.

    python benchmarks/check_consistency.py [--n 1000] [--seed 0] [--jobs 2]
        [--only break-even flips] [--show 5] [--save results.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from random_profiles import random_profiles

from strategy_advisor import (
    ParameterError,
    Strategy,
    TaskProfile,
    profile_from_examples,
    recommend,
    what_if,
)

TODAY = dt.date(2026, 11, 27)
ROOT = Path(__file__).resolve().parent.parent
#: Totals at the break-even agree within this share of the larger (issue 15).
BREAK_EVEN_TOLERANCE = 0.005
#: How far past (and short of) a flip value the answer is checked, relative to the value.
STEP = 0.01
#: Where a side fails at STEP, it is probed again this close to the flip value.
FINE = 0.0001
#: Inputs that are counts (a value is rounded to a whole count).
COUNTS = {"n_labeled_examples", "icl_shots", "adapters_per_deployment", "epochs"}


# ---------------------------------------------------------------------------- profiles


def _example_profile(data: dict[str, Any], base: Path) -> TaskProfile:
    """A profile file as the CLI reads it: with ``examples_file`` counted, estimating."""
    data = dict(data)
    examples = data.pop("examples_file", None)
    counting = data.pop("token_counting", None) or {}
    if examples is None:
        return TaskProfile.model_validate(data)
    counting = {**counting, "allow_estimate": True}
    return profile_from_examples(base / examples, progress=False, **counting, **data)


def example_profiles() -> tuple[list[tuple[str, Any]], list[str]]:
    """Every profile in examples/ (source, profile), and what was skipped and why."""
    found: list[tuple[str, Any]] = []
    skipped: list[str] = []
    folder = ROOT / "examples"
    items: list[tuple[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        items.append((str(path.relative_to(ROOT)), json.loads(path.read_text())))
    for path in sorted(folder.glob("*.jsonl")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                items.append((f"{path.relative_to(ROOT)}:{i}", json.loads(line)))
    for source, data in items:
        try:
            profile = _example_profile(data, folder)
        except Exception as exc:
            skipped.append(f"{source}: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
            continue
        found.append((source, profile))
    return found, skipped


def as_json(profile: Any) -> dict[str, Any]:
    if isinstance(profile, TaskProfile):
        return profile.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return dict(profile)


# ------------------------------------------------------------------------------ checks


def _relative(a: float, b: float) -> float:
    larger = max(abs(a), abs(b))
    return 0.0 if larger == 0 else abs(a - b) / larger


def check_break_even(profile: Any, rec: Any) -> dict[str, Any] | None:
    volume = rec.break_even_requests_per_month
    if volume is None:
        return None
    out: dict[str, Any] = {"break_even": volume, "current_volume": rec.profile.requests_per_month}
    try:
        at = what_if(profile, {"requests_per_month": volume}, today=TODAY)
    except Exception:
        out["error"] = traceback.format_exc()
        return out
    ft = at.costs[Strategy.FINE_TUNING].total_usd
    icl = at.costs[Strategy.IN_CONTEXT_LEARNING].total_usd
    out.update(ft_total_usd=ft, icl_total_usd=icl)
    if ft is None or icl is None:
        out["error"] = "a total is None at the break-even"
        return out
    out["relative_difference"] = _relative(ft, icl)
    out["ok"] = out["relative_difference"] <= BREAK_EVEN_TOLERANCE
    out["totals_at_current"] = (
        rec.costs[Strategy.FINE_TUNING].total_usd,
        rec.costs[Strategy.IN_CONTEXT_LEARNING].total_usd,
    )
    out["strategy_at_break_even"] = at.strategy.value
    return out


def _resolution(field: str) -> float:
    """The search's resolution near 0 for a float input (0 for an input it does not walk)."""
    from strategy_advisor._flips import resolution_at_zero
    from strategy_advisor._whatif import exploration_settings

    settings = exploration_settings()
    setting = next((f for f in settings.fields if f.path == field), None)
    return 0.0 if setting is None else resolution_at_zero(setting, settings.relative_precision)


def probe_values(
    field: str, current: float, value: float, until: float | None = None
) -> tuple[float, float, str]:
    """The value just past the flip, the value just short of it, and a note. Past a flip
    whose answer holds only up to ``until`` (a window), at most half-way there (a window of
    one count: at the value)."""
    direction = 1.0 if value > current else -1.0
    note = ""
    if current == 0 and field not in COUNTS and 0 < value <= _resolution(field):
        # any amount flips it: reported at the search's resolution, as "above 0"
        return value * (1 + STEP), 0.0, "flip from 0 at any amount: short checked at 0"
    if value == 0:
        past = 0.0
        note = "flip at 0: checked at 0"
    else:
        past = value * (1 + direction * STEP)
    short = value - direction * min(STEP * abs(value), 0.5 * abs(value - current))
    if value == 0 and field not in COUNTS and _resolution(field) > 0:
        # only none flips it: short of 0 is any amount, checked at the search's resolution
        short = -direction * _resolution(field)
    if abs(value - current) * 0.5 < STEP * abs(value):
        note = (note + "; " if note else "") + "flip within 2% of the current value"
    if field in COUNTS:
        past = math.ceil(past) if direction > 0 else math.floor(past)
        short = math.floor(short) if direction > 0 else math.ceil(short)
        if short == round(value) and short != current:
            short = round(value) - direction
        past, short = int(past), int(short)
    if until is not None and (past - until) * direction >= 0:
        past = _half_way(field, value, until)
        note = (note + "; " if note else "") + "a window: past checked half-way to its end"
    return past, short, note


def _half_way(field: str, value: float, until: float) -> float:
    """Half-way from a flip value to the end of its window (on the log scale for positive
    float values; a count rounded towards the value)."""
    if field in COUNTS:
        return int(value + math.trunc((until - value) / 2))
    if value > 0 and until > 0:
        return math.sqrt(value * until)
    return (value + until) / 2


def check_flip(profile: Any, rec: Any, flip: Any) -> dict[str, Any]:
    until = None if flip.until is None else float(flip.until)
    past, short, note = probe_values(flip.field, float(flip.current), float(flip.value), until)
    out: dict[str, Any] = {
        "field": flip.field,
        "current": flip.current,
        "value": flip.value,
        "becomes": flip.becomes.value,
        "makes_feasible": flip.makes_feasible.value if flip.makes_feasible else None,
        "kind": flip.kind,
        "strategy": rec.strategy.value,
        "past": past,
        "short": short,
        "until": flip.until,
        "note": note,
    }
    try:
        try:
            after = what_if(profile, {flip.field: past}, today=TODAY)
        except ParameterError:  # past the input's own bound (1 task per deployment): at it
            after = what_if(profile, {flip.field: flip.value}, today=TODAY)
            out["past"] = flip.value
            out["note"] = (note + "; " if note else "") + "past the input's bound: checked at it"
    except Exception as exc:
        out["past_error"] = f"{type(exc).__name__}: {exc}"
    else:
        out["past_strategy"] = after.strategy.value
        ok = after.strategy is flip.becomes
        if flip.makes_feasible is not None:
            out["past_feasible"] = bool(after.feasible[flip.makes_feasible])
            ok = ok and out["past_feasible"]
        out["past_ok"] = ok
    try:
        before = what_if(profile, {flip.field: short}, today=TODAY)
    except Exception as exc:
        out["short_error"] = f"{type(exc).__name__}: {exc}"
    else:
        out["short_strategy"] = before.strategy.value
        ok = before.strategy is rec.strategy
        if flip.makes_feasible is not None:
            out["short_feasible"] = bool(before.feasible[flip.makes_feasible])
            ok = ok and not out["short_feasible"]
        out["short_ok"] = ok
    if flip.until is not None:
        _window_end(profile, rec, flip, out)
    _closer(profile, rec, flip, out)
    return out


def _window_end(profile: Any, rec: Any, flip: Any, out: dict[str, Any]) -> None:
    """At the end of a flip's window (``until``) the answer is no longer the flip's: another
    strategy (where neither strategy is feasible as given, or another set of feasible
    strategies than at the flip value)."""

    def answer(r: Any) -> tuple[Any, ...]:
        if any(rec.feasible.values()):
            return (r.strategy,)
        return r.strategy, *(r.feasible[s] for s in Strategy)

    try:
        at = what_if(profile, {flip.field: flip.value}, today=TODAY)
        end = what_if(profile, {flip.field: flip.until}, today=TODAY)
    except Exception as exc:
        out["until_error"] = f"{type(exc).__name__}: {exc}"
        return
    out["until_strategy"] = end.strategy.value
    out["until_ok"] = answer(end) != answer(at)


def _closer(profile: Any, rec: Any, flip: Any, out: dict[str, Any]) -> None:
    """Where a side fails at 1%, a closer look: past the value, the answer at the value
    itself (``at_ok``) and, for a float input, 0.01% past it (``past_fine_ok``); short of
    it, 0.01% short (``short_fine_ok``). Holding closer means the answer changes again
    within 1% of the flip (a window narrower than the probe); failing there too means the
    flip value is off (or, short of it, an earlier change was not reported)."""
    direction = 1.0 if flip.value > flip.current else -1.0
    probes: list[tuple[str, Any, Strategy]] = []
    if out.get("past_ok") is False:
        probes.append(("at", flip.value, flip.becomes))
    floats = flip.field not in COUNTS and flip.value != 0
    if floats and out.get("past_ok") is False:
        probes.append(("past_fine", flip.value * (1 + direction * FINE), flip.becomes))
    if floats and out.get("short_ok") is False:
        probes.append(("short_fine", flip.value * (1 - direction * FINE), rec.strategy))
    for name, value, want in probes:
        try:
            there = what_if(profile, {flip.field: value}, today=TODAY)
        except Exception as exc:
            out[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
            continue
        out[name] = value
        out[f"{name}_strategy"] = there.strategy.value
        out[f"{name}_ok"] = there.strategy is want


def check_one(item: tuple[str, Any, bool, bool]) -> dict[str, Any]:
    """Both checks on one profile (run in a worker with ``--jobs``)."""
    source, profile, do_break_even, do_flips = item
    result: dict[str, Any] = {"source": source, "profile": as_json(profile)}
    try:
        rec = recommend(profile, today=TODAY)
    except Exception:
        result["crash"] = traceback.format_exc()
        return result
    result["strategy"] = rec.strategy.value
    if do_break_even:
        result["break_even"] = check_break_even(profile, rec)
        volume_flips = [f.value for f in rec.flip_points if f.field == "requests_per_month"]
        result["volume_flips"] = volume_flips
    if do_flips:
        result["flips"] = [check_flip(profile, rec, f) for f in rec.flip_points]
    return result


# ----------------------------------------------------------------------------- report


def _show(title: str, items: list[dict[str, Any]], most: int) -> None:
    if not items:
        return
    print(f"  first {min(most, len(items))} of {len(items)} {title}:")
    for item in items[:most]:
        print("    " + json.dumps(item, default=str))


def report(results: list[dict[str, Any]], label: str, most: int) -> int:
    crashes = [r for r in results if "crash" in r]
    print(f"== {label}: {len(results)} profiles, {len(crashes)} crashed ==")
    for r in crashes[:most]:
        print(f"  CRASH {r['source']}: {json.dumps(r['profile'])}\n{r['crash']}")
    failures = len(crashes)
    checked = [r for r in results if "crash" not in r]
    if any("break_even" in r for r in checked):
        with_be = [r for r in checked if r.get("break_even") is not None]
        errors = [r for r in with_be if "error" in r["break_even"]]
        passing = [r for r in with_be if r["break_even"].get("ok")]
        failing = [r for r in with_be if r["break_even"].get("ok") is False]
        worst = max((r["break_even"].get("relative_difference", 0) for r in with_be), default=0)
        differs = [
            r
            for r in with_be
            if r["volume_flips"]
            and all(_relative(v, r["break_even"]["break_even"]) > 0.01 for v in r["volume_flips"])
        ]
        print(
            f"break-even: {len(checked)} checked, {len(with_be)} with a break-even, "
            f"{len(passing)} passing, {len(failing)} failing (totals apart by more than "
            f"{100 * BREAK_EVEN_TOLERANCE:g}%), {len(errors)} errors; worst relative "
            f"difference {worst:.3g}"
        )
        print(
            f"  (for information: {len(differs)} with a volume flip point more than 1% from "
            "the break-even, where the quality term moves the decision's flip)"
        )
        _show(
            "failing (profile, break-even, totals there)",
            [
                {"source": r["source"], "profile": r["profile"], **r["break_even"]}
                for r in sorted(failing, key=lambda r: -r["break_even"]["relative_difference"])
            ],
            most,
        )
        _show(
            "errors",
            [{"source": r["source"], "profile": r["profile"], **r["break_even"]} for r in errors],
            most,
        )
        failures += len(failing) + len(errors)
    if any("flips" in r for r in checked):
        flips = [(r, f) for r in checked for f in r.get("flips", [])]
        with_any = sum(1 for r in checked if r.get("flips"))
        past_fail = [(r, f) for r, f in flips if f.get("past_ok") is False]
        short_fail = [(r, f) for r, f in flips if f.get("short_ok") is False]
        unapplied = [(r, f) for r, f in flips if "past_error" in f or "short_error" in f]
        both = sum(1 for _, f in flips if f.get("past_ok") and f.get("short_ok"))
        print(
            f"flip points: {len(checked)} profiles, {with_any} with flip points, {len(flips)} "
            f"flip points; {both} pass both sides; past the value: "
            f"{sum(1 for _, f in flips if f.get('past_ok'))} become the other answer, "
            f"{len(past_fail)} do not; short of it: "
            f"{sum(1 for _, f in flips if f.get('short_ok'))} keep the answer, "
            f"{len(short_fail)} do not; {len(unapplied)} could not be applied"
        )
        by_field: dict[str, list[int]] = {}
        for _, f in flips:
            counts = by_field.setdefault(f["field"], [0, 0, 0])
            counts[0] += 1
            counts[1] += f.get("past_ok") is False
            counts[2] += f.get("short_ok") is False
        print(
            "  by input (flip points / failing past / failing short): "
            + "; ".join(f"{k} {v[0]}/{v[1]}/{v[2]}" for k, v in sorted(by_field.items()))
        )
        window = [f for _, f in past_fail if f.get("at_ok") and f.get("past_fine_ok") is not False]
        print(
            f"  failing past: {len(window)} are the other answer at the value (and 0.01% past "
            f"it, for a float input) but not 1% past it: a window narrower than the probe; "
            f"{len(past_fail) - len(window)} are not the other answer at the value or just "
            "past it: the flip value is off"
        )
        window = [f for _, f in short_fail if f.get("short_fine_ok")]
        print(
            f"  failing short: {len(window)} keep the answer 0.01% short of the value but "
            "not 1% short (the other answer holds somewhere in that 1% too, unreported), "
            f"{len(short_fail) - len(window)} do not keep it 0.01% short (counts are not "
            "probed closer): the answer changed before the reported value"
        )
        windows = [(r, f) for r, f in flips if f.get("until") is not None]
        end_fail = [(r, f) for r, f in windows if f.get("until_ok") is not True]
        print(
            f"  windows: {len(windows)} flip points hold only up to `until` (past the value "
            "checked at most half-way there); at `until` "
            f"{len(windows) - len(end_fail)} are another answer, {len(end_fail)} are not"
        )
        shown = [{"source": r["source"], "profile": r["profile"], "flip": f} for r, f in past_fail]
        _show("failing past the value", shown, most)
        shown = [{"source": r["source"], "profile": r["profile"], "flip": f} for r, f in short_fail]
        _show("failing short of the value", shown, most)
        shown = [{"source": r["source"], "profile": r["profile"], "flip": f} for r, f in unapplied]
        _show("that could not be applied", shown, most)
        shown = [{"source": r["source"], "profile": r["profile"], "flip": f} for r, f in end_fail]
        _show("whose window does not end at `until`", shown, most)
        failures += len(past_fail) + len(short_fail) + len(unapplied) + len(end_fail)
    return failures


def run(items: list[tuple[str, Any, bool, bool]], jobs: int) -> list[dict[str, Any]]:
    if jobs == 1:
        return [check_one(i) for i in items]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(check_one, items, chunksize=8))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="random profiles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--show", type=int, default=5, help="failures shown per kind")
    parser.add_argument("--save", type=Path, default=None, help="write every result (JSONL)")
    parser.add_argument(
        "--only", nargs="+", choices=("break-even", "flips"), default=("break-even", "flips")
    )
    args = parser.parse_args()
    be, fl = "break-even" in args.only, "flips" in args.only
    start = time.perf_counter()
    examples, skipped = example_profiles()
    results = run([(s, p, be, fl) for s, p in examples], 1)
    failures = report(results, "examples/", args.show)
    if skipped:
        print(f"  not profiles, skipped: {len(skipped)} ({skipped[0]}, ...)")
    randoms = random_profiles(args.n, args.seed)
    items = [(f"random #{i} (seed {args.seed})", p, be, fl) for i, p in enumerate(randoms)]
    results += run(items, args.jobs)
    failures += report(results[len(examples) :], f"{args.n} random profiles", args.show)
    if args.save is not None:
        with args.save.open("w") as out:
            for r in results:
                out.write(json.dumps(r, default=str) + "\n")
    print(f"took {time.perf_counter() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
