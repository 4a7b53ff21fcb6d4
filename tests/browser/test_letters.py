"""A manager signs an engagement letter from the e-mailed link (issue 7), in a real browser.

The office prepares and sends the letter through its pages; the link is read from the
mailbox (locmem); the manager, who has no account, opens it on a phone-size screen in a
fresh browser (no cookies) and signs. The link then works no more.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from tests.test_letters import YEAR, managers
from trellis.programme.models import EngagementLetter

pytestmark = pytest.mark.browser


def test_a_manager_signs_a_letter_from_the_emailed_link(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    nora = managers(world)  # Cory Core's manager: no login, French
    mail.outbox.clear()

    office: Page = new_page()
    log_in(office, "office")
    office.goto("/letters/new/")
    office.locator("#id_person").select_option(label="Cory Core")
    office.locator("#id_community").select_option(label="Welding")
    office.locator("#id_time_unit").select_option("hours")
    office.locator("#id_time_amount").fill("8")
    office.locator("#id_start").fill(f"{YEAR}-01-01")
    office.locator("#id_end").fill(f"{YEAR}-12-31")
    office.locator("#id_objectives").fill("Curate the knowledge base.")
    office.get_by_role("button", name="Save the draft").click()
    expect(office.locator("[data-letter-status]")).to_have_attribute("data-letter-status", "draft")
    office.get_by_role("button", name="Send to the manager for signature").click()
    expect(office.locator("[data-letter-status]")).to_have_attribute("data-letter-status", "sent")

    assert [m.to for m in mail.outbox] == [[nora.email]]
    link = re.search(r"https?://\S+/letters/sign/\S+/", mail.outbox[0].body)
    assert link is not None, mail.outbox[0].body

    manager: Page = new_page(locale="fr-FR", width=360, height=740)
    manager.goto(link.group(0))
    expect(manager.locator("html")).to_have_attribute("lang", "fr")
    expect(manager.get_by_text("Curate the knowledge base.")).to_be_visible()
    assert manager.evaluate("document.documentElement.scrollWidth") <= 360
    manager.locator("input[name=decision][value=sign]").check()
    manager.locator("[data-sign-submit]").click()
    expect(manager.locator("[data-letter-done]")).to_have_attribute("data-letter-done", "signed")

    letter = EngagementLetter.objects.get()
    assert (letter.status, letter.signed_via, letter.signer_name) == ("signed", "link", nora.name)

    # Single use: the same link now shows a clear page and nothing about the letter.
    manager.goto(link.group(0))
    expect(manager.locator("[data-link-error]")).to_have_attribute("data-link-error", "used")
    expect(manager.get_by_text("Cory Core")).to_have_count(0)

    office.reload()
    expect(office.locator("[data-letter-status]")).to_have_attribute("data-letter-status", "signed")
    expect(office.get_by_role("link", name="Download the signed letter (PDF)")).to_be_visible()
