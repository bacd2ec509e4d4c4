"""Weekly cycles, their results and lines, and the runs that computed them.

A cycle's results are replaced as a whole by each calculation until staff
approve it; from then on the cycle is locked and its rows are never changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel, AppendOnlyQuerySet


def money(verbose_name=None, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class CycleStatus(models.TextChoices):
    ESTIMATE = "estimate", _("This week so far")
    CALCULATED = "calculated", _("Calculated")
    APPROVED = "approved", _("Approved")


class Bonus(models.TextChoices):
    RETAIL = "retail", _("Retail profit")
    GEN5 = "gen5", _("GEN5 fast start")
    MVP = "mvp", _("MVP bonus")
    BINARY = "binary", _("Binary team commission")


class CycleQuerySet(models.QuerySet["Cycle"]):
    def closed(self) -> CycleQuerySet:
        return self.exclude(status=CycleStatus.ESTIMATE)

    def approved(self) -> CycleQuerySet:
        return self.filter(status=CycleStatus.APPROVED)


class Cycle(models.Model):
    """One weekly pay cycle that has been calculated (or estimated, while open)."""

    number = models.PositiveIntegerField(_("cycle"), unique=True)
    status = models.CharField(max_length=12, choices=CycleStatus)
    plan_version = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField()
    pay_on = models.DateField()
    # The last day of volume counted: ends_on for a closed cycle, today for an estimate.
    counted_through = models.DateField()
    calculated_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    result_hash = models.CharField(max_length=64)
    members = models.PositiveIntegerField(default=0)
    retail = money(default=0)
    gen5 = money(default=0)
    mvp = money(default=0)
    binary = money(default=0)
    total = money(default=0)
    paid = money(default=0)
    carried = money(default=0)
    breakage = money(default=0)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        permissions = [("approve_cycle", "Can approve a calculated cycle")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="approved", approved_at__isnull=False)
                | ~Q(status="approved"),
                name="commissions_cycle_approval_recorded",
            )
        ]

    def __str__(self) -> str:
        return str(self.number)

    @property
    def is_locked(self) -> bool:
        return self.status == CycleStatus.APPROVED


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class CycleRun(models.Model):
    """Each calculation of a cycle, kept so reruns can be compared and audited."""

    number = models.PositiveIntegerField(_("cycle"), db_index=True)
    is_estimate = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=RunStatus, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    result_hash = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Distributor IDs and totals in cents (compressed int64 pairs): enough to
    # show what changed between two calculations of the same cycle.
    totals_snapshot = models.BinaryField(editable=False, default=bytes)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class RunLock(models.Model):
    """One row every commission run locks first: one run at a time."""

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return "commission run lock"


class ResultQuerySet(models.QuerySet["Result"]):
    def for_distributor(self, distributor) -> ResultQuerySet:
        return self.filter(distributor=distributor)

    def closed(self) -> ResultQuerySet:
        return self.exclude(cycle__status=CycleStatus.ESTIMATE)


class Result(models.Model):
    """One distributor's figures for one cycle (compensation plan §11)."""

    # Results and lines are derived rows, written a million at a time by the
    # store from the network it has just read, under the run lock. Database
    # foreign keys on them cost more than the write itself (a deferred check
    # per row at commit), and each column's own index duplicates a composite
    # one below: neither is kept. The ORM still cascades and protects.
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    distributor = models.ForeignKey(
        "network.Distributor",
        on_delete=models.PROTECT,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    rank = models.CharField(_("paid-as rank"), max_length=30)
    best_rank = models.CharField(_("highest rank"), max_length=30)
    is_active = models.BooleanField(_("active"))
    is_binary_qualified = models.BooleanField(_("binary-qualified"))
    has_left_enrollee = models.BooleanField()
    has_right_enrollee = models.BooleanField()
    is_gen5_qualified = models.BooleanField()
    package = models.PositiveSmallIntegerField(default=0)
    pv30 = money(_("PV in 30 days"))
    cycle_pv = money(_("cycle PV"))
    new_left = money()
    new_right = money()
    rebate = money()
    left_cv = money(_("left CV"))
    right_cv = money(_("right CV"))
    matched_cv = money(_("matched CV"))
    bank_left = money(_("left bank"))
    bank_right = money(_("right bank"))
    flushed = money()
    breakage = money()
    rate_bp = models.PositiveIntegerField()
    rate_package = models.PositiveSmallIntegerField(default=0)  # 0: the rank's rate
    rate_until = models.DateField(null=True, blank=True)
    retail = money(_("retail profit"))
    gen5 = money(_("GEN5"))
    mvp = money(_("MVP"))
    binary = money(_("binary"))
    total = money(_("total"))
    balance_in = money(_("balance in"))
    paid = money(_("payable"))
    balance_out = money(_("balance carried"))
    mvp_decision = models.PositiveSmallIntegerField(default=0)

    objects = ResultQuerySet.as_manager()

    class Meta:
        # By key only: ordering by the related rows would join them every time.
        ordering = ["cycle_id", "distributor_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "distributor"], name="commissions_result_once"
            ),
        ]
        indexes = [
            # "Close to the next rank": qualified members of a week by matched CV.
            models.Index(
                fields=["cycle", "matched_cv"],
                condition=Q(is_binary_qualified=True),
                name="commissions_result_matched",
            ),
            models.Index(
                fields=["distributor", "cycle"], name="commissions_result_dist"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.distributor_id}"


class LineQuerySet(models.QuerySet["Line"]):
    def for_distributor(self, distributor) -> LineQuerySet:
        return self.filter(distributor=distributor)


class Line(models.Model):
    """One amount of one bonus, with the order or member it comes from."""

    # No database foreign keys and no single-column indexes but the cycle's
    # (deleting a cycle's lines): see Result.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    distributor = models.ForeignKey(
        "network.Distributor",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    bonus = models.CharField(max_length=6, choices=Bonus)
    source_order = models.ForeignKey(
        "shop.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source_distributor = models.ForeignKey(
        "network.Distributor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    generation = models.PositiveSmallIntegerField(default=0)
    amount = money(_("amount"))

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "distributor", "id"]
        indexes = [
            models.Index(fields=["distributor", "cycle"], name="commissions_line_dist"),
            # Refunds reverse the GEN5 paid on an order (load._reversals);
            # retail lines are found through their seller.
            models.Index(
                fields=["source_order"],
                condition=Q(bonus="gen5"),
                name="commissions_line_gen5_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bonus} {self.amount}"


class CycleEvent(AppendOnlyModel):
    """The audit trail of the pay cycle workflow: who did what to which cycle."""

    class Kind(models.TextChoices):
        CALCULATED = "calculated", _("Calculated")
        APPROVED = "approved", _("Approved")

    number = models.PositiveIntegerField(_("cycle"))
    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.kind}"


# --- payouts -------------------------------------------------------------------


class HoldReason(models.TextChoices):
    BANK_CHANGE = "bank_change", _("Bank details changed")
    STAFF = "staff", _("Held by staff")


class PayoutHoldQuerySet(models.QuerySet["PayoutHold"]):
    def active(self, now=None) -> PayoutHoldQuerySet:
        now = now or timezone.now()
        return self.filter(released_at__isnull=True).filter(
            Q(until__isnull=True) | Q(until__gt=now)
        )

    def for_distributor(self, distributor) -> PayoutHoldQuerySet:
        return self.filter(distributor=distributor)


class PayoutHold(models.Model):
    """No payout for this distributor while the hold lasts; the money carries."""

    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="payout_holds"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=HoldReason)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PayoutHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.distributor_id})"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Ready to export")
    EXPORTED = "exported", _("Sent to the bank")
    PAID = "paid", _("Paid")


BATCH_TRANSITIONS = {
    BatchStatus.DRAFT: {BatchStatus.EXPORTED, BatchStatus.PAID},
    BatchStatus.EXPORTED: {BatchStatus.PAID},
    BatchStatus.PAID: set(),
}


class PayoutBatch(models.Model):
    """The payouts of one approved cycle (and any released earlier ones)."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="payout_batch"
    )
    status = models.CharField(
        max_length=10, choices=BatchStatus, default=BatchStatus.DRAFT
    )
    effective_on = models.DateField(_("payment date"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payees = models.PositiveIntegerField(default=0)
    total = money(default=0)
    bank_total = money(default=0)
    wallet_total = money(default=0)
    held = models.PositiveIntegerField(default=0)
    held_total = money(default=0)
    nacha_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-cycle__number"]
        permissions = [("pay_payoutbatch", "Can export and mark payout batches paid")]

    def __str__(self) -> str:
        return f"payouts of cycle {self.cycle_id}"

    def can_become(self, status: str) -> bool:
        return status in BATCH_TRANSITIONS[BatchStatus(self.status)]


class Payout(models.Model):
    """One payee's money in a batch; a cycle's result is paid at most once."""

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, related_name="payouts"
    )
    # Unique, so a result is paid at most once. No database foreign key: its
    # check would run for every result row a recalculation deletes (a million
    # deferred checks at commit). Results with payouts belong to approved
    # cycles, which are never recalculated, and store.delete_results refuses
    # a cycle that has a payout batch.
    result = models.OneToOneField(
        Result, on_delete=models.PROTECT, related_name="payout", db_constraint=False
    )
    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="payouts"
    )
    method = models.CharField(max_length=8)  # profiles.PayoutMethod
    amount = money()

    class Meta:
        ordering = ["batch", "distributor"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="commissions_payout_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id}: {self.amount}"


class LedgerKind(models.TextChoices):
    EARNED = "earned", _("Earned (approved cycle)")
    PAID = "paid", _("Paid out")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerEntryQuerySet(AppendOnlyQuerySet):
    def for_distributor(self, distributor) -> LedgerEntryQuerySet:
        return self.filter(distributor=distributor)


class LedgerEntry(AppendOnlyModel):
    """What the company owes each distributor: earned minus paid, never edited."""

    distributor = models.ForeignKey(
        "network.Distributor", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=LedgerKind)
    cycle_number = models.PositiveIntegerField(null=True, blank=True)
    payout = models.OneToOneField(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = money()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "cycle_number"],
                condition=Q(kind="earned"),
                name="commissions_ledger_earned_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
