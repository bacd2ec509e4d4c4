"""Gates: an order (or return) of the signed-in distributor, or 404."""

from __future__ import annotations

from django.http import Http404

from backoffice.network.models import Distributor
from backoffice.shop.models import Order


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
