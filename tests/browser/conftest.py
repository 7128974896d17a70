"""Debian's chromium driven by Playwright against the app served by daphne (tests.servers)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BROWSER_DIR = Path(__file__).resolve().parent
EXPECT_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; its absence skips these tests locally but fails them in CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"{CHROMIUM} is missing; CI must run the browser tests (apt install chromium)"
            )
        pytest.skip(f"{CHROMIUM} is not installed")
    return CHROMIUM


@pytest.fixture
def browser_page(chromium, asgi_server_url, monkeypatch) -> Iterator:
    """A fresh chromium page whose relative URLs go to the daphne-served app.

    Function-scoped on purpose: while Playwright's sync API is open, this thread has an asyncio
    loop marked as running, so Django refuses ORM calls (SynchronousOnlyOperation) and asgiref
    refuses async_to_sync. The ORM is safe here (the loop only runs when we wait on the
    browser), so it is allowed for the test's lifetime; anything that uses async_to_sync, such
    as publish(), must go through `outside_browser_loop`.
    """
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=asgi_server_url)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            # While the loop runs, Django keys connections by context, so the test body used
            # its own set; left open, they would stop the test database from being dropped.
            connections.close_all()
            context.close()
            browser.close()
