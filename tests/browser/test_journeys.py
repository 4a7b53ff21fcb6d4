"""The main journeys, in a real browser: log in, search the catalogue, open a community,
a leader keeps the charter and objectives, an outsider joins in French, a phone-size screen.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from tests.personas import PASSWORD, World
from trellis.communities.models import CharterVersion, Membership, Objective

pytestmark = pytest.mark.browser


def fr(message: str) -> str:
    """What the French catalogue shows for an English message."""
    with translation.override("fr"):
        return gettext(message)


def label(text: str) -> re.Pattern[str]:
    """A field's label: its text, then maybe the required-field star."""
    return re.compile(rf"^{re.escape(text)}\b")


def log_in(page: Page, username: str, *, language: str = "en") -> None:
    def say(message: str) -> str:
        return fr(message) if language == "fr" else message

    page.goto("/login/")
    if language == "fr":
        # The language switch sits in the header of every page, the login page included.
        page.get_by_role("button", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label(label(capfirst(say("username")))).fill(username)
    page.get_by_label(label(say("Password"))).fill(PASSWORD)
    page.get_by_role("button", name=say("Log in")).click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_lets_a_leader_find_the_community_and_keep_its_charter_and_objectives(
    world: World, new_page
):  # type: ignore[no-untyped-def]
    page = new_page()
    log_in(page, "leader")

    # Search the catalogue: htmx replaces the results as the person types.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name=world.cloud.name)).to_be_visible()
    page.get_by_role("searchbox", name="Search").press_sequentially("weld")
    expect(results.get_by_role("link", name=world.cloud.name)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=weld"))
    results.get_by_role("link", name=world.welding.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.welding.name)

    # Write the charter, then edit it: each save is a new version in the history.
    page.get_by_role("link", name="Charter", exact=True).click()
    year = timezone.localdate().year
    for version, purpose in enumerate(
        ["Share welding know-how across plants.", "Share and improve welding practices."], start=1
    ):
        page.get_by_role("link", name=re.compile(r"^(Write|Edit) the charter$")).click()
        page.get_by_label(label("Purpose")).fill(purpose)
        page.get_by_label(label("Scope")).fill("Arc, MIG and TIG welding in every plant.")
        page.get_by_role("button", name="Save a new version").click()
        expect(page.get_by_text("Charter saved as a new version.")).to_be_visible()
        history = page.get_by_role("complementary")
        expect(history.get_by_role("link", name=f"{year}, version {version}")).to_be_visible()
        expect(page.get_by_text(purpose)).to_be_visible()
    assert CharterVersion.objects.filter(community=world.welding).count() == version

    # Add an objective: it shows in the objectives table of the community page.
    page.get_by_role("link", name="About", exact=True).click()
    page.get_by_role("link", name="Add an objective").click()
    title = "Run four webinars on weld inspection"
    page.get_by_label(label("Title")).fill(title)
    page.get_by_label(label("Indicator")).fill("Webinars held")
    page.get_by_label(label("Target")).fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Objective added.")).to_be_visible()
    row = page.get_by_role("table").get_by_role("row").filter(has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Webinars held")
    assert Objective.objects.filter(community=world.welding, title=title).exists()


def test_it_lets_an_outsider_join_a_community_in_french(world: World, new_page):  # type: ignore[no-untyped-def]
    # The journey proves nothing about French if the catalogue is missing.
    assert fr("Join") != "Join", "locale/fr does not translate 'Join': compile the catalogue"
    page = new_page(locale="en-GB")  # the browser asks for English; the person picks French
    log_in(page, "outsider", language="fr")

    page.get_by_role("link", name=fr("Communities"), exact=True).first.click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("#results").get_by_role("link", name=world.welding.name).click()
    page.get_by_role("button", name=fr("Join")).click()

    welcome = fr("Welcome to %(name)s!") % {"name": world.welding.name}
    expect(page.get_by_role("status")).to_contain_text(welcome)
    expect(page.get_by_role("button", name=fr("Join"))).to_have_count(0)
    expect(page.get_by_role("button", name=fr("Leave"))).to_be_visible()
    assert Membership.objects.filter(
        person=world.outsider.person, community=world.welding, left__isnull=True
    ).exists()


@pytest.mark.parametrize("path", ["/communities/", "/communities/welding/"])
def test_it_fits_a_phone_screen_without_horizontal_scrolling(world: World, new_page, path):  # type: ignore[no-untyped-def]
    width = 360
    page = new_page(width=width, height=740)
    log_in(page, "member")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    sizes = page.evaluate(
        "() => ({viewport: window.innerWidth, document: document.documentElement.scrollWidth,"
        " body: document.body.scrollWidth})"
    )
    assert sizes["viewport"] == width
    assert sizes["document"] <= width, sizes
    assert sizes["body"] <= width, sizes
