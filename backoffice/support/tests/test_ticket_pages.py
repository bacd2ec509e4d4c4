"""The distributor's ticket pages and attachments over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from backoffice.support import actions
from backoffice.support.models import Attachment, Ticket, TicketMessage, TicketStatus
from backoffice.support.tests.conftest import MINIMAL_PDF, open_for, png_bytes, upload

pytestmark = pytest.mark.django_db

TICKETS = "/support/tickets/"
NEW = "/support/tickets/new/"


def ticket_url(ticket, rest=""):
    return f"/support/tickets/{ticket.code}/{rest}"


def new_ticket(client, **overrides):
    data = {
        "category": "orders",
        "subject": "Where is my order?",
        "body": "It has not arrived.",
    }
    data.update(overrides)
    return client.post(NEW, data)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in (TICKETS, NEW, "/support/tickets/ABCDEFGHJK/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_staff_have_no_tickets_of_their_own(client, helper):
    client.force_login(helper)
    assert client.get(TICKETS).status_code == 404
    assert client.get(NEW).status_code == 404


def test_opening_a_ticket_with_attachments(client, team, support_files):
    client.force_login(team["alice"].user)
    response = new_ticket(
        client,
        attachments=[
            upload("statement.pdf", MINIMAL_PDF),
            upload("photo.png", png_bytes()),
            upload("notes.txt", b"order GX-1\n"),
        ],
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket_url(ticket)
    assert ticket.distributor == team["alice"]
    assert ticket.subject == "Where is my order?"
    files = list(Attachment.objects.order_by("pk"))
    assert [(f.filename, f.content_type) for f in files] == [
        ("statement.pdf", "application/pdf"),
        ("photo.png", "image/png"),
        ("notes.txt", "text/plain"),
    ]
    for stored in files:
        # Random stored names in the private folder, not the uploaded names.
        assert "statement" not in stored.file.name
        assert (support_files / stored.file.name).exists()
    page = client.get(ticket_url(ticket))
    assert page.status_code == 200
    assert "It has not arrived." in page.content.decode()
    listing = client.get(TICKETS).content.decode()
    assert ticket.code in listing


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"subject": "x" * 151}, "at most 150 characters"),
        ({"body": "x" * 5001}, "at most 5000 characters"),
        ({"subject": ""}, "This field is required."),
        ({"category": "bogus"}, "Select a valid choice."),
        (
            {
                "attachments": [
                    upload("invoice.pdf", b"<html><script>x</script></html>")
                ]
            },
            "is not a file we accept",
        ),
        (
            {"attachments": [upload("logo.svg", b"<svg xmlns='x'></svg>")]},
            "is not a file we accept",
        ),
        (
            {"attachments": [upload(f"n{i}.txt", b"note") for i in range(4)]},
            "Attach at most 3 files.",
        ),
    ],
)
def test_refused_tickets_store_nothing(client, team, support_files, overrides, error):
    client.force_login(team["alice"].user)
    response = new_ticket(client, **overrides)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Ticket.objects.count() == 0
    assert TicketMessage.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert not support_files.exists() or not any(support_files.rglob("*.*"))


def test_an_oversize_attachment_is_dropped_while_it_arrives(
    client, team, settings, support_files, monkeypatch
):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 2048

    def never(upload):
        raise AssertionError(f"{upload.name} reached the content check")

    # The upload handler stops keeping the file at the limit: the form never
    # sees its content.
    monkeypatch.setattr("backoffice.support.forms.check_upload", never)
    client.force_login(team["alice"].user)
    response = new_ticket(client, attachments=[upload("big.txt", b"a" * 200_000)])
    assert response.status_code == 200
    assert "big.txt is larger than 2.0" in response.content.decode()
    assert Ticket.objects.count() == 0
    assert not support_files.exists()


def test_uploads_still_need_the_csrf_token(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["alice"].user)
    response = new_ticket(client, attachments=[upload("a.txt", b"hello")])
    assert response.status_code == 403
    assert Ticket.objects.count() == 0
    ticket = open_for(team["alice"])
    response = client.post(ticket_url(ticket, "reply/"), {"body": "hi"})
    assert response.status_code == 403
    assert ticket.messages.count() == 1


def test_script_in_a_ticket_is_shown_escaped(client, team):
    client.force_login(team["alice"].user)
    new_ticket(
        client, subject="<script>alert(1)</script>", body="<img src=x onerror=y>"
    )
    ticket = Ticket.objects.get()
    for path in (ticket_url(ticket), TICKETS):
        content = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert (
        "&lt;img src=x onerror=y&gt;" in client.get(ticket_url(ticket)).content.decode()
    )


def test_another_distributors_ticket_is_404(client, team):
    ticket = open_for(team["alice"])
    client.force_login(team["charlie"].user)
    assert client.get(ticket_url(ticket)).status_code == 404
    response = client.post(ticket_url(ticket, "reply/"), {"body": "hi"})
    assert response.status_code == 404
    assert client.post(ticket_url(ticket, "close/")).status_code == 404
    assert client.get("/support/tickets/ZZZZZZZZZZ/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.count() == 1


def test_internal_notes_are_hidden_from_the_owner(client, team, helper):
    ticket = open_for(team["alice"])
    actions.add_internal_note(ticket=ticket, author=helper, body="SECRET-NOTE")
    actions.reply_to_ticket(ticket=ticket, author=helper, body="Public answer")
    client.force_login(team["alice"].user)
    content = client.get(ticket_url(ticket)).content.decode()
    assert "Public answer" in content
    assert "SECRET-NOTE" not in content
    assert "Waiting on you" in content


def test_replying_closing_and_reopening(client, team, helper):
    start = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        ticket = open_for(team["alice"])
        actions.reply_to_ticket(ticket=ticket, author=helper, body="Which one?")
    client.force_login(team["alice"].user)
    response = client.post(ticket_url(ticket, "reply/"), {"body": "GX-1"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    with time_machine.travel(start + timedelta(days=1), tick=False):
        client.post(ticket_url(ticket, "close/"))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    # Closed: replies are refused until it is reopened.
    response = client.post(ticket_url(ticket, "reply/"), {"body": "again"})
    assert response.status_code == 400
    assert ticket.messages.count() == 3
    with time_machine.travel(start + timedelta(days=32), tick=False):
        response = client.post(ticket_url(ticket, "reopen/"), follow=True)
    assert "more than 30 days ago" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    with time_machine.travel(start + timedelta(days=30), tick=False):
        client.post(ticket_url(ticket, "reopen/"))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_htmx_reply_returns_the_conversation(client, team, helper):
    ticket = open_for(team["alice"])
    actions.reply_to_ticket(ticket=ticket, author=helper, body="Which one?")
    client.force_login(team["alice"].user)
    response = client.post(
        ticket_url(ticket, "reply/"), {"body": "GX-77"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="conversation">')
    assert "GX-77" in content
    assert "<html" not in content


def test_htmx_reply_errors_come_back_in_the_conversation(client, team):
    ticket = open_for(team["alice"])
    client.force_login(team["alice"].user)
    response = client.post(
        ticket_url(ticket, "reply/"), {"body": ""}, headers={"HX-Request": "true"}
    )
    # htmx swaps successful responses only.
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="conversation">')
    assert "This field is required." in content
    assert ticket.messages.count() == 1


def test_the_daily_ticket_limit_shows_a_message(client, team, settings):
    settings.SUPPORT_TICKETS_PER_DAY = 1
    open_for(team["alice"])
    client.force_login(team["alice"].user)
    response = new_ticket(client)
    assert response.status_code == 200
    assert "in the last 24 hours" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_an_over_long_reply_is_refused(client, team):
    ticket = open_for(team["alice"])
    client.force_login(team["alice"].user)
    response = client.post(ticket_url(ticket, "reply/"), {"body": "x" * 5001})
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert ticket.messages.count() == 1


# --- attachments ------------------------------------------------------------------


@pytest.fixture
def with_file(team):
    from backoffice.support.uploads import check_upload

    ticket = actions.open_ticket(
        distributor=team["alice"],
        category="orders",
        subject="Receipt",
        body="See attached",
        files=[check_upload(upload("receipt.pdf", MINIMAL_PDF))],
    )
    return ticket, Attachment.objects.get()


def file_url(ticket, attachment):
    return ticket_url(ticket, f"files/{attachment.token}/")


def test_the_owner_downloads_an_attachment_safely(client, team, with_file):
    ticket, attachment = with_file
    client.force_login(team["alice"].user)
    response = client.get(file_url(ticket, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_support_staff_download_attachments(client, helper, with_file):
    ticket, attachment = with_file
    client.force_login(helper)
    response = client.get(file_url(ticket, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_others_get_404_for_an_attachment(client, team, with_file, staff):
    ticket, attachment = with_file
    client.force_login(team["charlie"].user)
    assert client.get(file_url(ticket, attachment)).status_code == 404
    # Staff without the support permission are no different.
    client.force_login(staff)
    assert client.get(file_url(ticket, attachment)).status_code == 404
    # A right token with another ticket's code is not enough.
    other = open_for(team["charlie"])
    client.force_login(team["charlie"].user)
    assert client.get(file_url(other, attachment)).status_code == 404


def test_signed_out_visitors_are_redirected_from_an_attachment(client, with_file):
    ticket, attachment = with_file
    response = client.get(file_url(ticket, attachment))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the dashboard card ------------------------------------------------------------


def test_the_dashboard_counts_open_tickets_and_those_waiting(client, team, helper):
    alice = team["alice"]
    first, second, third = open_for(alice), open_for(alice), open_for(alice)
    open_for(team["charlie"])
    actions.reply_to_ticket(ticket=first, author=helper, body="?")
    actions.close_ticket(ticket=third, by=alice.user)
    client.force_login(alice.user)
    response = client.get("/")
    assert response.context["tickets"] == {"open": 2, "waiting": 1}
    assert response.context["support_inbox"] is None
    content = response.content.decode()
    assert 'id="tickets-open">2<' in content
    client.force_login(helper)
    response = client.get("/")
    assert response.context["tickets"] is None
    assert response.context["support_inbox"] == {
        "open": 3,
        "our_turn": 2,
        "unassigned": 3,
    }
    assert second.status == TicketStatus.OPEN
