"""Escalations and mediation: the most sensitive area (issue 7 item 5).

An escalation is known ONLY to the person who raised it, the programme office and the
assigned mediator. In these tests `member` (Mia) raises a problem in `welding` and
`other_leader` (Otto, of another community) is made its mediator: the leader, the sponsor
and the core team of welding must not learn that it exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.core.models import AuditEntry
from trellis.programme import services
from trellis.programme.models import Escalation

URLS_COVERED = [
    "escalations",
    "escalation_create",
    "escalation_detail",
    "escalation_manage",
    "escalation_handle",
    "escalations_dashboard",
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
ALL_USERS = set(PERSONAS) - {"anonymous"}
SECRET = "My manager forbids the webinars; please keep this between us."


@pytest.fixture
def as_user(as_user):  # type: ignore[no-untyped-def]
    """Every persona logged in before the test body (logging in writes `last_login`)."""
    clients = {name: as_user(name) for name in PERSONAS}
    return clients.__getitem__


def raised(world: World, *, mediator: bool = True) -> Escalation:
    escalation = services.escalation_raise(
        actor=world.member,
        raised_by=world.member.person,
        community=world.welding,
        kind=Escalation.Kind.TIME,
        description=SECRET,
    )
    if mediator:
        services.escalation_manage(
            actor=world.office,
            escalation=escalation,
            mediator=world.other_leader.person,
            due_on=timezone.localdate() + dt.timedelta(days=14),
            status=Escalation.Status.IN_MEDIATION,
            resolution="",
        )
    return escalation


# --- The permission matrix --------------------------------------------------------------------

# Who may know an escalation exists; the others get 404 (never 403: that would confirm it).
KNOWERS = {"member", "other_leader", "office"}
RAISERS = {"member", "core", "leader", "sponsor", "other_leader", "office"}
STEERERS = {"office", "sponsor", "leader", "other_leader"}

Case = tuple[str, Callable[[World], str], set[str], bool]
CASES: dict[str, Case] = {
    "escalations": ("get", lambda w: "/escalations/", ALL_USERS, False),
    "escalation_create": ("get", lambda w: "/escalations/new/", RAISERS, False),
    "escalations_dashboard": ("get", lambda w: "/escalations/counts/", STEERERS, False),
    "escalation_detail": ("get", lambda w: f"/escalations/{raised(w).pk}/", KNOWERS, False),
    "escalation_manage": (
        "post",
        lambda w: f"/escalations/{raised(w).pk}/manage/",
        {"office"},
        True,
    ),
    "escalation_handle": (
        "post",
        lambda w: f"/escalations/{raised(w).pk}/handle/",
        {"office", "other_leader"},
        True,
    ),
}
# Pages without an object behind them: refused with 403.
KNOWN = {"escalations", "escalation_create", "escalations_dashboard"}
POST_DATA = {
    "escalation_manage": {
        "mediator_email": "other_leader@example.com",
        "status": "resolved",
        "resolution": "Talked to the manager.",
    },
    "escalation_handle": {"status": "resolved", "resolution": "Agreed two hours a week."},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write = CASES[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, POST_DATA.get(name, {}))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200), response.content[:400]
        if is_write:
            assert db_fingerprint() != before
        return
    elif name in KNOWN or persona in KNOWERS:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert db_fingerprint() == before


@pytest.mark.parametrize("persona", ["outsider", "core", "leader", "sponsor"])
def test_an_outsider_guessing_urls_learns_nothing(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world)
    client = as_user(persona)
    before = db_fingerprint()
    for pk in (escalation.pk, escalation.pk + 1, 0, 10**9):
        for method, path in [
            ("get", f"/escalations/{pk}/"),
            ("post", f"/escalations/{pk}/manage/"),
            ("post", f"/escalations/{pk}/handle/"),
        ]:
            response = getattr(client, method)(path, {"status": "closed"})
            # The same answer whether the escalation exists or not.
            assert response.status_code == 404, (persona, path)
            assert SECRET not in response.content.decode()
    listing = client.get("/escalations/").content.decode()
    assert SECRET not in listing and f"#{escalation.pk}" not in listing
    assert db_fingerprint() == before


def test_the_list_shows_each_reader_only_their_part(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world)
    label = f"#{escalation.pk} "
    assert "raised by you" in as_user("member").get("/escalations/").content.decode()
    assert "you mediate" in as_user("other_leader").get("/escalations/").content.decode()
    assert label in as_user("office").get("/escalations/").content.decode()
    for persona in ("leader", "sponsor", "core", "outsider"):
        assert label not in as_user(persona).get("/escalations/").content.decode()


def test_the_mediator_loses_access_when_replaced(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world)
    assert as_user("other_leader").get(f"/escalations/{escalation.pk}/").status_code == 200
    services.escalation_manage(
        actor=world.office,
        escalation=escalation,
        mediator=world.sponsor.person,
        due_on=None,
        status=Escalation.Status.IN_MEDIATION,
        resolution="",
    )
    assert as_user("other_leader").get(f"/escalations/{escalation.pk}/").status_code == 404
    assert as_user("sponsor").get(f"/escalations/{escalation.pk}/").status_code == 200


# --- Raising ----------------------------------------------------------------------------------


def test_a_member_raises_a_problem_privately(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("member").post(
        "/escalations/new/",
        {"community": world.welding.pk, "kind": "conflict", "description": SECRET},
    )
    escalation = Escalation.objects.get()
    assert response["Location"] == f"/escalations/{escalation.pk}/"
    assert escalation.raised_by == world.member.person
    assert (escalation.kind, escalation.status) == ("conflict", "open")
    entry = AuditEntry.objects.get(action="escalation.raise")
    # The audit trail (read by the whole office, kept for years) never holds the text.
    assert SECRET not in str(entry.changes) and SECRET not in entry.object_repr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "conflict", "description": ""}, "This field is required."),
        ({"kind": "gossip", "description": "x"}, "Select a valid choice."),
        ({"kind": "time", "description": "x" * 5001}, "at most 5000 characters"),
        ({"kind": "time", "description": "x", "community": "cloud"}, "Select a valid choice."),
    ],
)
def test_it_explains_bad_input_and_stores_nothing(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("member")
    community = world.cloud if data.pop("community", "") == "cloud" else world.welding
    before = db_fingerprint()
    response = client.post("/escalations/new/", {"community": community.pk, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert db_fingerprint() == before


def test_an_outsider_without_community_cannot_raise(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("outsider")
    before = db_fingerprint()
    response = client.post(
        "/escalations/new/", {"community": world.welding.pk, "kind": "other", "description": "x"}
    )
    assert response.status_code == 403
    assert db_fingerprint() == before


# --- Handling ---------------------------------------------------------------------------------


def test_the_office_assigns_a_mediator_who_is_told_without_the_content(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world, mediator=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("office").post(
            f"/escalations/{escalation.pk}/manage/",
            {
                "mediator_email": "OTHER_LEADER@example.com",
                "due_on": "2030-01-31",
                "status": "mediation",
                "resolution": "",
            },
        )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.mediator == world.other_leader.person
    assert escalation.due_on == dt.date(2030, 1, 31)
    assert [m.to for m in mail.outbox] == [["other_leader@example.com"]]
    assert SECRET not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mediator_email": "nobody@example.com"}, "No one in the directory has this e-mail."),
        ({"mediator_email": "member@example.com"}, "cannot be the person who raised it"),
        ({"status": "resolved"}, "Write a resolution note before marking it resolved."),
        ({"status": "lost"}, "Select a valid choice."),
        ({"due_on": "someday"}, "Enter a valid date."),
    ],
)
def test_it_explains_bad_handling_and_changes_nothing(
    data: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world)
    client = as_user("office")
    before = db_fingerprint()
    form = {"mediator_email": "", "due_on": "", "status": "mediation", "resolution": "", **data}
    response = client.post(f"/escalations/{escalation.pk}/manage/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert db_fingerprint() == before


def test_the_mediator_resolves_and_the_raiser_reads_the_note(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    escalation = raised(world)
    response = as_user("other_leader").post(
        f"/escalations/{escalation.pk}/handle/",
        {"status": "resolved", "resolution": "Two hours a week agreed with the manager."},
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "resolved" and escalation.resolved_at is not None
    page = as_user("member").get(f"/escalations/{escalation.pk}/").content.decode()
    assert "Two hours a week agreed with the manager." in page
    assert "Your mediation" not in page  # the raiser reads, does not handle
    entry = AuditEntry.objects.filter(action="escalation.update").last()
    assert entry is not None and "Two hours" not in str(entry.changes)


# --- The dashboard: counts only -------------------------------------------------------------


def test_the_dashboard_shows_counts_without_private_content(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    raised(world)
    services.escalation_raise(
        actor=world.core,
        raised_by=world.core.person,
        community=world.welding,
        kind=Escalation.Kind.TOOLING,
        description="The wiki is down.",
    )
    late = raised(world, mediator=False)
    Escalation.objects.filter(pk=late.pk).update(due_on=dt.date(2000, 1, 1))
    body = as_user("sponsor").get("/escalations/counts/").content.decode()
    assert 'data-count="total">3<' in body
    assert 'data-count="open">3<' in body
    assert 'data-count="overdue">1<' in body
    for private in (SECRET, "The wiki is down.", "Welding", "Mia Member", "Cory Core", "Otto"):
        assert private not in body


# --- Query counts -----------------------------------------------------------------------------


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/escalations/", "/escalations/counts/"])
def test_the_pages_run_a_fixed_number_of_queries(path: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    raised(world)
    small = _queries(client, path)
    for _i in range(20):
        raised(world)
    assert _queries(client, path) == small


def test_the_raiser_is_told_in_their_language_when_it_is_closed(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    mia = world.member.person
    mia.language = "fr"
    mia.save()
    escalation = raised(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        as_user("other_leader").post(
            f"/escalations/{escalation.pk}/handle/",
            {"status": "resolved", "resolution": "Agreed."},
        )
    assert [m.to for m in mail.outbox] == [["member@example.com"]]
    assert mail.outbox[0].extra_headers["Content-Language"] == "fr"
    assert mail.outbox[0].body.startswith("Bonjour Mia Member,")
    assert SECRET not in mail.outbox[0].body and "Agreed." not in mail.outbox[0].body
