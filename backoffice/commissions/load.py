"""Read one cycle's inputs from the database: one set-based query per input.

The result is the :class:`~backoffice.commissions.engine.CycleInput` that
``events.build_input`` computes from plain events; a test holds the two to the
same arrays. Sums are taken in hundredths inside SQL (``ROUND(x * 100)``) so
no float ever carries money, SQLite included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast, Round

from backoffice.commissions import engine
from backoffice.commissions.models import Cycle, CycleStatus, Line, Result
from backoffice.commissions.plan import PlanVersion
from backoffice.shop.models import Order, VolumeEntry

BONUS_NUMBER = {code: number for number, code in enumerate(engine.BONUS_CODES)}


def _hundredths(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _days(values) -> np.ndarray:
    """Dates (objects, or ISO strings from SQLite) as day ordinals."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    moments = np.array(values, dtype="datetime64[D]")
    return moments.astype(np.int64) + engine._EPOCH


@dataclass
class Loaded:
    data: engine.CycleInput
    pk: np.ndarray  # Distributor primary key of each member
    plan: PlanVersion
    through: date  # the last day of volume counted


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_cycle(
    plan: PlanVersion, number: int, *, through: date | None = None
) -> Loaded:
    """Inputs of cycle ``number``; ``through`` cuts an open cycle at today."""
    start, end = plan.cycle_start(number), plan.cycle_end(number)
    through = min(through or end, end)
    month_start = end.replace(day=1)
    activity_start = end - timedelta(days=plan.activity_days - 1)

    # Members: both trees, in the placement tree's pre-order (lo), then the tank.
    rows = _fetch(
        "SELECT id, distributor_id, enroller_id, parent_id, side, lo, hi, join_date,"
        " terminated_on FROM network_distributor WHERE join_date <= %s",
        [end],
    )
    size = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    pk = np.array(columns[0], dtype=np.int64)
    lo = np.array([-1 if v is None else v for v in columns[5]], dtype=np.int64)
    hi = np.array([-1 if v is None else v for v in columns[6]], dtype=np.int64)
    placed = lo >= 0
    order = np.lexsort((pk, ~placed, lo))  # placed by lo first, then the tank
    order = np.concatenate([order[placed[order]], order[~placed[order]]])
    pk, lo, hi, placed = pk[order], lo[order], hi[order], placed[order]
    pick = order.tolist()
    sort_pk = np.argsort(pk)

    def index_of(keys) -> np.ndarray:
        keys = np.array([-1 if k is None else k for k in keys], dtype=np.int64)
        if len(keys) == 0:
            return keys
        where = np.searchsorted(pk, keys, sorter=sort_pk)
        where = np.minimum(where, max(size - 1, 0))
        found = sort_pk[where] if size else where
        return np.where((keys >= 0) & (pk[found] == keys), found, engine.NO_INDEX)

    count = int(placed.sum())
    position = np.full(size, engine.NO_INDEX, dtype=np.int64)
    position[:count] = np.arange(count)
    subtree_end = np.full(size, engine.NO_INDEX, dtype=np.int64)
    subtree_end[:count] = np.searchsorted(lo[:count], hi[:count], side="left")
    sides = [columns[4][i] for i in pick]
    terminated_on = [columns[8][i] for i in pick]
    end_text = end.isoformat()
    network = engine.Network(
        distributor_id=np.array([columns[1][i] for i in pick], dtype=np.int64),
        enroller=index_of([columns[2][i] for i in pick]),
        parent=np.where(placed, index_of([columns[3][i] for i in pick]), -1),
        side=np.array(
            [
                {"L": engine.LEFT, "R": engine.RIGHT}.get(s, engine.NO_SIDE)
                for s in sides
            ],
            dtype=np.int64,
        ),
        placed=placed,
        join_day=_days([columns[7][i] for i in pick]),
        terminated=np.array(
            [t is not None and str(t) <= end_text for t in terminated_on], dtype=bool
        ),
        position=position,
        subtree_end=subtree_end,
    )
    network.side = np.where(placed & (network.parent >= 0), network.side, -1)

    def zeros() -> np.ndarray:
        return np.zeros(size, dtype=np.int64)

    # Volume: one aggregate over the dates any window needs.
    cycle_pv, cycle_cv, pv30, month_pv = zeros(), zeros(), zeros(), zeros()
    pv, cv = _hundredths('"pv"'), _hundredths('"cv"')
    # Only column names of this module are formatted in; values are parameters.
    volume = _fetch(
        f"""SELECT distributor_id,
            SUM(CASE WHEN "on" >= %s THEN {pv} ELSE 0 END),
            SUM(CASE WHEN "on" >= %s THEN {cv} ELSE 0 END),
            SUM(CASE WHEN "on" >= %s THEN {pv} ELSE 0 END),
            SUM(CASE WHEN "on" >= %s THEN {pv} ELSE 0 END)
        FROM shop_volumeentry WHERE "on" >= %s AND "on" <= %s
        GROUP BY distributor_id""",  # noqa: S608
        [
            start,
            start,
            activity_start,
            month_start,
            min(start, activity_start, month_start),
            through,
        ],
    )
    if volume:
        who, *sums = (np.array(c, dtype=np.int64) for c in zip(*volume, strict=True))
        where = index_of(who.tolist())
        keep = where >= 0
        for target, values in zip(
            (cycle_pv, cycle_cv, pv30, month_pv), sums, strict=True
        ):
            target[where[keep]] = values[keep]

    # Packages held: the earliest order of each level not given back by the end.
    levels = len(plan.packages)
    package_first = np.full((size, levels), -1, dtype=np.int64)
    held = list(
        Order.objects.filter(
            kind="distributor",
            package_level__gt=0,
            package_level__lte=levels,
            paid_on__isnull=False,
            paid_on__lte=through,
        )
        .filter(Q(package_refunded_on__isnull=True) | Q(package_refunded_on__gt=end))
        .values_list("distributor_id", "package_level", "paid_on", "id")
    )
    if held:
        who, level, day, ids = zip(*held, strict=True)
        where = index_of(who)
        key = (_days(day) << 32) | np.array(ids, dtype=np.int64)
        keep = where >= 0
        slot = (where[keep], np.array(level, dtype=np.int64)[keep] - 1)
        package_first[slot] = np.iinfo(np.int64).max
        np.minimum.at(package_first, slot, key[keep])

    # Orders of the cycle that pay bonuses, with the CV refunded within the cycle.
    refunded_now = (
        VolumeEntry.objects.filter(kind="refund", on__gte=start, on__lte=through)
        .values("order_id")
        .annotate(cv=Sum(Cast(Round(F("cv") * 100), BigIntegerField())))
    )
    refunded = {row["order_id"]: -row["cv"] for row in refunded_now}
    paying = (
        Order.objects.filter(paid_on__gte=start, paid_on__lte=through)
        .filter(
            Q(kind="customer")
            | Q(kind="distributor", package_level__gt=0, package_level__lte=levels)
        )
        .annotate(
            cv100=Cast(Round(F("cv") * 100), BigIntegerField()),
            profit100=Cast(Round(F("retail_profit") * 100), BigIntegerField()),
        )
        .values_list(
            "id",
            "distributor_id",
            "kind",
            "cv100",
            "profit100",
            "package_level",
            "paid_on",
            "package_refunded_on",
        )
    )
    retail: dict[str, list[int]] = {
        k: [] for k in ("order", "payee", "profit", "kept", "whole")
    }
    packs: dict[str, list[int]] = {
        k: [] for k in ("order", "buyer", "key", "level", "kept", "whole")
    }
    rows = list(paying)
    payees = index_of([row[1] for row in rows]).tolist()
    for (order_id, _, kind, whole, profit, level, paid_on, given_back), who in zip(
        rows, payees, strict=True
    ):
        if who < 0:
            continue
        kept, whole_share = _kept(whole, refunded.get(order_id, 0))
        if kind == "customer":
            retail["order"].append(order_id)
            retail["payee"].append(who)
            retail["profit"].append(profit)
            retail["kept"].append(kept)
            retail["whole"].append(whole_share)
        elif given_back is None or given_back > end:
            packs["order"].append(order_id)
            packs["buyer"].append(who)
            packs["key"].append(int(_days([paid_on])[0]) << 32 | order_id)
            packs["level"].append(level)
            packs["kept"].append(kept)
            packs["whole"].append(whole_share)

    mvp = _mvp_candidates(plan, number, start, through, index_of)
    previous = _previous_state(plan, number, index_of, size)
    reversals = _reversals(number, start, through, index_of)

    def arrays(values: dict[str, list[int]]) -> dict[str, np.ndarray]:
        return {name: np.array(v, dtype=np.int64) for name, v in values.items()}

    data = engine.CycleInput(
        cycle=number,
        end_day=end.toordinal(),
        network=network,
        cycle_pv=cycle_pv,
        cycle_cv=cycle_cv,
        pv30=pv30,
        month_pv=month_pv,
        package_first=package_first,
        bank_left_in=previous[0],
        bank_right_in=previous[1],
        balance_in=previous[2],
        best_rank_in=previous[3],
        retail=engine.RetailOrders(**arrays(retail)),
        packages=engine.PackageOrders(**arrays(packs)),
        mvp=mvp,
        reversals=reversals,
    )
    return Loaded(data=data, pk=pk, plan=plan, through=through)


def _kept(whole: int, refunded: int) -> tuple[int, int]:
    if whole <= 0:
        return (0, 1) if refunded else (1, 1)
    return max(whole - refunded, 0), whole


def _mvp_candidates(plan, number, start, through, index_of) -> engine.MvpCandidates:
    """Enrollees whose MVP window overlaps the cycle and is still undecided."""
    window = timedelta(days=plan.mvp_window_days)
    decided = Result.objects.filter(
        mvp_decision__gt=0, cycle__number__lt=number
    ).exclude(cycle__status=CycleStatus.ESTIMATE)
    from backoffice.network.models import Distributor

    candidates = (
        Distributor.objects.filter(
            join_date__lte=through, join_date__gte=start - window
        )
        .exclude(pk__in=decided.values("distributor_id"))
        .values_list("pk", flat=True)
    )
    ids = list(candidates)
    window_pv = dict(
        VolumeEntry.objects.filter(
            distributor_id__in=candidates,
            on__gte=F("distributor__join_date"),
            on__lte=F("distributor__join_date") + window,
        )
        .filter(on__lte=through)
        .values("distributor_id")
        .annotate(pv=Sum(Cast(Round(F("pv") * 100), BigIntegerField())))
        .values_list("distributor_id", "pv")
    )
    where = index_of(ids)
    keep = where >= 0
    return engine.MvpCandidates(
        enrollee=where[keep],
        window_pv=np.array([window_pv.get(pk, 0) for pk in ids], dtype=np.int64)[keep],
    )


def _previous_state(plan, number, index_of, size) -> list[np.ndarray]:
    """Banks, balances and best ranks out of the latest closed cycle before this."""
    state = [np.zeros(size, dtype=np.int64) for _ in range(4)]
    previous = (
        Cycle.objects.closed().filter(number__lt=number).order_by("-number").first()
    )
    if previous is None:
        return state
    rank_number = {name: i for i, name in enumerate(plan.rank_names)}
    rows = list(
        Result.objects.filter(cycle=previous)
        .annotate(
            l100=Cast(Round(F("bank_left") * 100), BigIntegerField()),
            r100=Cast(Round(F("bank_right") * 100), BigIntegerField()),
            b100=Cast(Round(F("balance_out") * 100), BigIntegerField()),
        )
        .values_list("distributor_id", "l100", "r100", "b100", "best_rank")
    )
    if not rows:
        return state
    who, left, right, balance, best = zip(*rows, strict=True)
    where = index_of(who)
    keep = where >= 0
    for target, values in zip(state, (left, right, balance), strict=False):
        target[where[keep]] = np.array(values, dtype=np.int64)[keep]
    state[3][where[keep]] = np.array(
        [rank_number.get(name, 0) for name in best], dtype=np.int64
    )[keep]
    return state


def _reversals(number, start, through, index_of) -> engine.Reversals:
    """Lines to reverse for refunds in this cycle of orders paid in earlier ones."""
    touched = (
        VolumeEntry.objects.filter(kind="refund", on__gte=start, on__lte=through)
        .exclude(order__paid_on__gte=start)
        .values_list("order_id", flat=True)
        .distinct()
    )
    credits = {
        row[0]: row[1:]
        for row in VolumeEntry.objects.filter(kind="order", order_id__in=touched)
        .annotate(cv100=Cast(Round(F("cv") * 100), BigIntegerField()))
        .values_list("order_id", "cycle", "cv100")
    }
    refunds: dict[int, list[tuple[int, date, int]]] = {}
    for order_id, cycle, on, cv in (
        VolumeEntry.objects.filter(kind="refund", order_id__in=touched, on__lte=through)
        .annotate(cv100=Cast(Round(F("cv") * 100), BigIntegerField()))
        .values_list("order_id", "cycle", "on", "cv100")
    ):
        refunds.setdefault(order_id, []).append((cycle, on, -cv))
    lines = (
        Line.objects.filter(source_order_id__in=touched, bonus__in=["retail", "gen5"])
        .exclude(cycle__status=CycleStatus.ESTIMATE)
        .annotate(amount100=Cast(Round(F("amount") * 100), BigIntegerField()))
        .values_list(
            "source_order_id",
            "cycle__number",
            "distributor_id",
            "bonus",
            "source_distributor_id",
            "generation",
            "amount100",
        )
        .order_by("id")
    )
    out: dict[str, list[int]] = {
        k: []
        for k in (
            "order",
            "payee",
            "bonus",
            "source",
            "generation",
            "amount",
            "refunded_before",
            "refunded_through",
            "whole",
        )
    }
    rows = [row for row in lines if row[0] in credits and row[1] == credits[row[0]][0]]
    payees = index_of([row[2] for row in rows]).tolist()
    sources = index_of([row[4] for row in rows]).tolist()
    for (order_id, own, _, bonus, _, generation, amount), payee, source in zip(
        rows, payees, sources, strict=True
    ):
        if payee < 0:
            continue
        whole = credits[order_id][1]
        in_own = sum(cv for cycle, _, cv in refunds.get(order_id, ()) if cycle == own)
        earlier = sum(
            cv
            for cycle, on, cv in refunds.get(order_id, ())
            if own < cycle and on < start
        )
        now = sum(cv for _, on, cv in refunds.get(order_id, ()) if on >= start)
        kept, whole_share = _kept(whole, in_own)
        out["order"].append(order_id)
        out["payee"].append(payee)
        out["bonus"].append(BONUS_NUMBER[bonus])
        out["source"].append(source)
        out["generation"].append(generation)
        out["amount"].append(amount)
        out["refunded_before"].append(min(earlier, kept))
        out["refunded_through"].append(min(earlier + now, kept))
        out["whole"].append(whole_share if kept else 1)
    return engine.Reversals(
        **{name: np.array(values, dtype=np.int64) for name, values in out.items()}
    )
