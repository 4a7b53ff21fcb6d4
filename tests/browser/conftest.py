"""Browser tests: Playwright drives the Chromium of Debian's `chromium` package.

Playwright cannot download its own browsers here, so it launches /usr/bin/chromium (or
TRELLIS_CHROMIUM) against pytest-django's live server. Without Chromium the tests skip,
and under CI=true a skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TRELLIS_CHROMIUM", "/usr/bin/chromium"))
# Chromium as root in a container: no sandbox, no GPU, and nothing that calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _allow_database_access_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API runs an event loop in the test's thread, so Django would refuse
    # the test's own database access (fixtures, assertions). Set per test, not at import:
    # the variable must not leak into other tests' subprocesses (check --deploy flags it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser() -> Iterator[object]:
    # One browser per test, not per session: while Playwright runs, its event loop counts
    # as running in this thread, and every later test would lose database access.
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """new_page(locale="fr", width=360) -> a page in a fresh browser context (no cookies)."""
    contexts = []

    def _page(locale: str = "en-GB", width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        contexts.append(context)
        return context.new_page()

    yield _page
    for context in contexts:
        context.close()
