"""The HTML report in a real browser: headless Chromium through Playwright.

The page must render with no console error, load nothing but itself, and show its two
charts. The browser is the system's Chromium (Debian's ``chromium`` at /usr/bin/chromium,
or ``$CHROMIUM``, or any Chromium on the PATH, or one Playwright installed); the test skips,
saying so, only where no browser can be found. ``UPDATE_SCREENSHOT=1`` rewrites
``docs/img/report.png`` from the same page.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import strategy_advisor as sa

from .helpers import TODAY

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "img" / "report.png"
EXAMPLE = ROOT / "examples" / "contract_extraction.json"

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed: pip install 'strategy_advisor[test]'",
)


def _chromium() -> str | None:
    """A Chromium executable: $CHROMIUM, the Debian package, the PATH, or Playwright's own."""
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="module")
def browser() -> Any:
    executable = _chromium()
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(
                executable_path=executable,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
        except Exception as exc:  # no browser found or it cannot start here
            pytest.skip(
                "no Chromium to run the report in (apt-get install -y chromium, or set "
                f"$CHROMIUM to a Chromium executable): {str(exc).splitlines()[0]}"
            )
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = sa.recommend(json.loads(EXAMPLE.read_text(encoding="utf-8")), today=TODAY)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(rec.to_html(), encoding="utf-8")
    return path


def test_the_report_renders_with_no_console_error_and_loads_nothing_else(
    browser: Any, report: Path
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri(), wait_until="load")
    assert problems == []
    assert requests == [report.as_uri()]  # no script, font, image or stylesheet fetched
    assert page.title().startswith("Fine-tune or prompt? Recommendation:")
    for section in (
        "Verdict",
        "Costs over 12 months",
        "Cost against volume",
        "Reasons",
        "What would change the answer",
        "Sensitivity",
        "Every cost line",
        "Rule trace",
        "Assumptions",
        "Sources",
    ):
        assert page.get_by_role("heading", name=section).is_visible(), section
    page.close()


def test_the_charts_are_visible_and_drawn(browser: Any, report: Path) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(report.as_uri(), wait_until="load")
    charts = page.locator("svg.sa-chart")
    assert charts.count() == 2
    for i in range(2):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 200
    # the cost chart: two lines, two bands and the two markers; the tornado: its bars
    cost, tornado = charts.nth(0), charts.nth(1)
    assert cost.locator("polyline.sa-line").count() == 2
    assert cost.locator("polygon.sa-band").count() == 2
    assert cost.locator("line.sa-marker").count() == 2
    line_box = cost.locator("polyline.sa-line").first.bounding_box()
    assert line_box is not None and line_box["width"] > 300
    assert tornado.locator("rect.sa-bar").count() >= 3
    if os.environ.get("UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1000, "height": 1500})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOT), full_page=False)
    page.close()


def test_the_page_prints(browser: Any, report: Path) -> None:
    page = browser.new_page()
    page.goto(report.as_uri(), wait_until="load")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
