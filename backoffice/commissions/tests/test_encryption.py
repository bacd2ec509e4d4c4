"""Field encryption: the library alone, bank details at rest, and key rotation."""

# Fixtures come from fixture modules by import: pytest finds them by parameter name.
# ruff: noqa: F811

import base64
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from backoffice.accounts.models import Authenticator
from backoffice.accounts.tests.factories import add_totp_device
from backoffice.commissions.tests.fixtures_payouts import (  # noqa: F401
    give_bank,
    give_tax_id,
    root,
    team,
)
from backoffice.lib import encryption
from backoffice.lib.encryption import EncryptionError
from backoffice.profiles.models import BankAccount, TaxProfile

KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
RING = encryption.parse_keys(f"a1:{KEY_A}")
CONTEXT = "bank:42:account_number"


def test_round_trip():
    token = encryption.encrypt("000123456789", context=CONTEXT, ring=RING)
    assert token.startswith("v1:a1:")
    assert "000123456789" not in token
    assert encryption.decrypt(token, context=CONTEXT, ring=RING) == "000123456789"


def test_each_value_gets_a_fresh_nonce():
    first = encryption.encrypt("1234", context=CONTEXT, ring=RING)
    second = encryption.encrypt("1234", context=CONTEXT, ring=RING)
    assert first != second


def test_a_value_copied_to_another_row_does_not_decrypt():
    token = encryption.encrypt("000123456789", context=CONTEXT, ring=RING)
    for other in ("bank:43:account_number", "tax:42:tin", ""):
        with pytest.raises(EncryptionError, match="does not decrypt for this row"):
            encryption.decrypt(token, context=other, ring=RING)


def test_a_tampered_value_does_not_decrypt():
    token = encryption.encrypt("000123456789", context=CONTEXT, ring=RING)
    prefix, body = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    for index in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        changed = bytearray(raw)
        changed[index] ^= 1
        forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(changed)).decode()}"
        with pytest.raises(EncryptionError, match="does not decrypt for this row"):
            encryption.decrypt(forged, context=CONTEXT, ring=RING)
    for broken in (f"{prefix}:", f"{prefix}:abc", f"{prefix}:{body[:-8]}"):
        with pytest.raises(EncryptionError, match="does not decrypt for this row"):
            encryption.decrypt(broken, context=CONTEXT, ring=RING)


def test_a_value_under_an_unknown_key_id_is_refused():
    other = encryption.parse_keys(f"b2:{KEY_B}")
    token = encryption.encrypt("1234", context=CONTEXT, ring=other)
    with pytest.raises(EncryptionError, match="key b2 is not configured"):
        encryption.decrypt(token, context=CONTEXT, ring=RING)


def test_a_value_under_the_same_id_but_another_key_does_not_decrypt():
    token = encryption.encrypt("1234", context=CONTEXT, ring=RING)
    impostor = encryption.parse_keys(f"a1:{KEY_B}")
    with pytest.raises(EncryptionError, match="does not decrypt for this row"):
        encryption.decrypt(token, context=CONTEXT, ring=impostor)


@pytest.mark.parametrize("token", ["", "1234", "v2:a1:abc", "v1:a1", "plain text"])
def test_what_is_not_an_encrypted_value_is_refused(token):
    with pytest.raises(EncryptionError, match="not an encrypted value"):
        encryption.decrypt(token, context=CONTEXT, ring=RING)


def test_key_ring_the_first_key_encrypts_and_every_key_decrypts():
    ring = encryption.parse_keys(f" b2:{KEY_B} , a1:{KEY_A},")
    assert ring.current == "b2"
    assert ring.keys == {
        "b2": bytes(range(100, 132)),
        "a1": bytes(range(32)),
    }
    old = encryption.encrypt("1234", context=CONTEXT, ring=RING)
    assert encryption.decrypt(old, context=CONTEXT, ring=ring) == "1234"
    assert encryption.encrypt("1234", context=CONTEXT, ring=ring).startswith("v1:b2:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no encryption key configured"),
        (" , ", "no encryption key configured"),
        (KEY_A, "each key is written as id:base64key"),
        (f"a-1:{KEY_A}", "each key is written as id:base64key"),
        ("a1:", "each key is written as id:base64key"),
        (f":{KEY_A}", "each key is written as id:base64key"),
        ("a1:abc", "key a1: not valid base64"),
        (f"a1:{base64.urlsafe_b64encode(bytes(16)).decode()}", "key a1: must be 32"),
        (f"a1:{KEY_A},a1:{KEY_B}", "key a1: listed twice"),
    ],
)
def test_key_ring_errors(text, message):
    with pytest.raises(EncryptionError, match=message):
        encryption.parse_keys(text)


def test_needs_rotation_is_about_the_current_key():
    ring = encryption.parse_keys(f"b2:{KEY_B},a1:{KEY_A}")
    old = encryption.encrypt("1234", context=CONTEXT, ring=RING)
    new = encryption.encrypt("1234", context=CONTEXT, ring=ring)
    assert encryption.needs_rotation(old, ring) is True
    assert encryption.needs_rotation(new, ring) is False
    assert encryption.needs_rotation(old, RING) is False
    with pytest.raises(EncryptionError, match="not an encrypted value"):
        encryption.needs_rotation("1234", ring)


def test_new_key_is_32_random_bytes():
    first, second = encryption.new_key(), encryption.new_key()
    assert len(base64.urlsafe_b64decode(first)) == 32
    assert first != second
    assert encryption.parse_keys(f"k:{first}").keys["k"] == base64.urlsafe_b64decode(
        first
    )


# --- bank details at rest -----------------------------------------------------------


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_database_holds_no_digits_of_the_account_number_or_tax_id(team):
    bank = give_bank(team["alice"], account="000987654321")
    profile = give_tax_id(team["alice"], tin="912345678")
    stored = raw_column("profiles_bankaccount", "account_number_encrypted", bank.pk)
    assert stored.startswith("v1:")
    for digits in ("000987654321", "987654321", "4321", "654321"):
        assert digits not in stored
    stored_tin = raw_column("profiles_taxprofile", "tin_encrypted", profile.pk)
    assert "912345678" not in stored_tin
    assert "5678" not in stored_tin
    fresh = BankAccount.objects.get(pk=bank.pk)
    assert fresh.account_number() == "000987654321"
    assert fresh.masked_account == "•••• 4321"
    assert "4321" not in repr(fresh) + str(fresh)
    assert TaxProfile.objects.get(pk=profile.pk).masked_tin == "•••• 5678"


@pytest.mark.django_db
def test_an_account_number_copied_to_another_distributor_does_not_decrypt(team):
    alice_bank = give_bank(team["alice"], account="000987654321")
    bob_bank = give_bank(team["bob"], account="111222333")
    BankAccount.objects.filter(pk=bob_bank.pk).update(
        account_number_encrypted=alice_bank.account_number_encrypted
    )
    copied = BankAccount.objects.get(pk=bob_bank.pk)
    with pytest.raises(EncryptionError, match="does not decrypt for this row"):
        copied.account_number()
    # The same goes for a bank value put in the tax ID column of the same person.
    profile = give_tax_id(team["alice"])
    TaxProfile.objects.filter(pk=profile.pk).update(
        tin_encrypted=alice_bank.account_number_encrypted
    )
    with pytest.raises(EncryptionError, match="does not decrypt for this row"):
        TaxProfile.objects.get(pk=profile.pk).tin()


# --- key rotation -----------------------------------------------------------------


def key_ids(model, field: str) -> list[str]:
    return [
        encryption.key_id(token)
        for token in model.objects.order_by("pk").values_list(field, flat=True)
    ]


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_under_the_new_first_key(team):
    with override_settings(FIELD_ENCRYPTION_KEYS=f"a1:{KEY_A}"):
        for number, member in enumerate(team.values()):
            give_bank(member, account=f"55500{number}")
        give_tax_id(team["alice"], tin="912345678")
        app = add_totp_device(team["alice"].user)
        app_key = app.bin_key
    assert key_ids(BankAccount, "account_number_encrypted") == ["a1"] * 4
    assert key_ids(Authenticator, "secret") == ["a1"]

    with override_settings(FIELD_ENCRYPTION_KEYS=f"b2:{KEY_B},a1:{KEY_A}"):
        # Before rotation the old key still decrypts.
        accounts = [a.account_number() for a in BankAccount.objects.order_by("pk")]
        assert accounts == ["555000", "555001", "555002", "555003"]
        before = raw_column(
            "profiles_bankaccount",
            "account_number_encrypted",
            BankAccount.objects.order_by("pk").first().pk,
        )

        assert rotate(batch_size=3) == (
            "profiles.BankAccount: 4 re-encrypted of 4\n"
            "profiles.TaxProfile: 1 re-encrypted of 1\n"
            "accounts.Authenticator: 1 re-encrypted of 1\n"
        )
        assert key_ids(BankAccount, "account_number_encrypted") == ["b2"] * 4
        assert key_ids(TaxProfile, "tin_encrypted") == ["b2"]
        assert key_ids(Authenticator, "secret") == ["b2"]
        first = BankAccount.objects.order_by("pk").first()
        assert first.account_number_encrypted != before
        # A second run finds nothing left under the old key.
        assert rotate() == (
            "profiles.BankAccount: 0 re-encrypted of 4\n"
            "profiles.TaxProfile: 0 re-encrypted of 1\n"
            "accounts.Authenticator: 0 re-encrypted of 1\n"
        )

    # The old key can now be removed from the setting.
    with override_settings(FIELD_ENCRYPTION_KEYS=f"b2:{KEY_B}"):
        accounts = [a.account_number() for a in BankAccount.objects.order_by("pk")]
        assert accounts == ["555000", "555001", "555002", "555003"]
        assert TaxProfile.objects.get().tin() == "912345678"
        assert Authenticator.objects.get().bin_key == app_key
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=f"a1:{KEY_A}"),
        pytest.raises(EncryptionError, match="key b2 is not configured"),
    ):
        BankAccount.objects.order_by("pk").first().account_number()


@pytest.mark.django_db
def test_rotation_refuses_a_bad_setup_and_changes_nothing(team):
    with override_settings(FIELD_ENCRYPTION_KEYS=f"a1:{KEY_A}"):
        give_bank(team["alice"])
    before = BankAccount.objects.get().account_number_encrypted
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=f"b2:{KEY_B}"),
        pytest.raises(CommandError, match="key a1 is not configured"),
    ):
        rotate()
    with pytest.raises(CommandError, match="--batch-size must be at least 1."):
        rotate(batch_size=0)
    assert BankAccount.objects.get().account_number_encrypted == before
