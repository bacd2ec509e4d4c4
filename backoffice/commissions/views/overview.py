"""The distributor's commission overview: this week so far and the weeks paid."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.commissions import actions, reads
from backoffice.network.access import get_viewer

TEMPLATE = "commissions/overview.html"


def _wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    page = reads.history_page(viewer, request.GET.get("page"))
    if _wants_partial(request):
        return render(request, f"{TEMPLATE}#history", {"page": page})
    today = actions.today()
    plan = actions.current_plan()
    version = plan.for_cycle(plan.versions[-1].cycle_of(today))
    context = {
        "page": page,
        "week": reads.this_week(viewer),
        "activity": reads.activity_of(viewer, today=today, version=version),
        "chart": reads.chart_of(viewer),
    }
    return render(request, TEMPLATE, context)
