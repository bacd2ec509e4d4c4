"""Gates for tickets and attachments: 404 alike for missing and not yours."""

from __future__ import annotations

from django.http import Http404

from backoffice.accounts.models import User
from backoffice.network.models import Distributor
from backoffice.support.models import Attachment, MessageKind, Ticket

# The permission every staff support page and action checks.
SUPPORT_PERMISSION = "support.change_ticket"


def is_support_staff(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_staff
        and user.is_active
        and user.has_perm(SUPPORT_PERMISSION)
    )


def _clean_code(code: str) -> str:
    return (code or "").strip().upper()[:10]


def get_ticket_for_viewer(viewer: Distributor, code: str) -> Ticket:
    """The viewer's own ticket by its public code."""
    ticket = (
        Ticket.objects.for_distributor(viewer)
        .select_related("distributor__user")
        .filter(code=_clean_code(code))
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def get_ticket_for_staff(user: User, code: str) -> Ticket:
    """Any ticket, for support staff (the view's decorator checked the permission)."""
    if not is_support_staff(user):
        raise Http404
    ticket = (
        Ticket.objects.select_related("distributor__user", "assigned_to")
        .filter(code=_clean_code(code))
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def get_attachment_for_user(user: User, code: str, token: str) -> Attachment:
    """An attachment for the ticket's owner (not on internal notes) or support staff."""
    attachments = Attachment.objects.select_related("message__ticket").filter(
        token=token, message__ticket__code=_clean_code(code)
    )
    if not is_support_staff(user):
        distributor = getattr(user, "distributor", None)
        if distributor is None:
            raise Http404
        attachments = attachments.filter(
            message__ticket__distributor=distributor
        ).exclude(message__kind=MessageKind.NOTE)
    attachment = attachments.first()
    if attachment is None:
        raise Http404
    return attachment
