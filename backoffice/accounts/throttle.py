"""Lockout by ID and throttling by IP address for sign-in.

Everything here runs before any password is hashed: a refused attempt costs
one indexed query, not an Argon2 computation.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.accounts.models import LoginFailure, LoginLock


def id_key(identifier: str) -> str:
    return f"id:{identifier}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def is_refused(*, identifier: str, ip: str | None) -> bool:
    keys = [id_key(identifier)]
    if ip:
        keys.append(ip_key(ip))
    return LoginLock.objects.active().filter(key__in=keys).exists()


def _lock_if_over(*, key: str, failures, limit: int) -> bool:
    now = timezone.now()
    start = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    last_lock = LoginLock.objects.filter(key=key).order_by("-created_at").first()
    if last_lock is not None and last_lock.created_at > start:
        # Failures that already led to a lock do not count towards the next one.
        start = last_lock.created_at
    if failures.filter(created_at__gt=start).count() < limit:
        return False
    LoginLock.objects.create(
        key=key,
        created_at=now,
        locked_until=now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS),
    )
    return True


@transaction.atomic
def record_failure(*, identifier: str, ip: str | None) -> bool:
    """Count one failed attempt; True when it locked the ID (or the IP) just now."""
    LoginFailure.objects.create(identifier=identifier, ip_address=ip)
    locked = _lock_if_over(
        key=id_key(identifier),
        failures=LoginFailure.objects.filter(identifier=identifier),
        limit=settings.LOGIN_FAILURE_LIMIT,
    )
    if ip:
        locked |= _lock_if_over(
            key=ip_key(ip),
            failures=LoginFailure.objects.filter(ip_address=ip),
            limit=settings.LOGIN_IP_FAILURE_LIMIT,
        )
    return locked


def clear(*, identifier: str, including_lock: bool = False) -> None:
    LoginFailure.objects.filter(identifier=identifier).delete()
    if including_lock:
        LoginLock.objects.filter(key=id_key(identifier)).delete()


def prune(*, now=None) -> int:
    """Delete failures and locks that can no longer matter."""
    now = now or timezone.now()
    horizon = now - timedelta(
        seconds=max(settings.LOGIN_FAILURE_WINDOW, settings.LOGIN_LOCKOUT_SECONDS)
    )
    failures, _ = LoginFailure.objects.filter(created_at__lt=horizon).delete()
    locks, _ = LoginLock.objects.filter(locked_until__lt=horizon).delete()
    return failures + locks
