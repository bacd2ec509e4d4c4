"""The distributor's shop pages: the catalog, a product, the cart (over HTTP)."""

from decimal import Decimal

import pytest

from backoffice.shop.models import Cart, CartLine, Product

D = Decimal
HX = {"HTTP_HX_REQUEST": "true"}


def skus(response) -> list[str]:
    return [
        product.sku
        for _category, products in response.context["groups"]
        for product in products
    ]


def lines(user) -> list[tuple[str, int]]:
    return list(
        CartLine.objects.filter(cart__user=user)
        .order_by("product__sku")
        .values_list("product__sku", "quantity")
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def shopper(client, team, catalog, alice):
    client.force_login(alice)
    return client


# --- browsing -----------------------------------------------------------------------


def test_catalog_lists_active_products_by_category_with_both_prices_and_volume(
    shopper, catalog
):
    Product.objects.filter(sku="533").update(is_active=False)
    response = shopper.get("/shop/")
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [category.slug for category, _products in groups] == [
        "ganocafe",
        "ganoplus",
        "ganodaily",
        "packs",
    ]
    assert "533" not in skus(response)
    assert response.context["count"] == 22
    cards = response.content.decode().split("<article")
    coffee = catalog["501"]
    coffee_card = next(c for c in cards if f'id="product-{coffee.pk}"' in c)
    assert "$25.00" in coffee_card  # the distributor's price
    assert "$33.00" in coffee_card  # retail
    assert "<dd>17</dd>" in coffee_card  # PV
    assert "<dd>19.20</dd>" in coffee_card  # CV
    assert "Pack</span>" not in coffee_card
    pack = catalog["ESP-1"]
    pack_card = next(c for c in cards if f'id="product-{pack.pk}"' in c)
    assert "Pack</span>" in pack_card
    assert "$205.00" in pack_card
    assert (
        '<a href="http://testserver/s/100001/">http://testserver/s/100001/</a>'
    ) in response.content.decode()


def test_search_finds_by_name_in_either_language_and_by_sku(shopper):
    assert skus(shopper.get("/shop/", {"q": "schokolade"})) == ["502"]
    assert skus(shopper.get("/shop/", {"q": "801"})) == ["801"]
    assert skus(shopper.get("/shop/", {"q": "Espíritu"})) == ["801"]
    response = shopper.get("/shop/", {"q": "no such thing"})
    assert skus(response) == []
    assert b"No products match." in response.content


def test_category_filter_and_search_together(shopper):
    assert skus(shopper.get("/shop/", {"category": "ganoplus"})) == ["530", "820"]
    assert skus(shopper.get("/shop/", {"category": "ganocafe", "q": "mocha"})) == [
        "503",
        "533",
    ]
    # An unknown category is ignored, not an error.
    assert len(skus(shopper.get("/shop/", {"category": "nope"}))) == 23


def test_htmx_search_returns_only_the_results(shopper):
    response = shopper.get("/shop/", {"q": "mocha"}, **HX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="catalog-results">')
    assert b"<html" not in response.content
    assert skus(response) == ["503", "533"]


def test_product_page_in_the_buyers_language(shopper, alice, catalog):
    response = shopper.get("/shop/p/801/")
    assert response.status_code == 200
    assert response.context["product"] == catalog["801"]
    assert b"Ganoderma (Spirit)" in response.content
    assert b"These statements have not been evaluated" in response.content
    alice.language = "es"
    alice.save(update_fields=["language"])
    response = shopper.get("/shop/p/801/")
    assert "Ganoderma (Espíritu)" in response.content.decode()
    assert "Estas declaraciones no han sido evaluadas" in response.content.decode()


def test_pack_page_lists_its_contents(shopper):
    response = shopper.get("/shop/p/ESP-1/")
    assert response.status_code == 200
    assert [(c.product.sku, c.quantity) for c in response.context["contents"]] == [
        ("301", 1),
        ("302", 1),
        ("501", 2),
        ("503", 1),
        ("504", 1),
        ("505", 2),
        ("506", 1),
    ]


def test_unknown_or_retired_product_is_404(shopper, catalog):
    assert shopper.get("/shop/p/999/").status_code == 404
    Product.objects.filter(sku="501").update(is_active=False)
    assert shopper.get("/shop/p/501/").status_code == 404


def test_out_of_stock_is_shown_and_cannot_be_added(shopper, alice, catalog):
    coffee = catalog["501"]
    Product.objects.filter(pk=coffee.pk).update(stock=0)
    html = shopper.get("/shop/").content.decode()
    card = next(c for c in html.split("<article") if f'id="product-{coffee.pk}"' in c)
    assert "Out of stock" in card
    assert 'name="quantity"' not in card
    response = shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1})
    assert response.status_code == 200
    assert response.context["error"] == "Ganocafé 3-in-1 is out of stock."
    response = shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1}, **HX)
    assert response.context["error"] == "Ganocafé 3-in-1 is out of stock."
    assert lines(alice) == []


# --- the cart -----------------------------------------------------------------------


def test_add_to_cart_without_javascript_redirects_back(shopper, alice, catalog):
    coffee = catalog["501"]
    response = shopper.post(
        f"/shop/cart/add/{coffee.pk}/", {"quantity": "2", "next": "/shop/?q=cafe"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/shop/?q=cafe"
    assert lines(alice) == [("501", 2)]
    response = shopper.post(
        f"/shop/cart/add/{coffee.pk}/", {"quantity": "1", "next": "https://evil.test/"}
    )
    assert response["Location"] == "/shop/cart/"
    assert lines(alice) == [("501", 3)]
    response = shopper.get("/shop/cart/")
    assert messages_of(response) == [
        "Added 2 × Ganocafé 3-in-1 to your cart.",
        "Added 1 × Ganocafé 3-in-1 to your cart.",
    ]


def test_add_to_cart_with_htmx_updates_the_form_and_the_cart_badge(
    shopper, alice, catalog
):
    coffee = catalog["501"]
    response = shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": "2"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert "Added 2 × Ganocafé 3-in-1 to your cart." in html
    assert 'id="cart-summary" class="cart-summary" hx-swap-oob="true"' in html
    assert "2 items" in html
    assert "$50.00" in html
    assert lines(alice) == [("501", 2)]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Choose a quantity from 1 to 99."),
        ("100", "Choose a quantity from 1 to 99."),
        ("-3", "Choose a quantity from 1 to 99."),
        ("two", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_bad_quantity_is_refused_next_to_the_field(
    shopper, alice, catalog, quantity, message
):
    coffee = catalog["501"]
    response = shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": quantity})
    assert response.status_code == 200
    assert response.context["error"] == message
    html = response.content.decode()
    assert f'id="quantity-{coffee.pk}-error" role="alert">{message}' in html
    # Adding again from this page comes back to the product, not to the POST address.
    assert 'name="next" value="/shop/p/501/"' in html
    response = shopper.post(
        f"/shop/cart/add/{coffee.pk}/", {"quantity": quantity}, **HX
    )
    assert response.context["error"] == message
    assert lines(alice) == []


def test_adding_an_unknown_product_is_404(shopper, alice):
    assert shopper.post("/shop/cart/add/999999/", {"quantity": 1}).status_code == 404
    assert lines(alice) == []


def test_cart_page_shows_lines_and_server_totals(shopper, catalog):
    shopper.post(f"/shop/cart/add/{catalog['501'].pk}/", {"quantity": 2})
    shopper.post(f"/shop/cart/add/{catalog['801'].pk}/", {"quantity": 1})
    response = shopper.get("/shop/cart/")
    assert response.status_code == 200
    cart = response.context["cart"]
    assert [(row.product.sku, row.quantity) for row in cart.rows] == [
        ("501", 2),
        ("801", 1),
    ]
    assert cart.totals.subtotal == D("96.00")
    assert (cart.totals.pv, cart.totals.cv) == (D("70"), D("73.6"))
    html = response.content.decode()
    assert "$96.00" in html
    assert "<dd>70</dd>" in html
    assert "<dd>73.60</dd>" in html
    assert 'href="/shop/checkout/"' in html


def test_change_quantity_plain_and_htmx(shopper, alice, catalog):
    coffee = catalog["501"]
    shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1})
    response = shopper.post(f"/shop/cart/{coffee.pk}/", {"quantity": "4"})
    assert response.status_code == 302
    assert response["Location"] == "/shop/cart/"
    assert lines(alice) == [("501", 4)]
    response = shopper.post(f"/shop/cart/{coffee.pk}/", {"quantity": "5"}, **HX)
    assert response.status_code == 200
    assert (
        response.content.decode()
        .lstrip()
        .startswith('<section class="card" id="cart">')
    )
    assert response.context["cart"].totals.subtotal == D("125.00")
    assert lines(alice) == [("501", 5)]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("100", "Choose a quantity from 1 to 99."),
        ("-1", "Choose a quantity from 1 to 99."),
        ("lots", "Enter a whole number."),
    ],
)
def test_bad_quantity_change_is_refused_on_its_line(
    shopper, alice, catalog, quantity, message
):
    coffee = catalog["501"]
    shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 2})
    for extra in ({}, HX):
        response = shopper.post(
            f"/shop/cart/{coffee.pk}/", {"quantity": quantity}, **extra
        )
        assert response.status_code == 200
        [row] = response.context["cart"].rows
        assert row.error == message
        assert row.quantity == 2
        assert f'id="cart-quantity-{coffee.pk}-error" role="alert">{message}' in (
            response.content.decode()
        )
    assert lines(alice) == [("501", 2)]


def test_quantity_zero_and_remove_take_the_line_out(shopper, alice, catalog):
    coffee, capsules = catalog["501"], catalog["801"]
    shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1})
    shopper.post(f"/shop/cart/add/{capsules.pk}/", {"quantity": 1})
    response = shopper.post(f"/shop/cart/{coffee.pk}/", {"quantity": "0"}, **HX)
    assert [row.product.sku for row in response.context["cart"].rows] == ["801"]
    response = shopper.post(f"/shop/cart/{capsules.pk}/remove/")
    assert response.status_code == 302
    assert lines(alice) == []
    response = shopper.get("/shop/cart/")
    assert b"Your cart is empty." in response.content


def test_changing_a_product_not_in_the_cart_says_so(shopper, alice, catalog):
    response = shopper.post(f"/shop/cart/{catalog['501'].pk}/", {"quantity": "2"})
    assert response.status_code == 200
    assert response.context["cart"].error == "That product is not in your cart."
    assert lines(alice) == []


def test_out_of_stock_line_blocks_the_checkout_link(shopper, catalog):
    coffee = catalog["501"]
    shopper.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 3})
    Product.objects.filter(pk=coffee.pk).update(stock=2)
    response = shopper.get("/shop/cart/")
    assert b"Only 2 left in stock." in response.content
    assert response.context["cart"].can_check_out is False
    assert b'href="/shop/checkout/"' not in response.content


def test_charlie_cannot_touch_alices_cart(client, team, catalog, alice, charlie):
    coffee = catalog["501"]
    client.force_login(alice)
    client.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 2})
    client.force_login(charlie)
    response = client.get("/shop/cart/")
    assert response.context["cart"].rows == []
    response = client.post(f"/shop/cart/{coffee.pk}/", {"quantity": "9"})
    assert response.context["cart"].error == "That product is not in your cart."
    client.post(f"/shop/cart/{coffee.pk}/remove/")
    assert lines(alice) == [("501", 2)]


def test_staff_get_404_and_visitors_sign_in(client, team, catalog, staff):
    coffee = catalog["501"]
    assert client.get("/shop/")["Location"] == "/accounts/login/?next=/shop/"
    assert (
        client.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1}).status_code == 302
    )
    client.force_login(staff)
    assert client.get("/shop/").status_code == 404
    assert client.get("/shop/p/501/").status_code == 404
    assert client.get("/shop/cart/").status_code == 404
    assert (
        client.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 1}).status_code == 404
    )
    assert not Cart.objects.exists()
