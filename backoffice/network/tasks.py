from django.tasks import task

from backoffice.network import actions


@task()
def place_overdue_members() -> int:
    """Place holding-tank members whose deadline passed (idempotent)."""
    return actions.place_overdue_members()
