from __future__ import annotations

import os

import pytest
from django.test import Client
from django.utils import translation

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Under CI=true a skipped browser test fails the run: CI must prove the journeys work."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") and os.environ.get("CI") == "true":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped under CI=true, which counts as a failure: {reason}"


@pytest.fixture(autouse=True)
def _language_reset():  # type: ignore[no-untyped-def]
    # A request in French leaves French active in the test's thread (the middleware
    # activates the language and nothing deactivates it): reset so the next test starts
    # in the default language whatever ran before it.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    # Rolled-back tests reuse ids, and cache keys derived from them must not leak across tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
