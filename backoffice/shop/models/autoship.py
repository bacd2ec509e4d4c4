"""Autoship: one monthly standing order per distributor, placed by a task."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backoffice.shop.models.config import Destination

AUTOSHIP_DAYS = (1, 5, 10, 15, 20, 25)


class AutoshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    FAILING = "failing", _("Payment failing")
    CANCELLED = "cancelled", _("Cancelled")


class AutoshipQuerySet(models.QuerySet["Autoship"]):
    def live(self) -> AutoshipQuerySet:
        return self.filter(status__in=[AutoshipStatus.ACTIVE, AutoshipStatus.FAILING])

    def due(self, day) -> AutoshipQuerySet:
        # A terminated distributor is never charged again.
        return (
            self.live()
            .filter(next_run_on__lte=day)
            .filter(
                Q(distributor__terminated_on__isnull=True)
                | Q(distributor__terminated_on__gt=day)
            )
        )


class Autoship(Destination):
    distributor = models.OneToOneField(
        "network.Distributor", on_delete=models.PROTECT, related_name="autoship"
    )
    status = models.CharField(
        max_length=10, choices=AutoshipStatus, default=AutoshipStatus.ACTIVE
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"), choices=[(d, str(d)) for d in AUTOSHIP_DAYS]
    )
    next_run_on = models.DateField(_("next order on"))
    payment_provider = models.CharField(_("payment method"), max_length=20)
    # The provider's saved payment method (a card on file), never card digits.
    payment_token = models.CharField(max_length=255, blank=True)
    payment_label = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AutoshipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_month__in=AUTOSHIP_DAYS),
                name="shop_autoship_day_allowed",
            ),
            models.CheckConstraint(
                condition=Q(shipping_method__isnull=False) | Q(will_call__isnull=False),
                name="shop_autoship_delivery_chosen",
            ),
        ]

    def __str__(self) -> str:
        return f"autoship of {self.distributor_id}"


class AutoshipItem(models.Model):
    autoship = models.ForeignKey(
        Autoship, on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        "shop.Product", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["autoship", "product"], name="shop_autoship_item_once"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_autoship_item_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class AutoshipRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Placed and paid")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class AutoshipRun(models.Model):
    """One month's order of an autoship: the unique date makes the task idempotent."""

    autoship = models.ForeignKey(
        Autoship, on_delete=models.PROTECT, related_name="runs"
    )
    run_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=AutoshipRunStatus, default=AutoshipRunStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-run_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["autoship", "run_on"], name="shop_autoship_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"autoship {self.autoship_id} on {self.run_on}"
