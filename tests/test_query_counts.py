"""The main pages run a fixed number of queries whatever the size of the data (promise 13).

Each page is measured for each persona on the personas' world with a little more data, then
again after the world has grown to ten times that: more communities, members, tags,
objectives, charter versions, stage changes, ESN spaces, sponsorships and memberships of the
personas. A page whose count grows with the data runs a query per row somewhere.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    Role,
    SpaceLink,
    Stage,
    StageChange,
    Tag,
)
from trellis.people.models import BusinessUnit, Person

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/communities/",
    "/communities/?stage=active&sort=-members",
    "/communities/welding/",
    "/communities/welding/members/",
    "/communities/welding/charter/",
]
PERSONAS = ["office", "sponsor", "leader", "member", "outsider"]
_serial = itertools.count()


def grow(world, factor: int) -> None:
    """Add `factor` units of data around the personas' world."""
    year = timezone.localdate().year
    start = next(_serial) * 100_000
    unit = BusinessUnit.objects.create(name=f"Unit {start}")
    people = Person.objects.bulk_create(
        Person(name=f"Person {start + i}", email=f"p{start + i}@example.com", business_unit=unit)
        for i in range(60 * factor)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"tag {start + i}") for i in range(4 * factor))
    communities = Community.objects.bulk_create(
        Community(
            name=f"Community {start + i}",
            slug=f"community-{start + i}",
            purpose="A community that makes the world bigger.",
            stage=Stage.ACTIVE if i % 3 else Stage.DORMANT,
            launched=dt.date(2021, 1, 1),
            languages="en|fr",
        )
        for i in range(3 * factor)
    )
    welding = world.welding
    tag_links = Community.tags.through
    tag_links.objects.bulk_create(
        tag_links(community_id=c.pk, tag_id=t.pk) for c in [*communities, welding] for t in tags
    )
    units = Community.business_units.through
    units.objects.bulk_create(
        units(community_id=c.pk, businessunit_id=unit.pk) for c in [*communities, welding]
    )
    memberships = []
    for n, community in enumerate(communities):
        members = people[(n * 10) % len(people) :][:10]
        memberships += [
            Membership(person=p, community=community, role=Role.MEMBER, joined=dt.date(2022, 1, 1))
            for p in members[2:]
        ]
        memberships.append(
            Membership(
                person=members[0], community=community, role=Role.LEADER, joined=dt.date(2021, 1, 1)
            )
        )
        sponsor = world.sponsor.person if n < factor else members[1]
        memberships.append(
            Membership(
                person=sponsor, community=community, role=Role.SPONSOR, joined=dt.date(2021, 1, 1)
            )
        )
        if n < factor:
            memberships.append(
                Membership(
                    person=world.member.person,
                    community=community,
                    role=Role.MEMBER,
                    joined=dt.date(2023, 1, 1),
                )
            )
    memberships += [
        Membership(person=p, community=welding, role=Role.MEMBER, joined=dt.date(2023, 1, 1))
        for p in people[: 20 * factor]
    ]
    memberships += [
        Membership(
            person=p,
            community=welding,
            role=Role.MEMBER,
            joined=dt.date(2022, 1, 1),
            left=dt.date(2023, 1, 1),
        )
        for p in people[20 * factor : 25 * factor]
    ]
    Membership.objects.bulk_create(memberships)
    last = CharterVersion.objects.filter(community=welding, year=year).count()
    CharterVersion.objects.bulk_create(
        [
            CharterVersion(
                community=welding,
                year=year,
                version=last + v + 1,
                purpose=f"Purpose {v}",
                approved_by=world.sponsor.person if v % 2 else None,
                approved_on=dt.date(year, 1, 2) if v % 2 else None,
            )
            for v in range(2 * factor)
        ]
        + [
            CharterVersion(community=c, year=year, version=1, purpose="Waiting for approval")
            for c in communities
        ]
    )
    Objective.objects.bulk_create(
        Objective(community=c, year=year - (i % 2), title=f"Objective {i}", target=str(i))
        for c in [*communities, welding]
        for i in range(3 * factor)
    )
    StageChange.objects.bulk_create(
        StageChange(community=welding, stage=Stage.ACTIVE, on=dt.date(2021, 1, 1), note=f"note {i}")
        for i in range(factor)
    )
    SpaceLink.objects.bulk_create(
        SpaceLink(source=SpaceLink.Source.SLACK, space=f"#space-{start + i}", community=welding)
        for i in range(factor)
    )


def query_counts(as_user) -> dict[tuple[str, str], int]:
    counts = {}
    for persona in PERSONAS:
        client = as_user(persona)
        for url in PAGES:
            client.get(url)  # first request: lazily created rows, session refresh
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (persona, url)
            counts[persona, url] = len(queries)
    return counts


def test_it_runs_the_same_queries_on_a_world_ten_times_bigger(world, as_user):
    grow(world, 1)
    small = query_counts(as_user)
    communities, memberships = Community.objects.count(), Membership.objects.count()
    grow(world, 9)
    assert Community.objects.count() > 5 * communities  # the world did grow
    assert Membership.objects.count() > 5 * memberships
    big = query_counts(as_user)
    grown = {page: (small[page], big[page]) for page in small if small[page] != big[page]}
    assert not grown, f"query counts that grew with the data (small, 10x): {grown}"


def test_it_shows_the_bigger_world_on_the_pages(world, as_user):
    # Guards the test above: the pages measured really do show the added rows.
    grow(world, 10)
    catalogue = as_user("office").get("/communities/").content.decode()
    assert "Community " in catalogue
    members = as_user("office").get("/communities/welding/members/").content.decode()
    assert members.count("/people/") >= 50
    home = as_user("sponsor").get("/").content.decode()
    assert home.count("/charter/") >= 10
