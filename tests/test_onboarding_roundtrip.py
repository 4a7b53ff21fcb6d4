"""Export → import into an empty database → export gives identical files (issue 3).

Also: the documented example files import cleanly and are exactly what Trellis exports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.fingerprint import db_fingerprint
from tests.onboarding_helpers import export, programme_digest, run_file
from tests.personas import World
from trellis.communities.models import Community, Membership, SpaceLink, StageChange, Tag
from trellis.people.models import BusinessUnit, Person

KINDS = ("communities", "memberships", "spaces")
COMMANDS = {
    "communities": ("import-communities",),
    "memberships": ("import-memberships", "--create-people"),
    "spaces": ("map-spaces",),
}
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def import_all(tmp_path: Path, files: dict[str, bytes]) -> None:
    for kind in KINDS:
        command, *options = COMMANDS[kind]
        result = run_file(tmp_path, command, files[kind], *options, name=f"{kind}.csv")
        assert result.code == 0, (kind, result.err)


def wipe() -> None:
    """Empty the programme and the directory, as on a new instance (logins stay)."""
    Community.objects.all().delete()  # memberships, spaces and stage history cascade
    Tag.objects.all().delete()
    Person.objects.all().delete()
    BusinessUnit.objects.all().delete()


def enrich(world: World) -> None:
    """Values that break naive CSV code: quotes, commas, newlines, formulas, accents."""
    odd = Community.objects.create(
        slug="odd",
        name='Quality, "the hard way"',
        purpose="=cmd|' /C calc'!A0\nsecond line; with ; semicolons",
        stage="closed",
        launched=dt.date(2019, 1, 1),
        closed=dt.date(2024, 6, 30),
        languages="fr",
    )
    odd.tags.set([Tag.objects.create(name="@mention"), Tag.objects.create(name="Œuvre")])
    odd.business_units.add(BusinessUnit.objects.get(name="IT"))
    Membership.objects.create(
        person=world.outsider.person,
        community=odd,
        role="leader",
        joined=dt.date(2019, 1, 1),
        left=dt.date(2024, 6, 30),
    )
    Membership.objects.create(
        person=world.member.person, community=world.cloud, role="member",
        joined=dt.date(2021, 1, 1), left=dt.date(2021, 12, 31),
    )  # fmt: skip
    SpaceLink.objects.create(source="slack", space="C0DD", community=odd, url="")
    SpaceLink.objects.create(
        source="viva-engage", space="-1 Welding, the group", community=world.welding,
        url="https://engage.example.com/groups/1",
    )  # fmt: skip


def test_it_reproduces_the_programme_byte_for_byte(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    enrich(world)
    first = {kind: export(kind) for kind in KINDS}
    # Guard: the files hold the whole programme (else identical files would prove little).
    assert first["communities"].count(b"\r\n") == Community.objects.count() + 1
    assert first["memberships"].count(b"\r\n") == Membership.objects.count() + 1
    assert first["spaces"].count(b"\r\n") == SpaceLink.objects.count() + 1

    wipe()
    assert all(export(kind).count(b"\r\n") == 1 for kind in KINDS)
    import_all(tmp_path, first)

    assert {kind: export(kind) for kind in KINDS} == first
    odd = Community.objects.get(slug="odd")
    assert odd.purpose.startswith("=cmd|")
    assert sorted(odd.tags.values_list("name", flat=True)) == ["@mention", "Œuvre"]
    assert Person.objects.get(email="outsider@example.com").name == "Oscar Outsider"


def test_it_changes_nothing_when_the_export_is_imported_back(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    enrich(world)
    files = {kind: export(kind) for kind in KINDS}
    digest = programme_digest()
    stage_changes = StageChange.objects.count()
    for kind in KINDS:
        command, *options = COMMANDS[kind]
        if kind == "memberships":
            options.append("--sync")
        result = run_file(tmp_path, command, files[kind], *options)
        assert result.code == 0, result.err
        assert "created: 0, updated: 0" in result.out
        assert ", rejected: 0" in result.out
    assert programme_digest() == digest
    assert StageChange.objects.count() == stage_changes


def test_it_imports_the_documented_examples_and_exports_them_unchanged(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = {kind: (EXAMPLES / f"{kind}.csv").read_bytes() for kind in KINDS}
    import_all(tmp_path, files)
    for kind in KINDS:
        assert export(kind).replace(b"\r\n", b"\n") == files[kind], kind


@pytest.mark.parametrize("kind", KINDS)
def test_it_changes_nothing_on_a_dry_run_of_the_examples(db, tmp_path, kind: str) -> None:  # type: ignore[no-untyped-def]
    # Communities first, so that the dry runs of the other files have rows to check.
    if kind != "communities":
        run_file(tmp_path, "import-communities", (EXAMPLES / "communities.csv").read_bytes())
    before = db_fingerprint()
    command, *options = COMMANDS[kind]
    result = run_file(
        tmp_path, command, (EXAMPLES / f"{kind}.csv").read_bytes(), *options, "--dry-run"
    )
    assert result.code == 0, result.err
    assert "Dry run" in result.out
    assert db_fingerprint() == before


def test_it_applies_nothing_when_the_last_of_many_rows_is_bad(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        f"c{i:04d},Community {i},active,2020-01-01,,,Unit {i % 7},tag{i % 5},en"
        for i in range(1500)
    ]
    rows.append("broken,Broken,exploded,,,,,,")
    content = "slug,name,stage,launched,closed,purpose,business_units,tags,languages\n" + "\n".join(
        rows
    )
    before = db_fingerprint()
    result = run_file(tmp_path, "import-communities", content)
    assert result.code == 1
    assert f"line {len(rows) + 1}: Unknown stage “exploded”" in result.err
    assert db_fingerprint() == before
    # Without the bad row, all of them go in, in one import.
    result = run_file(tmp_path, "import-communities", content.rsplit("\n", 1)[0])
    assert result.code == 0, result.err
    assert Community.objects.count() == len(rows) - 1
    assert BusinessUnit.objects.count() == 7
