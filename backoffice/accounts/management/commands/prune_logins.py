from django.core.management.base import BaseCommand

from backoffice.accounts import throttle
from backoffice.accounts.sessions import SessionStore


class Command(BaseCommand):
    help = (
        "Delete sign-in failures and lockouts that can no longer matter, and "
        "expired sessions. Safe to run as often as you like (cron: hourly)."
    )

    def handle(self, *args, **options) -> None:
        removed = throttle.prune()
        SessionStore.clear_expired()
        self.stdout.write(f"Removed {removed} stale sign-in failure/lock rows.")
