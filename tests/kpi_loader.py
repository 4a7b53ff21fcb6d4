"""Load a raw programme (tests/kpi_oracle.py) into Trellis, the way production data arrives.

Directory, communities, memberships, charters and objectives are written as rows. ESN
activity is written as real exports — a Viva Engage folder (Users.csv, Groups.csv,
Messages.csv, both date formats) and a Slack ZIP (channels.json, users.json, day files,
direct messages, thread replies, system and deleted messages, reactions) — and loaded by
the activity import service, which parses them, resolves authors (e-mail, then alias map),
drops what does not count, stores each message's local day and builds the rollups. Space
mappings and aliases are set beforehand, as the programme office would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.kpi_oracle import RawProgramme
from trellis.activity.models import AuthorAlias, Event
from trellis.activity.services import activity_import
from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    SpaceLink,
    StageChange,
    Tag,
)
from trellis.core.models import ProgrammeSettings
from trellis.people.models import BusinessUnit, Person


@dataclass
class Loaded:
    people: dict[int, int] = field(default_factory=dict)  # raw id -> Person pk
    communities: dict[int, int] = field(default_factory=dict)
    business_units: dict[int, int] = field(default_factory=dict)


def load_programme(raw: RawProgramme) -> Loaded:
    ids = Loaded()
    ProgrammeSettings.objects.update_or_create(
        pk=1,
        defaults={
            "exclude_staff_from_activity": raw.exclude_staff,
            "charter_approval_required": raw.approval_required,
        },
    )
    for key, name in raw.business_units.items():
        ids.business_units[key] = BusinessUnit.objects.get_or_create(name=name)[0].pk
    for p in raw.people:
        ids.people[p.id] = Person.objects.create(
            name=p.name, email=p.email, is_programme_staff=p.staff
        ).pk
    for c in raw.communities:
        community = Community.objects.create(
            name=c.name, slug=c.slug, stage=c.stage, launched=c.launched, closed=c.closed
        )
        ids.communities[c.id] = community.pk
        community.business_units.set([ids.business_units[b] for b in c.business_units])
        community.tags.set([Tag.objects.get_or_create(name=t)[0] for t in c.tags])
        for on, stage in c.history:  # in order: the last of a day is the latest row
            StageChange.objects.create(community=community, stage=stage, on=on)
    Membership.objects.bulk_create(
        Membership(
            person_id=ids.people[m.person],
            community_id=ids.communities[m.community],
            role=m.role,
            joined=m.joined,
            left=m.left,
        )
        for m in raw.memberships
    )
    for v in raw.charters:
        pk = CharterVersion.objects.create(
            community_id=ids.communities[v.community],
            year=v.year,
            version=v.version,
            approved_on=v.approved_on,
        ).pk
        CharterVersion.objects.filter(pk=pk).update(created_at=v.created_at)
    Objective.objects.bulk_create(
        Objective(
            community_id=ids.communities[o.community], year=o.year, title=o.title, status=o.status
        )
        for o in raw.objectives
    )
    for s in raw.spaces:
        if s.community is not None:
            SpaceLink.objects.create(
                source=s.source, space=s.external_id, community_id=ids.communities[s.community]
            )
    for alias in raw.aliases:
        AuthorAlias.objects.create(
            source=alias.source, key=alias.key, person_id=ids.people[alias.person]
        )
    import_activity(raw)
    for e in raw.events:
        event = Event.objects.create(
            community_id=ids.communities[e.community],
            type=e.type,
            title=e.title,
            start=e.start,
            end=e.start + dt.timedelta(hours=1),
            status=e.status,
            attendee_count=e.attendee_count,
        )
        event.attendees.set([ids.people[p] for p in e.attendees])
    return ids


# --- Real exports through the activity importer ---------------------------------------------

VE_MESSAGE_HEADER = [
    "id", "thread_id", "group_id", "group_name", "in_private_group",
    "in_private_conversation", "sender_id", "sender_type", "sender_name", "sender_email",
    "body", "created_at", "deleted_at", "message_type",
]  # fmt: skip


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def viva_engage_export(raw: RawProgramme) -> dict[str, bytes]:
    authors = [a for a in raw.authors if a.source == "viva-engage"]
    spaces = [s for s in raw.spaces if s.source == "viva-engage"]
    rows = []
    for n, m in enumerate(raw.messages):
        if m.source != "viva-engage":
            continue
        author = next(a for a in authors if a.external_id == m.author)
        created = m.created_at.astimezone(dt.UTC)
        private_group = m.space.endswith("1")  # private groups count like the others
        rows.append(
            [
                m.id,
                m.id if m.is_post else f"t-{m.id}",
                m.space,
                m.space,
                "true" if private_group else "false",
                "true" if m.private else "false",
                m.author,
                "user",
                m.author,
                author.email,
                "Hello",
                # Both formats seen in real exports.
                created.strftime("%Y/%m/%d %H:%M:%S +0000")
                if n % 2
                else created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "2026-01-01T00:00:00Z" if m.deleted else "",
                "system" if m.system else "update",
            ]
        )
    users = [[a.external_id, a.external_id, a.email, "active"] for a in authors]
    groups = [[s.external_id, s.external_id, "false"] for s in spaces]
    return {
        "Users.csv": _csv(["id", "name", "email", "state"], users),
        "Groups.csv": _csv(["id", "name", "private"], groups),
        "Messages.csv": _csv(VE_MESSAGE_HEADER, rows),
    }


def slack_export(raw: RawProgramme) -> dict[str, bytes]:
    """Channels named after their ids; direct messages where Slack puts them (never read)."""
    authors = [a for a in raw.authors if a.source == "slack"]
    channels = [s.external_id for s in raw.spaces if s.source == "slack"]
    files: dict[str, bytes] = {
        "channels.json": json.dumps(
            [{"id": c, "name": c, "created": 0, "members": []} for c in channels]
        ).encode(),
        "users.json": json.dumps(
            [
                {"id": a.external_id, "name": a.external_id, "profile": {"email": a.email}}
                for a in authors
            ]
        ).encode(),
        "dms.json": json.dumps([{"id": "D1", "members": []}]).encode(),
    }
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n, m in enumerate(raw.messages):
        if m.source != "slack":
            continue
        # ts is unique within a channel: the microseconds carry the message number.
        ts = f"{int(m.created_at.timestamp())}.{n:06d}"
        message: dict[str, Any] = {"type": "message", "user": m.author, "text": "hi", "ts": ts}
        if not m.is_post:
            message["thread_ts"] = f"{int(m.created_at.timestamp()) - 60}.000000"
        elif n % 3 == 0:
            message["thread_ts"] = ts  # a thread parent may carry its own ts
        if m.system:
            message["subtype"] = "channel_join"
        if m.deleted:
            message["subtype"] = "tombstone"
        if m.reactions:
            split = [m.reactions // 2, m.reactions - m.reactions // 2]
            message["reactions"] = [
                {"name": f"r{i}", "users": [], "count": c} for i, c in enumerate(split) if c
            ]
        folder = "D1" if m.private else m.space
        day = m.created_at.astimezone(dt.UTC).date().isoformat()
        days[f"{folder}/{day}.json"].append(message)
    for name, messages in days.items():
        files[name] = json.dumps(messages).encode()
    return files


def import_activity(raw: RawProgramme) -> None:
    """Export the raw messages and import them. Importing is idempotent (natural keys), so
    a second call adds only the messages appended to `raw` since."""
    with tempfile.TemporaryDirectory(prefix="kpi-exports-") as tmp:
        folder = Path(tmp) / "viva-engage"
        folder.mkdir()
        for name, data in viva_engage_export(raw).items():
            (folder / name).write_bytes(data)
        archive = Path(tmp) / "slack.zip"
        with zipfile.ZipFile(archive, "w") as out:
            for name, data in slack_export(raw).items():
                out.writestr(name, data)
        for source, path in (("viva-engage", folder), ("slack", archive)):
            report = activity_import(actor=None, source=source, path=path)
            assert report.applied, [str(e) for e in report.errors]
