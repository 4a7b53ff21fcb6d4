"""Build small ESN exports in tests: Viva Engage ZIPs or folders, Slack ZIPs, CSV files.

Also an independent oracle: the rollups recomputed in Python straight from the raw
messages the test generated (not from what Trellis stored).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MESSAGE_HEADER = [
    "id", "replied_to_id", "parent_id", "thread_id", "conversation_id", "group_id",
    "group_name", "participants", "in_private_group", "in_private_conversation", "sender_id",
    "sender_type", "sender_name", "sender_email", "body", "delegate_id", "api_url",
    "attachments", "deleted_by_id", "deleted_by_type", "created_at", "deleted_at", "title",
    "html_body", "message_type", "gdpr_delete_url",
]  # fmt: skip
USER_HEADER = [
    "id", "name", "email", "job_title", "location", "department", "api_url", "deleted_by_id",
    "deleted_by_type", "joined_at", "deleted_at", "suspended_by_id", "suspended_by_type",
    "suspended_at", "guid", "state", "office_user_id",
]  # fmt: skip
GROUP_HEADER = [
    "id", "name", "description", "private", "moderated", "api_url", "created_by_id",
    "created_by_type", "created_at", "updated_at", "deleted", "external", "office_group_id",
]  # fmt: skip


@dataclass
class VivaMessage:
    id: str
    group: str  # group id, "" for none
    sender: str
    created: dt.datetime  # aware
    thread: str = ""  # thread id; "" = starts its own thread
    private: bool = False
    deleted: bool = False
    system: bool = False
    body: str = "Hello"
    slash_date: bool = False  # "YYYY/MM/DD HH:MM:SS +0000" instead of ISO 8601

    @property
    def thread_id(self) -> str:
        return self.thread or self.id

    @property
    def counted(self) -> bool:
        return not (self.private or self.deleted or self.system)

    def created_text(self) -> str:
        utc = self.created.astimezone(dt.UTC)
        if self.slash_date:
            return utc.strftime("%Y/%m/%d %H:%M:%S +0000")
        return utc.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class VivaUser:
    id: str
    name: str
    email: str


@dataclass
class VivaExport:
    users: list[VivaUser] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # id -> name
    messages: list[VivaMessage] = field(default_factory=list)

    def user(self, key: str) -> VivaUser | None:
        return next((u for u in self.users if u.id == key), None)

    def message_rows(self) -> list[list[str]]:
        rows = []
        for m in self.messages:
            user = self.user(m.sender)
            values = dict.fromkeys(MESSAGE_HEADER, "")
            values.update(
                id=m.id,
                thread_id=m.thread_id,
                group_id=m.group,
                group_name=self.groups.get(m.group, ""),
                in_private_conversation="true" if m.private else "false",
                in_private_group="false",
                sender_id=m.sender,
                sender_type="user",
                sender_name=user.name if user else "",
                sender_email=user.email if user else "",
                body=m.body,
                created_at=m.created_text(),
                deleted_at="2026-01-01T00:00:00Z" if m.deleted else "",
                message_type="system" if m.system else "update",
            )
            rows.append([values[h] for h in MESSAGE_HEADER])
        return rows

    def files(self) -> dict[str, bytes]:
        return {
            "Users.csv": to_csv(
                USER_HEADER,
                [[u.id, u.name, u.email] + [""] * (len(USER_HEADER) - 3) for u in self.users],
            ),
            "Groups.csv": to_csv(
                GROUP_HEADER,
                [
                    [gid, name, "", "false"] + [""] * (len(GROUP_HEADER) - 4)
                    for gid, name in self.groups.items()
                ],
            ),
            "Messages.csv": to_csv(MESSAGE_HEADER, self.message_rows()),
        }


def to_csv(header: Sequence[str], rows: Iterable[Sequence[str]], *, bom: bool = True) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path


# --- Slack -----------------------------------------------------------------------------------


@dataclass
class SlackMessage:
    channel: str  # channel name
    user: str
    ts: float
    thread_ts: float | None = None
    subtype: str = ""
    reactions: list[int] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.subtype == ""

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.ts, tz=dt.UTC)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"type": "message", "user": self.user, "text": "hi",
                                   "ts": f"{self.ts:.6f}"}  # fmt: skip
        if self.thread_ts is not None:
            data["thread_ts"] = f"{self.thread_ts:.6f}"
        if self.subtype:
            data["subtype"] = self.subtype
        if self.reactions:
            data["reactions"] = [
                {"name": f"r{i}", "users": [], "count": c} for i, c in enumerate(self.reactions)
            ]
        return data


@dataclass
class SlackExport:
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    private_channels: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # channel id -> user ids
    users: dict[str, str] = field(default_factory=dict)  # id -> email
    messages: list[SlackMessage] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        def channel_list(channels: dict[str, str]) -> bytes:
            return json.dumps(
                [
                    {"id": cid, "name": name, "created": 0, "members": self.members.get(cid, [])}
                    for cid, name in channels.items()
                ]
            ).encode()

        files = {
            "channels.json": channel_list(self.channels),
            "groups.json": channel_list(self.private_channels),
            "users.json": json.dumps(
                [
                    {
                        "id": uid,
                        "name": uid,
                        "real_name": f"User {uid}",
                        "profile": {"email": email},
                    }
                    for uid, email in self.users.items()
                ]  # fmt: skip
            ).encode(),
        }
        days: dict[str, list[dict[str, object]]] = defaultdict(list)
        for m in self.messages:
            days[f"{m.channel}/{m.created.date().isoformat()}.json"].append(m.as_json())
        for name, messages in days.items():
            files[name] = json.dumps(messages, indent=1).encode()
        return files

    def channel_id(self, name: str) -> str:
        for cid, cname in {**self.channels, **self.private_channels}.items():
            if cname == name:
                return cid
        raise KeyError(name)


# --- Oracle ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OracleMessage:
    """What the oracle needs of a message, however the test generated it."""

    source: str
    space: str  # the space's id in its source
    author: str
    created: dt.datetime
    is_post: bool
    reactions: int
    counted: bool


def oracle_days(
    messages: Iterable[OracleMessage], zone: str
) -> dict[tuple[str, dt.date], tuple[int, int, int]]:
    """(space, local day) -> (posts, replies, reactions) over the counted messages."""
    tz = zoneinfo.ZoneInfo(zone)
    sums: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for m in messages:
        if not m.counted:
            continue
        key = (m.space, m.created.astimezone(tz).date())
        sums[key][0 if m.is_post else 1] += 1
        sums[key][2] += m.reactions
    return {k: (v[0], v[1], v[2]) for k, v in sums.items()}


def oracle_contributors(
    messages: Iterable[OracleMessage], zone: str, resolve: dict[str, str]
) -> dict[tuple[str, dt.date], set[str]]:
    """(space, month) -> distinct contributors: the resolved person's e-mail, else the
    author's ESN id."""
    tz = zoneinfo.ZoneInfo(zone)
    found: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for m in messages:
        if m.counted and m.author:
            month = m.created.astimezone(tz).date().replace(day=1)
            found[(m.space, month)].add(resolve.get(m.author, "esn:" + m.author))
    return dict(found)
