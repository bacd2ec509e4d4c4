"""Shop fixtures: the catalog, alice's team, and a quick way to place orders."""

from __future__ import annotations

import uuid

import pytest

from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.shop import actions
from backoffice.shop.catalog import load_catalog
from backoffice.shop.models import Product, ShippingMethod, WillCallCenter


@pytest.fixture
def catalog(db) -> dict[str, Product]:
    load_catalog(stock=50)
    return Product.objects.in_bulk(field_name="sku")


@pytest.fixture
def fedex(catalog) -> ShippingMethod:
    return ShippingMethod.objects.get(code="fedex-ground")


@pytest.fixture
def will_call(catalog) -> WillCallCenter:
    return WillCallCenter.objects.get()


def ship_to_ca(method: ShippingMethod, **overrides) -> actions.Delivery:
    fields = {
        "shipping_method": method,
        "name": "Alice Archer",
        "line1": "1 Palm Way",
        "city": "Los Angeles",
        "state": "CA",
        "postal_code": "90001",
        "phone": "(213) 555-0100",
    }
    fields.update(overrides)
    return actions.Delivery(**fields)


def place(distributor, items, delivery, **kwargs):
    """Place an order for ``items`` ({sku-product: quantity} or pairs)."""
    if isinstance(items, dict):
        items = [(product.pk, quantity) for product, quantity in items.items()]
    kwargs.setdefault("email", distributor.user.email)
    kwargs.setdefault("idempotency_key", uuid.uuid4().hex)
    kwargs.setdefault("buyer", distributor.user)
    return actions.place_order(
        distributor=distributor, items=items, delivery=delivery, **kwargs
    )


def pay_with_demo_card(order, number="4242424242424242"):
    return actions.start_payment(
        order=order, provider_code="demo", data={"card_number": number}
    )
