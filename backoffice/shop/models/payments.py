"""Payments, refunds, provider webhooks seen, and the distributor's wallet."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel
from backoffice.lib.money import quantize_money


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    # Collected for an order already paid or cancelled, and given back.
    REFUNDED = "refunded", _("Refunded (duplicate)")


class Payment(models.Model):
    """One attempt to collect an order's total through a provider."""

    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=PaymentStatus, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Sent to the provider so a retried request never charges twice.
    idempotency_key = models.CharField(max_length=80, unique=True)
    reference = models.CharField(max_length=255, blank=True)  # the provider's id
    redirect_url = models.URLField(max_length=2000, blank=True)
    card_label = models.CharField(max_length=60, blank=True)  # "Visa •••• 4242"
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="succeeded"),
                name="shop_payment_one_success_per_order",
            ),
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~Q(reference=""),
                name="shop_payment_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="shop_payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.status}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RefundQuerySet(models.QuerySet["Refund"]):
    def failed(self) -> RefundQuerySet:
        return self.filter(status=RefundStatus.FAILED)


class Refund(models.Model):
    """Money given back on a payment (a cancellation or a return)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, related_name="refunds"
    )
    return_request = models.ForeignKey(
        "shop.ReturnRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The volume taken back with this refund (booked when it succeeds).
    pv = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cv = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(
        max_length=10, choices=RefundStatus, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    reference = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    objects = RefundQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(pv__gte=0) & Q(cv__gte=0),
                name="shop_refund_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} on {self.order_id}"


class WebhookEvent(models.Model):
    """Provider events already handled: a replayed event is acknowledged, not redone."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="shop_webhook_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class WalletKind(models.TextChoices):
    PAYOUT = "payout", _("Commission payout")
    ORDER = "order", _("Order payment")
    REFUND = "refund", _("Order refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


class WalletEntryQuerySet(models.QuerySet["WalletEntry"]):
    def for_distributor(self, distributor) -> WalletEntryQuerySet:
        return self.filter(distributor=distributor)

    def balance(self) -> Decimal:
        total = self.aggregate(total=Sum("amount"))["total"]
        return quantize_money(total if total is not None else Decimal("0.00"))


class WalletEntry(AppendOnlyModel):
    """The distributor's commission wallet, as an append-only ledger.

    Commission payouts credit it; paying an order debits it. The balance is the
    sum; it never goes below zero (debits lock the distributor row first).
    """

    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="wallet"
    )
    kind = models.CharField(max_length=12, choices=WalletKind)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = WalletEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = _("wallet entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="shop_wallet_amount_not_zero"
            ),
        ]
