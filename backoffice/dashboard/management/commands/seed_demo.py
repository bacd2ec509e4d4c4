from __future__ import annotations

import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backoffice.accounts import demo as accounts_demo
from backoffice.accounts.models import User
from backoffice.commissions import demo as commissions_demo
from backoffice.library import demo as library_demo
from backoffice.library.training import demo as training_demo
from backoffice.network import demo as network_demo
from backoffice.profiles import demo as profiles_demo
from backoffice.shop import demo as shop_demo
from backoffice.support import demo as support_demo

# Each business area seeds its own demo data, in dependency order.
SEEDERS = [
    accounts_demo.seed,
    network_demo.seed,
    shop_demo.seed,
    profiles_demo.seed,
    support_demo.seed,
    commissions_demo.seed,
    library_demo.seed,
    training_demo.seed,
]


class Command(BaseCommand):
    help = (
        "Load deterministic demo data (staff user 'staff' and distributors from "
        f"ID {accounts_demo.FIRST_DISTRIBUTOR_ID}, password "
        f"'{accounts_demo.DEMO_PASSWORD}')."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--distributors", type=int, default=300)
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the database already has users.",
        )

    def handle(self, *args, distributors: int, months: int, seed: int, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off; pass --force if you mean it."
            )
        if distributors < 1 or distributors > 1_000_000:
            raise CommandError("--distributors must be between 1 and 1000000.")
        if months < 1 or months > 60:
            raise CommandError("--months must be between 1 and 60.")
        if User.objects.exists():
            if options["if_empty"]:
                self.stdout.write(
                    "The database already has data; demo data not loaded."
                )
                return
            raise CommandError(
                "The database already has users; seed_demo only fills an empty "
                "database (delete var/db.sqlite3 to start again)."
            )
        rng = random.Random(seed)
        with transaction.atomic():
            made: dict[str, int] = {}
            for seeder in SEEDERS:
                made.update(seeder(rng=rng, distributors=distributors, months=months))
        summary = ", ".join(f"{count} {name}" for name, count in made.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
