"""A proposal goes from submission to an active community, in a real browser: an employee
proposes (similar communities show while typing), the office accepts, passes the stage
gates and launches."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.personas import PASSWORD, World
from trellis.communities.models import Community, Membership, Role, Stage
from trellis.incubation.models import Proposal

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label(re.compile(r"^Username\b")).fill(username)
    page.get_by_label(re.compile(r"^Password\b")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def field(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_label(re.compile(rf"^{re.escape(text)}\b"))


def test_a_proposal_becomes_an_active_community(world: World, new_page) -> None:  # type: ignore[no-untyped-def]
    # 1. An employee proposes; the similar community shows while they type.
    page = new_page()
    log_in(page, "outsider")
    page.goto("/incubation/")
    page.get_by_role("link", name="New proposal").click()
    field(page, "Proposed name").press_sequentially("Welding robots")
    similar = page.locator("#similar")
    expect(similar.get_by_role("link", name="Welding")).to_be_visible()
    # Each typed field asks for similar communities (debounced): wait for each answer, so
    # no request is still running when the form is sent.
    for label, value in [
        ("Proposed name", "Additive manufacturing"),
        ("Short name in addresses", "additive"),
        ("Purpose", "3D printing of metal parts"),
    ]:
        with page.expect_response(lambda r: "/incubation/similar/" in r.url):
            field(page, label).fill(value)
    expect(similar).to_contain_text("No similar community found so far.")
    field(page, "Audience").fill("Engineers of the plants")
    field(page, "Expected value").fill("Fewer failed prints")
    page.get_by_role("button", name="Send the proposal").click()
    expect(page.get_by_text("Proposal sent. The programme office will review it.")).to_be_visible()
    proposal = Proposal.objects.get()
    expect(page).to_have_url(re.compile(rf"/incubation/proposals/{proposal.pk}/$"))

    # 2. The office accepts it from the pipeline board.
    office = new_page()
    log_in(office, "office")
    office.goto("/programme/")
    office.get_by_role("link", name="Incubation pipeline").click()
    office.get_by_role("region", name=re.compile("^Submitted")).get_by_role(
        "link", name="Additive manufacturing"
    ).click()
    office.get_by_label("Accept: start the incubation").check()
    field(office, "Reason").fill("A new domain for the plants")
    office.get_by_role("button", name="Record the decision").click()
    expect(office.get_by_text("Proposal accepted: the community is in incubation.")).to_be_visible()
    assert Community.objects.get(slug="additive").stage == Stage.INCUBATING

    # 3. The gates are passed one by one; launch is refused until all are.
    office.get_by_role("button", name="Launch the community").click()
    expect(office.get_by_text(re.compile("These stage gates are not passed yet"))).to_be_visible()
    for gate in [
        "Charter drafted",
        "Sponsor committed",
        "Leader trained",
        "Kick-off held",
        "ESN space created",
        "First event planned",
    ]:
        office.get_by_role("row", name=re.compile(rf"^{gate}")).get_by_role(
            "button", name="Tick"
        ).click()
        expect(office.get_by_text("Stage gates saved.")).to_be_visible()
    office.get_by_role("button", name="Launch the community").click()

    # 4. The community is active, led by the proposer.
    expect(office).to_have_url(re.compile(r"/communities/additive/$"))
    expect(office.get_by_text("The community is launched.")).to_be_visible()
    expect(office.locator("h1 .badge")).to_have_text("Active")
    community = Community.objects.get(slug="additive")
    assert community.stage == Stage.ACTIVE
    assert Membership.objects.get(community=community, role=Role.LEADER).person.email == (
        "outsider@example.com"
    )

    # 5. The proposer sees the outcome of their proposal.
    page.reload()
    expect(page.get_by_text("Launched").first).to_be_visible()
