"""Value types shared by the routers, bounded so no value reaches the database unusable."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator

MIN_YEAR, MAX_YEAR = 1900, 9000


def _year_message() -> str:
    return _("The year must be between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}


def _instant(value: dt.datetime) -> dt.datetime:
    # Years near 1 or 9999 overflow when converted between time zones.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(_year_message())
    return value


def _day(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(_year_message())
    return value


Instant = Annotated[dt.datetime, AfterValidator(_instant)]
Day = Annotated[dt.date, AfterValidator(_day)]
