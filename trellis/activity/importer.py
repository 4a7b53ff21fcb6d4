"""The engine behind `services.activity_import`: writes what a source reader yields.

Messages go in batches of BATCH rows through `cursor.executemany`, not one ORM object per
row:

1. spaces and authors met in a batch are upserted first (bulk, once each);
2. when the source already has messages, the batch's stored rows are fetched by natural
   key (source, external_id) and compared, so that only new or changed messages are
   written and "unchanged" is exact (the same file twice writes nothing); a first import
   skips that look-up;
3. new rows go in by plain INSERT, changed ones by `INSERT … ON CONFLICT DO UPDATE`
   (see Writer._write for why, and for duplicates inside one export);
4. each written message marks its (space, month) pair, and the old pair too when a later
   export moved or deleted it; at the end the rollups of those pairs alone are rebuilt.

Everything runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.activity import rollups
from trellis.activity.feed import Batch
from trellis.activity.localtime import LocalTime
from trellis.activity.models import (
    AuthorAlias,
    EsnAuthor,
    Message,
    Space,
    SpaceDay,
    UsageReport,
)
from trellis.activity.sources.base import AuthorRecord, Reader, RowError, SpaceRecord
from trellis.communities.models import Membership, Role, SpaceLink, Stage
from trellis.people.models import Person

BATCH = 5000
# A first import sums its rollups in memory up to this many rows, then leaves them to SQL
# (memory stays bounded whatever the size of the export).
SUM_WHILE_READING_MAX = 500_000
CHUNK = 500  # values per IN (…) look-up
# An import writing at least this many messages refreshes PostgreSQL's statistics.
ANALYZE_AFTER_ROWS = 50_000

Progress = Callable[[int, int | None], None]

UPSERT_MESSAGES = """INSERT INTO {message}
    (source, external_id, space_id, author_id, created_at, day, is_post, reactions, counted)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (source, external_id) DO UPDATE SET
    space_id = EXCLUDED.space_id, author_id = EXCLUDED.author_id,
    created_at = EXCLUDED.created_at, day = EXCLUDED.day, is_post = EXCLUDED.is_post,
    reactions = EXCLUDED.reactions, counted = EXCLUDED.counted"""
# The stored form of a batch's messages, by natural key, as written. On SQLite the CASTs
# return the stored text and integers as they are: Django's converters would parse every
# date and time into objects that would then have to be formatted back.
PROBE_MESSAGES = """SELECT external_id, space_id, author_id, created_at, day, is_post,
    reactions, counted FROM {message} WHERE source = %%s AND external_id IN (%(keys)s)"""
PROBE_MESSAGES_SQLITE = """SELECT external_id, space_id, author_id, CAST(created_at AS TEXT),
    CAST(day AS TEXT), CAST(is_post AS INTEGER), reactions, CAST(counted AS INTEGER)
    FROM {message} WHERE source = %%s AND external_id IN (%(keys)s)"""


@dataclass
class ImportReport:
    source: str
    filename: str
    sha256: str = ""
    dry_run: bool = False
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows that never count (deleted, private, system…): stored with counts=False or skipped.
    excluded: int = 0
    rejected: int = 0
    spaces_new: int = 0
    authors_new: int = 0
    authors_unresolved: int = 0
    memberships_added: int = 0
    rollup_pairs: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreadable: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.unreadable and self.rejected == 0

    @property
    def imported(self) -> int:
        return self.new + self.updated

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "imported": self.imported,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "excluded": self.excluded,
            "rejected": self.rejected,
            "spaces_new": self.spaces_new,
            "authors_new": self.authors_new,
            "authors_unresolved": self.authors_unresolved,
            "memberships_added": self.memberships_added,
        }


def chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


# --- Author resolution --------------------------------------------------------------------


def alias_key(key: str) -> str:
    """Aliases keyed by e-mail are stored lower-case; ESN ids are kept as they are."""
    key = key.strip()
    return key.lower() if "@" in key else key


def resolve_people(
    source: str, authors: Iterable[tuple[str, str]], *, aliases_exist: bool = True
) -> dict[str, int | None]:
    """ESN user id -> person id, for (id, e-mail) pairs: by e-mail (case-insensitive), then
    by an alias of this source, then by an alias of any source (id before e-mail).
    `aliases_exist` False (the caller checked that this source has none) skips their look-up."""
    authors = list(authors)
    emails = sorted({e.strip().lower() for _k, e in authors if e.strip()})
    by_email: dict[str, int] = {}
    for part in chunks(emails):
        by_email.update(
            Person.objects.annotate(key=Lower("email"))
            .filter(key__in=part)
            .values_list("key", "pk")
        )
    keys = sorted({k for k, _e in authors} | set(emails))
    aliases: dict[tuple[str, str], int] = {}
    for part in chunks(keys) if aliases_exist else ():
        for src, key, alias_person in AuthorAlias.objects.filter(
            key__in=part, source__in=[source, ""]
        ).values_list("source", "key", "person_id"):
            aliases[(src, key)] = alias_person
    resolved: dict[str, int | None] = {}
    for key, email in authors:
        email = email.strip().lower()
        person: int | None = by_email.get(email) if email else None
        if person is None:
            for candidate in (
                (source, key),
                (source, email),
                ("", key),
                ("", email),
            ):
                if candidate[1] and candidate in aliases:
                    person = aliases[candidate]
                    break
        resolved[key] = person
    return resolved


# --- Spaces and mappings ------------------------------------------------------------------


def mapped_community(links: dict[str, int], external_id: str, name: str) -> int | None:
    """The community a space maps to: its id first, then its exact name."""
    if external_id in links:
        return links[external_id]
    if name and name in links:
        return links[name]
    return None


def apply_links(source: str, space_ids: Iterable[int] | None = None) -> int:
    """Set Space.community from the SpaceLink mappings; returns how many spaces changed.

    A space that no mapping names keeps its community: mappings are only ever removed
    through `services.space_map`, which also clears the space.
    """
    links = dict(SpaceLink.objects.filter(source=source).values_list("space", "community_id"))
    qs = Space.objects.filter(source=source)
    if space_ids is not None:
        ids = list(space_ids)
        changed = []
        for part in chunks(ids):
            changed += _changed_spaces(qs.filter(pk__in=part), links)
    else:
        changed = _changed_spaces(qs, links)
    Space.objects.bulk_update(changed, ["community"], batch_size=CHUNK)
    return len(changed)


def _changed_spaces(qs: Any, links: dict[str, int]) -> list[Space]:
    changed = []
    for space in qs.only("pk", "external_id", "name", "community_id"):
        target = mapped_community(links, space.external_id, space.name)
        if target is not None and target != space.community_id:
            space.community_id = target
            changed.append(space)
    return changed


# --- The writer ---------------------------------------------------------------------------


class Writer:
    """Upserts spaces, authors and rows for one import; see the module docstring."""

    def __init__(
        self,
        *,
        reader: Reader,
        report: ImportReport,
        progress: Progress | None = None,
        beat: Callable[[], None] | None = None,
    ) -> None:
        self.reader = reader
        self.source = reader.source
        self.report = report
        self.progress = progress
        self.beat = beat
        self.space_ids: dict[str, int] = {}
        self.pairs: set[rollups.Pair] = set()
        self.touched_spaces: set[int] = set()
        # Contributor keys whose person changed: their other months need a rebuild too.
        self.moved_contributors: set[int] = set()
        # ESN key -> (author id, contributor key, staff flag as the database binds it:
        # 0/1 on SQLite, where binding a bool goes through the adapter protocol).
        self.author_info: dict[str, tuple[int, int, Any]] = {}
        self.vendor = connection.vendor
        # The staff flag as the database binds it: (not staff, staff).
        self.staff_flag: tuple[Any, Any] = (0, 1) if self.vendor == "sqlite" else (False, True)
        # What the rows of a message without an author read (id, contributor, staff).
        self.nobody: tuple[int | None, int, Any] = (None, 0, self.staff_flag[False])
        self.authors_stored = True
        # A first import adds up its rollups while it reads (see finish()):
        # The day sums, and contributor rows.
        self.sum_while_reading = True
        # (space, day, staff, is a post) -> messages; (space, day, staff) -> reactions.
        self.day_counts: Counter[tuple[int, Any, Any, Any]] = Counter()
        self.day_reactions: dict[tuple[int, Any, Any], int] = {}
        self.month_contributors: set[tuple[int, Any, int, Any]] = set()
        self.stop_writing = False
        # Looked up once, not per batch: whether any alias may apply, and who is staff
        # (a few people; the import changes neither).
        self.aliases_exist = AuthorAlias.objects.filter(source__in=[self.source, ""]).exists()
        self.staff_people = set(
            Person.objects.filter(is_programme_staff=True).values_list("pk", flat=True)
        )

    # spaces ---------------------------------------------------------------------------

    def upsert_spaces(self, records: Iterable[SpaceRecord]) -> None:
        wanted = {r.external_id: r for r in records if r.external_id not in self.space_ids}
        if not wanted:
            return
        existing: dict[str, Space] = {}
        for part in chunks(list(wanted)):
            for stored in Space.objects.filter(source=self.source, external_id__in=part):
                existing[stored.external_id] = stored
        links = dict(
            SpaceLink.objects.filter(source=self.source).values_list("space", "community_id")
        )
        create: list[Space] = []
        update: list[Space] = []
        for key, record in wanted.items():
            space: Space | None = existing.get(key)
            name = record.name[:300]
            if space is None:
                create.append(
                    Space(
                        source=self.source,
                        external_id=key[:200],
                        name=name,
                        url=record.url[:500],
                        is_private=record.is_private,
                        community_id=mapped_community(links, key, name),
                    )
                )
            elif (name and space.name != name) or space.is_private != record.is_private:
                space.name = name or space.name
                space.is_private = record.is_private
                update.append(space)
        Space.objects.bulk_create(create, batch_size=CHUNK)
        Space.objects.bulk_update(update, ["name", "is_private"], batch_size=CHUNK)
        self.report.spaces_new += len(create)
        for part in chunks(list(wanted)):
            self.space_ids.update(
                Space.objects.filter(source=self.source, external_id__in=part).values_list(
                    "external_id", "pk"
                )
            )
        self.touched_spaces.update(self.space_ids[k] for k in wanted)

    # authors --------------------------------------------------------------------------

    def upsert_authors(self, keys: Iterable[str]) -> None:
        wanted = [k for k in set(keys) if k and k not in self.author_info]
        if not wanted:
            return
        known = self.reader.authors
        records = {k: known.get(k) or AuthorRecord(k) for k in wanted}
        existing: dict[str, EsnAuthor] = {}
        if self.authors_stored:
            for part in chunks(wanted):
                for stored in EsnAuthor.objects.filter(source=self.source, external_id__in=part):
                    existing[stored.external_id] = stored
        people = resolve_people(
            self.source,
            (
                (k, r.email or (existing[k].email if k in existing else ""))
                for k, r in records.items()
            ),
            aliases_exist=self.aliases_exist,
        )
        create: list[EsnAuthor] = []
        update: list[EsnAuthor] = []
        mine: list[tuple[str, EsnAuthor]] = []  # by the key the rows use
        for key, record in records.items():
            author: EsnAuthor | None = existing.get(key)
            person = people.get(key)
            if author is None:
                create.append(
                    EsnAuthor(
                        source=self.source,
                        external_id=key[:200],
                        name=record.name[:300],
                        email=record.email[:254],
                        person_id=person,
                    )
                )
                mine.append((key, create[-1]))
                continue
            mine.append((key, author))
            changed = False
            if record.name and author.name != record.name[:300]:
                author.name, changed = record.name[:300], True
            if record.email and author.email != record.email[:254]:
                author.email, changed = record.email[:254], True
            if author.person_id != person:
                self.moved_contributors.add(author.contributor_key)
                author.person_id, changed = person, True
            if changed:
                update.append(author)
        EsnAuthor.objects.bulk_create(create, batch_size=CHUNK)
        EsnAuthor.objects.bulk_update(update, ["name", "email", "person"], batch_size=CHUNK)
        self.report.authors_new += len(create)
        if any(a.pk is None for _k, a in mine):  # a backend that returns no ids on insert
            stored_ids = {
                a.external_id: a.pk
                for part in chunks([a.external_id for a in create])
                for a in EsnAuthor.objects.filter(source=self.source, external_id__in=part)
            }
            for a in create:
                a.pk = stored_ids[a.external_id]
        staff = self.staff_people
        for key, a in mine:
            self.author_info[key] = (
                a.pk,
                a.person_id if a.person_id is not None else -a.pk,
                self.staff_flag[a.person_id in staff],
            )

    # messages -------------------------------------------------------------------------

    def write_messages(self, batches: Iterator[Batch]) -> None:
        report = self.report
        self.upsert_spaces(self.reader.spaces.values())
        self.fresh = not Message.objects.filter(source=self.source).exists()
        # A source without authors yet (a first import) has none to look up per batch.
        self.authors_stored = EsnAuthor.objects.filter(source=self.source).exists()
        self.max_id = Message.objects.aggregate(m=Max("pk"))["m"] or 0
        self.written = 0
        self.upserted = False
        upsert = rollups.sql(UPSERT_MESSAGES)
        self.upsert_sqlite = upsert.replace("%s", "?")
        self.insert_sqlite = self.upsert_sqlite.split(" ON CONFLICT")[0]
        for batch in batches:
            report.excluded += batch.excluded
            self._flush(batch)
        report.excluded += getattr(self.reader, "skipped", 0)
        if self.fresh and not self.stop_writing:
            # Every row went in by plain INSERT unless a duplicate forced an upsert: only
            # then do the new rows have to be counted in the table.
            new = (
                Message.objects.filter(source=self.source, pk__gt=self.max_id).count()
                if self.upserted
                else self.written
            )
            report.new = new
            report.updated = self.written - new

    def _flush(self, batch: Batch) -> None:
        reader = self.reader
        if reader.error_count:
            self.stop_writing = True  # nothing will be applied: just keep reading
        if not self.stop_writing:
            spaces = batch.new_spaces - self.space_ids.keys()
            if spaces:
                self.upsert_spaces(reader.spaces[k] for k in spaces)
            self.upsert_authors(batch.new_authors)
            params = self._params(batch)
            changed: list[tuple[Any, ...]] = []
            if not self.fresh:
                with connection.cursor() as cursor:
                    params, changed = self._changed(cursor, params)
            self._write(params, changed)
        if self.progress is not None:
            fraction = reader.fraction()
            total = int(reader.rows_read / fraction) if fraction > 0 else None
            self.progress(reader.rows_read, total)

    def _write(self, new: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]) -> None:
        """New rows by plain INSERT (COPY on PostgreSQL), changed ones by upsert.

        On SQLite the DB-API cursor is used directly: measured at 2 million rows, Django's
        cursor wrapper added a third to the insert, and an ON CONFLICT clause tripled it.
        A message that appears twice in one export makes the plain INSERT fail after the
        rows before it went in (SQLite keeps them: each row is its own statement); the
        batch is then upserted, which rewrites those rows unchanged.
        """
        self.written += len(new) + len(changed)
        if self.vendor != "sqlite":
            self._write_postgresql(new, changed)
            return
        connection.ensure_connection()
        raw = connection.connection.cursor()
        try:
            if new:
                try:
                    raw.executemany(self.insert_sqlite, new)
                except sqlite3.IntegrityError:
                    self.upserted = True
                    raw.executemany(self.upsert_sqlite, new)
            if changed:
                raw.executemany(self.upsert_sqlite, changed)
        finally:
            raw.close()

    def _write_postgresql(self, new: list[tuple[Any, ...]], changed: list[tuple[Any, ...]]) -> None:
        """COPY for new rows: Django's cursors bind values on the client, so each row of an
        executemany is a new statement for the server to parse (measured: 6,000 rows/s,
        against 54,000 for COPY). A duplicate inside one export fails the COPY: its
        savepoint is rolled back and the batch is upserted instead."""
        import psycopg

        upsert = rollups.sql(UPSERT_MESSAGES)
        columns = upsert[upsert.index("(") + 1 : upsert.index(")")]
        connection.ensure_connection()
        # A cursor that binds on the server: executemany prepares the statement once.
        with psycopg.Cursor(connection.connection) as cursor:
            if new:
                try:
                    with (
                        transaction.atomic(),
                        cursor.copy(
                            rollups.sql("COPY {message} (%s) FROM STDIN") % columns
                        ) as copy,
                    ):
                        for row in new:
                            copy.write_row(row)
                except (psycopg.errors.UniqueViolation, IntegrityError):
                    self.upserted = True
                    changed = new + changed
            if changed:
                cursor.executemany(upsert, changed)

    def _params(self, batch: Batch) -> list[tuple[Any, ...]]:
        """The batch's rows as the message table stores them, and (a first import) their
        sums: keys mapped to ids and rows assembled with C-level map and zip, not one
        Python step per row (the rows come in columns, see trellis.activity.feed)."""
        source = self.source
        space_ids = list(map(self.space_ids.__getitem__, batch.spaces))
        infos = list(map(self.author_info.get, batch.authors, repeat(self.nobody)))
        params = list(
            zip(
                repeat(source),
                batch.ids,
                space_ids,
                map(itemgetter(0), infos),
                batch.created,
                batch.days,
                batch.posts,
                batch.reactions,
                batch.counted,
            )
        )
        if self.fresh and self.sum_while_reading:
            # Posts and replies per (space, day, staff, is a post), of the rows that count;
            # reactions apart (most sources have none).
            staff = list(map(itemgetter(2), infos))
            self.day_counts.update(
                compress(zip(space_ids, batch.days, staff, batch.posts, strict=True), batch.counted)
            )
            if any(batch.reactions):
                sums = self.day_reactions
                for key, n in compress(
                    zip(
                        zip(space_ids, batch.days, staff, strict=True), batch.reactions, strict=True
                    ),
                    batch.counted,
                ):
                    if n:
                        sums[key] = sums.get(key, 0) + n
            self.month_contributors.update(
                compress(
                    zip(
                        space_ids, batch.month_firsts, map(itemgetter(1), infos), staff, strict=True
                    ),
                    batch.contributes,
                )
            )
            if len(self.day_counts) + len(self.month_contributors) > SUM_WHILE_READING_MAX:
                self.sum_while_reading = False
                self.pairs |= self._summed_pairs()
                self.day_counts.clear()
                self.day_reactions.clear()
                self.month_contributors.clear()
        elif self.fresh:
            self.pairs.update(zip(space_ids, batch.months, strict=True))
        return params

    def _summed_pairs(self) -> set[rollups.Pair]:
        """The (space, month) pairs of the rows summed while reading."""
        month_of = LocalTime.month_of
        return {(space_id, month_of(day)) for space_id, day, _staff, _post in self.day_counts}

    def _day_sums(self) -> list[tuple[Any, ...]]:
        """The rollup rows (space, day, staff, posts, replies, reactions) of the sums, in
        the order of the table's unique key (measured: inserting them in that order took
        0.3–0.6 s less at 2 million messages)."""
        sums: dict[tuple[Any, ...], list[int]] = {}
        for (space_id, day, staff, is_post), n in self.day_counts.items():
            row = sums.get((space_id, day, staff))
            if row is None:
                row = sums[(space_id, day, staff)] = [0, 0, 0]
            row[0 if is_post else 1] += n
        for key, n in self.day_reactions.items():
            sums.setdefault(key, [0, 0, 0])[2] += n
        return sorted((*key, *values) for key, values in sums.items())

    def _changed(
        self, cursor: Any, params: list[tuple[Any, ...]]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The new rows and the changed rows; counts them and marks their old and new pairs."""
        incoming = {p[1]: p for p in params}  # the last of duplicates wins
        keys = list(incoming)
        stored: dict[str, tuple[Any, ...]] = {}
        probe = rollups.sql(PROBE_MESSAGES_SQLITE if self.vendor == "sqlite" else PROBE_MESSAGES)
        for part in chunks(keys, 2000):
            cursor.execute(probe % {"keys": ", ".join(["%s"] * len(part))}, [self.source, *part])
            for row in cursor.fetchall():
                # (1, None, "…", "…", 1, 0, 1) == (1, None, "…", "…", True, 0, True)
                stored[row[0]] = row[1:]
        report, pairs, month_of = self.report, self.pairs, LocalTime.month_of
        new, changed = [], []
        for key, p in incoming.items():
            old = stored.get(key)
            if old is None:
                report.new += 1
                new.append(p)
            elif old == p[2:]:
                report.unchanged += 1
                continue
            else:
                report.updated += 1
                pairs.add((old[0], month_of(old[3])))
                changed.append(p)
            pairs.add((p[2], month_of(p[5])))
        report.unchanged += len(params) - len(incoming)
        return new, changed

    # aggregate sources ----------------------------------------------------------------

    def write_days(self, rows: Iterator[Any]) -> None:
        batch: list[Any] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._flush_days(batch)
                batch = []
        if batch:
            self._flush_days(batch)

    def _flush_days(self, batch: list[Any]) -> None:
        if self.reader.error_count:
            self.stop_writing = True
        if self.stop_writing:
            return
        self.upsert_spaces(self.reader.spaces[k] for k in {r.space for r in batch})
        by_key = {(self.space_ids[r.space], r.day): r for r in batch}
        stored: dict[tuple[int, dt.date], SpaceDay] = {}
        for part in chunks(sorted({k[0] for k in by_key})):
            days = sorted({k[1] for k in by_key})
            for row in SpaceDay.objects.filter(
                space_id__in=part, staff=False, day__gte=days[0], day__lte=days[-1]
            ):
                stored[(row.space_id, row.day)] = row
        create, update = [], []
        fields = ("posts", "replies", "reactions", "active_authors")
        for (space_id, day), r in by_key.items():
            old = stored.get((space_id, day))
            values = {f: getattr(r, f) for f in fields}
            if old is None:
                create.append(SpaceDay(space_id=space_id, day=day, staff=False, **values))
                self.report.new += 1
            elif any(getattr(old, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(old, f, v)
                update.append(old)
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        SpaceDay.objects.bulk_create(create, batch_size=CHUNK)
        SpaceDay.objects.bulk_update(update, list(fields), batch_size=CHUNK)
        self._progress()

    def write_usage(self, rows: Iterator[Any]) -> None:
        fields = (
            "last_activity",
            "is_deleted",
            "member_count",
            "posted_count",
            "read_count",
            "liked_count",
        )
        for row in rows:
            if self.reader.error_count:
                self.stop_writing = True
            if self.stop_writing:
                continue
            self.upsert_spaces([self.reader.spaces[row.space]])
            values = {f: getattr(row, f) for f in fields}
            old = UsageReport.objects.filter(
                space_id=self.space_ids[row.space],
                refreshed_on=row.refreshed_on,
                period_days=row.period_days,
            ).first()
            if old is None:
                UsageReport.objects.create(
                    space_id=self.space_ids[row.space],
                    refreshed_on=row.refreshed_on,
                    period_days=row.period_days,
                    **values,
                )
                self.report.new += 1
            elif any(getattr(old, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(old, f, v)
                old.save(update_fields=list(fields))
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        self._progress()

    def _progress(self) -> None:
        if self.progress is not None:
            self.progress(self.reader.rows_read, None)

    # the end --------------------------------------------------------------------------

    def finish(self) -> None:
        """Mappings, rollups of the affected pairs, volumes, unresolved authors."""
        reader = self.reader
        apply_links(self.source, self.touched_spaces)
        if reader.kind == "messages":
            pairs = set(self.pairs)
            if self.fresh and self.sum_while_reading:
                pairs |= self._summed_pairs()
            if self.fresh and self.sum_while_reading and self.report.updated == 0:
                # A first import without duplicates: the spaces it touched have no other
                # messages, so the sums made while reading are the rollups (the SQL
                # rebuild would read back every row just written).
                self.report.rollup_pairs = rollups.replace(
                    pairs,
                    self._day_sums(),
                    sorted(self.month_contributors),
                    beat=self.beat,
                )
                pairs = set()
            if self.moved_contributors:
                pairs |= rollups.pairs_of_contributors(self.moved_contributors)
            self.report.rollup_pairs += rollups.rebuild(pairs, beat=self.beat)
            if self.vendor == "postgresql" and self.written >= ANALYZE_AFTER_ROWS:
                # Fresh statistics for the planner: until autovacuum gets round to it, the
                # next import's look-ups by natural key were planned as if the table were
                # small (measured: 0.37 s instead of 9 ms per look-up of 2,000 keys after
                # a first import of 2 million messages; a re-import took 470 s).
                with connection.cursor() as cursor:
                    cursor.execute(rollups.sql("ANALYZE {message}, {day}, {smc}"))
        elif reader.kind == "days" and self.touched_spaces:
            rollups.refresh_volumes(sorted(self.touched_spaces))
        if self.author_info:
            ids = [info[0] for info in self.author_info.values()]
            self.report.authors_unresolved = sum(
                EsnAuthor.objects.filter(pk__in=part, person__isnull=True).count()
                for part in chunks(ids)
            )

    def add_memberships(self, on: dt.date | None = None) -> int:
        """Members of mapped channels become members of the community (Slack option).

        Only people the directory resolves and who are active, only in communities that are
        not closed, and only where they have no active membership yet.
        """
        on = on or timezone.localdate()
        members = {r.external_id: r.members for r in self.reader.spaces.values() if r.members}
        if not members:
            return 0
        community_of = dict(
            Space.objects.filter(
                source=self.source,
                external_id__in=list(members),
                community__isnull=False,
            )
            .exclude(community__stage=Stage.CLOSED)
            .values_list("external_id", "community_id")
        )
        wanted_ids = sorted({m for k in community_of for m in members[k]})
        known = self.reader.authors
        people = resolve_people(
            self.source, ((k, known[k].email if k in known else "") for k in wanted_ids)
        )
        active = set(
            Person.objects.filter(
                pk__in={p for p in people.values() if p is not None}, is_active=True
            ).values_list("pk", flat=True)
        )
        pairs: set[tuple[int, int]] = {
            (community_of[space], people[m])  # type: ignore[misc]
            for space in community_of
            for m in members[space]
            if people.get(m) in active
        }
        if not pairs:
            return 0
        existing = set(
            Membership.objects.filter(
                community_id__in={c for c, _p in pairs}, left__isnull=True
            ).values_list("community_id", "person_id")
        )
        new = [
            Membership(community_id=c, person_id=p, role=Role.MEMBER, joined=on)
            for c, p in sorted(pairs - existing)
        ]
        Membership.objects.bulk_create(new, batch_size=CHUNK)
        return len(new)


def unresolved_note(report: ImportReport) -> None:
    if report.authors_unresolved:
        report.notes.append(
            _(
                "%(count)d authors are not resolved to a person: they count once each by "
                "their ESN id. Add aliases on the authors page to resolve them."
            )
            % {"count": report.authors_unresolved}
        )
