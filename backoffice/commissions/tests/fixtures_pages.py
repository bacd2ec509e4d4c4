"""Fixtures for the distributor's commission pages: cycles, results and lines as rows.

The pages only read what a run stored, so most tests write the rows directly
with figures chosen to be checked by hand (the plan's worked example, §12).
"""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from backoffice.commissions.models import Cycle, CycleStatus, Line, Result
from backoffice.lib.cycles import cycle_end, cycle_start, pay_date
from backoffice.shop.models import Order, RetailCustomer
from backoffice.shop.tests.conftest import (  # noqa: F401
    catalog,
    fedex,
    pay_with_demo_card,
    place,
    root,
    ship_to_ca,
    team,
)

D = Decimal
PACIFIC = ZoneInfo("America/Los_Angeles")
# Cycle 911 runs Monday 2026-05-18 to Sunday 2026-05-24: "today" is its Wednesday.
TODAY = datetime(2026, 5, 20, 10, 0, tzinfo=PACIFIC)
OPEN = 911


def make_cycle(number: int, status: str = CycleStatus.APPROVED, **fields) -> Cycle:
    ends = cycle_end(number)
    fields.setdefault("calculated_at", datetime(2026, 5, 20, 9, 30, tzinfo=PACIFIC))
    if status == CycleStatus.APPROVED:
        fields.setdefault("approved_at", fields["calculated_at"])
    return Cycle.objects.create(
        number=number,
        status=status,
        plan_version="2026.1",
        starts_on=cycle_start(number),
        ends_on=ends,
        pay_on=pay_date(number),
        counted_through=fields.pop("counted_through", ends),
        result_hash="0" * 64,
        **fields,
    )


ZERO_FIGURES = [
    "pv30",
    "cycle_pv",
    "new_left",
    "new_right",
    "rebate",
    "left_cv",
    "right_cv",
    "matched_cv",
    "bank_left",
    "bank_right",
    "flushed",
    "breakage",
    "retail",
    "gen5",
    "mvp",
    "binary",
    "total",
    "balance_in",
    "paid",
    "balance_out",
]


def make_result(cycle: Cycle, distributor, **figures) -> Result:
    values = {name: D(0) for name in ZERO_FIGURES}
    values.update(
        rank="Affiliate",
        best_rank="Affiliate",
        is_active=True,
        is_binary_qualified=False,
        has_left_enrollee=False,
        has_right_enrollee=False,
        is_gen5_qualified=False,
        rate_bp=1000,
    )
    values.update(figures)
    return Result.objects.create(cycle=cycle, distributor=distributor, **values)


def make_line(cycle: Cycle, distributor, bonus: str, amount: str, **fields) -> Line:
    return Line.objects.create(
        cycle=cycle, distributor=distributor, bonus=bonus, amount=D(amount), **fields
    )


def paid_order(distributor, items, delivery, **kwargs) -> Order:
    order = place(distributor, items, delivery, **kwargs)
    pay_with_demo_card(order)
    order.refresh_from_db()
    return order


def customer_order(distributor, items, delivery) -> Order:
    customer = RetailCustomer.objects.create(
        distributor=distributor,
        first_name="Rita",
        last_name="Ruiz",
        email=f"rita-{uuid.uuid4().hex[:6]}@example.com",
    )
    return paid_order(
        distributor,
        items,
        delivery,
        customer=customer,
        buyer=None,
        email=customer.email,
    )


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 with a core font, one string a line."""
    assert data.startswith(b"%PDF-")
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # not a compressed content stream (fonts, images)
        for text in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content):
            parts.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(parts)
