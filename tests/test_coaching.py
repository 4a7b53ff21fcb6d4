"""Coaching: the community of leaders kept in sync, sessions, the training catalogue,
competency self-assessments with their radar and history; permissions for every page."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import formats, timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World, make_person
from trellis.coaching import services
from trellis.coaching.models import (
    Assessment,
    CoachingSession,
    Competency,
    LeadersCommunity,
    Training,
    TrainingCompletion,
)
from trellis.communities.models import Community, Membership, Role, Stage
from trellis.core.models import AuditEntry

URLS_COVERED = [
    "coaching_home",
    "coaching_sessions",
    "coaching_session_new",
    "coaching_session",
    "training_catalogue",
    "training_new",
    "training_complete",
    "assessment_mine",
    "coaching_leaders",
    "coaching_sync",
    "assessment_person",
]
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
ANIMATORS = {"office", "core", "leader", "other_leader"}
EVERYONE = set(PERSONAS) - {"anonymous"}


def session(world: World) -> CoachingSession:
    """A session of `leader` coached by `other_leader`."""
    return services.session_save(
        actor=world.office,
        leader=world.leader.person,  # type: ignore[attr-defined]
        coach=world.other_leader.person,  # type: ignore[attr-defined]
        on=dt.date(2026, 3, 1),
        topics="Running a first webinar",
        follow_up="Plan one in April",
    )


def training(world: World) -> Training:
    return services.training_save(actor=world.office, title="Animating a community", hours=4)


SCORES = dict.fromkeys(Competency.values, 2)


def assessment_form(on: str = "2026-03-01", **levels: int) -> dict[str, object]:
    data: dict[str, object] = {f"c_{c}": 2 for c in Competency.values}
    data.update({f"c_{k}": v for k, v in levels.items()})
    data["on"] = on
    return data


# url name -> (method, path, data, personas allowed, personas getting 404)
Case = tuple[str, Callable[[World], str], Callable[[World], dict[str, object]], set[str], set[str]]
NO_DATA: Callable[[World], dict[str, object]] = lambda w: {}  # noqa: E731
CASES: dict[str, Case] = {
    "coaching_home": ("get", lambda w: "/coaching/", NO_DATA, ANIMATORS, set()),
    "coaching_sessions": ("get", lambda w: "/coaching/sessions/", NO_DATA, ANIMATORS, set()),
    "coaching_session_new": (
        "get",
        lambda w: "/coaching/sessions/new/",
        NO_DATA,
        {"office"},
        set(),
    ),
    "coaching_session": (
        "get",
        lambda w: f"/coaching/sessions/{session(w).pk}/",
        NO_DATA,
        {"office", "leader", "other_leader"},
        {"outsider", "member", "core", "sponsor"},
    ),
    "training_catalogue": ("get", lambda w: "/coaching/trainings/", NO_DATA, EVERYONE, set()),
    "training_new": ("get", lambda w: "/coaching/trainings/new/", NO_DATA, {"office"}, set()),
    "training_complete": (
        "get",
        lambda w: f"/coaching/trainings/{training(w).pk}/complete/",
        NO_DATA,
        EVERYONE,
        set(),
    ),
    "assessment_mine": (
        "get",
        lambda w: "/coaching/assessment/",
        NO_DATA,
        {"core", "leader", "other_leader"},  # the office account has no animator role
        set(),
    ),
    "coaching_leaders": ("get", lambda w: "/programme/coaching/", NO_DATA, {"office"}, set()),
    "assessment_person": (
        "get",
        lambda w: f"/programme/coaching/people/{w.leader.person.pk}/assessment/",  # type: ignore[attr-defined]
        NO_DATA,
        {"office"},
        set(),
    ),
    # Writes
    "coaching_sync": ("post", lambda w: "/programme/coaching/sync/", NO_DATA, {"office"}, set()),
}
WRITES: dict[str, Case] = {
    "coaching_session_new": (
        "post",
        lambda w: "/coaching/sessions/new/",
        lambda w: {
            "leader": "leader@example.com",
            "coach": "other_leader@example.com",
            "on": "2026-03-01",
            "topics": "Charter",
        },
        {"office"},
        set(),
    ),
    "coaching_session": (
        "post",
        lambda w: f"/coaching/sessions/{session(w).pk}/",
        lambda w: {
            "leader": "leader@example.com",
            "coach": "other_leader@example.com",
            "on": "2026-03-02",
            "topics": "Changed",
        },
        {"office"},
        {"outsider", "member", "core", "sponsor"},
    ),
    "training_new": (
        "post",
        lambda w: "/coaching/trainings/new/",
        lambda w: {"title": "Storytelling", "hours": "2", "is_active": "on"},
        {"office"},
        set(),
    ),
    "training_complete": (
        "post",
        lambda w: f"/coaching/trainings/{training(w).pk}/complete/",
        lambda w: {"on": "2026-02-01", "email": "leader@example.com"},
        EVERYONE,
        set(),
    ),
    "assessment_mine": (
        "post",
        lambda w: "/coaching/assessment/",
        lambda w: assessment_form(),
        {"core", "leader", "other_leader"},
        set(),
    ),
}


def check(case: Case, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, data, allowed, hidden = case
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, data(world))
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if method == "post" else 200), response.content[:400]
        if method == "post":
            assert db_fingerprint() != before
    else:
        assert response.status_code == (404 if persona in hidden else 403)
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies_pages(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    check(CASES[name], persona, world, as_user)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_it_allows_and_denies_writes(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    check(WRITES[name], persona, world, as_user)


def test_it_lists_coaching_on_the_programme_home(as_user) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/programme/coaching/"' in as_user("office").get("/programme/").content.decode()


# --- The community of leaders ------------------------------------------------------------------


def active_members(community: Community) -> dict[str, str]:
    return dict(
        Membership.objects.filter(community=community, left__isnull=True).values_list(
            "person__email", "role"
        )
    )


def test_it_creates_the_community_of_leaders_with_every_leader(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post("/programme/coaching/sync/", follow=True)
    assert "2 added, 0 left" in response.content.decode()
    community = LeadersCommunity.objects.get().community
    assert community.stage == Stage.ACTIVE
    assert active_members(community) == {
        "leader@example.com": "member",
        "other_leader@example.com": "member",
    }
    assert AuditEntry.objects.filter(action="coaching.leaders_sync").count() == 1


def test_it_keeps_the_community_of_leaders_in_sync(world: World) -> None:
    report = services.leaders_community_sync(actor=None, on=dt.date(2026, 1, 1))
    community = report.community
    # The office leads the community of leaders itself: that role is left alone.
    Membership.objects.create(
        person=world.office.person,  # type: ignore[attr-defined]
        community=community,
        role=Role.LEADER,
        joined=dt.date(2026, 1, 1),
    )
    # The cloud leader steps down; core becomes co-leader of welding; a closed community's
    # leader does not count.
    Membership.objects.filter(community=world.cloud).update(left=dt.date(2026, 2, 1))
    Membership.objects.filter(community=world.welding, person=world.core.person).update(  # type: ignore[attr-defined]
        role=Role.CO_LEADER
    )
    closed = Community.objects.create(name="Old", slug="old", stage=Stage.CLOSED)
    Membership.objects.create(
        person=world.outsider.person,  # type: ignore[attr-defined]
        community=closed,
        role=Role.LEADER,
        joined=dt.date(2020, 1, 1),
    )
    report = services.leaders_community_sync(actor=None, on=dt.date(2026, 3, 1))
    assert (report.created, report.added, report.ended) == (False, 1, 1)
    assert active_members(community) == {
        "leader@example.com": "member",
        "core@example.com": "member",
        "office@example.com": "leader",
    }
    ended = Membership.objects.get(community=community, person=world.other_leader.person)  # type: ignore[attr-defined]
    assert ended.left == dt.date(2026, 3, 1)  # history kept
    # Running again changes nothing and writes no audit entry.
    before = AuditEntry.objects.count()
    again = services.leaders_community_sync(actor=None, on=dt.date(2026, 3, 2))
    assert (again.added, again.ended) == (0, 0)
    assert AuditEntry.objects.count() == before


def test_it_refuses_to_take_over_a_community_with_the_same_slug(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Community.objects.create(name="Leaders", slug="community-of-leaders")
    client = as_user("office")
    before = db_fingerprint()
    response = client.post("/programme/coaching/sync/", follow=True)
    assert "is taken by another community" in response.content.decode()
    assert db_fingerprint() == before


@pytest.mark.parametrize("size", [2, 12])
def test_the_leaders_page_runs_a_fixed_number_of_queries(
    size: int, world: World, as_user, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for i in range(size):
        user = make_person(f"l{i}", f"Leader {i}")
        c = Community.objects.create(name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE)
        Membership.objects.create(
            person=user.person,  # type: ignore[attr-defined]
            community=c,
            role=Role.LEADER,
            joined=dt.date(2025, 1, 1),
        )
        services.assessment_save(actor=None, person=user.person, scores=SCORES)  # type: ignore[attr-defined]
    client = as_user("office")
    client.get("/programme/coaching/")
    with django_assert_num_queries(11):
        body = client.get("/programme/coaching/").content.decode()
    assert "Leader 1" in body


# --- Sessions ---------------------------------------------------------------------------------


def test_a_leader_reads_their_sessions_only(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    mine = session(world)
    other = services.session_save(
        actor=world.office,
        leader=world.other_leader.person,  # type: ignore[attr-defined]
        coach=world.office.person,  # type: ignore[attr-defined]
        on=dt.date(2026, 3, 5),
        topics="Sponsor relations",
    )
    body = as_user("leader").get("/coaching/sessions/").content.decode()
    assert f"/coaching/sessions/{mine.pk}/" in body
    assert f"/coaching/sessions/{other.pk}/" not in body
    detail = as_user("leader").get(f"/coaching/sessions/{mine.pk}/").content.decode()
    assert "Plan one in April" in detail
    assert as_user("leader").get(f"/coaching/sessions/{other.pk}/").status_code == 404


def test_the_office_records_a_session(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post(
        "/coaching/sessions/new/",
        {
            "leader": "leader@example.com",
            "coach": "office@example.com",
            "on": "2026-04-02",
            "topics": "Measuring value",
            "follow_up": "Write a first story",
        },
    )
    saved = CoachingSession.objects.get()
    assert response["Location"] == f"/coaching/sessions/{saved.pk}/"
    assert (saved.leader, saved.coach) == (world.leader.person, world.office.person)  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="coaching.session_create").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"coach": "leader@example.com"}, "A leader does not coach themselves here."),
        ({"coach": "nobody@example.com"}, "Nobody with this e-mail is in the directory."),
        ({"topics": ""}, "This field is required."),
        ({"on": "2030-01-01"}, "Choose a date within the next year."),
    ],
)
def test_it_explains_bad_session_input(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    before = db_fingerprint()
    form = {
        "leader": "leader@example.com",
        "coach": "office@example.com",
        "on": "2026-04-02",
        "topics": "x",
    }
    response = client.post("/coaching/sessions/new/", form | data)
    assert response.status_code == 200 and message in response.content.decode()
    assert db_fingerprint() == before


# --- Trainings -------------------------------------------------------------------------------


def test_a_person_records_their_own_completion(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    t = training(world)
    # Even with another e-mail, a non-office person records only their own completion.
    as_user("member").post(
        f"/coaching/trainings/{t.pk}/complete/", {"on": "2026-02-01", "email": "leader@x.com"}
    )
    done = TrainingCompletion.objects.get()
    assert done.person == world.member.person  # type: ignore[attr-defined]
    body = as_user("member").get("/coaching/trainings/").content.decode()
    assert "You completed it." in body and "1 completion" in body


def test_the_office_records_someone_elses_completion(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    t = training(world)
    as_user("office").post(
        f"/coaching/trainings/{t.pk}/complete/", {"on": "2026-02-01", "email": "core@example.com"}
    )
    assert TrainingCompletion.objects.get().person == world.core.person  # type: ignore[attr-defined]


def test_it_refuses_a_completion_in_the_future(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    t = training(world)
    client = as_user("leader")
    before = db_fingerprint()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(f"/coaching/trainings/{t.pk}/complete/", {"on": tomorrow.isoformat()})
    assert "A training cannot be completed in the future." in response.content.decode()
    assert db_fingerprint() == before


def test_it_hides_trainings_no_longer_offered(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    t = services.training_save(actor=world.office, title="Old course", is_active=False)
    assert "Old course" not in as_user("member").get("/coaching/trainings/").content.decode()
    assert "Old course" in as_user("office").get("/coaching/trainings/").content.decode()
    assert as_user("member").get(f"/coaching/trainings/{t.pk}/complete/").status_code == 404


def test_it_refuses_a_duplicate_training_title(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    training(world)
    client = as_user("office")
    before = db_fingerprint()
    response = client.post("/coaching/trainings/new/", {"title": "Animating a community"})
    assert "already exists" in response.content.decode()
    assert db_fingerprint() == before


def radar_spec(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="competencies-spec"[^>]*>(.*?)</script>', body, re.S)
    assert found is not None
    spec: dict[str, Any] = json.loads(found.group(1))
    return spec


def short(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


# --- Self-assessment ----------------------------------------------------------------------------


def test_it_keeps_one_assessment_per_date_and_the_history(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    client.post("/coaching/assessment/", assessment_form("2025-09-01", facilitation=1))
    client.post("/coaching/assessment/", assessment_form("2026-03-01", facilitation=3))
    client.post("/coaching/assessment/", assessment_form("2026-03-01", facilitation=4))
    history = list(Assessment.objects.order_by("on").values_list("on", "scores"))
    assert [on for on, _ in history] == [dt.date(2025, 9, 1), dt.date(2026, 3, 1)]
    assert history[1][1]["facilitation"] == 4  # the same date replaces
    body = client.get("/coaching/assessment/").content.decode()
    assert 'id="competencies-spec"' in body
    lines = radar_spec(body)["layer"][-1]["data"]["values"]
    march = short(dt.date(2026, 3, 1))
    assert {row["series"] for row in lines} == {short(dt.date(2025, 9, 1)), march}
    first = next(r for r in lines if r["axis"] == "Facilitation" and r["series"] == march)
    assert first["value"] == 4
    # The numbers beside the chart: one column per assessment.
    assert "Show the numbers" in body


def test_the_radar_shows_the_latest_three_and_the_table_all(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    person = world.leader.person  # type: ignore[attr-defined]
    for month in (1, 2, 3, 4):
        services.assessment_save(
            actor=None, person=person, scores=SCORES, on=dt.date(2025, month, 1)
        )
    body = as_user("office").get(f"/programme/coaching/people/{person.pk}/assessment/")
    text = body.content.decode()
    spec = radar_spec(text)
    assert len({r["series"] for r in spec["layer"][-1]["data"]["values"]}) == 3
    assert text.count('<th scope="col">') >= 5  # competency + four dates


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (assessment_form(facilitation=5), "Select a valid choice."),
        ({"on": "2026-03-01"}, "This field is required."),
        (assessment_form(on="2999-01-01"), "An assessment cannot be dated in the future."),
    ],
)
def test_it_explains_bad_assessment_input(
    data: dict[str, object], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("leader")
    before = db_fingerprint()
    response = client.post("/coaching/assessment/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert db_fingerprint() == before


def test_the_service_refuses_unknown_competencies(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assessment_save(
            actor=None,
            person=world.leader.person,  # type: ignore[attr-defined]
            scores=SCORES | {"juggling": 3},
        )


def test_the_command_syncs_the_community_of_leaders(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sync-leaders-community", stdout=out)
    assert "2 added, 0 left." in out.getvalue()
    out = StringIO()
    call_command("sync-leaders-community", stdout=out)
    assert out.getvalue().strip() == "0 added, 0 left."


@pytest.mark.parametrize("size", [2, 12])
def test_the_sessions_page_runs_a_fixed_number_of_queries(
    size: int, world: World, as_user, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(size):
        session(world)
    client = as_user("office")
    client.get("/coaching/sessions/")
    with django_assert_num_queries(9):
        body = client.get("/coaching/sessions/").content.decode()
    assert body.count("/coaching/sessions/") >= size
