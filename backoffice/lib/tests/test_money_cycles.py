from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from backoffice.lib.cycles import (
    company_date,
    cycle_end,
    cycle_of,
    cycle_start,
    pay_date,
)
from backoffice.lib.money import from_cents, quantize_money, to_cents


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("-1.005", "-1.01"), ("2", "2.00")],
)
def test_quantize_money_rounds_half_up(amount, expected):
    assert quantize_money(Decimal(amount)) == Decimal(expected)


def test_cents_round_trip():
    assert to_cents(Decimal("205.00")) == 20500
    assert from_cents(635) == Decimal("6.35")


def test_cycles_match_the_plan_anchors():
    assert cycle_start(613) == date(2020, 8, 31)
    assert cycle_end(613) == date(2020, 9, 6)
    assert cycle_start(909) == date(2026, 5, 4)
    assert cycle_end(909) == date(2026, 5, 10)
    assert pay_date(909) == date(2026, 5, 22)
    assert cycle_of(date(2026, 5, 4)) == 909
    assert cycle_of(date(2026, 5, 10)) == 909
    assert cycle_of(date(2026, 5, 11)) == 910
    assert cycle_of(date(2020, 8, 30)) == 612


def test_company_date_uses_the_company_zone():
    # 03:00 UTC on the 11th is still Sunday the 10th in Los Angeles.
    assert company_date(datetime(2026, 5, 11, 3, 0, tzinfo=UTC)) == date(2026, 5, 10)
