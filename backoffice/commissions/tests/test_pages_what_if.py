"""The what-if planner over HTTP: exact projections, checked against a real estimate."""

# Fixtures are imported by name, so test parameters "redefine" them.
# ruff: noqa: F811

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from backoffice.commissions import actions
from backoffice.commissions.explain import load_baseline
from backoffice.commissions.load import load_cycle
from backoffice.commissions.models import Cycle, CycleStatus, Line, Result
from backoffice.commissions.tests.fixtures_explain import (  # noqa: F401
    frozen,
    make_cycle,
    network,
    paid_order,
    place,
    plan_909,
    refund_volume,
    result_row,
    root,
    team,
    week_908,
)
from backoffice.network.models import Distributor
from backoffice.shop.models import Order, VolumeEntry

pytestmark = pytest.mark.django_db

URL = "/commissions/what-if/"
PLAN_FIELDS = [
    "pv30",
    "is_active",
    "is_binary_qualified",
    "has_left_enrollee",
    "has_right_enrollee",
    "rebate",
    "new_left",
    "new_right",
    "left_cv",
    "right_cv",
    "matched_cv",
    "rank",
    "rate_bp",
    "rate_package",
    "rate_until",
    "binary",
    "breakage",
    "bank_left",
    "bank_right",
    "flushed",
    "total",
    "balance_in",
    "paid",
    "balance_out",
]


def snapshot() -> dict[str, int]:
    """Row counts and placements that a planner must never change."""
    return {
        "orders": Order.objects.count(),
        "volume": VolumeEntry.objects.count(),
        "cycles": Cycle.objects.count(),
        "results": Result.objects.count(),
        "lines": Line.objects.count(),
        "held": Distributor.objects.filter(lo__isnull=True).count(),
    }


def figures(row: Result) -> dict[str, object]:
    return {name: getattr(row, name) for name in PLAN_FIELDS}


@pytest.fixture
def this_week(network, frozen):
    """Cycle 908 calculated, and cycle 909's estimate on Wednesday 2026-05-06.

    909 so far: bob 200 CV (alice's left leg); in alice's holding tank hank
    120 PV (active) and ivy 20 PV (inactive). alice: bank in (325, 25), L 525,
    R 25, an active enrollee only on the left, ESP-2 bought 2026-04-28.
    """
    week_908(network)
    actions.calculate_cycle(number=908)
    paid_order(network["bob"], date(2026, 5, 5), "200")
    paid_order(network["hank"], date(2026, 5, 5), "120")
    paid_order(network["ivy"], date(2026, 5, 5), "20")
    actions.estimate_current_cycle()
    return network


def test_projection_is_exact_and_equals_the_estimate_once_it_happens(
    client, alice, this_week
):
    members = this_week
    estimate = Result.objects.get(cycle__number=909, distributor=members["alice"])
    assert (estimate.left_cv, estimate.right_cv, estimate.binary, estimate.total) == (
        Decimal("525.00"),
        Decimal("25.00"),
        Decimal("0.00"),
        Decimal("25.00"),
    )
    before = snapshot()
    client.force_login(alice)
    response = client.get(
        URL,
        {
            "left_cv": "1000",
            "right_cv": "600",
            "personal_cv": "250",
            "place_200010": "R",
            "place_200011": "L",
        },
    )
    assert response.status_code == 200
    assert snapshot() == before  # nothing ordered, placed or saved
    projected = response.context["projection"].result
    # L = 325 + (200 + 1,000 + ivy's 20) + 125 rebate ... see the figures below.
    assert figures(projected) == {
        "pv30": Decimal("400.00"),
        "is_active": True,
        "is_binary_qualified": True,
        "has_left_enrollee": True,
        "has_right_enrollee": True,
        "rebate": Decimal("75.00"),
        "new_left": Decimal("1220.00"),
        "new_right": Decimal("720.00"),
        "left_cv": Decimal("1620.00"),
        "right_cv": Decimal("820.00"),
        "matched_cv": Decimal("800.00"),
        "rank": "Elite",
        "rate_bp": 1600,
        "rate_package": 2,
        "rate_until": date(2026, 8, 28),
        "binary": Decimal("128.00"),
        "breakage": Decimal("0.00"),
        "bank_left": Decimal("820.00"),
        "bank_right": Decimal("20.00"),
        "flushed": Decimal("0.00"),
        "total": Decimal("153.00"),
        "balance_in": Decimal("0.00"),
        "paid": Decimal("153.00"),
        "balance_out": Decimal("0.00"),
    }
    page = response.content.decode()
    assert "Binary team commission: <strong>$128.00</strong> (+$128.00 against" in page
    assert "rate 16% from the ESP-2 window until 2026-08-28 (rank rate 10%)" in page

    # Now it really happens: the placements and the orders, then a new estimate.
    place(members["hank"], members["alice"], "R")
    place(members["ivy"], members["bob"], "L")
    paid_order(members["alice"], date(2026, 5, 6), "250")
    paid_order(members["bob"], date(2026, 5, 6), "1000")
    paid_order(members["hank"], date(2026, 5, 6), "600")
    actions.estimate_current_cycle()
    real = Result.objects.get(cycle__number=909, distributor=members["alice"])
    assert figures(real) == figures(projected)


def test_unbound_planner_shows_the_estimate_and_alices_holding_tank(
    client, alice, this_week
):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert [field.label for field in form.placement_fields()] == [
        "Hank Hill (200010)",
        "Ivy Irwin (200011)",
    ]
    projected = response.context["projection"].result
    estimate = Result.objects.get(cycle__number=909, distributor=this_week["alice"])
    assert figures(projected) == figures(estimate)
    page = response.content.decode()
    assert '<label for="id_left_cv">Extra CV on your left leg</label>' in page
    assert "Your own orders before Sunday, counted as the same PV and CV." in page
    assert 'hx-get="/commissions/what-if/"' in page
    assert "Leave in the holding tank" in page


def test_the_package_keys_mirror_the_loader(alice, this_week):
    plan = plan_909()
    baseline = load_baseline(this_week["alice"])
    loaded = load_cycle(plan, 909, through=date(2026, 5, 6))
    row = int(np.flatnonzero(loaded.pk == this_week["alice"].pk)[0])
    assert list(baseline.package_first) == loaded.data.package_first[row].tolist()
    assert baseline.package_first[1] >= 0  # ESP-2 held
    assert baseline.facts.cycle_cv == Decimal("0.00")
    assert [
        (t.member.distributor_id, t.cycle_cv, t.is_active) for t in baseline.tank
    ] == [
        (200010, Decimal("120.00"), True),
        (200011, Decimal("20.00"), False),
    ]


def test_a_pack_given_back_by_sunday_no_longer_opens_its_window(
    client, alice, network, frozen
):
    pack = paid_order(network["alice"], date(2026, 5, 4), "60", package_level=3)
    paid_order(network["alice"], date(2026, 5, 4), "60")
    refund_volume(pack, date(2026, 5, 5))
    actions.estimate_current_cycle()
    baseline = load_baseline(network["alice"])
    assert baseline.package_first == (-1, -1, -1)


def test_htmx_gets_only_the_result_partial(client, alice, this_week):
    client.force_login(alice)
    response = client.get(URL, {"personal_cv": "10"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<section class="card" id="what-if-result"')
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]
    assert response.context["projection"].result.pv30 == Decimal("160.00")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"left_cv": "-1"}, "Extra CV on your left leg: Enter 0 or more."),
        ({"right_cv": "1.005"}, "Extra CV on your right leg: Use at most 2 decimals."),
        (
            {"personal_cv": "1000000.01"},
            "Extra personal CV: Enter at most 1,000,000.00.",
        ),
        (
            {"left_cv": "abc"},
            "Extra CV on your left leg: Enter a number of CV, like 150 or 150.25.",
        ),
        (
            {"left_cv": "NaN"},
            "Extra CV on your left leg: Enter a number of CV, like 150 or 150.25.",
        ),
        (
            {"place_200010": "X"},
            "Hank Hill (200010): Select a valid choice. X is not one of the available "
            "choices.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(
    client, alice, this_week, query, message
):
    before = snapshot()
    client.force_login(alice)
    response = client.get(URL, query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["projection"] is None
    assert f"<li>{message}</li>" in response.content.decode()
    assert snapshot() == before


def test_largest_allowed_values_are_accepted(client, alice, this_week):
    client.force_login(alice)
    response = client.get(
        URL,
        {
            "left_cv": "1000000",
            "right_cv": "1000000.00",
            "personal_cv": "0.01",
            "place_200010": "R",
        },
    )
    projected = response.context["projection"].result
    assert (projected.left_cv, projected.right_cv, projected.matched_cv) == (
        Decimal("1000525.00"),
        Decimal("1000145.00"),
        Decimal("1000100.00"),
    )
    # 16 % of that is $160,016.00: the weekly cap pays $10,000.00.
    assert (projected.binary, projected.breakage) == (
        Decimal("10000.00"),
        Decimal("150016.00"),
    )


def test_without_an_estimate_the_planner_says_so(client, alice, team):
    client.force_login(alice)
    response = client.get(URL, {"left_cv": "10"})
    assert response.status_code == 200
    assert response.context["projection"] is None
    assert "There is no estimate of this week for you yet" in response.content.decode()
    # An estimate without a row for alice is the same.
    result_row(make_cycle(909, status=CycleStatus.ESTIMATE), team["charlie"])
    response = client.get(URL)
    assert "There is no estimate of this week for you yet" in response.content.decode()


def test_charlie_plans_only_with_his_own_tank(client, charlie, this_week):
    client.force_login(charlie)
    plain = client.get(URL).context["projection"].result
    response = client.get(URL, {"place_200010": "R", "place_200012": "L"})
    form = response.context["form"]
    assert [field.label for field in form.placement_fields()] == ["Carl Cole (200012)"]
    projected = response.context["projection"].result
    assert projected.distributor_id == this_week["charlie"].pk
    assert projected.right_cv == plain.right_cv  # hank is not his to place
    page = response.content.decode()
    assert "Hank Hill" not in page
    assert "Ivy Irwin" not in page


def test_staff_get_404_and_visitors_sign_in(client, staff, this_week):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(staff)
    assert client.get(URL).status_code == 404
