"""Autoship: the distributor's changes, the monthly task, and the dashboard card."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection

from backoffice.lib.schedule import SCHEDULE
from backoffice.shop import actions, reads, tasks
from backoffice.shop.actions import ShopError
from backoffice.shop.actions import autoship as autoship_actions
from backoffice.shop.models import (
    Autoship,
    AutoshipItem,
    AutoshipRunStatus,
    AutoshipStatus,
    Order,
    OrderSource,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    VolumeEntry,
    WalletEntry,
    WalletKind,
)
from backoffice.shop.payments import base as payments_base
from backoffice.shop.payments.base import PaymentProvider
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

D = Decimal
ZONE = ZoneInfo("America/Los_Angeles")
GOOD_CARD = "demo_4242424242424242"
DECLINED_CARD = "demo_4000000000000002"


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def travel(day: date, hour: int = 9, minute: int = 0):
    return time_machine.travel(at(day, hour, minute), tick=False)


def start(distributor, catalog, delivery, **overrides) -> Autoship:
    """alice's usual autoship: 2 × Ganocafé 3-in-1 and 1 Ganoderma, 70 PV."""
    fields = {
        "distributor": distributor,
        "items": [(catalog["501"].pk, 2), (catalog["801"].pk, 1)],
        "day_of_month": 10,
        "first_run_on": date(2026, 6, 10),
        "delivery": delivery,
        "payment_provider": "demo",
        "payment_token": GOOD_CARD,
        "payment_label": "Demo card •••• 4242",
    }
    fields.update(overrides)
    return autoship_actions.start_autoship(**fields)


@pytest.fixture
def alice_autoship(team, catalog, fedex) -> Autoship:
    """alice's autoship started on June 1, 2026 for the 10th (first order June 10)."""
    with travel(date(2026, 6, 1)):
        return start(team["alice"], catalog, ship_to_ca(fedex))


def autoship_orders(autoship: Autoship):
    return Order.objects.filter(
        source=OrderSource.AUTOSHIP, distributor_id=autoship.distributor_id
    )


def run_on(day: date, hour: int = 9, minute: int = 0) -> dict:
    with travel(day, hour, minute):
        return autoship_actions.run_due_autoships()


def snapshot(autoship: Autoship) -> tuple:
    autoship.refresh_from_db()
    return (
        autoship.status,
        autoship.day_of_month,
        autoship.next_run_on,
        autoship.payment_provider,
        autoship.payment_token,
        autoship.shipping_method_id,
        autoship.will_call_id,
        sorted(autoship.items.values_list("product_id", "quantity")),
        list(autoship.runs.values_list("run_on", "status")),
    )


# --- starting ----------------------------------------------------------------------


def test_start_keeps_items_day_delivery_payment_and_emails_a_confirmation(
    team, catalog, fedex, django_capture_on_commit_callbacks
):
    alice = team["alice"]
    with travel(date(2026, 6, 1)), django_capture_on_commit_callbacks(execute=True):
        autoship = start(alice, catalog, ship_to_ca(fedex))

    autoship.refresh_from_db()
    assert autoship.distributor == alice
    assert autoship.status == AutoshipStatus.ACTIVE
    assert (autoship.day_of_month, autoship.next_run_on) == (10, date(2026, 6, 10))
    assert (autoship.payment_provider, autoship.payment_token) == ("demo", GOOD_CARD)
    assert autoship.payment_label == "Demo card •••• 4242"
    assert autoship.shipping_method == fedex
    assert autoship.will_call is None
    assert (autoship.ship_name, autoship.ship_line1, autoship.ship_city) == (
        "Alice Archer",
        "1 Palm Way",
        "Los Angeles",
    )
    assert (autoship.ship_state, autoship.ship_postal_code) == ("CA", "90001")
    assert sorted(autoship.items.values_list("product__sku", "quantity")) == [
        ("501", 2),
        ("801", 1),
    ]
    assert not autoship.runs.exists()
    assert not Order.objects.exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["100001@example.com"], "Your autoship is set up")
    ]
    body = mail.outbox[0].body
    assert "Next order: June 10, 2026" in body
    assert "2 × 501 Ganocafé 3-in-1  $50.00" in body
    assert "Estimated total: $109.31 · PV 70.00" in body
    assert "/autoship/" in body


@pytest.mark.parametrize(
    ("today", "accepted"),
    [(date(2026, 6, 6), False), (date(2026, 6, 5), True)],
    ids=["4 days away", "5 days away"],
)
def test_the_first_order_is_at_least_five_days_away(
    team, catalog, fedex, today, accepted
):
    alice = team["alice"]
    with travel(today, hour=23, minute=59):
        if accepted:
            autoship = start(alice, catalog, ship_to_ca(fedex))
            assert autoship.next_run_on == date(2026, 6, 10)
        else:
            with pytest.raises(ShopError, match="on June 11, 2026 at the earliest"):
                start(alice, catalog, ship_to_ca(fedex))
            assert not Autoship.objects.exists()


def test_the_first_order_must_fall_on_the_chosen_day(team, catalog, fedex):
    with (
        travel(date(2026, 6, 1)),
        pytest.raises(ShopError, match="day of the month you chose") as refused,
    ):
        start(team["alice"], catalog, ship_to_ca(fedex), first_run_on=date(2026, 6, 15))
    assert refused.value.field == "first_run_on"
    assert not Autoship.objects.exists()


@pytest.mark.parametrize("day", [2, 12, 28, 31, 0])
def test_only_the_allowed_days_of_the_month(team, catalog, fedex, day):
    with (
        travel(date(2026, 6, 1)),
        pytest.raises(ShopError, match="1st, 5th, 10th, 15th, 20th or 25th") as refused,
    ):
        start(team["alice"], catalog, ship_to_ca(fedex), day_of_month=day)
    assert refused.value.field == "day_of_month"
    assert not Autoship.objects.exists()


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "Choose at least one product."),
        ([("501", 0)], "Choose a quantity from 1 to 99."),
        ([("501", 100)], "Choose a quantity from 1 to 99."),
        ([("501", 60), ("501", 40)], "Choose a quantity from 1 to 99."),
        ([("501", 1), ("ESP-1", 1)], "ESP-1 is a pack: packs cannot be ordered"),
        ([("ESP-1 to ESP-2", 1)], "is a pack: packs cannot be ordered by autoship"),
        ([("505", 1)], "Ganocafé Classic is no longer sold."),
    ],
)
def test_items_must_be_active_products_in_quantities_1_to_99(
    team, catalog, fedex, items, message
):
    Product.objects.filter(sku="505").update(is_active=False)
    pairs = [(catalog[sku].pk, quantity) for sku, quantity in items]
    with travel(date(2026, 6, 1)), pytest.raises(ShopError, match=message):
        start(team["alice"], catalog, ship_to_ca(fedex), items=pairs)
    assert not Autoship.objects.exists()
    assert not AutoshipItem.objects.exists()


def test_an_unknown_product_is_refused(team, catalog, fedex):
    with travel(date(2026, 6, 1)), pytest.raises(ShopError, match="no longer sold"):
        start(team["alice"], catalog, ship_to_ca(fedex), items=[(999999, 1)])
    assert not Autoship.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"line1": "PO Box 12"}, "does not deliver", "shipping_method"),
        (
            {"state": "HI", "postal_code": "96813"},
            "does not deliver",
            "shipping_method",
        ),
        ({"line1": ""}, "Enter the full shipping address", "line1"),
        ({"postal_code": "10001"}, "ZIP code in the state you chose", "postal_code"),
        ({"state": "ZZ"}, "Choose a state", "state"),
    ],
)
def test_delivery_is_checked(team, catalog, fedex, overrides, message, field):
    with (
        travel(date(2026, 6, 1)),
        pytest.raises(ShopError, match=message) as refused,
    ):
        start(team["alice"], catalog, ship_to_ca(fedex, **overrides))
    assert refused.value.field == field
    assert not Autoship.objects.exists()


def test_will_call_pick_up_needs_no_address(team, catalog, will_call):
    with travel(date(2026, 6, 1)):
        autoship = start(team["alice"], catalog, actions.Delivery(will_call=will_call))
    autoship.refresh_from_db()
    assert autoship.will_call == will_call
    assert autoship.shipping_method is None
    assert (autoship.ship_line1, autoship.ship_state) == ("", "")


def test_a_closed_pick_up_center_is_refused(team, catalog, will_call):
    will_call.is_active = False
    will_call.save()
    with travel(date(2026, 6, 1)), pytest.raises(ShopError, match="center is closed"):
        start(team["alice"], catalog, actions.Delivery(will_call=will_call))
    assert not Autoship.objects.exists()


def test_the_wallet_keeps_no_token(team, catalog, fedex):
    with travel(date(2026, 6, 1)):
        autoship = start(
            team["alice"],
            catalog,
            ship_to_ca(fedex),
            payment_provider="wallet",
            payment_token="anything",
            payment_label="",
        )
    autoship.refresh_from_db()
    assert (autoship.payment_provider, autoship.payment_token) == ("wallet", "")
    assert autoship.payment_label == "Commission wallet"


@pytest.mark.parametrize(
    ("provider", "token", "message"),
    [
        ("paypal", "", "Choose a payment method."),
        ("stripe", "cus_1:pm_1", "Choose a payment method."),  # not enabled
        ("demo", "demo_1234", "Enter a valid card number."),
        ("demo", "4242424242424242", "Enter a valid card number."),
        ("demo", "", "Enter a valid card number."),
    ],
)
def test_payment_method_must_be_enabled_and_saved(
    team, catalog, fedex, provider, token, message
):
    with travel(date(2026, 6, 1)), pytest.raises(ShopError, match=message):
        start(
            team["alice"],
            catalog,
            ship_to_ca(fedex),
            payment_provider=provider,
            payment_token=token,
        )
    assert not Autoship.objects.exists()


def test_a_disabled_provider_is_refused(team, catalog, fedex, settings):
    settings.PAYMENT_PROVIDERS = ["wallet"]
    with travel(date(2026, 6, 1)), pytest.raises(ShopError, match="payment method"):
        start(team["alice"], catalog, ship_to_ca(fedex))
    assert not Autoship.objects.exists()


def test_a_provider_that_cannot_charge_a_saved_method_is_refused(
    team, catalog, fedex, monkeypatch
):
    from backoffice.shop.payments.demo import DemoCardProvider

    monkeypatch.setattr(DemoCardProvider, "supports_saved_method", False)
    with (
        travel(date(2026, 6, 1)),
        pytest.raises(ShopError, match="cannot be charged automatically"),
    ):
        start(team["alice"], catalog, ship_to_ca(fedex))
    assert not Autoship.objects.exists()


def test_one_autoship_per_distributor(alice_autoship, team, catalog, fedex):
    before = snapshot(alice_autoship)
    with travel(date(2026, 6, 2)), pytest.raises(ShopError, match="already have"):
        start(
            team["alice"],
            catalog,
            ship_to_ca(fedex),
            items=[(catalog["502"].pk, 1)],
            day_of_month=15,
            first_run_on=date(2026, 6, 15),
        )
    assert snapshot(alice_autoship) == before
    assert Autoship.objects.count() == 1


def test_a_cancelled_autoship_can_be_started_again(
    alice_autoship, team, catalog, fedex
):
    alice = team["alice"]
    with travel(date(2026, 6, 2)):
        autoship_actions.skip_next_autoship(distributor=alice)  # June 10 skipped
        autoship_actions.cancel_autoship(distributor=alice)
        again = start(
            alice,
            catalog,
            ship_to_ca(fedex),
            items=[(catalog["502"].pk, 3)],
            day_of_month=10,
            first_run_on=date(2026, 6, 10),
        )
    assert again.pk == alice_autoship.pk
    again.refresh_from_db()
    assert (again.status, again.next_run_on) == ("active", date(2026, 6, 10))
    assert list(again.items.values_list("product__sku", "quantity")) == [("502", 3)]
    # The skip belonged to the cancelled autoship: June 10 is ordered.
    assert not again.runs.exists()
    run_on(date(2026, 6, 10))
    assert autoship_orders(again).get().lines.get().sku == "502"


# --- editing -------------------------------------------------------------------------


def test_edit_changes_items_delivery_and_payment_and_keeps_the_date(
    alice_autoship, team, catalog, will_call, django_capture_on_commit_callbacks
):
    with travel(date(2026, 6, 3)), django_capture_on_commit_callbacks(execute=True):
        autoship_actions.update_autoship(
            distributor=team["alice"],
            items=[(catalog["503"].pk, 4)],
            day_of_month=10,
            delivery=actions.Delivery(will_call=will_call),
            payment_provider="wallet",
        )
    alice_autoship.refresh_from_db()
    assert list(alice_autoship.items.values_list("product__sku", "quantity")) == [
        ("503", 4)
    ]
    assert alice_autoship.next_run_on == date(2026, 6, 10)
    assert (alice_autoship.will_call, alice_autoship.shipping_method) == (
        will_call,
        None,
    )
    assert (alice_autoship.payment_provider, alice_autoship.payment_token) == (
        "wallet",
        "",
    )
    assert [m.subject for m in mail.outbox] == ["Your autoship was changed"]


@pytest.mark.parametrize(
    ("today", "day", "expected"),
    [
        (date(2026, 6, 3), 15, date(2026, 6, 15)),  # 12 days away
        (date(2026, 6, 3), 5, date(2026, 7, 5)),  # June 5 is too close
        (date(2026, 6, 11), 15, date(2026, 7, 15)),
        (date(2026, 12, 22), 25, date(2027, 1, 25)),
    ],
)
def test_a_new_day_moves_the_next_order_lead_days_away(
    alice_autoship, team, catalog, fedex, today, day, expected
):
    with travel(today):
        autoship_actions.update_autoship(
            distributor=team["alice"],
            items=[(catalog["501"].pk, 1)],
            day_of_month=day,
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token=GOOD_CARD,
        )
    alice_autoship.refresh_from_db()
    assert (alice_autoship.day_of_month, alice_autoship.next_run_on) == (
        day,
        expected,
    )


def test_a_refused_edit_changes_nothing(alice_autoship, team, catalog, fedex):
    before = snapshot(alice_autoship)
    with travel(date(2026, 6, 3)), pytest.raises(ShopError, match="pack"):
        autoship_actions.update_autoship(
            distributor=team["alice"],
            items=[(catalog["501"].pk, 1), (catalog["ESP-2"].pk, 1)],
            day_of_month=15,
            delivery=ship_to_ca(fedex),
            payment_provider="wallet",
        )
    assert snapshot(alice_autoship) == before


def test_nothing_to_edit_without_an_autoship(team, catalog, fedex):
    with pytest.raises(ShopError, match="You have no autoship"):
        autoship_actions.update_autoship(
            distributor=team["charlie"],
            items=[(catalog["501"].pk, 1)],
            day_of_month=15,
            delivery=ship_to_ca(fedex),
            payment_provider="wallet",
        )
    for change in (
        autoship_actions.skip_next_autoship,
        autoship_actions.pause_autoship,
        autoship_actions.resume_autoship,
        autoship_actions.cancel_autoship,
    ):
        with pytest.raises(ShopError, match="You have no autoship"):
            change(distributor=team["charlie"])
    assert not Autoship.objects.exists()


# --- skip, pause, resume, cancel ---------------------------------------------------


def test_skip_moves_the_next_order_a_month_and_orders_nothing_that_month(
    alice_autoship, team, django_capture_on_commit_callbacks
):
    with travel(date(2026, 6, 2)), django_capture_on_commit_callbacks(execute=True):
        autoship_actions.skip_next_autoship(distributor=team["alice"])
    alice_autoship.refresh_from_db()
    assert alice_autoship.next_run_on == date(2026, 7, 10)
    assert list(alice_autoship.runs.values_list("run_on", "status")) == [
        (date(2026, 6, 10), "skipped")
    ]
    assert [m.subject for m in mail.outbox] == ["Your next autoship order is skipped"]

    assert run_on(date(2026, 6, 10)) == {}
    assert not Order.objects.exists()
    run_on(date(2026, 7, 10))
    assert autoship_orders(alice_autoship).get().status == OrderStatus.PAID


def test_skipping_twice_skips_two_months_and_december_rolls_over(team, catalog, fedex):
    with travel(date(2026, 11, 1)):
        start(
            team["alice"],
            catalog,
            ship_to_ca(fedex),
            day_of_month=25,
            first_run_on=date(2026, 11, 25),
        )
        autoship_actions.skip_next_autoship(distributor=team["alice"])
        autoship = autoship_actions.skip_next_autoship(distributor=team["alice"])
    assert autoship.next_run_on == date(2027, 1, 25)
    assert sorted(autoship.runs.values_list("run_on", flat=True)) == [
        date(2026, 11, 25),
        date(2026, 12, 25),
    ]


def test_paused_autoship_is_ignored_until_resumed(alice_autoship, team):
    alice = team["alice"]
    with travel(date(2026, 6, 2)):
        autoship_actions.pause_autoship(distributor=alice)
    alice_autoship.refresh_from_db()
    assert alice_autoship.status == AutoshipStatus.PAUSED
    assert run_on(date(2026, 6, 10)) == {}
    assert run_on(date(2026, 7, 10)) == {}
    assert not Order.objects.exists()

    with pytest.raises(ShopError, match="already paused"):
        autoship_actions.pause_autoship(distributor=alice)
    with pytest.raises(ShopError, match="resume it first"):
        autoship_actions.skip_next_autoship(distributor=alice)

    with travel(date(2026, 7, 12)):
        autoship_actions.resume_autoship(distributor=alice)
    alice_autoship.refresh_from_db()
    # The 10th after July 17 (five days away).
    assert (alice_autoship.status, alice_autoship.next_run_on) == (
        "active",
        date(2026, 8, 10),
    )
    with pytest.raises(ShopError, match="not paused"):
        autoship_actions.resume_autoship(distributor=alice)
    run_on(date(2026, 8, 10))
    assert autoship_orders(alice_autoship).count() == 1


def test_resume_does_not_order_a_skipped_month(alice_autoship, team):
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship_actions.skip_next_autoship(distributor=alice)  # June 10 skipped
        autoship_actions.pause_autoship(distributor=alice)
    with travel(date(2026, 6, 2)):
        autoship = autoship_actions.resume_autoship(distributor=alice)
    assert autoship.next_run_on == date(2026, 7, 10)


def test_a_terminated_distributors_autoship_is_never_charged(alice_autoship, team):
    from backoffice.network.models import Distributor

    Distributor.objects.filter(pk=team["alice"].pk).update(
        terminated_on=date(2026, 6, 5)
    )
    assert run_on(date(2026, 6, 10)) == {}
    assert not Order.objects.exists()


def test_cancelled_autoship_is_ignored(
    alice_autoship, team, django_capture_on_commit_callbacks
):
    with travel(date(2026, 6, 2)), django_capture_on_commit_callbacks(execute=True):
        autoship_actions.cancel_autoship(distributor=team["alice"])
    alice_autoship.refresh_from_db()
    assert alice_autoship.status == AutoshipStatus.CANCELLED
    assert [m.subject for m in mail.outbox] == ["Your autoship is cancelled"]
    assert run_on(date(2026, 6, 10)) == {}
    assert not Order.objects.exists()
    assert reads.autoship_summary(team["alice"]) is None
    with pytest.raises(ShopError, match="You have no autoship"):
        autoship_actions.cancel_autoship(distributor=team["alice"])


# --- the monthly task ----------------------------------------------------------------


def test_the_task_places_and_pays_the_order_once_on_the_day(
    alice_autoship, team, catalog, django_capture_on_commit_callbacks
):
    assert run_on(date(2026, 6, 9), hour=23, minute=59) == {}
    assert not Order.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(date(2026, 6, 10), hour=0, minute=5) == {"succeeded": 1}
        assert run_on(date(2026, 6, 10), hour=0, minute=20) == {}
        assert autoship_actions.run_due_autoships(today=date(2026, 6, 10)) == {}

    order = autoship_orders(alice_autoship).get()
    assert order.status == OrderStatus.PAID
    assert order.idempotency_key == f"autoship-{alice_autoship.pk}-2026-06-10-1"
    assert order.buyer == team["alice"].user
    assert order.email == "100001@example.com"
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [
        ("501", 2),
        ("801", 1),
    ]
    assert (order.total, order.pv) == (D("109.31"), D("70"))
    assert order.payments.get().status == PaymentStatus.SUCCEEDED
    volume = VolumeEntry.objects.get(order=order)
    assert (volume.distributor, volume.on, volume.pv) == (
        team["alice"],
        date(2026, 6, 10),
        D("70"),
    )
    run = alice_autoship.runs.get()
    assert (run.run_on, run.status, run.order, run.attempts) == (
        date(2026, 6, 10),
        "succeeded",
        order,
        0,
    )
    alice_autoship.refresh_from_db()
    assert (alice_autoship.status, alice_autoship.next_run_on) == (
        "active",
        date(2026, 7, 10),
    )
    catalog["501"].refresh_from_db()
    assert catalog["501"].stock == 48
    assert [m.subject for m in mail.outbox] == [f"Order {order.number} confirmed"]


def test_a_late_worker_orders_once_and_schedules_from_today(alice_autoship):
    # The task did not run for two months: one order, then the next 10th.
    assert run_on(date(2026, 8, 12)) == {"succeeded": 1}
    assert autoship_orders(alice_autoship).count() == 1
    alice_autoship.refresh_from_db()
    assert alice_autoship.next_run_on == date(2026, 9, 10)


def test_a_second_worker_during_the_first_does_nothing(alice_autoship, monkeypatch):
    charge = actions.charge_saved_method
    seen = []

    def charge_while_another_worker_runs(**kwargs):
        seen.append(autoship_actions.run_due_autoships())
        return charge(**kwargs)

    monkeypatch.setattr(
        actions, "charge_saved_method", charge_while_another_worker_runs
    )
    assert run_on(date(2026, 6, 10)) == {"succeeded": 1}
    assert seen == [{"waiting": 1}]
    assert autoship_orders(alice_autoship).count() == 1
    assert Payment.objects.count() == 1


def test_a_month_already_settled_is_not_ordered_again(alice_autoship):
    run_on(date(2026, 6, 10))
    # A worker that died after recording the run but before moving the date on.
    Autoship.objects.filter(pk=alice_autoship.pk).update(next_run_on=date(2026, 6, 10))
    assert run_on(date(2026, 6, 10), hour=10) == {"already_done": 1}
    assert autoship_orders(alice_autoship).count() == 1
    alice_autoship.refresh_from_db()
    assert alice_autoship.next_run_on == date(2026, 7, 10)


def test_a_worker_that_died_after_placing_finds_the_same_order(
    alice_autoship, monkeypatch
):
    charge = actions.charge_saved_method

    def die(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(actions, "charge_saved_method", die)
    assert run_on(date(2026, 6, 10), hour=1) == {"error": 1}
    order = autoship_orders(alice_autoship).get()
    assert order.status == OrderStatus.PLACED
    monkeypatch.setattr(actions, "charge_saved_method", charge)

    # The claim is held a few minutes, then the next pass takes over.
    assert run_on(date(2026, 6, 10), hour=1, minute=5) == {"waiting": 1}
    assert run_on(date(2026, 6, 10), hour=1, minute=15) == {"succeeded": 1}
    assert autoship_orders(alice_autoship).get() == order
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_worker_that_died_before_recording_the_order_finds_it_by_key(
    alice_autoship, monkeypatch
):
    monkeypatch.setattr(
        autoship_actions, "_attach", lambda *args: (_ for _ in ()).throw(OSError)
    )
    assert run_on(date(2026, 6, 10), hour=1) == {"error": 1}
    monkeypatch.undo()
    assert alice_autoship.runs.get().order is None
    order = autoship_orders(alice_autoship).get()
    assert run_on(date(2026, 6, 10), hour=2) == {"succeeded": 1}
    assert autoship_orders(alice_autoship).get() == order
    assert alice_autoship.runs.get().order == order


def test_out_of_stock_fails_retries_then_gives_up_for_the_month(
    alice_autoship, team, catalog, settings, django_capture_on_commit_callbacks
):
    settings.AUTOSHIP_MAX_ATTEMPTS = 3
    settings.AUTOSHIP_RETRY_HOURS = 24
    Product.objects.filter(sku="801").update(stock=0)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(date(2026, 6, 10), hour=0, minute=5) == {"retrying": 1}
    alice_autoship.refresh_from_db()
    assert alice_autoship.status == AutoshipStatus.FAILING
    assert alice_autoship.next_run_on == date(2026, 6, 10)
    run = alice_autoship.runs.get()
    assert (run.status, run.attempts, run.order) == ("pending", 1, None)
    assert run.last_error == "Ganoderma (Spirit) is out of stock."
    assert run.next_attempt_at == at(date(2026, 6, 11), hour=0, minute=5)
    assert not Order.objects.exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["100001@example.com"], "Your autoship order needs attention")
    ]
    body = mail.outbox[0].body
    assert "Ganoderma (Spirit) is out of stock." in body
    assert "(2 more tries)" in body
    assert "/autoship/edit/" in body

    # Not again before the retry time, however often the task runs.
    assert run_on(date(2026, 6, 10), hour=23) == {"waiting": 1}
    assert run_on(date(2026, 6, 11), hour=0, minute=4) == {"waiting": 1}
    assert run_on(date(2026, 6, 11), hour=0, minute=5) == {"retrying": 1}
    assert alice_autoship.runs.get().attempts == 2

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(date(2026, 6, 12), hour=1) == {"failed": 1}
    run = alice_autoship.runs.get()
    assert (run.status, run.attempts, run.next_attempt_at) == ("failed", 3, None)
    alice_autoship.refresh_from_db()
    assert alice_autoship.status == AutoshipStatus.FAILING
    assert alice_autoship.next_run_on == date(2026, 7, 10)
    assert [m.subject for m in mail.outbox] == [
        "Your autoship order of June 10, 2026 could not be placed"
    ]
    assert "Your next autoship order is on July 10, 2026." in mail.outbox[0].body
    assert run_on(date(2026, 6, 20)) == {}

    # Back in stock by July: the order goes through and the autoship is healthy.
    Product.objects.filter(sku="801").update(stock=10)
    assert run_on(date(2026, 7, 10)) == {"succeeded": 1}
    alice_autoship.refresh_from_db()
    assert alice_autoship.status == AutoshipStatus.ACTIVE
    assert autoship_orders(alice_autoship).get().status == OrderStatus.PAID


def test_an_edit_after_a_failed_month_marks_the_autoship_healthy(
    alice_autoship, team, catalog, fedex, settings
):
    settings.AUTOSHIP_MAX_ATTEMPTS = 1
    Product.objects.filter(sku="801").update(stock=0)
    assert run_on(date(2026, 6, 10)) == {"failed": 1}
    alice_autoship.refresh_from_db()
    assert (alice_autoship.status, alice_autoship.next_run_on) == (
        "failing",
        date(2026, 7, 10),
    )
    with travel(date(2026, 6, 11)):
        autoship_actions.update_autoship(
            distributor=team["alice"],
            items=[(catalog["501"].pk, 3)],
            day_of_month=10,
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token=GOOD_CARD,
        )
    alice_autoship.refresh_from_db()
    assert (alice_autoship.status, alice_autoship.next_run_on) == (
        "active",
        date(2026, 7, 10),
    )
    assert alice_autoship.runs.get().status == AutoshipRunStatus.FAILED


def test_a_retry_succeeds_once_stock_is_back(alice_autoship, catalog):
    Product.objects.filter(sku="801").update(stock=0)
    run_on(date(2026, 6, 10))
    Product.objects.filter(sku="801").update(stock=5)
    assert run_on(date(2026, 6, 11), hour=9) == {"succeeded": 1}
    order = autoship_orders(alice_autoship).get()
    assert order.idempotency_key.endswith("-2026-06-10-2")
    assert VolumeEntry.objects.get(order=order).on == date(2026, 6, 11)
    run = alice_autoship.runs.get()
    assert (run.status, run.attempts, run.order) == ("succeeded", 1, order)
    alice_autoship.refresh_from_db()
    assert (alice_autoship.status, alice_autoship.next_run_on) == (
        "active",
        date(2026, 7, 10),
    )


def test_a_declined_card_never_pays_two_orders_in_one_month(
    team, catalog, fedex, django_capture_on_commit_callbacks
):
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship = start(alice, catalog, ship_to_ca(fedex), payment_token=DECLINED_CARD)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(date(2026, 6, 10)) == {"retrying": 1}
    first = autoship_orders(autoship).get()
    assert first.status == OrderStatus.PLACED
    assert first.payments.get().status == PaymentStatus.FAILED
    run = autoship.runs.get()
    assert (run.attempts, run.last_error, run.order) == (
        1,
        "The card was declined.",
        first,
    )
    assert "The card was declined." in mail.outbox[-1].body

    # The unpaid order is cancelled an hour later, releasing its stock.
    with travel(date(2026, 6, 10), hour=10, minute=30):
        assert actions.cancel_unpaid_orders() == 1
    assert run_on(date(2026, 6, 11), hour=9) == {"retrying": 1}
    second = autoship_orders(autoship).exclude(pk=first.pk).get()
    assert second.idempotency_key.endswith("-2")
    assert second.status == OrderStatus.PLACED

    # alice saves a good card: the next pass pays, without waiting a day.
    with travel(date(2026, 6, 11), hour=12):
        autoship_actions.update_autoship(
            distributor=alice,
            items=[(catalog["501"].pk, 2), (catalog["801"].pk, 1)],
            day_of_month=10,
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token=GOOD_CARD,
        )
    assert run_on(date(2026, 6, 11), hour=12, minute=15) == {"succeeded": 1}
    assert run_on(date(2026, 6, 12), hour=9) == {}
    assert autoship_orders(autoship).paid().get() == second
    assert Order.objects.filter(paid_at__isnull=False).count() == 1
    autoship.refresh_from_db()
    assert (autoship.status, autoship.next_run_on) == ("active", date(2026, 7, 10))


def test_a_retry_pays_the_same_unpaid_order(team, catalog, fedex, settings):
    settings.UNPAID_ORDER_MINUTES = 48 * 60  # kept open longer than the retry wait
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship = start(alice, catalog, ship_to_ca(fedex), payment_token=DECLINED_CARD)
    run_on(date(2026, 6, 10))
    order = autoship_orders(autoship).get()
    Autoship.objects.filter(pk=autoship.pk).update(payment_token=GOOD_CARD)
    assert run_on(date(2026, 6, 11), hour=10) == {"succeeded": 1}
    assert autoship_orders(autoship).get() == order
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert list(order.payments.values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]


def test_an_edit_between_attempts_orders_what_the_autoship_now_says(
    team, catalog, fedex, settings
):
    settings.UNPAID_ORDER_MINUTES = 48 * 60
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship = start(alice, catalog, ship_to_ca(fedex), payment_token=DECLINED_CARD)
    run_on(date(2026, 6, 10))
    stale = autoship_orders(autoship).get()
    with travel(date(2026, 6, 10), hour=12):
        autoship_actions.update_autoship(
            distributor=alice,
            items=[(catalog["502"].pk, 1)],
            day_of_month=10,
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token=GOOD_CARD,
        )
    assert run_on(date(2026, 6, 10), hour=12, minute=15) == {"succeeded": 1}
    stale.refresh_from_db()
    assert stale.status == OrderStatus.CANCELLED
    paid = autoship_orders(autoship).paid().get()
    assert [(line.sku, line.quantity) for line in paid.lines.all()] == [("502", 1)]


def test_a_short_wallet_fails_until_it_holds_enough(team, catalog, fedex):
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship = start(alice, catalog, ship_to_ca(fedex), payment_provider="wallet")
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("50.25")
    )
    assert run_on(date(2026, 6, 10)) == {"retrying": 1}
    assert autoship.runs.get().last_error == (
        "Your wallet holds $50.25, less than the $109.31 due."
    )
    autoship.refresh_from_db()
    assert autoship.status == AutoshipStatus.FAILING
    WalletEntry.objects.create(
        distributor=alice, kind=WalletKind.PAYOUT, amount=D("59.75")
    )
    assert run_on(date(2026, 6, 11), hour=10) == {"succeeded": 1}
    debit = WalletEntry.objects.get(kind=WalletKind.ORDER)
    assert (debit.distributor, debit.amount) == (alice, D("-109.31"))
    assert autoship_orders(autoship).paid().count() == 1


def test_a_provider_switched_off_fails_the_attempt(alice_autoship, settings):
    settings.PAYMENT_PROVIDERS = ["wallet"]
    assert run_on(date(2026, 6, 10)) == {"retrying": 1}
    assert alice_autoship.runs.get().last_error == (
        "Your payment method is no longer available; choose another."
    )
    assert not Order.objects.exists()


class LaterProvider(PaymentProvider):
    """A card provider that answers by webhook, like Stripe off-session charges."""

    code = "later"
    supports_saved_method = True

    @property
    def label(self) -> str:
        return "Later card"

    def charge_saved(self, *, payment, token: str) -> None:
        Payment.objects.filter(pk=payment.pk).update(reference=f"pi_{payment.pk}")


@pytest.fixture
def later_provider(settings, monkeypatch):
    monkeypatch.setitem(
        payments_base.PROVIDER_CLASSES,
        "later",
        "backoffice.shop.tests.test_autoship.LaterProvider",
    )
    settings.PAYMENT_PROVIDERS = [*settings.PAYMENT_PROVIDERS, "later"]


def test_a_payment_awaiting_the_provider_is_not_charged_again(
    later_provider, team, catalog, fedex
):
    with travel(date(2026, 6, 1)):
        autoship = start(
            team["alice"], catalog, ship_to_ca(fedex), payment_provider="later"
        )
    assert run_on(date(2026, 6, 10)) == {"awaiting": 1}
    assert run_on(date(2026, 6, 10), hour=10) == {"awaiting": 1}
    assert run_on(date(2026, 6, 12), hour=10) == {"awaiting": 1}
    order = autoship_orders(autoship).get()
    payment = order.payments.get()
    assert payment.status == PaymentStatus.PENDING
    run = autoship.runs.get()
    assert (run.status, run.attempts, run.next_attempt_at) == ("pending", 0, None)

    # The webhook confirms it; the next pass records the month as done.
    with travel(date(2026, 6, 12), hour=11):
        actions.confirm_payment(payment=payment, reference=payment.reference)
    assert run_on(date(2026, 6, 12), hour=11, minute=15) == {"succeeded": 1}
    assert autoship.runs.get().status == AutoshipRunStatus.SUCCEEDED
    autoship.refresh_from_db()
    assert autoship.next_run_on == date(2026, 7, 10)
    assert Payment.objects.count() == 1


def test_a_payment_refused_later_counts_as_a_failed_attempt(
    later_provider, team, catalog, fedex
):
    with travel(date(2026, 6, 1)):
        autoship = start(
            team["alice"], catalog, ship_to_ca(fedex), payment_provider="later"
        )
    run_on(date(2026, 6, 10))
    payment = Payment.objects.get()
    actions.fail_payment(payment=payment, message="Your card has insufficient funds.")
    assert run_on(date(2026, 6, 10), hour=10) == {"retrying": 1}
    run = autoship.runs.get()
    assert (run.attempts, run.last_error) == (1, "Your card has insufficient funds.")
    assert run_on(date(2026, 6, 10), hour=11) == {"waiting": 1}
    assert Payment.objects.count() == 1
    # The retry charges again (the same order while it is still open).
    assert run_on(date(2026, 6, 11), hour=10) == {"awaiting": 1}
    assert Payment.objects.count() == 2


def test_skip_while_failing_closes_the_month_and_its_unpaid_order(
    team, catalog, fedex, settings
):
    settings.UNPAID_ORDER_MINUTES = 48 * 60
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        autoship = start(alice, catalog, ship_to_ca(fedex), payment_token=DECLINED_CARD)
    run_on(date(2026, 6, 10))
    order = autoship_orders(autoship).get()
    with travel(date(2026, 6, 10), hour=12):
        autoship_actions.skip_next_autoship(distributor=alice)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    autoship.refresh_from_db()
    assert (autoship.status, autoship.next_run_on) == ("active", date(2026, 7, 10))
    assert list(autoship.runs.values_list("run_on", "status")) == [
        (date(2026, 6, 10), "skipped")
    ]
    assert run_on(date(2026, 6, 11), hour=10) == {}


def test_cancel_while_awaiting_the_provider_waits_for_its_answer(
    later_provider, team, catalog, fedex
):
    with travel(date(2026, 6, 1)):
        autoship = start(
            team["alice"], catalog, ship_to_ca(fedex), payment_provider="later"
        )
    run_on(date(2026, 6, 10))
    with pytest.raises(ShopError, match="being paid right now"):
        autoship_actions.cancel_autoship(distributor=team["alice"])
    autoship.refresh_from_db()
    assert autoship.status == AutoshipStatus.ACTIVE


def test_the_task_and_the_schedule(alice_autoship):
    with travel(date(2026, 6, 10)):
        result = tasks.run_autoships.enqueue()
    assert result.return_value == {"succeeded": 1}
    assert tasks.cancel_unpaid_orders.enqueue().return_value == 0
    every = {job.task_path: job.every for job in SCHEDULE}
    assert every["backoffice.shop.tasks.run_autoships"] == timedelta(minutes=15)
    assert every["backoffice.shop.tasks.cancel_unpaid_orders"] == timedelta(minutes=10)


def test_one_autoships_fault_does_not_stop_the_others(
    alice_autoship, team, catalog, fedex, monkeypatch
):
    with travel(date(2026, 6, 1)):
        bobs = start(team["bob"], catalog, ship_to_ca(fedex, name="Bob Baker"))
    place_order = actions.place_order

    def fail_for_alice(**kwargs):
        if kwargs["distributor"] == team["alice"]:
            raise RuntimeError("bug")
        return place_order(**kwargs)

    monkeypatch.setattr(actions, "place_order", fail_for_alice)
    assert run_on(date(2026, 6, 10)) == {"error": 1, "succeeded": 1}
    assert autoship_orders(bobs).paid().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_place_one_order(team, catalog, fedex):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")
    with travel(date(2026, 6, 1)):
        autoship = start(team["alice"], catalog, ship_to_ca(fedex))
    results = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(autoship_actions.run_due_autoships(today=date(2026, 6, 10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.get("succeeded", 0) for result in results) == [0, 1]
    assert not any("error" in result for result in results)
    assert autoship_orders(autoship).count() == 1
    assert Payment.objects.count() == 1


# --- the dashboard card ------------------------------------------------------------


def test_summary_of_an_autoship_that_keeps_alice_active(alice_autoship, team):
    with travel(date(2026, 6, 2)):
        summary = reads.autoship_summary(team["alice"])
    assert summary == {
        "status": "active",
        "status_label": "Active",
        "next_run_on": date(2026, 6, 10),
        "day_of_month": 10,
        "product_count": 2,
        "item_count": 3,
        "total": D("109.31"),
        "pv": D("70"),
        "pv_in_window": D("70"),
        "keeps_active": True,
        "active_threshold": 50,
        "is_failing": False,
        "url": "/autoship/",
    }


def test_summary_counts_volume_already_in_the_30_days(team, catalog, fedex):
    alice = team["alice"]
    with travel(date(2026, 6, 1)):
        start(alice, catalog, ship_to_ca(fedex), items=[(catalog["501"].pk, 1)])
    assert reads.autoship_summary(alice)["keeps_active"] is False
    assert reads.autoship_summary(alice)["pv_in_window"] == D("17")

    # 2 × 501 paid on May 12: inside the 30 days ending June 10 (May 12 – June 10).
    with travel(date(2026, 5, 12)):
        pay_with_demo_card(place(alice, {catalog["501"]: 2}, ship_to_ca(fedex)))
    summary = reads.autoship_summary(alice)
    assert (summary["pv"], summary["pv_in_window"]) == (D("17"), D("51"))
    assert summary["keeps_active"] is True


def test_summary_ignores_volume_before_the_30_days(team, catalog, fedex):
    alice = team["alice"]
    with travel(date(2026, 5, 11)):
        pay_with_demo_card(place(alice, {catalog["501"]: 2}, ship_to_ca(fedex)))
    with travel(date(2026, 6, 1)):
        start(alice, catalog, ship_to_ca(fedex), items=[(catalog["501"].pk, 1)])
    summary = reads.autoship_summary(alice)
    assert (summary["pv_in_window"], summary["keeps_active"]) == (D("17"), False)


def test_summary_of_a_paused_autoship_and_of_none(alice_autoship, team):
    assert reads.autoship_summary(team["charlie"]) is None
    with travel(date(2026, 6, 2)):
        autoship_actions.pause_autoship(distributor=team["alice"])
    summary = reads.autoship_summary(team["alice"])
    assert (summary["status"], summary["next_run_on"], summary["keeps_active"]) == (
        "paused",
        None,
        False,
    )
