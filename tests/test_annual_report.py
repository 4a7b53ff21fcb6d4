"""The annual programme report: its PDF text holds the KPI selector's figures in French and
English, suppressed survey groups stay suppressed, the XLSX equals the KPIs, and the
background path (request → task → download, failure → retry) works through the pages.

Expected figures are read from `compute_kpis` and formatted with the dashboard's own
formatters in the report's language: no number is written here by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from tests.personas import World
from tests.reports_data import Made, build_programme
from tests.survey_helpers import add_members, answer, open_campaign, tokens_by_email
from trellis.communities.models import Community, Stage
from trellis.kpis.selectors import compute_kpis
from trellis.reports import annual, figures
from trellis.reports.models import AnnualReport
from trellis.surveys import services as survey_services

YEAR = timezone.localdate().year
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    # One space for any run of blanks (line breaks, no-break spaces inside numbers).
    return re.sub(r"[\s\u00a0\u202f]+", " ", out)


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture
def made(world: World) -> Made:
    return build_programme(year=YEAR, size=4)


def expected_sentences(language: str) -> list[str]:
    """The summary sentences, computed here from compute_kpis in the report's language."""
    cur, prev = compute_kpis(YEAR).programme, compute_kpis(YEAR - 1).programme
    with translation.override(language):
        return [
            figures.count(cur["communities"]),
            figures.count(cur["members_unique"]),
            figures.count(cur["active_contributors_unique"]),
            figures.count(cur["webinars"]),
            figures.percent(cur["charter_updated_rate"]),
            figures.count_change(cur["members_unique"], prev["members_unique"], YEAR - 1)[0],
        ]


@needs_pdftotext
@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("en", "Annual report", "Executive summary"),
        ("fr", "Rapport annuel", "Synthèse"),
    ],
)
def test_it_renders_the_kpi_figures_in_both_languages(
    made: Made, tmp_path: Path, language: str, title: str, summary: str
) -> None:
    rendered = annual.render_report(YEAR, language)
    assert rendered.pdf.startswith(b"%PDF")
    text = pdf_text(rendered.pdf, tmp_path)
    result = compute_kpis(YEAR)
    programme = result.programme
    if language == "en":
        assert f"{title} {YEAR}" in text
        assert summary in text
        assert f"In {YEAR} the programme counted {programme['communities']} communities" in text
        assert f"{programme['members_unique']} people were members" in text
    else:
        # The French catalogue may lag behind new strings; the dates and numbers do not.
        assert str(YEAR) in text
    for figure in expected_sentences(language):
        assert flat(figure) in text, figure
    # One scorecard page per community that counts, after the main chapters.
    assert rendered.communities == len(result.communities)
    assert rendered.pages >= 6 + len(result.communities)
    for community in made.communities:
        assert community.name in text
    with translation.override(language):
        assert flat(figures.count(programme["messages"])) in text


@needs_pdftotext
def test_it_writes_each_community_scorecard_with_the_selector_figures(
    made: Made, tmp_path: Path
) -> None:
    rendered = annual.render_report(YEAR, "en")
    text = pdf_text(rendered.pdf, tmp_path)
    rows = {row["slug"]: row for row in compute_kpis(YEAR).communities}
    # The annex holds one page per community, in name order; each names its slug and
    # carries its figures (members, messages) in the year's column.
    for community in made.communities:
        row = rows[community.slug]
        page = text.split(f"{community.name} Active · {community.slug}", 1)[1][:600]
        assert f"Members {row['members']}" in page or f" {row['members']} " in page
        assert str(row["messages"]) in page


@needs_pdftotext
def test_it_keeps_suppressed_survey_groups_suppressed(
    world: World, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE
    add_members(world.welding, 6, prefix="weld")
    add_members(world.cloud, 2, prefix="cloud")
    lean = Community.objects.create(
        name="Lean", slug="lean", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
    )
    add_members(lean, 7, prefix="lean")
    campaign = open_campaign(world)
    for email, token in tokens_by_email().items():
        answer(token, likert=4 if email.startswith("weld") else 2, nps=9)
    survey_services.campaign_close(actor=world.office, campaign=campaign)
    survey_services.campaign_publish(actor=world.office, campaign=campaign)
    rows = {row["slug"]: row for row in compute_kpis(YEAR).communities}
    assert rows["cloud"]["respondents"] == "suppressed"

    text = pdf_text(annual.render_report(YEAR, "en").pdf, tmp_path)
    programme = compute_kpis(YEAR).programme
    assert f"{programme['respondents']} people answered the annual survey" in text
    # The annex: after its introduction (its title also runs in the pages' header).
    annex = text.split(f"communities that count in {YEAR}", 1)[1]
    cloud_page = annex.split(f"· {world.cloud.slug}", 1)[1].split("· ", 1)[0]
    assert "Not shown: this community has too few respondents" in cloud_page
    assert "Respondents" not in cloud_page
    welding_page = annex.split(f"· {world.welding.slug}", 1)[1]
    welding_page = welding_page.split("Annual member survey", 1)[1][:300]
    assert f"Respondents {rows['welding']['respondents']}" in welding_page


def read_xlsx(body: bytes) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [
        dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=True))
        for row in values[1:]
    ]


def test_the_xlsx_equals_the_kpi_figures(made: Made) -> None:
    rendered = annual.render_report(YEAR, "en")
    rows = read_xlsx(rendered.xlsx)
    result = compute_kpis(YEAR)
    by_slug = {row["slug"]: row for row in rows if row["slug"]}
    assert set(by_slug) == {row["slug"] for row in result.communities}
    fields = ("members", "new_members", "messages", "posts", "replies", "active_contributors",
              "webinars", "events", "attendance", "objectives", "objectives_met")  # fmt: skip
    for row in result.communities:
        got = by_slug[row["slug"]]
        assert {f: got[f] for f in fields} == {f: row[f] for f in fields}
        assert got["charter_updated"] == row["charter_updated"]
    total = rows[-1]
    assert total["slug"] in (None, "")
    for name in ("communities", "members_unique", "members_sum", "messages", "webinars",
                 "active_contributors_unique", "charter_updated"):  # fmt: skip
        assert total[name] == result.programme[name], name


# --- The background path through the pages ---------------------------------------------------


def request_report(client: Client, django_capture_on_commit_callbacks, language: str = "en") -> Any:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/reports/annual/", {"year": YEAR, "language": language})


def test_a_requested_report_is_generated_in_the_background_and_downloadable(  # type: ignore[no-untyped-def]
    made: Made, as_user, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = IMMEDIATE
    office = as_user("office")
    response = request_report(office, django_capture_on_commit_callbacks, "fr")
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    assert (report.status, report.year, report.language) == ("done", YEAR, "fr")
    assert report.pages and report.communities == len(compute_kpis(YEAR).communities)
    page = office.get("/reports/annual/")
    assert f"/reports/annual/{report.pk}/report.pdf" in page.content.decode()
    pdf = office.get(f"/reports/annual/{report.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"trellis-annual-report-{YEAR}-fr.pdf" in pdf["Content-Disposition"]
    # A sponsor reads finished reports too.
    sponsor = as_user("sponsor")
    listing = sponsor.get("/reports/annual/").content.decode()
    assert f"/reports/annual/{report.pk}/kpis.xlsx" in listing
    xlsx = sponsor.get(f"/reports/annual/{report.pk}/kpis.xlsx")
    assert xlsx.status_code == 200
    rows = read_xlsx(xlsx.content)
    assert rows[-1]["messages"] == compute_kpis(YEAR).programme["messages"]


def test_a_pending_report_is_polled_and_not_downloadable(  # type: ignore[no-untyped-def]
    made: Made, as_user
) -> None:
    office = as_user("office")
    # Without the commit callbacks the task is never enqueued: the report stays queued.
    assert office.post("/reports/annual/", {"year": YEAR, "language": "en"}).status_code == 302
    report = AnnualReport.objects.get()
    assert report.status == "queued"
    body = office.get("/reports/annual/").content.decode()
    assert 'hx-trigger="every 3s"' in body
    partial = office.get("/reports/annual/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="annual-reports"')
    assert office.get(f"/reports/annual/{report.pk}/report.pdf").status_code == 404
    # Other readers do not see it at all until it is finished.
    assert "Queued" not in as_user("sponsor").get("/reports/annual/").content.decode()


def test_a_failed_report_shows_as_failed_and_can_be_retried(  # type: ignore[no-untyped-def]
    made: Made, as_user, settings, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    settings.TASKS = IMMEDIATE
    office = as_user("office")

    def broken(year: int, language: str) -> annual.Rendered:
        raise RuntimeError("the PDF engine ran out of paper")

    monkeypatch.setattr(annual, "render_report", broken)
    request_report(office, django_capture_on_commit_callbacks)
    report = AnnualReport.objects.get()
    assert report.status == "failed"
    body = office.get("/reports/annual/").content.decode()
    assert "the PDF engine ran out of paper" in body
    assert f"/reports/annual/{report.pk}/retry/" in body
    assert office.get(f"/reports/annual/{report.pk}/report.pdf").status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"/reports/annual/{report.pk}/retry/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "done" and report.error == ""
    assert office.get(f"/reports/annual/{report.pk}/report.pdf").status_code == 200
    # A finished report cannot be "retried".
    office.post(f"/reports/annual/{report.pk}/retry/")
    report.refresh_from_db()
    assert report.status == "done"


def test_it_refuses_a_year_without_figures(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post("/reports/annual/", {"year": 1990, "language": "en"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_two_workers_receiving_the_same_report_run_it_once(made: Made, world: World) -> None:
    from trellis.reports.annual_services import annual_report_run

    report = AnnualReport.objects.create(year=YEAR, language="en")
    first = annual_report_run(report_id=report.pk)
    second = annual_report_run(report_id=report.pk)
    assert first is not None and first.status == "done"
    assert second is None


@needs_pdftotext
def test_the_command_writes_the_pdf_and_the_xlsx(made: Made, tmp_path: Path) -> None:
    output, xlsx = tmp_path / "report.pdf", tmp_path / "kpis.xlsx"
    out = io.StringIO()
    call_command(
        "annual-report", "--year", str(YEAR), "--lang", "en", "--output", str(output),
        "--xlsx", str(xlsx), stdout=out,
    )  # fmt: skip
    assert "pages" in out.getvalue()
    text = pdf_text(output.read_bytes(), tmp_path)
    assert f"In {YEAR} the programme counted {compute_kpis(YEAR).programme['communities']}" in text
    assert read_xlsx(xlsx.read_bytes())[-1]["messages"] == compute_kpis(YEAR).programme["messages"]


def test_the_command_refuses_a_year_without_figures(world: World, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no figures"):
        call_command(
            "annual-report", "--year", "1990", "--lang", "en", "--output", str(tmp_path / "r.pdf")
        )


@needs_pdftotext
def test_a_large_annex_is_laid_out_by_parts_with_the_whole_report_page_numbers(  # type: ignore[no-untyped-def]
    made: Made, tmp_path: Path, monkeypatch
) -> None:
    whole = annual.render_report(YEAR, "en")
    monkeypatch.setattr(annual, "ANNEX_PART", 2)
    parted = annual.render_report(YEAR, "en")
    assert parted.pages == whole.pages
    text = pdf_text(parted.pdf, tmp_path)
    total = parted.pages
    # The last scorecard is the last page and says so; every community has its page.
    assert f"{total} / {total}" in text
    assert f"{total - 1} / {total}" in text
    for community in made.communities:
        assert f"{community.name} Active · {community.slug}" in text
    proc = subprocess.run(
        ["pdfinfo", "-"], input=parted.pdf, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(rf"Pages:\s+{total}\b", proc)


@needs_pdftotext
def test_it_shows_stories_awards_and_the_maturity_radar_from_their_apps(
    world: World, tmp_path: Path
) -> None:
    from decimal import Decimal

    from tests.story_helpers import make_story
    from tests.test_recognition import make_setup
    from trellis.health.models import Pillar
    from trellis.health.services import maturity_save
    from trellis.stories.models import Status
    from trellis.stories.selectors import report_highlights

    story = make_story(
        world, status=Status.PUBLISHED, year=YEAR, benefits=[{"amount": Decimal("120")}]
    )
    make_setup(world, "published")
    maturity_save(
        actor=world.office,
        year=YEAR,
        summary="",
        scores={key: {"level": 1 + i % 4} for i, key in enumerate(Pillar.values)},
    )
    rendered = annual.render_report(YEAR, "en")
    assert rendered.missing == []
    text = pdf_text(rendered.pdf, tmp_path)
    figures_ = report_highlights(YEAR)["figures"]
    assert figures_["stories"] == 1
    assert "Success stories and quantified value" in text
    assert story.title in text
    assert "1 success story was published, 1 with a validated benefit." in text
    assert "Awards and labels" in text and "Leader of the year" in text and "Lea Leader" in text
    assert "Programme maturity" in text
    for label in ("Leadership", "Communication"):
        assert label in text


def test_a_report_whose_worker_died_can_be_retried_and_polling_stops_when_done(  # type: ignore[no-untyped-def]
    made: Made, as_user, settings, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = IMMEDIATE
    office = as_user("office")
    report = AnnualReport.objects.create(year=YEAR, language="en", status="running")
    # Running for a minute: its worker may still be at it; no retry, and the page polls.
    AnnualReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=1)
    )
    body = office.get("/reports/annual/").content.decode()
    assert 'hx-trigger="every 3s"' in body and f"/reports/annual/{report.pk}/retry/" not in body
    office.post(f"/reports/annual/{report.pk}/retry/")
    report.refresh_from_db()
    assert report.status == "running"
    # Running for two hours: its worker died; the office may run it again.
    AnnualReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=2)
    )
    body = office.get("/reports/annual/").content.decode()
    assert "interrupted" in body and f"/reports/annual/{report.pk}/retry/" in body
    with django_capture_on_commit_callbacks(execute=True):
        office.post(f"/reports/annual/{report.pk}/retry/")
    report.refresh_from_db()
    assert report.status == "done"
    assert 'hx-trigger="every 3s"' not in office.get("/reports/annual/").content.decode()
