"""Lifecycle care: dormancy rules on constructed cases, alerts once per detection, closing
and merging communities without losing their history."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World, make_person
from trellis.activity.models import Event, Space, SpaceDay
from trellis.communities.models import Community, Membership, Role, SpaceLink, Stage
from trellis.core.models import AuditEntry
from trellis.incubation import lifecycle
from trellis.incubation.models import CommunityMerge, DormancyAlert
from trellis.incubation.selectors import dormant_communities, months_before

URLS_COVERED = ["lifecycle_dormant", "community_archive"]
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
ON = dt.date(2026, 11, 28)  # cutoff with 6 months: 2026-05-28


def activity(community: Community, day: dt.date, *, posts: int = 1, replies: int = 0) -> None:
    space, _ = Space.objects.get_or_create(
        source="slack", external_id=f"C-{community.slug}", defaults={"community": community}
    )
    SpaceDay.objects.create(space=space, day=day, posts=posts, replies=replies, reactions=3)


def event(community: Community, day: dt.date, status: str = Event.Status.HELD) -> None:
    start = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    Event.objects.create(community=community, title="Webinar", start=start, status=status)


def dormant(**kwargs: object) -> set[str]:
    return set(dormant_communities(on=ON, months=6, **kwargs).values_list("slug", flat=True))  # type: ignore[arg-type]


# --- Rules on constructed cases --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 28), dt.date(2026, 5, 28)),
        (dt.date(2026, 8, 31), dt.date(2026, 2, 28)),  # clamped to the month's last day
        (dt.date(2026, 3, 15), dt.date(2025, 9, 15)),  # across a year
    ],
)
def test_it_counts_calendar_months(day: dt.date, expected: dt.date) -> None:
    assert months_before(day, 6) == expected


def test_it_finds_a_community_with_no_activity_and_no_event(world: World) -> None:
    assert dormant() == {"welding", "cloud"}


def test_it_keeps_a_community_with_recent_activity(world: World) -> None:
    activity(world.welding, dt.date(2026, 9, 1))
    assert dormant() == {"cloud"}


def test_it_counts_replies_as_activity(world: World) -> None:
    activity(world.welding, dt.date(2026, 9, 1), posts=0, replies=2)
    assert dormant() == {"cloud"}


def test_it_does_not_count_reactions_alone(world: World) -> None:
    activity(world.welding, dt.date(2026, 9, 1), posts=0, replies=0)
    assert "welding" in dormant()


def test_it_counts_activity_on_the_cutoff_day(world: World) -> None:
    activity(world.welding, dt.date(2026, 5, 28))
    activity(world.cloud, dt.date(2026, 5, 27))
    assert dormant() == {"cloud"}


def test_it_ignores_old_activity(world: World) -> None:
    activity(world.welding, dt.date(2026, 1, 10))
    assert "welding" in dormant()


def test_it_keeps_a_community_with_a_recent_event(world: World) -> None:
    event(world.welding, dt.date(2026, 10, 1))
    assert dormant() == {"cloud"}


def test_it_keeps_a_community_with_a_planned_event(world: World) -> None:
    event(world.welding, dt.date(2027, 1, 10), status=Event.Status.PLANNED)
    assert dormant() == {"cloud"}


def test_it_ignores_cancelled_events(world: World) -> None:
    event(world.welding, dt.date(2026, 10, 1), status=Event.Status.CANCELLED)
    assert "welding" in dormant()


def test_it_needs_both_signs_to_be_old(world: World) -> None:
    activity(world.welding, dt.date(2025, 1, 1))
    event(world.welding, dt.date(2026, 7, 1))
    activity(world.cloud, dt.date(2026, 7, 1))
    event(world.cloud, dt.date(2025, 1, 1))
    assert dormant() == set()


def test_it_gives_a_young_community_time(world: World) -> None:
    Community.objects.filter(pk=world.welding.pk).update(launched=dt.date(2026, 6, 1))
    assert dormant() == {"cloud"}


def test_it_watches_active_communities_only(world: World) -> None:
    Community.objects.filter(pk=world.welding.pk).update(stage=Stage.DORMANT)
    Community.objects.filter(pk=world.cloud.pk).update(stage=Stage.INCUBATING)
    assert dormant() == set()


def test_it_does_not_count_another_communitys_space(world: World) -> None:
    activity(world.cloud, dt.date(2026, 10, 1))
    assert dormant() == {"welding"}


def test_it_reads_the_months_from_the_setting(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    activity(world.welding, dt.date(2026, 3, 1))
    settings.DORMANCY_MONTHS = 12
    assert set(dormant_communities(on=ON).values_list("slug", flat=True)) == {"cloud"}
    settings.DORMANCY_MONTHS = 6
    assert set(dormant_communities(on=ON).values_list("slug", flat=True)) == {"welding", "cloud"}


@pytest.mark.parametrize("size", [2, 20])
def test_it_finds_them_in_one_query(size: int, world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for i in range(size):
        c = Community.objects.create(
            name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
        )
        if i % 2:
            activity(c, dt.date(2026, 10, 1))
    with django_assert_num_queries(1):
        found = dormant()
    assert len(found) == 2 + size // 2


# --- Detection: alerts once per detection --------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("detect-dormancy", *args, stdout=out)
    return out.getvalue()


def test_it_alerts_leaders_and_the_office_once(world: World) -> None:
    output = run("--base-url", "https://trellis.example.com")
    assert "dormant (new): welding" in output and "dormant (new): cloud" in output
    recipients = sorted(tuple(m.to) for m in mail.outbox)
    assert recipients == [
        ("leader@example.com",),
        ("office@example.com",),
        ("office@example.com",),
        ("other_leader@example.com",),
    ]
    welding = next(m for m in mail.outbox if m.to == ["leader@example.com"])
    assert welding.subject == "Welding looks dormant"
    assert "https://trellis.example.com/communities/welding/" in welding.body
    assert DormancyAlert.objects.filter(resolved_on__isnull=True).count() == 2
    assert DormancyAlert.objects.get(community=world.welding).notified == 2
    entry = AuditEntry.objects.get(action="lifecycle.dormancy")
    assert entry.changes["new"] == ["cloud", "welding"]

    mail.outbox.clear()
    output = run()
    assert mail.outbox == []
    assert "dormant (already alerted): welding" in output
    assert DormancyAlert.objects.count() == 2


def test_it_resolves_the_alert_when_active_again_and_alerts_again_later(world: World) -> None:
    run()
    activity(world.welding, timezone.localdate())
    output = run()
    assert "active again: welding" in output
    alert = DormancyAlert.objects.get(community=world.welding)
    assert alert.resolved_on == timezone.localdate()
    mail.outbox.clear()
    SpaceDay.objects.all().delete()
    assert "dormant (new): welding" in run()
    assert DormancyAlert.objects.filter(community=world.welding).count() == 2
    assert [m.to for m in mail.outbox] == [["leader@example.com"], ["office@example.com"]]


def test_a_dry_run_changes_nothing(world: World) -> None:
    before = db_fingerprint()
    output = run("--dry-run")
    assert "dormant (new): welding" in output
    assert mail.outbox == [] and db_fingerprint() == before


def test_it_refuses_a_zero_month_window(world: World) -> None:
    with pytest.raises(CommandError):
        run("--months", "0")


def test_the_task_runs_the_same_detection(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from trellis.incubation.tasks import detect_dormancy

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = detect_dormancy.enqueue()
    assert result.return_value == 2
    assert DormancyAlert.objects.count() == 2


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("lifecycle_dormant", "/programme/dormant/"),
        ("community_archive", "/programme/communities/welding/archive/"),
    ],
)
def test_it_opens_lifecycle_pages_to_the_office_only(
    name: str, path: str, persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    response = as_user(persona).get(path)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == (200 if persona == "office" else 403), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_office_close(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    before = db_fingerprint()
    response = client.post(
        "/programme/communities/welding/archive/",
        {"action": "close", "reason": "Ran its course", "on": "2026-11-01"},
    )
    if persona == "office":
        assert response.status_code == 302 and db_fingerprint() != before
    else:
        assert response.status_code in (302, 403) and db_fingerprint() == before
        if persona == "anonymous":
            assert response["Location"].startswith("/login/")
        else:
            assert response.status_code == 403


def test_it_lists_dormant_candidates(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    activity(world.cloud, timezone.localdate())
    run()
    body = as_user("office").get("/programme/dormant/").content.decode()
    assert "/communities/welding/" in body
    assert "/communities/cloud/" not in body
    assert "/programme/communities/welding/archive/" in body


def test_it_lists_the_pages_on_the_programme_home(as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("office").get("/programme/").content.decode()
    assert 'href="/programme/dormant/"' in body


@pytest.mark.parametrize("size", [1, 10])
def test_the_dormant_page_runs_a_fixed_number_of_queries(
    size: int, world: World, as_user, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for i in range(size):
        Community.objects.create(
            name=f"C{i}", slug=f"c{i}", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
        )
    run()
    client = as_user("office")
    client.get("/programme/dormant/")
    with django_assert_num_queries(10):
        client.get("/programme/dormant/")


# --- Closing and merging -------------------------------------------------------------------------


def test_closing_keeps_the_history(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    run()
    response = as_user("office").post(
        "/programme/communities/welding/archive/",
        {"action": "close", "reason": "Ran its course", "on": "2026-11-01"},
    )
    assert response.status_code == 302 and response["Location"] == "/communities/welding/"
    welding = Community.objects.get(slug="welding")
    assert welding.stage == Stage.CLOSED and welding.closed == dt.date(2026, 11, 1)
    memberships = Membership.objects.filter(community=welding)
    assert memberships.count() == 4  # nothing deleted
    assert set(memberships.values_list("left", flat=True)) == {dt.date(2026, 11, 1)}
    assert welding.stage_history.last().note == "Ran its course"  # type: ignore[union-attr]
    assert DormancyAlert.objects.get(community=welding).resolved_on == dt.date(2026, 11, 1)
    entry = AuditEntry.objects.get(action="community.close")
    assert entry.changes["memberships_ended"] == 4
    # The community page still reads, with its members' history.
    assert as_user("member").get("/communities/welding/").status_code == 200


def test_closing_never_ends_a_membership_before_it_began(world: World) -> None:
    Membership.objects.filter(person=world.member.person).update(joined=dt.date(2026, 11, 20))  # type: ignore[attr-defined]
    lifecycle.community_close(
        actor=world.office, community=world.welding, reason="x", on=dt.date(2026, 11, 1)
    )
    m = Membership.objects.get(person=world.member.person)  # type: ignore[attr-defined]
    assert m.left == m.joined == dt.date(2026, 11, 20)


def test_merging_moves_members_and_keeps_the_source(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    link = SpaceLink.objects.create(source="slack", space="welding", community=world.welding)
    already = make_person("both", "Bo Both")
    for community in (world.welding, world.cloud):
        Membership.objects.create(
            person=already.person,  # type: ignore[attr-defined]
            community=community,
            role=Role.MEMBER,
            joined=dt.date(2023, 1, 1),
        )
    response = as_user("office").post(
        "/programme/communities/welding/archive/",
        {"action": "merge", "target": "cloud", "reason": "Same people", "on": "2026-11-01"},
    )
    assert response.status_code == 302 and response["Location"] == "/communities/cloud/"
    in_cloud = dict(
        Membership.objects.filter(community=world.cloud, left__isnull=True).values_list(
            "person__email", "role"
        )
    )
    # Leader, core and member join as members; the sponsor does not; Bo is not doubled.
    assert in_cloud == {
        "other_leader@example.com": "leader",
        "leader@example.com": "member",
        "core@example.com": "member",
        "member@example.com": "member",
        "both@example.com": "member",
    }
    welding = Community.objects.get(slug="welding")
    assert welding.stage == Stage.CLOSED
    assert welding.stage_history.last().note.startswith("Merged into Cloud security.")  # type: ignore[union-attr]
    assert Membership.objects.filter(community=welding).count() == 5
    merge = CommunityMerge.objects.get()
    assert (merge.source, merge.target, merge.members_moved) == (welding, world.cloud, 3)
    link.refresh_from_db()
    assert link.community == welding  # spaces stay: the source's activity stays its own
    assert AuditEntry.objects.filter(action="community.merge").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "merge", "target": "welding"}, "A community cannot be merged into itself."),
        ({"action": "merge", "target": "nowhere"}, "Choose an open community by its short name."),
        ({"action": "merge", "target": ""}, "Choose an open community by its short name."),
        ({"action": "close", "reason": ""}, "This field is required."),
    ],
)
def test_it_explains_bad_archive_input(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    before = db_fingerprint()
    response = client.post(
        "/programme/communities/welding/archive/",
        {"reason": "because", "on": "2026-11-01"} | data,
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert db_fingerprint() == before


def test_it_refuses_to_merge_into_or_close_a_closed_community(world: World) -> None:
    lifecycle.community_close(actor=world.office, community=world.cloud, reason="x")
    with pytest.raises(ValidationError, match="already closed"):
        lifecycle.community_merge(
            actor=world.office, source=world.welding, target=world.cloud, reason="x"
        )
    with pytest.raises(ValidationError, match="already closed"):
        lifecycle.community_close(actor=world.office, community=world.cloud, reason="again")
