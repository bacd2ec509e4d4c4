from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.network.access import get_viewer
from backoffice.shop.access import get_order_for_viewer
from backoffice.shop.models import Order


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    orders = Order.objects.for_distributor(viewer)[:50]
    return render(request, "shop/orders/list.html", {"orders": orders})


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    return render(request, "shop/orders/detail.html", {"order": order})
