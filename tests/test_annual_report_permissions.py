"""Who may request, watch, retry and download annual reports (quality promise 2).

- `annual_reports` (GET): the programme office and the other dashboard readers (sponsors,
  leaders, co-leaders); POST (request a report): the office only.
- `annual_report_pdf`, `annual_report_xlsx`: dashboard readers, for a finished report; a
  report not finished, or unknown, is a 404.
- `annual_report_retry` (POST): the office only.
Anonymous visitors go to the login page; a denied write changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.reports.models import AnnualReport

URLS_COVERED = ["annual_reports", "annual_report_pdf", "annual_report_xlsx", "annual_report_retry"]

PERSONAS = [
    "anonymous",
    "outsider",
    "member",
    "core",
    "leader",
    "sponsor",
    "other_leader",
    "office",
]
READERS = {"office", "sponsor", "leader", "other_leader"}
YEAR = timezone.localdate().year


def done_report() -> AnnualReport:
    return AnnualReport.objects.create(
        year=YEAR, language="en", status="done", pdf=b"%PDF-1.7 test", xlsx=b"PK test", pages=1
    )


def check(response, persona: str, allowed: set[str], ok: int = 200) -> None:  # type: ignore[no-untyped-def]
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona in allowed:
        assert response.status_code == ok
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_reports_page_is_for_dashboard_readers(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    before = db_fingerprint()
    check(client.get(reverse("annual_reports")), persona, READERS)
    assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_requests_a_report(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    before = db_fingerprint()
    response = client.post(reverse("annual_reports"), {"year": YEAR, "language": "en"})
    check(response, persona, {"office"}, ok=302)
    if persona == "office":
        assert AnnualReport.objects.filter(year=YEAR, status="queued").count() == 1
    else:
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "content_type"),
    [("annual_report_pdf", "application/pdf"), ("annual_report_xlsx", "spreadsheet")],
)
def test_dashboard_readers_download_finished_reports(  # type: ignore[no-untyped-def]
    persona: str, name: str, content_type: str, world: World, as_user
) -> None:
    report = done_report()
    client = as_user(persona)
    before = db_fingerprint()
    response = client.get(reverse(name, args=[report.pk]))
    check(response, persona, READERS)
    if response.status_code == 200:
        assert content_type in response["Content-Type"]
    assert db_fingerprint() == before


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_an_unfinished_or_unknown_report_is_not_found(status: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    report = AnnualReport.objects.create(year=YEAR, language="en", status=status)
    for persona in ("office", "sponsor"):
        client = as_user(persona)
        assert client.get(reverse("annual_report_pdf", args=[report.pk])).status_code == 404
        assert client.get(reverse("annual_report_xlsx", args=[report.pk])).status_code == 404
    assert as_user("office").get(reverse("annual_report_pdf", args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_office_retries_a_failed_report(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    report = AnnualReport.objects.create(year=YEAR, language="en", status="failed", error="x")
    client = as_user(persona)
    before = db_fingerprint()
    response = client.post(reverse("annual_report_retry", args=[report.pk]))
    check(response, persona, {"office"}, ok=302)
    report.refresh_from_db()
    if persona == "office":
        assert report.status == "queued"
    else:
        assert report.status == "failed"
        assert db_fingerprint() == before


def test_retrying_an_unknown_report_is_not_found(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("office").post(reverse("annual_report_retry", args=[999999])).status_code == 404


def test_the_reports_page_is_a_programme_tool(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("office").get("/programme/").content.decode()
    assert 'href="/reports/annual/"' in body


def test_the_dashboard_leads_its_readers_to_the_reports(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("sponsor").get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("annual_reports")}"' in body


def test_the_reports_page_runs_a_fixed_number_of_queries(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user("office")
    client.get(reverse("annual_reports"))  # warm the session and caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("annual_reports")).status_code == 200
        return len(queries)

    for _i in range(2):
        done_report()
    small = count()
    for _i in range(20):
        done_report()
        AnnualReport.objects.create(year=YEAR, language="fr", status="failed", error="x")
    assert count() == small
