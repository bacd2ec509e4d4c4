"""Fulfilment pages for staff: the order queue, shipping, stock and returns.

Every page needs a staff account holding the page's permission. Staff sign in
with a second factor (AccountMiddleware sends staff without one to set it up
before anything else), so a staff session here has always passed it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.decorators.vary import vary_on_headers

from backoffice.accounts.access import staff_permission_required
from backoffice.shop import actions
from backoffice.shop.actions import ShopError
from backoffice.shop.actions import returns as return_actions
from backoffice.shop.forms.staff import (
    CancelForm,
    QueueFilterForm,
    ReceiveReturnForm,
    RejectReturnForm,
    RestockForm,
    ReturnInboxFilterForm,
    ShipForm,
)
from backoffice.shop.models import (
    Order,
    OrderStatus,
    Product,
    Refund,
    RefundStatus,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
)
from backoffice.shop.views.orders import order_context

PAGE_SIZE = 50
ORDERS = "shop.change_order"
STOCK = "shop.add_stockmovement"
RETURNS = "shop.change_returnrequest"


def _wants_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _order(number: str) -> Order:
    return get_object_or_404(
        Order.objects.select_related(
            "distributor__user", "customer", "will_call", "shipping_method"
        ),
        number=number.upper(),
    )


# --- the queue and an order --------------------------------------------------------


@staff_permission_required(ORDERS)
@require_safe
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    orders = form.filter(Order.objects.fulfilment_queue()).select_related(
        "distributor__user", "customer", "will_call"
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if _wants_partial(request):
        return render(request, "shop/staff/queue.html#results", context)
    context.update(
        {
            "low_stock_count": Product.objects.active().low_stock().count(),
            "requested_count": ReturnRequest.objects.with_status(
                ReturnStatus.REQUESTED
            ).count(),
            "received_count": ReturnRequest.objects.with_status(
                ReturnStatus.RECEIVED
            ).count(),
            "failed_refunds": list(
                Refund.objects.failed().select_related("order").order_by("pk")[:20]
            ),
        }
    )
    return render(request, "shop/staff/queue.html", context)


def _order_page(
    request: HttpRequest,
    order: Order,
    *,
    ship_form: ShipForm | None = None,
    cancel_form: CancelForm | None = None,
) -> HttpResponse:
    context = order_context(order)
    context.update(
        {
            "ship_form": ship_form or ShipForm(),
            "cancel_form": cancel_form or CancelForm(),
            "can_process": order.status == OrderStatus.PAID,
            "can_ship": order.status == OrderStatus.PROCESSING and not order.is_pickup,
            "can_deliver": order.status == OrderStatus.SHIPPED
            or (order.status == OrderStatus.PROCESSING and order.is_pickup),
            "can_cancel": order.can_become(OrderStatus.CANCELLED),
        }
    )
    return render(request, "shop/staff/order.html", context)


@staff_permission_required(ORDERS)
@require_safe
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    return _order_page(request, _order(number))


def _order_url(order: Order) -> str:
    return reverse("fulfilment:order", args=[order.number])


def _return_url(return_request: ReturnRequest) -> str:
    return reverse("fulfilment:return", args=[return_request.pk])


def _run(request: HttpRequest, run: Callable, done: str, then: str) -> HttpResponse:
    """Run an action; its refusal or ``done`` as a message; then back to ``then``."""
    try:
        run()
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(then)


@staff_permission_required(ORDERS)
@require_POST
def mark_processing(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    return _run(
        request,
        lambda: actions.mark_processing(order=order, by=request.user),
        _("Order %(number)s is being prepared.") % {"number": order.number},
        _order_url(order),
    )


@staff_permission_required(ORDERS)
@require_POST
def ship(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _order_page(request, order, ship_form=form)
    return _run(
        request,
        lambda: actions.mark_shipped(
            order=order,
            by=request.user,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        ),
        _("Order %(number)s is shipped; the distributor has the tracking link.")
        % {"number": order.number},
        _order_url(order),
    )


@staff_permission_required(ORDERS)
@require_POST
def deliver(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    done = (
        _("Order %(number)s is picked up.")
        if order.is_pickup
        else _("Order %(number)s is delivered.")
    )
    return _run(
        request,
        lambda: actions.mark_delivered(order=order, by=request.user),
        done % {"number": order.number},
        _order_url(order),
    )


@staff_permission_required(ORDERS)
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _order_page(request, order, cancel_form=form)
    done = _("Order %(number)s is cancelled.") % {"number": order.number}
    if order.is_paid:
        done += " " + _("The payment is refunded in full.")
    return _run(
        request,
        lambda: actions.cancel_order(
            order=order, by=request.user, reason=form.cleaned_data["reason"]
        ),
        done,
        _order_url(order),
    )


@staff_permission_required(ORDERS)
@require_POST
def retry_refund(request: HttpRequest, number: str, refund_id: int) -> HttpResponse:
    order = _order(number)
    refund = get_object_or_404(order.refunds, pk=refund_id)

    def run() -> None:
        again = actions.retry_refund(refund=refund, by=request.user)
        if again.status == RefundStatus.FAILED:
            raise ShopError(again.reason)

    return _run(request, run, _("The refund was sent again."), _order_url(order))


# --- company stock --------------------------------------------------------------------


@staff_permission_required(STOCK)
@require_safe
def stock(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:60]
    products = (
        Product.objects.search(search)
        if search
        else Product.objects.active().low_stock()
    )
    rows = [
        (product, RestockForm(product_id=product.pk))
        for product in products.select_related("category").order_by("stock", "sku")
    ]
    return render(request, "shop/staff/stock.html", {"rows": rows, "search": search})


@staff_permission_required(STOCK)
@require_http_methods(["GET", "HEAD", "POST"])
def restock(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    form = RestockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            product = actions.restock(
                product=product,
                quantity=form.cleaned_data["quantity"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ShopError as error:
            form.add_error(
                error.field if error.field in form.fields else None, error.message
            )
        else:
            messages.success(
                request,
                _("%(sku)s %(name)s: %(stock)d in stock.")
                % {"sku": product.sku, "name": product.name, "stock": product.stock},
            )
            return redirect("fulfilment:restock", pk=product.pk)
    movements = StockMovement.objects.filter(product=product).select_related(
        "order", "by"
    )[:30]
    return render(
        request,
        "shop/staff/restock.html",
        {"product": product, "form": form, "movements": movements},
    )


# --- returns --------------------------------------------------------------------------


def _return(pk: int) -> ReturnRequest:
    return get_object_or_404(
        ReturnRequest.objects.select_related(
            "order__distributor__user", "requested_by", "handled_by"
        ),
        pk=pk,
    )


@staff_permission_required(RETURNS)
@require_safe
@vary_on_headers("HX-Request")
def return_inbox(request: HttpRequest) -> HttpResponse:
    form = ReturnInboxFilterForm(request.GET)
    requests = (
        form.filter(ReturnRequest.objects.all())
        .select_related("order__distributor__user")
        .prefetch_related("lines__order_line")
        .order_by("requested_at", "id")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if _wants_partial(request):
        return render(request, "shop/staff/returns.html#results", context)
    return render(request, "shop/staff/returns.html", context)


def _return_page(
    request: HttpRequest,
    return_request: ReturnRequest,
    *,
    reject_form: RejectReturnForm | None = None,
) -> HttpResponse:
    lines = list(return_request.lines.select_related("order_line"))
    context = {
        "return_request": return_request,
        "order": return_request.order,
        "lines": lines,
        "reject_form": reject_form or RejectReturnForm(),
        "receive_form": ReceiveReturnForm(lines=lines),
        "figures": return_actions.estimate_return(
            [(line.order_line, line.quantity) for line in lines],
            kind=return_request.kind,
        ),
        "refunds": list(return_request.refunds.all()),
    }
    return render(request, "shop/staff/return.html", context)


@staff_permission_required(RETURNS)
@require_safe
def return_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _return_page(request, _return(pk))


@staff_permission_required(RETURNS)
@require_POST
def approve_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = _return(pk)
    return _run(
        request,
        lambda: return_actions.approve_return(return_request=found, by=request.user),
        _("Return approved; the distributor has the RMA number and our address."),
        _return_url(found),
    )


@staff_permission_required(RETURNS)
@require_POST
def reject_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = _return(pk)
    form = RejectReturnForm(request.POST)
    if not form.is_valid():
        return _return_page(request, found, reject_form=form)
    return _run(
        request,
        lambda: return_actions.reject_return(
            return_request=found, by=request.user, note=form.cleaned_data["note"]
        ),
        _("Return refused; the distributor has your note."),
        _return_url(found),
    )


@staff_permission_required(RETURNS)
@require_POST
def receive_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = _return(pk)
    form = ReceiveReturnForm(
        request.POST, lines=list(found.lines.select_related("order_line"))
    )
    form.is_valid()  # checkboxes only: every submission is valid
    return _run(
        request,
        lambda: return_actions.receive_return(
            return_request=found, by=request.user, resalable=form.resalable()
        ),
        _("Return received; resalable products are back in stock."),
        _return_url(found),
    )


@staff_permission_required(RETURNS)
@require_POST
def refund_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = _return(pk)
    return _run(
        request,
        lambda: return_actions.refund_return(return_request=found, by=request.user),
        _("Refund issued."),
        _return_url(found),
    )
