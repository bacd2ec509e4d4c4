from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca


def test_dashboard_shows_recent_orders_and_30_day_pv(client, team, catalog, fedex):
    alice = team["alice"]
    paid = place(alice, {catalog["801"]: 1}, ship_to_ca(fedex))  # 36 PV
    pay_with_demo_card(paid)
    unpaid = place(alice, {catalog["501"]: 1}, ship_to_ca(fedex))
    place(team["charlie"], {catalog["505"]: 1}, ship_to_ca(fedex))
    client.force_login(alice.user)
    response = client.get(reverse("dashboard:home"))
    card = response.context["orders"]
    assert [order.number for order in card["recent"]] == [unpaid.number, paid.number]
    assert card["pv30"] == Decimal("36")
    assert card["is_active"] is False
    assert paid.number in response.text
    assert "Inactive (needs 50 PV)" in response.text


def test_pv_older_than_30_days_does_not_keep_anyone_active(
    client, team, catalog, fedex
):
    alice = team["alice"]
    # Midday in the company's time zone, across a change of clocks: the window
    # is counted in the company's days (today and the 29 before), not in hours.
    today = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(today - timedelta(days=30), tick=False):
        pay_with_demo_card(place(alice, {catalog["820"]: 1}, ship_to_ca(fedex)))
    with time_machine.travel(today - timedelta(days=29), tick=False):
        pay_with_demo_card(place(alice, {catalog["801"]: 1}, ship_to_ca(fedex)))
    with time_machine.travel(today, tick=False):
        pay_with_demo_card(place(alice, {catalog["801"]: 1}, ship_to_ca(fedex)))
        client.force_login(alice.user)
        card = client.get(reverse("dashboard:home")).context["orders"]
    assert card["pv30"] == Decimal("72")  # 36 + 36: the day-30 order is out
    assert card["is_active"] is True


def test_staff_dashboard_has_no_orders_card(client, staff):
    client.force_login(staff)
    response = client.get(reverse("dashboard:home"), follow=True)
    assert response.context.get("orders") is None


def test_dashboard_autoship_card_shows_the_next_date_and_activity(
    client, team, catalog, fedex
):
    from datetime import date

    from backoffice.shop.actions import autoship as autoship_actions

    alice = team["alice"]
    with time_machine.travel("2026-06-01 09:00 -07:00", tick=False):
        client.force_login(alice.user)
        assert "Start an autoship" in client.get(reverse("dashboard:home")).text
        autoship_actions.start_autoship(
            distributor=alice,
            items=[(catalog["501"].pk, 2), (catalog["801"].pk, 1)],  # 70 PV
            day_of_month=10,
            first_run_on=date(2026, 6, 10),
            delivery=ship_to_ca(fedex),
            payment_provider="demo",
            payment_token="demo_4242424242424242",  # noqa: S106 (test card)
            payment_label="Demo card •••• 4242",
        )
        response = client.get(reverse("dashboard:home"))
    card = response.context["autoship"]
    assert card["next_run_on"] == date(2026, 6, 10)
    assert card["keeps_active"] is True
    assert 'id="autoship-next">June 10, 2026<' in response.text
