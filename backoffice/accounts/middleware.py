from __future__ import annotations

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from backoffice.accounts.sessions import IP_KEY, SEEN_KEY, USER_AGENT_KEY
from backoffice.lib.http import client_ip, user_agent

# Pages a staff member without two-factor sign-in may still reach.
STAFF_SETUP_EXEMPT = (
    "accounts:two-factor-setup",
    "accounts:confirm-password",
    "accounts:recovery-codes",
    "accounts:logout",
    "accounts:language",
    "healthz",
)


class AccountMiddleware:
    """Per-request account upkeep for signed-in users.

    Keeps the session's device facts current (for the "active sessions" page),
    uses the language the user chose, and sends staff without two-factor sign-in
    to set it up before they can do anything else.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._exempt_paths: tuple[str, ...] | None = None

    def exempt_paths(self) -> tuple[str, ...]:
        if self._exempt_paths is None:
            self._exempt_paths = (
                *(reverse(name) for name in STAFF_SETUP_EXEMPT),
                settings.STATIC_URL,
            )
        return self._exempt_paths

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            session = request.session
            ip = client_ip(request)
            agent = user_agent(request)
            if session.get(IP_KEY) != ip:
                session[IP_KEY] = ip
            if session.get(USER_AGENT_KEY) != agent:
                session[USER_AGENT_KEY] = agent
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                # A changed session is saved with a fresh expiry: the idle timeout.
                session[SEEN_KEY] = now
            if user.language and user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if (
                user.is_staff
                and not request.path.startswith(self.exempt_paths())
                and not user.has_two_factor
            ):
                return redirect("accounts:two-factor-setup")
        return self.get_response(request)
