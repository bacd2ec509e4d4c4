"""Facts about the request that security code needs: who is calling, from where."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
