"""Load a raw programme (tests/kpi_oracle.py) into Trellis, the way production data arrives.

Directory, communities, memberships, charters and objectives are written as rows; ESN
activity is written as what the importer keeps (spaces, authors, aliases, compact messages)
and the rollups are then built from those messages by `build_rollups`.

`build_rollups` stands in for the activity importer's rollup step until the importer lands
(trellis/activity/services.py); it resolves authors and derives rollups from the stored
rows only, the way the importer does: e-mail (case-insensitive), then alias map.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from tests.kpi_oracle import RawProgramme
from trellis.activity.models import (
    AuthorAlias,
    EsnAuthor,
    Event,
    Message,
    Space,
    SpaceDay,
    SpaceMonthContributor,
)
from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    StageChange,
    Tag,
)
from trellis.core.models import ProgrammeSettings
from trellis.people.models import BusinessUnit, Person


@dataclass
class Loaded:
    people: dict[int, int] = field(default_factory=dict)  # raw id -> Person pk
    communities: dict[int, int] = field(default_factory=dict)
    business_units: dict[int, int] = field(default_factory=dict)


def load_programme(raw: RawProgramme) -> Loaded:
    ids = Loaded()
    ProgrammeSettings.objects.update_or_create(
        pk=1,
        defaults={
            "exclude_staff_from_activity": raw.exclude_staff,
            "charter_approval_required": raw.approval_required,
        },
    )
    for key, name in raw.business_units.items():
        ids.business_units[key] = BusinessUnit.objects.get_or_create(name=name)[0].pk
    for p in raw.people:
        ids.people[p.id] = Person.objects.create(
            name=p.name, email=p.email, is_programme_staff=p.staff
        ).pk
    for c in raw.communities:
        community = Community.objects.create(
            name=c.name, slug=c.slug, stage=c.stage, launched=c.launched, closed=c.closed
        )
        ids.communities[c.id] = community.pk
        community.business_units.set([ids.business_units[b] for b in c.business_units])
        community.tags.set([Tag.objects.get_or_create(name=t)[0] for t in c.tags])
        for on, stage in c.history:  # in order: the last of a day is the latest row
            StageChange.objects.create(community=community, stage=stage, on=on)
    Membership.objects.bulk_create(
        Membership(
            person_id=ids.people[m.person],
            community_id=ids.communities[m.community],
            role=m.role,
            joined=m.joined,
            left=m.left,
        )
        for m in raw.memberships
    )
    for v in raw.charters:
        pk = CharterVersion.objects.create(
            community_id=ids.communities[v.community],
            year=v.year,
            version=v.version,
            approved_on=v.approved_on,
        ).pk
        CharterVersion.objects.filter(pk=pk).update(created_at=v.created_at)
    Objective.objects.bulk_create(
        Objective(
            community_id=ids.communities[o.community], year=o.year, title=o.title, status=o.status
        )
        for o in raw.objectives
    )
    spaces = {}
    for s in raw.spaces:
        spaces[(s.source, s.external_id)] = Space.objects.create(
            source=s.source,
            external_id=s.external_id,
            name=s.external_id,
            community_id=ids.communities[s.community] if s.community is not None else None,
        )
    for alias in raw.aliases:
        AuthorAlias.objects.create(
            source=alias.source, key=alias.key, person_id=ids.people[alias.person]
        )
    authors = {}
    for a in raw.authors:
        authors[(a.source, a.external_id)] = EsnAuthor.objects.create(
            source=a.source, external_id=a.external_id, email=a.email, name=a.external_id
        )
    Message.objects.bulk_create(
        Message(
            source=m.source,
            external_id=m.id,
            space=spaces[(m.source, m.space)],
            author=authors[(m.source, m.author)],
            created_at=m.created_at,
            day=timezone.localtime(m.created_at).date(),
            is_post=m.is_post,
            reactions=m.reactions,
            counted=not (m.deleted or m.private or m.system),
        )
        for m in raw.messages
    )
    build_rollups()
    for e in raw.events:
        event = Event.objects.create(
            community_id=ids.communities[e.community],
            type=e.type,
            title=e.title,
            start=e.start,
            end=e.start + dt.timedelta(hours=1),
            status=e.status,
            attendee_count=e.attendee_count,
        )
        event.attendees.set([ids.people[p] for p in e.attendees])
    return ids


def _resolve_authors() -> None:
    by_email = {email: pk for pk, email in Person.objects.values_list("pk", Lower("email"))}
    for author in EsnAuthor.objects.filter(person__isnull=True):
        email = author.email.strip().lower()
        person = by_email.get(email) if email else None
        if person is None:
            keys = [author.external_id, *([email] if email else [])]
            alias = (
                AuthorAlias.objects.filter(key__in=keys)
                .filter(Q(source="") | Q(source=author.source))
                .first()
            )
            person = alias.person_id if alias else None
        if person is not None:
            author.person_id = person
            author.save(update_fields=["person"])


def build_rollups() -> None:
    """Rebuild SpaceDay and SpaceMonthContributor from the counted messages."""
    _resolve_authors()
    SpaceDay.objects.all().delete()
    SpaceMonthContributor.objects.all().delete()
    days: dict[tuple[int, dt.date, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    months: dict[tuple[int, dt.date, int], bool] = {}
    for m in Message.objects.filter(counted=True).select_related("author__person"):
        day = timezone.localtime(m.created_at).date()
        author = m.author
        assert author is not None
        staff = bool(author.person and author.person.is_programme_staff)
        sums = days[(m.space_id, day, staff)]
        sums[0 if m.is_post else 1] += 1
        sums[2] += m.reactions
        months[(m.space_id, day.replace(day=1), author.contributor_key)] = staff
    SpaceDay.objects.bulk_create(
        SpaceDay(space_id=s, day=d, staff=st, posts=p, replies=r, reactions=x)
        for (s, d, st), (p, r, x) in days.items()
    )
    SpaceMonthContributor.objects.bulk_create(
        SpaceMonthContributor(space_id=s, month=mo, contributor=c, staff=st)
        for (s, mo, c), st in months.items()
    )
