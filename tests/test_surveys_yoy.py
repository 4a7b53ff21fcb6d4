"""The office's results page compares the programme's figures with the last published year."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management import call_command
from django.urls import reverse
from django.utils.formats import number_format

from tests.personas import World
from trellis.surveys import services
from trellis.surveys.models import Campaign
from trellis.surveys.selectors import survey_kpis

HEADER = "community,engaged,solve_faster,nps,channels,comment,programme_useful\n"


def _published(world: World, tmp_path, year: int, rows: int, seed: int) -> Campaign:  # type: ignore[no-untyped-def]
    template, _c = services.template_create_default(actor=None)
    campaign = services.campaign_create(
        actor=world.office,
        year=year,
        title=f"Pulse {year}",
        template=template,
        opens_on=dt.date(year, 1, 1),
        closes_on=dt.date(year, 1, 31),
        external=True,
    )
    services.campaign_open(actor=world.office, campaign=campaign)
    draw = random.Random(seed)
    lines = [
        f"welding,{draw.randint(1, 5)},{draw.randint(1, 5)},{draw.randint(0, 10)},,,"
        f"{draw.randint(1, 5)}"
        for _ in range(rows)
    ]
    path = tmp_path / f"results-{year}.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    call_command("import-survey-results", str(path), campaign=campaign.pk)
    campaign.refresh_from_db()
    services.campaign_close(actor=world.office, campaign=campaign)
    services.campaign_publish(actor=world.office, campaign=campaign)
    return campaign


def _row(page: str, group_marker: str, label: str) -> str:
    table = page[page.index('<table class="yoy">') :]
    table = table[: table.index("</table>")]
    start = table.index(group_marker)
    row_start = table.index(f'<th scope="row">{label}</th>', start)
    return table[row_start : table.index("</tr>", row_start)]


def test_it_shows_the_programme_figures_beside_last_years(world: World, as_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _published(world, tmp_path, 2025, rows=6, seed=1)
    current = _published(world, tmp_path, 2026, rows=8, seed=2)
    page = as_user("office").get(reverse("survey_results", args=[current.pk])).content.decode()
    assert "Compared with 2025" in page
    now, before = survey_kpis(2026)["programme"], survey_kpis(2025)["programme"]
    for key, label in [("engagement_score", "Engagement (1–5)"), ("nps", "Net promoter score")]:
        row = _row(page, "All communities (pooled)", label)
        assert number_format(now[key]) in row and number_format(before[key]) in row
        delta = round(now[key] - before[key], 2)
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        assert sign + number_format(abs(delta)) in row
    respondents = _row(page, "All respondents (about the programme)", "Respondents")
    assert ">8<" in respondents and ">6<" in respondents and "+2" in respondents


def test_it_keeps_a_suppressed_year_suppressed(world: World, as_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _published(world, tmp_path, 2025, rows=3, seed=3)
    current = _published(world, tmp_path, 2026, rows=7, seed=4)
    page = as_user("office").get(reverse("survey_results", args=[current.pk])).content.decode()
    row = _row(page, "All communities (pooled)", "Engagement (1–5)")
    assert "fewer than 5 respondents" in row
    assert number_format(survey_kpis(2026)["programme"]["engagement_score"]) in row


def test_it_has_no_comparison_without_an_earlier_published_year(
    world: World, as_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    current = _published(world, tmp_path, 2026, rows=6, seed=5)
    page = as_user("office").get(reverse("survey_results", args=[current.pk])).content.decode()
    assert "Compared with" not in page
