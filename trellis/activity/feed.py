"""Message rows from a reader, in batches, parsed in a child process for large files.

Parsing a large export (unzip, CSV, dates) costs about as much as writing it, so on a
machine with two cores a forked child parses while this process writes: the child runs
`reader.rows()` and sends batches through a pipe, with the spaces and authors first met
in each batch; at the end it sends the reader's counters, errors and notes, which are
merged into the parent's reader so that the rest of the import sees one reader.

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
(bench/activity_import.py).
"""

from __future__ import annotations

import multiprocessing
import os
import zoneinfo
from collections.abc import Iterable, Iterator
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import translation

from trellis.activity.localtime import LocalTime
from trellis.activity.sources.base import Reader, SourceError

BATCH = 5000
# Data files at least this large are parsed in a child process (when fork is available).
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
# What the pipe from the parsing process may hold (Linux caps it, at 1 MiB by default).
PIPE_BYTES = 4 * 1024 * 1024


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


def _prepared(rows: Iterable[Any], lt: LocalTime) -> Iterator[Batch]:
    seen_spaces: set[str] = set()
    seen_authors: set[str] = set()
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
        new_spaces = set(spaces) - seen_spaces
        new_authors = set(authors) - seen_authors
        new_authors.discard("")
        seen_spaces |= new_spaces
        seen_authors |= new_authors
        yield Batch(
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
            new_spaces=new_spaces,
            new_authors=new_authors,
            excluded=len(counted_col) - sum(1 for c in counted_col if c),
        )


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
        yield from _prepared(reader.rows(), local_time())
        return
    yield from _from_child(reader)


_STATE = ("rows_read", "error_count", "_bytes_done", "skipped")


def _child(reader: Reader, conn: Connection, language: str) -> None:
    translation.activate(language)
    try:
        sent_spaces = set(reader.spaces)
        sent_authors = set(reader.authors)
        for batch in _prepared(reader.rows(), local_time()):
            # Records the parent does not have yet: those made while reading the rows.
            spaces = batch.new_spaces - sent_spaces
            authors = batch.new_authors - sent_authors
            sent_spaces |= spaces
            sent_authors |= authors
            conn.send(
                (
                    "batch",
                    tuple(batch),
                    [reader.spaces[k] for k in spaces],
                    [reader.authors[k] for k in authors if k in reader.authors],
                    {name: getattr(reader, name, 0) for name in _STATE},
                    len(reader.errors),
                )
            )
        conn.send(
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
        conn.send(("error", exc.file, exc.reason, exc.line, reader.errors))
    except BaseException as exc:  # reported by the parent, which rolls back
        conn.send(("crash", repr(exc)))
    finally:
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
