"""Engagement letters: who may see and do what, the manager's signature (in the app and from
the e-mailed link), the bad input of issue 7, reminders, renewal, the PDF and the KPI.

In the world of tests/personas.py, `sponsor` (Sam Sponsor) is made the manager of `leader`
(Lea Leader): the manager with a login. `core`'s manager is Nora, who has no login.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.core.models import AuditEntry
from trellis.people.models import Person
from trellis.programme import services
from trellis.programme.models import EngagementLetter

URLS_COVERED = [
    "letters",
    "letter_create",
    "letter_detail",
    "letter_edit",
    "letter_send",
    "letter_sign",
    "letter_renew",
    "letter_pdf",
    "letter_sign_link",
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
YEAR = timezone.localdate().year


# --- Helpers (the browser test uses them too) ------------------------------------------------


@pytest.fixture
def as_user(as_user):  # type: ignore[no-untyped-def]
    """Every persona logged in before the test body: logging in writes `last_login`, which
    would otherwise change the database fingerprint a denied request must leave alone."""
    clients = {name: as_user(name) for name in PERSONAS}
    return clients.__getitem__


def managers(world: World) -> Person:
    """Sponsor manages leader; Nora (no login, French) manages core. Returns Nora."""
    lea = world.leader.person
    lea.manager = world.sponsor.person
    lea.save()
    nora = Person.objects.create(name="Nora Nolog", email="nora@example.com", language="fr")
    cory = world.core.person
    cory.manager = nora
    cory.save()
    return nora


def draft(
    world: World,
    *,
    who: str = "leader",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> EngagementLetter:
    person = world.persona(who).person  # type: ignore[union-attr]
    if person.manager is None:
        managers(world)
        person.refresh_from_db()
    return services.letter_create(
        actor=world.office,
        person=person,
        community=world.welding,
        manager=person.manager,
        time_unit="percent",
        time_amount=Decimal("10"),
        start=start or dt.date(YEAR, 1, 1),
        end=end or dt.date(YEAR, 12, 31),
        objectives="Run four webinars.\nMentor two new core-team members.",
    )


def sent(world: World, who: str = "leader", **kwargs: dt.date) -> tuple[EngagementLetter, str]:
    """A letter sent for signature, and the token of its link (read from the e-mail)."""
    letter = draft(world, who=who, **kwargs)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        letter = services.letter_send(
            actor=world.office, letter=letter, base_url="http://testserver"
        )
    return letter, token_from_mail()


def token_from_mail() -> str:
    """The token of the last signing link e-mailed (e-mails leave once the write commits)."""
    found = re.findall(r"/letters/sign/([^/\s]+)/", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found[0]


def signed(world: World, **kwargs: dt.date) -> EngagementLetter:
    letter, _token = sent(world, **kwargs)
    return services.letter_decide(
        actor=world.sponsor, letter=letter, signer=world.sponsor.person, sign=True
    )


# --- Permissions ------------------------------------------------------------------------------

# Who reads a letter of Lea (leader): the office, Lea, her manager (sponsor). The others get
# 404, as if it did not exist; those who read it but may not do the action get 403.
READERS = {"office", "leader", "sponsor"}

# name -> (method, path builder, allowed personas, is_write)
Case = tuple[str, Callable[[World], str], set[str], bool]
CASES: dict[str, Case] = {
    "letters": ("get", lambda w: "/letters/", ALL_USERS, False),
    "letter_create": ("get", lambda w: "/letters/new/", {"office"}, False),
    "letter_detail": ("get", lambda w: f"/letters/{draft(w).pk}/", READERS, False),
    "letter_edit": ("get", lambda w: f"/letters/{draft(w).pk}/edit/", {"office"}, False),
    "letter_send": ("post", lambda w: f"/letters/{draft(w).pk}/send/", {"office"}, True),
    "letter_sign": ("post", lambda w: f"/letters/{sent(w)[0].pk}/sign/", {"sponsor"}, True),
    "letter_renew": ("post", lambda w: f"/letters/{signed(w).pk}/renew/", {"office"}, True),
    "letter_pdf": ("get", lambda w: f"/letters/{signed(w).pk}/letter.pdf", READERS, False),
}
# Pages anyone logged in may know exist (no object behind them): refused with 403.
KNOWN = {"letters", "letter_create"}
POST_DATA = {"letter_sign": {"decision": "sign"}}


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
    elif name in KNOWN or persona in READERS:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_anyone_with_the_link_sign_and_nobody_without(
    persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    # The token is the key: the link works for whoever holds it, logged in or not, once.
    letter, token = sent(world)
    client = as_user(persona)
    assert client.get(reverse("letter_sign_link", args=["not-a-token"])).status_code == 404
    assert reverse("letter_sign_link", args=[token]) == f"/letters/sign/{token}/"
    page = client.get(f"/letters/sign/{token}/")
    assert page.status_code == 200
    assert "Lea Leader" in page.content.decode()
    response = client.post(f"/letters/sign/{token}/", {"decision": "sign"})
    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.status == "signed" and letter.signed_via == "link"
    assert letter.signer_name == "Sam Sponsor"


def test_it_lists_only_the_letters_of_the_reader(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    draft(world)
    draft(world, who="core")
    assert "Lea Leader" in as_user("leader").get("/letters/").content.decode()
    assert "Cory Core" not in as_user("leader").get("/letters/").content.decode()
    assert "Lea Leader" in as_user("sponsor").get("/letters/").content.decode()
    outsider = as_user("outsider").get("/letters/").content.decode()
    assert "Lea Leader" not in outsider and "Cory Core" not in outsider
    office = as_user("office").get("/letters/?status=draft&community=welding").content.decode()
    assert "Lea Leader" in office and "Cory Core" in office


# --- The office prepares and sends ------------------------------------------------------------


def _form(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "person": str(world.leader.person.pk),
        "community": str(world.welding.pk),
        "manager_email": "",
        "time_unit": "percent",
        "time_amount": "10",
        "start": f"{YEAR}-01-01",
        "end": f"{YEAR}-12-31",
        "objectives": "Run four webinars.",
    }
    data.update(overrides)
    return data


def test_it_creates_a_draft_with_the_manager_of_the_directory(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    managers(world)
    response = as_user("office").post("/letters/new/", _form(world))
    letter = EngagementLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/letters/{letter.pk}/"
    assert letter.manager == world.sponsor.person and letter.status == "draft"
    assert AuditEntry.objects.filter(action="letter.create", object_id=str(letter.pk)).exists()


def test_it_edits_a_draft_and_only_a_draft(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    letter = draft(world)
    office = as_user("office")
    data = _form(world, time_unit="hours", time_amount="12", objectives="Two webinars.")
    assert office.post(f"/letters/{letter.pk}/edit/", data).status_code == 302
    letter.refresh_from_db()
    assert (letter.time_unit, letter.time_amount) == ("hours", Decimal("12"))
    services.letter_send(actor=world.office, letter=letter, base_url="")
    response = office.post(f"/letters/{letter.pk}/edit/", _form(world, objectives="Changed"))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.objectives == "Two webinars."


def test_it_emails_the_manager_a_link_in_the_managers_language(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    nora = managers(world)
    letter = draft(world, who="core")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("office").post(f"/letters/{letter.pk}/send/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [nora.email]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.body.startswith("Bonjour Nora Nolog,")
    assert "décembre" in message.body  # the period, as a French date
    token = token_from_mail()
    letter.refresh_from_db()
    assert letter.status == "sent"
    # Only the hash of the token is stored.
    assert token not in json.dumps(list(EngagementLetter.objects.values()), default=str)
    assert letter.token_hash == services.hash_token(token)
    # The page of the link opens in the manager's language, whoever opens it.
    page = Client().get(f"/letters/sign/{token}/")
    assert page.status_code == 200 and "Cory Core" in page.content.decode()
    assert page["Referrer-Policy"] == "strict-origin"


def test_it_sends_a_new_link_that_replaces_the_old_one(world: World) -> None:
    letter, first = sent(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.letter_send(actor=world.office, letter=letter, base_url="")
    second = token_from_mail()
    assert first != second
    assert Client().get(f"/letters/sign/{first}/").status_code == 404
    assert Client().get(f"/letters/sign/{second}/").status_code == 200


# --- The manager decides ----------------------------------------------------------------------


def test_it_lets_the_manager_sign_in_the_app_and_tells_the_person(
    world: World, as_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    letter, _token = sent(world)
    mail.outbox.clear()
    page = as_user("sponsor").get(f"/letters/{letter.pk}/").content.decode()
    assert "Your signature" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("sponsor").post(f"/letters/{letter.pk}/sign/", {"decision": "sign"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "signed" and letter.signed_via == "app"
    assert [m.to for m in mail.outbox] == [["leader@example.com"]]
    assert "signed" in mail.outbox[0].subject
    assert AuditEntry.objects.filter(action="letter.sign", object_id=str(letter.pk)).exists()


def test_it_records_a_decline_with_its_reason(world: World) -> None:
    letter, token = sent(world)
    response = Client().post(f"/letters/sign/{token}/", {"decision": "decline", "reason": ""})
    assert response.status_code == 200
    assert "Please say why you decline" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "sent"
    Client().post(f"/letters/sign/{token}/", {"decision": "decline", "reason": "Busy quarter"})
    letter.refresh_from_db()
    assert (letter.status, letter.decline_reason) == ("declined", "Busy quarter")
    assert letter.signed_at is None


# --- Bad input (issue 7) ----------------------------------------------------------------------


def test_it_refuses_a_used_link_with_a_clear_page_and_no_leak(world: World) -> None:
    letter, token = sent(world)
    Client().post(f"/letters/sign/{token}/", {"decision": "sign"})
    before = db_fingerprint()
    for response in (
        Client().get(f"/letters/sign/{token}/"),
        Client().post(f"/letters/sign/{token}/", {"decision": "decline", "reason": "x"}),
    ):
        body = response.content.decode()
        assert response.status_code == 410
        assert "already been used" in body
        assert "Lea Leader" not in body and "Welding" not in body
    assert db_fingerprint() == before
    letter.refresh_from_db()
    assert letter.status == "signed"


def test_it_refuses_an_expired_link_with_a_clear_page_and_no_leak(world: World) -> None:
    letter, token = sent(world)
    EngagementLetter.objects.filter(pk=letter.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    before = db_fingerprint()
    for response in (
        Client().get(f"/letters/sign/{token}/"),
        Client().post(f"/letters/sign/{token}/", {"decision": "sign"}),
    ):
        body = response.content.decode()
        assert response.status_code == 410
        assert "expired" in body and "new link" in body
        assert "Lea Leader" not in body and "Sam Sponsor" not in body
    assert db_fingerprint() == before


def test_it_refuses_a_link_of_a_letter_no_longer_waiting(world: World) -> None:
    letter, token = sent(world)
    EngagementLetter.objects.filter(pk=letter.pk).update(status="expired")
    response = Client().get(f"/letters/sign/{token}/")
    assert response.status_code == 410
    assert "no longer waits" in response.content.decode()


def test_it_refuses_a_manager_who_is_not_the_persons_manager(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    managers(world)
    # At creation: the e-mail of someone else.
    before = db_fingerprint()
    response = as_user("office").post(
        "/letters/new/", _form(world, manager_email="outsider@example.com")
    )
    assert response.status_code == 200
    assert "Oscar Outsider is not the manager of Lea Leader." in response.content.decode()
    assert db_fingerprint() == before
    # In the app: someone who may read the letter but is not the manager.
    letter, _token = sent(world)
    before = db_fingerprint()
    assert (
        as_user("office").post(f"/letters/{letter.pk}/sign/", {"decision": "sign"}).status_code
        == 403
    )
    assert (
        as_user("leader").post(f"/letters/{letter.pk}/sign/", {"decision": "sign"}).status_code
        == 403
    )
    assert db_fingerprint() == before


def test_it_refuses_the_signature_when_the_directory_changed_the_manager(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    letter, token = sent(world)
    lea = world.leader.person
    lea.manager = world.outsider.person
    lea.save()
    before = db_fingerprint()
    response = as_user("sponsor").post(
        f"/letters/{letter.pk}/sign/", {"decision": "sign"}, follow=True
    )
    assert "Sam Sponsor is not the manager of Lea Leader" in response.content.decode()
    response = Client().post(f"/letters/sign/{token}/", {"decision": "sign"})
    assert "is not the manager of Lea Leader" in response.content.decode()
    assert db_fingerprint() == before


def test_it_refuses_overlapping_letters_for_the_same_person_and_period(
    world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    draft(world)
    before = db_fingerprint()
    response = as_user("office").post(
        "/letters/new/", _form(world, start=f"{YEAR}-06-01", end=f"{YEAR + 1}-05-31")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lea Leader already has a letter for Welding" in body
    assert "the periods overlap" in body
    assert db_fingerprint() == before
    # A declined letter leaves its period free.
    EngagementLetter.objects.update(status="declined")
    response = as_user("office").post(
        "/letters/new/", _form(world, start=f"{YEAR}-06-01", end=f"{YEAR + 1}-05-31")
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": f"{YEAR - 1}-12-31"}, "The end of the period is before its start."),
        ({"time_amount": "120"}, "A share of working time is at most 100."),
        ({"time_amount": "0"}, "greater than or equal to 0.01"),
        ({"start": "31/31/2026"}, "Enter a valid date."),
        ({"objectives": ""}, "This field is required."),
        ({"person": str(10**6)}, "Select a valid choice."),
        ({"manager_email": "nobody@example.com"}, "No one in the directory has this e-mail."),
    ],
)
def test_it_explains_bad_letter_input_and_stores_nothing(
    overrides: dict[str, str], message: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    managers(world)
    before = db_fingerprint()
    response = as_user("office").post("/letters/new/", _form(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert db_fingerprint() == before


def test_it_refuses_a_letter_for_someone_without_a_manager_or_role(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post("/letters/new/", _form(world))
    assert "Lea Leader has no manager in the directory" in response.content.decode()
    managers(world)
    member = world.member.person
    member.manager = world.sponsor.person
    member.save()
    with pytest.raises(Exception, match="not a leader or core-team member"):
        services.letter_create(
            actor=world.office,
            person=member,
            community=world.welding,
            manager=world.sponsor.person,
            time_unit="hours",
            time_amount=Decimal(8),
            start=dt.date(YEAR, 1, 1),
            end=dt.date(YEAR, 12, 31),
            objectives="x",
        )


# --- Renewal, reminders, expiry, PDF ----------------------------------------------------------


def test_it_renews_a_signed_letter_for_the_next_period(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    letter = signed(world)
    response = as_user("office").post(f"/letters/{letter.pk}/renew/")
    renewal = EngagementLetter.objects.exclude(pk=letter.pk).get()
    assert response["Location"] == f"/letters/{renewal.pk}/"
    assert (renewal.start, renewal.end) == (dt.date(YEAR + 1, 1, 1), dt.date(YEAR + 1, 12, 31))
    assert renewal.status == "draft" and renewal.renewed_from == letter
    assert (renewal.objectives, renewal.time_amount) == (letter.objectives, letter.time_amount)
    # Renewing twice would overlap the draft: a clear message, nothing stored.
    before = db_fingerprint()
    response = as_user("office").post(f"/letters/{letter.pk}/renew/", follow=True)
    assert "the periods overlap" in response.content.decode()
    assert db_fingerprint() == before


def test_it_renews_a_period_of_odd_length_by_days(world: World) -> None:
    letter = signed(world, start=dt.date(YEAR, 3, 15), end=dt.date(YEAR, 9, 14))
    renewal = services.letter_renew(actor=world.office, letter=letter)
    assert renewal.start == dt.date(YEAR, 9, 15)
    assert renewal.end - renewal.start == letter.end - letter.start


def _daily(*args: str) -> str:
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("letters-daily", *args, stdout=out)
    return out.getvalue()


def test_the_daily_command_reminds_once_before_expiry_and_expires_after(world: World) -> None:
    letter = signed(world)
    mail.outbox.clear()
    assert "0 letters expired, 0 reminders sent." in _daily("--today", f"{YEAR}-11-01")
    out = _daily("--today", f"{YEAR}-12-05", "--base-url", "https://trellis.example.com")
    assert "0 letters expired, 1 reminders sent." in out
    assert [m.to for m in mail.outbox] == [["leader@example.com"]]
    assert f"https://trellis.example.com/letters/{letter.pk}/" in mail.outbox[0].body
    assert "1 reminders sent" not in _daily("--today", f"{YEAR}-12-06")  # once only
    assert "1 letters expired" in _daily("--today", f"{YEAR + 1}-01-01")
    letter.refresh_from_db()
    assert letter.status == "expired"
    assert AuditEntry.objects.filter(action="letter.expire").exists()


def test_the_daily_command_refuses_a_bad_date(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        _daily("--today", "tomorrow")


def test_the_daily_task_runs_the_same_pass(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from trellis.programme.tasks import letters_daily

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    EngagementLetter.objects.filter(pk=draft(world).pk).update(
        status="signed",
        signed_at=timezone.now(),
        end=dt.date(2000, 1, 1),
        start=dt.date(1999, 1, 1),
    )
    result = letters_daily.enqueue()
    assert result.return_value == {"expired": 1, "reminded": 0}


def test_it_makes_a_pdf_of_the_signed_letter_only(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    letter, _token = sent(world)
    assert as_user("leader").get(f"/letters/{letter.pk}/letter.pdf").status_code == 404
    services.letter_decide(
        actor=world.sponsor, letter=letter, signer=world.sponsor.person, sign=True
    )
    response = as_user("leader").get(f"/letters/{letter.pk}/letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- The KPI ----------------------------------------------------------------------------------


def _kpis(year: int) -> dict[str, object]:
    out = StringIO()
    call_command("kpis", "--year", str(year), "--format", "json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_letters_signed_rate_through_trellis_kpis(world: World) -> None:
    # Welding: leader (signed, valid at the end of the year) and core (signed, but ends in
    # November); cloud: other_leader (no letter).
    signed(world)
    nora = Person.objects.get(name="Nora Nolog")
    core_letter, token = sent(world, who="core", end=dt.date(YEAR, 11, 30))
    services.letter_decide_by_link(token=token, sign=True)
    assert core_letter.manager == nora
    data = _kpis(YEAR)
    rows = {row["slug"]: row for row in data["communities"]}  # type: ignore[attr-defined]
    assert (rows["welding"]["letter_holders"], rows["welding"]["letters_signed"]) == (2, 1)
    assert rows["welding"]["letters_signed_rate"] == 0.5
    assert (rows["cloud"]["letter_holders"], rows["cloud"]["letters_signed"]) == (1, 0)
    assert rows["cloud"]["letters_signed_rate"] == 0.0
    programme = data["programme"]
    assert (programme["letter_holders"], programme["letters_signed"]) == (3, 1)  # type: ignore[index]
    assert programme["letters_signed_rate"] == pytest.approx(1 / 3)  # type: ignore[index]
    # A letter signed after the end of the year does not count for it; the daily pass marking
    # it expired later does not take it out of the year it covered.
    EngagementLetter.objects.filter(person=world.leader.person).update(status="expired")
    assert _kpis(YEAR)["programme"]["letters_signed"] == 1  # type: ignore[index]
    EngagementLetter.objects.filter(person=world.leader.person).update(
        signed_at=dt.datetime(YEAR + 1, 1, 2, tzinfo=dt.UTC)
    )
    assert _kpis(YEAR)["programme"]["letters_signed"] == 0  # type: ignore[index]


def test_the_office_filters_letters_ending_soon(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    signed(world, start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=10))
    draft(world, who="core")
    page = as_user("office").get("/letters/?status=ending").content.decode()
    assert "Lea Leader" in page and "Cory Core" not in page
    EngagementLetter.objects.filter(person=world.leader.person).update(
        end=today + dt.timedelta(days=90)
    )
    assert "Lea Leader" not in as_user("office").get("/letters/?status=ending").content.decode()
