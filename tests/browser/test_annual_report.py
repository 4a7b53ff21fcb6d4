"""The annual report journey in a real browser: the office asks for a report, watches the
page wait for a worker and update in place when it is done (htmx polling), and the PDF
link appears; a sponsor then finds it from the dashboard."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from trellis.reports.models import AnnualReport

pytestmark = pytest.mark.browser

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_the_office_prepares_a_report_and_a_sponsor_downloads_it(  # type: ignore[no-untyped-def]
    world: World, new_page, settings
):
    settings.TASKS = DATABASE_QUEUE
    year = timezone.localdate().year
    page = new_page(width=1280, height=900)
    log_in(page, "office")
    page.goto("/programme/")
    page.get_by_role("link", name="Annual programme report").first.click()
    page.get_by_label("Year").select_option(value=str(year))
    page.get_by_label("Language").select_option(value="fr")
    page.get_by_role("button", name="Prepare the report").click()

    reports = page.locator("#annual-reports")
    expect(reports).to_contain_text("Waiting for a worker")
    report = AnnualReport.objects.get()
    assert report.status == AnnualReport.Status.QUEUED

    # Hold back the page's polls while the worker writes (one SQLite file shared by
    # threads); once it is done, the next poll updates the list in place.
    pattern = re.compile(r".*/reports/annual/$")
    page.route(pattern, lambda route: route.abort())
    call_command("worker", batch=True, interval=0, verbosity=0)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.DONE
    url_before = page.url
    page.unroute(pattern)
    link = reports.get_by_role("link", name=f"PDF report {year}")
    expect(link).to_be_visible(timeout=15_000)
    assert page.url == url_before  # updated in place, not reloaded
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"trellis-annual-report-{year}-fr.pdf"

    sponsor = new_page(width=360, height=800)
    log_in(sponsor, "sponsor")
    sponsor.goto("/dashboard/")
    sponsor.get_by_role("link", name="Annual reports").click()
    expect(sponsor.get_by_role("link", name=f"PDF report {year}")).to_be_visible()
