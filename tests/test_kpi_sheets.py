"""Leader KPI sheets: the leader reviews the computed figures of the year, completes what
Trellis cannot know and submits; the programme office follows completion and reminds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Membership, Role
from trellis.core.models import AuditEntry
from trellis.kpis.models import KpiSheet
from trellis.kpis.selectors import compute_kpis, open_year
from trellis.people.models import Person

pytestmark = pytest.mark.django_db

YEAR = open_year() - 1
ALL_USERS = {"office", "sponsor", "leader", "core", "member", "outsider", "other_leader"}
LEADERS = {"office", "leader"}
OFFICE = {"office"}

ANSWERS = {
    "offline_events": "3",
    "newcomers_onboarded": "12",
    "questions_answered": "",
    "documents_published": "1",
    "comments": "A good year.",
}


def sheet_url(slug: str = "welding", year: int = YEAR) -> str:
    return f"/communities/{slug}/kpi-sheet/{year}/"


def test_it_shows_the_leader_the_computed_figures(world: World, as_user: Any) -> None:
    response = as_user("leader").get(sheet_url())
    assert response.status_code == 200
    figures = compute_kpis(YEAR).community("welding")
    assert figures is not None
    rows = {row["name"]: row for row in response.context["figures"]}
    assert rows["members"]["value"] == figures["members"] == 4
    assert rows["has_leader"]["value"] is True
    page = response.content.decode()
    assert "Members at the end of the year" in page
    assert 'name="offline_events"' in page


def test_it_saves_a_draft_then_submits(world: World, as_user: Any) -> None:
    client = as_user("leader")
    assert client.post(sheet_url(), {**ANSWERS, "save": ""}).status_code == 302
    sheet = KpiSheet.objects.get(community=world.welding, year=YEAR)
    assert sheet.status == KpiSheet.Status.DRAFT
    assert sheet.answers == {
        "offline_events": 3,
        "newcomers_onboarded": 12,
        "questions_answered": None,
        "documents_published": 1,
    }
    assert (
        client.post(sheet_url(), {**ANSWERS, "offline_events": "4", "submit": ""}).status_code
        == 302
    )
    sheet.refresh_from_db()
    assert sheet.status == KpiSheet.Status.SUBMITTED
    assert sheet.answers["offline_events"] == 4
    assert sheet.submitted_by == world.leader and sheet.submitted_at is not None
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "kpi_sheet.save" in actions and "kpi_sheet.submit" in actions
    # Submitted: read-only for the leader.
    before = db_fingerprint()
    assert client.post(sheet_url(), {**ANSWERS, "submit": ""}).status_code == 403
    assert db_fingerprint() == before
    assert "A good year." in client.get(sheet_url()).content.decode()


def test_it_lets_the_office_reopen_a_sheet(world: World, as_user: Any) -> None:
    as_user("leader").post(sheet_url(), {**ANSWERS, "submit": ""})
    assert as_user("office").post(sheet_url() + "reopen/").status_code == 302
    sheet = KpiSheet.objects.get()
    assert sheet.status == KpiSheet.Status.DRAFT
    assert (
        as_user("leader")
        .post(sheet_url(), {**ANSWERS, "comments": "Fixed", "save": ""})
        .status_code
        == 302
    )
    sheet.refresh_from_db()
    assert sheet.comments == "Fixed"


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_it_rejects_what_is_not_a_count(value: str, world: World, as_user: Any) -> None:
    response = as_user("leader").post(sheet_url(), {**ANSWERS, "offline_events": value, "save": ""})
    assert response.status_code == 200
    assert not KpiSheet.objects.exists()


def test_it_sends_leaders_to_the_sheet_of_the_moment(world: World, as_user: Any) -> None:
    response = as_user("leader").get("/communities/welding/kpi-sheet/")
    assert response.status_code == 302
    assert response["Location"].startswith("/communities/welding/kpi-sheet/")


def test_it_tracks_completion_for_the_office(world: World, as_user: Any) -> None:
    as_user("leader").post(sheet_url(), {**ANSWERS, "submit": ""})
    response = as_user("office").get(f"/kpis/sheets/?year={YEAR}")
    assert response.status_code == 200
    rows = {row["community"].slug: row for row in response.context["rows"]}
    assert set(rows) == {"welding", "cloud"}
    assert rows["welding"]["sheet"].status == "submitted"
    assert rows["cloud"]["sheet"] is None
    assert [p.name for p in rows["cloud"]["leaders"]] == ["Otto Other"]
    assert (response.context["submitted"], response.context["pending"]) == (1, 1)


def test_it_reminds_the_leaders_who_have_not_submitted(world: World, as_user: Any) -> None:
    # Lea leads welding and co-leads cloud; Otto (French) leads cloud; welding's sheet is
    # submitted, so only cloud's leaders are reminded, each once, in their language.
    Membership.objects.create(
        person=world.leader.person,
        community=world.cloud,
        role=Role.CO_LEADER,
        joined=dt.date(2022, 1, 1),
    )
    Person.objects.filter(user=world.other_leader).update(language="fr")
    as_user("leader").post(sheet_url(), {**ANSWERS, "submit": ""})
    response = as_user("office").post("/kpis/sheets/remind/", {"year": str(YEAR)})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == [
        "leader@example.com",
        "other_leader@example.com",
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["other_leader@example.com"].extra_headers["Content-Language"] == "fr"
    assert by_address["leader@example.com"].extra_headers["Content-Language"] == "en"
    for message in mail.outbox:
        assert f"/communities/cloud/kpi-sheet/{YEAR}/" in message.body
        assert "http://testserver/" in message.body
        assert "/communities/welding/" not in message.body
        assert str(YEAR) in message.subject
    entry = AuditEntry.objects.get(action="kpi_sheet.remind")
    assert entry.changes == {"year": YEAR, "recipients": 2, "communities": 1}


def test_it_reminds_nobody_when_every_sheet_is_in(world: World, as_user: Any) -> None:
    as_user("leader").post(sheet_url(), {**ANSWERS, "submit": ""})
    as_user("other_leader").post(sheet_url("cloud"), {**ANSWERS, "submit": ""})
    as_user("office").post("/kpis/sheets/remind/", {"year": str(YEAR)})
    assert mail.outbox == []


# --- Permissions: every sheet URL × persona -------------------------------------------------


def _submitted(world: World) -> str:
    KpiSheet.objects.create(community=world.welding, year=YEAR, status=KpiSheet.Status.SUBMITTED)
    return sheet_url() + "reopen/"


CASES: dict[str, tuple[str, Callable[[World], str], set[str], bool, dict[str, str]]] = {
    "kpi_sheets": ("get", lambda w: f"/kpis/sheets/?year={YEAR}", OFFICE, False, {}),
    "kpi_sheets_remind": (
        "post",
        lambda w: "/kpis/sheets/remind/",
        OFFICE,
        True,
        {"year": str(YEAR)},
    ),
    "kpi_sheet": ("get", lambda w: sheet_url(), LEADERS, False, {}),
    "kpi_sheet_post": ("post", lambda w: sheet_url(), LEADERS, True, {**ANSWERS, "save": ""}),
    "kpi_sheet_current": ("get", lambda w: "/communities/welding/kpi-sheet/", LEADERS, True, {}),
    "kpi_sheet_reopen": ("post", _submitted, OFFICE, True, {}),
}
# kpi_sheet_current redirects (302) but writes nothing.
NO_WRITE = {"kpi_sheet_current"}


@pytest.mark.parametrize("persona", sorted(ALL_USERS | {"anonymous"}))
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies_sheet_pages(
    name: str, persona: str, world: World, as_user: Any
) -> None:
    method, build, allowed, is_write, data = CASES[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200)
        assert (db_fingerprint() != before) == (is_write and name not in NO_WRITE)
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before
