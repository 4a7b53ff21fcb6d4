"""A year's KPIs as one flat table: one row per community, then the programme's totals.

Column names are the field names of guide/kpis.md. Nested figures are flattened:
`events_by_type` becomes `events_webinar`, `events_meeting`…, and the programme's
`communities_by_stage` becomes `communities_active`, `communities_dormant`…. The programme
row has an empty `slug`, and its `members` is `members_sum`. Rates keep RATE_DIGITS digits.
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
from trellis.lib.safe_export import write_csv

RATE_DIGITS = 4


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in row.items():
        if name == "events_by_type":
            flat.update({f"events_{kind}": n for kind, n in value.items()})
        elif name == "communities_by_stage":
            flat.update({f"communities_{stage}": n for stage, n in value.items()})
        elif isinstance(value, float):
            flat[name] = round(value, RATE_DIGITS)
        else:
            flat[name] = value
    return flat


def header() -> list[str]:
    names = ["year"]
    for name in dict.fromkeys([*COMMUNITY_FIELDS, *PROGRAMME_FIELDS]):
        if name == "events_by_type":
            names += [f"events_{kind}" for kind in EVENT_TYPES]
        elif name == "communities_by_stage":
            names += [f"communities_{stage}" for stage in STAGES]
        else:
            names.append(name)
    return names


def table(result: KpiResult) -> list[dict[str, Any]]:
    programme = flatten(result.programme)
    programme.update(
        slug="", name=_("Programme total"), stage="", members=result.programme["members_sum"]
    )
    return [
        {"year": result.year, **row}
        for row in [*(flatten(c) for c in result.communities), programme]
    ]


def to_csv(result: KpiResult) -> bytes:
    """UTF-8 CSV (no byte-order mark: meant for scripts), safe against formula injection."""
    return write_csv(table(result), header())
