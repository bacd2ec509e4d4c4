"""A small team with one closed week and this week so far, dated from today.

The live server runs in a thread of the test process, so freezing the clock
would freeze the pages too: every date here is chosen around the real today
instead. The closed week is the one before today's, this week is today's.

    root (no orders: inactive) ─ alice (L), charlie (R, joins this week)
    alice (ESP-1) ─ enrolled and placed: bob (L), dana (R)

The closed week (compensation-plan.md §4–§7, §10), everyone joined on its Monday:
- alice buys ESP-1 (100 PV, no rebate); bob buys ESP-1 (300 PV); dana 200 PV.
- bob's ESP-1 pays alice GEN5 generation 1: min(25, 25) = $25.00 (root, inactive,
  is skipped above her). Both reach 100 PV: MVP $25.00 each to alice.
- alice is binary-qualified (bob left, dana right): L 300, R 200, matched 200,
  Apprentice, rate max(10 %, 15 % from her ESP-1) = 15 % → binary $30.00,
  banks out (100, 0). Total $105.00, above the $25.00 minimum: paid in full.

This week so far (orders today): bob 250 PV, dana 450 PV. alice: L 100 + 250 =
350, R 0 + 450 = 450, matched 300, Apprentice at 15 % → $45.00; banks (50, 150).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions import actions
from backoffice.lib.cycles import cycle_of, cycle_start
from backoffice.network.models import Distributor
from backoffice.network.tests.conftest import add_member
from backoffice.shop.models import (
    Order,
    OrderKind,
    OrderSource,
    OrderStatus,
    VolumeEntry,
    VolumeKind,
)

PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass(frozen=True)
class Weeks:
    """What the pages are checked against: the cycles and the orders behind them."""

    members: dict[str, Distributor]
    today: date
    closed: int  # the week before today's: calculated, not approved
    current: int  # today's week: estimated
    alice_pack: Order
    bob_pack: Order
    dana_order: Order


def dana_member(alice: Distributor) -> Distributor:
    """dana (100004), enrolled by alice and placed on her right."""
    user = UserFactory(username="100004", first_name="Dana", last_name="Diaz")
    return add_member(user, enroller=alice, parent=alice, side="R")


def paid_order(
    member: Distributor, on: date, pv: str, *, package_level: int = 0
) -> Order:
    """A paid order of ``member`` on ``on`` (PV = CV), with its volume credited.

    Written as an import writes it: these pages are about commissions, and the
    checkout cannot date a payment in the past without moving the clock.
    """
    volume = Decimal(pv)
    noon = datetime.combine(on, time(12, 0), tzinfo=PACIFIC).astimezone(UTC)
    moment = min(noon, timezone.now())
    order = Order.objects.create(
        kind=OrderKind.DISTRIBUTOR,
        source=OrderSource.SHOP,
        status=OrderStatus.PAID,
        distributor=member,
        buyer=member.user,
        email=member.user.email or "member@example.com",
        idempotency_key=uuid.uuid4().hex,
        subtotal=volume,
        shipping=Decimal("0.00"),
        tax=Decimal("0.00"),
        total=volume,
        pv=volume,
        cv=volume,
        package_level=package_level,
        placed_at=moment,
        placed_on=on,
        paid_at=moment,
        paid_on=on,
    )
    VolumeEntry.objects.create(
        distributor=member,
        order=order,
        kind=VolumeKind.ORDER,
        on=on,
        cycle=cycle_of(on),
        pv=volume,
        cv=volume,
    )
    return order


def build_weeks(team: dict[str, Distributor]) -> Weeks:
    """Orders in the closed week and today, the closed week calculated, today estimated.

    ``team`` is the network fixture's: root, alice, bob and charlie.
    """
    today = actions.today()
    current = cycle_of(today)
    closed = current - 1
    monday = cycle_start(closed)
    members = {**team, "dana": dana_member(team["alice"])}
    # The closed week is the network's first: nothing earlier needs calculating.
    Distributor.objects.update(join_date=monday)
    Distributor.objects.filter(pk=team["charlie"].pk).update(join_date=today)
    for member in members.values():
        member.refresh_from_db()

    alice_pack = paid_order(members["alice"], monday, "100", package_level=1)
    bob_pack = paid_order(
        members["bob"], monday + timedelta(days=1), "300", package_level=1
    )
    dana_order = paid_order(members["dana"], monday + timedelta(days=2), "200")
    paid_order(members["bob"], today, "250")
    paid_order(members["dana"], today, "450")

    actions.calculate_cycle(number=closed)
    actions.estimate_current_cycle()
    return Weeks(
        members=members,
        today=today,
        closed=closed,
        current=current,
        alice_pack=alice_pack,
        bob_pack=bob_pack,
        dana_order=dana_order,
    )
