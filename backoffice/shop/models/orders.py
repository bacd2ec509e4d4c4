"""Orders, their lines and timeline, retail customers, and the volume they credit."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel
from backoffice.lib.money import quantize_money
from backoffice.shop.models.catalog import Product
from backoffice.shop.models.config import Destination

# Crockford's alphabet: no I, L, O or U to misread on the phone.
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_order_number() -> str:
    """``GX-`` and 10 random characters (50 bits): not guessable, easy to read out."""
    return "GX-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(10))


class OrderKind(models.TextChoices):
    DISTRIBUTOR = "distributor", _("Distributor order")
    CUSTOMER = "customer", _("Retail customer order")


class OrderSource(models.TextChoices):
    SHOP = "shop", _("Shop")
    AUTOSHIP = "autoship", _("Autoship")
    PERSONAL_SHOP = "personal_shop", _("Personal shop")
    IMPORT = "import", _("Imported")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# The allowed transitions (anything else is refused by Order.check_transition).
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset(
        {OrderStatus.PROCESSING, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.PROCESSING: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


class RetailCustomerQuerySet(models.QuerySet["RetailCustomer"]):
    def for_distributor(self, distributor) -> RetailCustomerQuerySet:
        return self.filter(distributor=distributor)

    def with_totals(self) -> RetailCustomerQuerySet:
        """Paid orders' count, net total (after refunds) and last order date."""
        paid = Q(orders__paid_at__isnull=False)
        money = models.DecimalField(max_digits=14, decimal_places=2)
        return self.annotate(
            order_count=Count("orders", filter=paid),
            total_spent=Coalesce(
                Sum(
                    F("orders__total") - F("orders__refunded_amount"),
                    filter=paid,
                    output_field=money,
                ),
                Value(Decimal("0.00")),
                output_field=money,
            ),
            last_order_on=Max("orders__placed_on", filter=paid),
        )


class RetailCustomer(models.Model):
    """Someone who bought through a distributor's personal shop (no account)."""

    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="customers"
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RetailCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "distributor",
                models.functions.Lower("email"),
                name="shop_customer_email_per_distributor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OrderQuerySet(models.QuerySet["Order"]):
    def for_distributor(self, distributor) -> OrderQuerySet:
        """Orders credited to ``distributor``: their own and their customers'."""
        return self.filter(distributor=distributor)

    def with_status(self, status: str) -> OrderQuerySet:
        return self.filter(status=status)

    def paid(self) -> OrderQuerySet:
        return self.filter(paid_at__isnull=False)

    def open(self) -> OrderQuerySet:
        return self.filter(
            status__in=[OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.SHIPPED]
        )

    def placed_between(self, start: date | None, end: date | None) -> OrderQuerySet:
        qs = self
        if start:
            qs = qs.filter(placed_on__gte=start)
        if end:
            qs = qs.filter(placed_on__lte=end)
        return qs

    def with_checkout_key(self, key: str) -> OrderQuerySet:
        return self.filter(idempotency_key=key)

    def pickup(self, is_pickup: bool = True) -> OrderQuerySet:
        return self.filter(will_call__isnull=not is_pickup)

    def number_contains(self, text: str) -> OrderQuerySet:
        return self.filter(number__contains=text.strip().upper())

    def fulfilment_queue(self) -> OrderQuerySet:
        return self.filter(
            status__in=[OrderStatus.PAID, OrderStatus.PROCESSING]
        ).order_by("paid_at", "id")


class Order(Destination):
    number = models.CharField(
        _("order number"), max_length=16, unique=True, default=new_order_number
    )
    kind = models.CharField(max_length=12, choices=OrderKind)
    source = models.CharField(
        max_length=16, choices=OrderSource, default=OrderSource.SHOP
    )
    status = models.CharField(
        max_length=12, choices=OrderStatus, default=OrderStatus.PLACED
    )
    # Whom the volume is credited to: the buyer, or the referring distributor.
    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="orders"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    customer = models.ForeignKey(
        RetailCustomer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField(_("email"))
    # A checkout submits its key once: a double click finds the same order.
    idempotency_key = models.CharField(max_length=64, unique=True)

    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    shipping = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    pv = models.DecimalField(max_digits=12, decimal_places=2)
    cv = models.DecimalField(max_digits=12, decimal_places=2)
    retail_profit = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    package_level = models.PositiveSmallIntegerField(default=0)
    # The company-zone date the pack was given back (a full refund, or a return
    # holding the pack line): from then on it no longer counts as held.
    package_refunded_on = models.DateField(null=True, blank=True)
    payment_provider = models.CharField(max_length=20, blank=True)

    shipping_method_name = models.CharField(max_length=100, blank=True)

    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    tracking_url = models.URLField(_("tracking link"), blank=True)

    placed_at = models.DateTimeField()
    placed_on = models.DateField()  # company-zone date, for filters
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)  # the volume's date
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["distributor", "-placed_at"], name="shop_order_dist"),
            models.Index(fields=["status", "paid_at"], name="shop_order_status"),
            # The network's first paid day, where commission cycles begin.
            models.Index(
                fields=["paid_on"],
                condition=Q(paid_on__isnull=False),
                name="shop_order_paid_on",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0)
                & Q(shipping__gte=0)
                & Q(tax__gte=0)
                & Q(total__gte=0)
                & Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("total")),
                name="shop_order_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="customer", customer__isnull=False)
                | Q(kind="distributor", customer__isnull=True)
                # Order history moved from another system names no customer.
                | Q(source="import", customer__isnull=True),
                name="shop_order_customer_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def can_become(self, status: str) -> bool:
        return status in ORDER_TRANSITIONS[self.status]

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def is_cancellable(self) -> bool:
        return self.can_become(OrderStatus.CANCELLED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # Frozen at checkout: later catalog changes never alter a placed order.
    sku = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    distributor_price = models.DecimalField(max_digits=14, decimal_places=2)
    unit_pv = models.DecimalField(max_digits=10, decimal_places=2)
    unit_cv = models.DecimalField(max_digits=10, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_orderline_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["order", "product"], name="shop_orderline_product_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @classmethod
    def frozen(cls, order: Order, item) -> OrderLine:
        """A line as priced at checkout (a ``pricing.PricedItem``), never recomputed."""
        return cls(
            order=order,
            product_id=item.product_id,
            sku=item.sku,
            name=item.name,
            quantity=item.quantity,
            unit_price=item.unit_price,
            distributor_price=item.distributor_price,
            unit_pv=item.unit_pv,
            unit_cv=item.unit_cv,
            line_total=item.line_total,
        )

    @property
    def pv(self):
        return self.unit_pv * self.quantity

    @property
    def cv(self):
        return self.unit_cv * self.quantity


class OrderEvent(AppendOnlyModel):
    """The order's timeline: each status it reached, when, and by whom."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=OrderStatus)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class VolumeKind(models.TextChoices):
    ORDER = "order", _("Order paid")
    REFUND = "refund", _("Refund")


class VolumeEntryQuerySet(models.QuerySet["VolumeEntry"]):
    def for_distributor(self, distributor) -> VolumeEntryQuerySet:
        return self.filter(distributor=distributor)

    def between(self, start: date, end: date) -> VolumeEntryQuerySet:
        return self.filter(on__gte=start, on__lte=end)

    def totals(self) -> dict[str, Decimal]:
        result = self.aggregate(pv=Sum("pv"), cv=Sum("cv"))
        # SQLite sums decimals as floats: round back to the two places stored.
        return {
            k: quantize_money(v if v is not None else Decimal("0.00"))
            for k, v in result.items()
        }


class VolumeEntry(AppendOnlyModel):
    """PV and CV credited (or, for a refund, taken back) on a company-zone date.

    The commission engine sums these; closed history is never edited, so a
    refund is a new negative entry on the refund's date.
    """

    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="volume"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="volume")
    refund = models.ForeignKey(
        "shop.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volume",
    )
    kind = models.CharField(max_length=8, choices=VolumeKind)
    on = models.DateField()
    cycle = models.PositiveIntegerField()
    pv = models.DecimalField(max_digits=12, decimal_places=2)
    cv = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VolumeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        indexes = [
            # Volume of a subtree in a date range is read from this index alone.
            models.Index(
                fields=["distributor", "on", "pv", "cv"], name="shop_volume_dist_on"
            ),
            models.Index(fields=["cycle"], name="shop_volume_cycle"),
            # A commission run sums one date range over everyone from this index.
            models.Index(
                fields=["on", "distributor", "pv", "cv"], name="shop_volume_on_dist"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="order"),
                name="shop_volume_credited_once",
            ),
            models.UniqueConstraint(
                fields=["refund"],
                condition=Q(kind="refund"),
                name="shop_volume_refund_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="order", pv__gte=0, cv__gte=0, refund__isnull=True)
                | Q(kind="refund", pv__lte=0, cv__lte=0, refund__isnull=False),
                name="shop_volume_sign_matches_kind",
            ),
        ]
