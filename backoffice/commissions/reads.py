"""What a distributor sees of their own commissions.

Reads for the commission overview, the weekly statement (page, CSV and PDF)
and the dashboard card. Every query starts from the signed-in distributor, so
another member's results are never reachable from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from backoffice.commissions import actions
from backoffice.commissions.models import (
    Bonus,
    Cycle,
    CycleStatus,
    Line,
    LineQuerySet,
    Result,
    ResultQuerySet,
)
from backoffice.commissions.plan import PlanVersion
from backoffice.lib.money import ZERO, quantize_money
from backoffice.network.models import Distributor
from backoffice.shop.models import OrderKind, VolumeEntry

PAGE_SIZE = 25
CHART_WEEKS = 12
HUNDRED = Decimal(100)


# --- QuerySet steps (candidates for ResultQuerySet / LineQuerySet) ----------


def estimates(results: ResultQuerySet) -> ResultQuerySet:
    """Results of the open week's estimate ("this week so far")."""
    return results.filter(cycle__status=CycleStatus.ESTIMATE)


def in_cycle(results: ResultQuerySet, number: int) -> ResultQuerySet:
    return results.filter(cycle__number=number)


def newest_first(results: ResultQuerySet) -> ResultQuerySet:
    return results.order_by("-cycle__number")


def payable_from(results: ResultQuerySet, day: date) -> ResultQuerySet:
    """Results that pay something on ``day`` or later, the soonest first."""
    return results.filter(cycle__pay_on__gte=day, paid__gt=0).order_by(
        "cycle__pay_on", "cycle__number"
    )


def lines_of(lines: LineQuerySet, cycle: Cycle) -> LineQuerySet:
    return lines.filter(cycle=cycle)


# --- formatting shared by the CSV and the PDF ----------------------------------


def usd(amount: Decimal) -> str:
    """$1,234.56 (separators of the active language); negatives as −$1,234.56."""
    text = number_format(abs(amount), 2, force_grouping=True)
    return f"−${text}" if amount < 0 else f"${text}"


def plain_amount(amount: Decimal) -> str:
    """Two decimals, no grouping: what a spreadsheet reads back as a number."""
    return f"{quantize_money(amount):.2f}"


def percent(rate_bp: int) -> Decimal:
    # Exact division keeps the ideal exponent: 1700 -> 17, 1250 -> 12.5.
    return Decimal(rate_bp) / HUNDRED


def hundredths(value: int) -> Decimal:
    return quantize_money(Decimal(value) / HUNDRED)


# --- the gate ----------------------------------------------------------------


def get_statement_for_viewer(viewer: Distributor, number: int) -> Result:
    """The viewer's result in closed cycle ``number``; 404 when missing or open."""
    result = (
        in_cycle(Result.objects.for_distributor(viewer).closed(), number)
        .select_related("cycle")
        .first()
    )
    if result is None:
        raise Http404
    return result


# --- activity ----------------------------------------------------------------


def first_inactive_day(
    entries: Iterable[tuple[date, Decimal]],
    *,
    today: date,
    threshold: Decimal,
    window_days: int,
) -> date | None:
    """The first day from ``today`` on whose window PV falls below ``threshold``.

    Unlike ``shop.activity.last_active_day`` this is the *first* such day: a
    refund leaving the window can lift the sum again later, and a distributor
    who dips in between is inactive on those days. The sum only changes where
    an entry enters its window (its date) or leaves it (``window_days`` on).
    """
    entries = list(entries)
    width = timedelta(days=window_days - 1)
    changes = {today}
    for on, _pv in entries:
        changes.add(on)
        changes.add(on + timedelta(days=window_days))
    for day in sorted(change for change in changes if change >= today):
        total = sum((pv for on, pv in entries if day - width <= on <= day), Decimal(0))
        if total < threshold:
            return day
    return None  # only when the threshold is 0 or below: nobody turns inactive


@dataclass(frozen=True)
class Activity:
    pv30: Decimal  # PV dated in the window ending today
    min_pv30: Decimal
    window_days: int
    inactive_on: date | None  # None: never (a plan without a minimum)
    days_left: int | None  # 0: inactive today

    @property
    def is_active(self) -> bool:
        return self.days_left is None or self.days_left > 0

    @property
    def pv_needed(self) -> Decimal:
        return max(self.min_pv30 - self.pv30, ZERO)


def activity_of(viewer: Distributor, *, today: date, version: PlanVersion) -> Activity:
    threshold = hundredths(version.min_pv30)
    window = version.activity_days
    start = today - timedelta(days=window - 1)
    # Older volume is outside every window that ends today or later.
    entries = list(
        VolumeEntry.objects.for_distributor(viewer)
        .filter(on__gte=start)
        .values_list("on", "pv")
    )
    inactive_on = first_inactive_day(
        entries, today=today, threshold=threshold, window_days=window
    )
    if viewer.terminated_on is not None:
        # A terminated member is never active again (plan §3).
        end = max(viewer.terminated_on, today)
        inactive_on = end if inactive_on is None else min(inactive_on, end)
    pv30 = sum((pv for on, pv in entries if start <= on <= today), Decimal(0))
    return Activity(
        pv30=quantize_money(pv30),
        min_pv30=threshold,
        window_days=window,
        inactive_on=inactive_on,
        days_left=None if inactive_on is None else (inactive_on - today).days,
    )


# --- this week so far --------------------------------------------------------


@dataclass(frozen=True)
class ThisWeek:
    """The open week's estimate for the viewer: never paid, recomputed often."""

    result: Result
    cycle: Cycle
    rate_percent: Decimal
    package_code: str  # the pack whose window sets the rate; "" for the rank's rate
    is_qualified: bool
    next_rank: str  # "" at the top rank
    matched_needed: Decimal  # matched CV still missing for next_rank

    @property
    def rate_until(self) -> date | None:
        return self.result.rate_until

    # Each leg is bank in + new volume + rebate (plan §4): the bank is the rest.
    @property
    def bank_left_in(self) -> Decimal:
        return self.result.left_cv - self.result.new_left - self.result.rebate

    @property
    def bank_right_in(self) -> Decimal:
        return self.result.right_cv - self.result.new_right - self.result.rebate


def this_week(viewer: Distributor) -> ThisWeek | None:
    result = (
        newest_first(estimates(Result.objects.for_distributor(viewer)))
        .select_related("cycle")
        .first()
    )
    if result is None:
        return None
    version = actions.current_plan().for_cycle(result.cycle.number)
    matched = round(result.matched_cv * HUNDRED)
    if not result.is_binary_qualified:
        # Qualifying is the step that matters: the first rank has no minimum.
        upcoming = version.ranks[0]
    else:
        upcoming = next(
            (rank for rank in version.ranks if rank.min_matched > matched), None
        )
    return ThisWeek(
        result=result,
        cycle=result.cycle,
        rate_percent=percent(result.rate_bp),
        package_code=version.package_code(result.rate_package),
        is_qualified=result.is_binary_qualified,
        next_rank=upcoming.name if upcoming else "",
        matched_needed=(
            hundredths(max(upcoming.min_matched - matched, 0)) if upcoming else ZERO
        ),
    )


# --- history and its chart ---------------------------------------------------


def closed_results(viewer: Distributor) -> ResultQuerySet:
    return newest_first(Result.objects.for_distributor(viewer).closed())


def history_page(viewer: Distributor, page: str | int | None) -> Page:
    results = closed_results(viewer).select_related("cycle")
    return Paginator(results, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Bar:
    number: int
    starts_on: date
    total: Decimal
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    label_x: Decimal

    @property
    def is_negative(self) -> bool:
        return self.total < 0


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    baseline: Decimal  # y of the $0 line
    label_y: int


CHART_SLOT = 40
CHART_BAR = 28
CHART_PLOT = 160  # the bars' area; cycle labels go underneath
CHART_TOP = 8


def _svg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


def chart_of(viewer: Distributor) -> Chart | None:
    """The last weeks' totals as bars, oldest on the left; None with no history."""
    rows = list(
        closed_results(viewer).values_list(
            "cycle__number", "cycle__starts_on", "total"
        )[:CHART_WEEKS]
    )
    if not rows:
        return None
    rows.reverse()
    highest = max(max(total for *_, total in rows), ZERO)
    lowest = min(min(total for *_, total in rows), ZERO)
    span = (highest - lowest) or Decimal(1)
    scale = Decimal(CHART_PLOT) / span
    baseline = Decimal(CHART_TOP) + highest * scale
    bars = []
    for index, (number, starts_on, total) in enumerate(rows):
        height = abs(total) * scale
        top = baseline - height if total >= 0 else baseline
        x = Decimal(index * CHART_SLOT + (CHART_SLOT - CHART_BAR) // 2)
        bars.append(
            Bar(
                number=number,
                starts_on=starts_on,
                total=total,
                x=x,
                y=_svg(top),
                width=Decimal(CHART_BAR),
                # A zero week still shows a hairline so the slot is not empty.
                height=max(_svg(height), Decimal("0.5")),
                label_x=x + Decimal(CHART_BAR) / 2,
            )
        )
    return Chart(
        bars=bars,
        width=len(rows) * CHART_SLOT,
        height=CHART_TOP + CHART_PLOT + 20,
        baseline=_svg(baseline),
        label_y=CHART_TOP + CHART_PLOT + 16,
    )


# --- the statement -----------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    bonus: str
    bonus_label: str
    amount: Decimal
    generation: int  # 0: not a generation bonus
    order_number: str
    is_own_order: bool  # the order is credited to the viewer: link to it
    customer_name: str  # the viewer's retail customer, on their own orders
    member_id: int | None  # the downline member the amount comes from
    member_name: str

    @property
    def source_name(self) -> str:
        return self.member_name or self.customer_name


@dataclass(frozen=True)
class Statement:
    distributor: Distributor
    result: Result
    cycle: Cycle
    lines: list[StatementLine]
    rate_percent: Decimal
    minimum_payout: Decimal

    @property
    def is_approved(self) -> bool:
        return self.cycle.status == CycleStatus.APPROVED

    @property
    def totals(self) -> list[tuple[str, str, Decimal]]:
        """(bonus code, label, amount) for every bonus, in the plan's order."""
        return [
            (bonus.value, str(bonus.label), getattr(self.result, bonus.value))
            for bonus in (Bonus.RETAIL, Bonus.GEN5, Bonus.MVP, Bonus.BINARY)
        ]

    @property
    def status_label(self) -> str:
        return _("Approved") if self.is_approved else _("Pending approval")


def _statement_line(line: Line, viewer: Distributor) -> StatementLine:
    order = line.source_order
    is_own = order is not None and order.distributor_id == viewer.pk
    customer = ""
    if is_own and order.kind == OrderKind.CUSTOMER and order.customer is not None:
        customer = str(order.customer)
    member = line.source_distributor
    return StatementLine(
        bonus=line.bonus,
        bonus_label=line.get_bonus_display(),
        amount=line.amount,
        generation=line.generation,
        order_number=order.number if order is not None else "",
        is_own_order=is_own,
        customer_name=customer,
        member_id=member.distributor_id if member is not None else None,
        member_name=member.name if member is not None else "",
    )


def statement_for(viewer: Distributor, result: Result) -> Statement:
    version = actions.current_plan().for_cycle(result.cycle.number)
    lines = (
        lines_of(Line.objects.for_distributor(viewer), result.cycle)
        .select_related("source_order__customer", "source_distributor__user")
        .order_by("id")
    )
    return Statement(
        distributor=viewer,
        result=result,
        cycle=result.cycle,
        lines=[_statement_line(line, viewer) for line in lines],
        rate_percent=percent(result.rate_bp),
        minimum_payout=hundredths(version.minimum_payout),
    )


def source_text(line: StatementLine, statement: Statement) -> str:
    """The line's source in words, for the CSV and the PDF."""
    if line.bonus == Bonus.BINARY:
        return _("Matched %(cv)s CV at %(rate)s%%") % {
            "cv": number_format(statement.result.matched_cv, 2, force_grouping=True),
            "rate": number_format(statement.rate_percent),
        }
    parts = []
    if line.order_number:
        parts.append(_("Order %(number)s") % {"number": line.order_number})
    if line.customer_name:
        parts.append(_("customer %(name)s") % {"name": line.customer_name})
    if line.member_id is not None:
        parts.append(f"{line.member_name} ({line.member_id})")
    return " · ".join(parts)


# --- the dashboard card ------------------------------------------------------


@dataclass(frozen=True)
class CommissionsSummary:
    estimate_total: Decimal | None
    estimate_calculated_at: datetime | None
    next_pay_on: date | None
    next_amount: Decimal | None
    next_is_approved: bool
    rank: str  # paid-as in the latest closed cycle; "" before any
    best_rank: str


def commissions_summary(
    distributor: Distributor, today: date | None = None
) -> CommissionsSummary:
    """This week so far, the next payment and the rank, for the dashboard."""
    today = today or actions.today()
    mine = Result.objects.for_distributor(distributor)
    estimate = newest_first(estimates(mine)).select_related("cycle").first()
    upcoming = payable_from(mine.closed(), today).select_related("cycle").first()
    latest = newest_first(mine.closed()).first()
    return CommissionsSummary(
        estimate_total=estimate.total if estimate else None,
        estimate_calculated_at=estimate.cycle.calculated_at if estimate else None,
        next_pay_on=upcoming.cycle.pay_on if upcoming else None,
        next_amount=upcoming.paid if upcoming else None,
        next_is_approved=bool(upcoming and upcoming.cycle.is_locked),
        rank=latest.rank if latest else "",
        best_rank=latest.best_rank if latest else "",
    )
