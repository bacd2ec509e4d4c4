"""A support conversation: a distributor asks, staff answer, the distributor replies."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from backoffice.accounts.models import Authenticator
from backoffice.accounts.roles import sync_roles
from backoffice.accounts.tests.factories import current_code
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.support.models import CannedReply, Ticket, TicketStatus
from tests.e2e.helpers import csp_errors, enter_code, sign_in, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "support": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "support")},
        },
    }


@pytest.fixture
def support_staff(staff):
    sync_roles()
    staff.groups.add(Group.objects.get(name="support"))
    CannedReply.objects.create(
        title="Need order number",
        body_en="Could you send us the order number? It starts with GX-.",
    )
    return staff


def signed_in(page: Page, live_server, user, password: str) -> None:
    sign_in(page, user.username, password)
    if user.is_staff:
        expect(page).to_have_url(f"{live_server.url}/accounts/login/verify/")
        enter_code(page, current_code(Authenticator.objects.get(user=user)))
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_ticket_conversation(
    new_page,
    live_server,
    team,  # noqa: F811
    support_staff,
    password,
    console_messages,
):
    alice = new_page()
    signed_in(alice, live_server, team["alice"].user, password)
    alice.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Support", exact=True
    ).click()
    expect(alice.locator("#contact")).to_contain_text("(626) 338-8081")
    alice.get_by_role("link", name="Open a support ticket").first.click()
    alice.get_by_label("Topic").select_option(label="Orders and shipping")
    alice.get_by_label("Subject").fill("Box arrived damaged")
    alice.get_by_label("Your message").fill("One jar was broken.")
    submit(alice, "Send ticket")
    ticket = Ticket.objects.get()
    expect(alice).to_have_url(f"{live_server.url}/support/tickets/{ticket.code}/")
    expect(alice.locator("#ticket-status")).to_have_text("Open")

    staff = new_page()
    signed_in(staff, live_server, support_staff, password)
    staff.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Support inbox", exact=True
    ).click()
    staff.get_by_role("link", name=ticket.code, exact=True).click()
    # Wait for the ticket page's load event: its scripts have run by then, so
    # the canned-reply picker is listening before it is used.
    staff.wait_for_url(f"**/{ticket.code}/", wait_until="load")
    expect(staff.locator(".thread")).to_contain_text("One jar was broken.")
    # A canned reply fills the box (static JS), then staff adjust and send it.
    staff.get_by_label("Canned reply").select_option(label="Need order number")
    reply_box = staff.get_by_label("Your reply")
    expect(reply_box).to_have_value(
        "Could you send us the order number? It starts with GX-."
    )
    reply_box.fill("Sorry about that! Could you send us the order number?")
    submit(staff, "Send reply")
    expect(staff.locator("#ticket-status")).to_have_text("Waiting on the distributor")
    staff.get_by_label("Internal note (never shown to the distributor)").fill(
        "Warehouse packed it on Monday."
    )
    submit(staff, "Add note")
    expect(staff.locator(".thread")).to_contain_text("Warehouse packed it on Monday.")

    alice.reload()
    expect(alice.locator("#ticket-status")).to_have_text("Waiting on you")
    expect(alice.locator(".thread")).to_contain_text(
        "Sorry about that! Could you send us the order number?"
    )
    expect(alice.locator(".thread")).not_to_contain_text("Warehouse")
    alice.get_by_label("Your reply").fill("It is GX-ABCDEFGHJK.")
    # htmx swaps the conversation in place.
    with alice.expect_response(lambda r: "/reply/" in r.url):
        alice.get_by_role("button", name="Send reply", exact=True).click()
    expect(alice.locator("#ticket-status")).to_have_text("Open")
    expect(alice.locator(".thread")).to_contain_text("It is GX-ABCDEFGHJK.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN

    staff.reload()
    expect(staff.locator("#ticket-status")).to_have_text("Open (our turn)")
    expect(staff.locator(".thread")).to_contain_text("It is GX-ABCDEFGHJK.")
    assert csp_errors(console_messages) == []
