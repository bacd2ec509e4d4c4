"""Read one cycle's inputs from the database: one set-based query per input.

The result is the :class:`~backoffice.commissions.engine.CycleInput` that
``events.build_input`` computes from plain events; a test holds the two to the
same arrays. Money and volume leave SQL as integer hundredths, so no float ever
carries them, SQLite included (which rounds each entry: it keeps decimals as
floats). Big results come back packed, one value per column, straight into
numpy arrays.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import connection, connections, transaction
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast, Round

from backoffice.commissions import engine
from backoffice.commissions.events import kept_share, reversed_share
from backoffice.commissions.models import Cycle, CycleStatus, Line
from backoffice.commissions.plan import PlanVersion
from backoffice.shop.models import Order, VolumeEntry

BONUS_NUMBER = {code: number for number, code in enumerate(engine.BONUS_CODES)}


def _hundredths(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


@dataclass
class Loaded:
    data: engine.CycleInput
    pk: np.ndarray  # Distributor primary key of each member
    plan: PlanVersion
    through: date  # the last day of volume counted


def _day(column: str) -> str:
    """SQL for a date column as days since 1970-01-01."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _bigint(expression: str) -> str:
    return f"CAST({expression} AS BIGINT)"


def _integers(
    sql: str, params: list, width: int, *, keys: tuple[tuple[int, bool], ...] = ()
) -> list[np.ndarray]:
    """The ``width`` columns of a query whose every value is a non-null BIGINT.

    Rows are sorted on the columns ``keys`` (index, descending), if given.
    Millions of rows come back as one value per column, packed by the database
    (8-byte integers on PostgreSQL, a comma-separated list on SQLite) and read
    by numpy without a Python object per value.
    """
    names = [f"c{i}" for i in range(width)]
    if connection.vendor == "postgresql":
        packed = [f"string_agg(int8send({name}), '')" for name in names]
    else:
        packed = [f"group_concat({name})" for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH q({', '.join(names)}) AS ({sql}) SELECT {', '.join(packed)} FROM q",  # noqa: S608
            params,
        )
        row = cursor.fetchone()
    if connection.vendor == "postgresql":
        columns = [
            np.frombuffer(value or b"", dtype=">i8").astype(np.int64) for value in row
        ]
    else:
        columns = [np.fromstring(value or "", dtype=np.int64, sep=",") for value in row]
    if len({len(column) for column in columns}) > 1:
        raise ValueError("a column held a NULL")
    if keys:
        order = np.lexsort(
            [-columns[i] if descending else columns[i] for i, descending in keys][::-1]
        )
        columns = [column[order] for column in columns]
    return columns


def _as_keys(keys) -> np.ndarray:
    if isinstance(keys, np.ndarray):
        return keys.astype(np.int64, copy=False)
    return np.array([-1 if k is None else k for k in keys], dtype=np.int64)


def _indexer(pk: np.ndarray):
    """Member index of each primary key (``NO_INDEX`` for none or an unknown one)."""
    size = len(pk)
    top = int(pk.max()) + 1 if size else 0
    if 0 < top <= 4 * size + 1024:
        # Keys are dense: one table, read once per key.
        slot = np.full(top, engine.NO_INDEX, dtype=np.int64)
        slot[pk] = np.arange(size)

        def index_of(keys) -> np.ndarray:
            keys = _as_keys(keys)
            if len(keys) == 0:
                return keys
            inside = (keys >= 0) & (keys < top)
            return np.where(inside, slot[np.where(inside, keys, 0)], engine.NO_INDEX)

        return index_of
    sort_pk = np.argsort(pk)

    def index_of(keys) -> np.ndarray:
        keys = _as_keys(keys)
        if len(keys) == 0:
            return keys
        where = np.searchsorted(pk, keys, sorter=sort_pk)
        where = np.minimum(where, max(size - 1, 0))
        found = sort_pk[where] if size else where
        return np.where((keys >= 0) & (pk[found] == keys), found, engine.NO_INDEX)

    return index_of


class _Reads:
    """Reads that depend on nothing read before them, started early.

    With ``beside`` (PostgreSQL only), each runs on a connection of its own in
    a second thread while this connection does the rest: the database works
    on two scans at once. That connection sees only committed rows, so the
    caller asks for it only when its own transaction has written nothing the
    load reads (``actions._run``). Otherwise a read runs at once, here.
    """

    def __init__(self, beside: bool) -> None:
        beside = beside and connection.vendor == "postgresql"
        self.pool = ThreadPoolExecutor(max_workers=1) if beside else None

    def __enter__(self) -> _Reads:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)  # never leave a read running

    def submit(self, read, *args, **kwargs) -> Future:
        if self.pool is not None:
            return self.pool.submit(_on_own_connection, read, *args, **kwargs)
        done: Future = Future()
        done.set_result(read(*args, **kwargs))
        return done


def _on_own_connection(read, *args, **kwargs):
    """``read`` in this (pool) thread, on its own connection, closed afterwards."""
    try:
        # A transaction of its own, so that the setting ends with it even where
        # a pooler hands the server's session on (as load_cycle does for its own).
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            return read(*args, **kwargs)
    finally:
        connections.close_all()  # this thread's connections only


def load_cycle(
    plan: PlanVersion,
    number: int,
    *,
    through: date | None = None,
    concurrent: bool = False,
) -> Loaded:
    """Inputs of cycle ``number``; ``through`` cuts an open cycle at today.

    ``concurrent``: the biggest reads may run on a second connection at the
    same time (see ``_Reads``); the caller's transaction must have written
    nothing they read.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return _load_cycle(plan, number, through, concurrent)
    # Compiling these scans' simple expressions to machine code costs seconds
    # and saves none; a transaction-local setting, put back afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        (jit, _) = cursor.fetchone()
    loaded = _load_cycle(plan, number, through, concurrent)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return loaded


def _load_cycle(
    plan: PlanVersion, number: int, through: date | None, concurrent: bool
) -> Loaded:
    with _Reads(beside=concurrent) as reads:
        return _read_cycle(plan, number, through, reads)


def _read_cycle(
    plan: PlanVersion, number: int, through: date | None, reads: _Reads
) -> Loaded:
    start, end = plan.cycle_start(number), plan.cycle_end(number)
    through = min(through or end, end)
    month_start = end.replace(day=1)
    activity_start = end - timedelta(days=plan.activity_days - 1)
    levels = len(plan.packages)
    # The biggest read first: it needs nothing read before it.
    orders = reads.submit(_orders, start, end, through, levels)

    # Members: both trees, in the placement tree's pre-order (lo), then the tank.
    # Missing keys come as -1, sides as engine.LEFT/RIGHT/NO_SIDE.
    columns = _integers(
        f"""SELECT {_bigint("id")}, {_bigint("distributor_id")},
            {_bigint("COALESCE(enroller_id, -1)")}, {
            _bigint("COALESCE(parent_id, -1)")
        },
            {
            _bigint(
                f"CASE side WHEN 'L' THEN {engine.LEFT} WHEN 'R' THEN {engine.RIGHT}"
                f" ELSE {engine.NO_SIDE} END"
            )
        },
            {_bigint("COALESCE(lo, -1)")}, {_bigint("COALESCE(hi, -1)")},
            {_bigint(_day("join_date"))},
            {_bigint("CASE WHEN terminated_on <= %s THEN 1 ELSE 0 END")}
        FROM network_distributor WHERE join_date <= %s""",  # noqa: S608
        [end, end],
        9,
    )
    size = len(columns[0])
    pk, lo = columns[0], columns[5]
    placed = lo >= 0
    order = np.lexsort((pk, ~placed, lo))  # placed by lo first, then the tank
    order = np.concatenate([order[placed[order]], order[~placed[order]]])
    (pk, distributor_id, enroller_id, parent_id, side, lo, hi, join_day, ended) = (
        column[order] for column in columns
    )
    placed = placed[order]
    index_of = _indexer(pk)

    count = int(placed.sum())
    position = np.full(size, engine.NO_INDEX, dtype=np.int64)
    position[:count] = np.arange(count)
    subtree_end = np.full(size, engine.NO_INDEX, dtype=np.int64)
    subtree_end[:count] = np.searchsorted(lo[:count], hi[:count], side="left")
    network = engine.Network(
        distributor_id=distributor_id,
        enroller=index_of(enroller_id),
        parent=np.where(placed, index_of(parent_id), -1),
        side=side,
        placed=placed,
        join_day=join_day + engine._EPOCH,
        terminated=ended != 0,
        position=position,
        subtree_end=subtree_end,
    )
    network.side = np.where(placed & (network.parent >= 0), network.side, -1)

    def zeros() -> np.ndarray:
        return np.zeros(size, dtype=np.int64)

    # Volume: one aggregate over the dates any window needs.
    cycle_pv, cycle_cv, pv30, month_pv = zeros(), zeros(), zeros(), zeros()

    def since(column: str) -> str:
        if connection.vendor == "postgresql":
            # Exact decimals: summing first and scaling once gives the same
            # hundredths as rounding each entry, for a fraction of the work.
            return _bigint(
                f'COALESCE(SUM({column}) FILTER (WHERE "on" >= %s), 0) * 100'
            )
        # SQLite keeps decimals as floats: each entry is rounded to hundredths.
        return _bigint(
            f'SUM(CASE WHEN "on" >= %s THEN {_hundredths(column)} ELSE 0 END)'
        )

    # Only column names of this module are formatted in; values are parameters.
    who, *sums = _integers(
        f"""SELECT {_bigint("distributor_id")}, {since('"pv"')}, {since('"cv"')},
            {since('"pv"')}, {since('"pv"')}
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
        5,
    )
    if len(who):
        where = index_of(who)
        keep = where >= 0
        for target, values in zip(
            (cycle_pv, cycle_cv, pv30, month_pv), sums, strict=True
        ):
            target[where[keep]] = values[keep]

    order_id, buyer_id, is_customer, whole, profit, level, paid_day, still_held, _ = (
        orders.result()
    )
    customer = is_customer != 0
    held = ~customer & (still_held != 0)
    key = ((paid_day + engine._EPOCH) << 32) | order_id
    owner = index_of(buyer_id)

    # Packages held: the earliest order of each level not given back by the end.
    package_first = np.full((size, levels), -1, dtype=np.int64)
    if held.any():
        keep = owner[held] >= 0
        slot = (owner[held][keep], level[held][keep] - 1)
        package_first[slot] = np.iinfo(np.int64).max
        np.minimum.at(package_first, slot, key[held][keep])

    # Orders of the cycle that pay bonuses, with the CV refunded within the cycle.
    refunded_now = (
        _refunds()
        .filter(on__gte=start, on__lte=through)
        .values("order_id")
        .annotate(cv=Sum(Cast(Round(F("cv") * 100), BigIntegerField())))
        .values_list("order_id", "cv")
    )
    refunded = np.zeros(len(order_id), dtype=np.int64)
    any_refund = np.zeros(len(order_id), dtype=bool)
    if len(order_id) and (pairs := list(refunded_now)):
        given, amount = (np.array(c, dtype=np.int64) for c in zip(*pairs, strict=True))
        ranked = np.argsort(given)
        at = np.minimum(np.searchsorted(given, order_id, sorter=ranked), len(given) - 1)
        hit = given[ranked[at]] == order_id
        refunded[hit] = -amount[ranked[at[hit]]]
        any_refund[hit] = True
    paying = (paid_day + engine._EPOCH >= start.toordinal()) & (owner >= 0)
    kept, whole_share = _kept_shares(whole, refunded, any_refund)
    sale = paying & customer
    pack = paying & held
    retail = engine.RetailOrders(
        order=order_id[sale],
        payee=owner[sale],
        profit=profit[sale],
        kept=kept[sale],
        whole=whole_share[sale],
    )
    packages = engine.PackageOrders(
        order=order_id[pack],
        buyer=owner[pack],
        key=key[pack],
        level=level[pack],
        kept=kept[pack],
        whole=whole_share[pack],
    )

    mvp = _mvp_candidates(plan, number, start, through, index_of)
    previous = _previous_state(plan, number, index_of, size)
    reversals = _reversals(number, start, through, index_of)

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
        retail=retail,
        packages=packages,
        mvp=mvp,
        reversals=reversals,
    )
    return Loaded(data=data, pk=pk, plan=plan, through=through)


def _orders(start: date, end: date, through: date, levels: int) -> list[np.ndarray]:
    """Orders, in one scan: every package order paid by the cycle's end (packages
    held, §3) and the cycle's customer orders, newest first."""
    # Newest first: on PostgreSQL by the exact moment in microseconds, sorted
    # by numpy; SQLite keeps moments as text and ranks them itself.
    placed = (
        _bigint("-EXTRACT(EPOCH FROM placed_at) * 1000000")
        if connection.vendor == "postgresql"
        else "ROW_NUMBER() OVER (ORDER BY placed_at DESC, id DESC)"
    )
    return _integers(
        f"""SELECT {_bigint("id")}, {_bigint("distributor_id")},
            {_bigint("CASE WHEN kind = 'customer' THEN 1 ELSE 0 END")},
            {_hundredths('"cv"')}, {_hundredths('"retail_profit"')},
            {_bigint("package_level")}, {_bigint(_day("paid_on"))},
            {_bigint("CASE WHEN package_refunded_on <= %s THEN 0 ELSE 1 END")},
            {placed}
        FROM shop_order
        WHERE paid_on IS NOT NULL AND paid_on <= %s
            AND ((kind = 'customer' AND paid_on >= %s)
                OR (kind = 'distributor' AND package_level > 0
                    AND package_level <= %s))""",  # noqa: S608
        [end, through, start, levels],
        9,
        keys=((8, False), (0, True)),
    )


def _refunds():
    """Refund entries. ``refund_id IS NOT NULL`` adds nothing (the table's check
    constraint ties it to the kind) but lets SQLite read them from the small
    partial index of refunds instead of every entry of the dates asked for."""
    return VolumeEntry.objects.filter(kind="refund", refund__isnull=False)


def _kept_shares(
    whole: np.ndarray, refunded: np.ndarray, any_refund: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``events.kept_share`` of each order."""
    free = whole <= 0
    kept = np.where(free, (~any_refund).astype(np.int64), whole - refunded)
    return np.maximum(kept, 0), np.where(free, 1, whole)


def _mvp_candidates(plan, number, start, through, index_of) -> engine.MvpCandidates:
    """Enrollees whose MVP window overlaps the cycle and is still undecided."""
    window = timedelta(days=plan.mvp_window_days)
    if connection.vendor == "postgresql":
        window_end, days = "d.join_date + %s", plan.mvp_window_days
    else:
        window_end, days = "date(d.join_date, %s)", f"+{plan.mvp_window_days} days"
    hundredths = _hundredths("v.pv")
    # Column names only are formatted in; values are parameters.
    window_pv = (
        f"COALESCE((SELECT SUM({hundredths}) FROM shop_volumeentry v"  # noqa: S608
        f' WHERE v.distributor_id = d.id AND v."on" >= d.join_date'
        f' AND v."on" <= {window_end} AND v."on" <= %s), 0)'
        # §9: an order refunded in its own cycle earns no MVP, even when the
        # refund falls after the window's last day.
        f" + COALESCE((SELECT SUM({hundredths}) FROM shop_volumeentry v"
        " JOIN shop_order o ON o.id = v.order_id"
        " WHERE v.distributor_id = d.id AND v.kind = 'refund'"
        f' AND v."on" > {window_end} AND v."on" <= %s'
        f" AND o.paid_on >= %s AND o.paid_on <= {window_end}), 0)"
    )
    # A decision is looked up per candidate (an index probe), never by reading
    # every past cycle's results.
    ids, pv, _ = _integers(
        f"""SELECT {_bigint("d.id")}, {_bigint(window_pv)},
            {_bigint("d.distributor_id")}
        FROM network_distributor d
        WHERE d.join_date <= %s AND d.join_date >= %s AND NOT EXISTS (
            SELECT 1 FROM commissions_result r
            JOIN commissions_cycle c ON c.id = r.cycle_id
            WHERE r.distributor_id = d.id AND r.mvp_decision > 0
                AND c.number < %s AND c.status <> %s)""",  # noqa: S608
        [
            days,
            through,
            days,
            through,
            start,
            days,
            through,
            start - window,
            number,
            CycleStatus.ESTIMATE.value,
        ],
        3,
        keys=((2, False),),
    )
    where = index_of(ids)
    keep = where >= 0
    return engine.MvpCandidates(enrollee=where[keep], window_pv=pv[keep])


def _previous_state(plan, number, index_of, size) -> list[np.ndarray]:
    """Banks, balances and best ranks out of the latest closed cycle before this."""
    state = [np.zeros(size, dtype=np.int64) for _ in range(4)]
    previous = (
        Cycle.objects.closed().filter(number__lt=number).order_by("-number").first()
    )
    if previous is None:
        return state
    rank_number = {name: i for i, name in enumerate(plan.rank_names)}
    ranks = " ".join(f"WHEN %s THEN {i}" for i in rank_number.values())
    who, *values = _integers(
        f"""SELECT {_bigint("distributor_id")}, {_hundredths("bank_left")},
            {_hundredths("bank_right")}, {_hundredths("balance_out")},
            {_bigint(f"CASE best_rank {ranks} ELSE 0 END")}
        FROM commissions_result WHERE cycle_id = %s""",  # noqa: S608
        [*rank_number, previous.pk],
        5,
    )
    if not len(who):
        return state
    where = index_of(who)
    keep = where >= 0
    for target, column in zip(state, values, strict=True):
        target[where[keep]] = column[keep]
    return state


def _reversals(number, start, through, index_of) -> engine.Reversals:
    """Lines to reverse for refunds in this cycle of orders paid in earlier ones."""
    touched = (
        _refunds()
        .filter(on__gte=start, on__lte=through)
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
        _refunds()
        .filter(order_id__in=touched, on__lte=through)
        .annotate(cv100=Cast(Round(F("cv") * 100), BigIntegerField()))
        .values_list("order_id", "cycle", "on", "cv100")
    ):
        refunds.setdefault(order_id, []).append((cycle, on, -cv))
    # A retail line is paid to the order's seller: found through the
    # (distributor, cycle) index. Only GEN5 lines, paid up the tree, need the
    # index on their source order, which is partial to keep a million retail
    # lines a week out of it (it was 8 of the 14 s of writing the lines).
    sellers = Order.objects.filter(pk__in=touched).values("distributor_id")
    lines = (
        Line.objects.filter(
            Q(bonus="retail", distributor_id__in=sellers, source_order_id__in=touched)
            | Q(bonus="gen5", source_order_id__in=touched)
        )
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
        given = refunds.get(order_id, ())
        own_refunds = [cv for cycle, _, cv in given if cycle == own]
        before = [cv for cycle, on, cv in given if own < cycle and on < start]
        now = [cv for _, on, cv in given if on >= start]
        kept, _ = kept_share(whole, sum(own_refunds), bool(own_refunds))
        share_before, share_through = reversed_share(
            whole,
            kept,
            refunded_before=sum(before),
            any_before=bool(before),
            refunded_now=sum(now),
        )
        if share_through <= share_before:
            continue
        out["order"].append(order_id)
        out["payee"].append(payee)
        out["bonus"].append(BONUS_NUMBER[bonus])
        out["source"].append(source)
        out["generation"].append(generation)
        out["amount"].append(amount)
        out["refunded_before"].append(share_before)
        out["refunded_through"].append(share_through)
        out["whole"].append(kept)
    return engine.Reversals(
        **{name: np.array(values, dtype=np.int64) for name, values in out.items()}
    )
