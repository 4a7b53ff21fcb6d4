"""Schemathesis against the API's own OpenAPI document, in-process (quality.md promise 11).

Every operation gets a bounded number of generated requests, valid and invalid, with an
office token that holds every scope: no 5xx, and every documented response conforms to
its schema (errors included: they are documented as the one error shape).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.personas import World
from trellis.api import services

MAX_EXAMPLES = 12


@pytest.fixture
def api_schema(world: World) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def office_token(world: World) -> str:
    _token, secret = services.token_create(
        actor=world.office,
        user=world.office,
        name="schemathesis",
        scopes=["read", "write", "import"],
    )
    return secret


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):  # type: ignore[no-untyped-def]
    settings.API_RATE_LIMIT = ""


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the real WSGI handler, whose request signals close "old"
    database connections: inside the test's transaction that closes the connection
    itself (PostgreSQL then fails every later query; SQLite in memory ignores it).
    Django's own test client disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _exercise(operation: Any, token: str, seen: dict[tuple[str, int], int]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
        key = (operation.label, response.status_code)
        seen[key] = seen.get(key, 0) + 1

    run()


def test_it_conforms_to_its_schema(api_schema: Any, office_token: str) -> None:
    # Operation by operation with hypothesis directly (the schemathesis pytest plugin does
    # not load under this pytest); a failure names its operation and example.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13
    seen: dict[tuple[str, int], int] = {}
    for operation in operations:
        _exercise(operation, office_token, seen)
    # Each list operation answered with a success too, not only with refusals (those
    # with an id or slug in the path mostly meet unknown objects: tests/test_api.py
    # covers their successes).
    succeeded = {label for (label, status), _n in seen.items() if status < 300}
    lists = {op.label for op in operations if op.method.upper() == "GET" and "{" not in op.path}
    assert succeeded >= lists, sorted(seen.items())
    assert len(seen) > len(operations)
