"""The KPI export: one row per community with every KPI field, then the programme's totals.

Column names are the field names of guide/kpis.md (the same as `trellis kpis --format
json`), so a spreadsheet and the CLI read alike. Nested figures are flattened:
`events_by_type` becomes `events_webinar`, `events_meeting`…, and the programme's
`communities_by_stage` becomes `communities_active`, `communities_dormant`…. The programme
row leaves `slug` empty, and its `members` is `members_sum` (what adding the column gives).
Cells are written by `trellis.lib.safe_export`, which neutralises formula injection.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from trellis.kpis.selectors import (
    COMMUNITY_FIELDS,
    EVENT_TYPES,
    PROGRAMME_FIELDS,
    STAGES,
    KpiResult,
)
from trellis.lib.safe_export import write_csv, write_xlsx

RATE_DIGITS = 4


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in row.items():
        if name == "events_by_type":
            for kind, n in value.items():
                flat[f"events_{kind}"] = n
        elif name == "communities_by_stage":
            for stage, n in value.items():
                flat[f"communities_{stage}"] = n
        elif isinstance(value, float):
            flat[name] = round(value, RATE_DIGITS)
        else:
            flat[name] = value
    return flat


def export_table(result: KpiResult) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the rows (communities by name, then the programme) of a year."""
    communities = [_flatten(row) for row in result.communities]
    programme = _flatten(result.programme)
    programme.update(
        slug="",
        name=_("Programme total"),
        stage="",
        members=result.programme.get("members_sum"),
    )
    header = ["year"]
    for name in dict.fromkeys([*COMMUNITY_FIELDS, *PROGRAMME_FIELDS]):
        if name == "events_by_type":
            header += [f"events_{kind}" for kind in EVENT_TYPES]
        elif name == "communities_by_stage":
            header += [f"communities_{stage}" for stage in STAGES]
        else:
            header.append(name)
    rows = [{"year": result.year, **row} for row in [*communities, programme]]
    return header, rows


def export_csv(result: KpiResult) -> bytes:
    header, rows = export_table(result)
    # A byte-order mark so that Excel on Windows reads accented names right.
    return write_csv(rows, header, bom=True)


def export_xlsx(result: KpiResult) -> bytes:
    header, rows = export_table(result)
    return write_xlsx(rows, header, sheet_title=_("KPIs %(year)s") % {"year": result.year})
