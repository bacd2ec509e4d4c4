"""The bank account page: masked, re-authenticated, held, announced, never leaked."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.signals import got_request_exception
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.views.debug import ExceptionReporter

from backoffice.accounts.actions import REAUTH_KEY
from backoffice.accounts.models import SecurityEvent
from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions.models import HoldReason, PayoutHold
from backoffice.commissions.payouts import place_hold
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles import actions
from backoffice.profiles.models import BankAccount

BANKING = "/profile/banking/"
EDIT = "/profile/banking/edit/"
REVEAL = "/profile/banking/reveal/"
CONFIRM = "/accounts/confirm-password/"
ACCOUNT = "4433221100556789"
MASKED = "•••• 6789"
ROUTING = "011000015"
OTHER_ROUTING = "021000021"
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)

VALID = {
    "holder_name": "Alice Archer",
    "routing_number": ROUTING,
    "account_number": ACCOUNT,
    "account_number_again": ACCOUNT,
    "account_type": "checking",
    "payout_method": "bank",
}


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L)."""
    return team


def reauthenticated(client, user, *, seconds_ago: float = 0) -> None:
    client.force_login(user)
    session = client.session
    session[REAUTH_KEY] = timezone.now().timestamp() - seconds_ago
    session.save()


def stale(client, user) -> None:
    reauthenticated(client, user, seconds_ago=settings.REAUTH_SECONDS + 1)


def give_account(distributor, number: str = ACCOUNT, **fields) -> BankAccount:
    """A stored account written directly: no hold, no event, no email."""
    account = BankAccount(
        distributor=distributor,
        **{
            "holder_name": "Alice Archer",
            "routing_number": ROUTING,
            "account_type": "checking",
            "payout_method": "bank",
            **fields,
        },
    )
    account.set_account_number(number)
    account.save()
    return account


@pytest.fixture
def alice_account(members):
    return give_account(members["alice"])


def page(client, path: str = BANKING) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- who may see what ---------------------------------------------------------


@pytest.mark.parametrize("path", [BANKING, EDIT, REVEAL, "/profile/tax/"])
def test_staff_get_404_on_every_page(client, staff, path):
    stale(client, staff)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


@pytest.mark.parametrize("path", [BANKING, EDIT, REVEAL])
def test_a_user_without_a_distributor_gets_404_not_a_password_prompt(client, db, path):
    user = UserFactory(username="carol-no-network")
    stale(client, user)
    assert client.get(path).status_code == 404
    assert client.post(path, VALID).status_code == 404
    assert BankAccount.objects.count() == 0


@pytest.mark.parametrize("path", [BANKING, EDIT])
def test_signed_out_visitors_go_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_charlie_sees_only_his_own_details(client, members, alice_account):
    reauthenticated(client, members["charlie"].user)
    html = page(client)
    assert "No bank account yet" in html
    assert MASKED not in html
    assert "Alice Archer" not in html
    response = client.post(REVEAL)
    assert response.status_code == 302
    assert response["Location"] == BANKING
    edit = page(client, EDIT)
    assert "Alice Archer" not in edit
    assert MASKED not in edit
    assert not SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.BANK_DETAILS_VIEWED
    ).exists()


# --- masked display -----------------------------------------------------------


def test_the_page_shows_the_masked_number_only(client, members, alice_account):
    client.force_login(members["alice"].user)
    html = page(client)
    assert f'<dd class="number" id="account-number">{MASKED}</dd>' in html
    assert ACCOUNT not in html
    assert ACCOUNT[:-4] not in html
    assert ROUTING in html
    assert "Checking" in html
    assert "Bank account (direct deposit)" in html
    assert "Show full number" in html


def test_pages_with_bank_details_are_never_cached(client, members, alice_account):
    reauthenticated(client, members["alice"].user)
    for path in (BANKING, EDIT):
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_without_an_account_the_page_offers_to_add_one(client, members):
    client.force_login(members["alice"].user)
    html = page(client)
    assert "No bank account yet" in html
    assert f'href="{EDIT}"' in html
    assert "Show full number" not in html


def test_the_edit_form_never_carries_the_stored_number(client, members, alice_account):
    reauthenticated(client, members["alice"].user)
    html = page(client, EDIT)
    assert ACCOUNT not in html
    assert f"Leave both boxes empty to keep the account ending in {MASKED}." in html
    assert f'value="{ROUTING}"' in html
    assert 'value="Alice Archer"' in html


def test_a_number_that_does_not_decrypt_for_this_row_is_not_shown(
    client, members, alice_account
):
    # Alice's ciphertext copied into charlie's row: it is bound to alice's row.
    give_account(members["charlie"], "99887766")
    BankAccount.objects.filter(distributor=members["charlie"]).update(
        account_number_encrypted=alice_account.account_number_encrypted
    )
    reauthenticated(client, members["charlie"].user)
    html = page(client)
    assert "We cannot read the account number we have on file." in html
    assert MASKED not in html
    assert "Show full number" not in html
    edit = page(client, EDIT)
    assert "Leave both boxes empty" not in edit


def test_an_unreadable_number_can_be_replaced(client, members, alice_account):
    give_account(members["charlie"], "99887766")
    BankAccount.objects.filter(distributor=members["charlie"]).update(
        account_number_encrypted=alice_account.account_number_encrypted
    )
    reauthenticated(client, members["charlie"].user)
    new = "55554444"
    response = client.post(
        EDIT, {**VALID, "account_number": new, "account_number_again": new}
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(distributor=members["charlie"])
    assert account.account_number() == new
    assert PayoutHold.objects.active().for_distributor(members["charlie"]).count() == 1


# --- re-authentication --------------------------------------------------------


@pytest.mark.parametrize("path", [EDIT, "/profile/tax/edit/"])
def test_a_stale_confirmation_redirects_to_confirm_password(client, members, path):
    stale(client, members["alice"].user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next={path.replace('/', '%2F')}"


def test_the_window_lasts_exactly_the_configured_seconds(client, members):
    with time_machine.travel(NOW, tick=False) as traveller:
        reauthenticated(client, members["alice"].user)
        traveller.shift(timedelta(seconds=settings.REAUTH_SECONDS))
        assert client.get(EDIT).status_code == 200
        traveller.shift(timedelta(seconds=1))
        response = client.get(EDIT)
        assert response.status_code == 302
        assert response["Location"].startswith(CONFIRM)


def test_the_window_follows_the_setting(client, members, settings):
    settings.REAUTH_SECONDS = 120
    reauthenticated(client, members["alice"].user, seconds_ago=119)
    assert client.get(EDIT).status_code == 200
    reauthenticated(client, members["alice"].user, seconds_ago=121)
    assert client.get(EDIT).status_code == 302


def test_confirming_the_password_leads_back_to_the_form(client, members, password):
    stale(client, members["alice"].user)
    prompt = client.get(EDIT)["Location"]
    wrong = client.post(prompt, {"password": "not-my-password"})
    assert wrong.status_code == 200
    assert client.get(EDIT).status_code == 302
    right = client.post(prompt, {"password": password})
    assert right.status_code == 302
    assert right["Location"] == EDIT
    assert client.get(EDIT).status_code == 200


def test_a_stale_post_saves_nothing(client, members):
    stale(client, members["alice"].user)
    response = client.post(EDIT, VALID)
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM)
    assert BankAccount.objects.count() == 0
    assert PayoutHold.objects.count() == 0
    assert mail.outbox == []


# --- saving -------------------------------------------------------------------


def test_adding_an_account_encrypts_logs_holds_and_emails(
    client, members, django_capture_on_commit_callbacks
):
    alice = members["alice"]
    with time_machine.travel(NOW, tick=False):
        reauthenticated(client, alice.user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(EDIT, VALID)
        assert response.status_code == 302
        assert response["Location"] == BANKING

        account = BankAccount.objects.get(distributor=alice)
        assert account.holder_name == "Alice Archer"
        assert account.routing_number == ROUTING
        assert account.account_number() == ACCOUNT
        assert account.account_type == "checking"
        assert account.payout_method == "bank"

        hold = PayoutHold.objects.active().for_distributor(alice).get()
        assert hold.reason == HoldReason.BANK_CHANGE
        assert hold.until == NOW + timedelta(days=settings.BANK_CHANGE_HOLD_DAYS)

        event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.BANK_DETAILS_CHANGED)
        assert event.user == alice.user
        assert event.detail == {"new_account": True, "destination_changed": True}

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [alice.user.email]
        assert (
            message.subject == "Your bank details for commission payouts were changed"
        )
        assert f"It now ends in {MASKED}." in message.body
        assert "payouts to the new account start after 7 days" in message.body
        assert ACCOUNT not in message.body
        assert ACCOUNT not in message.subject

        html = client.get(BANKING, follow=True).content.decode()
    until = date_format(timezone.localtime(hold.until), "DATETIME_FORMAT")
    assert f"<strong>Your payouts are on hold until {until}</strong>" in html
    assert (
        f"Your bank details were saved. We sent an email about the change to "
        f"{alice.user.email}." in html
    )
    assert MASKED in html
    assert ACCOUNT not in html


def test_the_number_is_encrypted_at_rest(client, members):
    reauthenticated(client, members["alice"].user)
    client.post(EDIT, VALID)
    account = BankAccount.objects.get(distributor=members["alice"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_number_encrypted FROM profiles_bankaccount WHERE id = %s",
            [account.pk],
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:")
    assert ACCOUNT not in stored
    assert ACCOUNT[-4:] not in stored
    assert ACCOUNT[:6] not in stored


def test_an_expired_hold_is_not_shown(client, members, alice_account):
    with time_machine.travel(NOW, tick=False):
        place_hold(
            distributor=members["alice"], reason=HoldReason.BANK_CHANGE, days=7, note=""
        )
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        client.force_login(members["alice"].user)
        assert "Your payouts are on hold" not in page(client)


def test_a_staff_hold_without_an_end_is_shown(client, members, alice_account):
    place_hold(
        distributor=members["alice"], reason=HoldReason.STAFF, days=None, note="check"
    )
    client.force_login(members["alice"].user)
    html = page(client)
    assert (
        "<strong>Your payouts are on hold until our staff release them</strong>" in html
    )


def test_keeping_the_number_changes_the_rest_without_a_hold(
    client, members, alice_account, django_capture_on_commit_callbacks
):
    reauthenticated(client, members["alice"].user)
    data = {
        **VALID,
        "holder_name": "Alice B. Archer",
        "account_number": "",
        "account_number_again": "",
        "payout_method": "wallet",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT, data)
    assert response.status_code == 302
    account = BankAccount.objects.get(distributor=members["alice"])
    assert account.holder_name == "Alice B. Archer"
    assert account.payout_method == "wallet"
    assert account.account_number() == ACCOUNT
    assert PayoutHold.objects.count() == 0
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.BANK_DETAILS_CHANGED)
    assert event.detail == {"new_account": False, "destination_changed": False}
    assert len(mail.outbox) == 1
    assert f"It now ends in {MASKED}." in mail.outbox[0].body
    assert "For your protection" not in mail.outbox[0].body


def test_a_new_number_at_the_same_bank_is_held(client, members, alice_account):
    reauthenticated(client, members["alice"].user)
    new = "12345678"
    client.post(EDIT, {**VALID, "account_number": new, "account_number_again": new})
    assert BankAccount.objects.get(distributor=members["alice"]).account_number() == new
    assert PayoutHold.objects.active().for_distributor(members["alice"]).count() == 1


def test_a_new_bank_needs_its_account_number(client, members, alice_account):
    reauthenticated(client, members["alice"].user)
    response = client.post(
        EDIT,
        {
            **VALID,
            "routing_number": OTHER_ROUTING,
            "account_number": "",
            "account_number_again": "",
        },
    )
    assert response.status_code == 200
    assert "Enter the account number at the new bank." in response.content.decode()
    assert (
        BankAccount.objects.get(distributor=members["alice"]).routing_number == ROUTING
    )
    assert PayoutHold.objects.count() == 0
    assert SecurityEvent.objects.count() == 0


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"routing_number": "01100001"}, "A routing number has 9 digits."),
        ({"routing_number": "0110000150"}, "A routing number has 9 digits."),
        ({"routing_number": "01100001x"}, "A routing number has 9 digits."),
        (
            {"routing_number": "011000016"},
            "This is not a valid routing number. Check the 9 digits at the bottom "
            "left of one of your checks.",
        ),
        # The checksum holds but no Federal Reserve district starts with 00.
        (
            {"routing_number": "000000000"},
            "This is not a valid routing number. Check the 9 digits at the bottom "
            "left of one of your checks.",
        ),
        (
            {"account_number": "123", "account_number_again": "123"},
            "An account number has 4 to 17 digits.",
        ),
        (
            {"account_number": "1" * 18, "account_number_again": "1" * 18},
            "An account number has 4 to 17 digits.",
        ),
        (
            {"account_number": "12345x", "account_number_again": "12345x"},
            "An account number has 4 to 17 digits.",
        ),
        (
            {"account_number_again": "4433221100556788"},
            "The two account numbers are different.",
        ),
        ({"account_number_again": ""}, "Type the account number a second time."),
        (
            {"account_number": "", "account_number_again": ""},
            "Enter the account number.",
        ),
        ({"holder_name": ""}, "This field is required."),
        (
            {"holder_name": "A" * 101},
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        (
            {"holder_name": "Alice\nArcher"},
            "Remove the line breaks and other control characters.",
        ),
        ({"account_type": "brokerage"}, "Select a valid choice."),
        ({"payout_method": "crypto"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, members, changes, message):
    reauthenticated(client, members["alice"].user)
    response = client.post(EDIT, {**VALID, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert ACCOUNT not in html
    assert BankAccount.objects.count() == 0
    assert PayoutHold.objects.count() == 0
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.BANK_DETAILS_CHANGED
        ).count()
        == 0
    )
    assert mail.outbox == []


def test_spaces_and_dashes_in_numbers_are_accepted(client, members):
    reauthenticated(client, members["alice"].user)
    spaced = "4433 2211-0055 6789"
    response = client.post(
        EDIT,
        {
            **VALID,
            "routing_number": "0110 0001 5",
            "account_number": spaced,
            "account_number_again": spaced,
        },
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(distributor=members["alice"])
    assert account.routing_number == ROUTING
    assert account.account_number() == ACCOUNT


def test_script_in_the_holder_name_is_refused_and_shown_escaped(client, members):
    reauthenticated(client, members["alice"].user)
    script = "<script>alert('x')</script>"
    response = client.post(EDIT, {**VALID, "holder_name": script})
    html = response.content.decode()
    assert "Use plain text only: the characters &lt; and &gt; are not accepted." in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert BankAccount.objects.count() == 0


def test_a_stored_script_is_shown_escaped(client, members):
    # Written directly (an import, a data fix): the page escapes it anyway.
    give_account(members["alice"], holder_name="<b>Alice</b>")
    client.force_login(members["alice"].user)
    html = page(client)
    assert "&lt;b&gt;Alice&lt;/b&gt;" in html
    assert "<b>Alice</b>" not in html


# --- showing the number in full -----------------------------------------------


def test_reveal_shows_the_number_once_and_logs_it(client, members, alice_account):
    reauthenticated(client, members["alice"].user)
    response = client.post(REVEAL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<dd class="number" id="account-number">{ACCOUNT}</dd>' in html
    assert "The full number is shown on this page only once" in html
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.BANK_DETAILS_VIEWED)
    assert event.user == members["alice"].user
    assert event.detail == {}
    again = page(client)
    assert ACCOUNT not in again
    assert MASKED in again


def test_reveal_needs_a_recent_password(client, members, alice_account, password):
    stale(client, members["alice"].user)
    response = client.post(REVEAL)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Fprofile%2Fbanking%2Freveal%2F"
    assert not SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.BANK_DETAILS_VIEWED
    ).exists()
    back = client.post(response["Location"], {"password": password})
    assert back["Location"] == REVEAL
    # Coming back by GET only leads to the page: showing the number takes a POST.
    landing = client.get(REVEAL, follow=True)
    assert landing.redirect_chain == [(BANKING, 302)]
    html = landing.content.decode()
    assert ACCOUNT not in html
    assert "Your password is confirmed: choose “Show full number” again." in html
    assert not SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.BANK_DETAILS_VIEWED
    ).exists()
    assert ACCOUNT in client.post(REVEAL).content.decode()


def test_reveal_without_an_account_shows_nothing(client, members):
    reauthenticated(client, members["alice"].user)
    response = client.post(REVEAL)
    assert response.status_code == 302
    assert response["Location"] == BANKING
    assert SecurityEvent.objects.count() == 0


# --- error reports ------------------------------------------------------------


def test_a_crash_while_saving_leaves_no_number_in_the_error_report(
    client, members, monkeypatch
):
    reports: list[str] = []

    def report(sender, request, **kwargs) -> None:
        reporter = ExceptionReporter(request, *sys.exc_info())
        reports.append(reporter.get_traceback_text())
        reports.append(reporter.get_traceback_html())

    def fail(**kwargs):
        raise RuntimeError("hold table locked")

    monkeypatch.setattr(actions, "place_hold", fail)
    got_request_exception.connect(report)
    try:
        reauthenticated(client, members["alice"].user)
        client.raise_request_exception = False
        # Not the company's own routing number, which the settings page shows.
        response = client.post(EDIT, {**VALID, "routing_number": OTHER_ROUTING})
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500
    assert len(reports) == 2
    for text in reports:
        assert "hold table locked" in text
        assert "save_bank_account" in text
        assert ACCOUNT not in text
        assert OTHER_ROUTING not in text
        assert "********************" in text
    assert BankAccount.objects.count() == 0
