from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.accounts import actions
from backoffice.accounts.models import LoginLock, SecurityEvent, User
from backoffice.lib.admin import ReadOnlyAdmin

# Device secrets stay out of the admin; staff reset a lost device from the user.
# (accounts.Authenticator and RecoveryCodes replaced these plugins' devices.)
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
    )
    list_filter = ("is_staff", "is_active", "language", "groups")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "email", "language")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "first_name", "email", "password1", "password2"),
            },
        ),
    )
    actions = ["reset_two_factor"]

    @admin.action(
        description=_("Reset two-factor sign-in (lost device)"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):
        count = 0
        for user in queryset:
            if user.pk != request.user.pk and user.has_two_factor:
                actions.disable_two_factor(request=request, user=user)
                count += 1
        self.message_user(
            request,
            _("Two-factor sign-in reset for %(count)d user(s).") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "identifier", "user", "ip_address")
    list_filter = ("kind",)
    search_fields = ("identifier", "user__username", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ("key", "created_at", "locked_until")
    search_fields = ("key",)

    def get_queryset(self, request):
        return super().get_queryset(request).active()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
