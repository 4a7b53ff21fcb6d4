"""A NUL character anywhere in an API request is refused as invalid (422, the one error
shape), never a 500: PostgreSQL's text cannot store it (found by schemathesis)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.api import services


@pytest.fixture
def office_client(world: World) -> Client:
    _token, secret = services.token_create(
        actor=world.office, user=world.office, name="nul", scopes=["read", "write", "import"]
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _refused(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    assert "NUL" in body["error"]["message"]
    return body


def test_it_refuses_a_nul_in_a_json_body(world: World, office_client: Client) -> None:
    payload = {
        "title": "Weld\u0000ing",
        "communities": ["welding"],
        "year": 2026,
        "summary": "x",
        "cycles": ["immediate"],
    }
    before = db_fingerprint()
    response = office_client.post(
        "/api/v1/stories", json.dumps(payload), content_type="application/json"
    )
    body = _refused(response)
    assert body["error"]["details"][0]["field"] == "title"
    assert db_fingerprint() == before


def test_it_refuses_a_nul_in_the_query_and_the_path(world: World, office_client: Client) -> None:
    _refused(office_client.get("/api/v1/communities", {"q": "we\u0000ld"}))
    _refused(office_client.get("/api/v1/communities/wel%00ding"))
    # The same requests without the NUL are answered as usual.
    assert office_client.get("/api/v1/communities", {"q": "weld"}).status_code == 200
    assert office_client.get("/api/v1/communities/welding").status_code == 200
