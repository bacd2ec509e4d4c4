"""Outgoing email: rendered in the recipient's language, sent by the task worker."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task()
def send_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    reply_to: list[str] | None = None,
) -> int:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


def queue_email(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None = None,
    reply_to: str = "",
) -> None:
    """Render ``emails/<template>_subject.txt`` and ``_body.txt`` and send on commit.

    Rendering happens now, in the recipient's language; the worker only sends.
    ``reply_to`` (optional) is where replies go instead of the no-reply sender.
    """
    if not to:
        return
    full_context = {
        "company_name": settings.COMPANY_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "support_email": settings.COMPANY_SUPPORT_EMAIL,
        "support_phone": settings.COMPANY_SUPPORT_PHONE,
        **context,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", full_context)
        text = render_to_string(f"emails/{template}_body.txt", full_context)
    subject = " ".join(subject.split())
    extra = {"reply_to": [reply_to]} if reply_to else {}
    transaction.on_commit(
        lambda: send_email.enqueue(to=[to], subject=subject, text=text, **extra)
    )
