"""What the dashboard shows of the shop: recent orders and volume."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backoffice.network.models import Distributor
from backoffice.shop.models import Order, VolumeEntry


def orders_summary(distributor: Distributor) -> dict:
    today = timezone.localdate()
    pv30 = (
        VolumeEntry.objects.for_distributor(distributor)
        .between(today - timedelta(days=29), today)
        .totals()["pv"]
    )
    recent = list(
        Order.objects.for_distributor(distributor)
        .select_related("customer")
        .only("number", "status", "total", "placed_at", "kind", "customer")[:5]
    )
    return {
        "recent": recent,
        "pv30": pv30,
        "is_active": pv30 >= settings.ACTIVE_PV_30_DAYS,
        "active_threshold": settings.ACTIVE_PV_30_DAYS,
    }
