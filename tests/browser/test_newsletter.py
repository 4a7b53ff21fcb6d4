"""The end of the story journey in a real browser: a story published through the stories
services appears in the next newsletter draft; the office reorders, sends, and a reader
unsubscribes from the link of the e-mail without logging in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from tests.story_helpers import make_story
from trellis.comms.models import Newsletter, Subscription
from trellis.stories.models import Status

pytestmark = pytest.mark.browser

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE


def test_the_office_drafts_the_newsletter_with_the_published_story_and_sends_it(
    world: World, new_page
) -> None:  # type: ignore[no-untyped-def]
    story = make_story(world, status=Status.PUBLISHED, title="Weld inspections halved")
    make_story(world, status=Status.VALIDATED, title="Still in review")
    today = timezone.localdate()
    page: Page = new_page()
    log_in(page, "office")
    page.goto("/programme/")
    page.get_by_role("link", name="Newsletter").click()
    page.get_by_label("From").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("To").fill(today.isoformat())
    page.get_by_role("button", name="Draft the issue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Newsletter")
    preview = page.locator("section.card").last
    expect(preview.get_by_role("link", name=story.title)).to_be_visible()
    expect(page.get_by_text("Still in review")).to_have_count(0)
    # The office introduces the issue, then sends it (after the confirmation).
    page.get_by_label("Introduction").fill("Our best story this month.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Send the issue").click()
    expect(page.get_by_text(re.compile("The issue is on its way"))).to_be_visible()
    issue = Newsletter.objects.get()
    assert issue.status == Newsletter.Status.SENT
    message = next(m for m in mail.outbox if m.to == ["member@example.com"])
    assert story.title in message.body
    # The reader opens the unsubscribe link in a browser where nobody is logged in.
    link = re.search(r"https?://[^/\s]+(/newsletters/unsubscribe/\S+/)", message.body)
    assert link is not None
    reader: Page = new_page(width=360, height=740)
    reader.goto(link.group(1))
    expect(reader.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert reader.evaluate("document.documentElement.scrollWidth") <= 360
    assert Subscription.objects.get(person__email="member@example.com").subscribed is False
