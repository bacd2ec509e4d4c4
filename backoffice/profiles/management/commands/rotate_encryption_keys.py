from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backoffice.lib.encryption import EncryptionError
from backoffice.profiles.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every bank account number, tax ID and authenticator-app secret "
        "still under an older key "
        "with the first key of FIELD_ENCRYPTION_KEYS. Runs online, in small "
        "batches; safe to interrupt and run again. Remove an old key from the "
        "setting only after this reports nothing left under it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            counts = rotate_all(batch_size=batch_size)
        except EncryptionError as error:
            raise CommandError(str(error)) from error
        for label, (rotated, total) in counts.items():
            self.stdout.write(f"{label}: {rotated} re-encrypted of {total}")
