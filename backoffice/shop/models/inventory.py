"""The distributor's own stock, held for retail customers."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel


class InventoryItemQuerySet(models.QuerySet["InventoryItem"]):
    def for_distributor(self, distributor) -> InventoryItemQuerySet:
        return self.filter(distributor=distributor)

    def low(self) -> InventoryItemQuerySet:
        return self.filter(
            low_stock_threshold__gt=0, quantity__lte=F("low_stock_threshold")
        )


class InventoryItem(models.Model):
    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="inventory"
    )
    product = models.ForeignKey(
        "shop.Product", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(_("remind me at"), default=0)

    objects = InventoryItemQuerySet.as_manager()

    class Meta:
        ordering = ["product__sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "product"], name="shop_inventory_item_once"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="shop_inventory_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.quantity}"


class InventoryMovementKind(models.TextChoices):
    RECEIVED = "received", _("Received (delivered order)")
    RETAIL_SALE = "retail_sale", _("Retail sale")
    SAMPLE = "sample", _("Sample")
    PERSONAL_USE = "personal_use", _("Personal use")
    ADJUSTMENT = "adjustment", _("Count correction")
    RETURNED = "returned", _("Returned to the company")


class InventoryMovement(AppendOnlyModel):
    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "shop.Product", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=InventoryMovementKind)
    change = models.IntegerField()
    quantity_after = models.IntegerField()
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(change=0), name="shop_inventory_movement_not_zero"
            ),
            # Stock from a delivered order is added once, however often it is seen.
            models.UniqueConstraint(
                fields=["order", "product"],
                condition=Q(kind="received"),
                name="shop_inventory_received_once",
            ),
        ]
