"""Demo commissions: every closed week calculated, all but the last approved."""

from __future__ import annotations

import random

from backoffice.accounts.models import User
from backoffice.commissions import actions


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    cycles = actions.calculate_through(number=actions.last_closed_cycle())
    approver = User.objects.filter(is_superuser=True).order_by("pk").first()
    # The newest week stays calculated, waiting for review, as on a Monday.
    for cycle in cycles[:-1]:
        actions.approve_cycle(number=cycle.number, user=approver)
    actions.estimate_current_cycle()
    return {"commission cycles": len(cycles)}
