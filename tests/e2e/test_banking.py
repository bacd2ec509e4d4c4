"""Bank details: asked for the password, entered, shown masked with the payout hold."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from backoffice.accounts.actions import REAUTH_KEY
from backoffice.accounts.sessions import SessionStore
from backoffice.commissions.models import PayoutHold
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles.models import BankAccount
from tests.e2e.helpers import csp_errors, sign_in, submit

pytestmark = pytest.mark.e2e

BANKING_PATH = "/profile/banking/"
EDIT_PATH = "/profile/banking/edit/"
ACCOUNT = "4433221100556789"
MASKED = "•••• 6789"
ROUTING = "021000021"


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L)."""
    return team


def let_the_password_confirmation_expire(page: Page) -> None:
    """As if the sign-in was longer ago than the re-authentication window."""
    [cookie] = [
        c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    ]
    session = SessionStore(session_key=cookie["value"])
    session[REAUTH_KEY] = timezone.now().timestamp() - settings.REAUTH_SECONDS - 60
    session.save()


def test_enter_bank_details_after_confirming_the_password(
    page, live_server, members, password, console_messages, mailoutbox
):
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    let_the_password_confirmation_expire(page)

    page.goto(BANKING_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bank account for payouts"
    )
    expect(page.get_by_role("heading", name="No bank account yet")).to_be_visible()
    with page.expect_event("load"):
        page.get_by_role("link", name="Add a bank account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, "Continue")

    expect(page).to_have_url(f"{live_server.url}{EDIT_PATH}")
    expect(page.get_by_label("Account holder", exact=True)).to_have_value(
        "Alice Archer"
    )
    page.get_by_label("Routing number", exact=True).fill(ROUTING)
    page.get_by_label("Account number", exact=True).fill(ACCOUNT)
    page.get_by_label("Account number again", exact=True).fill(ACCOUNT)
    page.get_by_label("Checking", exact=True).check()
    expect(
        page.get_by_label("Bank account (direct deposit)", exact=True)
    ).to_be_checked()
    submit(page, "Save bank details")

    expect(page).to_have_url(f"{live_server.url}{BANKING_PATH}")
    expect(page.locator("#account-number")).to_have_text(MASKED)
    hold = PayoutHold.objects.get(distributor=members["alice"])
    until = date_format(timezone.localtime(hold.until), "DATETIME_FORMAT")
    expect(page.locator(".payout-hold strong")).to_have_text(
        f"Your payouts are on hold until {until}"
    )
    expect(page.get_by_role("status").first).to_contain_text(
        "Your bank details were saved."
    )
    assert ACCOUNT not in page.content()

    account = BankAccount.objects.get(distributor=members["alice"])
    assert account.account_number() == ACCOUNT
    assert account.routing_number == ROUTING
    [email] = mailoutbox
    assert email.to == [members["alice"].user.email]
    assert f"It now ends in {MASKED}." in email.body
    assert ACCOUNT not in email.body

    # The password was confirmed moments ago: the full number is one click away,
    # and it is gone again when the page is loaded afresh.
    submit(page, "Show full number")
    expect(page.locator("#account-number")).to_have_text(ACCOUNT)
    page.goto(BANKING_PATH)
    expect(page.locator("#account-number")).to_have_text(MASKED)
    assert csp_errors(console_messages) == []


def test_the_banking_form_fits_a_phone_screen(
    new_page, live_server, members, password, console_messages
):
    page = new_page(viewport={"width": 375, "height": 667})
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(EDIT_PATH)
    expect(page.get_by_label("Account number again", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.clientWidth") == 375
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page scrolls sideways: {scroll_width}px wide"
    assert csp_errors(console_messages) == []
