"""Checkout's "address on my record" is the profile's shipping address when set."""

from __future__ import annotations

import re

import pytest

from backoffice.profiles.addresses import shipping_address
from backoffice.profiles.models import Profile
from backoffice.shop.models import Order
from backoffice.shop.tests.conftest import catalog, fedex, will_call  # noqa: F401


@pytest.fixture
def shopper(client, people, catalog, fedex, will_call, alice):  # noqa: F811
    client.force_login(alice)
    client.post(f"/shop/cart/add/{catalog['501'].pk}/", {"quantity": 1})
    return client


def ship_to_austin(member) -> Profile:
    return Profile.objects.create(
        distributor=member,
        ship_to_mailing=False,
        ship_name="Alice at work",
        ship_line1="500 Main Street",
        ship_line2="Suite 2",
        ship_city="Austin",
        ship_state="TX",
        ship_postal_code="78701",
    )


def checkout(client, fedex):  # noqa: F811
    html = client.get("/shop/checkout/").content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', html).group(1)
    return client.post(
        "/shop/checkout/",
        {"delivery": "record", "shipping_method": fedex.pk, "checkout_key": key},
    )


def test_without_a_shipping_address_the_mailing_address_is_used(shopper, fedex, people):  # noqa: F811
    html = shopper.get("/shop/checkout/").content.decode()
    assert (
        "The address on your record: Alice Archer, 1 Palm Way, Los Angeles, CA 90001"
        in html
    )
    checkout(shopper, fedex)
    order = Order.objects.get()
    assert (order.ship_line1, order.ship_city, order.ship_state) == (
        "1 Palm Way",
        "Los Angeles",
        "CA",
    )


def test_the_shipping_address_is_offered_and_used(shopper, fedex, people):  # noqa: F811
    ship_to_austin(people["alice"])
    html = shopper.get("/shop/checkout/").content.decode()
    assert (
        "The address on your record: Alice at work, 500 Main Street, Suite 2, "
        "Austin, TX 78701"
    ) in html
    response = checkout(shopper, fedex)
    assert response.status_code == 302
    order = Order.objects.get()
    assert (
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        order.ship_city,
        order.ship_state,
        order.ship_postal_code,
        order.ship_phone,
    ) == (
        "Alice at work",
        "500 Main Street",
        "Suite 2",
        "Austin",
        "TX",
        "78701",
        "(213) 555-0100",
    )


def test_shipping_to_mailing_ignores_leftover_fields(people):
    profile = ship_to_austin(people["alice"])
    Profile.objects.filter(pk=profile.pk).update(ship_to_mailing=True)
    assert shipping_address(people["alice"]).line1 == "1 Palm Way"


def test_charlie_never_gets_alices_shipping_address(people):
    ship_to_austin(people["alice"])
    assert shipping_address(people["charlie"]).line1 == ""
