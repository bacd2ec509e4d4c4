"""The distributor's shop: the catalog, a product, the cart."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.accounts.access import safe_next
from backoffice.network.access import get_viewer
from backoffice.shop import actions
from backoffice.shop.actions import ShopError
from backoffice.shop.forms.checkout import CatalogFilterForm, QuantityForm
from backoffice.shop.models import Cart, Category, Product
from backoffice.shop.pricing import PricedItem, Totals


def wants_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- what the pages show of a cart -------------------------------------------------


@dataclass
class CartRow:
    product: Product
    item: PricedItem
    error: str = ""

    @property
    def quantity(self) -> int:
        return self.item.quantity

    @property
    def stock_warning(self) -> str:
        if not self.product.is_active:
            return _("No longer sold: remove it to check out.")
        if self.product.stock < self.item.quantity:
            if self.product.stock:
                return _("Only %(stock)d left in stock.") % {
                    "stock": self.product.stock
                }
            return _("Out of stock.")
        return ""


@dataclass
class CartView:
    rows: list[CartRow]
    totals: Totals
    error: str = ""  # a refusal about a product no longer in the cart

    @property
    def count(self) -> int:
        return sum(row.quantity for row in self.rows)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def can_check_out(self) -> bool:
        return bool(self.rows) and not any(row.stock_warning for row in self.rows)


def cart_view(
    cart: Cart | None, *, is_retail: bool, errors: dict[int, str] | None = None
) -> CartView:
    """The cart's lines priced by the server (retail prices for a customer)."""
    items = actions.cart_items(cart) if cart is not None else []
    priced, totals = actions.quote(items=items, delivery=None, is_retail=is_retail)
    products = Product.objects.in_bulk([item.product_id for item in priced])
    errors = errors or {}
    rows = [
        CartRow(
            product=products[item.product_id],
            item=item,
            error=errors.get(item.product_id, ""),
        )
        for item in priced
    ]
    shown = {item.product_id for item in priced}
    other = next((text for pk, text in errors.items() if text and pk not in shown), "")
    return CartView(rows=rows, totals=totals, error=other)


def grouped_by_category(products) -> list[tuple[Category, list[Product]]]:
    """Products (ordered by category) in one list per category."""
    return [
        (category, list(group))
        for category, group in groupby(products, key=lambda product: product.category)
    ]


def product_or_404(queryset, sku: str) -> Product:
    product = queryset.select_related("category").filter(sku=sku).first()
    if product is None:
        raise Http404
    return product


def add_refusal(product: Product, form: QuantityForm) -> str:
    """Why ``product`` cannot go in the cart in this quantity, or ''."""
    if not form.is_valid():
        return form.errors["quantity"][0]
    if not product.in_stock:
        return _("%(name)s is out of stock.") % {"name": product.name}
    return ""


# --- pages ------------------------------------------------------------------------


def _cart(request: HttpRequest) -> Cart:
    return actions.get_cart(user=request.user)


@login_required
@require_safe
@vary_on_headers("HX-Request")
def catalog(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    categories = list(Category.objects.all())
    form = CatalogFilterForm(request.GET, categories=categories)
    text, category = form.criteria()
    products = Product.objects.active().select_related("category").search(text)
    if category:
        products = products.in_category(category)
    products = list(products)
    context = {
        "form": form,
        "groups": grouped_by_category(products),
        "count": len(products),
        "searching": bool(text or category),
        "next": request.get_full_path(),
    }
    if wants_partial(request):
        return render(request, "shop/catalog/list.html#results", context)
    context["cart"] = cart_view(_cart(request), is_retail=False)
    context["shop_link"] = request.build_absolute_uri(
        reverse("storefront:home", args=[viewer.distributor_id])
    )
    return render(request, "shop/catalog/list.html", context)


@login_required
@require_safe
def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    get_viewer(request.user)
    product = product_or_404(Product.objects.active(), sku)
    return _product_page(request, product)


def _product_page(
    request: HttpRequest, product: Product, *, error: str = "", quantity=1
) -> HttpResponse:
    contents = product.contents.select_related("product").order_by("product__sku")
    context = {
        "product": product,
        "contents": list(contents),
        "cart": cart_view(_cart(request), is_retail=False),
        "error": error,
        "quantity": quantity,
        # Also after a refused add, whose own address takes POST only.
        "next": reverse("shop:product", args=[product.sku]),
    }
    return render(request, "shop/catalog/product.html", context)


@login_required
@require_POST
def cart_add(request: HttpRequest, product_id: int) -> HttpResponse:
    get_viewer(request.user)
    product = Product.objects.select_related("category").filter(pk=product_id).first()
    if product is None:
        raise Http404
    form = QuantityForm(request.POST)
    error = add_refusal(product, form)
    cart = _cart(request)
    if not error:
        try:
            actions.add_to_cart(
                cart=cart, product=product, quantity=form.cleaned_data["quantity"]
            )
        except ShopError as refusal:
            error = refusal.message
    added = "" if error else _add_note(product, form.cleaned_data["quantity"])
    if request.htmx:
        context = {
            "product": product,
            "error": error,
            "added": added,
            "quantity": request.POST.get("quantity", "1")[:4],
            "next": request.POST.get("next", ""),
            "cart": cart_view(cart, is_retail=False),
        }
        return render(request, "shop/catalog/_added.html", context)
    if error:
        return _product_page(
            request, product, error=error, quantity=request.POST.get("quantity", "")[:4]
        )
    messages.success(request, added)
    return redirect(safe_next(request, request.POST.get("next"), reverse("shop:cart")))


def _add_note(product: Product, quantity: int) -> str:
    return _("Added %(quantity)d × %(name)s to your cart.") % {
        "quantity": quantity,
        "name": product.name,
    }


@login_required
@require_safe
@vary_on_headers("HX-Request")
def cart(request: HttpRequest) -> HttpResponse:
    get_viewer(request.user)
    return _cart_page(request, cart_view(_cart(request), is_retail=False))


def _cart_page(request: HttpRequest, view: CartView) -> HttpResponse:
    template = "shop/catalog/cart.html"
    if wants_partial(request):
        template += "#cart"
    return render(request, template, {"cart": view})


@login_required
@require_POST
def cart_update(request: HttpRequest, product_id: int) -> HttpResponse:
    get_viewer(request.user)
    cart = _cart(request)
    form = QuantityForm(request.POST)
    error = ""
    if not form.is_valid():
        error = form.errors["quantity"][0]
    else:
        try:
            actions.set_cart_quantity(
                cart=cart,
                product_id=product_id,
                quantity=form.cleaned_data["quantity"],
            )
        except ShopError as refusal:
            error = refusal.message
    return _after_cart_change(request, cart, product_id, error)


@login_required
@require_POST
def cart_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    get_viewer(request.user)
    cart = _cart(request)
    actions.remove_from_cart(cart=cart, product_id=product_id)
    return _after_cart_change(request, cart, product_id, "")


def _after_cart_change(
    request: HttpRequest, cart: Cart, product_id: int, error: str
) -> HttpResponse:
    if request.htmx or error:
        view = cart_view(cart, is_retail=False, errors={product_id: error})
        return _cart_page(request, view)
    messages.success(request, _("Your cart is updated."))
    return redirect("shop:cart")
