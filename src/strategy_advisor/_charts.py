"""Presentation stage, charts: numbers in, one inline SVG string out (pure, escaped, no matplotlib).

Every chart is a function of its arguments only: the same numbers give the same bytes
(coordinates are written with one decimal), every text is escaped, and the SVG carries no
script, no id and no external reference, so several charts can sit in one page or notebook.
The Display objects (``_displays``) compute the numbers; their ``plot()`` draws the same
charts with matplotlib.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._escape import printable

__all__ = [
    "FT_COLOR",
    "ICL_COLOR",
    "Axis",
    "Bar",
    "Marker",
    "Series",
    "line_chart",
    "tornado_chart",
]

FT_COLOR = "#1f77b4"  # matplotlib's tab:blue, which the Display objects' plot() uses too
ICL_COLOR = "#ff7f0e"  # tab:orange
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#e6e6e6"
FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
_FONT_PX = 11
_CHAR_PX = 0.56 * _FONT_PX  # average advance of a sans-serif character, for layout only


def _plain(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Axis:
    """One axis: its label, log or linear scale, optional fixed ends, tick formatter."""

    label: str
    log: bool = False
    lo: float | None = None
    hi: float | None = None
    fmt: Callable[[float], str] = _plain


@dataclass(frozen=True)
class Series:
    """A line through ``(xs, ys)``; ``low``/``high`` shade a band around it."""

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    color: str
    low: tuple[float, ...] | None = None
    high: tuple[float, ...] | None = None
    dashed: bool = False
    dots: bool = False
    notes: tuple[str, ...] | None = None  # a short text beside each point


@dataclass(frozen=True)
class Marker:
    """A labelled vertical line at ``x`` (today's volume, a break-even)."""

    x: float
    label: str
    color: str = INK


@dataclass(frozen=True)
class Bar:
    """One tornado row: an input moved to its two ends, the outcome at each."""

    label: str
    low: float
    high: float
    low_text: str
    high_text: str


# ------------------------------------------------------------------------------ helpers


def _e(text: str) -> str:
    """SVG text: control characters written as escapes (a model name is the caller's),
    then ``& < > " '`` escaped."""
    return html.escape(printable(text), quote=True)


def _n(v: float) -> str:
    """A coordinate, one decimal, never ``-0.0``."""
    out = f"{v:.1f}"
    return "0.0" if out == "-0.0" else out


def _text_px(text: str) -> float:
    return len(text) * _CHAR_PX


def _wrap(text: str, px: float) -> list[str]:
    """``text`` in lines at most ``px`` wide, broken between words (never cut: a word wider
    than ``px`` keeps a line of its own).

    Examples
    --------
    >>> _wrap("30% busy, dear GPU price", 80.0)
    ['30% busy,', 'dear GPU', 'price']
    """
    most = max(int(px / _CHAR_PX), 4)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _text_lines(
    x: float, y_mid: float, lines: list[str], *, anchor: str = "start", fill: str = INK,
    size: int | None = None,
) -> str:  # fmt: skip
    """Lines of text centred vertically on ``y_mid``."""
    step = float(size or _FONT_PX) + 2.0
    y0 = y_mid + 4 - step * (len(lines) - 1) / 2
    font = f' font-size="{size}"' if size is not None else ""
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(y0 + i * step)}">{_e(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}" fill="{fill}"{font}>{spans}</text>'


def _open(width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sa-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        f'font-family="{_e(FONT)}" font-size="{_FONT_PX}" '
        'style="max-width:100%;height:auto;background:#fff">',
        f"<title>{_e(title)}</title>",
        *([f"<desc>{_e(desc)}</desc>"] if desc else []),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="600" fill="{INK}">{_e(title)}</text>',
    ]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = INK,
    size: int | None = None,
    extra: str = "",
) -> str:
    font = f' font-size="{size}"' if size is not None else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{font}{extra}>'
        f"{_e(text)}</text>"
    )


class _Scale:
    """Data to pixels along one axis (log10 or linear)."""

    def __init__(self, lo: float, hi: float, p0: float, p1: float, log: bool) -> None:
        self.log = log
        self.lo, self.hi = lo, hi
        self.t0, self.t1 = self._t(lo), self._t(hi)
        self.p0, self.p1 = p0, p1

    def _t(self, v: float) -> float:
        return math.log10(max(v, self.lo)) if self.log else v

    def __call__(self, v: float) -> float:
        v = min(max(v, self.lo), self.hi)
        return self.p0 + (self._t(v) - self.t0) / (self.t1 - self.t0) * (self.p1 - self.p0)


def _log_range(values: Sequence[float]) -> tuple[float, float]:
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    if not positive:
        return 1.0, 10.0
    lo = 10.0 ** math.floor(math.log10(min(positive)))
    hi = 10.0 ** math.ceil(math.log10(max(positive)))
    return (lo, hi * 10.0) if hi <= lo else (lo, hi)


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * mag:
            return m * mag
    return 10.0 * mag  # pragma: no cover - the loop ends at 10


def _linear_range(values: Sequence[float], pad: float = 0.06) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi - lo <= 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    span = hi - lo
    return lo - pad * span, hi + pad * span


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        k0, k1 = round(math.log10(lo)), round(math.log10(hi))
        decades = k1 - k0
        every = 1 if decades <= 7 else 2 if decades <= 14 else 3
        ticks = [10.0**k for k in range(k0, k1 + 1, every)]
        if decades == 1:
            ticks = sorted({*ticks, 2 * 10.0**k0, 5 * 10.0**k0})
        return ticks
    step = _nice_step(hi - lo, 5)
    first = math.ceil(lo / step - 1e-9)
    out = []
    k = first
    while k * step <= hi + 1e-9 * step:
        out.append(round(k * step, 12) + 0.0)
        k += 1
    return out


def _legend_places(labels: Sequence[str], width: float) -> list[tuple[float, int]]:
    """Where each legend entry goes: (x offset, row), wrapping at ``width``."""
    out: list[tuple[float, int]] = []
    cx, row = 0.0, 0
    for label in labels:
        w = 26 + _text_px(label) + 16
        if cx > 0 and cx + w > width:
            cx, row = 0.0, row + 1
        out.append((cx, row))
        cx += w
    return out


def _legend(
    items: Sequence[tuple[str, str, bool, bool]], x: float, y: float, width: float
) -> list[str]:
    """Swatches (a line; a shaded box behind it for a band) and labels in rows from
    (x, y), wrapping at ``width``."""
    out: list[str] = []
    places = _legend_places([label for label, *_ in items], width)
    for (label, color, dashed, band), (dx, row) in zip(items, places, strict=True):
        cx, cy = x + dx, y + 16 * row
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        if band:
            out.append(
                f'<rect x="{_n(cx)}" y="{_n(cy - 10)}" width="20" height="12" fill="{color}" '
                'fill-opacity="0.16"/>'
            )
        out.append(
            f'<line x1="{_n(cx)}" y1="{_n(cy - 4)}" x2="{_n(cx + 20)}" y2="{_n(cy - 4)}" '
            f'stroke="{color}" stroke-width="2.5"{dash}/>'
        )
        out.append(_text(cx + 26, cy, label))
    return out


# --------------------------------------------------------------------------- line chart


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x: Axis,
    y: Axis,
    markers: Sequence[Marker] = (),
    desc: str = "",
    width: int = 600,
    height: int = 330,
) -> str:
    """Lines (with optional shaded bands, dots and notes) and vertical markers, as SVG.

    Examples
    --------
    >>> svg = line_chart([Series("a", (1.0, 10.0), (2.0, 20.0), "#000")], title="t",
    ...                  x=Axis("x", log=True), y=Axis("y", log=True))
    >>> svg.startswith("<svg") and svg.endswith("</svg>")
    True
    """
    left, right, top = 66.0, 18.0, 32.0
    places = _legend_places([s.label for s in series], width - left - right)
    legend_rows = 1 + max((row for _, row in places), default=0)
    bottom = 44.0 + 16.0 * legend_rows
    pw, ph = width - left - right, height - top - bottom
    every_y = [v for s in series for arr in (s.ys, s.low or (), s.high or ()) for v in arr]
    every_x = [v for s in series for v in s.xs] + [m.x for m in markers]
    xlo, xhi = (
        (x.lo, x.hi)
        if x.lo is not None and x.hi is not None
        else (_log_range(every_x) if x.log else _linear_range(every_x))
    )
    ylo, yhi = (
        (y.lo, y.hi)
        if y.lo is not None and y.hi is not None
        else (_log_range(every_y) if y.log else _linear_range(every_y))
    )
    sx = _Scale(xlo, xhi, left, left + pw, x.log)
    sy = _Scale(ylo, yhi, top + ph, top, y.log)
    out = _open(width, height, title, desc)
    # grid and ticks
    for t in _ticks(ylo, yhi, y.log):
        if ylo - 1e-12 <= t <= yhi + 1e-12:
            py = sy(t)
            out.append(
                f'<line x1="{_n(left)}" y1="{_n(py)}" x2="{_n(left + pw)}" y2="{_n(py)}" '
                f'stroke="{GRID}"/>'
            )
            out.append(_text(left - 6, py + 4, y.fmt(t), anchor="end", fill=MUTED))
    for t in _ticks(xlo, xhi, x.log):
        if xlo - 1e-12 <= t <= xhi + 1e-12:
            px = sx(t)
            out.append(
                f'<line x1="{_n(px)}" y1="{_n(top)}" x2="{_n(px)}" y2="{_n(top + ph)}" '
                f'stroke="{GRID}"/>'
            )
            out.append(_text(px, top + ph + 15, x.fmt(t), anchor="middle", fill=MUTED))
    out.append(
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(pw)}" height="{_n(ph)}" fill="none" '
        f'stroke="{MUTED}"/>'
    )
    out.append(_text(left + pw / 2, top + ph + 31, x.label, anchor="middle"))
    out.append(
        _text(
            14,
            top + ph / 2,
            y.label,
            anchor="middle",
            extra=f' transform="rotate(-90 14 {_n(top + ph / 2)})"',
        )
    )
    # bands first, lines over them
    for s in series:
        if s.low is not None and s.high is not None:
            upper = [f"{_n(sx(a))},{_n(sy(b))}" for a, b in zip(s.xs, s.high, strict=True)]
            lower = [f"{_n(sx(a))},{_n(sy(b))}" for a, b in zip(s.xs, s.low, strict=True)]
            points = " ".join(upper + lower[::-1])
            out.append(
                f'<polygon class="sa-band" points="{points}" fill="{s.color}" '
                'fill-opacity="0.16" stroke="none"/>'
            )
    for s in series:
        points = " ".join(f"{_n(sx(a))},{_n(sy(b))}" for a, b in zip(s.xs, s.ys, strict=True))
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(
            f'<polyline class="sa-line" points="{points}" fill="none" stroke="{s.color}" '
            f'stroke-width="2.2"{dash}/>'
        )
        if s.dots:
            for i, (a, b) in enumerate(zip(s.xs, s.ys, strict=True)):
                out.append(f'<circle cx="{_n(sx(a))}" cy="{_n(sy(b))}" r="3.5" fill="{s.color}"/>')
                if s.notes is not None and s.notes[i]:
                    out.append(_text(sx(a) + 6, sy(b) - 6, s.notes[i], fill=MUTED, size=10))
    # markers, labels stacked from the top of the plot
    for i, m in enumerate(markers):
        if not xlo <= m.x <= xhi:
            continue
        px = sx(m.x)
        out.append(
            f'<line class="sa-marker" x1="{_n(px)}" y1="{_n(top)}" x2="{_n(px)}" '
            f'y2="{_n(top + ph)}" stroke="{m.color}" stroke-width="1.2" stroke-dasharray="3 3"/>'
        )
        ty = top + 13 + 14 * i
        fits_right = px + 4 + _text_px(m.label) <= left + pw
        out.append(
            _text(
                px + 4 if fits_right else px - 4,
                ty,
                m.label,
                anchor="start" if fits_right else "end",
                fill=m.color,
            )
        )
    items = [(s.label, s.color, s.dashed, s.low is not None) for s in series]
    out += _legend(items, left, height - 10 - 16 * (legend_rows - 1), pw)
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------------------ tornado


def tornado_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    x_label: str,
    center: float,
    center_label: str,
    split: float = 0.0,
    left_label: str = "",
    right_label: str = "",
    left_color: str = ICL_COLOR,
    right_color: str = FT_COLOR,
    fmt: Callable[[float], str] = _plain,
    desc: str = "",
    width: int = 600,
) -> str:
    """A tornado: each bar spans the outcome at an input's two ends; the part of a bar
    left of ``split`` is drawn in ``left_color``, the part right of it in ``right_color``.
    A dashed line marks ``center`` (the outcome as given), a solid one ``split``.

    Examples
    --------
    >>> svg = tornado_chart([Bar("price", -1.0, 2.0, "cheap", "dear")], title="t",
    ...                     x_label="score", center=0.5, center_label="as given")
    >>> svg.count("<rect") > 1
    True
    """
    top = 34.0
    longest = max((_text_px(b.label) for b in bars), default=40.0)
    left = min(max(longest + 14.0, 90.0), 0.34 * width)
    right = 10.0
    pw = width - left - right
    room = 0.3 * pw  # at most this much for the text beside a bar's end (wrapped beyond)

    def side_texts(b: Bar) -> tuple[str, str]:
        return (b.low_text, b.high_text) if b.low <= b.high else (b.high_text, b.low_text)

    labels = [_wrap(b.label, left - 12) for b in bars]
    sides = [tuple(_wrap(t, room) for t in side_texts(b)) for b in bars]
    most_lines = max([len(x) for x in labels] + [len(x) for s in sides for x in s] + [1])
    row_h = max(26.0, 13.0 * most_lines + 10.0)
    bottom = 62.0
    height = int(top + row_h * max(len(bars), 1) + bottom)

    def widest(lines: list[str]) -> float:
        return max(_text_px(line) for line in lines)

    pad_left = min(max((widest(s[0]) for s in sides), default=0.0), room) + 8
    pad_right = min(max((widest(s[1]) for s in sides), default=0.0), room) + 8
    ends = [v for b in bars for v in (b.low, b.high)] + [center, split]
    lo, hi = _linear_range(ends, pad=0.02)
    inner = pw - pad_left - pad_right
    per_px = (hi - lo) / inner
    lo, hi = lo - pad_left * per_px, hi + pad_right * per_px
    sx = _Scale(lo, hi, left, left + pw, False)
    out = _open(width, height, title, desc)
    plot_bottom = top + row_h * max(len(bars), 1)
    for t in _ticks(lo + pad_left * per_px, hi - pad_right * per_px, False):
        px = sx(t)
        out.append(
            f'<line x1="{_n(px)}" y1="{_n(top)}" x2="{_n(px)}" y2="{_n(plot_bottom)}" '
            f'stroke="{GRID}"/>'
        )
        out.append(_text(px, plot_bottom + 14, fmt(t), anchor="middle", fill=MUTED))
    for i, b in enumerate(bars):
        y0 = top + i * row_h + 5
        h = row_h - 10
        a, z = min(b.low, b.high), max(b.low, b.high)
        out.append(_text_lines(left - 8, y0 + h / 2, labels[i], anchor="end"))
        pieces = ((a, min(z, split), left_color), (max(a, split), z, right_color))
        for p0, p1, color in pieces:
            if p1 > p0:
                out.append(
                    f'<rect class="sa-bar" x="{_n(sx(p0))}" y="{_n(y0)}" '
                    f'width="{_n(max(sx(p1) - sx(p0), 0.8))}" height="{_n(h)}" '
                    f'fill="{color}" fill-opacity="0.85"/>'
                )
        if z - a <= 0:
            out.append(
                f'<rect class="sa-bar" x="{_n(sx(a) - 0.5)}" y="{_n(y0)}" width="1.0" '
                f'height="{_n(h)}" fill="{MUTED}"/>'
            )
        left_lines, right_lines = sides[i]
        out.append(
            _text_lines(sx(a) - 4, y0 + h / 2, left_lines, anchor="end", fill=MUTED, size=10)
        )
        out.append(_text_lines(sx(z) + 4, y0 + h / 2, right_lines, fill=MUTED, size=10))
    sp = sx(split)
    out.append(
        f'<line x1="{_n(sp)}" y1="{_n(top - 4)}" x2="{_n(sp)}" y2="{_n(plot_bottom)}" '
        f'stroke="{INK}" stroke-width="1.2"/>'
    )
    cp = sx(center)
    out.append(
        f'<line class="sa-marker" x1="{_n(cp)}" y1="{_n(top - 4)}" x2="{_n(cp)}" '
        f'y2="{_n(plot_bottom)}" stroke="{INK}" stroke-width="1.2" stroke-dasharray="3 3"/>'
    )
    fits_right = cp + 4 + _text_px(center_label) <= left + pw
    out.append(
        _text(
            cp + 4 if fits_right else cp - 4,
            top - 6,
            center_label,
            anchor="start" if fits_right else "end",
            size=10,
        )
    )
    out.append(_text(left + pw / 2, plot_bottom + 30, x_label, anchor="middle"))
    if left_label:
        out.append(
            _text(sp - 6, plot_bottom + 46, "← " + left_label, anchor="end", fill=left_color)
        )
    if right_label:
        out.append(_text(sp + 6, plot_bottom + 46, right_label + " →", fill=right_color))
    out.append("</svg>")
    return "".join(out)
