"""Who may open each survey URL (guide/quality.md promise 2), persona by persona.

URL names covered here: survey_home, survey_respond, survey_templates, survey_template,
survey_question_edit, survey_campaigns, survey_campaign, survey_campaign_action,
survey_results, survey_results_csv, survey_community_results, survey_community_pdf.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.survey_helpers import (
    IMMEDIATE_TASKS,
    add_members,
    answer,
    open_campaign,
    tokens_by_email,
)
from trellis.surveys import services
from trellis.surveys.models import Campaign

PERSONAS = [
    "anonymous",
    "outsider",
    "member",
    "core",
    "leader",
    "sponsor",
    "other_leader",
    "office",
]
ALL_USERS = set(PERSONAS) - {"anonymous"}
OFFICE = {"office"}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


def _published(world: World) -> Campaign:
    campaign = open_campaign(world)
    for token in tokens_by_email().values():
        answer(token)
    services.campaign_close(actor=world.office, campaign=campaign)
    return services.campaign_publish(actor=world.office, campaign=campaign)


# name -> (method, path builder, allowed personas, is_write)
Case = tuple[str, Callable[[World], str], set[str], bool]
CASES: dict[str, Case] = {
    "survey_home": ("get", lambda w: "/survey/", ALL_USERS, False),
    "survey_templates": ("get", lambda w: "/survey/templates/", OFFICE, False),
    "survey_template": (
        "get",
        lambda w: f"/survey/templates/{services.template_create_default(actor=None)[0].pk}/",
        OFFICE,
        False,
    ),
    "survey_question_edit": (
        "get",
        lambda w: (
            "/survey/questions/"
            f"{services.template_create_default(actor=None)[0].questions.first().pk}/edit/"
        ),  # type: ignore[union-attr]
        OFFICE,
        False,
    ),
    "survey_campaigns": ("get", lambda w: "/survey/campaigns/", OFFICE, False),
    "survey_campaign": (
        "get",
        lambda w: f"/survey/campaigns/{open_campaign(w).pk}/",
        OFFICE,
        False,
    ),
    "survey_campaign_action": (
        "post",
        lambda w: f"/survey/campaigns/{open_campaign(w).pk}/do/close/",
        OFFICE,
        True,
    ),
    "survey_results": (
        "get",
        lambda w: f"/survey/campaigns/{_published(w).pk}/results/",
        OFFICE,
        False,
    ),
    "survey_results_csv": (
        "get",
        lambda w: f"/survey/campaigns/{_published(w).pk}/results.csv",
        OFFICE,
        False,
    ),
    # The leader of welding reads its results once published (5 respondents: threshold met).
    "survey_community_results": (
        "get",
        lambda w: f"/survey/campaigns/{_published(w).pk}/communities/welding/",
        {"office", "leader"},
        False,
    ),
    "survey_community_pdf": (
        "get",
        lambda w: f"/survey/campaigns/{_published(w).pk}/communities/welding/summary.pdf",
        {"office", "leader"},
        False,
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_and_denies(name: str, persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    method, build, allowed, is_write = CASES[name]
    if name in ("survey_community_results", "survey_community_pdf"):
        # Welding and cloud reach the threshold of 5 (with cloud hidden, complementary
        # suppression would hide welding too).
        add_members(world.welding, 1, prefix="extra")
        add_members(world.cloud, 4, prefix="cloudy")
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200), response.content[:300]
        if is_write:
            assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_anyone_reach_the_respondent_form_only_with_a_token(
    persona: str, world: World, as_user
) -> None:  # type: ignore[no-untyped-def]
    open_campaign(world)
    client = as_user(persona)
    assert client.get("/survey/r/").status_code == 404
    token = tokens_by_email()["member@example.com"]
    assert client.get("/survey/r/", {"t": token}).status_code == 200
    before = db_fingerprint()
    assert client.post("/survey/r/", {"token": "forged"}).status_code == 404
    assert db_fingerprint() == before


def test_it_hides_a_community_below_threshold_from_its_leader(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = _published(world)  # welding: 4 respondents, under the threshold of 5
    page = as_user("leader").get(f"/survey/campaigns/{campaign.pk}/communities/welding/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "fewer than 5 respondents" in body
    assert page.context["figures"] == []
    assert page.context["questions"] == []
    pdf = as_user("leader").get(f"/survey/campaigns/{campaign.pk}/communities/welding/summary.pdf")
    assert pdf.status_code == 200  # a PDF saying nothing but the lock


def test_it_shows_no_results_to_leaders_before_publication(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    campaign = open_campaign(world)
    for token in tokens_by_email().values():
        answer(token)
    services.campaign_close(actor=world.office, campaign=campaign)
    path = f"/survey/campaigns/{campaign.pk}/communities/welding/"
    assert as_user("leader").get(path).status_code == 403
    assert as_user("office").get(path).status_code == 200
