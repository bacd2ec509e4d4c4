from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@permission_required("shop.change_order", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/staff/queue.html", {})
