"""Paying an approved cycle: preview, batch, bank file, CSV, paid; payout holds.

Viewing needs ``commissions.view_cycle`` (holds: ``view_payouthold``); every
step that moves money needs ``commissions.pay_payoutbatch``. A refused step
shows the reason and changes nothing (each action owns its transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from backoffice.accounts.access import staff_permission_required
from backoffice.commissions import payouts
from backoffice.commissions.actions import CommissionError
from backoffice.commissions.models import (
    BatchStatus,
    Cycle,
    CycleStatus,
    HoldReason,
    PayoutBatch,
    PayoutHold,
)
from backoffice.commissions.payouts import Candidate, CarryReason
from backoffice.network.models import Distributor
from backoffice.network.queries import parse_distributor_id
from backoffice.profiles.models import PayoutMethod

VIEW = "commissions.view_cycle"
PAY = "commissions.pay_payoutbatch"
VIEW_HOLDS = "commissions.view_payouthold"
ADD_HOLD = "commissions.add_payouthold"
CHANGE_HOLD = "commissions.change_payouthold"
PAGE_SIZE = 50
ZERO = Decimal("0.00")

CARRY_LABELS: dict[str, Promise] = {
    CarryReason.HOLD: gettext_lazy("On hold"),
    CarryReason.NO_BANK: gettext_lazy("No bank account"),
    CarryReason.TAX_ID: gettext_lazy("Tax ID needed"),
}


def _dollars(amount: Decimal) -> str:
    return "$" + number_format(amount, decimal_pos=2, force_grouping=True)


@dataclass(frozen=True)
class CarryCount:
    reason: str
    label: Promise
    payees: int
    total: Decimal


@dataclass(frozen=True)
class Preview:
    """What creating the batch now would do, from ``payouts.preview_batch``."""

    paid: list[Candidate]
    carried: list[Candidate]

    @property
    def payees(self) -> int:
        return len({c.result.distributor_id for c in self.paid})

    @property
    def total(self) -> Decimal:
        return sum((c.result.paid for c in self.paid), ZERO)

    @property
    def bank_total(self) -> Decimal:
        return sum(
            (c.result.paid for c in self.paid if c.method == PayoutMethod.BANK), ZERO
        )

    @property
    def wallet_total(self) -> Decimal:
        return self.total - self.bank_total

    @property
    def held(self) -> int:
        return len({c.result.distributor_id for c in self.carried})

    @property
    def held_total(self) -> Decimal:
        return sum((c.result.paid for c in self.carried), ZERO)

    @property
    def reasons(self) -> list[CarryCount]:
        return [
            CarryCount(
                reason=reason,
                label=label,
                payees=len(
                    {
                        c.result.distributor_id
                        for c in self.carried
                        if c.carried_because == reason
                    }
                ),
                total=sum(
                    (
                        c.result.paid
                        for c in self.carried
                        if c.carried_because == reason
                    ),
                    ZERO,
                ),
            )
            for reason, label in CARRY_LABELS.items()
        ]


@dataclass(frozen=True)
class Row:
    candidate: Candidate
    reason: Promise | str


def _candidate_page(candidates: list[Candidate], number: str | None) -> Page:
    page = Paginator(candidates, PAGE_SIZE).get_page(number)
    # Names only for the rows shown, in one query.
    prefetch_related_objects([c.result for c in page], "distributor__user")
    page.object_list = [
        Row(candidate=c, reason=CARRY_LABELS.get(c.carried_because, ""))
        for c in page.object_list
    ]
    return page


def _batch_of(number: int) -> PayoutBatch:
    return get_object_or_404(
        PayoutBatch.objects.select_related("cycle", "created_by", "paid_by"),
        cycle__number=number,
    )


@staff_permission_required(VIEW)
@require_safe
def batch(request: HttpRequest, number: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.closed(), number=number)
    payout_batch = (
        PayoutBatch.objects.select_related("created_by", "paid_by")
        .filter(cycle=cycle)
        .first()
    )
    context: dict = {
        "cycle": cycle,
        "batch": payout_batch,
        "can_pay": request.user.has_perm(PAY),
        "can_see_holds": request.user.has_perm(VIEW_HOLDS),
    }
    if payout_batch is None and cycle.status == CycleStatus.APPROVED:
        candidates = payouts.preview_batch(number)
        preview = Preview(
            paid=[c for c in candidates if not c.carried_because],
            carried=[c for c in candidates if c.carried_because],
        )
        context |= {
            "preview": preview,
            "paid_page": _candidate_page(preview.paid, request.GET.get("page")),
            "carried_page": _candidate_page(
                preview.carried, request.GET.get("carried")
            ),
            "open_batch": PayoutBatch.objects.exclude(status=BatchStatus.PAID)
            .select_related("cycle")
            .first(),
        }
    elif payout_batch is not None:
        rows = payout_batch.payouts.select_related(
            "distributor__user", "result__cycle"
        ).order_by("distributor__distributor_id", "result__cycle__number")
        late = (
            PayoutHold.objects.active()
            .filter(
                distributor__in=payout_batch.payouts.values("distributor"),
                created_at__gt=payout_batch.created_at,
            )
            .select_related("distributor__user")
            .order_by("distributor__distributor_id")
            if payout_batch.status != BatchStatus.PAID
            else PayoutHold.objects.none()
        )
        context |= {
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "late_holds": list(late),
            "can_export": payout_batch.status != BatchStatus.PAID
            and payout_batch.bank_total > 0,
            "can_mark_paid": payout_batch.can_become(BatchStatus.PAID)
            and (
                payout_batch.status == BatchStatus.EXPORTED
                or not payout_batch.bank_total
            ),
        }
    return render(request, "commissions/payouts_batch.html", context)


@staff_permission_required(PAY)
@require_POST
def create_batch(request: HttpRequest, number: int) -> HttpResponse:
    try:
        created = payouts.create_payout_batch(number=number, user=request.user)
    except CommissionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "The payout batch of cycle %(n)d is created: %(total)s to "
                "%(payees)d payee, payment date %(day)s. Carried: %(held)d.",
                "The payout batch of cycle %(n)d is created: %(total)s to "
                "%(payees)d payees, payment date %(day)s. Carried: %(held)d.",
                created.payees,
            )
            % {
                "n": number,
                "total": _dollars(created.total),
                "payees": created.payees,
                "day": date_format(created.effective_on, "DATE_FORMAT"),
                "held": created.held,
            },
        )
    return _back(number)


def _back(number: int) -> HttpResponse:
    if Cycle.objects.closed().filter(number=number).exists():
        return redirect("payroll:batch", number=number)
    return redirect("payroll:cycles")


@staff_permission_required(PAY)
@require_POST
def nacha_file(request: HttpRequest, number: int) -> HttpResponse:
    # A POST: downloading the file marks the batch as sent to the bank.
    payout_batch = _batch_of(number)
    try:
        text = payouts.export_nacha(batch=payout_batch, user=request.user)
    except CommissionError as error:
        messages.error(request, str(error))
        return redirect("payroll:batch", number=number)
    response = HttpResponse(text, content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="ach-{number}.txt"'
    return response


@staff_permission_required(VIEW)
@require_safe
def batch_csv(request: HttpRequest, number: int) -> HttpResponse:
    payout_batch = _batch_of(number)
    response = HttpResponse(
        payouts.payouts_csv(payout_batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="payouts-{number}.csv"'
    return response


@staff_permission_required(PAY)
@require_POST
def mark_paid(request: HttpRequest, number: int) -> HttpResponse:
    payout_batch = _batch_of(number)
    try:
        paid = payouts.mark_batch_paid(batch=payout_batch, user=request.user)
    except CommissionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "The payouts of cycle %(n)d are marked paid: %(total)s to "
                "%(payees)d payee. Each payee is emailed.",
                "The payouts of cycle %(n)d are marked paid: %(total)s to "
                "%(payees)d payees. Each payee is emailed.",
                paid.payees,
            )
            % {"n": number, "total": _dollars(paid.total), "payees": paid.payees},
        )
    return redirect("payroll:batch", number=number)


# --- holds -------------------------------------------------------------------------


class HoldForm(forms.Form):
    distributor_id = forms.CharField(
        label=gettext_lazy("Distributor ID"), max_length=20
    )
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy(
            "Shown to finance beside the hold. The distributor is not told."
        ),
    )

    def clean_distributor_id(self) -> Distributor:
        number = parse_distributor_id(self.cleaned_data["distributor_id"])
        member = (
            Distributor.objects.select_related("user")
            .filter(distributor_id=number)
            .first()
            if number is not None
            else None
        )
        if member is None:
            raise forms.ValidationError(_("No distributor has this ID."))
        return member


@staff_permission_required(VIEW_HOLDS)
@require_http_methods(["GET", "HEAD", "POST"])
def holds(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm(ADD_HOLD)
    form = HoldForm()
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = HoldForm(request.POST)
        if form.is_valid():
            member = form.cleaned_data["distributor_id"]
            payouts.place_hold(
                distributor=member,
                reason=HoldReason.STAFF,
                note=form.cleaned_data["note"],
                days=None,
                by=request.user,
            )
            messages.success(
                request,
                _(
                    "Payouts to %(name)s (%(id)d) are on hold until released: "
                    "their money carries to later batches."
                )
                % {"name": member.name, "id": member.distributor_id},
            )
            return redirect("payroll:holds")
    active = (
        PayoutHold.objects.active()
        .select_related("distributor__user", "created_by")
        .order_by("-created_at", "-id")
    )
    context = {
        "page": Paginator(active, PAGE_SIZE).get_page(request.GET.get("page")),
        "form": form,
        "can_add": can_add,
        "can_release": request.user.has_perm(CHANGE_HOLD),
    }
    return render(request, "commissions/payouts_holds.html", context)


@staff_permission_required(CHANGE_HOLD)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(
        PayoutHold.objects.select_related("distributor__user"), pk=pk
    )
    member = hold.distributor
    if payouts.release_hold(hold=hold, by=request.user):
        messages.success(
            request,
            _(
                "The hold on %(name)s (%(id)d) is released: their carried payouts "
                "join the next batch."
            )
            % {"name": member.name, "id": member.distributor_id},
        )
    else:
        messages.error(request, _("This hold was already released."))
    return redirect("payroll:holds")
