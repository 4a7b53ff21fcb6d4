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
from functools import cache
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from trellis.activity.sources.base import (
    GROUP_ROWS,
    Archive,
    AuthorRecord,
    CsvStream,
    MessageColumns,
    MessageRow,
    NotVouched,
    Reader,
    SourceError,
    SpaceRecord,
    arrow_tables,
    column_index,
    csv_reason,
    find_members,
    is_true,
    open_archive,
    parse_timestamp,
    table_records,
)

ALL_COMPANY = "all-company"
MAX_ID = 64

# created_at forms taken column-wise (Reader._columns): exactly what the per-row path reads
# with datetime.fromisoformat, valid fields only (Arrow then refuses a day the month lacks).
_DATE = r"[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
_ISO = rf"^{_DATE}[T ]{_TIME}(?:\.\d{{1,6}})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
_SLASH = (  # groups: year, month, day, time, offset hours, offset minutes
    r"^([1-9]\d{3})/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01]) "
    r"((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d) ([+-](?:[01]\d|2[0-3]))([0-5]\d)$"
)
_ZONED = r"(?:Z|[+-]\d\d:?\d\d)$"
# Instants taken column-wise: from 1970-01-03 (local days never before the epoch) to the
# end of 2099 (where float timestamps, as the per-row path uses, still tell microseconds).
_EARLIEST = 2 * 86400 * 1_000_000
_LATEST = 4_102_444_800 * 1_000_000

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
    # Parse Messages.csv with Arrow where it vouches for the records (see _message_groups).
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
        for group in self.row_groups():
            yield from group.rows() if isinstance(group, MessageColumns) else group

    def row_groups(self) -> Iterator[list[MessageRow] | MessageColumns]:
        for member in self._message_files:
            yield from self._message_groups(member)

    def _message_groups(self, member: str) -> Iterator[list[MessageRow] | MessageColumns]:
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
            # The fast path: Arrow parses, for the columns read here (see arrow_tables);
            # each chunk is taken column-wise when it can be, else row by row.
            wanted = sorted(set(cols.values()))
            packed = {name: wanted.index(i) for name, i in cols.items()}
            tables = arrow_tables(self.archive, member, self, width=width, wanted=wanted)
            try:
                for table in tables:
                    columns = self._columns([table.column(i) for i in wanted], packed)
                    if columns is not None:
                        if len(columns):
                            yield columns
                        continue
                    rows: list[MessageRow] = []
                    vouched = True
                    try:
                        records = _Unnumbered(table_records(table, wanted))
                        rows.extend(self._message_rows(member, records, packed, exact=False))
                    except NotVouched:
                        vouched = False
                    if rows:
                        yield rows  # the records before the one not vouched for
                    if not vouched:
                        raise NotVouched
                return
            except NotVouched:
                pass
            finally:
                tables.close()
        # The csv module: the whole member, or what Arrow did not vouch for.
        done = self.rows_read - start
        self.rows_read, self._bytes_done = start, bytes_start
        stream = CsvStream(self.archive, member, self)
        try:
            stream.header()
            rows_in = stream.csv
            try:
                while self.rows_read - start < done:
                    cells = next(rows_in, None)
                    if cells is None:
                        break
                    if cells:  # blank records are not counted, as below
                        self.rows_read += 1
            except csv.Error as exc:  # a record Arrow took leniently (`"ab"c`, see there)
                raise SourceError(member, csv_reason(exc), line=rows_in.line_num) from exc
            messages = self._message_rows(member, rows_in, cols, exact=True)
            while group := list(islice(messages, GROUP_ROWS)):
                yield group
        finally:
            stream.close()

    def _columns(self, cells: list[Any], packed: dict[str, int]) -> MessageColumns | None:
        """A chunk's messages column-wise (Arrow's compute functions, no Python per row),
        when the per-row path (_message_rows) would take every record as it is and make no
        new record of a space or author: ids not empty, not longer than MAX_ID and without
        spaces around them; created_at in one of the export's two strict forms (see
        _ISO and _SLASH), from 1970-01-03 to 2099; groups and senders already known
        (from Groups.csv and Users.csv, or from earlier rows). None otherwise: the chunk
        then goes row by row. tests/test_activity_arrow.py compares both ways."""
        import pyarrow as pa
        import pyarrow.compute as pc

        def col(name: str) -> Any:
            return cells[packed[name]] if name in packed else None

        ids = col("id")
        if (
            not (
                pc.all(pc.utf8_is_decimal(ids)).as_py()
                and pc.max(pc.utf8_length(ids)).as_py() <= MAX_ID
            )
            and not pc.all(pc.match_substring_regex(ids, _id_pattern())).as_py()
        ):
            return None
        created = _instants(col("created_at"))
        if created is None:
            return None
        bounds = pc.min_max(pc.cast(created, pa.int64())).as_py()
        if bounds["min"] < _EARLIEST or bounds["max"] >= _LATEST:
            return None
        n = len(ids)
        private = (
            pc.is_in(col("in_private_conversation"), value_set=_true_values())
            if "in_private_conversation" in packed
            else pa.repeat(False, n)
        )
        group = col("group_id")
        no_group = pc.equal(group, "")
        keep = pc.invert(pc.and_(no_group, private))  # private conversations are skipped
        kept = pc.sum(keep).as_py() or 0
        if kept < n:
            ids, group, created, private, no_group = (
                pc.filter(a, keep) for a in (ids, group, created, private, no_group)
            )
        if pc.any(no_group).as_py():  # known once a row by row chunk has met one
            group = pc.if_else(no_group, ALL_COMPANY, group)
        spaces, authors = self.spaces, self.authors
        if not all(k in spaces for k in pc.unique(group).to_pylist()):
            return None
        sender = col("sender_id")
        if kept < n:
            sender = pc.filter(sender, keep)
        if not all(k in authors or not k for k in pc.unique(sender).to_pylist()):
            return None
        thread = pc.filter(col("thread_id"), keep) if kept < n else col("thread_id")
        posts = pc.or_(pc.equal(thread, ids), pc.equal(thread, ""))
        stop = private
        for name, value in (("deleted_at", None), ("message_type", "system")):
            if name in packed:
                cell = pc.filter(col(name), keep) if kept < n else col(name)
                hit = pc.not_equal(cell, "") if value is None else pc.equal(cell, value)
                stop = pc.or_(stop, hit)
        self.rows_read += n
        self.skipped += n - kept
        return MessageColumns(
            ids=ids,
            spaces=group,
            authors=sender,
            created=created,
            posts=posts,
            counted=pc.invert(stop),
        )

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


@cache
def _id_pattern() -> str:
    """An id the per-row path takes as it is: 1 to MAX_ID characters, no whitespace (as
    str.strip() sees it) at either end."""
    space = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace())
    return rf"(?s)^[^{space}](?:.{{0,{MAX_ID - 2}}}[^{space}])?$"


def _instants(text: Any) -> Any | None:
    """created_at as timestamp("us", "UTC"), or None unless every value is in one of the
    two strict forms and a valid date (see _ISO and _SLASH)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    iso = pc.match_substring_regex(text, _ISO)
    if not pc.all(iso).as_py():
        slash = pc.match_substring_regex(text, _SLASH)
        if not pc.all(pc.or_(iso, slash)).as_py():
            return None
        # "2026/03/02 23:30:00 +0000" read as parse_timestamp reads it, without the
        # slashes and the space before the offset: "2026-03-02 23:30:00+0000".
        fixed = pc.utf8_replace_slice(
            pc.replace_substring(text, "/", "-"), start=19, stop=20, replacement=""
        )
        text = pc.if_else(slash, fixed, text)
    if not pc.all(pc.ends_with(text, "Z")).as_py():
        zoned = pc.match_substring_regex(text, _ZONED)
        text = pc.if_else(zoned, text, pc.binary_join_element_wise(text, "Z", ""))  # UTC
    try:
        return pc.cast(text, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # a day the month does not have: the per-row path rejects it


@cache
def _true_values() -> Any:
    import pyarrow as pa

    return pa.array(["true", "TRUE", "True"])


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()
