"""Resetting a forgotten password through the emailed link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import LOGIN_PATH, sign_in, submit

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Lantern-Orbit-Quietly-57"
RESET_LINK = re.compile(r"https?://[^\s/]+(/accounts/password-reset/[^\s/]+/[^\s/]+/)")


def test_reset_link_sets_a_new_password(page, live_server, alice, password, mailoutbox):
    page.goto(LOGIN_PATH)
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/password-reset/")
    page.get_by_label("Distributor ID", exact=True).fill("100001")
    submit(page, "Email me a reset link")

    expect(page).to_have_url(f"{live_server.url}/accounts/password-reset/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["100001@example.com"]
    links = RESET_LINK.findall(email.body)
    assert len(links) == 1, email.body
    # The link's host is settings.SITE_URL; open its path on the live server.
    reset_path = urlsplit(links[0]).path

    page.goto(reset_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation", exact=True).fill(NEW_PASSWORD)
    submit(page, "Set my new password")

    expect(page).to_have_url(f"{live_server.url}/accounts/password-reset/complete/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your password has been changed"
    )

    # The link works once.
    page.goto(reset_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This link no longer works"
    )

    # The old password no longer signs in; the new one does.
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    expect(page.get_by_role("alert")).to_have_text(
        "That distributor ID and password do not match. Try again."
    )
    sign_in(page, "100001", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")


def test_reset_page_refuses_a_weak_new_password(page, live_server, alice, mailoutbox):
    page.goto("/accounts/password-reset/")
    page.get_by_label("Distributor ID", exact=True).fill("100001")
    submit(page, "Email me a reset link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    (link,) = RESET_LINK.findall(mailoutbox[0].body)

    page.goto(urlsplit(link).path)
    weak = "x100001-too"  # short, and contains the distributor ID
    page.get_by_label("New password", exact=True).fill(weak)
    page.get_by_label("New password confirmation", exact=True).fill(weak)
    submit(page, "Set my new password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    errors = page.locator(".field p.error")
    expect(errors.first).to_be_visible()
    texts = errors.all_inner_texts()
    assert any("at least 12 characters" in text for text in texts), texts
    assert any("must not contain your distributor ID" in text for text in texts), texts
