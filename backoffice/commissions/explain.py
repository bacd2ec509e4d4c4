"""Why a cycle came out as it did, rule by rule, and what a change would do.

Two halves, each a pure function over plain data with a loader beside it:

- :func:`explain` turns one distributor's :class:`Result` row for a cycle, the
  plan version, their lines and a few facts (their orders, enrollees, packages)
  into every rule of compensation-plan.md §3–§10 as a check: met or not, and the
  exact figures that decided it. :func:`load_explanation` reads those inputs.
- :func:`project` is the what-if planner: the estimate's figures plus extra
  volume and holding-tank placements, pushed through the engine's own
  :func:`~backoffice.commissions.engine.binary_pay` so the planner can never
  disagree with a real calculation. :func:`load_baseline` reads its inputs.

Nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from backoffice.commissions import engine
from backoffice.commissions.actions import current_plan
from backoffice.commissions.models import Cycle, CycleStatus, Line, Result
from backoffice.commissions.plan import PlanVersion
from backoffice.network.models import Distributor
from backoffice.network.queries import holding_tank_of, legs_of, team_of
from backoffice.shop.models import Order, OrderKind, VolumeEntry

HUNDRED = Decimal(100)


# --- formatting -------------------------------------------------------------------

MINUS = "\u2212"  # the minus sign the statement pages use too


def volume(value: Decimal) -> str:
    """PV or CV as 1,234.56 (grouped the way the reader's language writes it)."""
    value = Decimal(value).quantize(Decimal("0.01"))
    text = formats.number_format(abs(value), 2, force_grouping=True)
    return f"{MINUS}{text}" if value < 0 else text


def money(value: Decimal) -> str:
    """USD as $1,234.56, or −$5.00."""
    value = Decimal(value)
    return f"{MINUS}${volume(-value)}" if value < 0 else f"${volume(value)}"


def signed_money(value: Decimal) -> str:
    """A change in USD: +$5.00, −$5.00 or $0.00."""
    return ("+" if value > 0 else "") + money(value)


def _signed_volume(value: Decimal) -> str:
    return ("+" if value > 0 else "") + volume(value)


def percent(basis_points: int) -> str:
    """1700 as 17%, 1250 as 12.5%."""
    value = Decimal(int(basis_points)) / HUNDRED
    if value == value.to_integral_value():
        return f"{formats.number_format(int(value))}%"
    return f"{formats.number_format(value.normalize())}%"


def sunday(day: date) -> str:
    """A cycle's last day as "Sunday May 10"."""
    return _("%(weekday)s %(month_day)s") % {
        "weekday": formats.date_format(day, "l"),
        "month_day": formats.date_format(day, "MONTH_DAY_FORMAT"),
    }


def _hundredths(value: Decimal) -> int:
    return int((Decimal(value) * HUNDRED).to_integral_value())


def _d(hundredths: int) -> Decimal:
    """Hundredths (the engine's and the plan's unit) as a two-place Decimal."""
    return (Decimal(int(hundredths)) / HUNDRED).quantize(Decimal("0.01"))


# --- plain inputs -----------------------------------------------------------------


@dataclass(frozen=True)
class OrderRef:
    """An order a check points to; ``url`` only when the viewer may open it."""

    number: str
    url: str = ""
    package_level: int = 0

    @property
    def label(self) -> str:
        return self.number


@dataclass(frozen=True)
class MemberRef:
    name: str
    distributor_id: int
    url: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.distributor_id})"


@dataclass(frozen=True)
class VolumeFact:
    """The viewer's own volume from one order on one day (a refund is negative)."""

    order: OrderRef
    on: date
    is_refund: bool
    pv: Decimal
    cv: Decimal


@dataclass(frozen=True)
class PackageFact:
    """The earliest order of a package level still held at the cycle's end."""

    level: int
    order: OrderRef
    paid_on: date


@dataclass(frozen=True)
class LineFact:
    bonus: str  # retail, gen5, mvp or binary
    amount: Decimal
    generation: int = 0
    order: OrderRef | None = None
    member: MemberRef | None = None


@dataclass(frozen=True)
class Facts:
    join_date: date
    terminated_on: date | None = None
    cycle_cv: Decimal = Decimal("0.00")
    volume: tuple[VolumeFact, ...] = ()  # own volume in the activity window
    packages: tuple[PackageFact, ...] = ()
    left_enrollees: tuple[MemberRef, ...] = ()  # active, personally enrolled
    right_enrollees: tuple[MemberRef, ...] = ()
    forfeited_mvp: tuple[MemberRef, ...] = ()  # enrollees whose MVP was lost


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool | None  # None: a figure that explains, not a condition
    text: str
    sources: tuple[OrderRef | MemberRef, ...] = ()


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    section: str
    checks: tuple[Check, ...]


# --- the rules (compensation-plan.md §3–§10) ----------------------------------------


def _window_start(cycle: Cycle, plan: PlanVersion) -> date:
    return cycle.ends_on - timedelta(days=plan.activity_days - 1)


def _is_terminated(facts: Facts, cycle: Cycle) -> bool:
    return facts.terminated_on is not None and facts.terminated_on <= cycle.ends_on


def _unique_orders(entries: Iterable[VolumeFact]) -> tuple[OrderRef, ...]:
    seen: dict[str, OrderRef] = {}
    for entry in entries:
        seen.setdefault(entry.order.number, entry.order)
    return tuple(seen.values())


def _held(facts: Facts, level: int) -> PackageFact | None:
    return next((p for p in facts.packages if p.level == level), None)


def status_checks(
    result: Result, cycle: Cycle, plan: PlanVersion, facts: Facts
) -> list[Check]:
    """§3: exists, terminated, active, package, GEN5- and binary-qualified."""
    end = cycle.ends_on
    minimum = _d(plan.min_pv30)
    terminated = _is_terminated(facts, cycle)
    checks = [
        Check(
            "exists",
            True,
            _("member since %(day)s") % {"day": facts.join_date.isoformat()},
        )
    ]
    if terminated:
        checks.append(
            Check(
                "terminated",
                False,
                _("terminated on %(day)s: never active again")
                % {"day": facts.terminated_on.isoformat()},
            )
        )
    else:
        checks.append(Check("terminated", True, _("not terminated")))

    window = [e for e in facts.volume if _window_start(cycle, plan) <= e.on <= end]
    figures = {
        "pv": volume(result.pv30),
        "minimum": volume(minimum),
        "days": plan.activity_days,
        "sunday": sunday(end),
        "terminated": facts.terminated_on.isoformat() if terminated else "",
    }
    if result.is_active:
        text = _("active: %(pv)s of %(minimum)s PV in the %(days)d days to %(sunday)s")
    elif terminated:
        text = _("inactive: terminated on %(terminated)s")
    else:
        text = _(
            "inactive: %(pv)s of %(minimum)s PV in the %(days)d days to %(sunday)s"
        )
    checks.append(
        Check("active", result.is_active, text % figures, _unique_orders(window))
    )

    package = _held(facts, result.package)
    if result.package:
        checks.append(
            Check(
                "package",
                True,
                _("package %(package)s held on %(sunday)s")
                % {"package": plan.package_code(result.package), "sunday": sunday(end)},
                (package.order,) if package else (),
            )
        )
    else:
        checks.append(
            Check(
                "package",
                False,
                _("no package held on %(sunday)s") % {"sunday": sunday(end)},
            )
        )

    if result.is_gen5_qualified:
        text = _("GEN5-qualified: active with %(package)s") % {
            "package": plan.package_code(result.package)
        }
    elif not result.is_active and not result.package:
        text = _("not GEN5-qualified: inactive and no package")
    elif not result.is_active:
        text = _("not GEN5-qualified: inactive")
    else:
        text = _("not GEN5-qualified: no package")
    checks.append(Check("gen5_qualified", result.is_gen5_qualified, text))

    for rule, has, members, found, missing in (
        (
            "left_enrollee",
            result.has_left_enrollee,
            facts.left_enrollees,
            _("active personally enrolled member in the left leg"),
            _("no active personally enrolled member in the left leg"),
        ),
        (
            "right_enrollee",
            result.has_right_enrollee,
            facts.right_enrollees,
            _("active personally enrolled member in the right leg"),
            _("no active personally enrolled member in the right leg"),
        ),
    ):
        checks.append(
            Check(rule, has, found if has else missing, members if has else ())
        )

    if result.is_binary_qualified:
        text = _("binary-qualified")
    elif not result.is_active:
        text = _("not binary-qualified: inactive")
    elif not result.has_left_enrollee and not result.has_right_enrollee:
        text = _(
            "not binary-qualified: no active personally enrolled member in either leg"
        )
    elif not result.has_left_enrollee:
        text = _(
            "not binary-qualified: no active personally enrolled member in the left leg"
        )
    else:
        text = _(
            "not binary-qualified: no active personally enrolled member in the right "
            "leg"
        )
    checks.append(Check("binary_qualified", result.is_binary_qualified, text))
    return checks


def _rank_rate(plan: PlanVersion, rank_name: str) -> int:
    for rank in plan.ranks:
        if rank.name == rank_name:
            return rank.rate_bp
    return plan.ranks[0].rate_bp  # the unqualified rank: the first rank's rate


def _window_end(paid_on: date, months: int) -> date:
    """The last day of a package's rate window (the engine's own month arithmetic)."""
    day = engine.add_months(np.array([paid_on.toordinal()], dtype=np.int64), months)
    return date.fromordinal(int(day[0]))


def binary_checks(
    result: Result, cycle: Cycle, plan: PlanVersion, facts: Facts
) -> list[Check]:
    """§4–§5: rebate, legs, flush, matched volume, rank, rate, cap and banks."""
    checks: list[Check] = []
    threshold = _d(plan.rebate_threshold)
    if result.rebate > 0:
        checks.append(
            Check(
                "rebate",
                True,
                _(
                    "personal rebate: %(share)s of the cycle CV %(cv)s above "
                    "%(threshold)s adds %(rebate)s to each leg"
                )
                % {
                    "share": percent(plan.rebate_share_bp),
                    "cv": volume(facts.cycle_cv),
                    "threshold": volume(threshold),
                    "rebate": volume(result.rebate),
                },
            )
        )
    else:
        checks.append(
            Check(
                "rebate",
                False,
                _("no personal rebate: cycle CV %(cv)s is not above %(threshold)s")
                % {"cv": volume(facts.cycle_cv), "threshold": volume(threshold)},
            )
        )
    for rule, total, new in (
        ("left_leg", result.left_cv, result.new_left),
        ("right_leg", result.right_cv, result.new_right),
    ):
        figures = {
            "total": volume(total),
            "bank": volume(total - new - result.rebate),
            "new": volume(new),
            "rebate": volume(result.rebate),
        }
        text = (
            _("left leg %(total)s = bank %(bank)s + new %(new)s + rebate %(rebate)s")
            if rule == "left_leg"
            else _(
                "right leg %(total)s = bank %(bank)s + new %(new)s + rebate %(rebate)s"
            )
        )
        checks.append(Check(rule, None, text % figures))

    if result.is_active:
        checks.append(Check("flush", True, _("active: both banks carry forward")))
    else:
        checks.append(
            Check(
                "flush",
                False,
                _("inactive: %(flushed)s CV flushed, both banks back to 0.00")
                % {"flushed": volume(result.flushed)},
            )
        )

    minimum = _d(plan.min_match)
    lesser = max(min(result.left_cv, result.right_cv), Decimal("0.00"))
    pays = (
        result.is_binary_qualified
        and result.matched_cv >= minimum
        and result.matched_cv > 0
    )
    if not result.is_binary_qualified:
        checks.append(
            Check("matched", False, _("nothing matched: not binary-qualified"))
        )
    elif not pays:
        checks.append(
            Check(
                "matched",
                False,
                _("matched volume %(matched)s below the %(minimum)s minimum")
                % {"matched": volume(lesser), "minimum": volume(minimum)},
            )
        )
    else:
        checks.append(
            Check(
                "matched",
                True,
                _(
                    "matched volume %(matched)s: the lesser leg %(lesser)s in whole "
                    "units of %(unit)s"
                )
                % {
                    "matched": volume(result.matched_cv),
                    "lesser": volume(lesser),
                    "unit": volume(_d(plan.match_unit)),
                },
            )
        )

    if result.is_binary_qualified:
        above = [r for r in plan.ranks if _d(r.min_matched) > result.matched_cv]
        if above:
            text = _(
                "paid as %(rank)s: %(matched)s matched, %(more)s short of %(next)s"
            )
            more = {
                "more": volume(_d(above[0].min_matched) - result.matched_cv),
                "next": above[0].name,
            }
        else:
            text = _("paid as %(rank)s: %(matched)s matched, the top rank")
            more = {}
        checks.append(
            Check(
                "rank",
                True,
                text
                % {"rank": result.rank, "matched": volume(result.matched_cv), **more},
            )
        )
    else:
        checks.append(
            Check(
                "rank",
                False,
                _("paid as %(rank)s: not binary-qualified") % {"rank": result.rank},
            )
        )

    if result.is_binary_qualified:
        rank_rate = _rank_rate(plan, result.rank)
        if result.rate_package:
            opened = _held(facts, result.rate_package)
            checks.append(
                Check(
                    "rate",
                    None,
                    _(
                        "rate %(rate)s from the %(package)s window until %(until)s "
                        "(rank rate %(rank_rate)s)"
                    )
                    % {
                        "rate": percent(result.rate_bp),
                        "package": plan.package_code(result.rate_package),
                        "until": result.rate_until.isoformat()
                        if result.rate_until
                        else "",
                        "rank_rate": percent(rank_rate),
                    },
                    (opened.order,) if opened else (),
                )
            )
        else:
            ended = [
                (_window_end(p.paid_on, spec.rate_months), spec, p)
                for p in facts.packages
                for spec in plan.packages
                if spec.level == p.level and spec.rate_bp > rank_rate
            ]
            ended = [item for item in ended if item[0] < cycle.ends_on]
            if ended:
                until, spec, held = max(ended, key=lambda item: item[0])
                checks.append(
                    Check(
                        "rate",
                        None,
                        _(
                            "rate %(rate)s from the rank %(rank)s (the %(package)s "
                            "window ended %(until)s)"
                        )
                        % {
                            "rate": percent(result.rate_bp),
                            "rank": result.rank,
                            "package": spec.code,
                            "until": until.isoformat(),
                        },
                        (held.order,),
                    )
                )
            else:
                checks.append(
                    Check(
                        "rate",
                        None,
                        _("rate %(rate)s from the rank %(rank)s")
                        % {"rate": percent(result.rate_bp), "rank": result.rank},
                    )
                )

    cap = _d(plan.weekly_cap)
    if pays:
        earned = _d(_hundredths(result.matched_cv) * result.rate_bp // 10_000)
        checks.append(
            Check(
                "binary",
                True,
                _("binary %(matched)s × %(rate)s = %(amount)s")
                % {
                    "matched": volume(result.matched_cv),
                    "rate": percent(result.rate_bp),
                    "amount": money(earned),
                },
            )
        )
        if result.breakage > 0:
            checks.append(
                Check(
                    "cap",
                    False,
                    _("weekly cap: %(over)s above %(cap)s not paid")
                    % {"over": volume(result.breakage), "cap": money(cap)},
                )
            )
        else:
            checks.append(
                Check(
                    "cap",
                    True,
                    _("under the weekly cap of %(cap)s") % {"cap": money(cap)},
                )
            )
    else:
        checks.append(
            Check("binary", False, _("no binary commission: nothing matched"))
        )

    checks.append(
        Check(
            "banks",
            None,
            _("banks carried forward: left %(left)s, right %(right)s")
            % {"left": volume(result.bank_left), "right": volume(result.bank_right)},
        )
    )
    checks.append(
        Check(
            "best_rank", None, _("highest rank: %(rank)s") % {"rank": result.best_rank}
        )
    )
    return checks


def _bonus_name(bonus: str) -> str:
    return {
        "retail": _("retail profit"),
        "gen5": _("GEN5"),
        "mvp": _("MVP"),
        "binary": _("binary"),
    }.get(bonus, bonus)


def _sources(*refs: OrderRef | MemberRef | None) -> tuple[OrderRef | MemberRef, ...]:
    return tuple(ref for ref in refs if ref is not None)


def gen5_checks(plan: PlanVersion, lines: Sequence[LineFact]) -> list[Check]:
    """§6: each GEN5 line earned, with the package order it comes from."""
    earned = [line for line in lines if line.bonus == "gen5" and line.amount > 0]
    checks = []
    for line in earned:
        order = line.order
        checks.append(
            Check(
                "gen5",
                True,
                _(
                    "GEN5 generation %(generation)d from %(member)s, %(package)s "
                    "order %(order)s: %(amount)s"
                )
                % {
                    "generation": line.generation,
                    "member": line.member.label if line.member else "",
                    "package": plan.package_code(order.package_level)
                    if order and order.package_level
                    else "",
                    "order": order.number if order else "",
                    "amount": money(line.amount),
                },
                _sources(order, line.member),
            )
        )
    if not checks:
        checks.append(Check("gen5", None, _("no GEN5 bonus this week")))
    return checks


def mvp_checks(cycle: Cycle, lines: Sequence[LineFact], facts: Facts) -> list[Check]:
    """§7: MVP bonuses earned, and those lost because the viewer was inactive."""
    checks = [
        Check(
            "mvp",
            True,
            _("MVP bonus for enrolling %(member)s: %(amount)s")
            % {
                "member": line.member.label if line.member else "",
                "amount": money(line.amount),
            },
            _sources(line.member),
        )
        for line in lines
        if line.bonus == "mvp" and line.amount > 0
    ]
    checks += [
        Check(
            "mvp",
            False,
            _("MVP bonus for %(member)s forfeited: inactive on %(sunday)s")
            % {"member": member.label, "sunday": sunday(cycle.ends_on)},
            (member,),
        )
        for member in facts.forfeited_mvp
    ]
    if not checks:
        checks.append(Check("mvp", None, _("no MVP bonus this week")))
    return checks


def retail_checks(lines: Sequence[LineFact]) -> list[Check]:
    """§8: retail profit per customer order."""
    checks = [
        Check(
            "retail",
            True,
            _("retail profit on order %(order)s: %(amount)s")
            % {
                "order": line.order.number if line.order else "",
                "amount": money(line.amount),
            },
            _sources(line.order),
        )
        for line in lines
        if line.bonus == "retail" and line.amount > 0
    ]
    if not checks:
        checks.append(Check("retail", None, _("no retail profit this week")))
    return checks


def refund_checks(cycle: Cycle, lines: Sequence[LineFact], facts: Facts) -> list[Check]:
    """§9: bonuses reversed by later refunds, and the viewer's own volume taken back."""
    checks = [
        Check(
            "reversal",
            False,
            _("refund of order %(order)s reversed %(amount)s %(bonus)s")
            % {
                "order": line.order.number if line.order else "",
                "amount": money(-line.amount),
                "bonus": _bonus_name(line.bonus),
            },
            _sources(line.order, line.member),
        )
        for line in lines
        if line.amount < 0
    ]
    taken: dict[str, list[VolumeFact]] = {}
    for entry in facts.volume:
        if entry.is_refund and cycle.starts_on <= entry.on <= cycle.ends_on:
            taken.setdefault(entry.order.number, []).append(entry)
    for entries in taken.values():
        checks.append(
            Check(
                "refund_volume",
                None,
                _("refund of order %(order)s took back %(pv)s PV and %(cv)s CV")
                % {
                    "order": entries[0].order.number,
                    "pv": volume(-sum((e.pv for e in entries), Decimal(0))),
                    "cv": volume(-sum((e.cv for e in entries), Decimal(0))),
                },
                (entries[0].order,),
            )
        )
    if not checks:
        checks.append(Check("refunds", None, _("no refunds this week")))
    return checks


def statement_checks(result: Result, cycle: Cycle, plan: PlanVersion) -> list[Check]:
    """§10: the total, the balance carried in and the minimum payout."""
    checks = [
        Check(
            "total",
            None,
            _(
                "total %(total)s = retail %(retail)s + GEN5 %(gen5)s + MVP %(mvp)s "
                "+ binary %(binary)s"
            )
            % {
                "total": money(result.total),
                "retail": money(result.retail),
                "gen5": money(result.gen5),
                "mvp": money(result.mvp),
                "binary": money(result.binary),
            },
        )
    ]
    if result.balance_in:
        checks.append(
            Check(
                "balance_in",
                None,
                _("%(amount)s carried in from earlier weeks")
                % {"amount": money(result.balance_in)},
            )
        )
    balance = result.balance_in + result.total
    minimum = _d(plan.minimum_payout)
    if balance >= minimum:
        if cycle.status == CycleStatus.ESTIMATE:
            text = _(
                "balance %(balance)s reaches the %(minimum)s minimum: payable if the "
                "week ended now"
            )
        elif cycle.status == CycleStatus.APPROVED:
            text = _(
                "balance %(balance)s reaches the %(minimum)s minimum: paid on %(day)s"
            )
        else:
            text = _(
                "balance %(balance)s reaches the %(minimum)s minimum: paid on %(day)s "
                "once the week is approved"
            )
        checks.append(
            Check(
                "payout",
                True,
                text
                % {
                    "balance": money(balance),
                    "minimum": money(minimum),
                    "day": cycle.pay_on.isoformat(),
                },
            )
        )
    else:
        checks.append(
            Check(
                "payout",
                False,
                _("balance %(balance)s below the %(minimum)s minimum: carried")
                % {"balance": volume(balance), "minimum": money(minimum)},
            )
        )
    return checks


def explain(
    *,
    result: Result,
    cycle: Cycle,
    plan: PlanVersion,
    lines: Sequence[LineFact],
    facts: Facts,
) -> list[Group]:
    """Every rule of the plan for one distributor's cycle, in the plan's order."""
    return [
        Group(
            "status",
            _("Status on Sunday"),
            "§3",
            tuple(status_checks(result, cycle, plan, facts)),
        ),
        Group(
            "binary",
            _("Binary team commission and rank"),
            "§4–§5",
            tuple(binary_checks(result, cycle, plan, facts)),
        ),
        Group(
            "gen5",
            _("GEN5 fast-start bonus"),
            "§6",
            tuple(gen5_checks(plan, lines)),
        ),
        Group("mvp", _("MVP bonus"), "§7", tuple(mvp_checks(cycle, lines, facts))),
        Group("retail", _("Retail profit"), "§8", tuple(retail_checks(lines))),
        Group("refunds", _("Refunds"), "§9", tuple(refund_checks(cycle, lines, facts))),
        Group(
            "statement",
            _("Statement and payout"),
            "§10",
            tuple(statement_checks(result, cycle, plan)),
        ),
    ]


# --- reading the inputs -------------------------------------------------------------


def get_result_for_viewer(viewer: Distributor, number: int) -> Result:
    """The viewer's own row of cycle ``number`` (closed or estimate), or 404."""
    result = (
        Result.objects.for_distributor(viewer)
        .select_related("cycle")
        .filter(cycle__number=number)
        .first()
    )
    if result is None:
        raise Http404
    return result


def _order_ref(viewer: Distributor, order: Order) -> OrderRef:
    own = order.distributor_id == viewer.pk
    return OrderRef(
        number=order.number,
        url=reverse("orders:detail", args=[order.number]) if own else "",
        package_level=order.package_level,
    )


def _member_refs(
    viewer: Distributor, members: Iterable[Distributor]
) -> dict[int, MemberRef]:
    members = list(members)
    if not members:
        return {}
    visible = set(
        team_of(viewer)
        .filter(pk__in=[m.pk for m in members])
        .values_list("pk", flat=True)
    )
    return {
        m.pk: MemberRef(
            name=m.name,
            distributor_id=m.distributor_id,
            url=reverse("team:member", args=[m.distributor_id])
            if m.pk in visible
            else "",
        )
        for m in members
    }


def _held_packages(
    viewer: Distributor, plan: PlanVersion, end: date, through: date
) -> list[Order]:
    """The earliest order of each level not given back by ``end`` (as load.py reads)."""
    orders = (
        Order.objects.for_distributor(viewer)
        .filter(
            kind=OrderKind.DISTRIBUTOR,
            package_level__gt=0,
            package_level__lte=len(plan.packages),
            paid_on__isnull=False,
            paid_on__lte=through,
        )
        .filter(Q(package_refunded_on__isnull=True) | Q(package_refunded_on__gt=end))
        .order_by("package_level", "paid_on", "id")
    )
    first: dict[int, Order] = {}
    for order in orders:
        first.setdefault(order.package_level, order)
    return list(first.values())


def _package_key(order: Order) -> int:
    # The engine's key: day ordinal << 32 | order id (load.py).
    return order.paid_on.toordinal() << 32 | order.pk


@dataclass(frozen=True)
class Explanation:
    result: Result
    cycle: Cycle
    plan: PlanVersion
    groups: list[Group]

    @property
    def is_estimate(self) -> bool:
        return self.cycle.status == CycleStatus.ESTIMATE


def load_facts(
    viewer: Distributor, result: Result, plan: PlanVersion
) -> tuple[list[LineFact], Facts]:
    """The viewer's lines, volume, packages and enrollees behind one Result row."""
    cycle = result.cycle
    end, through = cycle.ends_on, cycle.counted_through
    start = _window_start(cycle, plan)
    entries = (
        VolumeEntry.objects.for_distributor(viewer)
        .between(min(start, cycle.starts_on), through)
        .select_related("order")
        .order_by("on", "id")
    )
    volume_facts = []
    cycle_cv = Decimal("0.00")
    for entry in entries:
        if cycle.starts_on <= entry.on:
            cycle_cv += entry.cv
        if entry.on >= start:
            volume_facts.append(
                VolumeFact(
                    order=_order_ref(viewer, entry.order),
                    on=entry.on,
                    is_refund=entry.kind == "refund",
                    pv=entry.pv,
                    cv=entry.cv,
                )
            )

    packages = tuple(
        PackageFact(
            level=o.package_level, order=_order_ref(viewer, o), paid_on=o.paid_on
        )
        for o in _held_packages(viewer, plan, end, through)
    )

    # Active personal enrollees by leg, as this cycle's rows have them.
    legs = legs_of(viewer)
    active_rows = list(
        Result.objects.filter(
            cycle=cycle,
            is_active=True,
            distributor__enroller=viewer,
            distributor__lo__isnull=False,
        )
        .select_related("distributor__user")
        .order_by("distributor__distributor_id")
    )
    forfeited_rows = list(
        Result.objects.filter(
            cycle=cycle,
            distributor__enroller=viewer,
            mvp_decision=engine.MVP_FORFEITED,
        )
        .select_related("distributor__user")
        .order_by("distributor__distributor_id")
    )
    refs = _member_refs(
        viewer, [row.distributor for row in active_rows + forfeited_rows]
    )
    by_leg: dict[str, list[MemberRef]] = {"L": [], "R": []}
    for row in active_rows:
        for side, (lo, hi) in legs.items():
            if lo <= row.distributor.lo < hi:
                by_leg[side].append(refs[row.distributor.pk])
    forfeited = [refs[row.distributor.pk] for row in forfeited_rows]

    rows = list(
        Line.objects.for_distributor(viewer)
        .filter(cycle=cycle)
        .select_related("source_order", "source_distributor__user")
        .order_by("id")
    )
    sources = _member_refs(
        viewer, [row.source_distributor for row in rows if row.source_distributor]
    )
    lines = [
        LineFact(
            bonus=row.bonus,
            amount=row.amount,
            generation=row.generation,
            order=_order_ref(viewer, row.source_order) if row.source_order else None,
            member=sources.get(row.source_distributor_id),
        )
        for row in rows
    ]
    facts = Facts(
        join_date=viewer.join_date,
        terminated_on=viewer.terminated_on,
        cycle_cv=cycle_cv,
        volume=tuple(volume_facts),
        packages=packages,
        left_enrollees=tuple(by_leg["L"]),
        right_enrollees=tuple(by_leg["R"]),
        forfeited_mvp=tuple(forfeited),
    )
    return lines, facts


def load_explanation(viewer: Distributor, number: int) -> Explanation:
    """The viewer's explanation of cycle ``number``; 404 without a row for it."""
    result = get_result_for_viewer(viewer, number)
    plan = current_plan().for_cycle(result.cycle.number)
    lines, facts = load_facts(viewer, result, plan)
    groups = explain(
        result=result, cycle=result.cycle, plan=plan, lines=lines, facts=facts
    )
    return Explanation(result=result, cycle=result.cycle, plan=plan, groups=groups)


# --- the what-if planner --------------------------------------------------------------

LEFT, RIGHT, TANK = "L", "R", ""


@dataclass(frozen=True)
class TankMember:
    member: MemberRef
    cycle_cv: Decimal
    is_active: bool


@dataclass(frozen=True)
class Baseline:
    """The estimate a projection starts from: the viewer's row and its inputs."""

    result: Result
    cycle: Cycle
    plan: PlanVersion
    facts: Facts
    package_first: tuple[int, ...]  # the engine's key per level, -1 when not held
    tank: tuple[TankMember, ...] = ()


@dataclass(frozen=True)
class Extras:
    """What the viewer imagines happening before Sunday (volumes in CV)."""

    left_cv: Decimal = Decimal("0.00")
    right_cv: Decimal = Decimal("0.00")
    personal_cv: Decimal = Decimal("0.00")
    placements: Mapping[int, str] = field(default_factory=dict)  # ID -> L/R


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    change: str = ""


@dataclass(frozen=True)
class Projection:
    result: Result  # unsaved: the estimate's row as it would become
    facts: Facts
    checks: list[Check]
    changes: list[Change]
    binary_change: Decimal


def _signed(value: Decimal, formatter: Callable[[Decimal], str]) -> str:
    return "" if value == 0 else formatter(value)


def project(baseline: Baseline, extras: Extras) -> Projection:
    """The estimate's binary figures with ``extras`` added (engine.binary_pay)."""
    base, plan, cycle = baseline.result, baseline.plan, baseline.cycle
    facts = baseline.facts
    new_left, new_right = (
        base.new_left + extras.left_cv,
        base.new_right + extras.right_cv,
    )
    left_enrollees = list(facts.left_enrollees)
    right_enrollees = list(facts.right_enrollees)
    has_left, has_right = base.has_left_enrollee, base.has_right_enrollee
    for held in baseline.tank:
        side = extras.placements.get(held.member.distributor_id, TANK)
        if side == LEFT:
            new_left += held.cycle_cv
            if held.is_active:
                has_left = True
                left_enrollees.append(held.member)
        elif side == RIGHT:
            new_right += held.cycle_cv
            if held.is_active:
                has_right = True
                right_enrollees.append(held.member)

    pv30 = base.pv30 + extras.personal_cv
    cycle_cv = facts.cycle_cv + extras.personal_cv
    terminated = _is_terminated(facts, cycle)
    active = not terminated and _hundredths(pv30) >= plan.min_pv30
    qualified = active and has_left and has_right
    bank_left_in = base.left_cv - base.new_left - base.rebate
    bank_right_in = base.right_cv - base.new_right - base.rebate

    def one(value: Decimal) -> np.ndarray:
        return np.array([_hundredths(value)], dtype=np.int64)

    pay = engine.binary_pay(
        plan,
        cycle_cv=one(cycle_cv),
        bank_left_in=one(bank_left_in),
        bank_right_in=one(bank_right_in),
        new_left=one(new_left),
        new_right=one(new_right),
        active=np.array([active]),
        binary_qualified=np.array([qualified]),
        package_first=np.array([baseline.package_first], dtype=np.int64).reshape(
            1, len(plan.packages)
        ),
        end_day=cycle.ends_on.toordinal(),
    )

    def at(values: np.ndarray) -> int:
        return int(values[0])

    binary = _d(at(pay.binary))
    total = base.total - base.binary + binary
    carried = base.balance_in + total
    minimum = _d(plan.minimum_payout)
    paid = carried if carried >= minimum else Decimal("0.00")
    rank_name = plan.rank_names[at(pay.rank)]
    best = max(
        plan.rank_names.index(base.best_rank)
        if base.best_rank in plan.rank_names
        else 0,
        at(pay.rank),
    )
    until = at(pay.rate_until)
    projected = Result(
        cycle=cycle,
        distributor_id=base.distributor_id,
        rank=rank_name,
        best_rank=plan.rank_names[best],
        is_active=active,
        is_binary_qualified=qualified,
        has_left_enrollee=has_left,
        has_right_enrollee=has_right,
        is_gen5_qualified=active and base.package > 0,
        package=base.package,
        pv30=pv30,
        cycle_pv=base.cycle_pv + extras.personal_cv,
        new_left=new_left,
        new_right=new_right,
        rebate=_d(at(pay.rebate)),
        left_cv=_d(at(pay.left)),
        right_cv=_d(at(pay.right)),
        matched_cv=_d(at(pay.matched)),
        bank_left=_d(at(pay.bank_left)),
        bank_right=_d(at(pay.bank_right)),
        flushed=_d(at(pay.flushed)),
        breakage=_d(at(pay.breakage)),
        rate_bp=at(pay.rate_bp),
        rate_package=at(pay.rate_source),
        rate_until=date.fromordinal(until) if until >= 0 else None,
        retail=base.retail,
        gen5=base.gen5,
        mvp=base.mvp,
        binary=binary,
        total=total,
        balance_in=base.balance_in,
        paid=paid,
        balance_out=carried - paid,
        mvp_decision=base.mvp_decision,
    )
    projected_facts = Facts(
        join_date=facts.join_date,
        terminated_on=facts.terminated_on,
        cycle_cv=cycle_cv,
        volume=facts.volume,
        packages=facts.packages,
        left_enrollees=tuple(left_enrollees),
        right_enrollees=tuple(right_enrollees),
        forfeited_mvp=facts.forfeited_mvp,
    )
    checks = [
        check
        for check in status_checks(projected, cycle, plan, projected_facts)
        + binary_checks(projected, cycle, plan, projected_facts)
        + statement_checks(projected, cycle, plan)
        if check.rule
        in {
            "active",
            "left_enrollee",
            "right_enrollee",
            "binary_qualified",
            "rebate",
            "left_leg",
            "right_leg",
            "matched",
            "rank",
            "rate",
            "binary",
            "cap",
            "banks",
            "payout",
        }
    ]
    changes = _changes(base, projected)
    return Projection(
        result=projected,
        facts=projected_facts,
        checks=checks,
        changes=changes,
        binary_change=binary - base.binary,
    )


def _changes(before: Result, after: Result) -> list[Change]:
    def yes_no(flag: bool) -> str:
        return _("yes") if flag else _("no")

    rows = [
        Change(
            _("PV in 30 days"),
            volume(before.pv30),
            volume(after.pv30),
            _signed(after.pv30 - before.pv30, _signed_volume),
        ),
        Change(_("Active"), yes_no(before.is_active), yes_no(after.is_active)),
        Change(
            _("Binary-qualified"),
            yes_no(before.is_binary_qualified),
            yes_no(after.is_binary_qualified),
        ),
    ]
    for label, name in (
        (_("Left CV"), "left_cv"),
        (_("Right CV"), "right_cv"),
        (_("Matched CV"), "matched_cv"),
    ):
        old, new = getattr(before, name), getattr(after, name)
        rows.append(
            Change(label, volume(old), volume(new), _signed(new - old, _signed_volume))
        )
    rows.append(Change(_("Paid-as rank"), before.rank, after.rank))
    rows.append(Change(_("Rate"), percent(before.rate_bp), percent(after.rate_bp)))
    for label, name in (
        (_("Binary"), "binary"),
        (_("Total"), "total"),
        (_("Payable"), "paid"),
    ):
        old, new = getattr(before, name), getattr(after, name)
        rows.append(
            Change(label, money(old), money(new), _signed(new - old, signed_money))
        )
    for label, name in ((_("Left bank"), "bank_left"), (_("Right bank"), "bank_right")):
        old, new = getattr(before, name), getattr(after, name)
        rows.append(
            Change(label, volume(old), volume(new), _signed(new - old, _signed_volume))
        )
    return rows


def estimate_cycle() -> Cycle | None:
    """The cycle of "this week so far", when one has been estimated."""
    return Cycle.objects.filter(status=CycleStatus.ESTIMATE).order_by("-number").first()


def load_baseline(
    viewer: Distributor, tank: Sequence[Distributor] | None = None
) -> Baseline | None:
    """The viewer's estimate row and what the planner needs; None without one."""
    cycle = estimate_cycle()
    if cycle is None:
        return None
    result = (
        Result.objects.for_distributor(viewer)
        .select_related("cycle")
        .filter(cycle=cycle)
        .first()
    )
    if result is None:
        return None
    plan = current_plan().for_cycle(cycle.number)
    _lines, facts = load_facts(viewer, result, plan)
    first = [-1] * len(plan.packages)
    for order in _held_packages(viewer, plan, cycle.ends_on, cycle.counted_through):
        first[order.package_level - 1] = _package_key(order)

    tank = list(holding_tank_of(viewer) if tank is None else tank)
    cvs: dict[int, Decimal] = {}
    for member_pk, cv in (
        VolumeEntry.objects.filter(distributor__in=[m.pk for m in tank])
        .between(cycle.starts_on, cycle.counted_through)
        .values_list("distributor_id", "cv")
    ):
        cvs[member_pk] = cvs.get(member_pk, Decimal("0.00")) + cv
    active = set(
        Result.objects.filter(
            cycle=cycle, distributor__in=[m.pk for m in tank], is_active=True
        ).values_list("distributor_id", flat=True)
    )
    refs = _member_refs(viewer, tank)
    return Baseline(
        result=result,
        cycle=cycle,
        plan=plan,
        facts=facts,
        package_first=tuple(first),
        tank=tuple(
            TankMember(
                member=refs[m.pk],
                cycle_cv=cvs.get(m.pk, Decimal("0.00")),
                is_active=m.pk in active,
            )
            for m in tank
        ),
    )
