"""Fixtures for payouts and tax summaries: approved cycles written as rows.

Payouts only read what a run stored and approved, so most tests write each
cycle's results directly with totals chosen by hand, carrying balances by the
plan's rule (§10: paid when the balance reaches $25.00, else carried), then
approve it through ``actions.approve_cycle`` so the ledger is written as in
production. The clock stands in cycle 902 (Tuesday 2026-03-17): cycle 900 pays
on 2026-03-20, cycle 901 on 2026-03-27.
"""

# Shop fixtures are imported so pytest finds them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import re
import zlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backoffice.commissions import actions
from backoffice.commissions.models import (
    Bonus,
    Cycle,
    CycleStatus,
    LedgerEntry,
    Line,
    Result,
)
from backoffice.lib.cycles import cycle_end, cycle_start, pay_date
from backoffice.network.models import Distributor
from backoffice.profiles.models import (
    AccountType,
    BankAccount,
    PayoutMethod,
    TaxClassification,
    TaxProfile,
    TinKind,
)
from backoffice.shop.tests.conftest import root, team  # noqa: F401

D = Decimal
ZERO = D("0.00")
PACIFIC = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 17, 10, 0, tzinfo=PACIFIC)
ROUTING = "011000015"  # a Federal Reserve Bank: checksum-valid, not a real account

FIGURES = (
    "pv30",
    "cycle_pv",
    "new_left",
    "new_right",
    "rebate",
    "left_cv",
    "right_cv",
    "matched_cv",
    "bank_left",
    "bank_right",
    "flushed",
    "breakage",
    "retail",
    "gen5",
    "mvp",
    "binary",
)


@pytest.fixture
def clock(time_machine):
    """Time stands still at NOW; tests move it with ``clock.shift(seconds)``."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


def minimum() -> Decimal:
    return D(actions.current_plan().versions[-1].minimum_payout) / 100


def write_cycle(number: int, totals: dict[Distributor, str] | None = None) -> Cycle:
    """Cycle ``number`` calculated: every distributor gets a result, balances carry.

    Each non-zero total is one retail line, so lines and totals agree.
    """
    totals = {member.pk: D(amount) for member, amount in (totals or {}).items()}
    before = dict(
        Result.objects.filter(cycle__number=number - 1).values_list(
            "distributor_id", "balance_out"
        )
    )
    cycle = Cycle.objects.create(
        number=number,
        status=CycleStatus.CALCULATED,
        plan_version="test",
        starts_on=cycle_start(number),
        ends_on=cycle_end(number),
        pay_on=pay_date(number),
        counted_through=cycle_end(number),
        calculated_at=NOW,
        result_hash="0" * 64,
    )
    rows, lines = [], []
    for pk in Distributor.objects.order_by("pk").values_list("pk", flat=True):
        total = totals.get(pk, ZERO)
        balance_in = before.get(pk, ZERO)
        reached = balance_in + total
        paid = reached if reached >= minimum() else ZERO
        rows.append(
            Result(
                cycle=cycle,
                distributor_id=pk,
                rank="Affiliate",
                best_rank="Affiliate",
                is_active=True,
                is_binary_qualified=False,
                has_left_enrollee=False,
                has_right_enrollee=False,
                is_gen5_qualified=False,
                rate_bp=1000,
                **dict.fromkeys(FIGURES, ZERO),
                total=total,
                balance_in=balance_in,
                paid=paid,
                balance_out=reached - paid,
            )
        )
        if total:
            lines.append(
                Line(cycle=cycle, distributor_id=pk, bonus=Bonus.RETAIL, amount=total)
            )
    Result.objects.bulk_create(rows)
    Line.objects.bulk_create(lines)
    cycle.members = len(rows)
    cycle.retail = cycle.total = sum((r.total for r in rows), ZERO)
    cycle.paid = sum((r.paid for r in rows), ZERO)
    cycle.carried = sum((r.balance_out for r in rows), ZERO)
    cycle.save()
    return cycle


def approve(number: int, totals: dict[Distributor, str] | None, *, by) -> Cycle:
    """Write cycle ``number`` and approve it (which writes the earned ledger)."""
    write_cycle(number, totals)
    return actions.approve_cycle(number=number, user=by)


def give_bank(
    member: Distributor,
    *,
    account: str = "000123456789",
    routing: str = ROUTING,
    savings: bool = False,
    method: str = PayoutMethod.BANK,
    holder: str = "",
) -> BankAccount:
    """Bank details written directly (the profile action would also place a hold)."""
    bank = BankAccount(
        distributor=member,
        holder_name=holder or member.user.get_full_name(),
        routing_number=routing,
        account_type=AccountType.SAVINGS if savings else AccountType.CHECKING,
        payout_method=method,
    )
    bank.set_account_number(account)
    bank.save()
    return bank


def give_tax_id(member: Distributor, tin: str = "912345678") -> TaxProfile:
    profile = TaxProfile(
        distributor=member,
        legal_name=member.user.get_full_name(),
        classification=TaxClassification.INDIVIDUAL,
        tin_kind=TinKind.SSN,
        address_line1="1 Main Street",
        city="Los Angeles",
        state="CA",
        postal_code="90001",
        signature_name=member.user.get_full_name(),
        signed_at=NOW,
    )
    profile.set_tin(tin)
    profile.save()
    return profile


def ledger_sum(member: Distributor) -> Decimal:
    return sum(
        LedgerEntry.objects.for_distributor(member).values_list("amount", flat=True),
        ZERO,
    )


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 with a core font, one string a line."""
    assert data.startswith(b"%PDF-")
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # fonts and images are not text
        for text in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content):
            parts.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(parts)
