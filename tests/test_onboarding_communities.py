"""trellis import-communities: upsert by slug, labels, stage history, bad rows, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.onboarding_helpers import export, run_file
from tests.personas import World
from trellis.communities.models import Community, StageChange, Tag
from trellis.core.models import AuditEntry
from trellis.people.models import BusinessUnit

HEADER = "slug,name,stage,launched,closed,purpose,business_units,tags,languages\n"


def test_it_creates_communities_with_their_labels(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "import-communities",
        HEADER
        + "robotics,Robotics,active,2024-03-01,,Robots on the line,"
        + "Operations|R&D,robots|automation,en|fr\n"
        + "ml,Machine learning,proposed,,,,,,\n",
    )
    assert result.code == 0, result.err
    assert "created: 2" in result.out
    robotics = Community.objects.get(slug="robotics")
    assert robotics.stage == "active"
    assert robotics.launched == dt.date(2024, 3, 1)
    assert robotics.languages == "en|fr"
    assert sorted(robotics.tags.values_list("name", flat=True)) == ["automation", "robots"]
    # "Operations" exists (personas); "R&D" is new.
    assert sorted(robotics.business_units.values_list("name", flat=True)) == ["Operations", "R&D"]
    assert BusinessUnit.objects.filter(name="Operations").count() == 1
    assert Community.objects.get(slug="ml").stage == "proposed"


def test_it_matches_labels_whatever_their_case(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    Tag.objects.create(name="Security")
    result = run_file(
        tmp_path, "import-communities", HEADER + "sec,Security,proposed,,,,it,SECURITY,en\n"
    )
    assert result.code == 0, result.err
    sec = Community.objects.get(slug="sec")
    assert list(sec.business_units.values_list("name", flat=True)) == ["IT"]
    assert list(sec.tags.values_list("name", flat=True)) == ["Security"]
    assert Tag.objects.filter(name__iexact="security").count() == 1


def test_it_records_the_lifecycle_in_the_stage_history(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    result = run_file(
        tmp_path,
        "import-communities",
        HEADER
        + "old-erp,Old ERP,closed,2015-09-01,2023-12-31,,,,\n"
        + "idea,Idea,incubating,,,,,,\n",
    )
    assert result.code == 0, result.err
    history = list(StageChange.objects.filter(community__slug="old-erp").values_list("stage", "on"))
    assert history == [("active", dt.date(2015, 9, 1)), ("closed", dt.date(2023, 12, 31))]
    assert list(StageChange.objects.filter(community__slug="idea").values_list("stage", "on")) == [
        ("incubating", today)
    ]

    # Welding goes dormant: one row dated today. Cloud's launch date is corrected: one
    # "active" row dated with the new launch date.
    before = StageChange.objects.count()
    result = run_file(
        tmp_path,
        "import-communities",
        "slug,name,stage,launched\nwelding,Welding,dormant,2020-01-01\n"
        "cloud,Cloud security,active,2021-05-15\n",
    )
    assert result.code == 0, result.err
    assert "updated: 2" in result.out
    added = list(
        StageChange.objects.order_by("id")[before:].values_list("community__slug", "stage", "on")
    )
    assert added == [("welding", "dormant", today), ("cloud", "active", dt.date(2021, 5, 15))]


def test_it_updates_by_slug_and_leaves_absent_columns_alone(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    purpose = Community.objects.get(slug="welding").purpose
    result = run_file(
        tmp_path,
        "import-communities",
        "slug,name\nwelding,Welding and joining\ncloud,Cloud security\n",
    )
    assert result.code == 0, result.err
    assert "created: 0, updated: 1, unchanged: 1, rejected: 0" in result.out
    welding = Community.objects.get(slug="welding")
    assert welding.name == "Welding and joining"
    assert welding.purpose == purpose
    assert welding.languages == "en|fr"
    assert list(welding.business_units.values_list("name", flat=True)) == ["Operations"]


def test_it_empties_a_field_given_empty(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path, "import-communities", "slug,name,purpose,business_units\nwelding,Welding,,\n"
    )
    assert result.code == 0, result.err
    welding = Community.objects.get(slug="welding")
    assert welding.purpose == ""
    assert welding.business_units.count() == 0


def test_it_reads_bom_semicolons_and_cp1252(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = "slug;name;stage;purpose\r\nsoudure;Soudure;active;Procédés de soudage\r\n"
    result = run_file(tmp_path, "import-communities", "\ufeff".encode() + content.encode("utf-8"))
    assert result.code == 0, result.err
    assert Community.objects.get(slug="soudure").purpose == "Procédés de soudage"
    result = run_file(
        tmp_path, "import-communities", content.replace("soudure", "qualite").encode("cp1252")
    )
    assert result.code == 0, result.err
    assert Community.objects.get(slug="qualite").purpose == "Procédés de soudage"


BAD_ROWS = [
    ("ok,Fine,active,2020-01-01,,,,,\n", None),
    ("bad-stage,Bad,actif,,,,,,\n", "Unknown stage “actif”"),
    ("bad-date,Bad,active,01/02/2020,,,,,\n", "not a date written YYYY-MM-DD"),
    ("early,Early,closed,2022-01-01,2021-01-01,,,,\n", "before the launched date"),
    ("not-closed,Open,active,2020-01-01,2021-01-01,,,,\n", "not closed"),
    ("bad slug,Bad,active,,,,,,\n", "may only hold letters"),
    (",No slug,active,,,,,,\n", "The slug is empty"),
    ("no-name,,active,,,,,,\n", "The name is empty"),
    ("ok,Fine,active,2020-01-01,,,,,\n", "repeats line 2"),
    ("ok,Other name,active,2020-01-01,,,,,\n", "Line 2 already gives this slug"),
]


def test_it_rejects_every_bad_row_with_its_line_and_applies_nothing(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    result = run_file(tmp_path, "import-communities", HEADER + "".join(r for r, _ in BAD_ROWS))
    assert result.code == 1
    expected_rejected = sum(1 for _, reason in BAD_ROWS if reason)
    assert f"rejected: {expected_rejected}" in result.out
    for line, (_row, reason) in enumerate(BAD_ROWS, start=2):
        if reason:
            assert f"line {line}: " in result.err
            message = next(m for m in result.err.splitlines() if m.startswith(f"line {line}: "))
            assert reason in message, (line, message)
    assert "nothing was applied" in result.err
    assert db_fingerprint() == before
    assert not Community.objects.filter(slug="ok").exists()


def test_it_counts_lines_from_where_a_quoted_row_starts(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + 'a,A,active,,,"two\nlines",,,\n' + "b,B,actif,,,,,,\n"
    result = run_file(tmp_path, "import-communities", content)
    assert result.code == 1
    assert "line 4: Unknown stage" in result.err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"name,stage\nWelding,active\n", "Missing required column: slug"),
        (b"", "empty"),
        (b"slug,name\nx,\x00y\n", "NUL"),
    ],
)
def test_it_exits_2_on_an_unreadable_file(world: World, tmp_path, content, reason) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    result = run_file(tmp_path, "import-communities", content)
    assert result.code == 2
    assert reason in result.err
    assert db_fingerprint() == before


def test_it_exits_2_when_the_file_does_not_exist(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.onboarding_helpers import run

    result = run("import-communities", str(tmp_path / "missing.csv"))
    assert result.code == 2
    assert "missing.csv" in result.err


def test_it_changes_nothing_on_a_dry_run(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    result = run_file(
        tmp_path, "import-communities", HEADER + "new,New,active,2024-01-01,,,,,\n", "--dry-run"
    )
    assert result.code == 0
    assert "created: 1" in result.out
    assert "Dry run" in result.out
    assert db_fingerprint() == before


def test_it_audits_one_entry_per_applied_import(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    content = (
        HEADER + "a,A,active,,,,,,\nb,B,proposed,,,,,,\nwelding,Welding,active,2020-01-01,,,,,\n"
    )
    result = run_file(tmp_path, "import-communities", content, name="programme.csv")
    assert result.code == 0, result.err
    entries = list(AuditEntry.objects.filter(action="communities.import"))
    assert len(entries) == 1
    changes = entries[0].changes
    assert changes["filename"] == "programme.csv"
    assert changes["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert (changes["created"], changes["updated"], changes["rejected"]) == (2, 1, 0)


def test_it_reads_back_cells_the_export_guarded_against_formulas(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "import-communities",
        HEADER + '"=danger","=HYPERLINK(""x"")",proposed,,,@sum,,-minus,\n',
    )
    # "=danger" is not a valid slug; the name and tag may hold anything.
    assert result.code == 1
    result = run_file(
        tmp_path,
        "import-communities",
        HEADER + 'safe,"=HYPERLINK(""x"")",proposed,,,@sum,,-minus,\n',
    )
    assert result.code == 0, result.err
    exported = export("communities").decode()
    assert "'=HYPERLINK" in exported and "'@sum" in exported and "'-minus" in exported
    result = run_file(tmp_path, "import-communities", exported.encode())
    assert result.code == 0, result.err
    safe = Community.objects.get(slug="safe")
    assert safe.name == '=HYPERLINK("x")'
    assert safe.purpose == "@sum"
    assert list(safe.tags.values_list("name", flat=True)) == ["-minus"]
