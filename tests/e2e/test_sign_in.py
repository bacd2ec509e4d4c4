"""Signing in and out, and the lockout of an ID after repeated failures."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.helpers import LOGIN_PATH, csp_errors, sign_out, submit

pytestmark = pytest.mark.e2e

BAD_CREDENTIALS = "That distributor ID and password do not match. Try again."
REFUSED_START = "Too many failed attempts."


def test_sign_in_shows_the_dashboard_then_sign_out(
    page, live_server, alice, password, console_messages
):
    page.goto(LOGIN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in to your Back Office"
    )
    assert csp_errors(console_messages) == []

    page.get_by_label("Distributor ID", exact=True).fill("100001")
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, "Sign in")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(page.locator("#distributor-id")).to_have_text("100001")
    expect(page.locator("details.account-menu summary")).to_have_text("Alice Archer")
    assert csp_errors(console_messages) == []

    sign_out(page)

    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(page.locator("details.account-menu")).to_have_count(0)
    # The session really ended: the dashboard now asks for a sign-in.
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}?next=/")


def test_csp_check_catches_an_inline_script(page, live_server, console_messages):
    """The console check above can fail: a blocked inline script is reported."""
    page.goto(LOGIN_PATH)
    with (
        page.expect_console_message(lambda m: m.type == "error"),
        pytest.raises(PlaywrightError, match="Content Security Policy"),
    ):
        page.add_script_tag(content="document.title = 'inline ran'")
    assert len(csp_errors(console_messages)) == 1
    expect(page).not_to_have_title("inline ran")


def _attempt(page, live_server, identifier: str, password: str) -> str:
    """Submit the sign-in form on the page; return its error (no one signed in)."""
    page.get_by_label("Distributor ID", exact=True).fill(identifier)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, "Sign in")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    return alert.inner_text().strip()


def test_locked_out_id_is_refused_without_revealing_whether_it_exists(
    page, live_server, alice, password
):
    page.goto(LOGIN_PATH)
    known = [_attempt(page, live_server, "100001", f"wrong-{n}") for n in range(5)]
    assert known[:4] == [BAD_CREDENTIALS] * 4
    # The fifth failure locks the ID and says so at once.
    assert known[4].startswith(REFUSED_START)

    # Now even the right password is refused, with the same message.
    assert _attempt(page, live_server, "100001", password) == known[4]
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}?next=/")

    # An ID with no account reads exactly the same, attempt for attempt.
    unknown = [_attempt(page, live_server, "100999", f"wrong-{n}") for n in range(5)]
    unknown.append(_attempt(page, live_server, "100999", password))
    assert unknown == [*known, known[4]]


def test_login_page_fits_a_phone_screen(new_page, live_server, console_messages):
    page = new_page(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page.goto(LOGIN_PATH)

    identifier = page.get_by_label("Distributor ID", exact=True)
    expect(identifier).to_be_visible()
    expect(identifier).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    box = identifier.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page scrolls sideways ({scroll_width}px wide)"
    assert csp_errors(console_messages) == []
