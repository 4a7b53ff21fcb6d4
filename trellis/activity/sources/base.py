"""What every activity source shares: one small reader interface, records, safe file access.

A source folder (`viva_engage/`, `slack/`, `m365_usage/`, `csv/`) holds one `Reader`
subclass. The import service drives it the same way for every source:

    with SomeReader(path) as reader:
        reader.open()                 # check the container, read the side files
        for row in reader.rows():     # stream the data rows, normalised
            ...                       # reader.spaces / reader.authors grow as rows arrive
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise SourceError(self.name_, damaged_reason(exc), line=self.lines + 1) from exc
        if not data:
            return 0
        nul = data.find(b"\x00")
        if nul >= 0:
            raise SourceError(
                self.name_,
                _("The file contains a NUL byte: it is not a UTF-8 text file."),
                line=self.lines + data.count(b"\n", 0, nul) + 1,
            )
        self.lines += data.count(b"\n")
        size = len(data)
        buffer[:size] = data
        if self._reader is not None:
            self._reader._bytes_done += size
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
