"""The commission engine: one weekly cycle of the plan, computed over arrays.

Pure computation: no Django, no database, no clock. The loader (``load.py``)
or a caller in a test fills a :class:`CycleInput`; :func:`compute` returns a
:class:`CycleResult`. Every figure is an ``int64`` number of hundredths: cents
for money, hundredths of PV or CV for volume (1 CV pays $1, so a hundredth of
CV is a cent of commissionable base). Rates are basis points. Nothing is ever
a float, so the same inputs give the same bytes.

The work is linear in the network's size on any tree shape: subtree sums are
prefix sums over the placement tree's pre-order, leg membership is an interval
test, and the only walk (GEN5's compressed climb up the enrollment tree) runs
per package order with memoised skips, never per level of the tree.

Section numbers refer to docs/compensation-plan.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np

from backoffice.commissions.plan import PlanVersion

RETAIL, GEN5, MVP, BINARY = 0, 1, 2, 3
BONUS_CODES = ("retail", "gen5", "mvp", "binary")
LEFT, RIGHT, NO_SIDE = 0, 1, -1
NO_INDEX = -1
NO_ORDER = -1
# Days are proleptic ordinals (date.toordinal()).
_EPOCH = date(1970, 1, 1).toordinal()

# How a member's binary rate was chosen.
RATE_FROM_RANK = 0  # otherwise the level (1, 2, 3) of the package window

# MVP decisions recorded on the enrollee's row.
MVP_UNDECIDED, MVP_PAID, MVP_FORFEITED = 0, 1, 2


def _i64(values=()) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _flag(values=()) -> np.ndarray:
    return np.asarray(values, dtype=bool)


@dataclass
class Network:
    """Both trees, as indexes into these arrays (``-1`` for none)."""

    distributor_id: np.ndarray
    enroller: np.ndarray
    parent: np.ndarray
    side: np.ndarray  # LEFT, RIGHT or NO_SIDE
    placed: np.ndarray  # in the binary tree (the top included); else holding tank
    join_day: np.ndarray
    terminated: np.ndarray  # terminated on or before the cycle's Sunday
    # Placement pre-order: position of each placed member and the end (exclusive)
    # of its subtree's run. Derived from ``parent`` when not given.
    position: np.ndarray | None = None
    subtree_end: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.distributor_id)


@dataclass
class RetailOrders:
    """Customer orders paid in the cycle (§8), with the share not refunded in it."""

    order: np.ndarray = field(default_factory=_i64)
    payee: np.ndarray = field(default_factory=_i64)
    profit: np.ndarray = field(default_factory=_i64)
    kept: np.ndarray = field(default_factory=_i64)  # CV kept ...
    whole: np.ndarray = field(default_factory=_i64)  # ... of this CV


@dataclass
class PackageOrders:
    """Package orders paid in the cycle (§6), not given back by the cycle's end."""

    order: np.ndarray = field(default_factory=_i64)
    buyer: np.ndarray = field(default_factory=_i64)
    key: np.ndarray = field(default_factory=_i64)  # day << 32 | order sequence
    level: np.ndarray = field(default_factory=_i64)
    kept: np.ndarray = field(default_factory=_i64)
    whole: np.ndarray = field(default_factory=_i64)


@dataclass
class MvpCandidates:
    """Enrollees whose MVP is still undecided and whose window overlaps the cycle."""

    enrollee: np.ndarray = field(default_factory=_i64)
    window_pv: np.ndarray = field(default_factory=_i64)  # net PV in the window so far


@dataclass
class Reversals:
    """Lines of earlier cycles whose source order was refunded in this cycle (§9)."""

    order: np.ndarray = field(default_factory=_i64)
    payee: np.ndarray = field(default_factory=_i64)
    bonus: np.ndarray = field(default_factory=_i64)
    source: np.ndarray = field(default_factory=_i64)
    generation: np.ndarray = field(default_factory=_i64)
    amount: np.ndarray = field(default_factory=_i64)  # the original line
    refunded_before: np.ndarray = field(default_factory=_i64)  # CV refunded earlier
    refunded_through: np.ndarray = field(default_factory=_i64)  # ... and through now
    whole: np.ndarray = field(default_factory=_i64)  # the order's CV


@dataclass
class CycleInput:
    cycle: int
    end_day: int
    network: Network
    cycle_pv: np.ndarray
    cycle_cv: np.ndarray
    pv30: np.ndarray
    month_pv: np.ndarray
    # Earliest order per package level not given back by the cycle's end, as a
    # key (day << 32 | order sequence), or -1: shape (members, levels).
    package_first: np.ndarray
    bank_left_in: np.ndarray
    bank_right_in: np.ndarray
    balance_in: np.ndarray
    best_rank_in: np.ndarray
    retail: RetailOrders = field(default_factory=RetailOrders)
    packages: PackageOrders = field(default_factory=PackageOrders)
    mvp: MvpCandidates = field(default_factory=MvpCandidates)
    reversals: Reversals = field(default_factory=Reversals)


@dataclass
class Lines:
    payee: np.ndarray
    bonus: np.ndarray
    order: np.ndarray  # NO_ORDER when the line has no source order
    source: np.ndarray  # index of the source member, or NO_INDEX
    generation: np.ndarray
    amount: np.ndarray

    def __len__(self) -> int:
        return len(self.payee)


@dataclass
class CycleResult:
    cycle: int
    # Per member, in the input's order.
    active: np.ndarray
    pv30: np.ndarray
    cycle_pv: np.ndarray
    package: np.ndarray
    gen5_qualified: np.ndarray
    left_enrollee: np.ndarray  # an active personally enrolled member on the left
    right_enrollee: np.ndarray
    binary_qualified: np.ndarray
    new_left: np.ndarray
    new_right: np.ndarray
    rebate: np.ndarray
    left: np.ndarray  # L of §4: bank in + new + rebate
    right: np.ndarray
    matched: np.ndarray
    rank: np.ndarray  # index into plan.rank_names
    best_rank: np.ndarray
    rate_bp: np.ndarray
    rate_source: np.ndarray  # RATE_FROM_RANK or the package level
    rate_until: np.ndarray  # last day of that package window, or -1
    bank_left: np.ndarray
    bank_right: np.ndarray
    flushed: np.ndarray  # volume lost to inactivity (L + R)
    breakage: np.ndarray  # binary above the weekly cap
    retail: np.ndarray
    gen5: np.ndarray
    mvp: np.ndarray
    binary: np.ndarray
    total: np.ndarray
    balance_in: np.ndarray
    paid: np.ndarray
    balance_out: np.ndarray
    mvp_decision: np.ndarray  # on the enrollee's row
    lines: Lines


PER_MEMBER = [f.name for f in fields(CycleResult) if f.name not in ("cycle", "lines")]


def placement_order(
    parent: np.ndarray, side: np.ndarray, placed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pre-order position and subtree end of every placed member (left first).

    An explicit stack, never recursion: a 20,000-deep leg is just a long loop.
    """
    size = len(parent)
    children = np.full((size, 2), NO_INDEX, dtype=np.int64)
    members = np.flatnonzero(placed & (parent >= 0))
    children[parent[members], side[members]] = members
    kids = children.tolist()
    position = [NO_INDEX] * size
    end = [NO_INDEX] * size
    counter = 0
    for root in np.flatnonzero(placed & (parent < 0)).tolist():
        stack = [root]
        while stack:
            node = stack.pop()
            if node >= 0:
                position[node] = counter
                counter += 1
                stack.append(~node)
                left, right = kids[node]
                if right >= 0:
                    stack.append(right)
                if left >= 0:
                    stack.append(left)
            else:
                end[~node] = counter
    return _i64(position), _i64(end)


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """The same day of the month ``months`` later, clipped to that month's end."""
    moments = (days - _EPOCH).astype("datetime64[D]")
    month = moments.astype("datetime64[M]")
    offset = (moments - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    first = target.astype("datetime64[D]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - first).astype(
        np.int64
    )
    clipped = first + np.minimum(offset, length - 1).astype("timedelta64[D]")
    return clipped.astype(np.int64) + _EPOCH


def share(amount: np.ndarray, kept: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``amount × kept / whole``, rounded half away from zero to the cent."""
    amount, kept, whole = _i64(amount), _i64(kept), _i64(whole)
    exact = kept == whole
    safe = np.where(whole > 0, whole, 1)
    magnitude = (np.abs(amount) * kept * 2 + safe) // (2 * safe)
    return np.where(exact, amount, np.sign(amount) * magnitude)


class _Ancestors:
    """The nearest qualified member at or above a node of the enrollment tree.

    Each node's answer is memoised and every node on a climbed path learns it,
    so all the climbs of a cycle together touch each member at most once.
    """

    def __init__(self, enroller: list[int], qualified: list[bool]) -> None:
        self.enroller = enroller
        self.qualified = qualified
        self.memo: dict[int, int] = {}

    def at_or_above(self, node: int) -> int:
        path = []
        while node >= 0 and not self.qualified[node]:
            known = self.memo.get(node)
            if known is not None:
                node = known
                break
            path.append(node)
            node = self.enroller[node]
        for visited in path:
            self.memo[visited] = node
        return node


@dataclass
class BinaryPay:
    rebate: np.ndarray
    left: np.ndarray
    right: np.ndarray
    matched: np.ndarray
    rank: np.ndarray
    rate_bp: np.ndarray
    rate_source: np.ndarray
    rate_until: np.ndarray
    binary: np.ndarray
    breakage: np.ndarray
    bank_left: np.ndarray
    bank_right: np.ndarray
    flushed: np.ndarray


def binary_pay(
    plan: PlanVersion,
    *,
    cycle_cv: np.ndarray,
    bank_left_in: np.ndarray,
    bank_right_in: np.ndarray,
    new_left: np.ndarray,
    new_right: np.ndarray,
    active: np.ndarray,
    binary_qualified: np.ndarray,
    package_first: np.ndarray,
    end_day: int,
) -> BinaryPay:
    """§4–§5 for members whose legs are known: the what-if planner calls it too."""
    size = len(cycle_cv)
    over = cycle_cv - plan.rebate_threshold
    rebate = np.where(over > 0, (over * plan.rebate_share_bp + 5_000) // 10_000, 0)
    left = bank_left_in + new_left + rebate
    right = bank_right_in + new_right + rebate
    low = np.maximum(np.minimum(left, right), 0)
    matched = np.where(binary_qualified, low // plan.match_unit * plan.match_unit, 0)

    # §5 paid-as rank and §4 rate.
    thresholds = _i64([rank.min_matched for rank in plan.ranks])
    rank_rates = _i64([rank.rate_bp for rank in plan.ranks])
    step = np.searchsorted(thresholds, matched, side="right")  # 1 for the first rank
    rank = np.where(binary_qualified, step, 0)
    rank_rate = rank_rates[np.maximum(step, 1) - 1]
    package_rate = np.zeros(size, dtype=np.int64)
    rate_source = np.full(size, RATE_FROM_RANK, dtype=np.int64)
    rate_until = np.full(size, NO_INDEX, dtype=np.int64)
    for spec in plan.packages:
        first = package_first[:, spec.level - 1]
        bought = first >= 0
        until = np.full(size, NO_INDEX, dtype=np.int64)
        until[bought] = add_months(first[bought] >> 32, spec.rate_months)
        opens = bought & (end_day <= until) & (spec.rate_bp > package_rate)
        package_rate[opens] = spec.rate_bp
        rate_source[opens] = spec.level
        rate_until[opens] = until[opens]
    from_package = package_rate > rank_rate
    rate = np.where(from_package, package_rate, rank_rate)
    rate_source = np.where(from_package, rate_source, RATE_FROM_RANK)
    rate_until = np.where(from_package, rate_until, NO_INDEX)

    pays = binary_qualified & (matched >= plan.min_match) & (matched > 0)
    uncapped = np.where(pays, matched * rate // 10_000, 0)
    binary = np.minimum(uncapped, plan.weekly_cap)
    breakage = uncapped - binary
    bank_left = np.where(active, left - np.where(pays, matched, 0), 0)
    bank_right = np.where(active, right - np.where(pays, matched, 0), 0)
    flushed = np.where(active, 0, left + right)

    return BinaryPay(
        rebate=rebate,
        left=left,
        right=right,
        matched=matched,
        rank=rank,
        rate_bp=rate,
        rate_source=rate_source,
        rate_until=rate_until,
        binary=binary,
        breakage=breakage,
        bank_left=bank_left,
        bank_right=bank_right,
        flushed=flushed,
    )


def compute(data: CycleInput, plan: PlanVersion) -> CycleResult:
    """One cycle of the plan (§2–§10) over the members of ``data``."""
    net = data.network
    size = len(net)
    index = np.arange(size, dtype=np.int64)
    end_day = data.end_day

    # §3 status.
    terminated = _flag(net.terminated)
    active = ~terminated & (data.pv30 >= plan.min_pv30)
    levels = len(plan.packages)
    held = data.package_first >= 0
    package = np.zeros(size, dtype=np.int64)
    for level in range(1, levels + 1):
        package[held[:, level - 1]] = level
    gen5_qualified = active & (package > 0)

    # §4 legs over the placement tree: subtree sums are prefix-sum differences.
    if net.position is None or net.subtree_end is None:
        position, subtree_end = placement_order(net.parent, net.side, net.placed)
    else:
        position, subtree_end = _i64(net.position), _i64(net.subtree_end)
    placed = _flag(net.placed)
    in_tree = np.flatnonzero(placed)
    by_position = np.empty(len(in_tree), dtype=np.int64)
    by_position[position[in_tree]] = in_tree
    prefix = np.zeros(len(in_tree) + 1, dtype=np.int64)
    np.cumsum(data.cycle_cv[by_position], out=prefix[1:])
    child = np.full((size, 2), NO_INDEX, dtype=np.int64)
    has_parent = placed & (net.parent >= 0)
    child[net.parent[has_parent], net.side[has_parent]] = index[has_parent]

    def leg_volume(side: int) -> np.ndarray:
        top = child[:, side]
        safe = np.where(top >= 0, top, 0)
        total = prefix[subtree_end[safe]] - prefix[position[safe]]
        return np.where(top >= 0, total, 0)

    new_left, new_right = leg_volume(LEFT), leg_volume(RIGHT)

    # Binary qualification: an active personally enrolled member in each leg.
    enrollees = np.flatnonzero(active & placed & (net.enroller >= 0))
    sponsors = net.enroller[enrollees]
    sponsor_placed = placed[sponsors]
    enrollees, sponsors = enrollees[sponsor_placed], sponsors[sponsor_placed]
    leg_has = []
    for side in (LEFT, RIGHT):
        top = child[sponsors, side]
        safe = np.where(top >= 0, top, 0)
        inside = (
            (top >= 0)
            & (position[safe] <= position[enrollees])
            & (position[enrollees] < subtree_end[safe])
        )
        found = np.zeros(size, dtype=bool)
        found[sponsors[inside]] = True
        leg_has.append(found)
    left_enrollee, right_enrollee = leg_has
    binary_qualified = active & left_enrollee & right_enrollee

    pay = binary_pay(
        plan,
        cycle_cv=data.cycle_cv,
        bank_left_in=data.bank_left_in,
        bank_right_in=data.bank_right_in,
        new_left=new_left,
        new_right=new_right,
        active=active,
        binary_qualified=binary_qualified,
        package_first=data.package_first,
        end_day=end_day,
    )
    rebate, left, right, matched = pay.rebate, pay.left, pay.right, pay.matched
    rank, rate, rate_source, rate_until = (
        pay.rank,
        pay.rate_bp,
        pay.rate_source,
        pay.rate_until,
    )
    binary, breakage, flushed = pay.binary, pay.breakage, pay.flushed
    bank_left, bank_right = pay.bank_left, pay.bank_right

    recognition = np.zeros(levels + 1, dtype=np.int64)
    names = plan.rank_names
    for spec in plan.packages:
        if spec.recognition:
            recognition[spec.level] = names.index(spec.recognition)
    best_rank = np.maximum.reduce([data.best_rank_in, rank, recognition[package]])

    # Lines: retail (§8), GEN5 (§6), MVP (§7), reversals (§9), binary (§4).
    payees: list[np.ndarray] = []
    bonuses: list[np.ndarray] = []
    orders: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    generations: list[np.ndarray] = []
    amounts: list[np.ndarray] = []

    def add(payee, bonus, order, source, generation, amount) -> None:
        amount = _i64(amount)
        keep = amount != 0
        count = int(keep.sum())
        payees.append(_i64(payee)[keep])
        bonuses.append(
            np.full(count, bonus, dtype=np.int64)
            if np.isscalar(bonus)
            else _i64(bonus)[keep]
        )
        orders.append(_i64(order)[keep])
        sources.append(_i64(source)[keep])
        generations.append(_i64(generation)[keep])
        amounts.append(amount[keep])

    sale = data.retail
    paying = ~terminated[sale.payee] if len(sale.payee) else _flag()
    add(
        sale.payee[paying],
        RETAIL,
        sale.order[paying],
        np.full(int(paying.sum()), NO_INDEX),
        np.zeros(int(paying.sum())),
        share(sale.profit[paying], sale.kept[paying], sale.whole[paying]),
    )

    add(*_gen5_lines(data, plan, package, gen5_qualified))

    mvp_decision = np.zeros(size, dtype=np.int64)
    candidates = data.mvp
    reached = candidates.enrollee[candidates.window_pv >= plan.mvp_min_pv]
    sponsor = net.enroller[reached]
    earns = (sponsor >= 0) & active[np.where(sponsor >= 0, sponsor, 0)]
    mvp_decision[reached] = np.where(earns, MVP_PAID, MVP_FORFEITED)
    add(
        sponsor[earns],
        MVP,
        np.full(int(earns.sum()), NO_ORDER),
        reached[earns],
        np.zeros(int(earns.sum())),
        np.full(int(earns.sum()), plan.mvp_amount),
    )

    back = data.reversals
    add(
        back.payee,
        back.bonus,
        back.order,
        back.source,
        back.generation,
        share(back.amount, back.refunded_before, back.whole)
        - share(back.amount, back.refunded_through, back.whole),
    )

    earners = np.flatnonzero(binary > 0)
    add(
        earners,
        BINARY,
        np.full(len(earners), NO_ORDER),
        np.full(len(earners), NO_INDEX),
        np.zeros(len(earners)),
        binary[earners],
    )

    lines = Lines(
        payee=np.concatenate(payees),
        bonus=np.concatenate(bonuses),
        order=np.concatenate(orders),
        source=np.concatenate(sources),
        generation=np.concatenate(generations),
        amount=np.concatenate(amounts),
    )
    source_id = np.where(
        lines.source >= 0, net.distributor_id[np.maximum(lines.source, 0)], -1
    )
    canonical = np.lexsort(
        (
            lines.amount,
            lines.generation,
            source_id,
            lines.order,
            lines.bonus,
            net.distributor_id[lines.payee],
        )
    )
    lines = Lines(**{name: getattr(lines, name)[canonical] for name in _LINE_FIELDS})

    # §10 totals, balances and the minimum payout.
    per_bonus = np.zeros((4, size), dtype=np.int64)
    np.add.at(per_bonus, (lines.bonus, lines.payee), lines.amount)
    retail, gen5, mvp, binary_total = per_bonus
    total = retail + gen5 + mvp + binary_total
    carried = data.balance_in + total
    paid = np.where(carried >= plan.minimum_payout, carried, 0)
    paid = np.maximum(paid, 0)
    balance_out = carried - paid

    return CycleResult(
        cycle=data.cycle,
        active=active,
        pv30=_i64(data.pv30),
        cycle_pv=_i64(data.cycle_pv),
        package=package,
        gen5_qualified=gen5_qualified,
        left_enrollee=left_enrollee,
        right_enrollee=right_enrollee,
        binary_qualified=binary_qualified,
        new_left=new_left,
        new_right=new_right,
        rebate=rebate,
        left=left,
        right=right,
        matched=matched,
        rank=rank,
        best_rank=best_rank,
        rate_bp=rate,
        rate_source=rate_source,
        rate_until=rate_until,
        bank_left=bank_left,
        bank_right=bank_right,
        flushed=flushed,
        breakage=breakage,
        retail=retail,
        gen5=gen5,
        mvp=mvp,
        binary=binary_total,
        total=total,
        balance_in=_i64(data.balance_in),
        paid=paid,
        balance_out=balance_out,
        mvp_decision=mvp_decision,
        lines=lines,
    )


_LINE_FIELDS = [f.name for f in fields(Lines)]


def _gen5_lines(
    data: CycleInput, plan: PlanVersion, package: np.ndarray, qualified: np.ndarray
):
    """§6: each package order pays five compressed enrollment generations."""
    packs = data.packages
    enroller = data.network.enroller.tolist()
    ancestors = _Ancestors(enroller, qualified.tolist())
    held = package.tolist()
    month_pv = data.month_pv
    base = [
        [0, *column] for column in zip(*(p.gen5 for p in plan.packages), strict=True)
    ]
    last = plan.generations
    first = data.package_first
    out: list[tuple[int, int, int, int, int, int]] = []
    for row in np.argsort(packs.key, kind="stable").tolist():
        buyer = int(packs.buyer[row])
        level = int(packs.level[row])
        key = int(packs.key[row])
        earlier = first[buyer]
        before = 0
        for held_level in range(1, len(plan.packages) + 1):
            if 0 <= earlier[held_level - 1] < key:
                before = held_level
        if level <= before:
            continue  # repurchasing a level already held pays nothing
        upline = ancestors.at_or_above(enroller[buyer])
        generation = 1
        while upline >= 0 and generation <= last:
            column = base[generation - 1]
            cap = column[held[upline]]
            amount = min(cap, column[level]) - min(cap, column[before])
            if generation == last and month_pv[upline] >= plan.gen5_double_month_pv:
                amount *= plan.gen5_double_multiplier
            out.append((upline, int(packs.order[row]), buyer, generation, amount, row))
            generation += 1
            upline = ancestors.at_or_above(enroller[upline])
    if not out:
        empty = _i64()
        return empty, GEN5, empty, empty, empty, empty
    payee, order, source, generation, amount, rows = (
        _i64(c) for c in zip(*out, strict=True)
    )
    amount = share(amount, packs.kept[rows], packs.whole[rows])
    return payee, GEN5, order, source, generation, amount


def digest(result: CycleResult, distributor_id: np.ndarray) -> str:
    """A hash of every figure and line, in distributor-ID order, for reruns."""
    order = np.argsort(distributor_id, kind="stable")
    hasher = hashlib.sha256()
    hasher.update(_i64(distributor_id)[order].tobytes())
    for name in PER_MEMBER:
        hasher.update(
            np.asarray(getattr(result, name)).astype(np.int64)[order].tobytes()
        )
    source_id = np.where(
        result.lines.source >= 0,
        _i64(distributor_id)[np.maximum(result.lines.source, 0)],
        -1,
    )
    hasher.update(_i64(distributor_id)[result.lines.payee].tobytes())
    for name in ("bonus", "order", "generation", "amount"):
        hasher.update(getattr(result.lines, name).tobytes())
    hasher.update(source_id.tobytes())
    return hasher.hexdigest()
