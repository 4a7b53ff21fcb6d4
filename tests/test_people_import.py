"""The HR people import: `trellis import-people` and the page `people_import` (/people/import/).

All or nothing, idempotent, never deletes, a clear line and reason for every bad row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.validators import validate_email
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Membership
from trellis.core.models import AuditEntry
from trellis.lib.tabular import FIELD_SIZE_LIMIT
from trellis.people.importer import PLAIN_EMAIL
from trellis.people.models import BusinessUnit, Person

pytestmark = pytest.mark.django_db

HEADER = ["email", "name", "employee_id", "business_unit", "country", "site", "job_title",
          "manager_email", "language"]  # fmt: skip

GOOD = [
    ["Ada.Boss@Example.com", "Ada Boss", "E1", "Research", "FR", "Lyon", "Director", "", "fr"],
    ["bob@example.com", "Bob Hands", "E2", "research", "FR", "Lyon", "Engineer",
     "ada.boss@example.com", "en"],
    ["helene@example.com", "Hélène Dubœuf", "E3", "Operations", "BE", "Gent", "Welder",
     "bob@example.com", "FR"],
]  # fmt: skip


def csv_bytes(rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",",
              encoding: str = "utf-8", bom: bool = False) -> bytes:  # fmt: skip
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cli(tmp_path: Path, data: bytes, *args: str, name: str = "hr.csv") -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        # A page test may leave French active in this thread; the messages checked are English.
        with translation.override("en"):
            call_command("import-people", str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def summary(**counts: int) -> str:
    order = ["read", "created", "updated", "unchanged", "deactivated", "reactivated", "rejected"]
    return ", ".join(f"{k}: {counts.get(k, 0)}" for k in order)


def person(email: str) -> Person:
    return Person.objects.select_related("business_unit", "manager").get(email__iexact=email)


# --- the command -----------------------------------------------------------------------------


def test_it_creates_people_with_units_managers_and_languages(world: World, tmp_path: Path):
    before = Person.objects.count()
    code, out, err = cli(tmp_path, csv_bytes(GOOD))
    assert (code, err) == (0, "")
    assert summary(read=len(GOOD), created=len(GOOD)) in out
    assert Person.objects.count() == before + len(GOOD)
    ada, bob, helene = (person(row[0]) for row in GOOD)
    assert ada.email == "ada.boss@example.com"  # stored lower-cased
    assert (bob.manager, helene.manager, ada.manager) == (ada, bob, None)
    assert bob.business_unit == ada.business_unit  # "research" is the unit "Research"
    assert ada.business_unit is not None and ada.business_unit.name == "Research"
    assert BusinessUnit.objects.filter(name__iexact="research").count() == 1
    assert helene.name == "Hélène Dubœuf" and helene.language == "fr"
    assert (helene.employee_id, helene.site, helene.country, helene.job_title) == (
        "E3", "Gent", "BE", "Welder",
    )  # fmt: skip


def test_it_changes_nothing_the_second_time(world: World, tmp_path: Path):
    data = csv_bytes(GOOD)
    cli(tmp_path, data)
    before = db_fingerprint()
    code, out, _ = cli(tmp_path, data)
    assert code == 0
    assert summary(read=len(GOOD), unchanged=len(GOOD)) in out
    audit = AuditEntry.objects.filter(action="people.import").count()
    assert audit == 2
    # Only the second audit entry is new.
    AuditEntry.objects.filter(action="people.import").order_by("-id").first().delete()  # type: ignore[union-attr]
    assert db_fingerprint() == before


def test_it_updates_by_email_ignoring_case_and_by_employee_id(world: World, tmp_path: Path):
    cli(tmp_path, csv_bytes(GOOD))
    changed = [
        ["ADA.BOSS@EXAMPLE.COM", "Ada Boss", "E1", "Research", "FR", "Paris", "Director", "", "fr"],
        ["robert@example.com", "Robert Hands", "E2", "research", "FR", "Lyon", "Engineer",
         "ada.boss@example.com", "en"],
        GOOD[2],
    ]  # fmt: skip
    bob_pk = person("bob@example.com").pk
    code, out, _ = cli(tmp_path, csv_bytes(changed))
    assert code == 0
    assert summary(read=3, updated=2, unchanged=1) in out
    assert person("ada.boss@example.com").site == "Paris"
    robert = person("robert@example.com")
    assert (robert.pk, robert.name) == (bob_pk, "Robert Hands")
    assert not Person.objects.filter(email="bob@example.com").exists()
    assert person("helene@example.com").manager == robert


def test_it_leaves_fields_of_absent_columns_alone(world: World, tmp_path: Path):
    cli(tmp_path, csv_bytes(GOOD))
    code, out, _ = cli(
        tmp_path, csv_bytes([["bob@example.com", "Bob H."]], header=["email", "name"])
    )
    assert code == 0 and summary(read=1, updated=1) in out
    bob = person("bob@example.com")
    assert (bob.name, bob.site, bob.employee_id) == ("Bob H.", "Lyon", "E2")
    assert bob.manager == person("ada.boss@example.com")


def test_it_clears_a_field_whose_cell_is_empty(world: World, tmp_path: Path):
    cli(tmp_path, csv_bytes(GOOD))
    rows = [[*GOOD[1][:3], "", "", "", "", "", ""]]
    assert cli(tmp_path, csv_bytes(rows))[0] == 0
    bob = person("bob@example.com")
    assert (bob.business_unit, bob.manager, bob.site, bob.language) == (None, None, "", "")


def test_it_counts_without_changing_anything_in_a_dry_run(world: World, tmp_path: Path):
    before = db_fingerprint()
    code, out, _ = cli(tmp_path, csv_bytes(GOOD), "--dry-run", "--deactivate-missing")
    active = Person.objects.filter(is_active=True).count()
    assert code == 0
    assert summary(read=3, created=3, deactivated=active) in out
    assert "Dry run" in out
    assert db_fingerprint() == before


def test_it_records_one_audit_entry_with_counts_and_hash(world: World, tmp_path: Path):
    data = csv_bytes(GOOD)
    cli(tmp_path, data, name="export-2026.csv")
    entry = AuditEntry.objects.get(action="people.import")
    assert entry.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry.changes["filename"] == "export-2026.csv"
    assert (entry.changes["created"], entry.changes["read"]) == (len(GOOD), len(GOOD))


def test_it_reads_bom_semicolons_and_cp1252(world: World, tmp_path: Path):
    data = csv_bytes(GOOD, delimiter=";", encoding="cp1252")
    code, out, _ = cli(tmp_path, data)
    assert code == 0, out
    assert person("helene@example.com").name == "Hélène Dubœuf"
    code, out, _ = cli(tmp_path, csv_bytes(GOOD, delimiter=";", bom=True))
    assert code == 0 and summary(read=3, unchanged=3) in out


def test_it_reads_an_xlsx_workbook(world: World, tmp_path: Path):
    rows: list[list[object]] = [[*GOOD[0][:2], 1001, *GOOD[0][3:]]]
    code, out, _ = cli(tmp_path, xlsx_bytes(rows), name="hr.xlsx")
    assert code == 0, out
    assert person(GOOD[0][0]).employee_id == "1001"


def test_it_keeps_quoted_newlines_and_counts_lines_from_the_file(world: World, tmp_path: Path):
    rows = [[*GOOD[0][:6], "Director\nof research", "", "fr"], ["not-an-email", "X"]]
    before = db_fingerprint()
    code, _, err = cli(tmp_path, csv_bytes(rows))
    # The quoted newline makes record 2 span lines 2-3: the bad row starts on line 4.
    assert code == 1
    assert "line 4: “not-an-email” is not a valid e-mail address." in err
    assert db_fingerprint() == before
    assert cli(tmp_path, csv_bytes(rows[:1]))[0] == 0
    assert person(GOOD[0][0]).job_title == "Director\nof research"


BAD_ROWS = [
    # (rows after the header, [(line, reason fragment)])
    ([GOOD[0], ["ADA.boss@example.com", "Other Ada"]],
     [(2, "“ada.boss@example.com” also appears on line 3"),
      (3, "“ada.boss@example.com” also appears on line 2")]),
    ([GOOD[0], ["x@example.com", "X", "E1"]],
     [(2, "employee id “E1” also appears on line 3"), (3, "“E1” also appears on line 2")]),
    ([GOOD[0], ["bad@", "X"]], [(3, "“bad@” is not a valid e-mail address")]),
    ([GOOD[0], ["x@example.com", ""]], [(3, "the name is empty")]),
    ([["", "Nobody"]], [(2, "the e-mail is empty")]),
    ([[*GOOD[0][:8], "de"]], [(2, "the language “de” is not one of en, fr")]),
    ([[*GOOD[0][:7], "ghost@example.com", "en"]],
     [(2, "the manager “ghost@example.com” is neither in the file nor in the directory")]),
    ([["x@example.com", "X" * 201]], [(2, "the name is longer than 200 characters")]),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "expected"), BAD_ROWS)
def test_it_rejects_bad_rows_with_line_and_reason_and_applies_nothing(
    world: World, tmp_path: Path, rows: list[list[str]], expected: list[tuple[int, str]]
):
    before = db_fingerprint()
    code, out, err = cli(tmp_path, csv_bytes(rows))
    assert code == 1
    assert f"rejected: {len({line for line, _ in expected})}" in out
    for line, reason in expected:
        assert any(
            msg.startswith(f"line {line}: ") and reason in msg for msg in err.splitlines()
        ), (line, reason, err)
    assert "nothing was imported" in err
    assert db_fingerprint() == before


def test_it_rejects_an_email_and_id_that_point_at_two_people(world: World, tmp_path: Path):
    cli(tmp_path, csv_bytes(GOOD))
    before = db_fingerprint()
    rows = [["bob@example.com", "Bob", "E3"]]
    code, _, err = cli(tmp_path, csv_bytes(rows, header=["email", "name", "employee_id"]))
    assert code == 1
    assert "line 2: the e-mail belongs to Bob Hands <bob@example.com>" in err
    assert "“E3” belongs to Hélène Dubœuf" in err
    assert db_fingerprint() == before


def test_it_applies_nothing_when_the_last_of_many_rows_is_bad(world: World, tmp_path: Path):
    rows = [[f"p{i}@example.com", f"P{i}"] for i in range(300)] + [["broken", "Z"]]
    before = db_fingerprint()
    code, _, err = cli(tmp_path, csv_bytes(rows, header=["email", "name"]))
    assert code == 1 and f"line {len(rows) + 1}: " in err
    assert db_fingerprint() == before


BAD_FILES = [
    # (file bytes, file name, line, reason fragment)
    (b"email,name\r\nx@example.com,X\r\ny@example.com,Y\x00\r\n", "hr.csv", 3, "NUL byte"),
    (b"mail;full name\r\nx@example.com;X\r\n", "hr.csv", 1,
     "Missing required columns: email, name"),
    (b"email,country\r\nx@example.com,FR\r\n", "hr.csv", 1, "Missing required column: name"),
    (b"email,name\r\nx@example.com,X\r\ny@example.com," + b"y" * (FIELD_SIZE_LIMIT + 10) + b"\r\n",
     "hr.csv", 3, "longer than"),
    (b'email,name\r\nx@example.com,"X\r\n', "hr.csv", 2, "never closed"),
    (b"", "hr.csv", None, "empty"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "name", "line", "reason"), BAD_FILES)
def test_it_refuses_an_unreadable_file_with_exit_code_2(
    world: World, tmp_path: Path, data: bytes, name: str, line: int | None, reason: str
):
    before = db_fingerprint()
    code, out, err = cli(tmp_path, data, name=name)
    assert code == 2
    assert reason in err
    if line is not None:
        assert f"line {line}: " in err
    assert db_fingerprint() == before


def test_it_refuses_a_truncated_workbook(world: World, tmp_path: Path):
    data = xlsx_bytes([[f"p{i}@example.com", f"P{i}"] for i in range(300)])
    before = db_fingerprint()
    code, _, err = cli(tmp_path, data[: len(data) // 2], name="hr.xlsx")
    assert code == 2 and "damaged" in err
    assert db_fingerprint() == before


def test_it_exits_2_when_the_file_does_not_exist(world: World, tmp_path: Path):
    with pytest.raises(SystemExit) as info:
        call_command("import-people", str(tmp_path / "missing.csv"), stderr=io.StringIO())
    assert info.value.code == 2


def test_it_leaves_nothing_behind_when_it_fails_midway(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The process dies after every row is written, before the commit: nothing remains."""
    import trellis.people.services as services

    def die(**kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "audit_record", die)
    before = db_fingerprint()
    rows = [*GOOD, *([f"p{i}@example.com", f"P{i}", *[""] * 7] for i in range(50))]
    with pytest.raises(KeyboardInterrupt):
        cli(tmp_path, csv_bytes(rows), "--deactivate-missing")
    assert db_fingerprint() == before


# --- deactivation ----------------------------------------------------------------------------


def _everyone_but(*excluded: str) -> list[list[str]]:
    return [
        [p.email, p.name] for p in Person.objects.filter(is_active=True).exclude(email__in=excluded)
    ]


def test_it_deactivates_missing_people_ends_their_memberships_and_sessions(
    world: World, tmp_path: Path, as_user
):  # type: ignore[no-untyped-def]
    member_client: Client = as_user("member")
    assert member_client.get("/").status_code == 200
    email = world.member.person.email
    rows = _everyone_but(email)
    code, out, _ = cli(tmp_path, csv_bytes(rows, header=["email", "name"]), "--deactivate-missing")
    assert code == 0
    assert summary(read=len(rows), unchanged=len(rows), deactivated=1) in out
    member = person(email)
    assert not member.is_active
    assert Person.objects.filter(pk=member.pk).exists()  # never deleted
    assert not User.objects.get(pk=world.member.pk).is_active
    membership = Membership.objects.get(person=member)
    assert membership.left == timezone.localdate()
    response = member_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # Nobody else lost anything.
    assert Membership.objects.filter(left__isnull=False).count() == 1


def test_it_reactivates_people_present_again(world: World, tmp_path: Path):
    email = world.member.person.email
    cli(tmp_path, csv_bytes(_everyone_but(email), header=["email", "name"]), "--deactivate-missing")
    rows = [[email, world.member.person.name]]
    code, out, _ = cli(tmp_path, csv_bytes(rows, header=["email", "name"]))
    assert code == 0 and summary(read=1, updated=1, reactivated=1) in out
    assert person(email).is_active
    assert User.objects.get(pk=world.member.pk).is_active
    # Memberships that ended stay ended: rejoining is a new decision.
    assert Membership.objects.get(person__email=email).left is not None


def test_it_keeps_everyone_without_deactivate_missing(world: World, tmp_path: Path):
    active = Person.objects.filter(is_active=True).count()
    assert cli(tmp_path, csv_bytes(GOOD))[0] == 0
    assert Person.objects.filter(is_active=True).count() == active + len(GOOD)


# --- the page --------------------------------------------------------------------------------

URL = "/people/import/"


def upload(client: Client, data: bytes, name: str = "hr.csv", deactivate: bool = False):  # type: ignore[no-untyped-def]
    file = io.BytesIO(data)
    file.name = name
    post = {"file": file}
    if deactivate:
        post["deactivate_missing"] = "on"  # type: ignore[assignment]
    return client.post(URL, post)


def test_it_previews_then_applies_exactly_the_previewed_file(world: World, as_user, settings):  # type: ignore[no-untyped-def]
    client = as_user("office")
    data = csv_bytes(GOOD)
    before = db_fingerprint()
    response = upload(client, data)
    assert response.status_code == 200
    assert db_fingerprint() == before
    sha256 = response.context["apply_form"].initial["sha256"]
    assert sha256 == hashlib.sha256(data).hexdigest()
    assert (Path(settings.VAR_DIR) / "uploads" / sha256).read_bytes() == data
    assert response.context["report"].created == len(GOOD)
    assert b"Apply" in response.content
    response = client.post(
        URL, {"sha256": sha256, "filename": "hr.csv", "deactivate_missing": "False"}, follow=True
    )
    assert f"{len(GOOD)} created".encode() in response.content
    assert Person.objects.filter(email__in=[r[0].lower() for r in GOOD]).count() == len(GOOD)
    assert AuditEntry.objects.get(action="people.import").actor == world.office
    assert not (Path(settings.VAR_DIR) / "uploads" / sha256).exists()


def test_it_refuses_to_apply_a_file_altered_after_the_preview(world: World, as_user, settings):  # type: ignore[no-untyped-def]
    client = as_user("office")
    response = upload(client, csv_bytes(GOOD))
    sha256 = response.context["apply_form"].initial["sha256"]
    (Path(settings.VAR_DIR) / "uploads" / sha256).write_bytes(csv_bytes(GOOD[:1]))
    before = db_fingerprint()
    response = client.post(URL, {"sha256": sha256, "filename": "hr.csv"}, follow=True)
    assert b"no longer available" in response.content
    assert db_fingerprint() == before


def test_it_shows_rejected_rows_with_line_and_reason_and_no_apply_button(world: World, as_user):  # type: ignore[no-untyped-def]
    client = as_user("office")  # logging in writes last_login: before the fingerprint
    before = db_fingerprint()
    rows = [GOOD[0], ["Ada.Boss@example.COM", "Twin"], ["nope", "N"]]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 200
    assert response.context["apply_form"] is None
    lines = [(e.line, e.reason) for e in response.context["errors"]]
    assert {line for line, _ in lines} == {2, 3, 4}
    assert "“nope” is not a valid e-mail address." in response.content.decode()
    assert db_fingerprint() == before


def test_it_shows_why_a_file_is_unreadable(world: World, as_user):  # type: ignore[no-untyped-def]
    response = upload(as_user("office"), b"email,name\r\na@example.com,A\x00\r\n")
    assert response.status_code == 200
    assert response.context["file_error"].line == 2
    assert "NUL byte" in response.content.decode()


def test_it_refuses_a_file_above_the_size_limit(world: World, as_user, settings):  # type: ignore[no-untyped-def]
    data = csv_bytes(GOOD)
    settings.IMPORT_MAX_UPLOAD_SIZE = len(data) - 1
    client = as_user("office")
    before = db_fingerprint()
    response = upload(client, data)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert response.context["report"] is None
    assert db_fingerprint() == before


def test_it_imports_an_xlsx_through_the_page(world: World, as_user):  # type: ignore[no-untyped-def]
    client = as_user("office")
    response = upload(client, xlsx_bytes([GOOD[0]]), name="hr.xlsx")
    sha256 = response.context["apply_form"].initial["sha256"]
    client.post(URL, {"sha256": sha256, "filename": "hr.xlsx"})
    assert person(GOOD[0][0]).name == "Ada Boss"


def test_it_never_deactivates_the_office_member_running_the_import(world: World, as_user):  # type: ignore[no-untyped-def]
    client = as_user("office")
    response = upload(client, csv_bytes(GOOD), deactivate=True)
    report = response.context["report"]
    others = Person.objects.filter(is_active=True).exclude(user=world.office).count()
    assert report.deactivated == others
    assert report.notes
    sha256 = response.context["apply_form"].initial["sha256"]
    client.post(URL, {"sha256": sha256, "filename": "hr.csv", "deactivate_missing": "True"})
    assert Person.objects.get(user=world.office).is_active
    assert not Person.objects.get(user=world.leader).is_active
    assert client.get(URL).status_code == 200


def test_it_is_listed_on_the_programme_home_and_the_directory_for_the_office(as_user):  # type: ignore[no-untyped-def]
    assert URL in as_user("office").get("/programme/").content.decode()
    assert URL in as_user("office").get("/people/").content.decode()
    assert URL not in as_user("member").get("/people/").content.decode()


DENIED = ["sponsor", "leader", "core", "member", "outsider", "other_leader"]


@pytest.mark.parametrize("persona", ["anonymous", *DENIED, "office"])
def test_it_lets_only_the_office_open_people_import(persona: str, as_user):  # type: ignore[no-untyped-def]
    response = as_user(persona).get(URL)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == (200 if persona == "office" else 403)


@pytest.mark.parametrize("persona", ["anonymous", *DENIED])
def test_it_changes_nothing_on_a_denied_post(persona: str, as_user, world: World):  # type: ignore[no-untyped-def]
    office = as_user("office")
    sha256 = upload(office, csv_bytes(GOOD)).context["apply_form"].initial["sha256"]
    client = as_user(persona)
    before = db_fingerprint()
    preview = upload(client, csv_bytes(GOOD))
    applied = client.post(URL, {"sha256": sha256, "filename": "hr.csv"})
    for response in (preview, applied):
        assert response.status_code == (302 if persona == "anonymous" else 403)
    assert db_fingerprint() == before


def test_it_renders_the_page_in_french(as_user):  # type: ignore[no-untyped-def]
    client = as_user("office")
    client.cookies["django_language"] = "fr"
    response = client.get(URL)
    assert response.status_code == 200 and 'lang="fr"' in response.content.decode()


def test_it_imports_the_documented_example_file(world: World, tmp_path: Path):
    example = Path(__file__).resolve().parent.parent / "docs" / "examples" / "people.csv"
    data = example.read_bytes()
    lines = [ln for ln in data.decode().splitlines()[1:] if ln.strip()]
    code, out, err = cli(tmp_path, data)
    assert (code, err) == (0, "")
    assert summary(read=len(lines), created=len(lines)) in out


def test_it_removes_the_formula_guard_of_exports(world: World, tmp_path: Path):
    rows = [["x@example.com", "'-Xavier-", "", "", "", "", "'=job"]]
    assert cli(tmp_path, csv_bytes(rows, header=HEADER[:7]))[0] == 0
    assert (person("x@example.com").name, person("x@example.com").job_title) == ("-Xavier-", "=job")


def test_it_refuses_to_deactivate_everyone_from_an_empty_extract(world: World, tmp_path: Path):
    before = db_fingerprint()
    code, _, err = cli(tmp_path, b"email,name\r\n", "--deactivate-missing")
    assert code == 1 and "line 1: " in err
    assert db_fingerprint() == before


def test_it_rejects_an_email_longer_than_the_directory_holds(world: World, tmp_path: Path):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".com"  # valid, but 250+ characters
    email = "x" * (255 - len(email)) + email
    assert len(email) == 255
    code, _, err = cli(tmp_path, csv_bytes([[email, "Long"]], header=["email", "name"]))
    assert code == 1 and "line 2: " in err and "not a valid e-mail address" in err


@hypothesis_settings(max_examples=300, deadline=None)
@given(email=st.from_regex(PLAIN_EMAIL, fullmatch=True))
def test_its_fast_email_check_accepts_only_what_django_accepts(email: str):
    if len(email) <= 254:
        validate_email(email)  # raises if the fast path let through an invalid address
