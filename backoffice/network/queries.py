"""Reads of a distributor's team, always starting from the viewer.

These would be ``DistributorQuerySet`` methods; models.py is owned elsewhere, so
they are functions taking and returning querysets, chainable the same way.
Every subtree question is a ``lo``/``hi`` range (labels.py), never a Python walk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from backoffice.commissions.actions import current_plan
from backoffice.commissions.models import Cycle, CycleStatus, Result
from backoffice.network import tree
from backoffice.network.models import Distributor, DistributorQuerySet, Side
from backoffice.shop.models import AutoshipStatus

NEW_MEMBER_DAYS = 7
# How long the team page's action feed is reused (tree changes drop it at once).
FEED_CACHE_SECONDS = 60
# The dashboard's team counts change only with the tree (or the day).
SUMMARY_CACHE_SECONDS = 60 * 60
# A holding-tank wait past this many days needs attention (the deadline is
# settings.HOLDING_TANK_DAYS, 7 by default).
HOLDING_ATTENTION_DAYS = 5
RECENTLY_TERMINATED_DAYS = 30
INACTIVE_SOON_DAYS = 7
# "Close to the next rank": this week's matched CV is at least this share of
# the next rank's threshold (within 20 % below it).
CLOSE_TO_RANK_SHARE = Decimal("0.8")
HISTORY_CYCLES = 12
HUNDRED = Decimal(100)

SORTS = {
    # Both keys one way, so an index on (join_date, distributor_id) serves it.
    "-joined": ("-join_date", "-distributor_id"),
    "joined": ("join_date", "distributor_id"),
    "id": ("distributor_id",),
    "name": ("user__last_name", "user__first_name", "distributor_id"),
    "level": (F("depth").asc(nulls_last=True), "distributor_id"),
}


MAX_DISTRIBUTOR_ID = 2**63 - 1  # PositiveBigIntegerField's largest value


def parse_distributor_id(text: object) -> int | None:
    """A distributor ID written as plain digits, or None (never a database error)."""
    value = str(text).strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_DISTRIBUTOR_ID else None


def active_q(on: date | None = None) -> Q:
    """Who counts as active on ``on``: not terminated, and 50 PV in the 30 days.

    ``active_until`` is kept by the shop whenever volume is credited or taken
    back, so the rule is one indexed comparison here.
    """
    day = on or timezone.localdate()
    not_terminated = Q(terminated_on__isnull=True) | Q(terminated_on__gt=day)
    return not_terminated & Q(active_until__gte=day)


def boolean(condition: Q) -> ExpressionWrapper:
    """A condition as a selectable true/false column."""
    return ExpressionWrapper(condition, output_field=BooleanField())


# A team this large is listed by walking the join-date index and testing the
# range on each row; a smaller one by its lo/hi range, sorted after. The database
# cannot tell the two apart (a range's share of the table is not in its stats).
LARGE_TEAM = 20_000
LARGE_TEAM_CACHE_SECONDS = 10 * 60


def team_q(
    viewer: Distributor, *, by_range: bool = True, held: list[int] | None = None
) -> Q:
    """The viewer's team: strictly below them, plus their own holding tank.

    The few held members are named by primary key (``held``, when the caller
    has read them), so the downline stays a plain range at any size.
    ``by_range=False`` tests the range without its index.
    """
    if held is None:
        held = list(
            Distributor.objects.filter(lo__isnull=True, enroller=viewer).values_list(
                "pk", flat=True
            )
        )
    if viewer.lo is None:
        return Q(pk__in=held)
    if by_range:
        downline = Q(lo__gt=viewer.lo, lo__lt=viewer.hi)
    else:
        # "lo + 0" is the same value, but no index serves it: the planner then
        # leads with the index of the sort or of the other filter instead.
        unindexed = F("lo") + 0
        downline = Q(GreaterThan(unindexed, viewer.lo)) & Q(
            LessThan(unindexed, viewer.hi)
        )
    return downline | Q(pk__in=held) if held else downline


def large_team_key(viewer: Distributor) -> str:
    return f"team-large:{viewer.pk}:{LARGE_TEAM}"


def is_large_team(viewer: Distributor) -> bool:
    """At least LARGE_TEAM below the viewer (counting stops there).

    Only the list's plan depends on it, never what it shows, so the answer is
    kept for a while: counting to 20,000 is the dearest read of the page.
    """
    if viewer.lo is None:
        return False
    key = large_team_key(viewer)
    large = cache.get(key)
    if large is None:
        below = Distributor.objects.downline_of(viewer).order_by()[:LARGE_TEAM]
        large = below.count() >= LARGE_TEAM
        cache.set(key, large, LARGE_TEAM_CACHE_SECONDS)
    return large


def team_of(
    viewer: Distributor, *, by_range: bool = True, held: list[int] | None = None
) -> DistributorQuerySet:
    return Distributor.objects.filter(team_q(viewer, by_range=by_range, held=held))


def legs_of(viewer: Distributor) -> dict[str, tuple[int, int]]:
    """The (lo, hi) range of the viewer's left and right child, where there is one."""
    if viewer.lo is None:
        return {}
    return {
        side: (lo, hi)
        for side, lo, hi in Distributor.objects.filter(
            parent=viewer, lo__isnull=False
        ).values_list("side", "lo", "hi")
    }


def _leg_range(legs: dict[str, tuple[int, int]], side: str) -> Q | None:
    if side not in legs:
        return None
    lo, hi = legs[side]
    return Q(lo__gte=lo, lo__lt=hi)


def in_leg(
    queryset: DistributorQuerySet, legs: dict[str, tuple[int, int]], side: str
) -> DistributorQuerySet:
    """Members in the subtree of the viewer's ``side`` child (see ``legs_of``)."""
    condition = _leg_range(legs, side)
    return queryset.none() if condition is None else queryset.filter(condition)


def with_position(
    queryset: DistributorQuerySet,
    viewer: Distributor,
    legs: dict[str, tuple[int, int]],
    on: date | None = None,
) -> DistributorQuerySet:
    """Annotate ``level``, ``leg`` ("L", "R" or "" when held) and ``is_active``."""
    whens = [
        When(condition, then=Value(side))
        for side in (Side.LEFT, Side.RIGHT)
        if (condition := _leg_range(legs, side)) is not None
    ]
    leg = (
        Case(*whens, default=Value(""), output_field=CharField())
        if whens
        else Value("", output_field=CharField())
    )
    return queryset.annotate(
        level=F("depth") - (viewer.depth or 0),
        leg=leg,
        is_active=boolean(active_q(on)),
    )


def search(queryset: DistributorQuerySet, term: str) -> DistributorQuerySet:
    """A distributor ID (exact) or every word found in the first or last name."""
    term = term.strip()
    if not term:
        return queryset
    if term.isdigit():
        number = parse_distributor_id(term)
        return queryset.filter(distributor_id=number) if number else queryset.none()
    for word in term.split():
        queryset = queryset.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    return queryset


@dataclass(frozen=True)
class TeamFilter:
    """What the team list (and its CSV export) is narrowed to; defaults show all."""

    search: str = ""
    leg: str = ""
    level: int | None = None
    enrolled_by_me: bool = False
    status: str = ""  # "", "active" or "inactive"
    joined_from: date | None = None
    joined_to: date | None = None
    rank: str = ""  # paid-as rank in the latest closed cycle
    sort: str = "-joined"

    @property
    def narrows(self) -> bool:
        """Whether anything but the order is chosen (the list is then not everyone)."""
        return replace(self, sort=TeamFilter.sort) != TeamFilter()


def team_list(
    viewer: Distributor, criteria: TeamFilter, cycles: TeamCycles | None = None
) -> DistributorQuerySet:
    """The viewer's team as the list shows it: filtered, annotated, sorted.

    The rank filter is one join to the results of a single cycle (the latest
    closed one); the figures shown are read per page by ``with_figures``.
    """
    legs = legs_of(viewer)
    by_range = (
        criteria.sort == "name"
        or not is_large_team(viewer)
        # With the rank's join, PostgreSQL walks the join-date index only when
        # it sees how many the range holds (its statistics estimate a range);
        # an unindexed range it takes for 0.5 % of the table, and then sorts
        # the whole team. SQLite has no such statistics.
        or bool(criteria.rank and connection.vendor == "postgresql")
    )
    members = team_of(viewer, by_range=by_range).select_related("user", "enroller")
    members = with_position(members, viewer, legs)
    members = search(members, criteria.search)
    if criteria.leg:
        members = in_leg(members, legs, criteria.leg)
    if criteria.level is not None:
        members = members.filter(depth=(viewer.depth or 0) + criteria.level)
    if criteria.enrolled_by_me:
        members = members.enrolled_by(viewer)
    if criteria.status == "active":
        members = members.filter(active_q())
    elif criteria.status == "inactive":
        members = members.exclude(active_q())
    if criteria.joined_from:
        members = members.filter(join_date__gte=criteria.joined_from)
    if criteria.joined_to:
        members = members.filter(join_date__lte=criteria.joined_to)
    if criteria.rank:
        closed = (cycles or team_cycles()).closed
        members = (
            members.none()
            if closed is None
            # One filter() call: both conditions apply to the same joined row.
            else members.filter(results__cycle=closed.pk, results__rank=criteria.rank)
        )
    return members.order_by(*SORTS.get(criteria.sort, SORTS["-joined"]))


def team_list_count(
    viewer: Distributor, criteria: TeamFilter, members: DistributorQuerySet, cap: int
) -> int:
    """How many ``members`` (the list of ``criteria``) holds, counted to cap + 1.

    Unfiltered, the list is the whole team: a large one is past any cap the
    page uses, and a smaller one is one index range to count (the list itself
    may walk the join dates instead).
    """
    if not criteria.narrows:
        if cap < LARGE_TEAM and is_large_team(viewer):
            return cap + 1
        members = team_of(viewer)
    return members.order_by().values("pk")[: cap + 1].count()


# --- commission figures of team members -----------------------------------------
#
# Of another member the team pages show ranks and volumes only (what the plan
# lets an upline see); their earnings are private, so no money column of a
# Result is ever read here.


@dataclass(frozen=True)
class TeamCycles:
    """The cycles the team pages read: the latest closed one and this week's."""

    closed: Cycle | None  # calculated or approved: paid-as ranks
    estimate: Cycle | None  # "this week so far"

    @property
    def rank_names(self) -> tuple[str, ...]:
        """Paid-as ranks the latest closed cycle could hold, lowest first."""
        if self.closed is None:
            return ()
        return current_plan().for_cycle(self.closed.number).rank_names


def team_cycles() -> TeamCycles:
    # The estimate is always the newest cycle: calculating a week replaces its
    # estimate, and each estimate deletes older ones (commissions.actions). So
    # the two newest cycles answer both questions.
    newest = list(
        Cycle.objects.order_by("-number").only(
            "number", "status", "starts_on", "ends_on"
        )[:2]
    )
    estimate = (
        newest[0] if newest and newest[0].status == CycleStatus.ESTIMATE else None
    )
    closed = next((c for c in newest if c.status != CycleStatus.ESTIMATE), None)
    return TeamCycles(closed=closed, estimate=estimate)


@dataclass(frozen=True)
class MemberFigures:
    """A member's rank and volumes as their upline sees them; None: no result."""

    rank: str | None = None  # paid-as rank in the latest closed cycle
    pv30: Decimal | None = None  # this week's estimate, else the latest closed
    new_left: Decimal | None = None  # this week so far
    new_right: Decimal | None = None

    @property
    def has_volumes(self) -> bool:
        return self.new_left is not None


NO_FIGURES = MemberFigures()


def member_figures(cycles: TeamCycles, pks: Iterable[int]) -> dict[int, MemberFigures]:
    """Figures by distributor pk, in one query on the (distributor, cycle) index."""
    pks = list(pks)
    cycle_ids = [c.pk for c in (cycles.closed, cycles.estimate) if c is not None]
    if not pks or not cycle_ids:
        return {}
    closed: dict[int, tuple] = {}
    estimate: dict[int, tuple] = {}
    estimate_id = cycles.estimate.pk if cycles.estimate is not None else None
    rows = (
        Result.objects.filter(distributor_id__in=pks, cycle_id__in=cycle_ids)
        # Unordered: the model's ordering would join cycles and distributors.
        .order_by()
        .values_list(
            "distributor_id", "cycle_id", "rank", "pv30", "new_left", "new_right"
        )
    )
    for pk, cycle_id, *values in rows:
        (estimate if cycle_id == estimate_id else closed)[pk] = tuple(values)
    figures: dict[int, MemberFigures] = {}
    for pk in closed.keys() | estimate.keys():
        last, week = closed.get(pk), estimate.get(pk)
        figures[pk] = MemberFigures(
            rank=last[0] if last else None,
            pv30=(week or last)[1],
            new_left=week[2] if week else None,
            new_right=week[3] if week else None,
        )
    return figures


def with_figures(
    members: Iterable[Distributor], cycles: TeamCycles
) -> list[Distributor]:
    """The members, each with ``figures`` set (a page of them: one query)."""
    members = list(members)
    figures = member_figures(cycles, (member.pk for member in members))
    for member in members:
        member.figures = figures.get(member.pk, NO_FIGURES)
    return members


@dataclass(frozen=True)
class CycleVolumes:
    """One closed cycle of a member's history: volumes and rank, never money."""

    number: int
    starts_on: date
    ends_on: date
    cycle_pv: Decimal
    left_cv: Decimal
    right_cv: Decimal
    rank: str
    best_rank: str
    is_active: bool


def volume_history(
    member: Distributor, limit: int = HISTORY_CYCLES
) -> list[CycleVolumes]:
    """The member's last ``limit`` closed cycles, newest first."""
    rows = (
        Result.objects.for_distributor(member)
        .closed()
        .order_by("-cycle__number")
        .values_list(
            "cycle__number",
            "cycle__starts_on",
            "cycle__ends_on",
            "cycle_pv",
            "left_cv",
            "right_cv",
            "rank",
            "best_rank",
            "is_active",
        )[:limit]
    )
    return [CycleVolumes(*row) for row in rows]


def holding_tank_of(viewer: Distributor) -> DistributorQuerySet:
    """The viewer's enrollees waiting to be placed, nearest deadline first."""
    return (
        Distributor.objects.in_holding_tank()
        .enrolled_by(viewer)
        .select_related("user")
        .order_by(F("place_by").asc(nulls_last=True), "distributor_id")
    )


def new_since(today: date) -> date:
    """The first join date that counts as "new this week"."""
    return today - timedelta(days=NEW_MEMBER_DAYS - 1)


@dataclass
class TeamSummary:
    size: int
    left: int
    right: int
    new_this_week: int
    waiting: int


def team_summary(viewer: Distributor, today: date | None = None) -> TeamSummary:
    """Counts for the dashboard card, kept until the tree changes or the day does.

    They depend on nothing else (placements, holding tank, join dates), so the
    cached figures are exact; a leader with a million below is not counted
    again on every visit.
    """
    today = today or timezone.localdate()
    key = f"team-summary:{viewer.pk}:{tree.generation()}:{today.isoformat()}"
    summary = cache.get(key)
    if summary is None:
        summary = _count_team(viewer, today)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def _count_team(viewer: Distributor, today: date) -> TeamSummary:
    """The dashboard card's counts, in one aggregate query."""
    legs = legs_of(viewer)
    counts = {
        "size": Count("pk"),
        "new_this_week": Count("pk", filter=Q(join_date__gte=new_since(today))),
        "waiting": Count("pk", filter=Q(lo__isnull=True)),
    }
    for side, name in ((Side.LEFT, "left"), (Side.RIGHT, "right")):
        if (condition := _leg_range(legs, side)) is not None:
            counts[name] = Count("pk", filter=condition)
    return TeamSummary(**{"left": 0, "right": 0, **team_of(viewer).aggregate(**counts)})


@dataclass(frozen=True)
class FeedMember:
    """What the feed shows of a member: read as plain columns, and cached, so
    nothing private."""

    distributor_id: int
    name: str
    join_date: date
    place_by: datetime | None
    active_until: date | None
    terminated_on: date | None


# The columns a FeedMember is made of (feed_members reads them), with the pk.
FEED_COLUMNS = (
    "pk",
    "distributor_id",
    "user__first_name",
    "user__last_name",
    "join_date",
    "place_by",
    "active_until",
    "terminated_on",
)


def feed_members(members: DistributorQuerySet) -> list[tuple[int, FeedMember]]:
    """(pk, FeedMember) for each of ``members``, in their order, without models."""
    return [
        (
            pk,
            FeedMember(
                distributor_id=distributor_id,
                name=f"{first_name} {last_name}".strip(),
                join_date=join_date,
                place_by=place_by,
                active_until=active_until,
                terminated_on=terminated_on,
            ),
        )
        for (
            pk,
            distributor_id,
            first_name,
            last_name,
            join_date,
            place_by,
            active_until,
            terminated_on,
        ) in members.values_list(*FEED_COLUMNS)
    ]


@dataclass
class Attention:
    member: FeedMember
    # "holding" (waiting too long), "inactive_soon" (their 30-day PV runs out
    # within INACTIVE_SOON_DAYS), "autoship_failing" (its payment failed),
    # "close_to_rank" (this week's matched CV is near the next rank) or
    # "terminated"
    reason: str
    next_rank: str = ""  # close_to_rank: the rank within reach ...
    matched_needed: Decimal | None = None  # ... and the matched CV still missing


@dataclass
class ActionFeed:
    """What a leader should look at first. Only what can be computed today."""

    waiting: list[FeedMember]
    new_members: list[FeedMember]
    new_count: int
    attention: list[Attention] = field(default_factory=list)


def close_to_next_rank(
    viewer: Distributor, cycles: TeamCycles, limit: int = 10
) -> list[Attention]:
    """Downline members whose matched CV this week is within 20 % of the next rank.

    The fewest matched CV missing first. Only binary-qualified members have a
    matched volume (plan §4); for them the next rank is the first whose
    threshold is above it (§5), so each rank's band starts no lower than the
    rank below it.
    """
    if cycles.estimate is None:
        return []
    ranks = current_plan().for_cycle(cycles.estimate.number).ranks
    matched = "week__matched_cv"
    bands: list[tuple[str, Decimal, Q]] = []
    for below, rank in pairwise(ranks):
        threshold = Decimal(rank.min_matched) / HUNDRED
        low = max(threshold * CLOSE_TO_RANK_SHARE, Decimal(below.min_matched) / HUNDRED)
        band = Q(**{f"{matched}__gte": low, f"{matched}__lt": threshold})
        bands.append((rank.name, threshold, band))
    if not bands:
        return []
    volume = DecimalField(max_digits=14, decimal_places=2)
    in_reach = Q()
    for _name, _threshold, band in bands:
        in_reach |= band
    # Every team member's row is looked at, so the scan reads only the range
    # index and the result (ties go by pk, which that index holds); the few
    # members found are loaded after.
    found = list(
        Distributor.objects.downline_of(viewer)
        .annotate(
            # One join, to this week's results only.
            week=FilteredRelation(
                "results", condition=Q(results__cycle=cycles.estimate.pk)
            )
        )
        .filter(in_reach, week__is_binary_qualified=True)
        .annotate(
            missing=Case(
                *[
                    When(band, then=Value(threshold, output_field=volume) - F(matched))
                    for _name, threshold, band in bands
                ],
                output_field=volume,
            ),
        )
        .order_by("missing", "pk")
        .values_list("pk", matched)[:limit]
    )
    members = dict(
        feed_members(Distributor.objects.filter(pk__in=[pk for pk, _ in found]))
    )
    feed = []
    for pk, matched_cv in found:
        name, threshold = next(
            (name, threshold)
            for name, threshold, _band in bands
            if matched_cv < threshold
        )
        feed.append(
            Attention(
                members[pk],
                "close_to_rank",
                next_rank=name,
                matched_needed=threshold - matched_cv,
            )
        )
    return feed


def action_feed(
    viewer: Distributor,
    today: date | None = None,
    limit: int = 10,
    cycles: TeamCycles | None = None,
) -> ActionFeed:
    today = today or timezone.localdate()
    cycles = cycles or team_cycles()
    # The holding tank is small (members wait a week at most): read it whole,
    # once, for both of its lists and for the team's own test.
    held = feed_members(holding_tank_of(viewer))
    waiting = [member for _pk, member in held]
    holding_since = today - timedelta(days=HOLDING_ATTENTION_DAYS)
    # Recent joiners and recent terminations are few: their own indexes lead.
    team = team_of(viewer, by_range=False, held=[pk for pk, _member in held])
    staying = Q(terminated_on__isnull=True) | Q(terminated_on__gt=today)

    def first(members: DistributorQuerySet, *order) -> list[FeedMember]:
        return [
            member for _pk, member in feed_members(members.order_by(*order)[:limit])
        ]

    new = team.filter(join_date__gte=new_since(today))
    attention = [
        Attention(member, "holding")
        for member in waiting
        if member.join_date <= holding_since
    ][:limit]
    attention += [
        Attention(member, "inactive_soon")
        for member in first(
            team.filter(
                staying,
                active_until__gte=today,
                active_until__lt=today + timedelta(days=INACTIVE_SOON_DAYS),
            ),
            "active_until",
            "distributor_id",
        )
    ]
    attention += [
        Attention(member, "autoship_failing")
        for member in first(
            team.filter(staying, autoship__status=AutoshipStatus.FAILING),
            "distributor_id",
        )
    ]
    attention += close_to_next_rank(viewer, cycles, limit)
    attention += [
        Attention(member, "terminated")
        for member in first(
            team.filter(
                terminated_on__lte=today,
                terminated_on__gt=today - timedelta(days=RECENTLY_TERMINATED_DAYS),
            ),
            "-terminated_on",
            "distributor_id",
        )
    ]
    return ActionFeed(
        waiting=waiting[:limit],
        new_members=first(new, "-join_date", "-distributor_id"),
        new_count=new.count(),
        attention=attention,
    )


def team_feed(
    viewer: Distributor, cycles: TeamCycles, today: date | None = None
) -> ActionFeed:
    """The action feed as the team page shows it, computed at most once a minute.

    Any change to the tree (an enrollment, a placement, a move, a termination)
    makes a new key at once (``tree.generation``), so a new enrollee shows
    straight away; what orders and autoship payments change shows within
    FEED_CACHE_SECONDS.
    """
    today = today or timezone.localdate()
    estimate = cycles.estimate.pk if cycles.estimate is not None else 0
    key = f"team-feed:{viewer.pk}:{tree.generation()}:{today.isoformat()}:{estimate}"
    feed = cache.get(key)
    if feed is None:
        feed = action_feed(viewer, today, cycles=cycles)
        cache.set(key, feed, FEED_CACHE_SECONDS)
    return feed


def position_of(viewer: Distributor, member: Distributor) -> tuple[int | None, str]:
    """The member's level and leg ("L"/"R", "" while held) relative to the viewer."""
    if member.lo is None or viewer.lo is None:
        return None, ""
    for side, (lo, hi) in legs_of(viewer).items():
        if lo <= member.lo < hi:
            return member.depth - viewer.depth, side
    return member.depth - viewer.depth, ""


def find_in_downline(
    viewer: Distributor, term: str, limit: int = 10
) -> list[Distributor]:
    """Placed members of the viewer's downline (or the viewer) matching ``term``."""
    if not term.strip():
        return []
    members = Distributor.objects.downline_or_self(viewer).select_related("user")
    return list(search(members, term).order_by("depth", "distributor_id")[:limit])


def enrollees_in_team(viewer: Distributor, sponsor: Distributor) -> DistributorQuerySet:
    """``sponsor``'s personal enrollees the viewer may see, with their own counts."""
    visible = team_q(viewer)
    # The same team test, one step down the enrollment tree, for the counts.
    counted = Q(enrollees__lo__isnull=True, enrollees__enroller=viewer)
    if viewer.lo is not None:
        counted |= Q(enrollees__lo__gt=viewer.lo, enrollees__lo__lt=viewer.hi)
    return (
        Distributor.objects.filter(visible, enroller=sponsor)
        .select_related("user")
        .annotate(
            level=F("depth") - (viewer.depth or 0),
            is_active=boolean(active_q()),
            enrollee_count=Count("enrollees", filter=counted),
        )
        .order_by("-join_date", "distributor_id")
    )


def team_members(
    viewer: Distributor, distributor_ids: list[int]
) -> DistributorQuerySet:
    """The members of the viewer's team among ``distributor_ids`` (others dropped)."""
    return team_of(viewer).filter(distributor_id__in=distributor_ids)
