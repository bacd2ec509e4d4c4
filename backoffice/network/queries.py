"""Reads of a distributor's team, always starting from the viewer.

These would be ``DistributorQuerySet`` methods; models.py is owned elsewhere, so
they are functions taking and returning querysets, chainable the same way.
Every subtree question is a ``lo``/``hi`` range (labels.py), never a Python walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from backoffice.network.models import Distributor, DistributorQuerySet, Side

NEW_MEMBER_DAYS = 7
# A holding-tank wait past this many days needs attention (the deadline is
# settings.HOLDING_TANK_DAYS, 7 by default).
HOLDING_ATTENTION_DAYS = 5
RECENTLY_TERMINATED_DAYS = 30
INACTIVE_SOON_DAYS = 7

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


def team_q(viewer: Distributor, *, by_range: bool = True) -> Q:
    """The viewer's team: strictly below them, plus their own holding tank.

    The few held members are named by primary key, so the downline stays a plain
    range at any size. ``by_range=False`` tests the range without its index.
    """
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


def is_large_team(viewer: Distributor) -> bool:
    """At least LARGE_TEAM below the viewer (counting stops there: cheap)."""
    if viewer.lo is None:
        return False
    below = Distributor.objects.downline_of(viewer).order_by()[:LARGE_TEAM]
    return below.count() >= LARGE_TEAM


def team_of(viewer: Distributor, *, by_range: bool = True) -> DistributorQuerySet:
    return Distributor.objects.filter(team_q(viewer, by_range=by_range))


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
    sort: str = "-joined"


def team_list(viewer: Distributor, criteria: TeamFilter) -> DistributorQuerySet:
    """The viewer's team as the list shows it: filtered, annotated, sorted."""
    legs = legs_of(viewer)
    by_range = criteria.sort == "name" or not is_large_team(viewer)
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
    return members.order_by(*SORTS.get(criteria.sort, SORTS["-joined"]))


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
    """Counts for the dashboard card, in one aggregate query."""
    today = today or timezone.localdate()
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


@dataclass
class Attention:
    member: Distributor
    # "holding" (waiting too long), "inactive_soon" (their 30-day PV runs out
    # within INACTIVE_SOON_DAYS) or "terminated"
    reason: str


@dataclass
class ActionFeed:
    """What a leader should look at first. Only what can be computed today."""

    waiting: list[Distributor]
    new_members: list[Distributor]
    new_count: int
    attention: list[Attention] = field(default_factory=list)


def action_feed(
    viewer: Distributor, today: date | None = None, limit: int = 10
) -> ActionFeed:
    today = today or timezone.localdate()
    # Recent joiners and recent terminations are few: their own indexes lead.
    team = team_of(viewer, by_range=False).select_related("user")
    waiting = list(holding_tank_of(viewer)[:limit])
    new = team.filter(join_date__gte=new_since(today)).order_by(
        "-join_date", "-distributor_id"
    )
    attention = [
        Attention(member, "holding")
        for member in holding_tank_of(viewer).filter(
            join_date__lte=today - timedelta(days=HOLDING_ATTENTION_DAYS)
        )[:limit]
    ]
    attention += [
        Attention(member, "inactive_soon")
        for member in team.filter(
            Q(terminated_on__isnull=True) | Q(terminated_on__gt=today),
            active_until__gte=today,
            active_until__lt=today + timedelta(days=INACTIVE_SOON_DAYS),
        ).order_by("active_until", "distributor_id")[:limit]
    ]
    attention += [
        Attention(member, "terminated")
        for member in team.filter(
            terminated_on__lte=today,
            terminated_on__gt=today - timedelta(days=RECENTLY_TERMINATED_DAYS),
        ).order_by("-terminated_on", "distributor_id")[:limit]
    ]
    # "Close to the next rank" (leg volumes near a threshold) joins this list
    # with the commissions work.
    return ActionFeed(
        waiting=waiting,
        new_members=list(new[:limit]),
        new_count=new.count(),
        attention=attention,
    )


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
