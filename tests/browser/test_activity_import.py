"""The ESN import journey in a real browser: upload an export, watch the job's progress
update in place (htmx polling), then see the dashboard change."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.activity_exports import VivaExport, VivaMessage, VivaUser, write_zip
from tests.browser.test_journeys import log_in
from tests.personas import World
from trellis.activity.models import ImportJob, Space

pytestmark = pytest.mark.browser

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _export(folder: Path, year: int) -> Path:
    export = VivaExport(
        users=[
            VivaUser("1", "Lea", "leader@example.com"),
            VivaUser("2", "Ann", "member@example.com"),
        ],
        groups={"10": "Welding practice"},
    )
    moment = dt.datetime(year, 3, 2, 9, tzinfo=dt.UTC)
    export.messages = [
        VivaMessage("1", "10", "1", moment),
        VivaMessage("2", "10", "2", moment, thread="1"),
        VivaMessage("3", "10", "2", moment + dt.timedelta(days=31)),
    ]
    return write_zip(folder / "viva-export.zip", export.files())


def _welding_messages(page) -> str:  # type: ignore[no-untyped-def]
    page.goto("/dashboard/?rank_by=messages")
    row = page.locator("table.ranking tbody tr").filter(
        has=page.get_by_role("link", name="Welding", exact=True)
    )
    expect(row.first).to_be_visible()
    return row.first.locator("td").last.inner_text().strip()


def test_it_imports_an_upload_with_live_progress_and_the_dashboard_follows(
    world: World, new_page, settings, tmp_path: Path
):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_QUEUE
    year = timezone.localdate().year
    # The office mapped the Viva Engage group to the community earlier.
    Space.objects.create(
        source="viva-engage", external_id="10", name="Welding practice", community=world.welding
    )
    page = new_page(width=1280, height=900)
    log_in(page, "office")
    before = _welding_messages(page)
    assert before in {"0", "—"}

    page.goto("/programme/")
    page.get_by_role("link", name="Import ESN activity").first.click()
    page.get_by_role("link", name="Upload an export").click()
    page.get_by_label("Source").select_option(value="viva-engage")
    page.get_by_label("Export file").set_input_files(str(_export(tmp_path, year)))
    page.get_by_role("button", name="Upload and import").click()

    status = page.locator("#job-status")
    expect(status).to_contain_text("Waiting for a worker")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED

    # While the worker runs, hold back the page's polls (the test database is one SQLite
    # file shared by threads); once it is done, the next poll updates the page in place.
    pattern = re.compile(rf".*/activity/imports/{job.pk}/$")
    page.route(pattern, lambda route: route.abort())
    call_command("worker", batch=True, interval=0, verbosity=0)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    url_before = page.url
    page.unroute(pattern)
    expect(status).to_contain_text("Done", timeout=15_000)
    expect(status.locator(".tile").filter(has_text="Imported").locator(".figure")).to_have_text("3")
    assert page.url == url_before  # updated in place, not reloaded

    assert _welding_messages(page) == "3"
