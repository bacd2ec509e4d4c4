"""Calculating, estimating and approving weekly cycles.

A calculation is all or nothing: it loads, computes and writes inside one
transaction holding the run lock, so a killed run leaves the previous state
untouched and can simply be started again. An approved cycle is never
recalculated.
"""

from __future__ import annotations

import threading
import time
import zlib
from contextlib import contextmanager, nullcontext
from datetime import date
from functools import cache

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.commissions import engine, store
from backoffice.commissions.load import load_cycle
from backoffice.commissions.models import (
    Cycle,
    CycleEvent,
    CycleRun,
    CycleStatus,
    RunLock,
    RunStatus,
)
from backoffice.commissions.plan import Plan, PlanVersion, load_plan
from backoffice.lib.cycles import company_date


class CommissionError(Exception):
    """A calculation or approval that is refused; the message says why."""


@cache
def _plan_from(path: str) -> Plan:
    return load_plan(path)


def current_plan() -> Plan:
    return _plan_from(str(settings.COMMISSION_PLAN))


def today() -> date:
    return company_date(timezone.now())


def first_cycle(plan: Plan | None = None) -> int | None:
    """The cycle holding the network's earliest join date or paid order (§1)."""
    from backoffice.network.models import Distributor
    from backoffice.shop.models import Order

    plan = plan or current_plan()
    # The filter lets SQLite use the partial index on paid_on, as PostgreSQL does.
    paid = Order.objects.filter(paid_on__isnull=False)
    days = [
        Distributor.objects.aggregate(day=Min("join_date"))["day"],
        paid.aggregate(day=Min("paid_on"))["day"],
    ]
    days = [day for day in days if day is not None]
    return plan.versions[0].cycle_of(min(days)) if days else None


def last_closed_cycle(plan: Plan | None = None) -> int:
    plan = plan or current_plan()
    now = today()
    return plan.for_cycle(plan.versions[-1].cycle_of(now)).cycle_of(now) - 1


def _lock() -> None:
    """Serialise runs; on PostgreSQL a second run is refused rather than queued."""
    if not RunLock.objects.filter(pk=1).exists():
        RunLock.objects.get_or_create(pk=1)
    rows = RunLock.objects.select_for_update(
        nowait=connection.features.has_select_for_update_nowait
    ).filter(pk=1)
    try:
        list(rows)
    except Exception as error:  # OperationalError: the lock is held
        raise CommissionError(_("Another commission run is in progress.")) from error


def _snapshot(loaded, result: engine.CycleResult) -> bytes:
    pairs = np.stack([loaded.data.network.distributor_id, result.total])
    # Level 1: a tenth of the default's time for a few percent more bytes.
    return zlib.compress(pairs.astype("<i8").tobytes(), 1)


def read_snapshot(blob: bytes) -> dict[int, int]:
    """Distributor ID → total in cents, from a run's snapshot."""
    if not blob:
        return {}
    pairs = np.frombuffer(zlib.decompress(bytes(blob)), dtype="<i8").reshape(2, -1)
    return dict(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))


def _cents(total: int) -> str:
    sign = "-" if total < 0 else ""
    whole, part = divmod(abs(int(total)), 100)
    return f"{sign}{whole}.{part:02d}"


def _compute_and_store(
    *,
    number: int,
    version: PlanVersion,
    status: str,
    through: date,
    user,
    concurrent: bool,
) -> tuple[Cycle, str, bytes]:
    loaded = load_cycle(version, number, through=through, concurrent=concurrent)
    old = Cycle.objects.filter(number=number).first()
    # The engine needs no database: the earlier calculation's rows are deleted
    # meanwhile, in the same transaction.
    deleting = (
        _meanwhile(store.delete_results, [old.pk]) if old is not None else nullcontext()
    )
    with deleting:
        result = engine.compute(loaded.data, version)
        digest = engine.digest(result, loaded.data.network.distributor_id)
    if old is not None:
        old.delete()
    totals = {
        name: _cents(int(getattr(result, name).sum()))
        for name in ("retail", "gen5", "mvp", "binary", "total", "paid", "breakage")
    }
    cycle = Cycle.objects.create(
        number=number,
        status=status,
        plan_version=version.version,
        starts_on=version.cycle_start(number),
        ends_on=version.cycle_end(number),
        pay_on=version.pay_date(number),
        counted_through=through,
        calculated_at=timezone.now(),
        result_hash=digest,
        members=len(loaded.pk),
        carried=_cents(int(result.balance_out.sum())),
        **totals,
    )
    store.write_results(
        cycle_id=cycle.pk,
        pk=loaded.pk,
        result=result,
        rank_names=version.rank_names,
    )
    return cycle, digest, _snapshot(loaded, result)


@contextmanager
def _meanwhile(work, *args):
    """``work(*args)`` in another thread on this thread's connection (and so in
    its transaction) while the block runs; the block must not use the database.

    The block's end waits for the work; the work's error is raised there.
    """
    shared = transaction.get_connection()
    failed: list[BaseException] = []

    def run() -> None:
        connections[shared.alias] = shared  # the ORM here uses the caller's
        try:
            work(*args)
        except BaseException as error:  # raised again in the caller's thread
            failed.append(error)
        finally:
            del connections[shared.alias]

    shared.inc_thread_sharing()
    worker = threading.Thread(target=run, name="commissions-meanwhile")
    worker.start()
    try:
        yield
    finally:
        worker.join()
        shared.dec_thread_sharing()
    if failed:
        raise failed[0]


def _run(number: int, *, user, estimate: bool, body) -> Cycle:
    """``body(concurrent)`` in the run's transaction, under the run lock.

    ``concurrent`` is true when that transaction is the outermost one: then
    nothing written before the body is hidden from another connection, and the
    load may read on two connections at once (``load.load_cycle``).
    """
    run = CycleRun.objects.create(number=number, is_estimate=estimate, started_by=user)
    started = time.perf_counter()
    outermost = not transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic():
            _lock()
            CycleRun.objects.filter(status=RunStatus.RUNNING, pk__lt=run.pk).update(
                status=RunStatus.FAILED, error="interrupted"
            )
            cycle, digest, snapshot = body(outermost)
    except Exception as error:
        run.status = RunStatus.FAILED
        run.error = str(error)[:2000]
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.save(update_fields=["status", "error", "finished_at", "seconds"])
        raise
    run.status = RunStatus.SUCCEEDED
    run.result_hash = digest
    run.totals_snapshot = snapshot
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - started
    run.save()
    return cycle


def calculate_cycle(*, number: int, user=None, plan: Plan | None = None) -> Cycle:
    """Calculate closed cycle ``number``, replacing an unapproved earlier result.

    Later calculated cycles start from this one's banks, so they are brought up
    to date after it, in order.
    """
    plan = plan or current_plan()
    cycle = _calculate_one(number=number, user=user, plan=plan)
    later = (
        Cycle.objects.filter(status=CycleStatus.CALCULATED, number__gt=number)
        .order_by("number")
        .values_list("number", flat=True)
    )
    for following in list(later):
        _calculate_one(number=following, user=user, plan=plan)
    return cycle


def _calculate_one(*, number: int, user, plan: Plan) -> Cycle:
    version = plan.for_cycle(number)

    def body(concurrent: bool):
        existing = Cycle.objects.filter(number=number).first()
        if existing is not None and existing.is_locked:
            raise CommissionError(
                _("Cycle %(n)d is approved and cannot be recalculated.") % {"n": number}
            )
        if version.cycle_end(number) >= today():
            raise CommissionError(
                _("Cycle %(n)d has not ended yet: its estimate is shown instead.")
                % {"n": number}
            )
        first = first_cycle(plan)
        if first is not None and number > first:
            previous = Cycle.objects.closed().filter(number=number - 1).exists()
            if not previous:
                raise CommissionError(
                    _("Calculate cycle %(p)d first: cycle %(n)d starts from its banks.")
                    % {"p": number - 1, "n": number}
                )
        if Cycle.objects.approved().filter(number__gt=number).exists():
            raise CommissionError(
                _("A later cycle is approved: cycle %(n)d can no longer change.")
                % {"n": number}
            )
        outcome = _compute_and_store(
            number=number,
            version=version,
            status=CycleStatus.CALCULATED,
            through=version.cycle_end(number),
            user=user,
            concurrent=concurrent,
        )
        CycleEvent.objects.create(
            number=number,
            kind=CycleEvent.Kind.CALCULATED,
            actor=user,
            detail={"hash": outcome[1], "members": outcome[0].members},
        )
        return outcome

    return _run(number, user=user, estimate=False, body=body)


def calculate_through(
    *, number: int, user=None, plan: Plan | None = None
) -> list[Cycle]:
    """Calculate every closed cycle not yet calculated, in order, up to ``number``."""
    plan = plan or current_plan()
    closed = last_closed_cycle(plan)
    if number > closed:
        raise CommissionError(
            _("Cycle %(n)d has not ended yet: the last closed cycle is %(c)d.")
            % {"n": number, "c": closed}
        )
    first = first_cycle(plan)
    if first is None:
        return []
    done = Cycle.objects.closed().order_by("-number").values_list("number", flat=True)
    start = max((done.first() or first - 1) + 1, first)
    return [
        _calculate_one(number=n, user=user, plan=plan) for n in range(start, number + 1)
    ]


def calculate_closed_cycles() -> int:
    """The weekly job: calculate every cycle that has ended (idempotent)."""
    return len(calculate_through(number=last_closed_cycle()))


def estimate_current_cycle(*, plan: Plan | None = None) -> Cycle | None:
    """Recompute "this week so far" over the volume up to now."""
    plan = plan or current_plan()
    now = today()
    number = plan.versions[-1].cycle_of(now)
    version = plan.for_cycle(number)
    if first_cycle(plan) is None:
        return None

    def body(concurrent: bool):
        existing = Cycle.objects.filter(number=number).first()
        if existing is not None and existing.status != CycleStatus.ESTIMATE:
            raise CommissionError(
                _("Cycle %(n)d is already calculated.") % {"n": number}
            )
        outcome = _compute_and_store(
            number=number,
            version=version,
            status=CycleStatus.ESTIMATE,
            through=now,
            user=None,
            concurrent=concurrent,
        )
        stale = Cycle.objects.filter(status=CycleStatus.ESTIMATE, number__lt=number)
        stale_ids = list(stale.values_list("pk", flat=True))
        if stale_ids:
            store.delete_results(stale_ids)
            Cycle.objects.filter(pk__in=stale_ids).delete()
        return outcome

    return _run(number, user=None, estimate=True, body=body)


def approve_cycle(*, number: int, user) -> Cycle:
    """Lock a calculated cycle: its figures never change again."""
    with transaction.atomic():
        _lock()
        cycle = Cycle.objects.select_for_update().filter(number=number).first()
        if cycle is None or cycle.status == CycleStatus.ESTIMATE:
            raise CommissionError(
                _("Cycle %(n)d has not been calculated.") % {"n": number}
            )
        if cycle.status == CycleStatus.APPROVED:
            raise CommissionError(_("Cycle %(n)d is already approved.") % {"n": number})
        before = Cycle.objects.closed().filter(number=number - 1).first()
        if before is not None and before.status != CycleStatus.APPROVED:
            raise CommissionError(_("Approve cycle %(p)d first.") % {"p": number - 1})
        cycle.status = CycleStatus.APPROVED
        cycle.approved_at = timezone.now()
        cycle.approved_by = user
        cycle.save(update_fields=["status", "approved_at", "approved_by"])
        from backoffice.commissions.payouts import record_earned

        record_earned(cycle)
        CycleEvent.objects.create(
            number=number,
            kind=CycleEvent.Kind.APPROVED,
            actor=user,
            detail={"hash": cycle.result_hash, "total": str(cycle.total)},
        )
    return cycle
