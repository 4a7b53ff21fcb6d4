"""The award pages run a fixed number of queries whatever the number of nominees,
nominations, votes and winners (quality.md promise 13)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.personas import World
from tests.test_recognition import Setup, make_setup
from trellis.communities.models import Membership, Role
from trellis.people.models import Person
from trellis.recognition import services

URLS_COVERED: list[str] = []  # see test_recognition_permissions.py
_serial = itertools.count()


def grow(world: World, setup: Setup, n: int) -> None:
    """n more people of the programme, each nominated (twice) with a criterion to compute."""
    for _ in range(n):
        i = next(_serial)
        person = Person.objects.create(name=f"Nominee {i}", email=f"nominee{i}@example.com")
        Membership.objects.create(
            person=person, community=world.cloud, role=Role.MEMBER, joined=dt.date(2022, 1, 1)
        )
        for user in (world.member, world.core):
            services.nomination_create(
                actor=user,
                nominator=user.person,  # type: ignore[attr-defined]
                category=setup.people,
                person=person,
                justification=f"Helped {i} colleagues.",
            )


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def _pages(setup: Setup) -> list[tuple[str, str]]:
    return [
        ("office", f"/programme/awards/categories/{setup.people.pk}/jury/"),
        ("office", f"/programme/awards/{setup.campaign.pk}/"),
        ("office", "/programme/awards/"),
        ("member", f"/awards/{setup.campaign.pk}/"),
        ("member", "/awards/"),
    ]


def test_the_pages_do_not_grow_with_nominations(
    world: World, as_user: Callable[[str], Client]
) -> None:
    setup = make_setup(world, "nominations")
    services.criterion_create(
        actor=world.office,
        category=setup.people,
        source="kpi",
        metric="active_contributors",
        operator="gte",
        threshold=Decimal(0),
    )
    clients = {name: as_user(name) for name in ("office", "member")}
    grow(world, setup, 2)
    small = [_count(clients[who], path) for who, path in _pages(setup)]
    grow(world, setup, 12)
    large = [_count(clients[who], path) for who, path in _pages(setup)]
    assert small == large, list(zip(_pages(setup), small, large, strict=True))


def test_the_winners_blocks_do_not_grow_with_awards(
    world: World, as_user: Callable[[str], Client]
) -> None:
    client = as_user("outsider")
    person_page = f"/people/{world.leader.person.pk}/"  # type: ignore[attr-defined]
    counts = []
    for _ in range(2):
        # Each round publishes one more campaign that the leader and welding win.
        setup = make_setup(world, "jury")
        services.winner_set(
            actor=world.office,
            candidate=setup.community_candidate,  # type: ignore[arg-type]
            is_winner=True,
        )
        services.winner_set(
            actor=world.office,
            candidate=setup.leader_candidate,  # type: ignore[arg-type]
            is_winner=True,
        )
        services.campaign_advance(actor=world.office, campaign=setup.campaign, to="published")
        setup.campaign.__class__.objects.filter(pk=setup.campaign.pk).update(
            name=f"Community awards {next(_serial)}"
        )
        counts.append(
            (
                _count(client, person_page),
                _count(client, "/communities/welding/"),
                _count(client, f"/awards/{setup.campaign.pk}/"),
            )
        )
    assert counts[0] == counts[1]
    assert client.get(person_page).content.decode().count("Leader of the year") == 2
