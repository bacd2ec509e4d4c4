"""A slow, plain reading of the compensation plan (§1–§10), for property tests.

Written from the plan document and the plain events of ``events.py`` alone: it
never builds the engine's arrays nor calls the engine. Everything is a dict
keyed by distributor ID, walks go up parent links one step at a time, and
every figure is an int number of hundredths (cents of money, hundredths of PV
or CV); rounding goes through :class:`~decimal.Decimal`.

Where the plan leaves a detail open, this follows the engine's documented
choice: the rebate rounds half up to the hundredth; a refund in the order's
cycle scales its lines by the CV kept, and a later one reverses them by the CV
refunded out of the CV kept at the end of the order's cycle, half away from
zero to the cent; the MVP window is the enrollee's net PV dated up to join + 90
days. Where the engine departs from the plan, this follows the plan, and
``test_engine`` shows each case as an expected failure; the property tests do
not generate them: an order without CV refunded in its cycle earns nothing and
one refunded later has its lines reversed in full, and an order refunded in
part in its cycle and more later is reversed out of what it kept.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from backoffice.commissions.events import Member, Sale
from backoffice.commissions.plan import Plan, PlanVersion

# (payee ID, bonus, source order ID or -1, source distributor ID or -1,
#  generation, amount in cents)
Line = tuple[int, str, int, int, int, int]


@dataclass
class Row:
    """One distributor's figures for one cycle, as the export has them (§11)."""

    rank: str  # paid-as rank (§5)
    best_rank: str  # highest rank ever paid, or recognised
    active: bool
    pv30: int
    cycle_pv: int
    left_cv: int
    right_cv: int
    matched_cv: int
    bank_left: int
    bank_right: int
    retail: int
    gen5: int
    mvp: int
    binary: int
    total: int
    balance_in: int
    paid: int
    balance_out: int


@dataclass
class Outcome:
    rows: dict[int, Row]
    lines: list[Line]  # sorted


@dataclass
class _Carried:
    """What one cycle leaves to the next (§1)."""

    bank_left: dict[int, int] = field(default_factory=dict)
    bank_right: dict[int, int] = field(default_factory=dict)
    balance: dict[int, int] = field(default_factory=dict)
    best_rank: dict[int, int] = field(default_factory=dict)
    mvp_decided: set[int] = field(default_factory=set)
    # Retail and GEN5 lines of each order, from the order's own cycle.
    order_lines: dict[int, list[Line]] = field(
        default_factory=lambda: defaultdict(list)
    )


def hundredths(value: Decimal) -> int:
    scaled = Decimal(value) * 100
    assert scaled == scaled.to_integral_value(), value
    return int(scaled)


def proportion(amount: int, part: int, whole: int) -> int:
    """``amount × part / whole`` to the cent, halves away from zero."""
    if part == whole:
        return amount
    exact = Decimal(amount) * Decimal(part) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def plus_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def version_for(plan: Plan, cycle: int) -> PlanVersion:
    """The version with the greatest effective cycle not after ``cycle``."""
    eligible = [v for v in plan.versions if v.effective_cycle <= cycle]
    assert eligible, cycle
    return max(eligible, key=lambda v: v.effective_cycle)


def start_of(version: PlanVersion, cycle: int) -> date:
    return version.anchor_start + timedelta(days=7 * (cycle - version.anchor_cycle))


def end_of(version: PlanVersion, cycle: int) -> date:
    return start_of(version, cycle) + timedelta(days=6)


def cycle_holding(version: PlanVersion, day: date) -> int:
    return version.anchor_cycle + (day - version.anchor_start).days // 7


def run(
    members: list[Member], sales: list[Sale], plan: Plan, through: int
) -> dict[int, Outcome]:
    """Every cycle from the network's first through ``through``."""
    earliest = min([m.join_date for m in members] + [s.on for s in sales])
    first = cycle_holding(plan.versions[0], earliest)
    carried = _Carried()
    outcomes = {}
    for cycle in range(first, through + 1):
        outcomes[cycle] = _one_cycle(
            members, sales, version_for(plan, cycle), cycle, carried
        )
    return outcomes


def _one_cycle(
    members: list[Member],
    sales: list[Sale],
    v: PlanVersion,
    cycle: int,
    carried: _Carried,
) -> Outcome:
    start, end = start_of(v, cycle), end_of(v, cycle)
    people = {m.distributor_id: m for m in members if m.join_date <= end}

    # §2 volume: every sale and refund dated by the cycle's end, credited to
    # the distributor the sale names.
    moves: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for sale in sales:
        if sale.distributor_id not in people or sale.on > end:
            continue
        moves[sale.distributor_id].append(
            (sale.on, hundredths(sale.pv), hundredths(sale.cv))
        )
        for refund in sale.refunds:
            if refund.on <= end:
                moves[sale.distributor_id].append(
                    (refund.on, -hundredths(refund.pv), -hundredths(refund.cv))
                )

    def pv_between(who: int, first: date, last: date) -> int:
        return sum(pv for on, pv, _ in moves[who] if first <= on <= last)

    def cv_between(who: int, first: date, last: date) -> int:
        return sum(cv for on, _, cv in moves[who] if first <= on <= last)

    activity_start = end - timedelta(days=v.activity_days - 1)
    cycle_pv = {x: pv_between(x, start, end) for x in people}
    cycle_cv = {x: cv_between(x, start, end) for x in people}
    pv30 = {x: pv_between(x, activity_start, end) for x in people}
    month_pv = {x: pv_between(x, end.replace(day=1), end) for x in people}

    # §3 status.
    def package_kept(sale: Sale) -> bool:
        return (
            sale.kind == "distributor"
            and sale.package > 0
            and sale.on <= end
            and not (
                sale.package_refunded_on is not None and sale.package_refunded_on <= end
            )
        )

    packs_of: dict[int, list[Sale]] = defaultdict(list)
    for sale in sales:
        if sale.distributor_id in people and package_kept(sale):
            packs_of[sale.distributor_id].append(sale)
    terminated = {
        x: m.terminated_on is not None and m.terminated_on <= end
        for x, m in people.items()
    }
    active = {x: not terminated[x] and pv30[x] >= v.min_pv30 for x in people}
    level = {x: max((s.package for s in packs_of[x]), default=0) for x in people}
    gen5_qualified = {x: active[x] and level[x] > 0 for x in people}

    # The binary tree: parent and side of each placed member.
    up: dict[int, tuple[int, str]] = {}
    for x, m in people.items():
        if m.placed and m.placement_id is not None and m.placement_id in people:
            up[x] = (m.placement_id, m.side)

    # §4 legs: each placed member's cycle CV climbs to every ancestor.
    new = {x: {"L": 0, "R": 0} for x in people}
    for x, m in people.items():
        if not m.placed:
            continue
        node = x
        while node in up:
            parent, side = up[node]
            new[parent][side] += cycle_cv[x]
            node = parent

    # §3 binary qualification: climb from each active, placed enrollee to its
    # enroller and note the side it arrives from.
    enrollee_on = {x: {"L": False, "R": False} for x in people}
    for x, m in people.items():
        if not (m.placed and active[x]) or m.enroller_id not in people:
            continue
        node = x
        while node in up:
            parent, side = up[node]
            if parent == m.enroller_id:
                enrollee_on[parent][side] = True
                break
            node = parent
    binary_qualified = {
        x: active[x] and enrollee_on[x]["L"] and enrollee_on[x]["R"] for x in people
    }

    rank_names = [v.unqualified_rank] + [r.name for r in v.ranks]
    share = Decimal(v.rebate_share_bp) / 10_000
    rows: dict[int, Row] = {}
    lines: list[Line] = []
    binary_of: dict[int, int] = {}
    figures: dict[int, dict] = {}
    for x in people:
        over = cycle_cv[x] - v.rebate_threshold
        rebate = 0
        if over > 0:
            rebate = int((over * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        left = carried.bank_left.get(x, 0) + new[x]["L"] + rebate
        right = carried.bank_right.get(x, 0) + new[x]["R"] + rebate
        matched = 0
        rank = 0
        rank_rate = 0
        if binary_qualified[x]:
            low = max(0, min(left, right))
            matched = (low // v.match_unit) * v.match_unit
            for number, spec in enumerate(v.ranks, start=1):
                if spec.min_matched <= matched:
                    rank, rank_rate = number, spec.rate_bp
        # Package windows: per level, the earliest kept order naming it.
        package_rate = 0
        for spec in v.packages:
            named = [s for s in packs_of[x] if s.package == spec.level]
            if not named:
                continue
            opener = min(named, key=lambda s: (s.on, s.order_id))
            if end <= plus_months(opener.on, spec.rate_months):
                package_rate = max(package_rate, spec.rate_bp)
        rate = package_rate if package_rate > rank_rate else rank_rate
        binary = 0
        consumed = 0
        if binary_qualified[x] and matched >= v.min_match and matched > 0:
            earned = Decimal(matched) * rate / 10_000
            assert earned == earned.to_integral_value()
            binary = min(int(earned), v.weekly_cap)
            consumed = matched
        if active[x]:
            bank_left, bank_right = left - consumed, right - consumed
        else:
            bank_left = bank_right = 0
        recognised = 0
        if level[x]:
            recognition = v.packages[level[x] - 1].recognition
            if recognition:
                recognised = rank_names.index(recognition)
        best = max(carried.best_rank.get(x, 0), rank, recognised)
        binary_of[x] = binary
        figures[x] = {
            "rank": rank_names[rank],
            "best_rank": rank_names[best],
            "best_index": best,
            "left": left,
            "right": right,
            "matched": matched,
            "bank_left": bank_left,
            "bank_right": bank_right,
        }
        if binary:
            lines.append((x, "binary", -1, -1, 0, binary))

    own_lines: dict[int, list[Line]] = defaultdict(list)

    def refunded_cv(sale: Sale, first: date, last: date) -> int:
        return sum(hundredths(r.cv) for r in sale.refunds if first <= r.on <= last)

    def same_cycle_share(sale: Sale, amount: int) -> int:
        whole = hundredths(sale.cv)
        gone = refunded_cv(sale, sale.on, end)
        if whole <= 0:
            has_refund = any(r.on <= end for r in sale.refunds)
            return 0 if has_refund else amount
        return proportion(amount, max(whole - gone, 0), whole)

    # §8 retail profit, for customer orders dated in this cycle.
    for sale in sales:
        x = sale.distributor_id
        if sale.kind != "customer" or x not in people:
            continue
        if not start <= sale.on <= end or terminated[x]:
            continue
        amount = same_cycle_share(sale, hundredths(sale.retail_profit))
        if amount:
            line = (x, "retail", sale.order_id, -1, 0, amount)
            lines.append(line)
            own_lines[sale.order_id].append(line)

    # §6 GEN5, for kept package orders dated in this cycle.
    generations = len(v.packages[0].gen5)

    def base(generation: int, package_level: int) -> int:
        if package_level == 0:
            return 0
        return v.packages[package_level - 1].gen5[generation - 1]

    for sale in sales:
        buyer = sale.distributor_id
        if buyer not in people or not package_kept(sale):
            continue
        if not start <= sale.on <= end:
            continue
        held_before = max(
            (
                s.package
                for s in packs_of[buyer]
                if (s.on, s.order_id) < (sale.on, sale.order_id)
            ),
            default=0,
        )
        if sale.package <= held_before:
            continue
        generation = 1
        upline = people[buyer].enroller_id
        while upline in people and generation <= generations:
            if gen5_qualified[upline]:
                cap = base(generation, level[upline])
                amount = min(cap, base(generation, sale.package)) - min(
                    cap, base(generation, held_before)
                )
                if (
                    generation == generations
                    and month_pv[upline] >= v.gen5_double_month_pv
                ):
                    amount *= v.gen5_double_multiplier
                amount = same_cycle_share(sale, amount)
                if amount:
                    line = (upline, "gen5", sale.order_id, buyer, generation, amount)
                    lines.append(line)
                    own_lines[sale.order_id].append(line)
                generation += 1
            upline = people[upline].enroller_id

    # §7 MVP, decided once per enrollee.
    window = timedelta(days=v.mvp_window_days)
    for e, m in people.items():
        if e in carried.mvp_decided or start > m.join_date + window:
            continue
        last = min(m.join_date + window, end)
        if pv_between(e, m.join_date, last) < v.mvp_min_pv:
            continue
        carried.mvp_decided.add(e)
        sponsor = m.enroller_id
        if sponsor in people and active[sponsor]:
            lines.append((sponsor, "mvp", -1, e, 0, v.mvp_amount))

    # §9 refunds of orders from earlier cycles reverse their lines.
    for sale in sales:
        if sale.distributor_id not in people or sale.on >= start:
            continue
        now = [r for r in sale.refunds if start <= r.on <= end]
        if not now:
            continue
        own_end = end_of(v, cycle_holding(v, sale.on))
        whole = hundredths(sale.cv)
        kept = max(whole - refunded_cv(sale, sale.on, own_end), 0)
        before = refunded_cv(sale, own_end + timedelta(days=1), start - timedelta(1))
        through = before + sum(hundredths(r.cv) for r in now)
        for payee, bonus, order, source, generation, amount in carried.order_lines[
            sale.order_id
        ]:
            if kept > 0:
                amount_back = proportion(amount, min(before, kept), kept) - proportion(
                    amount, min(through, kept), kept
                )
            else:
                # No CV to share by: the first later refund takes it all back.
                earlier = any(own_end < r.on < start for r in sale.refunds)
                amount_back = 0 if earlier else -amount
            if amount_back:
                lines.append((payee, bonus, order, source, generation, amount_back))

    # §10 totals and payout.
    per_bonus: dict[int, dict[str, int]] = {
        x: {"retail": 0, "gen5": 0, "mvp": 0, "binary": 0} for x in people
    }
    for payee, bonus, *_, amount in lines:
        per_bonus[payee][bonus] += amount
    for x in people:
        sums = per_bonus[x]
        total = sums["retail"] + sums["gen5"] + sums["mvp"] + sums["binary"]
        balance_in = carried.balance.get(x, 0)
        owed = balance_in + total
        paid = owed if owed >= v.minimum_payout else 0
        f = figures[x]
        rows[x] = Row(
            rank=f["rank"],
            best_rank=f["best_rank"],
            active=active[x],
            pv30=pv30[x],
            cycle_pv=cycle_pv[x],
            left_cv=f["left"],
            right_cv=f["right"],
            matched_cv=f["matched"],
            bank_left=f["bank_left"],
            bank_right=f["bank_right"],
            retail=sums["retail"],
            gen5=sums["gen5"],
            mvp=sums["mvp"],
            binary=sums["binary"],
            total=total,
            balance_in=balance_in,
            paid=paid,
            balance_out=owed - paid,
        )
        assert binary_of[x] == sums["binary"]

    carried.bank_left = {x: figures[x]["bank_left"] for x in people}
    carried.bank_right = {x: figures[x]["bank_right"] for x in people}
    carried.balance = {x: rows[x].balance_out for x in people}
    carried.best_rank = {x: figures[x]["best_index"] for x in people}
    for order, produced in own_lines.items():
        carried.order_lines[order].extend(produced)
    return Outcome(rows=rows, lines=sorted(lines))
