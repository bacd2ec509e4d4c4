"""The commission engine, rule by rule, from plain events (compensation plan §1–§12).

No database: ``events`` builds the engine's arrays and ``engine`` is pure.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from backoffice.commissions import engine, events
from backoffice.commissions.events import Member, Refund, Sale, State
from backoffice.commissions.plan import DEFAULT_PLAN, load_plan, parse_plan
from backoffice.commissions.tests import reference

PLAN = load_plan()
VERSION = PLAN.for_cycle(909)
LONG_AGO = date(2025, 1, 6)
A, B, C, D, E, F, G, H = range(100001, 100009)
day = date.fromisoformat


# Building events ---------------------------------------------------------------


def member(
    distributor_id: int,
    enroller: int | None = None,
    parent: int | None = None,
    side: str = "",
    *,
    joined: str | date = LONG_AGO,
    terminated: str | None = None,
) -> Member:
    return Member(
        distributor_id,
        enroller,
        parent,
        side,
        day(joined) if isinstance(joined, str) else joined,
        day(terminated) if terminated else None,
    )


def tank(distributor_id: int, enroller: int, *, joined: date = LONG_AGO) -> Member:
    return Member(distributor_id, enroller, None, "", joined, None, placed=False)


def refund(on: str, pv: str, cv: str | None = None) -> Refund:
    return Refund(day(on), Decimal(pv), Decimal(cv if cv is not None else pv))


def sale(
    order_id: int,
    who: int,
    on: str,
    pv: str,
    cv: str | None = None,
    *,
    kind: str = "distributor",
    package: int = 0,
    profit: str = "0",
    refunds: tuple[Refund, ...] = (),
    given_back: str | None = None,
) -> Sale:
    return Sale(
        order_id=order_id,
        distributor_id=who,
        on=day(on),
        kind=kind,
        pv=Decimal(pv),
        cv=Decimal(cv if cv is not None else pv),
        package=package,
        retail_profit=Decimal(profit),
        refunds=refunds,
        package_refunded_on=day(given_back) if given_back else None,
    )


def customer(order_id: int, who: int, on: str, cv: str, profit: str, **kw) -> Sale:
    return sale(order_id, who, on, cv, kind="customer", profit=profit, **kw)


# Running cycles and reading results ----------------------------------------------

Run = tuple[engine.CycleInput, engine.CycleResult]


def simulate(members: list[Member], sales: list[Sale], through: int) -> dict[int, Run]:
    return {
        data.cycle: (data, result)
        for data, result in events.simulate(members, sales, PLAN, through)
    }


def one_cycle(
    members: list[Member], sales: list[Sale], cycle: int, state: State | None = None
) -> Run:
    """A cycle on its own: banks, balances and decisions come from ``state``."""
    version = PLAN.for_cycle(cycle)
    data = events.build_input(members, sales, version, cycle, state or State())
    return data, engine.compute(data, version)


def money(hundredths) -> Decimal:
    return Decimal(int(hundredths)).scaleb(-2)


def row(run: Run, distributor_id: int) -> dict:
    data, result = run
    i = data.network.distributor_id.tolist().index(distributor_id)
    names = PLAN.for_cycle(data.cycle).rank_names
    figures = {
        name: money(getattr(result, name)[i])
        for name in (
            "pv30",
            "cycle_pv",
            "new_left",
            "new_right",
            "rebate",
            "left",
            "right",
            "matched",
            "bank_left",
            "bank_right",
            "flushed",
            "breakage",
            "retail",
            "gen5",
            "mvp",
            "binary",
            "total",
            "balance_in",
            "paid",
            "balance_out",
        )
    }
    figures.update(
        rank=names[result.rank[i]],
        best_rank=names[result.best_rank[i]],
        active=bool(result.active[i]),
        binary_qualified=bool(result.binary_qualified[i]),
        package=int(result.package[i]),
        rate=money(result.rate_bp[i]),  # percent
        rate_source=int(result.rate_source[i]),
        mvp_decision=int(result.mvp_decision[i]),
    )
    return figures


def lines(run: Run) -> list[tuple]:
    """(payee, bonus, order, source member, generation, amount), in engine order."""
    data, result = run
    ids = data.network.distributor_id.tolist()
    found = result.lines
    return [
        (
            ids[payee],
            engine.BONUS_CODES[bonus],
            order,
            ids[source] if source >= 0 else None,
            generation,
            money(amount),
        )
        for payee, bonus, order, source, generation, amount in zip(
            found.payee.tolist(),
            found.bonus.tolist(),
            found.order.tolist(),
            found.source.tolist(),
            found.generation.tolist(),
            found.amount.tolist(),
            strict=True,
        )
    ]


def ids(run: Run) -> list[int]:
    return run[0].network.distributor_id.tolist()


def dollars(text: str) -> Decimal:
    return Decimal(text)


# §12 worked examples --------------------------------------------------------------


def binary_example() -> tuple[list[Member], list[Sale], State]:
    members = [
        member(A),
        member(B, A, A, "L"),
        member(C, A, A, "R"),
        member(D, B, B, "L"),
        member(E, A, B, "R"),
        member(F, C, C, "L"),
        member(G, C, C, "R"),
        member(H, C, F, "R"),
    ]
    volumes = {A: "250", B: "60", C: "50", D: "300", E: "250", G: "1600", H: "2000"}
    sales = [sale(1, A, "2026-03-02", "100", package=3)]
    sales += [
        sale(10 + n, who, "2026-05-05", pv)
        for n, (who, pv) in enumerate(volumes.items())
    ]
    state = State(
        bank_left={A: 35000, C: 40000},
        bank_right={B: 12000, F: 90000},
    )
    return members, sales, state


def test_the_binary_example_of_cycle_909():
    members, sales, state = binary_example()
    run = one_cycle(members, sales, 909, state)
    a, b, c, f = row(run, A), row(run, B), row(run, C), row(run, F)
    assert (a["left"], a["right"], a["matched"]) == (
        dollars("1035.00"),
        dollars("3725.00"),
        dollars("1000.00"),
    )
    assert (a["rank"], a["rate"], a["rate_source"]) == ("Elite", dollars("17"), 3)
    assert a["binary"] == dollars("170.00")
    assert (a["bank_left"], a["bank_right"]) == (dollars("35.00"), dollars("2725.00"))
    assert a["best_rank"] == "Silver"
    assert b["binary_qualified"] is False
    assert b["rank"] == "Affiliate"
    assert (b["bank_left"], b["bank_right"]) == (dollars("300.00"), dollars("370.00"))
    assert b["binary"] == 0
    assert (c["left"], c["right"], c["matched"]) == (
        dollars("2400.00"),
        dollars("1600.00"),
        dollars("1600.00"),
    )
    assert (c["rank"], c["rate"], c["binary"]) == (
        "Bronze",
        dollars("11"),
        dollars("176.00"),
    )
    assert (c["bank_left"], c["bank_right"]) == (dollars("800.00"), dollars("0.00"))
    assert f["active"] is False
    assert (f["left"], f["right"], f["flushed"]) == (0, dollars("2900.00"), 2900)
    assert (f["bank_left"], f["bank_right"]) == (0, 0)
    for who, rebate in ((D, "100"), (E, "75"), (G, "750"), (H, "950")):
        figures = row(run, who)
        assert (figures["bank_left"], figures["bank_right"]) == (
            dollars(rebate),
            dollars(rebate),
        )
        assert figures["binary"] == 0
    assert lines(run) == [
        (A, "binary", -1, None, 0, dollars("170.00")),
        (C, "binary", -1, None, 0, dollars("176.00")),
    ]
    assert (a["paid"], c["paid"]) == (dollars("170.00"), dollars("176.00"))


def qualified_trio(cycle: int) -> tuple[list[Member], list[Sale]]:
    """A with an active enrollee on each side; PV without CV keeps legs empty."""
    members = [member(A), member(B, A, A, "L"), member(C, A, A, "R")]
    first = VERSION.cycle_start(cycle).isoformat()
    sales = [sale(9000 + n, who, first, "50", "0") for n, who in enumerate((A, B, C))]
    return members, sales


def cap_case(cycle: int) -> Run:
    members, sales = qualified_trio(cycle)
    sales.append(sale(1, A, "2026-03-02", "100", "0", package=3))
    state = State(bank_left={A: 7_025_000}, bank_right={A: 6_608_000})
    return one_cycle(members, sales, cycle, state)


def test_the_cap_example_pays_10000_and_still_consumes_the_volume():
    a = row(cap_case(909), A)
    assert (a["left"], a["right"], a["matched"]) == (
        dollars("70250.00"),
        dollars("66080.00"),
        dollars("66000.00"),
    )
    assert (a["rank"], a["rate"]) == ("Diamond", dollars("17"))
    assert a["binary"] == dollars("10000.00")
    assert a["breakage"] == dollars("1220.00")
    assert (a["bank_left"], a["bank_right"]) == (dollars("4250.00"), dollars("80.00"))


def test_the_cap_example_still_in_the_window_on_its_last_sunday_before_the_end():
    # Bought 2026-03-02: the window runs to 2026-09-02; cycle 925 ends 08-30.
    assert VERSION.cycle_end(925) == date(2026, 8, 30)
    a = row(cap_case(925), A)
    assert (a["rate"], a["binary"]) == (dollars("17"), dollars("10000.00"))


def test_the_cap_example_after_the_window_pays_the_diamond_rate():
    assert VERSION.cycle_end(926) == date(2026, 9, 6)
    a = row(cap_case(926), A)
    assert (a["rate"], a["rate_source"]) == (dollars("15"), engine.RATE_FROM_RANK)
    assert a["binary"] == dollars("9900.00")
    assert a["breakage"] == 0
    assert (a["bank_left"], a["bank_right"]) == (dollars("4250.00"), dollars("80.00"))


# The names of the §12 example.
O, P, Q, R, S, T, U, V, W = range(200001, 200010)  # noqa: E741


def gen5_example() -> tuple[list[Member], list[Sale]]:
    chain = [O, P, Q, R, S, T, U, V]
    # Everyone on one outer leg: nobody has an enrollee on both sides.
    members = [member(O)]
    members += [
        member(who, up, up, "L", joined="2026-05-04" if who == V else LONG_AGO)
        for up, who in zip(chain, chain[1:], strict=False)
    ]
    members.append(member(W, Q, V, "L", joined="2026-05-04"))
    held = {O: (2, "100"), P: (3, "120"), Q: (1, "60"), R: (0, "50")}
    held |= {S: (2, "20"), T: (3, "100"), U: (2, "80")}
    sales = [
        sale(100 + n, who, "2026-05-01", pv, package=level)
        for n, (who, (level, pv)) in enumerate(held.items())
    ]
    sales += [
        sale(9001, V, "2026-05-05", "500", package=3),
        sale(9002, W, "2026-05-06", "100", package=1),
    ]
    return members, sales


def test_the_gen5_and_mvp_example_of_cycle_909():
    members, sales = gen5_example()
    run = one_cycle(members, sales, 909)
    assert lines(run) == [
        (O, "gen5", 9001, V, 5, dollars("20.00")),
        (O, "gen5", 9002, W, 3, dollars("5.00")),
        (P, "gen5", 9001, V, 4, dollars("20.00")),
        (P, "gen5", 9002, W, 2, dollars("5.00")),
        (Q, "gen5", 9001, V, 3, dollars("5.00")),
        (Q, "gen5", 9002, W, 1, dollars("25.00")),
        (Q, "mvp", -1, W, 0, dollars("25.00")),
        (T, "gen5", 9001, V, 2, dollars("20.00")),
        (U, "gen5", 9001, V, 1, dollars("75.00")),
        (U, "mvp", -1, V, 0, dollars("25.00")),
    ]
    totals = {who: row(run, who)["total"] for who in (O, P, Q, R, S, T, U, V, W)}
    assert totals == {
        O: dollars("25.00"),
        P: dollars("25.00"),
        Q: dollars("55.00"),
        R: 0,
        S: 0,
        T: dollars("20.00"),
        U: dollars("100.00"),
        V: 0,
        W: 0,
    }
    paid = {who: row(run, who)["paid"] for who in (O, P, Q, T, U)}
    assert paid == {
        O: dollars("25.00"),
        P: dollars("25.00"),
        Q: dollars("55.00"),
        T: 0,
        U: dollars("100.00"),
    }
    assert row(run, T)["balance_out"] == dollars("20.00")
    assert not run[1].binary_qualified.any()
    assert row(run, V)["mvp_decision"] == engine.MVP_PAID


# §1 calendar and §3 status -------------------------------------------------------


def test_a_cycle_runs_from_monday_to_sunday():
    members = [member(A)]
    sales = [
        sale(1, A, "2026-05-03", "1"),  # Sunday of 908
        sale(2, A, "2026-05-04", "10"),  # Monday of 909
        sale(3, A, "2026-05-10", "100"),  # Sunday of 909
        sale(4, A, "2026-05-11", "1000"),  # Monday of 910
    ]
    runs = simulate(members, sales, 910)
    assert row(runs[908], A)["cycle_pv"] == dollars("1.00")
    assert row(runs[909], A)["cycle_pv"] == dollars("110.00")
    assert row(runs[910], A)["cycle_pv"] == dollars("1000.00")


def test_the_first_cycle_is_the_one_holding_the_earliest_event():
    members = [
        member(A, joined="2026-05-01"),
        member(B, A, A, "L", joined="2026-05-13"),
    ]
    sales = [sale(1, B, "2026-05-13", "60")]
    runs = simulate(members, sales, 910)
    assert sorted(runs) == [908, 909, 910]
    assert ids(runs[908]) == ids(runs[909]) == [A]
    assert row(runs[910], A)["new_left"] == dollars("60.00")


def test_a_member_exists_in_the_cycles_ending_on_or_after_the_join_day():
    members = [
        member(A),
        member(B, A, A, "L", joined="2026-05-10"),
        member(C, A, A, "R", joined="2026-05-11"),
    ]
    runs = simulate(members, [], 910)
    assert ids(runs[909]) == [A, B]
    assert ids(runs[910]) == [A, B, C]


def test_termination_counts_from_its_day():
    members = [
        member(A),
        member(B, A, A, "L", terminated="2026-05-10"),
        member(C, A, A, "R", terminated="2026-05-11"),
    ]
    sales = [sale(1, B, "2026-05-05", "300"), sale(2, C, "2026-05-05", "100")]
    run = one_cycle(members, sales, 909)
    assert row(run, B)["active"] is False
    assert (row(run, B)["bank_left"], row(run, B)["flushed"]) == (0, 200)
    assert row(run, C)["active"] is True
    later = one_cycle(members, sales, 910)
    assert row(later, C)["active"] is False
    assert row(later, C)["pv30"] == dollars("100.00")


def test_a_terminated_member_with_volume_is_never_active_again():
    members = [member(A, terminated="2026-01-01")]
    run = one_cycle(members, [sale(1, A, "2026-05-05", "500")], 909)
    assert row(run, A)["active"] is False
    assert row(run, A)["flushed"] == dollars("400.00")


@pytest.mark.parametrize(
    ("on", "pv", "pv30", "active"),
    [
        ("2026-04-11", "50", "50.00", True),  # end − 29: the window's first day
        ("2026-04-10", "50", "0.00", False),  # end − 30
        ("2026-05-10", "50", "50.00", True),
        ("2026-05-10", "49.99", "49.99", False),
    ],
)
def test_active_needs_50_pv_in_the_30_days_to_the_sunday(on, pv, pv30, active):
    run = one_cycle([member(A)], [sale(1, A, on, pv)], 909)
    assert row(run, A)["pv30"] == dollars(pv30)
    assert row(run, A)["active"] is active


def test_month_pv_starts_on_the_first_of_the_sundays_month():
    sales = [sale(1, A, "2026-04-30", "70"), sale(2, A, "2026-05-02", "30")]
    data, _ = one_cycle([member(A)], sales, 908)  # 2026-04-27 … 2026-05-03
    assert data.month_pv.tolist() == [3000]
    assert data.cycle_pv.tolist() == [10000]


def plan_data() -> dict:
    with open(DEFAULT_PLAN, "rb") as handle:
        return tomllib.load(handle)


def test_each_cycle_uses_the_plan_version_effective_for_it():
    data = plan_data()
    later = copy.deepcopy(data["versions"][0])
    later |= {"version": "2026.2", "effective_cycle": 910}
    later["payout"]["minimum"] = "50.00"
    data["versions"].append(later)
    plan = parse_plan(data)
    members = [member(A, joined="2026-05-04")]
    sales = [
        customer(1, A, "2026-05-05", "10", "30"),
        customer(2, A, "2026-05-12", "10", "30"),
    ]
    runs = events.simulate(members, sales, plan, 911)
    paid = [(int(r.paid[0]), int(r.balance_out[0])) for _, r in runs]
    assert paid == [(3000, 0), (0, 3000), (0, 3000)]
    expected = reference.run(members, sales, plan, 911)
    assert [(o.rows[A].paid, o.rows[A].balance_out) for o in expected.values()] == paid


# §4 binary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cycle_cv", "rebate"),
    [("99.99", "0"), ("100", "0"), ("100.01", "0.01"), ("100.03", "0.02")],
)
def test_the_personal_rebate_is_half_the_cv_above_100_rounded_half_up(cycle_cv, rebate):
    run = one_cycle([member(A)], [sale(1, A, "2026-05-05", cycle_cv)], 909)
    a = row(run, A)
    assert a["rebate"] == dollars(rebate)
    assert (a["left"], a["right"]) == (dollars(rebate), dollars(rebate))
    assert (a["bank_left"], a["bank_right"]) == (dollars(rebate), dollars(rebate))


@pytest.mark.parametrize(
    ("bank", "matched", "rank", "binary", "left_over"),
    [
        ("0", "0", "Apprentice", "0", "0"),
        ("99.99", "0", "Apprentice", "0", "99.99"),
        ("100", "100", "Apprentice", "10.00", "0"),
        ("499.99", "400", "Apprentice", "40.00", "99.99"),
        ("500", "500", "Elite", "50.00", "0"),
        ("1499.99", "1400", "Elite", "140.00", "99.99"),
        ("1500", "1500", "Bronze", "165.00", "0"),
        ("2500", "2500", "Silver", "300.00", "0"),
        ("4000", "4000", "Gold", "520.00", "0"),
        ("8000", "8000", "Platinum", "1120.00", "0"),
        ("12000", "12000", "Diamond", "1800.00", "0"),
        ("70000", "70000", "Diamond", "10000.00", "0"),
    ],
)
def test_matched_volume_sets_the_paid_as_rank_and_rate(
    bank, matched, rank, binary, left_over
):
    members, sales = qualified_trio(909)
    cents = events.hundredths(bank)
    state = State(bank_left={A: cents}, bank_right={A: cents})
    a = row(one_cycle(members, sales, 909, state), A)
    assert a["binary_qualified"] is True
    assert (a["matched"], a["rank"], a["binary"]) == (
        dollars(matched),
        rank,
        dollars(binary),
    )
    assert (a["bank_left"], a["bank_right"]) == (dollars(left_over),) * 2
    assert a["breakage"] == (dollars("500.00") if bank == "70000" else 0)


def test_nothing_is_paid_below_the_plans_minimum_match():
    data = plan_data()
    data["versions"][0]["binary"]["min_match_cv"] = "500"
    version = parse_plan(data).for_cycle(909)
    members, sales = qualified_trio(909)
    for bank, matched, binary, left_over in (
        (49_999, 40_000, 0, 49_999),
        (50_000, 50_000, 5_000, 0),
    ):
        state = State(bank_left={A: bank}, bank_right={A: bank})
        data_in = events.build_input(members, sales, version, 909, state)
        result = engine.compute(data_in, version)
        assert (int(result.matched[0]), int(result.binary[0])) == (matched, binary)
        assert int(result.bank_left[0]) == left_over


def test_a_member_without_both_enrollees_is_paid_as_affiliate_and_banks():
    members, sales = qualified_trio(909)
    sales = [s for s in sales if s.distributor_id != C]  # C inactive
    state = State(bank_left={A: 100_000}, bank_right={A: 100_000})
    a = row(one_cycle(members, sales, 909, state), A)
    assert (a["binary_qualified"], a["rank"], a["matched"]) == (False, "Affiliate", 0)
    assert (a["bank_left"], a["bank_right"]) == (dollars("1000.00"),) * 2
    assert a["binary"] == 0


def test_qualification_counts_active_enrollees_anywhere_in_each_leg():
    members = [
        member(A),
        member(B, A, A, "L"),
        member(C, A, A, "R"),  # enrolled by A but inactive
        member(D, A, C, "R"),  # enrolled by A, deep in the right leg
        member(E, C, C, "L"),  # active, but enrolled by C
    ]
    sales = [sale(n, who, "2026-05-05", "50") for n, who in enumerate((A, B, D, E))]
    assert row(one_cycle(members, sales, 909), A)["binary_qualified"] is True
    without_d = [s for s in sales if s.distributor_id != D]
    assert row(one_cycle(members, without_d, 909), A)["binary_qualified"] is False


def test_a_terminated_enrollee_does_not_qualify_its_enroller():
    members, sales = qualified_trio(909)
    members[2] = member(C, A, A, "R", terminated="2026-05-01")
    assert row(one_cycle(members, sales, 909), A)["binary_qualified"] is False


def test_members_in_the_holding_tank_add_no_volume_and_do_not_qualify():
    members = [member(A), member(B, A, A, "L"), tank(C, A)]
    sales = [
        sale(1, A, "2026-05-05", "50"),
        sale(2, B, "2026-05-05", "60"),
        sale(3, C, "2026-05-05", "1000"),
    ]
    run = one_cycle(members, sales, 909)
    a, c = row(run, A), row(run, C)
    assert (a["new_left"], a["new_right"]) == (dollars("60.00"), 0)
    assert a["binary_qualified"] is False
    assert c["active"] is True
    assert (c["left"], c["right"]) == (dollars("450.00"),) * 2
    assert run[1].new_left.sum() + run[1].new_right.sum() == 6000


def test_an_inactive_member_flushes_both_banks():
    state = State(bank_left={A: 50_000}, bank_right={A: 20_000})
    a = row(one_cycle([member(A)], [sale(1, A, "2026-05-05", "40")], 909, state), A)
    assert a["active"] is False
    assert a["flushed"] == dollars("700.00")
    assert (a["bank_left"], a["bank_right"]) == (0, 0)


def test_a_refund_in_a_later_cycle_can_push_a_bank_below_zero():
    members = [member(A), member(B, A, A, "L"), member(C, A, A, "R")]
    sales = [
        sale(1, A, "2026-05-05", "60"),
        sale(2, B, "2026-05-05", "300", refunds=(refund("2026-05-12", "300"),)),
        sale(3, C, "2026-05-05", "300"),
        sale(4, C, "2026-05-19", "100"),
    ]
    runs = simulate(members, sales, 911)
    first = row(runs[909], A)
    assert (first["matched"], first["binary"]) == (dollars("300.00"), dollars("30.00"))
    assert (first["bank_left"], first["bank_right"]) == (0, 0)
    second = row(runs[910], A)
    assert second["new_left"] == dollars("-300.00")
    assert (second["bank_left"], second["bank_right"]) == (dollars("-300.00"), 0)
    assert row(runs[910], B)["flushed"] == dollars("200.00")
    third = row(runs[911], A)
    assert (third["left"], third["right"]) == (dollars("-300.00"), dollars("100.00"))
    assert (third["bank_left"], third["bank_right"]) == (
        dollars("-300.00"),
        dollars("100.00"),
    )


# §4 package windows ---------------------------------------------------------------


def window_case(cycle: int, package_sales: list[Sale], bank: int = 100_000) -> dict:
    members, sales = qualified_trio(cycle)
    state = State(bank_left={A: bank}, bank_right={A: bank})
    return row(one_cycle(members, sales + package_sales, cycle, state), A)


def test_the_window_includes_its_last_day_and_ends_after_it():
    bought = [sale(1, A, "2026-03-10", "100", "0", package=1)]  # to 2026-05-10
    inside = window_case(909, bought)
    assert (inside["rate"], inside["rate_source"], inside["binary"]) == (
        dollars("15"),
        1,
        dollars("150.00"),
    )
    after = window_case(910, bought)
    assert (after["rate"], after["rate_source"], after["binary"]) == (
        dollars("10"),
        engine.RATE_FROM_RANK,
        dollars("100.00"),
    )


def test_a_window_from_the_31st_ends_on_the_last_day_of_a_short_month():
    bought = [sale(1, A, "2026-12-31", "100", "0", package=1)]  # to 2027-02-28
    sunday = VERSION.cycle_of(date(2027, 2, 28))
    assert VERSION.cycle_end(sunday) == date(2027, 2, 28)
    assert window_case(sunday, bought)["rate"] == dollars("15")
    assert window_case(sunday + 1, bought)["rate"] == dollars("10")


def test_the_first_kept_order_of_a_level_opens_its_window():
    again = sale(2, A, "2026-04-20", "100", "0", package=1)
    first = sale(1, A, "2026-03-10", "100", "0", package=1)
    assert window_case(910, [first, again])["rate"] == dollars("10")
    given_back = sale(
        1,
        A,
        "2026-03-10",
        "100",
        "0",
        package=1,
        refunds=(refund("2026-03-20", "100", "0"),),
        given_back="2026-03-20",
    )
    # Given back, the first no longer counts: the repurchase opens to 06-20.
    assert window_case(910, [given_back, again])["rate"] == dollars("15")


def test_the_highest_open_window_gives_the_package_rate():
    packs = [
        sale(1, A, "2026-04-01", "100", "0", package=1),
        sale(2, A, "2026-04-02", "100", "0", package=3),
        sale(3, A, "2026-04-03", "100", "0", package=2),
    ]
    a = window_case(909, packs)
    assert (a["rate"], a["rate_source"], a["binary"]) == (
        dollars("17"),
        3,
        dollars("170.00"),
    )


def test_a_package_rate_equal_to_the_rank_rate_is_reported_as_the_rank_rate():
    esp1 = [sale(1, A, "2026-04-01", "100", "0", package=1)]
    a = window_case(909, esp1, bank=1_200_000)  # Diamond 15 % = ESP-1 15 %
    assert (a["rank"], a["rate"], a["rate_source"]) == (
        "Diamond",
        dollars("15"),
        engine.RATE_FROM_RANK,
    )
    esp2 = [sale(1, A, "2026-04-01", "100", "0", package=2)]
    b = window_case(909, esp2, bank=1_200_000)
    assert (b["rate"], b["rate_source"], b["binary"]) == (
        dollars("16"),
        2,
        dollars("1920.00"),
    )


def test_a_package_given_back_no_longer_gives_its_rate_or_level():
    pack = sale(
        1,
        A,
        "2026-04-01",
        "100",
        "0",
        package=3,
        refunds=(refund("2026-05-06", "100", "0"),),
        given_back="2026-05-06",
    )
    before = window_case(908, [pack])
    assert (before["rate"], before["package"]) == (dollars("17"), 3)
    after = window_case(909, [pack])
    assert (after["rate"], after["package"]) == (dollars("10"), 0)


# §5 ranks kept for recognition ---------------------------------------------------


def test_the_best_rank_keeps_the_highest_paid_recognised_or_earlier_rank():
    members, sales = qualified_trio(909)
    esp3 = [sale(1, A, "2026-04-01", "100", "0", package=3)]
    # ESP-3 recognises Silver even when the member is paid as Elite.
    state = State(bank_left={A: 50_000}, bank_right={A: 50_000})
    a = row(one_cycle(members, sales + esp3, 909, state), A)
    assert (a["rank"], a["best_rank"]) == ("Elite", "Silver")
    # An earlier Gold stays.
    state = State(bank_left={A: 50_000}, bank_right={A: 50_000}, best_rank={A: 5})
    a = row(one_cycle(members, sales, 909, state), A)
    assert (a["rank"], a["best_rank"]) == ("Elite", "Gold")
    # A Diamond week beats both.
    state = State(bank_left={A: 1_200_000}, bank_right={A: 1_200_000}, best_rank={A: 5})
    a = row(one_cycle(members, sales + esp3, 909, state), A)
    assert (a["rank"], a["best_rank"]) == ("Diamond", "Diamond")
    # Not qualified: Affiliate, but ESP-3 still recognises Silver.
    lone = row(
        one_cycle([member(A)], [sale(1, A, "2026-05-05", "50", package=3)], 909), A
    )
    assert (lone["rank"], lone["best_rank"]) == ("Affiliate", "Silver")


# §6 GEN5 ------------------------------------------------------------------------

K = range(300001, 300010)
X = 300100  # the buyer in the GEN5 tests


def enrollment_chain(
    specs: list[tuple[int, str, str | None]], *, on: str = "2026-04-20"
) -> tuple[list[Member], list[Sale]]:
    """Members K[0] (top) … each enrolled and placed left under the one before.

    ``specs``: (package level, PV dated ``on``, terminated or None) per member.
    """
    members, sales = [], []
    for n, (level, pv, terminated) in enumerate(specs):
        up = K[n - 1] if n else None
        members.append(member(K[n], up, up, "L" if n else "", terminated=terminated))
        if pv != "0" or level:
            sales.append(sale(700 + n, K[n], on, pv, package=level))
    return members, sales


def gen5_lines(run: Run) -> list[tuple]:
    return [line for line in lines(run) if line[1] == "gen5"]


def test_gen5_compresses_past_unqualified_uplines():
    members, sales = enrollment_chain(
        [
            (3, "100", None),  # K0 qualified
            (3, "20", None),  # K1 inactive
            (0, "100", None),  # K2 no package
            (2, "200", "2026-05-01"),  # K3 terminated
            (1, "100", None),  # K4 qualified, holds ESP-1
        ]
    )
    members.append(member(X, K[4], K[4], "L", joined="2026-05-04"))
    sales.append(sale(1, X, "2026-05-05", "500", package=3))
    assert gen5_lines(one_cycle(members, sales, 909)) == [
        (K[0], "gen5", 1, X, 2, dollars("20.00")),
        (K[4], "gen5", 1, X, 1, dollars("25.00")),
    ]


def five_qualified_uplines(
    fifth_pv: str = "100", fifth_on: str = "2026-04-20", cycle: int = 909
) -> list[tuple]:
    # K2 is generation 5 for a buyer enrolled by K6.
    specs = [(3, "100", None)] * 7
    specs[2] = (3, "0", None)
    members, sales = enrollment_chain(specs)
    sales.append(sale(800, K[2], fifth_on, fifth_pv))
    start = VERSION.cycle_start(cycle)
    members.append(member(X, K[6], K[6], "L", joined=start))
    sales.append(sale(1, X, (start + timedelta(days=2)).isoformat(), "500", package=3))
    return [
        line for line in gen5_lines(one_cycle(members, sales, cycle)) if line[2] == 1
    ]


def test_gen5_pays_five_qualified_generations_and_no_more():
    assert five_qualified_uplines() == [
        (K[2], "gen5", 1, X, 5, dollars("20.00")),
        (K[3], "gen5", 1, X, 4, dollars("20.00")),
        (K[4], "gen5", 1, X, 3, dollars("20.00")),
        (K[5], "gen5", 1, X, 2, dollars("20.00")),
        (K[6], "gen5", 1, X, 1, dollars("150.00")),
    ]


@pytest.mark.parametrize(
    ("cycle", "on", "pv", "amount"),
    [
        (909, "2026-05-01", "100", "40.00"),
        (909, "2026-05-01", "99.99", "20.00"),
        (909, "2026-04-30", "100", "20.00"),  # April: not this month
        # Cycle 908 runs 2026-04-27 … 05-03: its Sunday is in May.
        (908, "2026-04-28", "100", "20.00"),
        (908, "2026-05-02", "100", "40.00"),
    ],
)
def test_generation_5_doubles_with_100_pv_in_the_sundays_month(cycle, on, pv, amount):
    fifth = five_qualified_uplines(pv, on, cycle)[0]
    assert (fifth[0], fifth[4], fifth[5]) == (K[2], 5, dollars(amount))


def test_generation_5_doubling_is_limited_to_generation_5():
    members, sales = enrollment_chain([(3, "100", None)] * 2, on="2026-05-01")
    members.append(member(X, K[1], K[1], "L", joined="2026-05-04"))
    sales.append(sale(1, X, "2026-05-05", "500", package=3))
    assert gen5_lines(one_cycle(members, sales, 909)) == [
        (K[0], "gen5", 1, X, 2, dollars("20.00")),
        (K[1], "gen5", 1, X, 1, dollars("150.00")),
    ]


def upgrade_network() -> list[Member]:
    # K0 (ESP-3) enrolled K1 (ESP-2), who enrolled the buyer X.
    members, _ = enrollment_chain([(3, "100", None), (2, "100", None)])
    return [*members, member(X, K[1], K[1], "L")]


def upline_sales(on: str = "2026-05-01") -> list[Sale]:
    return [
        sale(700, K[0], on, "100", package=3),
        sale(701, K[1], on, "100", package=2),
    ]


def test_an_upgrade_pays_the_difference_capped_by_each_uplines_package():
    sales = upline_sales() + [
        sale(1, X, "2026-04-28", "100", package=1),
        sale(2, X, "2026-05-05", "500", package=3),
    ]
    assert gen5_lines(one_cycle(upgrade_network(), sales, 909)) == [
        (K[0], "gen5", 2, X, 2, dollars("15.00")),
        (K[1], "gen5", 2, X, 1, dollars("50.00")),
    ]


def test_an_upgrade_in_the_same_cycle_pays_each_step():
    sales = upline_sales() + [
        sale(1, X, "2026-05-04", "100", package=1),
        sale(2, X, "2026-05-05", "500", package=3),
    ]
    assert gen5_lines(one_cycle(upgrade_network(), sales, 909)) == [
        (K[0], "gen5", 1, X, 2, dollars("5.00")),
        (K[0], "gen5", 2, X, 2, dollars("15.00")),
        (K[1], "gen5", 1, X, 1, dollars("25.00")),
        (K[1], "gen5", 2, X, 1, dollars("50.00")),
    ]


def test_orders_are_taken_by_date_then_order_number():
    # Same day: the lower number first, so ESP-1 (order 8) comes after ESP-3.
    same_day = upline_sales() + [
        sale(8, X, "2026-05-05", "100", package=1),
        sale(7, X, "2026-05-05", "500", package=3),
    ]
    assert [
        line[2] for line in gen5_lines(one_cycle(upgrade_network(), same_day, 909))
    ] == [
        7,
        7,
    ]
    # The earlier date wins over a lower number.
    by_date = upline_sales() + [
        sale(20, X, "2026-05-04", "500", package=3),
        sale(10, X, "2026-05-05", "100", package=1),
    ]
    assert [
        line[2] for line in gen5_lines(one_cycle(upgrade_network(), by_date, 909))
    ] == [
        20,
        20,
    ]


def test_repurchasing_a_held_level_pays_nothing():
    sales = upline_sales() + [
        sale(1, X, "2026-04-28", "100", package=2),
        sale(2, X, "2026-05-05", "100", package=2),
        sale(3, X, "2026-05-06", "100", package=1),
    ]
    run = one_cycle(upgrade_network(), sales, 909)
    assert gen5_lines(run) == []
    assert row(run, X)["package"] == 2


def test_a_package_refunded_in_its_cycle_pays_nothing_and_gives_no_level():
    sales = upline_sales() + [
        sale(
            1,
            X,
            "2026-05-05",
            "500",
            package=3,
            refunds=(refund("2026-05-06", "500"),),
            given_back="2026-05-06",
        )
    ]
    run = one_cycle(upgrade_network(), sales, 909)
    assert gen5_lines(run) == []
    assert (row(run, X)["package"], row(run, X)["cycle_pv"]) == (0, 0)


def test_a_package_refunded_later_reverses_its_lines_and_loses_its_level():
    sales = upline_sales() + [
        sale(
            1,
            X,
            "2026-05-05",
            "500",
            package=3,
            refunds=(refund("2026-05-12", "500"),),
            given_back="2026-05-12",
        ),
        sale(2, X, "2026-05-19", "100", package=2),
    ]
    runs = simulate(upgrade_network(), sales, 911)
    assert gen5_lines(runs[909]) == [
        (K[0], "gen5", 1, X, 2, dollars("20.00")),
        (K[1], "gen5", 1, X, 1, dollars("75.00")),
    ]
    assert gen5_lines(runs[910]) == [
        (K[0], "gen5", 1, X, 2, dollars("-20.00")),
        (K[1], "gen5", 1, X, 1, dollars("-75.00")),
    ]
    assert row(runs[910], X)["package"] == 0
    assert row(runs[910], K[1])["gen5"] == dollars("-75.00")
    # ESP-3 given back, ESP-2 is a first purchase again and pays in full.
    assert gen5_lines(runs[911]) == [
        (K[0], "gen5", 2, X, 2, dollars("10.00")),
        (K[1], "gen5", 2, X, 1, dollars("75.00")),
    ]


@pytest.mark.parametrize(
    ("cv", "refunded", "first", "second"),
    [
        ("300", "100", "13.33", "50.00"),  # 2/3 of 20 and of 75
        ("8", "7", "2.50", "9.38"),  # 1/8 of 75 = 9.375: half away from zero
    ],
)
def test_a_partial_refund_in_the_cycle_scales_gen5_lines(cv, refunded, first, second):
    sales = upline_sales() + [
        sale(
            1, X, "2026-05-05", cv, package=3, refunds=(refund("2026-05-07", refunded),)
        )
    ]
    assert gen5_lines(one_cycle(upgrade_network(), sales, 909)) == [
        (K[0], "gen5", 1, X, 2, dollars(first)),
        (K[1], "gen5", 1, X, 1, dollars(second)),
    ]


def test_later_partial_refunds_reverse_in_proportion_and_in_full_at_the_end():
    refunds = (refund("2026-05-12", "100"), refund("2026-05-19", "200"))
    sales = upline_sales() + [
        sale(1, X, "2026-05-05", "300", package=3, refunds=refunds)
    ]
    runs = simulate(upgrade_network(), sales, 911)
    assert gen5_lines(runs[910]) == [
        (K[0], "gen5", 1, X, 2, dollars("-6.67")),
        (K[1], "gen5", 1, X, 1, dollars("-25.00")),
    ]
    assert gen5_lines(runs[911]) == [
        (K[0], "gen5", 1, X, 2, dollars("-13.33")),
        (K[1], "gen5", 1, X, 1, dollars("-50.00")),
    ]


def test_customer_orders_never_buy_a_package():
    sales = upline_sales() + [
        sale(1, X, "2026-05-05", "500", kind="customer", package=3, profit="10")
    ]
    run = one_cycle(upgrade_network(), sales, 909)
    assert gen5_lines(run) == []
    assert row(run, X)["package"] == 0
    assert row(run, X)["retail"] == dollars("10.00")


# §7 MVP -------------------------------------------------------------------------


def mvp_network(joined: str = "2026-05-04") -> list[Member]:
    return [member(A, joined="2026-01-05"), member(B, A, A, "L", joined=joined)]


def sponsor_active(*days: str) -> list[Sale]:
    return [sale(600 + n, A, on, "50", "0") for n, on in enumerate(days)]


def mvp_lines(run: Run) -> list[tuple]:
    return [line for line in lines(run) if line[1] == "mvp"]


@pytest.mark.parametrize(("pv", "paid"), [("99.99", False), ("100", True)])
def test_mvp_pays_25_once_the_enrollee_reaches_100_pv(pv, paid):
    sales = sponsor_active("2026-05-04") + [sale(1, B, "2026-05-05", pv)]
    run = one_cycle(mvp_network(), sales, 909)
    assert mvp_lines(run) == ([(A, "mvp", -1, B, 0, dollars("25.00"))] if paid else [])
    assert row(run, B)["mvp_decision"] == (
        engine.MVP_PAID if paid else engine.MVP_UNDECIDED
    )


def test_mvp_counts_pv_across_cycles_and_pays_once():
    sales = sponsor_active("2026-05-04", "2026-05-25") + [
        sale(1, B, "2026-05-05", "60"),
        sale(2, B, "2026-05-12", "40"),
        sale(3, B, "2026-05-19", "500"),
    ]
    runs = simulate(mvp_network(), sales, 911)
    assert mvp_lines(runs[909]) == []
    assert mvp_lines(runs[910]) == [(A, "mvp", -1, B, 0, dollars("25.00"))]
    assert mvp_lines(runs[911]) == []


def test_mvp_is_never_reversed():
    sales = sponsor_active("2026-05-04") + [
        sale(1, B, "2026-05-05", "100", refunds=(refund("2026-05-12", "100"),))
    ]
    runs = simulate(mvp_network(), sales, 910)
    assert mvp_lines(runs[909]) == [(A, "mvp", -1, B, 0, dollars("25.00"))]
    assert mvp_lines(runs[910]) == []
    assert row(runs[910], A)["mvp"] == 0


def test_mvp_is_forfeited_for_good_when_the_enroller_is_inactive():
    sales = sponsor_active("2026-05-12") + [
        sale(1, B, "2026-05-05", "100"),
        sale(2, B, "2026-05-12", "100"),
    ]
    runs = simulate(mvp_network(), sales, 910)
    assert row(runs[909], A)["active"] is False
    assert mvp_lines(runs[909]) == []
    assert row(runs[909], B)["mvp_decision"] == engine.MVP_FORFEITED
    assert row(runs[910], A)["active"] is True
    assert mvp_lines(runs[910]) == []


def test_mvp_is_forfeited_when_the_enroller_is_terminated():
    members = [
        member(A, joined="2026-01-05", terminated="2026-05-01"),
        member(B, A, A, "L", joined="2026-05-04"),
    ]
    sales = sponsor_active("2026-05-04") + [sale(1, B, "2026-05-05", "100")]
    run = one_cycle(members, sales, 909)
    assert mvp_lines(run) == []
    assert row(run, B)["mvp_decision"] == engine.MVP_FORFEITED


@pytest.mark.parametrize(
    ("joined", "on", "paid"),
    [
        ("2026-02-04", "2026-05-05", True),  # join + 90 days = 2026-05-05
        ("2026-02-03", "2026-05-04", True),  # join + 90 days = Monday of 909
        ("2026-02-04", "2026-05-06", False),  # a day late
        ("2026-02-02", "2026-05-04", False),  # window closed 05-03, cycle 908
    ],
)
def test_mvp_counts_pv_within_90_days_of_joining(joined, on, paid):
    sales = sponsor_active("2026-05-04") + [sale(1, B, on, "100")]
    runs = simulate(mvp_network(joined), sales, 910)
    found = [line for cycle in runs.values() for line in mvp_lines(cycle)]
    assert found == ([(A, "mvp", -1, B, 0, dollars("25.00"))] if paid else [])


def test_mvp_counts_customer_pv_credited_to_the_enrollee():
    sales = sponsor_active("2026-05-04") + [customer(1, B, "2026-05-05", "100", "5")]
    assert mvp_lines(one_cycle(mvp_network(), sales, 909)) == [
        (A, "mvp", -1, B, 0, dollars("25.00"))
    ]


# §8 retail and §9 refunds --------------------------------------------------------


def test_retail_profit_is_paid_whatever_the_status_unless_terminated():
    members = [
        member(A),
        member(B, A, A, "L"),
        member(C, A, A, "R", terminated="2026-05-10"),
    ]
    sales = [
        customer(1, B, "2026-05-05", "20", "7.50"),  # B stays inactive
        customer(2, C, "2026-05-05", "100", "30"),
    ]
    run = one_cycle(members, sales, 909)
    assert lines(run) == [(B, "retail", 1, None, 0, dollars("7.50"))]
    assert row(run, B)["active"] is False
    assert row(run, C)["retail"] == 0


def test_retail_refunded_in_its_cycle_pays_nothing_or_its_kept_share():
    members = [member(A)]
    sales = [
        customer(1, A, "2026-05-05", "90", "30", refunds=(refund("2026-05-06", "90"),)),
        customer(2, A, "2026-05-05", "90", "30", refunds=(refund("2026-05-07", "30"),)),
    ]
    run = one_cycle(members, sales, 909)
    assert lines(run) == [(A, "retail", 2, None, 0, dollars("20.00"))]
    assert row(run, A)["cycle_pv"] == dollars("60.00")


def test_retail_refunded_later_is_reversed_to_the_same_payee():
    sales = [
        customer(1, A, "2026-05-05", "90", "30", refunds=(refund("2026-05-12", "90"),))
    ]
    runs = simulate([member(A)], sales, 910)
    assert lines(runs[909]) == [(A, "retail", 1, None, 0, dollars("30.00"))]
    assert lines(runs[910]) == [(A, "retail", 1, None, 0, dollars("-30.00"))]


def test_a_refund_after_the_payee_was_terminated_is_still_reversed():
    members = [member(A), member(B, A, A, "L", terminated="2026-05-11")]
    sales = [
        customer(1, B, "2026-05-05", "90", "30", refunds=(refund("2026-05-12", "90"),))
    ]
    runs = simulate(members, sales, 910)
    assert lines(runs[910]) == [(B, "retail", 1, None, 0, dollars("-30.00"))]
    assert row(runs[910], B)["balance_out"] == dollars("-30.00")


# §10 payout ---------------------------------------------------------------------


def test_the_minimum_payout_carries_2499_and_pays_2500():
    sales = [
        customer(1, A, "2026-05-05", "10", "24.99"),
        customer(2, A, "2026-05-12", "10", "0.01"),
        customer(3, A, "2026-05-19", "10", "25.00"),
    ]
    runs = simulate([member(A)], sales, 911)
    first, second, third = (row(runs[n], A) for n in (909, 910, 911))
    assert (first["paid"], first["balance_out"]) == (0, dollars("24.99"))
    assert (second["balance_in"], second["total"]) == (
        dollars("24.99"),
        dollars("0.01"),
    )
    assert (second["paid"], second["balance_out"]) == (dollars("25.00"), 0)
    assert (third["paid"], third["balance_out"]) == (dollars("25.00"), 0)


def test_a_negative_balance_carries_until_covered():
    sales = [
        customer(1, A, "2026-05-05", "10", "30", refunds=(refund("2026-05-12", "10"),)),
        customer(2, A, "2026-05-19", "10", "40"),
        customer(3, A, "2026-05-26", "10", "20"),
    ]
    runs = simulate([member(A)], sales, 912)
    assert row(runs[909], A)["paid"] == dollars("30.00")
    minus = row(runs[910], A)
    assert (minus["total"], minus["paid"], minus["balance_out"]) == (
        dollars("-30.00"),
        0,
        dollars("-30.00"),
    )
    assert (row(runs[911], A)["paid"], row(runs[911], A)["balance_out"]) == (
        0,
        dollars("10.00"),
    )
    assert (row(runs[912], A)["paid"], row(runs[912], A)["balance_out"]) == (
        dollars("30.00"),
        0,
    )


# Refund edge cases of §9 -----------------------------------------------------------


def test_an_order_without_cv_refunded_in_its_cycle_pays_no_retail():
    sales = [
        customer(1, A, "2026-05-05", "0", "10", refunds=(refund("2026-05-06", "0"),))
    ]
    run = one_cycle([member(A)], sales, 909)
    assert lines(run) == []


def test_an_order_without_cv_refunded_later_is_reversed():
    sales = [
        customer(1, A, "2026-05-05", "0", "10", refunds=(refund("2026-05-12", "0"),))
    ]
    runs = simulate([member(A)], sales, 910)
    assert lines(runs[909]) == [(A, "retail", 1, None, 0, dollars("10.00"))]
    assert lines(runs[910]) == [(A, "retail", 1, None, 0, dollars("-10.00"))]


def test_an_order_refunded_in_its_cycle_earns_no_mvp_at_the_window_end():
    # Joined 2026-02-04: the window ends Tuesday 2026-05-05, inside cycle 909.
    sales = sponsor_active("2026-05-04") + [
        sale(1, B, "2026-05-05", "100", refunds=(refund("2026-05-06", "100"),))
    ]
    run = one_cycle(mvp_network("2026-02-04"), sales, 909)
    assert row(run, B)["cycle_pv"] == 0
    assert mvp_lines(run) == []


def test_an_order_refunded_in_part_in_its_cycle_and_the_rest_later_keeps_nothing():
    # 60 of 300 refunded in the order's cycle; the 240 kept, half in each of
    # the next two cycles.
    refunds = (
        refund("2026-05-06", "60"),
        refund("2026-05-13", "120"),
        refund("2026-05-20", "120"),
    )
    sales = upline_sales() + [
        sale(
            1,
            X,
            "2026-05-05",
            "300",
            package=3,
            refunds=refunds,
            given_back="2026-05-20",
        )
    ]
    runs = simulate(upgrade_network(), sales, 911)
    assert gen5_lines(runs[909]) == [
        (K[0], "gen5", 1, X, 2, dollars("16.00")),
        (K[1], "gen5", 1, X, 1, dollars("60.00")),
    ]
    for cycle in (910, 911):
        assert gen5_lines(runs[cycle]) == [
            (K[0], "gen5", 1, X, 2, dollars("-8.00")),
            (K[1], "gen5", 1, X, 1, dollars("-30.00")),
        ]
    assert sum(row(runs[n], K[1])["gen5"] for n in (909, 910, 911)) == 0


# Engine helpers -------------------------------------------------------------------


def test_placement_order_walks_a_20000_deep_leg_without_recursion():
    size = 20_000
    parent = np.arange(-1, size - 1, dtype=np.int64)
    side = np.where(np.arange(size) % 3 == 0, engine.RIGHT, engine.LEFT)
    side[0] = engine.NO_SIDE
    placed = np.ones(size, dtype=bool)
    position, end = engine.placement_order(parent, side, placed)
    assert position.tolist() == list(range(size))
    assert end.tolist() == [size] * size


def test_placement_order_is_pre_order_left_first_and_skips_the_tank():
    # 0 has 1 (L) and 2 (R); 1 has 3 (R); 4 is in the holding tank.
    parent = np.array([-1, 0, 0, 1, -1], dtype=np.int64)
    side = np.array([-1, engine.LEFT, engine.RIGHT, engine.RIGHT, -1], dtype=np.int64)
    placed = np.array([True, True, True, True, False])
    position, end = engine.placement_order(parent, side, placed)
    assert position.tolist() == [0, 1, 3, 2, -1]
    assert end.tolist() == [4, 3, 4, 3, -1]


def test_a_20000_deep_network_sums_legs_and_compresses_gen5():
    size = 20_000
    top = 400_000
    members = [member(top)]
    members += [member(top + n, top + n - 1, top + n - 1, "L") for n in range(1, size)]
    bottom = top + size - 1
    sales = [
        sale(1, top, "2026-05-04", "100", package=3),
        sale(2, bottom, "2026-05-05", "300", package=3),
    ]
    run = one_cycle(members, sales, 909)
    result = run[1]
    assert result.new_left.tolist() == [30_000] * (size - 1) + [0]
    assert result.new_right.sum() == 0
    # 19,998 uplines without activity are skipped: the top is generation 1.
    assert gen5_lines(run) == [(top, "gen5", 2, bottom, 1, dollars("150.00"))]


def test_add_months_clips_to_the_months_last_day():
    cases = [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 3, 2), 6, date(2026, 9, 2)),
        (date(2026, 11, 15), 14, date(2028, 1, 15)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ]
    days = np.array([start.toordinal() for start, _, _ in cases], dtype=np.int64)
    for months in {m for _, m, _ in cases}:
        moved = engine.add_months(days, months).tolist()
        for (start, m, expected), got in zip(cases, moved, strict=True):
            if m == months:
                assert date.fromordinal(got) == expected, (start, months)


def test_add_months_agrees_with_the_calendar_for_every_day_of_five_years():
    first = date(2024, 1, 1)
    starts = [first + timedelta(days=n) for n in range(5 * 366)]
    days = np.array([d.toordinal() for d in starts], dtype=np.int64)
    for months in (1, 2, 4, 6, 12, 13):
        moved = engine.add_months(days, months).tolist()
        assert [date.fromordinal(n) for n in moved] == [
            reference.plus_months(d, months) for d in starts
        ]


@pytest.mark.parametrize(
    ("amount", "kept", "whole", "expected"),
    [
        (7500, 100, 800, 938),  # 937.5: half away from zero
        (-7500, 100, 800, -938),
        (2000, 100, 300, 667),
        (2000, 200, 300, 1333),
        (-2000, 100, 300, -667),
        (1234, 0, 300, 0),
        (1234, 300, 300, 1234),
        (1234, 0, 0, 1234),  # nothing to share by: the whole line
        (0, 5, 10, 0),
        (1, 1, 2, 1),
        (-1, 1, 2, -1),
        (3, 1, 2, 2),
    ],
)
def test_share_rounds_half_away_from_zero(amount, kept, whole, expected):
    assert engine.share([amount], [kept], [whole]).tolist() == [expected]


def test_share_works_on_columns():
    got = engine.share([7500, 2000, -2000], [100, 300, 150], [800, 300, 300])
    assert got.tolist() == [938, 2000, -1000]


def digests(members: list[Member], sales: list[Sale], through: int) -> list[str]:
    return [
        engine.digest(result, data.network.distributor_id)
        for data, result in events.simulate(members, sales, PLAN, through)
    ]


def test_digest_is_stable_across_reruns_and_input_order():
    members, sales = gen5_example()
    first = digests(members, sales, 910)
    assert len(first) > 2
    assert digests(members, sales, 910) == first
    assert digests(members[::-1], sales[::-1], 910) == first
    changed = [*sales[:-1], sale(9002, W, "2026-05-06", "100.01", package=1)]
    assert digests(members, changed, 910)[-2] != first[-2]
    assert digests(members, changed, 910)[:-2] == first[:-2]
