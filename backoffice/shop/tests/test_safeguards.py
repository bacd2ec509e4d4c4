"""Rules that keep money, packs and stock right at the edges."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from backoffice.shop import actions
from backoffice.shop.actions import autoship as autoship_actions
from backoffice.shop.actions import returns
from backoffice.shop.models import (
    Autoship,
    InventoryMovement,
    Order,
    RetailCustomer,
    TaxRate,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

D = Decimal
PACIFIC = ZoneInfo("America/Los_Angeles")


def delivered(distributor, items, fedex, staff):
    order = place(distributor, items, ship_to_ca(fedex))
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=staff)
    actions.mark_shipped(order=order, by=staff, carrier="FedEx", tracking_number="1")
    actions.mark_delivered(order=order, by=staff)
    return order


def returned(order, line_skus, staff):
    lines = {line.pk: line.quantity for line in order.lines.filter(sku__in=line_skus)}
    request = returns.request_return(
        order=order, lines=lines, kind="refund", reason="damaged", by=order.buyer
    )
    returns.approve_return(return_request=request, by=staff)
    returns.receive_return(
        return_request=request,
        by=staff,
        resalable={line.pk: True for line in request.lines.all()},
    )
    return returns.refund_return(return_request=request, by=staff)


def test_returning_the_coffee_of_a_pack_order_keeps_the_pack(
    team, catalog, fedex, staff
):
    alice = team["alice"]
    order = delivered(alice, {catalog["ESP-1"]: 1, catalog["501"]: 1}, fedex, staff)
    returned(order, ["501"], staff)
    assert actions.package_level_of(alice) == 1
    returned(order, ["ESP-1"], staff)
    assert actions.package_level_of(alice) == 0


def test_an_unpaid_pack_order_blocks_a_second_pack(team, catalog, fedex):
    alice = team["alice"]
    first = place(alice, {catalog["ESP-1"]: 1}, ship_to_ca(fedex))
    with pytest.raises(actions.ShopError, match=f"{first.number} already holds a pack"):
        place(alice, {catalog["ESP-2"]: 1}, ship_to_ca(fedex))
    assert Order.objects.count() == 1


def test_received_returns_leave_the_distributors_inventory(team, catalog, fedex, staff):
    alice = team["alice"]
    order = delivered(alice, {catalog["801"]: 2, catalog["ESP-1"]: 1}, fedex, staff)
    assert alice.inventory.get(product__sku="801").quantity == 2
    assert alice.inventory.get(product__sku="501").quantity == 2  # in the pack
    returned(order, ["801", "ESP-1"], staff)
    held = dict(alice.inventory.values_list("product__sku", "quantity"))
    assert held["801"] == 0
    assert held["501"] == 0
    assert InventoryMovement.objects.filter(kind="returned").count() == 8


def test_a_retail_customer_orders_at_most_ten_of_a_product(team, catalog, fedex):
    owner = team["alice"]
    with pytest.raises(actions.ShopError, match="at most 10"):
        actions.place_retail_order(
            distributor=owner,
            items=[(catalog["501"].pk, 11)],
            delivery=ship_to_ca(fedex, name="Rita Reyes"),
            first_name="Rita",
            last_name="Reyes",
            email="rita@example.com",
            phone="(213) 555-0199",
            idempotency_key="retail-key-1",
        )
    assert not Order.objects.exists()
    assert not RetailCustomer.objects.exists()
    assert catalog["501"].stock == 50


def test_a_long_name_on_record_fits_the_order(team, catalog, fedex):
    long_name = "A" * 150 + " " + "B" * 150
    order = place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex, name=long_name))
    order.refresh_from_db()
    assert order.ship_name == long_name


def test_tax_rates_take_only_real_states(db):
    with pytest.raises(ValidationError):
        TaxRate(state="ca", rate=D("0.0725")).full_clean()
    TaxRate(state="CA", rate=D("0.0725")).full_clean(validate_unique=False)


def test_an_autoship_cannot_start_years_away(team, catalog, fedex):
    with (
        time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=PACIFIC), tick=False),
        pytest.raises(actions.ShopError, match="at the latest"),
    ):
        autoship_actions.start_autoship(
            distributor=team["alice"],
            items=[(catalog["501"].pk, 1)],
            day_of_month=25,
            first_run_on=date(2029, 12, 25),
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token="demo_4242424242424242",  # noqa: S106 (test card)
        )
    assert not Autoship.objects.exists()
