"""Weekly commission cycles and the company's calendar (compensation plan §1).

Cycle ``n`` runs Monday to Sunday and starts on ``2020-08-31 + 7·(n − 613)``
days; every date is a date in the company's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

ANCHOR_CYCLE = 613
ANCHOR_START = date(2020, 8, 31)


def cycle_of(day: date) -> int:
    return ANCHOR_CYCLE + (day - ANCHOR_START).days // 7


def cycle_start(n: int) -> date:
    return ANCHOR_START + timedelta(days=7 * (n - ANCHOR_CYCLE))


def cycle_end(n: int) -> date:
    return cycle_start(n) + timedelta(days=6)


def pay_date(n: int) -> date:
    return cycle_end(n) + timedelta(days=12)


def company_date(moment: datetime) -> date:
    """The company-zone calendar date of an aware moment."""
    return timezone.localtime(moment).date()
