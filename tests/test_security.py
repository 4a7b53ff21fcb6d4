"""Security promises of guide/quality.md: headers (#5), brute force (#3), sessions (#4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

SESSION_COOKIE = settings.SESSION_COOKIE_NAME


# --- Headers (quality #5) -------------------------------------------------------------------


def routes(
    resolvers: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    """Every URL of the site that takes no argument or only a community slug.

    Walking the URL configuration keeps the check complete as pages are added.
    """
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin: checked on its login page below
            yield from routes(entry.url_patterns, route)
            continue
        route = route.replace("<slug:slug>", "welding")
        if "<" not in route and not route.startswith("^"):
            yield "/" + route


def test_it_walks_the_urls_it_checks():
    found = set(routes())
    assert {"/", "/login/", "/communities/", "/communities/welding/"} <= found


@pytest.mark.parametrize("persona", ["office", "anonymous"])
def test_it_sends_security_headers_on_every_page(world, as_user, persona):
    client = as_user(persona)
    checked = []
    for url in [*routes(), "/admin/login/"]:
        response = client.get(url)
        headers = response.headers
        assert "default-src 'self'" in headers.get("Content-Security-Policy", ""), url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("Referrer-Policy") == "same-origin", url
        assert headers.get("X-Frame-Options") == "DENY", url
        checked.append(url)
    assert len(checked) == len(set(routes())) + 1


def test_it_forbids_inline_scripts_and_styles_outside_the_admin(as_user):
    csp = as_user("office").get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]


def test_it_sends_hsts_over_https_when_configured(world, as_user, settings):
    # The production default (DEBUG=0) is checked in a real process in test_settings.py.
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = as_user("office").get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains"
    )


# --- Brute force (quality #3) -----------------------------------------------------------------


def attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_it_logs_in_with_the_right_password(world):
    client = Client()
    response = attempt(client, "leader", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_it_still_logs_in_just_below_the_failure_limit(world):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert attempt(client, "leader", "wrong password").status_code == 200
    assert attempt(client, "leader", PASSWORD).status_code == 302
    assert logged_in(client)


def test_it_locks_an_account_after_the_failure_limit_even_with_the_right_password(world):
    client = Client()
    # The attacker spreads attempts over addresses: the account limit holds regardless.
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, "leader", "wrong password", ip=f"10.0.1.{n + 1}")
    response = attempt(client, "leader", PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert not logged_in(client)
    # Another account is not affected.
    assert attempt(Client(), "member", PASSWORD, ip="10.0.2.1").status_code == 302


def test_it_counts_user_names_case_insensitively(world):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(Client(), "LEADER" if n % 2 else "leader", "wrong password", ip=f"10.0.1.{n + 1}")
    assert attempt(Client(), "leader", PASSWORD).status_code == 429


def test_it_unlocks_the_account_after_the_window(world):
    from trellis.core.models import LoginFailure

    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(Client(), "leader", "wrong password")
    assert attempt(Client(), "leader", PASSWORD).status_code == 429
    # Time passes: the failures fall out of the window.
    LoginFailure.objects.update(
        at=timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW + 1)
    )
    client = Client()
    assert attempt(client, "leader", PASSWORD).status_code == 302
    assert logged_in(client)


def test_it_limits_failures_per_ip_address_across_accounts(world, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    ip = "10.9.9.9"
    # Fail with ever new user names from one address until the address is locked out.
    failures = 0
    while failures < 100:
        probe = Client()
        if attempt(probe, "outsider", PASSWORD, ip=ip).status_code == 429:
            break
        attempt(Client(), f"nobody{failures}", "wrong password", ip=ip)
        failures += 1
    assert failures < 100, "the address was never locked out"
    # Shared proxies get more room than one account, but not unlimited room.
    assert failures > settings.LOGIN_FAILURE_LIMIT
    # Other addresses still get in.
    assert attempt(Client(), "outsider", PASSWORD, ip="10.9.9.10").status_code == 302


# --- Sessions (quality #4) ---------------------------------------------------------------------


def login(client: Client, username: str = "leader") -> str:
    assert attempt(client, username, PASSWORD).status_code == 302
    return client.cookies[SESSION_COOKIE].value


def test_it_gives_a_new_session_key_at_login(world):
    client = Client()
    before = SessionStore()
    before["planted"] = "by an attacker"  # a session fixed before login
    before.save()
    client.cookies[SESSION_COOKIE] = before.session_key
    after = login(client)
    assert after != before.session_key
    assert not SessionStore().exists(before.session_key)
    assert client.get("/").status_code == 200


def test_it_kills_the_session_at_logout(world):
    client = Client()
    key = login(client)
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert not SessionStore().exists(key)
    # Replaying the old cookie from elsewhere does not get in.
    replay = Client()
    replay.cookies[SESSION_COOKIE] = key
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


def test_it_sets_the_session_timeout_from_settings(world, settings):
    settings.SESSION_COOKIE_AGE = 1800
    client = Client()
    login(client)
    response = client.get("/")
    assert int(response.cookies[SESSION_COOKIE]["max-age"]) == settings.SESSION_COOKIE_AGE
    session = Session.objects.get(session_key=client.cookies[SESSION_COOKIE].value)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


def test_it_ends_an_idle_session_after_the_timeout(world, settings):
    client = Client()
    key = login(client)
    # The timeout passes without a request.
    past = timezone.now() - dt.timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=past)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_it_shuts_a_deactivated_user_out(world):
    client = Client()
    login(client, "member")
    assert client.get("/communities/welding/").status_code == 200
    world.member.is_active = False
    world.member.save()
    response = client.get("/communities/welding/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    # And cannot log in again.
    again = Client()
    assert attempt(again, "member", PASSWORD).status_code == 200
    assert not logged_in(again)
