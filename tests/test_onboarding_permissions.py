"""Who may use the onboarding page and its exports: the programme office only.

Covers the URL names `programme_import` (GET the page, POST a preview, POST an apply) and
`programme_export` (GET each CSV) for every persona; a denied POST changes nothing.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.fingerprint import db_fingerprint
from tests.personas import World

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
DENIED = [p for p in PERSONAS if p not in ("anonymous", "office")]

COMMUNITIES = b"slug,name,stage\nnew-one,New one,proposed\n"


def _upload() -> dict[str, object]:
    return {
        "kind": "communities",
        "file": SimpleUploadedFile("communities.csv", COMMUNITIES, content_type="text/csv"),
    }


def _token(as_user) -> str:  # type: ignore[no-untyped-def]
    """An apply token, as the office's preview hands it out."""
    response = as_user("office").post("/programme/import/", _upload())
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, response.content[:2000]
    return match.group(1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_the_import_page_to_the_office_only(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user(persona).get("/programme/import/")
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona == "office":
        assert response.status_code == 200
        assert b'enctype="multipart/form-data"' in response.content
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("kind", ["communities", "memberships", "spaces"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_gives_the_exports_to_the_office_only(
    persona: str,
    kind: str,
    world: World,
    as_user,  # type: ignore[no-untyped-def]
) -> None:
    response = as_user(persona).get(f"/programme/export/{kind}.csv")
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif persona == "office":
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f'filename="{kind}.csv"' in response["Content-Disposition"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("persona", ["anonymous", *DENIED])
def test_it_changes_nothing_when_a_preview_is_denied(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user(persona)  # logging in writes last_login: do it before the fingerprint
    before = db_fingerprint()
    response = client.post("/programme/import/", _upload())
    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert db_fingerprint() == before


@pytest.mark.parametrize("persona", ["anonymous", *DENIED])
def test_it_changes_nothing_when_an_apply_is_denied(persona: str, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    token = _token(as_user)
    client = as_user(persona)
    before = db_fingerprint()
    response = client.post("/programme/import/", {"token": token})
    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert db_fingerprint() == before


def test_it_applies_for_the_office(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    from trellis.communities.models import Community

    token = _token(as_user)
    response = as_user("office").post("/programme/import/", {"token": token})
    assert response.status_code == 302
    assert Community.objects.filter(slug="new-one").exists()


def test_it_lists_the_page_on_the_programme_home(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").get("/programme/")
    assert b'href="/programme/import/"' in response.content
