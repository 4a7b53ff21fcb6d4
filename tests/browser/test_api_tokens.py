"""Browser journey: a leader creates an API token, then reads the API reference offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in
from tests.personas import World
from trellis.api.models import ApiToken

pytestmark = pytest.mark.browser


def test_a_leader_creates_a_token_and_reads_the_api_reference(  # type: ignore[no-untyped-def]
    world: World, new_page, live_server
) -> None:
    page = new_page(width=360)
    log_in(page, "leader")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_label("Name").fill("BI extract")
    page.get_by_role("button", name="Create the token").click()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("trl_")
    token = ApiToken.objects.get(user=world.leader)
    assert token.name == "BI extract" and token.scope_list == ["read"]
    expect(page.get_by_role("cell", name="BI extract", exact=True)).to_be_visible()

    # The reference: Swagger UI from Trellis's own static files, under the strict CSP.
    refused: list[str] = []
    outside: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server.url, "data:")) else outside.append(r.url),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Trellis API")
    expect(page.get_by_text("/api/v1/communities", exact=True).first).to_be_visible()
    assert outside == []
    assert refused == []

    page.goto("/account/tokens/")
    page.get_by_role("button", name="Revoke BI extract").click()
    expect(page.get_by_text("revoked on")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None
