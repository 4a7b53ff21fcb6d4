"""What needs a person's attention on the home page (guide/ui.md): a few counts and lists,
each one query, whatever the size of the programme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from trellis.communities.models import LEADER_ROLES, Community, Role
from trellis.people.models import Person


@dataclass
class Attention:
    letters_to_sign: int = 0
    sheets_to_submit: list[Community] = field(default_factory=list)
    survey_to_answer: bool = False
    animates: bool = False
    upcoming_events: list[Any] = field(default_factory=list)


def attention_for(person: Person | None, *, year: int, now: dt.datetime | None = None) -> Attention:
    from trellis.events.selectors import CalendarFilters, programme_calendar

    result = Attention(upcoming_events=list(programme_calendar(CalendarFilters(), now)[:5]))
    if person is None:
        return result
    from trellis.kpis.models import KpiSheet
    from trellis.programme.models import EngagementLetter
    from trellis.surveys.models import Campaign, Invitation

    result.letters_to_sign = EngagementLetter.objects.filter(
        manager=person, status=EngagementLetter.Status.SENT
    ).count()
    submitted = KpiSheet.objects.filter(
        community=OuterRef("pk"), year=year, status=KpiSheet.Status.SUBMITTED
    )
    today = timezone.localdate()
    led = Community.objects.filter(
        memberships__person=person,
        memberships__role__in=LEADER_ROLES,
        memberships__left__isnull=True,
        memberships__joined__lte=today,
    )
    result.sheets_to_submit = list(
        led.filter(stage__in=["active", "dormant"])
        .exclude(Exists(submitted))
        .order_by("name")
        .distinct()[:20]
    )
    result.survey_to_answer = Invitation.objects.filter(
        person=person, responded=False, campaign__status=Campaign.Status.OPEN
    ).exists()
    result.animates = person.memberships.filter(
        role__in=[*LEADER_ROLES, Role.CORE_TEAM], left__isnull=True
    ).exists()
    return result
