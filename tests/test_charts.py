"""SVG charts: pure, deterministic, escaped, well-formed, and placed where the numbers say."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from strategy_advisor._charts import Axis, Bar, Marker, Series, _ticks, line_chart, tornado_chart

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert('x')</script> & \"quoted\""


def _line(**kw: object) -> str:
    args: dict[str, object] = dict(
        series=[Series("a", (1.0, 10.0, 100.0), (1.0, 10.0, 100.0), "#000000")],
        title="t",
        x=Axis("x", log=True, lo=1.0, hi=100.0),
        y=Axis("y", log=True, lo=1.0, hi=100.0),
    )
    args.update(kw)
    return line_chart(**args)  # type: ignore[arg-type]


def _points(svg: str, tag: str = "polyline") -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    el = next(root.iter(SVG + tag))
    return [(float(a), float(b)) for a, b in (p.split(",") for p in el.get("points", "").split())]


def test_a_chart_is_well_formed_svg_with_a_title_and_no_script_id_or_link() -> None:
    svg = _line(markers=[Marker(10.0, "today")], desc="three points")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == SVG + "svg"
    assert root.find(SVG + "title") is not None and root.find(SVG + "desc") is not None
    assert root.get("role") == "img" and root.get("aria-label") == "t"
    for forbidden in ("<script", " id=", "href", "url(", "http://www.w3.org/1999"):
        assert forbidden not in svg
    assert svg.count("http") == 1  # the SVG namespace only


def test_same_numbers_same_bytes() -> None:
    assert _line() == _line()
    bars = [Bar("a", -1.0, 2.0, "lo", "hi"), Bar("b", 0.5, 0.25, "lo", "hi")]
    one = tornado_chart(bars, title="t", x_label="s", center=0.3, center_label="c")
    assert one == tornado_chart(bars, title="t", x_label="s", center=0.3, center_label="c")


def test_every_text_is_escaped() -> None:
    svg = _line(
        series=[Series(EVIL, (1.0, 100.0), (1.0, 100.0), "#000", dots=True, notes=(EVIL, ""))],
        title=EVIL,
        markers=[Marker(10.0, EVIL)],
        desc=EVIL,
    )
    assert "<script" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)
    tornado = tornado_chart(
        [Bar(EVIL, 0.0, 1.0, EVIL, EVIL)],
        title=EVIL,
        x_label=EVIL,
        center=0.5,
        center_label=EVIL,
        left_label=EVIL,
        right_label=EVIL,
        desc=EVIL,
    )
    assert "<script" not in tornado
    ET.fromstring(tornado)


def test_log_axes_place_a_decade_at_equal_steps() -> None:
    # 600 wide, 66 left and 18 right margin: the plot spans x = 66..582, so 10 of [1, 100]
    # sits at the middle, 324.0
    (x0, y0), (x1, y1), (x2, y2) = _points(_line())
    assert (x0, x1, x2) == (66.0, 324.0, 582.0)
    assert y0 > y1 > y2 and abs((y0 - y1) - (y1 - y2)) < 0.11


def test_linear_axes_and_a_band_around_the_line() -> None:
    s = Series("a", (0.0, 1.0), (0.5, 0.5), "#000", low=(0.0, 0.25), high=(1.0, 0.75))
    unit = Axis("u", lo=0.0, hi=1.0)
    svg = _line(series=[s], x=unit, y=unit)
    (_, ya), (_, yb) = _points(svg)
    assert ya == yb  # a flat line
    band = _points(svg, "polygon")
    assert len(band) == 4
    # high at x=0 is the plot's top, low at x=0 its bottom, the line half-way between
    top, bottom = band[0][1], band[3][1]
    assert abs(ya - (top + bottom) / 2) < 0.06


def test_ticks_are_decades_or_nice_steps() -> None:
    assert _ticks(1.0, 1e4, True) == [1.0, 10.0, 100.0, 1000.0, 10000.0]
    assert _ticks(10.0, 100.0, True) == [10.0, 20.0, 50.0, 100.0]
    assert _ticks(0.0, 1.0, False) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert _ticks(-2.2, 3.1, False) == [-2.0, 0.0, 2.0]
    assert _ticks(-0.9, 2.4, False) == [0.0, 1.0, 2.0]
    assert len(_ticks(1e-3, 1e13, True)) <= 9  # every second or third decade when many


def test_markers_outside_the_axis_are_left_out() -> None:
    svg = _line(markers=[Marker(1e6, "far away"), Marker(10.0, "inside")])
    assert "inside" in svg and "far away" not in svg


def test_tornado_colours_each_side_of_the_split_and_marks_the_center() -> None:
    svg = tornado_chart(
        [Bar("price", -1.0, 2.0, "cheap", "dear")],
        title="t",
        x_label="score",
        center=0.5,
        center_label="as given",
        left_color="#aa0000",
        right_color="#0000aa",
    )
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(SVG + "rect") if r.get("class") == "sa-bar"]
    assert [b.get("fill") for b in bars] == ["#aa0000", "#0000aa"]
    left, right = (float(b.get("width", "0")) for b in bars)
    assert abs(right / left - 2.0) < 0.01  # -1..0 and 0..2
    assert float(bars[0].get("x", "0")) + left == float(bars[1].get("x", "0"))
    assert "as given" in svg and "cheap" in svg and "dear" in svg


def test_tornado_of_a_bar_that_does_not_move_still_shows_it() -> None:
    svg = tornado_chart(
        [Bar("epochs", 0.3, 0.3, "1", "3")],
        title="t",
        x_label="s",
        center=0.3,
        center_label="c",
    )
    assert len(re.findall(r"class=\"sa-bar\"", svg)) == 1
    ET.fromstring(svg)


def test_long_labels_wrap_whole_not_cut_or_overflowing() -> None:
    # "30% busy, dear GPU price" was cut to "30% busy, dear GP…" (issue 16.8): a label wraps
    # between words onto lines that fit the label column, every word kept
    label = ("an input with a very long name " * 4).strip()
    end = "the dear end of a long range, $8/h per replica"
    svg = tornado_chart(
        [Bar(label, 0.0, 1.0, "x", end)], title="t", x_label="s", center=0.0, center_label="c"
    )
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = ["".join(t.itertext()) for t in root.iter(f"{ns}text")]
    assert "…" not in svg
    spans = [t for t in root.iter(f"{ns}text") if len(list(t)) > 1]
    lines = [[s.text or "" for s in t] for t in spans]
    assert [" ".join(x) for x in lines if x[0].startswith("an input")] == [label]
    assert any(" ".join(x) == end for x in lines) or end in texts
    width = 600 * 0.34  # the label column is at most a third of the chart
    assert all(len(x) * 0.56 * 11 <= width for x in lines[0])
