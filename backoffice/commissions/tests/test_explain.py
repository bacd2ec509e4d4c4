"""Every rule of "Why this amount?" on crafted rows: met and not met, exact figures."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.utils import translation

from backoffice.commissions import engine
from backoffice.commissions.explain import (
    Baseline,
    Extras,
    Facts,
    LineFact,
    MemberRef,
    OrderRef,
    PackageFact,
    TankMember,
    VolumeFact,
    binary_checks,
    explain,
    gen5_checks,
    money,
    mvp_checks,
    percent,
    project,
    refund_checks,
    retail_checks,
    signed_money,
    statement_checks,
    status_checks,
    sunday,
    volume,
)
from backoffice.commissions.models import Cycle, CycleStatus
from backoffice.commissions.tests.fixtures_explain import plan_909, result_row

PLAN = plan_909()
JOINED = date(2026, 1, 5)
OWN = OrderRef("GX-OWN0000001", "/orders/GX-OWN0000001/")
PACK = OrderRef("GX-PACK000003", "/orders/GX-PACK000003/", package_level=3)
BOB = MemberRef("Bob Baker", 100002, "/team/100002/")
DAVE = MemberRef("Dave Diaz", 200010, "/team/200010/")


def cycle(number: int = 909, status: str = CycleStatus.APPROVED) -> Cycle:
    plan = PLAN
    end = plan.cycle_end(number)
    return Cycle(
        number=number,
        status=status,
        starts_on=plan.cycle_start(number),
        ends_on=end,
        pay_on=plan.pay_date(number),
        counted_through=end,
    )


def row(**figures):
    return result_row(None, None, **figures)


def facts(**fields) -> Facts:
    return Facts(join_date=JOINED, **fields)


def texts(checks, rule=None):
    return [(c.rule, c.passed, c.text) for c in checks if rule in (None, c.rule)]


def only(checks, rule):
    found = [c for c in checks if c.rule == rule]
    assert len(found) == 1, found
    return found[0]


def status(result, facts_=None, number=909):
    return status_checks(result, cycle(number), PLAN, facts_ or facts())


def binary(result, facts_=None, number=909):
    return binary_checks(result, cycle(number), PLAN, facts_ or facts())


# --- formatting ----------------------------------------------------------------------


def test_formatting_helpers_give_dollars_grouping_and_plain_percentages():
    assert money(Decimal("10000")) == "$10,000.00"
    assert money(Decimal("-5")) == "\u2212$5.00"  # the minus sign
    assert volume(Decimal("1220")) == "1,220.00"
    assert volume(Decimal("-0.5")) == "\u22120.50"
    assert percent(1700) == "17%"
    assert percent(1250) == "12.5%"
    assert percent(5000) == "50%"
    assert signed_money(Decimal("32")) == "+$32.00"
    assert signed_money(Decimal("-3")) == "\u2212$3.00"
    assert signed_money(Decimal("0")) == "$0.00"
    assert sunday(date(2026, 5, 10)) == "Sunday May 10"


def test_formatting_follows_the_readers_language():
    with translation.override("es"):
        assert money(Decimal("1234.5")) == "$1\xa0234,50"
        assert percent(1250) == "12,5%"
        assert sunday(date(2026, 5, 10)) == "domingo 10 de mayo"


# --- §3 status -----------------------------------------------------------------------


def test_exists_and_not_terminated_pass():
    checks = status(row(is_active=True, pv30="60"))
    assert texts(checks, "exists") == [("exists", True, "member since 2026-01-05")]
    assert texts(checks, "terminated") == [("terminated", True, "not terminated")]


def test_terminated_by_sunday_fails_and_is_inactive_whatever_the_pv():
    checks = status(row(pv30="80"), facts(terminated_on=date(2026, 5, 1)))
    assert texts(checks, "terminated") == [
        ("terminated", False, "terminated on 2026-05-01: never active again")
    ]
    assert texts(checks, "active") == [
        ("active", False, "inactive: terminated on 2026-05-01")
    ]


def test_terminated_after_sunday_still_passes():
    checks = status(
        row(is_active=True, pv30="80"), facts(terminated_on=date(2026, 5, 11))
    )
    assert only(checks, "terminated").passed is True


def test_active_passes_with_the_pv_and_links_the_window_orders_once_each():
    early = OrderRef("GX-EARLY00001", "/orders/GX-EARLY00001/")
    refunded = OrderRef("GX-REFUND0001", "/orders/GX-REFUND0001/")
    volume_facts = (
        VolumeFact(early, date(2026, 4, 10), False, Decimal("90"), Decimal("90")),
        VolumeFact(OWN, date(2026, 4, 11), False, Decimal("40"), Decimal("40")),
        VolumeFact(refunded, date(2026, 5, 4), False, Decimal("30"), Decimal("30")),
        VolumeFact(refunded, date(2026, 5, 5), True, Decimal("-30"), Decimal("-30")),
        VolumeFact(OWN, date(2026, 5, 10), False, Decimal("80"), Decimal("80")),
    )
    check = only(
        status(row(is_active=True, pv30="120"), facts(volume=volume_facts)), "active"
    )
    assert check.passed is True
    assert check.text == "active: 120.00 of 50.00 PV in the 30 days to Sunday May 10"
    # 2026-04-10 is the 31st day before Sunday: outside the window.
    assert check.sources == (OWN, refunded)


def test_inactive_names_the_pv_short_of_the_minimum():
    check = only(status(row(pv30="35")), "active")
    assert (check.passed, check.text) == (
        False,
        "inactive: 35.00 of 50.00 PV in the 30 days to Sunday May 10",
    )


def test_package_held_links_its_order_and_no_package_fails():
    held = facts(packages=(PackageFact(3, PACK, date(2026, 3, 2)),))
    check = only(status(row(package=3), held), "package")
    assert (check.passed, check.text, check.sources) == (
        True,
        "package ESP-3 held on Sunday May 10",
        (PACK,),
    )
    check = only(status(row()), "package")
    assert (check.passed, check.text) == (False, "no package held on Sunday May 10")


@pytest.mark.parametrize(
    ("figures", "passed", "text"),
    [
        (
            {"is_active": True, "package": 2, "is_gen5_qualified": True},
            True,
            "GEN5-qualified: active with ESP-2",
        ),
        ({"is_active": True}, False, "not GEN5-qualified: no package"),
        ({"package": 1}, False, "not GEN5-qualified: inactive"),
        ({}, False, "not GEN5-qualified: inactive and no package"),
    ],
)
def test_gen5_qualification(figures, passed, text):
    assert texts(status(row(**figures)), "gen5_qualified") == [
        ("gen5_qualified", passed, text)
    ]


def test_enrollee_in_each_leg_names_the_members_or_says_none():
    checks = status(
        row(is_active=True, has_left_enrollee=True),
        facts(left_enrollees=(BOB, DAVE)),
    )
    left, right = only(checks, "left_enrollee"), only(checks, "right_enrollee")
    assert (left.passed, left.text, left.sources) == (
        True,
        "active personally enrolled member in the left leg",
        (BOB, DAVE),
    )
    assert (right.passed, right.text, right.sources) == (
        False,
        "no active personally enrolled member in the right leg",
        (),
    )
    checks = status(row(has_right_enrollee=True), facts(right_enrollees=(DAVE,)))
    assert texts(checks, "left_enrollee") == [
        ("left_enrollee", False, "no active personally enrolled member in the left leg")
    ]
    assert only(checks, "right_enrollee").sources == (DAVE,)


@pytest.mark.parametrize(
    ("figures", "passed", "text"),
    [
        (
            {
                "is_active": True,
                "has_left_enrollee": True,
                "has_right_enrollee": True,
                "is_binary_qualified": True,
            },
            True,
            "binary-qualified",
        ),
        (
            {"has_left_enrollee": True, "has_right_enrollee": True},
            False,
            "not binary-qualified: inactive",
        ),
        (
            {"is_active": True},
            False,
            "not binary-qualified: no active personally enrolled member in either leg",
        ),
        (
            {"is_active": True, "has_right_enrollee": True},
            False,
            "not binary-qualified: no active personally enrolled member in the left "
            "leg",
        ),
        (
            {"is_active": True, "has_left_enrollee": True},
            False,
            "not binary-qualified: no active personally enrolled member in the right "
            "leg",
        ),
    ],
)
def test_binary_qualification(figures, passed, text):
    assert texts(status(row(**figures)), "binary_qualified") == [
        ("binary_qualified", passed, text)
    ]


# --- §4–§5 binary, with the plan's worked example (A, B, C, F of cycle 909) ----------

QUALIFIED = {
    "is_active": True,
    "has_left_enrollee": True,
    "has_right_enrollee": True,
    "is_binary_qualified": True,
}
# A: bank in (350, 0), new (610, 3,650), 250 CV, ESP-3 bought 2026-03-02.
A = {
    **QUALIFIED,
    "pv30": "250",
    "cycle_pv": "250",
    "rebate": "75",
    "new_left": "610",
    "new_right": "3650",
    "left_cv": "1035",
    "right_cv": "3725",
    "matched_cv": "1000",
    "rank": "Elite",
    "best_rank": "Silver",
    "package": 3,
    "rate_bp": 1700,
    "rate_package": 3,
    "rate_until": date(2026, 9, 2),
    "binary": "170",
    "bank_left": "35",
    "bank_right": "2725",
}
A_FACTS = facts(
    cycle_cv=Decimal("250"), packages=(PackageFact(3, PACK, date(2026, 3, 2)),)
)


def test_worked_example_a_rule_by_rule():
    assert texts(binary(row(**A), A_FACTS)) == [
        (
            "rebate",
            True,
            "personal rebate: 50% of the cycle CV 250.00 above 100.00 adds 75.00 to "
            "each leg",
        ),
        (
            "left_leg",
            None,
            "left leg 1,035.00 = bank 350.00 + new 610.00 + rebate 75.00",
        ),
        (
            "right_leg",
            None,
            "right leg 3,725.00 = bank 0.00 + new 3,650.00 + rebate 75.00",
        ),
        ("flush", True, "active: both banks carry forward"),
        (
            "matched",
            True,
            "matched volume 1,000.00: the lesser leg 1,035.00 in whole units of 100.00",
        ),
        ("rank", True, "paid as Elite: 1,000.00 matched, 500.00 short of Bronze"),
        (
            "rate",
            None,
            "rate 17% from the ESP-3 window until 2026-09-02 (rank rate 10%)",
        ),
        ("binary", True, "binary 1,000.00 × 17% = $170.00"),
        ("cap", True, "under the weekly cap of $10,000.00"),
        ("banks", None, "banks carried forward: left 35.00, right 2,725.00"),
        ("best_rank", None, "highest rank: Silver"),
    ]
    assert only(binary(row(**A), A_FACTS), "rate").sources == (PACK,)


def test_no_rebate_at_or_below_the_threshold():
    check = only(binary(row(**QUALIFIED), facts(cycle_cv=Decimal("100"))), "rebate")
    assert (check.passed, check.text) == (
        False,
        "no personal rebate: cycle CV 100.00 is not above 100.00",
    )


def test_inactive_flushes_both_banks_and_nothing_is_matched():
    # F: inactive, bank in (0, 900), new (0, 2,000).
    f = row(pv30="0", left_cv="0", right_cv="2900", new_right="2000", flushed="2900")
    checks = binary(f)
    assert texts(checks, "flush") == [
        ("flush", False, "inactive: 2,900.00 CV flushed, both banks back to 0.00")
    ]
    assert texts(checks, "matched") == [
        ("matched", False, "nothing matched: not binary-qualified")
    ]
    assert texts(checks, "rank") == [
        ("rank", False, "paid as Affiliate: not binary-qualified")
    ]
    assert texts(checks, "binary") == [
        ("binary", False, "no binary commission: nothing matched")
    ]
    assert [c.rule for c in checks if c.rule in ("rate", "cap")] == []


def test_matched_volume_below_the_minimum_names_the_lesser_leg():
    checks = binary(
        row(
            **QUALIFIED,
            rank="Apprentice",
            left_cv="80",
            right_cv="450",
            bank_left="80",
            bank_right="450",
        )
    )
    assert texts(checks, "matched") == [
        ("matched", False, "matched volume 80.00 below the 100.00 minimum")
    ]
    assert texts(checks, "binary") == [
        ("binary", False, "no binary commission: nothing matched")
    ]
    assert texts(checks, "rank") == [
        ("rank", True, "paid as Apprentice: 0.00 matched, 500.00 short of Elite")
    ]


def test_a_negative_leg_matches_nothing():
    checks = binary(row(**QUALIFIED, left_cv="-40", right_cv="300"))
    assert (
        only(checks, "matched").text == "matched volume 0.00 below the 100.00 minimum"
    )


def test_rank_rate_when_no_window_is_open():
    # C: L 2,400, R 1,600, M 1,600, Bronze 11 %.
    c = row(
        **QUALIFIED,
        left_cv="2400",
        right_cv="1600",
        matched_cv="1600",
        rank="Bronze",
        rate_bp=1100,
        binary="176",
        bank_left="800",
    )
    checks = binary(c)
    assert texts(checks, "rate") == [("rate", None, "rate 11% from the rank Bronze")]
    assert texts(checks, "binary") == [
        ("binary", True, "binary 1,600.00 × 11% = $176.00")
    ]
    assert texts(checks, "rank") == [
        ("rank", True, "paid as Bronze: 1,600.00 matched, 900.00 short of Silver")
    ]


def test_weekly_cap_in_the_window_and_the_rank_rate_after_it():
    capped = row(
        **QUALIFIED,
        left_cv="70250",
        right_cv="66080",
        matched_cv="66000",
        rank="Diamond",
        rate_bp=1700,
        rate_package=3,
        rate_until=date(2026, 9, 2),
        binary="10000",
        breakage="1220",
        bank_left="4250",
        bank_right="80",
    )
    checks = binary(capped, A_FACTS)
    assert texts(checks, "binary") == [
        ("binary", True, "binary 66,000.00 × 17% = $11,220.00")
    ]
    assert texts(checks, "cap") == [
        ("cap", False, "weekly cap: 1,220.00 above $10,000.00 not paid")
    ]
    assert texts(checks, "rank") == [
        ("rank", True, "paid as Diamond: 66,000.00 matched, the top rank")
    ]
    # Cycle 927 ends 2026-09-13, after the ESP-3 window: Diamond's 15 %.
    after = row(
        **QUALIFIED,
        left_cv="70250",
        right_cv="66080",
        matched_cv="66000",
        rank="Diamond",
        rate_bp=1500,
        binary="9900",
    )
    checks = binary(after, A_FACTS, number=927)
    assert texts(checks, "rate") == [
        (
            "rate",
            None,
            "rate 15% from the rank Diamond (the ESP-3 window ended 2026-09-02)",
        )
    ]
    assert only(checks, "rate").sources == (PACK,)
    assert texts(checks, "binary") == [
        ("binary", True, "binary 66,000.00 × 15% = $9,900.00")
    ]
    assert texts(checks, "cap") == [("cap", True, "under the weekly cap of $10,000.00")]


# --- §6–§9 lines ---------------------------------------------------------------------

THEIRS = OrderRef("GX-THEIRS0001", "", package_level=3)


def test_gen5_lines_name_generation_member_package_and_order():
    lines = [
        LineFact("gen5", Decimal("75.00"), 1, THEIRS, DAVE),
        LineFact("gen5", Decimal("20.00"), 5, THEIRS, BOB),
        LineFact("mvp", Decimal("25.00"), 0, None, DAVE),
    ]
    checks = gen5_checks(PLAN, lines)
    assert texts(checks) == [
        (
            "gen5",
            True,
            "GEN5 generation 1 from Dave Diaz (200010), ESP-3 order GX-THEIRS0001: "
            "$75.00",
        ),
        (
            "gen5",
            True,
            "GEN5 generation 5 from Bob Baker (100002), ESP-3 order GX-THEIRS0001: "
            "$20.00",
        ),
    ]
    assert checks[0].sources == (THEIRS, DAVE)
    assert checks[0].sources[0].url == ""  # not the viewer's order: no link
    assert texts(gen5_checks(PLAN, [])) == [("gen5", None, "no GEN5 bonus this week")]


def test_mvp_lines_and_forfeits():
    lines = [LineFact("mvp", Decimal("25.00"), 0, None, DAVE)]
    checks = mvp_checks(cycle(), lines, facts(forfeited_mvp=(BOB,)))
    assert texts(checks) == [
        ("mvp", True, "MVP bonus for enrolling Dave Diaz (200010): $25.00"),
        (
            "mvp",
            False,
            "MVP bonus for Bob Baker (100002) forfeited: inactive on Sunday May 10",
        ),
    ]
    assert [c.sources for c in checks] == [(DAVE,), (BOB,)]
    assert texts(mvp_checks(cycle(), [], facts())) == [
        ("mvp", None, "no MVP bonus this week")
    ]


def test_retail_lines_link_the_customer_order():
    sale = OrderRef("GX-SALE000001", "/orders/GX-SALE000001/")
    checks = retail_checks([LineFact("retail", Decimal("12.40"), 0, sale)])
    assert texts(checks) == [
        ("retail", True, "retail profit on order GX-SALE000001: $12.40")
    ]
    assert checks[0].sources == (sale,)
    assert texts(retail_checks([])) == [("retail", None, "no retail profit this week")]


def test_refunds_reverse_lines_and_take_back_own_volume():
    refunded = OrderRef("GX-REFUND0001", "")
    sale = OrderRef("GX-SALE000001", "/orders/GX-SALE000001/")
    lines = [
        LineFact("gen5", Decimal("-75.00"), 1, refunded, DAVE),
        LineFact("retail", Decimal("-6.20"), 0, sale),
        LineFact("gen5", Decimal("20.00"), 2, THEIRS, BOB),
    ]
    own = (
        VolumeFact(OWN, date(2026, 4, 20), False, Decimal("35"), Decimal("30")),
        VolumeFact(OWN, date(2026, 5, 5), True, Decimal("-35"), Decimal("-30")),
        VolumeFact(sale, date(2026, 5, 2), True, Decimal("-9"), Decimal("-9")),
    )
    checks = refund_checks(cycle(), lines, facts(volume=own))
    assert texts(checks) == [
        ("reversal", False, "refund of order GX-REFUND0001 reversed $75.00 GEN5"),
        (
            "reversal",
            False,
            "refund of order GX-SALE000001 reversed $6.20 retail profit",
        ),
        (
            "refund_volume",
            None,
            "refund of order GX-OWN0000001 took back 35.00 PV and 30.00 CV",
        ),
    ]
    assert [c.sources for c in checks] == [(refunded, DAVE), (sale,), (OWN,)]
    assert texts(refund_checks(cycle(), [], facts())) == [
        ("refunds", None, "no refunds this week")
    ]


# --- §10 statement -------------------------------------------------------------------


def test_total_and_payout_when_the_minimum_is_reached():
    paid = row(
        gen5="75", mvp="25", binary="96", total="196", paid="196", balance_in="0"
    )
    checks = statement_checks(paid, cycle(), PLAN)
    assert texts(checks) == [
        (
            "total",
            None,
            "total $196.00 = retail $0.00 + GEN5 $75.00 + MVP $25.00 + binary $96.00",
        ),
        (
            "payout",
            True,
            "balance $196.00 reaches the $25.00 minimum: paid on 2026-05-22",
        ),
    ]
    calculated = statement_checks(paid, cycle(status=CycleStatus.CALCULATED), PLAN)
    assert only(calculated, "payout").text == (
        "balance $196.00 reaches the $25.00 minimum: paid on 2026-05-22 once the "
        "week is approved"
    )
    estimate = statement_checks(paid, cycle(status=CycleStatus.ESTIMATE), PLAN)
    assert only(estimate, "payout").text == (
        "balance $196.00 reaches the $25.00 minimum: payable if the week ended now"
    )


def test_balance_below_the_minimum_is_carried():
    # T of the worked example: $20.00 of GEN5, carried.
    checks = statement_checks(
        row(gen5="20", total="20", balance_out="20"), cycle(), PLAN
    )
    assert texts(checks, "payout") == [
        ("payout", False, "balance 20.00 below the $25.00 minimum: carried")
    ]
    carried_in = statement_checks(
        row(balance_in="20", gen5="5", total="5", paid="25"), cycle(), PLAN
    )
    assert texts(carried_in, "balance_in") == [
        ("balance_in", None, "$20.00 carried in from earlier weeks")
    ]
    assert only(carried_in, "payout").passed is True
    negative = statement_checks(
        row(gen5="-30", total="-30", balance_in="25", balance_out="-5"), cycle(), PLAN
    )
    assert only(negative, "payout").text == (
        "balance \u22125.00 below the $25.00 minimum: carried"
    )


def test_explain_groups_every_rule_in_the_plans_order():
    groups = explain(result=row(**A), cycle=cycle(), plan=PLAN, lines=[], facts=A_FACTS)
    assert [(g.key, g.section) for g in groups] == [
        ("status", "§3"),
        ("binary", "§4–§5"),
        ("gen5", "§6"),
        ("mvp", "§7"),
        ("retail", "§8"),
        ("refunds", "§9"),
        ("statement", "§10"),
    ]
    assert [c.rule for c in groups[0].checks] == [
        "exists",
        "terminated",
        "active",
        "package",
        "gen5_qualified",
        "left_enrollee",
        "right_enrollee",
        "binary_qualified",
    ]


# --- the what-if projection (engine.binary_pay) --------------------------------------


def baseline(**figures) -> Baseline:
    base = row(**figures)
    return Baseline(
        result=base,
        cycle=cycle(status=CycleStatus.ESTIMATE),
        plan=PLAN,
        facts=facts(cycle_cv=Decimal(figures.get("cycle_pv", "0"))),
        package_first=(-1, -1, date(2026, 3, 2).toordinal() << 32 | 7),
        tank=(
            TankMember(DAVE, Decimal("610"), True),
            TankMember(BOB, Decimal("40"), False),
        ),
    )


def test_projection_reaches_the_worked_example_from_a_smaller_estimate():
    # A so far: bank in (350, 0), 3,650 CV on the right, nothing on the left,
    # no personal order yet, an enrollee only on the right; Dave waits in the tank.
    start = baseline(
        is_active=True,
        pv30="0",
        has_right_enrollee=True,
        new_right="3650",
        left_cv="350",
        right_cv="3650",
        bank_left="350",
        bank_right="3650",
        package=3,
        mvp="25",
        total="25",
        paid="25",
    )
    outcome = project(
        start,
        Extras(personal_cv=Decimal("250"), placements={200010: "L", 100002: ""}),
    )
    after = outcome.result
    assert (after.left_cv, after.right_cv, after.matched_cv) == (
        Decimal("1035.00"),
        Decimal("3725.00"),
        Decimal("1000.00"),
    )
    assert (after.rank, after.rate_bp, after.rate_package) == ("Elite", 1700, 3)
    assert after.rate_until == date(2026, 9, 2)
    assert (after.binary, after.bank_left, after.bank_right) == (
        Decimal("170.00"),
        Decimal("35.00"),
        Decimal("2725.00"),
    )
    assert (after.pv30, after.is_active, after.is_binary_qualified) == (
        Decimal("250.00"),
        True,
        True,
    )
    assert (after.total, after.paid, after.balance_out) == (
        Decimal("195.00"),
        Decimal("195.00"),
        Decimal("0.00"),
    )
    assert outcome.binary_change == Decimal("170.00")
    assert only(outcome.checks, "left_enrollee").sources == (DAVE,)
    changes = {c.label: (c.before, c.after, c.change) for c in outcome.changes}
    assert changes["Binary"] == ("$0.00", "$170.00", "+$170.00")
    assert changes["Left CV"] == ("350.00", "1,035.00", "+685.00")
    assert changes["Paid-as rank"] == ("Affiliate", "Elite", "")
    assert changes["Active"] == ("yes", "yes", "")


def test_projection_caps_at_the_weekly_maximum_and_keeps_the_estimate_unchanged():
    start = baseline(
        **QUALIFIED,
        pv30="60",
        left_cv="70250",
        right_cv="65080",
        bank_left="70250",
        bank_right="65080",
        matched_cv="65000",
        rank="Diamond",
        best_rank="Diamond",
        rate_bp=1700,
        rate_package=3,
        binary="10000",
        breakage="1050",
        total="10000",
        paid="10000",
    )
    outcome = project(start, Extras(right_cv=Decimal("1000")))
    after = outcome.result
    assert (after.matched_cv, after.binary, after.breakage) == (
        Decimal("66000.00"),
        Decimal("10000.00"),
        Decimal("1220.00"),
    )
    assert (after.bank_left, after.bank_right) == (Decimal("4250.00"), Decimal("80.00"))
    assert only(outcome.checks, "cap").text == (
        "weekly cap: 1,220.00 above $10,000.00 not paid"
    )
    assert outcome.binary_change == Decimal("0.00")
    assert start.result.matched_cv == Decimal("65000.00")  # the estimate is untouched


def test_projection_flushes_an_inactive_member_until_personal_volume_counts():
    start = baseline(
        pv30="20",
        has_left_enrollee=True,
        has_right_enrollee=True,
        left_cv="500",
        right_cv="300",
        new_left="500",
        new_right="300",
        flushed="800",
    )
    still = project(start, Extras(personal_cv=Decimal("29.99"))).result
    assert (still.is_active, still.flushed, still.bank_left) == (
        False,
        Decimal("800.00"),
        Decimal("0.00"),
    )
    active = project(start, Extras(personal_cv=Decimal("30"))).result
    assert (active.is_active, active.is_binary_qualified, active.matched_cv) == (
        True,
        True,
        Decimal("300.00"),
    )
    # The ESP-3 window is open: 17 % of 300.
    assert (active.binary, active.rate_bp) == (Decimal("51.00"), 1700)


def test_projection_calls_the_engine_with_the_estimates_own_inputs(monkeypatch):
    seen = {}
    real = engine.binary_pay

    def spy(plan, **arrays):
        seen.update(arrays)
        return real(plan, **arrays)

    monkeypatch.setattr(engine, "binary_pay", spy)
    start = baseline(
        is_active=True,
        pv30="70",
        cycle_pv="120",
        rebate="10",
        new_left="100",
        new_right="50",
        left_cv="410",
        right_cv="70",
    )
    project(
        start,
        Extras(
            left_cv=Decimal("1.25"),
            right_cv=Decimal("2"),
            personal_cv=Decimal("3"),
            placements={100002: "R"},
        ),
    )
    assert {k: v.tolist() for k, v in seen.items() if isinstance(v, np.ndarray)} == {
        "cycle_cv": [12300],
        "bank_left_in": [30000],
        "bank_right_in": [1000],
        "new_left": [10125],
        "new_right": [9200],
        "active": [True],
        "binary_qualified": [False],
        "package_first": [[-1, -1, date(2026, 3, 2).toordinal() << 32 | 7]],
    }
    assert seen["end_day"] == date(2026, 5, 10).toordinal()
