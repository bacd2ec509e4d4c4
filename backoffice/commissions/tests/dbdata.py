"""Random networks and orders as plain events, and the same events in the database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from backoffice.accounts.models import User
from backoffice.commissions.events import Member, Refund, Sale
from backoffice.lib.cycles import cycle_of
from backoffice.network.labels import build_index
from backoffice.network.models import Distributor
from backoffice.shop.models import Order, Payment, VolumeEntry
from backoffice.shop.models import Refund as RefundRecord


def random_events(
    seed: int, *, size: int = 40, start: date = date(2026, 4, 27), days: int = 28
) -> tuple[list[Member], list[Sale]]:
    """A network growing over ``days`` with orders, packs and refunds."""
    rng = random.Random(seed)
    members: list[Member] = []
    children: dict[int, dict[str, int]] = {}
    placed_ids: list[int] = []
    # Members join in ID order: nobody is placed under someone who joins later.
    offsets = sorted(rng.randrange(days // 2) for _ in range(size))
    for i in range(size):
        distributor_id = 500001 + i
        join = start + timedelta(days=offsets[i] if i else 0)
        if i == 0:
            members.append(Member(distributor_id, None, None, "", join - timedelta(60)))
            placed_ids.append(distributor_id)
            children[distributor_id] = {}
            continue
        enroller = rng.choice(placed_ids)
        if rng.random() < 0.1:
            members.append(
                Member(distributor_id, enroller, None, "", join, placed=False)
            )
            continue
        # Walk down from the enroller to an open slot: inside its placement downline.
        node = enroller
        while True:
            side = rng.choice("LR")
            below = children[node].get(side)
            if below is None:
                break
            node = below
        children[node][side] = distributor_id
        children[distributor_id] = {}
        placed_ids.append(distributor_id)
        terminated = (
            join + timedelta(days=rng.randrange(5, 30)) if rng.random() < 0.05 else None
        )
        members.append(Member(distributor_id, enroller, node, side, join, terminated))
    joined = {m.distributor_id: m.join_date for m in members}
    sales: list[Sale] = []
    order_id = 9000
    levels: dict[int, int] = {}
    end = start + timedelta(days=days - 1)
    for member in members:
        for _ in range(rng.randrange(0, 5)):
            order_id += 1
            on = joined[member.distributor_id] + timedelta(
                days=rng.randrange(
                    max(1, (end - joined[member.distributor_id]).days + 1)
                )
            )
            kind = "customer" if rng.random() < 0.25 else "distributor"
            pv = Decimal(rng.choice([0, 17, 36, 50, 70, 100, 120, 250, 600]))
            cv = (
                pv
                if rng.random() < 0.8
                else (pv * Decimal("0.8")).quantize(Decimal("0.01"))
            )
            package = 0
            if kind == "distributor" and rng.random() < 0.3:
                package = min(
                    3, levels.get(member.distributor_id, 0) + rng.randrange(1, 3)
                )
                levels[member.distributor_id] = package
            profit = (
                Decimal(rng.choice([0, 5, 12, 30]))
                if kind == "customer"
                else Decimal(0)
            )
            refunds: tuple[Refund, ...] = ()
            given_back = None
            if rng.random() < 0.15:
                when = on + timedelta(days=rng.randrange(0, 12))
                part = cv if rng.random() < 0.6 else (cv / 2).quantize(Decimal("0.01"))
                ratio = part / cv if cv else Decimal(1)
                refunds = (Refund(when, (pv * ratio).quantize(Decimal("0.01")), part),)
                if package and part == cv:
                    given_back = when
            sales.append(
                Sale(
                    order_id,
                    member.distributor_id,
                    on,
                    kind,
                    pv,
                    cv,
                    package,
                    profit,
                    refunds,
                    given_back,
                )
            )
    return members, sales


def _moment(day: date) -> datetime:
    # Noon in Los Angeles is 19:00 or 20:00 UTC: the same calendar day.
    return datetime.combine(day, time(20, 0), tzinfo=UTC)


def write_events(members: list[Member], sales: list[Sale]) -> dict[int, Distributor]:
    """Store the events as distributors, paid orders and volume entries."""
    order = {m.distributor_id: i for i, m in enumerate(members)}
    parents = [
        order[m.placement_id] if m.placed and m.placement_id else -1 for m in members
    ]
    sides = [m.side if m.placed else "" for m in members]
    index = build_index(parents, sides, root=0)
    made: dict[int, Distributor] = {}
    for i, m in enumerate(members):
        user = User.objects.create_user(
            username=str(m.distributor_id),
            email=f"m{m.distributor_id}@example.com",
            first_name="Member",
            last_name=str(m.distributor_id),
        )
        made[m.distributor_id] = Distributor.objects.create(
            distributor_id=m.distributor_id,
            user=user,
            is_root=i == 0,
            enroller=made.get(m.enroller_id),
            parent=made.get(m.placement_id) if m.placed else None,
            side=m.side if m.placed else "",
            join_date=m.join_date,
            terminated_on=m.terminated_on,
            lo=index.lo[i] if index.lo[i] >= 0 else None,
            hi=index.hi[i] if index.lo[i] >= 0 else None,
            depth=index.depth[i] if index.lo[i] >= 0 else None,
        )
    for sale in sales:
        who = made[sale.distributor_id]
        refunded = sum((r.cv for r in sale.refunds), Decimal(0))
        # Shipping and tax on top of the CV: every order has something to pay.
        total = sale.cv + Decimal("5.00")
        db_order = Order.objects.create(
            id=sale.order_id,
            number=f"T-{sale.order_id}",
            kind=sale.kind,
            source="import",
            status="delivered",
            distributor=who,
            email="x@example.com",
            idempotency_key=f"t-{sale.order_id}",
            subtotal=sale.cv,
            shipping=Decimal("5.00"),
            tax=0,
            total=total,
            pv=sale.pv,
            cv=sale.cv,
            retail_profit=sale.retail_profit,
            refunded_amount=refunded,
            package_level=sale.package,
            package_refunded_on=sale.package_refunded_on,
            placed_at=_moment(sale.on),
            placed_on=sale.on,
            paid_at=_moment(sale.on),
            paid_on=sale.on,
        )
        VolumeEntry.objects.create(
            distributor=who,
            order=db_order,
            kind="order",
            on=sale.on,
            cycle=cycle_of(sale.on),
            pv=sale.pv,
            cv=sale.cv,
        )
        payment = Payment.objects.create(
            order=db_order,
            provider="import",
            status="succeeded",
            amount=total,
            idempotency_key=f"t-pay-{sale.order_id}",
        )
        for number, refund in enumerate(sale.refunds):
            record = RefundRecord.objects.create(
                payment=payment,
                order=db_order,
                amount=refund.cv,
                pv=refund.pv,
                cv=refund.cv,
                status="succeeded",
                idempotency_key=f"t-refund-{sale.order_id}-{number}",
            )
            VolumeEntry.objects.create(
                distributor=who,
                order=db_order,
                refund=record,
                kind="refund",
                on=refund.on,
                cycle=cycle_of(refund.on),
                pv=-refund.pv,
                cv=-refund.cv,
            )
    return made
