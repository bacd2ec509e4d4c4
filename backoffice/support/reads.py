"""Support figures for the dashboard."""

from __future__ import annotations

from django.db.models import Count, Q

from backoffice.network.models import Distributor
from backoffice.support.models import Ticket, TicketStatus


def tickets_summary(distributor: Distributor) -> dict[str, int]:
    """The distributor's tickets not closed, and how many of them wait on them."""
    counts = (
        Ticket.objects.for_distributor(distributor)
        .not_closed()
        .aggregate(
            open=Count("pk"),
            waiting=Count("pk", filter=Q(status=TicketStatus.WAITING)),
        )
    )
    return {"open": counts["open"], "waiting": counts["waiting"]}


def inbox_summary() -> dict[str, int]:
    """Support staff: tickets not closed, of them our turn, and nobody's yet."""
    counts = Ticket.objects.not_closed().aggregate(
        open=Count("pk"),
        our_turn=Count("pk", filter=Q(status=TicketStatus.OPEN)),
        unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
    )
    return {
        "open": counts["open"],
        "our_turn": counts["our_turn"],
        "unassigned": counts["unassigned"],
    }
