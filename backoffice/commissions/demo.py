"""Demo commissions: every closed week calculated; the older ones approved and paid."""

from __future__ import annotations

import random

from backoffice.accounts.models import User
from backoffice.commissions import actions, payouts


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    cycles = actions.calculate_through(number=actions.last_closed_cycle())
    staff = User.objects.filter(is_superuser=True).order_by("pk").first()
    # As on a Monday: last week waits for review, the week before for payment.
    for cycle in cycles[:-1]:
        actions.approve_cycle(number=cycle.number, user=staff)
    for cycle in cycles[:-2]:
        batch = payouts.create_payout_batch(
            number=cycle.number, user=staff, effective_on=cycle.pay_on
        )
        if batch.bank_total:
            payouts.export_nacha(batch=batch, user=staff)
        # Demo history: no email per payee for weeks paid long ago.
        payouts.mark_batch_paid(batch=batch, user=staff, notify=False)
    actions.estimate_current_cycle()
    paid = len(cycles[:-2])
    return {"commission cycles": len(cycles), "paid payout batches": paid}
