"""The distributor's checkout and pay pages (over HTTP)."""

import re
from decimal import Decimal

import pytest

from backoffice.lib.cycles import cycle_of
from backoffice.shop import actions
from backoffice.shop.models import (
    CartLine,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    VolumeEntry,
    WalletEntry,
    WalletKind,
)
from backoffice.shop.payments import base
from backoffice.shop.payments.base import PaymentProvider
from backoffice.shop.tests.conftest import place, ship_to_ca

D = Decimal
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shopper(client, team, catalog, fedex, will_call, alice):
    """alice, signed in, with an address on record and 2 coffees and 1 capsules."""
    distributor = team["alice"]
    distributor.address_line1 = "1 Palm Way"
    distributor.city = "Los Angeles"
    distributor.state = "CA"
    distributor.postal_code = "90001"
    distributor.phone = "(213) 555-0100"
    distributor.save()
    client.force_login(alice)
    client.post(f"/shop/cart/add/{catalog['501'].pk}/", {"quantity": 2})
    client.post(f"/shop/cart/add/{catalog['801'].pk}/", {"quantity": 1})
    return client


def checkout_key(client) -> str:
    html = client.get("/shop/checkout/").content.decode()
    return re.search(r'name="checkout_key" value="([^"]+)"', html).group(1)


def new_address(**overrides) -> dict:
    data = {
        "delivery": "new",
        "name": "Alice Archer",
        "line1": "500 Main Street",
        "line2": "Suite 2",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "phone": "512 555 0100",
    }
    data.update(overrides)
    return data


def submit(client, fedex, **data):
    if "checkout_key" not in data:
        data["checkout_key"] = checkout_key(client)
    data.setdefault("shipping_method", fedex.pk)
    data.setdefault("delivery", "record")
    return client.post("/shop/checkout/", data)


def stock(sku: str) -> int:
    return Product.objects.get(sku=sku).stock


def cart_of(user) -> list[tuple[str, int]]:
    return list(
        CartLine.objects.filter(cart__user=user)
        .order_by("product__sku")
        .values_list("product__sku", "quantity")
    )


def field_errors(response) -> dict[str, list[str]]:
    return {
        name: list(errors) for name, errors in response.context["form"].errors.items()
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- checkout -----------------------------------------------------------------------


def test_checkout_page_offers_the_record_address_and_prices_it(shopper):
    response = shopper.get("/shop/checkout/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert (
        "The address on your record: Alice Archer, 1 Palm Way, Los Angeles, CA 90001"
    ) in html
    assert "FedEx Ground (signature required) — $6.35" in html
    assert "USPS Priority Mail (PO boxes, Alaska, Hawaii) — $12.95" in html
    assert "Pomona Will Call: 980 Corporate Center Drive, Pomona, CA 91768" in html
    summary = response.context["summary"]
    assert summary.has_delivery is True
    assert summary.totals.subtotal == D("96.00")
    assert summary.totals.shipping == D("6.35")
    assert summary.totals.tax == D("6.96")
    assert summary.totals.total == D("109.31")
    assert (summary.totals.pv, summary.totals.cv) == (D("70"), D("73.6"))
    assert '<dd id="summary-total">$109.31</dd>' in html


def test_each_rendering_gets_a_fresh_checkout_key(shopper):
    assert checkout_key(shopper) != checkout_key(shopper)


def test_empty_cart_goes_back_to_the_cart(client, team, catalog, alice):
    client.force_login(alice)
    response = client.get("/shop/checkout/", follow=True)
    assert response.redirect_chain == [("/shop/cart/", 302)]
    assert messages_of(response) == ["Your cart is empty."]


def test_record_address_places_the_order_and_goes_to_pay(shopper, alice, fedex):
    response = submit(shopper, fedex)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/shop/checkout/{order.number}/pay/"
    assert order.status == OrderStatus.PLACED
    assert order.buyer == alice
    assert order.email == alice.email
    assert order.source == "shop"
    assert (order.ship_name, order.ship_line1, order.ship_city) == (
        "Alice Archer",
        "1 Palm Way",
        "Los Angeles",
    )
    assert (order.ship_state, order.ship_postal_code, order.ship_phone) == (
        "CA",
        "90001",
        "(213) 555-0100",
    )
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        D("96.00"),
        D("6.35"),
        D("6.96"),
        D("109.31"),
    )
    assert (stock("501"), stock("801")) == (48, 49)
    assert cart_of(alice) == []


def test_new_address_is_cleaned_and_used(shopper, fedex):
    submit(shopper, fedex, **new_address())
    order = Order.objects.get()
    assert (order.ship_line1, order.ship_line2, order.ship_city) == (
        "500 Main Street",
        "Suite 2",
        "Austin",
    )
    assert (order.ship_state, order.ship_postal_code, order.ship_phone) == (
        "TX",
        "78701",
        "(512) 555-0100",
    )
    assert order.tax == D("6.00")  # Texas 6.25 % of 96.00


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"postal_code": "10001"},
            {"postal_code": ["ZIP code 10001 is not in Texas."]},
        ),
        (
            {"postal_code": "7870"},
            {"postal_code": ["Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."]},
        ),
        (
            {"state": "ZZ"},
            {
                "state": [
                    "Select a valid choice. ZZ is not one of the available choices."
                ]
            },
        ),
        ({"state": ""}, {"state": ["This field is required."]}),
        (
            {"line1": "x" * 201},
            {"line1": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
        (
            {"city": "y" * 101},
            {"city": ["Ensure this value has at most 100 characters (it has 101)."]},
        ),
        ({"phone": "555-0100"}, {"phone": ["Enter a 10-digit US phone number."]}),
        (
            {"name": "", "line1": ""},
            {"name": ["This field is required."], "line1": ["This field is required."]},
        ),
    ],
)
def test_bad_address_is_refused_and_nothing_changes(
    shopper, alice, fedex, overrides, errors
):
    response = submit(shopper, fedex, **new_address(**overrides))
    assert response.status_code == 200
    assert field_errors(response) == errors
    assert not Order.objects.exists()
    assert (stock("501"), stock("801")) == (50, 50)
    assert cart_of(alice) == [("501", 2), ("801", 1)]


def test_a_method_that_does_not_reach_the_address_is_refused(shopper, alice, fedex):
    response = submit(
        shopper, fedex, **new_address(state="HI", city="Honolulu", postal_code="96813")
    )
    assert response.status_code == 200
    assert field_errors(response) == {
        "shipping_method": [
            "FedEx Ground (signature required) does not deliver to that address;"
            " choose another method."
        ]
    }
    assert response.context["summary"].has_delivery is False
    assert not Order.objects.exists()
    assert stock("501") == 50


def test_shipping_needs_a_method(shopper, fedex):
    response = submit(shopper, fedex, shipping_method="")
    assert field_errors(response) == {"shipping_method": ["Choose a shipping method."]}
    assert not Order.objects.exists()


def test_will_call_pick_up_has_no_shipping(shopper, fedex, will_call):
    submit(shopper, fedex, delivery="will_call", will_call=will_call.pk)
    order = Order.objects.get()
    assert order.will_call == will_call
    assert order.shipping_method is None
    assert order.shipping == D("0.00")
    assert order.tax == D("6.96")  # the center is in California
    assert order.total == D("102.96")


def test_a_closed_will_call_center_is_not_offered(shopper, fedex, will_call):
    will_call.is_active = False
    will_call.save()
    response = submit(shopper, fedex, delivery="will_call", will_call=will_call.pk)
    assert field_errors(response) == {
        "delivery": [
            "Select a valid choice. will_call is not one of the available choices."
        ],
        "will_call": [
            "Select a valid choice. That choice is not one of the available choices."
        ],
    }
    assert not Order.objects.exists()


def test_prices_and_totals_posted_by_the_page_are_ignored(shopper, fedex):
    submit(
        shopper,
        fedex,
        total="0.01",
        subtotal="0.01",
        shipping="0",
        tax="0",
        unit_price="0.01",
        price="0.01",
        pv="9999",
    )
    order = Order.objects.get()
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        D("96.00"),
        D("6.35"),
        D("6.96"),
        D("109.31"),
    )
    assert order.pv == D("70")
    assert [line.unit_price for line in order.lines.all()] == [D("25.00"), D("46.00")]


def test_double_submit_places_one_order(shopper, fedex):
    key = checkout_key(shopper)
    first = submit(shopper, fedex, checkout_key=key)
    again = submit(shopper, fedex, checkout_key=key)
    order = Order.objects.get()
    assert (
        first["Location"] == again["Location"] == f"/shop/checkout/{order.number}/pay/"
    )
    assert (stock("501"), stock("801")) == (48, 49)


def test_a_missing_or_forged_checkout_key_is_refused(shopper, alice, fedex):
    for key in ("", "short", "../../etc" + "x" * 20):
        response = submit(shopper, fedex, checkout_key=key)
        assert response.status_code == 200
        assert "checkout_key" in field_errors(response)
    assert not Order.objects.exists()
    assert cart_of(alice) == [("501", 2), ("801", 1)]


def test_update_totals_recomputes_without_placing(shopper, fedex):
    response = submit(shopper, fedex, action="update", **new_address(), total="1.00")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.totals.tax, summary.totals.total) == (D("6.00"), D("108.35"))
    assert not Order.objects.exists()


def test_htmx_totals_follow_the_delivery(shopper, fedex, will_call):
    data = {"checkout_key": "k" * 32, "shipping_method": fedex.pk}
    response = shopper.post(
        "/shop/checkout/totals/", {**data, "delivery": "record"}, **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card checkout-summary"')
    assert '<dd id="summary-shipping">$6.35</dd>' in html
    assert '<dd id="summary-total">$109.31</dd>' in html
    response = shopper.post(
        "/shop/checkout/totals/",
        {**data, "delivery": "will_call", "will_call": will_call.pk},
        **HX,
    )
    assert '<dd id="summary-shipping">$0.00</dd>' in response.content.decode()
    hawaii = new_address(state="HI", city="Honolulu", postal_code="96813")
    response = shopper.post("/shop/checkout/totals/", {**data, **hawaii}, **HX)
    assert response.context["summary"].note == (
        "FedEx Ground (signature required) does not deliver to that address;"
        " choose another method."
    )
    assert "does not deliver to that address" in response.content.decode()
    response = shopper.post(
        "/shop/checkout/totals/", {**data, "delivery": "new", "line1": "1 A St"}, **HX
    )
    assert '<dd id="summary-shipping">—</dd>' in response.content.decode()
    assert '<dd id="summary-total">$96.00</dd>' in response.content.decode()
    assert not Order.objects.exists()


def test_not_enough_stock_is_refused_with_a_message(shopper, alice, fedex):
    Product.objects.filter(sku="501").update(stock=1)
    response = submit(shopper, fedex)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only 1 of Ganocafé 3-in-1 left in stock."
    ]
    assert not Order.objects.exists()
    assert stock("501") == 1
    assert cart_of(alice) == [("501", 2), ("801", 1)]


def test_staff_get_404_on_checkout(client, team, catalog, staff):
    client.force_login(staff)
    assert client.get("/shop/checkout/").status_code == 404
    assert client.post("/shop/checkout/", {}).status_code == 404
    assert client.post("/shop/checkout/totals/", {}).status_code == 404


# --- paying ---------------------------------------------------------------------------


@pytest.fixture
def order(shopper, fedex):
    submit(shopper, fedex)
    return Order.objects.get()


def test_pay_page_shows_the_order_the_demo_notice_and_the_wallet(shopper, team, order):
    WalletEntry.objects.create(
        distributor=team["alice"], kind=WalletKind.PAYOUT, amount=D("40.00")
    )
    response = shopper.get(f"/shop/checkout/{order.number}/pay/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demo card — test only, no money moves." in html
    assert "4242 4242 4242 4242 is approved" in html
    assert "Your wallet balance: $40.00" in html
    assert '<dd id="order-total">$109.31</dd>' in html
    assert [p.code for p in response.context["providers"]] == ["demo", "wallet"]


def test_demo_card_pays_and_credits_volume(shopper, team, order):
    response = shopper.post(
        f"/shop/checkout/{order.number}/pay/",
        {"provider": "demo", "card_number": "4242 4242 4242 4242"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert messages_of(response) == [f"Thank you — order {order.number} is paid."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    entry = VolumeEntry.objects.get()
    assert (entry.distributor, entry.order, entry.kind) == (
        team["alice"],
        order,
        "order",
    )
    assert (entry.pv, entry.cv, entry.cycle) == (
        D("70"),
        D("73.6"),
        cycle_of(order.paid_on),
    )


def test_a_second_pay_click_charges_nothing_more(shopper, order):
    url = f"/shop/checkout/{order.number}/pay/"
    data = {"provider": "demo", "card_number": "4242424242424242"}
    shopper.post(url, data)
    response = shopper.post(url, data, follow=True)
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert Payment.objects.count() == 1
    assert VolumeEntry.objects.count() == 1


def test_declined_card_keeps_the_form_with_the_message(shopper, order):
    response = shopper.post(
        f"/shop/checkout/{order.number}/pay/",
        {"provider": "demo", "card_number": "4000 0000 0000 0002"},
    )
    assert response.status_code == 200
    assert field_errors(response) == {"card_number": ["The card was declined."]}
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not VolumeEntry.objects.exists()
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_bad_card_number_and_missing_choice(shopper, order):
    url = f"/shop/checkout/{order.number}/pay/"
    response = shopper.post(url, {"provider": "demo", "card_number": "1234"})
    assert field_errors(response) == {"card_number": ["Enter a valid card number."]}
    response = shopper.post(url, {"provider": "demo", "card_number": ""})
    assert field_errors(response) == {"card_number": ["Enter the demo card number."]}
    response = shopper.post(url, {"provider": "cash"})
    assert field_errors(response) == {
        "provider": ["Select a valid choice. cash is not one of the available choices."]
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_wallet_pays_when_the_balance_covers_it(shopper, team, order):
    alice = team["alice"]
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("100.00")
    )
    url = f"/shop/checkout/{order.number}/pay/"
    response = shopper.post(url, {"provider": "wallet"})
    balance = WalletEntry.objects.for_distributor(alice).balance()
    assert balance == D("100.00")
    assert field_errors(response) == {
        "provider": [f"Your wallet holds ${balance}, less than the $109.31 due."]
    }
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("20.00")
    )
    response = shopper.post(url, {"provider": "wallet"})
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert WalletEntry.objects.for_distributor(alice).balance() == D("10.69")


class RedirectProvider(PaymentProvider):
    """A provider whose payer finishes on the provider's own page."""

    code = "redirecting"

    @property
    def label(self) -> str:
        return "Card"

    def start(self, *, payment, data, request) -> None:
        payment.redirect_url = f"https://pay.example.test/session/{payment.pk}"
        payment.save(update_fields=["redirect_url"])


def test_a_provider_page_is_reached_with_see_other(
    shopper, order, settings, monkeypatch
):
    monkeypatch.setitem(
        base.PROVIDER_CLASSES,
        "redirecting",
        f"{__name__}.RedirectProvider",
    )
    settings.PAYMENT_PROVIDERS = ["redirecting"]
    url = f"/shop/checkout/{order.number}/pay/"
    response = shopper.post(url, {"provider": "redirecting"})
    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"https://pay.example.test/session/{payment.pk}"
    # Clicking again finds the same pending payment.
    again = shopper.post(url, {"provider": "redirecting"})
    assert again["Location"] == response["Location"]
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_a_paid_order_goes_to_its_page(shopper, order):
    actions.start_payment(
        order=order, provider_code="demo", data={"card_number": "4242424242424242"}
    )
    response = shopper.get(f"/shop/checkout/{order.number}/pay/")
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"


def test_a_cancelled_order_cannot_be_paid(shopper, order):
    actions.cancel_order(order=order, reason="changed my mind")
    response = shopper.post(
        f"/shop/checkout/{order.number}/pay/",
        {"provider": "demo", "card_number": "4242424242424242"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert messages_of(response) == ["This order can no longer be paid."]
    assert not Payment.objects.exists()


def test_charlie_cannot_see_or_pay_alices_order(client, order, charlie):
    client.force_login(charlie)
    url = f"/shop/checkout/{order.number}/pay/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"provider": "demo", "card_number": "4242424242424242"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not Payment.objects.exists()
    assert client.get("/shop/checkout/GX-0000000000/pay/").status_code == 404


def test_staff_get_404_on_pay(client, order, staff):
    client.force_login(staff)
    assert client.get(f"/shop/checkout/{order.number}/pay/").status_code == 404


def test_a_customers_order_is_not_paid_from_the_back_office(
    shopper, team, fedex, catalog
):
    customer = team["alice"].customers.create(
        first_name="Rita", last_name="Retail", email="rita@example.com"
    )
    retail = place(
        team["alice"],
        {catalog["505"]: 1},
        ship_to_ca(fedex),
        buyer=None,
        customer=customer,
        email=customer.email,
    )
    response = shopper.get(f"/shop/checkout/{retail.number}/pay/")
    assert response.status_code == 404
