from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.commissions.imports import ImportRefused, import_network


class Command(BaseCommand):
    help = (
        "Import a network and its order history from CSV files (a company moving "
        "from another system; formats in compensation-plan.md §11). All or "
        "nothing: every problem found is reported with its file, line (the header "
        "is line 1) and column, and then nothing is written. Only loads into a "
        "database that holds no distributors yet. Imported distributors have no "
        "password: they sign in after a password reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--distributors",
            required=True,
            metavar="FILE",
            help="distributor_id,enroller_id,placement_id,placement_side,"
            "first_name,last_name,email,join_date,terminated_on",
        )
        parser.add_argument(
            "--orders",
            metavar="FILE",
            help="order_id,distributor_id,order_date,kind,amount,pv,cv,package,"
            "retail_profit,refund_date",
        )

    def handle(self, *args, distributors: str, orders: str | None, **options) -> None:
        try:
            summary = import_network(distributors=distributors, orders=orders)
        except ImportRefused as refused:
            for message in refused.messages:
                self.stderr.write(message)
            more = refused.count - len(refused.messages)
            if more:
                self.stderr.write(f"… and {more} more problems")
            plural = "" if refused.count == 1 else "s"
            raise CommandError(
                f"Nothing imported: {refused.count} problem{plural} found."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary.distributors} distributors and "
                f"{summary.orders} orders ({summary.refunds} refunded)."
            )
        )
