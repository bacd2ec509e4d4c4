"""Writes to the shop: carts, orders, payments, refunds, fulfilment.

Each action owns its transaction; emails go out on commit. Stock is locked
product by product in primary-key order, so concurrent checkouts never
deadlock and never sell what is not there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.lib.cycles import company_date, cycle_of
from backoffice.lib.emails import queue_email
from backoffice.lib.money import ZERO
from backoffice.network.models import Distributor
from backoffice.shop.activity import refresh_active_until
from backoffice.shop.models import (
    Cart,
    CartLine,
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
    Refund,
    RefundStatus,
    RetailCustomer,
    ShippingMethod,
    StockMovement,
    TaxRate,
    VolumeEntry,
    VolumeKind,
    WalletEntry,
    WalletKind,
    WillCallCenter,
)
from backoffice.shop.payments import PaymentError, get_provider
from backoffice.shop.pricing import PricedItem, Totals, compute_totals

MAX_QUANTITY = 99
# A visitor without an account reserves stock too: keep each line small.
RETAIL_MAX_QUANTITY = 10


class ShopError(Exception):
    """A rule of the shop refused the request; the message says which."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- carts --------------------------------------------------------------------


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ShopError(
            _("Choose a quantity from 1 to %(max)d.") % {"max": MAX_QUANTITY},
            field="quantity",
        )


def get_cart(*, user=None, token: str | None = None, shop_owner=None) -> Cart:
    """The user's cart, or the visitor's cart in ``shop_owner``'s personal shop."""
    if user is not None:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    if not token:
        raise ValueError("a visitor's cart needs a token")
    cart, _created = Cart.objects.get_or_create(
        token=token, defaults={"shop_owner": shop_owner}
    )
    return cart


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def add_to_cart(*, cart: Cart, product: Product, quantity: int = 1) -> CartLine:
    """Add ``quantity`` of an active product (capped at the per-line maximum)."""
    _check_quantity(quantity)
    if not product.is_active:
        raise ShopError(_("This product is no longer sold."))
    if product.is_package and cart.user_id is None:
        raise ShopError(_("Packs are sold to distributors only."))
    limit = MAX_QUANTITY if cart.user_id else RETAIL_MAX_QUANTITY
    if quantity > limit:
        raise ShopError(
            _("Choose a quantity from 1 to %(max)d.") % {"max": limit},
            field="quantity",
        )
    with transaction.atomic():
        line, created = CartLine.objects.select_for_update().get_or_create(
            cart=cart, product=product, defaults={"quantity": quantity}
        )
        if not created:
            line.quantity = min(line.quantity + quantity, limit)
            line.save(update_fields=["quantity"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def set_cart_quantity(*, cart: Cart, product_id: int, quantity: int) -> None:
    """Change a line's quantity; 0 removes it."""
    if quantity == 0:
        remove_from_cart(cart=cart, product_id=product_id)
        return
    _check_quantity(quantity)
    if quantity > RETAIL_MAX_QUANTITY and cart.user_id is None:
        raise ShopError(
            _("Choose a quantity from 1 to %(max)d.") % {"max": RETAIL_MAX_QUANTITY},
            field="quantity",
        )
    updated = CartLine.objects.filter(cart=cart, product_id=product_id).update(
        quantity=quantity
    )
    if not updated:
        raise ShopError(_("That product is not in your cart."))


def remove_from_cart(*, cart: Cart, product_id: int) -> None:
    CartLine.objects.filter(cart=cart, product_id=product_id).delete()


def cart_items(cart: Cart) -> list[tuple[int, int]]:
    return list(cart.lines.order_by("product_id").values_list("product_id", "quantity"))


# --- quoting and placing orders -------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Ship to an address by a method, or pick up at a Will Call center."""

    shipping_method: ShippingMethod | None = None
    will_call: WillCallCenter | None = None
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""

    @property
    def tax_state(self) -> str:
        return self.will_call.state if self.will_call else self.state

    @property
    def is_po_box(self) -> bool:
        text = f"{self.line1} {self.line2}".upper().replace(".", "").replace(" ", "")
        return "POBOX" in text or "POSTOFFICEBOX" in text


def check_delivery(delivery: Delivery) -> None:
    if delivery.will_call is not None:
        if not delivery.will_call.is_active:
            raise ShopError(_("That pick-up center is closed."), field="will_call")
        return
    method = delivery.shipping_method
    if method is None or not method.is_active:
        raise ShopError(_("Choose a shipping method."), field="shipping_method")
    if not (delivery.name and delivery.line1 and delivery.city and delivery.state):
        raise ShopError(_("Enter the full shipping address."), field="line1")
    if not method.reaches(delivery.state, is_po_box=delivery.is_po_box):
        raise ShopError(
            _("%(method)s does not deliver to that address; choose another method.")
            % {"method": method.name},
            field="shipping_method",
        )


def package_level_of(distributor: Distributor) -> int:
    """The highest level among the distributor's paid packs not given back.

    The same rule as the commission run's (docs/compensation-plan.md): a pack
    stops counting on the date it is given back (``package_refunded_on``).
    """
    level = (
        Order.objects.filter(
            distributor=distributor,
            kind=OrderKind.DISTRIBUTOR,
            paid_at__isnull=False,
            package_level__gt=0,
            package_refunded_on__isnull=True,
        )
        .exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
        .aggregate(level=Max("package_level"))["level"]
    )
    return level or 0


def _check_packages(products: list[Product], distributor: Distributor) -> int:
    """The pack level the order reaches (0 for none); refuse impossible packs."""
    packs = [product for product in products if product.is_package]
    if not packs:
        return 0
    if len(packs) > 1:
        raise ShopError(_("Buy one pack or upgrade per order."))
    pack = packs[0]
    unpaid = Order.objects.filter(
        distributor=distributor, status=OrderStatus.PLACED, package_level__gt=0
    ).first()
    if unpaid is not None:
        raise ShopError(
            _("Order %(number)s already holds a pack: pay or cancel it first.")
            % {"number": unpaid.number}
        )
    current = package_level_of(distributor)
    if pack.requires_level and current != pack.requires_level:
        raise ShopError(
            _("%(pack)s is for distributors who hold ESP-%(level)d.")
            % {"pack": pack.name, "level": pack.requires_level}
        )
    if current >= pack.package_level:
        raise ShopError(
            _("You already hold ESP-%(level)d or higher.") % {"level": current}
        )
    return pack.package_level


def _priced(products: dict[int, Product], items, *, is_retail: bool):
    priced = []
    for product_id, quantity in items:
        product = products[product_id]
        priced.append(
            PricedItem(
                product_id=product.pk,
                sku=product.sku,
                name=product.name_en,
                quantity=quantity,
                unit_price=(
                    product.retail_price if is_retail else product.distributor_price
                ),
                distributor_price=product.distributor_price,
                unit_pv=product.pv,
                unit_cv=product.cv,
            )
        )
    return priced


def quote(
    *, items: list[tuple[int, int]], delivery: Delivery | None, is_retail: bool = False
) -> tuple[list[PricedItem], Totals]:
    """Prices and totals for the checkout page (nothing is reserved)."""
    products = Product.objects.in_bulk([product_id for product_id, _q in items])
    priced = _priced(products, items, is_retail=is_retail)
    shipping, rate, tax_shipping = _delivery_costs(delivery)
    totals = compute_totals(
        priced,
        shipping=shipping,
        tax_rate=rate,
        tax_shipping=tax_shipping,
        is_retail=is_retail,
    )
    return priced, totals


def _delivery_costs(delivery: Delivery | None) -> tuple[Decimal, Decimal, bool]:
    if delivery is None:
        return ZERO, ZERO, False
    shipping = ZERO if delivery.will_call else delivery.shipping_method.price
    tax = TaxRate.objects.filter(state=delivery.tax_state.upper()).first()
    if tax is None:
        return shipping, ZERO, False
    return shipping, tax.rate, tax.applies_to_shipping


def place_order(
    *,
    distributor: Distributor,
    items: list[tuple[int, int]],
    delivery: Delivery,
    email: str,
    idempotency_key: str,
    buyer=None,
    customer: RetailCustomer | None = None,
    source: str = OrderSource.SHOP,
) -> Order:
    """Reserve stock and create the order, awaiting payment.

    ``items`` are (product id, quantity) pairs; prices and volumes come from the
    catalog. The same ``idempotency_key`` returns the order it already made.
    """
    is_retail = customer is not None
    existing = Order.objects.with_checkout_key(idempotency_key).first()
    if existing is not None:
        # A repeated submit (the cart may be empty by now): the order it made.
        return _same_order(existing, distributor)
    if not items:
        raise ShopError(_("Your cart is empty."))
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        merged[product_id] = merged.get(product_id, 0) + quantity
    for quantity in merged.values():
        _check_quantity(quantity)
        if is_retail and quantity > RETAIL_MAX_QUANTITY:
            raise ShopError(
                _("Order at most %(max)d of each product.")
                % {"max": RETAIL_MAX_QUANTITY},
                field="quantity",
            )
    check_delivery(delivery)
    now = timezone.now()
    try:
        with transaction.atomic():
            products = {
                product.pk: product
                for product in Product.objects.select_for_update()
                .filter(pk__in=sorted(merged))
                .order_by("pk")
            }
            if len(products) != len(merged):
                raise ShopError(_("A product in your cart is no longer sold."))
            for product_id, quantity in merged.items():
                product = products[product_id]
                if not product.is_active:
                    raise ShopError(
                        _("%(name)s is no longer sold.") % {"name": product.name}
                    )
                if is_retail and product.is_package:
                    raise ShopError(_("Packs are sold to distributors only."))
                if product.stock < quantity:
                    raise ShopError(
                        _("Only %(stock)d of %(name)s left in stock.")
                        % {"stock": product.stock, "name": product.name}
                        if product.stock
                        else _("%(name)s is out of stock.") % {"name": product.name}
                    )
            level = (
                0
                if is_retail
                else _check_packages(list(products.values()), distributor)
            )
            ordered = sorted(merged.items())
            priced = _priced(products, ordered, is_retail=is_retail)
            shipping, rate, tax_shipping = _delivery_costs(delivery)
            totals = compute_totals(
                priced,
                shipping=shipping,
                tax_rate=rate,
                tax_shipping=tax_shipping,
                is_retail=is_retail,
            )
            order = Order.objects.create(
                kind=OrderKind.CUSTOMER if is_retail else OrderKind.DISTRIBUTOR,
                source=source,
                distributor=distributor,
                buyer=buyer,
                customer=customer,
                email=email,
                idempotency_key=idempotency_key,
                subtotal=totals.subtotal,
                shipping=totals.shipping,
                tax=totals.tax,
                total=totals.total,
                pv=totals.pv,
                cv=totals.cv,
                retail_profit=totals.retail_profit,
                package_level=level,
                shipping_method=delivery.shipping_method
                if not delivery.will_call
                else None,
                shipping_method_name=(
                    delivery.shipping_method.name_en
                    if delivery.shipping_method and not delivery.will_call
                    else ""
                ),
                will_call=delivery.will_call,
                ship_name=delivery.name,
                ship_line1=delivery.line1,
                ship_line2=delivery.line2,
                ship_city=delivery.city,
                ship_state=delivery.state.upper(),
                ship_postal_code=delivery.postal_code,
                ship_phone=delivery.phone,
                placed_at=now,
                placed_on=company_date(now),
            )
            OrderLine.objects.bulk_create(
                OrderLine.frozen(order, item) for item in priced
            )
            for product_id, quantity in ordered:
                move_stock(
                    products[product_id],
                    -quantity,
                    reason=StockMovement.Reason.ORDER,
                    order=order,
                )
            OrderEvent.objects.create(order=order, status=OrderStatus.PLACED, at=now)
    except IntegrityError:
        # The same checkout submitted twice at once: the other request won.
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_order(existing, distributor)
    return order


def save_retail_customer(
    *, distributor: Distributor, first_name: str, last_name: str, email: str, phone: str
) -> RetailCustomer:
    """The distributor's customer with this email (any case), created if new.

    A checkout without an account proves nothing about who is typing: details
    already on record are kept (only blanks are filled); each order carries the
    name and phone given with it.
    """
    email = email.strip()
    fields = {"first_name": first_name, "last_name": last_name, "phone": phone}
    with transaction.atomic():
        customer = (
            RetailCustomer.objects.select_for_update()
            .filter(distributor=distributor, email__iexact=email)
            .first()
        )
        if customer is None:
            try:
                with transaction.atomic():
                    return RetailCustomer.objects.create(
                        distributor=distributor, email=email, **fields
                    )
            except IntegrityError:
                # The same customer checking out twice at once: the other won.
                customer = RetailCustomer.objects.select_for_update().get(
                    distributor=distributor, email__iexact=email
                )
        blanks = [name for name in fields if not getattr(customer, name)]
        for name in blanks:
            setattr(customer, name, fields[name])
        if blanks:
            customer.save(update_fields=blanks)
    return customer


def place_retail_order(
    *,
    distributor: Distributor,
    items: list[tuple[int, int]],
    delivery: Delivery,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    idempotency_key: str,
) -> Order:
    """A retail customer's order in ``distributor``'s personal shop, unpaid."""
    with transaction.atomic():
        customer = save_retail_customer(
            distributor=distributor,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
        )
        return place_order(
            distributor=distributor,
            items=items,
            delivery=delivery,
            email=customer.email,
            idempotency_key=idempotency_key,
            buyer=None,
            customer=customer,
            source=OrderSource.PERSONAL_SHOP,
        )


def _same_order(order: Order, distributor: Distributor) -> Order:
    if order.distributor_id != distributor.pk:
        raise ShopError(_("This checkout has expired; start again."))
    return order


def move_stock(product: Product, change: int, *, reason: str, order=None, by=None):
    """Change a locked product's stock and log it (the CHECK constraint guards ≥ 0)."""
    Product.objects.filter(pk=product.pk).update(stock=F("stock") + change)
    product.refresh_from_db(fields=["stock"])
    StockMovement.objects.create(
        product=product,
        change=change,
        stock_after=product.stock,
        reason=reason,
        order=order,
        by=by,
    )


def restock(*, product: Product, quantity: int, by, note: str = "") -> Product:
    """Staff add received goods (or correct the count, with a negative quantity)."""
    if quantity == 0:
        raise ShopError(_("Enter a quantity other than 0."), field="quantity")
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        if locked.stock + quantity < 0:
            raise ShopError(
                _("Stock cannot go below zero (%(stock)d on hand).")
                % {"stock": locked.stock},
                field="quantity",
            )
        reason = (
            StockMovement.Reason.RESTOCK
            if quantity > 0
            else StockMovement.Reason.ADJUSTMENT
        )
        Product.objects.filter(pk=locked.pk).update(stock=F("stock") + quantity)
        locked.refresh_from_db(fields=["stock"])
        StockMovement.objects.create(
            product=locked,
            change=quantity,
            stock_after=locked.stock,
            reason=reason,
            by=by,
            note=note,
        )
    return locked


# --- payments -----------------------------------------------------------------


def start_payment(
    *, order: Order, provider_code: str, data: dict | None = None, request=None
) -> Payment:
    """Collect the order's total through a provider (idempotent per order).

    A double-clicked "Pay" finds the payment already made or still pending on
    the provider's page, and returns it instead of charging again.
    """
    try:
        provider = get_provider(provider_code)
    except KeyError:
        raise ShopError(_("Choose a payment method."), field="provider") from None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.is_paid:
            return order.payments.get(status=PaymentStatus.SUCCEEDED)
        if order.status != OrderStatus.PLACED:
            raise ShopError(_("This order can no longer be paid."))
        if not provider.is_available(order):
            raise ShopError(_("Choose a payment method."), field="provider")
        pending = order.payments.filter(
            status=PaymentStatus.PENDING, provider=provider.code
        ).exclude(redirect_url="")
        if pending.exists():
            return pending.latest("created_at")
        # Another method's page left open: closed, so the payer cannot pay twice
        # (a payment that slips through anyway is given back).
        left_open = list(
            order.payments.filter(status=PaymentStatus.PENDING)
            .exclude(provider=provider.code)
            .exclude(redirect_url="")
        )
        Payment.objects.filter(pk__in=[p.pk for p in left_open]).update(
            status=PaymentStatus.CANCELLED
        )
        payment = _new_payment(order, provider)
        refusal = ""
        try:
            # Inside a savepoint: a refusal keeps the failed attempt on record.
            with transaction.atomic():
                provider.start(payment=payment, data=data or {}, request=request)
        except PaymentError as error:
            _record_failure(payment, error.message)
            refusal = error.message
    for stale in left_open:
        _close_at_provider(stale)
    if refusal:
        raise ShopError(refusal, field="provider")
    payment.refresh_from_db()
    return payment


def _new_payment(order: Order, provider) -> Payment:
    """A new attempt on a locked order; its key is what the provider dedupes on."""
    attempt = order.payments.count() + 1
    payment = Payment.objects.create(
        order=order,
        provider=provider.code,
        amount=order.total,
        idempotency_key=f"{order.number}-{attempt}",
    )
    Order.objects.filter(pk=order.pk).update(payment_provider=provider.code)
    return payment


def charge_saved_method(*, order: Order, provider_code: str, token: str) -> Payment:
    """Charge a saved method with no payer present (autoship)."""
    provider = get_provider(provider_code)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.is_paid:
            return order.payments.get(status=PaymentStatus.SUCCEEDED)
        if order.status != OrderStatus.PLACED:
            raise ShopError(_("This order can no longer be paid."))
        # A charge the provider accepted but has not yet settled (confirmed later
        # by webhook) must not be made a second time.
        awaiting = order.payments.filter(
            status=PaymentStatus.PENDING, provider=provider.code
        ).exclude(reference="")
        if awaiting.exists():
            return awaiting.latest("created_at")
        payment = _new_payment(order, provider)
        refusal = ""
        try:
            with transaction.atomic():
                provider.charge_saved(payment=payment, token=token)
        except PaymentError as error:
            _record_failure(payment, error.message)
            refusal = error.message
    if refusal:
        raise ShopError(refusal)
    payment.refresh_from_db()
    return payment


def _record_failure(payment: Payment, message: str) -> None:
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED, failure_message=message[:300]
    )


def fail_payment(*, payment: Payment, message: str) -> None:
    """The provider refused the payment; the order stays open for another try."""
    with transaction.atomic():
        _record_failure(payment, message)


def confirm_payment(*, payment: Payment, reference: str, card_label: str = "") -> bool:
    """The provider says the money is collected: mark the order paid, credit volume.

    Returns False (and changes nothing) when this payment was already confirmed,
    so a replayed webhook is harmless. Money taken for an order already paid or
    cancelled (a provider's page left open, then another method) goes straight
    back.
    """
    with transaction.atomic():
        # Order before payment, as everywhere: no deadlock with a cancellation.
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
            return False
        if not order.is_paid and order.status == OrderStatus.PLACED:
            _mark_paid(order, payment, reference, card_label)
            return True
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.REFUNDED,
            reference=reference,
            card_label=card_label[:60],
            failure_message="order already paid or cancelled: refunded",
        )
        stray = _record_refund(
            order=order,
            payment=payment,
            amount=payment.amount,
            pv=ZERO,
            cv=ZERO,
            reason="duplicate payment",
        )
    execute_refund(stray)
    return False


def _mark_paid(order: Order, payment: Payment, reference: str, card_label: str):
    now = timezone.now()
    payment.status = PaymentStatus.SUCCEEDED
    payment.reference = reference
    payment.card_label = card_label[:60]
    payment.save(update_fields=["status", "reference", "card_label", "updated_at"])
    order.status = OrderStatus.PAID
    order.paid_at = now
    order.paid_on = company_date(now)
    order.save(update_fields=["status", "paid_at", "paid_on"])
    VolumeEntry.objects.create(
        distributor_id=order.distributor_id,
        order=order,
        kind=VolumeKind.ORDER,
        on=order.paid_on,
        cycle=cycle_of(order.paid_on),
        pv=order.pv,
        cv=order.cv,
    )
    refresh_active_until(order.distributor_id)
    OrderEvent.objects.create(order=order, status=OrderStatus.PAID, at=now)
    if order.kind == OrderKind.CUSTOMER:
        _email_owner_of_retail_order(order)
    _email_status(order)


def _email_owner_of_retail_order(order: Order) -> None:
    owner = order.distributor.user
    queue_email(
        to=owner.email,
        template="shop/retail_order",
        context={"order": order, "customer": order.customer, "user": owner},
        language=owner.language,
    )


def _email_status(order: Order) -> None:
    language = order.buyer.language if order.buyer_id else None
    path = (
        reverse("orders:detail", args=[order.number])
        if order.kind == OrderKind.DISTRIBUTOR
        else ""
    )
    queue_email(
        to=order.email,
        template="shop/order_status",
        context={
            "order": order,
            "lines": list(order.lines.all()),
            "path": path,
            "status": order.status,
        },
        language=language,
    )


# --- status changes ---------------------------------------------------------------


def _transition(order: Order, status: str, *, by=None, note: str = "") -> Order:
    if not order.can_become(status):
        raise ShopError(
            _("An order that is %(current)s cannot become %(new)s.")
            % {
                "current": order.get_status_display().lower(),
                "new": OrderStatus(status).label.lower(),
            }
        )
    now = timezone.now()
    order.status = status
    fields = ["status"]
    stamp = {
        OrderStatus.SHIPPED: "shipped_at",
        OrderStatus.DELIVERED: "delivered_at",
        OrderStatus.CANCELLED: "cancelled_at",
    }.get(status)
    if stamp:
        setattr(order, stamp, now)
        fields.append(stamp)
    order.save(update_fields=fields)
    OrderEvent.objects.create(
        order=order, status=status, by=by, note=note[:300], at=now
    )
    return order


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def mark_processing(*, order: Order, by) -> Order:
    with transaction.atomic():
        order = _transition(_locked(order), OrderStatus.PROCESSING, by=by)
        _email_status(order)
    return order


CARRIER_TRACKING_URLS = {
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "UPS": "https://www.ups.com/track?tracknum={number}",
}


def mark_shipped(
    *, order: Order, by, carrier: str, tracking_number: str, tracking_url: str = ""
) -> Order:
    carrier = carrier.strip()
    tracking_number = tracking_number.strip()
    if not carrier or not tracking_number:
        raise ShopError(_("Enter the carrier and the tracking number."))
    if not tracking_url and carrier in CARRIER_TRACKING_URLS:
        tracking_url = CARRIER_TRACKING_URLS[carrier].format(number=tracking_number)
    with transaction.atomic():
        order = _locked(order)
        order.carrier = carrier
        order.tracking_number = tracking_number
        order.tracking_url = tracking_url
        order.save(update_fields=["carrier", "tracking_number", "tracking_url"])
        order = _transition(
            order, OrderStatus.SHIPPED, by=by, note=f"{carrier} {tracking_number}"
        )
        _email_status(order)
    return order


def mark_delivered(*, order: Order, by=None) -> Order:
    """Delivered (or collected): the goods join the distributor's own inventory."""
    with transaction.atomic():
        order = _locked(order)
        if order.status == OrderStatus.PROCESSING and order.is_pickup:
            # A Will Call order is handed over without a shipment.
            _transition(order, OrderStatus.SHIPPED, by=by, note=_("Ready for pick-up"))
        order = _transition(order, OrderStatus.DELIVERED, by=by)
        if order.kind == OrderKind.DISTRIBUTOR:
            receive_into_inventory(order)
        _email_status(order)
    return order


def receive_into_inventory(order: Order) -> None:
    """Add a delivered order's products (a pack's contents) to the buyer's stock."""
    received: dict[int, int] = {}
    for line in order.lines.select_related("product").prefetch_related(
        "product__contents"
    ):
        contents = list(line.product.contents.all())
        if contents:
            for content in contents:
                received[content.product_id] = (
                    received.get(content.product_id, 0)
                    + content.quantity * line.quantity
                )
        else:
            received[line.product_id] = received.get(line.product_id, 0) + line.quantity
    today = timezone.localdate()
    for product_id, quantity in sorted(received.items()):
        item, _created = InventoryItem.objects.select_for_update().get_or_create(
            distributor_id=order.distributor_id, product_id=product_id
        )
        try:
            with transaction.atomic():
                InventoryMovement.objects.create(
                    distributor_id=order.distributor_id,
                    product_id=product_id,
                    kind=InventoryMovementKind.RECEIVED,
                    change=quantity,
                    quantity_after=item.quantity + quantity,
                    order=order,
                    on=today,
                )
        except IntegrityError:
            continue  # already received
        InventoryItem.objects.filter(pk=item.pk).update(
            quantity=F("quantity") + quantity
        )


def cancel_order(
    *,
    order: Order,
    by=None,
    reason: str = "",
    allowed_from: frozenset[str] | None = None,
) -> Order:
    """Cancel before shipping: stock goes back; a paid order is refunded in full.

    ``allowed_from`` narrows the statuses it may leave (a distributor cancels
    only before the warehouse starts), checked under the row lock.
    """
    with transaction.atomic():
        order = _locked(order)
        if allowed_from is not None and order.status not in allowed_from:
            raise ShopError(
                _(
                    "This order is already being prepared; contact customer "
                    "support to change it."
                )
            )
        _transition(order, OrderStatus.CANCELLED, by=by, note=reason)
        lines = sorted(order.lines.all(), key=lambda line: line.product_id)
        products = (
            Product.objects.select_for_update()
            .filter(pk__in=[line.product_id for line in lines])
            .order_by("pk")
        )
        by_id = {product.pk: product for product in products}
        for line in lines:
            move_stock(
                by_id[line.product_id],
                line.quantity,
                reason=StockMovement.Reason.CANCELLED,
                order=order,
                by=by,
            )
        open_payments = list(order.payments.filter(status=PaymentStatus.PENDING))
        Payment.objects.filter(pk__in=[p.pk for p in open_payments]).update(
            status=PaymentStatus.CANCELLED
        )
        refund = None
        if order.is_paid:
            refund = issue_refund(
                order=order,
                amount=order.total - order.refunded_amount,
                pv=order.pv,
                cv=order.cv,
                reason=reason or "cancelled",
            )
        _email_status(order)
    # Calls to providers happen after the commit, never while rows are locked.
    for payment in open_payments:
        _close_at_provider(payment)
    if refund is not None:
        execute_refund(refund)
    return order


def _close_at_provider(payment: Payment) -> None:
    """Close a payment page left open (best effort: a late payment is refunded)."""
    try:
        provider = get_provider(payment.provider)
    except KeyError:
        return
    provider.close(payment=payment)


def cancel_unpaid_orders(*, now=None) -> int:
    """Cancel orders left unpaid past UNPAID_ORDER_MINUTES, releasing their stock."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.UNPAID_ORDER_MINUTES)
    cancelled = 0
    stale = Order.objects.filter(
        status=OrderStatus.PLACED, placed_at__lt=cutoff
    ).exclude(
        # A payer still on the provider's page gets the full time from its start.
        payments__status=PaymentStatus.PENDING,
        payments__created_at__gte=cutoff,
    )
    for order in stale.order_by("pk").iterator():
        try:
            cancel_order(order=order, reason="not paid in time")
        except ShopError:
            continue  # paid meanwhile
        cancelled += 1
    return cancelled


# --- wallet -------------------------------------------------------------------------


def add_wallet_adjustment(
    *, distributor: Distributor, amount: Decimal, note: str, by
) -> WalletEntry:
    """Credit or debit a distributor's wallet by hand; a debit never overdraws it."""
    if amount == 0:
        raise ShopError(_("Enter an amount other than 0."), field="amount")
    with transaction.atomic():
        # The distributor row is the wallet's lock, as for wallet payments.
        Distributor.objects.select_for_update().get(pk=distributor.pk)
        balance = WalletEntry.objects.for_distributor(distributor).balance()
        if balance + amount < 0:
            raise ShopError(
                _("The wallet holds $%(balance)s; it cannot go below zero.")
                % {"balance": balance},
                field="amount",
            )
        return WalletEntry.objects.create(
            distributor=distributor,
            kind=WalletKind.ADJUSTMENT,
            amount=amount,
            note=note,
            by=by,
        )


# --- refunds ------------------------------------------------------------------------


def issue_refund(
    *,
    order: Order,
    amount: Decimal,
    pv: Decimal,
    cv: Decimal,
    reason: str = "",
    return_request=None,
) -> Refund:
    """Record a refund owed on the order's payment; volume comes off when it is paid.

    Call inside the caller's transaction (a cancellation, a return's refund),
    then ``execute_refund`` once it has committed: the provider is never called
    while rows are locked.
    """
    order = _locked(order)  # one refund of an order at a time: totals and keys
    payment = order.payments.get(status=PaymentStatus.SUCCEEDED)
    return _record_refund(
        order=order,
        payment=payment,
        amount=amount,
        pv=pv,
        cv=cv,
        reason=reason,
        return_request=return_request,
    )


def _record_refund(
    *, order, payment, amount, pv, cv, reason, return_request=None
) -> Refund:
    already = (
        payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    if amount < 0 or already + amount > payment.amount:
        raise ShopError(_("A refund cannot exceed what was paid."))
    count = order.refunds.count() + 1
    return Refund.objects.create(
        payment=payment,
        order=order,
        return_request=return_request,
        amount=amount,
        pv=pv,
        cv=cv,
        reason=reason[:200],
        idempotency_key=f"{order.number}-refund-{count}",
    )


def execute_refund(refund: Refund) -> Refund:
    """Ask the provider to give the money back; a refusal marks the refund failed."""
    refund = Refund.objects.select_related("payment", "order").get(pk=refund.pk)
    if refund.status != RefundStatus.PENDING or refund.reference:
        return refund  # settled, failed, or already sent and awaiting the provider
    if refund.amount == 0:
        confirm_refund(refund=refund, reference="")
    else:
        try:
            provider = get_provider(refund.payment.provider)
        except KeyError:
            fail_refund(
                refund=refund,
                message=_("The payment method of this order is no longer available."),
            )
        else:
            try:
                provider.refund(refund=refund)
            except PaymentError as error:
                fail_refund(refund=refund, message=error.message)
    refund.refresh_from_db()
    return refund


def retry_refund(*, refund: Refund, by) -> Refund:
    """Try a failed refund again, as a new refund of the same amount and volume."""
    with transaction.atomic():
        order = _locked(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != RefundStatus.FAILED:
            raise ShopError(_("Only a failed refund can be tried again."))
        again = _record_refund(
            order=order,
            payment=refund.payment,
            amount=refund.amount,
            pv=refund.pv,
            cv=refund.cv,
            reason=f"retry of refund {refund.pk}",
            return_request=refund.return_request,
        )
    return execute_refund(again)


def fail_refund(*, refund: Refund, message: str) -> bool:
    """The provider could not give the money back: staff must act (logged, shown)."""
    with transaction.atomic():
        updated = Refund.objects.filter(
            pk=refund.pk, status=RefundStatus.PENDING
        ).update(status=RefundStatus.FAILED, reason=message[:200])
    return bool(updated)


def confirm_refund(*, refund: Refund, reference: str) -> bool:
    """The provider gave the money back: book negative volume on today's date."""
    with transaction.atomic():
        order = _locked(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.SUCCEEDED:
            return False
        now = timezone.now()
        refund.status = RefundStatus.SUCCEEDED
        refund.reference = reference
        refund.refunded_at = now
        refund.save(update_fields=["status", "reference", "refunded_at"])
        if refund.payment.status != PaymentStatus.SUCCEEDED:
            return True  # a duplicate payment given back: the order never had it
        order.refunded_amount = order.refunded_amount + refund.amount
        order.save(update_fields=["refunded_amount"])
        if refund.return_request_id:
            from backoffice.shop.actions.returns import mark_return_refunded

            mark_return_refunded(refund)
        # Written even without volume: the commission run needs the refund's date
        # to take back what the order earned (compensation plan §9).
        today = company_date(now)
        VolumeEntry.objects.create(
            distributor_id=order.distributor_id,
            order=order,
            refund=refund,
            kind=VolumeKind.REFUND,
            on=today,
            cycle=cycle_of(today),
            pv=-refund.pv,
            cv=-refund.cv,
        )
        if refund.pv:
            refresh_active_until(order.distributor_id)
        fully = order.refunded_amount >= order.total
        if order.package_level and order.package_refunded_on is None:
            gives_pack_back = fully or (
                refund.return_request_id is not None
                and refund.return_request.lines.filter(
                    order_line__product__package_level__gt=0
                ).exists()
            )
            if gives_pack_back:
                order.package_refunded_on = company_date(now)
                order.save(update_fields=["package_refunded_on"])
        if fully and order.can_become(OrderStatus.REFUNDED):
            _transition(order, OrderStatus.REFUNDED)
            _email_status(order)
    return True
