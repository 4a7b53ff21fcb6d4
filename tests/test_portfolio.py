"""The sponsor portfolio: only the sponsor's communities, with health, KPIs and approvals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.test_permissions import PERSONAS
from trellis.communities.models import CharterVersion, Community, Membership, Role, Stage
from trellis.health.models import HealthCheck
from trellis.stories.models import Status as StoryStatus
from trellis.stories.models import Story

URLS_COVERED = ["sponsor_portfolio"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_sponsors_have_a_portfolio(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)
    before = db_fingerprint()
    response = client.get(reverse("sponsor_portfolio"))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona == "sponsor":
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    assert db_fingerprint() == before


def story(title: str, community: Community, status: str) -> Story:
    s = Story.objects.create(
        title=title,
        summary="s",
        context="c",
        community_action="a",
        year=2026,
        status=status,
        published_on=dt.date(2026, 3, 1) if status == StoryStatus.PUBLISHED else None,
    )
    s.communities.add(community)
    return s


def sponsor_also(world: World, slug: str) -> Community:
    community = Community.objects.create(
        name=slug.title(), slug=slug, stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
    )
    Membership.objects.create(
        person=world.sponsor.person,  # type: ignore[attr-defined]
        community=community,
        role=Role.SPONSOR,
        joined=dt.date(2022, 1, 1),
    )
    return community


def test_the_portfolio_shows_only_the_sponsors_communities(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    sponsor_also(world, "forging")
    CharterVersion.objects.create(community=world.welding, year=2026, version=1, purpose="x")
    CharterVersion.objects.create(community=world.cloud, year=2026, version=1, purpose="y")
    HealthCheck.objects.create(community=world.welding, answers={"no_sponsor": 2})
    story("Welding saves a week", world.welding, StoryStatus.VALIDATED)
    story("Welding in the news", world.welding, StoryStatus.PUBLISHED)
    story("Cloud secret", world.cloud, StoryStatus.PUBLISHED)
    story("Cloud to approve", world.cloud, StoryStatus.VALIDATED)

    response = as_user("sponsor").get("/portfolio/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.community.slug for row in rows] == ["forging", "welding"]
    welding = rows[1]
    assert welding.health.status == "red"
    assert welding.kpis["members"] == 4  # sponsor, leader, core team, member
    body = response.content.decode()
    assert "Charter of Welding, 2026 (version 1)" in body
    assert "Welding saves a week" in body
    assert "Welding in the news" in body
    for hidden in ("Cloud security", "Cloud secret", "Cloud to approve"):
        assert hidden not in body


def test_a_former_sponsor_has_no_portfolio(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Membership.objects.filter(person__user=world.sponsor).update(left=dt.date(2026, 1, 1))
    assert as_user("sponsor").get("/portfolio/").status_code == 403


def test_the_home_page_links_sponsors_to_their_portfolio(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/portfolio/"' in as_user("sponsor").get("/").content.decode()
    assert 'href="/portfolio/"' not in as_user("leader").get("/").content.decode()


def test_the_portfolio_runs_a_fixed_number_of_queries(
    world: World, as_user, django_assert_num_queries, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("sponsor")
    client.get("/portfolio/")
    with django_assert_max_num_queries(80) as small:
        client.get("/portfolio/")
    for i in range(15):
        c = sponsor_also(world, f"extra{i}")
        CharterVersion.objects.create(community=c, year=2026, version=1)
        HealthCheck.objects.create(community=c, answers={"wrong_tool": 2})
        story(f"Story {i}", c, StoryStatus.PUBLISHED)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/portfolio/")
    assert len(response.context["rows"]) == 16
