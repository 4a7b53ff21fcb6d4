"""trellis import-memberships: upsert by (e-mail, community), history, --sync, --create-people.

The personas' world: welding has sponsor, leader, core and member (joined 2022-01-01);
cloud has other_leader.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.onboarding_helpers import export, programme_digest, run_file
from tests.personas import World
from trellis.communities.models import Membership
from trellis.people.models import Person

HEADER = "email,community,role,joined,left\n"


def memberships(email: str, slug: str) -> list[tuple[str, dt.date, dt.date | None]]:
    return list(
        Membership.objects.filter(person__email=email, community__slug=slug)
        .order_by("joined")
        .values_list("role", "joined", "left")
    )


def test_it_adds_and_updates_memberships(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER
        + "outsider@example.com,welding,member,2023-05-01,\n"  # new
        + "member@example.com,welding,core team,2022-01-01,\n"  # role changed
        + "leader@example.com,welding,leader,2022-01-01,\n",  # unchanged
    )
    assert result.code == 0, result.err
    assert "created: 1, updated: 1, unchanged: 1, rejected: 0" in result.out
    assert memberships("outsider@example.com", "welding") == [("member", dt.date(2023, 5, 1), None)]
    assert memberships("member@example.com", "welding") == [
        ("core team", dt.date(2022, 1, 1), None)
    ]


def test_it_treats_an_email_differing_in_case_as_the_same_person(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    people = Person.objects.count()
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER + "Member@EXAMPLE.com,welding,co-leader,2022-01-01,\n",
        "--create-people",
    )
    assert result.code == 0, result.err
    assert "created: 0, updated: 1" in result.out
    assert Person.objects.count() == people
    assert memberships("member@example.com", "welding") == [
        ("co-leader", dt.date(2022, 1, 1), None)
    ]


def test_it_corrects_the_joined_date_of_the_current_membership(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path, "import-memberships", HEADER + "member@example.com,welding,member,2021-09-01,\n"
    )
    assert result.code == 0, result.err
    assert "created: 0, updated: 1" in result.out
    assert memberships("member@example.com", "welding") == [("member", dt.date(2021, 9, 1), None)]


def test_it_ends_a_membership_given_its_left_date_and_keeps_the_history(
    world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER
        + "member@example.com,welding,member,2022-01-01,2023-06-30\n"
        + "member@example.com,welding,leader,2024-01-01,\n",
    )
    assert result.code == 0, result.err
    assert "created: 1, updated: 1" in result.out
    assert memberships("member@example.com", "welding") == [
        ("member", dt.date(2022, 1, 1), dt.date(2023, 6, 30)),
        ("leader", dt.date(2024, 1, 1), None),
    ]
    # The export lists both periods, the ended one included.
    exported = export("memberships").decode()
    assert "member@example.com,welding,member,2022-01-01,2023-06-30" in exported
    assert "member@example.com,welding,leader,2024-01-01," in exported


def test_it_keeps_memberships_missing_from_the_file(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = Membership.objects.filter(left__isnull=True).count()
    result = run_file(
        tmp_path, "import-memberships", HEADER + "leader@example.com,welding,leader,2022-01-01,\n"
    )
    assert result.code == 0, result.err
    assert Membership.objects.filter(left__isnull=True).count() == before


def test_it_ends_missing_memberships_of_the_files_communities_on_sync(
    world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    total = Membership.objects.count()
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER
        + "leader@example.com,welding,leader,2022-01-01,\n"
        + "sponsor@example.com,welding,sponsor,2022-01-01,\n",
        "--sync",
    )
    assert result.code == 0, result.err
    assert "memberships ended: 2" in result.out
    # core and member are ended today, never deleted; cloud is not in the file: untouched.
    assert Membership.objects.count() == total
    for email in ("core@example.com", "member@example.com"):
        assert memberships(email, "welding")[0][2] == today
    for email in ("leader@example.com", "sponsor@example.com"):
        assert memberships(email, "welding")[0][2] is None
    assert memberships("other_leader@example.com", "cloud")[0][2] is None


def test_it_changes_nothing_on_a_sync_dry_run(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER + "leader@example.com,welding,leader,2022-01-01,\n",
        "--sync",
        "--dry-run",
    )
    assert result.code == 0, result.err
    assert "memberships ended: 3" in result.out
    assert db_fingerprint() == before


def test_it_creates_unknown_people_only_when_asked(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = (
        "email,community,role,joined,left,name\n"
        "New.Person@example.com,cloud,member,2024-02-01,,Nora Person\n"
        "jo.bloggs@example.com,cloud,member,2024-02-01,,\n"
    )
    before = db_fingerprint()
    result = run_file(tmp_path, "import-memberships", content)
    assert result.code == 1
    assert "line 2: Nobody with the e-mail new.person@example.com" in result.err
    assert "line 3: Nobody with the e-mail jo.bloggs@example.com" in result.err
    assert db_fingerprint() == before

    result = run_file(tmp_path, "import-memberships", content, "--create-people")
    assert result.code == 0, result.err
    assert "people created: 2" in result.out
    assert Person.objects.get(email="new.person@example.com").name == "Nora Person"
    assert Person.objects.get(email="jo.bloggs@example.com").name == "jo.bloggs"
    assert memberships("new.person@example.com", "cloud") == [("member", dt.date(2024, 2, 1), None)]


BAD_ROWS = [
    ("outsider@example.com,cloud,member,2024-01-01,", None),
    ("outsider@example.com,nowhere,member,2024-01-01,", "No community has the slug “nowhere”"),
    ("outsider@example.com,welding,boss,2024-02-01,", "Unknown role “boss”"),
    ("outsider@example.com,welding,member,2024-03-01,2023-01-01", "before the joined date"),
    ("outsider@example.com,welding,member,,", "The joined date is empty"),
    ("not-an-email,welding,member,2024-01-01,", "not a valid e-mail address"),
    ("outsider@example.com,cloud,member,2024-01-01,", "This row repeats line 2."),
    ("outsider@example.com,cloud,leader,2024-01-01,", "Line 2 already gives"),
    # A second open membership of outsider in cloud, from another day.
    ("outsider@example.com,cloud,member,2025-01-01,", "two active memberships"),
    # Overlaps member's stored membership of welding (active since 2022-01-01).
    (
        "member@example.com,welding,member,2021-01-01,2023-01-01",
        "stored membership joined on 2022-01-01",
    ),
]


def test_it_rejects_every_bad_row_with_its_line_and_applies_nothing(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    content = HEADER + "\n".join(row for row, _ in BAD_ROWS) + "\n"
    result = run_file(tmp_path, "import-memberships", content)
    assert result.code == 1
    expected_rejected = sum(1 for _, reason in BAD_ROWS if reason)
    assert f"rejected: {expected_rejected}" in result.out
    errors = result.err.splitlines()
    for line, (_row, reason) in enumerate(BAD_ROWS, start=2):
        found = [m for m in errors if m.startswith(f"line {line}: ")]
        if reason is None:
            assert not found, found
        else:
            assert found and reason in found[0], (line, found)
    assert db_fingerprint() == before


def test_it_names_both_lines_of_two_active_memberships(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "import-memberships",
        HEADER
        + "outsider@example.com,cloud,member,2024-01-01,\n"
        + "leader@example.com,welding,leader,2022-01-01,\n"
        + "outsider@example.com,cloud,member,2024-06-01,\n",
    )
    assert result.code == 1
    assert (
        "line 4: This row would make two active memberships of outsider@example.com in cloud "
        "(with line 2)." in result.err
    )


def test_it_reads_bom_semicolons_and_cp1252(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = (
        "email;community;role;joined;left;name\r\n"
        "andre@example.com;cloud;member;2024-01-01;;André Crémieux\r\n"
    )
    result = run_file(tmp_path, "import-memberships", content.encode("cp1252"), "--create-people")
    assert result.code == 0, result.err
    assert Person.objects.get(email="andre@example.com").name == "André Crémieux"
    result = run_file(
        tmp_path, "import-memberships", "\ufeff".encode() + content.encode(), "--create-people"
    )
    assert result.code == 0, result.err
    assert "unchanged: 1" in result.out


def test_it_changes_nothing_when_importing_the_same_file_twice(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = (
        HEADER
        + "outsider@example.com,welding,member,2023-05-01,2024-01-31\n"
        + "outsider@example.com,welding,core team,2024-02-01,\n"
        + "member@example.com,welding,member,2022-01-01,2024-12-31\n"
    )
    first = run_file(tmp_path, "import-memberships", content, "--sync")
    assert first.code == 0, first.err
    digest = programme_digest()
    second = run_file(tmp_path, "import-memberships", content, "--sync")
    assert second.code == 0, second.err
    assert "created: 0, updated: 0, unchanged: 3, rejected: 0" in second.out
    assert programme_digest() == digest
