"""The engine's inputs built from plain events, and cycles run one after another.

Pure Python and numpy, no Django: the database loader (``load.py``) computes the
same :class:`~backoffice.commissions.engine.CycleInput` with SQL aggregates;
this module is its specification in code, used by the tests, by the what-if
planner and by anyone timing the engine alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from backoffice.commissions import engine
from backoffice.commissions.plan import Plan, PlanVersion


def hundredths(value: Decimal | int | str) -> int:
    number = Decimal(value) * 100
    if number != number.to_integral_value():
        raise ValueError(f"{value} has more than two decimal places")
    return int(number)


@dataclass(frozen=True)
class Member:
    distributor_id: int
    enroller_id: int | None
    placement_id: int | None
    side: str  # "L", "R", or "" for the top and the holding tank
    join_date: date
    terminated_on: date | None = None
    placed: bool = True


@dataclass(frozen=True)
class Refund:
    on: date
    pv: Decimal
    cv: Decimal


@dataclass(frozen=True)
class Sale:
    order_id: int
    distributor_id: int  # credited: the buyer, or the referring distributor
    on: date
    kind: str  # "distributor" or "customer"
    pv: Decimal
    cv: Decimal
    package: int = 0
    retail_profit: Decimal = Decimal("0")
    refunds: tuple[Refund, ...] = ()
    package_refunded_on: date | None = None


@dataclass
class State:
    """What a cycle hands to the next (§1)."""

    bank_left: dict[int, int] = field(default_factory=dict)
    bank_right: dict[int, int] = field(default_factory=dict)
    balance: dict[int, int] = field(default_factory=dict)
    best_rank: dict[int, int] = field(default_factory=dict)
    mvp_decided: set[int] = field(default_factory=set)
    # Retail and GEN5 lines per source order, from the order's own cycle:
    # (payee ID, bonus, source member ID or -1, generation, amount).
    order_lines: dict[int, list[tuple[int, int, int, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def build_input(
    members: list[Member],
    sales: list[Sale],
    plan: PlanVersion,
    cycle: int,
    state: State,
) -> engine.CycleInput:
    start, end = plan.cycle_start(cycle), plan.cycle_end(cycle)
    month_start = end.replace(day=1)
    activity_start = end - timedelta(days=plan.activity_days - 1)
    present = sorted(
        (m for m in members if m.join_date <= end), key=lambda m: m.distributor_id
    )
    at = {m.distributor_id: i for i, m in enumerate(present)}
    size = len(present)

    def idx(distributor_id: int | None) -> int:
        return at.get(distributor_id, engine.NO_INDEX) if distributor_id else -1

    network = engine.Network(
        distributor_id=np.array([m.distributor_id for m in present], dtype=np.int64),
        enroller=np.array([idx(m.enroller_id) for m in present], dtype=np.int64),
        parent=np.array(
            [idx(m.placement_id) if m.placed else -1 for m in present], dtype=np.int64
        ),
        side=np.array(
            [
                {"L": engine.LEFT, "R": engine.RIGHT}.get(m.side, engine.NO_SIDE)
                if m.placed
                else engine.NO_SIDE
                for m in present
            ],
            dtype=np.int64,
        ),
        placed=np.array([m.placed for m in present], dtype=bool),
        join_day=np.array([m.join_date.toordinal() for m in present], dtype=np.int64),
        terminated=np.array(
            [m.terminated_on is not None and m.terminated_on <= end for m in present],
            dtype=bool,
        ),
    )
    zeros = lambda: np.zeros(size, dtype=np.int64)  # noqa: E731
    cycle_pv, cycle_cv, pv30, month_pv = zeros(), zeros(), zeros(), zeros()
    levels = len(plan.packages)
    package_first = np.full((size, levels), -1, dtype=np.int64)
    retail = defaultdict(list)
    packs = defaultdict(list)
    reversals = defaultdict(list)

    for sale in sales:
        who = at.get(sale.distributor_id)
        if who is None or sale.on > end:
            continue
        events = [(sale.on, hundredths(sale.pv), hundredths(sale.cv))]
        events += [(r.on, -hundredths(r.pv), -hundredths(r.cv)) for r in sale.refunds]
        for on, pv, cv in events:
            if on > end:
                continue
            if start <= on:
                cycle_pv[who] += pv
                cycle_cv[who] += cv
            if activity_start <= on:
                pv30[who] += pv
            if month_start <= on:
                month_pv[who] += pv
        given_back = sale.package_refunded_on is not None and (
            sale.package_refunded_on <= end
        )
        key = sale.on.toordinal() << 32 | sale.order_id
        if sale.package and sale.kind == "distributor" and not given_back:
            current = package_first[who, sale.package - 1]
            if current < 0 or key < current:
                package_first[who, sale.package - 1] = key
        whole = hundredths(sale.cv)
        if start <= sale.on:
            in_cycle = [r for r in sale.refunds if r.on <= end]
            kept, whole_share = kept_share(
                whole, sum(hundredths(r.cv) for r in in_cycle), bool(in_cycle)
            )
            if sale.kind == "customer":
                retail["order"].append(sale.order_id)
                retail["payee"].append(who)
                retail["profit"].append(hundredths(sale.retail_profit))
                retail["kept"].append(kept)
                retail["whole"].append(whole_share)
            elif sale.package and not given_back:
                packs["order"].append(sale.order_id)
                packs["buyer"].append(who)
                packs["key"].append(key)
                packs["level"].append(sale.package)
                packs["kept"].append(kept)
                packs["whole"].append(whole_share)
        else:
            own_end = plan.cycle_end(plan.cycle_of(sale.on))
            own = [r for r in sale.refunds if r.on <= own_end]
            before = [r for r in sale.refunds if own_end < r.on < start]
            now = [r for r in sale.refunds if start <= r.on <= end]
            if now:
                kept, _ = kept_share(
                    whole, sum(hundredths(r.cv) for r in own), bool(own)
                )
                share_before, share_through = reversed_share(
                    whole,
                    kept,
                    refunded_before=sum(hundredths(r.cv) for r in before),
                    any_before=bool(before),
                    refunded_now=sum(hundredths(r.cv) for r in now),
                )
                lines = state.order_lines.get(sale.order_id, ())
                for payee, bonus, source, generation, amount in lines:
                    if payee not in at or share_through <= share_before:
                        continue
                    reversals["order"].append(sale.order_id)
                    reversals["payee"].append(at[payee])
                    reversals["bonus"].append(bonus)
                    reversals["source"].append(at.get(source, engine.NO_INDEX))
                    reversals["generation"].append(generation)
                    reversals["amount"].append(amount)
                    reversals["refunded_before"].append(share_before)
                    reversals["refunded_through"].append(share_through)
                    reversals["whole"].append(kept)

    mvp_enrollee, mvp_pv = [], []
    window = timedelta(days=plan.mvp_window_days)
    by_member: dict[int, list[Sale]] = defaultdict(list)
    for sale in sales:
        by_member[sale.distributor_id].append(sale)
    for member in present:
        if member.distributor_id in state.mvp_decided:
            continue
        if member.join_date + window < start:
            continue
        first, last = member.join_date, min(member.join_date + window, end)
        total = 0
        for sale in by_member.get(member.distributor_id, ()):
            if not first <= sale.on <= last:
                continue
            total += hundredths(sale.pv)
            for r in sale.refunds:
                # §9: an order refunded in its own cycle earns no MVP, even when
                # the refund falls after the window's last day.
                same_cycle = start <= sale.on and r.on <= end
                if r.on <= last or same_cycle:
                    total -= hundredths(r.pv)
        mvp_enrollee.append(at[member.distributor_id])
        mvp_pv.append(total)

    state_columns = [
        np.array([values.get(m.distributor_id, 0) for m in present], dtype=np.int64)
        for values in (
            state.bank_left,
            state.bank_right,
            state.balance,
            state.best_rank,
        )
    ]

    def arrays(kind, names):
        return {name: np.array(kind.get(name, []), dtype=np.int64) for name in names}

    return engine.CycleInput(
        cycle=cycle,
        end_day=end.toordinal(),
        network=network,
        cycle_pv=cycle_pv,
        cycle_cv=cycle_cv,
        pv30=pv30,
        month_pv=month_pv,
        package_first=package_first,
        bank_left_in=state_columns[0],
        bank_right_in=state_columns[1],
        balance_in=state_columns[2],
        best_rank_in=state_columns[3],
        retail=engine.RetailOrders(
            **arrays(retail, ["order", "payee", "profit", "kept", "whole"])
        ),
        packages=engine.PackageOrders(
            **arrays(packs, ["order", "buyer", "key", "level", "kept", "whole"])
        ),
        mvp=engine.MvpCandidates(
            enrollee=np.array(mvp_enrollee, dtype=np.int64),
            window_pv=np.array(mvp_pv, dtype=np.int64),
        ),
        reversals=engine.Reversals(
            **arrays(
                reversals,
                [
                    "order",
                    "payee",
                    "bonus",
                    "source",
                    "generation",
                    "amount",
                    "refunded_before",
                    "refunded_through",
                    "whole",
                ],
            )
        ),
    )


def kept_share(whole: int, refunded: int, any_refund: bool) -> tuple[int, int]:
    """The share of an order that still pays in its cycle: (kept CV, whole CV).

    An order without CV pays in full unless a refund in its cycle gave it back.
    """
    if whole <= 0:
        return (0, 1) if any_refund else (1, 1)
    return max(whole - refunded, 0), whole


def reversed_share(
    whole: int, kept: int, *, refunded_before: int, any_before: bool, refunded_now: int
) -> tuple[int, int]:
    """How much of the kept CV was given back before this cycle, and through it.

    Reversals are ``share(line, through, kept) − share(line, before, kept)``, so
    however many partial refunds there are, they add up to the whole line. An
    order without CV is reversed in full by its first later refund.
    """
    if whole <= 0:
        return (kept if any_before else 0), kept
    return min(refunded_before, kept), min(refunded_before + refunded_now, kept)


def advance(state: State, data: engine.CycleInput, result: engine.CycleResult) -> None:
    """Carry a cycle's banks, balances, ranks, MVPs and lines into ``state``."""
    ids = data.network.distributor_id.tolist()
    for name, values in (
        ("bank_left", result.bank_left),
        ("bank_right", result.bank_right),
        ("balance", result.balance_out),
        ("best_rank", result.best_rank),
    ):
        target = getattr(state, name)
        target.clear()
        target.update(zip(ids, values.tolist(), strict=True))
    for who in np.flatnonzero(result.mvp_decision != engine.MVP_UNDECIDED).tolist():
        state.mvp_decided.add(ids[who])
    lines = result.lines
    own_cycle = set(data.retail.order.tolist()) | set(data.packages.order.tolist())
    for payee, bonus, order, source, generation, amount in zip(
        lines.payee.tolist(),
        lines.bonus.tolist(),
        lines.order.tolist(),
        lines.source.tolist(),
        lines.generation.tolist(),
        lines.amount.tolist(),
        strict=True,
    ):
        if bonus in (engine.RETAIL, engine.GEN5) and order in own_cycle:
            state.order_lines[order].append(
                (
                    ids[payee],
                    bonus,
                    ids[source] if source >= 0 else -1,
                    generation,
                    amount,
                )
            )


def first_cycle(members: list[Member], sales: list[Sale], plan: Plan) -> int:
    """The cycle holding the network's earliest join date or order (§1)."""
    days = [m.join_date for m in members] + [s.on for s in sales]
    return plan.versions[0].cycle_of(min(days))


def simulate(
    members: list[Member], sales: list[Sale], plan: Plan, through: int
) -> list[tuple[engine.CycleInput, engine.CycleResult]]:
    """Every cycle from the network's first through ``through``, in order."""
    state = State()
    runs = []
    for cycle in range(first_cycle(members, sales, plan), through + 1):
        version = plan.for_cycle(cycle)
        data = build_input(members, sales, version, cycle, state)
        result = engine.compute(data, version)
        advance(state, data, result)
        runs.append((data, result))
    return runs
