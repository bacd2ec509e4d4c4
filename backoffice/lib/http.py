"""Facts about the request that security code needs: who is calling, from where.

And one response helper: a file sent in byte ranges, as video players ask for it.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address, trusting X-Forwarded-For only as far as our own proxies."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def describe_device(agent: str) -> str:
    """A short human description of a User-Agent string ("Chrome on Android")."""
    text = agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg/", "Edge"),
                ("opr/", "Opera"),
                ("firefox/", "Firefox"),
                ("chrome/", "Chrome"),
                ("chromium/", "Chromium"),
                ("safari/", "Safari"),
                ("curl/", "curl"),
            )
            if key in text
        ),
        "",
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iPhone"),
                ("ipad", "iPad"),
                ("windows", "Windows"),
                ("mac os x", "macOS"),
                ("cros", "ChromeOS"),
                ("linux", "Linux"),
            )
            if key in text
        ),
        "",
    )
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or (agent[:60] if agent else "—")


# --- byte ranges (video seeking, large PDFs) -----------------------------------------

RANGE_CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
UNSATISFIABLE = "unsatisfiable"


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The inclusive (first, last) byte of one ``Range: bytes=…`` header.

    None means "send the whole file" (no header, several ranges, or a header we
    don't understand, as RFC 9110 allows); ``UNSATISFIABLE`` means a 416.
    """
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # bytes=-n: the last n bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    end = int(last) if last else size - 1
    return start, min(end, size - 1)


class _Slice:
    """Streams ``length`` bytes of an open file from ``start``, then closes it."""

    def __init__(self, handle, start: int, length: int) -> None:
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self):
        self.handle.seek(self.start)
        left = self.length
        while left > 0:
            chunk = self.handle.read(min(RANGE_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.handle.close()


def ranged_file_response(
    request: HttpRequest,
    handle,
    *,
    size: int,
    content_type: str,
    filename: str = "",
    as_attachment: bool = False,
) -> HttpResponseBase:
    """A FileResponse that honours one ``Range`` header (206, or 416 when past the end).

    Several ranges or a malformed header get the whole file (200); every full
    response says ``Accept-Ranges: bytes``. The slice is streamed, never read
    into memory. The caller adds its own safety headers to whatever comes back.
    """
    wanted = (
        parse_range(request.headers.get("Range", ""), size)
        if request.method in ("GET", "HEAD")
        else None
    )
    if wanted is None:
        response: HttpResponseBase = FileResponse(
            handle,
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted == UNSATISFIABLE:
        handle.close()
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted
    length = end - start + 1
    response = StreamingHttpResponse(
        _Slice(handle, start, length), status=206, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    disposition = content_disposition_header(as_attachment, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    return response
