"""Slack workspace export: a ZIP (or its unpacked folder).

`channels.json` (public channels, required), `groups.json` (private channels),
`users.json` or `org_users.json`, then one folder per channel, named after the channel,
holding one JSON file per day, each a list of messages (guide/formats.md). Direct
messages (`dms.json`, `mpims.json` folders) are private conversations: never read.

- a post has no `thread_ts`, or `thread_ts == ts`; the other messages are replies;
- joins, leaves, renames, topic/purpose changes, pins and bot messages are kept with
  counts=False; so are deleted messages (tombstones, `message_deleted`, hidden ones);
- reactions are the sum of the reactions' counts;
- a message's id is `<channel id>:<ts>` (`ts` is unique only within its channel).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from trellis.activity.sources.base import (
    Archive,
    AuthorRecord,
    MessageRow,
    Reader,
    SourceError,
    SpaceRecord,
    open_archive,
)

EXCLUDED_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_name",
        "channel_purpose",
        "channel_topic",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "group_name",
        "group_purpose",
        "group_topic",
        "pinned_item",
        "unpinned_item",
        "bot_message",
        "bot_add",
        "bot_remove",
    }
)
DELETED_SUBTYPES = frozenset({"tombstone", "message_deleted"})


class SlackReader(Reader):
    source = "slack"
    kind = "messages"

    archive: Archive | None = None

    def open(self) -> None:
        self.archive = open_archive(self.path)
        members = self.archive.members()
        root = _root_prefix(members)
        self._root = root
        if root + "channels.json" not in members:
            raise SourceError(
                self.archive.name,
                _("The export has no channels.json: is this a Slack workspace export?"),
            )
        by_folder: dict[str, SpaceRecord] = {}
        for filename, private in (("channels.json", False), ("groups.json", True)):
            if root + filename not in members:
                continue
            for channel in self._json_list(root + filename):
                if not isinstance(channel, dict) or not channel.get("id"):
                    continue
                record = SpaceRecord(
                    str(channel["id"]),
                    name=str(channel.get("name") or ""),
                    is_private=private,
                    members=[str(m) for m in channel.get("members") or [] if m],
                )
                self.spaces[record.external_id] = record
                by_folder[record.name or record.external_id] = record
        skip: set[str] = set()
        for filename in ("dms.json", "mpims.json"):
            if root + filename in members:
                for conversation in self._json_list(root + filename):
                    if isinstance(conversation, dict):
                        skip.update(
                            str(conversation[k]) for k in ("id", "name") if conversation.get(k)
                        )
        for filename in ("users.json", "org_users.json"):
            if root + filename in members:
                for user in self._json_list(root + filename):
                    if isinstance(user, dict) and user.get("id"):
                        profile = user.get("profile") or {}
                        self.authors[str(user["id"])] = AuthorRecord(
                            str(user["id"]),
                            name=str(
                                user.get("real_name")
                                or profile.get("real_name")
                                or user.get("name")
                                or ""
                            ),
                            email=str(profile.get("email") or ""),
                        )
        # Day files: <root><folder>/<YYYY-MM-DD>.json
        self._days: list[tuple[SpaceRecord, str]] = []
        unknown: set[str] = set()
        for member in sorted(members):
            if not member.startswith(root):
                continue
            parts = PurePosixPath(member[len(root) :]).parts
            if len(parts) != 2 or not parts[1].endswith(".json") or parts[0] == "__MACOSX":
                continue
            folder = parts[0]
            if folder in skip:
                continue
            found = by_folder.get(folder)
            if found is not None:
                record = found
            else:
                # A channel folder that the channel lists do not name: keep its messages
                # under the folder's name rather than losing them.
                record = self.spaces.setdefault(folder, SpaceRecord(folder, name=folder))
                by_folder[folder] = record
                unknown.add(folder)
            self._days.append((record, member))
        for folder in sorted(unknown):
            self.notes.append(
                _(
                    "The folder “%(folder)s” is not in channels.json or groups.json: read as a "
                    "channel of that name."
                )
                % {"folder": folder}
            )
        self._bytes_total = sum(members[m] for _r, m in self._days)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def _json_list(self, member: str) -> list[Any]:
        assert self.archive is not None
        data = self.archive.read_whole(member)
        try:
            value = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(member, _json_reason(exc), line=getattr(exc, "lineno", None)) from exc
        if not isinstance(value, list):
            raise SourceError(member, _("A list was expected."), line=1)
        return value

    def rows(self) -> Iterator[MessageRow]:
        assert self.archive is not None
        for record, member in self._days:
            data = self.archive.read_whole(member)
            self._bytes_done += len(data)
            try:
                messages = json.loads(data)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                self.rows_read += 1
                self.reject(member, getattr(exc, "lineno", None), _json_reason(exc))
                continue
            if not isinstance(messages, list):
                self.rows_read += 1
                self.reject(member, 1, _("A list of messages was expected."))
                continue
            yield from self._messages(record, member, messages)

    def _messages(
        self, record: SpaceRecord, member: str, messages: list[Any]
    ) -> Iterator[MessageRow]:
        channel = record.external_id
        authors = self.authors
        for position, message in enumerate(messages, start=1):
            if not isinstance(message, dict) or message.get("type", "message") != "message":
                continue
            self.rows_read += 1
            ts = message.get("ts")
            try:
                created = dt.datetime.fromtimestamp(float(ts), tz=dt.UTC)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError, OSError):
                self.reject(
                    member,
                    None,
                    _("Message %(position)d has no valid “ts”.") % {"position": position},
                )
                continue
            ts = str(ts)
            subtype = message.get("subtype") or ""
            user = str(message.get("user") or "")
            counted = not (
                subtype in EXCLUDED_SUBTYPES
                or subtype in DELETED_SUBTYPES
                or message.get("hidden")
                or (not user and message.get("bot_id"))
            )
            if user and user not in authors:
                profile = message.get("user_profile") or {}
                authors[user] = AuthorRecord(
                    user, name=str(profile.get("real_name") or profile.get("name") or "")
                )
            thread_ts = message.get("thread_ts")
            reactions = 0
            for reaction in message.get("reactions") or ():
                if isinstance(reaction, dict):
                    count = reaction.get("count")
                    reactions += (
                        count
                        if isinstance(count, int) and count >= 0
                        else len(reaction.get("users") or ())
                    )
            yield (
                f"{channel}:{ts}"[:64],
                channel,
                user,
                created,
                not thread_ts or str(thread_ts) == ts,
                reactions,
                counted,
            )


def _root_prefix(members: dict[str, int]) -> str:
    """ "" when channels.json is at the root, else "<folder>/" when the ZIP holds a folder."""
    if "channels.json" in members:
        return ""
    for member in members:
        parts = PurePosixPath(member).parts
        if len(parts) == 2 and parts[1] == "channels.json" and parts[0] != "__MACOSX":
            return parts[0] + "/"
    return ""


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return _("This is not valid JSON: %(reason)s (column %(column)d).") % {
            "reason": exc.msg,
            "column": exc.colno,
        }
    return _("This is not UTF-8 JSON text.")
