"""The distributor's order pages over HTTP: list, order page, cancelling, returns."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from backoffice.shop import actions
from backoffice.shop.models import (
    Order,
    OrderStatus,
    Product,
    Refund,
    RetailCustomer,
    ReturnRequest,
    ReturnStatus,
    VolumeEntry,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca
from backoffice.shop.views import orders as order_views

pytestmark = pytest.mark.django_db

D = Decimal
PACIFIC = ZoneInfo("America/Los_Angeles")
LIST = "/orders/"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=PACIFIC)


def paid(distributor, items, delivery, **kwargs) -> Order:
    order = place(distributor, items, delivery, **kwargs)
    pay_with_demo_card(order)
    order.refresh_from_db()
    return order


def shipped(order, staff) -> Order:
    actions.mark_processing(order=order, by=staff)
    actions.mark_shipped(order=order, by=staff, carrier="FedEx", tracking_number="7712")
    order.refresh_from_db()
    return order


def delivered(order, staff) -> Order:
    shipped(order, staff)
    actions.mark_delivered(order=order, by=staff)
    order.refresh_from_db()
    return order


def customer_of(distributor) -> RetailCustomer:
    return RetailCustomer.objects.create(
        distributor=distributor,
        first_name="Rita",
        last_name="Ruiz",
        email="rita@example.com",
        phone="(213) 555-0199",
    )


def customer_order(distributor, items, delivery) -> Order:
    customer = customer_of(distributor)
    return paid(
        distributor,
        items,
        delivery,
        customer=customer,
        buyer=None,
        email=customer.email,
    )


def numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].object_list]


@pytest.fixture
def history(team, catalog, fedex):
    """alice: own orders on 2, 9 (cancelled) and 16 March, a customer's on 5 March."""
    alice, coffee = team["alice"], catalog["501"]
    with time_machine.travel(at(2), tick=False):
        first = paid(alice, {coffee: 1}, ship_to_ca(fedex))
    with time_machine.travel(at(5), tick=False):
        retail = customer_order(alice, {coffee: 2}, ship_to_ca(fedex, name="Rita Ruiz"))
    with time_machine.travel(at(9), tick=False):
        cancelled = place(alice, {coffee: 1}, ship_to_ca(fedex))
        actions.cancel_order(order=cancelled, reason="changed mind")
    with time_machine.travel(at(16), tick=False):
        latest = paid(alice, {catalog["801"]: 1}, ship_to_ca(fedex))
        bobs = paid(team["bob"], {coffee: 1}, ship_to_ca(fedex, name="Bob Baker"))
    return {
        "first": first,
        "retail": retail,
        "cancelled": cancelled,
        "latest": latest,
        "bobs": bobs,
    }


# --- the list -----------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/"


def test_staff_without_a_network_place_gets_404(client, staff, history):
    client.force_login(staff)
    assert client.get(LIST).status_code == 404
    assert client.get(f"/orders/{history['first'].number}/").status_code == 404


def test_list_shows_own_and_customers_orders_newest_first(client, alice, history):
    client.force_login(alice)
    response = client.get(LIST)
    assert response.status_code == 200
    assert numbers(response) == [
        history["latest"].number,
        history["cancelled"].number,
        history["retail"].number,
        history["first"].number,
    ]
    content = response.content.decode()
    assert "Customer: Rita Ruiz" in content
    assert content.count("Own order") == 3
    assert history["bobs"].number not in content
    assert f'<a href="/orders/{history["latest"].number}/">' in content
    assert "$46.00" not in content  # totals include shipping and tax
    assert f"${history['latest'].total}" in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "cancelled"}, ["cancelled"]),
        ({"status": "paid"}, ["latest", "retail", "first"]),
        ({"placed_from": "2026-03-05"}, ["latest", "cancelled", "retail"]),
        ({"placed_to": "2026-03-05"}, ["retail", "first"]),
        (
            {"placed_from": "2026-03-03", "placed_to": "2026-03-15", "status": "paid"},
            ["retail"],
        ),
        ({"status": "nonsense", "placed_to": "2026-03-02"}, ["first"]),
        ({"placed_from": "not a date"}, ["latest", "cancelled", "retail", "first"]),
    ],
)
def test_list_filters(client, alice, history, params, expected):
    client.force_login(alice)
    response = client.get(LIST, params)
    assert numbers(response) == [history[name].number for name in expected]


def test_list_pages_and_htmx_gets_only_the_results(client, alice, history, monkeypatch):
    monkeypatch.setattr(order_views, "PAGE_SIZE", 2)
    client.force_login(alice)
    second = client.get(LIST, {"page": "2"})
    assert numbers(second) == [history["retail"].number, history["first"].number]
    partial = client.get(LIST, {"status": "paid"}, headers={"HX-Request": "true"})
    content = partial.content.decode().strip()
    assert numbers(partial) == [history["latest"].number, history["retail"].number]
    assert content.startswith('<section class="card" id="order-results"')
    assert "<html" not in content
    assert 'href="/orders/?status=paid&amp;page=2"' in content


def test_charlie_sees_only_his_own_orders(client, charlie, history):
    client.force_login(charlie)
    response = client.get(LIST)
    assert numbers(response) == []
    assert "No orders match." in response.content.decode()


# --- the order page -----------------------------------------------------------


def test_charlie_gets_404_on_every_page_of_alices_order(
    client, charlie, history, staff
):
    order = delivered(history["first"], staff)
    base = f"/orders/{order.number}/"
    client.force_login(charlie)
    assert client.get(base).status_code == 404
    assert client.get(base + "cancel/").status_code == 404
    assert client.post(base + "cancel/").status_code == 404
    assert client.get(base + "return/").status_code == 404
    line = order.lines.get()
    assert (
        client.post(
            base + "return/",
            {
                f"quantity_{line.pk}": "1",
                "kind": "refund",
                "reason": "x",
                "step": "confirm",
            },
        ).status_code
        == 404
    )
    assert not ReturnRequest.objects.exists()
    assert client.get("/orders/GX-0000000000/").status_code == 404


def test_order_page_shows_lines_money_payment_and_tracking(
    client, alice, team, catalog, fedex, staff
):
    order = shipped(
        paid(team["alice"], {catalog["501"]: 2, catalog["801"]: 1}, ship_to_ca(fedex)),
        staff,
    )
    client.force_login(alice)
    response = client.get(f"/orders/{order.number}/")
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "Ganocafé 3-in-1",
        "$25.00",
        "$50.00",
        "$96.00",  # subtotal
        f"${order.shipping}",
        f"${order.tax}",
        f"${order.total}",
        "Demo card •••• 4242",
        "Succeeded",
        "1 Palm Way",
        "FedEx",
        'href="https://www.fedex.com/fedextrack/?trknbr=7712"',
    ):
        assert text in content, text
    assert [(s.status, s.is_done) for s in response.context["timeline"]] == [
        ("placed", True),
        ("paid", True),
        ("processing", True),
        ("shipped", True),
        ("delivered", False),
    ]
    assert '<li class="step-expected muted">Delivered · expected</li>' in content
    assert (order.pv, order.cv) == (D("70"), D("73.6"))
    assert "Pay now" not in content
    assert "Cancel order" not in content


def test_the_timeline_follows_the_events_of_a_cancelled_order(client, alice, history):
    client.force_login(alice)
    response = client.get(f"/orders/{history['cancelled'].number}/")
    assert [(s.status, s.is_done) for s in response.context["timeline"]] == [
        ("placed", True),
        ("cancelled", True),
    ]
    assert "expected" not in response.content.decode()


def test_a_will_call_order_is_picked_up(client, alice, team, catalog, will_call, staff):
    order = paid(
        team["alice"], {catalog["501"]: 1}, actions.Delivery(will_call=will_call)
    )
    actions.mark_processing(order=order, by=staff)
    client.force_login(alice)
    before = client.get(f"/orders/{order.number}/")
    assert [(s.label, s.is_done) for s in before.context["timeline"]] == [
        ("Placed", True),
        ("Paid", True),
        ("Processing", True),
        ("Ready for pick-up", False),
        ("Picked up", False),
    ]
    assert will_call.name in before.content.decode()
    actions.mark_delivered(order=order, by=staff)
    after = client.get(f"/orders/{order.number}/")
    assert [s.label for s in after.context["timeline"] if s.is_done][-2:] == [
        "Ready for pick-up",
        "Picked up",
    ]


def test_a_customers_order_shows_their_contact_and_the_profit_not_their_street(
    client, alice, history
):
    order = history["retail"]
    client.force_login(alice)
    content = client.get(f"/orders/{order.number}/").content.decode()
    assert "Rita Ruiz" in content
    assert 'href="mailto:rita@example.com"' in content
    assert "(213) 555-0199" in content
    assert order.retail_profit == D("16.00")  # 2 × (33.00 − 25.00)
    assert "Your retail profit" in content
    assert "$16.00" in content
    assert "Los Angeles, CA" in content
    assert "1 Palm Way" not in content
    assert "90001" not in content
    assert "Cancel order" not in content
    assert "Return products" not in content


def test_an_unpaid_order_offers_pay_now_and_cancel(client, alice, team, catalog, fedex):
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))
    client.force_login(alice)
    content = client.get(f"/orders/{order.number}/").content.decode()
    assert f'href="/shop/checkout/{order.number}/pay/"' in content
    assert f'href="/orders/{order.number}/cancel/"' in content
    assert "Not paid yet." in content


def test_refunds_are_listed(client, alice, history, staff):
    order = history["latest"]
    actions.cancel_order(order=order, by=staff, reason="out of stock")
    client.force_login(alice)
    response = client.get(f"/orders/{order.number}/")
    assert response.context["refunds"] == list(Refund.objects.filter(order=order))
    content = response.content.decode()
    assert 'id="order-refunds"' in content
    assert "−36" in content  # the PV taken back


# --- cancelling ---------------------------------------------------------------


def test_alice_cancels_an_unpaid_order_after_confirming(
    client, alice, team, catalog, fedex
):
    order = place(team["alice"], {catalog["501"]: 4}, ship_to_ca(fedex))
    client.force_login(alice)
    confirm = client.get(f"/orders/{order.number}/cancel/")
    assert confirm.status_code == 200
    assert "Yes, cancel the order" in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED  # a GET changes nothing
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert f"Order {order.number} is cancelled." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.last().by == alice
    assert Product.objects.get(sku="501").stock == 50


def test_alice_cancels_a_paid_order_and_is_refunded(client, alice, history):
    order = history["latest"]
    client.force_login(alice)
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    assert "Your payment is being refunded." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_amount == order.total
    assert VolumeEntry.objects.filter(order=order).totals() == {
        "pv": D("0"),
        "cv": D("0"),
    }


def test_once_processing_the_distributor_cannot_cancel(client, alice, history, staff):
    order = history["latest"]
    actions.mark_processing(order=order, by=staff)
    client.force_login(alice)
    assert client.get(f"/orders/{order.number}/cancel/").status_code == 302
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    assert "already being prepared" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.refunded_amount == 0
    assert not Refund.objects.filter(order=order).exists()
    assert Product.objects.get(sku="801").stock == 49


def test_a_customers_order_is_not_cancelled_by_the_distributor(client, alice, history):
    order = history["retail"]
    client.force_login(alice)
    assert client.post(f"/orders/{order.number}/cancel/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# --- returns ------------------------------------------------------------------


@pytest.fixture
def received_order(team, catalog, fedex, staff):
    """alice's order of 3 × 501 and 1 × 801, delivered on 4 March."""
    with time_machine.travel(at(2), tick=False):
        order = paid(
            team["alice"], {catalog["501"]: 3, catalog["801"]: 1}, ship_to_ca(fedex)
        )
        return delivered(order, staff)


def return_data(order, quantities, **fields):
    by_sku = {line.sku: line.pk for line in order.lines.all()}
    data = {f"quantity_{line_id}": "0" for line_id in by_sku.values()}
    data.update(
        {f"quantity_{by_sku[sku]}": str(qty) for sku, qty in quantities.items()}
    )
    data.update({"kind": "refund", "reason": "Damaged in transit"})
    data.update(fields)
    return data


@pytest.fixture
def in_window():
    with time_machine.travel(at(10), tick=False):
        yield


def test_the_order_page_links_to_returns_while_the_window_is_open(
    client, alice, received_order
):
    client.force_login(alice)
    url = f"/orders/{received_order.number}/"
    with time_machine.travel(at(10), tick=False):
        content = client.get(url).content.decode()
        assert f'href="/orders/{received_order.number}/return/"' in content
        assert "Returns are accepted until April 16, 2026." in content
    with time_machine.travel(datetime(2026, 4, 17, 9, 0, tzinfo=PACIFIC), tick=False):
        client.force_login(alice)  # the first session has long expired
        content = client.get(url).content.decode()
        assert f"Order {received_order.number}" in content
        assert "/return/" not in content
        late = client.get(url + "return/", follow=True)
        assert late.redirect_chain == [(url, 302)]
        assert "within 45 days of payment" in late.content.decode()


def test_return_form_reviews_the_estimate_then_sends(
    client, alice, received_order, in_window
):
    client.force_login(alice)
    url = f"/orders/{received_order.number}/return/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "501 Ganocafé 3-in-1" in content
    assert "Up to 3" in content
    review = client.post(url, return_data(received_order, {"501": 2}, step="review"))
    assert review.status_code == 200
    assert "Estimated refund: <strong>$45.00</strong>" in review.content.decode()
    assert not ReturnRequest.objects.exists()
    sent = client.post(
        url, return_data(received_order, {"501": 2}, step="confirm"), follow=True
    )
    assert sent.redirect_chain == [(f"/orders/{received_order.number}/", 302)]
    assert "estimated refund $45.00" in sent.content.decode()
    request = ReturnRequest.objects.get()
    assert (request.status, request.kind, request.refund_estimate) == (
        ReturnStatus.REQUESTED,
        "refund",
        D("45.00"),
    )
    assert list(request.lines.values_list("order_line__sku", "quantity")) == [
        ("501", 2)
    ]
    assert "Withdraw this request" in sent.content.decode()


def test_htmx_refreshes_only_the_estimate(client, alice, received_order, in_window):
    client.force_login(alice)
    response = client.post(
        f"/orders/{received_order.number}/return/",
        return_data(received_order, {"501": 1, "801": 1}, kind="exchange"),
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="return-estimate"')
    # (25.00 + 46.00) less the 10 % restocking fee
    assert "Estimated refund: <strong>$63.90</strong>" in content
    assert "53 PV and 54.40 CV" in content
    assert not ReturnRequest.objects.exists()


def test_a_bad_return_form_writes_nothing(client, alice, received_order, in_window):
    client.force_login(alice)
    url = f"/orders/{received_order.number}/return/"
    too_many = client.post(url, return_data(received_order, {"801": 2}, step="confirm"))
    assert too_many.status_code == 200
    assert "less than or equal to 1" in too_many.content.decode()
    nothing = client.post(url, return_data(received_order, {}, step="confirm"))
    assert "Choose at least one product to return." in nothing.content.decode()
    no_reason = client.post(
        url, return_data(received_order, {"501": 1}, reason="", step="confirm")
    )
    assert "This field is required." in no_reason.content.decode()
    assert not ReturnRequest.objects.exists()


def test_an_order_not_yet_delivered_cannot_be_returned(client, alice, history):
    client.force_login(alice)
    response = client.get(f"/orders/{history['latest'].number}/return/", follow=True)
    assert "Only delivered orders can be returned." in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_alice_withdraws_her_request_and_charlie_cannot(
    client, alice, charlie, received_order, in_window
):
    client.force_login(alice)
    url = f"/orders/{received_order.number}/return/"
    client.post(url, return_data(received_order, {"501": 1}, step="confirm"))
    request = ReturnRequest.objects.get()
    cancel_url = f"/orders/{received_order.number}/returns/{request.pk}/cancel/"
    client.force_login(charlie)
    assert client.post(cancel_url).status_code == 404
    request.refresh_from_db()
    assert request.status == ReturnStatus.REQUESTED
    client.force_login(alice)
    response = client.post(cancel_url, follow=True)
    assert "Your return request is withdrawn." in response.content.decode()
    request.refresh_from_db()
    assert request.status == ReturnStatus.CANCELLED


def test_an_approved_return_shows_the_rma_and_where_to_send(
    client, alice, received_order, staff, in_window
):
    from backoffice.shop.actions import returns

    line = received_order.lines.get(sku="801")
    request = returns.request_return(
        order=received_order, lines={line.pk: 1}, kind="exchange", reason="x", by=alice
    )
    returns.approve_return(return_request=request, by=staff)
    request.refresh_from_db()
    client.force_login(alice)
    content = client.get(f"/orders/{received_order.number}/").content.decode()
    assert request.rma_number in content
    assert "Approved" in content
    assert "980 Corporate Center Drive, Pomona, CA 91768" in content
    assert "Withdraw this request" not in content
