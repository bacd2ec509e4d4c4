"""Changing payout details: encrypted, logged, announced, and held for checking."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from backoffice.accounts import throttle
from backoffice.accounts.actions import log_security_event
from backoffice.accounts.models import SecurityEvent, User
from backoffice.commissions.models import HoldReason
from backoffice.commissions.payouts import place_hold
from backoffice.lib.emails import queue_email
from backoffice.lib.encryption import EncryptionError
from backoffice.network.models import Distributor
from backoffice.profiles import photos
from backoffice.profiles.models import BankAccount, EmailChange, Profile, TaxProfile

PHOTO_DIRECTORY = "profile-photos"


@sensitive_variables()
def save_bank_account(
    *,
    distributor: Distributor,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_type: str,
    payout_method: str,
    request: HttpRequest | None = None,
) -> BankAccount:
    """Store new bank details; payouts pause for the hold period; the owner is told.

    The email cannot be turned off: if someone else changed the details, the
    owner learns it before any money moves.
    """
    user = distributor.user
    with transaction.atomic():
        Distributor.objects.select_for_update().get(pk=distributor.pk)
        account = BankAccount.objects.filter(distributor=distributor).first()
        is_new = account is None
        account = account or BankAccount(distributor=distributor)
        try:
            old_number = None if is_new else account.account_number()
        except EncryptionError:
            old_number = None  # unreadable (a retired key, a copied value): replace it
        changes_destination = (
            is_new
            or account.routing_number != routing_number
            or old_number != account_number
        )
        account.holder_name = holder_name
        account.routing_number = routing_number
        account.account_type = account_type
        account.payout_method = payout_method
        account.set_account_number(account_number)
        account.save()
        log_security_event(
            kind=SecurityEvent.Kind.BANK_DETAILS_CHANGED,
            user=user,
            request=request,
            new_account=is_new,
            destination_changed=changes_destination,
        )
        days = settings.BANK_CHANGE_HOLD_DAYS
        if changes_destination and days:
            place_hold(
                distributor=distributor,
                reason=HoldReason.BANK_CHANGE,
                days=days,
                note="",
            )
        queue_email(
            to=user.email,
            template="profiles/bank_changed",
            language=user.language,
            context={
                "name": user.first_name,
                "masked": account.masked_account,
                "when": timezone.localtime(),
                "hold_days": days if changes_destination else 0,
            },
        )
    return account


@sensitive_variables()
def save_tax_profile(
    *,
    distributor: Distributor,
    request: HttpRequest | None = None,
    tin: str,
    **fields,
) -> TaxProfile:
    """Store W-9 details with the typed signature and its time."""
    user = distributor.user
    with transaction.atomic():
        profile = TaxProfile.objects.filter(distributor=distributor).first()
        profile = profile or TaxProfile(distributor=distributor)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.signed_at = timezone.now()
        profile.set_tin(tin)
        profile.save()
        log_security_event(
            kind=SecurityEvent.Kind.TAX_DETAILS_CHANGED, user=user, request=request
        )
        queue_email(
            to=user.email,
            template="profiles/tax_changed",
            language=user.language,
            context={"name": user.first_name, "masked": profile.masked_tin},
        )
    return profile


# --- the profile page -----------------------------------------------------------

EMAIL_CHANGE_VALID = timedelta(hours=24)
EMAIL_CHANGE_WINDOW = timedelta(hours=24)


def profile_of(distributor: Distributor) -> Profile:
    """The member's profile row, or an unsaved one with the defaults."""
    return Profile.objects.for_distributor(distributor).first() or Profile(
        distributor=distributor
    )


def update_profile(
    *,
    distributor: Distributor,
    user_fields: dict,
    distributor_fields: dict,
    profile_fields: dict,
    request: HttpRequest | None = None,
) -> list[str]:
    """Save contact details, addresses and preferences; the changed field names."""
    user = distributor.user
    changed: list[str] = []
    with transaction.atomic():
        member = Distributor.objects.select_for_update().get(pk=distributor.pk)
        profile = profile_of(member)
        for target, values in (
            (user, user_fields),
            (member, distributor_fields),
            (profile, profile_fields),
        ):
            for name, value in values.items():
                if getattr(target, name) != value:
                    setattr(target, name, value)
                    changed.append(name)
        if any(name in user_fields for name in changed):
            user.save(update_fields=[n for n in changed if n in user_fields])
        if any(name in distributor_fields for name in changed):
            member.save(update_fields=[n for n in changed if n in distributor_fields])
        if profile._state.adding or any(name in profile_fields for name in changed):
            profile.save()
        if changed:
            log_security_event(
                kind=SecurityEvent.Kind.PROFILE_CHANGED,
                user=user,
                request=request,
                fields=sorted(changed),
            )
    distributor.refresh_from_db()
    return changed


def set_photo(*, distributor: Distributor, image: bytes) -> Profile:
    """Store an already checked and re-encoded photo under a random name."""
    name = default_storage.save(
        f"{PHOTO_DIRECTORY}/{secrets.token_urlsafe(24)}.{photos.EXTENSION}",
        ContentFile(image),
    )
    try:
        with transaction.atomic():
            Distributor.objects.select_for_update().get(pk=distributor.pk)
            profile = profile_of(distributor)
            old = profile.photo
            profile.photo = name
            profile.photo_updated_at = timezone.now()
            profile.save()
            if old:
                transaction.on_commit(lambda: default_storage.delete(old))
    except Exception:
        default_storage.delete(name)
        raise
    return profile


def remove_photo(*, distributor: Distributor) -> bool:
    with transaction.atomic():
        Distributor.objects.select_for_update().get(pk=distributor.pk)
        profile = Profile.objects.for_distributor(distributor).first()
        if profile is None or not profile.photo:
            return False
        old = profile.photo
        profile.photo = ""
        profile.photo_updated_at = timezone.now()
        profile.save()
        transaction.on_commit(lambda: default_storage.delete(old))
    return True


def email_change_limit() -> int:
    return getattr(settings, "EMAIL_CHANGE_REQUESTS_PER_DAY", 5)


def may_request_email_change(user: User) -> bool:
    """Whether the user is under the daily number of email change requests."""
    since = timezone.now() - EMAIL_CHANGE_WINDOW
    count = EmailChange.objects.for_user(user).requested_since(since).count()
    return count < email_change_limit()


def email_change_refusal(user: User, *, ip: str | None):
    """Why an email change cannot be asked for now, or None; no password hashing.

    Wrong passwords typed here count towards the sign-in lockout, so a stolen
    session cannot be used to guess the password.
    """
    if throttle.is_refused(identifier=user.username, ip=ip):
        return _("Too many wrong passwords: wait a few minutes, then try again.")
    if not may_request_email_change(user):
        return _(
            "You have asked to change your email address several times today. "
            "Please try again tomorrow."
        )
    return None


def record_wrong_password(*, user: User, ip: str | None) -> None:
    throttle.record_failure(identifier=user.username, ip=ip)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EmailChangeError(Exception):
    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def request_email_change(
    *, user: User, new_email: str, request: HttpRequest | None = None
) -> EmailChange:
    """Email a confirmation link to the new address and tell the old one.

    Nothing about the account changes until the link is opened; a new request
    replaces any earlier one still waiting.
    """
    new_email = User.objects.normalize_email(new_email.strip())
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if not may_request_email_change(user):
            raise EmailChangeError(_("Too many email change requests today."))
        if User.email_taken(new_email):
            raise EmailChangeError(
                _("Another account already uses this email address.")
            )
        EmailChange.objects.for_user(user).pending().update(cancelled_at=now)
        change = EmailChange.objects.create(
            user=user,
            old_email=user.email,
            new_email=new_email,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + EMAIL_CHANGE_VALID,
        )
        log_security_event(
            kind=SecurityEvent.Kind.EMAIL_CHANGE_REQUESTED,
            user=user,
            request=request,
            new_email=new_email,
        )
        path = reverse("profile:email-confirm", kwargs={"token": token})
        context = {
            "name": user.first_name,
            "username": user.username,
            "new_email": new_email,
            "valid_hours": int(EMAIL_CHANGE_VALID.total_seconds() // 3600),
        }
        queue_email(
            to=new_email,
            template="profiles/email_change_confirm",
            language=user.language,
            context={**context, "confirm_url": settings.SITE_URL.rstrip("/") + path},
        )
        queue_email(
            to=user.email,
            template="profiles/email_change_requested",
            language=user.language,
            context=context,
        )
    return change


def pending_change_for_token(token: str) -> EmailChange | None:
    """The waiting, unexpired request a link's token belongs to, else None."""
    if not token or len(token) > 100:
        return None
    return (
        EmailChange.objects.pending()
        .select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )


def confirm_email_change(
    *, token: str, request: HttpRequest | None = None
) -> EmailChange:
    """Move the account to the new address; the link works once, for 24 hours."""
    with transaction.atomic():
        change = pending_change_for_token(token)
        if change is None:
            raise EmailChangeError(
                _("This link is not valid any more. Ask for a new one.")
            )
        change = EmailChange.objects.select_for_update().get(pk=change.pk)
        if change.confirmed_at or change.cancelled_at:
            raise EmailChangeError(
                _("This link is not valid any more. Ask for a new one.")
            )
        user = User.objects.select_for_update().get(pk=change.user_id)
        if User.email_taken(change.new_email):
            change.cancelled_at = timezone.now()
            change.save(update_fields=["cancelled_at"])
            raise EmailChangeError(
                _("Another account already uses this email address.")
            )
        old_email = user.email
        user.email = change.new_email
        user.save(update_fields=["email"])
        change.confirmed_at = timezone.now()
        change.save(update_fields=["confirmed_at"])
        log_security_event(
            kind=SecurityEvent.Kind.EMAIL_CHANGED,
            user=user,
            request=request,
            old_email=old_email,
            new_email=change.new_email,
        )
        context = {
            "name": user.first_name,
            "username": user.username,
            "new_email": change.new_email,
            "when": timezone.localtime(),
        }
        queue_email(
            to=old_email,
            template="profiles/email_changed",
            language=user.language,
            context=context,
        )
    return change


def record_data_export(*, user: User, request: HttpRequest | None = None) -> None:
    log_security_event(
        kind=SecurityEvent.Kind.DATA_EXPORTED, user=user, request=request
    )
