"""letters_signed_rate against an independent count (hypothesis), through a closed year, and
the letters list at a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.personas import World
from tests.test_letters import YEAR, managers, signed
from trellis.communities.models import Membership
from trellis.kpis.selectors import compute_kpis
from trellis.kpis.services import kpi_year_close
from trellis.people.models import Person
from trellis.programme.models import EngagementLetter
from trellis.programme.selectors import letters_signed

Y = 2025
END = dt.date(Y, 12, 31)
ROLES = ["leader", "co-leader", "core team", "member", "sponsor"]
DAYS = st.integers(min_value=-400, max_value=400).map(lambda d: END + dt.timedelta(days=d))

membership = st.tuples(
    st.integers(0, 3),  # person
    st.integers(0, 1),  # community
    st.sampled_from(ROLES),
    DAYS,  # joined
    st.one_of(st.none(), DAYS),  # left
)
letter = st.tuples(
    st.integers(0, 3),
    st.integers(0, 1),
    DAYS,  # start
    st.integers(0, 500),  # length in days
    st.one_of(st.none(), DAYS),  # signed on
    st.sampled_from(list(EngagementLetter.Status.values)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(membership, max_size=8), st.lists(letter, max_size=8))
def test_letters_signed_counts_holders_and_signed_letters(world: World, members, letters) -> None:  # type: ignore[no-untyped-def]
    EngagementLetter.objects.all().delete()
    Membership.objects.filter(person__email__startswith="p").delete()
    people = [
        Person.objects.get_or_create(email=f"p{i}@example.com", defaults={"name": f"P{i}"})[0]
        for i in range(4)
    ]
    communities = [world.welding, world.cloud]
    kept: list[tuple[int, int, str, dt.date, dt.date | None]] = []
    active: set[tuple[int, int]] = set()
    for p, c, role, joined, left in members:
        if left is not None and left < joined:
            left = None
        # At most one active membership per person and community (the model's constraint).
        if left is None and (p, c) in active:
            continue
        if left is None:
            active.add((p, c))
        Membership.objects.create(
            person=people[p], community=communities[c], role=role, joined=joined, left=left
        )
        kept.append((p, c, role, joined, left))
    for p, c, start, length, signed_on, status in letters:
        EngagementLetter.objects.create(
            person=people[p],
            community=communities[c],
            manager=world.office.person,
            time_amount=Decimal(10),
            start=start,
            end=start + dt.timedelta(days=length),
            objectives="x",
            status=status,
            signed_at=dt.datetime.combine(signed_on, dt.time(12), tzinfo=dt.UTC)
            if signed_on
            else None,
        )
    got = letters_signed(Y)
    for c, community in enumerate(communities):
        holders = {
            p
            for p, cc, role, joined, left in kept
            if cc == c
            and role in ("leader", "co-leader", "core team")
            and joined <= END
            and (left is None or left > END)
        }
        ok = {
            p
            for p, cc, start, length, signed_on, _s in letters
            if cc == c
            and p in holders
            and signed_on is not None
            and signed_on <= END
            and start <= END <= start + dt.timedelta(days=length)
        }
        base = {"welding": 2, "cloud": 1}[community.slug]  # the personas' leader and core team
        expected = (len(holders) + base, len(ok))
        assert got.get(community.pk, (0, 0)) == expected


def test_a_closed_year_keeps_its_letters_figures(world: World) -> None:
    last = YEAR - 1
    letter = signed(world, start=dt.date(last, 1, 1), end=dt.date(last, 12, 31))
    EngagementLetter.objects.filter(pk=letter.pk).update(
        signed_at=dt.datetime(last, 2, 1, 9, tzinfo=dt.UTC)
    )
    live = compute_kpis(last, live=True)
    kpi_year_close(actor=world.office, year=last)
    # Letters changing afterwards do not change the closed year.
    EngagementLetter.objects.all().delete()
    closed = compute_kpis(last)
    assert closed.closed
    for name in ("letter_holders", "letters_signed", "letters_signed_rate"):
        assert closed.programme[name] == live.programme[name]
    assert closed.programme["letters_signed"] == 1
    assert closed.community("welding")["letters_signed_rate"] == 0.5  # type: ignore[index]


def _queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_letters_list_runs_a_fixed_number_of_queries(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    managers(world)
    signed(world)
    small = _queries(client, "/letters/")
    lea = world.leader.person
    for i in range(1, 21):
        EngagementLetter.objects.create(
            person=lea,
            community=world.welding,
            manager=lea.manager,
            time_amount=Decimal(5),
            start=dt.date(2000 + i, 1, 1),
            end=dt.date(2000 + i, 12, 31),
            objectives="x",
        )
    assert _queries(client, "/letters/") == small
