from __future__ import annotations

import os
import time
from base64 import b32encode
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from backoffice.lib import encryption
from backoffice.lib.append_only import AppendOnlyModel, AppendOnlyQuerySet
from backoffice.lib.http import describe_device


def normalize_identifier(value: str) -> str:
    """The canonical form of what a person types as their ID or staff username."""
    return (value or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(username=normalize_identifier(username))

    def create_user(self, username: str, password: str | None = None, **fields) -> User:
        user = self.model(username=normalize_identifier(username), **fields)
        user.email = self.normalize_email(user.email)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(username, password, **fields)


def validate_username(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value.isdigit():
        return
    if (
        not value
        or not value[0].isalpha()
        or not all(c.isalnum() or c in "._-" for c in value)
    ):
        raise ValidationError(
            _(
                "Use digits only (a distributor ID) or a staff username that starts "
                "with a letter and uses letters, digits, dots, dashes or underscores."
            )
        )


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: a distributor (username = distributor ID) or staff."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    username = models.CharField(
        _("distributor ID or staff username"),
        max_length=40,
        unique=True,
        validators=[validate_username],
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language, default=Language.ENGLISH
    )
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(Lower("email"), name="user_email_lower")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(username=""), name="user_username_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(username=Lower("username")),
                name="user_username_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_full_name()}".strip()

    def clean(self) -> None:
        super().clean()
        self.username = normalize_identifier(self.username)

    @property
    def is_distributor(self) -> bool:
        return self.username.isdigit()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def email_taken(cls, email: str) -> bool:
        """Whether any account uses this address, ignoring case (indexed)."""
        return (
            cls.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower=email.strip().lower())
            .exists()
        )

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def has_two_factor(self) -> bool:
        return Authenticator.objects.filter(user=self, confirmed=True).exists()


class SecurityEventQuerySet(AppendOnlyQuerySet):
    def for_user(self, user: User) -> SecurityEventQuerySet:
        return self.filter(user=user)

    def recent(self, days: int = 90) -> SecurityEventQuerySet:
        return self.filter(created_at__gte=timezone.now() - timedelta(days=days))

    def sign_ins(self) -> SecurityEventQuerySet:
        return self.filter(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED)


class SecurityEvent(AppendOnlyModel):
    """One line of the append-only security log."""

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in attempt")
        LOGIN_REFUSED = "login_refused", _("Sign-in refused (too many attempts)")
        LOCKED_OUT = "locked_out", _("Sign-in paused after repeated failures")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Wrong two-factor code")
        LOGOUT = "logout", _("Signed out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = (
            "password_reset_requested",
            _("Password reset requested"),
        )
        PASSWORD_RESET = "password_reset", _("Password reset by email link")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor sign-in turned on")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor sign-in turned off")
        RECOVERY_CODES_CREATED = (
            "recovery_codes_created",
            _("New recovery codes created"),
        )
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used to sign in")
        SESSION_ENDED = "session_ended", _("Session ended")
        REAUTHENTICATED = "reauthenticated", _("Password confirmed")
        BANK_DETAILS_CHANGED = "bank_details_changed", _("Bank details changed")
        BANK_DETAILS_VIEWED = "bank_details_viewed", _("Bank account number shown")
        TAX_DETAILS_CHANGED = "tax_details_changed", _("Tax details changed")
        EMAIL_CHANGE_REQUESTED = (
            "email_change_requested",
            _("Email address change requested"),
        )
        EMAIL_CHANGED = "email_changed", _("Email address changed")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded")
        PROFILE_CHANGED = "profile_changed", _("Contact details changed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    kind = models.CharField(max_length=40, choices=Kind)
    identifier = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name = _("security event")
        verbose_name_plural = _("security log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.identifier}"

    @property
    def device(self) -> str:
        return describe_device(self.user_agent)


class LoginFailure(models.Model):
    """A failed password check, counted for lockout (by ID) and throttling (by IP)."""

    identifier = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["identifier", "created_at"]),
            models.Index(fields=["ip_address", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.ip_address} {self.created_at:%Y-%m-%d %H:%M}"


class LoginLockQuerySet(models.QuerySet["LoginLock"]):
    def active(self) -> LoginLockQuerySet:
        return self.filter(locked_until__gt=timezone.now())


class LoginLock(models.Model):
    """Sign-in refused for a key ("id:<identifier>" or "ip:<address>") until a time."""

    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField()

    objects = LoginLockQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["key", "locked_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_until__gt=models.F("created_at")),
                name="loginlock_until_after_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} until {self.locked_until:%Y-%m-%d %H:%M}"


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def for_user(self, user: User) -> UserSessionQuerySet:
        return self.filter(user=user)

    def unexpired(self) -> UserSessionQuerySet:
        return self.filter(expire_date__gt=timezone.now())


class UserSession(AbstractBaseSession):
    """A session row that also knows whose it is, from where, and when last seen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "expire_date"])]

    @classmethod
    def get_session_store_class(cls):
        from backoffice.accounts.sessions import SessionStore

        return SessionStore


class OneTimeCodeDevice(ThrottlingMixin, Device):
    """A second factor whose codes are checked under a row lock, each once.

    Subclasses say whether a code is right (``accept``, which also records its
    use); wrong codes slow further tries down (django-otp's throttling).
    """

    VERIFY_FIELDS = ["throttling_failure_timestamp", "throttling_failure_count"]

    class Meta(Device.Meta):
        abstract = True

    def verify_token(self, token) -> bool:
        with transaction.atomic():
            # Locked and read afresh: of two sign-ins racing with one code, one wins.
            self.refresh_from_db(
                fields=self.VERIFY_FIELDS,
                from_queryset=type(self).objects.select_for_update(),
            )
            allowed, _details = self.verify_is_allowed()
            if not allowed:
                return False
            verified = self.accept(str(token))
            if verified:
                self.throttle_reset(commit=False)
            else:
                self.throttle_increment(commit=False)
            # Never a secret: key rotation may have re-encrypted it meanwhile.
            self.save(update_fields=self.VERIFY_FIELDS)
        return verified


class Authenticator(TimestampMixin, OneTimeCodeDevice):
    """An authenticator app: six-digit codes every 30 seconds (TOTP, RFC 6238).

    The shared secret is stored encrypted with the field keys (``lib.encryption``,
    like bank details) and bound to its user, so a copy of the database alone
    cannot produce codes. A code is accepted once, from one step before to one
    step after the server's clock, allowing for the phone's known drift.
    """

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1
    VERIFY_FIELDS = [
        *OneTimeCodeDevice.VERIFY_FIELDS,
        "last_t",
        "drift",
        "last_used_at",
    ]

    secret = models.TextField(editable=False)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: only a later one is accepted next.
    last_t = models.BigIntegerField(default=-1)

    class Meta(OneTimeCodeDevice.Meta):
        verbose_name = _("authenticator app")

    @staticmethod
    def context_for(user_pk: int) -> str:
        return f"authenticator:{user_pk}"

    @classmethod
    def create_for(cls, user: User, *, confirmed: bool = False) -> Authenticator:
        device = cls(user=user, name="Authenticator app", confirmed=confirmed)
        device.set_key(os.urandom(20))
        device.save()
        return device

    def set_key(self, key: bytes) -> None:
        self.secret = encryption.encrypt(
            key.hex(), context=self.context_for(self.user_id)
        )

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(
            encryption.decrypt(self.secret, context=self.context_for(self.user_id))
        )

    def accept(self, token: str) -> bool:
        if not (token.isdigit() and len(token) == self.DIGITS):
            return False
        totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, self.drift)
        totp.time = time.time()
        if not totp.verify(int(token), self.TOLERANCE, self.last_t + 1):
            return False
        self.last_t = totp.t()
        self.drift = totp.drift
        self.set_last_used_timestamp(commit=False)
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` address an authenticator app reads from the QR code."""
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode(),
                "algorithm": "SHA1",
                "digits": self.DIGITS,
                "period": self.STEP,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


class RecoveryCodes(OneTimeCodeDevice):
    """A user's one-time recovery codes, each kept only as a keyed digest.

    The digest is an HMAC-SHA256 of the user and the code under ``SECRET_KEY``
    (or one of ``SECRET_KEY_FALLBACKS`` after a key change), so the database
    alone reveals no code and cannot be searched for one. A code works once.
    """

    class Meta(OneTimeCodeDevice.Meta):
        verbose_name = _("recovery codes")

    @staticmethod
    def digest(user_pk: int, code: str, secret: str | None = None) -> str:
        return salted_hmac(
            "backoffice.accounts.RecoveryCodes",
            f"{user_pk}:{code}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @classmethod
    def create_for(cls, user: User, codes: Iterable[str]) -> RecoveryCodes:
        device = cls.objects.create(user=user, name="Recovery codes")
        RecoveryCode.objects.bulk_create(
            [
                RecoveryCode(device=device, digest=cls.digest(user.pk, code))
                for code in codes
            ]
        )
        return device

    def accept(self, token: str) -> bool:
        keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        digests = [self.digest(self.user_id, token, key) for key in keys]
        used = self.codes.filter(digest__in=digests).first()
        if used is None:
            return False
        used.delete()
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    device = models.ForeignKey(
        RecoveryCodes, on_delete=models.CASCADE, related_name="codes"
    )
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "digest"], name="accounts_recovery_code_once"
            )
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
