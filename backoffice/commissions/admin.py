"""Commission records in the admin: read-only (the pay cycle pages change them)."""

from django.contrib import admin

from backoffice.commissions.models import (
    Cycle,
    CycleEvent,
    CycleRun,
    LedgerEntry,
    Line,
    Payout,
    PayoutBatch,
    PayoutHold,
    Result,
)
from backoffice.lib.admin import ReadOnlyAdmin


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "status",
        "starts_on",
        "pay_on",
        "members",
        "total",
        "paid",
    )
    list_filter = ("status",)
    search_fields = ("=number",)


@admin.register(CycleRun)
class CycleRunAdmin(ReadOnlyAdmin):
    list_display = ("number", "is_estimate", "status", "started_at", "seconds")
    list_filter = ("status", "is_estimate")
    exclude = ("totals_snapshot",)


@admin.register(CycleEvent)
class CycleEventAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "actor", "created_at")
    list_filter = ("kind",)


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("cycle", "distributor", "rank", "is_active", "total", "paid")
    list_filter = ("cycle__status", "rank")
    search_fields = ("=distributor__distributor_id", "=cycle__number")
    list_select_related = ("cycle", "distributor")
    show_full_result_count = False


@admin.register(Line)
class LineAdmin(ReadOnlyAdmin):
    list_display = ("cycle", "distributor", "bonus", "source_order", "amount")
    list_filter = ("bonus",)
    search_fields = ("=distributor__distributor_id", "=source_order__number")
    list_select_related = ("cycle", "distributor", "source_order")
    show_full_result_count = False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ("cycle", "status", "effective_on", "payees", "total", "held")
    list_filter = ("status",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("batch", "distributor", "method", "amount")
    list_filter = ("method",)
    search_fields = ("=distributor__distributor_id",)
    list_select_related = ("batch", "distributor")


@admin.register(PayoutHold)
class PayoutHoldAdmin(ReadOnlyAdmin):
    list_display = ("distributor", "reason", "created_at", "until", "released_at")
    list_filter = ("reason",)
    search_fields = ("=distributor__distributor_id",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("distributor", "kind", "cycle_number", "amount", "created_at")
    list_filter = ("kind",)
    search_fields = ("=distributor__distributor_id",)
