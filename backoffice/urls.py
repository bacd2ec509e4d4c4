from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse

from backoffice.dashboard.views import healthz


def admin_login(request):
    # The admin signs in through the same page as everyone (lockout, two-factor).
    if request.user.is_authenticated:
        # Signed in but not staff: going back to the sign-in page would loop.
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get("next", "/admin/"), reverse("accounts:login")
    )


admin.site.site_header = "Back Office administration"
admin.site.site_title = "Back Office"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("backoffice.accounts.urls")),
    path("team/", include("backoffice.network.urls")),
    path("shop/", include("backoffice.shop.urls")),
    path("orders/", include("backoffice.shop.urls_orders")),
    path("autoship/", include("backoffice.shop.urls_autoship")),
    path("inventory/", include("backoffice.shop.urls_inventory")),
    path("s/", include("backoffice.shop.urls_storefront")),
    path("payments/", include("backoffice.shop.urls_payments")),
    path("staff/orders/", include("backoffice.shop.urls_staff")),
    path("commissions/", include("backoffice.commissions.urls")),
    path("staff/commissions/", include("backoffice.commissions.urls_staff")),
    path("profile/", include("backoffice.profiles.urls")),
    path("support/", include("backoffice.support.urls")),
    path("staff/support/", include("backoffice.support.urls_staff")),
    path("library/", include("backoffice.library.urls")),
    path("training/", include("backoffice.library.training.urls")),
    path("m/", include("backoffice.library.urls_public")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("backoffice.dashboard.urls")),
]
