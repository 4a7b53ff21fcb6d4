"""Level-2 figures in the KPIs: the published survey feeds `trellis kpis` and compute_kpis,
and a group under the anonymity threshold reads "suppressed", never a number."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.personas import World
from tests.survey_helpers import (
    IMMEDIATE_TASKS,
    add_members,
    answer,
    open_campaign,
    tokens_by_email,
)
from trellis.communities.models import Community, Stage
from trellis.kpis.selectors import SURVEY_FIELDS, compute_kpis
from trellis.surveys import services
from trellis.surveys.selectors import survey_kpis

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def kpis_json(*args: str) -> dict:  # type: ignore[type-arg]
    out = StringIO()
    call_command("kpis", "--year", str(YEAR), "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_it_reports_survey_figures_and_suppresses_small_groups(world: World) -> None:
    add_members(world.welding, 6, prefix="weld")
    add_members(world.cloud, 2, prefix="cloud")
    # A third community large enough that hiding `cloud` needs no complementary suppression.
    lean = Community.objects.create(
        name="Lean", slug="lean", stage=Stage.ACTIVE, launched=dt.date(2020, 1, 1)
    )
    add_members(lean, 7, prefix="lean")
    campaign = open_campaign(world)
    tokens = tokens_by_email()
    for email, token in tokens.items():
        answer(token, likert=4 if email.startswith("weld") else 2, nps=9)
    services.campaign_close(actor=world.office, campaign=campaign)
    services.campaign_publish(actor=world.office, campaign=campaign)

    expected = survey_kpis(YEAR)
    result = compute_kpis(YEAR)
    rows = {row["slug"]: row for row in result.communities}
    welding = expected["communities"][world.welding.pk]
    assert welding["respondents"] >= campaign.min_respondents
    assert {f: rows["welding"][f] for f in SURVEY_FIELDS} == {f: welding[f] for f in SURVEY_FIELDS}
    assert expected["communities"][world.cloud.pk] == {"suppressed": True}
    assert {rows["cloud"][f] for f in SURVEY_FIELDS} == {"suppressed"}

    data = kpis_json()
    by_slug = {row["slug"]: row for row in data["communities"]}
    assert by_slug["cloud"]["engagement_score"] == "suppressed"
    assert by_slug["welding"]["respondents"] == welding["respondents"]
    assert data["programme"]["respondents"] == expected["programme"]["respondents"]
    # Under a filter the programme's survey figures stay empty (no subtraction attack).
    assert compute_kpis(YEAR, community_ids=[world.welding.pk]).programme["respondents"] is None


def test_it_leaves_survey_figures_empty_without_a_published_survey(world: World) -> None:
    result = compute_kpis(YEAR)
    assert all(row[f] is None for row in result.communities for f in SURVEY_FIELDS)
    assert all(result.programme[f] is None for f in SURVEY_FIELDS)
