"""Events: the programme calendar, and a community's leaders adding events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from trellis.activity.models import Event
from trellis.api.auth import READ, WRITE
from trellis.api.errors import ERRORS, MAX_ID
from trellis.api.pagination import PageParams, envelope, page_of
from trellis.api.types import Instant
from trellis.core.access import community_for_user
from trellis.events import services
from trellis.events.selectors import CalendarFilters, programme_calendar

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    community: str
    type: str
    title: str
    description: str
    start: dt.datetime
    end: dt.datetime | None
    status: str
    attendee_count: int | None
    recording_url: str


class EventPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[EventOut]


class EventFilters(Schema):
    community: str = Field("", max_length=100, description="a community's slug")
    type: Event.Type | None = None
    business_unit: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str = Field("", max_length=100)
    include_cancelled: bool = False
    starts_after: Instant | None = Field(
        None, description="events starting at or after this instant (default: now)"
    )


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=300)
    start: Instant
    end: Instant | None = None
    type: Event.Type = Event.Type.WEBINAR
    status: Event.Status = Event.Status.PLANNED
    description: str = Field("", max_length=20_000)
    attendee_count: int | None = Field(None, ge=0, le=1_000_000)
    recording_url: str = Field("", max_length=500)


def event_out(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "community": e.community.slug,
        "type": e.type,
        "title": e.title,
        "description": e.description,
        "start": e.start,
        "end": e.end,
        "status": e.status,
        "attendee_count": e.attendee_count,
        "recording_url": e.recording_url,
    }


@router.get(
    "/events",
    response={200: EventPage, **ERRORS},
    auth=READ,
    url_name="api_events",
    summary="Upcoming events of the programme (the calendar)",
)
def events_list(request: HttpRequest, filters: Query[EventFilters], page: Query[PageParams]) -> Any:
    qs = programme_calendar(
        CalendarFilters(
            type=filters.type or "",
            community=filters.community,
            business_unit=filters.business_unit,
            tag=filters.tag,
            include_cancelled=filters.include_cancelled,
        ),
        now=filters.starts_after or timezone.now(),
    )
    count, items = page_of(qs, page)
    return envelope(count, page, [event_out(e) for e in items])


def _aware(value: dt.datetime) -> dt.datetime:
    # A time without offset is read in the programme's time zone, as on the web form.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.post(
    "/communities/{slug}/events",
    response={201: EventOut, **ERRORS},
    auth=WRITE,
    url_name="api_event_create",
    summary="Add an event to a community (its leaders and the office)",
)
def event_create(request: HttpRequest, slug: str, payload: EventIn) -> Any:
    community = community_for_user(request.user, slug, write=True)
    event = services.event_create(
        actor=request.user,
        community=community,
        title=payload.title,
        start=_aware(payload.start),
        end=_aware(payload.end) if payload.end else None,
        type=payload.type,
        status=payload.status,
        description=payload.description,
        attendee_count=payload.attendee_count,
        recording_url=payload.recording_url,
    )
    return Status(201, event_out(event))
