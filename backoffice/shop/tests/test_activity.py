from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backoffice.network.queries import active_q
from backoffice.shop.activity import last_active_day
from backoffice.shop.models import VolumeEntry
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca

D = Decimal
FIFTY = D(50)


def test_one_order_keeps_a_distributor_active_for_30_days():
    assert last_active_day([(date(2026, 3, 1), D(70))], threshold=FIFTY) == date(
        2026, 3, 30
    )


def test_two_small_orders_count_together_while_both_are_in_the_window():
    entries = [(date(2026, 3, 1), D(30)), (date(2026, 3, 20), D(30))]
    # Both are in the window ending March 30; on the 31st the first has left.
    assert last_active_day(entries, threshold=FIFTY) == date(2026, 3, 30)


def test_a_refund_ends_activity_the_day_before_it():
    entries = [(date(2026, 3, 1), D(70)), (date(2026, 3, 10), D(-70))]
    assert last_active_day(entries, threshold=FIFTY) == date(2026, 3, 9)


def test_no_volume_never_active():
    assert last_active_day([], threshold=FIFTY) is None
    assert last_active_day([(date(2026, 3, 1), D(49))], threshold=FIFTY) is None


def slow_last_active_day(entries, threshold):
    """Every day, one by one: the reference the fast rule must match."""
    if not entries:
        return None
    days = [on for on, _ in entries]
    best = None
    day = min(days)
    while day <= max(days) + timedelta(days=40):
        total = sum(pv for on, pv in entries if day - timedelta(days=29) <= on <= day)
        if total >= threshold:
            best = day
        day += timedelta(days=1)
    return best


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=120),
            st.integers(min_value=-80, max_value=80),
        ),
        max_size=8,
    )
)
def test_matches_checking_every_day(raw):
    entries = [(date(2026, 1, 1) + timedelta(days=d), D(pv)) for d, pv in raw]
    assert last_active_day(entries, threshold=FIFTY) == slow_last_active_day(
        entries, FIFTY
    )


def test_paying_and_refunding_keep_the_team_pages_status_right(
    team, catalog, fedex, staff
):
    alice = team["alice"]
    members = type(alice).objects
    assert not members.filter(active_q(), pk=alice.pk).exists()
    order = place(alice, {catalog["820"]: 1}, ship_to_ca(fedex))  # 70 PV
    pay_with_demo_card(order)
    alice.refresh_from_db()
    assert alice.active_until == VolumeEntry.objects.get().on + timedelta(days=29)
    assert members.filter(active_q(), pk=alice.pk).exists()
    from backoffice.shop import actions

    actions.cancel_order(order=order, by=staff)
    alice.refresh_from_db()
    assert not members.filter(active_q(), pk=alice.pk).exists()
