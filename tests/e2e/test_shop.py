"""The shop: browsing and the cart, checkout and payment, an order's progress,
a retail customer's purchase in the personal shop, and the shop on a phone."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from playwright.sync_api import Locator, Page, expect

from backoffice.accounts.models import Authenticator
from backoffice.accounts.roles import sync_roles
from backoffice.accounts.tests.factories import current_code
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.shop import actions
from backoffice.shop.catalog import load_catalog
from backoffice.shop.models import (
    Order,
    OrderKind,
    OrderStatus,
    Product,
    ShippingMethod,
)
from backoffice.shop.tests.conftest import pay_with_demo_card, place, ship_to_ca
from tests.e2e.helpers import csp_errors, enter_code, sign_in, submit

pytestmark = pytest.mark.e2e

SHOP_PATH = "/shop/"
CART_PATH = "/shop/cart/"
ORDERS_PATH = "/orders/"
CUSTOMERS_PATH = "/inventory/customers/"
QUEUE_PATH = "/staff/orders/"
STOREFRONT_PATH = "/s/100001/"
ORDER_NUMBER = r"GX-[0-9A-Z]{10}"
TRACKING_NUMBER = "794612345678"
DEMO_NOTICE = "Demo card — test only, no money moves."
DECLINED = "The card was declined."
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
PHONE = {"width": 390, "height": 844}
FEDEX = "FedEx Ground (signature required) — $6.35"
USPS = "USPS Priority Mail (PO boxes, Alaska, Hawaii) — $12.95"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The personal shop counts checkouts and payments per client address in the
    # cache, which outlives a test in this process.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(team):  # noqa: F811
    """``team`` with the catalog (50 of each) and alice's address on record."""
    load_catalog(stock=50)
    alice = team["alice"]
    alice.address_line1 = "980 Corporate Center Drive"
    alice.city = "Pomona"
    alice.state = "CA"
    alice.postal_code = "91768"
    alice.phone = "(909) 555-0100"
    alice.save(update_fields=["address_line1", "city", "state", "postal_code", "phone"])
    return {**team, "products": Product.objects.in_bulk(field_name="sku")}


@pytest.fixture
def two_lines(shop):
    """alice's cart: 2 × Ganocafé 3-in-1 ($25.00) and 1 × Ganoderma ($46.00)."""
    cart = actions.get_cart(user=shop["alice"].user)
    products = shop["products"]
    actions.add_to_cart(cart=cart, product=products["501"], quantity=2)
    actions.add_to_cart(cart=cart, product=products["801"], quantity=1)
    return cart


@pytest.fixture
def paid_order(shop) -> Order:
    """alice's paid order of 2 × Ganocafé Classic, by FedEx to Los Angeles."""
    fedex = ShippingMethod.objects.get(code="fedex-ground")
    order = place(shop["alice"], {shop["products"]["505"]: 2}, ship_to_ca(fedex))
    pay_with_demo_card(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


@pytest.fixture
def fulfilment_staff(staff):
    """``staff`` (with an authenticator app) in the fulfilment role."""
    sync_roles()
    staff.groups.add(Group.objects.get(name="fulfilment"))
    return staff


# --- helpers --------------------------------------------------------------------------


def fact(container: Locator, term: str) -> Locator:
    """The value (<dd>) of the term (<dt>) named exactly ``term`` in a fact list."""
    return container.locator(
        f"xpath=.//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def add_button(scope: Page | Locator, product: str) -> Locator:
    """A product's "Add to cart" button; its name ends with the (hidden) product.

    Chromium reads "Add to cart : <product>": the hidden part is positioned apart.
    """
    name = re.compile(rf"^Add to cart\s*:\s*{re.escape(product)}$")
    return scope.get_by_role("button", name=name)


def remove_button(scope: Page | Locator, product: str) -> Locator:
    name = re.compile(rf"^Remove\s+{re.escape(product)}$")
    return scope.get_by_role("button", name=name)


def mark_document(page: Page) -> None:
    """Tag the document: a full page load loses the tag, an htmx swap keeps it."""
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def is_htmx(url_part: str):
    return lambda response: (
        url_part in response.url
        and response.request.headers.get("hx-request") == "true"
    )


def htmx_settled(page: Page) -> None:
    """Wait until no htmx request is in flight or queued (htmx marks the element).

    Enter in the catalog's search box sends the search twice (the form listens to
    "submit, change" and the browser fires both): the second answer swaps the
    results again, so wait for it before using them.
    """
    expect(page.locator(".htmx-request")).to_have_count(0)


def assert_fits_the_screen(page: Page) -> None:
    inner = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll}px on {inner}px"


def signed_in_alice(page: Page, live_server, password: str) -> None:
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")


def pay_with(page: Page, number: str, total: str) -> None:
    page.get_by_label("Demo card number", exact=True).fill(number)
    submit(page, f"Pay ${total}")


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two opaque CSS colors given as rgb(r, g, b)."""

    def luminance(color: str) -> float:
        channels = [int(n) / 255 for n in re.findall(r"\d+", color)[:3]]
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- 1. browsing and the cart ---------------------------------------------------------


def test_search_filter_add_to_cart_and_change_the_cart(
    page, live_server, shop, password, console_messages
):
    signed_in_alice(page, live_server, password)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Shop", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}{SHOP_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shop")
    badge = page.locator("#cart-count")
    expect(badge).to_have_text("0 items")
    results = page.locator("#catalog-results")
    count = results.locator(":scope > [role=status]")
    expect(count).to_have_text("23 products")
    mark_document(page)

    # Search: the results are swapped in place and the address remembers it.
    search = page.get_by_label("Search", exact=True)
    search.fill("Mocha")
    with page.expect_response(is_htmx("q=Mocha")):
        search.press("Enter")
    expect(count).to_have_text("2 products")
    htmx_settled(page)
    expect(results.locator(".product-card h3")).to_have_text(
        ["Gano Mocha", "Mocha Light"]
    )
    expect(page).to_have_url(re.compile(r"/shop/\?q=Mocha"))

    # Add one from the results: the form and the cart badge change, not the page.
    card = results.locator(".product-card", has_text="Gano Mocha")
    with page.expect_response(is_htmx("/shop/cart/add/")):
        add_button(card, "Gano Mocha").click()
    expect(card.get_by_role("status")).to_have_text(
        "Added 1 × Gano Mocha to your cart."
    )
    expect(badge).to_have_text("1 item")
    expect(page.locator("#cart-summary .cart-figures")).to_have_text(
        "$29.00 · PV 21 · CV 22.40"
    )

    # Filter by a category (the search cleared).
    search.fill("")
    search.blur()
    expect(count).to_have_text("23 products")
    htmx_settled(page)
    page.get_by_label("Category", exact=True).select_option(
        label="Personal care and supplements"
    )
    expect(count).to_have_text("6 products")
    htmx_settled(page)
    expect(results.get_by_role("heading", level=2)).to_have_text(
        ["Personal care and supplements"]
    )
    expect(page).to_have_url(re.compile(r"category=ganodaily"))
    assert_same_document(page)

    # A product page; 2 of it into the cart without leaving the page.
    results.get_by_role("link", name="Ganoderma (Spirit)", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/shop/p/801/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ganoderma (Spirit)")
    prices = page.locator(".product-page dl.prices")
    expect(fact(prices, "Your price")).to_have_text("$46.00")
    expect(fact(prices, "Retail")).to_have_text("$66.00")
    expect(fact(prices, "PV")).to_have_text("36")
    expect(fact(prices, "CV")).to_have_text("35.20")
    expect(badge).to_have_text("1 item")
    mark_document(page)
    page.get_by_label("Quantity", exact=True).fill("2")
    with page.expect_response(is_htmx("/shop/cart/add/")) as added:
        add_button(page, "Ganoderma (Spirit)").click()
    assert added.value.status == 200
    expect(badge).to_have_text("3 items")
    expect(page.locator(".add-form").get_by_role("status")).to_have_text(
        "Added 2 × Ganoderma (Spirit) to your cart."
    )
    assert_same_document(page)
    expect(page).to_have_url(f"{live_server.url}/shop/p/801/")

    # The cart: change a quantity, remove a line; the totals follow.
    page.locator("#cart-summary").get_by_role("link", name="Cart 3 items").click()
    expect(page).to_have_url(f"{live_server.url}{CART_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    lines = page.locator("#cart .cart-line")
    expect(lines).to_have_count(2)
    totals = page.locator("#cart-totals")
    expect(fact(totals, "Subtotal")).to_have_text("$121.00")
    expect(fact(totals, "PV")).to_have_text("93")
    expect(fact(totals, "CV")).to_have_text("92.80")
    mark_document(page)

    ganoderma = lines.filter(has_text="Ganoderma (Spirit)")
    ganoderma.get_by_label("Quantity", exact=True).fill("3")
    with page.expect_response(is_htmx("/shop/cart/")):
        ganoderma.get_by_role("button", name="Update", exact=True).click()
    expect(fact(totals, "Subtotal")).to_have_text("$167.00")
    expect(fact(ganoderma.locator(".line-figures"), "Total")).to_have_text("$138.00")
    expect(ganoderma.get_by_label("Quantity", exact=True)).to_have_value("3")
    expect(fact(totals, "PV")).to_have_text("129")
    expect(fact(totals, "CV")).to_have_text("128")

    with page.expect_response(is_htmx("/remove/")):
        remove_button(lines.filter(has_text="Gano Mocha"), "Gano Mocha").click()
    expect(lines).to_have_count(1)
    expect(lines).to_contain_text("Ganoderma (Spirit)")
    expect(fact(totals, "Subtotal")).to_have_text("$138.00")
    expect(fact(totals, "PV")).to_have_text("108")
    expect(fact(totals, "CV")).to_have_text("105.60")
    assert_same_document(page)

    # What the page shows is what the cart holds.
    page.reload()
    expect(lines).to_have_count(1)
    expect(fact(totals, "Subtotal")).to_have_text("$138.00")
    assert csp_errors(console_messages) == []


# --- 2. checkout and the demo card ----------------------------------------------------


def test_checkout_to_the_address_on_record_and_pay_with_the_demo_card(
    page, live_server, shop, two_lines, password, console_messages
):
    signed_in_alice(page, live_server, password)
    page.goto(CART_PATH)
    page.locator("#cart").get_by_role("link", name="Check out", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/shop/checkout/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")

    record = page.get_by_label("Ship to the address on my record", exact=True)
    expect(record).to_be_checked()
    expect(page.locator("#record-address")).to_have_text(
        "The address on your record: Alice Archer, 980 Corporate Center Drive, "
        "Pomona, CA 91768"
    )
    fedex = page.get_by_label(FEDEX, exact=True)
    expect(fedex).to_be_checked()
    # The new-address fields and the pick-up centers wait until chosen.
    new_address = page.locator('[data-delivery="new"]')
    pick_up = page.locator('[data-delivery="will_call"]')
    shipping = page.locator('[data-delivery="record new"]')
    expect(new_address).to_be_hidden()
    expect(pick_up).to_be_hidden()
    expect(shipping).to_be_visible()

    summary = page.locator("#checkout-summary")
    expect(summary.locator(".summary-lines li")).to_have_text(
        ["2 × Ganocafé 3-in-1 $50.00", "1 × Ganoderma (Spirit) $46.00"]
    )
    expect(summary.locator("#summary-subtotal")).to_have_text("$96.00")
    expect(summary.locator("#summary-shipping")).to_have_text("$6.35")
    # California's 7.25% on the goods: 96.00 × 0.0725 = 6.96.
    expect(summary.locator("#summary-tax")).to_have_text("$6.96")
    expect(summary.locator("#summary-total")).to_have_text("$109.31")
    expect(fact(summary, "PV")).to_have_text("70")
    expect(fact(summary, "CV")).to_have_text("73.60")

    # Will Call: the server prices it again, swapped in without a reload.
    mark_document(page)
    with page.expect_response(is_htmx("/shop/checkout/totals/")) as totals:
        page.get_by_label("Pick up at a Will Call center", exact=True).check()
    assert totals.value.status == 200
    expect(summary.locator("#summary-shipping")).to_have_text("$0.00")
    expect(summary.locator("#summary-tax")).to_have_text("$6.96")
    expect(summary.locator("#summary-total")).to_have_text("$102.96")
    expect(pick_up).to_be_visible()
    expect(
        pick_up.get_by_role(
            "radio", name=re.compile(r"^Pomona Will Call: 980 Corporate Center Drive")
        )
    ).to_be_checked()
    expect(shipping).to_be_hidden()

    # Back to FedEx to the address on record, and place the order.
    with page.expect_response(is_htmx("/shop/checkout/totals/")):
        record.check()
    expect(summary.locator("#summary-shipping")).to_have_text("$6.35")
    expect(summary.locator("#summary-total")).to_have_text("$109.31")
    expect(pick_up).to_be_hidden()
    expect(fedex).to_be_checked()
    assert_same_document(page)
    submit(page, "Place order")

    expect(page).to_have_url(re.compile(rf"/shop/checkout/{ORDER_NUMBER}/pay/$"))
    order = Order.objects.get(distributor=shop["alice"])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Pay for order {order.number}"
    )
    expect(page.locator(".demo-notice")).to_be_visible()
    expect(page.locator(".demo-notice")).to_contain_text(DEMO_NOTICE)
    placed = page.locator("#order-summary")
    expect(fact(placed, "Ship to")).to_have_text(
        "Alice Archer, 980 Corporate Center Drive, Pomona, CA 91768"
    )
    expect(fact(placed, "Shipping method")).to_have_text(
        "FedEx Ground (signature required)"
    )
    expect(placed.locator("#order-total")).to_have_text("$109.31")
    expect(page.get_by_label("Demo card (test only, no money moves)")).to_be_checked()

    # Declined, then paid.
    pay_with(page, DECLINED_CARD, "109.31")
    expect(page).to_have_url(re.compile(rf"/shop/checkout/{order.number}/pay/$"))
    expect(page.locator("#id_card_number_error")).to_have_text(DECLINED)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED

    pay_with(page, GOOD_CARD, "109.31")
    expect(page).to_have_url(f"{live_server.url}{ORDERS_PATH}{order.number}/")
    expect(page.locator("ul.messages")).to_have_text(
        f"Thank you — order {order.number} is paid."
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"Order {order.number}")
    expect(heading.locator(".status")).to_have_text("Paid")
    expect(fact(page.locator("#order-payment"), "Status")).to_have_text("Succeeded")
    expect(fact(page.locator("#order-totals"), "Total")).to_have_text("$109.31")

    # The order list and the dashboard show it.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Orders", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}{ORDERS_PATH}")
    row = page.locator("#order-results tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=order.number, exact=True)).to_be_visible()
    expect(row.locator('td[data-label="For"]')).to_have_text("Own order")
    expect(row.locator('td[data-label="Status"]')).to_have_text("Paid")
    expect(row.locator('td[data-label="Total"]')).to_have_text("$109.31")
    expect(row.locator('td[data-label="PV"]')).to_have_text("70")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    recent = page.locator("#recent-orders li")
    expect(recent).to_have_count(1)
    expect(recent.get_by_role("link", name=order.number, exact=True)).to_be_visible()
    expect(recent).to_contain_text("Paid")
    expect(recent).to_contain_text("$109.31")
    assert csp_errors(console_messages) == []


# --- 3. an order's progress -----------------------------------------------------------


def _staff_signs_in(page: Page, live_server, staff, password: str) -> None:
    sign_in(page, staff.username, password)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/verify/")
    enter_code(page, current_code(Authenticator.objects.get(user=staff)))
    expect(page).to_have_url(f"{live_server.url}/")


def test_staff_ship_an_order_and_its_buyer_follows_it(
    new_page,
    live_server,
    shop,
    paid_order,
    fulfilment_staff,
    password,
    console_messages,
):
    number = paid_order.number
    alice = new_page()
    signed_in_alice(alice, live_server, password)
    alice.goto(f"{ORDERS_PATH}{number}/")
    steps = alice.locator("#order-timeline li")
    expect(steps).to_have_count(5)
    expect(steps.locator("strong")).to_have_text(["Placed", "Paid"])
    expect(alice.locator("#order-timeline li.step-expected")).to_have_text(
        ["Processing · expected", "Shipped · expected", "Delivered · expected"]
    )

    staff = new_page()
    _staff_signs_in(staff, live_server, fulfilment_staff, password)
    staff.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Fulfilment", exact=True
    ).click()
    expect(staff).to_have_url(f"{live_server.url}{QUEUE_PATH}")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Orders to fulfil")
    row = staff.locator("#queue-results tbody tr", has_text=number)
    expect(row.locator('td[data-label="Status"]')).to_have_text("Paid")
    expect(row.locator('td[data-label="Distributor"]')).to_have_text(
        "100001 Alice Archer"
    )
    row.get_by_role("link", name=number, exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}{QUEUE_PATH}{number}/")
    status = staff.get_by_role("heading", level=1).locator(".status")
    expect(status).to_have_text("Paid")
    messages = staff.locator("ul.messages")

    submit(staff, "Start preparing (processing)")
    expect(messages).to_have_text(f"Order {number} is being prepared.")
    expect(status).to_have_text("Processing")

    staff.get_by_label("Carrier", exact=True).select_option("FedEx")
    staff.get_by_label("Tracking number", exact=True).fill(TRACKING_NUMBER)
    submit(staff, "Mark shipped")
    expect(messages).to_have_text(
        f"Order {number} is shipped; the distributor has the tracking link."
    )
    expect(status).to_have_text("Shipped")

    submit(staff, "Mark delivered")
    expect(messages).to_have_text(f"Order {number} is delivered.")
    expect(status).to_have_text("Delivered")
    expect(staff.locator("#fulfilment-actions")).to_have_count(0)
    staff_steps = staff.locator("#order-timeline li")
    expect(staff_steps.filter(has_text="Processing")).to_contain_text("Sam Staff")

    # alice reloads her order page: every step, in order, and how to track it.
    alice.reload()
    expect(alice.get_by_role("heading", level=1).locator(".status")).to_have_text(
        "Delivered"
    )
    expect(steps).to_have_count(5)
    expect(steps.locator("strong")).to_have_text(
        ["Placed", "Paid", "Processing", "Shipped", "Delivered"]
    )
    expect(alice.locator("#order-timeline li.step-expected")).to_have_count(0)
    expect(steps.nth(3)).to_contain_text(f"FedEx {TRACKING_NUMBER}")
    for step in steps.all():
        expect(step.locator("time")).to_have_attribute("datetime", re.compile(r"\d"))
    delivery = alice.locator("#order-delivery")
    expect(fact(delivery, "Carrier")).to_have_text("FedEx")
    link = delivery.get_by_role("link", name=TRACKING_NUMBER, exact=True)
    expect(link).to_have_attribute(
        "href", f"https://www.fedex.com/fedextrack/?trknbr={TRACKING_NUMBER}"
    )
    # Staff names stay on the staff pages.
    expect(alice.locator("#order-timeline")).not_to_contain_text("Sam Staff")
    assert csp_errors(console_messages) == []


# --- 4. a retail customer in the personal shop ----------------------------------------


def test_a_retail_customer_buys_in_the_personal_shop(
    new_page, live_server, shop, password, console_messages
):
    visitor = new_page()
    visitor.goto(STOREFRONT_PATH)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Alice A.'s shop")
    main = visitor.locator("main")
    # 17 products, no packs; retail prices only.
    expect(main.locator("#catalog-results").get_by_role("status")).to_have_text(
        "17 products"
    )
    expect(main).not_to_contain_text("Executive Success Pack")
    card = main.locator(".product-card", has_text="Gano Mocha")
    expect(card.locator(".price")).to_have_text("$40.00")
    for hidden in ("PV", "CV", "Your price", "$29.00"):
        expect(main).not_to_contain_text(hidden)
    expect(visitor.locator("#cart-count")).to_have_text("0 items")

    mark_document(visitor)
    with visitor.expect_response(is_htmx("/cart/add/")):
        add_button(card, "Gano Mocha").click()
    expect(visitor.locator("#cart-count")).to_have_text("1 item")
    expect(visitor.locator("#cart-summary .cart-figures")).to_have_text("$40.00")
    assert_same_document(visitor)

    visitor.locator("#cart-summary").get_by_role("link", name="Check out").click()
    expect(visitor).to_have_url(f"{live_server.url}{STOREFRONT_PATH}checkout/")
    summary = visitor.locator("#checkout-summary")
    expect(summary.locator("#summary-subtotal")).to_have_text("$40.00")
    expect(summary.locator("#summary-shipping")).to_have_text("—")
    expect(summary).not_to_contain_text("PV")

    visitor.get_by_label("First name", exact=True).fill("Rita")
    visitor.get_by_label("Last name", exact=True).fill("Rivera")
    visitor.get_by_label("Email", exact=True).fill("rita.rivera@example.com")
    visitor.get_by_label("Phone", exact=True).fill("212-555-0199")
    visitor.get_by_label("Address", exact=True).fill("350 5th Ave")
    visitor.get_by_label("City", exact=True).fill("New York")
    visitor.get_by_label("State", exact=True).select_option("NY")
    visitor.get_by_label("ZIP code", exact=True).fill("10118")
    visitor.get_by_label("ZIP code", exact=True).blur()
    # The address is complete: FedEx (chosen by default) is priced.
    expect(summary.locator("#summary-shipping")).to_have_text("$6.35")
    # New York's 4% on the goods: 40.00 × 0.04 = 1.60.
    expect(summary.locator("#summary-tax")).to_have_text("$1.60")
    expect(summary.locator("#summary-total")).to_have_text("$47.95")
    with visitor.expect_response(is_htmx("/checkout/totals/")):
        visitor.get_by_label(USPS, exact=True).check()
    expect(summary.locator("#summary-shipping")).to_have_text("$12.95")
    expect(summary.locator("#summary-total")).to_have_text("$54.55")
    submit(visitor, "Continue to payment")

    expect(visitor).to_have_url(re.compile(rf"/s/100001/checkout/{ORDER_NUMBER}/pay/$"))
    order = Order.objects.get(kind=OrderKind.CUSTOMER)
    expect(visitor.locator(".demo-notice")).to_contain_text(DEMO_NOTICE)
    placed = visitor.locator("#order-summary")
    expect(fact(placed, "Ship to")).to_have_text(
        "Rita Rivera, 350 5th Ave, New York, NY 10118"
    )
    expect(fact(placed, "Shipping method")).to_have_text(
        "USPS Priority Mail (PO boxes, Alaska, Hawaii)"
    )
    expect(placed.locator("#order-total")).to_have_text("$54.55")
    # No commission wallet for a customer.
    expect(visitor.get_by_label("Commission wallet")).to_have_count(0)
    pay_with(visitor, GOOD_CARD, "54.55")

    expect(visitor).to_have_url(
        f"{live_server.url}{STOREFRONT_PATH}order/{order.number}/"
    )
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Thank you for your order"
    )
    expect(visitor.locator("main")).to_contain_text(
        f"Order {order.number} is paid. We sent a confirmation to "
        "rita.rivera@example.com"
    )
    expect(visitor.locator("#order-status")).to_have_text("Paid")
    expect(visitor.locator("main")).not_to_contain_text("PV")

    # alice sees the order, credited to her, and her new customer.
    alice = new_page()
    signed_in_alice(alice, live_server, password)
    alice.goto(ORDERS_PATH)
    row = alice.locator("#order-results tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=order.number, exact=True)).to_be_visible()
    expect(row.locator('td[data-label="For"]')).to_have_text("Customer: Rita Rivera")
    expect(row.locator('td[data-label="Status"]')).to_have_text("Paid")
    expect(row.locator('td[data-label="Total"]')).to_have_text("$54.55")

    alice.goto(CUSTOMERS_PATH)
    customer = alice.locator("#customer-results tbody tr")
    expect(customer).to_have_count(1)
    expect(customer.locator('td[data-label="Name"]')).to_have_text("Rita Rivera")
    expect(customer.locator('td[data-label="Email"]')).to_have_text(
        "rita.rivera@example.com"
    )
    expect(customer.locator('td[data-label="Phone"]')).to_have_text("(212) 555-0199")
    expect(customer.locator('td[data-label="Orders"]')).to_have_text("1")
    expect(customer.locator('td[data-label="Total spent"]')).to_have_text("$54.55")
    assert csp_errors(console_messages) == []


# --- 5. on a phone --------------------------------------------------------------------


def test_shop_cart_and_checkout_on_a_phone(
    new_page, live_server, shop, password, console_messages
):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    signed_in_alice(page, live_server, password)
    page.goto(SHOP_PATH)
    expect(page.locator("#catalog-results").get_by_role("status")).to_have_text(
        "23 products"
    )
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert_fits_the_screen(page)

    card = page.locator(".product-card", has_text="Ganocafé Classic")
    button = add_button(card, "Ganocafé Classic")
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    button.tap()
    expect(page.locator("#cart-count")).to_have_text("1 item")
    assert_fits_the_screen(page)

    page.goto(CART_PATH)
    line = page.locator("#cart .cart-line")
    expect(line).to_have_count(1)
    line.get_by_label("Quantity", exact=True).fill("2")
    line.get_by_role("button", name="Update", exact=True).tap()
    expect(fact(page.locator("#cart-totals"), "Subtotal")).to_have_text("$50.00")
    assert_fits_the_screen(page)

    page.locator("#cart").get_by_role("link", name="Check out", exact=True).tap()
    expect(page).to_have_url(f"{live_server.url}/shop/checkout/")
    summary = page.locator("#checkout-summary")
    expect(summary.locator("#summary-total")).to_have_text("$59.98")
    assert_fits_the_screen(page)
    place_order = page.get_by_role("button", name="Place order", exact=True)
    place_order.scroll_into_view_if_needed()
    expect(place_order).to_be_in_viewport()
    submit(page, "Place order")

    expect(page).to_have_url(re.compile(rf"/shop/checkout/{ORDER_NUMBER}/pay/$"))
    expect(page.locator(".demo-notice")).to_be_in_viewport(ratio=0.5)
    assert_fits_the_screen(page)
    pay_with(page, GOOD_CARD, "59.98")
    expect(page).to_have_url(re.compile(rf"/orders/{ORDER_NUMBER}/$"))
    expect(page.get_by_role("heading", level=1).locator(".status")).to_have_text("Paid")
    assert_fits_the_screen(page)
    assert csp_errors(console_messages) == []


def test_personal_shop_on_a_phone(new_page, live_server, shop, console_messages):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(STOREFRONT_PATH)
    expect(page.locator("#catalog-results").get_by_role("status")).to_have_text(
        "17 products"
    )
    assert_fits_the_screen(page)
    add_button(page, "Rooibos Tea").tap()
    expect(page.locator("#cart-count")).to_have_text("1 item")
    page.goto(f"{STOREFRONT_PATH}cart/")
    expect(page.locator("#cart .cart-line")).to_have_count(1)
    assert_fits_the_screen(page)
    page.locator("#cart").get_by_role("link", name="Check out", exact=True).tap()
    expect(page).to_have_url(f"{live_server.url}{STOREFRONT_PATH}checkout/")
    expect(page.get_by_label("First name", exact=True)).to_be_visible()
    assert_fits_the_screen(page)
    assert csp_errors(console_messages) == []


def _unreadable_check_out_link(page: Page) -> list[str]:
    link = page.locator("#cart-summary").get_by_role("link", name="Check out")
    expect(link).to_be_visible()
    color, background = link.evaluate(
        "element => [getComputedStyle(element).color,"
        " getComputedStyle(element).backgroundColor]"
    )
    if contrast_ratio(color, background) >= 4.5:
        return []
    return [f"{page.url}: {color} on {background}"]


def test_cart_summary_check_out_link_is_readable(
    new_page, live_server, shop, two_lines, password
):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    signed_in_alice(page, live_server, password)
    page.goto(SHOP_PATH)
    unreadable = _unreadable_check_out_link(page)
    # The personal shop's summary, once the visitor's cart holds something.
    page.goto(STOREFRONT_PATH)
    add_button(page, "Rooibos Tea").tap()
    expect(page.locator("#cart-count")).to_have_text("1 item")
    unreadable += _unreadable_check_out_link(page)
    assert unreadable == []
