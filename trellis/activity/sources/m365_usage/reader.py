"""Microsoft 365 Viva Engage groups activity report (CSV from the admin centre or Graph
`getYammerGroupsActivityDetail`): aggregates per group and period, no people.

Columns are matched by name, extra ones are ignored. The group has no id in the report:
its display name is the space's id (mappings may use it). Rows become `UsageReport`
rows, their own series per group, refresh date and period; they never mix with messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from trellis.activity.sources.base import Reader, SpaceRecord, is_true
from trellis.activity.sources.tabular_file import parse_count, parse_day, table_rows

REQUIRED = ("report refresh date", "group display name", "report period")
OPTIONAL = (
    "is deleted",
    "last activity date",
    "member count",
    "posted count",
    "read count",
    "liked count",
)
COUNTS = ("member count", "posted count", "read count", "liked count")


@dataclass(frozen=True, slots=True)
class UsageRow:
    space: str
    refreshed_on: dt.date
    period_days: int
    last_activity: dt.date | None
    is_deleted: bool
    member_count: int | None
    posted_count: int | None
    read_count: int | None
    liked_count: int | None


class M365UsageReader(Reader):
    source = "m365-usage"
    kind = "usage"

    def open(self) -> None:
        pass

    def rows(self) -> Iterator[UsageRow]:
        name = self.path.name
        for row in table_rows(self, required=REQUIRED, optional=OPTIONAL):
            self.rows_read += 1
            v = row.values
            group = v["group display name"]
            if not group:
                self.reject(name, row.line, _("The group display name is empty."))
                continue
            refreshed = parse_day(v["report refresh date"])
            if refreshed is None:
                self.reject(
                    name,
                    row.line,
                    _("Report Refresh Date “%(value)s” is not a date (YYYY-MM-DD).")
                    % {"value": v["report refresh date"][:40]},
                )
                continue
            period = parse_count(v["report period"].upper().removeprefix("D"))
            if not period:
                self.reject(
                    name,
                    row.line,
                    _("Report Period “%(value)s” is not a number of days.")
                    % {"value": v["report period"][:40]},
                )
                continue
            last = None
            if v["last activity date"]:
                last = parse_day(v["last activity date"])
                if last is None:
                    self.reject(
                        name,
                        row.line,
                        _("Last Activity Date “%(value)s” is not a date (YYYY-MM-DD).")
                        % {"value": v["last activity date"][:40]},
                    )
                    continue
            counts: dict[str, int | None] = {}
            bad = False
            for column in COUNTS:
                text = v[column]
                value = parse_count(text) if text else None
                if text and value is None:
                    self.reject(
                        name,
                        row.line,
                        _("%(column)s “%(value)s” is not a whole number.")
                        % {"column": column, "value": text[:40]},
                    )
                    bad = True
                    break
                counts[column] = value
            if bad:
                continue
            if group not in self.spaces:
                self.spaces[group] = SpaceRecord(group, name=group)
            yield UsageRow(
                space=group,
                refreshed_on=refreshed,
                period_days=period,
                last_activity=last,
                is_deleted=is_true(v["is deleted"]),
                member_count=counts["member count"],
                posted_count=counts["posted count"],
                read_count=counts["read count"],
                liked_count=counts["liked count"],
            )
