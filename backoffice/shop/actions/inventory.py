"""Writes to a distributor's own stock: uses, count corrections, reminders.

Every change locks the item's row, moves the count and appends a movement in
one transaction, so two devices recording at once never lose a unit and the
history always adds up to what is on hand.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.lib.cycles import company_date
from backoffice.lib.emails import queue_email
from backoffice.network.models import Distributor
from backoffice.shop.actions import ShopError
from backoffice.shop.models import (
    InventoryItem,
    InventoryMovement,
    InventoryMovementKind,
    Product,
)

USE_KINDS = (
    InventoryMovementKind.RETAIL_SALE,
    InventoryMovementKind.SAMPLE,
    InventoryMovementKind.PERSONAL_USE,
)
# A count or a reminder past this is a typing slip, not a stockroom.
MAX_UNITS = 9999
NOTE_MAX_LENGTH = 200
LOW_STOCK_EMAIL = "shop/inventory_low_stock"


def _check_units(value: int, *, field: str, minimum: int) -> None:
    if not minimum <= value <= MAX_UNITS:
        raise ShopError(
            _("Enter a whole number from %(min)d to %(max)d.")
            % {"min": minimum, "max": MAX_UNITS},
            field=field,
        )


def _locked_item(distributor: Distributor, product: Product) -> InventoryItem:
    item = (
        InventoryItem.objects.select_for_update()
        .filter(distributor=distributor, product=product)
        .first()
    )
    if item is None:
        raise ShopError(
            _("You hold no %(name)s.") % {"name": product.name}, field="product"
        )
    return item


def _move(
    item: InventoryItem,
    change: int,
    *,
    kind: str,
    on: date,
    note: str = "",
) -> InventoryMovement:
    """Apply ``change`` to a locked item and record it (the CHECK guards ≥ 0)."""
    item.quantity += change
    item.save(update_fields=["quantity"])
    return InventoryMovement.objects.create(
        distributor_id=item.distributor_id,
        product_id=item.product_id,
        kind=kind,
        change=change,
        quantity_after=item.quantity,
        note=note[:NOTE_MAX_LENGTH],
        on=on,
    )


def record_use(
    *,
    distributor: Distributor,
    product: Product,
    kind: str,
    quantity: int,
    on: date,
    note: str = "",
) -> InventoryMovement:
    """Take units out of stock for a retail sale, a sample or personal use."""
    if kind not in USE_KINDS:
        raise ShopError(_("Choose a sale, a sample or personal use."), field="kind")
    _check_units(quantity, field="quantity", minimum=1)
    if on > company_date(timezone.now()):
        raise ShopError(_("The date cannot be in the future."), field="on")
    with transaction.atomic():
        item = _locked_item(distributor, product)
        if quantity > item.quantity:
            raise ShopError(
                _("You have only %(count)d of %(name)s on hand.")
                % {"count": item.quantity, "name": product.name},
                field="quantity",
            )
        before = item.quantity
        movement = _move(item, -quantity, kind=kind, on=on, note=note.strip())
        threshold = item.low_stock_threshold
        # Remind once, when this use crosses the line; later uses stay quiet
        # until the stock has been above the threshold again.
        if threshold and before > threshold >= item.quantity:
            _email_low_stock(distributor, item, product)
    return movement


def _email_low_stock(
    distributor: Distributor, item: InventoryItem, product: Product
) -> None:
    user = distributor.user
    queue_email(
        to=user.email,
        template=LOW_STOCK_EMAIL,
        context={
            "user": user,
            "product": product,
            "quantity": item.quantity,
            "threshold": item.low_stock_threshold,
        },
        language=user.language,
    )


def adjust_count(
    *, distributor: Distributor, product: Product, counted: int, note: str
) -> InventoryMovement:
    """Set the stock to what was counted, recording the difference and why."""
    _check_units(counted, field="counted", minimum=0)
    note = note.strip()
    if not note:
        raise ShopError(_("Say why the count changed."), field="note")
    with transaction.atomic():
        item = _locked_item(distributor, product)
        difference = counted - item.quantity
        if difference == 0:
            raise ShopError(
                _("You already have %(count)d on hand: nothing to correct.")
                % {"count": item.quantity},
                field="counted",
            )
        return _move(
            item,
            difference,
            kind=InventoryMovementKind.ADJUSTMENT,
            on=company_date(timezone.now()),
            note=note,
        )


def add_stock(
    *, distributor: Distributor, product: Product, quantity: int, note: str = ""
) -> InventoryMovement:
    """Add goods obtained outside an order (a gift, a transfer, an old stash)."""
    _check_units(quantity, field="quantity", minimum=1)
    if product.is_package:
        # Stock is kept by product, as a delivered pack's contents are.
        raise ShopError(_("Add the products in the pack one by one."), field="product")
    with transaction.atomic():
        item, _created = InventoryItem.objects.select_for_update().get_or_create(
            distributor=distributor, product=product
        )
        return _move(
            item,
            quantity,
            kind=InventoryMovementKind.ADJUSTMENT,
            on=company_date(timezone.now()),
            note=note.strip(),
        )


def set_reminder(
    *, distributor: Distributor, product: Product, threshold: int
) -> InventoryItem:
    """Remind at ``threshold`` units or fewer; 0 turns the reminder off."""
    _check_units(threshold, field="threshold", minimum=0)
    with transaction.atomic():
        item = _locked_item(distributor, product)
        item.low_stock_threshold = threshold
        item.save(update_fields=["low_stock_threshold"])
    return item
