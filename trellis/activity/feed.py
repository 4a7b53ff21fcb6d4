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

A prepared row is (external id, space id, author id, epoch seconds, microsecond,
starts a thread, reactions, counts). A batch also carries what the writer needs to know of
its rows as a whole (the space and author keys first met in it, how many rows do not
count): worked out where the rows are parsed, so that in the parallel case it costs the
writing process nothing (bench/activity_import.py).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from django.utils import translation

from trellis.activity.sources.base import Reader, SourceError

BATCH = 5000
# Data files at least this large are parsed in a child process (when fork is available).
PARALLEL_MIN_BYTES = 16 * 1024 * 1024

PreparedRow = tuple[str, str, str, int, int, bool, int, bool]


class Batch(NamedTuple):
    rows: list[PreparedRow]
    # Keys met for the first time in this import (a key is in one batch's set only).
    new_spaces: set[str]
    new_authors: set[str]
    # Rows stored but never counted (deleted, private, system).
    excluded: int


def _prepared(rows: Iterator[Any]) -> Iterator[Batch]:
    seen_spaces: set[str] = set()
    seen_authors: set[str] = set()

    def done(batch: list[PreparedRow]) -> Batch:
        spaces = {r[1] for r in batch} - seen_spaces
        authors = {r[2] for r in batch} - seen_authors
        seen_spaces.update(spaces)
        seen_authors.update(authors)
        excluded = len(batch) - sum(1 for r in batch if r[7])
        return Batch(batch, spaces, authors, excluded)

    batch: list[PreparedRow] = []
    append = batch.append
    for external_id, space, author, created, is_post, reactions, counted in rows:
        ts = created.timestamp()
        seconds = int(ts) if ts >= 0 else int(ts) - (ts != int(ts))
        append((external_id, space, author, seconds, created.microsecond, is_post, reactions,
                counted))  # fmt: skip
        if len(batch) >= BATCH:
            yield done(batch)
            batch = []
            append = batch.append
    if batch:
        yield done(batch)


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
        yield from _prepared(reader.rows())
        return
    yield from _from_child(reader)


_STATE = ("rows_read", "error_count", "_bytes_done", "skipped")


def _child(reader: Reader, conn: Connection, language: str) -> None:
    translation.activate(language)
    try:
        sent_spaces = set(reader.spaces)
        sent_authors = set(reader.authors)
        for batch in _prepared(reader.rows()):
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


def _from_child(reader: Reader) -> Iterator[Batch]:
    context = multiprocessing.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
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
