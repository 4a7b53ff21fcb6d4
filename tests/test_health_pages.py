"""Health pages: who sees and fills what, the questionnaire, the programme view, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.test_permissions import PERSONAS
from trellis.activity.models import Event
from trellis.communities.models import CharterVersion, Community, Stage
from trellis.core.models import AuditEntry
from trellis.health.models import HealthCheck, HealthSnapshot
from trellis.health.questionnaire import CAUSES

URLS_COVERED = [
    "health_programme",
    "health_snapshot",
    "community_health",
    "health_check_new",
]

OFFICE = {"office"}
# The community's own people who carry it: the office, its sponsor, leader and core team.
HEALTH_READERS = {"office", "sponsor", "leader", "core"}


def answers(**serious: int) -> dict[str, str]:
    data = {f"cause_{cause.key}": "0" for cause in CAUSES}
    data.update({f"cause_{key}": str(value) for key, value in serious.items()})
    data["comment"] = "Busy quarter."
    return data


Case = tuple[str, Callable[[World], str], set[str], bool, dict[str, Any]]
CASES: dict[str, Case] = {
    "health_programme": ("get", lambda w: "/programme/health/", OFFICE, False, {}),
    "health_snapshot": ("post", lambda w: "/programme/health/snapshot/", OFFICE, True, {}),
    "community_health": (
        "get",
        lambda w: "/communities/welding/health/",
        HEALTH_READERS,
        False,
        {},
    ),
    "health_check_new": (
        "post",
        lambda w: "/communities/welding/health/check/",
        {"leader"},
        True,
        answers(),
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write, data = CASES[name]
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(build(world), data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200), response.content[:300]
        if is_write:
            assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", ["leader", "core", "sponsor", "office", "member"])
def test_it_shows_the_questionnaire_form_only_to_leaders(
    persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    response = as_user(persona).get("/communities/welding/health/check/")
    assert response.status_code == (200 if persona == "leader" else 403)


def test_it_answers_404_for_a_community_that_does_not_exist(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("office").get("/communities/nowhere/health/").status_code == 404
    assert as_user("leader").get("/communities/nowhere/health/check/").status_code == 404


def test_the_leader_fills_in_the_questionnaire_and_sees_the_status_it_gives(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    form = client.get("/communities/welding/health/check/")
    assert form.status_code == 200
    for cause in CAUSES:
        assert str(cause.question).replace("'", "&#x27;") in form.content.decode()

    response = client.post("/communities/welding/health/check/", answers(leader_time=2))
    assert response.status_code == 302
    check = HealthCheck.objects.get(community=world.welding)
    assert check.answers["leader_time"] == 2
    assert check.filled_by == world.leader
    snapshot = HealthSnapshot.objects.get(community=world.welding)
    assert snapshot.status == "red"
    assert snapshot.trigger == "questionnaire"
    assert {"code": "cause:leader_time", "severity": "red", "params": {}} in snapshot.reasons
    assert AuditEntry.objects.filter(action="health.check").count() == 1

    page = client.get("/communities/welding/health/").content.decode()
    assert "At risk" in page
    assert "The leader lacks time for the community." in page
    # The recommended action of that cause.
    assert "engagement letter" in page


def test_an_incomplete_questionnaire_is_refused_and_stores_nothing(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    data = answers()
    del data["cause_wrong_tool"]
    data["cause_no_sponsor"] = "7"
    client = as_user("leader")
    before = db_fingerprint()
    response = client.post("/communities/welding/health/check/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose an answer." in body
    assert "Please correct the errors below." in body
    assert db_fingerprint() == before


def test_the_form_starts_from_the_previous_answers(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    client.post("/communities/welding/health/check/", answers(wrong_tool=2))
    form = client.get("/communities/welding/health/check/").content.decode()
    assert 'name="cause_wrong_tool" value="2"' in form
    assert 'value="2" class' in form or 'value="2" id' in form or "checked" in form


def test_the_programme_view_counts_and_filters_by_status(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    today = dt.date.today()
    # welding: green (leader, sponsor, recent charter and event, a calm questionnaire).
    CharterVersion.objects.create(community=world.welding, year=today.year, version=1)
    Event.objects.create(
        community=world.welding,
        title="Webinar",
        start=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        status=Event.Status.HELD,
    )
    HealthCheck.objects.create(community=world.welding, answers={})
    # cloud: red (leader without time). A proposal is not followed.
    HealthCheck.objects.create(community=world.cloud, answers={"leader_time": 2})
    Community.objects.create(name="Idea", slug="idea", stage=Stage.PROPOSED)

    client = as_user("office")
    page = client.get("/programme/health/")
    assert page.status_code == 200
    tiles = {t["status"]: t["count"] for t in page.context["tiles"]}
    assert tiles == {"green": 1, "amber": 0, "red": 1}
    names = [row.community.slug for row in page.context["page"].object_list]
    assert names == ["cloud", "welding"]

    red = client.get("/programme/health/?status=red")
    assert [row.community.slug for row in red.context["page"].object_list] == ["cloud"]
    # The tiles keep counting every status under a status filter.
    assert {t["status"]: t["count"] for t in red.context["tiles"]} == tiles
    assert "The leader reports a serious problem" in red.content.decode()

    it = world.cloud.business_units.get()
    by_unit = client.get(f"/programme/health/?business_unit={it.pk}")
    assert [row.community.slug for row in by_unit.context["page"].object_list] == ["cloud"]
    assert {t["status"]: t["count"] for t in by_unit.context["tiles"]}["green"] == 0

    found = client.get("/programme/health/?q=weld")
    assert [row.community.slug for row in found.context["page"].object_list] == ["welding"]
    assert (
        "No community matches these filters."
        in client.get("/programme/health/?q=zzz").content.decode()
    )


def test_the_programme_view_runs_a_fixed_number_of_queries(
    world: World, as_user, django_assert_num_queries, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    client.get("/programme/health/")  # warm the session and the programme settings

    def grow(n: int, prefix: str) -> None:
        for i in range(n):
            c = Community.objects.create(name=f"{prefix}{i}", slug=f"{prefix}{i}", stage="active")
            HealthCheck.objects.create(community=c, answers={"wrong_tool": 2})

    grow(3, "a")
    with django_assert_max_num_queries(40) as small:
        assert client.get("/programme/health/").status_code == 200
    grow(60, "b")  # more than a page
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/programme/health/").status_code == 200


def test_recording_health_adds_a_line_to_every_followed_communitys_history(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    Community.objects.create(name="Gone", slug="gone", stage=Stage.CLOSED)
    response = as_user("office").post("/programme/health/snapshot/")
    assert response.status_code == 302
    assert set(HealthSnapshot.objects.values_list("community__slug", flat=True)) == {
        "welding",
        "cloud",
    }
    assert AuditEntry.objects.filter(action="health.snapshot").count() == 1

    history = as_user("leader").get("/communities/welding/health/")
    assert len(history.context["history"]) == 1
    assert "Periodic computation" in history.content.decode()


def test_the_command_records_a_snapshot(world: World, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("health-snapshot")
    assert HealthSnapshot.objects.count() == 2
    out = capsys.readouterr().out
    assert "2" in out


def test_the_health_tab_shows_for_leaders_and_sponsors_only(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    link = 'href="/communities/welding/health/"'
    assert link in as_user("leader").get("/communities/welding/").content.decode()
    assert link in as_user("sponsor").get("/communities/welding/").content.decode()
    assert link not in as_user("member").get("/communities/welding/").content.decode()


def test_the_office_finds_health_among_the_programme_tools(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("office").get("/programme/").content.decode()
    assert 'href="/programme/health/"' in page
    assert 'href="/programme/maturity/"' in page
