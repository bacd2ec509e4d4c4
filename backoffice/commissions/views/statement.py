"""A distributor's statement for one closed week: the page, CSV and PDF."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.commissions import pdf, reads
from backoffice.dashboard.context_processors import company
from backoffice.network.access import get_viewer

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _statement(request: HttpRequest, number: int) -> reads.Statement:
    viewer = get_viewer(request.user)
    result = reads.get_statement_for_viewer(viewer, number)
    return reads.statement_for(viewer, result)


def _filename(statement: reads.Statement, extension: str) -> str:
    distributor_id = statement.distributor.distributor_id
    return f"statement-{statement.cycle.number}-{distributor_id}.{extension}"


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


@login_required
@require_safe
def statement(request: HttpRequest, number: int) -> HttpResponse:
    return render(
        request,
        "commissions/statement.html",
        {"statement": _statement(request, number)},
    )


@login_required
@require_safe
def statement_csv(request: HttpRequest, number: int) -> HttpResponse:
    statement = _statement(request, number)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(statement, "csv")}"'
    )
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(
        [
            "cycle",
            "bonus",
            "source_order",
            "source_distributor_id",
            "source_name",
            "generation",
            "amount",
        ]
    )
    number = statement.cycle.number
    for line in statement.lines:
        writer.writerow(
            [
                number,
                line.bonus,
                line.order_number,
                line.member_id or "",
                _text(line.source_name),
                line.generation or "",
                reads.plain_amount(line.amount),
            ]
        )
    result = statement.result
    writer.writerow([])
    writer.writerow(["total", "amount"])
    for code, _label, amount in statement.totals:
        writer.writerow([code, reads.plain_amount(amount)])
    for name in ("total", "balance_in", "paid", "balance_out"):
        writer.writerow([name, reads.plain_amount(getattr(result, name))])
    writer.writerow(["status", statement.cycle.status])
    writer.writerow(["pay_date", statement.cycle.pay_on.isoformat()])
    return response


@login_required
@require_safe
def statement_pdf(request: HttpRequest, number: int) -> HttpResponse:
    statement = _statement(request, number)
    response = HttpResponse(
        pdf.statement_pdf(statement, company=company(request)["company"]),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(statement, "pdf")}"'
    )
    return response
