"""The office imports an external survey's results from the web page: all rows or none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.core.models import AuditEntry
from trellis.surveys import services
from trellis.surveys.models import Campaign, Response

URLS_COVERED = ["survey_results_upload"]

HEADER = "community,engaged,solve_faster,nps,channels,comment,programme_useful\n"


def _campaign(world: World, *, external: bool = True) -> Campaign:
    template, _c = services.template_create_default(actor=None)
    return services.campaign_create(
        actor=world.office,
        year=2026,
        title="Pulse run in another tool",
        template=template,
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 1, 31),
        external=external,
    )


def _file(rows: list[str], name: str = "results.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + "".join(r + "\n" for r in rows)).encode())


def test_it_keeps_the_page_for_the_office(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    url = reverse("survey_results_upload", args=[campaign.pk])
    expected = {
        "anonymous": 302,
        "outsider": 403,
        "member": 403,
        "core": 403,
        "leader": 403,
        "sponsor": 403,
        "office": 200,
    }
    assert {p: as_user(p).get(url).status_code for p in expected} == expected


def test_it_refuses_an_upload_by_anyone_but_the_office(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    url = reverse("survey_results_upload", args=[campaign.pk])
    for persona in ("anonymous", "member", "leader", "sponsor"):
        client = as_user(persona)
        before = db_fingerprint()
        response = client.post(url, {"file": _file(["welding,4,4,9,,,"])})
        assert response.status_code in (302, 403), persona
        assert db_fingerprint() == before, persona


def test_it_imports_a_valid_file_and_says_so(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    office = as_user("office")
    page = office.get(reverse("survey_campaign", args=[campaign.pk])).content.decode()
    assert reverse("survey_results_upload", args=[campaign.pk]) in page
    rows = ["welding,5,4,9,events|esn,,4", "welding,3,3,7,,,", "cloud,2,2,5,,Useful,"]
    response = office.post(
        reverse("survey_results_upload", args=[campaign.pk]), {"file": _file(rows)}, follow=True
    )
    assert "Imported 3 rows as 4 anonymous responses." in response.content.decode()
    assert Response.objects.filter(campaign=campaign, community__isnull=False).count() == 3
    assert AuditEntry.objects.filter(action="survey_results.import").count() == 1

    again = office.post(
        reverse("survey_results_upload", args=[campaign.pk]), {"file": _file(rows)}
    ).content.decode()
    assert "already imported" in again
    assert Response.objects.filter(campaign=campaign).count() == 4


def test_it_lists_every_bad_row_and_imports_nothing(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    rows = ["welding,5,4,9,,,", "atlantis,3,3,7,,,", "cloud,9,2,5,,,"]
    response = as_user("office").post(
        reverse("survey_results_upload", args=[campaign.pk]), {"file": _file(rows)}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "nothing was imported" in page
    assert "line 3" in page.lower() and "atlantis" in page
    assert "line 4" in page.lower()
    assert not Response.objects.filter(campaign=campaign).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("results.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file."),
        ("results.csv", b"\x00\x01\x02garbage", "cannot be read"),
    ],
)
def test_it_explains_a_file_it_cannot_take(world: World, as_user, name, content, message) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    response = as_user("office").post(
        reverse("survey_results_upload", args=[campaign.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert message in response.content.decode()
    assert not Response.objects.filter(campaign=campaign).exists()


def test_it_refuses_a_campaign_run_in_trellis(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world, external=False)
    response = as_user("office").post(
        reverse("survey_results_upload", args=[campaign.pk]),
        {"file": _file(["welding,5,4,9,,,"])},
    )
    assert "only external campaigns import" in response.content.decode()
    assert not Response.objects.filter(campaign=campaign).exists()
