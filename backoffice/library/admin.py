"""Staff publish and retire library materials here (upload, dates, thumbnails).

Expired and draft materials stay listed for staff; distributors never see them.
The form checks an upload's size and signature; ``actions.attach_upload`` stores
it as it came and queues ``process_material`` for the full check, the re-encoding
and the thumbnail. The file status (processing, ready, failed with the reason) is
shown in the list, and refreshes itself on the change page while processing.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.library import actions
from backoffice.library.forms import MaterialAdminForm
from backoffice.library.models import (
    Category,
    Download,
    FileStatus,
    Material,
    Tag,
    ThumbnailStatus,
)


def file_status_fragment(material: Material, *, poll: bool = False) -> str:
    """The file's status for staff; while processing it can ask to be refreshed."""
    if not material.file:
        return _("No file") if not material.video_url else _("Video link")
    if material.file_status == FileStatus.FAILED:
        return format_html(
            '<span class="material-file-status" data-status="failed">'
            "<strong>{}</strong>: {}</span>",
            _("Failed"),
            material.processing_error or _("no reason recorded"),
        )
    if material.file_status == FileStatus.PROCESSING:
        url = (
            reverse("admin:library_material_file_status", args=[material.pk])
            if poll and material.pk
            else ""
        )
        if url:
            return format_html(
                '<span class="material-file-status" data-status="processing" '
                'data-status-url="{}" aria-live="polite">{}</span>',
                url,
                _("Processing… this page updates when it's done."),
            )
        return format_html(
            '<span class="material-file-status" data-status="processing">{}</span>',
            _("Processing…"),
        )
    return format_html(
        '<span class="material-file-status" data-status="ready">{}</span>',
        _("Ready"),
    )


class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "parent", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]


class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class WindowFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return [
            ("visible", _("Visible to distributors")),
            ("scheduled", _("Scheduled")),
            ("draft", _("Draft")),
            ("expired", _("Expired")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "visible":
                return queryset.visible(now)
            case "scheduled":
                return queryset.filter(publish_at__gt=now)
            case "draft":
                return queryset.filter(publish_at__isnull=True)
            case "expired":
                return queryset.filter(expires_at__lte=now)
        return queryset


class MaterialAdmin(admin.ModelAdmin):
    form = MaterialAdminForm
    list_display = [
        "preview",
        "title",
        "kind",
        "language",
        "category",
        "publish_at",
        "expires_at",
        "window",
        "file_state",
        "thumbnail_status",
        "download_count",
    ]
    list_display_links = ["preview", "title"]
    list_filter = [
        WindowFilter,
        "kind",
        "language",
        "file_status",
        "thumbnail_status",
        "is_shareable",
        "is_personalisable",
        ("category", admin.RelatedOnlyFieldListFilter),
        ("tags", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "description", "tags__name"]
    autocomplete_fields = ["tags"]
    filter_horizontal = ["products"]
    date_hierarchy = "publish_at"
    readonly_fields = [
        "preview",
        "file_name",
        "file_type",
        "file_size",
        "file_progress",
        "thumbnail_status",
        "download_count",
        "share_token",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "description",
                    "kind",
                    "category",
                    "tags",
                    "language",
                    "products",
                ]
            },
        ),
        (
            _("File"),
            {
                "fields": [
                    "upload",
                    "file_name",
                    "file_type",
                    "file_size",
                    "file_progress",
                    "video_url",
                    "preview",
                    "thumbnail_status",
                ]
            },
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "publish_at",
                    "expires_at",
                    "compliance_note",
                    "is_shareable",
                    "is_personalisable",
                ]
            },
        ),
        (
            _("History"),
            {"fields": ["download_count", "share_token", "created_at", "updated_at"]},
        ),
    ]
    actions = ["retire_now", "regenerate_thumbnails"]

    class Media:
        js = ["js/library-admin.js"]

    @admin.display(description=_("File"), ordering="file_status")
    def file_state(self, material: Material) -> str:
        return file_status_fragment(material)

    @admin.display(description=_("File status"))
    def file_progress(self, material: Material) -> str:
        return file_status_fragment(material, poll=True)

    @admin.display(description=_("Preview"))
    def preview(self, material: Material) -> str:
        if material.thumbnail_status != ThumbnailStatus.READY:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="80" loading="lazy">',
            reverse("admin:library_material_thumbnail", args=[material.pk]),
        )

    @admin.display(description=_("Stored file"))
    def file_name(self, material: Material) -> str:
        return material.file.name if material.file else "—"

    @admin.display(description=_("Status"))
    def window(self, material: Material) -> str:
        now = timezone.now()
        if material.publish_at is None:
            return _("Draft")
        if material.expires_at and material.expires_at <= now:
            return _("Expired")
        if material.publish_at > now:
            return _("Scheduled")
        if not material.is_visible(now):
            return _("Hidden until its file is ready")
        return _("Visible")

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "<int:material_id>/thumbnail/",
                self.admin_site.admin_view(self.thumbnail_view),
                name="library_material_thumbnail",
            ),
            path(
                "<int:material_id>/file-status/",
                self.admin_site.admin_view(self.file_status_view),
                name="library_material_file_status",
            ),
            *super().get_urls(),
        ]

    def thumbnail_view(self, request, material_id: int):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from backoffice.library.views import _file_response

        if not self.has_view_permission(request):
            raise PermissionDenied
        material = Material.objects.filter(pk=material_id).first()
        if material is None or material.thumbnail_status != ThumbnailStatus.READY:
            raise Http404
        return _file_response(material, "thumbnail", as_attachment=False)

    def file_status_view(self, request, material_id: int):
        """The status fragment the change page polls while the file is processing."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404, HttpResponse

        if not self.has_view_permission(request):
            raise PermissionDenied
        material = Material.objects.filter(pk=material_id).first()
        if material is None:
            raise Http404
        # admin_view already marks it never to be cached.
        return HttpResponse(file_status_fragment(material, poll=True))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.upload_type is not None:
            actions.attach_upload(
                material=obj,
                upload=form.cleaned_data["upload"],
                file_type=form.upload_type,
            )

    @admin.action(description=_("Retire now (expire)"), permissions=["change"])
    def retire_now(self, request, queryset):
        now = timezone.now()
        # Scheduled items are left alone (an expiry before publishing breaks the
        # check constraint): clear their publish date to hold them back instead.
        count = (
            queryset.filter(Q(publish_at__isnull=True) | Q(publish_at__lt=now))
            .exclude(expires_at__lte=now)
            .update(expires_at=now)
        )
        self.message_user(request, _("%(count)s materials retired.") % {"count": count})

    @admin.action(description=_("Generate thumbnails again"), permissions=["change"])
    def regenerate_thumbnails(self, request, queryset):
        from django.db import transaction

        from backoffice.library import tasks

        # Only checked files: the others get theirs when processing ends.
        ids = list(
            queryset.exclude(file="")
            .filter(file_status=FileStatus.READY)
            .values_list("pk", flat=True)
        )
        Material.objects.filter(pk__in=ids).update(
            thumbnail_status=ThumbnailStatus.PENDING
        )
        for material_id in ids:
            transaction.on_commit(
                lambda pk=material_id: tasks.generate_thumbnail.enqueue(pk)
            )
        self.message_user(
            request, _("%(count)s thumbnails queued.") % {"count": len(ids)}
        )


class DownloadAdmin(admin.ModelAdmin):
    list_display = ["created_at", "material", "user", "variant"]
    list_filter = ["variant"]
    search_fields = ["material__title", "user__username"]
    list_select_related = ["material", "user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Category, CategoryAdmin)
admin.site.register(Tag, TagAdmin)
admin.site.register(Material, MaterialAdmin)
admin.site.register(Download, DownloadAdmin)
