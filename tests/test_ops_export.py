"""The full JSON export: everything of the programme, no secrets, and loaddata reads it back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from tests.personas import PASSWORD, make_world
from trellis.communities.models import Community, Membership
from trellis.ops.export import exported_models
from trellis.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in exported_models()}


def test_it_exports_every_record_and_loaddata_reads_it_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    world = make_world()
    Client().login(username="leader", password=PASSWORD)  # a session exists: not exported
    assert Session.objects.exists()
    target = tmp_path / "programme.json"
    call_command("export-json", str(target))
    assert "Exported" in capsys.readouterr().err

    records = json.loads(target.read_text(encoding="utf-8"))
    by_model = Counter(record["model"] for record in records)
    expected = _counts()
    assert {label: by_model.get(label, 0) for label in expected} == expected
    assert "sessions.session" not in by_model
    assert "auth.permission" not in by_model
    users = [r for r in records if r["model"] == "auth.user"]
    assert users and all(r["fields"]["password"] == "!" for r in users)
    assert all(not str(r["fields"]).count("argon2") for r in users)

    call_command("flush", interactive=False, verbosity=0)
    assert Community.objects.count() == 0
    call_command("loaddata", str(target), verbosity=0)
    assert _counts() == expected
    welding = Community.objects.get(slug="welding")
    assert Membership.objects.filter(community=welding, person__email=world.leader.email).exists()
    office = User.objects.get(username="office")
    assert office.groups.filter(name="programme office").exists()
    assert not office.has_usable_password()
    assert Person.objects.get(email="leader@example.com").user.username == "leader"


def test_it_writes_to_standard_output(capsys) -> None:  # type: ignore[no-untyped-def]
    make_world()
    call_command("export-json", "-")
    records = json.loads(capsys.readouterr().out)
    communities = [r for r in records if r["model"] == "communities.community"]
    assert communities and all({"model", "pk", "fields"} <= set(r) for r in communities)
    # Accounts and groups travel by their natural keys (username, group name).
    assert any(r["model"] == "auth.user" and "pk" not in r for r in records)
