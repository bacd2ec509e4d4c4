"""Activity from volume: the last day a distributor counts as active.

The plan (compensation-plan.md §3): active means not terminated and at least
50 PV dated within the 30 days ending on the day. With the volume recorded so
far, that holds up to some last day; ``Distributor.active_until`` stores it so
every team page tests activity with one comparison. It is recomputed whenever
volume is credited or taken back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from backoffice.network.models import Distributor
from backoffice.shop.models import VolumeEntry

WINDOW_DAYS = 30


def last_active_day(
    entries: Iterable[tuple[date, Decimal]], *, threshold: Decimal
) -> date | None:
    """The last day whose 30-day PV reaches ``threshold``; None when none does.

    The window's sum only changes where an entry enters it (its date) or leaves
    it (30 days on), so the last such day ends one of the constant stretches:
    the last day of an entry's window, or the day before a refund comes in.
    """
    entries = list(entries)
    width = timedelta(days=WINDOW_DAYS - 1)
    ends = {on + width for on, _pv in entries}
    ends |= {on - timedelta(days=1) for on, pv in entries if pv < 0}
    for last in sorted(ends, reverse=True):
        first = last - width
        total = sum((pv for on, pv in entries if first <= on <= last), Decimal(0))
        if total >= threshold:
            return last
    return None


def refresh_active_until(distributor_id: int) -> date | None:
    """Recompute one distributor's ``active_until`` from their volume."""
    entries = VolumeEntry.objects.filter(distributor_id=distributor_id).values_list(
        "on", "pv"
    )
    day = last_active_day(entries, threshold=Decimal(settings.ACTIVE_PV_30_DAYS))
    Distributor.objects.filter(pk=distributor_id).update(active_until=day)
    return day
