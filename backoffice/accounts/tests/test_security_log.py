import pytest
from django.test import Client

from backoffice.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_the_log_is_append_only(alice):
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGOUT, user=alice)
    event.kind = SecurityEvent.Kind.LOGIN_SUCCEEDED
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        SecurityEvent.objects.filter(user=alice).update(kind="logout")
    with pytest.raises(TypeError, match="append-only"):
        SecurityEvent.objects.filter(user=alice).delete()
    assert SecurityEvent.objects.get().kind == SecurityEvent.Kind.LOGOUT


def test_user_sees_their_own_recent_activity_only(alice, charlie, password):
    Client().post(
        "/accounts/login/", {"identifier": "100003", "password": "wrong-wrong-1"}
    )
    client = Client()
    client.post(
        "/accounts/login/", {"identifier": "100001", "password": "wrong-wrong-2"}
    )
    client.post("/accounts/login/", {"identifier": "100001", "password": password})
    page = client.get("/accounts/security/")
    activity = page.content.decode().split('id="activity"')[1]
    assert activity.count("event-login_failed") == 1
    assert activity.count("event-login_succeeded") == 1
    assert "Failed sign-in attempt" in activity


def test_dashboard_shows_security_status_and_last_sign_in(alice, password):
    first = Client(REMOTE_ADDR="192.0.2.10")
    first.post("/accounts/login/", {"identifier": "100001", "password": password})
    home = first.get("/").content.decode()
    assert "This is your first sign-in." in home
    assert 'id="distributor-id">100001<' in home

    second = Client(REMOTE_ADDR="192.0.2.11")
    second.post("/accounts/login/", {"identifier": "100001", "password": password})
    home = second.get("/").content.decode()
    assert "192.0.2.10" in home  # the previous sign-in, not this one
    assert '<span class="status status-off">Off</span>' in home
