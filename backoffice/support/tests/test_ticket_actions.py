"""Ticket actions: statuses, response times, reopening window, emails, notes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from backoffice.support import actions
from backoffice.support.actions import SupportError
from backoffice.support.models import (
    TICKET_TRANSITIONS,
    MessageKind,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from backoffice.support.tests.conftest import open_for

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def test_the_transition_table():
    expected = {
        "open": frozenset({"waiting", "closed"}),
        "waiting": frozenset({"open", "closed"}),
        "closed": frozenset({"open"}),
    }
    assert expected == TICKET_TRANSITIONS


def test_opening_a_ticket(team):
    with time_machine.travel(START, tick=False):
        ticket = open_for(team["alice"])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.created_at == START
    assert ticket.first_response_at is None
    assert len(ticket.code) == 10
    assert ticket.code.isalnum()
    assert ticket.code.upper() == ticket.code
    assert list(ticket.messages.values_list("kind", "body")) == [
        ("message", "It has not come yet.")
    ]
    assert list(ticket.events.values_list("kind", flat=True)) == ["opened"]


def test_codes_differ(team, settings):
    settings.SUPPORT_TICKETS_PER_DAY = 50
    codes = {open_for(team["alice"]).code for _ in range(20)}
    assert len(codes) == 20


def test_opening_too_many_tickets_a_day_is_refused(team, settings):
    settings.SUPPORT_TICKETS_PER_DAY = 2
    alice = team["alice"]
    with time_machine.travel(START, tick=False):
        open_for(alice)
        open_for(alice)
        open_for(team["bob"])
    with (
        time_machine.travel(START + timedelta(hours=23), tick=False),
        pytest.raises(SupportError),
    ):
        open_for(alice)
    assert Ticket.objects.for_distributor(alice).count() == 2
    with time_machine.travel(START + timedelta(days=1, seconds=1), tick=False):
        open_for(alice)
    assert Ticket.objects.for_distributor(alice).count() == 3


def test_a_conversation_moves_the_status_and_times_the_first_response(
    team, helper, colleague
):
    with time_machine.travel(START, tick=False):
        ticket = open_for(team["alice"])
    with time_machine.travel(START + timedelta(hours=3, minutes=20), tick=False):
        actions.reply_to_ticket(ticket=ticket, author=helper, body="Which order?")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.first_response_time == timedelta(hours=3, minutes=20)
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        actions.add_owner_message(ticket=ticket, body="GX-ABC")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    with time_machine.travel(START + timedelta(hours=6), tick=False):
        actions.reply_to_ticket(ticket=ticket, author=colleague, body="Found it.")
    ticket.refresh_from_db()
    # The first response stays the first one.
    assert ticket.first_response_time == timedelta(hours=3, minutes=20)
    assert ticket.status == TicketStatus.WAITING
    with time_machine.travel(START + timedelta(days=1, hours=2), tick=False):
        actions.close_ticket(ticket=ticket, by=team["alice"].user)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.resolution_time == timedelta(days=1, hours=2)
    assert list(ticket.events.values_list("kind", "from_status", "to_status")) == [
        ("opened", "", "open"),
        ("replied", "open", "waiting"),
        ("message", "waiting", "open"),
        ("replied", "open", "waiting"),
        ("closed", "waiting", "closed"),
    ]


def test_a_staff_reply_emails_the_owner_with_the_text(
    team, helper, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = open_for(team["alice"], subject="Pay <b>date</b>")
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_ticket(
            ticket=ticket, author=helper, body="Friday.\n<script>alert(1)</script>"
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["100001@example.com"]
    assert message.subject == f"Re: Pay <b>date</b> [ticket {ticket.code}]"
    # Plain text only: no HTML part in which markup could ever be interpreted.
    assert message.alternatives == []
    assert "Friday.\n<script>alert(1)</script>" in message.body
    assert f"http://127.0.0.1:8000/support/tickets/{ticket.code}/" in message.body


def test_internal_notes_send_no_email_and_change_no_status(
    team, helper, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = open_for(team["alice"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = actions.add_internal_note(
            ticket=ticket, author=helper, body="Customer called too."
        )
    assert callbacks == []
    ticket.refresh_from_db()
    assert mailoutbox == []
    assert note.kind == MessageKind.NOTE
    assert ticket.status == TicketStatus.OPEN
    assert ticket.first_response_at is None
    assert list(ticket.messages.visible_to_owner().values_list("kind", flat=True)) == [
        "message"
    ]


def test_nobody_writes_in_a_closed_ticket(team, helper):
    ticket = open_for(team["alice"])
    actions.close_ticket(ticket=ticket, by=helper)
    with pytest.raises(SupportError):
        actions.add_owner_message(ticket=ticket, body="more")
    with pytest.raises(SupportError):
        actions.reply_to_ticket(ticket=ticket, author=helper, body="more")
    with pytest.raises(SupportError):
        actions.close_ticket(ticket=ticket, by=helper)
    assert ticket.messages.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("days_later", "allowed"),
    [
        (timedelta(days=29, hours=23), True),
        (timedelta(days=30), True),
        (timedelta(days=30, seconds=1), False),
        (timedelta(days=45), False),
    ],
)
def test_reopening_within_the_window(team, days_later, allowed):
    with time_machine.travel(START, tick=False):
        ticket = open_for(team["alice"])
        actions.close_ticket(ticket=ticket, by=team["alice"].user)
    with time_machine.travel(START + days_later, tick=False):
        if allowed:
            actions.reopen_ticket(ticket=ticket, by=team["alice"].user)
        else:
            with pytest.raises(SupportError):
                actions.reopen_ticket(ticket=ticket, by=team["alice"].user)
    ticket.refresh_from_db()
    if allowed:
        assert ticket.status == TicketStatus.OPEN
        assert ticket.closed_at is None
    else:
        assert ticket.status == TicketStatus.CLOSED
        assert ticket.closed_at == START


def test_the_reopen_window_is_a_setting(team, settings):
    settings.SUPPORT_REOPEN_DAYS = 2
    with time_machine.travel(START, tick=False):
        ticket = open_for(team["alice"])
        actions.close_ticket(ticket=ticket, by=team["alice"].user)
    with (
        time_machine.travel(START + timedelta(days=3), tick=False),
        pytest.raises(SupportError),
    ):
        actions.reopen_ticket(ticket=ticket, by=team["alice"].user)


def test_staff_status_changes_follow_the_table(team, helper):
    ticket = open_for(team["alice"])
    actions.change_status(ticket=ticket, status=TicketStatus.CLOSED, by=helper)
    with pytest.raises(SupportError):
        actions.change_status(ticket=ticket, status=TicketStatus.WAITING, by=helper)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    # Staff may reopen at any time.
    with time_machine.travel(START + timedelta(days=400)):
        actions.change_status(ticket=ticket, status=TicketStatus.OPEN, by=helper)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.closed_at is None


def test_assignment_is_recorded(team, helper, colleague):
    ticket = open_for(team["alice"])
    actions.assign_ticket(ticket=ticket, assignee=colleague, by=helper)
    ticket.refresh_from_db()
    assert ticket.assigned_to == colleague
    event = TicketEvent.objects.get(kind="assigned")
    assert event.actor == helper
    assert event.detail == {"before": None, "after": colleague.pk}


def test_response_figures_are_exact(team, helper):
    alice = team["alice"]
    with time_machine.travel(START, tick=False):
        first, second, third = open_for(alice), open_for(alice), open_for(alice)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        actions.reply_to_ticket(ticket=first, author=helper, body="a")
    with time_machine.travel(START + timedelta(hours=4), tick=False):
        actions.reply_to_ticket(ticket=second, author=helper, body="b")
    with time_machine.travel(START + timedelta(hours=10), tick=False):
        actions.close_ticket(ticket=first, by=helper)
    figures = Ticket.objects.response_figures()
    assert figures == {
        "responded": 2,
        "resolved": 1,
        "average_first_response": timedelta(hours=2, minutes=30),
        "average_resolution": timedelta(hours=10),
    }
    assert Ticket.objects.filter(pk=third.pk).response_figures() == {
        "responded": 0,
        "resolved": 0,
        "average_first_response": None,
        "average_resolution": None,
    }
