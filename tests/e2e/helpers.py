"""Steps the browser tests share: signing in and out, submitting forms."""

from __future__ import annotations

import time
from base64 import b32decode

from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import ConsoleMessage, Page, expect

LOGIN_PATH = "/accounts/login/"


def submit(page: Page, button: str) -> None:
    """Click a form's submit button and wait until the next page has loaded.

    Waiting for the new document's load event (not for a URL) matters when the
    form posts back to the page it is on, as a refused sign-in does.
    """
    with page.expect_event("load"):
        page.get_by_role("button", name=button, exact=True).click()


def sign_in(page: Page, identifier: str, password: str) -> None:
    """Submit the sign-in form; the caller checks where that led."""
    page.goto(LOGIN_PATH)
    page.get_by_label("Distributor ID", exact=True).fill(identifier)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, "Sign in")


def sign_out(page: Page) -> None:
    menu = page.locator("details.account-menu")
    menu.locator("summary").click()
    sign_out_button = menu.get_by_role("button", name="Sign out", exact=True)
    expect(sign_out_button).to_be_visible()
    with page.expect_event("load"):
        sign_out_button.click()


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Authentication code", exact=True).fill(code)
    submit(page, "Verify and sign in")


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for a key as the set-up page gives it."""
    key = b32decode("".join(secret.split()))
    return f"{TOTP(key).token():06d}"


def code_valid_at_no_nearby_step(key: bytes) -> str:
    """A six-digit code that matches none of the time steps around now."""
    totp = TOTP(key)
    now = time.time()
    nearby = set()
    for offset in range(-3, 4):
        totp.time = now + offset * totp.step
        nearby.add(f"{totp.token():06d}")
    return next(f"{n:06d}" for n in range(len(nearby) + 1) if f"{n:06d}" not in nearby)


def wait_out_throttle(device) -> None:
    """Sleep until django-otp accepts a code again after a wrong one (about 1 s).

    A person takes that long to retype a code; a test must wait for it, or the
    right code is refused too.
    """
    device.refresh_from_db()
    allowed, detail = device.verify_is_allowed()
    if not allowed:
        remaining = detail["locked_until"] - timezone.now()
        time.sleep(max(remaining.total_seconds(), 0) + 0.05)


def csp_errors(messages: list[ConsoleMessage]) -> list[str]:
    return [
        message.text
        for message in messages
        if message.type == "error" and "Content Security Policy" in message.text
    ]
