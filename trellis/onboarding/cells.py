"""Reading the cells of the programme spreadsheets: dates, `|` lists, guarded formulas."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import TypeVar

from django.utils.translation import gettext as _

from trellis.lib.safe_export import FORMULA_PREFIXES
from trellis.lib.tabular import Row, TabularError, read_table
from trellis.onboarding.report import ImportFileError, ImportReport

T = TypeVar("T")

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_SEPARATOR = "|"
# Keeps `IN (...)` lookups under every database's parameter limit (SQLite: 32766).
CHUNK = 900


class CellError(ValueError):
    """A cell that cannot be understood; the message is a whole, translated sentence."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unescape(value: str) -> str:
    """Undo safe_export's guard: `'=x` was written for `=x`, so an export reads back as is."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def parse_date(value: str, *, column: str) -> dt.date | None:
    if not value:
        return None
    if DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CellError(
        _("The %(column)s date “%(value)s” is not a date written YYYY-MM-DD.")
        % {"column": column, "value": value[:40]}
    )


def parse_list(value: str) -> list[str]:
    """The items of a `|` list, stripped, without empties or repeats (ignoring case)."""
    items: list[str] = []
    seen: set[str] = set()
    for item in value.split(LIST_SEPARATOR):
        item = item.strip()
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    return items


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_rows(
    data: bytes,
    *,
    filename: str,
    required: Sequence[str],
    optional: Sequence[str],
    report: ImportReport,
) -> tuple[set[str], Iterator[Row]]:
    """The columns present in the file and its rows, with the formula guard removed.

    A file whose header cannot be read raises ImportFileError. A row that breaks the file
    further down (an unclosed quote…) is reported as rejected and ends the reading, so the
    import is refused with the line to fix.
    """
    try:
        header, rows = read_table(data, filename=filename, required=required, optional=optional)
    except TabularError as exc:
        raise ImportFileError(exc.message, line=exc.line) from exc

    def _rows() -> Iterator[Row]:
        try:
            for row in rows:
                yield Row(row.line, {k: unescape(v) for k, v in row.values.items()})
        except TabularError as exc:
            report.reject(
                exc.line,
                _("%(reason)s The rows after it were not read.") % {"reason": exc.message},
            )

    return {name for name in header if name}, _rows()
