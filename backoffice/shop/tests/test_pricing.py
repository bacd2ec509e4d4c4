from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backoffice.shop.pricing import PricedItem, compute_totals, return_refund_estimate

D = Decimal


def item(qty, price="25.00", dist="25.00", pv="17", cv="19.2"):
    return PricedItem(1, "501", "Ganocafé 3-in-1", qty, D(price), D(dist), D(pv), D(cv))


def test_distributor_order_totals():
    totals = compute_totals(
        [item(2), item(1, price="46.00", dist="46.00", pv="36", cv="35.2")],
        shipping=D("6.35"),
        tax_rate=D("0.0725"),
    )
    assert totals.subtotal == D("96.00")
    assert totals.tax == D("6.96")  # 96.00 × 7.25 % = 6.96
    assert totals.total == D("109.31")
    assert totals.pv == D("70")
    assert totals.cv == D("73.6")
    assert totals.retail_profit == D("0.00")


def test_tax_on_shipping_where_the_state_taxes_it():
    totals = compute_totals(
        [item(1)], shipping=D("10.00"), tax_rate=D("0.10"), tax_shipping=True
    )
    assert totals.tax == D("3.50")


def test_retail_order_earns_the_difference():
    totals = compute_totals(
        [item(3, price="33.00", dist="25.00")],
        shipping=D("0"),
        tax_rate=D("0"),
        is_retail=True,
    )
    assert totals.retail_profit == D("24.00")
    assert totals.total == D("99.00")


def test_return_estimates():
    assert return_refund_estimate(
        D("205.00"), refund_percent=90, restocking_percent=10, exchange=False
    ) == D("184.50")
    assert return_refund_estimate(
        D("33.33"), refund_percent=90, restocking_percent=10, exchange=True
    ) == D("30.00")


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=99),
            st.decimals(min_value=0, max_value=1000, places=2),
        ),
        min_size=1,
        max_size=8,
    ),
    st.decimals(min_value=0, max_value=D("0.15"), places=4),
)
def test_total_is_the_sum_of_its_parts_to_the_cent(lines, rate):
    items = [item(q, price=str(p), dist=str(p)) for q, p in lines]
    totals = compute_totals(items, shipping=D("6.35"), tax_rate=rate)
    assert totals.total == totals.subtotal + totals.shipping + totals.tax
    assert totals.tax == (totals.subtotal * rate).quantize(D("0.01"), "ROUND_HALF_UP")
    assert totals.total.as_tuple().exponent == -2
