"""Backup and restore round trips, on whichever database the tests run (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.personas import make_world
from trellis.communities.models import Community, Membership
from trellis.ops.backup import table_counts
from trellis.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def programme():  # type: ignore[no-untyped-def]
    world = make_world()
    from trellis.communities.services import community_create

    community_create(actor=world.office, name="Pumps and valves", slug="pumps")
    return world


def test_it_backs_up_and_restores_every_row(programme, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "nightly.backup"
    call_command("backup", str(target))
    assert "Backup written to" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "nightly.backup.manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"] == table_counts()
    assert manifest["tables"]["communities_community"] == Community.objects.count() == 3

    # Life goes on after the backup: rows deleted, rows added.
    Membership.objects.all().delete()
    Community.objects.filter(slug="pumps").delete()
    Person.objects.create(name="Late Arrival", email="late@example.com")
    assert table_counts() != manifest["tables"]

    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(target))

    call_command("restore", str(target), "--replace")
    assert "counts verified" in capsys.readouterr().out
    counts = table_counts()
    assert {t: counts[t] for t in manifest["tables"]} == manifest["tables"]
    assert Community.objects.filter(slug="pumps").exists()
    assert not Person.objects.filter(email="late@example.com").exists()
    assert Membership.objects.count() == manifest["tables"]["communities_membership"] > 0


def test_it_restores_into_an_empty_database_without_replace(programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "b.backup"
    call_command("backup", str(target))
    expected = json.loads((tmp_path / "b.backup.manifest.json").read_text())["tables"]
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(target))
    counts = table_counts()
    assert {t: counts[t] for t in expected} == expected


def test_it_refuses_a_backup_without_its_manifest(programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "b.backup"
    call_command("backup", str(target))
    (tmp_path / "b.backup.manifest.json").unlink()
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(target), "--replace")
    assert Community.objects.count() == 3


def test_it_refuses_a_backup_of_another_database_kind(programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "b.backup"
    call_command("backup", str(target))
    where = tmp_path / "b.backup.manifest.json"
    manifest = json.loads(where.read_text())
    manifest["vendor"] = "oracle"
    where.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="export-json"):
        call_command("restore", str(target), "--replace")
    assert Community.objects.count() == 3


def test_it_refuses_a_damaged_backup_and_changes_nothing(programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "b.backup"
    call_command("backup", str(target))
    target.write_bytes(b"not a database at all" * 100)
    before = table_counts()
    with pytest.raises(CommandError):
        call_command("restore", str(target), "--replace")
    assert table_counts() == before


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "nothing.backup"))
