"""Gates and guards for account pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.accounts.actions import has_recent_authentication
from backoffice.accounts.models import User, UserSession


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def require_recent_auth(view):
    """Send the user to confirm their password unless they did so minutes ago."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not has_recent_authentication(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:confirm-password')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def public_session_id(session_key: str) -> str:
    """An identifier for a session that is safe to put in a page (never the key)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:24]


def get_session_for_viewer(viewer: User, public_id: str) -> UserSession | None:
    for session in UserSession.objects.for_user(viewer).unexpired():
        if public_session_id(session.session_key) == public_id:
            return session
    return None


def staff_permission_required(permission: str) -> Callable:
    """Signed-in staff holding ``permission``; anyone else signed in gets 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not (user.is_staff and user.is_active and user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
