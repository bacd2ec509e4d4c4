"""The distributor's yearly tax summary: the years, one year's page, its PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.commissions import taxes
from backoffice.dashboard.context_processors import company
from backoffice.network.access import get_viewer


@login_required
@require_safe
def tax_years(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    years = taxes.years_for(viewer)
    return render(request, "commissions/tax_years.html", {"years": years})


@login_required
@require_safe
def tax_summary(request: HttpRequest, year: int) -> HttpResponse:
    summary = taxes.get_tax_year_for_viewer(get_viewer(request.user), year)
    context = {
        "summary": summary,
        "threshold_text": taxes.threshold_text(summary),
        "tax_id_text": taxes.tax_id_text(summary),
        "tax_id_needed_text": taxes.tax_id_needed_text(summary),
    }
    return render(request, "commissions/tax_summary.html", context)


@login_required
@require_safe
def tax_summary_pdf(request: HttpRequest, year: int) -> HttpResponse:
    summary = taxes.get_tax_year_for_viewer(get_viewer(request.user), year)
    data = taxes.tax_summary_pdf(summary, company=company(request)["company"])
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"tax-summary-{year}-{summary.distributor.distributor_id}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
