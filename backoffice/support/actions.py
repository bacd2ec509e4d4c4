"""Ticket writes: each owns its transaction, its audit event and its email."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.accounts.models import User
from backoffice.lib.emails import queue_email
from backoffice.network.models import Distributor
from backoffice.support.models import (
    Attachment,
    MessageKind,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
    support_storage,
)
from backoffice.support.uploads import CheckedFile


class SupportError(Exception):
    """A refused ticket change; the message is shown to the person who asked."""


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction, copied onto ``ticket``."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(fresh, field.attname))
    return ticket


@contextmanager
def _stored_files() -> Iterator[list[str]]:
    """Names saved to private storage; removed again when the write fails."""
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        storage = support_storage()
        for name in saved:
            storage.delete(name)
        raise


def _attach(
    message: TicketMessage, files: Sequence[CheckedFile], saved: list[str]
) -> None:
    if len(files) > settings.SUPPORT_ATTACHMENTS_PER_MESSAGE:
        raise SupportError(_("Too many attachments."))
    storage = support_storage()
    now = timezone.now()
    for checked in files:
        # A random stored name: the uploaded name is only shown, never used as a path.
        name = storage.save(
            f"{now:%Y/%m}/{secrets.token_hex(16)}", ContentFile(checked.data)
        )
        saved.append(name)
        Attachment.objects.create(
            message=message,
            file=name,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            created_at=now,
        )


def _event(ticket: Ticket, actor: User, kind: str, **detail) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_status=detail.pop("from_status", ""),
        to_status=detail.pop("to_status", ""),
        detail=detail,
    )


def _set_status(ticket: Ticket, status: str, *, now) -> None:
    if not ticket.can_become(status):
        raise SupportError(_("That status change is not possible."))
    ticket.status = status
    ticket.closed_at = now if status == TicketStatus.CLOSED else None


def open_ticket(
    *,
    distributor: Distributor,
    category: str,
    subject: str,
    body: str,
    files: Sequence[CheckedFile] = (),
) -> Ticket:
    """Open a ticket for ``distributor`` with its first message."""
    now = timezone.now()
    with _stored_files() as saved, transaction.atomic():
        # Lock the distributor's row so that parallel requests count each other.
        Distributor.objects.select_for_update().filter(pk=distributor.pk).first()
        opened_today = (
            Ticket.objects.for_distributor(distributor)
            .filter(created_at__gt=now - timedelta(days=1))
            .count()
        )
        if opened_today >= settings.SUPPORT_TICKETS_PER_DAY:
            raise SupportError(
                _(
                    "You have opened %(count)s tickets in the last 24 hours: please "
                    "add to one of them, or call us."
                )
                % {"count": opened_today}
            )
        ticket = Ticket.objects.create(
            distributor=distributor,
            category=category,
            subject=subject,
            created_at=now,
            last_activity_at=now,
        )
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=distributor.user,
            kind=MessageKind.MESSAGE,
            body=body,
            created_at=now,
        )
        _attach(message, files, saved)
        _event(ticket, distributor.user, TicketEvent.Kind.OPENED, to_status="open")
    return ticket


def add_owner_message(
    *, ticket: Ticket, body: str, files: Sequence[CheckedFile] = ()
) -> TicketMessage:
    """The distributor writes in their ticket; it becomes support's turn again."""
    now = timezone.now()
    author = ticket.distributor.user
    with _stored_files() as saved, transaction.atomic():
        _locked(ticket)
        if ticket.is_closed:
            raise SupportError(_("This ticket is closed: reopen it to write again."))
        before = ticket.status
        if ticket.status == TicketStatus.WAITING:
            _set_status(ticket, TicketStatus.OPEN, now=now)
        ticket.last_activity_at = now
        ticket.save(update_fields=["status", "closed_at", "last_activity_at"])
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=author,
            kind=MessageKind.MESSAGE,
            body=body,
            created_at=now,
        )
        _attach(message, files, saved)
        _event(
            ticket,
            author,
            TicketEvent.Kind.MESSAGE,
            from_status=before,
            to_status=ticket.status,
        )
    return message


def reply_to_ticket(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    files: Sequence[CheckedFile] = (),
) -> TicketMessage:
    """Support answers the distributor: it waits on them, and they get an email."""
    now = timezone.now()
    with _stored_files() as saved, transaction.atomic():
        _locked(ticket)
        if ticket.is_closed:
            raise SupportError(_("This ticket is closed: reopen it to reply."))
        before = ticket.status
        if ticket.status != TicketStatus.WAITING:
            _set_status(ticket, TicketStatus.WAITING, now=now)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.last_activity_at = now
        ticket.save(
            update_fields=[
                "status",
                "closed_at",
                "first_response_at",
                "last_activity_at",
            ]
        )
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=author,
            kind=MessageKind.REPLY,
            body=body,
            created_at=now,
        )
        _attach(message, files, saved)
        _event(
            ticket,
            author,
            TicketEvent.Kind.REPLIED,
            from_status=before,
            to_status=ticket.status,
        )
        owner = ticket.distributor.user
        queue_email(
            to=owner.email,
            template="support/reply",
            language=owner.language,
            context={
                "name": owner.first_name or owner.username,
                "code": ticket.code,
                "subject": ticket.subject,
                "body": body,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("support:ticket", args=[ticket.code]),
            },
        )
    return message


def add_internal_note(*, ticket: Ticket, author: User, body: str) -> TicketMessage:
    """A note for support staff only: never shown to the distributor, never emailed."""
    now = timezone.now()
    with transaction.atomic():
        _locked(ticket)
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=author,
            kind=MessageKind.NOTE,
            body=body,
            created_at=now,
        )
        _event(ticket, author, TicketEvent.Kind.NOTE)
    return message


def assign_ticket(*, ticket: Ticket, assignee: User | None, by: User) -> Ticket:
    """Give the ticket to a support staff member (or to nobody)."""
    with transaction.atomic():
        _locked(ticket)
        before = ticket.assigned_to_id
        ticket.assigned_to = assignee
        ticket.save(update_fields=["assigned_to"])
        _event(
            ticket,
            by,
            TicketEvent.Kind.ASSIGNED,
            before=before,
            after=assignee.pk if assignee else None,
        )
    return ticket


def change_status(*, ticket: Ticket, status: str, by: User) -> Ticket:
    """Staff move a ticket along the status table (reopening has no time limit)."""
    now = timezone.now()
    with transaction.atomic():
        _locked(ticket)
        before = ticket.status
        if status == before:
            return ticket
        _set_status(ticket, status, now=now)
        ticket.last_activity_at = now
        ticket.save(update_fields=["status", "closed_at", "last_activity_at"])
        _event(
            ticket, by, TicketEvent.Kind.STATUS, from_status=before, to_status=status
        )
    return ticket


def close_ticket(*, ticket: Ticket, by: User) -> Ticket:
    """Close the ticket (the distributor when their question is answered, or staff)."""
    now = timezone.now()
    with transaction.atomic():
        _locked(ticket)
        if ticket.is_closed:
            raise SupportError(_("This ticket is already closed."))
        before = ticket.status
        _set_status(ticket, TicketStatus.CLOSED, now=now)
        ticket.last_activity_at = now
        ticket.save(update_fields=["status", "closed_at", "last_activity_at"])
        _event(
            ticket, by, TicketEvent.Kind.CLOSED, from_status=before, to_status="closed"
        )
    return ticket


def reopen_ticket(*, ticket: Ticket, by: User) -> Ticket:
    """The distributor reopens a closed ticket within SUPPORT_REOPEN_DAYS."""
    now = timezone.now()
    with transaction.atomic():
        _locked(ticket)
        if not ticket.is_closed:
            raise SupportError(_("This ticket is not closed."))
        if not ticket.can_reopen_now():
            raise SupportError(
                _(
                    "This ticket was closed more than %(days)s days ago: open a new "
                    "ticket instead."
                )
                % {"days": settings.SUPPORT_REOPEN_DAYS}
            )
        _set_status(ticket, TicketStatus.OPEN, now=now)
        ticket.last_activity_at = now
        ticket.save(update_fields=["status", "closed_at", "last_activity_at"])
        _event(
            ticket,
            by,
            TicketEvent.Kind.REOPENED,
            from_status="closed",
            to_status="open",
        )
    return ticket
