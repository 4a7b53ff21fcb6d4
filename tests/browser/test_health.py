"""Health and maturity in a real browser: the leader's questionnaire by keyboard and mouse,
and the maturity radar drawn by the local vega bundle under the page's CSP."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import shots, watch_errors
from tests.browser.test_journeys import log_in
from tests.personas import World
from trellis.health.models import HealthSnapshot, MaturityAssessment, Pillar, PillarScore
from trellis.health.questionnaire import CAUSES

pytestmark = pytest.mark.browser


def test_a_leader_fills_in_the_health_questionnaire(world: World, new_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page: Page = new_page(width=360, height=800)  # a phone
    errors = watch_errors(page)
    log_in(page, "leader")
    page.goto("/communities/welding/")
    page.get_by_role("link", name="Health", exact=True).click()
    page.get_by_role("link", name="Fill in the health questionnaire").click()
    for cause in CAUSES:
        group = page.get_by_role("group", name=str(cause.question))
        answer = "A serious problem" if cause.key == "leader_time" else "Not a problem"
        group.get_by_label(answer).check()
    page.get_by_label("Comment").fill("Two leaders left this year.")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_text("Thank you: the health check is recorded.")).to_be_visible()
    expect(page.get_by_text("At risk").first).to_be_visible()
    expect(page.get_by_text("The leader lacks time for the community.").first).to_be_visible()
    assert HealthSnapshot.objects.get(community=world.welding).status == "red"
    page.screenshot(path=str(shots(tmp_path) / "health-community-360.png"), full_page=True)
    assert errors == []


def test_the_office_reads_the_maturity_radar(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    for year, level in ((2025, 1), (2026, 3)):
        assessment = MaturityAssessment.objects.create(year=year)
        for pillar in Pillar.values:
            PillarScore.objects.create(assessment=assessment, pillar=pillar, level=level)
    page: Page = new_page()
    errors = watch_errors(page)
    log_in(page, "office")
    page.goto("/programme/")
    page.get_by_role("link", name="Programme maturity diagnostic").click()
    expect(page.locator(".chart-canvas.chart-drawn")).to_have_count(1, timeout=20_000)
    expect(page.locator(".chart-canvas svg").first).to_be_visible()
    page.get_by_role("link", name="2026", exact=True).click()
    expect(page.get_by_text("Up from level 1 in 2025.").first).to_be_visible()
    expect(page.locator(".chart-canvas.chart-drawn")).to_have_count(1, timeout=20_000)
    assert errors == []
