import pytest
from django.core.management import call_command
from django.db.models import Sum

from backoffice.shop.models import (
    InventoryItem,
    InventoryMovement,
    Order,
    OrderKind,
    PaymentStatus,
    Product,
    VolumeEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--distributors", "60", "--seed", "5", "--months", "4")


def test_demo_catalog_is_the_gano_price_list(seeded):
    assert Product.objects.count() == 23  # 17 products, 3 packs, 3 upgrades
    coffee = Product.objects.get(sku="501")
    assert (str(coffee.distributor_price), str(coffee.retail_price)) == (
        "25.00",
        "33.00",
    )
    assert (str(coffee.pv), str(coffee.cv)) == ("17.00", "19.20")
    assert Product.objects.get(sku="ESP-3").contents.count() == 12


def test_demo_orders_are_consistent_paid_history(seeded):
    orders = Order.objects.all()
    assert orders.count() > 60
    for order in orders.prefetch_related("lines", "payments", "volume"):
        assert order.total == order.subtotal + order.shipping + order.tax
        assert order.subtotal == sum(line.line_total for line in order.lines.all())
        assert [p.status for p in order.payments.all()] == [PaymentStatus.SUCCEEDED]
        assert [(v.pv, v.cv, v.on) for v in order.volume.all()] == [
            (order.pv, order.cv, order.paid_on)
        ]
        if order.kind == OrderKind.CUSTOMER:
            assert order.customer.distributor_id == order.distributor_id
            assert order.retail_profit > 0
        assert list(order.events.values_list("status", flat=True))[:2] == [
            "placed",
            "paid",
        ]
    assert VolumeEntry.objects.count() == orders.count()


def test_demo_inventory_matches_what_was_delivered(seeded):
    assert InventoryItem.objects.exists()
    for item in InventoryItem.objects.all():
        received = InventoryMovement.objects.filter(
            distributor_id=item.distributor_id, product_id=item.product_id
        ).aggregate(total=Sum("change"))["total"]
        assert item.quantity == received


def test_demo_activity_follows_the_demo_volume(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from backoffice.network.models import Distributor
    from backoffice.network.queries import active_q

    today = timezone.localdate()
    for member in Distributor.objects.all():
        pv30 = (
            VolumeEntry.objects.for_distributor(member)
            .between(today - timedelta(days=29), today)
            .totals()["pv"]
        )
        is_active = Distributor.objects.filter(active_q(), pk=member.pk).exists()
        assert is_active == (pv30 >= 50 and not member.terminated_on), member
    assert Distributor.objects.filter(active_q()).exists()
