from django.tasks import task

from backoffice.shop import actions
from backoffice.shop.actions import autoship


@task()
def run_autoships() -> dict[str, int]:
    """Place and pay the autoship orders due today (idempotent)."""
    return autoship.run_due_autoships()


@task()
def cancel_unpaid_orders() -> int:
    """Cancel orders left unpaid too long, releasing their stock (idempotent)."""
    return actions.cancel_unpaid_orders()
