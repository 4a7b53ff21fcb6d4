"""Read a CSV or XLSX file that a person uploaded, safely, as rows of named text values.

Files come from HR systems, spreadsheets and BI tools, so expect: a UTF-8 byte-order mark,
cp1252 (Excel "CSV" on Windows), `;` (Excel in French) or tab delimiters, quoted newlines,
NUL bytes, huge fields and truncated workbooks. Every problem becomes a `TabularError`
naming the line and the reason; nothing here crashes on bad input.

    header, rows = read_table(data, filename="people.csv", required=["email", "name"])
    for row in rows:           # streams: one Row at a time
        row.line, row.values["email"]
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# Python's default (128 KiB) is raised so that long free-text fields pass; anything larger
# is reported as an error with its line instead of crashing the reader.
FIELD_SIZE_LIMIT = 1024 * 1024

# An XLSX is a ZIP: refuse archives that would inflate beyond this (ZIP bombs).
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024
XLSX_MAX_RATIO = 200

DELIMITERS = (",", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"

csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))


class TabularError(Exception):
    """A file that cannot be read as a table; `line` is the 1-based physical line, if known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)d: %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass
class Row:
    """One record: `line` is where it starts in the file (the sheet row for XLSX)."""

    line: int
    values: dict[str, str]


def normalise_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def read_table(
    data: bytes,
    *,
    filename: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_rows: int | None = None,
) -> tuple[list[str], Iterator[Row]]:
    """The normalised header and an iterator over the non-empty data rows.

    The header is checked at once (missing required columns raise here); problems in the
    rows (NUL bytes, oversize fields, rows longer than the header) raise TabularError while
    iterating, with the line. Every Row has a value ("" when absent) for each header column
    and each optional column.
    """
    if filename.lower().endswith(".xlsx") or data[:4] == ZIP_MAGIC:
        records = _xlsx_records(data)
    else:
        records = _csv_records(data)
    return _rows(records, required=required, optional=optional, max_rows=max_rows)


def _rows(
    records: Iterator[tuple[int, list[str]]],
    *,
    required: Sequence[str],
    optional: Sequence[str],
    max_rows: int | None,
) -> tuple[list[str], Iterator[Row]]:
    header_line, header = 0, []
    for line, cells in records:
        if any(c.strip() for c in cells):
            header_line, header = line, [normalise_header(c) for c in cells]
            break
    if not header:
        raise TabularError(_("The file is empty: a header row is expected."))
    # Trailing empty header cells are common (spreadsheet selections); drop them.
    while header and not header[-1]:
        header.pop()
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise TabularError(
                _("The column “%(name)s” appears twice in the header.") % {"name": name},
                line=header_line,
            )
        seen.add(name)
    missing = [c for c in required if c not in seen]
    if missing:
        raise TabularError(
            ngettext(
                "Missing required column: %(columns)s.",
                "Missing required columns: %(columns)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing)},
            line=header_line,
        )
    extra = [c for c in optional if c not in seen]
    return header, _iter_rows(records, header, extra, max_rows)


def _iter_rows(
    records: Iterator[tuple[int, list[str]]],
    header: list[str],
    extra: list[str],
    max_rows: int | None,
) -> Iterator[Row]:
    width = len(header)
    count = 0
    # The common case (a full row, every column named) is one zip; the rest pads or skips.
    simple = all(header)
    for line, cells in records:
        if not "".join(cells).strip():
            continue
        if len(cells) > width and "".join(cells[width:]).strip():
            raise TabularError(
                _(
                    "This row has %(found)d values but the header has %(expected)d columns "
                    "(an unquoted delimiter inside a value?)."
                )
                % {"found": len(cells), "expected": width},
                line=line,
            )
        count += 1
        if max_rows is not None and count > max_rows:
            raise TabularError(
                _("The file has more than %(max)d rows.") % {"max": max_rows}, line=line
            )
        values = dict.fromkeys(extra, "")
        if simple and len(cells) >= width:
            values.update(zip(header, map(str.strip, cells), strict=False))
        else:
            for i, name in enumerate(header):
                if name:
                    values[name] = cells[i].strip() if i < len(cells) else ""
        yield Row(line=line, values=values)


# --- CSV -------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Text of the file: UTF-16 or UTF-8 (with or without BOM), else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TabularError(_("The file is not valid UTF-16 text.")) from exc
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TabularError(
            _("The file contains a NUL byte: it is not a text CSV file."),
            line=data.count(b"\n", 0, nul) + 1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TabularError(
            _("The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s).")
            % {"byte": f"0x{data[exc.start]:02X}"},
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from exc


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of `,` `;` tab outside quotes in the header line (`,` on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decode(data)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = sniff_delimiter(first)
    return _csv_reader(text, delimiter)


def _csv_reader(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    # newline="" keeps the line endings so that csv sees quoted newlines as data.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                message = _("A value is longer than %(limit)d characters.") % {
                    "limit": FIELD_SIZE_LIMIT
                }
            elif "unexpected end of data" in reason or "EOF" in reason:
                message = _("A quoted value is never closed.")
            else:
                message = _(
                    "A quote character is misplaced: quote the whole value and double the "
                    "quotes inside it (%(reason)s)."
                ) % {"reason": reason}
            raise TabularError(message, line=start) from exc
        yield start, cells
        start = reader.line_num + 1


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    unreadable = _("The workbook is damaged or is not an .xlsx file.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            bad = archive.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise TabularError(unreadable) from exc
    if bad is not None:
        raise TabularError(unreadable)
    if "xl/workbook.xml" not in names:
        raise TabularError(_("This ZIP archive is not an Excel workbook (.xlsx)."))
    inflated = sum(i.file_size for i in infos)
    if inflated > XLSX_MAX_UNCOMPRESSED or inflated > XLSX_MAX_RATIO * max(len(data), 1):
        raise TabularError(_("The workbook inflates to an unreasonable size; refused."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise TypeError("first sheet is not a worksheet")
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise TabularError(unreadable) from exc
    return _xlsx_rows(sheet, workbook, unreadable)


def _xlsx_rows(
    sheet: ReadOnlyWorksheet, workbook: Workbook, unreadable: str
) -> Iterator[tuple[int, list[str]]]:
    line = 0
    try:
        # A wrong <dimension> in the file would clip the columns: read what is there.
        sheet.reset_dimensions()
        # (the stubs type iter_rows for Worksheet only; ReadOnlyWorksheet shares it)
        cells_by_row = sheet.iter_rows(min_row=1, values_only=True)  # type: ignore[misc]
        for line, cells in enumerate(cells_by_row, start=1):
            yield line, [_cell_text(c, line) for c in cells]
    except TabularError:
        raise
    except Exception as exc:
        raise TabularError(unreadable, line=line + 1) from exc
    finally:
        workbook.close()


def _cell_text(value: object, line: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # Employee ids typed as numbers come back as 12345.0.
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value) if not isinstance(value, Decimal) else format(value, "f")
    if "\x00" in text:
        raise TabularError(_("A cell contains a NUL byte."), line=line)
    if len(text) > FIELD_SIZE_LIMIT:
        raise TabularError(
            _("A value is longer than %(limit)d characters.") % {"limit": FIELD_SIZE_LIMIT},
            line=line,
        )
    return text
