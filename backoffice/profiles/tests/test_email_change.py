"""Changing the email address: password, a link to the new address, the old told."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from backoffice.accounts.models import SecurityEvent, User
from backoffice.accounts.tests.factories import UserFactory
from backoffice.profiles import actions
from backoffice.profiles.models import EmailChange

PAGE = "/profile/email/"
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
LINK = re.compile(r"http://[^\s]+/profile/email/confirm/([A-Za-z0-9_-]+)/")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outbox(django_capture_on_commit_callbacks, monkeypatch):
    """Run each request's on-commit work (the email sending) as production does."""

    def deliver(function):
        def run(*args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return function(*args, **kwargs)

        return run

    monkeypatch.setattr("django.test.Client.post", deliver(Client.post))
    return mail.outbox


def ask(client, email="alice.new@example.com", password=None, **extra):
    from backoffice.accounts.tests.factories import PASSWORD

    return client.post(
        PAGE, {"new_email": email, "password": password or PASSWORD, **extra}
    )


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return f"/profile/email/confirm/{match.group(1)}/"


def state(user) -> tuple:
    user.refresh_from_db()
    return (
        user.email,
        EmailChange.objects.count(),
        SecurityEvent.objects.filter(
            kind__in=["email_change_requested", "email_changed"]
        ).count(),
        len(mail.outbox),
    )


def test_the_whole_flow(client, alice, people, clock, outbox):
    client.force_login(alice)
    old = alice.email
    response = ask(client)
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    alice.refresh_from_db()
    assert alice.email == old  # nothing changes before the link is opened
    assert [m.to for m in outbox] == [["alice.new@example.com"], [old]]
    confirm, notice = outbox
    assert "Confirm your new email address" in confirm.subject
    assert "expires in 24 hours" in confirm.body
    assert "alice.new@example.com" in notice.body
    assert LINK.search(notice.body) is None  # the old address never gets the link
    requested = SecurityEvent.objects.get(kind="email_change_requested")
    assert requested.user == alice
    assert requested.detail == {"new_email": "alice.new@example.com"}
    page = client.get("/profile/").content.decode()
    assert "We are waiting for you to open the link" in page

    url = link_in(confirm)
    # Only a hash of the token is stored.
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert not EmailChange.objects.filter(token_hash=token).exists()
    # Opening the link in another browser, signed out, shows a button.
    other = client.__class__()
    shown = other.get(url)
    assert shown.status_code == 200
    assert "alice.new@example.com" in shown.content.decode()
    alice.refresh_from_db()
    assert alice.email == old  # a mail scanner's GET confirms nothing
    done = other.post(url)
    assert done.status_code == 200
    assert "now uses alice.new@example.com" in done.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    assert outbox[-1].to == [old]
    assert "was changed to alice.new@example.com" in outbox[-1].body
    changed = SecurityEvent.objects.get(kind="email_changed")
    assert changed.detail == {"old_email": old, "new_email": "alice.new@example.com"}
    # Single use.
    again = other.post(url)
    assert again.status_code == 404
    assert "not valid any more" in again.content.decode()
    assert SecurityEvent.objects.filter(kind="email_changed").count() == 1


def test_the_link_expires_after_24_hours(client, alice, people, clock, outbox):
    client.force_login(alice)
    ask(client)
    url = link_in(outbox[0])
    clock.shift(timedelta(hours=24, seconds=1))
    response = client.post(url)
    assert response.status_code == 404
    alice.refresh_from_db()
    assert alice.email == "100001@example.com"
    assert not SecurityEvent.objects.filter(kind="email_changed").exists()


def test_a_link_works_just_before_expiry(client, alice, people, clock, outbox):
    client.force_login(alice)
    ask(client)
    url = link_in(outbox[0])
    clock.shift(timedelta(hours=23, minutes=59))
    assert client.post(url).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"


def test_a_new_request_replaces_the_old_link(client, alice, people, clock, outbox):
    client.force_login(alice)
    ask(client, email="first@example.com")
    first = link_in(outbox[0])
    ask(client, email="second@example.com")
    second = link_in(outbox[2])
    assert client.post(first).status_code == 404
    alice.refresh_from_db()
    assert alice.email == "100001@example.com"
    assert client.post(second).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "second@example.com"


def test_wrong_password_is_refused_and_nothing_happens(client, alice, people, clock):
    client.force_login(alice)
    before = state(alice)
    response = ask(client, password="not-my-password")
    assert response.status_code == 400
    assert response.context["form"].errors["password"] == [
        "That is not your current password."
    ]
    assert state(alice) == before


@pytest.mark.parametrize("email", ["BOB-MAIL@Example.com", "bob-mail@example.com"])
def test_an_email_another_account_uses_is_refused(
    client, alice, bob, people, clock, email
):
    User.objects.filter(pk=bob.pk).update(email="bob-mail@example.com")
    client.force_login(alice)
    before = state(alice)
    response = ask(client, email=email)
    assert response.status_code == 400
    assert response.context["form"].errors["new_email"] == [
        "Another account already uses this email address."
    ]
    assert state(alice) == before


def test_an_address_taken_meanwhile_is_refused_on_confirming(
    client, alice, people, clock, outbox
):
    client.force_login(alice)
    ask(client)
    url = link_in(outbox[0])
    UserFactory(username="100077", email="Alice.New@example.com")
    response = client.post(url)
    assert response.status_code == 404
    assert "Another account already uses" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "100001@example.com"
    assert not SecurityEvent.objects.filter(kind="email_changed").exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", "Enter a valid email address."),
        ("a" * 250 + "@example.com", "at most 254 characters"),
        ("100001@example.com", "already your email address"),
        ("<script>@example.com", "Enter a valid email address."),
    ],
)
def test_bad_addresses_are_refused(client, alice, people, clock, email, message):
    client.force_login(alice)
    before = state(alice)
    response = ask(client, email=email)
    assert response.status_code == 400
    errors = response.context["form"].errors["new_email"]
    assert any(message in error for error in errors), errors
    assert state(alice) == before


def test_requests_are_rate_limited_before_the_password_is_checked(
    client, alice, people, clock, outbox, monkeypatch
):
    client.force_login(alice)
    for number in range(actions.email_change_limit()):
        assert ask(client, email=f"n{number}@example.com").status_code == 302
    before = state(alice)
    checked = []
    monkeypatch.setattr(
        User, "check_password", lambda self, raw: checked.append(raw) or True
    )
    response = ask(client, email="one-more@example.com")
    assert response.status_code == 400
    assert "try again tomorrow" in str(response.context["form"].non_field_errors())
    assert checked == []
    assert state(alice) == before
    # A day later it works again.
    clock.shift(timedelta(hours=24, seconds=1))
    monkeypatch.undo()
    assert ask(client, email="one-more@example.com").status_code == 302


def test_script_in_the_name_stays_plain_text_in_the_emails(
    client, alice, people, clock, outbox
):
    User.objects.filter(pk=alice.pk).update(first_name="<script>x</script>")
    alice.refresh_from_db()
    client.force_login(alice)
    ask(client)
    for message in outbox:
        # Plain-text emails only: no HTML part a mail program could run.
        assert message.alternatives == []
        assert "Hello <script>x</script>," in message.body


def test_confirm_page_escapes_the_address(client, alice, people, clock, outbox):
    client.force_login(alice)
    ask(client, email='"<b>x</b>"@example.com')
    url = link_in(outbox[0])
    html = client.get(url).content.decode()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_unknown_token_is_404(client, people):
    assert client.get("/profile/email/confirm/nonsense/").status_code == 404
    assert client.post("/profile/email/confirm/nonsense/").status_code == 404


def test_staff_and_anonymous_cannot_use_the_page(client, staff, people):
    assert client.get(PAGE).status_code == 302
    client.force_login(staff)
    assert client.get(PAGE).status_code == 404


def test_charlie_cannot_confirm_alices_link_by_guessing(client, charlie, people):
    client.force_login(charlie)
    assert client.get("/profile/email/confirm/" + "A" * 43 + "/").status_code == 404


def test_wrong_passwords_feed_the_lockout(client, alice, people, clock, settings):
    from backoffice.accounts.models import LoginFailure

    client.force_login(alice)
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        assert ask(client, password="guess").status_code == 400
    assert LoginFailure.objects.filter(identifier="100001").count() == (
        settings.LOGIN_FAILURE_LIMIT
    )
    before = state(alice)
    # Locked: even the right password is not checked now.
    response = ask(client)
    assert response.status_code == 400
    assert "Too many wrong passwords" in str(
        response.context["form"].non_field_errors()
    )
    assert state(alice) == before
