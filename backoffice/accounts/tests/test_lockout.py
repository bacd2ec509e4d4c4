from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils import timezone

from backoffice.accounts import throttle
from backoffice.accounts.models import LoginFailure, LoginLock, SecurityEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
REFUSED = "Too many failed attempts."


def fail(client, identifier="100001", ip="198.51.100.7", times=1):
    for _ in range(times):
        response = client.post(
            LOGIN,
            {"identifier": identifier, "password": "wrong-password-1"},
            REMOTE_ADDR=ip,
        )
    return response


def test_four_failures_do_not_lock(client, alice, password):
    fail(client, times=4)
    assert not LoginLock.objects.exists()
    response = client.post(LOGIN, {"identifier": "100001", "password": password})
    assert response.status_code == 302


def test_fifth_failure_locks_the_id_and_says_so(client, alice):
    response = fail(client, times=5)
    assert REFUSED in response.content.decode()
    lock = LoginLock.objects.get()
    assert lock.key == "id:100001"
    assert lock.locked_until - lock.created_at == timedelta(minutes=15)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).count() == 1


def test_locked_id_refuses_even_the_right_password(client, alice, password):
    fail(client, times=5)
    response = client.post(LOGIN, {"identifier": "100001", "password": password})
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert SESSION_KEY not in client.session
    assert (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_REFUSED).count() == 1
    )


def test_refused_attempt_hashes_nothing(client, alice, password):
    fail(client, times=5)
    with (
        mock.patch.object(Argon2PasswordHasher, "verify") as verify,
        mock.patch.object(Argon2PasswordHasher, "encode") as encode,
    ):
        response = client.post(LOGIN, {"identifier": "100001", "password": password})
    assert REFUSED in response.content.decode()
    verify.assert_not_called()
    encode.assert_not_called()


def test_lock_gives_no_hint_whether_the_id_exists(client, alice):
    known = fail(client, identifier="100001", times=6).content.decode()
    unknown = fail(client, identifier="777777", times=6).content.decode()
    assert REFUSED in known
    assert REFUSED in unknown
    # Same page apart from the echoed ID and the per-request CSRF token.
    assert known.count(REFUSED) == unknown.count(REFUSED)


def test_lock_lifts_after_fifteen_minutes(client, alice, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, times=5)
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        still = client.post(LOGIN, {"identifier": "100001", "password": password})
        assert REFUSED in still.content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        lifted = client.post(LOGIN, {"identifier": "100001", "password": password})
        assert lifted.status_code == 302


def test_failures_older_than_the_window_do_not_count(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, times=4)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        fail(client, times=1)
    assert not LoginLock.objects.exists()


def test_successful_sign_in_resets_the_count(client, alice, password):
    fail(client, times=4)
    client.post(LOGIN, {"identifier": "100001", "password": password})
    client.post("/accounts/logout/")
    fail(client, times=4)
    assert not LoginLock.objects.exists()
    assert LoginFailure.objects.filter(identifier="100001").count() == 4


def test_after_a_lock_expires_it_takes_five_new_failures(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, times=5)
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        fail(client, times=1)
        assert LoginLock.objects.active().count() == 0


def test_one_address_is_throttled_across_ids(client, settings, db):
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    for n in range(8):
        fail(client, identifier=str(300000 + n), ip="203.0.113.50")
    assert LoginLock.objects.filter(key="ip:203.0.113.50").exists()
    response = fail(client, identifier="300099", ip="203.0.113.50")
    assert REFUSED in response.content.decode()
    other_address = fail(client, identifier="300099", ip="203.0.113.51")
    assert REFUSED not in other_address.content.decode()


def test_prune_drops_only_stale_rows(db):
    now = timezone.now()
    LoginFailure.objects.create(identifier="1", created_at=now - timedelta(hours=1))
    LoginFailure.objects.create(identifier="2", created_at=now)
    LoginLock.objects.create(
        key="id:1",
        created_at=now - timedelta(hours=2),
        locked_until=now - timedelta(hours=1),
    )
    assert throttle.prune(now=now) == 2
    assert list(LoginFailure.objects.values_list("identifier", flat=True)) == ["2"]
    assert not LoginLock.objects.exists()


def test_prune_command_removes_stale_rows_and_expired_sessions(db):
    from django.core.management import call_command

    from backoffice.accounts.models import UserSession

    now = timezone.now()
    LoginFailure.objects.create(identifier="1", created_at=now - timedelta(hours=1))
    UserSession.objects.create(
        session_key="x" * 32, session_data="", expire_date=now - timedelta(minutes=1)
    )
    call_command("prune_logins")
    assert not LoginFailure.objects.exists()
    assert not UserSession.objects.exists()
