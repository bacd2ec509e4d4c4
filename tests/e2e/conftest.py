"""Browser fixtures: one headless Chromium per run, a fresh context per test.

The tests drive the real pages served by pytest-django's ``live_server``. They
use Debian's Chromium at /usr/bin/chromium (never a downloaded browser). Without
it the tests are skipped, unless ``E2E_REQUIRED=1`` says they must run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = "Chromium not found at /usr/bin/chromium: browser tests skipped"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(
                f"E2E_REQUIRED=1 but Chromium was not found at {CHROMIUM}",
                pytrace=False,
            )
        pytest.skip(SKIP_REASON)
    # While Playwright's sync API is started it keeps an asyncio event loop
    # running in the main thread, and Django refuses ORM calls there (from the
    # tests, their fixtures and the database flush) unless this is set. It is set
    # for the browser's lifetime only, not at import time: the whole suite imports
    # this file, and the variable would leak into every other test and into the
    # subprocesses they start (`manage.py check --deploy` fails with async.E001).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def console_messages() -> list[ConsoleMessage]:
    """Everything the pages of this test logged to the browser console."""
    return []


@pytest.fixture
def new_page(
    browser: Browser, live_server, console_messages: list[ConsoleMessage]
) -> Iterator[Callable[..., Page]]:
    """Open a page in a new browser context; keyword arguments go to the context.

    Relative URLs resolve against the live server, so ``page.goto("/")`` works.
    """
    contexts: list[BrowserContext] = []

    def make(**context_options) -> Page:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: console_messages.append(message))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()
