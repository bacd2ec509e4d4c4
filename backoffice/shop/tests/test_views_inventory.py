"""My inventory, its history, item pages and retail customers, over HTTP."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404

from backoffice.accounts.tests.factories import UserFactory
from backoffice.shop import actions
from backoffice.shop.access import (
    get_customer_for_viewer,
    get_item_for_viewer,
)
from backoffice.shop.actions import inventory
from backoffice.shop.models import (
    InventoryItem,
    InventoryMovement,
    OrderSource,
    RetailCustomer,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
TODAY = date(2026, 3, 2)
LIST = "/inventory/"
HISTORY = "/inventory/history/"
ADD = "/inventory/add/"
CUSTOMERS = "/inventory/customers/"
HTMX = {"HTTP_HX_REQUEST": "true"}
D = Decimal


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def stock(distributor, product, quantity: int, threshold: int = 0) -> InventoryItem:
    inventory.add_stock(
        distributor=distributor, product=product, quantity=quantity, note="start"
    )
    if threshold:
        inventory.set_reminder(
            distributor=distributor, product=product, threshold=threshold
        )
    return InventoryItem.objects.get(distributor=distributor, product=product)


def on_hand(distributor, product) -> int:
    return InventoryItem.objects.get(distributor=distributor, product=product).quantity


def deliver(distributor, items, method):
    order = place(distributor, items, ship_to_ca(method))
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=None)
    actions.mark_shipped(order=order, by=None, carrier="FedEx", tracking_number="7")
    return actions.mark_delivered(order=order)


def customer(distributor, first: str, last: str, **fields) -> RetailCustomer:
    return RetailCustomer.objects.create(
        distributor=distributor,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.com",
        **fields,
    )


def customer_order(buyer: RetailCustomer, items, method, *, paid: bool = True):
    order = actions.place_order(
        distributor=buyer.distributor,
        items=[(product.pk, quantity) for product, quantity in items.items()],
        delivery=ship_to_ca(method, name=str(buyer)),
        email=buyer.email,
        idempotency_key=uuid.uuid4().hex,
        customer=buyer,
        source=OrderSource.PERSONAL_SHOP,
    )
    if paid:
        pay_with_demo_card(order)
        order.refresh_from_db()
    return order


def errors(response, form: str = "form") -> dict:
    return response.context[form].errors


@pytest.fixture
def shelf(team, catalog):
    """alice: 501 ×3 (remind at 5: low), 505 ×10 (remind at 2), 506 ×0; bob: 502 ×4."""
    alice = team["alice"]
    stock(alice, catalog["501"], 3, threshold=5)
    stock(alice, catalog["505"], 10, threshold=2)
    stock(alice, catalog["506"], 1)
    inventory.record_use(
        distributor=alice,
        product=catalog["506"],
        kind="personal_use",
        quantity=1,
        on=TODAY,
    )
    stock(team["bob"], catalog["502"], 4)
    return team


# --- who may see what -----------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, shelf):
    for url in (LIST, HISTORY, ADD, CUSTOMERS, "/inventory/501/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_staff_and_users_without_a_place_get_404(client, staff, shelf, catalog):
    ann = customer(shelf["alice"], "Ann", "Lee")
    pages = (LIST, HISTORY, ADD, CUSTOMERS, "/inventory/501/")
    client.force_login(staff)
    for url in (*pages, f"/inventory/customers/{ann.pk}/"):
        assert client.get(url).status_code == 404
    response = client.post(
        LIST, {"product": "501", "kind": "sample", "quantity": 1, "on": "2026-03-02"}
    )
    assert response.status_code == 404
    assert client.post(ADD, {"product": "501", "quantity": 1}).status_code == 404
    client.force_login(UserFactory(username="300001"))
    assert client.get(LIST).status_code == 404
    assert on_hand(shelf["alice"], catalog["501"]) == 3
    assert InventoryMovement.objects.count() == 5


def test_item_gate_admits_only_the_viewers_own_items(shelf, catalog):
    alice, bob = shelf["alice"], shelf["bob"]
    assert get_item_for_viewer(alice, "501").product == catalog["501"]
    assert get_item_for_viewer(alice, "506").quantity == 0  # held before, none left
    for viewer, sku in ((alice, "502"), (bob, "501"), (alice, "nope"), (alice, "")):
        with pytest.raises(Http404):
            get_item_for_viewer(viewer, sku)


def test_customer_gate_admits_only_the_viewers_customers(shelf):
    ann = customer(shelf["alice"], "Ann", "Lee")
    assert get_customer_for_viewer(shelf["alice"], ann.pk) == ann
    assert get_customer_for_viewer(shelf["alice"], str(ann.pk)) == ann
    for viewer, key in (
        (shelf["charlie"], ann.pk),
        (shelf["bob"], ann.pk),
        (shelf["alice"], ann.pk + 100),
        (shelf["alice"], "x"),
        (shelf["alice"], None),
    ):
        with pytest.raises(Http404):
            get_customer_for_viewer(viewer, key)


def test_charlie_gets_404_on_alices_item_page(client, charlie, shelf, catalog):
    client.force_login(charlie)
    assert client.get("/inventory/501/").status_code == 404
    response = client.post(
        "/inventory/501/",
        {"form": "count", "count-counted": 0, "count-note": "taken"},
    )
    assert response.status_code == 404
    response = client.post(
        "/inventory/501/", {"form": "reminder", "reminder-threshold": 0}
    )
    assert response.status_code == 404
    item = InventoryItem.objects.get(distributor=shelf["alice"], product=catalog["501"])
    assert (item.quantity, item.low_stock_threshold) == (3, 5)


def test_charlie_gets_404_on_alices_customer_page(client, charlie, shelf):
    ann = customer(shelf["alice"], "Ann", "Lee")
    client.force_login(charlie)
    assert client.get(f"/inventory/customers/{ann.pk}/").status_code == 404
    assert client.get("/inventory/customers/999999/").status_code == 404


# --- the stock page -------------------------------------------------------------------


def test_the_page_lists_items_with_reminders_and_low_flags(client, alice, shelf):
    client.force_login(alice)
    response = client.get(LIST)
    assert response.status_code == 200
    items = response.context["items"]
    assert [
        (item.product.sku, item.quantity, item.low_stock_threshold) for item in items
    ] == [("501", 3, 5), ("505", 10, 2), ("506", 0, 0)]
    low = InventoryItem.objects.get(product__sku="501", distributor=shelf["alice"])
    assert response.context["low_ids"] == {low.pk}
    assert response.context["low_count"] == 1
    content = response.content.decode()
    assert "1 product is at or below your reminder." in content
    assert content.count('class="is-low"') == 1
    assert "502" not in [item.product.sku for item in items]  # bob's


def test_the_use_form_offers_only_products_on_hand(client, alice, bob, shelf):
    client.force_login(alice)
    form = client.get(LIST).context["form"]
    assert [product.sku for product in form.fields["product"].queryset] == [
        "501",
        "505",
    ]
    assert form["on"].value() == TODAY
    client.force_login(bob)
    form = client.get(LIST).context["form"]
    assert [product.sku for product in form.fields["product"].queryset] == ["502"]


def test_recording_a_use_with_a_plain_post_redirects(client, alice, shelf, catalog):
    client.force_login(alice)
    response = client.post(
        LIST,
        {
            "product": "505",
            "kind": "retail_sale",
            "quantity": 4,
            "on": "2026-03-01",
            "note": "Ann",
        },
        follow=True,
    )
    assert response.redirect_chain == [(LIST, 302)]
    assert on_hand(shelf["alice"], catalog["505"]) == 6
    movement = InventoryMovement.objects.filter(distributor=shelf["alice"]).first()
    assert (movement.kind, movement.change, movement.on, movement.note) == (
        "retail_sale",
        -4,
        date(2026, 3, 1),
        "Ann",
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Recorded. 6 of Ganocafé Classic left."
    ]


def test_recording_a_use_with_htmx_returns_the_refreshed_table(
    client, alice, shelf, catalog
):
    client.force_login(alice)
    response = client.post(
        LIST,
        {"product": "501", "kind": "sample", "quantity": 3, "on": "2026-03-02"},
        **HTMX,
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith('\n<div id="stock">')
    assert "<html" not in content
    assert "Recorded. 0 of Ganocafé 3-in-1 left." in content
    assert on_hand(shelf["alice"], catalog["501"]) == 0
    # The form starts afresh and no longer offers what is used up.
    form = response.context["form"]
    assert not form.is_bound
    assert [product.sku for product in form.fields["product"].queryset] == ["505"]
    assert "HX-Request" in response["Vary"]


def test_an_htmx_get_returns_the_partial(client, alice, shelf):
    client.force_login(alice)
    response = client.get(LIST, **HTMX)
    assert response.content.decode().startswith('\n<div id="stock">')
    assert b"<h1>" not in response.content


def test_using_more_than_on_hand_shows_the_rule_and_writes_nothing(
    client, alice, shelf, catalog
):
    client.force_login(alice)
    before = InventoryMovement.objects.count()
    response = client.post(
        LIST,
        {"product": "501", "kind": "retail_sale", "quantity": 4, "on": "2026-03-02"},
        **HTMX,
    )
    assert response.status_code == 200
    assert errors(response) == {
        "quantity": ["You have only 3 of Ganocafé 3-in-1 on hand."]
    }
    assert on_hand(shelf["alice"], catalog["501"]) == 3
    assert InventoryMovement.objects.count() == before


def test_a_future_date_is_refused_by_the_page(client, alice, shelf, catalog):
    client.force_login(alice)
    before = InventoryMovement.objects.count()
    response = client.post(
        LIST,
        {"product": "505", "kind": "retail_sale", "quantity": 1, "on": "2026-03-03"},
    )
    assert response.status_code == 200
    assert errors(response) == {"on": ["The date cannot be in the future."]}
    assert on_hand(shelf["alice"], catalog["505"]) == 10
    assert InventoryMovement.objects.count() == before


def test_a_product_someone_else_holds_is_not_a_choice(client, alice, shelf, catalog):
    client.force_login(alice)
    response = client.post(
        LIST,
        {"product": "502", "kind": "retail_sale", "quantity": 1, "on": "2026-03-02"},
    )
    assert list(errors(response)) == ["product"]
    assert on_hand(shelf["bob"], catalog["502"]) == 4


def test_a_use_that_is_not_a_use_is_not_a_choice(client, alice, shelf, catalog):
    client.force_login(alice)
    response = client.post(
        LIST,
        {"product": "505", "kind": "received", "quantity": 1, "on": "2026-03-02"},
    )
    assert list(errors(response)) == ["kind"]
    assert on_hand(shelf["alice"], catalog["505"]) == 10


# --- history --------------------------------------------------------------------------


def test_history_lists_movements_and_links_received_ones_to_their_order(
    client, alice, team, catalog, fedex
):
    order = deliver(team["alice"], {catalog["501"]: 2}, fedex)
    inventory.record_use(
        distributor=team["alice"],
        product=catalog["501"],
        kind="sample",
        quantity=1,
        on=TODAY,
    )
    client.force_login(alice)
    response = client.get(HISTORY)
    rows = [
        (m.product.sku, m.kind, m.change, m.quantity_after)
        for m in response.context["page"].object_list
    ]
    assert rows == [("501", "sample", -1, 1), ("501", "received", 2, 2)]
    content = response.content.decode()
    assert f'<a href="/orders/{order.number}/">{order.number}</a>' in content
    assert content.count('href="/orders/GX-') == 1


def test_history_filters_by_product_and_kind(client, alice, shelf):
    client.force_login(alice)

    def kinds(**query) -> list[tuple[str, str]]:
        response = client.get(HISTORY, query)
        return [(m.product.sku, m.kind) for m in response.context["page"].object_list]

    assert kinds() == [
        ("506", "personal_use"),
        ("506", "adjustment"),
        ("505", "adjustment"),
        ("501", "adjustment"),
    ]
    assert kinds(product="506") == [("506", "personal_use"), ("506", "adjustment")]
    assert kinds(kind="personal_use") == [("506", "personal_use")]
    assert kinds(product="505", kind="personal_use") == []
    # Another distributor's product is no choice: nothing is shown.
    assert kinds(product="502") == []


def test_history_shows_only_the_viewers_movements(client, bob, shelf):
    client.force_login(bob)
    response = client.get(HISTORY)
    assert [m.product.sku for m in response.context["page"].object_list] == ["502"]


def test_history_pages_and_its_htmx_partial(client, alice, team, catalog):
    coffee = catalog["501"]
    stock(team["alice"], coffee, 60)
    for _ in range(50):
        inventory.record_use(
            distributor=team["alice"],
            product=coffee,
            kind="retail_sale",
            quantity=1,
            on=TODAY,
        )
    client.force_login(alice)
    first = client.get(HISTORY, {"kind": "retail_sale"})
    assert first.context["page"].paginator.count == 50
    assert len(first.context["page"].object_list) == 50
    everything = client.get(HISTORY)
    assert everything.context["page"].paginator.num_pages == 2
    second = client.get(HISTORY, {"page": 2}, **HTMX)
    assert [m.change for m in second.context["page"].object_list] == [60]
    assert second.content.decode().startswith('\n<section class="card" id="history')
    assert b"<h1>" not in second.content


# --- one item: count and reminder -----------------------------------------------------


def test_the_item_page(client, alice, shelf):
    client.force_login(alice)
    response = client.get("/inventory/501/")
    assert response.status_code == 200
    assert response.context["item"].quantity == 3
    assert response.context["is_low"] is True
    assert response.context["reminder_form"]["threshold"].value() == 5
    assert [m.change for m in response.context["recent"]] == [3]
    assert client.get("/inventory/506/").status_code == 200  # none left, still held


def test_alice_gets_404_for_a_product_she_never_held(client, alice, shelf):
    client.force_login(alice)
    assert client.get("/inventory/502/").status_code == 404
    assert client.get("/inventory/999/").status_code == 404


def test_correcting_the_count_records_the_difference(client, alice, shelf, catalog):
    client.force_login(alice)
    response = client.post(
        "/inventory/505/",
        {"form": "count", "count-counted": 8, "count-note": "two broken"},
        follow=True,
    )
    assert response.redirect_chain == [("/inventory/505/", 302)]
    assert on_hand(shelf["alice"], catalog["505"]) == 8
    movement = InventoryMovement.objects.filter(product=catalog["505"]).first()
    assert (movement.kind, movement.change, movement.quantity_after) == (
        "adjustment",
        -2,
        8,
    )
    assert movement.note == "two broken"


def test_a_count_without_change_or_reason_is_refused(client, alice, shelf, catalog):
    client.force_login(alice)
    before = InventoryMovement.objects.count()
    same = client.post(
        "/inventory/505/", {"form": "count", "count-counted": 10, "count-note": "x"}
    )
    assert errors(same, "count_form") == {
        "counted": ["You already have 10 on hand: nothing to correct."]
    }
    blank = client.post(
        "/inventory/505/", {"form": "count", "count-counted": 9, "count-note": ""}
    )
    assert list(errors(blank, "count_form")) == ["note"]
    assert on_hand(shelf["alice"], catalog["505"]) == 10
    assert InventoryMovement.objects.count() == before


def test_setting_the_reminder(client, alice, shelf, catalog):
    client.force_login(alice)
    response = client.post(
        "/inventory/505/", {"form": "reminder", "reminder-threshold": 12}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "We will remind you at 12 or fewer."
    ]
    item = InventoryItem.objects.get(distributor=shelf["alice"], product__sku="505")
    assert item.low_stock_threshold == 12
    assert response.context["is_low"] is True
    refused = client.post(
        "/inventory/505/", {"form": "reminder", "reminder-threshold": -1}
    )
    assert list(errors(refused, "reminder_form")) == ["threshold"]
    item.refresh_from_db()
    assert item.low_stock_threshold == 12


# --- stock from outside an order ------------------------------------------------------


def test_adding_stock(client, alice, shelf, catalog):
    client.force_login(alice)
    page = client.get(ADD, {"product": "502"})
    assert page.context["form"]["product"].value() == "502"
    skus = [p.sku for p in page.context["form"].fields["product"].queryset]
    assert "502" in skus
    assert "ESP-1" not in skus
    response = client.post(
        ADD, {"product": "502", "quantity": 6, "note": "gift"}, follow=True
    )
    assert response.redirect_chain == [("/inventory/502/", 302)]
    assert on_hand(shelf["alice"], catalog["502"]) == 6
    assert on_hand(shelf["bob"], catalog["502"]) == 4
    refused = client.post(ADD, {"product": "502", "quantity": 0})
    assert list(errors(refused)) == ["quantity"]
    assert on_hand(shelf["alice"], catalog["502"]) == 6


# --- retail customers -----------------------------------------------------------------


@pytest.fixture
def buyers(team, catalog, fedex):
    """alice: Ann (2 paid, 1 unpaid), Ben (none); charlie: Cat (1 paid)."""
    coffee, classic = catalog["501"], catalog["505"]
    ann = customer(team["alice"], "Ann", "Lee", phone="(213) 555-0101")
    ben = customer(team["alice"], "Ben", "Ortiz")
    cat = customer(team["charlie"], "Cat", "Nguyen")
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=NOW.tzinfo)):
        first = customer_order(ann, {coffee: 1}, fedex)
    second = customer_order(ann, {coffee: 2, classic: 1}, fedex)
    unpaid = customer_order(ann, {classic: 1}, fedex, paid=False)
    cats = customer_order(cat, {coffee: 1}, fedex)
    return {
        "ann": ann,
        "ben": ben,
        "cat": cat,
        "orders": [first, second, unpaid, cats],
    }


def test_customers_list_counts_and_totals_paid_orders(client, alice, buyers):
    first, second, _unpaid, _cats = buyers["orders"]
    # 33.00 + 6.35 shipping + 2.39 tax; 99.00 + 6.35 + 7.18.
    assert (first.total, second.total) == (D("41.74"), D("112.53"))
    client.force_login(alice)
    response = client.get(CUSTOMERS)
    rows = [
        (c.first_name, c.order_count, c.total_spent, c.last_order_on)
        for c in response.context["page"].object_list
    ]
    assert rows == [
        ("Ann", 2, D("154.27"), date(2026, 3, 2)),
        ("Ben", 0, D("0.00"), None),
    ]
    content = response.content.decode()
    assert '<td data-label="Total spent">$154.27</td>' in content
    assert '<td data-label="Total spent">$0.00</td>' in content
    assert "(213) 555-0101" in content
    assert "Cat" not in content


def test_a_refund_comes_off_the_customers_total(client, alice, buyers):
    first = buyers["orders"][0]
    actions.execute_refund(
        actions.issue_refund(order=first, amount=D("10.00"), pv=D("0"), cv=D("0"))
    )
    client.force_login(alice)
    response = client.get(CUSTOMERS, {"q": "ann"})
    (ann,) = response.context["page"].object_list
    assert (ann.order_count, ann.total_spent) == (2, D("144.27"))


def test_customers_search_by_name_or_email(client, alice, buyers):
    client.force_login(alice)

    def names(q: str) -> list[str]:
        response = client.get(CUSTOMERS, {"q": q})
        return [c.first_name for c in response.context["page"].object_list]

    assert names("lee") == ["Ann"]
    assert names("ben@example") == ["Ben"]
    assert names("ann lee") == ["Ann"]
    assert names("ann ortiz") == []
    assert names("cat") == []  # charlie's customer
    assert names("") == ["Ann", "Ben"]
    partial = client.get(CUSTOMERS, {"q": "ben"}, **HTMX)
    assert partial.content.decode().startswith('\n<section class="card" id="customer')
    assert b"shop-link" not in partial.content


def test_charlie_sees_only_his_customers(client, charlie, buyers):
    client.force_login(charlie)
    response = client.get(CUSTOMERS)
    rows = [(c.first_name, c.order_count) for c in response.context["page"].object_list]
    assert rows == [("Cat", 1)]


def test_the_personal_shop_link_with_its_copy_button(client, alice, team, settings):
    settings.SITE_URL = "https://office.example/"
    client.force_login(alice)
    content = client.get(CUSTOMERS).content.decode()
    assert (
        '<input id="shop-link" type="url" value="https://office.example/s/100001/" '
        "readonly>" in content
    )
    assert '<label for="shop-link">Your personal shop link</label>' in content
    assert 'data-copy="shop-link"' in content
    assert 'src="/static/js/inventory.js"' in content


def test_a_customers_page_lists_their_orders(client, alice, buyers):
    first, second, unpaid, cats = buyers["orders"]
    client.force_login(alice)
    response = client.get(f"/inventory/customers/{buyers['ann'].pk}/")
    assert response.status_code == 200
    assert [o.number for o in response.context["page"].object_list] == [
        unpaid.number,
        second.number,
        first.number,
    ]
    summary = response.context["customer"]
    assert (summary.order_count, summary.total_spent) == (2, D("154.27"))
    content = response.content.decode()
    assert '<dd id="customer-total">$154.27</dd>' in content
    for order in (first, second, unpaid):
        assert f'<a href="/orders/{order.number}/">{order.number}</a>' in content
    assert cats.number not in content
    ben = client.get(f"/inventory/customers/{buyers['ben'].pk}/")
    assert b"No orders yet." in ben.content
