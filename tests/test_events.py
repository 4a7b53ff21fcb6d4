"""Events: leaders' pages (list, create, edit, cancel), the programme calendar, the iCal
feeds with their per-user token, and `trellis import-events` (all or nothing, idempotent).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.activity.models import Event
from trellis.core.models import AuditEntry
from trellis.events.ical import escape_text, feed_token, fold

pytestmark = pytest.mark.django_db

ALL_USERS = {"office", "sponsor", "leader", "core", "member", "outsider", "other_leader"}
LEADERS = {"office", "leader"}


def soon(days: int = 10, hour: int = 14) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def make_event(world: World, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "community": world.welding,
        "title": "Welding robots",
        "type": Event.Type.WEBINAR,
        "start": soon(),
    }
    values.update(fields)
    return Event.objects.create(**values)


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Arc welding basics",
        "type": "webinar",
        "start": soon().strftime("%Y-%m-%dT%H:%M"),
        "end": (soon() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "status": "planned",
        "description": "",
        "attendee_count": "",
        "attendee_emails": "",
        "recording_url": "",
    }
    data.update(overrides)
    return data


# --- Leaders' pages ---------------------------------------------------------------------------


def test_it_lets_a_leader_add_an_event(world: World, as_user: Any) -> None:
    client = as_user("leader")
    response = client.post("/communities/welding/events/new/", form_data())
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.community, event.title, event.status) == (
        world.welding,
        "Arc welding basics",
        "planned",
    )
    assert AuditEntry.objects.filter(action="event.create").count() == 1
    page = client.get("/communities/welding/events/").content.decode()
    assert "Arc welding basics" in page


def test_it_records_attendees_by_email(world: World, as_user: Any) -> None:
    data = form_data(attendee_emails="MEMBER@example.com\ncore@example.com", status="held")
    response = as_user("leader").post("/communities/welding/events/new/", data)
    assert response.status_code == 302
    event = Event.objects.get()
    assert {p.email for p in event.attendees.all()} == {"member@example.com", "core@example.com"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attendee_emails": "ghost@example.com"}, "ghost@example.com"),
        ({"end": (soon() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}, "before the start"),
        ({"start": "tomorrow"}, "start"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
    ],
)
def test_it_rejects_a_bad_event(
    overrides: dict[str, str], message: str, world: World, as_user: Any
) -> None:
    response = as_user("leader").post("/communities/welding/events/new/", form_data(**overrides))
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert message in response.content.decode()


def test_it_edits_and_cancels_an_event(world: World, as_user: Any) -> None:
    event = make_event(world)
    client = as_user("leader")
    response = client.post(
        f"/communities/welding/events/{event.pk}/edit/",
        form_data(title="Welding robots (new date)", attendee_count="42", status="held"),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.attendee_count, event.status) == (
        "Welding robots (new date)",
        42,
        "held",
    )
    assert client.post(f"/communities/welding/events/{event.pk}/cancel/").status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "event.update" in actions and "event.cancel" in actions
    # A cancelled event can be reinstated from its form.
    response = client.post(
        f"/communities/welding/events/{event.pk}/edit/", form_data(status="planned")
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.PLANNED


def test_it_keeps_other_communities_events_out_of_reach(world: World, as_user: Any) -> None:
    event = make_event(world, community=world.cloud)
    client = as_user("leader")
    before = db_fingerprint()
    assert client.post(f"/communities/cloud/events/{event.pk}/cancel/").status_code == 403
    # An event of another community through this community's address does not exist.
    assert client.post(f"/communities/welding/events/{event.pk}/cancel/").status_code == 404
    assert client.get(f"/communities/welding/events/{event.pk}/edit/").status_code == 404
    assert db_fingerprint() == before


def test_it_lists_upcoming_and_past_events(world: World, as_user: Any) -> None:
    make_event(world, title="Next week", start=soon(7))
    make_event(world, title="Last month", start=soon(-30), status="held")
    page = as_user("member").get("/communities/welding/events/").content.decode()
    upcoming, past = page.split("Past events")
    assert "Next week" in upcoming and "Last month" not in upcoming
    assert "Last month" in past
    assert "events.ics?token=" in page


def test_it_shows_the_programme_calendar_with_filters(world: World, as_user: Any) -> None:
    make_event(world, title="Welding webinar", start=soon(3))
    make_event(world, title="Cloud workshop", community=world.cloud, type="workshop", start=soon(4))
    make_event(world, title="Cancelled talk", start=soon(5), status="cancelled")
    make_event(world, title="Old talk", start=soon(-5), status="held")
    client = as_user("outsider")
    page = client.get("/events/").content.decode()
    assert page.index("Welding webinar") < page.index("Cloud workshop")
    assert "Cancelled talk" not in page and "Old talk" not in page
    page = client.get("/events/?type=workshop").content.decode()
    assert "Cloud workshop" in page and "Welding webinar" not in page
    page = client.get("/events/?community=welding").content.decode()
    assert "Welding webinar" in page and "Cloud workshop" not in page
    bu = world.cloud.business_units.get()
    page = client.get(f"/events/?business_unit={bu.pk}").content.decode()
    assert "Cloud workshop" in page and "Welding webinar" not in page


# --- iCal -----------------------------------------------------------------------------------


def unfold(body: bytes) -> list[str]:
    text = body.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    return text.replace("\r\n ", "").split("\r\n")


def test_it_writes_a_valid_ical_feed(world: World, as_user: Any) -> None:
    long_title = "Sécurité, soudure; et \\ « retours » d'expérience — " * 3
    event = make_event(
        world,
        title=long_title,
        description="Line one\nLine two, with a comma",
        end=soon() + dt.timedelta(hours=2),
        recording_url="https://video.example.com/rec/1",
    )
    make_event(world, title="Cancelled", status="cancelled", start=soon(20))
    response = as_user("member").get("/communities/welding/events.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content
    assert body.endswith(b"\r\n")
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no line is cut inside a UTF-8 character
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events = "\n".join(lines).split("BEGIN:VEVENT")[1:]
    assert len(events) == 2
    for block in events:
        assert re.search(r"^UID:trellis-event-\d+@", block, re.M)
        assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z$", block, re.M)
        assert re.search(r"^DTSTART:\d{8}T\d{6}Z$", block, re.M)
    assert f"SUMMARY:{escape_text(long_title)}" in lines
    assert "SUMMARY:Sécurité\\, soudure\\; et \\\\ « retours »" in "\n".join(lines)
    start = event.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in lines
    assert any(line.startswith("DESCRIPTION:Line one\\nLine two\\, with a comma") for line in lines)
    assert "STATUS:CANCELLED" in lines


@given(st.text(max_size=300))
def test_it_escapes_and_folds_any_text(text: str) -> None:
    line = "SUMMARY:" + escape_text(text)
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line
    escaped = escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    # Unescaping gives the text back (newlines normalised).
    restored = re.sub(
        r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), escaped
    )
    assert restored == text.replace("\r\n", "\n").replace("\r", "\n")


def test_it_reads_feeds_with_a_token_and_refuses_forgeries(world: World, client: Any) -> None:
    make_event(world, title="Token event")
    token = feed_token(world.member)
    for path in ("/events.ics", "/communities/welding/events.ics"):
        assert client.get(path).status_code == 403
        assert client.get(path, {"token": "1.deadbeef"}).status_code == 403
        # The last character changed (a token ending in "0" made the old "+ '0'" a no-op).
        tampered = token[:-1] + ("1" if token[-1] == "0" else "0")
        assert client.get(path, {"token": tampered}).status_code == 403
        response = client.get(path, {"token": token})
        assert response.status_code == 200
        assert b"Token event" in response.content
    # Another user's id with this user's MAC is refused.
    forged = f"{world.office.pk}.{token.split('.', 1)[1]}"
    assert client.get("/events.ics", {"token": forged}).status_code == 403
    # A deactivated user's token stops working.
    world.member.is_active = False
    world.member.save()
    assert client.get("/events.ics", {"token": token}).status_code == 403


def test_it_gives_each_user_a_different_token(world: World) -> None:
    assert feed_token(world.member) != feed_token(world.leader)
    assert feed_token(world.member) == feed_token(world.member)


def test_it_returns_404_for_an_unknown_community_feed(world: World, as_user: Any) -> None:
    assert as_user("member").get("/communities/nope/events.ics").status_code == 404


# --- Import ---------------------------------------------------------------------------------

HEADER = [
    "community",
    "type",
    "title",
    "start",
    "end",
    "status",
    "attendees",
    "recording_url",
    "id",
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


LISTED = "member@example.com|CORE@example.com"
GOOD = [
    ["welding", "webinar", "Robots", "2025-03-14 10:00", "2025-03-14 11:00", "held", "35",
     "https://v.example.com/1", "ev-1"],
    ["welding", "Workshop", "Hands-on", "2025-04-02T09:00:00+02:00", "", "held", LISTED, "",
     "ev-2"],
    ["cloud", "meeting", "Quarterly", "2025-06-01", "", "", "", "", ""],
]  # fmt: skip


def run_import(
    tmp_path: Path, data: bytes, *args: str, name: str = "events.csv"
) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import-events", str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_it_imports_events(world: World, tmp_path: Path, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    code, out, err = run_import(tmp_path, csv_bytes(GOOD))
    assert code == 0, err
    assert "created: 3" in out
    robots = Event.objects.get(external_id="ev-1")
    assert robots.start == dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
    assert (robots.attendee_count, robots.status, robots.type) == (35, "held", "webinar")
    hands_on = Event.objects.get(external_id="ev-2")
    assert hands_on.type == "workshop"
    assert hands_on.start == dt.datetime(2025, 4, 2, 7, 0, tzinfo=dt.UTC)
    assert {p.email for p in hands_on.attendees.all()} == {"member@example.com", "core@example.com"}
    quarterly = Event.objects.get(title="Quarterly")
    assert (quarterly.community, quarterly.status) == (world.cloud, "planned")
    entry = AuditEntry.objects.get(action="events.import")
    assert entry.changes["created"] == 3 and len(entry.changes["sha256"]) == 64


def test_it_changes_nothing_the_second_time(world: World, tmp_path: Path) -> None:
    assert run_import(tmp_path, csv_bytes(GOOD))[0] == 0
    before = db_fingerprint()
    code, out, _err = run_import(tmp_path, csv_bytes(GOOD))
    assert code == 0
    assert "unchanged: 3" in out and "created: 0" in out
    assert db_fingerprint() == before


def test_it_updates_events_by_id(world: World, tmp_path: Path) -> None:
    run_import(tmp_path, csv_bytes(GOOD))
    rows = [list(r) for r in GOOD]
    rows[0][2] = "Robots, second edition"
    rows[1][6] = "12"  # a count replaces the list
    code, out, _err = run_import(tmp_path, csv_bytes(rows))
    assert code == 0
    assert "updated: 2" in out and "unchanged: 1" in out
    assert Event.objects.get(external_id="ev-1").title == "Robots, second edition"
    hands_on = Event.objects.get(external_id="ev-2")
    assert hands_on.attendee_count == 12 and not hands_on.attendees.exists()
    assert Event.objects.count() == 3


def test_it_rejects_the_whole_file_and_names_each_bad_row(world: World, tmp_path: Path) -> None:
    rows = [
        *GOOD,
        ["nowhere", "webinar", "A", "2025-01-01 10:00", "", "", "", "", ""],
        ["welding", "party", "B", "2025-01-01 10:00", "", "", "", "", ""],
        ["welding", "webinar", "C", "14/03/2025", "", "", "", "", ""],
        ["welding", "webinar", "D", "2025-01-02 10:00", "2025-01-01 10:00", "", "", "", ""],
        ["welding", "webinar", "E", "2025-01-01 10:00", "", "done", "", "", ""],
        ["welding", "webinar", "F", "2025-01-01 10:00", "", "", "ghost@example.com", "", ""],
        ["welding", "webinar", "G", "2025-01-01 10:00", "", "", "", "ftp://x", ""],
        ["welding", "webinar", "H", "2025-01-01 10:00", "", "", "", "", "ev-1"],
        ["welding", "webinar", "", "2025-01-01 10:00", "", "", "", "", ""],
    ]
    before = db_fingerprint()
    code, _out, err = run_import(tmp_path, csv_bytes(rows))
    assert code == 1
    assert db_fingerprint() == before
    for line, reason in [
        (5, "nowhere"),
        (6, "party"),
        (7, "14/03/2025"),
        (8, "before the start"),
        (9, "done"),
        (10, "ghost@example.com"),
        (11, "ftp://x"),
        (12, "line 2"),
        (13, "title is empty"),
    ]:
        assert re.search(rf"line {line}: .*{re.escape(reason)}", err), (line, err)
    assert "nothing was imported" in err


def test_it_validates_without_writing_on_a_dry_run(world: World, tmp_path: Path) -> None:
    before = db_fingerprint()
    code, out, _err = run_import(tmp_path, csv_bytes(GOOD), "--dry-run")
    assert code == 0 and "created: 3" in out and "Dry run" in out
    assert db_fingerprint() == before


def test_it_reads_xlsx(world: World, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(
        [
            "welding",
            "webinar",
            "From Excel",
            dt.datetime(2025, 5, 5, 15, 30),
            None,
            "held",
            7,
            None,
            "x-1",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    code, _out, err = run_import(tmp_path, buffer.getvalue(), name="events.xlsx")
    assert code == 0, err
    event = Event.objects.get(external_id="x-1")
    assert event.attendee_count == 7
    assert timezone.localtime(event.start).strftime("%H:%M") == "15:30"


@pytest.mark.parametrize(
    "data",
    [csv_bytes(GOOD, header=["community", "title", "start"]), b"\x00\x01binary", b""],
)
def test_it_refuses_unreadable_files(data: bytes, world: World, tmp_path: Path) -> None:
    code, _out, err = run_import(tmp_path, data)
    assert code == 2
    assert "events.csv" in err


def test_it_reports_a_missing_file(world: World, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import-events", str(tmp_path / "none.csv"), stdout=out, stderr=err)
    assert exc.value.code == 2
    assert "none.csv" in err.getvalue()


# --- Permissions: every events URL × persona ------------------------------------------------


def _event(world: World) -> int:
    return make_event(world).pk


# url name -> (method, path builder, personas allowed, is_write, data)
CASES: dict[str, tuple[str, Callable[[World], str], set[str], bool, dict[str, str]]] = {
    "events_calendar": ("get", lambda w: "/events/", ALL_USERS, False, {}),
    "community_events": ("get", lambda w: "/communities/welding/events/", ALL_USERS, False, {}),
    "event_create": ("get", lambda w: "/communities/welding/events/new/", LEADERS, False, {}),
    "event_edit": (
        "get",
        lambda w: f"/communities/welding/events/{_event(w)}/edit/",
        LEADERS,
        False,
        {},
    ),
    "event_create_post": (
        "post",
        lambda w: "/communities/welding/events/new/",
        LEADERS,
        True,
        form_data(),
    ),
    "event_edit_post": (
        "post",
        lambda w: f"/communities/welding/events/{_event(w)}/edit/",
        LEADERS,
        True,
        form_data(title="Changed"),
    ),
    "event_cancel": (
        "post",
        lambda w: f"/communities/welding/events/{_event(w)}/cancel/",
        LEADERS,
        True,
        {},
    ),
}


@pytest.mark.parametrize("persona", sorted(ALL_USERS | {"anonymous"}))
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies_events_pages(
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
        assert response.status_code == (302 if is_write else 200), response.content[:300]
        assert (db_fingerprint() != before) == is_write
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", sorted(ALL_USERS | {"anonymous"}))
@pytest.mark.parametrize("path", ["/events.ics", "/communities/welding/events.ics"])
def test_it_serves_feeds_to_users_and_tokens_only(
    path: str, persona: str, world: World, as_user: Any
) -> None:
    # events_ics and community_events_ics: any employee, logged in or through their token.
    response = as_user(persona).get(path)
    assert response.status_code == (403 if persona == "anonymous" else 200)
    user = world.persona(persona)
    if user is not None:
        assert as_user("anonymous").get(path, {"token": feed_token(user)}).status_code == 200
