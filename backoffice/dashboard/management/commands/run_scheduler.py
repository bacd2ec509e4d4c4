from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backoffice.lib.schedule import SCHEDULE


class Command(BaseCommand):
    help = "Enqueue periodic tasks when they are due (see backoffice/lib/schedule.py)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Enqueue every job once and exit."
        )
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, once: bool, interval: int, **options) -> None:
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        last_run: dict[str, object] = {}
        while True:
            now = timezone.now()
            for job in SCHEDULE:
                if once or job.is_due(last_run.get(job.task_path), now):
                    result = job.enqueue()
                    last_run[job.task_path] = now
                    self.stdout.write(
                        f"{now:%Y-%m-%d %H:%M:%S} {job.task_path}: {result.id}"
                    )
            if once:
                return
            time.sleep(interval)
