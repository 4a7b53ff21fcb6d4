"""The story journey in a real browser: a member tells a story, a leader validates it, the
programme office approves and publishes it, it appears in the showcase, and the office finds
it in the next newsletter draft (sending that draft: tests/browser/test_newsletter.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from trellis.stories.models import Benefit, Status, Story

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def test_a_story_goes_from_a_member_to_the_showcase(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    member: Page = new_page(width=360, height=740)
    log_in(member, "member")
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Stories").click()
    member.get_by_role("link", name="Tell a story").first.click()
    member.get_by_label("Title").fill("Weld inspections halved")
    member.get_by_label("Summary").fill("A shared checklist cut inspection time by half.")
    member.get_by_label("Welding").check()
    member.get_by_label("Context and problem").fill("Inspections took two hours.")
    member.get_by_label("What the community did").fill("Members wrote a checklist together.")
    member.get_by_label("What changed in practice").fill("Every site uses the checklist.")
    member.get_by_label("Applied value", exact=False).check()
    member.get_by_label("Realized value", exact=False).check()
    member.get_by_role("button", name="Save the draft").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Weld inspections halved")
    # A quantified benefit, then submit.
    member.get_by_role("link", name="Add a quantified benefit").click()
    member.get_by_label("Amount").fill("120")
    member.get_by_label("How it was estimated").fill("Timesheets of three sites.")
    member.get_by_role("button", name="Add").click()
    expect(member.get_by_text("Benefit added.")).to_be_visible()
    assert member.evaluate("document.documentElement.scrollWidth") <= 360
    member.get_by_role("button", name="Submit for review").click()
    expect(member.get_by_text("Story submitted", exact=False)).to_be_visible()
    story = Story.objects.get()
    assert story.status == Status.SUBMITTED

    leader: Page = new_page()
    log_in(leader, "leader")
    leader.goto("/stories/review/")
    leader.get_by_role("link", name="Weld inspections halved").click()
    leader.get_by_role("button", name="Validate", exact=True).click()
    expect(leader.get_by_text("Benefit validated.")).to_be_visible()
    leader.get_by_role("button", name="Validate the story").click()
    expect(leader.get_by_text("Story validated", exact=False)).to_be_visible()

    office: Page = new_page()
    log_in(office, "office")
    office.goto(f"/stories/{story.pk}/")
    office.get_by_role("button", name="Approve").click()
    office.get_by_role("button", name="Publish").click()
    expect(office.get_by_text("Story published in the showcase.")).to_be_visible()
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    assert Benefit.objects.get().validated

    reader: Page = new_page()
    log_in(reader, "outsider")
    reader.goto("/stories/")
    card = reader.locator("article.story-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name="Weld inspections halved")).to_be_visible()
    reader.get_by_label("Search").fill("checklist")
    reader.get_by_role("button", name="Filter").click()
    expect(reader.locator("article.story-card")).to_have_count(1)
    reader.get_by_label("Search").fill("nothing-like-this")
    reader.get_by_role("button", name="Filter").click()
    expect(reader.locator("article.story-card")).to_have_count(0)

    # The same story is in the office's next newsletter draft.
    today = timezone.localdate()
    office.goto("/programme/")
    office.get_by_role("link", name="Newsletter").click()
    office.get_by_label("From").fill((today - dt.timedelta(days=7)).isoformat())
    office.get_by_label("To").fill(today.isoformat())
    office.get_by_role("button", name="Draft the issue").click()
    draft = office.locator("section.card").last
    expect(draft.get_by_role("link", name=story.title)).to_be_visible()
