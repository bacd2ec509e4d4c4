from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.lib.append_only import AppendOnlyModel


class Side(models.TextChoices):
    LEFT = "L", _("Left")
    RIGHT = "R", _("Right")


class LegPreference(models.TextChoices):
    LEFT = "L", _("Left leg")
    RIGHT = "R", _("Right leg")
    LESSER = "lesser", _("The leg with less volume")


class DistributorQuerySet(models.QuerySet["Distributor"]):
    def placed(self) -> DistributorQuerySet:
        return self.filter(lo__isnull=False)

    def in_holding_tank(self) -> DistributorQuerySet:
        return self.filter(lo__isnull=True)

    def downline_of(self, distributor: Distributor) -> DistributorQuerySet:
        """Everyone in the placement subtree below ``distributor`` (not them)."""
        if distributor.lo is None:
            return self.none()
        return self.filter(lo__gt=distributor.lo, lo__lt=distributor.hi)

    def downline_or_self(self, distributor: Distributor) -> DistributorQuerySet:
        if distributor.lo is None:
            return self.filter(pk=distributor.pk)
        return self.filter(lo__gte=distributor.lo, lo__lt=distributor.hi)

    def ancestors_of(self, distributor: Distributor) -> DistributorQuerySet:
        """The placement upline of ``distributor`` (order by depth for the chain)."""
        if distributor.lo is None:
            return self.none()
        return self.filter(lo__lt=distributor.lo, hi__gt=distributor.hi)

    def enrolled_by(self, distributor: Distributor) -> DistributorQuerySet:
        return self.filter(enroller=distributor)

    def not_terminated(self, on=None) -> DistributorQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=day))


class Distributor(models.Model):
    """A member of the network: their place on the enrollment and binary trees."""

    distributor_id = models.PositiveBigIntegerField(_("distributor ID"), unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="distributor"
    )
    is_root = models.BooleanField(default=False, editable=False)
    enroller = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollees",
        verbose_name=_("enroller"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("placement parent"),
    )
    side = models.CharField(_("side"), max_length=1, choices=Side, blank=True)
    join_date = models.DateField(_("join date"))
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    # Holding tank: enrolled, not yet placed; the enroller places them by then.
    place_by = models.DateTimeField(_("place by"), null=True, blank=True)
    preferred_leg = models.CharField(
        _("holding tank preference"),
        max_length=6,
        choices=LegPreference,
        default=LegPreference.LESSER,
    )
    # Read index over the placement tree (see labels.py); NULL while unplaced.
    lo = models.BigIntegerField(null=True, blank=True, editable=False)
    hi = models.BigIntegerField(null=True, blank=True, editable=False)
    depth = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The top of the run of left (right) children this member ends: the outer left
    # leg of T is everyone below T sharing T's left_top; its bottom is the deepest.
    left_top = models.BigIntegerField(null=True, blank=True, editable=False)
    right_top = models.BigIntegerField(null=True, blank=True, editable=False)

    # The last day the member counts as active (the plan's 50 PV in the 30 days
    # ending that day), from the volume recorded so far; NULL: never active.
    # Kept by the shop's volume writes (shop/activity.py).
    active_until = models.DateField(null=True, blank=True, editable=False)

    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    share_email_upline = models.BooleanField(
        _("share my email with my upline"), default=False
    )
    share_phone_upline = models.BooleanField(
        _("share my phone with my upline"), default=False
    )
    share_email_downline = models.BooleanField(
        _("share my email with my downline"), default=False
    )
    share_phone_downline = models.BooleanField(
        _("share my phone with my downline"), default=False
    )

    objects = DistributorQuerySet.as_manager()

    class Meta:
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        ordering = ["distributor_id"]
        indexes = [
            # With the id, a subtree's members are read from the index alone
            # (joins to their orders and volume never touch the table).
            models.Index(fields=["lo", "id"], name="distributor_lo_id"),
            models.Index(fields=["hi"], name="distributor_hi"),
            models.Index(fields=["place_by"], name="distributor_place_by"),
            # "About to turn inactive": a few days' range, then the team test.
            models.Index(fields=["active_until"], name="distributor_active_until"),
            models.Index(
                fields=["join_date", "distributor_id"], name="distributor_joined"
            ),
            models.Index(fields=["depth", "distributor_id"], name="distributor_level"),
            models.Index(fields=["terminated_on"], name="distributor_terminated"),
            models.Index(fields=["left_top", "depth"], name="distributor_left_run"),
            models.Index(fields=["right_top", "depth"], name="distributor_right_run"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "side"],
                condition=Q(parent__isnull=False),
                name="distributor_one_child_per_side",
            ),
            models.UniqueConstraint(
                fields=["is_root"],
                condition=Q(is_root=True),
                name="distributor_single_root",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="distributor_not_own_parent"
            ),
            models.CheckConstraint(
                condition=~Q(enroller=F("id")), name="distributor_not_own_enroller"
            ),
            models.CheckConstraint(
                condition=(
                    Q(parent__isnull=True, side="")
                    | Q(parent__isnull=False, side__in=["L", "R"])
                ),
                name="distributor_side_with_parent",
            ),
            models.CheckConstraint(
                condition=(
                    Q(is_root=True, enroller__isnull=True, parent__isnull=True)
                    | Q(is_root=False, enroller__isnull=False)
                ),
                name="distributor_root_has_no_upline",
            ),
            models.CheckConstraint(
                condition=(
                    Q(lo__isnull=True, hi__isnull=True, depth__isnull=True)
                    | Q(lo__isnull=False, hi__isnull=False, depth__isnull=False)
                ),
                name="distributor_labels_together",
            ),
            models.CheckConstraint(
                condition=Q(lo__isnull=True) | Q(lo__lt=F("hi")),
                name="distributor_lo_before_hi",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False)
                | Q(is_root=True)
                | Q(lo__isnull=True),
                name="distributor_placed_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.user.get_full_name()}"

    @property
    def name(self) -> str:
        return self.user.get_full_name()

    @property
    def is_placed(self) -> bool:
        return self.lo is not None

    def is_terminated(self, on=None) -> bool:
        day = on or timezone.localdate()
        return self.terminated_on is not None and self.terminated_on <= day

    def has_in_downline(self, other: Distributor) -> bool:
        """True when ``other`` sits strictly below this member in the binary tree."""
        if self.lo is None or other.lo is None:
            return False
        return self.lo < other.lo < self.hi


class TreeLock(models.Model):
    """One row every tree write locks first, so tree changes happen one at a time."""

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return "tree lock"


class NetworkEvent(AppendOnlyModel):
    """Append-only audit of every change to the network (enrollments, placements)."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        PLACED = "placed", _("Placed from the holding tank")
        AUTO_PLACED = "auto_placed", _("Placed automatically after the deadline")
        MOVED = "moved", _("Placement corrected")
        TERMINATED = "terminated", _("Terminated")

    kind = models.CharField(max_length=20, choices=Kind)
    member = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="events"
    )
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
        return f"{self.created_at:%Y-%m-%d} {self.kind} {self.member_id}"


class TeamMessageQuerySet(models.QuerySet["TeamMessage"]):
    def sent_by(self, sender: Distributor) -> TeamMessageQuerySet:
        return self.filter(sender=sender)

    def sent_after(self, moment) -> TeamMessageQuerySet:
        return self.filter(created_at__gt=moment)


class TeamMessage(models.Model):
    """A message a distributor emailed to members of their team (the send record)."""

    sender = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        related_name="team_messages",
        verbose_name=_("sender"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    recipient_count = models.PositiveIntegerField(_("recipients"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TeamMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("team message")
        verbose_name_plural = _("team messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_count__gte=1),
                name="team_message_has_recipients",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.sender_id}: {self.subject}"
