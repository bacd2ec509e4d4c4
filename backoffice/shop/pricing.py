"""Order totals, computed from plain data (no database): the server's own figures.

Prices come from the catalog, never from the page. Tax is the state's rate on
the goods (and on shipping where the state taxes it), rounded half up once per
order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backoffice.lib.money import ZERO, quantize_money


@dataclass(frozen=True)
class PricedItem:
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal  # what this buyer pays per unit
    distributor_price: Decimal
    unit_pv: Decimal
    unit_cv: Decimal

    @property
    def line_total(self) -> Decimal:
        return quantize_money(self.unit_price * self.quantity)

    @property
    def pv(self) -> Decimal:
        return self.unit_pv * self.quantity

    @property
    def cv(self) -> Decimal:
        return self.unit_cv * self.quantity

    @property
    def retail_profit(self) -> Decimal:
        return quantize_money(
            (self.unit_price - self.distributor_price) * self.quantity
        )


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    pv: Decimal
    cv: Decimal
    retail_profit: Decimal


def compute_totals(
    items: list[PricedItem],
    *,
    shipping: Decimal,
    tax_rate: Decimal,
    tax_shipping: bool = False,
    is_retail: bool = False,
) -> Totals:
    subtotal = sum((item.line_total for item in items), ZERO)
    taxable = subtotal + (shipping if tax_shipping else ZERO)
    tax = quantize_money(taxable * tax_rate)
    return Totals(
        subtotal=subtotal,
        shipping=quantize_money(shipping),
        tax=tax,
        total=subtotal + quantize_money(shipping) + tax,
        pv=sum((item.pv for item in items), ZERO),
        cv=sum((item.cv for item in items), ZERO),
        retail_profit=(
            sum((item.retail_profit for item in items), ZERO) if is_retail else ZERO
        ),
    )


def return_refund_estimate(
    net_cost: Decimal, *, refund_percent: int, restocking_percent: int, exchange: bool
) -> Decimal:
    """A return's refund: a share of the net cost, less restocking on exchanges."""
    percent = Decimal(100 - restocking_percent) if exchange else Decimal(refund_percent)
    return quantize_money(net_cost * percent / 100)
