"""The engine agrees with the plain reference on random networks, cent for cent.

No database: the engine and ``events.simulate`` are pure.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.commissions import engine, events
from backoffice.commissions.events import Member, Refund, Sale
from backoffice.commissions.plan import load_plan
from backoffice.commissions.tests import reference
from backoffice.commissions.tests.reference import Outcome, Row

PLAN = load_plan()
VERSION = PLAN.for_cycle(909)
FIRST_ID = 100001
# Cycles that cross a month's end, a leap day and a year's end.
FIRST_CYCLES = [895, 899, 908, 912, 917, 943, 1003, 1020]
VOLUMES = ["0.01", "0.5", "12.34", "49.99", "50", "60", "99.99", "100", "100.01"]
VOLUMES += ["150", "250.55", "999.99", "2000", "6000", "80000"]
PROFITS = ["0", "0.01", "4.99", "12.50", "24.99", "25", "33.33"]

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def engine_outcomes(
    runs: list[tuple[engine.CycleInput, engine.CycleResult]],
) -> dict[int, Outcome]:
    """The engine's results in the reference's shape: IDs, rank names, tuples."""
    outcomes = {}
    for data, result in runs:
        names = PLAN.for_cycle(data.cycle).rank_names
        ids = data.network.distributor_id.tolist()
        rows = {}
        for i, x in enumerate(ids):
            rows[x] = Row(
                rank=names[int(result.rank[i])],
                best_rank=names[int(result.best_rank[i])],
                active=bool(result.active[i]),
                pv30=int(result.pv30[i]),
                cycle_pv=int(result.cycle_pv[i]),
                left_cv=int(result.left[i]),
                right_cv=int(result.right[i]),
                matched_cv=int(result.matched[i]),
                bank_left=int(result.bank_left[i]),
                bank_right=int(result.bank_right[i]),
                retail=int(result.retail[i]),
                gen5=int(result.gen5[i]),
                mvp=int(result.mvp[i]),
                binary=int(result.binary[i]),
                total=int(result.total[i]),
                balance_in=int(result.balance_in[i]),
                paid=int(result.paid[i]),
                balance_out=int(result.balance_out[i]),
            )
        lines = result.lines
        outcomes[data.cycle] = Outcome(
            rows=rows,
            lines=sorted(
                (
                    ids[payee],
                    engine.BONUS_CODES[bonus],
                    order,
                    ids[source] if source >= 0 else -1,
                    generation,
                    amount,
                )
                for payee, bonus, order, source, generation, amount in zip(
                    lines.payee.tolist(),
                    lines.bonus.tolist(),
                    lines.order.tolist(),
                    lines.source.tolist(),
                    lines.generation.tolist(),
                    lines.amount.tolist(),
                    strict=True,
                )
            ),
        )
    return outcomes


def check_invariants(runs) -> None:
    for data, result in runs:
        minimum = PLAN.for_cycle(data.cycle).minimum_payout
        lines = result.lines
        for code, column in enumerate(
            (result.retail, result.gen5, result.mvp, result.binary)
        ):
            sums = [0] * len(column)
            for payee, bonus, amount in zip(
                lines.payee.tolist(),
                lines.bonus.tolist(),
                lines.amount.tolist(),
                strict=True,
            ):
                if bonus == code:
                    sums[payee] += amount
            assert sums == column.tolist()
        assert (
            result.total == result.retail + result.gen5 + result.mvp + result.binary
        ).all()
        assert (
            result.paid + result.balance_out == result.balance_in + result.total
        ).all()
        assert ((result.paid == 0) | (result.paid >= minimum)).all()
        assert (lines.amount != 0).all()
        assert (result.bank_left[~result.active] == 0).all()
        assert (result.binary <= VERSION.weekly_cap).all()


def assert_same(members, sales, through) -> list:
    runs = events.simulate(members, sales, PLAN, through)
    expected = reference.run(members, sales, PLAN, through)
    actual = engine_outcomes(runs)
    assert sorted(actual) == sorted(expected)
    for cycle in expected:
        assert actual[cycle].rows == expected[cycle].rows, cycle
        assert actual[cycle].lines == expected[cycle].lines, cycle
    check_invariants(runs)
    return runs


def decimal_of(hundredths: int) -> Decimal:
    return Decimal(hundredths) / 100


@st.composite
def refunds_for(draw, on: date, pv: Decimal, cv: Decimal) -> tuple[tuple, date | None]:
    """Nothing, a full refund, or one or two partial ones, after ``on``."""
    whole_cv, whole_pv = int(cv * 100), int(pv * 100)
    mode = draw(st.sampled_from(["none", "none", "full", "partial", "two"]))
    if mode == "none":
        return (), None
    first_day = on + timedelta(days=draw(st.integers(0, 20)))
    if mode == "full":
        return (Refund(first_day, pv, cv),), first_day
    if whole_cv < 2:
        return (), None
    cv_part = draw(st.integers(1, whole_cv - 1))
    pv_part = draw(st.integers(0, whole_pv))
    first = Refund(first_day, decimal_of(pv_part), decimal_of(cv_part))
    if mode == "partial":
        return (first,), None
    second_day = first_day + timedelta(days=draw(st.integers(0, 14)))
    rest_cv = draw(st.integers(1, whole_cv - cv_part))
    rest_pv = draw(st.integers(0, whole_pv - pv_part))
    second = Refund(second_day, decimal_of(rest_pv), decimal_of(rest_cv))
    given_back = second_day if cv_part + rest_cv == whole_cv else None
    return (first, second), given_back


@st.composite
def sales_for(draw, members: list[Member], last_day: date) -> list[Sale]:
    """Random orders; with starters, most members also buy a pack when they join."""
    starters = []
    if draw(st.booleans()):
        starters = [m for m in members if draw(st.integers(0, 3))]
    count = draw(st.integers(0, min(4 * len(members), 24)))
    others = [draw(st.sampled_from(members)) for _ in range(count)]
    buyers = [(m, True) for m in starters] + [(m, False) for m in others]
    order_ids = draw(st.permutations(range(500, 500 + len(buyers))))
    sales = []
    for order_id, (buyer, is_starter) in zip(order_ids, buyers, strict=True):
        room = (last_day - buyer.join_date).days
        if room < 0:
            continue
        profit = Decimal("0")
        if is_starter:
            on = buyer.join_date + timedelta(days=draw(st.integers(0, min(room, 6))))
            kind = "distributor"
            pv = cv = Decimal(draw(st.sampled_from(["50", "100", "120", "500"])))
            package = draw(st.integers(1, 3))
        else:
            on = buyer.join_date + timedelta(days=draw(st.integers(0, room)))
            kind = draw(st.sampled_from(["distributor", "distributor", "customer"]))
            pv = Decimal(draw(st.sampled_from(["0", *VOLUMES])))
            cv = Decimal(draw(st.sampled_from([str(pv), "0", *VOLUMES])))
            package = 0
            if kind == "distributor":
                package = draw(st.sampled_from([0, 0, 1, 2, 3]))
            else:
                profit = Decimal(draw(st.sampled_from(PROFITS)))
        refunds, given_back = draw(refunds_for(on, pv, cv))
        sales.append(
            Sale(
                order_id=order_id,
                distributor_id=buyer.distributor_id,
                on=on,
                kind=kind,
                pv=pv,
                cv=cv,
                package=package,
                retail_profit=profit,
                refunds=refunds,
                package_refunded_on=given_back if package else None,
            )
        )
    return sales


def subtree(children: dict[int, dict[str, int]], top: int) -> list[int]:
    found, stack = [], [top]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children[node].values())
    return found


@st.composite
def networks(draw, chain: bool = False):
    """Members placed inside their enroller's downline, some in the holding tank."""
    cycles = draw(st.integers(2, 4))
    first_cycle = draw(st.sampled_from(FIRST_CYCLES))
    start = VERSION.cycle_start(first_cycle)
    last_day = VERSION.cycle_end(first_cycle + cycles - 1)
    history = draw(st.sampled_from([0, 0, 0, 63]))
    size = draw(st.integers(15, 45) if chain else st.integers(1, 9))
    joins = sorted(
        draw(
            st.lists(
                st.integers(-history, 7 * cycles - 1), min_size=size, max_size=size
            )
        )
    )
    members: list[Member] = []
    children: dict[int, dict[str, int]] = {}
    placed: set[int] = set()
    spine = [FIRST_ID]
    for index, offset in enumerate(joins):
        distributor_id = FIRST_ID + index
        join = start + timedelta(days=offset)
        terminated = None
        if index and draw(st.integers(0, 9)) == 0:
            terminated = join + timedelta(days=draw(st.integers(0, 30)))
        children[distributor_id] = {}
        if index == 0:
            members.append(Member(distributor_id, None, None, "", join, terminated))
            placed.add(distributor_id)
            continue
        if chain:
            # A long leg with ribs: a rib is a leaf on the free side of a leg
            # member, so that both legs of the leg's members can hold enrollees.
            ribs = [node for node in spine[:-1] if len(children[node]) == 1]
            if ribs and draw(st.integers(0, 2)) == 0:
                parent = draw(st.sampled_from(ribs))
                (taken,) = children[parent]
                side = "R" if taken == "L" else "L"
            else:
                parent = spine[-1]
                side = draw(st.sampled_from("LR"))
                spine.append(distributor_id)
            # The enroller is the parent or one of the few leg members above.
            above = spine.index(parent)
            enroller = spine[max(0, above - draw(st.integers(0, 3)))]
        else:
            enroller = draw(st.integers(FIRST_ID, distributor_id - 1))
            in_tank = enroller not in placed or draw(st.integers(0, 4)) == 0
            if in_tank:
                members.append(
                    Member(distributor_id, enroller, None, "", join, terminated, False)
                )
                continue
            spots = [
                (node, side)
                for node in sorted(subtree(children, enroller))
                for side in "LR"
                if side not in children[node]
            ]
            parent, side = draw(st.sampled_from(spots))
        children[parent][side] = distributor_id
        placed.add(distributor_id)
        members.append(Member(distributor_id, enroller, parent, side, join, terminated))
    sales = draw(sales_for(members, last_day))
    return members, sales, first_cycle + cycles - 1


@SETTINGS
@given(networks())
def test_engine_matches_the_reference_on_random_networks(network):
    members, sales, through = network
    assert_same(members, sales, through)


@SETTINGS
@given(networks(chain=True))
def test_engine_matches_the_reference_on_deep_chains(network):
    members, sales, through = network
    assert_same(members, sales, through)


@settings(max_examples=25, deadline=None, parent=SETTINGS)
@given(networks(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_events(network, shuffle):
    members, sales, through = network
    runs = events.simulate(members, sales, PLAN, through)
    members, sales = members[:], sales[:]
    shuffle.shuffle(members)
    shuffle.shuffle(sales)
    again = events.simulate(members, sales, PLAN, through)
    assert [engine.digest(r, d.network.distributor_id) for d, r in runs] == [
        engine.digest(r, d.network.distributor_id) for d, r in again
    ]
