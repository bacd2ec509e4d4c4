"""Payout holds, batches, the NACHA and CSV exports, and marking a batch paid.

A cycle's payable amount (``Result.paid``) is paid by exactly one ``Payout``
(a one-to-one on the result). Payees on hold, without bank details or without
the tax ID a year's payments require are left out and carried: their results
stay unpaid and join the first batch created after the reason is gone.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.commissions.actions import CommissionError, _lock, current_plan
from backoffice.commissions.models import (
    BatchStatus,
    Cycle,
    CycleStatus,
    HoldReason,
    LedgerEntry,
    LedgerKind,
    Payout,
    PayoutBatch,
    PayoutHold,
    Result,
)
from backoffice.lib import nacha
from backoffice.lib.emails import queue_email
from backoffice.lib.money import to_cents
from backoffice.network.models import Distributor
from backoffice.profiles.models import (
    AccountType,
    BankAccount,
    PayoutMethod,
    TaxProfile,
)
from backoffice.shop.models import WalletEntry, WalletKind

ZERO = Decimal("0.00")


class CarryReason:
    HOLD = "hold"
    NO_BANK = "no_bank"
    TAX_ID = "tax_id"


def place_hold(
    *, distributor: Distributor, reason: str, note: str = "", days: int | None, by=None
) -> PayoutHold:
    """Hold a distributor's payouts for ``days`` (or until released)."""
    until = timezone.now() + timedelta(days=days) if days else None
    return PayoutHold.objects.create(
        distributor=distributor, reason=reason, note=note, until=until, created_by=by
    )


def release_hold(*, hold: PayoutHold, by) -> bool:
    """Staff checked the reason: payouts may resume (the hold stays on record)."""
    updated = PayoutHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=timezone.now(), released_by=by
    )
    return bool(updated)


def paid_in_year(distributor_ids, year: int) -> dict[int, Decimal]:
    """Total paid out per distributor (pk) in batches dated in ``year``."""
    rows = (
        Payout.objects.filter(
            distributor_id__in=distributor_ids, batch__effective_on__year=year
        )
        .values("distributor_id")
        .annotate(total=Sum("amount"))
    )
    return {row["distributor_id"]: row["total"] for row in rows}


@dataclass(frozen=True)
class Candidate:
    result: Result
    method: str
    carried_because: str = ""


def _candidates(number: int, effective: date) -> list[Candidate]:
    unpaid = (
        Result.objects.filter(
            cycle__status=CycleStatus.APPROVED, cycle__number__lte=number, paid__gt=0
        )
        .filter(payout__isnull=True)
        .select_related("distributor", "cycle")
        .order_by("distributor__distributor_id", "cycle__number")
    )
    results = list(unpaid)
    people = {r.distributor_id for r in results}
    held = set(
        PayoutHold.objects.active()
        .filter(distributor_id__in=people)
        .values_list("distributor_id", flat=True)
    )
    banks = {
        b.distributor_id: b
        for b in BankAccount.objects.filter(distributor_id__in=people)
    }
    taxed = set(
        TaxProfile.objects.filter(distributor_id__in=people).values_list(
            "distributor_id", flat=True
        )
    )
    threshold = current_plan().for_cycle(number).nec_threshold(effective.year)
    so_far = paid_in_year(people, effective.year)
    out = []
    for result in results:
        who = result.distributor_id
        bank = banks.get(who)
        method = bank.payout_method if bank else PayoutMethod.BANK
        reason = ""
        if who in held:
            reason = CarryReason.HOLD
        elif method == PayoutMethod.BANK and bank is None:
            reason = CarryReason.NO_BANK
        elif (
            threshold is not None
            and who not in taxed
            and so_far.get(who, ZERO) + result.paid >= Decimal(threshold) / 100
        ):
            reason = CarryReason.TAX_ID
        if not reason:
            so_far[who] = so_far.get(who, ZERO) + result.paid
        out.append(Candidate(result=result, method=method, carried_because=reason))
    return out


def preview_batch(number: int) -> list[Candidate]:
    cycle = Cycle.objects.filter(number=number).first()
    if cycle is None:
        return []
    return _candidates(number, _effective_date(cycle))


def _effective_date(cycle: Cycle) -> date:
    return max(cycle.pay_on, timezone.localdate() + timedelta(days=1))


def create_payout_batch(
    *, number: int, user, effective_on: date | None = None
) -> PayoutBatch:
    """The batch of an approved cycle: everyone payable, holds respected.

    ``effective_on`` (the payment date) defaults to the cycle's pay date, or
    tomorrow when that has passed; the demo data backdates it.
    """
    with transaction.atomic():
        _lock()
        cycle = Cycle.objects.select_for_update().filter(number=number).first()
        if cycle is None or cycle.status != CycleStatus.APPROVED:
            raise CommissionError(
                _("Approve cycle %(n)d before paying it.") % {"n": number}
            )
        if PayoutBatch.objects.filter(cycle=cycle).exists():
            raise CommissionError(
                _("Cycle %(n)d already has a payout batch.") % {"n": number}
            )
        if PayoutBatch.objects.exclude(status=BatchStatus.PAID).exists():
            raise CommissionError(
                _("Mark the open payout batch paid before creating another.")
            )
        effective = effective_on or _effective_date(cycle)
        candidates = _candidates(number, effective)
        batch = PayoutBatch.objects.create(
            cycle=cycle, effective_on=effective, created_by=user
        )
        payouts = [
            Payout(
                batch=batch,
                result=c.result,
                distributor_id=c.result.distributor_id,
                method=c.method,
                amount=c.result.paid,
            )
            for c in candidates
            if not c.carried_because
        ]
        Payout.objects.bulk_create(payouts, batch_size=5000)
        carried = [c for c in candidates if c.carried_because]
        batch.payees = len({p.distributor_id for p in payouts})
        batch.total = sum((p.amount for p in payouts), ZERO)
        batch.bank_total = sum(
            (p.amount for p in payouts if p.method == PayoutMethod.BANK), ZERO
        )
        batch.wallet_total = batch.total - batch.bank_total
        batch.held = len({c.result.distributor_id for c in carried})
        batch.held_total = sum((c.result.paid for c in carried), ZERO)
        batch.save()
    return batch


def originator() -> nacha.Originator:
    return nacha.Originator(
        immediate_destination=settings.NACHA_IMMEDIATE_DESTINATION,
        destination_name=settings.NACHA_DESTINATION_NAME,
        immediate_origin=settings.NACHA_IMMEDIATE_ORIGIN,
        origin_name=settings.NACHA_ORIGIN_NAME,
        company_name=settings.NACHA_COMPANY_NAME,
        company_id=settings.NACHA_COMPANY_ID,
        odfi=settings.NACHA_ODFI,
    )


def export_nacha(*, batch: PayoutBatch, user) -> str:
    """The ACH file of the batch's bank payouts; the batch is then "exported"."""
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == BatchStatus.PAID:
            raise CommissionError(_("This batch is already paid."))
        payouts = list(
            batch.payouts.filter(method=PayoutMethod.BANK)
            .select_related("distributor__user")
            .order_by("distributor__distributor_id")
        )
        late = PayoutHold.objects.active().filter(
            distributor_id__in=[p.distributor_id for p in payouts],
            created_at__gt=batch.created_at,
        )
        if late.exists():
            raise CommissionError(
                _(
                    "A payee in this batch was put on hold after it was created "
                    "(for example after changing bank details): check the hold first."
                )
            )
        if not payouts:
            raise CommissionError(_("This batch has no bank payouts."))
        banks = {
            b.distributor_id: b
            for b in BankAccount.objects.filter(
                distributor_id__in=[p.distributor_id for p in payouts]
            )
        }
        credits = []
        for payout in payouts:
            bank = banks.get(payout.distributor_id)
            if bank is None:
                raise CommissionError(
                    _("Distributor %(id)s has no bank account any more.")
                    % {"id": payout.distributor.distributor_id}
                )
            credits.append(
                nacha.Credit(
                    routing_number=bank.routing_number,
                    account_number=bank.account_number(),
                    is_savings=bank.account_type == AccountType.SAVINGS,
                    amount_cents=to_cents(payout.amount),
                    individual_id=str(payout.distributor.distributor_id),
                    individual_name=bank.holder_name,
                )
            )
        text = nacha.build_file(
            originator=originator(),
            credits=credits,
            effective=batch.effective_on,
            created=timezone.localtime(),
            batch_number=batch.cycle.number,
        )
        batch.nacha_sha256 = hashlib.sha256(text.encode()).hexdigest()
        if batch.status == BatchStatus.DRAFT:
            batch.status = BatchStatus.EXPORTED
            batch.exported_at = timezone.now()
        batch.save(update_fields=["nacha_sha256", "status", "exported_at"])
    return text


# Spreadsheets run a cell starting with one of these as a formula; names are typed
# by distributors, so a name like "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


PAYOUT_CSV_HEADER = [
    "cycle",
    "distributor_id",
    "name",
    "method",
    "amount",
    "earned_in_cycle",
]


def payouts_csv(batch: PayoutBatch) -> str:
    """Every payout of the batch (bank and wallet); no account numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYOUT_CSV_HEADER)
    for payout in batch.payouts.select_related(
        "distributor__user", "result__cycle"
    ).order_by("distributor__distributor_id", "result__cycle__number"):
        writer.writerow(
            [
                batch.cycle.number,
                payout.distributor.distributor_id,
                _cell(payout.distributor.user.get_full_name()),
                payout.method,
                f"{payout.amount:.2f}",
                payout.result.cycle.number,
            ]
        )
    return out.getvalue()


def mark_batch_paid(*, batch: PayoutBatch, user, notify: bool = True) -> PayoutBatch:
    """The bank confirmed: write the ledger, credit wallets, email each payee."""
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch.can_become(BatchStatus.PAID):
            raise CommissionError(_("This batch is already paid."))
        if batch.bank_total and batch.status != BatchStatus.EXPORTED:
            raise CommissionError(_("Export the bank file before marking it paid."))
        now = timezone.now()
        payouts = list(
            batch.payouts.select_related("distributor__user", "result__cycle")
        )
        # Bank payees were checked at export (the bank has the file by now);
        # a wallet credit is only made here, so a hold placed since the batch
        # was created must stop it the same way.
        late = PayoutHold.objects.active().filter(
            distributor_id__in=[
                p.distributor_id for p in payouts if p.method == PayoutMethod.WALLET
            ],
            created_at__gt=batch.created_at,
        )
        if late.exists():
            raise CommissionError(
                _(
                    "A wallet payee in this batch was put on hold after it was "
                    "created: check the hold first."
                )
            )
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    distributor_id=p.distributor_id,
                    kind=LedgerKind.PAID,
                    cycle_number=p.result.cycle.number,
                    payout=p,
                    amount=-p.amount,
                    created_at=now,
                )
                for p in payouts
            ],
            batch_size=5000,
        )
        WalletEntry.objects.bulk_create(
            [
                WalletEntry(
                    distributor_id=p.distributor_id,
                    kind=WalletKind.PAYOUT,
                    amount=p.amount,
                    note=_("Commissions, cycle %(n)d") % {"n": p.result.cycle.number},
                    by=user,
                )
                for p in payouts
                if p.method == PayoutMethod.WALLET
            ],
            batch_size=5000,
        )
        batch.status = BatchStatus.PAID
        batch.paid_at = now
        batch.paid_by = user
        batch.save(update_fields=["status", "paid_at", "paid_by"])
        for payout in payouts if notify else ():
            member = payout.distributor
            queue_email(
                to=member.user.email,
                template="commissions/paid",
                language=member.user.language,
                context={
                    "name": member.user.first_name,
                    "amount": payout.amount,
                    "cycle": payout.result.cycle.number,
                    "method": payout.method,
                    "pay_date": batch.effective_on,
                    "statement_path": f"/commissions/{payout.result.cycle.number}/",
                },
            )
    return batch


def record_earned(cycle: Cycle) -> int:
    """On approval: each non-zero cycle total becomes an "earned" ledger entry."""
    rows = (
        Result.objects.filter(cycle=cycle)
        .exclude(total=0)
        .values_list("distributor_id", "total")
    )
    entries = [
        LedgerEntry(
            distributor_id=who,
            kind=LedgerKind.EARNED,
            cycle_number=cycle.number,
            amount=total,
        )
        for who, total in rows.iterator(chunk_size=20_000)
    ]
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    return len(entries)


def owed(distributor: Distributor) -> Decimal:
    """What the ledger says is still owed: earned minus paid."""
    total = LedgerEntry.objects.for_distributor(distributor).aggregate(t=Sum("amount"))
    return total["t"] or ZERO


def unpaid_payable(distributor: Distributor) -> Decimal:
    total = (
        Result.objects.filter(
            distributor=distributor, cycle__status=CycleStatus.APPROVED, paid__gt=0
        )
        .filter(Q(payout__isnull=True) | ~Q(payout__batch__status=BatchStatus.PAID))
        .aggregate(t=Sum("paid"))
    )
    return total["t"] or ZERO


__all__ = [
    "CarryReason",
    "HoldReason",
    "create_payout_batch",
    "export_nacha",
    "mark_batch_paid",
    "payouts_csv",
    "place_hold",
    "release_hold",
]
