from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backoffice.commissions import actions
from backoffice.commissions.plan import PlanError


class Command(BaseCommand):
    help = (
        "Calculate weekly commission cycles: --cycle N (one cycle, replacing an "
        "unapproved result; later calculated cycles are brought up to date) or "
        "--through N (every cycle not yet calculated, in order). Approved cycles "
        "are refused."
    )

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--cycle", type=int)
        which.add_argument("--through", type=int)

    def handle(self, *args, cycle: int | None, through: int | None, **options):
        try:
            if cycle is not None:
                done = [actions.calculate_cycle(number=cycle)]
            else:
                done = actions.calculate_through(number=through)
        except (actions.CommissionError, PlanError) as error:
            raise CommandError(str(error)) from error
        for result in done:
            self.stdout.write(
                f"cycle {result.number}: {result.members} distributors, "
                f"total {result.total}, payable {result.paid}, "
                f"hash {result.result_hash[:16]}"
            )
        if not done:
            self.stdout.write("nothing to calculate")
