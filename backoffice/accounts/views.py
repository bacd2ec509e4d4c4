from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from backoffice.accounts import actions
from backoffice.accounts.access import (
    get_session_for_viewer,
    public_session_id,
    require_recent_auth,
    safe_next,
)
from backoffice.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    LanguageForm,
    PasswordConfirmForm,
    PasswordResetRequestForm,
    SetupCodeForm,
    SignInForm,
)
from backoffice.accounts.models import (
    Authenticator,
    RecoveryCode,
    SecurityEvent,
    User,
    UserSession,
)
from backoffice.lib.http import describe_device
from backoffice.lib.qr import qr_svg

PENDING_USER = "_pending_user"
PENDING_AT = "_pending_at"
PENDING_NEXT = "_pending_next"
PENDING_FAILURES = "_pending_failures"
PENDING_SECONDS = 5 * 60
MAX_CODE_FAILURES = 5
NEW_CODES = "_new_recovery_codes"


def _home() -> str:
    return reverse(settings.LOGIN_REDIRECT_URL)


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT, PENDING_FAILURES):
        request.session.pop(key, None)


@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), _home()
    )
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user = form.user
        if user.has_two_factor:
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_AT] = timezone.now().timestamp()
            request.session[PENDING_NEXT] = next_url
            request.session[PENDING_FAILURES] = 0
            return redirect("accounts:login-verify")
        actions.sign_in(request=request, user=user)
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT)
    if user_id is None or started is None:
        return None
    if timezone.now().timestamp() - float(started) > PENDING_SECONDS:
        _clear_pending(request)
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@sensitive_post_parameters("code")
def login_verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            next_url = request.session.get(PENDING_NEXT) or _home()
            _clear_pending(request)
            actions.sign_in(
                request=request, user=user, recovery_code_used=form.used_recovery_code
            )
            return redirect(next_url)
        if form.is_throttled:
            return render(request, "accounts/login_verify.html", {"form": form})
        locked = actions.record_failed_code(request=request, user=user)
        failures = request.session.get(PENDING_FAILURES, 0) + 1
        request.session[PENDING_FAILURES] = failures
        if locked or failures >= MAX_CODE_FAILURES:
            _clear_pending(request)
            messages.error(request, _("Too many wrong codes. Please sign in again."))
            return redirect("accounts:login")
    return render(request, "accounts/login_verify.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    actions.sign_out(request=request)
    messages.success(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.request_password_reset(
            request=request, identifier=form.cleaned_data["identifier"]
        )
        return redirect("accounts:password-reset-done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/password_reset_done.html",
        {"valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's token check (single use, expiring), then our own bookkeeping."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        actions.complete_password_reset(request=self.request, user=form.user)
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        actions.change_password(
            request=request,
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
        )
        messages.success(
            request,
            _("Your password has been changed. Your other sessions were signed out."),
        )
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@sensitive_post_parameters("password")
def confirm_password(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(
        request,
        request.POST.get("next") or request.GET.get("next"),
        reverse("accounts:security"),
    )
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        actions.confirm_password(request=request, user=request.user)
        return redirect(next_url)
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url, "minutes": settings.REAUTH_SECONDS // 60},
    )


def _sessions(request: HttpRequest) -> list[dict]:
    current_key = request.session.session_key
    return [
        {
            "id": public_session_id(session.session_key),
            "device": describe_device(session.user_agent),
            "ip_address": session.ip_address,
            "signed_in_at": session.signed_in_at,
            "last_seen": session.last_seen,
            "is_current": session.session_key == current_key,
        }
        for session in UserSession.objects.for_user(request.user)
        .unexpired()
        .order_by("-last_seen")
    ]


def _sessions_response(request: HttpRequest, level: int, notice: str) -> HttpResponse:
    """After ending sessions: the refreshed list for htmx, else back to the page."""
    if request.htmx:
        return render(
            request,
            "accounts/security.html#sessions",
            {"sessions": _sessions(request), "notice": notice},
        )
    messages.add_message(request, level, notice)
    return redirect("accounts:security")


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "has_two_factor": user.has_two_factor,
        "recovery_codes_left": _recovery_codes_left(user),
        "sessions": _sessions(request),
        "events": SecurityEvent.objects.for_user(user).recent()[:25],
    }
    return render(request, "accounts/security.html", context)


def _recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: str) -> HttpResponse:
    session = get_session_for_viewer(request.user, session_id)
    if session is None or session.session_key == request.session.session_key:
        return _sessions_response(
            request, messages.ERROR, _("That session has already ended.")
        )
    actions.end_session(
        request=request, user=request.user, session_key=session.session_key
    )
    return _sessions_response(
        request, messages.SUCCESS, _("The session has been signed out.")
    )


@login_required
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    count = actions.end_other_sessions(request=request, user=request.user)
    return _sessions_response(
        request,
        messages.SUCCESS,
        _("Signed out of %(count)d other session(s).") % {"count": count},
    )


@login_required
@require_recent_auth
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.has_two_factor:
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("accounts:security")
    device = actions.start_two_factor_setup(user=user)
    form = SetupCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = actions.enable_two_factor(request=request, user=user, device=device)
        request.session[NEW_CODES] = codes
        messages.success(request, _("Two-factor sign-in is now on."))
        return redirect("accounts:recovery-codes")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": _b32(device),
            "is_required": user.is_staff,
        },
    )


def _b32(device: Authenticator) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.has_two_factor:
        return redirect("accounts:security")
    codes = request.session.pop(NEW_CODES, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "remaining": _recovery_codes_left(request.user)},
    )


@login_required
@require_recent_auth
@require_POST
def regenerate_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.has_two_factor:
        return redirect("accounts:security")
    codes = actions.regenerate_recovery_codes(request=request, user=request.user)
    request.session[NEW_CODES] = codes
    messages.success(
        request, _("New recovery codes created; the old ones no longer work.")
    )
    return redirect("accounts:recovery-codes")


@login_required
@require_recent_auth
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_staff:
        messages.error(request, _("Staff accounts must keep two-factor sign-in."))
        return redirect("accounts:security")
    if request.method == "POST":
        actions.disable_two_factor(request=request, user=user)
        messages.success(request, _("Two-factor sign-in is now off."))
        return redirect("accounts:security")
    return render(request, "accounts/two_factor_disable.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    next_url = safe_next(request, request.POST.get("next"), _home())
    response = redirect(next_url)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        actions.set_language(user=request.user, language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
