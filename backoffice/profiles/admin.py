"""Payout details in the admin: view only, numbers masked, no search on numbers.

Staff never need a full account number or taxpayer ID here; payouts read them
when the bank file is written.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backoffice.lib.admin import ReadOnlyAdmin
from backoffice.profiles.access import readable
from backoffice.profiles.models import BankAccount, Profile, TaxProfile

UNREADABLE = _("cannot be decrypted")


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "distributor_number",
        "holder_name",
        "account_mask",
        "account_type",
        "payout_method",
        "updated_at",
    )
    list_filter = ("account_type", "payout_method")
    search_fields = ("=distributor__distributor_id",)
    list_select_related = ("distributor",)
    ordering = ("distributor__distributor_id",)
    # Named one by one so that the encrypted column never appears.
    fields = (
        "distributor_number",
        "holder_name",
        "routing_number",
        "account_mask",
        "account_type",
        "payout_method",
        "updated_at",
    )
    readonly_fields = fields
    actions = None
    show_full_result_count = False

    @admin.display(description=_("distributor"), ordering="distributor__distributor_id")
    def distributor_number(self, obj: BankAccount) -> int:
        return obj.distributor.distributor_id

    @admin.display(description=_("account number"))
    def account_mask(self, obj: BankAccount) -> str:
        return readable(lambda: obj.masked_account) or UNREADABLE


@admin.register(TaxProfile)
class TaxProfileAdmin(ReadOnlyAdmin):
    list_display = (
        "distributor_number",
        "legal_name",
        "classification",
        "tin_kind",
        "tin_mask",
        "signed_at",
    )
    list_filter = ("classification", "tin_kind")
    search_fields = ("=distributor__distributor_id",)
    list_select_related = ("distributor",)
    ordering = ("distributor__distributor_id",)
    fields = (
        "distributor_number",
        "legal_name",
        "business_name",
        "classification",
        "tin_kind",
        "tin_mask",
        "address_line1",
        "city",
        "state",
        "postal_code",
        "signature_name",
        "signed_at",
    )
    readonly_fields = fields
    actions = None
    show_full_result_count = False

    @admin.display(description=_("distributor"), ordering="distributor__distributor_id")
    def distributor_number(self, obj: TaxProfile) -> int:
        return obj.distributor.distributor_id

    @admin.display(description=_("taxpayer ID"))
    def tin_mask(self, obj: TaxProfile) -> str:
        return readable(lambda: obj.masked_tin) or UNREADABLE


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = (
        "distributor_number",
        "ship_to_mailing",
        "news_and_promotions",
        "team_messages",
        "order_reminders",
        "updated_at",
    )
    list_filter = (
        "ship_to_mailing",
        "news_and_promotions",
        "team_messages",
        "order_reminders",
    )
    search_fields = ("=distributor__distributor_id",)
    list_select_related = ("distributor",)
    ordering = ("distributor__distributor_id",)
    fields = (
        "distributor_number",
        "ship_to_mailing",
        "ship_name",
        "ship_line1",
        "ship_line2",
        "ship_city",
        "ship_state",
        "ship_postal_code",
        "has_photo",
        "news_and_promotions",
        "team_messages",
        "order_reminders",
        "updated_at",
    )
    readonly_fields = fields
    actions = None
    show_full_result_count = False

    @admin.display(description=_("distributor"), ordering="distributor__distributor_id")
    def distributor_number(self, obj: Profile) -> int:
        return obj.distributor.distributor_id

    @admin.display(description=_("photo"), boolean=True)
    def has_photo(self, obj: Profile) -> bool:
        return bool(obj.photo)
