"""Periodic work: which tasks run how often. ``manage.py run_scheduler`` enqueues them.

The tasks themselves are idempotent, so an extra run (a restarted scheduler, a
second one by mistake) does no harm; run one scheduler per deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    task_path: str
    every: timedelta

    def is_due(self, last_run: datetime | None, now: datetime) -> bool:
        return last_run is None or now - last_run >= self.every

    def enqueue(self):
        return import_string(self.task_path).enqueue()


SCHEDULE: tuple[Job, ...] = (
    Job("backoffice.network.tasks.place_overdue_members", timedelta(minutes=10)),
    Job("backoffice.shop.tasks.run_autoships", timedelta(minutes=15)),
    Job("backoffice.shop.tasks.cancel_unpaid_orders", timedelta(minutes=10)),
    # Hourly, so a week is calculated within the hour after it closes; a no-op
    # once it is done.
    Job("backoffice.commissions.tasks.calculate_closed_cycles", timedelta(hours=1)),
    Job("backoffice.commissions.tasks.estimate_current_cycle", timedelta(minutes=5)),
    # Reminders go about an hour before a webinar; each registration only once.
    Job(
        "backoffice.library.training.tasks.send_webinar_reminders",
        timedelta(minutes=5),
    ),
)
