"""The respondent's side in a real browser: a phone-size screen, in French, keyboard only;
and a leader who sees the community's results only once the threshold is met."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from tests.survey_helpers import (
    IMMEDIATE_TASKS,
    add_members,
    answer,
    open_campaign,
    tokens_by_email,
)
from trellis.surveys import services
from trellis.surveys.models import Invitation, Response

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


def test_it_lets_a_member_answer_on_a_phone_in_french(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    person = world.member.person
    person.language = "fr"
    person.save()
    open_campaign(world)
    token = tokens_by_email()["member@example.com"]
    page: Page = new_page(locale="fr-FR", width=360, height=740)
    page.goto(f"/survey/r/?t={token}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Every scale is a fieldset with its legend; answer with the keyboard only.
    fieldsets = page.locator("fieldset")
    for i in range(fieldsets.count()):
        group = fieldsets.nth(i)
        legend = group.locator("legend").inner_text()
        assert legend.strip()
        radios = group.get_by_role("radio")
        if radios.count():
            radios.nth(radios.count() - 1).focus()
            page.keyboard.press("Space")
            expect(radios.nth(radios.count() - 1)).to_be_checked()
        else:
            group.get_by_role("checkbox").first.check()
    page.get_by_label(re.compile("Environ combien d'heures")).fill("4")
    page.get_by_role("button").last.focus()
    with translation.override("fr"):
        page.locator("button[type=submit]").last.press("Enter")
    expect(page.locator("[data-survey-sent]")).to_be_visible()
    assert Invitation.objects.get(person=person).responded
    assert Response.objects.filter(community=world.welding).count() == 1
    # The link is used up.
    page.goto(f"/survey/r/?t={token}")
    expect(page.get_by_role("status")).to_be_visible()


def test_it_shows_a_leader_the_results_only_above_the_threshold(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    add_members(world.cloud, 5, prefix="cloudy")
    campaign = open_campaign(world)
    tokens = tokens_by_email()
    for email in [
        "sponsor@example.com",
        "leader@example.com",
        "core@example.com",
        "member@example.com",
    ]:
        answer(tokens[email])
    for email in [e for e in tokens if e.startswith("cloudy")]:
        answer(tokens[email])
    services.campaign_close(actor=world.office, campaign=campaign)
    services.campaign_publish(actor=world.office, campaign=campaign)
    page = new_page()
    log_in(page, "leader")
    page.goto(f"/survey/campaigns/{campaign.pk}/communities/welding/")
    expect(page.get_by_text("fewer than 5 respondents")).to_be_visible()
    expect(page.get_by_text("Engagement (1–5)")).to_have_count(0)

    # A second campaign where welding reaches 5 respondents.
    add_members(world.welding, 1, prefix="weld")
    from django.core import mail

    mail.outbox.clear()
    second = open_campaign(world)
    for token in tokens_by_email().values():
        answer(token)
    services.campaign_close(actor=world.office, campaign=second)
    services.campaign_publish(actor=world.office, campaign=second)
    page.goto(f"/survey/campaigns/{second.pk}/communities/welding/")
    expect(page.get_by_text("Engagement (1–5)")).to_be_visible()
    expect(page.get_by_text("fewer than 5 respondents")).to_have_count(0)
