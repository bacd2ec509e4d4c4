"""The profile page in a browser: editing on a phone, and changing the email."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from backoffice.accounts.models import User
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles.models import Profile
from tests.e2e.helpers import csp_errors, sign_in, submit

pytestmark = pytest.mark.e2e

PROFILE_PATH = "/profile/"
LINK = re.compile(r"http://[^\s]+(/profile/email/confirm/[A-Za-z0-9_-]+/)")


@pytest.fixture
def members(team):  # noqa: F811
    alice = team["alice"]
    alice.phone = "(213) 555-0100"
    alice.address_line1 = "1 Palm Way"
    alice.city = "Los Angeles"
    alice.state = "CA"
    alice.postal_code = "90001"
    alice.date_of_birth = date(1980, 4, 2)
    alice.save()
    return team


def test_edit_the_profile_on_a_phone(
    new_page, live_server, members, password, console_messages
):
    page = new_page(viewport={"width": 375, "height": 667})
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(PROFILE_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page scrolls sideways: {scroll_width}px wide"

    same = page.get_by_label("Ship my orders to my mailing address", exact=True)
    expect(same).to_be_checked()
    expect(page.get_by_label("Shipping address", exact=True)).to_be_hidden()
    same.uncheck()
    expect(page.get_by_label("Shipping address", exact=True)).to_be_visible()

    page.get_by_label("Phone", exact=True).fill("213.555.0199")
    page.get_by_label("Shipping address", exact=True).fill("500 Main Street")
    page.get_by_label("Shipping city", exact=True).fill("Austin")
    page.get_by_label("Shipping state", exact=True).select_option("TX")
    page.get_by_label("Shipping ZIP code", exact=True).fill("78701")
    page.get_by_label("Messages from my upline", exact=True).uncheck()
    submit(page, "Save profile")

    expect(page.get_by_role("status").first).to_contain_text("Your profile was saved.")
    expect(page.get_by_label("Phone", exact=True)).to_have_value("(213) 555-0199")
    expect(page.get_by_label("Shipping address", exact=True)).to_be_visible()
    member = members["alice"]
    member.refresh_from_db()
    assert member.phone == "(213) 555-0199"
    profile = Profile.objects.get(distributor=member)
    assert (profile.ship_line1, profile.ship_state) == ("500 Main Street", "TX")
    assert profile.team_messages is False
    assert csp_errors(console_messages) == []


def test_change_the_email_with_the_link(
    new_page, live_server, members, password, console_messages, mailoutbox
):
    page = new_page()
    sign_in(page, "100001", password)
    page.goto(PROFILE_PATH)
    with page.expect_event("load"):
        page.get_by_role("link", name="Change email address").click()
    page.get_by_label("New email address", exact=True).fill("alice@new.example.com")
    page.get_by_label("Your current password", exact=True).fill(password)
    submit(page, "Send confirmation link")
    expect(page).to_have_url(f"{live_server.url}{PROFILE_PATH}")
    expect(page.locator("#pending-email")).to_contain_text("alice@new.example.com")
    expect(page.locator("#current-email")).to_have_text("100001@example.com")

    confirm, notice = mailoutbox
    assert confirm.to == ["alice@new.example.com"]
    assert notice.to == ["100001@example.com"]
    path = LINK.search(confirm.body).group(1)

    # Opened on another device, signed out.
    other = new_page()
    other.goto(path)
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "Confirm your new email address"
    )
    submit(other, "Confirm new email address")
    expect(other.locator("#confirmed-email")).to_contain_text("alice@new.example.com")
    assert User.objects.get(username="100001").email == "alice@new.example.com"
    assert mailoutbox[-1].to == ["100001@example.com"]

    page.goto(PROFILE_PATH)
    expect(page.locator("#current-email")).to_have_text("alice@new.example.com")
    assert csp_errors(console_messages) == []
