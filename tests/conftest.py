from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def as_user(world: World):  # type: ignore[no-untyped-def]
    """as_user("leader") -> a test client logged in as that persona (or anonymous)."""

    def _client(name: str) -> Client:
        client = Client()
        user = world.persona(name)
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; tests that are about hashing ask for it themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
