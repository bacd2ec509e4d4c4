"""Payout batches: who is paid, who is carried and why, the ledger, paying a batch."""

# Fixtures come from fixture modules by import: pytest finds them by parameter name.
# ruff: noqa: F811

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from backoffice.commissions import actions, payouts, store
from backoffice.commissions.actions import CommissionError
from backoffice.commissions.models import (
    BatchStatus,
    Cycle,
    CycleStatus,
    HoldReason,
    LedgerEntry,
    LedgerKind,
    Line,
    Payout,
    PayoutBatch,
    PayoutHold,
    Result,
)
from backoffice.commissions.payouts import CarryReason
from backoffice.commissions.tests.fixtures_payouts import (  # noqa: F401
    PACIFIC,
    approve,
    clock,
    give_bank,
    give_tax_id,
    ledger_sum,
    root,
    team,
    write_cycle,
)
from backoffice.commissions.tests.fixtures_staff import (  # noqa: F401
    AFTER,
    FIRST,
    SECOND,
    catalog,
    fedex,
    payroll_team,
    two_weeks,
)
from backoffice.network.models import Distributor
from backoffice.profiles import actions as profile_actions
from backoffice.profiles.models import PayoutMethod
from backoffice.shop.models import WalletEntry, WalletKind

pytestmark = pytest.mark.django_db

D = Decimal


def paid_in(batch: PayoutBatch) -> list[tuple[int, int, str, Decimal]]:
    """(distributor ID, cycle, method, amount) of every payout, in ID order."""
    return list(
        batch.payouts.order_by(
            "distributor__distributor_id", "result__cycle__number"
        ).values_list(
            "distributor__distributor_id", "result__cycle__number", "method", "amount"
        )
    )


def figures(batch: PayoutBatch) -> dict:
    batch.refresh_from_db()
    return {
        "payees": batch.payees,
        "total": batch.total,
        "bank_total": batch.bank_total,
        "wallet_total": batch.wallet_total,
        "held": batch.held,
        "held_total": batch.held_total,
        "effective_on": batch.effective_on,
        "status": batch.status,
    }


def carried(number: int) -> dict[int, tuple[int, str]]:
    """Who the preview of ``number`` leaves out: ID -> (cycle, reason)."""
    return {
        c.result.distributor.distributor_id: (c.result.cycle.number, c.carried_because)
        for c in payouts.preview_batch(number)
        if c.carried_because
    }


def pay(batch: PayoutBatch, user) -> PayoutBatch:
    """Export when there is a bank file, then mark paid (no emails)."""
    if batch.bank_total:
        payouts.export_nacha(batch=batch, user=user)
    return payouts.mark_batch_paid(batch=batch, user=user, notify=False)


def assert_ledger_balances() -> None:
    """The ledger agrees with the statements, for every distributor and cycle.

    Per distributor: Σ ledger = the latest approved balance carried + what is
    payable but not paid yet. Per cycle: Σ lines = Σ totals, and each row keeps
    paid + balance_out = balance_in + total (§10).
    """
    for member in Distributor.objects.all():
        latest = (
            Result.objects.filter(
                distributor=member, cycle__status=CycleStatus.APPROVED
            )
            .order_by("-cycle__number")
            .first()
        )
        carried_out = latest.balance_out if latest else D("0.00")
        expected = carried_out + payouts.unpaid_payable(member)
        assert ledger_sum(member) == expected, member.distributor_id
        assert payouts.owed(member) == expected, member.distributor_id
    for cycle in Cycle.objects.closed():
        lines = sum(Line.objects.filter(cycle=cycle).values_list("amount", flat=True))
        totals = sum(Result.objects.filter(cycle=cycle).values_list("total", flat=True))
        assert lines == totals, cycle.number
        for row in Result.objects.filter(cycle=cycle):
            assert row.paid + row.balance_out == row.balance_in + row.total, row


# --- who is in a batch ------------------------------------------------------------


def test_a_batch_pays_each_payable_result_and_nobody_under_the_minimum(
    team, staff, clock
):
    alice, bob, charlie = team["alice"], team["bob"], team["charlie"]
    for member in team.values():
        give_bank(member)
    approve(900, {alice: "50.00", bob: "24.99", charlie: "25.00"}, by=staff)

    batch = payouts.create_payout_batch(number=900, user=staff)

    assert paid_in(batch) == [
        (100001, 900, "bank", D("50.00")),
        (100003, 900, "bank", D("25.00")),
    ]
    assert figures(batch) == {
        "payees": 2,
        "total": D("75.00"),
        "bank_total": D("75.00"),
        "wallet_total": D("0.00"),
        "held": 0,
        "held_total": D("0.00"),
        "effective_on": date(2026, 3, 20),
        "status": BatchStatus.DRAFT,
    }
    # Bob's $24.99 is a balance carried by the statement, not a payout.
    assert Result.objects.get(cycle__number=900, distributor=bob).balance_out == D(
        "24.99"
    )
    assert_ledger_balances()


def test_wallet_payees_are_paid_to_the_wallet(team, staff, clock):
    alice, charlie = team["alice"], team["charlie"]
    give_bank(alice)
    give_bank(charlie, method=PayoutMethod.WALLET)
    approve(900, {alice: "40.00", charlie: "30.00"}, by=staff)

    batch = payouts.create_payout_batch(number=900, user=staff)

    assert paid_in(batch) == [
        (100001, 900, "bank", D("40.00")),
        (100003, 900, "wallet", D("30.00")),
    ]
    assert (batch.bank_total, batch.wallet_total) == (D("40.00"), D("30.00"))


def test_the_effective_date_is_tomorrow_once_the_pay_date_has_passed(
    team, staff, clock
):
    give_bank(team["alice"])
    approve(900, {team["alice"]: "40.00"}, by=staff)
    clock.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=PACIFIC))
    batch = payouts.create_payout_batch(number=900, user=staff)
    assert batch.effective_on == date(2026, 3, 26)


def test_a_hold_carries_the_result_into_the_batch_after_its_release(team, staff, clock):
    alice, charlie = team["alice"], team["charlie"]
    give_bank(alice)
    give_bank(charlie)
    hold = payouts.place_hold(
        distributor=charlie, reason=HoldReason.STAFF, note="ID check", days=None
    )
    approve(900, {alice: "50.00", charlie: "30.00"}, by=staff)
    assert carried(900) == {100003: (900, CarryReason.HOLD)}

    first = payouts.create_payout_batch(number=900, user=staff)
    assert paid_in(first) == [(100001, 900, "bank", D("50.00"))]
    assert (first.held, first.held_total) == (1, D("30.00"))
    pay(first, staff)
    assert_ledger_balances()

    # Still held: the next batch leaves cycle 900's $30.00 out again.
    approve(901, {alice: "40.00"}, by=staff)
    assert carried(901) == {100003: (900, CarryReason.HOLD)}

    assert payouts.release_hold(hold=hold, by=staff) is True
    assert payouts.release_hold(hold=hold, by=staff) is False
    assert carried(901) == {}
    second = payouts.create_payout_batch(number=901, user=staff)
    assert paid_in(second) == [
        (100001, 901, "bank", D("40.00")),
        (100003, 900, "bank", D("30.00")),
    ]
    assert (second.payees, second.total, second.held) == (2, D("70.00"), 0)
    pay(second, staff)
    assert_ledger_balances()
    assert payouts.owed(charlie) == D("0.00")


def test_a_hold_that_has_run_out_no_longer_holds(team, staff, clock):
    give_bank(team["alice"])
    payouts.place_hold(distributor=team["alice"], reason=HoldReason.BANK_CHANGE, days=2)
    approve(900, {team["alice"]: "50.00"}, by=staff)
    assert carried(900) == {100001: (900, CarryReason.HOLD)}
    clock.shift(2 * 24 * 3600)
    assert carried(900) == {}


def test_without_bank_details_the_result_is_carried_until_they_exist(
    team, staff, clock
):
    alice, bob = team["alice"], team["bob"]
    give_bank(alice)
    approve(900, {alice: "50.00", bob: "60.00"}, by=staff)

    first = payouts.create_payout_batch(number=900, user=staff)
    assert paid_in(first) == [(100001, 900, "bank", D("50.00"))]
    assert (first.held, first.held_total) == (1, D("60.00"))
    assert payouts.unpaid_payable(bob) == D("60.00")
    pay(first, staff)

    give_bank(bob, savings=True)
    approve(901, {}, by=staff)
    second = payouts.create_payout_batch(number=901, user=staff)
    assert paid_in(second) == [(100002, 900, "bank", D("60.00"))]
    pay(second, staff)
    assert payouts.unpaid_payable(bob) == D("0.00")
    assert_ledger_balances()


def test_a_tax_id_is_needed_before_the_years_payments_reach_the_threshold(
    team, staff, clock
):
    # 2026's 1099-NEC threshold in the plan: $2,000.00, reached counts.
    alice, bob, charlie = team["alice"], team["bob"], team["charlie"]
    for member in (alice, bob, charlie):
        give_bank(member)
    give_tax_id(charlie)
    approve(900, {alice: "1999.99", bob: "2000.00", charlie: "2500.00"}, by=staff)
    assert carried(900) == {100002: (900, CarryReason.TAX_ID)}
    first = payouts.create_payout_batch(number=900, user=staff)
    assert paid_in(first) == [
        (100001, 900, "bank", D("1999.99")),
        (100003, 900, "bank", D("2500.00")),
    ]
    pay(first, staff)

    # Alice's earlier payment in the year counts: $25.01 more reaches $2,000.
    approve(901, {alice: "25.01"}, by=staff)
    assert carried(901) == {
        100001: (901, CarryReason.TAX_ID),
        100002: (900, CarryReason.TAX_ID),
    }
    give_tax_id(alice)
    assert carried(901) == {100002: (900, CarryReason.TAX_ID)}


def test_the_threshold_counts_payments_of_the_batch_being_built(team, staff, clock):
    # Two cycles waiting for alice: the first fits under $2,000, the second not.
    alice = team["alice"]
    give_bank(alice)
    hold = payouts.place_hold(distributor=alice, reason=HoldReason.STAFF, days=None)
    approve(900, {alice: "1500.00"}, by=staff)
    approve(901, {alice: "600.00"}, by=staff)
    payouts.release_hold(hold=hold, by=staff)

    batch = payouts.create_payout_batch(number=901, user=staff)

    assert paid_in(batch) == [(100001, 900, "bank", D("1500.00"))]
    assert (batch.held, batch.held_total) == (1, D("600.00"))


def test_a_batch_needs_an_approved_cycle_and_only_one_open_batch(team, staff, clock):
    give_bank(team["alice"])
    write_cycle(900, {team["alice"]: "50.00"})
    with pytest.raises(CommissionError, match="Approve cycle 900 before paying it."):
        payouts.create_payout_batch(number=900, user=staff)
    with pytest.raises(CommissionError, match="Approve cycle 950 before paying it."):
        payouts.create_payout_batch(number=950, user=staff)
    assert not PayoutBatch.objects.exists()

    actions.approve_cycle(number=900, user=staff)
    approve(901, {team["alice"]: "30.00"}, by=staff)
    payouts.create_payout_batch(number=900, user=staff)
    with pytest.raises(CommissionError, match="Cycle 900 already has a payout batch."):
        payouts.create_payout_batch(number=900, user=staff)
    with pytest.raises(CommissionError, match="Mark the open payout batch paid"):
        payouts.create_payout_batch(number=901, user=staff)
    assert PayoutBatch.objects.count() == 1
    assert Payout.objects.count() == 1


def test_nothing_is_paid_twice(team, staff, clock):
    alice = team["alice"]
    give_bank(alice)
    approve(900, {alice: "50.00"}, by=staff)
    first = pay(payouts.create_payout_batch(number=900, user=staff), staff)
    approve(901, {alice: "30.00"}, by=staff)
    second = payouts.create_payout_batch(number=901, user=staff)

    assert paid_in(second) == [(100001, 901, "bank", D("30.00"))]
    assert [c.result.cycle.number for c in payouts.preview_batch(902)] == []
    # The database refuses a second payout of a result, whatever the code does.
    result = Result.objects.get(cycle__number=900, distributor=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(
            batch=second,
            result=result,
            distributor=alice,
            method="bank",
            amount=D("50.00"),
        )
    assert Payout.objects.filter(result=result).get().batch == first


def test_the_results_of_a_paid_cycle_are_never_deleted(team, staff, clock):
    alice = team["alice"]
    give_bank(alice)
    approve(900, {alice: "50.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)
    cycle = batch.cycle
    # Approval already refuses a recalculation; the store refuses on its own too.
    with pytest.raises(CommissionError, match="is approved and cannot be recalculated"):
        actions.calculate_cycle(number=900)
    results = Result.objects.filter(cycle=cycle).count()
    with pytest.raises(ValueError, match="payout batch keeps its results"):
        store.delete_results([cycle.pk])
    assert results > 0
    assert Result.objects.filter(cycle=cycle).count() == results
    assert Payout.objects.get().result.cycle == cycle


# --- exporting and paying ---------------------------------------------------------


def test_mark_paid_writes_the_ledger_once_credits_wallets_and_emails_payees(
    team, staff, clock, django_capture_on_commit_callbacks
):
    alice, charlie = team["alice"], team["charlie"]
    give_bank(alice)
    give_bank(charlie, method=PayoutMethod.WALLET)
    approve(900, {alice: "50.00", charlie: "30.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)
    with pytest.raises(CommissionError, match="Export the bank file before"):
        payouts.mark_batch_paid(batch=batch, user=staff)
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAID).exists()
    payouts.export_nacha(batch=batch, user=staff)

    with django_capture_on_commit_callbacks(execute=True):
        payouts.mark_batch_paid(batch=batch, user=staff)

    batch.refresh_from_db()
    assert (batch.status, batch.paid_by) == (BatchStatus.PAID, staff)
    assert batch.paid_at is not None
    paid = LedgerEntry.objects.filter(kind=LedgerKind.PAID).order_by("amount")
    assert [(e.distributor, e.cycle_number, e.amount) for e in paid] == [
        (alice, 900, D("-50.00")),
        (charlie, 900, D("-30.00")),
    ]
    assert {e.payout.result.distributor for e in paid} == {alice, charlie}
    wallet = WalletEntry.objects.get()
    assert (wallet.distributor, wallet.kind, wallet.amount, wallet.by) == (
        charlie,
        WalletKind.PAYOUT,
        D("30.00"),
        staff,
    )
    assert wallet.note == "Commissions, cycle 900"
    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        (["100001@example.com"], "Your commissions for cycle 900 were paid"),
        (["100003@example.com"], "Your commissions for cycle 900 were paid"),
    ]
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "$50.00 from cycle 900 was sent to your bank account"
        in by_person["100001@example.com"]
    )
    assert (
        "$30.00 from cycle 900 was added to your Back Office wallet"
        in by_person["100003@example.com"]
    )
    assert_ledger_balances()

    with pytest.raises(CommissionError, match="This batch is already paid."):
        payouts.mark_batch_paid(batch=batch, user=staff)
    with pytest.raises(CommissionError, match="This batch is already paid."):
        payouts.export_nacha(batch=batch, user=staff)
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAID).count() == 2
    assert WalletEntry.objects.count() == 1


def test_a_wallet_only_batch_is_paid_without_a_bank_file(team, staff, clock):
    give_bank(team["bob"], method=PayoutMethod.WALLET)
    approve(900, {team["bob"]: "25.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)
    with pytest.raises(CommissionError, match="This batch has no bank payouts."):
        payouts.export_nacha(batch=batch, user=staff)
    payouts.mark_batch_paid(batch=batch, user=staff, notify=False)
    batch.refresh_from_db()
    assert (batch.status, batch.exported_at) == (BatchStatus.PAID, None)
    assert WalletEntry.objects.get().amount == D("25.00")


def test_export_is_refused_when_a_payee_is_held_after_the_batch_was_made(
    team, staff, clock
):
    alice = team["alice"]
    give_bank(alice)
    approve(900, {alice: "50.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)
    clock.shift(60)
    # Someone changed alice's bank details: the profile action holds her payouts.
    profile_actions.save_bank_account(
        distributor=alice,
        holder_name="Alice Archer",
        routing_number="021001208",
        account_number="999888777",
        account_type="checking",
        payout_method="bank",
    )
    assert PayoutHold.objects.active().get().reason == HoldReason.BANK_CHANGE

    with pytest.raises(CommissionError, match="put on hold after it was created"):
        payouts.export_nacha(batch=batch, user=staff)
    batch.refresh_from_db()
    assert (batch.status, batch.exported_at, batch.nacha_sha256) == (
        BatchStatus.DRAFT,
        None,
        "",
    )
    with pytest.raises(CommissionError, match="Export the bank file before"):
        payouts.mark_batch_paid(batch=batch, user=staff)

    # Staff checked the change with alice: the file goes to her new account.
    payouts.release_hold(hold=PayoutHold.objects.get(), by=staff)
    text = payouts.export_nacha(batch=batch, user=staff)
    entry = text.splitlines()[2]
    assert entry[3:12] == "021001208"
    assert entry[12:29].rstrip() == "999888777"


def test_a_wallet_payee_held_after_the_batch_was_made_is_not_credited(
    team, staff, clock
):
    bob = team["bob"]
    give_bank(bob, method=PayoutMethod.WALLET)
    approve(900, {bob: "40.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)
    clock.shift(60)
    hold = payouts.place_hold(
        distributor=bob, reason=HoldReason.STAFF, note="fraud check", days=None
    )

    with pytest.raises(CommissionError, match="wallet payee in this batch was put"):
        payouts.mark_batch_paid(batch=batch, user=staff)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert not WalletEntry.objects.exists()
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAID).exists()

    payouts.release_hold(hold=hold, by=staff)
    payouts.mark_batch_paid(batch=batch, user=staff, notify=False)
    assert WalletEntry.objects.get().amount == D("40.00")


def test_export_writes_one_entry_per_bank_payout_and_marks_the_batch(
    team, staff, clock
):
    alice, bob, charlie = team["alice"], team["bob"], team["charlie"]
    give_bank(alice, account="12345678", holder="Zoë Ångström")
    give_bank(bob, account="55501234", savings=True, routing="121000374")
    give_bank(charlie, method=PayoutMethod.WALLET)
    approve(900, {alice: "1234.56", bob: "25.00", charlie: "99.00"}, by=staff)
    batch = payouts.create_payout_batch(number=900, user=staff)

    text = payouts.export_nacha(batch=batch, user=staff)

    records = text.splitlines()
    entries = [r for r in records if r.startswith("6")]
    assert entries == [
        "622011000015"
        + "12345678".ljust(17)
        + "0000123456"
        + "100001".ljust(15)
        + "ZOE ANGSTROM".ljust(22)
        + "  0"
        + "01100001"
        + "0000001",
        "632121000374"
        + "55501234".ljust(17)
        + "0000002500"
        + "100002".ljust(15)
        + "BOB BAKER".ljust(22)
        + "  0"
        + "01100001"
        + "0000002",
    ]
    control = next(r for r in records if r.startswith("8"))
    assert control[4:10] == "000002"
    assert control[10:20] == str(1100001 + 12100037).zfill(10)
    assert control[32:44] == "000000125956"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED
    assert batch.exported_at is not None
    assert len(batch.nacha_sha256) == 64
    # A second download is the same file and keeps the first export time.
    exported_at = batch.exported_at
    clock.shift(10)
    assert payouts.export_nacha(batch=batch, user=staff) == text
    batch.refresh_from_db()
    assert (batch.status, batch.exported_at) == (BatchStatus.EXPORTED, exported_at)


def test_the_csv_lists_every_payout_without_account_numbers(team, staff, clock):
    alice, charlie = team["alice"], team["charlie"]
    alice.user.first_name = "=HYPERLINK(1)"
    alice.user.save(update_fields=["first_name"])
    give_bank(alice, account="12345678")
    give_bank(charlie, method=PayoutMethod.WALLET)
    hold = payouts.place_hold(distributor=alice, reason=HoldReason.STAFF, days=None)
    approve(900, {alice: "30.00"}, by=staff)
    pay(payouts.create_payout_batch(number=900, user=staff), staff)
    payouts.release_hold(hold=hold, by=staff)
    approve(901, {alice: "25.50", charlie: "40.00"}, by=staff)
    batch = payouts.create_payout_batch(number=901, user=staff)

    text = payouts.payouts_csv(batch)

    assert list(csv.reader(io.StringIO(text))) == [
        ["cycle", "distributor_id", "name", "method", "amount", "earned_in_cycle"],
        ["901", "100001", "'=HYPERLINK(1) Archer", "bank", "30.00", "900"],
        ["901", "100001", "'=HYPERLINK(1) Archer", "bank", "25.50", "901"],
        ["901", "100003", "Charlie Cruz", "wallet", "40.00", "901"],
    ]
    assert "12345678" not in text


# --- the ledger over real calculations ----------------------------------------


def test_ledger_matches_statements_after_approval_and_payment(two_weeks, staff):
    # Cycle 900 (fixtures_staff): top $55.00, alice $50.00; cycle 901: nothing.
    top, alice = two_weeks["top"], two_weeks["alice"]
    give_bank(top)
    give_bank(alice, method=PayoutMethod.WALLET)
    with time_machine.travel(AFTER, tick=False):
        actions.approve_cycle(number=FIRST, user=staff)
        actions.approve_cycle(number=SECOND, user=staff)
        earned = LedgerEntry.objects.filter(kind=LedgerKind.EARNED)
        assert sorted((e.distributor_id, e.cycle_number, e.amount) for e in earned) == [
            (top.pk, FIRST, D("55.00")),
            (alice.pk, FIRST, D("50.00")),
        ]
        assert_ledger_balances()
        assert payouts.owed(top) == D("55.00")

        first = payouts.create_payout_batch(number=FIRST, user=staff)
        assert_ledger_balances()
        pay(first, staff)
        assert_ledger_balances()
        second = payouts.create_payout_batch(number=SECOND, user=staff)
        assert paid_in(second) == []
        pay(second, staff)

    assert paid_in(first) == [
        (100000, FIRST, "bank", D("55.00")),
        (100001, FIRST, "wallet", D("50.00")),
    ]
    assert_ledger_balances()
    assert payouts.owed(top) == payouts.owed(alice) == D("0.00")
    assert payouts.paid_in_year([top.pk, alice.pk], 2026) == {
        top.pk: D("55.00"),
        alice.pk: D("50.00"),
    }
