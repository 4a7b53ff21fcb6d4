"""Who may open the dashboard, its exports and the community scorecards (promise 2).

URL names covered here: `dashboard`, `dashboard_export_csv`, `dashboard_export_xlsx` —
the programme office and anyone with an active sponsor, leader or co-leader membership;
`community_scorecard` — any employee, like the other pages of a community. Anonymous
visitors are sent to the login page; everyone else gets 403. All are reads: the database
is unchanged whatever the answer.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Membership, Role

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
DASHBOARD_READERS = {"office", "sponsor", "leader", "other_leader"}
EMPLOYEES = set(PERSONAS) - {"anonymous"}

URLS = {
    "dashboard": ("/dashboard/", DASHBOARD_READERS),
    "dashboard_export_csv": ("/dashboard/export.csv", DASHBOARD_READERS),
    "dashboard_export_xlsx": ("/dashboard/export.xlsx?year=2025", DASHBOARD_READERS),
    "community_scorecard": ("/communities/welding/scorecard/", EMPLOYEES),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(URLS))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    path, allowed = URLS[name]
    client = as_user(persona)
    before = db_fingerprint()
    response = client.get(path)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    assert db_fingerprint() == before


def test_it_answers_404_for_the_scorecard_of_an_unknown_community(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("member").get("/communities/nowhere/scorecard/").status_code == 404


def test_it_stops_showing_the_dashboard_to_a_leader_who_stepped_down(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Membership.objects.filter(person=world.leader.person).update(left=dt.date(2025, 6, 30))
    assert as_user("leader").get("/dashboard/").status_code == 403


def test_it_shows_the_dashboard_to_a_co_leader(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Membership.objects.filter(person=world.member.person).update(role=Role.CO_LEADER)
    assert as_user("member").get("/dashboard/").status_code == 200
    assert as_user("member").get("/dashboard/export.csv").status_code == 200
