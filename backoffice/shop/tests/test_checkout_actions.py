from decimal import Decimal

import pytest

from backoffice.lib.cycles import cycle_of
from backoffice.shop import actions
from backoffice.shop.models import (
    Order,
    OrderStatus,
    PaymentStatus,
    Product,
    StockMovement,
    VolumeEntry,
    WalletEntry,
    WalletKind,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

D = Decimal


def test_place_order_freezes_prices_reserves_stock_and_awaits_payment(
    team, catalog, fedex
):
    alice = team["alice"]
    coffee, capsules = catalog["501"], catalog["801"]
    order = place(alice, {coffee: 2, capsules: 1}, ship_to_ca(fedex))

    assert order.status == OrderStatus.PLACED
    assert order.kind == "distributor"
    assert order.subtotal == D("96.00")  # 2 × 25.00 + 46.00 at distributor prices
    assert order.shipping == D("6.35")
    assert order.tax == D("6.96")  # California 7.25 % on the goods
    assert order.total == D("109.31")
    assert (order.pv, order.cv) == (D("70"), D("73.6"))
    assert order.number.startswith("GX-")
    assert len(order.number) == 13
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [
        ("501", 2),
        ("801", 1),
    ]
    coffee.refresh_from_db()
    assert coffee.stock == 48
    assert StockMovement.objects.filter(order=order).count() == 2
    # Nothing is credited until the provider says the money is in.
    assert not VolumeEntry.objects.exists()


def test_same_checkout_key_returns_the_same_order(team, catalog, fedex):
    alice = team["alice"]
    first = place(alice, {catalog["501"]: 1}, ship_to_ca(fedex), idempotency_key="k1")
    again = place(alice, {catalog["501"]: 1}, ship_to_ca(fedex), idempotency_key="k1")
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    catalog["501"].refresh_from_db()
    assert catalog["501"].stock == 49


def test_not_enough_stock_is_refused_and_nothing_is_written(team, catalog, fedex):
    coffee = catalog["501"]
    Product.objects.filter(pk=coffee.pk).update(stock=1)
    with pytest.raises(actions.ShopError, match="Only 1 of Ganocafé 3-in-1 left"):
        place(team["alice"], {coffee: 2, catalog["505"]: 1}, ship_to_ca(fedex))
    assert not Order.objects.exists()
    assert Product.objects.get(pk=coffee.pk).stock == 1
    assert Product.objects.get(sku="505").stock == 50


def test_fedex_does_not_reach_po_boxes_or_hawaii(team, catalog, fedex):
    with pytest.raises(actions.ShopError, match="does not deliver"):
        place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex, line1="PO Box 12"))
    with pytest.raises(actions.ShopError, match="does not deliver"):
        place(
            team["alice"],
            {catalog["501"]: 1},
            ship_to_ca(fedex, state="HI", postal_code="96813"),
        )
    assert not Order.objects.exists()


def test_will_call_pays_no_shipping_and_the_centers_tax(team, catalog, will_call):
    order = place(
        team["alice"], {catalog["501"]: 4}, actions.Delivery(will_call=will_call)
    )
    assert order.shipping == D("0.00")
    assert order.tax == D("7.25")  # 100.00 at the Pomona center's 7.25 %
    assert order.is_pickup


def test_demo_card_pays_and_credits_volume_on_the_payment_date(team, catalog, fedex):
    order = place(team["alice"], {catalog["820"]: 1}, ship_to_ca(fedex))
    payment = pay_with_demo_card(order)
    order.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.card_label.endswith("4242")
    assert order.status == OrderStatus.PAID
    entry = VolumeEntry.objects.get()
    assert (entry.distributor, entry.pv, entry.cv) == (team["alice"], D("70"), D("136"))
    assert entry.on == order.paid_on
    assert entry.cycle == cycle_of(order.paid_on)
    assert [event.status for event in order.events.all()] == ["placed", "paid"]


def test_declined_card_leaves_the_order_open(team, catalog, fedex):
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    with pytest.raises(actions.ShopError, match="declined"):
        pay_with_demo_card(order, "4000 0000 0000 0002")
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.FAILED
    assert not VolumeEntry.objects.exists()
    pay_with_demo_card(order)  # another card works
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_paying_twice_charges_once(team, catalog, fedex):
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    first = pay_with_demo_card(order)
    second = pay_with_demo_card(order)
    assert first.pk == second.pk
    assert order.payments.count() == 1
    assert VolumeEntry.objects.count() == 1


def test_confirming_a_payment_twice_credits_volume_once(team, catalog, fedex):
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    payment = pay_with_demo_card(order)
    assert actions.confirm_payment(payment=payment, reference="again") is False
    assert VolumeEntry.objects.count() == 1


def test_wallet_pays_from_the_balance_and_refuses_an_overdraft(team, catalog, fedex):
    alice = team["alice"]
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("30.00")
    )
    order = place(alice, {catalog["501"]: 1}, ship_to_ca(fedex))  # 25 + 6.35 + 1.81
    with pytest.raises(actions.ShopError, match="less than"):
        actions.start_payment(order=order, provider_code="wallet")
    assert WalletEntry.objects.for_distributor(alice).balance() == D("30.00")
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("10.00")
    )
    actions.start_payment(order=order, provider_code="wallet")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (
        WalletEntry.objects.for_distributor(alice).balance() == D("40.00") - order.total
    )


def test_a_disabled_provider_is_refused(team, catalog, fedex, settings):
    settings.PAYMENT_PROVIDERS = ["wallet"]
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    with pytest.raises(actions.ShopError, match="Choose a payment method"):
        pay_with_demo_card(order)
    assert not order.payments.exists()


def test_packs_set_the_level_and_upgrades_need_the_level_below(team, catalog, fedex):
    alice = team["alice"]
    with pytest.raises(actions.ShopError, match="hold ESP-1"):
        place(alice, {catalog["ESP-1 to ESP-2"]: 1}, ship_to_ca(fedex))
    pay_with_demo_card(place(alice, {catalog["ESP-1"]: 1}, ship_to_ca(fedex)))
    assert actions.package_level_of(alice) == 1
    with pytest.raises(actions.ShopError, match="already hold"):
        place(alice, {catalog["ESP-1"]: 1}, ship_to_ca(fedex))
    upgrade = place(alice, {catalog["ESP-1 to ESP-2"]: 1}, ship_to_ca(fedex))
    assert upgrade.package_level == 2
    pay_with_demo_card(upgrade)
    assert actions.package_level_of(alice) == 2


def test_cancelling_a_paid_order_restocks_refunds_and_books_negative_volume(
    team, catalog, fedex, staff
):
    order = place(team["alice"], {catalog["501"]: 3}, ship_to_ca(fedex))
    pay_with_demo_card(order)
    actions.cancel_order(order=order, by=staff, reason="customer asked")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_amount == order.total
    assert Product.objects.get(sku="501").stock == 50
    entries = VolumeEntry.objects.order_by("id")
    assert [(e.kind, e.pv, e.cv) for e in entries] == [
        ("order", D("51"), D("57.6")),
        ("refund", D("-51"), D("-57.6")),
    ]
    assert VolumeEntry.objects.for_distributor(team["alice"]).totals() == {
        "pv": D("0"),
        "cv": D("0"),
    }


def test_shipped_orders_cannot_be_cancelled(team, catalog, fedex, staff):
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=staff)
    actions.mark_shipped(order=order, by=staff, carrier="FedEx", tracking_number="1Z9")
    with pytest.raises(actions.ShopError, match="cannot become cancelled"):
        actions.cancel_order(order=order, by=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.tracking_url.endswith("1Z9")


def test_delivery_adds_the_goods_and_pack_contents_to_own_inventory(
    team, catalog, fedex, staff
):
    alice = team["alice"]
    order = place(alice, {catalog["ESP-1"]: 1, catalog["801"]: 2}, ship_to_ca(fedex))
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=staff)
    actions.mark_shipped(order=order, by=staff, carrier="FedEx", tracking_number="1")
    actions.mark_delivered(order=order, by=staff)
    held = dict(alice.inventory.values_list("product__sku", "quantity"))
    # ESP-1 holds 501x2 505x2 506x1 503x1 504x1 302x1 301x1; plus two 801.
    assert held == {
        "501": 2,
        "505": 2,
        "506": 1,
        "503": 1,
        "504": 1,
        "302": 1,
        "301": 1,
        "801": 2,
    }
    actions.receive_into_inventory(order)  # seen again: no double count
    assert alice.inventory.get(product__sku="801").quantity == 2


def test_unpaid_orders_are_cancelled_after_the_limit(team, catalog, fedex, settings):
    import time_machine

    settings.UNPAID_ORDER_MINUTES = 60
    with time_machine.travel("2026-11-02 10:00 -08:00", tick=False):
        stale = place(team["alice"], {catalog["501"]: 5}, ship_to_ca(fedex))
    with time_machine.travel("2026-11-02 10:50 -08:00", tick=False):
        fresh = place(team["alice"], {catalog["505"]: 1}, ship_to_ca(fedex))
    with time_machine.travel("2026-11-02 11:05 -08:00", tick=False):
        assert actions.cancel_unpaid_orders() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == OrderStatus.CANCELLED
    assert fresh.status == OrderStatus.PLACED
    assert Product.objects.get(sku="501").stock == 50
