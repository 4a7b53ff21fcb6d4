"""Single sign-on through a proxy header.

The header is believed only from the trusted proxy, and only for people of the directory.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from trellis.people.models import Person


@pytest.fixture
def sso(settings):  # type: ignore[no-untyped-def]
    settings.REMOTE_USER_HEADER = "X-Remote-User"
    settings.REMOTE_USER_TRUSTED_PROXIES = ["10.0.0.5"]
    return settings


def _home(header: str, *, peer: str = "10.0.0.5", client: Client | None = None) -> int:
    client = client or Client()
    return client.get("/", HTTP_X_REMOTE_USER=header, REMOTE_ADDR=peer).status_code


def test_it_ignores_the_header_when_single_sign_on_is_off(world) -> None:  # type: ignore[no-untyped-def]
    assert _home("leader") == 302


def test_it_logs_in_the_user_the_trusted_proxy_names(sso, world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    assert _home("leader", client=client) == 200
    # The session persists: a later request without the header stays logged in.
    assert client.get("/", REMOTE_ADDR="10.0.0.5").status_code == 200


def test_it_ignores_the_header_from_anyone_but_the_proxy(sso, world) -> None:  # type: ignore[no-untyped-def]
    assert _home("office", peer="192.168.1.20") == 302


def test_it_gives_a_person_of_the_directory_a_login(sso, world) -> None:  # type: ignore[no-untyped-def]
    Person.objects.create(name="Nadia Newcomer", email="Nadia.Newcomer@example.com")
    client = Client()
    assert _home("nadia.newcomer@example.com", client=client) == 200
    person = Person.objects.get(email="Nadia.Newcomer@example.com")
    assert person.user is not None
    assert person.user.username == "nadia.newcomer@example.com"
    assert not person.user.has_usable_password()
    # The second visit reuses the same login.
    assert _home("NADIA.NEWCOMER@example.com") == 200
    assert User.objects.filter(username__iexact="nadia.newcomer@example.com").count() == 1


def test_it_lets_nobody_outside_the_directory_in(sso, world) -> None:  # type: ignore[no-untyped-def]
    before = User.objects.count()
    assert _home("stranger@elsewhere.org") == 302
    Person.objects.create(name="Gone", email="gone@example.com", is_active=False)
    assert _home("gone@example.com") == 302
    assert User.objects.count() == before


def test_it_refuses_a_deactivated_login(sso, world) -> None:  # type: ignore[no-untyped-def]
    world.member.is_active = False
    world.member.save()
    assert _home("member") == 302


def test_it_switches_user_when_the_proxy_names_another(sso, world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    assert _home("member", client=client) == 200
    response = client.get("/programme/", HTTP_X_REMOTE_USER="office", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 200
    response = client.get("/programme/", HTTP_X_REMOTE_USER="member", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 403
