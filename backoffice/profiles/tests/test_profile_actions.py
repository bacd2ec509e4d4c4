"""Saving payout details: encryption bound to the row, holds, events, emails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from backoffice.accounts.models import SecurityEvent
from backoffice.commissions.models import HoldReason, PayoutHold
from backoffice.lib.encryption import EncryptionError
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles import actions
from backoffice.profiles.models import BankAccount, TaxProfile

ACCOUNT = "4433221100556789"
MASKED = "•••• 6789"
ROUTING = "011000015"
TIN = "531447890"
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)

W9 = {
    "legal_name": "Alice Archer",
    "business_name": "",
    "classification": "individual",
    "tin_kind": "ssn",
    "address_line1": "1 Orange Grove Ave",
    "city": "Pasadena",
    "state": "CA",
    "postal_code": "91105",
    "signature_name": "Alice Archer",
}


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L)."""
    return team


def save_bank(distributor, number: str = ACCOUNT, **fields) -> BankAccount:
    values = {
        "holder_name": "Alice Archer",
        "routing_number": ROUTING,
        "account_number": number,
        "account_type": "checking",
        "payout_method": "bank",
        **fields,
    }
    return actions.save_bank_account(distributor=distributor, **values)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (the emails) as the request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def events(kind) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def test_a_new_account_is_held_logged_and_announced(members, on_commit, settings):
    settings.BANK_CHANGE_HOLD_DAYS = 5
    alice = members["alice"]
    with time_machine.travel(NOW, tick=False), on_commit():
        account = save_bank(alice)
    assert account.account_number() == ACCOUNT
    assert account.masked_account == MASKED
    hold = PayoutHold.objects.get(distributor=alice)
    assert hold.reason == HoldReason.BANK_CHANGE
    assert hold.until == NOW + timedelta(days=5)
    assert hold.created_by is None
    [event] = events(SecurityEvent.Kind.BANK_DETAILS_CHANGED)
    assert event.user == alice.user
    assert event.detail == {"new_account": True, "destination_changed": True}
    [message] = mail.outbox
    assert message.to == [alice.user.email]
    assert message.body.startswith("Hello Alice,")
    assert f"It now ends in {MASKED}." in message.body
    assert "payouts to the new account start after 5 days" in message.body
    assert ACCOUNT not in message.body
    # Plain text only: nothing in it is ever interpreted as HTML.
    assert message.alternatives == []


def test_the_same_destination_is_not_held_again_but_still_announced(members, on_commit):
    alice = members["alice"]
    save_bank(alice)
    mail.outbox.clear()
    with on_commit():
        save_bank(alice, holder_name="Alice B. Archer", account_type="savings")
    assert PayoutHold.objects.filter(distributor=alice).count() == 1
    first, second = events(SecurityEvent.Kind.BANK_DETAILS_CHANGED)
    assert second.detail == {"new_account": False, "destination_changed": False}
    [message] = mail.outbox
    assert f"It now ends in {MASKED}." in message.body
    assert "For your protection" not in message.body


@pytest.mark.parametrize(
    "change", [{"number": "12345678"}, {"routing_number": "021000021"}]
)
def test_a_new_number_or_bank_is_held_again(members, change):
    alice = members["alice"]
    save_bank(alice)
    save_bank(alice, **change)
    assert PayoutHold.objects.active().for_distributor(alice).count() == 2
    second = events(SecurityEvent.Kind.BANK_DETAILS_CHANGED)[1]
    assert second.detail == {"new_account": False, "destination_changed": True}


def test_no_hold_when_the_hold_period_is_zero(members, on_commit, settings):
    settings.BANK_CHANGE_HOLD_DAYS = 0
    with on_commit():
        save_bank(members["alice"])
    assert PayoutHold.objects.count() == 0
    assert "For your protection" not in mail.outbox[0].body


def test_the_email_goes_out_only_once_the_change_is_committed(members, on_commit):
    with on_commit() as callbacks:
        save_bank(members["alice"])
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_nothing_about_the_number_is_in_text_forms_of_the_row(members):
    account = save_bank(members["alice"])
    assert str(account) == f"bank account of {members['alice'].pk}"
    assert repr(account) == str(account)
    assert ACCOUNT[-4:] not in account.account_number_encrypted
    for event in SecurityEvent.objects.all():
        assert ACCOUNT not in str(event.detail)
        assert ACCOUNT[-4:] not in str(event.detail)


def test_a_value_copied_to_another_row_does_not_decrypt(members):
    alice_account = save_bank(members["alice"])
    charlie_account = save_bank(members["charlie"], "99887766")
    charlie_account.account_number_encrypted = alice_account.account_number_encrypted
    with pytest.raises(EncryptionError):
        charlie_account.account_number()


def test_each_save_encrypts_afresh(members):
    first = save_bank(members["alice"]).account_number_encrypted
    second = save_bank(members["alice"]).account_number_encrypted
    assert first != second


def test_a_tax_profile_is_encrypted_signed_logged_and_announced(members, on_commit):
    alice = members["alice"]
    with time_machine.travel(NOW, tick=False), on_commit():
        profile = actions.save_tax_profile(distributor=alice, tin=TIN, **W9)
    profile.refresh_from_db()
    assert profile.tin() == TIN
    assert profile.masked_tin == "•••• 7890"
    assert TIN not in profile.tin_encrypted
    assert profile.signed_at == NOW
    assert profile.legal_name == "Alice Archer"
    assert str(profile) == f"tax profile of {alice.pk}"
    [event] = events(SecurityEvent.Kind.TAX_DETAILS_CHANGED)
    assert event.user == alice.user
    [message] = mail.outbox
    assert message.subject == "Your tax details were changed"
    assert "The taxpayer ID on file ends in •••• 7890." in message.body
    assert TIN not in message.body


def test_saving_again_replaces_the_profile_and_signs_it_anew(members):
    alice = members["alice"]
    with time_machine.travel(NOW, tick=False):
        actions.save_tax_profile(distributor=alice, tin=TIN, **W9)
    later = NOW + timedelta(days=30)
    with time_machine.travel(later, tick=False):
        actions.save_tax_profile(
            distributor=alice, tin="271234567", **{**W9, "tin_kind": "ein"}
        )
    profile = TaxProfile.objects.get(distributor=alice)
    assert profile.tin() == "271234567"
    assert profile.tin_kind == "ein"
    assert profile.signed_at == later
    assert len(events(SecurityEvent.Kind.TAX_DETAILS_CHANGED)) == 2
