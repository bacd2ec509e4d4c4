from django.tasks import task

from backoffice.commissions import actions


@task()
def calculate_closed_cycles() -> int:
    """Calculate every week that has ended and is not calculated yet (idempotent)."""
    return actions.calculate_closed_cycles()


@task()
def estimate_current_cycle() -> int | None:
    """Recompute "this week so far" from the volume up to now."""
    cycle = actions.estimate_current_cycle()
    return cycle.number if cycle else None
