"""Demo payout details: most distributors have a (fictitious) bank account."""

from __future__ import annotations

import random

from django.utils import timezone

from backoffice.network.models import Distributor
from backoffice.profiles.models import (
    AccountType,
    BankAccount,
    PayoutMethod,
    Profile,
    TaxClassification,
    TaxProfile,
    TinKind,
)

# Checksum-valid routing numbers of the Federal Reserve Banks: not real accounts.
ROUTING_NUMBERS = ("011000015", "021001208", "031000040", "061000146", "121000374")


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    banks, taxes = [], []
    now = timezone.now()
    for member in Distributor.objects.select_related("user").order_by("distributor_id"):
        if rng.random() < 0.85:
            account = BankAccount(
                distributor=member,
                holder_name=member.user.get_full_name()[:100],
                routing_number=rng.choice(ROUTING_NUMBERS),
                account_type=AccountType.CHECKING
                if rng.random() < 0.8
                else AccountType.SAVINGS,
                payout_method=PayoutMethod.BANK
                if rng.random() < 0.9
                else PayoutMethod.WALLET,
            )
            account.set_account_number(str(rng.randrange(10**7, 10**12)))
            banks.append(account)
        if rng.random() < 0.6:
            profile = TaxProfile(
                distributor=member,
                legal_name=member.user.get_full_name()[:100],
                classification=TaxClassification.INDIVIDUAL,
                tin_kind=TinKind.SSN,
                address_line1=member.address_line1 or "1 Main Street",
                city=member.city or "Los Angeles",
                state=member.state or "CA",
                postal_code=member.postal_code or "90001",
                signature_name=member.user.get_full_name()[:100],
                signed_at=now,
            )
            # 9xx area numbers are never issued as SSNs.
            profile.set_tin(f"9{rng.randrange(10**7, 10**8)}")
            taxes.append(profile)
    BankAccount.objects.bulk_create(banks, batch_size=1000)
    TaxProfile.objects.bulk_create(taxes, batch_size=1000)
    profiles = seed_preferences()
    return {
        "bank accounts": len(banks),
        "tax profiles": len(taxes),
        "email preferences": profiles,
    }


def seed_preferences() -> int:
    """Varied email choices, from the IDs alone: the shared generator is untouched.

    Drawing from ``rng`` here would change every later area's demo data.
    """
    rows = [
        Profile(
            distributor_id=pk,
            news_and_promotions=number % 3 != 0,
            team_messages=number % 10 != 7,
            order_reminders=number % 5 != 4,
        )
        for pk, number in Distributor.objects.values_list("pk", "distributor_id")
    ]
    Profile.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
