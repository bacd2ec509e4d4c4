from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from backoffice.accounts.models import SecurityEvent
from backoffice.commissions.reads import commissions_summary
from backoffice.library.reads import new_materials_summary
from backoffice.library.training.reads import training_summary
from backoffice.network.queries import team_summary
from backoffice.shop.reads import autoship_summary, orders_summary
from backoffice.support.access import is_support_staff
from backoffice.support.reads import inbox_summary, tickets_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    sign_ins = SecurityEvent.objects.for_user(user).sign_ins()[:2]
    # The newest sign-in is this session's own; the one before is "last sign-in".
    previous = sign_ins[1] if len(sign_ins) > 1 else None
    # Staff have no place in the network; the sign-in backend cached the rest.
    distributor = getattr(user, "distributor", None)
    return render(
        request,
        "dashboard/home.html",
        {
            "previous_sign_in": previous,
            "has_two_factor": user.has_two_factor,
            "team": team_summary(distributor) if distributor else None,
            "orders": orders_summary(distributor) if distributor else None,
            "autoship": autoship_summary(distributor) if distributor else None,
            "commissions": commissions_summary(distributor) if distributor else None,
            "library": new_materials_summary(user) if distributor else None,
            "training": training_summary(distributor) if distributor else None,
            "tickets": tickets_summary(distributor) if distributor else None,
            "support_inbox": inbox_summary() if is_support_staff(user) else None,
        },
    )


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
