"""The distributor's autoship page: start, edit, skip, pause, resume, cancel,
and save a card for it on Stripe's page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.shop import reads
from backoffice.shop.actions import ShopError
from backoffice.shop.actions import autoship as autoship_actions
from backoffice.shop.forms.autoship import AutoshipForm
from backoffice.shop.models import (
    Autoship,
    AutoshipRunStatus,
    AutoshipStatus,
    Product,
)
from backoffice.shop.payments import stripe as stripe_payments
from backoffice.shop.payments.base import PaymentError

PAGE = "shop/autoship/page.html"
EDIT = "shop/autoship/edit.html"


def _products() -> list[Product]:
    # Packs are never in an autoship; inactive products cannot be chosen.
    return list(Product.objects.active().products().select_related("category"))


def _own_autoship(viewer: Distributor) -> Autoship:
    """The viewer's autoship unless cancelled; 404 when they have none."""
    autoship = reads.live_autoship_of(viewer)
    if autoship is None:
        raise Http404
    return autoship


def _start_context(viewer: Distributor, form: AutoshipForm) -> dict:
    return {
        "form": form,
        "autoship": None,
        "earliest": autoship_actions.earliest_start(),
        "was_cancelled": reads.autoship_of(viewer) is not None,
    }


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    autoship = reads.live_autoship_of(viewer)
    if autoship is None:
        form = AutoshipForm(distributor=viewer, products=_products())
        return render(request, PAGE, _start_context(viewer, form))
    runs = reads.recent_runs(autoship)
    # The latest month's error while the autoship is failing: what to fix.
    latest = runs[0] if runs else None
    problem = (
        latest
        if latest is not None
        and latest.last_error
        and latest.status != AutoshipRunStatus.SUCCEEDED
        and autoship.status == AutoshipStatus.FAILING
        else None
    )
    context = {
        "autoship": autoship,
        "estimate": reads.autoship_estimate(autoship),
        "summary": reads.autoship_summary(viewer),
        "runs": runs,
        "problem": problem,
        "is_paused": autoship.status == AutoshipStatus.PAUSED,
        "can_save_card": stripe_payments.CODE in settings.PAYMENT_PROVIDERS,
        # Back from Stripe's page: the card shows once Stripe's webhook says so
        # (also when it replaces a card the autoship already had).
        "card_on_its_way": request.GET.get("card") == "saved",
    }
    return render(request, PAGE, context)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    if reads.live_autoship_of(viewer) is not None:
        messages.info(request, _("You already have an autoship; edit it instead."))
        return redirect("autoship:home")
    form = AutoshipForm(request.POST, distributor=viewer, products=_products())
    if form.is_valid():
        day = form.cleaned_data["day_of_month"]
        first_run_on = form.cleaned_data[
            "first_run_on"
        ] or autoship_actions.first_date_on_day(day, autoship_actions.earliest_start())
        try:
            autoship = autoship_actions.start_autoship(
                distributor=viewer,
                items=form.items(),
                day_of_month=day,
                first_run_on=first_run_on,
                delivery=form.get_delivery(),
                **form.payment(),
            )
        except ShopError as error:
            form.add_shop_error(error)
        else:
            messages.success(
                request,
                _("Your autoship is set up. The first order is on %(date)s.")
                % {"date": date_format(autoship.next_run_on)},
            )
            return redirect("autoship:home")
    return render(request, PAGE, _start_context(viewer, form))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    autoship = _own_autoship(viewer)
    form = AutoshipForm(
        request.POST if request.method == "POST" else None,
        distributor=viewer,
        products=_products(),
        autoship=autoship,
    )
    if request.method == "POST" and form.is_valid():
        try:
            autoship = autoship_actions.update_autoship(
                distributor=viewer,
                items=form.items(),
                day_of_month=form.cleaned_data["day_of_month"],
                delivery=form.get_delivery(),
                **form.payment(),
            )
        except ShopError as error:
            form.add_shop_error(error)
        else:
            messages.success(request, _("Your autoship is saved."))
            return redirect("autoship:home")
    context = {
        "form": form,
        "autoship": autoship,
        "lead_days": settings.AUTOSHIP_LEAD_DAYS,
    }
    return render(request, EDIT, context)


def _change(
    request: HttpRequest,
    action: Callable[..., Autoship],
    done: Callable[[Autoship], str],
) -> HttpResponse:
    viewer = get_viewer(request.user)
    _own_autoship(viewer)
    try:
        autoship = action(distributor=viewer)
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done(autoship))
    return redirect("autoship:home")


@login_required
@require_POST
def skip(request: HttpRequest) -> HttpResponse:
    return _change(
        request,
        autoship_actions.skip_next_autoship,
        lambda autoship: (
            _("Skipped. Your next order is on %(date)s.")
            % {"date": date_format(autoship.next_run_on)}
        ),
    )


@login_required
@require_POST
def pause(request: HttpRequest) -> HttpResponse:
    return _change(
        request,
        autoship_actions.pause_autoship,
        lambda autoship: _("Your autoship is paused. No orders until you resume it."),
    )


@login_required
@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    return _change(
        request,
        autoship_actions.resume_autoship,
        lambda autoship: (
            _("Your autoship is running again. Next order: %(date)s.")
            % {"date": date_format(autoship.next_run_on)}
        ),
    )


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    return _change(
        request,
        autoship_actions.cancel_autoship,
        lambda autoship: _(
            "Your autoship is cancelled. No more orders will be placed."
        ),
    )


@login_required
@require_POST
def save_card(request: HttpRequest) -> HttpResponse:
    """Send the distributor to Stripe's page to save a card for their autoship."""
    viewer = get_viewer(request.user)
    autoship = _own_autoship(viewer)
    if stripe_payments.CODE not in settings.PAYMENT_PROVIDERS:
        raise Http404
    try:
        address = stripe_payments.start_card_setup(autoship=autoship, request=request)
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("autoship:home")
    return redirect(address)
