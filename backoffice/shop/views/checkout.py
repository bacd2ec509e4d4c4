"""The distributor's checkout and pay pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.shop import actions
from backoffice.shop.access import get_order_for_viewer
from backoffice.shop.actions import Delivery, ShopError
from backoffice.shop.forms.checkout import (
    CheckoutForm,
    PayForm,
    add_shop_error,
    new_checkout_key,
)
from backoffice.shop.models import (
    Cart,
    Order,
    OrderKind,
    OrderStatus,
    Payment,
    PaymentStatus,
    WalletEntry,
)
from backoffice.shop.payments import available_providers
from backoffice.shop.pricing import PricedItem, Totals

# --- shared with the personal shop ------------------------------------------------


@dataclass
class Summary:
    """The server's own figures for a checkout, as the page shows them."""

    items: list[PricedItem]
    totals: Totals
    has_delivery: bool
    note: str = ""  # why shipping is not priced yet


def summarize(items: list[tuple[int, int]], form, *, is_retail: bool) -> Summary:
    """Quote the cart for the delivery the (bound, valid) form describes."""
    delivery: Delivery | None = None
    note = ""
    if form.is_bound and form.is_valid():
        delivery = form.get_delivery()
        try:
            actions.check_delivery(delivery)
        except ShopError as refusal:
            delivery, note = None, refusal.message
    priced, totals = actions.quote(items=items, delivery=delivery, is_retail=is_retail)
    return Summary(
        items=priced, totals=totals, has_delivery=delivery is not None, note=note
    )


def order_placed_with(distributor: Distributor, key: str) -> Order | None:
    """The order a checkout already placed with this key (a repeated submit)."""
    return Order.objects.for_distributor(distributor).with_checkout_key(key).first()


def clear_ordered_lines(cart: Cart, order: Order) -> None:
    for product_id in order.lines.values_list("product_id", flat=True):
        actions.remove_from_cart(cart=cart, product_id=product_id)


def payment_response(
    request: HttpRequest, order: Order, payment: Payment, *, done_url: str
) -> HttpResponse:
    """Where the payer goes after starting a payment."""
    if payment.redirect_url:
        # The provider's own page collects the card (see other): a GET there.
        return HttpResponseRedirect(payment.redirect_url, status=303)
    if payment.status == PaymentStatus.SUCCEEDED:
        messages.success(
            request,
            _("Thank you — order %(number)s is paid.") % {"number": order.number},
        )
    else:
        messages.info(
            request,
            _("Your payment for order %(number)s is being processed.")
            % {"number": order.number},
        )
    return redirect(done_url)


def pay_context(order: Order, form: PayForm, providers) -> dict:
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "form": form,
        "providers": providers,
        "has_demo": any(provider.is_demo for provider in providers),
        "wallet_balance": None,
        "unpaid_minutes": settings.UNPAID_ORDER_MINUTES,
    }


# --- checkout -------------------------------------------------------------------


def _checkout_form(request: HttpRequest, viewer: Distributor) -> CheckoutForm:
    if request.method == "POST":
        return CheckoutForm(request.POST, distributor=viewer)
    probe = CheckoutForm(distributor=viewer)
    method = probe.fields["shipping_method"].queryset.first()
    initial = {
        "delivery": CheckoutForm.RECORD
        if probe.record_address_ok
        else CheckoutForm.NEW,
        "shipping_method": method.pk if method else None,
        "will_call": getattr(probe.fields["will_call"].queryset.first(), "pk", None),
        "name": request.user.get_full_name(),
        "checkout_key": new_checkout_key(),
    }
    return CheckoutForm(initial=initial, distributor=viewer)


def _initial_summary(form: CheckoutForm, viewer, items) -> Summary:
    """The totals for the choices a fresh form starts with."""
    data = {name: value for name, value in form.initial.items() if value is not None}
    return summarize(items, CheckoutForm(data, distributor=viewer), is_retail=False)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    cart = actions.get_cart(user=request.user)
    items = actions.cart_items(cart)
    form = _checkout_form(request, viewer)
    placing = request.method == "POST" and request.POST.get("action") != "update"
    if request.method == "GET" and not items:
        messages.info(request, _("Your cart is empty."))
        return redirect("shop:cart")
    if placing and form.is_valid():
        key = f"u{request.user.pk}-{form.cleaned_data['checkout_key']}"
        order = order_placed_with(viewer, key)
        if order is not None:
            return redirect("shop:pay", order.number)
        try:
            order = actions.place_order(
                distributor=viewer,
                items=items,
                delivery=form.get_delivery(),
                email=request.user.email,
                idempotency_key=key,
                buyer=request.user,
            )
        except ShopError as refusal:
            add_shop_error(form, refusal)
        else:
            clear_ordered_lines(cart, order)
            return redirect("shop:pay", order.number)
    summary = (
        summarize(items, form, is_retail=False)
        if form.is_bound
        else _initial_summary(form, viewer, items)
    )
    context = {"form": form, "summary": summary, "viewer": viewer}
    return render(request, "shop/checkout/checkout.html", context)


@login_required
@require_POST
def checkout_totals(request: HttpRequest) -> HttpResponse:
    """The summary for the delivery being chosen (htmx), recomputed on the server."""
    viewer = get_viewer(request.user)
    items = actions.cart_items(actions.get_cart(user=request.user))
    form = CheckoutForm(request.POST, distributor=viewer)
    summary = summarize(items, form, is_retail=False)
    return render(request, "shop/checkout/checkout.html#summary", {"summary": summary})


# --- pay ------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, number: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    order = get_order_for_viewer(viewer, number)
    if order.kind != OrderKind.DISTRIBUTOR:
        # A customer's order is paid by the customer, in the personal shop.
        raise Http404
    done_url = reverse("orders:detail", args=[order.number])
    if order.is_paid:
        messages.info(
            request, _("Order %(number)s is paid.") % {"number": order.number}
        )
        return redirect(done_url)
    if order.status != OrderStatus.PLACED:
        messages.error(request, _("This order can no longer be paid."))
        return redirect(done_url)
    providers = available_providers(order)
    form = PayForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            payment = actions.start_payment(
                order=order,
                provider_code=form.cleaned_data["provider"],
                data=form.provider_data(),
                request=request,
            )
        except ShopError as refusal:
            form.add_payment_error(refusal)
        else:
            return payment_response(request, order, payment, done_url=done_url)
    context = pay_context(order, form, providers)
    if any(provider.code == "wallet" for provider in providers):
        context["wallet_balance"] = WalletEntry.objects.for_distributor(
            viewer
        ).balance()
    return render(request, "shop/checkout/pay.html", context)
