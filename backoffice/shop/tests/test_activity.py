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


def test_downline_volume_sums_the_placement_subtree_in_the_window(team, catalog, fedex):
    import time_machine

    from backoffice.shop.reads import downline_volume

    root, alice, bob, charlie = (team[n] for n in ("root", "alice", "bob", "charlie"))
    with time_machine.travel("2026-03-01 10:00 -08:00", tick=False):
        pay_with_demo_card(place(bob, {catalog["801"]: 1}, ship_to_ca(fedex)))
    with time_machine.travel("2026-03-20 10:00 -07:00", tick=False):
        pay_with_demo_card(place(bob, {catalog["501"]: 1}, ship_to_ca(fedex)))
        pay_with_demo_card(place(alice, {catalog["820"]: 1}, ship_to_ca(fedex)))
        pay_with_demo_card(place(charlie, {catalog["505"]: 2}, ship_to_ca(fedex)))
    window = (date(2026, 3, 2), date(2026, 3, 31))
    # alice's downline is bob: his March 20 order only (March 1 is outside).
    assert downline_volume(alice, *window) == {"pv": D("17.00"), "cv": D("19.20")}
    # root's: bob, alice and charlie in the window.
    assert downline_volume(root, *window) == {"pv": D("121.00"), "cv": D("193.60")}
    assert downline_volume(bob, *window) == {"pv": D("0.00"), "cv": D("0.00")}
