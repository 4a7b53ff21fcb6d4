"""The programme dashboard: figures with their change on last year, charts with their
numbers, filters (also through htmx), rankings, closed years and the navigation entry.

Expected figures come from what `tests.reports_data.build_programme` wrote.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.personas import World
from tests.reports_data import Made, build_programme, series, specs
from trellis.activity.models import Space, SpaceDay
from trellis.kpis.services import kpi_year_close


def year_now() -> int:
    return timezone.localdate().year


@pytest.fixture
def made(world: World) -> Made:
    return build_programme(year=year_now(), size=14)


def test_it_shows_the_year_figures_with_the_change_on_last_year(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    year = made.year
    response = as_user("office").get("/dashboard/")
    assert response.status_code == 200
    tiles = {t.key: t for t in response.context["tiles"]}
    now = sum(n for (slug, y), n in made.messages.items() if y == year)
    before = sum(n for (slug, y), n in made.messages.items() if y == year - 1)
    assert tiles["messages"].value == f"{now:,}"
    change = now - before
    if change:
        sign = "+" if change > 0 else "\u2212"
        assert tiles["messages"].change == f"{sign}{abs(change):,} compared with {year - 1}"
    # World communities (welding, cloud) have no activity: webinars are the built ones.
    webinars = sum(made.webinars[year])
    assert tiles["webinars"].value == str(webinars)
    assert tiles["communities"].value == str(len(made.communities) + 2)
    led = sum(1 for c in made.communities) + 2  # every community has a leader
    assert tiles["has_leader_rate"].value == "100%"
    assert tiles["has_leader_rate"].detail == f"{led} of {led} communities"
    page = response.content.decode()
    for label in ("members (unique people)", "active contributors (unique people)",
                  "communities with an updated charter", "objectives met",
                  "communities with a sponsor", "attendees at events"):  # fmt: skip
        assert label in page


def test_it_draws_each_chart_with_a_title_that_states_the_question_and_its_numbers(
    made: Made, as_user
) -> None:  # type: ignore[no-untyped-def]
    year = made.year
    response = as_user("office").get("/dashboard/")
    charts = specs(response.content)
    messages = charts["messages"]
    assert messages["title"] == f"Messages per month, {year} vs {year - 1}"
    assert series(messages, "messages", "year", str(year)) == made.monthly[year]
    assert series(messages, "messages", "year", str(year - 1)) == made.monthly[year - 1]
    assert series(charts["events-webinars"], "webinars") == made.webinars[year]
    assert series(charts["events-attendance"], "attendance") == made.attendance[year]
    assert charts["stages"]["title"] == f"Communities by stage at the end of {year}"
    assert charts["members"]["title"].startswith("Members: memberships summed vs unique people")
    for chart_id, spec in charts.items():
        assert spec["encoding"]["x"].get("title"), chart_id
        assert spec["encoding"]["y"].get("title"), chart_id
    # Every chart comes with a table of its numbers.
    page = response.content.decode()
    assert page.count('class="chart"') == len(charts)
    assert page.count("Show the numbers") + page.count('class="ranking"') >= len(charts)
    # The page allows vega's expression compiler, and only because it holds charts.
    assert "'unsafe-eval'" in response["Content-Security-Policy"]
    assert "vendor/vega-bundle.js" in page


def test_it_filters_by_business_unit_tag_and_stage(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    year = made.year
    client = as_user("sponsor")
    chosen = made.in_unit()
    expected = sum(made.messages[(c.slug, year)] for c in chosen)
    assert made.unit is not None and made.tag is not None
    for query in (f"business_unit={made.unit.pk}", f"tag={made.tag.name}"):
        response = client.get(f"/dashboard/?year={year}&{query}")
        tiles = {t.key: t for t in response.context["tiles"]}
        assert tiles["communities"].value == str(len(chosen))
        assert tiles["messages"].value == f"{expected:,}"
        monthly = specs(response.content)["messages"]
        assert sum(series(monthly, "messages", "year", str(year))) == expected
        assert f"export.csv?year={year}&amp;" in response.content.decode()
    response = client.get(f"/dashboard/?year={year}&stage=dormant")
    assert b"No community counts in this year with these filters." in response.content


def test_it_refreshes_only_the_figures_for_htmx(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("leader").get(
        f"/dashboard/?year={made.year - 1}&rank=messages", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "<form" not in page
    assert f"Figures for {made.year - 1}" in page
    assert "HX-Request" in response["Vary"]
    assert specs(response.content)["messages"]["title"].startswith(
        f"Messages per month, {made.year - 1} vs {made.year - 2}"
    )


@pytest.mark.parametrize("rank_by", ["active_rate", "messages"])
def test_it_ranks_the_top_and_bottom_ten_communities(made: Made, as_user, rank_by: str) -> None:  # type: ignore[no-untyped-def]
    year = made.year
    response = as_user("office").get(f"/dashboard/?rank={rank_by}")
    top, bottom = response.context["rankings"]
    assert len(top.rows) == len(bottom.rows) == 10

    def score(slug: str) -> float:
        if rank_by == "messages":
            return made.messages.get((slug, year), 0)
        members = len(made.members[(slug, year)])
        return len(made.contributors[(slug, year)]) / members

    # welding and cloud have members and no activity: they rank with the lowest.
    scores = {c.slug: score(c.slug) for c in made.communities} | {"welding": 0, "cloud": 0}
    ordered = sorted(scores.values(), reverse=True)
    assert [scores[r["slug"]] for r in top.rows] == ordered[:10]
    assert [scores[r["slug"]] for r in bottom.rows] == sorted(scores.values())[:10]
    assert top.rows[0]["rank"] == 1 and bottom.rows[0]["rank"] == len(scores)
    charts = specs(response.content)
    assert len(charts["rank-top"]["data"]["values"]) == 10


def test_it_reads_a_closed_year_from_its_snapshot(world: World, made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    closed = made.year - 1
    kpi_year_close(actor=world.office, year=closed)
    # Activity imported after the close does not change the frozen year.
    space = Space.objects.filter(community=made.communities[0]).get()
    SpaceDay.objects.create(space=space, day=dt.date(closed, 12, 30), staff=True, posts=500)
    response = as_user("office").get(f"/dashboard/?year={closed}")
    tiles = {t.key: t for t in response.context["tiles"]}
    frozen = sum(n for (slug, y), n in made.messages.items() if y == closed)
    assert tiles["messages"].value == f"{frozen:,}"
    assert b"This year is closed" in response.content
    # The open year compares itself with the frozen figures.
    response = as_user("office").get("/dashboard/")
    now = sum(n for (slug, y), n in made.messages.items() if y == made.year)
    tiles = {t.key: t for t in response.context["tiles"]}
    assert tiles["messages"].change.endswith(f"compared with {closed}")
    assert f"{abs(now - frozen):,}" in tiles["messages"].change


def test_it_falls_back_to_the_whole_programme_on_a_bad_filter(made: Made, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").get("/dashboard/?year=1850&stage=nonsense")
    assert response.status_code == 200
    assert response.context["filters"].year == made.year
    assert b"error-summary" in response.content


@pytest.mark.parametrize(
    "persona,shown",
    [("office", True), ("sponsor", True), ("leader", True), ("other_leader", True),
     ("core", False), ("member", False), ("outsider", False)],
)  # fmt: skip
def test_it_lists_the_dashboard_in_the_navigation_for_those_allowed(
    world: World, as_user, persona: str, shown: bool
) -> None:  # type: ignore[no-untyped-def]
    page = as_user(persona).get("/").content.decode()
    nav = page[page.index('class="mainnav"') : page.index("</nav>")]
    assert ('href="/dashboard/"' in nav) is shown


def test_it_tells_the_office_which_past_years_are_computed_live(
    world: World, made: Made, as_user
) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").get("/dashboard/")
    trend = [r.year for r in response.context["data"].trend]
    assert response.context["unclosed"] == [y for y in trend if y < made.year]
    assert b"Close past years" in response.content
    kpi_year_close(actor=world.office, year=made.year - 1)
    response = as_user("office").get("/dashboard/")
    assert made.year - 1 not in response.context["unclosed"]
    # Sponsors and leaders cannot close years: no such notice for them.
    assert b"Close past years" not in as_user("sponsor").get("/dashboard/").content


def test_it_shows_a_write_at_once_although_it_keeps_the_figures_between_visits(
    world: World, made: Made, as_user
) -> None:  # type: ignore[no-untyped-def]
    office = as_user("office")

    def unique_members() -> int:
        response = office.get("/dashboard/")
        tiles = {t.key: t for t in response.context["tiles"]}
        return int(tiles["members_unique"].value.replace(",", ""))

    before = unique_members()
    assert unique_members() == before
    # Joining is an audited write: the next visit counts the newcomer.
    assert as_user("outsider").post("/communities/cloud/join/").status_code == 302
    assert unique_members() == before + 1
