"""A distributor's personal shop, as a retail customer uses it (over HTTP)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from backoffice.lib.cycles import cycle_of
from backoffice.shop.models import (
    Cart,
    CartLine,
    Order,
    OrderStatus,
    Payment,
    Product,
    RetailCustomer,
    VolumeEntry,
)
from backoffice.shop.payments import base
from backoffice.shop.tests.test_views_checkout import RedirectProvider
from backoffice.shop.views.storefront import PAY_LIMIT

D = Decimal
HX = {"HTTP_HX_REQUEST": "true"}
SHOP = "/s/100001"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visitor(client, team, catalog, fedex):
    """A visitor to alice's shop with 2 coffees in the cart."""
    client.post(f"{SHOP}/cart/add/{catalog['501'].pk}/", {"quantity": 2})
    return client


def skus(response) -> list[str]:
    return [
        product.sku
        for _category, products in response.context["groups"]
        for product in products
    ]


def checkout_key(client) -> str:
    html = client.get(f"{SHOP}/checkout/").content.decode()
    return re.search(r'name="checkout_key" value="([^"]+)"', html).group(1)


def customer_details(fedex, **overrides) -> dict:
    data = {
        "first_name": "Rita",
        "last_name": "Reyes",
        "email": "Rita@Example.com",
        "phone": "(213) 555-0199",
        "line1": "20 Ocean Avenue",
        "line2": "",
        "city": "Santa Monica",
        "state": "CA",
        "postal_code": "90401",
        "shipping_method": fedex.pk,
    }
    data.update(overrides)
    return data


def submit(client, fedex, **overrides):
    data = customer_details(fedex, **overrides)
    if "checkout_key" not in data:
        data["checkout_key"] = checkout_key(client)
    return client.post(f"{SHOP}/checkout/", data)


def pay(client, order, number="4242 4242 4242 4242", provider="demo"):
    return client.post(
        f"{SHOP}/checkout/{order.number}/pay/",
        {"provider": provider, "card_number": number},
    )


def field_errors(response) -> dict[str, list[str]]:
    return {
        name: list(errors) for name, errors in response.context["form"].errors.items()
    }


def shows_distributor_figures(html: str, catalog) -> list[str]:
    """Distributor prices, PV or CV that a customer page gives away."""
    retail = {f"${p.retail_price}" for p in catalog.values()}
    leaks = [
        f"${p.distributor_price}"
        for p in catalog.values()
        if f"${p.distributor_price}" in html and f"${p.distributor_price}" not in retail
    ]
    leaks += re.findall(r"\b(?:PV|CV)\b", html)
    return leaks


# --- the shop's owner -------------------------------------------------------------


def test_shop_names_its_distributor_by_first_name_and_initial(client, team, catalog):
    response = client.get(f"{SHOP}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice A.'s shop" in html
    assert "Archer" not in html
    assert "Your independent distributor: Alice A. (ID 100001)" in html


def test_unknown_or_terminated_distributor_has_no_shop(client, team, catalog):
    for path in ("/s/999999/", "/s/abc/", "/s/0/", "/s/1" + "0" * 25 + "/"):
        assert client.get(path).status_code == 404
    alice = team["alice"]
    alice.terminated_on = timezone.localdate()
    alice.save()
    assert client.get(f"{SHOP}/").status_code == 404
    assert client.get(f"{SHOP}/cart/").status_code == 404
    # Terminated from tomorrow: still open today.
    alice.terminated_on = timezone.localdate() + timedelta(days=1)
    alice.save()
    assert client.get(f"{SHOP}/").status_code == 200


def test_a_distributor_in_the_holding_tank_has_a_shop(client, team, catalog):
    from backoffice.accounts.tests.factories import UserFactory
    from backoffice.network.tests.conftest import add_member

    held = add_member(
        UserFactory(username="100009", first_name="Hana", last_name="Hold"),
        enroller=team["alice"],
        held=True,
    )
    response = client.get(f"/s/{held.distributor_id}/")
    assert response.status_code == 200
    assert "Hana H.'s shop" in response.content.decode()


# --- browsing ---------------------------------------------------------------------


def test_customers_see_retail_prices_only_and_no_packs(client, team, catalog):
    response = client.get(f"{SHOP}/")
    html = response.content.decode()
    assert len(skus(response)) == 17
    assert not any(sku.startswith("ESP") for sku in skus(response))
    assert "Executive Success" not in html
    assert "$33.00" in html
    assert shows_distributor_figures(html, catalog) == []
    response = client.get(f"{SHOP}/p/501/")
    assert response.status_code == 200
    assert shows_distributor_figures(response.content.decode(), catalog) == []
    assert client.get(f"{SHOP}/p/ESP-1/").status_code == 404


def test_search_and_category_filter(client, team, catalog):
    assert skus(client.get(f"{SHOP}/", {"q": "mocha"})) == ["503", "533"]
    assert skus(client.get(f"{SHOP}/", {"category": "ganoplus"})) == ["530", "820"]
    assert skus(client.get(f"{SHOP}/", {"q": "Executive"})) == []
    # Packs are not a category here: the filter is ignored.
    assert len(skus(client.get(f"{SHOP}/", {"category": "packs"}))) == 17
    response = client.get(f"{SHOP}/", {"q": "mocha"}, **HX)
    assert b"<html" not in response.content
    assert skus(response) == ["503", "533"]


def test_packs_cannot_be_added_and_out_of_stock_is_refused(client, team, catalog):
    pack = catalog["ESP-1"]
    assert (
        client.post(f"{SHOP}/cart/add/{pack.pk}/", {"quantity": 1}).status_code == 404
    )
    coffee = catalog["501"]
    Product.objects.filter(pk=coffee.pk).update(stock=0)
    response = client.post(f"{SHOP}/cart/add/{coffee.pk}/", {"quantity": 1})
    assert response.context["error"] == "Ganocafé 3-in-1 is out of stock."
    assert f'name="next" value="{SHOP}/p/501/"' in response.content.decode()
    assert not CartLine.objects.exists()
    assert not Cart.objects.exists()


# --- the session's cart -------------------------------------------------------------


def test_cart_lives_in_the_session_and_belongs_to_the_shop(visitor, team, catalog):
    cart = Cart.objects.get()
    assert cart.user is None
    assert cart.shop_owner == team["alice"]
    assert visitor.session["storefront_carts"] == {"100001": cart.token}
    response = visitor.get(f"{SHOP}/cart/")
    assert [
        (row.product.sku, row.quantity) for row in response.context["cart"].rows
    ] == [("501", 2)]
    assert response.context["cart"].totals.subtotal == D("66.00")  # retail
    assert shows_distributor_figures(response.content.decode(), catalog) == []
    # Another visitor has an empty cart, and so does this visitor in charlie's shop.
    assert Client().get(f"{SHOP}/cart/").context["cart"].rows == []
    assert visitor.get("/s/100003/cart/").context["cart"].rows == []


def test_htmx_add_change_and_remove(client, team, catalog):
    coffee = catalog["501"]
    response = client.post(f"{SHOP}/cart/add/{coffee.pk}/", {"quantity": 3}, **HX)
    html = response.content.decode()
    assert "Added 3 × Ganocafé 3-in-1 to your cart." in html
    assert 'hx-swap-oob="true"' in html
    assert "3 items" in html
    assert "$99.00" in html
    response = client.post(f"{SHOP}/cart/{coffee.pk}/", {"quantity": 1}, **HX)
    assert response.context["cart"].totals.subtotal == D("33.00")
    response = client.post(f"{SHOP}/cart/{coffee.pk}/", {"quantity": 150}, **HX)
    assert response.context["cart"].rows[0].error == "Choose a quantity from 1 to 99."
    assert CartLine.objects.get().quantity == 1
    response = client.post(f"{SHOP}/cart/{coffee.pk}/remove/", **HX)
    assert response.context["cart"].rows == []
    assert not CartLine.objects.exists()


def test_changing_a_cart_without_one_changes_nothing(client, team, catalog):
    response = client.post(f"{SHOP}/cart/{catalog['501'].pk}/", {"quantity": 2})
    assert response.context["cart"].error == "That product is not in your cart."
    assert not Cart.objects.exists()


# --- checkout -----------------------------------------------------------------------


def test_bad_address_is_refused_and_nothing_is_written(visitor, fedex):
    response = submit(visitor, fedex, postal_code="10001")
    assert response.status_code == 200
    assert field_errors(response) == {
        "postal_code": ["ZIP code 10001 is not in California."]
    }
    response = submit(visitor, fedex, email="not-an-email", state="XX")
    assert field_errors(response) == {
        "email": ["Enter a valid email address."],
        "state": ["Select a valid choice. XX is not one of the available choices."],
    }
    assert not Order.objects.exists()
    assert not RetailCustomer.objects.exists()
    assert Product.objects.get(sku="501").stock == 50
    assert CartLine.objects.get().quantity == 2


def test_no_will_call_for_customers(visitor, fedex, will_call):
    response = visitor.get(f"{SHOP}/checkout/")
    assert "will_call" not in response.context["form"].fields
    assert b"Will Call" not in response.content
    submit(visitor, fedex, will_call=will_call.pk, delivery="will_call")
    assert Order.objects.get().will_call is None


def test_checkout_shows_retail_totals_only(visitor, fedex, catalog):
    response = visitor.get(f"{SHOP}/checkout/")
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.context["summary"].totals.subtotal == D("66.00")
    assert shows_distributor_figures(response.content.decode(), catalog) == []
    response = visitor.post(
        f"{SHOP}/checkout/totals/", customer_details(fedex, checkout_key="k" * 32), **HX
    )
    html = response.content.decode()
    assert '<dd id="summary-shipping">$6.35</dd>' in html
    assert '<dd id="summary-tax">$4.79</dd>' in html  # 7.25 % of 66.00
    assert '<dd id="summary-total">$77.14</dd>' in html
    assert shows_distributor_figures(html, catalog) == []


def test_retail_order_is_credited_to_the_shop_owner(visitor, team, fedex):
    response = submit(visitor, fedex, total="1.00", unit_price="0.01")
    order = Order.objects.get()
    assert response["Location"] == f"{SHOP}/checkout/{order.number}/pay/"
    customer = RetailCustomer.objects.get()
    assert (customer.distributor, customer.first_name, customer.last_name) == (
        team["alice"],
        "Rita",
        "Reyes",
    )
    assert (customer.email, customer.phone) == ("Rita@Example.com", "(213) 555-0199")
    assert order.kind == "customer"
    assert order.source == "personal_shop"
    assert order.distributor == team["alice"]
    assert order.buyer is None
    assert order.customer == customer
    assert order.email == "Rita@Example.com"
    assert order.ship_name == "Rita Reyes"
    assert (order.subtotal, order.shipping, order.tax, order.total) == (
        D("66.00"),
        D("6.35"),
        D("4.79"),
        D("77.14"),
    )
    assert order.retail_profit == D("16.00")  # 2 × (33.00 − 25.00)
    assert order.pv == D("34")
    assert not CartLine.objects.exists()
    assert Product.objects.get(sku="501").stock == 48

    response = visitor.get(f"{SHOP}/checkout/{order.number}/pay/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demo card — test only, no money moves." in html
    assert [p.code for p in response.context["providers"]] == ["demo"]
    assert "wallet" not in html.lower()
    response = pay(visitor, order)
    assert response["Location"] == f"{SHOP}/order/{order.number}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    entry = VolumeEntry.objects.get()
    assert (entry.distributor, entry.pv, entry.cv, entry.cycle) == (
        team["alice"],
        D("34"),
        D("38.4"),
        cycle_of(order.paid_on),
    )

    response = visitor.get(f"{SHOP}/order/{order.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Thank you — order {order.number} is paid." in html
    assert "Thank you for your order" in html
    assert '<dd id="order-total">$77.14</dd>' in html
    assert not re.findall(r"\b(?:PV|CV)\b", html)
    assert "retail profit" not in html.lower()


def test_double_submit_places_one_order(visitor, fedex):
    key = checkout_key(visitor)
    first = submit(visitor, fedex, checkout_key=key)
    again = submit(visitor, fedex, checkout_key=key)
    order = Order.objects.get()
    assert (
        first["Location"] == again["Location"] == f"{SHOP}/checkout/{order.number}/pay/"
    )
    assert RetailCustomer.objects.count() == 1
    assert Product.objects.get(sku="501").stock == 48


def test_returning_customer_is_reused_and_never_overwritten(
    visitor, team, catalog, fedex
):
    submit(visitor, fedex)
    visitor.post(f"{SHOP}/cart/add/{catalog['505'].pk}/", {"quantity": 1})
    submit(
        visitor,
        fedex,
        email="rita@example.COM",
        last_name="Reyes-Diaz",
        phone="2135550111",
    )
    customer = RetailCustomer.objects.get()
    # Anyone may type an email at checkout: the details on record stay as they
    # were; each order keeps the name given with it.
    assert (customer.last_name, customer.phone) == ("Reyes", "(213) 555-0199")
    assert customer.email == "Rita@Example.com"
    assert list(Order.objects.values_list("customer", flat=True)) == [customer.pk] * 2
    assert Order.objects.latest("placed_at").ship_name.endswith("Reyes-Diaz")
    # The same email in another distributor's shop is that distributor's customer.
    visitor.post(f"/s/100003/cart/add/{catalog['505'].pk}/", {"quantity": 1})
    html = visitor.get("/s/100003/checkout/").content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', html).group(1)
    visitor.post("/s/100003/checkout/", customer_details(fedex, checkout_key=key))
    assert RetailCustomer.objects.count() == 2
    assert RetailCustomer.objects.get(distributor=team["charlie"]).last_name == "Reyes"


def test_declined_card_keeps_the_form(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    response = pay(visitor, order, number="4000 0000 0000 0002")
    assert response.status_code == 200
    assert field_errors(response) == {"card_number": ["The card was declined."]}
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not VolumeEntry.objects.exists()


def test_wallet_is_refused_for_customers(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    response = pay(visitor, order, provider="wallet")
    assert field_errors(response) == {
        "provider": [
            "Select a valid choice. wallet is not one of the available choices."
        ]
    }
    assert not Payment.objects.exists()


def test_another_session_cannot_see_or_pay_the_order(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    stranger = Client()
    assert stranger.get(f"{SHOP}/order/{order.number}/").status_code == 404
    assert stranger.get(f"{SHOP}/checkout/{order.number}/pay/").status_code == 404
    assert pay(stranger, order).status_code == 404
    assert not Payment.objects.exists()
    # The right session under another distributor's shop address: 404 too.
    assert visitor.get(f"/s/100003/order/{order.number}/").status_code == 404
    assert visitor.get(f"/s/100003/checkout/{order.number}/pay/").status_code == 404


def test_alice_signed_in_cannot_open_her_customers_confirmation(visitor, fedex, alice):
    submit(visitor, fedex)
    order = Order.objects.get()
    owner = Client()
    owner.force_login(alice)
    assert owner.get(f"{SHOP}/order/{order.number}/").status_code == 404


def test_a_paid_order_goes_to_its_confirmation(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    pay(visitor, order)
    response = visitor.get(f"{SHOP}/checkout/{order.number}/pay/")
    assert response["Location"] == f"{SHOP}/order/{order.number}/"
    assert pay(visitor, order)["Location"] == f"{SHOP}/order/{order.number}/"
    assert Payment.objects.count() == 1


def test_payment_attempts_are_rate_limited(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    limit, _seconds = PAY_LIMIT
    for _attempt in range(limit):
        assert pay(visitor, order, number="4000000000000002").status_code == 200
    response = pay(visitor, order)
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert Payment.objects.count() == limit


def test_an_unpaid_order_offers_to_pay(visitor, fedex):
    submit(visitor, fedex)
    order = Order.objects.get()
    response = visitor.get(f"{SHOP}/order/{order.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This order awaits payment." in html
    assert f'href="{SHOP}/checkout/{order.number}/pay/"' in html


def test_a_provider_page_is_reached_and_the_return_waits_for_it(
    visitor, fedex, settings, monkeypatch
):
    monkeypatch.setitem(
        base.PROVIDER_CLASSES,
        "redirecting",
        f"{RedirectProvider.__module__}.RedirectProvider",
    )
    settings.PAYMENT_PROVIDERS = ["redirecting"]
    submit(visitor, fedex)
    order = Order.objects.get()
    response = pay(visitor, order, provider="redirecting")
    payment = Payment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"https://pay.example.test/session/{payment.pk}"
    response = visitor.get(f"{SHOP}/order/{order.number}/")
    html = response.content.decode()
    assert "We are confirming your payment" in html
    assert "This order awaits payment." not in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
