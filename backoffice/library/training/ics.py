"""An iCalendar (RFC 5545) file for one webinar, written by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from backoffice.library.training.models import Webinar

LINE_LIMIT = 75  # octets per line before folding (RFC 5545 §3.1)


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash, ';', ',' and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = LINE_LIMIT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, LINE_LIMIT - 1  # continuation lines start " "
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def webinar_calendar(
    webinar: Webinar, *, page_url: str, now: datetime, company: str
) -> str:
    host = urlsplit(page_url).hostname or "backoffice"
    description = webinar.description.strip()
    presenter_line = f"Presenter: {webinar.presenter}"
    description = (
        f"{presenter_line}\n\n{description}" if description else presenter_line
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{escape_text(company)}//Back Office//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:webinar-{webinar.pk}@{host}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(webinar.starts_at)}",
        f"DTEND:{utc_stamp(webinar.ends_at)}",
        f"SUMMARY:{escape_text(webinar.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{page_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
