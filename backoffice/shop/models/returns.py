"""Returns: requested online, authorised by staff (RMA), received, refunded."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_rma_number() -> str:
    return "RMA-" + "".join(secrets.choice("0123456789") for _ in range(8))


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset(
        {ReturnStatus.APPROVED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED}
    ),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.RECEIVED, ReturnStatus.CANCELLED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED}),
    ReturnStatus.REJECTED: frozenset(),
    ReturnStatus.REFUNDED: frozenset(),
    ReturnStatus.CANCELLED: frozenset(),
}


class ReturnKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")


class ReturnRequestQuerySet(models.QuerySet["ReturnRequest"]):
    def for_distributor(self, distributor) -> ReturnRequestQuerySet:
        return self.filter(order__distributor=distributor)

    def with_status(self, status: str) -> ReturnRequestQuerySet:
        return self.filter(status=status)

    def open(self) -> ReturnRequestQuerySet:
        return self.filter(
            status__in=[
                ReturnStatus.REQUESTED,
                ReturnStatus.APPROVED,
                ReturnStatus.RECEIVED,
            ]
        )


class ReturnRequest(models.Model):
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, related_name="returns"
    )
    kind = models.CharField(
        max_length=10, choices=ReturnKind, default=ReturnKind.REFUND
    )
    status = models.CharField(
        max_length=10, choices=ReturnStatus, default=ReturnStatus.REQUESTED
    )
    rma_number = models.CharField(
        _("RMA number"), max_length=16, unique=True, null=True, blank=True
    )
    reason = models.TextField(_("reason"), max_length=2000)
    # The estimate shown when requesting; the refund is recomputed on receipt.
    refund_estimate = models.DecimalField(max_digits=14, decimal_places=2)
    refund_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    staff_note = models.TextField(_("staff note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    objects = ReturnRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_estimate__gte=0)
                & (Q(refund_amount__isnull=True) | Q(refund_amount__gte=0)),
                name="shop_return_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.rma_number or f"return {self.pk}"

    def can_become(self, status: str) -> bool:
        return status in RETURN_TRANSITIONS[self.status]


class ReturnLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        "shop.OrderLine", on_delete=models.PROTECT, related_name="return_lines"
    )
    quantity = models.PositiveIntegerField()
    # Set by staff on receipt: resalable goods go back into company stock.
    is_resalable = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_returnline_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["return_request", "order_line"],
                name="shop_returnline_once_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"
