"""Number formatting shared by rule messages, reasons and renderers."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["duration", "format_value", "percent", "percentile_name", "share", "usd"]


_SCALES = ((1e9, "B"), (1e6, "M"), (1e4, "k"))


def _abbreviated(a: float) -> str | None:
    """``1.23M``-style text for a non-negative number of at least 10,000, else None."""
    for limit, suffix in _SCALES:
        if a >= limit:
            divisor = 1e3 if suffix == "k" else limit
            return f"{a / divisor:.3g}{suffix}"
    return None


def usd(x: float | None) -> str:
    """``$8.1k``-style money; ``unpriced`` for None."""
    if x is None:
        return "unpriced"
    a = abs(x)
    sign = "-" if x < 0 else ""
    short = _abbreviated(a)
    if short is not None:
        return f"{sign}${short}"
    if a >= 100:
        return f"{sign}${a:,.0f}"
    if a >= 0.01 or a == 0:
        return f"{sign}${a:.2f}"
    return f"{sign}${a:.2g}"


def percent(share: float) -> str:
    """A share as a whole percent, rounded as its two-decimal form is (so a confidence of
    0.885, printed 0.89, reads 89%, never 88%).

    Examples
    --------
    >>> percent(0.885), percent(0.115), percent(1.0)
    ('89%', '12%', '100%')
    """
    return f"{100 * round(share, 2):.0f}%"


def share(x: float) -> str:
    """A share or probability in percent, whole unless rounding would claim all or none
    of what is not certain (99.5% stays 99.5%).

    Examples
    --------
    >>> share(0.42), share(0.9951), share(0.001), share(1.0)
    ('42%', '99.5%', '0.1%', '100%')
    """
    pct = 100 * x
    text = f"{pct:.0f}"
    if text in ("0", "100") and 0 < pct < 100:
        text = f"{math.floor(pct * 10) / 10:.1f}" if pct > 50 else f"{math.ceil(pct * 10) / 10:.1f}"
    return f"{text}%"


def percentile_name(q: float) -> str:
    """A percentile as a latency is named: ``median`` for 50, else ``p95``, ``p99.9``."""
    return "median" if q == 50 else f"p{q:g}"


def _count(x: float) -> str:
    short = _abbreviated(abs(x))
    if short is not None:
        return ("-" if x < 0 else "") + short
    a = abs(x)
    return f"{x:,.0f}" if a >= 10 or float(x).is_integer() else f"{x:.2g}"


def _years(years: float, sign: str = "") -> str:
    if years >= 100:
        return f"{sign}over 100 years"
    return f"{sign}{years:.0f} years"


def duration(months: float, days: float, horizon_months: float | None = None) -> str:
    """A payback time: "under a day", "N days" below two months, else "N.N months"; past
    the horizon (when given), "not within the N-month horizon".

    Examples
    --------
    >>> duration(3.25, 98.9), duration(478825.2, 14574243.0, 12.0)
    ('3.2 months', 'not within the 12-month horizon')
    """
    if horizon_months is not None and months > horizon_months:
        return f"not within the {horizon_months:g}-month horizon"
    if days < 1:
        return "under a day"
    if months >= 120:
        return _years(months / 12.0)
    if months >= 2:
        return f"{months:.1f} months"
    return f"{days:.0f} day" + ("" if round(days) == 1 else "s")


def format_value(value: Any, spec: str = "") -> str:
    """Format a rule input for a message: ``usd``, ``int``, ``tok``, ``shots`` (a count of
    demonstrations, singular for one), ``ms``, ``days``, ``ago`` (days from now; negative is
    past), ``months``, ``pct`` or a plain format spec.

    Examples
    --------
    >>> format_value(1.0, "shots"), format_value(4.0, "shots"), format_value(1200.0, "tok")
    ('1 demonstration', '4 demonstrations', '1,200 tokens')
    """
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if spec == "usd":
            return usd(float(value))
        if spec in ("int", "tok"):
            return _count(float(value)) + (" tokens" if spec == "tok" else "")
        if spec == "shots":
            return _count(float(value)) + (" demonstration" if value == 1 else " demonstrations")
        if spec == "ms":
            return f"{value:,.0f} ms"
        if spec == "days":
            if abs(value) >= 3652.5:  # ten years and more: in years
                return _years(abs(value) / 365.25, "-" if value < 0 else "")
            if abs(value) >= 10:
                return f"{value:,.0f} days"
            return f"{value:.2g} day" + ("" if value == 1 else "s")
        if spec == "ago":
            days = -float(value)
            if days < 1:
                return "today" if days > -1 else f"in {format_value(-days, 'days')}"
            return f"{format_value(days, 'days')} ago"
        if spec == "months":
            if abs(value) >= 120:
                return _years(abs(value) / 12.0, "-" if value < 0 else "")
            return f"{value:.1f} months"
        if spec == "pct":  # as every probability is written (99.9%, not 100%, if uncertain)
            return share(float(value))
        if spec:
            return format(value, spec)
        return _count(float(value))
    return format(str(value), spec) if spec else str(value)
