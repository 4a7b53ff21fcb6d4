"""The Viva Engage reader's fast path (Apache Arrow) reads Messages.csv exactly as the csv
module does: the same rows, the same rejected lines and reasons, the same failures.

Arrow is only trusted with well-formed records (trellis.activity.sources.base.arrow_records);
everything else goes back to the csv module. These tests generate exports full of what
makes CSV hard (quoted commas, quotes, line breaks inside cells, stray quotes inside
unquoted cells, short and long records, blank lines, bad dates and ids, Windows-1252
bytes) and compare the reader's output both ways, with chunks cut small enough that every
record boundary gets tested.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.activity_exports import MESSAGE_HEADER, write_zip
from trellis.activity.feed import Batcher
from trellis.activity.localtime import LocalTime
from trellis.activity.sources import base
from trellis.activity.sources.base import SourceError
from trellis.activity.sources.viva_engage.reader import VivaEngageReader

COL = {name: i for i, name in enumerate(MESSAGE_HEADER)}
TRICKY = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\té€;')), max_size=12)
PLAIN = st.text(
    alphabet=st.sampled_from(list(string.ascii_letters + string.digits + " .-")), max_size=10
)
STAMPS = st.sampled_from(
    ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00.250Z", "2026/03/02 23:30:00 +0000",
     "2026-12-31T23:59:59+01:00", "yesterday", "", "2026-13-45T99:00:00Z"]
)  # fmt: skip


def quote(cell: str) -> str:
    if any(c in cell for c in ',"\r\n') or cell != cell.strip(" "):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def records(draw: Any) -> str:
    """One record as it would be written, or a broken one."""
    cells = [""] * len(MESSAGE_HEADER)
    if draw(st.integers(0, 9)) == 0:  # an id to reject, or to strip
        cells[COL["id"]] = draw(st.sampled_from(["", " 7 ", "x" * 70]))
    else:
        cells[COL["id"]] = str(draw(st.integers(1, 10**9)))
    cells[COL["thread_id"]] = draw(st.sampled_from(["", cells[COL["id"]], "5"]))
    cells[COL["group_id"]] = draw(st.sampled_from(["", "10", "11", " 12"]))
    cells[COL["group_name"]] = draw(TRICKY)
    cells[COL["sender_id"]] = draw(st.sampled_from(["", "1", "2", " 3 "]))
    cells[COL["sender_name"]] = draw(TRICKY)
    cells[COL["sender_email"]] = draw(st.sampled_from(["", "a@example.com", "B@Example.com"]))
    cells[COL["body"]] = draw(TRICKY)
    cells[COL["html_body"]] = draw(TRICKY)
    cells[COL["created_at"]] = draw(STAMPS)
    cells[COL["deleted_at"]] = draw(st.sampled_from(["", "2026-04-01T00:00:00Z"]))
    cells[COL["message_type"]] = draw(st.sampled_from(["update", "system", ""]))
    cells[COL["in_private_conversation"]] = draw(st.sampled_from(["false", "true", "TRUE"]))
    cells[COL["gdpr_delete_url"]] = draw(TRICKY)  # the last cell: may end in a line break
    shape = draw(st.integers(0, 19))
    if shape == 0:  # a stray quote inside an unquoted cell, read as it is by both
        stray = draw(PLAIN) or "a"
        cells[COL["title"]] = stray[:1] + '"' + stray[1:]
        return ",".join(c if i == COL["title"] else quote(c) for i, c in enumerate(cells))
    if shape == 1:  # a short record
        return ",".join(quote(c) for c in cells[: draw(st.integers(1, len(cells) - 1))])
    if shape == 2:  # a long record
        return ",".join(quote(c) for c in [*cells, "extra"])
    if shape == 3:
        return ""  # a blank line
    return ",".join(quote(c) for c in cells)


def outcome(path: Path, take: Any, *, fast: bool, chunk: int) -> tuple[Any, ...]:
    """What `take(reader)` gives, then the reader's errors, counters, spaces and authors;
    or its error. `fast` and `chunk` choose the path and where Arrow's chunks are cut."""
    VivaEngageReader.fast = fast
    base_chunk = base.ARROW_CHUNK
    base.ARROW_CHUNK = chunk
    try:
        with VivaEngageReader(path) as reader:
            reader.open()
            taken = take(reader)
            return (
                taken,
                [(e.file, e.line, e.reason) for e in reader.errors],
                reader.rows_read,
                reader.skipped,
                {k: (v.name, v.is_private) for k, v in reader.spaces.items()},
                {k: (v.name, v.email) for k, v in reader.authors.items()},
            )
    except SourceError as exc:
        return ("error", exc.file, exc.line, exc.reason)
    finally:
        VivaEngageReader.fast = True
        base.ARROW_CHUNK = base_chunk


def read(path: Path, *, fast: bool, chunk: int) -> tuple[Any, ...]:
    """Everything the reader gives: rows, errors, counters, spaces and authors; or its error."""
    return outcome(path, lambda reader: list(reader.rows()), fast=fast, chunk=chunk)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(records(), max_size=25),
    ending=st.sampled_from(["\r\n", "\n"]),
    last_break=st.booleans(),
    cp1252=st.integers(0, 9),
    chunk=st.sampled_from([7, 61, 4 * 1024 * 1024]),
)
def test_arrow_reads_what_the_csv_module_reads(
    tmp_path: Path, lines: list[str], ending: str, last_break: bool, cp1252: int, chunk: int
) -> None:
    text = ending.join([",".join(MESSAGE_HEADER), *lines]) + (ending if last_break else "")
    data = text.encode("cp1252" if cp1252 == 0 else "utf-8", errors="replace")
    path = write_zip(tmp_path / f"export-{len(data)}-{chunk}.zip", {"Messages.csv": data})
    assert read(path, fast=True, chunk=chunk) == read(path, fast=False, chunk=chunk)


def test_a_wrong_cut_inside_a_quoted_cell_goes_back_to_the_csv_module(tmp_path: Path) -> None:
    """A stray quote fools the quote count: the cut falls inside the next record's quoted
    cell, which holds a line break. The rows must still be the csv module's."""
    cells = [""] * len(MESSAGE_HEADER)
    cells[COL["id"]], cells[COL["group_id"]], cells[COL["sender_id"]] = "1", "10", "1"
    cells[COL["created_at"]] = "2026-03-02T09:00:00Z"
    first = ",".join(quote(c) for c in cells).replace(",,", ',x"y,', 1)
    cells[COL["id"]] = "2"
    cells[COL["gdpr_delete_url"]] = "two\nlines"
    second = ",".join(quote(c) for c in cells)
    text = "\r\n".join([",".join(MESSAGE_HEADER), first, second, first.replace("1,", "3,", 1)])
    path = write_zip(tmp_path / "e.zip", {"Messages.csv": text.encode()})
    for chunk in range(5, len(text) + 5, 3):
        fast = read(path, fast=True, chunk=chunk)
        assert fast == read(path, fast=False, chunk=chunk)
        assert [r[0] for r in fast[0]] == ["1", "2", "3"]


@pytest.mark.parametrize("body_size", [base.FIELD_SIZE_LIMIT - 10, base.FIELD_SIZE_LIMIT + 10])
def test_long_cells_read_the_same(tmp_path: Path, body_size: int) -> None:
    """Up to the limit a cell is read; beyond it the file is refused with its line (the
    csv module's limit holds on the fast path too, for cells it does not even read)."""
    cells = [""] * len(MESSAGE_HEADER)
    cells[COL["id"]], cells[COL["group_id"]], cells[COL["sender_id"]] = "1", "10", "1"
    cells[COL["created_at"]] = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).isoformat()
    rows = [list(cells), list(cells)]
    rows[1][COL["id"]] = "2"
    # Random letters: a repeated pattern would compress like a ZIP bomb and be refused.
    rows[1][COL["body"]] = "".join(random.Random(1).choices(string.ascii_letters, k=body_size))
    text = "\n".join([",".join(MESSAGE_HEADER), *(",".join(quote(c) for c in r) for r in rows)])
    path = write_zip(tmp_path / "e.zip", {"Messages.csv": text.encode()})
    fast = read(path, fast=True, chunk=base.ARROW_CHUNK)
    assert fast == read(path, fast=False, chunk=base.ARROW_CHUNK)
    if body_size > base.FIELD_SIZE_LIMIT:
        assert fast[0] == "error" and fast[2] == 3
    else:
        assert [r[0] for r in fast[0]] == ["1", "2"]


def record(mid: str, **values: str) -> list[str]:
    cells = [""] * len(MESSAGE_HEADER)
    cells[COL["id"]], cells[COL["group_id"]], cells[COL["sender_id"]] = mid, "10", "1"
    cells[COL["created_at"]] = "2026-03-02T09:00:00Z"
    for name, value in values.items():
        cells[COL[name]] = value
    return cells


def test_a_wrong_cut_that_arrow_would_read_as_records_is_caught(tmp_path: Path) -> None:
    """The worst wrong cut: the rest of the quoted cell reads, on its own, as a valid
    message (id 9). Only the check on the last cell of the chunk before stops it."""
    hidden = ",".join(record("9", gdpr_delete_url="z"))
    # A stray quote in the first record puts the count off by one; one in the third puts
    # it even again at the end, so that the rest reads as two records.
    first = ",".join(quote(c) for c in record("1")).replace(",,", ',x"y,', 1)
    second = ",".join(quote(c) for c in record("2", gdpr_delete_url="\n" + hidden))
    third = ",".join(quote(c) for c in record("3")).replace(",,", ',x"y,', 1)
    text = "\r\n".join([",".join(MESSAGE_HEADER), first, second, third]) + "\r\n"
    path = write_zip(tmp_path / "e.zip", {"Messages.csv": text.encode()})
    for chunk in range(5, len(text) + 5, 7):
        fast = read(path, fast=True, chunk=chunk)
        assert fast == read(path, fast=False, chunk=chunk)
        assert [r[0] for r in fast[0]] == ["1", "2", "3"]


@pytest.mark.parametrize("chunk", [11, 4 * 1024 * 1024])
def test_a_file_cut_inside_a_quoted_cell_is_refused_both_ways(tmp_path: Path, chunk: int) -> None:
    """Arrow alone would read a quoted cell left open at the end of the file as complete."""
    text = "\n".join(
        [",".join(MESSAGE_HEADER), ",".join(record("1")), ",".join(record("2")) + '"abc']
    )
    path = write_zip(tmp_path / "e.zip", {"Messages.csv": text.encode()})
    fast = read(path, fast=True, chunk=chunk)
    assert fast == read(path, fast=False, chunk=chunk)
    assert fast[0] == "error" and fast[2] == 3 and "never closed" in fast[3]


# --- Column-wise batches: the same as row by row ------------------------------------------

USERS = ",".join(["id", "name", "email"]) + "\r\n1,One,one@example.com\r\n2,Two,\r\n"
GROUPS = (
    ",".join(["id", "name", "description", "private"]) + "\r\n10,Ten,,false\r\n11,Eleven,,true\r\n"
)
# Around the zone's changes of offset (Lord Howe moves by half an hour), and the year's end.
MOMENTS = st.datetimes(
    min_value=dt.datetime(2025, 3, 30), max_value=dt.datetime(2026, 1, 2), timezones=st.just(dt.UTC)
) | st.sampled_from(
    [dt.datetime(2025, 4, 5, 14, 59, 59, tzinfo=dt.UTC), dt.datetime(2025, 4, 5, 15, tzinfo=dt.UTC),
     dt.datetime(2025, 10, 4, 15, 29, 59, 999999, tzinfo=dt.UTC),
     dt.datetime(2025, 12, 31, 13, 30, tzinfo=dt.UTC),
     dt.datetime(1970, 1, 1, 5, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)]
)  # fmt: skip


@st.composite
def stamps(draw: Any) -> str:
    """An instant in one of the forms exports use, or a broken one now and then."""
    moment = draw(MOMENTS)
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return moment.strftime("%Y/%m/%d %H:%M:%S +0000")
    if shape == 1:
        return moment.astimezone(dt.timezone(dt.timedelta(hours=-5, minutes=-30))).isoformat()
    if shape == 2:
        return moment.replace(tzinfo=None).isoformat(sep=" ")  # no offset: UTC
    if shape == 3:
        return draw(st.sampled_from(["2025-02-29T10:00:00Z", "2025-13-01T00:00:00Z", "soon"]))
    if shape == 4:
        return (
            moment.strftime("%Y-%m-%dT%H:%M:%S.") + draw(st.sampled_from(["5", "25", "000"])) + "Z"
        )
    return moment.isoformat().replace("+00:00", "Z")


@st.composite
def known_records(draw: Any) -> str:
    """A record whose space and author are mostly known from Groups.csv and Users.csv."""
    cells = [""] * len(MESSAGE_HEADER)
    mid = str(draw(st.integers(1, 10**6)))
    cells[COL["id"]] = (
        mid if draw(st.integers(0, 29)) else draw(st.sampled_from(["", " 7", "x" * 65]))
    )
    cells[COL["thread_id"]] = draw(st.sampled_from(["", mid, "5"]))
    cells[COL["group_id"]] = draw(
        st.sampled_from(["10", "10", "11", "", "12" if draw(st.integers(0, 9)) == 0 else "10"])
    )
    cells[COL["group_name"]] = draw(PLAIN)
    cells[COL["sender_id"]] = draw(
        st.sampled_from(["1", "1", "2", "", "9" if draw(st.integers(0, 9)) == 0 else "2"])
    )
    cells[COL["sender_email"]] = draw(st.sampled_from(["", "nine@example.com"]))
    cells[COL["body"]] = draw(TRICKY)
    cells[COL["created_at"]] = draw(stamps())
    cells[COL["deleted_at"]] = draw(st.sampled_from(["", "", "", "2026-04-01T00:00:00Z"]))
    cells[COL["message_type"]] = draw(st.sampled_from(["update", "update", "system", ""]))
    cells[COL["in_private_conversation"]] = draw(
        st.sampled_from(["false", "false", "true", "True"])
    )
    return ",".join(quote(c) for c in cells)  # fmt: skip


BATCH_FIELDS = ("ids", "spaces", "authors", "created", "days", "months", "month_firsts",
                "posts", "reactions", "counted", "contributes")  # fmt: skip


def batches(path: Path, *, fast: bool, chunk: int, vendor: str, zone: str) -> tuple[Any, ...]:
    """Everything the feed makes of an export: the batches' columns end to end, the keys
    met, the rows not counted, then what read() gives after the rows; or its error."""

    def made(reader: VivaEngageReader) -> tuple[Any, ...]:
        lt = LocalTime(zoneinfo.ZoneInfo(zone), vendor)
        out = list(Batcher(lt).batches(reader.row_groups()))
        return (
            [[v for b in out for v in getattr(b, name)] for name in BATCH_FIELDS],
            set().union(*(b.new_spaces for b in out)),
            set().union(*(b.new_authors for b in out)),
            sum(b.excluded for b in out),
        )

    return outcome(path, made, fast=fast, chunk=chunk)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(known_records(), max_size=40),
    chunk=st.sampled_from([200, 1000, 4 * 1024 * 1024]),
    vendor=st.sampled_from(["sqlite", "postgresql"]),
    zone=st.sampled_from(["Australia/Lord_Howe", "America/St_Johns", "UTC"]),
)
def test_column_wise_batches_are_the_row_wise_ones(
    tmp_path: Path, lines: list[str], chunk: int, vendor: str, zone: str
) -> None:
    text = "\r\n".join([",".join(MESSAGE_HEADER), *lines]) + "\r\n"
    files = {
        "Users.csv": USERS.encode(),
        "Groups.csv": GROUPS.encode(),
        "Messages.csv": text.encode(),
    }
    path = write_zip(tmp_path / f"export-{len(text)}-{chunk}.zip", files)
    fast = batches(path, fast=True, chunk=chunk, vendor=vendor, zone=zone)
    assert fast == batches(path, fast=False, chunk=chunk, vendor=vendor, zone=zone)


def test_clean_chunks_are_taken_column_wise(tmp_path: Path) -> None:
    """The column-wise path is the one taken for an ordinary export (the test above would
    pass if it never were); a chunk with an unknown sender goes row by row."""
    rows = [
        ",".join(quote(c) for c in record(str(i), created_at=f"2026-03-02T09:00:{i:02d}.5Z",
                                         sender_id="9" if i == 30 else "1"))
        for i in range(40)
    ]  # fmt: skip
    text = "\r\n".join([",".join(MESSAGE_HEADER), *rows]) + "\r\n"
    files = {
        "Users.csv": USERS.encode(),
        "Groups.csv": GROUPS.encode(),
        "Messages.csv": text.encode(),
    }
    path = write_zip(tmp_path / "e.zip", files)
    base_chunk = base.ARROW_CHUNK
    base.ARROW_CHUNK = len(rows[0]) * 10
    try:
        with VivaEngageReader(path) as reader:
            reader.open()
            groups = [
                (isinstance(g, list), [r[0] for r in (g if isinstance(g, list) else g.rows())])
                for g in reader.row_groups()
            ]
    finally:
        base.ARROW_CHUNK = base_chunk
    assert [i for _by_row, ids in groups for i in ids] == [str(i) for i in range(40)]
    by_row = [ids for row_wise, ids in groups if row_wise]
    assert len(by_row) == 1 and "30" in by_row[0] and len(groups) >= 3
