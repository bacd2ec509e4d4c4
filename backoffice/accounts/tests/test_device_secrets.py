"""Second-factor secrets at rest: the app's key encrypted, recovery codes as digests."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP

from backoffice.accounts.models import Authenticator, RecoveryCode, RecoveryCodes
from backoffice.accounts.tests.factories import (
    UserFactory,
    add_totp_device,
    current_code,
)
from backoffice.lib.encryption import EncryptionError


def raw_secret(device: Authenticator) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM accounts_authenticator WHERE id = %s", [device.pk]
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted():
    device = add_totp_device(UserFactory())
    key = device.bin_key
    assert len(key) == 20
    stored = raw_secret(device)
    assert stored.startswith("v1:")
    assert key.hex() not in stored.lower()
    assert Authenticator.objects.get(pk=device.pk).bin_key == key
    # Each device has its own random key.
    assert add_totp_device(UserFactory()).bin_key != key


@pytest.mark.django_db
def test_a_secret_copied_to_another_user_does_not_decrypt():
    alice_device = add_totp_device(UserFactory())
    bob_device = add_totp_device(UserFactory())
    Authenticator.objects.filter(pk=bob_device.pk).update(secret=alice_device.secret)
    copied = Authenticator.objects.get(pk=bob_device.pk)
    with pytest.raises(EncryptionError, match="does not decrypt for this row"):
        copied.bin_key  # noqa: B018 (the property decrypts)


@pytest.mark.django_db
def test_a_code_is_accepted_once_and_a_wrong_one_is_counted():
    device = add_totp_device(UserFactory())
    code = current_code(device)
    assert device.verify_token(code)
    device.refresh_from_db()
    assert device.last_t >= 0
    assert device.throttling_failure_count == 0
    # The same code again (someone who saw it) is refused and counted.
    assert not device.verify_token(code)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert not device.verify_is_allowed()[0]
    # While throttled, even the next right code is refused.
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        next_code = current_code(device)
    assert not device.verify_token(next_code)
    # Once the pause is over, a wrong code counts again.
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        assert not device.verify_token("12345")  # not six digits
    device.refresh_from_db()
    assert device.throttling_failure_count == 2


@pytest.mark.django_db
def test_two_sign_ins_with_one_code_one_wins():
    device = add_totp_device(UserFactory())
    # Both sign-in requests loaded the device before either checked the code.
    first = Authenticator.objects.get(pk=device.pk)
    second = Authenticator.objects.get(pk=device.pk)
    code = current_code(device)
    assert first.verify_token(code)
    assert not second.verify_token(code)


@pytest.mark.django_db
def test_verifying_never_writes_the_secret_back():
    """Key rotation may re-encrypt the secret while a sign-in holds the old row."""
    device = add_totp_device(UserFactory())
    code = current_code(device)
    Authenticator.objects.filter(pk=device.pk).update(secret="rotated meanwhile")
    # The loaded row still holds the old secret and checks the code with it.
    assert device.verify_token(code)
    assert raw_secret(device) == "rotated meanwhile"


@pytest.mark.django_db
def test_the_setup_address_carries_the_secret_for_the_app():
    user = UserFactory(username="100042")
    device = Authenticator.create_for(user)
    address = urlsplit(device.config_url)
    assert address.scheme == "otpauth"
    assert address.netloc == "totp"
    assert unquote(address.path) == "/Gano Excel USA Back Office:100042"
    params = parse_qs(address.query)
    assert b32decode(params["secret"][0]) == device.bin_key
    assert params["digits"] == ["6"]
    assert params["period"] == ["30"]
    assert params["issuer"] == ["Gano Excel USA Back Office"]
    assert device.confirmed is False


@pytest.mark.django_db(transaction=True)
def test_devices_set_up_before_encryption_move_over_and_keep_their_codes():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0005_authenticator"), ("otp_totp", "0003_add_timestamps")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = UserFactory()
    key_hex = "3132333435363738393031323334353637383930"
    TOTPDevice = old_apps.get_model("otp_totp", "TOTPDevice")
    TOTPDevice.objects.create(
        user_id=user.pk, name="Authenticator app", key=key_hex, confirmed=True
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not TOTPDevice.objects.exists()
    device = Authenticator.objects.get(user=user)
    assert device.confirmed
    assert device.bin_key == bytes.fromhex(key_hex)
    assert not re.search(key_hex, raw_secret(device))
    # The code the user's app shows from the same key is accepted.
    app = TOTP(bytes.fromhex(key_hex), step=30, digits=6)
    assert device.verify_token(f"{app.token():06d}")


# --- recovery codes ------------------------------------------------------------------


@pytest.mark.django_db
def test_recovery_codes_are_kept_only_as_digests_and_work_once():
    user = UserFactory()
    device = RecoveryCodes.create_for(user, ["abc123-def456", "fed654-cba321"])
    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 2
    assert not any("abc123" in value or "def456" in value for value in stored)
    # Bound to the user: the same code of someone else has another digest.
    assert RecoveryCodes.digest(user.pk + 1, "abc123-def456") not in stored

    assert device.verify_token("abc123-def456")
    assert RecoveryCode.objects.count() == 1
    assert not device.verify_token("abc123-def456")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@pytest.mark.django_db
def test_two_sign_ins_with_one_recovery_code_one_wins():
    user = UserFactory()
    device = RecoveryCodes.create_for(user, ["abc123-def456"])
    first = RecoveryCodes.objects.get(pk=device.pk)
    second = RecoveryCodes.objects.get(pk=device.pk)
    assert first.verify_token("abc123-def456")
    assert not second.verify_token("abc123-def456")


@pytest.mark.django_db
def test_recovery_codes_survive_a_secret_key_change_while_the_old_key_is_a_fallback():
    user = UserFactory()
    with override_settings(SECRET_KEY="the-old-key-" * 5, SECRET_KEY_FALLBACKS=[]):
        device = RecoveryCodes.create_for(user, ["abc123-def456", "fed654-cba321"])
    with override_settings(SECRET_KEY="the-new-key-" * 5, SECRET_KEY_FALLBACKS=[]):
        assert not device.verify_token("abc123-def456")
    device.throttle_reset()
    with override_settings(
        SECRET_KEY="the-new-key-" * 5, SECRET_KEY_FALLBACKS=["the-old-key-" * 5]
    ):
        assert device.verify_token("fed654-cba321")


@pytest.mark.django_db(transaction=True)
def test_recovery_codes_made_before_move_over_as_digests_and_keep_working():
    executor = MigrationExecutor(connection)
    before = [
        ("accounts", "0007_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
    ]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = UserFactory()
    StaticDevice = old_apps.get_model("otp_static", "StaticDevice")
    old = StaticDevice.objects.create(user_id=user.pk, name="Recovery codes")
    for token in ("abc123-def456", "fed654-cba321"):
        old.token_set.create(token=token)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not StaticDevice.objects.exists()
    device = RecoveryCodes.objects.get(user=user)
    stored = set(device.codes.values_list("digest", flat=True))
    assert stored == {
        RecoveryCodes.digest(user.pk, "abc123-def456"),
        RecoveryCodes.digest(user.pk, "fed654-cba321"),
    }
    assert device.verify_token("fed654-cba321")
    assert not device.verify_token("fed654-cba321")
