"""The distributor's orders: list, order page, cancelling, returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.decorators.vary import vary_on_headers

from backoffice.network.access import get_viewer
from backoffice.shop import actions
from backoffice.shop.access import get_order_for_viewer
from backoffice.shop.actions import ShopError
from backoffice.shop.actions import returns as return_actions
from backoffice.shop.forms.orders import OrderFilterForm, ReturnForm
from backoffice.shop.models import (
    Order,
    OrderEvent,
    OrderKind,
    OrderStatus,
    PaymentStatus,
    ReturnKind,
)
from backoffice.shop.payments import get_provider

PAGE_SIZE = 25
PIPELINE = (
    OrderStatus.PLACED,
    OrderStatus.PAID,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
# Before the warehouse starts on it, a distributor may cancel their own order.
DISTRIBUTOR_CANCELLABLE = (OrderStatus.PLACED, OrderStatus.PAID)


def _wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- shared with the staff pages ---------------------------------------------


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: datetime | None = None
    note: str = ""
    by: object = None
    is_done: bool = True


def step_label(status: str, *, is_pickup: bool) -> str:
    if is_pickup and status == OrderStatus.SHIPPED:
        return _("Ready for pick-up")
    if is_pickup and status == OrderStatus.DELIVERED:
        return _("Picked up")
    return str(OrderStatus(status).label)


def timeline(order: Order, events: list[OrderEvent]) -> list[Step]:
    """What happened to the order, in order, then the steps still expected."""
    steps = [
        Step(
            status=event.status,
            label=step_label(event.status, is_pickup=order.is_pickup),
            at=event.at,
            note=event.note,
            by=event.by,
        )
        for event in events
    ]
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return steps
    reached = [PIPELINE.index(e.status) for e in events if e.status in PIPELINE]
    following = max(reached, default=-1) + 1
    steps.extend(
        Step(
            status=status,
            label=step_label(status, is_pickup=order.is_pickup),
            is_done=False,
        )
        for status in PIPELINE[following:]
    )
    return steps


def provider_label(code: str) -> str:
    try:
        return get_provider(code).label
    except KeyError:
        return code  # a provider since switched off: its code still says which


def order_context(order: Order) -> dict:
    """What both order pages show: lines, money, payment, timeline, refunds, returns."""
    payments = list(order.payments.all())
    payment = next(
        (p for p in payments if p.status == PaymentStatus.SUCCEEDED),
        payments[-1] if payments else None,
    )
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "timeline": timeline(order, list(order.events.select_related("by"))),
        "payment": payment,
        "payment_label": provider_label(payment.provider) if payment else "",
        "refunds": list(order.refunds.all()),
        "returns": list(
            order.returns.prefetch_related("lines__order_line").order_by(
                "requested_at", "id"
            )
        ),
    }


# --- pages ------------------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request")
def order_list(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    form = OrderFilterForm(request.GET)
    orders = (
        form.filter(Order.objects.for_distributor(viewer))
        .select_related("customer")
        .order_by("-placed_at", "-id")
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if _wants_partial(request):
        return render(request, "shop/orders/list.html#results", context)
    return render(request, "shop/orders/list.html", context)


@login_required
@require_safe
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    context = order_context(order)
    is_own = order.kind == OrderKind.DISTRIBUTOR
    remaining = return_actions.returnable_quantities(order)
    context.update(
        {
            "is_own": is_own,
            "can_pay": is_own and order.status == OrderStatus.PLACED,
            "pay_url": reverse("shop:pay", args=[order.number]),
            "can_cancel": is_own and order.status in DISTRIBUTOR_CANCELLABLE,
            "can_return": not return_actions.return_refusal(order)
            and any(quantity > 0 for quantity in remaining.values()),
            "return_deadline": return_actions.return_deadline(order),
        }
    )
    return render(request, "shop/orders/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    if order.kind != OrderKind.DISTRIBUTOR:
        raise Http404  # a retail customer's order is theirs to cancel, with support
    if request.method == "POST":
        try:
            actions.cancel_order(
                order=order, by=request.user, allowed_from=DISTRIBUTOR_CANCELLABLE
            )
        except ShopError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Order %(number)s is cancelled.") % {"number": order.number}
                + (" " + _("Your payment is being refunded.") if order.is_paid else ""),
            )
        return redirect("orders:detail", number=order.number)
    if order.status not in DISTRIBUTOR_CANCELLABLE:
        messages.error(
            request,
            _("This order can no longer be cancelled here; contact customer support."),
        )
        return redirect("orders:detail", number=order.number)
    return render(request, "shop/orders/cancel.html", {"order": order})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def return_request(request: HttpRequest, number: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    refusal = return_actions.return_refusal(order)
    remaining = return_actions.returnable_quantities(order)
    if not refusal and not any(quantity > 0 for quantity in remaining.values()):
        refusal = _("Everything in this order has already been returned or asked back.")
    if refusal:
        messages.error(request, refusal)
        return redirect("orders:detail", number=order.number)
    form = ReturnForm(
        request.POST if request.method == "POST" else None,
        lines=list(order.lines.all()),
        remaining=remaining,
    )
    estimate = None
    if request.method == "POST":
        is_valid = form.is_valid()
        chosen = form.chosen_lines()
        if chosen:
            estimate = return_actions.estimate_return(
                chosen, kind=form.cleaned_data.get("kind") or ReturnKind.REFUND
            )
        if is_valid and request.POST.get("step") == "confirm":
            try:
                created = return_actions.request_return(
                    order=order,
                    lines=form.chosen(),
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ShopError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your return request is sent (estimated refund "
                        "$%(amount)s). We email you when it is approved."
                    )
                    % {"amount": created.refund_estimate},
                )
                return redirect("orders:detail", number=order.number)
    context = {
        "order": order,
        "form": form,
        "estimate": estimate,
        "window_days": settings.RETURN_WINDOW_DAYS,
        "deadline": return_actions.return_deadline(order),
    }
    if _wants_partial(request) and request.POST.get("step") != "confirm":
        return render(request, "shop/orders/return.html#estimate", context)
    return render(request, "shop/orders/return.html", context)


@login_required
@require_POST
def return_cancel(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    found = order.returns.filter(pk=pk).first()
    if found is None:
        raise Http404
    try:
        return_actions.cancel_return(return_request=found, by=request.user)
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your return request is withdrawn."))
    return redirect("orders:detail", number=order.number)
