"""A small programme written through the models, for the dashboard and scorecard tests.

`build_programme(year=Y, size=n)` adds n communities launched two years before Y, with
memberships (some ended), ESN spaces with daily and monthly-contributor rollups over Y-1 and
Y, events (webinars, meetings, a cancelled webinar), charters and objectives. Everything it
writes is recorded in `Made`, so tests derive their expected figures from the inputs
rather than from Trellis. The same (year, size, seed) always writes the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from trellis.activity.models import Event, Space, SpaceDay, SpaceMonthContributor
from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    Role,
    Stage,
    Tag,
)
from trellis.people.models import BusinessUnit, Person


@dataclass
class Made:
    year: int
    communities: list[Community] = field(default_factory=list)
    # (slug, year) -> messages; year -> [messages per month]
    messages: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    monthly: dict[int, list[int]] = field(default_factory=dict)
    # year -> [webinars per month], [attendance per month] (counted events only)
    webinars: dict[int, list[int]] = field(default_factory=dict)
    attendance: dict[int, list[int]] = field(default_factory=dict)
    # (slug, year) -> people with a membership active at the end of the year
    members: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    # (slug, year) -> contributor keys
    contributors: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    unit: BusinessUnit | None = None
    tag: Tag | None = None

    def in_unit(self) -> list[Community]:
        return [c for c in self.communities if c.pk % 2 == 0]


def _tz_datetime(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def build_programme(
    *, year: int, size: int = 3, seed: int = 1, prefix: str = "c", name: str = "Community"
) -> Made:
    rnd = random.Random(seed)
    made = Made(year=year)
    for y in (year - 1, year):
        made.monthly[y] = [0] * 12
        made.webinars[y] = [0] * 12
        made.attendance[y] = [0] * 12
    made.unit, _ = BusinessUnit.objects.get_or_create(name="Engineering")
    made.tag, _ = Tag.objects.get_or_create(name="safety")
    people = Person.objects.bulk_create(
        [
            Person(name=f"Person {prefix}{seed}-{i}", email=f"{prefix}{seed}-{i}@example.com")
            for i in range(size * 8)
        ]
    )
    memberships: list[Membership] = []
    days: list[SpaceDay] = []
    months: list[SpaceMonthContributor] = []
    for i in range(size):
        community = Community.objects.create(
            name=f"{name} {i:03d}",
            slug=f"{prefix}{seed}-{i}",
            stage=Stage.ACTIVE,
            launched=dt.date(year - 2, 3, 1),
        )
        made.communities.append(community)
        if community.pk % 2 == 0:
            community.business_units.add(made.unit)
            community.tags.add(made.tag)
        space = Space.objects.create(
            source="csv", external_id=f"space-{community.slug}", community=community
        )
        chosen = rnd.sample(people, 6)
        for j, person in enumerate(chosen):
            role = Role.LEADER if j == 0 else Role.SPONSOR if j == 1 and i % 2 else Role.MEMBER
            joined = dt.date(year - 1, rnd.randint(1, 12), 1)
            # Every fourth member left during the year before.
            left = dt.date(year - 1, 12, 31) if j % 4 == 3 else None
            memberships.append(
                Membership(person=person, community=community, role=role, joined=joined, left=left)
            )
            if left is None:
                made.members[(community.slug, year)].add(person.pk)
                made.members[(community.slug, year - 1)].add(person.pk)
        for y in (year - 1, year):
            for day in sorted(rnd.sample(range(365), 5 + i % 4)):
                date = dt.date(y, 1, 1) + dt.timedelta(days=day)
                posts, replies = rnd.randint(0, 9), rnd.randint(0, 20)
                days.append(
                    SpaceDay(
                        space=space,
                        day=date,
                        posts=posts,
                        replies=replies,
                        reactions=rnd.randint(0, 5),
                    )
                )
                made.messages[(community.slug, y)] += posts + replies
                made.monthly[y][date.month - 1] += posts + replies
            writers = rnd.sample(chosen, 1 + i % 4)
            for person in writers:
                month = dt.date(y, rnd.randint(1, 12), 1)
                months.append(
                    SpaceMonthContributor(space=space, month=month, contributor=person.pk)
                )
                made.contributors[(community.slug, y)].add(person.pk)
            for k in range(2):
                start = dt.date(y, rnd.randint(1, 12), 10 + k)
                count = rnd.randint(5, 60)
                Event.objects.create(
                    community=community,
                    type=Event.Type.WEBINAR,
                    title=f"Webinar {k}",
                    start=_tz_datetime(start, 14),
                    status=Event.Status.HELD,
                    attendee_count=count,
                )
                made.webinars[y][start.month - 1] += 1
                made.attendance[y][start.month - 1] += count
            meeting = dt.date(y, rnd.randint(1, 12), 5)
            Event.objects.create(
                community=community,
                type=Event.Type.MEETING,
                title="Core team meeting",
                start=_tz_datetime(meeting, 9),
                status=Event.Status.HELD,
                attendee_count=7,
            )
            made.attendance[y][meeting.month - 1] += 7
            Event.objects.create(
                community=community,
                type=Event.Type.WEBINAR,
                title="Cancelled webinar",
                start=_tz_datetime(dt.date(y, 6, 20), 14),
                status=Event.Status.CANCELLED,
                attendee_count=99,
            )
        if i % 2 == 0:
            CharterVersion.objects.create(
                community=community, year=year, version=1, approved_on=dt.date(year, 1, 15)
            )
        Objective.objects.create(
            community=community,
            year=year,
            title="Four webinars",
            status=Objective.Status.MET if i % 3 == 0 else Objective.Status.ON_TRACK,
        )
    Membership.objects.bulk_create(memberships)
    SpaceDay.objects.bulk_create(days)
    SpaceMonthContributor.objects.bulk_create(months)
    return made


def specs(html: bytes) -> dict[str, dict[str, Any]]:
    """The Vega-Lite specs of a page, by chart id."""
    found = re.findall(
        r'<script id="([\w-]+)-spec" type="application/json">(.*?)</script>', html.decode(), re.S
    )
    return {chart_id: json.loads(body) for chart_id, body in found}


def series(spec: dict[str, Any], value: str, key: str | None = None, equals: str = "") -> list[Any]:
    return [row[value] for row in spec["data"]["values"] if key is None or str(row[key]) == equals]
