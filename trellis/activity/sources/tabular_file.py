"""Small CSV/XLSX sources (the Microsoft 365 report, the generic activity CSV) read whole
through `trellis.lib.tabular`, which copes with BOMs, cp1252, `;` and damaged workbooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _

from trellis.activity.sources.base import Reader, SourceError
from trellis.lib.tabular import Row, TabularError, read_table

# These files are read whole (they hold one row per group or per space and day).
MAX_TABULAR_FILE = 64 * 1024 * 1024


def table_rows(
    reader: Reader, *, required: Sequence[str], optional: Sequence[str]
) -> Iterator[Row]:
    path = reader.path
    try:
        size = path.stat().st_size
        if size > MAX_TABULAR_FILE:
            raise SourceError(
                path.name,
                _("The file is larger than %(limit)d MiB; refused.")
                % {"limit": MAX_TABULAR_FILE // (1024 * 1024)},
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path.name, exc.strerror or str(exc)) from exc
    reader._bytes_total = len(data)
    try:
        _header, rows = read_table(data, filename=path.name, required=required, optional=optional)
        yield from rows
    except TabularError as exc:
        raise SourceError(path.name, exc.message, line=exc.line) from exc


def parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def parse_count(value: str) -> int | None:
    """A non-negative whole number ("" is 0); None when it is not one."""
    text = value.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return 0
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        return None
    return int(text)
