"""Slack imports: posts and replies, excluded subtypes, reactions, channel memberships."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management import call_command

from tests.activity_exports import (
    OracleMessage,
    SlackExport,
    SlackMessage,
    oracle_contributors,
    oracle_days,
    write_zip,
)
from tests.personas import World
from tests.test_activity_viva import stored_contributors, stored_days
from trellis.activity.models import Message, Space
from trellis.communities.models import Membership, SpaceLink
from trellis.core.models import AuditEntry
from trellis.people.models import Person

T = dt.datetime(2026, 2, 3, 9, tzinfo=dt.UTC).timestamp()


def slack_export() -> SlackExport:
    export = SlackExport(
        channels={"C1": "welding", "C2": "random"},
        private_channels={"G1": "welding-core"},
        members={"C1": ["U1", "U2", "U3", "U4"], "G1": ["U1"]},
        users={
            "U1": "LEADER@example.com",
            "U2": "outsider@example.com",
            "U3": "nobody@elsewhere.org",
            "U4": "member@example.com",
        },
    )
    export.messages = [
        SlackMessage("welding", "U1", T, reactions=[2, 3]),
        SlackMessage("welding", "U2", T + 60, thread_ts=T),
        SlackMessage("welding", "U1", T + 120, thread_ts=T + 120),  # a parent: a post
        SlackMessage("welding", "U3", T + 180, subtype="channel_join"),
        SlackMessage("welding", "U3", T + 86400 * 40, reactions=[1]),
        SlackMessage("welding-core", "U1", T + 240),
        SlackMessage("random", "U2", T + 300, subtype="bot_message"),
    ]
    return export


def oracle(export: SlackExport) -> list[OracleMessage]:
    return [
        OracleMessage(
            "slack",
            export.channel_id(m.channel),
            m.user,
            m.created,
            m.thread_ts is None or m.thread_ts == m.ts,
            sum(m.reactions),
            m.counted,
        )
        for m in export.messages
    ]


def test_it_counts_a_slack_export_like_the_oracle(world: World, tmp_path: Path) -> None:
    export = slack_export()
    files = export.files()
    # Direct messages are private conversations: never read.
    files["dms.json"] = json.dumps([{"id": "D1", "members": ["U1", "U2"]}]).encode()
    files["D1/2026-02-03.json"] = json.dumps(
        [{"type": "message", "user": "U1", "ts": "1"}]
    ).encode()
    call_command("import-activity", str(write_zip(tmp_path / "s.zip", files)), source="slack")
    assert stored_days() == oracle_days(oracle(export), "UTC")
    resolve = {"U1": "leader@example.com", "U2": "outsider@example.com"}
    assert stored_contributors() == oracle_contributors(oracle(export), "UTC", resolve)
    assert not Message.objects.filter(external_id__startswith="D1:").exists()
    assert Space.objects.get(external_id="G1").is_private
    assert Message.objects.filter(counted=False).count() == 2


def test_it_adds_the_members_of_mapped_channels_on_request(world: World, tmp_path: Path) -> None:
    SpaceLink.objects.create(source="slack", space="welding", community=world.welding)
    Person.objects.filter(email="outsider@example.com").update(is_active=True)
    path = write_zip(tmp_path / "s.zip", slack_export().files())
    call_command("import-activity", str(path), source="slack")
    assert not Membership.objects.filter(person=world.outsider.person).exists()  # not asked
    call_command("import-activity", str(path), source="slack", memberships=True)
    # U2 (the outsider) joins; U1 and U4 are members already; U3 is unknown; G1 is unmapped.
    added = Membership.objects.filter(community=world.welding, person=world.outsider.person)
    assert added.count() == 1 and added.get().role == "member"
    assert Membership.objects.filter(community=world.welding, left__isnull=True).count() == 5
    entry = AuditEntry.objects.filter(action="activity.import").latest("pk")
    assert entry.changes["memberships_added"] == 1
    call_command("import-activity", str(path), source="slack", memberships=True)
    assert Membership.objects.filter(community=world.welding).count() == 5
