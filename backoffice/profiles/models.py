"""Payout details: the bank account and the tax ID, encrypted and bound to the row.

The encrypted columns hold only ``v1:<key id>:<ciphertext>``; nothing about the
numbers (not even the last digits) is stored in clear. Masks are made by
decrypting, and ``__str__``/``repr`` never include a number.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import Authenticator
from backoffice.lib import encryption
from backoffice.lib.us import STATE_CHOICES

MASK = "•••• "


class AccountType(models.TextChoices):
    CHECKING = "checking", _("Checking")
    SAVINGS = "savings", _("Savings")


class PayoutMethod(models.TextChoices):
    BANK = "bank", _("Bank account (direct deposit)")
    WALLET = "wallet", _("Back Office wallet (pay for orders)")


class BankAccount(models.Model):
    distributor = models.OneToOneField(
        "network.Distributor", on_delete=models.PROTECT, related_name="bank_account"
    )
    holder_name = models.CharField(_("account holder"), max_length=100)
    routing_number = models.CharField(_("routing number"), max_length=9)
    account_number_encrypted = models.TextField(editable=False)
    account_type = models.CharField(
        _("account type"), max_length=8, choices=AccountType
    )
    payout_method = models.CharField(
        _("pay my commissions to"),
        max_length=8,
        choices=PayoutMethod,
        default=PayoutMethod.BANK,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"bank account of {self.distributor_id}"

    __repr__ = __str__

    @staticmethod
    def context_for(distributor_pk: int) -> str:
        return f"bank:{distributor_pk}:account_number"

    def set_account_number(self, number: str) -> None:
        self.account_number_encrypted = encryption.encrypt(
            number, context=self.context_for(self.distributor_id)
        )

    def account_number(self) -> str:
        return encryption.decrypt(
            self.account_number_encrypted, context=self.context_for(self.distributor_id)
        )

    @property
    def masked_account(self) -> str:
        return MASK + self.account_number()[-4:]


class TaxClassification(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual / sole proprietor or single-member LLC")
    C_CORPORATION = "c_corp", _("C corporation")
    S_CORPORATION = "s_corp", _("S corporation")
    PARTNERSHIP = "partnership", _("Partnership")
    TRUST = "trust", _("Trust / estate")
    LLC = "llc", _("Limited liability company")


class TinKind(models.TextChoices):
    SSN = "ssn", _("Social Security number")
    EIN = "ein", _("Employer identification number")


class TaxProfile(models.Model):
    """W-9 information: needed before a year's payouts cross the 1099 threshold."""

    distributor = models.OneToOneField(
        "network.Distributor", on_delete=models.PROTECT, related_name="tax_profile"
    )
    legal_name = models.CharField(_("legal name"), max_length=100)
    business_name = models.CharField(_("business name"), max_length=100, blank=True)
    classification = models.CharField(
        _("tax classification"), max_length=12, choices=TaxClassification
    )
    tin_kind = models.CharField(_("taxpayer ID type"), max_length=3, choices=TinKind)
    tin_encrypted = models.TextField(editable=False)
    address_line1 = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2, choices=STATE_CHOICES)
    postal_code = models.CharField(_("ZIP code"), max_length=10)
    signature_name = models.CharField(_("signature (type your name)"), max_length=100)
    signed_at = models.DateTimeField()

    class Meta:
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"tax profile of {self.distributor_id}"

    __repr__ = __str__

    @staticmethod
    def context_for(distributor_pk: int) -> str:
        return f"tax:{distributor_pk}:tin"

    def set_tin(self, tin: str) -> None:
        self.tin_encrypted = encryption.encrypt(
            tin, context=self.context_for(self.distributor_id)
        )

    def tin(self) -> str:
        return encryption.decrypt(
            self.tin_encrypted, context=self.context_for(self.distributor_id)
        )

    @property
    def masked_tin(self) -> str:
        return MASK + self.tin()[-4:]


# Every encrypted column, for key rotation: (model, field, a row's context).
ENCRYPTED_FIELDS = [
    (
        BankAccount,
        "account_number_encrypted",
        lambda row: BankAccount.context_for(row.distributor_id),
    ),
    (
        TaxProfile,
        "tin_encrypted",
        lambda row: TaxProfile.context_for(row.distributor_id),
    ),
    (Authenticator, "secret", lambda row: Authenticator.context_for(row.user_id)),
]


class ProfileQuerySet(models.QuerySet["Profile"]):
    def for_distributor(self, distributor) -> ProfileQuerySet:
        return self.filter(distributor=distributor)

    def declining_team_messages(self, members) -> set[int]:
        """The primary keys of those ``members`` who turned upline messages off."""
        return set(
            self.filter(distributor__in=members, team_messages=False).values_list(
                "distributor_id", flat=True
            )
        )


class Profile(models.Model):
    """What a distributor keeps beyond the network record: shipping, photo, emails."""

    distributor = models.OneToOneField(
        "network.Distributor", on_delete=models.PROTECT, related_name="profile"
    )
    ship_to_mailing = models.BooleanField(
        _("ship my orders to my mailing address"), default=True
    )
    ship_name = models.CharField(_("name"), max_length=200, blank=True)
    ship_line1 = models.CharField(_("address"), max_length=200, blank=True)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_city = models.CharField(_("city"), max_length=100, blank=True)
    ship_state = models.CharField(
        _("state"), max_length=2, blank=True, choices=STATE_CHOICES
    )
    ship_postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    # A name in the storage (random, never the uploaded file's name); "" for none.
    photo = models.CharField(max_length=200, blank=True, editable=False)
    photo_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    news_and_promotions = models.BooleanField(
        _("news, product launches and promotions"), default=False
    )
    team_messages = models.BooleanField(_("messages from my upline"), default=True)
    order_reminders = models.BooleanField(
        _("order and autoship reminders"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ship_to_mailing=True)
                | (
                    ~Q(ship_line1="")
                    & ~Q(ship_city="")
                    & ~Q(ship_state="")
                    & ~Q(ship_postal_code="")
                ),
                name="profile_shipping_address_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.distributor_id}"

    @property
    def has_shipping_address(self) -> bool:
        return not self.ship_to_mailing and bool(self.ship_line1)


class EmailChangeQuerySet(models.QuerySet["EmailChange"]):
    def for_user(self, user) -> EmailChangeQuerySet:
        return self.filter(user=user)

    def pending(self) -> EmailChangeQuerySet:
        return self.filter(
            confirmed_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        )

    def requested_since(self, moment) -> EmailChangeQuerySet:
        return self.filter(created_at__gte=moment)


class EmailChange(models.Model):
    """A request to move an account to a new address, until the link is opened.

    Only a SHA-256 of the emailed token is stored: the database alone cannot
    confirm a change.
    """

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="email_changes"
    )
    old_email = models.EmailField()
    new_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = EmailChangeQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"email change of {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
