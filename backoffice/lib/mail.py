"""Email helpers: a development backend that writes one file per message."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class FilePerMessageBackend(BaseEmailBackend):
    """Write each message to its own ``.eml`` file under ``EMAIL_FILE_PATH``.

    Unlike Django's file backend (one file per connection), a person trying the
    demo can open exactly the message they are waiting for.
    """

    def __init__(self, *, file_path: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.directory = Path(file_path)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{secrets.token_hex(4)}.eml"
            (self.directory / name).write_bytes(message.message().as_bytes())
            sent += 1
        return sent
