"""Trellis's generic activity CSV, for any other tool (Teams, Discourse, a BI extract).

One row per space and day: `space_id, space_name, date, posts, replies, reactions,
active_authors` (the last two optional; `date` is YYYY-MM-DD in the programme's time
zone). Rows become `SpaceDay` rows directly; see docs/activity.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from trellis.activity.sources.base import Reader, SpaceRecord
from trellis.activity.sources.tabular_file import parse_count, parse_day, table_rows

REQUIRED = ("space_id", "space_name", "date", "posts", "replies")
OPTIONAL = ("reactions", "active_authors")
MAX_ID = 200


@dataclass(frozen=True, slots=True)
class DayRow:
    space: str
    day: dt.date
    posts: int
    replies: int
    reactions: int
    active_authors: int | None


class ActivityCsvReader(Reader):
    source = "csv"
    kind = "days"

    def open(self) -> None:
        pass

    def rows(self) -> Iterator[DayRow]:
        name = self.path.name
        seen: dict[tuple[str, dt.date], int] = {}
        for row in table_rows(self, required=REQUIRED, optional=OPTIONAL):
            self.rows_read += 1
            v = row.values
            space = v["space_id"]
            if not space or len(space) > MAX_ID:
                self.reject(
                    name,
                    row.line,
                    _("space_id is empty or longer than %(max)d characters.") % {"max": MAX_ID},
                )
                continue
            day = parse_day(v["date"])
            if day is None or len(v["date"].strip()) != 10:
                self.reject(
                    name,
                    row.line,
                    _("date “%(value)s” is not a date (YYYY-MM-DD).") % {"value": v["date"][:40]},
                )
                continue
            numbers: dict[str, int] = {}
            for column in ("posts", "replies", "reactions"):
                value = parse_count(v[column])
                if value is None:
                    self.reject(
                        name,
                        row.line,
                        _("%(column)s “%(value)s” is not a whole number.")
                        % {"column": column, "value": v[column][:40]},
                    )
                    break
                numbers[column] = value
            else:
                authors = parse_count(v["active_authors"]) if v["active_authors"] else None
                if v["active_authors"] and authors is None:
                    self.reject(
                        name,
                        row.line,
                        _("active_authors “%(value)s” is not a whole number.")
                        % {"value": v["active_authors"][:40]},
                    )
                    continue
                key = (space, day)
                if key in seen:
                    self.reject(
                        name,
                        row.line,
                        _("Line %(first)d already gives this space and day.")
                        % {"first": seen[key]},
                    )
                    continue
                seen[key] = row.line
                if space not in self.spaces or (v["space_name"] and not self.spaces[space].name):
                    self.spaces[space] = SpaceRecord(space, name=v["space_name"] or space)
                yield DayRow(
                    space=space,
                    day=day,
                    posts=numbers["posts"],
                    replies=numbers["replies"],
                    reactions=numbers["reactions"],
                    active_authors=authors,
                )
