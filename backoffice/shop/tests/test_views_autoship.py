"""The autoship pages: each distributor sees and changes only their own."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages

from backoffice.shop.actions import autoship as autoship_actions
from backoffice.shop.models import Autoship, AutoshipStatus, Order, Product
from backoffice.shop.tests.conftest import ship_to_ca

D = Decimal
ZONE = ZoneInfo("America/Los_Angeles")
HOME = "/autoship/"
START = "/autoship/start/"
EDIT = "/autoship/edit/"
CHANGES = (
    "/autoship/skip/",
    "/autoship/pause/",
    "/autoship/resume/",
    "/autoship/cancel/",
)


@pytest.fixture(autouse=True)
def june_first():
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=ZONE), tick=False):
        yield


@pytest.fixture
def shop(team, catalog, fedex, will_call):
    alice = team["alice"]
    alice.address_line1 = "12 Oak Street"
    alice.city = "Pasadena"
    alice.state = "CA"
    alice.postal_code = "91101"
    alice.phone = "(626) 555-0142"
    alice.save()
    return {"catalog": catalog, "fedex": fedex, "will_call": will_call, **team}


def form_data(shop, **overrides) -> dict:
    catalog = shop["catalog"]
    data = {
        f"qty_{catalog['501'].pk}": "2",
        f"qty_{catalog['801'].pk}": "1",
        f"qty_{catalog['502'].pk}": "0",
        "day_of_month": "10",
        "first_run_on": "",
        "delivery": "ship",
        "name": "Alice Archer",
        "line1": "1 Palm Way",
        "line2": "",
        "city": "Los Angeles",
        "state": "CA",
        "postal_code": "90001",
        "phone": "",
        "shipping_method": str(shop["fedex"].pk),
        "will_call": str(shop["will_call"].pk),
        "payment_provider": "demo",
        "card_number": "4242 4242 4242 4242",
    }
    data.update(overrides)
    return data


def alices_autoship(shop) -> Autoship:
    catalog = shop["catalog"]
    return autoship_actions.start_autoship(
        distributor=shop["alice"],
        items=[(catalog["501"].pk, 2), (catalog["801"].pk, 1)],
        day_of_month=10,
        first_run_on=date(2026, 6, 10),
        delivery=ship_to_ca(shop["fedex"]),
        payment_provider="demo",
        payment_token="demo_4242424242424242",
        payment_label="Demo card •••• 4242",
    )


def charlies_autoship(shop) -> Autoship:
    catalog = shop["catalog"]
    return autoship_actions.start_autoship(
        distributor=shop["charlie"],
        items=[(catalog["530"].pk, 3)],
        day_of_month=25,
        first_run_on=date(2026, 6, 25),
        delivery=ship_to_ca(
            shop["fedex"],
            name="Charlie Cruz",
            line1="77 Secret Lane",
            city="Sacramento",
            postal_code="95814",
        ),
        payment_provider="wallet",
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot(autoship: Autoship) -> tuple:
    autoship.refresh_from_db()
    return (
        autoship.status,
        autoship.day_of_month,
        autoship.next_run_on,
        autoship.payment_token,
        autoship.ship_line1,
        sorted(autoship.items.values_list("product_id", "quantity")),
        list(autoship.runs.values_list("run_on", "status")),
    )


# --- who may see it -------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, shop):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/autoship/"
    assert client.post(START, form_data(shop)).status_code == 302
    assert not Autoship.objects.exists()


def test_staff_without_a_distributor_get_404(client, staff, shop):
    client.force_login(staff)
    assert client.get(HOME).status_code == 404
    assert client.get(EDIT).status_code == 404
    assert client.post(START, form_data(shop)).status_code == 404
    for url in CHANGES:
        assert client.post(url).status_code == 404
    assert not Autoship.objects.exists()


def test_alices_page_never_shows_charlies_autoship(client, alice, shop):
    charlies_autoship(shop)
    client.force_login(alice)
    page = text(client.get(HOME))
    assert "Start an autoship" in page
    assert "77 Secret Lane" not in page
    assert "Sacramento" not in page
    assert 'id="autoship"' not in page

    alices_autoship(shop)
    page = text(client.get(HOME))
    assert "1 Palm Way" in page
    assert "77 Secret Lane" not in page
    assert "Reskine" not in page.split('id="autoship-items"')[1]


def test_charlie_gets_404_for_changes_and_alices_autoship_is_untouched(
    client, charlie, shop
):
    autoship = alices_autoship(shop)
    before = snapshot(autoship)
    client.force_login(charlie)
    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, form_data(shop, day_of_month="15")).status_code == 404
    for url in CHANGES:
        assert client.post(url).status_code == 404
    assert snapshot(autoship) == before
    # His own page offers him a start form, with nothing of alice's.
    page = text(client.get(HOME))
    assert "Start an autoship" in page
    assert "1 Palm Way" not in page
    assert "Demo card •••• 4242" not in page


def test_changes_are_post_only(client, alice, shop):
    alices_autoship(shop)
    client.force_login(alice)
    for url in (START, *CHANGES):
        assert client.get(url).status_code == 405
    assert Autoship.objects.get().status == AutoshipStatus.ACTIVE


# --- starting ----------------------------------------------------------------------


def test_start_form_lists_products_and_defaults_to_the_address_on_record(
    client, alice, shop
):
    client.force_login(alice)
    response = client.get(HOME)
    assert response.status_code == 200
    page = text(response)
    catalog = shop["catalog"]
    for sku in ("501", "801", "530"):
        field = f'id="id_qty_{catalog[sku].pk}"'
        assert field in page
        assert f'<label for="id_qty_{catalog[sku].pk}">{catalog[sku].name}</label>' in (
            page
        )
    for pack in Product.objects.packages():
        assert f"id_qty_{pack.pk}" not in page
    assert 'value="12 Oak Street"' in page
    assert 'value="Pasadena"' in page
    assert '<option value="CA" selected>California</option>' in page
    assert 'value="91101"' in page
    assert "Demo card number (test only, no money moves)" in page
    assert "The first order can be on June 6, 2026 at the earliest." in page
    form = response.context["form"]
    assert list(dict(form.fields["payment_provider"].choices)) == ["demo", "wallet"]
    assert [choice for choice, _label in form.fields["day_of_month"].choices] == [
        1,
        5,
        10,
        15,
        20,
        25,
    ]


def test_start_with_the_first_such_day(client, alice, shop):
    client.force_login(alice)
    response = client.post(START, form_data(shop), follow=True)
    assert response.redirect_chain == [(HOME, 302)]
    assert messages_of(response) == [
        "Your autoship is set up. The first order is on June 10, 2026."
    ]
    autoship = Autoship.objects.get()
    assert autoship.distributor == shop["alice"]
    assert (autoship.day_of_month, autoship.next_run_on) == (10, date(2026, 6, 10))
    assert autoship.payment_token == "demo_4242424242424242"
    assert autoship.payment_label == "Demo card •••• 4242"
    assert sorted(autoship.items.values_list("product__sku", "quantity")) == [
        ("501", 2),
        ("801", 1),
    ]
    assert autoship.ship_line1 == "1 Palm Way"


def test_start_on_a_chosen_first_date(client, alice, shop):
    client.force_login(alice)
    data = form_data(shop, day_of_month="5", first_run_on="2026-08-05")
    assert client.post(START, data).status_code == 302
    assert Autoship.objects.get().next_run_on == date(2026, 8, 5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_run_on": "2026-06-05", "day_of_month": "5"}, "at the earliest"),
        ({"first_run_on": "2026-06-15"}, "must fall on the day of the month"),
        ({"day_of_month": "12"}, "Select a valid choice."),
        ({"qty_ALL": "0"}, "Choose at least one product."),
        ({"qty_501": "100"}, "less than or equal to 99"),
        ({"postal_code": "10001"}, "ZIP code 10001 is not in California."),
        ({"postal_code": "9001"}, "Enter a ZIP code of 5 digits"),
        ({"line1": ""}, "This field is required."),
        ({"line1": "PO Box 5"}, "does not deliver to that address"),
        ({"card_number": "4242 4242 4242 4241"}, "Enter a valid card number."),
        ({"card_number": ""}, "Enter the demo card number."),
        ({"payment_provider": "stripe"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    client, alice, shop, overrides, message
):
    client.force_login(alice)
    catalog = shop["catalog"]
    if overrides.pop("qty_ALL", None):
        overrides.update(
            {f"qty_{catalog['501'].pk}": "0", f"qty_{catalog['801'].pk}": ""}
        )
    if "qty_501" in overrides:
        overrides[f"qty_{catalog['501'].pk}"] = overrides.pop("qty_501")
    response = client.post(START, form_data(shop, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert not Autoship.objects.exists()


def test_start_with_will_call_and_the_wallet(client, alice, shop):
    client.force_login(alice)
    data = form_data(
        shop, delivery="will_call", line1="", city="", payment_provider="wallet"
    )
    data.pop("card_number")
    assert client.post(START, data).status_code == 302
    autoship = Autoship.objects.get()
    assert autoship.will_call == shop["will_call"]
    assert autoship.shipping_method is None
    assert (autoship.payment_provider, autoship.payment_label) == (
        "wallet",
        "Commission wallet",
    )


def test_no_demo_card_field_without_the_demo_provider(client, alice, shop, settings):
    settings.PAYMENT_PROVIDERS = ["wallet"]
    client.force_login(alice)
    response = client.get(HOME)
    assert "card_number" not in response.context["form"].fields
    assert "Demo card" not in text(response)


def test_a_second_start_is_refused(client, alice, shop):
    autoship = alices_autoship(shop)
    before = snapshot(autoship)
    client.force_login(alice)
    response = client.post(START, form_data(shop, day_of_month="15"), follow=True)
    assert messages_of(response) == ["You already have an autoship; edit it instead."]
    assert snapshot(autoship) == before


# --- the page ----------------------------------------------------------------------


def test_page_shows_items_totals_schedule_payment_delivery_and_runs(
    client, alice, shop
):
    autoship = alices_autoship(shop)
    with time_machine.travel(datetime(2026, 6, 10, 9, tzinfo=ZONE), tick=False):
        autoship_actions.run_due_autoships()
    order = Order.objects.get()
    client.force_login(alice)
    response = client.get(HOME)
    assert response.status_code == 200
    page = text(response)
    items = page.split('id="autoship-items"')[1].split("</section>")[0]
    assert "Ganocafé 3-in-1" in items
    assert '<td data-label="Quantity">2</td>' in items
    assert '<td data-label="Total">$50.00</td>' in items
    assert '<td data-label="Total">$46.00</td>' in items
    assert '<dd id="autoship-total">$109.31</dd>' in page
    assert '<dd id="autoship-pv">70</dd>' in page
    assert '<dd id="autoship-next">July 10, 2026</dd>' in page
    assert '<dd id="autoship-payment">Demo card •••• 4242</dd>' in page
    assert "1 Palm Way" in page.split('id="autoship-delivery"')[1]
    assert "Active" in page.split('id="autoship-status"')[1]
    assert "This order's 70 PV keeps you active (50 PV in 30 days)." in page
    runs = page.split('id="autoship-runs"')[1]
    assert f'<a href="/orders/{order.number}/">{order.number}</a>' in runs
    assert "Placed and paid" in runs
    assert response.context["autoship"] == autoship


def test_a_failing_autoship_says_why_and_where_to_fix_it(client, alice, shop):
    alices_autoship(shop)
    Product.objects.filter(sku="801").update(stock=0)
    with time_machine.travel(datetime(2026, 6, 10, 9, tzinfo=ZONE), tick=False):
        autoship_actions.run_due_autoships()
    client.force_login(alice)
    page = text(client.get(HOME))
    problem = page.split('id="autoship-problem"')[1].split("</div>")[0]
    assert "Ganoderma (Spirit) is out of stock." in problem
    assert "We will try again after June 11, 2026, 9 a.m." in problem
    assert 'href="/autoship/edit/"' in problem
    assert "Payment failing" in page.split('id="autoship-status"')[1]


def test_cancel_is_one_button_and_one_confirmation_on_the_page(client, alice, shop):
    alices_autoship(shop)
    client.force_login(alice)
    page = text(client.get(HOME))
    cancel = page.split(
        '<summary class="button button-danger">Cancel autoship</summary>'
    )
    assert len(cancel) == 2
    assert '<form method="post" action="/autoship/cancel/">' in cancel[1]
    assert "Yes, cancel my autoship</button>" in cancel[1]


# --- editing and the buttons ------------------------------------------------------


def test_edit_form_is_filled_in_and_saves(client, alice, shop):
    autoship = alices_autoship(shop)
    client.force_login(alice)
    response = client.get(EDIT)
    form = response.context["form"]
    catalog = shop["catalog"]
    assert form.initial[f"qty_{catalog['501'].pk}"] == 2
    assert form.initial["day_of_month"] == 10
    assert "first_run_on" not in form.fields
    assert "Leave it empty to keep Demo card •••• 4242." in text(response)

    data = form_data(
        shop,
        card_number="",
        day_of_month="20",
        **{f"qty_{catalog['801'].pk}": "0", f"qty_{catalog['502'].pk}": "3"},
    )
    response = client.post(EDIT, data, follow=True)
    assert response.redirect_chain == [(HOME, 302)]
    assert messages_of(response) == ["Your autoship is saved."]
    autoship.refresh_from_db()
    assert (autoship.day_of_month, autoship.next_run_on) == (20, date(2026, 6, 20))
    assert autoship.payment_token == "demo_4242424242424242"  # kept
    assert sorted(autoship.items.values_list("product__sku", "quantity")) == [
        ("501", 2),
        ("502", 3),
    ]


def test_a_bad_edit_changes_nothing(client, alice, shop):
    autoship = alices_autoship(shop)
    before = snapshot(autoship)
    client.force_login(alice)
    response = client.post(EDIT, form_data(shop, state="NY", day_of_month="20"))
    assert response.status_code == 200
    assert "ZIP code 90001 is not in New York." in text(response)
    assert snapshot(autoship) == before


def test_skip_pause_resume_and_cancel_buttons(client, alice, shop):
    autoship = alices_autoship(shop)
    client.force_login(alice)

    response = client.post("/autoship/skip/", follow=True)
    assert messages_of(response) == ["Skipped. Your next order is on July 10, 2026."]
    autoship.refresh_from_db()
    assert autoship.next_run_on == date(2026, 7, 10)

    response = client.post("/autoship/pause/", follow=True)
    assert messages_of(response) == [
        "Your autoship is paused. No orders until you resume it."
    ]
    assert "None while paused" in text(response)
    assert Autoship.objects.get().status == AutoshipStatus.PAUSED

    response = client.post("/autoship/pause/", follow=True)
    assert messages_of(response) == ["Your autoship is already paused."]

    response = client.post("/autoship/resume/", follow=True)
    assert messages_of(response) == [
        "Your autoship is running again. Next order: July 10, 2026."
    ]
    assert Autoship.objects.get().status == AutoshipStatus.ACTIVE

    response = client.post("/autoship/cancel/", follow=True)
    assert messages_of(response) == [
        "Your autoship is cancelled. No more orders will be placed."
    ]
    assert Autoship.objects.get().status == AutoshipStatus.CANCELLED
    assert "Start a new autoship" in text(response)
    assert client.get(EDIT).status_code == 404
    assert client.post("/autoship/cancel/").status_code == 404
