"""Value types shared by the routers, bounded so no value reaches the database unusable."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

MIN_YEAR, MAX_YEAR = 1900, 9000


def _instant(value: dt.datetime) -> dt.datetime:
    # Years near 1 or 9999 overflow when converted between time zones.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _day(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


Instant = Annotated[dt.datetime, AfterValidator(_instant)]
Day = Annotated[dt.date, AfterValidator(_day)]
