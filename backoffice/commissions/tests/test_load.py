"""Runs from the database agree with the engine run on the same events."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import numpy as np
import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from backoffice.commissions import actions, engine, events, load, store
from backoffice.commissions.actions import CommissionError
from backoffice.commissions.load import _Reads, load_cycle
from backoffice.commissions.models import (
    Cycle,
    CycleEvent,
    CycleRun,
    CycleStatus,
    Line,
    Result,
    RunStatus,
)
from backoffice.commissions.tests.dbdata import random_events, write_events

AFTER = datetime(2026, 7, 1, 12, tzinfo=UTC)

FIGURES = {
    "pv30": "pv30",
    "cycle_pv": "cycle_pv",
    "left_cv": "left",
    "right_cv": "right",
    "matched_cv": "matched",
    "bank_left": "bank_left",
    "bank_right": "bank_right",
    "retail": "retail",
    "gen5": "gen5",
    "mvp": "mvp",
    "binary": "binary",
    "total": "total",
    "balance_in": "balance_in",
    "paid": "paid",
    "balance_out": "balance_out",
}


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _expected(seed: int):
    members, sales = random_events(seed)
    plan = actions.current_plan()
    runs = events.simulate(
        members,
        sales,
        plan,
        through=plan.versions[0].cycle_of(max(s.on for s in sales)),
    )
    return members, sales, plan, runs


def _compare(cycle_number: int, data: engine.CycleInput, result, plan) -> None:
    version = plan.for_cycle(cycle_number)
    ids = data.network.distributor_id.tolist()
    rows = {
        r.distributor.distributor_id: r
        for r in Result.objects.filter(cycle__number=cycle_number).select_related(
            "distributor"
        )
    }
    assert sorted(rows) == sorted(ids)
    for i, distributor_id in enumerate(ids):
        row = rows[distributor_id]
        for column, name in FIGURES.items():
            assert _cents(getattr(row, column)) == int(getattr(result, name)[i]), (
                cycle_number,
                distributor_id,
                column,
            )
        assert row.rank == version.rank_names[result.rank[i]]
        assert row.is_active == bool(result.active[i])
    expected_lines = sorted(
        (
            ids[p],
            engine.BONUS_CODES[b],
            f"T-{o}" if o >= 0 else None,
            ids[s] if s >= 0 else None,
            g,
            a,
        )
        for p, b, o, s, g, a in zip(
            result.lines.payee.tolist(),
            result.lines.bonus.tolist(),
            result.lines.order.tolist(),
            result.lines.source.tolist(),
            result.lines.generation.tolist(),
            result.lines.amount.tolist(),
            strict=True,
        )
    )
    stored = sorted(
        (
            line.distributor.distributor_id,
            line.bonus,
            line.source_order.number if line.source_order else None,
            line.source_distributor.distributor_id if line.source_distributor else None,
            line.generation,
            _cents(line.amount),
        )
        for line in Line.objects.filter(cycle__number=cycle_number).select_related(
            "distributor", "source_order", "source_distributor"
        )
    )
    assert stored == expected_lines


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_database_runs_match_the_engine_on_the_same_events(db, seed):
    members, sales, plan, runs = _expected(seed)
    write_events(members, sales)
    with time_machine.travel(AFTER, tick=False):
        for data, result in runs:
            loaded = load_cycle(plan.for_cycle(data.cycle), data.cycle)
            _same_inputs(loaded, data)
            actions.calculate_cycle(number=data.cycle)
            _compare(data.cycle, data, result, plan)
    assert Cycle.objects.count() == len(runs)
    assert any(len(result.lines) for _, result in runs)


def _same_inputs(loaded, data: engine.CycleInput) -> None:
    """The SQL loader builds the arrays events.build_input builds."""
    got = loaded.data
    order = np.argsort(got.network.distributor_id)
    want = np.argsort(data.network.distributor_id)
    assert (
        got.network.distributor_id[order] == data.network.distributor_id[want]
    ).all()
    ids_got = got.network.distributor_id
    ids_want = data.network.distributor_id

    def by_id(values, ids, which):
        mapped = np.where(values >= 0, ids[np.maximum(values, 0)], -1)
        return mapped[which]

    assert (
        by_id(got.network.enroller, ids_got, order)
        == by_id(data.network.enroller, ids_want, want)
    ).all()
    assert (
        by_id(got.network.parent, ids_got, order)
        == by_id(data.network.parent, ids_want, want)
    ).all()
    for name in (
        "cycle_pv",
        "cycle_cv",
        "pv30",
        "month_pv",
        "bank_left_in",
        "bank_right_in",
        "balance_in",
        "best_rank_in",
    ):
        assert (getattr(got, name)[order] == getattr(data, name)[want]).all(), name
    assert (got.package_first[order] == data.package_first[want]).all()
    assert (got.network.terminated[order] == data.network.terminated[want]).all()
    assert (got.network.placed[order] == data.network.placed[want]).all()


def test_a_rerun_gives_the_same_hash_and_replaces_the_rows(db):
    members, sales, plan, runs = _expected(5)
    write_events(members, sales)
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_through(number=runs[-1][0].cycle)
        last = runs[-1][0].cycle
        before = Cycle.objects.get(number=last)
        rows = Result.objects.filter(cycle__number=last).count()
        again = actions.calculate_cycle(number=last)
    assert again.result_hash == before.result_hash
    assert Result.objects.filter(cycle__number=last).count() == rows
    assert (
        CycleRun.objects.filter(number=last, status=RunStatus.SUCCEEDED)
        .values_list("result_hash", flat=True)
        .distinct()
        .count()
        == 1
    )


def test_every_stored_reference_points_at_a_real_row(db):
    # Results and lines carry no database foreign keys (the store writes them
    # from the network it has just read); this is the check the database no
    # longer makes.
    from backoffice.network.models import Distributor
    from backoffice.shop.models import Order

    members, sales, plan, runs = _expected(7)
    write_events(members, sales)
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_through(number=runs[-1][0].cycle)
        # A recalculation replaces the rows; nothing of the old ones remains.
        actions.calculate_cycle(number=runs[0][0].cycle)
    cycles = set(Cycle.objects.values_list("pk", flat=True))
    members_pk = set(Distributor.objects.values_list("pk", flat=True))
    orders_pk = set(Order.objects.values_list("pk", flat=True))
    results = list(Result.objects.values_list("cycle_id", "distributor_id"))
    lines = list(
        Line.objects.values_list(
            "cycle_id", "distributor_id", "source_order_id", "source_distributor_id"
        )
    )
    assert results
    assert lines
    assert {cycle for cycle, _ in results} == cycles
    assert {member for _, member in results} <= members_pk
    assert {row[0] for row in lines} <= cycles
    assert {row[1] for row in lines} <= members_pk
    assert {row[2] for row in lines if row[2] is not None} <= orders_pk
    assert {row[3] for row in lines if row[3] is not None} <= members_pk
    assert any(row[2] is not None for row in lines)
    # One row per member and cycle, still guarded by the database.
    assert len(results) == len(set(results))


def _all_calculated(seed: int) -> int:
    """The events of ``seed`` stored and every cycle calculated; the last cycle."""
    members, sales, _plan, runs = _expected(seed)
    write_events(members, sales)
    last = runs[-1][0].cycle
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_through(number=last)
    return last


def _stored(cycle: int) -> list[tuple]:
    return list(Result.objects.filter(cycle__number=cycle).values_list("pk", "total"))


def test_a_failed_run_leaves_the_previous_results(db, monkeypatch):
    last = _all_calculated(6)
    before = _stored(last)
    real = store.write_results

    def dies_half_way(**kwargs):
        real(**kwargs)
        raise RuntimeError("killed")

    monkeypatch.setattr(store, "write_results", dies_half_way)
    with time_machine.travel(AFTER, tick=False), pytest.raises(RuntimeError):
        actions.calculate_cycle(number=last)
    assert _stored(last) == before
    failed = CycleRun.objects.filter(number=last).order_by("-pk").first()
    assert failed.status == RunStatus.FAILED
    assert failed.error == "killed"


def test_the_old_rows_go_in_the_run_transaction_while_the_engine_computes(
    db, monkeypatch
):
    last = _all_calculated(6)
    totals = [total for _pk, total in _stored(last)]
    seen = {}
    real_delete, real_compute = store.delete_results, engine.compute

    def delete(cycle_ids):
        seen["deleting"] = threading.get_ident()
        seen["on"] = transaction.get_connection()
        seen["in_transaction"] = connection.in_atomic_block
        real_delete(cycle_ids)

    def compute(*args):
        seen["computing"] = threading.get_ident()
        return real_compute(*args)

    monkeypatch.setattr(store, "delete_results", delete)
    monkeypatch.setattr(engine, "compute", compute)
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_cycle(number=last)
    assert seen["deleting"] != seen["computing"] == threading.get_ident()
    assert seen["on"] is transaction.get_connection()  # the run's own
    assert seen["in_transaction"]
    assert [total for _pk, total in _stored(last)] == totals  # replaced, the same


def test_an_engine_failure_while_the_old_rows_go_keeps_them(db, monkeypatch):
    last = _all_calculated(6)
    before = _stored(last)
    lines = Line.objects.filter(cycle__number=last).count()

    def broken(*args):
        raise RuntimeError("engine died")

    monkeypatch.setattr(engine, "compute", broken)
    with (
        time_machine.travel(AFTER, tick=False),
        pytest.raises(RuntimeError, match="engine died"),
    ):
        actions.calculate_cycle(number=last)
    assert _stored(last) == before
    assert Line.objects.filter(cycle__number=last).count() == lines > 0


def test_approved_cycles_are_locked(db):
    members, sales, plan, runs = _expected(7)
    write_events(members, sales)
    first, second = runs[0][0].cycle, runs[1][0].cycle
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_through(number=second)
        with pytest.raises(CommissionError, match="Approve cycle"):
            actions.approve_cycle(number=second, user=None)
        actions.approve_cycle(number=first, user=None)
        with pytest.raises(CommissionError, match="already approved"):
            actions.approve_cycle(number=first, user=None)
        with pytest.raises(CommissionError, match="approved and cannot"):
            actions.calculate_cycle(number=first)
        actions.approve_cycle(number=second, user=None)
    assert Cycle.objects.get(number=first).status == CycleStatus.APPROVED
    assert list(
        CycleEvent.objects.filter(kind="approved").values_list("number", flat=True)
    ) == [second, first]


def test_a_cycle_is_refused_before_it_ends_or_before_the_one_it_follows(db):
    members, sales, plan, runs = _expected(8)
    write_events(members, sales)
    first, second = runs[0][0].cycle, runs[1][0].cycle
    with (
        time_machine.travel(AFTER, tick=False),
        pytest.raises(CommissionError, match="Calculate cycle"),
    ):
        actions.calculate_cycle(number=second)
    assert not Result.objects.exists()
    # Sunday 23:30 in Los Angeles is already Monday in UTC: the week is still open.
    monday = plan.for_cycle(second).cycle_end(second) + timedelta(days=1)
    late_sunday = datetime(monday.year, monday.month, monday.day, 6, 30, tzinfo=UTC)
    with time_machine.travel(late_sunday, tick=False):
        actions.calculate_cycle(number=first)
        with pytest.raises(CommissionError, match="has not ended"):
            actions.calculate_cycle(number=second)
    assert not Cycle.objects.filter(number=second).exists()
    with time_machine.travel(late_sunday + timedelta(hours=1), tick=False):
        actions.calculate_cycle(number=second)
    assert Cycle.objects.get(number=second).status == CycleStatus.CALCULATED


def test_recalculating_a_cycle_brings_later_ones_up_to_date(db):
    members, sales, plan, runs = _expected(9)
    write_events(members, sales)
    first, last = runs[0][0].cycle, runs[-1][0].cycle
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_through(number=last)
        actions.calculate_cycle(number=first)
    runs_per_cycle = {
        n: CycleRun.objects.filter(number=n, status=RunStatus.SUCCEEDED).count()
        for n in range(first, last + 1)
    }
    assert runs_per_cycle == dict.fromkeys(range(first, last + 1), 2)


def test_the_estimate_counts_volume_so_far_and_gives_way_to_the_closed_cycle(db):
    members, sales, plan, runs = _expected(10)
    write_events(members, sales)
    last = runs[-1][0].cycle
    version = plan.for_cycle(last)
    wednesday = version.cycle_start(last).toordinal() + 2
    day = date.fromordinal(wednesday)
    with time_machine.travel(datetime(day.year, day.month, day.day, 20, tzinfo=UTC)):
        actions.calculate_through(number=last - 1)
        estimate = actions.estimate_current_cycle()
    assert estimate.status == CycleStatus.ESTIMATE
    assert estimate.number == last
    assert estimate.counted_through == day
    so_far = sum(s.pv for s in sales if version.cycle_start(last) <= s.on <= day) - sum(
        r.pv
        for s in sales
        for r in s.refunds
        if version.cycle_start(last) <= r.on <= day
    )
    counted = sum(r.cycle_pv for r in Result.objects.filter(cycle=estimate))
    assert counted == so_far
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_cycle(number=last)
    assert Cycle.objects.get(number=last).status == CycleStatus.CALCULATED
    assert not Cycle.objects.filter(
        status=CycleStatus.ESTIMATE, number__lte=last
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_reading_on_two_connections_matches_the_engine():
    # Committed rows, as in production: the run's transaction is the outermost
    # one, so on PostgreSQL the orders are read on a second connection.
    members, sales, plan, runs = _expected(2)
    write_events(members, sales)
    with time_machine.travel(AFTER, tick=False):
        for data, result in runs:
            with transaction.atomic():
                loaded = load_cycle(
                    plan.for_cycle(data.cycle), data.cycle, concurrent=True
                )
            _same_inputs(loaded, data)
            actions.calculate_cycle(number=data.cycle)
            _compare(data.cycle, data, result, plan)
    assert any(len(result.lines) for _, result in runs)


def _backend() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_reads_beside_use_their_own_connection_and_close_it():
    here = threading.get_ident()
    with _Reads(beside=True) as reads:
        where = reads.submit(lambda: (threading.get_ident(), _backend())).result()
    if connection.vendor != "postgresql":
        # SQLite: one writer, and in-memory test databases are per connection.
        assert where == (here, None)
        return
    thread, backend = where
    assert thread != here
    assert backend != _backend()
    # Closed once read: the server process ends a moment after the client
    # hangs up, so its row may stay in pg_stat_activity for that moment.
    for _attempt in range(50):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.05)
    else:
        pytest.fail(f"the second connection (backend {backend}) is still open")


@pytest.mark.django_db(transaction=True)
def test_a_failed_read_beside_raises_its_error_in_the_caller():
    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM shop_order")

    with _Reads(beside=True) as reads, pytest.raises(DatabaseError):
        reads.submit(broken).result()


def test_a_run_inside_a_callers_transaction_reads_on_its_own_connection(db):
    # pytest-django's transaction holds rows no other connection sees: the run
    # must read them itself (the test above shows the other way).
    members, sales, plan, runs = _expected(3)
    write_events(members, sales)
    with (
        time_machine.travel(AFTER, tick=False),
        mock.patch.object(load, "ThreadPoolExecutor") as pool,
    ):
        for data, result in runs:
            actions.calculate_cycle(number=data.cycle)
            _compare(data.cycle, data, result, plan)
    pool.assert_not_called()
