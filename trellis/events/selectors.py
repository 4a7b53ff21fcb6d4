"""Reads of events: a community's list, the programme calendar and the feeds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from trellis.activity.models import Event
from trellis.communities.models import Community

# How far back feeds go: calendars keep what they fetched, so old events need not repeat.
FEED_PAST = dt.timedelta(days=365)
FEED_LIMIT = 5000


def upcoming_events(community: Community, now: dt.datetime | None = None) -> QuerySet[Event]:
    now = now or timezone.now()
    return community.events.filter(start__gte=now).order_by("start", "pk")


def past_events(community: Community, now: dt.datetime | None = None) -> QuerySet[Event]:
    now = now or timezone.now()
    return (
        community.events.filter(start__lt=now)
        .order_by("-start", "-pk")
        .prefetch_related("attendees")
    )


@dataclass(frozen=True)
class CalendarFilters:
    type: str = ""
    community: str = ""  # slug
    business_unit: int | None = None
    tag: str = ""
    include_cancelled: bool = False


def programme_calendar(filters: CalendarFilters, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Upcoming events of every community, soonest first."""
    now = now or timezone.now()
    qs = Event.objects.filter(start__gte=now).select_related("community")
    if not filters.include_cancelled:
        qs = qs.exclude(status=Event.Status.CANCELLED)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.community:
        qs = qs.filter(community__slug=filters.community)
    if filters.business_unit:
        qs = qs.filter(community__business_units__id=filters.business_unit)
    if filters.tag:
        qs = qs.filter(community__tags__name=filters.tag)
    return qs.distinct().order_by("start", "pk")


def feed_events(
    community: Community | None = None, now: dt.datetime | None = None
) -> QuerySet[Event]:
    """Events a feed carries: from a year ago on, cancelled ones included (so that
    calendars remove them), at most FEED_LIMIT, oldest first."""
    now = now or timezone.now()
    qs = Event.objects.filter(start__gte=now - FEED_PAST).select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("start", "pk")[:FEED_LIMIT]
