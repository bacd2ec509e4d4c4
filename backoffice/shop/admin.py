"""The shop in the staff admin.

Staff edit the catalog and the shop's configuration here. Orders, payments,
refunds, volume and every ledger are read-only: they change only through the
shop's actions (the fulfilment pages, checkout, the payment providers), which
keep their audit trail. Company stock changes through the restock page so each
change is logged; the wallet takes adjustments as new ledger lines.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.lib.admin import ReadOnlyAdmin
from backoffice.network.models import Distributor
from backoffice.network.queries import parse_distributor_id
from backoffice.shop import actions
from backoffice.shop.actions import ShopError
from backoffice.shop.models import (
    Autoship,
    AutoshipItem,
    AutoshipRun,
    Category,
    InventoryItem,
    InventoryMovement,
    Order,
    OrderEvent,
    OrderLine,
    PackageContent,
    Payment,
    Product,
    Refund,
    RetailCustomer,
    ReturnLine,
    ReturnRequest,
    ShippingMethod,
    StockMovement,
    TaxRate,
    VolumeEntry,
    WalletEntry,
    WebhookEvent,
    WillCallCenter,
)


def _all_fields(model) -> list[str]:
    return [field.name for field in model._meta.fields]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- catalog and configuration (editable) ----------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_es", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_en", "name_es", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


class PackageContentInline(admin.TabularInline):
    model = PackageContent
    fk_name = "package"
    extra = 0
    autocomplete_fields = ("product",)
    verbose_name = _("product in this pack")
    verbose_name_plural = _("what this pack holds")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "name_en",
        "distributor_price",
        "retail_price",
        "pv",
        "cv",
        "stock",
        "is_active",
        "package_level",
    )
    list_display_links = ("sku", "name_en")
    list_filter = ("is_active", "category", "package_level")
    search_fields = ("=sku", "name_en", "name_es")
    list_select_related = ("category",)
    ordering = ("sku",)
    inlines = [PackageContentInline]
    # Stock is never typed in here: the restock page logs every change.
    readonly_fields = ("stock_on_hand",)
    fieldsets = (
        (None, {"fields": ("sku", "category", "is_active", "position")}),
        (
            _("Names and description"),
            {
                "fields": (
                    "name_en",
                    "name_es",
                    "description_en",
                    "description_es",
                    "size",
                    "image",
                )
            },
        ),
        (
            _("Prices and volume"),
            {"fields": ("distributor_price", "retail_price", "pv", "cv")},
        ),
        (_("Packs"), {"fields": ("package_level", "requires_level")}),
        (
            _("Stock and shipping"),
            {"fields": ("stock_on_hand", "low_stock_threshold", "weight_grams")},
        ),
    )

    @admin.display(description=_("stock"))
    def stock_on_hand(self, obj: Product | None):
        if obj is None or obj.pk is None:
            return gettext("0: add stock on the restock page once the product is saved")
        return format_html(
            '{} · <a href="{}">{}</a>',
            obj.stock,
            reverse("fulfilment:restock", args=[obj.pk]),
            gettext("Restock or correct the count"),
        )


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = (
        "name_en",
        "code",
        "price",
        "excluded_states",
        "delivers_to_po_box",
        "is_active",
        "position",
    )
    list_filter = ("is_active",)
    search_fields = ("name_en", "code")


@admin.register(WillCallCenter)
class WillCallCenterAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "state", "hours", "is_active")
    list_filter = ("is_active", "state")
    search_fields = ("name", "city")


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("state", "rate", "applies_to_shipping")
    search_fields = ("=state",)
    ordering = ("state",)


# --- orders and money (read-only) ----------------------------------------------


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "quantity", "unit_price", "unit_pv", "unit_cv")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("at", "status", "note", "by")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "placed_at",
        "kind",
        "source",
        "status",
        "distributor",
        "total",
        "refunded_amount",
        "pv",
    )
    list_filter = ("status", "kind", "source", "placed_on")
    search_fields = ("=number", "=distributor__distributor_id", "email")
    list_select_related = ("distributor__user",)
    date_hierarchy = "placed_at"
    readonly_fields = [*_all_fields(Order), "fulfilment_page"]
    inlines = [OrderLineInline, OrderEventInline]
    show_full_result_count = False

    @admin.display(description=_("Fulfilment"))
    def fulfilment_page(self, obj: Order):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("fulfilment:order", args=[obj.number]),
            gettext("Open on the fulfilment pages"),
        )


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "order", "status", "note", "by")
    list_filter = ("status",)
    search_fields = ("=order__number",)
    list_select_related = ("order", "by")
    readonly_fields = _all_fields(OrderEvent)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "order", "provider", "amount", "status", "reference")
    list_filter = ("status", "provider")
    search_fields = ("=order__number", "=reference")
    list_select_related = ("order",)
    readonly_fields = _all_fields(Payment)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "order", "amount", "pv", "cv", "status", "reason")
    list_filter = ("status",)
    search_fields = ("=order__number", "=reference")
    list_select_related = ("order",)
    readonly_fields = _all_fields(Refund)


@admin.register(VolumeEntry)
class VolumeEntryAdmin(ReadOnlyAdmin):
    list_display = ("on", "cycle", "distributor", "kind", "pv", "cv", "order")
    list_filter = ("kind", "cycle")
    search_fields = ("=distributor__distributor_id", "=order__number")
    list_select_related = ("distributor__user", "order")
    readonly_fields = _all_fields(VolumeEntry)
    show_full_result_count = False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("at", "product", "change", "stock_after", "reason", "order", "by")
    list_filter = ("reason",)
    search_fields = ("=product__sku", "=order__number")
    list_select_related = ("product", "order", "by")
    readonly_fields = _all_fields(StockMovement)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "event_type", "event_id")
    list_filter = ("provider", "event_type")
    search_fields = ("=event_id",)
    readonly_fields = _all_fields(WebhookEvent)


@admin.register(RetailCustomer)
class RetailCustomerAdmin(ReadOnlyAdmin):
    list_display = ("last_name", "first_name", "email", "distributor", "created_at")
    search_fields = ("last_name", "email", "=distributor__distributor_id")
    list_select_related = ("distributor__user",)
    readonly_fields = _all_fields(RetailCustomer)


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "is_resalable")
    readonly_fields = fields


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    """Returns are answered on the fulfilment pages; this is the record."""

    list_display = (
        "requested_at",
        "rma_number",
        "order",
        "kind",
        "status",
        "refund_estimate",
        "refund_amount",
    )
    list_filter = ("status", "kind")
    search_fields = ("=rma_number", "=order__number")
    list_select_related = ("order",)
    readonly_fields = [*_all_fields(ReturnRequest), "fulfilment_page"]
    inlines = [ReturnLineInline]

    @admin.display(description=_("Fulfilment"))
    def fulfilment_page(self, obj: ReturnRequest):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("fulfilment:return", args=[obj.pk]),
            gettext("Handle on the fulfilment pages"),
        )


class AutoshipItemInline(ReadOnlyInline):
    model = AutoshipItem
    fields = ("product", "quantity")
    readonly_fields = fields


@admin.register(Autoship)
class AutoshipAdmin(ReadOnlyAdmin):
    list_display = ("distributor", "status", "day_of_month", "next_run_on")
    list_filter = ("status", "day_of_month")
    search_fields = ("=distributor__distributor_id",)
    list_select_related = ("distributor__user",)
    # The saved payment token stays out of sight.
    readonly_fields = [f for f in _all_fields(Autoship) if f != "payment_token"]
    exclude = ("payment_token",)
    inlines = [AutoshipItemInline]


@admin.register(AutoshipRun)
class AutoshipRunAdmin(ReadOnlyAdmin):
    list_display = ("run_on", "autoship", "status", "attempts", "order")
    list_filter = ("status",)
    search_fields = ("=autoship__distributor__distributor_id",)
    readonly_fields = _all_fields(AutoshipRun)


@admin.register(InventoryItem)
class InventoryItemAdmin(ReadOnlyAdmin):
    list_display = ("distributor", "product", "quantity", "low_stock_threshold")
    search_fields = ("=distributor__distributor_id", "=product__sku")
    list_select_related = ("distributor__user", "product")
    readonly_fields = _all_fields(InventoryItem)


@admin.register(InventoryMovement)
class InventoryMovementAdmin(ReadOnlyAdmin):
    list_display = ("on", "distributor", "product", "kind", "change", "quantity_after")
    list_filter = ("kind",)
    search_fields = ("=distributor__distributor_id", "=product__sku")
    list_select_related = ("distributor__user", "product")
    readonly_fields = _all_fields(InventoryMovement)


# --- the wallet: read-only, plus adjustments as new lines ------------------------


class WalletAdjustmentForm(forms.Form):
    distributor_id = forms.CharField(label=_("Distributor ID"), max_length=12)
    amount = forms.DecimalField(
        label=_("Amount (USD)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Positive to credit the wallet, negative to debit it."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        help_text=_("Why: the distributor sees it in their wallet history."),
    )

    def clean_distributor_id(self) -> Distributor:
        number = parse_distributor_id(self.cleaned_data["distributor_id"])
        member = (
            Distributor.objects.filter(distributor_id=number).first()
            if number is not None
            else None
        )
        if member is None:
            raise forms.ValidationError(_("There is no distributor with that ID."))
        return member

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter an amount other than 0."))
        return amount


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "distributor", "kind", "amount", "order", "note", "by")
    list_filter = ("kind",)
    search_fields = ("=distributor__distributor_id", "=order__number")
    list_select_related = ("distributor__user", "order", "by")
    readonly_fields = _all_fields(WalletEntry)

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("shop.add_walletentry")

    def get_urls(self):
        own = [
            path(
                "adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="shop_walletentry_adjust",
            )
        ]
        return own + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        # "Add" means an adjustment: the only line staff write by hand.
        return redirect("admin:shop_walletentry_adjust")

    def adjust_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WalletAdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = actions.add_wallet_adjustment(
                    distributor=form.cleaned_data["distributor_id"],
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ShopError as error:
                form.add_error("amount", error.message)
            else:
                self.message_user(
                    request,
                    gettext("Wallet of %(id)s adjusted by $%(amount)s.")
                    % {"id": entry.distributor.distributor_id, "amount": entry.amount},
                    messages.SUCCESS,
                )
                return redirect("admin:shop_walletentry_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust a wallet"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/network/tool.html", context)
