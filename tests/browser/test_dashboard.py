"""The dashboard in a real browser: charts drawn by the locally served vega bundle under
the page's CSP, the filters refreshing the figures through htmx, a screenshot to look at.

Set TRELLIS_SCREENSHOTS=DIR to keep the screenshots (default: pytest's temporary folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from tests.reports_data import build_programme

pytestmark = pytest.mark.browser


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico on its own; Trellis has none.
        if message.type == "error" and "favicon.ico" not in message.location.get("url", ""):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TRELLIS_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def expect_charts_drawn(page: Page) -> int:
    canvases = page.locator("#figures .chart-canvas")
    count = canvases.count()
    assert count >= 8
    expect(page.locator("#figures .chart-canvas.chart-drawn")).to_have_count(count, timeout=20_000)
    for i in range(count):
        expect(canvases.nth(i).locator("svg").first).to_be_visible()
    return count


def test_it_draws_the_dashboard_charts_and_refreshes_them_with_the_filters(
    world: World, new_page, tmp_path: Path
):  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    made = build_programme(year=year, size=24, name="Community of practice")
    page = new_page(width=1366, height=900)
    errors = watch_errors(page)
    log_in(page, "sponsor")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    expect_charts_drawn(page)
    page.screenshot(path=str(shots(tmp_path) / "dashboard.png"), full_page=True)
    page.screenshot(path=str(shots(tmp_path) / "dashboard-top.png"))

    # A filter refreshes the figures in place and the new charts are drawn too.
    assert made.unit is not None
    page.get_by_label("Business unit").select_option(label=made.unit.name)
    expect(page).to_have_url(re.compile(rf"business_unit={made.unit.pk}"))
    expect(
        page.get_by_role("heading", name=f"Figures for {year}: {made.unit.name}")
    ).to_be_visible()
    expect_charts_drawn(page)
    communities = page.locator(".tile").filter(has_text="communities").first
    expect(communities.locator(".figure")).to_have_text(str(len(made.in_unit())))

    # The numbers behind a chart are one click away.
    page.get_by_text("Show the numbers").first.click()
    expect(page.locator("details.chart-table[open] table").first).to_be_visible()

    csp = [e for e in errors if "Content Security Policy" in e or "unsafe-eval" in e]
    assert csp == [], csp
    assert errors == [], errors


def test_it_draws_a_community_scorecard_for_print(world: World, new_page, tmp_path: Path):  # type: ignore[no-untyped-def]
    made = build_programme(year=timezone.localdate().year, size=3)
    page = new_page(width=1100, height=900)
    errors = watch_errors(page)
    log_in(page, "member")
    page.goto(f"/communities/{made.communities[0].slug}/")
    page.get_by_role("link", name="Scorecard", exact=True).click()
    canvases = page.locator(".chart-canvas")
    expect(page.locator(".chart-canvas.chart-drawn")).to_have_count(canvases.count())
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".chart svg").first).to_be_visible()
    page.screenshot(path=str(shots(tmp_path) / "scorecard-print.png"), full_page=True)
    assert errors == [], errors
