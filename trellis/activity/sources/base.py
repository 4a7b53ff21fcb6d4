"""What every activity source shares: one small reader interface, records, safe file access.

A source folder (`viva_engage/`, `slack/`, `m365_usage/`, `csv/`) holds one `Reader`
subclass. The import service drives it the same way for every source:

    with SomeReader(path) as reader:
        reader.open()                 # check the container, read the side files
        for row in reader.rows():     # stream the data rows, normalised
            ...                       # reader.spaces / reader.authors grow as rows arrive
        # or reader.row_groups(): the same rows in groups, some as checked columns
        reader.errors                 # rejected rows: file, line, reason

A problem that makes the rest of the file unreadable (damaged ZIP, missing file, bad
header, a quote never closed) raises `SourceError`; a bad row is recorded with `reject()`
and reading goes on, so that one run lists every problem. The service applies nothing when
there is any.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, ClassVar, Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# lib.tabular raises the csv module's field limit (1 MiB) for every reader in the process.
from trellis.lib.tabular import FIELD_SIZE_LIMIT, normalise_header

# ZIP bombs: refuse archives that declare more than this in total, or a member (larger
# than RATIO_MIN_SIZE) that inflates more than MAX_RATIO times. zipfile itself never
# inflates a member beyond its declared size, so checking the declarations is enough.
MAX_UNCOMPRESSED = 64 * 1024**3
MAX_RATIO = 200
RATIO_MIN_SIZE = 1024 * 1024
# A day file or a report is read whole: refuse anything larger than this.
MAX_WHOLE_FILE = 256 * 1024 * 1024
# Errors kept for the report (all are counted).
MAX_ERRORS = 1000

READ_CHUNK = 1024 * 1024


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as Windows-1252 (exports re-saved by Excel)."""
    if isinstance(exc, UnicodeDecodeError):
        return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end
    raise exc


codecs.register_error("trellis-cp1252", _cp1252_fallback)


class SourceError(Exception):
    """The file cannot be read further: names the file, the line when known, the reason."""

    def __init__(self, file: str, reason: str, *, line: int | None = None) -> None:
        super().__init__(reason)
        self.file = file
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return str(RowError(self.file, self.line, self.reason))


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        if self.line is None:
            return _("%(file)s: %(reason)s") % {"file": self.file, "reason": self.reason}
        return _("%(file)s, line %(line)d: %(reason)s") % {
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
        }


@dataclass(slots=True)
class SpaceRecord:
    external_id: str
    name: str = ""
    url: str = ""
    is_private: bool = False
    # ESN user ids of the members, when the source lists them (Slack channels).
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AuthorRecord:
    external_id: str
    name: str = ""
    email: str = ""


# A message, normalised: (external id, space id, author id or "", created_at (aware),
# starts a thread, reactions, counts). The tuple keeps millions of rows cheap.
MessageRow = tuple[str, str, str, Any, bool, int, bool]
# Rows per group of Reader.row_groups() when a reader has no column-wise path.
GROUP_ROWS = 5000


@dataclass(slots=True)
class MessageColumns:
    """Messages as pyarrow arrays of one length: the fields of MessageRow, column by column
    (reactions are 0). A reader gives these for rows it could check column-wise; see
    Reader.row_groups and trellis.activity.feed."""

    ids: Any  # string
    spaces: Any  # string: the source's keys
    authors: Any  # string: the source's keys, "" for none
    created: Any  # timestamp("us", "UTC")
    posts: Any  # bool
    counted: Any  # bool

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def joined(cls, groups: list[MessageColumns]) -> MessageColumns:
        """One group of the rows of several, in order."""
        if len(groups) == 1:
            return groups[0]
        import pyarrow as pa

        def join(name: str) -> Any:
            parts = [getattr(g, name) for g in groups]
            return pa.concat_arrays([c for p in parts for c in getattr(p, "chunks", [p])])

        return cls(*(join(name) for name in cls.__slots__))

    def rows(self) -> Iterator[MessageRow]:
        import pyarrow as pa
        import pyarrow.compute as pc

        micros = pc.cast(self.created, pa.int64()).to_pylist()
        return zip(
            self.ids.to_pylist(),
            self.spaces.to_pylist(),
            self.authors.to_pylist(),
            [
                dt.datetime.fromtimestamp(m // 1_000_000, dt.UTC).replace(microsecond=m % 1_000_000)
                for m in micros
            ],
            self.posts.to_pylist(),
            repeat(0),
            self.counted.to_pylist(),
        )


class Reader(ABC):
    """One source's reader; see the module docstring for how the service drives it."""

    source: ClassVar[str]
    # What rows() yields: MessageRow tuples, DayRow or UsageRow records.
    kind: ClassVar[Literal["messages", "days", "usage"]]

    def __init__(self, path: Path, **options: Any) -> None:
        self.path = path
        self.options = options
        self.spaces: dict[str, SpaceRecord] = {}
        self.authors: dict[str, AuthorRecord] = {}
        self.errors: list[RowError] = []
        self.error_count = 0
        self.rows_read = 0
        self.notes: list[str] = []
        self._bytes_total = 0
        self._bytes_done = 0

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None:
        """Check the container and read what comes before the rows (users, groups…)."""

    @abstractmethod
    def rows(self) -> Iterator[Any]:
        """The data rows, normalised; bad rows are rejected and skipped."""

    def row_groups(self) -> Iterator[list[Any] | MessageColumns]:
        """The same rows, in order, in groups: lists of rows, or MessageColumns where the
        reader has a column-wise path (Viva Engage's messages)."""
        rows = iter(self.rows())
        while group := list(islice(rows, GROUP_ROWS)):
            yield group

    def close(self) -> None:  # noqa: B027 (optional hook)
        pass

    def reject(self, file: str, line: int | None, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(file, line, reason))

    def data_size(self) -> int:
        """Bytes of data rows to read (known after open())."""
        return self._bytes_total

    def fraction(self) -> float:
        """How much of the data has been read, from 0 to 1 (for progress bars)."""
        if not self._bytes_total:
            return 0.0
        return min(1.0, self._bytes_done / self._bytes_total)


# --- Archives: a ZIP or an unpacked folder ----------------------------------------------------


class Archive(ABC):
    """Read-only access to the files of an export, by their '/'-separated relative names."""

    name: str

    @abstractmethod
    def members(self) -> dict[str, int]:
        """Relative name -> uncompressed size, for the regular files."""

    @abstractmethod
    def open_binary(self, member: str) -> IO[bytes]: ...

    def close(self) -> None:  # noqa: B027 (optional hook)
        pass

    def read_whole(self, member: str) -> bytes:
        size = self.members()[member]
        if size > MAX_WHOLE_FILE:
            raise SourceError(
                member,
                _("The file is larger than %(limit)d MiB; refused.")
                % {"limit": MAX_WHOLE_FILE // (1024 * 1024)},
            )
        with self.open_binary(member) as stream:
            try:
                return stream.read(MAX_WHOLE_FILE + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise SourceError(member, damaged_reason(exc)) from exc


def damaged_reason(exc: BaseException) -> str:
    return _("The archive is damaged or truncated (%(reason)s).") % {"reason": exc}


class ZipArchive(Archive):
    def __init__(self, path: Path) -> None:
        self.name = path.name
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise SourceError(
                path.name, _("This is not a readable ZIP archive (damaged or truncated?).")
            ) from exc
        total = 0
        self._members: dict[str, int] = {}
        for info in infos:
            if info.is_dir():
                continue
            total += info.file_size
            if (
                info.file_size > RATIO_MIN_SIZE
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ) or total > MAX_UNCOMPRESSED:
                self._zip.close()
                raise SourceError(
                    path.name,
                    _(
                        "The archive inflates to an unreasonable size (%(member)s); "
                        "refused as a possible ZIP bomb."
                    )
                    % {"member": info.filename},
                )
            if info.flag_bits & 0x1:
                self._zip.close()
                raise SourceError(
                    path.name, _("%(member)s is encrypted.") % {"member": info.filename}
                )
            self._members[info.filename] = info.file_size

    def members(self) -> dict[str, int]:
        return self._members

    def open_binary(self, member: str) -> IO[bytes]:
        try:
            return self._zip.open(member)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise SourceError(member, damaged_reason(exc)) from exc

    def close(self) -> None:
        self._zip.close()


class FolderArchive(Archive):
    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._root = path
        self._members = {}
        for dirpath, _dirs, files in os.walk(path):
            for filename in files:
                full = Path(dirpath) / filename
                if full.is_file():
                    rel = full.relative_to(path).as_posix()
                    self._members[rel] = full.stat().st_size

    def members(self) -> dict[str, int]:
        return self._members

    def open_binary(self, member: str) -> IO[bytes]:
        if member not in self._members:
            raise SourceError(member, _("The file is missing."))
        return (self._root / member).open("rb")


def open_archive(path: Path) -> Archive:
    if path.is_dir():
        return FolderArchive(path)
    if not path.exists():
        raise SourceError(path.name, _("The file does not exist."))
    return ZipArchive(path)


def find_members(archive: Archive, filename: str, *, depth: int = 1) -> list[str]:
    """Members named `filename` (any case) at the root or up to `depth` folders below."""
    found = []
    for member in archive.members():
        parts = PurePosixPath(member).parts
        # Ignore the macOS resource forks that some ZIP tools add ("__MACOSX/…").
        if (
            parts
            and parts[-1].lower() == filename.lower()
            and len(parts) - 1 <= depth
            and parts[0] != "__MACOSX"
        ):
            found.append(member)
    return sorted(found, key=lambda m: (m.count("/"), m))


# --- Text and CSV streams ---------------------------------------------------------------------


class _CheckedRaw(io.RawIOBase):
    """A binary stream that refuses NUL bytes, counts lines and bytes, and turns damaged
    archive data into a SourceError naming the file and the line."""

    def __init__(self, inner: IO[bytes], name: str, reader: Reader | None) -> None:
        self._inner = inner
        self.name_ = name
        self._reader = reader
        self.lines = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """The next bytes, checked; no copy (Arrow reads through this)."""
        try:
            data = self._inner.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise SourceError(self.name_, damaged_reason(exc), line=self.lines + 1) from exc
        if not data:
            return b""
        nul = data.find(b"\x00")
        if nul >= 0:
            raise SourceError(
                self.name_,
                _("The file contains a NUL byte: it is not a UTF-8 text file."),
                line=self.lines + data.count(b"\n", 0, nul) + 1,
            )
        self.lines += data.count(b"\n")
        if self._reader is not None:
            self._reader._bytes_done += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_text(archive: Archive, member: str, reader: Reader | None = None) -> io.TextIOWrapper:
    """A member as text: UTF-8 (a BOM is dropped), bytes that are not UTF-8 read as cp1252."""
    raw = _CheckedRaw(archive.open_binary(member), member, reader)
    buffered = io.BufferedReader(raw, buffer_size=READ_CHUNK)
    # newline="" lets csv see quoted newlines as data.
    return io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="trellis-cp1252", newline="")


def csv_reason(exc: csv.Error) -> str:
    reason = str(exc)
    if "field larger than field limit" in reason:
        return _("A value is longer than %(limit)d characters.") % {"limit": FIELD_SIZE_LIMIT}
    if "unexpected end of data" in reason or "EOF" in reason:
        return _("A quoted value is never closed (is the file truncated?).")
    return _("The CSV structure is broken: %(reason)s.") % {"reason": reason}


class CsvStream:
    """Rows of a CSV member as lists of cells, with the line where each row starts."""

    def __init__(self, archive: Archive, member: str, reader: Reader | None = None) -> None:
        self.member = member
        self._text = open_text(archive, member, reader)
        self.csv = csv.reader(self._text, strict=True)
        self.line = 0  # where the last row returned starts

    def header(self) -> list[str]:
        for cells in self:
            if any(c.strip() for c in cells):
                return [normalise_header(c) for c in cells]
        raise SourceError(self.member, _("The file is empty: a header row is expected."))

    def __iter__(self) -> Iterator[list[str]]:
        reader = self.csv
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise SourceError(self.member, csv_reason(exc), line=start) from exc
            except UnicodeError as exc:  # not expected with the fallback handler
                raise SourceError(self.member, str(exc), line=start) from exc
            self.line = start
            yield cells

    def close(self) -> None:
        self._text.close()


class NotVouched(Exception):
    """Arrow could not vouch for the rest of a file: read it again with the csv module."""


# Bytes handed to Arrow at a time (cut at a record's end); a record that does not end
# within ARROW_CARRY_MAX bytes is left to the csv module.
ARROW_CHUNK = 4 * 1024 * 1024
ARROW_CARRY_MAX = 2 * FIELD_SIZE_LIMIT + ARROW_CHUNK


def _record_end(data: bytes) -> int:
    """Where the last complete record of `data` ends (after its line break), or -1.

    `data` starts at a record's start. A line break ends a record when an even number of
    quote characters comes before it. A quote inside an unquoted cell (`a"b`, which the
    csv module reads as it is) can fool that count; arrow_records then notices the
    record left open and gives up (see there).
    """
    quotes = data.count(b'"')
    end = len(data)
    while True:
        cut = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))
        if cut < 0:
            return -1
        after = data.count(b'"', cut + 1, end)
        quotes -= after
        if quotes % 2 == 0:
            return cut + 1
        end = cut


def arrow_records(
    archive: Archive, member: str, reader: Reader | None, *, width: int, wanted: Sequence[int]
) -> Generator[tuple[str, ...], None, None]:
    """The records of a CSV member after its one-line header, parsed by Apache Arrow's CSV
    reader: for each record, the text of the `wanted` columns (in that order) and a last
    "" (the padding cell of an optional column the file lacks). See arrow_tables."""
    tables = arrow_tables(archive, member, reader, width=width, wanted=wanted)
    try:
        for table in tables:
            yield from table_records(table, wanted)
    finally:
        tables.close()


def table_records(table: Any, wanted: Sequence[int]) -> Iterator[tuple[str, ...]]:
    """A table's records as arrow_records gives them."""
    return zip(*[table.column(i).to_pylist() for i in wanted], repeat(""))


def arrow_tables(
    archive: Archive, member: str, reader: Reader | None, *, width: int, wanted: Sequence[int]
) -> Generator[Any, None, None]:
    """The records of a CSV member after its one-line header, parsed by Apache Arrow's CSV
    reader, as pyarrow Tables of `width` columns named c0, c1…: the `wanted` ones as
    strings, the others as bytes.

    Arrow parses in C++ several times faster than the csv module (bench/README.md), but it
    cannot say on which line a record starts, and it differs from the csv module on broken
    input. So it only vouches for well-formed records; anything else raises NotVouched, and
    the caller reads the rest of the member with the csv module, which gives the exact
    line and reason:
    - a record whose number of cells is not the header's, a quote never closed (Arrow's
      parse errors, or a last cell that swallowed a line break: see below);
    - a record that does not end within ARROW_CARRY_MAX bytes;
    - a wanted cell that is not UTF-8 (the csv path reads it as Windows-1252);
    - a cell, wanted or not, longer than FIELD_SIZE_LIMIT bytes (the csv module's limit).
    Raised before the records of the chunk at fault are yielded, so that every record
    yielded is one the csv module reads the same way. NUL bytes and damaged archive data
    raise SourceError from the byte stream, as on the csv path.

    The bytes are cut into chunks at a record's end (_record_end) and each chunk is parsed
    on its own, in this thread: Arrow never calls back into Python from its own threads. A
    chunk cut inside a quoted cell (fooled by a stray quote) ends with an open quoted cell,
    which Arrow reads to the end of the chunk. That cell is the record's last one (with
    fewer cells than the header, Arrow refuses the record), and it then ends with the line
    break where the chunk was cut: the chunk is not vouched for. Only the last column is
    checked, so a message body ending in a line break does not send the rest of the file to
    the csv module; a last cell that legitimately ends in one does.

    One difference stays, on purpose: a closing quote followed by other characters
    (`"ab"c`) reads as `abc`, as spreadsheet programs read it, where the csv module's strict
    mode refuses the file.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    names = [f"c{i}" for i in range(width)]
    chosen = set(wanted)
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    convert_options = pacsv.ConvertOptions(
        # Cells not wanted stay bytes: never decoded, only measured.
        column_types={
            name: pa.string() if i in chosen else pa.binary() for i, name in enumerate(names)
        },
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    raw = _CheckedRaw(archive.open_binary(member), member, reader)
    try:
        skip = 1  # the header
        carry = b""
        while True:
            data = raw.read(ARROW_CHUNK)
            if data:
                data = carry + data if carry else data
                end = _record_end(data)
                if end < 0:
                    carry = data
                    if len(carry) > ARROW_CARRY_MAX:
                        raise NotVouched
                    continue
                chunk, carry = data[:end], data[end:]
            else:
                chunk, carry = carry, b""
                if not chunk:
                    return
                if chunk.count(b'"') % 2:
                    raise NotVouched  # a quote never closed, at the end of the file
            try:
                table = pacsv.read_csv(
                    pa.py_buffer(chunk),
                    read_options=pacsv.ReadOptions(
                        use_threads=False,
                        block_size=len(chunk) + 1,
                        skip_rows=skip,
                        column_names=names,
                    ),
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except pa.ArrowInvalid as exc:
                raise NotVouched from exc
            skip = 0
            if table.num_rows == 0:
                continue
            for column in table.columns:
                longest = pc.max(pc.binary_length(column)).as_py()
                if longest > FIELD_SIZE_LIMIT:
                    raise NotVouched
            if table.column(width - 1)[-1].as_py()[-1:] in ("\n", "\r", b"\n", b"\r"):
                raise NotVouched  # an open quoted cell, or a last cell ending in a line break
            yield table
    finally:
        raw.close()


def column_index(
    header: Sequence[str],
    *,
    file: str,
    line: int,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> dict[str, int]:
    """Position of each column by name; a SourceError when required ones are missing."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name not in positions:
            positions[name] = i
    missing = [c for c in required if c not in positions]
    if missing:
        raise SourceError(
            file,
            ngettext(
                "Missing required column: %(columns)s.",
                "Missing required columns: %(columns)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing)},
            line=line,
        )
    return {name: positions[name] for name in [*required, *optional] if name in positions}


def is_true(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes", "t", "y"}


def parse_timestamp(value: str) -> dt.datetime | None:
    """An instant from ISO 8601 or `YYYY/MM/DD HH:MM:SS +0000`; no offset means UTC."""
    text = value.strip()
    if len(text) > 10 and text[4] == "/":
        text = text.replace("/", "-", 2)
    if len(text) > 20 and text[19] == " ":
        text = text[:19] + text[20:]  # "… 10:00:00 +0000" -> "… 10:00:00+0000"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment
