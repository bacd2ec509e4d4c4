import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.utils import timezone

from backoffice.accounts.models import (
    Authenticator,
    LoginLock,
    RecoveryCode,
    RecoveryCodes,
    SecurityEvent,
)
from backoffice.accounts.tests.factories import (
    StaffFactory,
    add_totp_device,
    current_code,
)

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"


def test_setup_shows_a_qr_code_and_key(client, alice, sign_in):
    sign_in(alice)
    response = client.get(SETUP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    device = Authenticator.objects.get(user=alice)
    assert device.confirmed is False
    assert 'id="totp-secret"' in html


def test_setup_with_a_wrong_code_changes_nothing(client, alice, sign_in):
    sign_in(alice)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert "That code does not match" in response.content.decode()
    assert not Authenticator.objects.filter(user=alice, confirmed=True).exists()
    assert not RecoveryCode.objects.exists()


def test_setup_turns_on_two_factor_and_shows_recovery_codes_once(
    client, alice, sign_in, django_capture_on_commit_callbacks
):
    sign_in(alice)
    client.get(SETUP)
    device = Authenticator.objects.get(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"code": current_code(device)})
    assert response["Location"] == "/accounts/two-factor/recovery-codes/"
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get("/accounts/two-factor/recovery-codes/").content.decode()
    tokens = set(re.findall(r"\b[0-9a-f]{6}-[0-9a-f]{6}\b", codes_page))
    assert len(tokens) == 10
    # Kept only as digests: each shown code is one of them, none stored plain.
    stored = set(
        RecoveryCode.objects.filter(device__user=alice).values_list("digest", flat=True)
    )
    assert stored == {RecoveryCodes.digest(alice.pk, token) for token in tokens}
    second_view = client.get("/accounts/two-factor/recovery-codes/").content.decode()
    assert not any(token in second_view for token in tokens)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.TWO_FACTOR_ENABLED, user=alice
    ).exists()
    assert mail.outbox[-1].subject == "Two-factor sign-in is now on"


def test_setup_needs_a_recent_password(client, alice, sign_in, password):
    sign_in(alice)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        response = client.get(SETUP)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/confirm-password/?next=")
        wrong = client.post(response["Location"], {"password": "not-my-password"})
        assert "That is not your current password" in wrong.content.decode()
        right = client.post(response["Location"], {"password": password})
        assert right["Location"] == SETUP
        assert client.get(SETUP).status_code == 200


def test_sign_in_with_two_factor_asks_for_a_code(client, alice, sign_in):
    device = add_totp_device(alice)
    response = sign_in(alice)
    assert response["Location"] == "/accounts/login/verify/"
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302  # not signed in yet
    done = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert done["Location"] == "/"
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_wrong_codes_are_counted_and_end_the_attempt(client, alice, sign_in, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off tested below
    add_totp_device(alice)
    sign_in(alice)
    for _ in range(4):
        response = client.post("/accounts/login/verify/", {"code": "123456"})
        assert "That code is not valid" in response.content.decode()
    last = client.post("/accounts/login/verify/", {"code": "123456"})
    assert last["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/verify/")["Location"] == "/accounts/login/"
    failures = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TWO_FACTOR_FAILED)
    assert failures.count() == 5
    # Wrong codes feed the same lockout as wrong passwords.
    assert LoginLock.objects.filter(key="id:100001").exists()


def test_recovery_code_signs_in_once(client, alice, sign_in, password):
    add_totp_device(alice)
    RecoveryCodes.create_for(alice, ["abc123-def456"])
    sign_in(alice)
    ok = client.post("/accounts/login/verify/", {"code": "ABC123-DEF456"})
    assert ok["Location"] == "/"
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.RECOVERY_CODE_USED
    ).exists()
    client.post("/accounts/logout/")
    sign_in(alice)
    again = client.post("/accounts/login/verify/", {"code": "abc123-def456"})
    assert again.status_code == 200
    assert SESSION_KEY not in client.session


def test_pending_sign_in_expires(client, alice, sign_in):
    device = add_totp_device(alice)
    sign_in(alice)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = client.post(
            "/accounts/login/verify/", {"code": current_code(device)}
        )
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


def test_staff_without_two_factor_is_sent_to_set_it_up(client, password):
    user = StaffFactory(username="ops")
    client.post("/accounts/login/", {"identifier": "ops", "password": password})
    for path in ("/", "/accounts/security/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SETUP
    page = client.get(SETUP)
    assert "Staff accounts must use two-factor sign-in" in page.content.decode()
    device = Authenticator.objects.get(user=user)
    client.post(SETUP, {"code": current_code(device)})
    assert client.get("/").status_code == 200


def test_staff_cannot_turn_two_factor_off(client, staff):
    client.force_login(staff)
    session = client.session
    session["_reauth_at"] = timezone.now().timestamp()
    session.save()
    response = client.post("/accounts/two-factor/disable/")
    assert response["Location"] == "/accounts/security/"
    assert Authenticator.objects.filter(user=staff, confirmed=True).exists()


def test_distributor_can_turn_two_factor_off(
    client, alice, django_capture_on_commit_callbacks
):
    add_totp_device(alice)
    client.force_login(alice)
    session = client.session
    session["_reauth_at"] = timezone.now().timestamp()
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/two-factor/disable/")
    assert response["Location"] == "/accounts/security/"
    assert not Authenticator.objects.filter(user=alice).exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED
    ).exists()
    assert mail.outbox[-1].to == [alice.email]


def test_new_recovery_codes_replace_the_old(client, alice, sign_in):
    add_totp_device(alice)
    RecoveryCodes.create_for(alice, ["old111-old111"])
    client.force_login(alice)
    session = client.session
    session["_reauth_at"] = timezone.now().timestamp()
    session.save()
    response = client.post("/accounts/two-factor/recovery-codes/new/")
    assert response["Location"] == "/accounts/two-factor/recovery-codes/"
    digests = set(
        RecoveryCode.objects.filter(device__user=alice).values_list("digest", flat=True)
    )
    assert len(digests) == 10
    assert RecoveryCodes.digest(alice.pk, "old111-old111") not in digests
    assert RecoveryCodes.objects.filter(user=alice).count() == 1


def test_recovery_code_does_not_count_against_the_app(client, alice, sign_in):
    device = add_totp_device(alice)
    RecoveryCodes.create_for(alice, ["abc123-def456"])
    sign_in(alice)
    client.post("/accounts/login/verify/", {"code": "abc123-def456"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    client.post("/accounts/logout/")
    sign_in(alice)
    response = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert response["Location"] == "/"


def test_throttled_device_asks_to_wait_without_counting_a_failure(
    client, alice, sign_in
):
    device = add_totp_device(alice)
    sign_in(alice)
    client.post("/accounts/login/verify/", {"code": "000000"})
    failures = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TWO_FACTOR_FAILED)
    assert failures.count() == 1
    # django-otp now refuses this device for a moment, even the right code.
    response = client.post("/accounts/login/verify/", {"code": current_code(device)})
    assert "Please wait a few seconds and try again." in response.content.decode()
    assert failures.count() == 1
    assert SESSION_KEY not in client.session
