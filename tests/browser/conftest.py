"""Real headless Chromium through Playwright (sync API) against pytest-django's live server.

The system Chromium is used (``/usr/bin/chromium``); Playwright's own browser download is
never needed. Set ``ONETRIP_SCREENSHOTS=/some/dir`` to keep screenshots of the pages visited.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium(django_db_setup):
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it lives, and
    Django refuses ORM calls when it sees one; the calls here are plain synchronous code
    (the test's factories, the database set-up and flush), so they are allowed for as long
    as the browser lives, and only then.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    # While the loop runs, Django hands out other connection objects (asgiref locals follow
    # the loop's context), which lack the serialized database that serialized_rollback
    # restores: carry it over, or the flush after a browser test loses the migrations' data.
    saved = {
        alias: connections[alias].__dict__.get("_test_serialized_contents") for alias in connections
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            for alias, contents in saved.items():
                if contents is not None:
                    connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def page(chromium, live_server, transactional_db, django_db_serialized_rollback):
    """A fresh browser page (desktop size, Chinese locale) that records every request URL."""
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot when ``ONETRIP_SCREENSHOTS`` names a directory."""
    directory = os.environ.get("ONETRIP_SCREENSHOTS")

    def take(page, name: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
