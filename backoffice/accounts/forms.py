from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from backoffice.accounts import actions, throttle
from backoffice.accounts.models import (
    Authenticator,
    RecoveryCodes,
    User,
    normalize_identifier,
)
from backoffice.lib.http import client_ip

MSG_BAD_CREDENTIALS = _("That distributor ID and password do not match. Try again.")
MSG_REFUSED = _(
    "Too many failed attempts. For your security, signing in with this ID is "
    "paused for %(minutes)d minutes. You can reset your password meanwhile."
)


class IdentifierField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Distributor ID"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_identifier(super().clean(value))


class SignInForm(forms.Form):
    identifier = IdentifierField(
        help_text=_("Staff sign in with their staff username."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        identifier = cleaned.get("identifier")
        password = cleaned.get("password")
        if not identifier or not password:
            return cleaned
        known = User.objects.filter(username=identifier).first()
        # Refuse before any hashing: a locked ID or a throttled address costs a query.
        if throttle.is_refused(identifier=identifier, ip=client_ip(self.request)):
            actions.record_refused_sign_in(
                request=self.request, identifier=identifier, user=known
            )
            raise forms.ValidationError(
                MSG_REFUSED,
                code="refused",
                params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
        user = authenticate(self.request, username=identifier, password=password)
        if user is None:
            locked = actions.record_failed_sign_in(
                request=self.request, identifier=identifier, user=known
            )
            if locked:
                raise forms.ValidationError(
                    MSG_REFUSED,
                    code="refused",
                    params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
                )
            raise forms.ValidationError(MSG_BAD_CREDENTIALS, code="invalid_login")
        self.user = user
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=20,
        help_text=_(
            "The 6-digit code from your authenticator app, or one of your "
            "recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
            }
        ),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        self.device = None
        self.is_throttled = False
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).lower()
        # Six digits go to the authenticator app, anything else to the recovery
        # codes, so a recovery code never counts as a wrong app code (and the
        # reverse), which would trip django-otp's per-device throttling.
        if code.isdigit() and len(code) == 6:
            devices = Authenticator.objects.filter(user=self.user, confirmed=True)
        else:
            devices = RecoveryCodes.objects.filter(user=self.user, confirmed=True)
        for device in devices:
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                self.is_throttled = True
                raise forms.ValidationError(
                    _("Please wait a few seconds and try again."), code="throttled"
                )
            if device.verify_token(code):
                self.device = device
                return code
        raise forms.ValidationError(
            _("That code is not valid. Check your app and try again."),
            code="invalid_code",
        )

    @property
    def used_recovery_code(self) -> bool:
        return self.device is not None and not isinstance(self.device, Authenticator)


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def __init__(self, *args, device: Authenticator, **kwargs) -> None:
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit() or not self.device.verify_token(code):
            raise forms.ValidationError(
                _(
                    "That code does not match. Check the time on your phone and "
                    "enter the code that is showing now."
                ),
                code="invalid_code",
            )
        return code


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your current password."), code="wrong_password"
            )
        return password


class PasswordResetRequestForm(forms.Form):
    identifier = IdentifierField()


class ChangePasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your current password."), code="wrong_password"
            )
        return password

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("new_password1")
        second = cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error(
                    "new_password2", _("The two new passwords do not match.")
                )
            else:
                try:
                    password_validation.validate_password(first, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
