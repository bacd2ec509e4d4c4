import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone

from backoffice.accounts.models import LoginLock, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"
NEW_PASSWORD = "ganoderma-sunrise-42"


def without_tokens(html: bytes) -> str:
    """The page with its per-request CSRF tokens blanked out."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html.decode())


def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(
        r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body
    )
    assert match, mail.outbox[0].body
    return match.group(1)


@pytest.fixture
def ask_reset(client, django_capture_on_commit_callbacks):
    """Ask for a reset link and let the transaction commit (the email goes out)."""

    def _ask(identifier: str, on=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (on or client).post(RESET, {"identifier": identifier}, follow=True)

    return _ask


def set_new_password(client, link, password=NEW_PASSWORD):
    form_page = client.get(link, follow=True)
    return client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_same_answer_whether_or_not_the_id_exists(client, alice, ask_reset):
    known = ask_reset("100001")
    unknown = ask_reset("999999")
    assert (
        known.redirect_chain
        == unknown.redirect_chain
        == [("/accounts/password-reset/sent/", 302)]
    )
    assert without_tokens(known.content) == without_tokens(unknown.content)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]


def test_an_account_without_a_password_yet_can_set_one(client, alice, ask_reset):
    # Distributors imported from another system start without a usable password.
    alice.set_unusable_password()
    alice.save()
    ask_reset("100001")
    response = set_new_password(client, reset_link())
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_reset_email_is_in_the_users_language(client, alice, ask_reset):
    alice.language = "es"
    alice.save()
    ask_reset("100001")
    assert "contraseña" in mail.outbox[0].subject.lower()


def test_reset_link_sets_a_new_password_and_works_once(client, alice, ask_reset):
    ask_reset("100001")
    link = reset_link()
    response = set_new_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/complete/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_RESET, user=alice
    ).exists()

    again = Client().get(link, follow=True)
    assert b"This link no longer works" in again.content


def test_reset_link_expires(client, alice, settings, ask_reset):
    ask_reset("100001")
    link = reset_link()
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        page = client.get(link, follow=True)
    assert b"This link no longer works" in page.content
    alice.refresh_from_db()
    assert not alice.check_password(NEW_PASSWORD)


def test_reset_ends_every_session_of_the_user(client, alice, password, ask_reset):
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        device.post("/accounts/login/", {"identifier": "100001", "password": password})
    assert UserSession.objects.filter(user=alice).count() == 2

    ask_reset("100001")
    set_new_password(client, reset_link())

    assert UserSession.objects.filter(user=alice).count() == 0
    assert phone.get("/").status_code == 302
    assert SESSION_KEY not in laptop.session


def test_reset_lifts_a_lockout(client, alice, ask_reset):
    for _ in range(5):
        client.post(
            "/accounts/login/", {"identifier": "100001", "password": "bad-password-1"}
        )
    assert LoginLock.objects.active().exists()
    ask_reset("100001")
    set_new_password(client, reset_link())
    assert not LoginLock.objects.active().exists()
    response = client.post(
        "/accounts/login/", {"identifier": "100001", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("short-pw1", "at least 12 characters"),
        ("password1234", "too common"),
        ("my-id-100001-x", "must not contain your distributor ID"),
        ("Alicee", "too similar"),
    ],
)
def test_weak_passwords_are_refused(client, alice, candidate, message, ask_reset):
    ask_reset("100001")
    response = set_new_password(client, reset_link(), password=candidate)
    assert response.status_code == 200
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert not alice.check_password(candidate)


def test_passwords_are_hashed_with_argon2(alice):
    alice.set_password(NEW_PASSWORD)
    assert alice.password.startswith("argon2$")
