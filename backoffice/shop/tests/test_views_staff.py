"""Fulfilment pages over HTTP: who may use them, the queue, shipping, stock, returns."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.shop import actions
from backoffice.shop.actions import returns
from backoffice.shop.models import (
    Order,
    OrderStatus,
    Product,
    Refund,
    RefundStatus,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
    VolumeEntry,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

pytestmark = pytest.mark.django_db

D = Decimal
PACIFIC = ZoneInfo("America/Los_Angeles")
QUEUE = "/staff/orders/"


def staff_with(client, *roles, two_factor=True):
    user = StaffFactory()
    if two_factor:
        add_totp_device(user)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def paid(distributor, items, delivery, *, at=None) -> Order:
    with time_machine.travel(at or datetime.now(tz=PACIFIC), tick=False):
        order = place(distributor, items, delivery)
        pay_with_demo_card(order)
    order.refresh_from_db()
    return order


def numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].object_list]


@pytest.fixture
def orders(team, catalog, fedex, will_call, staff):
    """Paid on 2, 3 and 4 March (the 3rd a Will Call pick-up, the 4th processing)."""
    alice, bob = team["alice"], team["bob"]
    first = paid(
        alice,
        {catalog["501"]: 2},
        ship_to_ca(fedex),
        at=datetime(2026, 3, 2, 9, 0, tzinfo=PACIFIC),
    )
    pickup = paid(
        bob,
        {catalog["801"]: 1},
        actions.Delivery(will_call=will_call),
        at=datetime(2026, 3, 3, 9, 0, tzinfo=PACIFIC),
    )
    started = paid(
        alice,
        {catalog["505"]: 1},
        ship_to_ca(fedex),
        at=datetime(2026, 3, 4, 9, 0, tzinfo=PACIFIC),
    )
    actions.mark_processing(order=started, by=staff)
    unpaid = place(alice, {catalog["506"]: 1}, ship_to_ca(fedex))
    return {"first": first, "pickup": pickup, "started": started, "unpaid": unpaid}


# --- who may use the pages ----------------------------------------------------


def staff_urls(order, return_id=1, product_id=1) -> list[tuple[str, str]]:
    base = f"{QUEUE}{order.number}/"
    return [
        ("get", QUEUE),
        ("get", base),
        ("post", base + "processing/"),
        ("post", base + "ship/"),
        ("post", base + "deliver/"),
        ("post", base + "cancel/"),
        ("get", f"{QUEUE}stock/"),
        ("get", f"{QUEUE}stock/{product_id}/"),
        ("post", f"{QUEUE}stock/{product_id}/"),
        ("get", f"{QUEUE}returns/"),
        ("get", f"{QUEUE}returns/{return_id}/"),
        ("post", f"{QUEUE}returns/{return_id}/approve/"),
        ("post", f"{QUEUE}returns/{return_id}/reject/"),
        ("post", f"{QUEUE}returns/{return_id}/receive/"),
        ("post", f"{QUEUE}returns/{return_id}/refund/"),
    ]


def test_anonymous_is_sent_to_sign_in(client, orders):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/orders/"


def test_a_distributor_is_refused_everywhere_and_nothing_changes(
    client, alice, orders, catalog
):
    order = orders["first"]
    client.force_login(alice)
    for method, url in staff_urls(order, product_id=catalog["501"].pk):
        response = getattr(client, method)(
            url, {"carrier": "UPS", "tracking_number": "1", "quantity": "5"}
        )
        assert response.status_code == 403, url
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Product.objects.get(sku="501").stock == 48


def test_staff_without_the_permission_are_refused(client, orders, catalog):
    staff_with(client, "support")  # support may look at orders in the admin only
    for method, url in staff_urls(orders["first"], product_id=catalog["501"].pk):
        assert getattr(client, method)(url).status_code == 403, url
    staff_with(client, "finance")
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}stock/").status_code == 403


def test_staff_without_two_factor_are_sent_to_set_it_up(client, orders):
    staff_with(client, "fulfilment", two_factor=False)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/"


def test_fulfilment_role_reaches_every_page(client, orders):
    staff_with(client, "fulfilment")
    for url in (QUEUE, f"{QUEUE}{orders['first'].number}/", f"{QUEUE}stock/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"{QUEUE}returns/").status_code == 200
    assert client.get(f"{QUEUE}GX-0000000000/").status_code == 404


# --- the queue ----------------------------------------------------------------


def test_queue_lists_paid_and_processing_orders_oldest_payment_first(client, orders):
    staff_with(client, "fulfilment")
    response = client.get(QUEUE)
    assert numbers(response) == [
        orders["first"].number,
        orders["pickup"].number,
        orders["started"].number,
    ]
    content = response.content.decode()
    assert orders["unpaid"].number not in content
    assert "Pick-up: " in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "paid"}, ["first", "pickup"]),
        ({"status": "processing"}, ["started"]),
        ({"delivery": "pickup"}, ["pickup"]),
        ({"delivery": "ship", "status": "paid"}, ["first"]),
        ({"status": "shipped"}, ["first", "pickup", "started"]),  # not a choice
    ],
)
def test_queue_filters(client, orders, params, expected):
    staff_with(client, "fulfilment")
    response = client.get(QUEUE, params)
    assert numbers(response) == [orders[name].number for name in expected]


def test_queue_finds_an_order_by_number(client, orders):
    staff_with(client, "fulfilment")
    number = orders["pickup"].number
    response = client.get(QUEUE, {"number": number[3:9].lower()})
    assert numbers(response) == [number]


def test_queue_shows_stock_and_return_alerts(client, orders, team):
    Product.objects.update(stock=100)
    staff_with(client, "fulfilment")
    assert 'id="fulfilment-alerts"' not in client.get(QUEUE).content.decode()
    Product.objects.filter(sku="501").update(stock=3)
    delivered = orders["first"]
    ReturnRequest.objects.create(
        order=delivered,
        reason="x",
        refund_estimate=D("1.00"),
        requested_by=team["alice"].user,
        requested_at=delivered.placed_at,
    )
    content = client.get(QUEUE).content.decode()
    assert "1 product is low on stock" in content
    assert "1 return request to answer" in content


# --- an order -----------------------------------------------------------------


def test_process_ship_and_deliver_with_an_email_at_each_step(
    client, orders, django_capture_on_commit_callbacks
):
    order = orders["first"]
    user = staff_with(client, "fulfilment")
    base = f"{QUEUE}{order.number}/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        processing = client.post(base + "processing/", follow=True)
    assert processing.redirect_chain == [(base, 302)]
    assert f"Order {order.number} is being prepared." in processing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(base + "ship/", {"carrier": "USPS", "tracking_number": " 9400 "})
    with django_capture_on_commit_callbacks(execute=True):
        delivered = client.post(base + "deliver/", follow=True)
    assert f"Order {order.number} is delivered." in delivered.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert (order.carrier, order.tracking_number, order.tracking_url) == (
        "USPS",
        "9400",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400",
    )
    assert [(e.status, e.by) for e in order.events.all()][2:] == [
        ("processing", user),
        ("shipped", user),
        ("delivered", user),
    ]
    assert [m.subject for m in mail.outbox] == [
        f"Order {order.number} is being prepared",
        f"Order {order.number} has shipped",
        f"Order {order.number} was delivered",
    ]
    assert all(m.to == ["100001@example.com"] for m in mail.outbox)
    assert "tLabels=9400" in mail.outbox[1].body
    assert order.distributor.inventory.get(product__sku="501").quantity == 2


def test_a_post_without_the_csrf_token_is_refused(orders):
    client = Client(enforce_csrf_checks=True)
    staff_with(client, "fulfilment")
    order = orders["first"]
    response = client.post(f"{QUEUE}{order.number}/processing/")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_shipment_needs_a_known_carrier_and_a_tracking_number(client, orders):
    order = orders["started"]
    staff_with(client, "fulfilment")
    response = client.post(
        f"{QUEUE}{order.number}/ship/", {"carrier": "DHL", "tracking_number": ""}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Select a valid choice. DHL is not one of the available choices." in content
    assert "This field is required." in content
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == (OrderStatus.PROCESSING, "")


def test_a_step_out_of_order_is_refused_with_the_rule(client, orders):
    order = orders["first"]
    staff_with(client, "fulfilment")
    response = client.post(f"{QUEUE}{order.number}/deliver/", follow=True)
    assert "An order that is paid cannot become delivered." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.events.count() == 2


def test_a_will_call_order_is_picked_up_from_processing(client, orders):
    order = orders["pickup"]
    staff_with(client, "fulfilment")
    client.post(f"{QUEUE}{order.number}/processing/")
    page = client.get(f"{QUEUE}{order.number}/").content.decode()
    assert "Mark picked up" in page
    assert "Mark shipped" not in page
    response = client.post(f"{QUEUE}{order.number}/deliver/", follow=True)
    assert f"Order {order.number} is picked up." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert [e.status for e in order.events.all()] == [
        "placed",
        "paid",
        "processing",
        "shipped",
        "delivered",
    ]


def test_cancel_before_shipping_needs_a_reason_and_refunds(client, orders):
    order = orders["started"]
    staff_with(client, "fulfilment")
    url = f"{QUEUE}{order.number}/cancel/"
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 200
    assert "This field is required." in missing.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    response = client.post(url, {"reason": "Damaged in the warehouse"}, follow=True)
    assert "The payment is refunded in full." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_amount == order.total
    assert order.events.last().note == "Damaged in the warehouse"
    assert Product.objects.get(sku="505").stock == 50


def test_a_shipped_order_cannot_be_cancelled(client, orders, staff):
    order = orders["started"]
    actions.mark_shipped(order=order, by=staff, carrier="UPS", tracking_number="1Z")
    staff_with(client, "fulfilment")
    assert (
        "Cancel this order"
        not in client.get(f"{QUEUE}{order.number}/").content.decode()
    )
    response = client.post(
        f"{QUEUE}{order.number}/cancel/", {"reason": "late"}, follow=True
    )
    assert "An order that is shipped cannot become cancelled." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert not Refund.objects.exists()


# --- stock --------------------------------------------------------------------


def test_low_stock_lists_products_at_or_under_their_alert(client, catalog):
    Product.objects.update(stock=100)
    Product.objects.filter(sku="501").update(stock=20)  # the default alert is 20
    Product.objects.filter(sku="801").update(stock=0)
    Product.objects.filter(sku="505").update(stock=21)
    staff_with(client, "fulfilment")
    response = client.get(f"{QUEUE}stock/")
    assert [product.sku for product, _form in response.context["rows"]] == [
        "801",
        "501",
    ]
    found = client.get(f"{QUEUE}stock/", {"q": "505"})
    assert [product.sku for product, _form in found.context["rows"]] == ["505"]


def test_restock_adds_stock_and_logs_who(client, catalog):
    coffee = catalog["501"]
    user = staff_with(client, "fulfilment")
    url = f"{QUEUE}stock/{coffee.pk}/"
    response = client.post(url, {"quantity": "120", "note": "PO 4411"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "501 Ganocafé 3-in-1: 170 in stock." in response.content.decode()
    movement = StockMovement.objects.get(product=coffee)
    assert (movement.change, movement.stock_after, movement.reason) == (
        120,
        170,
        "restock",
    )
    assert (movement.by, movement.note) == (user, "PO 4411")


def test_a_correction_below_zero_is_refused_and_nothing_changes(client, catalog):
    coffee = catalog["501"]
    staff_with(client, "fulfilment")
    response = client.post(f"{QUEUE}stock/{coffee.pk}/", {"quantity": "-51"})
    assert response.status_code == 200
    assert "Stock cannot go below zero (50 on hand)." in response.content.decode()
    assert Product.objects.get(pk=coffee.pk).stock == 50
    assert not StockMovement.objects.filter(product=coffee).exists()


# --- returns ------------------------------------------------------------------


@pytest.fixture
def requested(team, catalog, fedex, staff):
    """alice asks to return 2 of the 3 × 501 and the 801 of an order delivered today."""
    order = place(
        team["alice"], {catalog["501"]: 3, catalog["801"]: 1}, ship_to_ca(fedex)
    )
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=staff)
    actions.mark_shipped(order=order, by=staff, carrier="FedEx", tracking_number="1")
    actions.mark_delivered(order=order, by=staff)
    lines = {line.sku: line.pk for line in order.lines.all()}
    return returns.request_return(
        order=order,
        lines={lines["501"]: 2, lines["801"]: 1},
        kind="refund",
        reason="Arrived wet",
        by=team["alice"].user,
    )


def test_inbox_lists_open_returns(client, requested):
    staff_with(client, "fulfilment")
    response = client.get(f"{QUEUE}returns/")
    assert list(response.context["page"].object_list) == [requested]
    assert "2 × 501, 1 × 801" in response.content.decode()
    assert (
        list(client.get(f"{QUEUE}returns/", {"status": "received"}).context["page"])
        == []
    )


def test_a_return_is_approved_received_and_refunded(
    client, requested, django_capture_on_commit_callbacks
):
    staff_user = staff_with(client, "fulfilment")
    base = f"{QUEUE}returns/{requested.pk}/"
    page = client.get(base).content.decode()
    assert "Arrived wet" in page
    assert "$96.00" in page  # 2 × 25.00 + 46.00
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(base + "approve/", follow=True)
    assert approved.redirect_chain == [(base, 302)]
    requested.refresh_from_db()
    assert requested.status == ReturnStatus.APPROVED
    assert requested.rma_number in approved.content.decode()
    assert requested.rma_number in mail.outbox[0].body
    lines = {line.order_line.sku: line.pk for line in requested.lines.all()}
    client.post(base + "receive/", {f"resalable_{lines['501']}": "on"})
    assert Product.objects.get(sku="501").stock == 49  # 50 − 3 + 2
    assert Product.objects.get(sku="801").stock == 49  # written off
    refunded = client.post(base + "refund/", follow=True)
    assert "Refund issued." in refunded.content.decode()
    requested.refresh_from_db()
    assert (requested.status, requested.refund_amount, requested.handled_by) == (
        ReturnStatus.REFUNDED,
        D("86.40"),
        staff_user,
    )
    clawback = VolumeEntry.objects.get(kind="refund")
    assert (clawback.pv, clawback.cv) == (D("-70"), D("-73.6"))
    again = client.post(base + "refund/", follow=True)
    assert "A return that is refunded cannot become refunded." in (
        again.content.decode()
    )
    assert Refund.objects.count() == 1


def test_a_refusal_needs_a_note(client, requested):
    staff_with(client, "fulfilment")
    base = f"{QUEUE}returns/{requested.pk}/"
    missing = client.post(base + "reject/", {"note": ""})
    assert missing.status_code == 200
    assert "This field is required." in missing.content.decode()
    requested.refresh_from_db()
    assert requested.status == ReturnStatus.REQUESTED
    client.post(base + "reject/", {"note": "Past the window"})
    requested.refresh_from_db()
    assert (requested.status, requested.staff_note) == (
        ReturnStatus.REJECTED,
        "Past the window",
    )


def test_receiving_before_approval_is_refused(client, requested):
    staff_with(client, "fulfilment")
    response = client.post(f"{QUEUE}returns/{requested.pk}/receive/", follow=True)
    assert "A return that is requested cannot become received." in (
        response.content.decode()
    )
    assert ReturnRequest.objects.get().status == ReturnStatus.REQUESTED
    assert not StockMovement.objects.filter(reason="return").exists()


def test_staff_retry_a_failed_refund(client, team, catalog, fedex, settings):
    order = paid(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    # The card service is switched off when the order is cancelled.
    settings.PAYMENT_PROVIDERS = ["wallet"]
    actions.cancel_order(order=order, reason="asked")
    failed = order.refunds.get()
    assert failed.status == RefundStatus.FAILED
    settings.PAYMENT_PROVIDERS = ["demo", "wallet"]
    staff_with(client, "fulfilment")
    queue = client.get("/staff/orders/").content.decode()
    assert f'<a href="/staff/orders/{order.number}/">{order.number}</a>' in queue
    page = client.get(f"/staff/orders/{order.number}/")
    assert "Try the refund again" in page.content.decode()

    response = client.post(f"/staff/orders/{order.number}/refunds/{failed.pk}/retry/")

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.refunded_amount == order.total
    assert [r.status for r in order.refunds.order_by("pk")] == ["failed", "succeeded"]
    again = client.post(f"/staff/orders/{order.number}/refunds/{failed.pk}/retry/")
    assert again.status_code == 302
    assert order.refunds.count() == 2


def test_a_distributor_cannot_retry_refunds(client, alice, team, catalog, fedex):
    order = paid(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    client.force_login(alice)
    response = client.post(f"/staff/orders/{order.number}/refunds/1/retry/")
    assert response.status_code in (403, 404)
    assert not order.refunds.exists()
