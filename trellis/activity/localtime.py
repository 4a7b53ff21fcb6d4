"""Instants as the message table stores them, with their local day and month.

Used where message rows are prepared (trellis.activity.feed, in the parsing process when
there is one): the programme's time zone decides the day a message counts on.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

EPOCH = dt.date(1970, 1, 1)


class LocalTime:
    """Caches that turn an instant into the stored created_at and its local day and month.

    The UTC offset of the programme zone is looked up once per UTC day (per quarter hour
    on the days it changes), day values once per day, and on SQLite (which
    stores times as text) the "HH:MM:SS" of each second of the day is prepared once, so
    that millions of rows cost a few dictionary look-ups each.
    """

    def __init__(self, zone: zoneinfo.ZoneInfo, vendor: str) -> None:
        self.zone = zone
        self.sqlite = vendor == "sqlite"
        self.offsets: dict[int, int] = {}  # by UTC day, for days with one offset
        self.quarters: dict[int, int] = {}  # by quarter hour, on days of a change
        self.days: dict[int, tuple[Any, str, Any]] = {}
        self.utc_days: dict[int, str] = {}
        self.hms: list[str] = (
            [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
            if self.sqlite
            else []
        )

    def _offset_at(self, seconds: int) -> int:
        moment = dt.datetime.fromtimestamp(seconds, tz=self.zone)
        return int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]

    def offset(self, utc_day: int, seconds: int) -> int:
        """The zone's offset at this instant. Cached for the whole UTC day when the day
        has one offset; days with a change are looked up per quarter hour (zones change
        offset on quarter hours), and not cached by day."""
        start = utc_day * 86400
        first, last = self._offset_at(start), self._offset_at(start + 86399)
        if first == last:
            self.offsets[utc_day] = first
            return first
        quarter = seconds // 900
        if quarter not in self.quarters:
            self.quarters[quarter] = self._offset_at(quarter * 900)
        return self.quarters[quarter]

    def quarter_offset(self, quarter: int) -> int:
        """The zone's offset during this quarter hour since the epoch (what offset() gives
        for any instant in it)."""
        utc_day = quarter // 96
        offset = self.offsets.get(utc_day)
        return offset if offset is not None else self.offset(utc_day, quarter * 900)

    @staticmethod
    def aware(seconds: int, micro: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=micro)

    def day(self, dayno: int) -> tuple[Any, str, Any]:
        """(the day as stored, "YYYY-MM", the first of its month as stored)."""
        date = EPOCH + dt.timedelta(days=dayno)
        month = date.replace(day=1)
        value = self.days[dayno] = (
            date.isoformat() if self.sqlite else date,
            date.isoformat()[:7],
            month.isoformat() if self.sqlite else month,
        )
        return value

    def utc_day(self, dayno: int) -> str:
        value = self.utc_days[dayno] = (EPOCH + dt.timedelta(days=dayno)).isoformat()
        return value

    @staticmethod
    def month_of(day: Any) -> str:
        return day.isoformat()[:7] if isinstance(day, dt.date) else str(day)[:7]
