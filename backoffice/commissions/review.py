"""What finance reads before approving a cycle.

The totals of a cycle beside the previous closed cycle's, the distributors
whose pay moved most between the two, what the latest recalculation changed
compared with the calculation before it, and the runs and audit events of the
cycle. Everything here only reads; sums are taken in integer cents so SQLite,
which sums decimals as floats, gives the same figures as PostgreSQL.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, Round
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import User
from backoffice.commissions import actions
from backoffice.commissions.models import (
    Bonus,
    Cycle,
    CycleEvent,
    CycleRun,
    CycleStatus,
    Result,
    RunStatus,
)
from backoffice.lib.money import from_cents
from backoffice.network.models import Distributor

TOP = 20

# Cycle columns shown side by side, in the order of the statement (§10).
FIGURES: tuple[tuple[str, Promise], ...] = (
    ("retail", Bonus.RETAIL.label),
    ("gen5", Bonus.GEN5.label),
    ("mvp", Bonus.MVP.label),
    ("binary", Bonus.BINARY.label),
    ("total", _("Total earned")),
    ("paid", _("Payable")),
    ("carried", _("Carried to the next cycle")),
    ("breakage", _("Binary breakage (over the cap)")),
)


@dataclass(frozen=True)
class Figure:
    code: str
    label: Promise
    current: Decimal | int
    previous: Decimal | int | None
    is_money: bool = True

    @property
    def change(self) -> Decimal | int | None:
        return None if self.previous is None else self.current - self.previous


@dataclass(frozen=True)
class Change:
    """One distributor's total in two cycles or two calculations (None: absent)."""

    distributor_id: int
    name: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal:
        return (self.after or Decimal("0.00")) - (self.before or Decimal("0.00"))

    @property
    def magnitude(self) -> Decimal:
        return abs(self.change)


@dataclass(frozen=True)
class RunDiff:
    """The latest calculation of a cycle against the one before it."""

    latest: CycleRun
    earlier: CycleRun
    changed: int
    added: int
    removed: int
    top: list[Change]


@dataclass(frozen=True)
class Pipeline:
    """Where the weekly calculations stand."""

    last_closed: int
    last_calculated: int | None
    waiting: int  # closed cycles not calculated yet
    latest_run: CycleRun | None


# --- the cycles list ------------------------------------------------------------


def cycle_list() -> QuerySet[Cycle]:
    """Every cycle, newest first, with who ran its latest calculation."""
    latest_calculation = CycleEvent.objects.filter(
        number=OuterRef("number"), kind=CycleEvent.Kind.CALCULATED
    ).order_by("-created_at", "-id")
    return (
        Cycle.objects.select_related("approved_by")
        .annotate(calculated_by_id=Subquery(latest_calculation.values("actor")[:1]))
        .order_by("-number")
    )


def calculators(cycles: Iterable[Cycle]) -> dict[int, User]:
    """The users named by ``calculated_by_id`` on a page of ``cycle_list()``."""
    ids = {c.calculated_by_id for c in cycles if c.calculated_by_id is not None}
    return User.objects.in_bulk(ids)


def pipeline() -> Pipeline:
    plan = actions.current_plan()
    last_closed = actions.last_closed_cycle(plan)
    last_calculated = (
        Cycle.objects.closed()
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    first = actions.first_cycle(plan)
    waiting = (
        0
        if first is None
        else max(0, last_closed - max(last_calculated or 0, first - 1))
    )
    latest_run = CycleRun.objects.filter(is_estimate=False).first()
    return Pipeline(
        last_closed=last_closed,
        last_calculated=last_calculated,
        waiting=waiting,
        latest_run=latest_run,
    )


def later_calculated(number: int) -> list[int]:
    """Calculated (unapproved) cycles after ``number``: a recalculation redoes them."""
    return list(
        Cycle.objects.filter(status=CycleStatus.CALCULATED, number__gt=number)
        .order_by("number")
        .values_list("number", flat=True)
    )


# --- one cycle --------------------------------------------------------------------


def previous_closed(cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.closed()
        .filter(number__lt=cycle.number)
        .order_by("-number")
        .first()
    )


def totals_by_bonus(cycle: Cycle, previous: Cycle | None) -> list[Figure]:
    """Each bonus and total of ``cycle`` beside ``previous``'s, then the members."""
    money = [
        Figure(
            code=code,
            label=label,
            current=getattr(cycle, code),
            previous=None if previous is None else getattr(previous, code),
        )
        for code, label in FIGURES
    ]
    members = Figure(
        code="members",
        label=_("Members"),
        current=cycle.members,
        previous=None if previous is None else previous.members,
        is_money=False,
    )
    return [*money, members]


def _names(distributor_ids: Iterable[int]) -> dict[int, str]:
    rows = Distributor.objects.filter(distributor_id__in=list(distributor_ids))
    return {
        number: f"{first} {last}".strip()
        for number, first, last in rows.values_list(
            "distributor_id", "user__first_name", "user__last_name"
        )
    }


def _maybe_cents(value: int | None) -> Decimal | None:
    return None if value is None else from_cents(value)


def biggest_changes(
    cycle: Cycle, previous: Cycle | None, *, limit: int = TOP
) -> list[Change]:
    """Distributors whose total moved most from ``previous`` to ``cycle``."""
    if previous is None:
        return []
    cents = Cast(Round(F("total") * 100), BigIntegerField())
    rows = (
        Result.objects.filter(cycle__in=[cycle.pk, previous.pk])
        .values("distributor__distributor_id")
        .annotate(
            after=Sum(Case(When(cycle=cycle.pk, then=cents))),
            before=Sum(Case(When(cycle=previous.pk, then=cents))),
        )
        .annotate(delta=Coalesce("after", 0) - Coalesce("before", 0))
        .exclude(delta=0)
        .order_by(Abs("delta").desc(), "distributor__distributor_id")
        .values_list("distributor__distributor_id", "before", "after")[:limit]
    )
    rows = list(rows)
    names = _names(row[0] for row in rows)
    return [
        Change(
            distributor_id=number,
            name=names.get(number, ""),
            before=_maybe_cents(before),
            after=_maybe_cents(after),
        )
        for number, before, after in rows
    ]


def snapshot_arrays(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Distributor IDs and totals in cents of a run, as arrays.

    The format is the one ``actions.read_snapshot`` reads; arrays keep the
    comparison of two runs fast for a network of millions, where a dict is not.
    """
    if not blob:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pairs = np.frombuffer(zlib.decompress(bytes(blob)), dtype="<i8").reshape(2, -1)
    return pairs[0].astype(np.int64), pairs[1].astype(np.int64)


def _calculations(number: int) -> QuerySet[CycleRun]:
    return CycleRun.objects.filter(
        number=number, is_estimate=False, status=RunStatus.SUCCEEDED
    ).order_by("-started_at", "-id")


def rerun_diff(number: int, *, limit: int = TOP) -> RunDiff | None:
    """What the latest calculation of cycle ``number`` changed, per distributor."""
    pair = list(_calculations(number)[:2])
    if len(pair) < 2:
        return None
    latest, earlier = pair
    ids_after, after = snapshot_arrays(latest.totals_snapshot)
    ids_before, before = snapshot_arrays(earlier.totals_snapshot)
    ids = np.union1d(ids_after, ids_before)  # sorted, unique
    now, then = np.zeros(len(ids), np.int64), np.zeros(len(ids), np.int64)
    now[np.searchsorted(ids, ids_after)] = after
    then[np.searchsorted(ids, ids_before)] = before
    in_now, in_then = np.isin(ids, ids_after), np.isin(ids, ids_before)
    changed = in_now & in_then & (now != then)
    added, removed = in_now & ~in_then, in_then & ~in_now
    differs = np.flatnonzero(changed | added | removed)
    delta = now[differs] - then[differs]
    pick = differs[np.lexsort((ids[differs], -np.abs(delta)))[:limit]]
    names = _names(ids[pick].tolist())
    top = [
        Change(
            distributor_id=int(ids[i]),
            name=names.get(int(ids[i]), ""),
            before=from_cents(int(then[i])) if in_then[i] else None,
            after=from_cents(int(now[i])) if in_now[i] else None,
        )
        for i in pick.tolist()
    ]
    return RunDiff(
        latest=latest,
        earlier=earlier,
        changed=int(changed.sum()),
        added=int(added.sum()),
        removed=int(removed.sum()),
        top=top,
    )


def runs(number: int, *, limit: int = 50) -> list[CycleRun]:
    return list(
        CycleRun.objects.filter(number=number)
        .select_related("started_by")
        .order_by("-started_at", "-id")[:limit]
    )


def events(number: int, *, limit: int = 100) -> list[CycleEvent]:
    return list(
        CycleEvent.objects.filter(number=number)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
