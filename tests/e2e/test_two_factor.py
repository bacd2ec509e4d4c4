"""Two-factor sign-in: setting it up, signing in with it, staff who must have it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backoffice.accounts.models import Authenticator
from backoffice.accounts.tests.factories import (
    StaffFactory,
    add_totp_device,
    current_code,
)
from tests.e2e.helpers import (
    LOGIN_PATH,
    code_valid_at_no_nearby_step,
    enter_code,
    sign_in,
    sign_out,
    submit,
    totp_code,
    wait_out_throttle,
)

pytestmark = pytest.mark.e2e

SETUP_PATH = "/accounts/two-factor/setup/"
VERIFY_PATH = "/accounts/login/verify/"
RECOVERY_CODES_PATH = "/accounts/two-factor/recovery-codes/"
INVALID_CODE = "That code is not valid. Check your app and try again."


def _turn_on_two_factor(page, live_server) -> list[str]:
    """On the set-up page: enter the app's code; return the recovery codes shown."""
    secret = page.locator("#totp-secret").inner_text()
    assert all(len(group) == 4 for group in secret.split()[:-1]), secret
    page.get_by_label("Code from your authenticator app", exact=True).fill(
        totp_code(secret)
    )
    submit(page, "Turn on two-factor sign-in")
    expect(page).to_have_url(f"{live_server.url}{RECOVERY_CODES_PATH}")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    return [code.strip() for code in codes.all_inner_texts()]


def test_set_up_two_factor_then_sign_in_with_a_recovery_code(
    page, live_server, alice, password
):
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(SETUP_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor sign-in"
    )
    # A distributor may choose two-factor sign-in; only staff are told they must.
    expect(
        page.get_by_text("Staff accounts must use two-factor sign-in.")
    ).to_have_count(0)
    codes = _turn_on_two_factor(page, live_server)
    assert len(set(codes)) == 10
    assert Authenticator.objects.get(user=alice).confirmed

    sign_out(page)
    sign_in(page, "100001", password)
    # The password alone is not enough any more.
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}?next=/")

    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    enter_code(page, codes[0])
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(page.locator("#security-status .status")).to_have_text("On")

    # Each recovery code works once.
    sign_out(page)
    sign_in(page, "100001", password)
    enter_code(page, codes[0])
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    expect(page.get_by_label("Authentication code", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text(INVALID_CODE)


def test_sign_in_with_a_code_from_the_authenticator_app(
    page, live_server, bob, password
):
    device = add_totp_device(bob)

    sign_in(page, "100002", password)
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter your authentication code"
    )

    # A code that is valid at no nearby time step is refused.
    enter_code(page, code_valid_at_no_nearby_step(device.bin_key))
    expect(page).to_have_url(f"{live_server.url}{VERIFY_PATH}")
    expect(page.locator("main")).to_contain_text(INVALID_CODE)

    wait_out_throttle(device)
    enter_code(page, current_code(device))
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bob")
    expect(page.locator("#distributor-id")).to_have_text("100002")


def test_staff_without_two_factor_must_set_it_up(page, live_server, password):
    staff = StaffFactory(first_name="Sam", last_name="Staff")

    sign_in(page, staff.username, password)
    expect(page).to_have_url(f"{live_server.url}{SETUP_PATH}")
    expect(
        page.get_by_text("Staff accounts must use two-factor sign-in.")
    ).to_be_visible()

    # No other page is reachable until it is on.
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}{SETUP_PATH}")
    page.goto("/accounts/security/")
    expect(page).to_have_url(f"{live_server.url}{SETUP_PATH}")

    _turn_on_two_factor(page, live_server)
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam")
