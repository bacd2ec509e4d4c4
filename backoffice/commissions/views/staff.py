"""The pay cycle for finance: calculate closed weeks, review a cycle, approve it.

Every page needs a staff account holding the page's permission (staff always
sign in with a second factor). Calculating every closed week can take long, so
it runs as a background task; recalculating one cycle runs in the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from backoffice.accounts.access import staff_permission_required
from backoffice.commissions import actions, tasks
from backoffice.commissions import review as figures
from backoffice.commissions.actions import CommissionError
from backoffice.commissions.models import Cycle, CycleStatus

VIEW = "commissions.view_cycle"
CHANGE = "commissions.change_cycle"
APPROVE = "commissions.approve_cycle"
PAGE_SIZE = 52


@staff_permission_required(VIEW)
@require_safe
def cycles(request: HttpRequest) -> HttpResponse:
    page = Paginator(figures.cycle_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    calculators = figures.calculators(page.object_list)
    rows = [(cycle, calculators.get(cycle.calculated_by_id)) for cycle in page]
    context = {"page": page, "rows": rows, "pipeline": figures.pipeline()}
    return render(request, "commissions/staff_cycles.html", context)


@staff_permission_required(CHANGE)
@require_POST
def calculate(request: HttpRequest) -> HttpResponse:
    pipeline = figures.pipeline()
    if pipeline.waiting == 0:
        messages.info(
            request,
            _("Nothing to calculate: every closed week through cycle %(n)d is done.")
            % {"n": pipeline.last_closed},
        )
        return redirect("payroll:cycles")
    transaction.on_commit(tasks.calculate_closed_cycles.enqueue)
    messages.success(
        request,
        _(
            "Calculation of the closed weeks through cycle %(n)d is queued: it runs "
            "in the background. Reload this page in a few minutes to see the results."
        )
        % {"n": pipeline.last_closed},
    )
    return redirect("payroll:cycles")


@staff_permission_required(VIEW)
@require_safe
def review(request: HttpRequest, number: int) -> HttpResponse:
    cycle = get_object_or_404(
        Cycle.objects.select_related("approved_by"), number=number
    )
    previous = figures.previous_closed(cycle)
    user = request.user
    waits_for = (
        previous
        if previous is not None
        and previous.number == number - 1
        and previous.status != CycleStatus.APPROVED
        else None
    )
    context = {
        "cycle": cycle,
        "previous": previous,
        "totals": figures.totals_by_bonus(cycle, previous),
        "biggest": figures.biggest_changes(cycle, previous),
        "diff": figures.rerun_diff(number),
        "runs": figures.runs(number)
        if user.has_perm("commissions.view_cyclerun")
        else None,
        "events": figures.events(number)
        if user.has_perm("commissions.view_cycleevent")
        else None,
        "waits_for": waits_for,
        "can_approve": cycle.status == CycleStatus.CALCULATED
        and user.has_perm(APPROVE),
        "can_recalculate": cycle.status == CycleStatus.CALCULATED
        and user.has_perm(CHANGE),
        "later": figures.later_calculated(number),
    }
    return render(request, "commissions/staff_review.html", context)


def _dollars(amount) -> str:
    return "$" + number_format(amount, decimal_pos=2, force_grouping=True)


def _back_to(number: int) -> HttpResponse:
    if Cycle.objects.filter(number=number).exists():
        return redirect("payroll:review", number=number)
    return redirect("payroll:cycles")


@staff_permission_required(CHANGE)
@require_POST
def recalculate(request: HttpRequest, number: int) -> HttpResponse:
    later = figures.later_calculated(number)
    try:
        cycle = actions.calculate_cycle(number=number, user=request.user)
    except CommissionError as error:
        messages.error(request, str(error))
        return _back_to(number)
    messages.success(
        request,
        _("Cycle %(n)d is recalculated: %(total)s earned, %(paid)s payable.")
        % {
            "n": cycle.number,
            "total": _dollars(cycle.total),
            "paid": _dollars(cycle.paid),
        },
    )
    if len(later) == 1:
        messages.info(
            request,
            _("Cycle %(n)d starts from its banks and was recalculated too.")
            % {"n": later[0]},
        )
    elif later:
        messages.info(
            request,
            _(
                "Cycles %(first)d to %(last)d start from its banks and were "
                "recalculated too."
            )
            % {"first": later[0], "last": later[-1]},
        )
    return redirect("payroll:review", number=cycle.number)


@staff_permission_required(APPROVE)
@require_POST
def approve(request: HttpRequest, number: int) -> HttpResponse:
    try:
        cycle = actions.approve_cycle(number=number, user=request.user)
    except CommissionError as error:
        messages.error(request, str(error))
        return _back_to(number)
    messages.success(
        request,
        _(
            "Cycle %(n)d is approved: %(paid)s payable on %(day)s. Its figures "
            "can no longer change."
        )
        % {
            "n": cycle.number,
            "paid": _dollars(cycle.paid),
            "day": date_format(cycle.pay_on, "DATE_FORMAT"),
        },
    )
    return redirect("payroll:review", number=cycle.number)
