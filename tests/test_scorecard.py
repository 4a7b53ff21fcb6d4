"""A community's scorecard: the dashboard's figures for one community, its trends over the
last three years, its charts with their numbers, and a page sponsors can print.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.personas import World
from tests.reports_data import Made, build_programme, series, specs
from trellis.communities.models import Community, Stage


@pytest.fixture
def made(world: World) -> Made:
    return build_programme(year=timezone.localdate().year, size=3)


def test_it_shows_the_community_figures_with_the_change_on_last_year(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    community, year = made.communities[1], made.year
    response = as_user("outsider").get(f"/communities/{community.slug}/scorecard/")
    assert response.status_code == 200
    tiles = {t.key: t for t in response.context["tiles"]}
    now, before = made.messages[(community.slug, year)], made.messages[(community.slug, year - 1)]
    assert tiles["messages"].value == f"{now:,}"
    if now != before:
        assert tiles["messages"].trend == ("up" if now > before else "down")
    assert tiles["members"].value == str(len(made.members[(community.slug, year)]))
    assert tiles["active_contributors"].value == str(len(made.contributors[(community.slug, year)]))
    assert tiles["has_leader"].value == "Yes"
    page = response.content.decode()
    assert f"Scorecard {year}" in page
    assert 'aria-current="page">Scorecard</a>' in page


def test_it_draws_the_community_charts_from_its_own_activity(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    community, year = made.communities[2], made.year
    response = as_user("member").get(f"/communities/{community.slug}/scorecard/?year={year}")
    charts = specs(response.content)
    assert (
        sum(series(charts["messages"], "messages", "year", str(year)))
        == made.messages[(community.slug, year)]
    )
    webinars = sum(series(charts["events-webinars"], "webinars"))
    assert webinars == 2  # the built community's two held webinars; the cancelled one not
    people = charts["people"]
    assert people["title"] == f"Members and active contributors, {year - 2}–{year}"
    assert "'unsafe-eval'" in response["Content-Security-Policy"]


def test_it_lists_three_years_of_figures(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    community, year = made.communities[0], made.year
    response = as_user("member").get(f"/communities/{community.slug}/scorecard/")
    table = response.context["trend_table"]
    assert table["headers"][1:4] == [str(year - 2), str(year - 1), str(year)]
    rows = {row[0]: row[1:] for row in table["rows"]}
    messages = rows["ESN messages"]
    # Launched two years ago with no activity then, then the built years.
    assert messages[:3] == [
        "0",
        f"{made.messages[(community.slug, year - 1)]:,}",
        f"{made.messages[(community.slug, year)]:,}",
    ]


def test_it_says_when_a_community_does_not_count_in_the_year(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    Community.objects.create(name="Hydrogen", slug="hydrogen", stage=Stage.PROPOSED)
    response = as_user("member").get("/communities/hydrogen/scorecard/")
    assert response.status_code == 200
    assert b"does not count in the figures of" in response.content
    assert response.context["tiles"] == []


def test_it_shows_an_earlier_year_and_ignores_a_year_without_figures(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    slug = made.communities[0].slug
    response = as_user("member").get(f"/communities/{slug}/scorecard/?year={made.year - 1}")
    assert response.context["data"].year == made.year - 1
    response = as_user("member").get(f"/communities/{slug}/scorecard/?year=1999")
    assert response.context["data"].year == made.year


def test_it_prints_without_navigation_and_with_its_charts(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("sponsor").get(f"/communities/{made.communities[0].slug}/scorecard/")
    assert b'href="/static/trellis/print.css" media="print"' in response.content
    from django.contrib.staticfiles import finders

    path = finders.find("trellis/print.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        rules = css.read()
    for selector in (".topbar", ".tabs", "form", ".chart-grid", ".chart-canvas svg"):
        assert selector in rules
