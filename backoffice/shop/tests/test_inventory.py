"""The distributor's own stock: uses, count corrections, added stock, reminders."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from backoffice.shop import actions
from backoffice.shop.actions import inventory
from backoffice.shop.models import InventoryItem, InventoryMovement
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
TODAY = date(2026, 3, 2)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def distributor(team):
    return team["alice"]


@pytest.fixture
def coffee(catalog):
    return catalog["501"]


def stock(distributor, product, quantity: int, threshold: int = 0) -> InventoryItem:
    """``quantity`` on hand, added as stock from outside an order."""
    inventory.add_stock(
        distributor=distributor, product=product, quantity=quantity, note="start"
    )
    if threshold:
        inventory.set_reminder(
            distributor=distributor, product=product, threshold=threshold
        )
    return InventoryItem.objects.get(distributor=distributor, product=product)


def deliver(distributor, items, method):
    order = place(distributor, items, ship_to_ca(method))
    pay_with_demo_card(order)
    actions.mark_processing(order=order, by=None)
    actions.mark_shipped(order=order, by=None, carrier="FedEx", tracking_number="7")
    return actions.mark_delivered(order=order)


def on_hand(distributor, product) -> int:
    return InventoryItem.objects.get(distributor=distributor, product=product).quantity


def movements(distributor) -> list[tuple]:
    return list(
        InventoryMovement.objects.filter(distributor=distributor)
        .order_by("id")
        .values_list("product__sku", "kind", "change", "quantity_after", "note")
    )


def use(distributor, product, quantity, *, kind="retail_sale", on=TODAY, note=""):
    return inventory.record_use(
        distributor=distributor,
        product=product,
        kind=kind,
        quantity=quantity,
        on=on,
        note=note,
    )


# --- recording a use ----------------------------------------------------------------


def test_a_use_takes_units_out_and_is_logged(distributor, coffee, frozen):
    stock(distributor, coffee, 10)
    movement = use(distributor, coffee, 3, on=date(2026, 2, 27), note="Ann Lee")
    assert on_hand(distributor, coffee) == 7
    assert (
        movement.kind,
        movement.change,
        movement.quantity_after,
        movement.on,
        movement.note,
    ) == ("retail_sale", -3, 7, date(2026, 2, 27), "Ann Lee")
    use(distributor, coffee, 1, kind="sample")
    use(distributor, coffee, 2, kind="personal_use")
    assert on_hand(distributor, coffee) == 4
    assert movements(distributor) == [
        ("501", "adjustment", 10, 10, "start"),
        ("501", "retail_sale", -3, 7, "Ann Lee"),
        ("501", "sample", -1, 6, ""),
        ("501", "personal_use", -2, 4, ""),
    ]


def test_using_everything_on_hand_leaves_zero(distributor, coffee, frozen):
    stock(distributor, coffee, 2)
    use(distributor, coffee, 2)
    assert on_hand(distributor, coffee) == 0


def test_using_more_than_on_hand_is_refused_and_nothing_is_written(
    distributor, coffee, frozen
):
    stock(distributor, coffee, 2)
    with pytest.raises(actions.ShopError, match="only 2 of Ganocafé 3-in-1 on hand"):
        use(distributor, coffee, 3)
    assert on_hand(distributor, coffee) == 2
    assert movements(distributor) == [("501", "adjustment", 2, 2, "start")]


@pytest.fixture
def bob_item(team, coffee):
    return stock(team["bob"], coffee, 5)


def test_a_product_never_held_is_refused(distributor, bob_item, coffee, frozen):
    with pytest.raises(actions.ShopError, match="You hold no Ganocafé 3-in-1") as info:
        use(distributor, coffee, 1)
    assert info.value.field == "product"
    assert not InventoryItem.objects.filter(distributor=distributor).exists()
    assert movements(distributor) == []
    # Bob's stock is his alone.
    assert on_hand(bob_item.distributor, coffee) == 5


def test_a_date_in_the_future_is_refused(distributor, coffee, frozen):
    stock(distributor, coffee, 5)
    with pytest.raises(actions.ShopError, match="cannot be in the future") as info:
        use(distributor, coffee, 1, on=date(2026, 3, 3))
    assert info.value.field == "on"
    assert on_hand(distributor, coffee) == 5
    assert len(movements(distributor)) == 1
    use(distributor, coffee, 1, on=TODAY)
    assert on_hand(distributor, coffee) == 4


def test_today_is_the_company_date_not_utc(distributor, coffee):
    # 21:00 in Los Angeles is already the next day in UTC.
    evening = datetime(2026, 3, 2, 21, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(evening, tick=False):
        stock(distributor, coffee, 5)
        with pytest.raises(actions.ShopError, match="future"):
            use(distributor, coffee, 1, on=date(2026, 3, 3))
        use(distributor, coffee, 1, on=date(2026, 3, 2))
    assert on_hand(distributor, coffee) == 4


@pytest.mark.parametrize("kind", ["received", "adjustment", "gift"])
def test_only_a_sale_a_sample_or_personal_use_is_a_use(
    distributor, coffee, frozen, kind
):
    stock(distributor, coffee, 5)
    with pytest.raises(actions.ShopError, match="Choose a sale") as info:
        use(distributor, coffee, 1, kind=kind)
    assert info.value.field == "kind"
    assert on_hand(distributor, coffee) == 5
    assert len(movements(distributor)) == 1


@pytest.mark.parametrize("quantity", [0, -1, 10_000])
def test_a_use_needs_a_sensible_quantity(distributor, coffee, frozen, quantity):
    stock(distributor, coffee, 5)
    with pytest.raises(actions.ShopError, match="from 1 to 9999") as info:
        use(distributor, coffee, quantity)
    assert info.value.field == "quantity"
    assert on_hand(distributor, coffee) == 5
    assert len(movements(distributor)) == 1


def test_delivered_orders_and_uses_share_one_count(distributor, catalog, fedex, frozen):
    coffee = catalog["501"]
    order = deliver(distributor, {coffee: 4}, fedex)
    use(distributor, coffee, 3)
    assert on_hand(distributor, coffee) == 1
    received = InventoryMovement.objects.get(kind="received")
    assert (received.order, received.change, received.quantity_after) == (order, 4, 4)


# --- correcting the count -----------------------------------------------------------


def test_a_count_correction_records_the_difference(distributor, coffee, frozen):
    stock(distributor, coffee, 10)
    down = inventory.adjust_count(
        distributor=distributor, product=coffee, counted=7, note="  box crushed  "
    )
    assert (down.kind, down.change, down.quantity_after, down.on, down.note) == (
        "adjustment",
        -3,
        7,
        TODAY,
        "box crushed",
    )
    up = inventory.adjust_count(
        distributor=distributor, product=coffee, counted=12, note="found a box"
    )
    assert (up.change, up.quantity_after) == (5, 12)
    zero = inventory.adjust_count(
        distributor=distributor, product=coffee, counted=0, note="all gone"
    )
    assert (zero.change, zero.quantity_after) == (-12, 0)
    assert on_hand(distributor, coffee) == 0


def test_a_count_equal_to_what_is_on_hand_is_refused(distributor, coffee, frozen):
    stock(distributor, coffee, 10)
    with pytest.raises(actions.ShopError, match="already have 10 on hand") as info:
        inventory.adjust_count(
            distributor=distributor, product=coffee, counted=10, note="recount"
        )
    assert info.value.field == "counted"
    assert on_hand(distributor, coffee) == 10
    assert len(movements(distributor)) == 1


@pytest.mark.parametrize(
    ("counted", "note", "field"),
    [(7, "", "note"), (7, "   ", "note"), (-1, "why", "counted")],
)
def test_a_count_needs_a_reason_and_a_number_of_zero_or_more(
    distributor, coffee, frozen, counted, note, field
):
    stock(distributor, coffee, 10)
    with pytest.raises(actions.ShopError) as info:
        inventory.adjust_count(
            distributor=distributor, product=coffee, counted=counted, note=note
        )
    assert info.value.field == field
    assert on_hand(distributor, coffee) == 10
    assert len(movements(distributor)) == 1


def test_a_count_of_a_product_never_held_is_refused(distributor, coffee, frozen):
    with pytest.raises(actions.ShopError, match="You hold no"):
        inventory.adjust_count(
            distributor=distributor, product=coffee, counted=3, note="x"
        )
    assert not InventoryItem.objects.exists()


# --- stock from outside an order ----------------------------------------------------


def test_added_stock_creates_the_item_then_adds_to_it(distributor, coffee, frozen):
    first = inventory.add_stock(
        distributor=distributor, product=coffee, quantity=4, note="from my sponsor"
    )
    second = inventory.add_stock(distributor=distributor, product=coffee, quantity=2)
    assert (first.kind, first.change, first.quantity_after, first.on) == (
        "adjustment",
        4,
        4,
        TODAY,
    )
    assert (second.change, second.quantity_after, second.note) == (2, 6, "")
    assert on_hand(distributor, coffee) == 6
    assert InventoryItem.objects.filter(distributor=distributor).count() == 1


def test_a_pack_is_not_added_as_one_item(distributor, catalog, frozen):
    with pytest.raises(actions.ShopError, match="products in the pack one by one"):
        inventory.add_stock(
            distributor=distributor, product=catalog["ESP-1"], quantity=1
        )
    assert not InventoryItem.objects.exists()
    assert not InventoryMovement.objects.exists()


@pytest.mark.parametrize("quantity", [0, -2])
def test_added_stock_must_be_positive(distributor, coffee, frozen, quantity):
    with pytest.raises(actions.ShopError, match="from 1 to 9999"):
        inventory.add_stock(distributor=distributor, product=coffee, quantity=quantity)
    assert not InventoryItem.objects.exists()
    assert not InventoryMovement.objects.exists()


# --- reminders ------------------------------------------------------------------------


def test_set_and_clear_a_reminder(distributor, coffee, frozen):
    stock(distributor, coffee, 10)
    item = inventory.set_reminder(distributor=distributor, product=coffee, threshold=4)
    assert item.low_stock_threshold == 4
    assert InventoryItem.objects.get(pk=item.pk).low_stock_threshold == 4
    inventory.set_reminder(distributor=distributor, product=coffee, threshold=0)
    assert InventoryItem.objects.get(pk=item.pk).low_stock_threshold == 0


def test_a_negative_reminder_or_one_for_a_product_not_held_is_refused(
    distributor, catalog, frozen
):
    coffee = catalog["501"]
    stock(distributor, coffee, 10, threshold=3)
    with pytest.raises(actions.ShopError) as info:
        inventory.set_reminder(distributor=distributor, product=coffee, threshold=-1)
    assert info.value.field == "threshold"
    with pytest.raises(actions.ShopError, match="You hold no"):
        inventory.set_reminder(
            distributor=distributor, product=catalog["505"], threshold=2
        )
    assert on_hand(distributor, coffee) == 10
    assert InventoryItem.objects.get().low_stock_threshold == 3


def test_low_lists_items_at_or_below_their_reminder(distributor, catalog, frozen):
    stock(distributor, catalog["501"], 3, threshold=3)  # at
    stock(distributor, catalog["505"], 2, threshold=5)  # below
    stock(distributor, catalog["506"], 6, threshold=5)  # above
    stock(distributor, catalog["502"], 1)  # no reminder
    low = InventoryItem.objects.for_distributor(distributor).low()
    assert sorted(item.product.sku for item in low) == ["501", "505"]


def test_the_reminder_email_goes_out_once_at_the_crossing(
    distributor, coffee, frozen, django_capture_on_commit_callbacks
):
    stock(distributor, coffee, 10, threshold=5)

    def use_and_mail(quantity: int) -> list:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            use(distributor, coffee, quantity)
        return [(message.to, message.subject) for message in mail.outbox]

    assert use_and_mail(3) == []  # 7 left, above 5
    assert use_and_mail(2) == [
        (["100001@example.com"], "Running low: 5 Ganocafé 3-in-1 left")
    ]
    assert use_and_mail(1) == []  # 4 left: already reminded
    assert use_and_mail(4) == []  # 0 left
    inventory.add_stock(distributor=distributor, product=coffee, quantity=8)
    assert use_and_mail(2) == []  # 6 left, above again
    assert use_and_mail(3) == [
        (["100001@example.com"], "Running low: 3 Ganocafé 3-in-1 left")
    ]


def test_the_reminder_email_text(
    distributor, coffee, frozen, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://office.example/"
    stock(distributor, coffee, 6, threshold=5)
    with django_capture_on_commit_callbacks(execute=True):
        use(distributor, coffee, 2)
    body = mail.outbox[0].body
    assert body.startswith("Hello Alice,\n")
    assert (
        "You have 4 of Ganocafé 3-in-1 left in your inventory, at or below the 5 "
        "you asked us to remind you at." in body
    )
    assert "\nhttps://office.example/inventory/\n" in body


def test_the_reminder_email_is_in_the_distributors_language(
    distributor, coffee, frozen, django_capture_on_commit_callbacks
):
    distributor.user.language = "es"
    distributor.user.save(update_fields=["language"])
    coffee.name_es = "Ganocafé 3 en 1"
    coffee.save(update_fields=["name_es"])
    stock(distributor, coffee, 6, threshold=5)
    with django_capture_on_commit_callbacks(execute=True):
        use(distributor, coffee, 1)
    assert "Ganocafé 3 en 1" in mail.outbox[0].subject


def test_no_reminder_without_a_threshold_or_from_a_refused_use(
    distributor, catalog, frozen, django_capture_on_commit_callbacks
):
    stock(distributor, catalog["501"], 2)
    stock(distributor, catalog["505"], 6, threshold=5)
    with django_capture_on_commit_callbacks(execute=True):
        use(distributor, catalog["501"], 2)
        with pytest.raises(actions.ShopError):
            use(distributor, catalog["505"], 7)
    assert mail.outbox == []
    assert on_hand(distributor, catalog["505"]) == 6
