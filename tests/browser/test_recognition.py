"""An award campaign in a real browser: a member nominates and votes on a phone, the office
chooses the winner and publishes, and any employee sees the label on the community page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from tests.test_recognition import make_setup
from trellis.recognition.models import Ballot, Candidate, Nomination, VoterRoll

pytestmark = pytest.mark.browser


def test_a_label_goes_from_nomination_to_the_community_page(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    setup = make_setup(world, "nominations")
    campaign_path = f"/awards/{setup.campaign.pk}/"

    # A member of the cloud community nominates it, on a phone.
    phone: Page = new_page(width=360, height=740)
    log_in(phone, "other_leader")
    phone.goto(campaign_path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("link", name="Nominate").first.click()
    phone.get_by_label("Community").select_option(label="Cloud security")
    phone.get_by_label("Why do you nominate them?").fill("<b>Monthly</b> security clinics.")
    phone.get_by_role("button", name="Send the nomination").click()
    expect(phone.get_by_text("Thank you: your nomination was recorded.")).to_be_visible()
    assert Nomination.objects.filter(candidate__community=world.cloud).count() == 1

    # The office opens the vote.
    office: Page = new_page()
    log_in(office, "office")
    office.goto(f"/programme/awards/{setup.campaign.pk}/")
    office.get_by_role("button", name="Move to: Member vote").click()
    expect(office.get_by_text("The campaign is now at this phase: Member vote.")).to_be_visible()

    # The member votes for cloud, keyboard only; a second try is refused.
    phone.goto(campaign_path)
    phone.get_by_role("link", name="Vote").first.click()
    phone.get_by_label("Cloud security").focus()
    phone.keyboard.press("Space")
    phone.get_by_role("button", name="Cast my vote").press("Enter")
    expect(phone.get_by_text("Thank you: your vote was recorded. It is secret.")).to_be_visible()
    expect(phone.get_by_text("You have voted in this category.")).to_be_visible()
    phone.goto(f"/awards/categories/{setup.communities.pk}/vote/")
    expect(phone.get_by_text("You have already voted in this category.")).to_be_visible()
    assert Ballot.objects.count() == VoterRoll.objects.count() == 1

    # The office closes the vote, reads the result and the justification, picks the winner.
    office.get_by_role("button", name="Move to: Jury decision").click()
    office.goto(f"/programme/awards/categories/{setup.communities.pk}/jury/")
    cloud = office.locator("section.card", has=office.get_by_role("heading", name="Cloud security"))
    expect(cloud.locator("p.meta").first).to_contain_text("1 nomination · 1 vote")
    expect(cloud.get_by_text("<b>Monthly</b> security clinics.")).to_be_visible()
    cloud.get_by_label("Citation").fill("Twelve clinics, open to all.")
    cloud.get_by_role("button", name="Choose as winner").click()
    expect(office.get_by_text("Cloud security is a winner.")).to_be_visible()
    office.goto(f"/programme/awards/{setup.campaign.pk}/")
    office.get_by_role("button", name="Move to: Published").click()
    expect(office.get_by_text("The campaign is now at this phase: Published.")).to_be_visible()

    # Any employee sees the label on the community page and reaches the badge.
    reader: Page = new_page()
    log_in(reader, "outsider")
    reader.goto("/communities/cloud/")
    reader.get_by_role("link", name=re.compile("Active community")).click()
    expect(reader.get_by_text("Twelve clinics, open to all.")).to_be_visible()
    winner = Candidate.objects.get(community=world.cloud)
    expect(reader.get_by_role("img", name=re.compile("Cloud security"))).to_be_visible()
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Download the badge (SVG)").click()
    assert download.value.suggested_filename == f"award-{winner.pk}.svg"
