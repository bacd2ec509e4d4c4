"""Commission-run benchmark: one weekly cycle of a million-member network, timed.

    python bench/commissions.py [--database-url URL] [--size 1000000] [--chain 20000]
        [--orders 5000000] [--repeat 3] [--cycle 864] [--profile]

Builds (once, then reuses) in its own database (default:
``var/bench-commissions.sqlite3``; pass ``postgres://…/bo_bench_commissions`` for
PostgreSQL, created if missing) the network of ``bench/network.py`` (binary
placement, a ``--chain`` deep outer left leg) and ``--orders`` paid orders in one
weekly cycle, plus the four weeks before it (so the 30-day and calendar-month
windows have earlier volume), older package orders (package rate windows), retail
customers, a few thousand refunds (in the cycle, of earlier orders, and after
it) and a few terminations. The cycle before the benchmarked one is an empty
calculated cycle: every bank, balance and best rank in is 0. Then prints:

- the machine and the database;
- the floor: the cycle's volume summed per distributor in SQL, plus writing one
  row per member into a temporary table shaped like the results;
- ``load_cycle``, the engine alone (``engine.compute`` on the loaded input) and
  the store (rolled back), each timed on its own;
- the whole run, ``actions.calculate_cycle`` from the database to stored results,
  ``--repeat`` times, each in a child process: the time of each phase, the result
  hash and the child's peak memory (its peak RSS);
- what the next cycle's load costs once this one's results are stored.

Each figure is the wall clock plus the CPU seconds of this process and, on a
local PostgreSQL, of the server process of the connection (not of its parallel
workers): on a shared machine the CPU seconds say what the work costs. Figures
are printed, never asserted. The cycle defaults to 864 (2025-06-23 … 2025-06-29):
the generated network's last members joined just before it, so MVP windows are
open too. "Today" is frozen three days after the cycle's end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 100_000

# Products as (subtotal, shipping, tax, pv, cv, retail profit) in cents, by kind.
DISTRIBUTOR_ITEMS = [
    (3995, 895, 330, 1700, 1700, 0),
    (7990, 995, 659, 3450, 3025, 0),
    (8500, 995, 701, 3600, 3600, 0),
    (15980, 0, 1318, 7000, 6050, 0),
    (22900, 0, 1889, 10000, 9000, 0),
]
CUSTOMER_ITEMS = [
    (5295, 895, 437, 1700, 1700, 1300),
    (10590, 995, 874, 3450, 3025, 2600),
    (19900, 0, 1642, 7000, 6050, 3920),
]
PACKAGE_ITEMS = [  # ESP-1, ESP-2, ESP-3
    (29900, 0, 0, 10000, 10000, 0),
    (59900, 0, 0, 20000, 20000, 0),
    (99900, 0, 0, 35000, 35000, 0),
]
ITEMS = DISTRIBUTOR_ITEMS + CUSTOMER_ITEMS + PACKAGE_ITEMS
FIRST_CUSTOMER_ITEM = len(DISTRIBUTOR_ITEMS)
FIRST_PACKAGE_ITEM = FIRST_CUSTOMER_ITEM + len(CUSTOMER_ITEMS)

ORDER_COLUMNS = [
    "id", "number", "kind", "source", "status", "distributor_id", "customer_id",
    "email", "idempotency_key", "subtotal", "shipping", "tax", "total", "pv", "cv",
    "retail_profit", "refunded_amount", "package_level", "package_refunded_on",
    "payment_provider", "shipping_method_name", "ship_name", "ship_line1",
    "ship_line2", "ship_city", "ship_state", "ship_postal_code", "ship_phone",
    "carrier", "tracking_number", "tracking_url", "placed_at", "placed_on",
    "paid_at", "paid_on",
]  # fmt: skip
VOLUME_COLUMNS = [
    "id", "distributor_id", "order_id", "refund_id", "kind", "on", "cycle", "pv",
    "cv", "created_at",
]  # fmt: skip


# The phase that runs beside another (its figures are not added up).
OVERLAPPED = "(meanwhile) delete previous"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{ROOT / 'var' / 'bench-commissions.sqlite3'}",
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--chain", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--refunds", type=int, default=4_000)
    parser.add_argument("--cycle", type=int, default=864)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one more whole run (cProfile, in a child) and print the top",
    )
    # One whole run in this process, reported as JSON to the parent.
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(int(value)), 100)
    return f"{sign}{whole}.{part:02d}"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database if it is missing (never drops anything)."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def fixed_today(cycle: int) -> date:
    from backoffice.lib.cycles import cycle_end

    return cycle_end(cycle) + timedelta(days=3)


# --- data --------------------------------------------------------------------


def _write(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


@contextmanager
def _indexes_rebuilt(tables: list[str]):
    """Drop the tables' plain indexes for a bulk load and build them again after:
    one sort per index instead of millions of random insertions."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Indexes that back a constraint (primary keys, unique columns) stay.
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
                " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                f" AND sql IS NOT NULL AND tbl_name IN ({marks})",
                tables,
            )
            indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are checked at commit; a table with pending checks
            # cannot be indexed, so check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, sql in indexes:
            cursor.execute(sql)


def _uniform_days(rng, low, high):
    """A day in [low, high] for each pair (arrays of day numbers)."""
    import numpy as np

    span = np.maximum(high - low + 1, 1)
    return low + (rng.random(len(low)) * span).astype(np.int64)


def load_orders(args: argparse.Namespace) -> None:
    """Customers, orders, their volume and refunds, all in one transaction."""
    import numpy as np
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from backoffice.lib.cycles import cycle_end, cycle_of, cycle_start
    from backoffice.network.models import Distributor
    from backoffice.shop.models import (
        Order,
        Payment,
        Refund,
        RetailCustomer,
        VolumeEntry,
    )

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        # A bigger page cache for the load only; the timed runs use the default.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -1000000")
    rng = np.random.default_rng(args.seed + 2)
    epoch = date(1970, 1, 1)
    start = (cycle_start(args.cycle) - epoch).days
    end = (cycle_end(args.cycle) - epoch).days
    today = (fixed_today(args.cycle) - epoch).days

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, distributor_id, join_date FROM network_distributor ORDER BY id"
        )
        members = cursor.fetchall()
    pk = np.array([row[0] for row in members], dtype=np.int64)
    public = np.array([row[1] for row in members], dtype=np.int64)
    joined = np.array([row[2] for row in members], dtype="datetime64[D]").astype(
        np.int64
    )
    del members
    size = len(pk)

    # Most members buy; the rest have no volume (and flush). A few of those are
    # terminated.
    buying = rng.random(size) < 0.85
    buyers = np.flatnonzero(buying)
    idle = np.flatnonzero(~buying[1:]) + 1
    terminated = rng.choice(idle, min(len(idle), max(size // 500, 1)), replace=False)
    terminated_day = np.maximum(
        joined[terminated], start - 1 - rng.integers(0, 300, len(terminated))
    )
    customer_owner = np.sort(rng.choice(buyers, max(size // 5, 1)))

    def section(count: int, low: int, high: int, packages_only: bool = False):
        """Orders dated in [low, high]: 20 % customer, 2 % package, or all packages."""
        draw = rng.random(count)
        if packages_only:
            draw[:] = 0.21
        customer = draw < 0.20
        package = (draw >= 0.20) & (draw < 0.22)
        member = rng.choice(buyers, count)
        who = np.full(count, -1, dtype=np.int64)
        who[customer] = rng.integers(0, len(customer_owner), int(customer.sum()))
        member[customer] = customer_owner[who[customer]]
        item = rng.integers(0, len(DISTRIBUTOR_ITEMS), count)
        item[customer] = FIRST_CUSTOMER_ITEM + rng.integers(
            0, len(CUSTOMER_ITEMS), int(customer.sum())
        )
        item[package] = FIRST_PACKAGE_ITEM + rng.choice(
            3, int(package.sum()), p=[0.5, 0.3, 0.2]
        )
        day = _uniform_days(rng, np.maximum(joined[member], low), np.full(count, high))
        keep = day <= high  # nobody buys before joining
        order = np.argsort(day[keep], kind="stable")
        return (
            member[keep][order],
            who[keep][order],
            item[keep][order],
            day[keep][order],
        )

    history = section(size // 10, start - 365, start - 29, packages_only=True)
    earlier = section(args.orders // 4, start - 28, start - 1)
    current = section(args.orders, start, end)
    member, customer, item, day = (
        np.concatenate(parts) for parts in zip(history, earlier, current, strict=True)
    )
    count = len(member)
    first_earlier = len(history[0])
    first_current = first_earlier + len(earlier[0])
    table = np.array(ITEMS, dtype=np.int64)
    pv, cv = table[item, 3], table[item, 4]
    level = np.where(item >= FIRST_PACKAGE_ITEM, item - FIRST_PACKAGE_ITEM + 1, 0)

    # Refunds: in the cycle of the cycle's own orders (some of them packages), in
    # the cycle of earlier orders, and after the cycle of the cycle's orders.
    current_all = np.arange(first_current, count)
    current_packs = current_all[level[first_current:] > 0]
    earlier_all = np.arange(first_earlier, first_current)
    wanted = args.refunds
    picks = [
        (rng.choice(current_all, wanted * 4 // 10, replace=False), "same"),
        (rng.choice(current_packs, min(len(current_packs), wanted // 10)), "same"),
        (rng.choice(earlier_all, wanted * 2 // 10, replace=False), "now"),
        (rng.choice(current_all, wanted * 3 // 10, replace=False), "later"),
    ]
    refund_order, refund_day, seen = [], [], set()
    for chosen, when in picks:
        for index in chosen.tolist():
            if index in seen:
                continue
            seen.add(index)
            refund_order.append(index)
            if when == "same":
                refund_day.append(
                    int(day[index]) + int(rng.integers(0, end - day[index] + 1))
                )
            elif when == "now":
                refund_day.append(start + int(rng.integers(0, 7)))
            else:
                refund_day.append(end + 1 + int(rng.integers(0, today - end - 1)))
    refund_order = np.array(refund_order, dtype=np.int64)
    refund_day = np.array(refund_day, dtype=np.int64)
    full = rng.random(len(refund_order)) < 0.7
    totals = table[:, 0] + table[:, 1] + table[:, 2]
    refund_amount = np.where(
        full, totals[item[refund_order]], totals[item[refund_order]] // 2
    )
    refund_pv = np.where(full, pv[refund_order], pv[refund_order] // 2)
    refund_cv = np.where(full, cv[refund_order], cv[refund_order] // 2)

    def text(value: int) -> str:
        return (epoch + timedelta(days=int(value))).isoformat()

    days_text = {
        d: text(d) for d in np.unique(np.concatenate([day, refund_day])).tolist()
    }
    moment = {d: f"{t}T18:00:00+00:00" for d, t in days_text.items()}
    item_text = [
        (cents(s), cents(h), cents(t), cents(s + h + t), cents(p), cents(c), cents(r))
        for s, h, t, p, c, r in ITEMS
    ]
    refunded = {
        int(index): (
            cents(amount),
            "refunded" if whole else "delivered",
            days_text[int(when)] if whole and level[index] else None,
        )
        for index, amount, whole, when in zip(
            refund_order, refund_amount, full, refund_day, strict=True
        )
    }
    not_refunded = ("0.00", "delivered", None)
    kinds = (
        ["distributor"] * FIRST_CUSTOMER_ITEM
        + ["customer"] * len(CUSTOMER_ITEMS)
        + ["distributor"] * len(PACKAGE_ITEMS)
    )
    sources = (
        ["shop"] * FIRST_CUSTOMER_ITEM
        + ["personal_shop"] * len(CUSTOMER_ITEMS)
        + ["shop"] * len(PACKAGE_ITEMS)
    )
    blanks = ("demo",) + ("",) * 11

    def order_rows(begin: int, stop: int) -> list[tuple]:
        rows = []
        for index, who, buyer, what, when, package in zip(
            range(begin, stop),
            customer[begin:stop].tolist(),
            member[begin:stop].tolist(),
            item[begin:stop].tolist(),
            day[begin:stop].tolist(),
            level[begin:stop].tolist(),
            strict=True,
        ):
            number = index + 1
            sub, ship, tax, total, opv, ocv, profit = item_text[what]
            amount, status, given_back = refunded.get(index, not_refunded)
            at, on = moment[when], days_text[when]
            rows.append(
                (number, f"GX-C{number:010d}", kinds[what], sources[what], status,
                 int(pk[buyer]), who + 1 if who >= 0 else None,
                 f"c{who + 1}@example.com" if who >= 0 else f"m{public[buyer]}@example.com",
                 f"bench-commissions-{number}", sub, ship, tax, total, opv, ocv,
                 profit, amount, package, given_back, *blanks, at, on, at, on)
            )  # fmt: skip
        return rows

    def volume_rows(begin: int, stop: int) -> list[tuple]:
        return [
            (index + 1, int(pk[buyer]), index + 1, None, "order", days_text[when],
             cycle_of(epoch + timedelta(days=when)), item_text[what][4],
             item_text[what][5], moment[when])
            for index, buyer, what, when in zip(
                range(begin, stop),
                member[begin:stop].tolist(),
                item[begin:stop].tolist(),
                day[begin:stop].tolist(),
                strict=True,
            )
        ]  # fmt: skip

    customer_rows = [
        (index + 1, int(pk[owner]), f"Customer{index % 991}", f"Retail{index % 997}",
         f"c{index + 1}@example.com", "", "2020-01-01T00:00:00+00:00")
        for index, owner in enumerate(customer_owner.tolist())
    ]  # fmt: skip
    payment_rows, refund_rows, refund_volume = [], [], []
    for number, (index, amount, rpv, rcv, when) in enumerate(
        zip(
            refund_order.tolist(),
            refund_amount.tolist(),
            refund_pv.tolist(),
            refund_cv.tolist(),
            refund_day.tolist(),
            strict=True,
        ),
        start=1,
    ):
        paid_at = moment[int(day[index])]
        given_at = f"{days_text[when]}T19:00:00+00:00"
        payment_rows.append(
            (number, index + 1, "demo", "succeeded", cents(totals[item[index]]),
             f"bench-commissions-pay-{number}", "", "", "", "", paid_at, paid_at)
        )  # fmt: skip
        refund_rows.append(
            (number, number, index + 1, cents(amount), cents(rpv), cents(rcv),
             "succeeded", f"bench-commissions-refund-{number}", "", "", given_at,
             given_at)
        )  # fmt: skip
        refund_volume.append(
            (count + number, int(pk[member[index]]), index + 1, number, "refund",
             days_text[when], cycle_of(epoch + timedelta(days=when)), cents(-rpv),
             cents(-rcv), given_at)
        )  # fmt: skip

    with transaction.atomic(), _indexes_rebuilt(["shop_order", "shop_volumeentry"]):
        _write(
            "shop_retailcustomer",
            ["id", "distributor_id", "first_name", "last_name", "email", "phone",
             "created_at"],
            customer_rows,
        )  # fmt: skip
        for begin in range(0, count, CHUNK):
            _write(
                "shop_order",
                ORDER_COLUMNS,
                order_rows(begin, min(begin + CHUNK, count)),
            )
        for begin in range(0, count, CHUNK):
            _write(
                "shop_volumeentry",
                VOLUME_COLUMNS,
                volume_rows(begin, min(begin + CHUNK, count)),
            )
        _write(
            "shop_payment",
            ["id", "order_id", "provider", "status", "amount", "idempotency_key",
             "reference", "redirect_url", "card_label", "failure_message",
             "created_at", "updated_at"],
            payment_rows,
        )  # fmt: skip
        _write(
            "shop_refund",
            ["id", "payment_id", "order_id", "amount", "pv", "cv", "status",
             "idempotency_key", "reference", "reason", "created_at", "refunded_at"],
            refund_rows,
        )  # fmt: skip
        _write("shop_volumeentry", VOLUME_COLUMNS, refund_volume)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE network_distributor SET terminated_on = %s WHERE id = %s",
                [
                    (text(when), int(pk[index]))
                    for index, when in zip(
                        terminated.tolist(), terminated_day.tolist(), strict=True
                    )
                ],
            )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(),
            [RetailCustomer, Order, Payment, Refund, VolumeEntry, Distributor],
        ):
            cursor.execute(statement)
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        )
    in_cycle = count - first_current
    print(
        f"generated {count:,} paid orders ({in_cycle:,} in cycle {args.cycle}, "
        f"{first_current - first_earlier:,} in the 4 weeks before, "
        f"{first_earlier:,} older package orders), {len(customer_rows):,} retail "
        f"customers, {len(refund_rows):,} refunds and {len(terminated):,} "
        f"terminations in {time.perf_counter() - started:.1f} s"
    )


ADDED_TABLES = "bench_added_table"


def migrate() -> list[str]:
    """Migrate, then add the tables of models the migrations do not create yet.

    The benchmark database is kept between runs while the project's initial
    migrations may be regenerated: tables this function added last time are
    dropped first, so a migration that now creates them can do so.
    """
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    quote = connection.ops.quote_name
    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        if ADDED_TABLES in connection.introspection.table_names():
            cursor.execute(f"SELECT name FROM {ADDED_TABLES}")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}{cascade}")
            cursor.execute(f"DELETE FROM {ADDED_TABLES}")
    call_command("migrate", verbosity=0)
    existing = set(connection.introspection.table_names())
    added = []
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            meta = model._meta
            if meta.managed and not meta.proxy and meta.db_table not in existing:
                editor.create_model(model)
                existing.add(meta.db_table)
                added.append(meta.db_table)
    if added:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {ADDED_TABLES} (name VARCHAR(200) PRIMARY KEY)"
            )
            cursor.executemany(
                f"INSERT INTO {ADDED_TABLES} (name) VALUES (%s)", [(n,) for n in added]
            )
    return added


def ensure_baseline(number: int) -> bool:
    """An empty calculated cycle before the benchmarked one: banks in are all 0."""
    from django.utils import timezone

    from backoffice.commissions import actions
    from backoffice.commissions.models import Cycle, CycleStatus

    if Cycle.objects.filter(number=number).exists():
        return False
    version = actions.current_plan().for_cycle(number)
    Cycle.objects.create(
        number=number,
        status=CycleStatus.CALCULATED,
        plan_version=version.version,
        starts_on=version.cycle_start(number),
        ends_on=version.cycle_end(number),
        pay_on=version.pay_date(number),
        counted_through=version.cycle_end(number),
        calculated_at=timezone.now(),
        result_hash="",
        members=0,
    )
    return True


# --- measurements ----------------------------------------------------------------


def machine() -> list[str]:
    from django.db import connection

    model, cores = "unknown", os.cpu_count()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT version(), current_setting('shared_buffers'),"
                " current_setting('work_mem'),"
                " current_setting('max_parallel_workers_per_gather')"
            )
            version, buffers, work_mem, parallel = cursor.fetchone()
            database = (
                f"{version.split(' on ')[0]} (shared_buffers {buffers}, work_mem "
                f"{work_mem}, parallel workers per gather {parallel})"
            )
        else:
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}"
    import numpy

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        f"cpu: {model}, {cores} cores; ram: {memory}; load average now {load}",
        f"database: {database}",
        f"python {platform.python_version()}, numpy {numpy.__version__}",
    ]


class Meter:
    """Wall time and CPU time: this process's, and the database server's when
    it runs on this machine (PostgreSQL): the process serving this connection,
    plus every server process that ended in the meantime (the postmaster's
    children's time: the load's second connection, parallel query workers).

    CPU seconds say what the work costs even when other programs share the
    machine; the wall clock alone says little on a busy one.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.server = None
        self.postmaster = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            if Path(f"/proc/{pid}/stat").exists():
                self.server = Path(f"/proc/{pid}/stat")
                parent = self._fields(self.server)[1]
                self.postmaster = Path(f"/proc/{parent}/stat")

    @staticmethod
    def _fields(path: Path) -> list[str]:
        return path.read_text().rsplit(")", 1)[1].split()

    def read(self) -> tuple[float, float, float]:
        server = 0.0
        if self.server is not None:
            own = self._fields(self.server)
            ended = self._fields(self.postmaster)
            ticks = int(own[11]) + int(own[12]) + int(ended[13]) + int(ended[14])
            server = ticks / os.sysconf("SC_CLK_TCK")
        return time.perf_counter(), time.process_time(), server

    def since(self, mark: tuple[float, float, float]) -> list[float]:
        return [now - then for now, then in zip(self.read(), mark, strict=True)]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def figures(samples: list[list[float]], database: bool) -> str:
    """Median wall time, with the CPU seconds of the median run."""
    walls = [sample[0] for sample in samples]
    middle = _middle(samples)
    cpu = f"cpu {middle[1]:.2f} python"
    if database:
        cpu += f" + {middle[2]:.2f} database"
    text = f"{median(walls):7.2f} s  ({cpu}"
    if len(samples) > 1:
        text += f"; wall min {min(walls):.2f}, max {max(walls):.2f}, n={len(samples)}"
    return text + ")"


def label(text: str) -> str:
    return f"  {text:<52}"


def floor(number: int, repeat: int) -> tuple[list[float], list[float]]:
    """The least any run must do: one aggregate in, one row per member out."""
    from django.db import connection, transaction
    from django.utils import timezone

    from backoffice.commissions.models import Cycle, Result
    from backoffice.lib.cycles import cycle_end, cycle_start

    meter = Meter()
    database = meter.server is not None
    start, end = cycle_start(number), cycle_end(number)
    aggregate_times, write_times, table_times = [], [], []
    postgres = connection.vendor == "postgresql"
    money_columns = [
        f.column
        for f in Result._meta.concrete_fields
        if f.get_internal_type() == "DecimalField"
    ]
    other = {
        "rank": "'Affiliate'",
        "best_rank": "'Affiliate'",
        "is_active": "TRUE" if postgres else "1",
        "is_binary_qualified": "FALSE" if postgres else "0",
        "has_left_enrollee": "FALSE" if postgres else "0",
        "has_right_enrollee": "FALSE" if postgres else "0",
        "is_gen5_qualified": "FALSE" if postgres else "0",
        "package": "0",
        "rate_bp": "1000",
        "rate_package": "0",
        "rate_until": "NULL",
        "mvp_decision": "0",
    }
    money = (
        "CAST(id %% 100000 AS NUMERIC) / 100" if postgres else "(id %% 100000) / 100.0"
    )
    columns = ["id", "cycle_id", "distributor_id", *other, *money_columns]
    select = ["id", "%s", "id", *other.values(), *[money] * len(money_columns)]
    insert = (
        f"INSERT INTO {{table}} ({', '.join(connection.ops.quote_name(c) for c in columns)})"
        f" SELECT {', '.join(select)} FROM network_distributor"
    )
    for _ in range(repeat):
        with connection.cursor() as cursor:
            mark = meter.read()
            cursor.execute(
                "SELECT distributor_id, SUM(CAST(ROUND(pv * 100) AS BIGINT)),"
                " SUM(CAST(ROUND(cv * 100) AS BIGINT)) FROM shop_volumeentry"
                ' WHERE "on" >= %s AND "on" <= %s GROUP BY distributor_id',
                [start, end],
            )
            rows = cursor.fetchall()
            aggregate_times.append(meter.since(mark))
            del rows
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor")
            if postgres:
                cursor.execute(
                    "CREATE TEMPORARY TABLE bench_floor (LIKE commissions_result)"
                )
            else:
                cursor.execute(
                    "CREATE TEMP TABLE bench_floor AS SELECT * FROM commissions_result"
                    " WHERE 0"
                )
            mark = meter.read()
            cursor.execute(insert.format(table="bench_floor"), [0])
            write_times.append(meter.since(mark))
            cursor.execute("DROP TABLE bench_floor")
        # For comparison, not part of the floor: the results table itself, with
        # its indexes and (on PostgreSQL) the foreign-key checks, rolled back.
        with transaction.atomic(), connection.cursor() as cursor:
            dummy = Cycle.objects.create(
                number=10**6,
                status="calculated",
                plan_version="bench",
                starts_on=start,
                ends_on=end,
                pay_on=end,
                counted_through=end,
                calculated_at=timezone.now(),
                result_hash="",
            )
            mark = meter.read()
            cursor.execute(insert.format(table="commissions_result"), [dummy.pk])
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            table_times.append(meter.since(mark))
            transaction.set_rollback(True)
    print(
        label("volume per distributor (SQL aggregate, fetched)")
        + figures(aggregate_times, database)
    )
    print(
        label("write 1 row per member into a temporary table")
        + figures(write_times, database)
    )
    print(
        label(
            "(info) into commissions_result: indexes"
            + (", FK checks" if postgres else "")
        )
        + figures(table_times, database)
    )
    return _middle(aggregate_times), _middle(write_times)


def _middle(samples: list[list[float]]) -> list[float]:
    """The sample with the median wall time."""
    return sorted(samples, key=lambda sample: sample[0])[(len(samples) - 1) // 2]


def engine_alone(number: int, repeat: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from backoffice.commissions import actions, engine, store
    from backoffice.commissions.load import load_cycle
    from backoffice.commissions.models import Cycle

    meter = Meter()
    database = meter.server is not None
    version = actions.current_plan().for_cycle(number)
    mark = meter.read()
    with transaction.atomic():  # as in a run
        loaded = load_cycle(version, number, concurrent=True)
    print(label("load_cycle") + figures([meter.since(mark)], database))
    data = loaded.data
    print(
        f"    input: {len(loaded.pk):,} members, {len(data.retail.order):,} retail "
        f"orders, {len(data.packages.order):,} package orders, "
        f"{len(data.mvp.enrollee):,} MVP candidates, "
        f"{len(data.reversals.order):,} reversals"
    )
    times = []
    for _ in range(repeat):
        mark = meter.read()
        result = engine.compute(data, version)
        times.append(meter.since(mark))
    print(label("engine.compute") + figures(times, False))
    mark = meter.read()
    digest = engine.digest(result, data.network.distributor_id)
    print(label("engine.digest") + figures([meter.since(mark)], False))
    print(
        f"    result: {len(result.lines):,} lines, {int((result.binary > 0).sum()):,} "
        f"binary earners, total ${cents(int(result.total.sum()))}, hash {digest[:16]}"
    )
    with transaction.atomic():
        dummy = Cycle.objects.create(
            number=10**6,
            status="calculated",
            plan_version="bench",
            starts_on=version.cycle_start(number),
            ends_on=version.cycle_end(number),
            pay_on=version.pay_date(number),
            counted_through=version.cycle_end(number),
            calculated_at=timezone.now(),
            result_hash="",
        )
        mark = meter.read()
        store.write_results(
            cycle_id=dummy.pk,
            pk=loaded.pk,
            result=result,
            rank_names=version.rank_names,
        )
        print(
            label("store.write_results (rolled back)")
            + figures([meter.since(mark)], database)
        )
        if connection.vendor == "postgresql":
            mark = meter.read()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            print(
                label("  + its deferred foreign-key checks (at commit)")
                + figures([meter.since(mark)], database)
            )
        transaction.set_rollback(True)


def steady_state_load(number: int) -> None:
    """What the next cycle's load costs: banks in from this cycle's stored results."""
    from django.db import transaction

    from backoffice.commissions import actions
    from backoffice.commissions.load import load_cycle

    meter = Meter()
    version = actions.current_plan().for_cycle(number + 1)
    mark = meter.read()
    with transaction.atomic():  # as in a run
        loaded = load_cycle(version, number + 1, concurrent=True)
    took = meter.since(mark)
    print(
        f"  load_cycle({number + 1}) reads cycle {number}'s stored results as its banks in "
        f"({int((loaded.data.bank_left_in != 0).sum()):,} non-zero left banks, "
        f"{len(loaded.data.reversals.order):,} reversals), not stored:"
    )
    print(label("") + figures([took], meter.server is not None))


def child(args: argparse.Namespace) -> None:
    """One ``calculate_cycle`` in this process; prints its figures as JSON."""
    from collections import defaultdict
    from unittest import mock

    from django.db import connections
    from django.db.models.query import QuerySet

    from backoffice.commissions import actions, engine, store
    from backoffice.commissions.models import Cycle

    meter = Meter()
    phases: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])

    def timed(name: str, work):
        def wrapper(*a, **k):
            mark = meter.read()
            try:
                return work(*a, **k)
            finally:
                for i, value in enumerate(meter.since(mark)):
                    phases[name][i] += value

        return wrapper

    replaced = Cycle.objects.filter(number=args.cycle).exists()
    connection = connections["default"]
    patches = [
        mock.patch.object(actions, "today", return_value=fixed_today(args.cycle)),
        mock.patch.object(
            actions, "first_cycle", timed("checks (first_cycle)", actions.first_cycle)
        ),
        mock.patch.object(
            actions, "load_cycle", timed("load_cycle", actions.load_cycle)
        ),
        mock.patch.object(engine, "compute", timed("engine.compute", engine.compute)),
        mock.patch.object(engine, "digest", timed("engine.digest", engine.digest)),
        mock.patch.object(
            QuerySet,
            "_raw_delete",
            # In its own thread while the engine computes (actions._meanwhile):
            # its wall time overlaps the engine's and the cpu times are the
            # whole process's, so it is left out of the sum below.
            timed(OVERLAPPED, QuerySet._raw_delete),
        ),
        mock.patch.object(
            store, "write_results", timed("store.write_results", store.write_results)
        ),
        mock.patch.object(
            actions, "_snapshot", timed("totals snapshot", actions._snapshot)
        ),
        mock.patch.object(connection, "commit", timed("commit", connection.commit)),
    ]
    for patch in patches:
        patch.start()
    before = _status_kib("VmRSS")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    mark = meter.read()
    cycle = actions.calculate_cycle(number=args.cycle)
    total = meter.since(mark)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(
            45
        )
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent process.
    peak = _status_kib("VmHWM")
    print(
        "RESULT "
        + json.dumps(
            {
                "total": total,
                "database_cpu": meter.server is not None,
                "hash": cycle.result_hash,
                "members": cycle.members,
                "amount": str(cycle.total),
                "replaced": replaced,
                "phases": phases,
                "rss_before_kib": before,
                "peak_kib": peak,
            }
        )
    )


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def first_touch() -> float:
    """Seconds to write 256 MiB of memory this process never used before."""
    import mmap

    size = 256 << 20
    began = time.perf_counter()
    block = mmap.mmap(-1, size)
    for offset in range(0, size, 4096):
        block[offset] = 1
    took = time.perf_counter() - began
    block.close()
    return took


def whole_run(args: argparse.Namespace, profile: bool = False) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--database-url",
        args.database_url,
        "--cycle",
        str(args.cycle),
    ]
    if profile:
        command.append("--profile")
    done = subprocess.run(  # noqa: S603 - this script, our own arguments
        command, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"the run failed:\n{done.stdout}\n{done.stderr}")
    report = None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            report = json.loads(line.removeprefix("RESULT "))
        elif profile:
            print(line)
    if report is None:
        sys.exit(f"the run printed no result:\n{done.stdout}\n{done.stderr}")
    return report


def main() -> None:
    args = parse_args()
    if not args.child:
        ensure_database(args.database_url)
    setup_django(args.database_url)
    if args.child:
        child(args)
        return

    from django.db import connection

    from backoffice.network.models import Distributor
    from backoffice.shop.models import VolumeEntry
    from bench.network import load as load_network

    for table in migrate():
        print(f"created table {table}: its model has no migration yet")
    have = Distributor.objects.count()
    if not have:
        load_network(args.size, args.chain, args.seed)
    elif have != args.size:
        sys.exit(
            f"the bench database holds {have:,} distributors, not {args.size:,}: "
            "delete it or pass another --database-url"
        )
    in_cycle = VolumeEntry.objects.filter(kind="order", cycle=args.cycle).count()
    if not VolumeEntry.objects.exists():
        load_orders(args)
    elif not args.orders * 0.95 < in_cycle <= args.orders:
        sys.exit(
            f"the bench database holds {in_cycle:,} orders in cycle {args.cycle}, not "
            f"about {args.orders:,}: delete it or pass another --database-url"
        )
    created = ensure_baseline(args.cycle - 1)
    print(
        f"cycle {args.cycle - 1}: an empty calculated cycle (no results, so every "
        f"bank, balance and best rank in is 0) is the baseline"
        + (" (created now)" if created else "")
    )
    print(f"'today' is frozen at {fixed_today(args.cycle)}")
    for line in machine():
        print(line)
    print(
        f"first write to 256 MiB of fresh memory: {first_touch():.2f} s "
        "(page faults; a virtual machine whose host hands out memory lazily is slow here)"
    )
    print(
        f"network: {Distributor.objects.count():,} distributors; "
        f"orders in cycle {args.cycle}: {VolumeEntry.objects.filter(kind='order', cycle=args.cycle).count():,}; "
        f"refund entries: {VolumeEntry.objects.filter(kind='refund').count():,}"
    )
    postgres = connection.vendor == "postgresql"

    print("\nfloor (wall time; cpu seconds of this process and of the database)")
    aggregate, write = floor(args.cycle, args.repeat)
    floor_figures = [a + b for a, b in zip(aggregate, write, strict=True)]
    print(label("floor = aggregate + write") + figures([floor_figures], postgres))

    print("\nengine alone (in this process)")
    engine_alone(args.cycle, args.repeat)

    print(
        f"\nwhole run: actions.calculate_cycle(number={args.cycle}), each in a child process"
    )
    reports = []
    for attempt in range(args.repeat):
        report = whole_run(args)
        reports.append(report)
        database = report["database_cpu"]
        print(
            f"  run {attempt + 1}: {figures([report['total']], database).strip()}"
            f"  hash {report['hash'][:16]}"
            f"{'  (replaced the previous result)' if report['replaced'] else ''}"
        )
        print(
            f"         peak RSS {report['peak_kib'] / 1024:,.0f} MiB (before the run "
            f"{report['rss_before_kib'] / 1024:,.0f} MiB)"
        )
        accounted = [0.0, 0.0, 0.0]
        for name, values in report["phases"].items():
            print(f"       {name:<28}{figures([values], database)}")
            if name != OVERLAPPED:
                accounted = [a + v for a, v in zip(accounted, values, strict=True)]
        rest = [t - a for t, a in zip(report["total"], accounted, strict=True)]
        print(f"       {'other':<28}{figures([rest], database)}")
    totals = [r["total"] for r in reports]
    identical = len({r["hash"] for r in reports}) == 1
    print(label("whole run") + figures(totals, postgres))
    print(
        f"  hash identical across {len(reports)} runs: {'yes' if identical else 'no'}"
    )
    print(f"  members {reports[-1]['members']:,}, total ${reports[-1]['amount']}")
    wall = median([t[0] for t in totals])
    cpu = median([t[1] + t[2] for t in totals])
    print(
        f"  whole run / floor: {wall / floor_figures[0]:.1f} by the wall clock, "
        f"{cpu / (floor_figures[1] + floor_figures[2]):.1f} by cpu seconds"
    )
    peak = max(r["peak_kib"] for r in reports) / 1024
    print(f"  peak memory of a run (the child's peak RSS, VmHWM): {peak:,.0f} MiB")
    print(
        f"  this process's ru_maxrss: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )
    target = 30 if postgres else 60
    print(
        f"  target ({connection.vendor}): whole run <= {target} s"
        + (", peak <= 1.5 GB" if postgres else "")
        + f": {'met' if wall <= target else 'missed'} by the wall clock"
        + f"; load average now {', '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )

    print("\nthe next cycle")
    steady_state_load(args.cycle)

    if args.profile:
        print("\nprofile of one more whole run (cumulative)")
        whole_run(args, profile=True)


if __name__ == "__main__":
    main()
