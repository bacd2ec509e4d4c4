from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin for records nobody edits here: logs, audit trails, sent messages."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
