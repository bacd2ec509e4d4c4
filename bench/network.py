"""Network benchmark: a generated network, the team reads and enrollment, timed.

    python bench/network.py [--size 1000000] [--chain 20000] [--database-url URL]

Builds (once, then reuses) a network of ``--size`` distributors whose outer left
leg is ``--chain`` deep, in its own database (default: ``var/bench-network.sqlite3``;
pass a ``postgres://`` URL for PostgreSQL), then prints p50/p95 in milliseconds for
each operation. Figures are printed, never asserted: machines differ.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--chain", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{ROOT / 'var' / 'bench-network.sqlite3'}",
    )
    return parser.parse_args()


def shape(size: int, chain: int, rng: random.Random):
    """Parents, sides and enrollers: a random binary tree plus a deep outer left leg."""
    parents = [-1] * size
    sides = [""] * size
    enrollers = [-1] * size
    open_slots: list[tuple[int, str]] = [(0, "R")]
    for index in range(1, min(chain, size - 1) + 1):
        parents[index], sides[index], enrollers[index] = index - 1, "L", index - 1
        open_slots.append((index, "R"))
    open_slots.append((min(chain, size - 1), "L"))
    for index in range(chain + 1, size):
        pick = rng.randrange(len(open_slots))
        parent, side = open_slots[pick]
        open_slots[pick] = open_slots[-1]
        open_slots.pop()
        parents[index], sides[index] = parent, side
        # Enrolled by the parent or the grandparent: always an upline in placement.
        grand = parents[parent]
        enrollers[index] = grand if grand >= 0 and rng.random() < 0.3 else parent
        open_slots.append((index, "L"))
        open_slots.append((index, "R"))
    return parents, sides, enrollers


def load(size: int, chain: int, seed: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from backoffice.network.labels import build_index

    rng = random.Random(seed)
    started = time.perf_counter()
    parents, sides, enrollers = shape(size, chain, rng)
    index = build_index(parents, sides, root=0)
    password = make_password(None)
    joined = date(2020, 1, 1)
    users = []
    members = []
    for i in range(size):
        distributor_id = 100001 + i
        users.append(
            (
                i + 1,
                password,
                False,
                str(distributor_id),
                f"First{i % 997}",
                f"Last{i % 1009}",
                f"m{distributor_id}@example.com",
                "en",
                False,
                True,
                "2020-01-01T00:00:00+00:00",
            )
        )
        members.append(
            (
                i + 1,
                distributor_id,
                i + 1,
                i == 0,
                enrollers[i] + 1 if enrollers[i] >= 0 else None,
                parents[i] + 1 if parents[i] >= 0 else None,
                sides[i],
                (joined + timedelta(days=i * 2000 // size)).isoformat(),
                "lesser",
                index.lo[i],
                index.hi[i],
                index.depth[i],
                index.left_top[i] + 1,
                index.right_top[i] + 1,
                "",
                "",
                "",
                "",
                "",
                "",
                False,
                False,
                False,
                False,
            )
        )
    user_sql = (
        "INSERT INTO accounts_user (id, password, is_superuser, username, first_name,"
        " last_name, email, language, is_staff, is_active, date_joined)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    member_sql = (
        "INSERT INTO network_distributor (id, distributor_id, user_id, is_root,"
        " enroller_id, parent_id, side, join_date, preferred_leg, lo, hi, depth,"
        " left_top, right_top, phone, address_line1, address_line2, city, state,"
        " postal_code, share_email_upline, share_phone_upline, share_email_downline,"
        " share_phone_downline) VALUES (" + ", ".join(["%s"] * 24) + ")"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, 20_000):
            cursor.executemany(user_sql, users[start : start + 20_000])
        for start in range(0, size, 20_000):
            cursor.executemany(member_sql, members[start : start + 20_000])
    from django.core.management.color import no_style

    from backoffice.accounts.models import User
    from backoffice.network.models import Distributor

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [User, Distributor]
        ):
            cursor.execute(statement)
        # Fresh statistics; on PostgreSQL also the visibility map, without which
        # a count cannot be answered from the index alone.
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        )
    print(f"generated {size:,} distributors in {time.perf_counter() - started:.1f} s")


def load_volume(size: int, seed: int, today: date) -> None:
    """Orders and their volume: most members bought in the last 30 days, half also
    six weeks ago (so the date range has something to leave out)."""
    from django.db import connection, transaction

    from backoffice.lib.cycles import cycle_of

    rng = random.Random(seed + 1)
    started = time.perf_counter()
    orders, volume = [], []
    number = 0
    for member in range(1, size + 1):
        days = []
        if rng.random() < 0.8:
            days.append(today - timedelta(days=rng.randrange(30)))
        if rng.random() < 0.5:
            days.append(today - timedelta(days=40 + rng.randrange(20)))
        for day in days:
            number += 1
            pv = rng.choice((17, 34, 36, 70, 100))
            moment = f"{day.isoformat()}T18:00:00+00:00"
            orders.append(
                (number, f"GX-B{number:010d}", "distributor", "shop", "delivered",
                 member, f"m{member}@example.com", f"bench-{number}",
                 pv, 0, 0, pv, pv, pv, 0, 0, 0, "demo", "", "", "", "", "", "",
                 "", "", "", "", "", moment, day.isoformat(), moment,
                 day.isoformat())
            )  # fmt: skip
            volume.append(
                (number, member, number, "order", day.isoformat(), cycle_of(day),
                 pv, pv, moment)
            )  # fmt: skip
    order_sql = (
        "INSERT INTO shop_order (id, number, kind, source, status, distributor_id,"
        " email, idempotency_key, subtotal, shipping, tax, total, pv, cv,"
        " retail_profit, refunded_amount, package_level, payment_provider,"
        " shipping_method_name, ship_name, ship_line1, ship_line2, ship_city,"
        " ship_state, ship_postal_code, ship_phone, carrier, tracking_number,"
        " tracking_url, placed_at, placed_on, paid_at, paid_on)"
        " VALUES (" + ", ".join(["%s"] * 33) + ")"
    )
    volume_sql = (
        'INSERT INTO shop_volumeentry (id, distributor_id, order_id, kind, "on",'
        " cycle, pv, cv, created_at) VALUES (" + ", ".join(["%s"] * 9) + ")"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(orders), 20_000):
            cursor.executemany(order_sql, orders[start : start + 20_000])
        for start in range(0, len(volume), 20_000):
            cursor.executemany(volume_sql, volume[start : start + 20_000])
    from django.core.management.color import no_style

    from backoffice.shop.models import Order, VolumeEntry

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [Order, VolumeEntry]
        ):
            cursor.execute(statement)
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        )
    print(
        f"generated {len(orders):,} paid orders and their volume "
        f"in {time.perf_counter() - started:.1f} s"
    )


def timed(label: str, repeat: int, work) -> None:
    samples = []
    for attempt in range(repeat):
        started = time.perf_counter()
        work(attempt)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    print(
        f"{label:<58} p50 {statistics.median(samples):8.2f} ms"
        f"   p95 {p95:8.2f} ms   (n={repeat})"
    )


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from backoffice.accounts.models import User
    from backoffice.network import queries, tree
    from backoffice.network.actions import NewMember, Placement, enroll_distributor
    from backoffice.network.models import Distributor

    call_command("migrate", verbosity=0)
    # Earlier runs enrolled a few members on top of the generated network.
    have = Distributor.objects.count()
    if not have:
        load(args.size, args.chain, args.seed)
    elif not args.size <= have < args.size + 10_000:
        sys.exit(
            f"the bench database holds {have:,} distributors, not {args.size:,}: "
            "delete it or pass another --database-url"
        )
    from django.utils import timezone

    from backoffice.shop.models import VolumeEntry
    from backoffice.shop.reads import downline_volume

    today = timezone.localdate()
    if not VolumeEntry.objects.exists():
        load_volume(args.size, args.seed, today)
    print(
        f"database: {connection.vendor}; python {sys.version.split()[0]}; "
        f"{os.cpu_count()} cores"
    )
    rng = random.Random(args.seed)
    top = Distributor.objects.get(is_root=True)
    deepest = tree.outer_bottom(top, "L")
    print(f"bottom of the outer left leg: depth {deepest.depth:,}")

    # A member with about 100,000 below them: subtree sizes only shrink going
    # down the outer left leg, so bisect on depth along it.
    low, high = 0, deepest.depth
    target = top
    while low < high:
        middle = (low + high) // 2
        candidate = Distributor.objects.get(left_top=top.left_top, depth=middle)
        if Distributor.objects.downline_of(candidate).count() >= 100_000:
            target, low = candidate, middle + 1
        else:
            high = middle
    below = Distributor.objects.downline_of(target).count()
    print(f"subtree member: {target.distributor_id} with {below:,} below")

    timed(
        "ancestors of the outer-leg bottom: filter + count",
        args.repeat,
        lambda _: Distributor.objects.filter(tree.ancestors_filter(deepest)).count(),
    )
    timed(
        "ancestors of the outer-leg bottom: every ID, top first",
        args.repeat,
        lambda _: tree.ancestor_ids(deepest),
    )
    timed(
        "is-in-downline check (the 404 gate)",
        args.repeat,
        lambda _: Distributor.objects.downline_of(top).filter(pk=deepest.pk).exists(),
    )
    timed(
        "downline count, ~100,000 below",
        args.repeat,
        lambda _: Distributor.objects.downline_of(target).count(),
    )
    window = (today - timedelta(days=29), today)
    timed(
        "30-day volume sum, ~100,000 below",
        args.repeat,
        lambda _: downline_volume(target, *window),
    )
    timed(
        "bottom of the outer left leg (20,000 deep)",
        args.repeat,
        lambda _: tree.outer_bottom(top, "L"),
    )

    def enroll(attempt: int) -> None:
        enroller = Distributor.objects.get(
            distributor_id=100001 + rng.randrange(args.size)
        )
        born = date(1980, 1, 1)
        enroll_distributor(
            enroller=enroller,
            details=NewMember(
                first_name="Bench",
                last_name=f"Member{attempt}",
                email=f"bench-{time.time_ns()}@example.com",
                phone="6265550100",
                address_line1="1 Main St",
                address_line2="",
                city="Pomona",
                state="CA",
                postal_code="91768",
                date_of_birth=born,
            ),
            placement=Placement.outer(rng.choice("LR")),
            actor=enroller.user,
        )

    timed("enroll on an outer leg (random enroller)", args.repeat, enroll)

    from django.core.cache import cache
    from django.urls import reverse

    team_url = reverse("team:list")
    # A plain client, as a browser's request is served: no test-environment
    # instrumentation of template rendering (it copies every context).
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=str(top.distributor_id)))
    client.get(team_url)

    def cold(_attempt: int) -> None:
        # The action feed and the team's size class are read again.
        tree.changed()
        cache.delete(queries.large_team_key(top))
        client.get(team_url)

    timed("/team/ first page for the top distributor", args.repeat, cold)
    timed(
        "/team/ again within the minute (action feed reused)",
        args.repeat,
        lambda _: client.get(team_url),
    )
    timed(
        "/team/ list only (htmx: a filter, sort or next page)",
        args.repeat,
        lambda _: client.get(team_url, {"sort": "id"}, HTTP_HX_REQUEST="true"),
    )


if __name__ == "__main__":
    main()
