"""Programme support pages: listed among the office's tools, reachable from the home page,
and rendered in both languages."""

from __future__ import annotations

import pytest

from tests.personas import World
from tests.test_escalations import raised
from tests.test_letters import signed
from tests.test_resources import requested


def test_the_programme_home_lists_the_three_tools(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("office").get("/programme/").content.decode()
    for href, title in [
        ("/letters/", "Engagement letters"),
        ("/escalations/", "Escalations and mediation"),
        ("/resources/budget/", "Resources and budget"),
    ]:
        assert f'href="{href}"' in page and title in page


def test_the_home_page_links_members_to_their_letters_requests_and_escalations(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("member").get("/").content.decode()
    for href in ("/letters/", "/resources/", "/escalations/"):
        assert f'href="{href}"' in page
    assert 'href="/escalations/"' not in as_user("outsider").get("/").content.decode()


@pytest.mark.parametrize("persona", ["office", "leader"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_pages_render_in_both_languages(persona: str, lang: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    letter = signed(world)
    escalation = raised(world)
    item = requested(world)
    client = as_user(persona)
    client.cookies["django_language"] = lang
    paths = ["/letters/", "/escalations/", "/resources/", f"/letters/{letter.pk}/"]
    paths += [f"/resources/{item.pk}/", "/escalations/counts/", "/resources/new/"]
    if persona == "office":
        paths += ["/letters/new/", "/resources/budget/", f"/escalations/{escalation.pk}/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, lang)
        assert f'lang="{lang}"' in response.content.decode()
