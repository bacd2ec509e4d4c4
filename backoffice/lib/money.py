"""Money: Decimal amounts in USD, rounded in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize_money(amount: Decimal | int | str) -> Decimal:
    """Round to the cent, half up (the rounding every statement and order uses)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Integer cents for payment providers that take them."""
    return int(quantize_money(amount) * 100)


def from_cents(cents: int) -> Decimal:
    return quantize_money(Decimal(cents) / 100)
