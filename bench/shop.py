"""Shop benchmark: concurrent checkouts of scarce stock, and checkout latency.

    python bench/shop.py [--database-url URL] [--buyers 50] [--stock 10] [--repeat 100]

Runs in a database of its own that it creates afresh each time (default: the
PostgreSQL database ``bo_bench_shop`` on 127.0.0.1; a ``sqlite:///`` URL works
too). Every request goes through the real pages (middleware, views, templates)
with Django's test client, one client and one database connection per buyer
thread. Figures are printed, never asserted: machines differ.

1. ``--buyers`` distributors press "Place order" at the same moment for one
   product with ``--stock`` units: exactly ``--stock`` orders must exist
   afterwards, the stock must be 0, and no response may be an error page.
2. One distributor checks out ``--repeat`` times in a row: p50/p95 of placing
   the order, of paying it with the demo card, and of both.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY_RE = re.compile(r'name="checkout_key" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bo_bench_shop"
    )
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--stock", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=100)
    return parser.parse_args()


def fresh_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres"):
        import psycopg

        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    elif parsed.scheme == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.path + suffix).unlink(missing_ok=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * len(ordered)) - 1)]


def report(label: str, samples: list[float]) -> None:
    print(
        f"{label:<46} p50 {statistics.median(samples):8.2f} ms"
        f"   p95 {percentile(samples, 0.95):8.2f} ms   (n={len(samples)})"
    )


def main() -> None:
    args = parse_args()
    fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["PAYMENT_PROVIDERS"] = "demo,wallet"
    import django

    django.setup()
    from datetime import date

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from backoffice.accounts.models import User
    from backoffice.network.models import Distributor
    from backoffice.shop.catalog import load_catalog
    from backoffice.shop.models import Order, Product, ShippingMethod

    call_command("migrate", verbosity=0)
    setup_test_environment()
    load_catalog(stock=100_000)
    fedex = ShippingMethod.objects.get(code="fedex-ground")
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            username=str(100001 + i),
            first_name="Bench",
            last_name=f"Buyer{i}",
            email=f"buyer{i}@example.com",
            password=password,
        )
        for i in range(args.buyers + 1)
    )
    address = {
        "address_line1": "980 Corporate Center Drive",
        "city": "Pomona",
        "state": "CA",
        "postal_code": "91768",
        "phone": "(626) 555-0100",
        "join_date": date(2026, 1, 5),
    }
    top = Distributor.objects.create(
        distributor_id=int(users[0].username), user=users[0], is_root=True, **address
    )
    # The buyers wait in the top's holding tank: the shop needs no placement.
    Distributor.objects.bulk_create(
        Distributor(
            distributor_id=int(user.username), user=user, enroller=top, **address
        )
        for user in users[1:]
    )
    print(
        f"database: {connection.vendor}; python {sys.version.split()[0]}; "
        f"{os.cpu_count()} cores"
    )

    # --- 1. many buyers, little stock --------------------------------------------
    scarce = Product.objects.get(sku="503")
    Product.objects.filter(pk=scarce.pk).update(stock=args.stock)
    clients = []
    for user in users[1:]:
        client = Client()
        client.force_login(user)
        client.post(f"/shop/cart/add/{scarce.pk}/", {"quantity": 1})
        page = client.get("/shop/checkout/")
        clients.append((client, KEY_RE.search(page.text).group(1)))
    connection.close()
    barrier = threading.Barrier(len(clients))
    outcomes: list[str] = []

    def buy(client: Client, key: str) -> None:
        try:
            barrier.wait()
            response = client.post(
                "/shop/checkout/",
                {
                    "delivery": "record",
                    "shipping_method": fedex.pk,
                    "checkout_key": key,
                },
            )
            if response.status_code >= 500:
                outcomes.append(f"error {response.status_code}")
            elif response.status_code == 302 and "/pay/" in response["Location"]:
                outcomes.append("ordered")
            elif "out of stock" in response.text or "left in stock" in response.text:
                outcomes.append("told out of stock")
            else:
                outcomes.append(f"other {response.status_code}")
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            outcomes.append(f"exception {type(error).__name__}: {error}")
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=buy, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    counts = {outcome: outcomes.count(outcome) for outcome in sorted(set(outcomes))}
    orders = Order.objects.filter(lines__product=scarce).count()
    stock = Product.objects.get(pk=scarce.pk).stock
    ok = (
        orders == args.stock
        and stock == 0
        and set(counts)
        <= {
            "ordered",
            "told out of stock",
        }
    )
    print(
        f"{args.buyers} concurrent checkouts for {args.stock} in stock: "
        f"{orders} orders, stock {stock}, responses {counts}, "
        f"{elapsed * 1000:.0f} ms in all -> {'OK' if ok else 'WRONG'}"
    )

    # --- 2. latency --------------------------------------------------------------
    buyer = Client()
    buyer.force_login(users[0])
    coffee = Product.objects.get(sku="501")
    place_ms, pay_ms, both_ms = [], [], []
    for _ in range(args.repeat):
        buyer.post(f"/shop/cart/add/{coffee.pk}/", {"quantity": 2})
        key = KEY_RE.search(buyer.get("/shop/checkout/").text).group(1)
        started = time.perf_counter()
        placed = buyer.post(
            "/shop/checkout/",
            {"delivery": "record", "shipping_method": fedex.pk, "checkout_key": key},
        )
        middle = time.perf_counter()
        paid = buyer.post(
            placed["Location"],
            {"provider": "demo", "card_number": "4242 4242 4242 4242"},
        )
        ended = time.perf_counter()
        if placed.status_code != 302 or paid.status_code != 302:
            sys.exit(f"checkout failed: {placed.status_code}, {paid.status_code}")
        place_ms.append((middle - started) * 1000)
        pay_ms.append((ended - middle) * 1000)
        both_ms.append((ended - started) * 1000)
    report("checkout: place the order (POST)", place_ms)
    report("checkout: pay with the demo card (POST)", pay_ms)
    report("checkout: place + pay", both_ms)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
