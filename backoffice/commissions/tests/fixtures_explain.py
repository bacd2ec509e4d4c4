"""Fixtures for "Why this amount?" and the what-if planner.

Import the fixtures into a test module (``from ...fixtures_explain import *``
style, by name) so pytest finds them. Orders are written directly with their
volume, the way an import does: these tests are about commissions, not checkout.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions.actions import current_plan
from backoffice.commissions.models import Cycle, CycleStatus, Line, Result
from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.network.tests.conftest import add_member, root, team  # noqa: F401
from backoffice.shop.models import (
    Order,
    OrderKind,
    OrderSource,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    RetailCustomer,
    VolumeEntry,
    VolumeKind,
)

LA = ZoneInfo("America/Los_Angeles")
# Wednesday of cycle 909 (2026-05-04 to 2026-05-10): cycle 908 is closed.
NOW = datetime(2026, 5, 6, 12, 0, tzinfo=LA)
TODAY = date(2026, 5, 6)
CYCLE = 909


def plan_909():
    return current_plan().for_cycle(CYCLE)


def _cycle_of(day: date) -> int:
    return plan_909().cycle_of(day)


def paid_order(
    member: Distributor,
    on: date,
    pv: str | Decimal,
    *,
    cv: str | Decimal | None = None,
    package_level: int = 0,
    customer: RetailCustomer | None = None,
    profit: str | Decimal = "0.00",
    number: str | None = None,
) -> Order:
    """A paid order of ``member`` on ``on`` with its volume credited."""
    pv = Decimal(pv)
    cv = pv if cv is None else Decimal(cv)
    moment = datetime.combine(on, time(12, 0), tzinfo=LA).astimezone(UTC)
    fields = {"number": number} if number else {}
    order = Order.objects.create(
        kind=OrderKind.CUSTOMER if customer else OrderKind.DISTRIBUTOR,
        source=OrderSource.SHOP,
        status=OrderStatus.PAID,
        distributor=member,
        buyer=None if customer else member.user,
        customer=customer,
        email=member.user.email or "member@example.com",
        idempotency_key=uuid.uuid4().hex,
        subtotal=cv,
        shipping=Decimal("0.00"),
        tax=Decimal("0.00"),
        total=cv,
        pv=pv,
        cv=cv,
        retail_profit=Decimal(profit),
        package_level=package_level,
        placed_at=moment,
        placed_on=on,
        paid_at=moment,
        paid_on=on,
        **fields,
    )
    VolumeEntry.objects.create(
        distributor=member,
        order=order,
        kind=VolumeKind.ORDER,
        on=on,
        cycle=_cycle_of(on),
        pv=pv,
        cv=cv,
    )
    return order


def refund_volume(order: Order, on: date, *, share: Decimal = Decimal(1)) -> None:
    """Refund ``share`` of an order on ``on``: the refund and its negative volume."""
    pv = (order.pv * share).quantize(Decimal("0.01"))
    cv = (order.cv * share).quantize(Decimal("0.01"))
    amount = (order.total * share).quantize(Decimal("0.01"))
    payment = Payment.objects.create(
        order=order,
        provider="demo",
        status=PaymentStatus.SUCCEEDED,
        amount=order.total,
        idempotency_key=uuid.uuid4().hex,
    )
    refund = Refund.objects.create(
        payment=payment,
        order=order,
        amount=amount,
        pv=pv,
        cv=cv,
        status=RefundStatus.SUCCEEDED,
        idempotency_key=uuid.uuid4().hex,
        refunded_at=datetime.combine(on, time(12, 0), tzinfo=LA),
    )
    VolumeEntry.objects.create(
        distributor=order.distributor,
        order=order,
        refund=refund,
        kind=VolumeKind.REFUND,
        on=on,
        cycle=_cycle_of(on),
        pv=-pv,
        cv=-cv,
    )
    if order.package_level and share == 1:
        Order.objects.filter(pk=order.pk).update(package_refunded_on=on)


def customer_of(member: Distributor, name: str = "Rita") -> RetailCustomer:
    return RetailCustomer.objects.create(
        distributor=member,
        first_name=name,
        last_name="Retail",
        email=f"{name.lower()}@example.com",
    )


def person(number: int, first: str, last: str):
    return UserFactory(
        username=str(number),
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.com",
    )


def make_cycle(number: int = CYCLE, status: str = CycleStatus.APPROVED) -> Cycle:
    """A cycle row written directly (for page tests that need no calculation)."""
    plan = current_plan().for_cycle(number)
    end = plan.cycle_end(number)
    is_estimate = status == CycleStatus.ESTIMATE
    return Cycle.objects.create(
        number=number,
        status=status,
        plan_version=plan.version,
        starts_on=plan.cycle_start(number),
        ends_on=end,
        pay_on=plan.pay_date(number),
        counted_through=end - timedelta(days=4) if is_estimate else end,
        calculated_at=NOW,
        approved_at=NOW if status == CycleStatus.APPROVED else None,
        result_hash="0" * 64,
    )


def result_row(cycle: Cycle | None, member: Distributor | None, **figures) -> Result:
    """A Result with every figure zero/false unless given (unsaved when no cycle)."""
    values = {
        "rank": "Affiliate",
        "best_rank": "Affiliate",
        "is_active": False,
        "is_binary_qualified": False,
        "has_left_enrollee": False,
        "has_right_enrollee": False,
        "is_gen5_qualified": False,
        "package": 0,
        "rate_bp": 1000,
        "rate_package": 0,
        "rate_until": None,
        "mvp_decision": 0,
    }
    money_fields = [
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
    for name in money_fields:
        values[name] = Decimal("0.00")
    for name, value in figures.items():
        values[name] = Decimal(value) if name in money_fields else value
    row = Result(cycle=cycle, distributor=member, **values)
    if cycle is not None and member is not None:
        row.save()
    return row


def line(cycle: Cycle, member: Distributor, bonus: str, amount: str, **fields) -> Line:
    return Line.objects.create(
        cycle=cycle, distributor=member, bonus=bonus, amount=Decimal(amount), **fields
    )


@pytest.fixture
def frozen():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def network(team):  # noqa: F811 (the imported fixture, by name)
    """alice's team for a real calculation (everyone joined 2026-04-27, cycle 908).

    root -> alice (L), charlie (R); alice -> bob (L, by alice).
    Holding tank of alice: hank (200010), ivy (200011); of charlie: carl (200012).
    """
    hank = add_member(person(200010, "Hank", "Hill"), enroller=team["alice"])
    ivy = add_member(person(200011, "Ivy", "Irwin"), enroller=team["alice"])
    carl = add_member(person(200012, "Carl", "Cole"), enroller=team["charlie"])
    Distributor.objects.update(join_date=date(2026, 4, 27))
    members = {**team, "hank": hank, "ivy": ivy, "carl": carl}
    for member in members.values():
        member.refresh_from_db()
    return members


def place(member: Distributor, parent: Distributor, side: str) -> None:
    parent.refresh_from_db()
    tree.place(member, parent, side)


def week_908(members: dict[str, Distributor]) -> dict[str, Order]:
    """Cycle 908's orders: alice buys ESP-2 (150 PV), bob 300 PV, charlie 60 PV.

    Calculated, alice has L 325 (bob's 300 + her 25 rebate), R 25, an active
    enrollee only on the left: not binary-qualified, banks carried; bob's MVP
    pays her $25.00. alice's own MVP is forfeited by root, who is inactive.
    """
    return {
        "alice_pack": paid_order(
            members["alice"], date(2026, 4, 28), "150", package_level=2
        ),
        "bob": paid_order(members["bob"], date(2026, 4, 29), "300"),
        "charlie": paid_order(members["charlie"], date(2026, 4, 29), "60"),
    }
