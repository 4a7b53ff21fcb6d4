"""Production settings: `check --deploy` passes, HTTPS protections are on, variables are honoured.

Settings are read once per process, so production behaviour is observed in a subprocess
started with the production environment (DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, a fresh
SQLite database), exactly as a server would start.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "trellis.example.com"

# Served by the production settings in a subprocess: migrate, collect static files (the
# manifest storage refuses to render a page otherwise), then fetch pages over HTTP and HTTPS.
PROBE = """
import json
from django.core.management import call_command
import django
django.setup()
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.conf import settings
from django.test import Client

host = settings.ALLOWED_HOSTS[0]
client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en")
plain = client.get("/login/")
page = client.get("/login/", secure=True)
print(json.dumps({
    "plain": {"status": plain.status_code, "location": plain.headers.get("Location", "")},
    "page": {
        "status": page.status_code,
        "headers": dict(page.headers),
        "cookies": {
            name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
            for name, morsel in page.cookies.items()
        },
    },
    "settings": {
        name: getattr(settings, name)
        for name in (
            "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS", "SESSION_COOKIE_AGE", "LOGIN_FAILURE_LIMIT", "TIME_ZONE",
        )
    },
}))
"""


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Start from a clean slate: nothing from the developer's shell or the CI job leaks in.
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "EMAIL_", "LOGIN_"))
        and key
        not in {
            "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "TRELLIS_VAR_DIR",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests; never in production
        }
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'trellis.sqlite3'}",
            "TRELLIS_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "trellis.settings",
        }
    )
    env.update(extra)
    return env


def trellis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trellis.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def probe(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return probe(production_env(tmp_path_factory.mktemp("production")))


def test_it_passes_check_deploy_with_production_settings(tmp_path):
    done = trellis("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_fails_check_deploy_when_a_protection_is_turned_off(tmp_path):
    # The check above can fail: switching HSTS off is reported as a warning, hence an error here.
    env = production_env(tmp_path, SECURE_HSTS_SECONDS="0")
    done = trellis("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode != 0
    assert "security.W004" in done.stdout + done.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    done = trellis("check", env=env)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_it_redirects_plain_http_to_https(production):
    assert production["plain"]["status"] == 301
    assert production["plain"]["location"] == f"https://{HOST}/login/"


def test_it_serves_pages_over_https_with_hsts(production):
    page = production["page"]
    assert page["status"] == 200
    hsts = page["headers"]["Strict-Transport-Security"]
    assert f"max-age={production['settings']['SECURE_HSTS_SECONDS']}" in hsts
    assert production["settings"]["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert "includeSubDomains" in hsts


def test_it_sends_the_other_security_headers_in_production(production):
    headers = production["page"]["headers"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_it_marks_cookies_secure_in_production(production):
    cookies = production["page"]["cookies"]
    # The login page sets the CSRF cookie; the session cookie settings are read back.
    assert cookies["csrftoken"]["secure"] is True
    assert production["settings"]["SESSION_COOKIE_SECURE"] is True
    assert production["settings"]["CSRF_COOKIE_SECURE"] is True
    assert production["settings"]["DEBUG"] is False


def test_it_honours_documented_variables(tmp_path):
    env = production_env(
        tmp_path, SESSION_COOKIE_AGE="1234", LOGIN_FAILURE_LIMIT="7", TIME_ZONE="Europe/Paris"
    )
    read = probe(env)["settings"]
    assert read["SESSION_COOKIE_AGE"] == int(env["SESSION_COOKIE_AGE"])
    assert read["LOGIN_FAILURE_LIMIT"] == int(env["LOGIN_FAILURE_LIMIT"])
    assert read["TIME_ZONE"] == env["TIME_ZONE"]
