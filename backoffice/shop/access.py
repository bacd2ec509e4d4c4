"""Gates: the signed-in distributor's orders, stock and customers, or 404."""

from __future__ import annotations

from django.http import Http404

from backoffice.network.models import Distributor
from backoffice.network.queries import parse_distributor_id
from backoffice.shop.models import InventoryItem, Order, OrderKind, RetailCustomer

# The personal shop remembers in the visitor's session the orders it placed.
STOREFRONT_ORDERS_KEY = "storefront_orders"


def get_order_for_viewer(viewer: Distributor, number: str) -> Order:
    """An order credited to ``viewer`` (their own or a customer's); 404 otherwise."""
    order = (
        Order.objects.for_distributor(viewer)
        .select_related("will_call", "customer", "shipping_method")
        .filter(number=str(number).upper())
        .first()
    )
    if order is None:
        raise Http404
    return order


def get_item_for_viewer(viewer: Distributor, sku: str) -> InventoryItem:
    """The viewer's stock of the product ``sku``; 404 when they never held it."""
    item = (
        InventoryItem.objects.for_distributor(viewer)
        .select_related("product")
        .filter(product__sku=sku)
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_customer_for_viewer(
    viewer: Distributor, customer_id: int | str
) -> RetailCustomer:
    """A retail customer who bought through the viewer's shop; 404 otherwise."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise Http404 from None
    customer = RetailCustomer.objects.for_distributor(viewer).filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


def get_shop_owner(distributor_id: str) -> Distributor:
    """The distributor whose shop this is; 404 for an unknown or terminated ID."""
    number = parse_distributor_id(distributor_id)
    if number is None:
        raise Http404
    owner = (
        Distributor.objects.not_terminated()
        .select_related("user")
        .filter(distributor_id=number, user__is_active=True)
        .first()
    )
    if owner is None:
        raise Http404
    return owner


def get_order_for_session(session, owner: Distributor, number: str) -> Order:
    """An order this session placed in this shop; 404 for anything else."""
    number = str(number).upper()
    if number not in session.get(STOREFRONT_ORDERS_KEY, []):
        raise Http404
    order = (
        Order.objects.for_distributor(owner)
        .select_related("will_call", "shipping_method", "customer")
        .filter(number=number, kind=OrderKind.CUSTOMER)
        .first()
    )
    if order is None:
        raise Http404
    return order
