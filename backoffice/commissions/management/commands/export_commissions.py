from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backoffice.commissions.exports import write_lines_csv, write_results_csv
from backoffice.commissions.models import Cycle


class Command(BaseCommand):
    help = (
        "Write a calculated cycle's results (one row per distributor, by ID) and "
        "optionally its lines, in the formats of docs/compensation-plan.md."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--output", required=True)
        parser.add_argument("--lines")

    def handle(self, *args, cycle: int, output: str, lines: str | None, **options):
        found = Cycle.objects.closed().filter(number=cycle).first()
        if found is None:
            raise CommandError(f"cycle {cycle} has not been calculated")
        with open(output, "w", newline="", encoding="utf-8") as handle:
            rows = write_results_csv(found, handle)
        self.stdout.write(f"{output}: {rows} distributors")
        if lines:
            with open(lines, "w", newline="", encoding="utf-8") as handle:
                count = write_lines_csv(found, handle)
            self.stdout.write(f"{lines}: {count} lines")
