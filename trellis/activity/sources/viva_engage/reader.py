"""Viva Engage (Yammer) network data export: a ZIP or its unpacked folder.

Files (guide/formats.md): `Messages.csv` (required), `Users.csv` and `Groups.csv`
(optional: names and e-mails also come with each message), at the root or in one folder
per network (`<network id>/Messages.csv`). Messages.csv is streamed: a 2-million-row
export never sits in memory.

- a post starts a thread (`thread_id == id`); the other messages are replies;
- deleted (`deleted_at` set), system (`message_type` system) and private-conversation
  messages are kept with counts=False when they belong to a group, so that a later
  export can update them; private conversations outside any group are skipped;
- messages outside any group (the "All Company" feed of older networks) go to one space
  with the id `all-company`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from trellis.activity.sources.base import (
    Archive,
    AuthorRecord,
    CsvStream,
    MessageRow,
    NotVouched,
    Reader,
    SourceError,
    SpaceRecord,
    arrow_records,
    column_index,
    csv_reason,
    find_members,
    is_true,
    open_archive,
    parse_timestamp,
)

ALL_COMPANY = "all-company"
MAX_ID = 64

MESSAGE_REQUIRED = ("id", "thread_id", "group_id", "sender_id", "created_at")
MESSAGE_OPTIONAL = (
    "group_name",
    "sender_name",
    "sender_email",
    "in_private_group",
    "in_private_conversation",
    "deleted_at",
    "message_type",
)


class VivaEngageReader(Reader):
    source = "viva-engage"
    kind = "messages"
    # Parse Messages.csv with Arrow where it vouches for the records (see _messages).
    fast = True

    archive: Archive | None = None

    def open(self) -> None:
        self.archive = open_archive(self.path)
        self._message_files = find_members(self.archive, "Messages.csv")
        if not self._message_files:
            raise SourceError(
                self.archive.name,
                _(
                    "The export has no Messages.csv (neither at the root nor in a network "
                    "folder): is this a Viva Engage data export?"
                ),
            )
        sizes = self.archive.members()
        self._bytes_total = sum(sizes[m] for m in self._message_files)
        self.skipped = 0
        for messages in self._message_files:
            folder = PurePosixPath(messages).parent
            for name, loader in (
                ("Users.csv", self._read_users),
                ("Groups.csv", self._read_groups),
            ):
                sibling = next(
                    (
                        m
                        for m in sizes
                        if PurePosixPath(m).parent == folder
                        and PurePosixPath(m).name.lower() == name.lower()
                    ),
                    None,
                )
                if sibling is not None:
                    loader(sibling)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def _read_users(self, member: str) -> None:
        assert self.archive is not None
        stream = CsvStream(self.archive, member)
        try:
            cols = column_index(
                stream.header(),
                file=member,
                line=stream.line,
                required=("id",),
                optional=("name", "email"),
            )
            i_id, i_name, i_email = cols["id"], cols.get("name"), cols.get("email")
            for cells in stream:
                if len(cells) <= i_id or not cells[i_id].strip():
                    continue
                key = cells[i_id].strip()
                self.authors[key] = AuthorRecord(
                    key,
                    name=_cell(cells, i_name),
                    email=_cell(cells, i_email),
                )
        finally:
            stream.close()

    def _read_groups(self, member: str) -> None:
        assert self.archive is not None
        stream = CsvStream(self.archive, member)
        try:
            cols = column_index(
                stream.header(),
                file=member,
                line=stream.line,
                required=("id",),
                optional=("name", "private"),
            )
            i_id, i_name, i_private = cols["id"], cols.get("name"), cols.get("private")
            for cells in stream:
                if len(cells) <= i_id or not cells[i_id].strip():
                    continue
                key = cells[i_id].strip()
                self.spaces[key] = SpaceRecord(
                    key,
                    name=_cell(cells, i_name),
                    is_private=is_true(_cell(cells, i_private)),
                )
        finally:
            stream.close()

    def rows(self) -> Iterator[MessageRow]:
        for member in self._message_files:
            yield from self._messages(member)

    def _messages(self, member: str) -> Iterator[MessageRow]:
        assert self.archive is not None
        start, bytes_start = self.rows_read, self._bytes_done
        stream = CsvStream(self.archive, member, self)
        try:
            header = stream.header()
            cols = column_index(
                header,
                file=member,
                line=stream.line,
                required=MESSAGE_REQUIRED,
                optional=MESSAGE_OPTIONAL,
            )
            width, one_line_header = len(header), stream.csv.line_num == 1
        finally:
            stream.close()
            self._bytes_done = bytes_start  # counted again by the stream that reads the rows
        if one_line_header and self.fast:
            # The fast path: Arrow parses, for the columns read here (see arrow_records).
            wanted = sorted(set(cols.values()))
            packed = {name: wanted.index(i) for name, i in cols.items()}
            records = arrow_records(self.archive, member, self, width=width, wanted=wanted)
            try:
                yield from self._message_rows(member, _Unnumbered(records), packed, exact=False)
                return
            except NotVouched:
                pass
            finally:
                records.close()
        # The csv module: the whole member, or what Arrow did not vouch for.
        done = self.rows_read - start
        self.rows_read, self._bytes_done = start, bytes_start
        stream = CsvStream(self.archive, member, self)
        try:
            stream.header()
            rows = stream.csv
            try:
                while self.rows_read - start < done:
                    cells = next(rows, None)
                    if cells is None:
                        break
                    if cells:  # blank records are not counted, as below
                        self.rows_read += 1
            except csv.Error as exc:  # a record Arrow took leniently (`"ab"c`, see there)
                raise SourceError(member, csv_reason(exc), line=rows.line_num) from exc
            yield from self._message_rows(member, rows, cols, exact=True)
        finally:
            stream.close()

    def _message_rows(
        self, member: str, rows: Any, cols: dict[str, int], *, exact: bool
    ) -> Iterator[MessageRow]:
        """Rows from records; `exact` when `rows` is the csv reader, which knows lines.

        Otherwise (Arrow) a record that would be rejected raises NotVouched instead, so
        that the csv module reads it again from there and names its line.
        """
        # The hot loop of the largest imports: plain local names, no helper per row.
        i_id, i_thread, i_group, i_sender, i_created = (cols[c] for c in MESSAGE_REQUIRED)
        # Optional columns read from a padding cell ("") when the export lacks them.
        pad = max(cols.values()) + 1
        full = pad + 1
        i_gname = cols.get("group_name", pad)
        i_sname = cols.get("sender_name", pad)
        i_semail = cols.get("sender_email", pad)
        i_pgroup = cols.get("in_private_group", pad)
        i_pconv = cols.get("in_private_conversation", pad)
        i_deleted = cols.get("deleted_at", pad)
        i_type = cols.get("message_type", pad)
        spaces, authors = self.spaces, self.authors
        fromiso, parse, utc = dt.datetime.fromisoformat, parse_timestamp, dt.UTC
        last = rows.line_num
        try:
            for cells in rows:
                line = last + 1  # where this record starts (quoted newlines span lines)
                last = rows.line_num
                if len(cells) < full:
                    if not cells:
                        continue
                    cells.extend([""] * (full - len(cells)))
                self.rows_read += 1
                mid = cells[i_id]
                if not mid or len(mid) > MAX_ID or mid != mid.strip():
                    mid = mid.strip()
                    if not mid or len(mid) > MAX_ID:
                        if not exact:
                            self.rows_read -= 1
                            raise NotVouched
                        self.reject(
                            member,
                            line,
                            _("The message id is empty or longer than %(max)d characters.")
                            % {"max": MAX_ID},
                        )
                        continue
                text = cells[i_created]
                created = None
                if text[4:5] == "-" and text[19:20] != " ":
                    try:
                        created = fromiso(text)
                    except ValueError:
                        pass
                    else:
                        if created.tzinfo is None:
                            created = created.replace(tzinfo=utc)
                if created is None:
                    created = parse(text)
                    if created is None:
                        if not exact:
                            self.rows_read -= 1
                            raise NotVouched
                        self.reject(
                            member,
                            line,
                            _("created_at “%(value)s” is not a date and time.")
                            % {"value": text[:40]},
                        )
                        continue
                private = cells[i_pconv] in ("true", "TRUE", "True")
                group = cells[i_group]
                if not group:
                    if private:
                        self.skipped += 1  # a private conversation: no space, never counts
                        continue
                    group = ALL_COMPANY
                    if group not in spaces:
                        spaces[group] = SpaceRecord(group, name="All Company")
                elif group not in spaces:
                    group = group.strip()
                    if group not in spaces:
                        spaces[group] = SpaceRecord(
                            group,
                            name=cells[i_gname].strip(),
                            is_private=is_true(cells[i_pgroup]),
                        )
                sender = cells[i_sender]
                if sender not in authors and sender:
                    sender = sender.strip()
                    authors[sender] = AuthorRecord(
                        sender, name=cells[i_sname].strip(), email=cells[i_semail].strip()
                    )
                thread = cells[i_thread]
                counted = not (private or cells[i_deleted] or cells[i_type] == "system")
                yield (mid, group, sender, created, thread == mid or not thread, 0, counted)
        except csv.Error as exc:
            raise SourceError(member, csv_reason(exc), line=last + 1) from exc


class _Unnumbered:
    """Arrow's records where the csv reader's would be: no line numbers (see _message_rows)."""

    line_num = 0

    def __init__(self, records: Iterator[tuple[str, ...]]) -> None:
        self._records = records

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return self._records


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()
