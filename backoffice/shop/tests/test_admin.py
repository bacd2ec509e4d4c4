"""The shop in the admin: pages load, ledgers are read-only, stock is not typed."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.shop import actions
from backoffice.shop.actions import returns
from backoffice.shop.models import (
    Autoship,
    AutoshipRun,
    Product,
    RetailCustomer,
    WalletEntry,
    WebhookEvent,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

pytestmark = pytest.mark.django_db

D = Decimal


def staff_client(client, *, roles=(), superuser=False):
    user = StaffFactory(is_superuser=superuser)
    add_totp_device(user)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def shop_records(team, catalog, fedex, staff):
    """At least one row of every shop model registered in the admin."""
    alice = team["alice"]
    delivered = place(alice, {catalog["ESP-1"]: 1}, ship_to_ca(fedex))
    pay_with_demo_card(delivered)
    actions.mark_processing(order=delivered, by=staff)
    actions.mark_shipped(order=delivered, by=staff, carrier="UPS", tracking_number="1")
    actions.mark_delivered(order=delivered, by=staff)
    returns.request_return(
        order=delivered,
        lines={delivered.lines.get().pk: 1},
        kind="refund",
        reason="Changed my mind",
        by=alice.user,
    )
    cancelled = place(alice, {catalog["501"]: 1}, ship_to_ca(fedex))
    pay_with_demo_card(cancelled)
    actions.cancel_order(order=cancelled, by=staff, reason="asked")
    RetailCustomer.objects.create(
        distributor=alice, first_name="Rita", last_name="Ruiz", email="r@example.com"
    )
    WebhookEvent.objects.create(provider="stripe", event_id="evt_1", event_type="x")
    WalletEntry.objects.create(distributor=alice, kind="payout", amount=D("50.00"))
    autoship = Autoship.objects.create(
        distributor=alice,
        day_of_month=5,
        next_run_on=date(2026, 4, 5),
        payment_provider="demo",
        payment_token="demo_4242424242424242",
        shipping_method=fedex,
        ship_name="Alice Archer",
    )
    autoship.items.create(product=catalog["501"], quantity=2)
    AutoshipRun.objects.create(autoship=autoship, run_on=date(2026, 3, 5))
    return {"delivered": delivered, "alice": alice}


def shop_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "shop"
    ]


def test_every_shop_page_loads_for_a_superuser(client, shop_records):
    staff_client(client, superuser=True)
    registered = shop_admins()
    assert {model.__name__ for model, _admin in registered} == {
        "Autoship",
        "AutoshipRun",
        "Category",
        "InventoryItem",
        "InventoryMovement",
        "Order",
        "OrderEvent",
        "Payment",
        "Product",
        "Refund",
        "RetailCustomer",
        "ReturnRequest",
        "ShippingMethod",
        "StockMovement",
        "TaxRate",
        "VolumeEntry",
        "WalletEntry",
        "WebhookEvent",
        "WillCallCenter",
    }
    for model, _admin in registered:
        name = model._meta.model_name
        changelist = client.get(f"/admin/shop/{name}/")
        assert changelist.status_code == 200, name
        row = model.objects.order_by("pk").first()
        assert row is not None, name
        change = client.get(f"/admin/shop/{name}/{row.pk}/change/")
        assert change.status_code == 200, name
    assert (
        b"demo_4242"
        not in client.get(
            f"/admin/shop/autoship/{Autoship.objects.get().pk}/change/"
        ).content
    )


@pytest.mark.parametrize(
    "name",
    [
        "order",
        "payment",
        "refund",
        "volumeentry",
        "stockmovement",
        "webhookevent",
        "orderevent",
        "retailcustomer",
        "returnrequest",
        "autoship",
        "walletentry",
    ],
)
def test_records_cannot_be_edited_or_deleted(client, shop_records, name):
    staff_client(client, superuser=True)
    model = next(m for m, _a in shop_admins() if m._meta.model_name == name)
    row = model.objects.order_by("pk").first()
    change = client.get(f"/admin/shop/{name}/{row.pk}/change/")
    assert b'name="_save"' not in change.content
    assert client.post(f"/admin/shop/{name}/{row.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/shop/{name}/{row.pk}/delete/").status_code == 403


def test_product_stock_is_shown_with_a_restock_link_but_not_editable(client, catalog):
    staff_client(client, superuser=True)
    coffee = catalog["501"]
    url = f"/admin/shop/product/{coffee.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="stock"' not in page
    assert f'50 · <a href="/staff/orders/stock/{coffee.pk}/">' in page
    form = {
        "sku": "501",
        "category": coffee.category_id,
        "is_active": "on",
        "position": coffee.position,
        "name_en": "Ganocafé 3-in-1",
        "name_es": coffee.name_es,
        "description_en": coffee.description_en,
        "description_es": coffee.description_es,
        "size": coffee.size,
        "distributor_price": "26.00",
        "retail_price": "33.00",
        "pv": "17",
        "cv": "19.2",
        "package_level": "0",
        "requires_level": "0",
        "low_stock_threshold": "20",
        "weight_grams": "0",
        "stock": "9999",
        "contents-TOTAL_FORMS": "0",
        "contents-INITIAL_FORMS": "0",
        "contents-MIN_NUM_FORMS": "0",
        "contents-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    coffee.refresh_from_db()
    assert coffee.distributor_price == D("26.00")  # prices are edited here
    assert coffee.stock == 50  # stock is not


def test_configuration_is_editable(client, fedex):
    staff_client(client, superuser=True)
    page = client.get(f"/admin/shop/shippingmethod/{fedex.pk}/change/")
    assert b'name="price"' in page.content
    assert b'name="_save"' in page.content


# --- the wallet ---------------------------------------------------------------


def test_finance_adds_a_credit_and_a_debit(client, team):
    alice = team["alice"]
    user = staff_client(client, roles=["finance"])
    assert client.get("/admin/shop/walletentry/add/")["Location"] == (
        "/admin/shop/walletentry/adjust/"
    )
    credit = client.post(
        "/admin/shop/walletentry/adjust/",
        {"distributor_id": "100001", "amount": "40.00", "note": "Goodwill"},
    )
    assert credit.status_code == 302
    debit = client.post(
        "/admin/shop/walletentry/adjust/",
        {"distributor_id": "100001", "amount": "-15.50", "note": "Correction"},
    )
    assert debit.status_code == 302
    entries = WalletEntry.objects.for_distributor(alice).order_by("id")
    assert [(e.kind, e.amount, e.note, e.by) for e in entries] == [
        ("adjustment", D("40.00"), "Goodwill", user),
        ("adjustment", D("-15.50"), "Correction", user),
    ]
    assert WalletEntry.objects.for_distributor(alice).balance() == D("24.50")


def test_a_debit_beyond_the_balance_is_refused_and_nothing_is_written(client, team):
    alice = team["alice"]
    WalletEntry.objects.create(distributor=alice, kind="payout", amount=D("10.00"))
    staff_client(client, roles=["finance"])
    response = client.post(
        "/admin/shop/walletentry/adjust/",
        {"distributor_id": "100001", "amount": "-10.01", "note": "Correction"},
    )
    assert response.status_code == 200
    assert "The wallet holds $10.00; it cannot go below zero." in (
        response.content.decode()
    )
    assert WalletEntry.objects.count() == 1


def test_an_adjustment_needs_a_known_distributor_an_amount_and_a_note(client, team):
    staff_client(client, roles=["finance"])
    response = client.post(
        "/admin/shop/walletentry/adjust/",
        {"distributor_id": "999999", "amount": "0", "note": ""},
    )
    content = response.content.decode()
    assert "There is no distributor with that ID." in content
    assert "Enter an amount other than 0." in content
    assert "This field is required." in content
    assert not WalletEntry.objects.exists()


def test_fulfilment_cannot_adjust_wallets(client, team):
    staff_client(client, roles=["fulfilment"])
    response = client.post(
        "/admin/shop/walletentry/adjust/",
        {"distributor_id": "100001", "amount": "5.00", "note": "x"},
    )
    assert response.status_code == 403
    assert not WalletEntry.objects.exists()


def test_fulfilment_sees_products_but_cannot_edit_prices(client, catalog):
    staff_client(client, roles=["fulfilment"])
    coffee = catalog["501"]
    page = client.get(f"/admin/shop/product/{coffee.pk}/change/")
    assert page.status_code == 200
    assert b'name="distributor_price"' not in page.content
    response = client.post(
        f"/admin/shop/product/{coffee.pk}/change/", {"distributor_price": "1.00"}
    )
    assert response.status_code == 403
    assert Product.objects.get(pk=coffee.pk).distributor_price == D("25.00")
