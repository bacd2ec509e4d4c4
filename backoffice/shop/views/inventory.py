"""The distributor's own stock ("My inventory") and their retail customers."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.shop.access import get_customer_for_viewer, get_item_for_viewer
from backoffice.shop.actions import ShopError
from backoffice.shop.actions import inventory as inventory_actions
from backoffice.shop.forms.inventory import (
    AddStockForm,
    AdjustCountForm,
    CustomerSearchForm,
    HistoryFilterForm,
    RecordUseForm,
    ReminderForm,
)
from backoffice.shop.models import (
    InventoryItem,
    InventoryMovement,
    Order,
    Product,
    RetailCustomer,
)

CUSTOMERS_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
ORDERS_PAGE_SIZE = 25
RECENT_MOVEMENTS = 10


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _add_shop_error(form: forms.Form, error: ShopError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- gates ------------------------------------------------------------------------


# --- reads --------------------------------------------------------------------------


def _held_products(viewer: Distributor) -> QuerySet[Product]:
    """Products the viewer has on hand, each with ``on_hand``."""
    items = InventoryItem.objects.for_distributor(viewer).filter(quantity__gt=0)
    return (
        Product.objects.filter(pk__in=items.values("product_id"))
        .annotate(
            on_hand=Subquery(
                items.filter(product=OuterRef("pk")).values("quantity")[:1]
            )
        )
        .order_by("sku")
    )


def _products_ever_held(viewer: Distributor) -> QuerySet[Product]:
    items = InventoryItem.objects.for_distributor(viewer)
    return Product.objects.filter(pk__in=items.values("product_id")).order_by("sku")


def _movements(viewer: Distributor) -> QuerySet[InventoryMovement]:
    return InventoryMovement.objects.filter(distributor=viewer).select_related(
        "product", "order"
    )


def _customers_with_totals(viewer: Distributor) -> QuerySet[RetailCustomer]:
    return (
        RetailCustomer.objects.for_distributor(viewer)
        .with_totals()
        .order_by("last_name", "first_name", "id")
    )


def _search_customers(
    customers: QuerySet[RetailCustomer], text: str
) -> QuerySet[RetailCustomer]:
    # Every word must match a name or the email: "ann lee" finds Ann Lee.
    for word in text.split():
        customers = customers.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return customers


# --- my inventory -------------------------------------------------------------------


def _stock_context(viewer: Distributor, form: RecordUseForm) -> dict:
    items = InventoryItem.objects.for_distributor(viewer)
    low_ids = set(items.low().values_list("pk", flat=True))
    return {
        "items": items.select_related("product"),
        "low_ids": low_ids,
        "low_count": len(low_ids),
        "form": form,
        "can_record": form.fields["product"].queryset.exists(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def inventory(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    posted = request.POST if request.method == "POST" else None
    form = RecordUseForm(posted, products=_held_products(viewer))
    recorded = None
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = inventory_actions.record_use(
                distributor=viewer,
                product=data["product"],
                kind=data["kind"],
                quantity=data["quantity"],
                on=data["on"],
                note=data["note"],
            )
        except ShopError as error:
            _add_shop_error(form, error)
        else:
            if not request.htmx:
                messages.success(
                    request,
                    _("Recorded. %(count)d of %(name)s left.")
                    % {
                        "count": recorded.quantity_after,
                        "name": data["product"].name,
                    },
                )
                return redirect("inventory:list")
            form = RecordUseForm(products=_held_products(viewer))
    context = _stock_context(viewer, form)
    context["recorded"] = recorded
    if _wants_partial(request):
        return render(request, "shop/inventory/list.html#stock", context)
    return render(request, "shop/inventory/list.html", context)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def history(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    form = HistoryFilterForm(request.GET, products=_products_ever_held(viewer))
    movements = _movements(viewer)
    if form.is_valid():
        if form.cleaned_data["product"]:
            movements = movements.filter(product=form.cleaned_data["product"])
        if form.cleaned_data["kind"]:
            movements = movements.filter(kind=form.cleaned_data["kind"])
    else:
        movements = movements.none()
    page = Paginator(movements, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    if _wants_partial(request):
        return render(request, "shop/inventory/history.html#results", context)
    return render(request, "shop/inventory/history.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_detail(request: HttpRequest, sku: str) -> HttpResponse:
    viewer = get_viewer(request.user)
    item = get_item_for_viewer(viewer, sku)
    product = item.product
    which = request.POST.get("form") if request.method == "POST" else None
    count_form = AdjustCountForm(
        request.POST if which == "count" else None, prefix="count"
    )
    reminder_form = ReminderForm(
        request.POST if which == "reminder" else None,
        prefix="reminder",
        initial={"threshold": item.low_stock_threshold},
    )
    if which == "count" and count_form.is_valid():
        try:
            inventory_actions.adjust_count(
                distributor=viewer,
                product=product,
                counted=count_form.cleaned_data["counted"],
                note=count_form.cleaned_data["note"],
            )
        except ShopError as error:
            _add_shop_error(count_form, error)
        else:
            messages.success(request, _("The count is corrected."))
            return redirect("inventory:item", sku=product.sku)
    elif which == "reminder" and reminder_form.is_valid():
        threshold = reminder_form.cleaned_data["threshold"]
        inventory_actions.set_reminder(
            distributor=viewer, product=product, threshold=threshold
        )
        messages.success(
            request,
            _("We will remind you at %(count)d or fewer.") % {"count": threshold}
            if threshold
            else _("The reminder is off."),
        )
        return redirect("inventory:item", sku=product.sku)
    elif request.method == "POST" and which not in ("count", "reminder"):
        return redirect("inventory:item", sku=product.sku)
    context = {
        "item": item,
        "product": product,
        "is_low": InventoryItem.objects.filter(pk=item.pk).low().exists(),
        "count_form": count_form,
        "reminder_form": reminder_form,
        "recent": _movements(viewer).filter(product=product)[:RECENT_MOVEMENTS],
    }
    return render(request, "shop/inventory/item.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_stock(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    products = Product.objects.active().products().order_by("sku")
    form = AddStockForm(
        request.POST if request.method == "POST" else None,
        products=products,
        initial={"product": request.GET.get("product", "")},
    )
    if request.method == "POST" and form.is_valid():
        product = form.cleaned_data["product"]
        try:
            movement = inventory_actions.add_stock(
                distributor=viewer,
                product=product,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
            )
        except ShopError as error:
            _add_shop_error(form, error)
        else:
            messages.success(
                request,
                _("Added. You now have %(count)d of %(name)s.")
                % {"count": movement.quantity_after, "name": product.name},
            )
            return redirect("inventory:item", sku=product.sku)
    return render(request, "shop/inventory/add.html", {"form": form})


# --- retail customers ---------------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request")
def customers(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    form = CustomerSearchForm(request.GET)
    found = _customers_with_totals(viewer)
    if form.is_valid():
        found = _search_customers(found, form.cleaned_data["q"])
    page = Paginator(found, CUSTOMERS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    if _wants_partial(request):
        return render(request, "shop/inventory/customers.html#results", context)
    site = settings.SITE_URL.rstrip("/")
    context["shop_link"] = f"{site}/s/{viewer.distributor_id}/"
    return render(request, "shop/inventory/customers.html", context)


@login_required
@require_safe
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    viewer = get_viewer(request.user)
    customer = get_customer_for_viewer(viewer, customer_id)
    summary = _customers_with_totals(viewer).get(pk=customer.pk)
    orders = Order.objects.for_distributor(viewer).filter(customer=customer)
    page = Paginator(orders, ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/inventory/customer.html",
        {"customer": summary, "page": page},
    )
