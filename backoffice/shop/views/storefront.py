"""A distributor's personal shop: retail customers buy without an account.

Public pages. The cart and the orders placed belong to the visitor's session:
only the session that placed an order can pay for it or see it. Customers see
retail prices only, never distributor prices or volume, and never packs.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.decorators.vary import vary_on_headers

from backoffice.accounts.access import safe_next
from backoffice.lib.http import client_ip
from backoffice.network.models import Distributor
from backoffice.shop import actions
from backoffice.shop.access import (
    STOREFRONT_ORDERS_KEY,
    get_order_for_session,
    get_shop_owner,
)
from backoffice.shop.actions import ShopError
from backoffice.shop.forms.checkout import (
    CatalogFilterForm,
    CustomerCheckoutForm,
    PayForm,
    QuantityForm,
    add_shop_error,
    new_checkout_key,
)
from backoffice.shop.models import (
    Cart,
    Category,
    Order,
    OrderStatus,
    PaymentStatus,
    Product,
)
from backoffice.shop.payments import available_providers
from backoffice.shop.views.catalog import (
    CartView,
    add_refusal,
    cart_view,
    grouped_by_category,
    product_or_404,
    wants_partial,
)
from backoffice.shop.views.checkout import (
    clear_ordered_lines,
    order_placed_with,
    pay_context,
    payment_response,
    summarize,
)

# Session keys: the visitor's cart token per shop, and the orders they placed.
CARTS_KEY = "storefront_carts"
ORDERS_KEY = STOREFRONT_ORDERS_KEY
SEEN_KEY = "storefront_seen"
ORDERS_REMEMBERED = 20

# Per client address: placing orders, and payment attempts (card testing).
CHECKOUT_LIMIT = (20, 3600)
PAY_LIMIT = (10, 900)


# --- the gates --------------------------------------------------------------------


def shop_name(owner: Distributor) -> str:
    """First name and last initial: all a customer learns of the distributor."""
    user = owner.user
    initial = f" {user.last_name[:1]}." if user.last_name else ""
    return f"{user.first_name}{initial}".strip()


def _products():
    # Packs are a distributor's business kit: never sold to customers.
    return Product.objects.active().products()


# --- the session ------------------------------------------------------------------


def _keep_session(request: HttpRequest) -> None:
    """Slide the idle timeout while a visitor with a cart or an order browses."""
    session = request.session
    if CARTS_KEY not in session and ORDERS_KEY not in session:
        return
    now = int(time.time())
    if now - session.get(SEEN_KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
        session[SEEN_KEY] = now


def _cart(
    request: HttpRequest, owner: Distributor, *, create: bool = False
) -> Cart | None:
    tokens = dict(request.session.get(CARTS_KEY, {}))
    key = str(owner.distributor_id)
    token = tokens.get(key)
    if token:
        cart = actions.get_cart(token=token, shop_owner=owner)
        if cart.shop_owner_id == owner.pk:
            return cart
    if not create:
        return None
    tokens[key] = actions.new_cart_token()
    request.session[CARTS_KEY] = tokens
    return actions.get_cart(token=tokens[key], shop_owner=owner)


def _remember_order(request: HttpRequest, order: Order) -> None:
    numbers = [n for n in request.session.get(ORDERS_KEY, []) if n != order.number]
    request.session[ORDERS_KEY] = [*numbers, order.number][-ORDERS_REMEMBERED:]


def _allowed(request: HttpRequest, scope: str, limit: tuple[int, int]) -> bool:
    """A fixed-window count per client address in the cache."""
    count, seconds = limit
    key = f"storefront:{scope}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key) <= count
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return True


def _too_many(request: HttpRequest, owner: Distributor) -> HttpResponse:
    context = {"owner": owner, "shop_name": shop_name(owner)}
    return render(request, "shop/storefront/too_many.html", context, status=429)


def _context(request: HttpRequest, owner: Distributor, **extra) -> dict:
    _keep_session(request)
    return {"owner": owner, "shop_name": shop_name(owner), **extra}


# --- retail customers -------------------------------------------------------------


# --- browsing and the cart ----------------------------------------------------------


@require_safe
@vary_on_headers("HX-Request")
def home(request: HttpRequest, distributor_id: str) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    categories = list(Category.objects.filter(products__in=_products()).distinct())
    form = CatalogFilterForm(request.GET, categories=categories)
    text, category = form.criteria()
    products = _products().select_related("category").search(text)
    if category:
        products = products.in_category(category)
    products = list(products)
    context = _context(
        request,
        owner,
        form=form,
        groups=grouped_by_category(products),
        count=len(products),
        searching=bool(text or category),
        next=request.get_full_path(),
    )
    if wants_partial(request):
        return render(request, "shop/storefront/home.html#results", context)
    context["cart"] = cart_view(_cart(request, owner), is_retail=True)
    return render(request, "shop/storefront/home.html", context)


@require_safe
def product_detail(request: HttpRequest, distributor_id: str, sku: str) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    product = product_or_404(_products(), sku)
    return _product_page(request, owner, product)


def _product_page(
    request: HttpRequest, owner: Distributor, product: Product, **extra
) -> HttpResponse:
    context = _context(
        request,
        owner,
        product=product,
        cart=cart_view(_cart(request, owner), is_retail=True),
        # Also after a refused add, whose own address takes POST only.
        next=reverse("storefront:product", args=[owner.distributor_id, product.sku]),
        **extra,
    )
    return render(request, "shop/storefront/product.html", context)


@require_POST
def cart_add(
    request: HttpRequest, distributor_id: str, product_id: int
) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    product = _products().select_related("category").filter(pk=product_id).first()
    if product is None:
        raise Http404
    form = QuantityForm(request.POST)
    error = add_refusal(product, form)
    cart = _cart(request, owner, create=not error)
    if not error:
        try:
            actions.add_to_cart(
                cart=cart, product=product, quantity=form.cleaned_data["quantity"]
            )
        except ShopError as refusal:
            error = refusal.message
    added = (
        ""
        if error
        else _("Added %(quantity)d × %(name)s to your cart.")
        % {"quantity": form.cleaned_data["quantity"], "name": product.name}
    )
    if request.htmx:
        context = _context(
            request,
            owner,
            product=product,
            error=error,
            added=added,
            quantity=request.POST.get("quantity", "1")[:4],
            next=request.POST.get("next", ""),
            cart=cart_view(cart, is_retail=True),
        )
        return render(request, "shop/storefront/_added.html", context)
    if error:
        return _product_page(
            request,
            owner,
            product,
            error=error,
            quantity=request.POST.get("quantity", "")[:4],
        )
    messages.success(request, added)
    default = reverse("storefront:cart", args=[owner.distributor_id])
    return redirect(safe_next(request, request.POST.get("next"), default))


@require_safe
@vary_on_headers("HX-Request")
def cart(request: HttpRequest, distributor_id: str) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    return _cart_page(request, owner, cart_view(_cart(request, owner), is_retail=True))


def _cart_page(
    request: HttpRequest, owner: Distributor, view: CartView
) -> HttpResponse:
    template = "shop/storefront/cart.html"
    if wants_partial(request):
        template += "#cart"
    return render(request, template, _context(request, owner, cart=view))


@require_POST
def cart_update(
    request: HttpRequest, distributor_id: str, product_id: int
) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    cart = _cart(request, owner)
    form = QuantityForm(request.POST)
    error = ""
    if cart is None:
        error = _("That product is not in your cart.")
    elif not form.is_valid():
        error = form.errors["quantity"][0]
    else:
        try:
            actions.set_cart_quantity(
                cart=cart, product_id=product_id, quantity=form.cleaned_data["quantity"]
            )
        except ShopError as refusal:
            error = refusal.message
    return _after_cart_change(request, owner, cart, product_id, error)


@require_POST
def cart_remove(
    request: HttpRequest, distributor_id: str, product_id: int
) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    cart = _cart(request, owner)
    if cart is not None:
        actions.remove_from_cart(cart=cart, product_id=product_id)
    return _after_cart_change(request, owner, cart, product_id, "")


def _after_cart_change(
    request: HttpRequest,
    owner: Distributor,
    cart: Cart | None,
    product_id: int,
    error: str,
) -> HttpResponse:
    if request.htmx or error:
        view = cart_view(cart, is_retail=True, errors={product_id: error})
        return _cart_page(request, owner, view)
    messages.success(request, _("Your cart is updated."))
    return redirect("storefront:cart", owner.distributor_id)


# --- checkout and payment -----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, distributor_id: str) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    cart = _cart(request, owner)
    items = actions.cart_items(cart) if cart is not None else []
    if request.method == "GET":
        if not items:
            messages.info(request, _("Your cart is empty."))
            return redirect("storefront:cart", owner.distributor_id)
        method = CustomerCheckoutForm().fields["shipping_method"].queryset.first()
        form = CustomerCheckoutForm(
            initial={
                "checkout_key": new_checkout_key(),
                "shipping_method": method.pk if method else None,
            }
        )
    else:
        if not _allowed(request, "checkout", CHECKOUT_LIMIT):
            return _too_many(request, owner)
        form = CustomerCheckoutForm(request.POST)
        if request.POST.get("action") != "update" and form.is_valid():
            response = _place(request, owner, cart, items, form)
            if response is not None:
                return response
    summary = summarize(items, form, is_retail=True)
    context = _context(request, owner, form=form, summary=summary)
    return render(request, "shop/storefront/checkout.html", context)


def _place(
    request: HttpRequest,
    owner: Distributor,
    cart: Cart | None,
    items: list[tuple[int, int]],
    form: CustomerCheckoutForm,
) -> HttpResponse | None:
    """Place the order (or find the one this submit already placed), then pay."""
    # The key is scoped to the session's cart: no other visitor can reach it.
    key = f"c{cart.pk if cart else 0}-{form.cleaned_data['checkout_key']}"
    order = order_placed_with(owner, key) if cart is not None else None
    if order is None:
        data = form.cleaned_data
        try:
            order = actions.place_retail_order(
                distributor=owner,
                items=items,
                delivery=form.get_delivery(),
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                idempotency_key=key,
            )
        except ShopError as refusal:
            add_shop_error(form, refusal)
            return None
        clear_ordered_lines(cart, order)
    _remember_order(request, order)
    return redirect("storefront:pay", owner.distributor_id, order.number)


@require_POST
def checkout_totals(request: HttpRequest, distributor_id: str) -> HttpResponse:
    """The summary for the address being entered (htmx), recomputed on the server."""
    owner = get_shop_owner(distributor_id)
    cart = _cart(request, owner)
    items = actions.cart_items(cart) if cart is not None else []
    form = CustomerCheckoutForm(request.POST)
    summary = summarize(items, form, is_retail=True)
    return render(
        request, "shop/storefront/checkout.html#summary", {"summary": summary}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, distributor_id: str, number: str) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    order = get_order_for_session(request.session, owner, number)
    done_url = reverse("storefront:order", args=[owner.distributor_id, order.number])
    if order.is_paid or order.status != OrderStatus.PLACED:
        return redirect(done_url)
    providers = available_providers(order)
    form = PayForm(request.POST or None, providers=providers)
    if request.method == "POST":
        if not _allowed(request, "pay", PAY_LIMIT):
            return _too_many(request, owner)
        if form.is_valid():
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
    context = _context(request, owner, **pay_context(order, form, providers))
    return render(request, "shop/storefront/pay.html", context)


@require_safe
def confirmation(
    request: HttpRequest, distributor_id: str, number: str
) -> HttpResponse:
    owner = get_shop_owner(distributor_id)
    order = get_order_for_session(request.session, owner, number)
    # Back from a provider's page before its confirmation arrived.
    is_confirming = (
        order.status == OrderStatus.PLACED
        and order.payments.filter(status=PaymentStatus.PENDING).exists()
    )
    context = _context(
        request,
        owner,
        order=order,
        lines=list(order.lines.all()),
        is_confirming=is_confirming,
    )
    return render(request, "shop/storefront/order.html", context)
