"""Demo shop data: the real catalog and months of plausible order history.

History is written in bulk (orders as they would be after their lifecycle), so
a few hundred distributors with six months of orders load in seconds.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from backoffice.lib.cycles import company_date, cycle_of
from backoffice.network.models import Distributor
from backoffice.shop.actions import CARRIER_TRACKING_URLS
from backoffice.shop.activity import last_active_day
from backoffice.shop.catalog import load_catalog
from backoffice.shop.models import (
    Autoship,
    AutoshipItem,
    InventoryItem,
    InventoryMovement,
    InventoryMovementKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderSource,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    RetailCustomer,
    ShippingMethod,
    TaxRate,
    VolumeEntry,
    VolumeKind,
    WalletEntry,
    WalletKind,
)
from backoffice.shop.models.orders import _NUMBER_ALPHABET
from backoffice.shop.pricing import PricedItem, compute_totals

DEMO_CARD_TOKEN = "demo_4242424242424242"  # noqa: S105 (the demo provider's test card)
CUSTOMER_FIRST = ("Laura", "Miguel", "Grace", "Hector", "Nina", "Oscar", "Ruth")
CUSTOMER_LAST = ("Lopez", "Kim", "Reyes", "Nguyen", "Price", "Silva", "Ward")


def _number(rng: random.Random) -> str:
    return "GX-" + "".join(rng.choice(_NUMBER_ALPHABET) for _ in range(10))


def _moment(day, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59)))
    return timezone.make_aware(local)


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    load_catalog(stock=500)
    products = list(Product.objects.products().filter(is_active=True))
    packs = {
        p.package_level: p for p in Product.objects.packages() if not p.requires_level
    }
    fedex = ShippingMethod.objects.get(code="fedex-ground")
    rates = dict(TaxRate.objects.values_list("state", "rate"))
    today = timezone.localdate()
    start = today - timedelta(days=30 * months)
    members = list(
        Distributor.objects.select_related("user").order_by("distributor_id")
    )

    orders: list[Order] = []
    lines: dict[str, list[PricedItem]] = {}
    received: dict[tuple[int, int], int] = defaultdict(int)
    receipts: list[tuple[Order, int, int]] = []
    customers: list[RetailCustomer] = []
    customer_orders: list[tuple[int, Order]] = []

    def make_order(
        member, day, items, *, kind=OrderKind.DISTRIBUTOR, level=0, email=""
    ):
        is_retail = kind == OrderKind.CUSTOMER
        priced = [
            PricedItem(
                product_id=p.pk,
                sku=p.sku,
                name=p.name_en,
                quantity=q,
                unit_price=p.retail_price if is_retail else p.distributor_price,
                distributor_price=p.distributor_price,
                unit_pv=p.pv,
                unit_cv=p.cv,
            )
            for p, q in items
        ]
        totals = compute_totals(
            priced,
            shipping=fedex.price,
            tax_rate=rates.get(member.state, Decimal("0")),
            is_retail=is_retail,
        )
        placed = _moment(day, rng)
        age = (today - day).days
        status = (
            OrderStatus.DELIVERED
            if age > 9
            else OrderStatus.SHIPPED
            if age > 3
            else OrderStatus.PROCESSING
            if age > 1
            else OrderStatus.PAID
        )
        tracking = f"7{rng.randint(10**10, 10**11 - 1)}"
        order = Order(
            number=_number(rng),
            kind=kind,
            source=OrderSource.PERSONAL_SHOP if is_retail else OrderSource.SHOP,
            status=status,
            distributor=member,
            buyer=None if is_retail else member.user,
            email=email or member.user.email,
            idempotency_key=f"demo-{rng.getrandbits(64):016x}",
            subtotal=totals.subtotal,
            shipping=totals.shipping,
            tax=totals.tax,
            total=totals.total,
            pv=totals.pv,
            cv=totals.cv,
            retail_profit=totals.retail_profit,
            package_level=level,
            payment_provider="demo",
            shipping_method=fedex,
            shipping_method_name=fedex.name_en,
            ship_name=member.user.get_full_name(),
            ship_line1=member.address_line1,
            ship_city=member.city,
            ship_state=member.state,
            ship_postal_code=member.postal_code,
            ship_phone=member.phone,
            carrier="FedEx" if status in ("shipped", "delivered") else "",
            tracking_number=tracking if status in ("shipped", "delivered") else "",
            tracking_url=(
                CARRIER_TRACKING_URLS["FedEx"].format(number=tracking)
                if status in ("shipped", "delivered")
                else ""
            ),
            placed_at=placed,
            placed_on=day,
            paid_at=placed + timedelta(minutes=1),
            paid_on=company_date(placed + timedelta(minutes=1)),
            shipped_at=(
                placed + timedelta(days=2)
                if status in ("shipped", "delivered")
                else None
            ),
            delivered_at=placed + timedelta(days=6) if status == "delivered" else None,
        )
        orders.append(order)
        lines[order.number] = priced
        if status == OrderStatus.DELIVERED and not is_retail:
            for p, q in items:
                for content in pack_contents.get(p.pk, [(p.pk, 1)]):
                    received[(member.pk, content[0])] += q * content[1]
                    receipts.append((order, content[0], q * content[1]))
        return order

    pack_contents: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pack in packs.values():
        for content in pack.contents.all():
            pack_contents[pack.pk].append((content.product_id, content.quantity))

    for member in members:
        if member.terminated_on:
            continue
        joined = max(member.join_date, start)
        if rng.random() < 0.55 and member.join_date >= start:
            level = rng.choice([1, 1, 2, 2, 3])
            make_order(member, joined, [(packs[level], 1)], level=level)
        day = joined + timedelta(days=rng.randint(3, 25))
        while day < today:
            if rng.random() < 0.75:
                chosen = rng.sample(products, rng.randint(1, 3))
                make_order(member, day, [(p, rng.randint(1, 3)) for p in chosen])
            if rng.random() < 0.12:
                customer = RetailCustomer(
                    distributor=member,
                    first_name=rng.choice(CUSTOMER_FIRST),
                    last_name=rng.choice(CUSTOMER_LAST),
                    email=f"customer{len(customers) + 1}@example.com",
                )
                customers.append(customer)
                chosen = rng.sample(products[:9], rng.randint(1, 2))
                order = make_order(
                    member,
                    min(today, day + timedelta(days=rng.randint(1, 9))),
                    [(p, rng.randint(1, 2)) for p in chosen],
                    kind=OrderKind.CUSTOMER,
                    email=customer.email,
                )
                customer_orders.append((len(customers) - 1, order))
            day += timedelta(days=rng.randint(24, 36))

    RetailCustomer.objects.bulk_create(customers, batch_size=1000)
    for index, order in customer_orders:
        order.customer = customers[index]
    Order.objects.bulk_create(orders, batch_size=1000)
    OrderLine.objects.bulk_create(
        (
            OrderLine.frozen(order, item)
            for order in orders
            for item in lines[order.number]
        ),
        batch_size=2000,
    )
    steps = [
        ("placed", "placed_at"),
        ("paid", "paid_at"),
        ("processing", "paid_at"),
        ("shipped", "shipped_at"),
        ("delivered", "delivered_at"),
    ]
    events = []
    for order in orders:
        for status, field in steps:
            at = getattr(order, field)
            if at is None:
                break
            if status == "processing":
                at = at + timedelta(hours=20)
                if order.status == OrderStatus.PAID:
                    break
            events.append(OrderEvent(order=order, status=status, at=at))
    OrderEvent.objects.bulk_create(events, batch_size=2000)
    Payment.objects.bulk_create(
        (
            Payment(
                order=order,
                provider="demo",
                status=PaymentStatus.SUCCEEDED,
                amount=order.total,
                idempotency_key=f"{order.number}-1",
                reference=f"demo_{order.number}",
                card_label="Demo card •••• 4242",
            )
            for order in orders
        ),
        batch_size=2000,
    )
    VolumeEntry.objects.bulk_create(
        (
            VolumeEntry(
                distributor_id=order.distributor_id,
                order=order,
                kind=VolumeKind.ORDER,
                on=order.paid_on,
                cycle=cycle_of(order.paid_on),
                pv=order.pv,
                cv=order.cv,
            )
            for order in orders
        ),
        batch_size=2000,
    )
    by_member: dict[int, list] = defaultdict(list)
    for order in orders:
        by_member[order.distributor_id].append((order.paid_on, order.pv))
    threshold = Decimal(settings.ACTIVE_PV_30_DAYS)
    for member in members:
        member.active_until = last_active_day(
            by_member.get(member.pk, []), threshold=threshold
        )
    Distributor.objects.bulk_update(members, ["active_until"], batch_size=1000)
    InventoryItem.objects.bulk_create(
        (
            InventoryItem(
                distributor_id=member_id,
                product_id=product_id,
                quantity=quantity,
                low_stock_threshold=2 if rng.random() < 0.3 else 0,
            )
            for (member_id, product_id), quantity in sorted(received.items())
        ),
        batch_size=2000,
    )
    running: dict[tuple[int, int], int] = defaultdict(int)
    movements = []
    seen: set[tuple[int, int]] = set()
    for order, product_id, quantity in receipts:
        if (order.pk, product_id) in seen:
            continue
        seen.add((order.pk, product_id))
        key = (order.distributor_id, product_id)
        running[key] += quantity
        movements.append(
            InventoryMovement(
                distributor_id=order.distributor_id,
                product_id=product_id,
                kind=InventoryMovementKind.RECEIVED,
                change=quantity,
                quantity_after=running[key],
                order=order,
                on=company_date(order.delivered_at),
            )
        )
    InventoryMovement.objects.bulk_create(movements, batch_size=2000)
    # Correct the on-hand count when an order+product pair was merged above.
    for key, quantity in running.items():
        if quantity != received[key]:
            InventoryItem.objects.filter(
                distributor_id=key[0], product_id=key[1]
            ).update(quantity=quantity)

    autoships = 0
    wallet = []
    for member in members:
        if member.terminated_on:
            continue
        if rng.random() < 0.3:
            day_of_month = rng.choice([1, 5, 10, 15, 20, 25])
            next_run = _next_day(today + timedelta(days=1), day_of_month)
            autoship = Autoship.objects.create(
                distributor=member,
                day_of_month=day_of_month,
                next_run_on=next_run,
                payment_provider="demo",
                payment_token=DEMO_CARD_TOKEN,
                payment_label="Demo card •••• 4242",
                shipping_method=fedex,
                ship_name=member.user.get_full_name(),
                ship_line1=member.address_line1,
                ship_city=member.city,
                ship_state=member.state,
                ship_postal_code=member.postal_code,
                ship_phone=member.phone,
            )
            for product in rng.sample(products[:9], rng.randint(1, 3)):
                AutoshipItem.objects.create(
                    autoship=autoship, product=product, quantity=rng.randint(1, 3)
                )
            autoships += 1
        if rng.random() < 0.25:
            wallet.append(
                WalletEntry(
                    distributor=member,
                    kind=WalletKind.PAYOUT,
                    amount=Decimal(rng.randint(2500, 40000)) / 100,
                    note="demo commission payout",
                )
            )
    WalletEntry.objects.bulk_create(wallet)
    return {
        "products": Product.objects.count(),
        "orders": len(orders),
        "retail customers": len(customers),
        "autoships": autoships,
    }


def _next_day(after, day_of_month: int):
    candidate = after.replace(day=day_of_month)
    if candidate < after:
        month = after.month % 12 + 1
        year = after.year + (after.month == 12)
        candidate = candidate.replace(year=year, month=month)
    return candidate
