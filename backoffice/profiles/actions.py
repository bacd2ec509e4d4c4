"""Changing payout details: encrypted, logged, announced, and held for checking."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from backoffice.accounts.actions import log_security_event
from backoffice.accounts.models import SecurityEvent
from backoffice.commissions.models import HoldReason
from backoffice.commissions.payouts import place_hold
from backoffice.lib.emails import queue_email
from backoffice.lib.encryption import EncryptionError
from backoffice.network.models import Distributor
from backoffice.profiles.models import BankAccount, TaxProfile


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
