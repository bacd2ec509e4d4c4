"""Writes about accounts: each owns its transaction and its security-log line."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from backoffice.accounts import throttle
from backoffice.accounts.models import (
    Authenticator,
    RecoveryCodes,
    SecurityEvent,
    User,
    UserSession,
)
from backoffice.accounts.sessions import IP_KEY, SIGNED_IN_AT_KEY, USER_AGENT_KEY
from backoffice.lib.emails import queue_email
from backoffice.lib.http import client_ip, user_agent

RECOVERY_CODE_COUNT = 10
REAUTH_KEY = "_reauth_at"


def log_security_event(
    *,
    kind: SecurityEvent.Kind,
    user: User | None = None,
    request: HttpRequest | None = None,
    identifier: str = "",
    **detail,
) -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        identifier=(identifier or (user.username if user else ""))[:150],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        detail=detail,
    )


def _notify(user: User, template: str, **context) -> None:
    queue_email(
        to=user.email,
        template=template,
        context={"user": user, **context},
        language=user.language,
    )


def sign_in(*, request: HttpRequest, user: User, recovery_code_used: bool = False):
    """Start an authenticated session (a new session key) for a verified user."""
    with transaction.atomic():
        login(request, user, backend="backoffice.accounts.backends.AccountBackend")
        request.session[SIGNED_IN_AT_KEY] = timezone.now().isoformat()
        request.session[IP_KEY] = client_ip(request)
        request.session[USER_AGENT_KEY] = user_agent(request)
        # Signing in is a fresh authentication: open the re-authentication window.
        request.session[REAUTH_KEY] = timezone.now().timestamp()
        throttle.clear(identifier=user.username)
        log_security_event(
            kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, user=user, request=request
        )
        if recovery_code_used:
            log_security_event(
                kind=SecurityEvent.Kind.RECOVERY_CODE_USED, user=user, request=request
            )
            _notify(user, "accounts/recovery_code_used")
    translation.activate(user.language)


def record_failed_sign_in(
    *, request: HttpRequest, identifier: str, user: User | None
) -> bool:
    """Count a wrong password; True when this attempt locked the ID or the IP."""
    with transaction.atomic():
        locked = throttle.record_failure(identifier=identifier, ip=client_ip(request))
        log_security_event(
            kind=SecurityEvent.Kind.LOGIN_FAILED,
            user=user,
            request=request,
            identifier=identifier,
        )
        if locked:
            log_security_event(
                kind=SecurityEvent.Kind.LOCKED_OUT,
                user=user,
                request=request,
                identifier=identifier,
            )
    return locked


def record_refused_sign_in(
    *, request: HttpRequest, identifier: str, user: User | None
) -> None:
    log_security_event(
        kind=SecurityEvent.Kind.LOGIN_REFUSED,
        user=user,
        request=request,
        identifier=identifier,
    )


def record_failed_code(*, request: HttpRequest, user: User) -> bool:
    """Count a wrong second-factor code like a wrong password (it feeds the lockout)."""
    with transaction.atomic():
        locked = throttle.record_failure(
            identifier=user.username, ip=client_ip(request)
        )
        log_security_event(
            kind=SecurityEvent.Kind.TWO_FACTOR_FAILED, user=user, request=request
        )
        if locked:
            log_security_event(
                kind=SecurityEvent.Kind.LOCKED_OUT, user=user, request=request
            )
    return locked


def sign_out(*, request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        log_security_event(kind=SecurityEvent.Kind.LOGOUT, user=user, request=request)
    logout(request)


def confirm_password(*, request: HttpRequest, user: User) -> None:
    """Open the short re-authentication window that sensitive changes require."""
    request.session[REAUTH_KEY] = timezone.now().timestamp()
    log_security_event(
        kind=SecurityEvent.Kind.REAUTHENTICATED, user=user, request=request
    )


def has_recent_authentication(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(REAUTH_KEY)
    if confirmed_at is None:
        return False
    age = timezone.now().timestamp() - float(confirmed_at)
    return 0 <= age <= settings.REAUTH_SECONDS


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    sessions = UserSession.objects.for_user(user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    count, _ = sessions.delete()
    return count


def change_password(*, request: HttpRequest, user: User, new_password: str) -> None:
    """Set a new password and end every other session of the user."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)
        ended = _end_sessions(user, keep=request.session.session_key)
        log_security_event(
            kind=SecurityEvent.Kind.PASSWORD_CHANGED,
            user=user,
            request=request,
            other_sessions_ended=ended,
        )
        _notify(user, "accounts/password_changed")


def request_password_reset(*, request: HttpRequest, identifier: str) -> None:
    """Email a reset link if the ID has an account with an email; silent otherwise."""
    user = (
        User.objects.filter(username=identifier, is_active=True)
        .exclude(email="")
        .first()
    )
    with transaction.atomic():
        log_security_event(
            kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED,
            user=user,
            request=request,
            identifier=identifier,
        )
        # Accounts without a usable password (imported from another system, or
        # enrolled and never set) get a link too: that is how they first sign in.
        if user is None:
            return
        path = reverse(
            "accounts:password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        _notify(
            user,
            "accounts/password_reset",
            reset_url=settings.SITE_URL.rstrip("/") + path,
            valid_minutes=settings.PASSWORD_RESET_TIMEOUT // 60,
        )


def complete_password_reset(*, request: HttpRequest, user: User) -> None:
    """After a reset link set a new password: end all sessions, lift the lockout."""
    with transaction.atomic():
        ended = _end_sessions(user)
        throttle.clear(identifier=user.username, including_lock=True)
        log_security_event(
            kind=SecurityEvent.Kind.PASSWORD_RESET,
            user=user,
            request=request,
            sessions_ended=ended,
        )
        _notify(user, "accounts/password_changed")


def start_two_factor_setup(*, user: User) -> Authenticator:
    """The unconfirmed authenticator device the set-up page shows as a QR code."""
    device = Authenticator.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = Authenticator.create_for(user)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCodes.objects.filter(user=user).delete()
    codes: dict[str, None] = {}  # distinct, in the order made
    while len(codes) < RECOVERY_CODE_COUNT:
        codes[f"{secrets.token_hex(3)}-{secrets.token_hex(3)}"] = None
    RecoveryCodes.create_for(user, codes)
    return list(codes)


def enable_two_factor(
    *, request: HttpRequest, user: User, device: Authenticator
) -> list[str]:
    """Confirm the authenticator device; return fresh one-time recovery codes."""
    with transaction.atomic():
        Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_security_event(
            kind=SecurityEvent.Kind.TWO_FACTOR_ENABLED, user=user, request=request
        )
        _notify(user, "accounts/two_factor_enabled")
    return codes


def regenerate_recovery_codes(*, request: HttpRequest, user: User) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        log_security_event(
            kind=SecurityEvent.Kind.RECOVERY_CODES_CREATED, user=user, request=request
        )
    return codes


class StaffMustKeepTwoFactor(Exception):
    pass


def disable_two_factor(*, request: HttpRequest | None, user: User) -> None:
    """Turn two-factor sign-in off (distributors only; staff must keep it)."""
    if user.is_staff and request is not None and request.user == user:
        raise StaffMustKeepTwoFactor
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        RecoveryCodes.objects.filter(user=user).delete()
        log_security_event(
            kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED,
            user=user,
            request=request,
            by_staff=request is not None and request.user != user,
        )
        _notify(user, "accounts/two_factor_disabled")


def end_session(*, request: HttpRequest, user: User, session_key: str) -> bool:
    """End one of the user's other sessions; False if it is not theirs or not there."""
    if session_key == request.session.session_key:
        return False
    with transaction.atomic():
        count, _ = (
            UserSession.objects.for_user(user).filter(session_key=session_key).delete()
        )
        if count:
            log_security_event(
                kind=SecurityEvent.Kind.SESSION_ENDED,
                user=user,
                request=request,
                sessions=1,
            )
    return bool(count)


def end_other_sessions(*, request: HttpRequest, user: User) -> int:
    with transaction.atomic():
        count = _end_sessions(user, keep=request.session.session_key)
        if count:
            log_security_event(
                kind=SecurityEvent.Kind.SESSION_ENDED,
                user=user,
                request=request,
                sessions=count,
            )
    return count


def set_language(*, user: User, language: str) -> None:
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
