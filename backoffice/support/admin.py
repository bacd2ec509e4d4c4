from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backoffice.lib.admin import ReadOnlyAdmin
from backoffice.support.models import (
    Article,
    CannedReply,
    HelpCategory,
    Ticket,
    TicketEvent,
    TicketMessage,
)


@admin.register(HelpCategory)
class HelpCategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_es", "slug", "position", "is_published")
    list_editable = ("position", "is_published")
    search_fields = ("name_en", "name_es", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title_en", "category", "kind", "has_spanish", "is_published")
    list_filter = ("is_published", "kind", "category")
    search_fields = ("title_en", "title_es", "body_en", "body_es", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
    list_select_related = ("category",)
    fieldsets = (
        (None, {"fields": ("category", "kind", "slug", "position", "is_published")}),
        (_("English"), {"fields": ("title_en", "body_en")}),
        (_("Spanish"), {"fields": ("title_es", "body_es")}),
    )

    @admin.display(boolean=True, description=_("Spanish"))
    def has_spanish(self, obj: Article) -> bool:
        return bool(obj.title_es and obj.body_es)


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "body_en", "body_es")


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    fields = ("created_at", "kind", "author", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Tickets are answered in the support inbox; the admin only looks them up."""

    list_display = (
        "code",
        "subject",
        "distributor",
        "category",
        "status",
        "assigned_to",
        "last_activity_at",
    )
    list_filter = ("status", "category")
    search_fields = ("code", "subject", "distributor__distributor_id")
    list_select_related = ("distributor__user", "assigned_to")
    inlines = (TicketMessageInline,)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "from_status", "to_status")
    list_filter = ("kind",)
    search_fields = ("ticket__code",)
    list_select_related = ("ticket", "actor")
