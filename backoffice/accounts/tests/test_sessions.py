from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from backoffice.accounts.access import public_session_id
from backoffice.accounts.models import SecurityEvent, UserSession

pytestmark = pytest.mark.django_db

ANDROID = "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36"


def signed_in_client(user, password, agent=ANDROID, ip="203.0.113.20") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(
        "/accounts/login/", {"identifier": user.username, "password": password}
    )
    assert response.status_code == 302
    return client


def test_security_page_lists_active_sessions(alice, password):
    laptop = signed_in_client(
        alice, password, agent="Mozilla/5.0 (Windows NT 10.0) Firefox/130.0"
    )
    signed_in_client(alice, password, ip="203.0.113.99")
    html = laptop.get("/accounts/security/").content.decode()
    assert "Firefox · Windows" in html
    assert "Chrome · Android" in html
    assert "203.0.113.99" in html
    assert "This session" in html
    # Never the session keys themselves.
    for key in UserSession.objects.values_list("session_key", flat=True):
        assert key not in html


def test_end_one_other_session(alice, password):
    laptop = signed_in_client(alice, password)
    phone = signed_in_client(alice, password)
    phone_key = phone.session.session_key
    response = laptop.post(f"/accounts/sessions/{public_session_id(phone_key)}/end/")
    assert response["Location"] == "/accounts/security/"
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200
    assert (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_ENDED).count() == 1
    )


def test_end_session_with_htmx_returns_the_list(alice, password):
    laptop = signed_in_client(alice, password)
    phone = signed_in_client(alice, password)
    response = laptop.post(
        f"/accounts/sessions/{public_session_id(phone.session.session_key)}/end/",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="sessions">')
    assert "<html" not in html
    assert "The session has been signed out." in html
    assert html.count("<tr>") == 2  # header row and this session
    # The notice was shown in place, not left for the next page.
    assert "The session has been signed out." not in laptop.get("/").content.decode()


def test_end_all_other_sessions_keeps_this_one(alice, password):
    laptop = signed_in_client(alice, password)
    others = [signed_in_client(alice, password) for _ in range(2)]
    laptop.post("/accounts/sessions/end-others/")
    assert UserSession.objects.filter(user=alice).count() == 1
    assert laptop.get("/").status_code == 200
    assert all(other.get("/").status_code == 302 for other in others)


def test_charlie_cannot_end_alices_session(alice, charlie, password):
    alices = signed_in_client(alice, password)
    charlies = signed_in_client(charlie, password)
    target = public_session_id(alices.session.session_key)
    charlies.post(f"/accounts/sessions/{target}/end/")
    assert alices.get("/").status_code == 200
    assert UserSession.objects.filter(user=alice).count() == 1


def test_password_change_ends_other_sessions_only(alice, password):
    laptop = signed_in_client(alice, password)
    phone = signed_in_client(alice, password)
    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "reishi-mountain-77",
            "new_password2": "reishi-mountain-77",
        },
    )
    assert response["Location"] == "/accounts/security/"
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("reishi-mountain-77")
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED
    ).exists()


def test_password_change_with_wrong_current_password_changes_nothing(alice, password):
    laptop = signed_in_client(alice, password)
    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": "guess-guess-guess",
            "new_password1": "reishi-mountain-77",
            "new_password2": "reishi-mountain-77",
        },
    )
    assert response.status_code == 200
    assert "That is not your current password" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_idle_sessions_expire(alice, password, settings):
    client = signed_in_client(alice, password)
    assert client.get("/").status_code == 200
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later, tick=False):
        assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(alice, password, settings):
    client = signed_in_client(alice, password)
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    now = timezone.now()
    for n in range(1, 4):
        with time_machine.travel(now + step * n, tick=False):
            assert client.get("/").status_code == 200
