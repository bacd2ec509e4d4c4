"""The "Why this amount?" page over HTTP: crafted rows, a real calculation, the gate."""

# Fixtures are imported by name, so test parameters "redefine" them.
# ruff: noqa: F811

import re
from datetime import date
from decimal import Decimal

import pytest

from backoffice.commissions import actions
from backoffice.commissions.models import Cycle, CycleStatus, Result
from backoffice.commissions.tests.fixtures_explain import (  # noqa: F401
    customer_of,
    frozen,
    line,
    make_cycle,
    network,
    paid_order,
    refund_volume,
    result_row,
    root,
    team,
    week_908,
)

pytestmark = pytest.mark.django_db


def why(number: int) -> str:
    return f"/commissions/{number}/why/"


def text_of(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def checks_of(response) -> dict[str, list[str]]:
    """Each rule's texts, as the page lists them."""
    html = response.content.decode()
    found: dict[str, list[str]] = {}
    for rule, body in re.findall(
        r'data-rule="([a-z0-9_]+)">(.*?)</li>', html, flags=re.S
    ):
        text = re.search(r'<span class="check-text">(.*?)</span>', body, flags=re.S)
        found.setdefault(rule, []).append(text.group(1).strip())
    return found


@pytest.fixture
def crafted(team):
    """Cycle 909 approved, with only alice's row and lines written by hand."""
    alice, bob = team["alice"], team["bob"]
    cycle = make_cycle(909)
    pack = paid_order(alice, date(2026, 3, 2), "100", package_level=3)
    recent = paid_order(alice, date(2026, 5, 5), "60")
    sale = paid_order(
        alice, date(2026, 5, 6), "20", customer=customer_of(alice), profit="12.40"
    )
    theirs = paid_order(bob, date(2026, 5, 7), "100", package_level=1)
    result_row(
        cycle,
        alice,
        is_active=True,
        is_gen5_qualified=True,
        package=3,
        pv30="80",
        cycle_pv="80",
        has_left_enrollee=True,
        new_left="100",
        left_cv="100",
        right_cv="0",
        bank_left="100",
        retail="12.40",
        gen5="25",
        total="37.40",
        paid="37.40",
        rank="Affiliate",
        best_rank="Silver",
        rate_bp=1700,
    )
    line(cycle, alice, "retail", "12.40", source_order=sale)
    line(
        cycle,
        alice,
        "gen5",
        "25.00",
        source_order=theirs,
        source_distributor=bob,
        generation=1,
    )
    return {
        "cycle": cycle,
        "pack": pack,
        "recent": recent,
        "sale": sale,
        "theirs": theirs,
    }


def test_alice_sees_every_rule_of_her_cycle_with_links_to_her_own_orders(
    client, alice, crafted
):
    client.force_login(alice)
    response = client.get(why(909))
    assert response.status_code == 200
    checks = checks_of(response)
    assert checks["active"] == [
        "active: 80.00 of 50.00 PV in the 30 days to Sunday May 10"
    ]
    assert checks["package"] == ["package ESP-3 held on Sunday May 10"]
    assert checks["right_enrollee"] == [
        "no active personally enrolled member in the right leg"
    ]
    assert checks["binary_qualified"] == [
        "not binary-qualified: no active personally enrolled member in the right leg"
    ]
    assert checks["retail"] == [f"retail profit on order {crafted['sale']}: $12.40"]
    assert checks["gen5"] == [
        f"GEN5 generation 1 from Bob Baker (100002), ESP-1 order {crafted['theirs']}: "
        "$25.00"
    ]
    assert checks["payout"] == [
        "balance $37.40 reaches the $25.00 minimum: paid on 2026-05-22"
    ]
    assert set(checks) >= {
        "exists",
        "terminated",
        "gen5_qualified",
        "left_enrollee",
        "rebate",
        "left_leg",
        "right_leg",
        "flush",
        "matched",
        "rank",
        "binary",
        "banks",
        "best_rank",
        "mvp",
        "refunds",
        "total",
    }
    html = response.content.decode()
    # Her orders link to their pages; bob's order is named but not linked.
    for own in ("pack", "recent", "sale"):
        assert f'href="/orders/{crafted[own].number}/"' in html
    assert crafted["theirs"].number in html
    assert f'href="/orders/{crafted["theirs"].number}/"' not in html
    assert 'href="/team/100002/"' in html
    assert 'href="/static/css/commissions-explain.css"' in html
    assert 'href="/commissions/909/"' in html  # back to the statement


def test_charlie_without_a_row_gets_404_and_never_alices_figures(
    client, charlie, crafted
):
    client.force_login(charlie)
    assert client.get(why(909)).status_code == 404


def test_staff_and_unknown_cycles_get_404(client, staff, alice, crafted):
    client.force_login(staff)
    assert client.get(why(909)).status_code == 404
    client.force_login(alice)
    assert client.get(why(908)).status_code == 404
    assert client.get(why(99999)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, crafted):
    response = client.get(why(909))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_estimate_is_explained_too_and_says_it_is_an_estimate(client, alice, team):
    cycle = make_cycle(909, status=CycleStatus.ESTIMATE)
    result_row(cycle, team["alice"], pv30="35", gen5="20", total="20", balance_out="20")
    client.force_login(alice)
    response = client.get(why(909))
    assert response.status_code == 200
    text = text_of(response)
    assert "This week so far, counting volume through May 6, 2026" in text
    assert "What if more happens before Sunday?" in text
    checks = checks_of(response)
    assert checks["active"] == [
        "inactive: 35.00 of 50.00 PV in the 30 days to Sunday May 10"
    ]
    assert checks["payout"] == ["balance 20.00 below the $25.00 minimum: carried"]
    html = response.content.decode()
    assert 'href="/commissions/what-if/"' in html
    assert 'href="/commissions/909/"' not in html  # an estimate has no statement


def test_a_real_calculation_explained_for_alice_root_and_charlie(
    client, alice, charlie, network, frozen
):
    orders = week_908(network)
    # bob's ESP-1 in 908 pays alice GEN5; refunded in 909, it is reversed.
    bob_pack = paid_order(network["bob"], date(2026, 4, 30), "40", package_level=1)
    actions.calculate_cycle(number=908)
    refund_volume(bob_pack, date(2026, 5, 5))
    actions.estimate_current_cycle()
    assert Cycle.objects.get(number=909).status == CycleStatus.ESTIMATE

    client.force_login(alice)
    closed = checks_of(client.get(why(908)))
    assert closed["active"] == [
        "active: 150.00 of 50.00 PV in the 30 days to Sunday May 3"
    ]
    assert closed["left_enrollee"] == [
        "active personally enrolled member in the left leg"
    ]
    assert closed["right_enrollee"] == [
        "no active personally enrolled member in the right leg"
    ]
    assert closed["left_leg"] == [
        "left leg 365.00 = bank 0.00 + new 340.00 + rebate 25.00"
    ]
    assert closed["right_leg"] == [
        "right leg 25.00 = bank 0.00 + new 0.00 + rebate 25.00"
    ]
    assert closed["gen5"] == [
        f"GEN5 generation 1 from Bob Baker (100002), ESP-1 order {bob_pack.number}: "
        "$25.00"
    ]
    assert closed["mvp"] == ["MVP bonus for enrolling Bob Baker (100002): $25.00"]
    assert closed["payout"] == [
        "balance $50.00 reaches the $25.00 minimum: paid on 2026-05-15 once the week "
        "is approved"
    ]
    page = client.get(why(908)).content.decode()
    assert f'href="/orders/{orders["alice_pack"].number}/"' in page
    assert 'href="/team/100002/"' in page

    estimate = client.get(why(909))
    checks = checks_of(estimate)
    assert checks["reversal"] == [
        f"refund of order {bob_pack.number} reversed $25.00 GEN5"
    ]
    assert checks["left_leg"] == [
        "left leg 325.00 = bank 365.00 + new \u221240.00 + rebate 0.00"
    ]
    alice_row = Result.objects.get(cycle__number=909, distributor=network["alice"])
    assert alice_row.gen5 == Decimal("-25.00")

    client.force_login(network["root"].user)
    root_checks = checks_of(client.get(why(908)))
    assert root_checks["mvp"] == [
        "MVP bonus for Alice Archer (100001) forfeited: inactive on Sunday May 3"
    ]

    client.force_login(charlie)
    response = client.get(why(908))
    assert response.status_code == 200
    charlie_checks = checks_of(response)
    assert charlie_checks["active"] == [
        "active: 60.00 of 50.00 PV in the 30 days to Sunday May 3"
    ]
    page = response.content.decode()
    assert orders["alice_pack"].number not in page
    assert bob_pack.number not in page
    assert "Bob Baker" not in page
