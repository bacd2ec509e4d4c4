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

# Playwright's sync API keeps an asyncio event loop running in the main thread;
# Django would otherwise refuse ORM calls made by the tests and their fixtures.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import (  # noqa: E402
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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def console_messages() -> list[ConsoleMessage]:
    """Everything the pages of this test logged to the browser console."""
    return []


# Chromium asks for /favicon.ico after a page loads, in parallel with whatever the
# test does next, and Playwright cannot intercept that request. The live server
# shares one in-memory SQLite connection between its request threads, so point
# Chromium at an inline icon instead and keep that stray request away from Django.
NO_FAVICON_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  const icon = document.createElement("link");
  icon.rel = "icon";
  icon.href = "data:,";
  document.head.append(icon);
});
"""


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
        context.add_init_script(NO_FAVICON_SCRIPT)
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
