"""Message rows from a reader, in batches, parsed in a child process for large files.

Parsing a large export (unzip, CSV, dates) costs about as much as writing it, so on a
machine with two cores a forked child parses while this process writes: the child runs
`reader.row_groups()` and sends batches through a pipe (from a thread, so that it parses
on while the pipe is full), with the spaces and authors first met in each batch; at the
end it sends the reader's counters, errors and notes, which are merged into the parent's
reader so that the rest of the import sees one reader.

The child never touches the database (it inherits the parent's connection objects but
leaves through os._exit, which closes nothing). Small files are parsed in this process:
forking costs more than it saves. So is everything when no core is free (the load
average is above the number of cores minus one): measured on a busy two-core machine,
two processes fighting for one core were slower than one.

A batch holds its rows column by column, each value already in the form the message table
stores (the instant, the local day and month in the programme's time zone: see
trellis.activity.localtime), with the space and author still as the source's keys: the
writer maps the keys to ids and assembles the rows with C-level map and zip, so that
the writing process does no per-row Python work beyond the insert itself. A batch also
carries what the writer needs to know of its rows as a whole (the space and author keys
first met in it, how many rows do not count). All of it is worked out where the rows are
parsed, so that in the parallel case it costs the writing process nothing
(bench/activity_import.py). A reader gives its rows either one by one (lists of
MessageRow tuples) or as columns it has already checked (MessageColumns, Viva Engage):
Batcher makes the same batch values from either, the second with Arrow's compute
functions instead of a Python step per row.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import queue
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from operator import add, itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import translation

from trellis.activity.localtime import LocalTime
from trellis.activity.sources.base import MessageColumns, Reader, SourceError

# Rows per batch: the writer's look-ups are per batch, and a long run of inserts keeps
# SQLite's B-tree pages in the processor's caches.
BATCH = 20000
# Data files at least this large are parsed in a child process (when fork is available).
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
# What the pipe from the parsing process may hold (Linux caps it, at 1 MiB by default).
PIPE_BYTES = 4 * 1024 * 1024
# Pickled batches the parsing process may hold ready beyond what the pipe holds.
OUTBOX = 3
# Columns of instants before this (1970-01-03) are made row by row (floor division).
EARLIEST_MICROS = 2 * 86400 * 1_000_000


class Batch(NamedTuple):
    """Rows, column by column (values as stored, see the module docstring)."""

    ids: list[str]
    spaces: list[str]  # the source's keys
    authors: list[str]  # the source's keys, "" for none
    created: list[Any]
    days: list[Any]
    months: list[str]  # "YYYY-MM"
    month_firsts: list[Any]  # the first day of the month
    posts: list[Any]  # starts a thread: 0/1 on SQLite (binding a bool costs), else bool
    reactions: list[int]
    counted: list[Any]  # counts in the KPIs: 0/1 on SQLite, else bool
    contributes: list[bool]  # counts and has an author
    # Keys met for the first time in this import (a key is in one batch's set only).
    new_spaces: set[str]
    new_authors: set[str]
    # Rows stored but never counted (deleted, private, system).
    excluded: int


def local_time() -> LocalTime:
    return LocalTime(zoneinfo.ZoneInfo(settings.TIME_ZONE), connection.vendor)


class Batcher:
    """Makes Batches from a reader's row groups (Reader.row_groups), in order; remembers
    the space and author keys already met."""

    def __init__(self, lt: LocalTime) -> None:
        self.lt = lt
        self.seen_spaces: set[str] = set()
        self.seen_authors: set[str] = set()

    def batches(self, groups: Iterable[list[Any] | MessageColumns]) -> Iterator[Batch]:
        """Batches of about BATCH rows: rows given one by one, or columns (several groups
        of columns joined into one batch)."""
        rows: list[Any] = []
        columns: list[MessageColumns] = []
        held = 0  # rows in `columns`
        for group in groups:
            if isinstance(group, MessageColumns):
                if rows:
                    yield from self.from_rows(rows)
                    rows = []
                columns.append(group)
                held += len(group)
                if held >= BATCH:
                    yield from self.from_columns(MessageColumns.joined(columns))
                    columns, held = [], 0
                continue
            if columns:
                yield from self.from_columns(MessageColumns.joined(columns))
                columns, held = [], 0
            rows.extend(group)
            if len(rows) >= BATCH:
                yield from self.from_rows(rows[:BATCH])
                rows = rows[BATCH:]
        if columns:
            yield from self.from_columns(MessageColumns.joined(columns))
        if rows:
            yield from self.from_rows(rows)

    def _batch(self, **columns: Any) -> Batch:
        new_spaces = set(columns["spaces"]) - self.seen_spaces
        new_authors = set(columns["authors"]) - self.seen_authors
        new_authors.discard("")
        self.seen_spaces |= new_spaces
        self.seen_authors |= new_authors
        counted = columns["counted"]
        return Batch(
            **columns,
            new_spaces=new_spaces,
            new_authors=new_authors,
            excluded=len(counted) - sum(counted),
        )

    def from_rows(self, rows: Iterable[Any]) -> Iterator[Batch]:
        """Batches of MessageRow tuples, one Python step per row."""
        lt = self.lt
        offsets, days, utc_days, hms, sqlite = lt.offsets, lt.days, lt.utc_days, lt.hms, lt.sqlite
        aware = lt.aware
        source = iter(rows)
        while chunk := list(islice(source, BATCH)):
            ids: list[str] = []
            spaces: list[str] = []
            authors: list[str] = []
            created: list[Any] = []
            day_col: list[Any] = []
            months: list[str] = []
            firsts: list[Any] = []
            posts: list[Any] = []
            reactions_col: list[int] = []
            counted_col: list[Any] = []
            contributes: list[bool] = []
            for external_id, space, author, moment, is_post, reactions, counted in chunk:
                ts = moment.timestamp()
                seconds = int(ts) if ts >= 0 else int(ts) - (ts != int(ts))
                utc_day = seconds // 86400
                offset = offsets.get(utc_day)
                if offset is None:
                    offset = lt.offset(utc_day, seconds)
                dayno = (seconds + offset) // 86400
                day = days.get(dayno) or lt.day(dayno)
                if sqlite:
                    stamp = (utc_days.get(utc_day) or lt.utc_day(utc_day)) + hms[seconds % 86400]
                    micro = moment.microsecond
                    if micro:
                        stamp += f".{micro:06d}"
                    created.append(stamp)
                    posts.append(1 if is_post else 0)
                    counted_col.append(1 if counted else 0)
                else:
                    created.append(aware(seconds, moment.microsecond))
                    posts.append(bool(is_post))
                    counted_col.append(bool(counted))
                ids.append(external_id)
                spaces.append(space)
                authors.append(author)
                day_col.append(day[0])
                months.append(day[1])
                firsts.append(day[2])
                reactions_col.append(reactions)
                contributes.append(bool(counted and author))
            yield self._batch(
                ids=ids,
                spaces=spaces,
                authors=authors,
                created=created,
                days=day_col,
                months=months,
                month_firsts=firsts,
                posts=posts,
                reactions=reactions_col,
                counted=counted_col,
                contributes=contributes,
            )

    def from_columns(self, group: MessageColumns) -> Iterator[Batch]:
        """A Batch of MessageColumns computed column by column with Arrow (the same values
        as from_rows gives for group.rows(); tests/test_activity_arrow.py checks it). The
        local day comes from the zone's offset per quarter hour, looked up once per
        distinct quarter hour; values repeated across rows (days, months, keys) are shared
        objects, as from_rows makes them, so that pickling and hashing stay cheap."""
        import pyarrow as pa
        import pyarrow.compute as pc

        lt = self.lt
        micros = pc.cast(group.created, pa.int64())
        if len(group) == 0 or pc.min(micros).as_py() < EARLIEST_MICROS:
            # Instants near or before the epoch: floor division matters, row by row.
            yield from self.from_rows(group.rows())
            return
        seconds = pc.divide(micros, 1_000_000)  # truncates: the same as floor here
        quarters = pc.divide(seconds, 900)
        distinct = pc.unique(quarters)
        offsets = pa.array([lt.quarter_offset(q) for q in distinct.to_pylist()], pa.int64())
        local = pc.add(seconds, pc.take(offsets, pc.index_in(quarters, distinct)))
        daynos = pc.divide(local, 86400)
        days = _per_row(daynos, lambda d: lt.days.get(d) or lt.day(d))
        # The stored instant, from values made once per UTC day and second of the day
        # (what from_rows does row by row); microseconds only on the rows that have some.
        micro = pc.subtract(micros, pc.multiply(seconds, 1_000_000))
        fractions = pc.indices_nonzero(micro).to_pylist()
        if lt.sqlite:
            utc_days = pc.divide(seconds, 86400)
            dates = _per_row(utc_days, lambda d: lt.utc_days.get(d) or lt.utc_day(d))
            of_day = pc.subtract(seconds, pc.multiply(utc_days, 86400)).to_pylist()
            created = list(map(add, dates, map(lt.hms.__getitem__, of_day)))
            if fractions:
                micros_at = micro.to_pylist()
                for i in fractions:
                    created[i] += f".{micros_at[i]:06d}"
            posts = pc.cast(group.posts, pa.int8()).to_pylist()
            counted = pc.cast(group.counted, pa.int8()).to_pylist()
        else:
            created = list(map(dt.datetime.fromtimestamp, seconds.to_pylist(), repeat(dt.UTC)))
            if fractions:
                micros_at = micro.to_pylist()
                for i in fractions:
                    created[i] = created[i].replace(microsecond=micros_at[i])
            posts = group.posts.to_pylist()
            counted = group.counted.to_pylist()
        yield self._batch(
            ids=group.ids.to_pylist(),
            spaces=_per_row(group.spaces),
            authors=_per_row(group.authors),
            created=created,
            days=list(map(itemgetter(0), days)),
            months=list(map(itemgetter(1), days)),
            month_firsts=list(map(itemgetter(2), days)),
            posts=posts,
            reactions=[0] * len(group),
            counted=counted,
            contributes=pc.and_(group.counted, pc.not_equal(group.authors, "")).to_pylist(),
        )


def _per_row(column: Any, make: Callable[[Any], Any] | None = None) -> list[Any]:
    """A column's values as a list, one object per distinct value (made by `make` from
    it, or the value itself), so that equal values are one object."""
    import pyarrow.compute as pc

    distinct = pc.unique(column)
    objects = distinct.to_pylist()
    if make is not None:
        objects = [make(v) for v in objects]
    return list(map(objects.__getitem__, pc.index_in(column, distinct).to_pylist()))


def parallel_worthwhile(data_size: int) -> bool:
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return data_size >= PARALLEL_MIN_BYTES and cores >= 2 and load <= cores - 1


def message_batches(reader: Reader, *, parallel: bool | None = None) -> Iterator[Batch]:
    """Batches of prepared rows; `parallel` None decides by the data's size and a free core."""
    if parallel is None:
        parallel = parallel_worthwhile(reader.data_size())
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        yield from Batcher(local_time()).batches(reader.row_groups())
        return
    yield from _from_child(reader)


_STATE = ("rows_read", "error_count", "_bytes_done", "skipped")


def _send_all(conn: Connection, outbox: queue.Queue[memoryview | None]) -> None:
    """The child's sending thread: writes pickled messages to the pipe while the main
    thread parses on (writing to a full pipe waits without holding the GIL)."""
    broken = False
    while (payload := outbox.get()) is not None:
        if broken:
            continue  # the parent is gone: drain, so that the parser never blocks
        try:
            conn.send_bytes(payload)
        except OSError:
            broken = True


def _child(reader: Reader, conn: Connection, language: str) -> None:
    translation.activate(language)
    # Up to OUTBOX pickled batches wait for the pipe, so that parsing runs ahead of the
    # writer by more than the pipe holds (a batch is larger than the pipe).
    outbox: queue.Queue[memoryview | None] = queue.Queue(maxsize=OUTBOX)
    sender = threading.Thread(target=_send_all, args=(conn, outbox), daemon=True)
    sender.start()

    def send(message: tuple[Any, ...]) -> None:
        outbox.put(ForkingPickler.dumps(message))

    try:
        sent_spaces = set(reader.spaces)
        sent_authors = set(reader.authors)
        for batch in Batcher(local_time()).batches(reader.row_groups()):
            # Records the parent does not have yet: those made while reading the rows.
            spaces = batch.new_spaces - sent_spaces
            authors = batch.new_authors - sent_authors
            sent_spaces |= spaces
            sent_authors |= authors
            send(
                (
                    "batch",
                    tuple(batch),
                    [reader.spaces[k] for k in spaces],
                    [reader.authors[k] for k in authors if k in reader.authors],
                    {name: getattr(reader, name, 0) for name in _STATE},
                    len(reader.errors),
                )
            )
        send(
            (
                "end",
                {name: getattr(reader, name, 0) for name in _STATE},
                reader.errors,
                reader.notes,
                # Records the rows added or changed (Slack members, e-mails…).
                {k: v for k, v in reader.spaces.items() if k not in sent_spaces},
                {k: v for k, v in reader.authors.items() if k not in sent_authors},
            )
        )
    except SourceError as exc:
        send(("error", exc.file, exc.reason, exc.line, reader.errors))
    except BaseException as exc:  # reported by the parent, which rolls back
        send(("crash", repr(exc)))
    finally:
        outbox.put(None)
        sender.join()
        conn.close()


def _widen(conn: Connection) -> None:
    """Let the pipe hold several batches (64 KiB by default, less than one): the child
    then parses on while this process writes, instead of waiting for each batch to be
    read (measured: the writer waited 3 s of 16 for batches)."""
    try:
        import fcntl

        size = min(PIPE_BYTES, int(Path("/proc/sys/fs/pipe-max-size").read_text()))
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux: the default size works, only slower


def _from_child(reader: Reader) -> Iterator[Batch]:
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    _widen(parent_end)
    process = context.Process(
        target=_child, args=(reader, child_end, translation.get_language() or "en"), daemon=True
    )
    process.start()
    child_end.close()
    try:
        while True:
            try:
                message = parent_end.recv()
            except EOFError as exc:
                raise RuntimeError("the parsing process ended unexpectedly") from exc
            kind = message[0]
            if kind == "batch":
                _kind, batch, spaces, authors, state, _errors = message
                for record in spaces:
                    reader.spaces[record.external_id] = record
                for record in authors:
                    reader.authors[record.external_id] = record
                for name, value in state.items():
                    setattr(reader, name, value)
                yield Batch(*batch)
            elif kind == "end":
                _kind, state, errors, notes, spaces, authors = message
                for name, value in state.items():
                    setattr(reader, name, value)
                reader.errors = errors
                reader.notes = notes
                reader.spaces.update(spaces)
                reader.authors.update(authors)
                return
            elif kind == "error":
                _kind, file, reason, line, errors = message
                reader.errors = errors
                raise SourceError(file, reason, line=line)
            else:
                raise RuntimeError(f"the parsing process failed: {message[1]}")
    finally:
        parent_end.close()
        if process.is_alive():
            process.terminate()
        process.join()
