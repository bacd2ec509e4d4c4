"""Writes to the network: enrol, place, move, terminate. Each owns its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backoffice.accounts.models import User
from backoffice.lib.emails import queue_email
from backoffice.network import queries, tree
from backoffice.network.models import (
    Distributor,
    LegPreference,
    NetworkEvent,
    Side,
    TeamMessage,
)
from backoffice.profiles.models import Profile

FIRST_DISTRIBUTOR_ID = 100001
MINIMUM_AGE = 18


class NetworkError(Exception):
    """A rule of the network refused the change; the message says which."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Placement:
    """Where a new member goes: an outer leg, an open spot, or the holding tank."""

    kind: str  # "outer", "position" or "holding"
    side: str = ""
    parent_id: int | None = None  # distributor ID of the placement parent

    @classmethod
    def outer(cls, side: str) -> Placement:
        return cls(kind="outer", side=side)

    @classmethod
    def position(cls, parent_id: int, side: str) -> Placement:
        return cls(kind="position", side=side, parent_id=parent_id)

    @classmethod
    def holding(cls) -> Placement:
        return cls(kind="holding")


@dataclass(frozen=True)
class NewMember:
    first_name: str
    last_name: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    date_of_birth: date


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _next_distributor_id() -> int:
    highest = Distributor.objects.aggregate(top=Max("distributor_id"))["top"]
    return max(highest or 0, FIRST_DISTRIBUTOR_ID - 1) + 1


def _check_spot(enroller: Distributor, parent: Distributor, side: str) -> None:
    if side not in (Side.LEFT, Side.RIGHT):
        raise NetworkError(_("Choose the left or the right side."), field="side")
    if not parent.is_placed:
        raise NetworkError(
            _("That member is still in the holding tank; place them first."),
            field="parent",
        )
    if parent.pk != enroller.pk and not enroller.has_in_downline(parent):
        raise NetworkError(
            _("You can only place new members in your own downline."), field="parent"
        )
    if Distributor.objects.filter(parent=parent, side=side).exists():
        raise NetworkError(
            _("That position is already taken. Choose another."), field="side"
        )


def _find_parent(
    enroller: Distributor, placement: Placement
) -> tuple[Distributor, str]:
    if not enroller.is_placed:
        raise NetworkError(
            _(
                "You are still in the holding tank yourself: new members can only "
                "wait in the holding tank until you are placed."
            ),
            field="placement",
        )
    if placement.kind == "outer":
        if placement.side not in (Side.LEFT, Side.RIGHT):
            raise NetworkError(_("Choose the left or the right side."), field="side")
        return tree.outer_bottom(enroller, placement.side), placement.side
    parent = Distributor.objects.filter(distributor_id=placement.parent_id).first()
    # An unknown ID and someone else's member get the same answer.
    if parent is None or (
        parent.pk != enroller.pk and not enroller.has_in_downline(parent)
    ):
        raise NetworkError(
            _("You can only place new members in your own downline."), field="parent"
        )
    return parent, placement.side


def _welcome(member: Distributor, enroller: Distributor) -> None:
    user = member.user
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    queue_email(
        to=user.email,
        template="network/welcome",
        context={
            "user": user,
            "enroller_name": enroller.name,
            "set_password_url": settings.SITE_URL.rstrip("/") + path,
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
        language=user.language,
    )


def enroll_distributor(
    *,
    enroller: Distributor,
    details: NewMember,
    placement: Placement,
    actor: User,
    language: str = "en",
    hold_days: int | None = None,
) -> Distributor:
    """Enrol a new distributor under ``enroller`` and place them (or hold them)."""
    today = timezone.localdate()
    if age_on(details.date_of_birth, today) < MINIMUM_AGE:
        raise NetworkError(
            _("Distributors must be at least 18 years old."), field="date_of_birth"
        )
    email = User.objects.normalize_email(details.email).strip()
    if enroller.is_terminated():
        raise NetworkError(_("A terminated distributor cannot enroll anyone."))
    try:
        with transaction.atomic():
            tree.lock_tree()
            enroller.refresh_from_db()
            if User.email_taken(email):
                raise NetworkError(
                    _("A distributor with that email address already exists."),
                    field="email",
                )
            parent = side = None
            if placement.kind != "holding":
                parent, side = _find_parent(enroller, placement)
                _check_spot(enroller, parent, side)
            distributor_id = _next_distributor_id()
            user = User.objects.create(
                username=str(distributor_id),
                first_name=details.first_name,
                last_name=details.last_name,
                email=email,
                language=language,
                # No password until they set one from the welcome email.
                password=make_password(None),
            )
            days = settings.HOLDING_TANK_DAYS if hold_days is None else hold_days
            member = Distributor.objects.create(
                distributor_id=distributor_id,
                user=user,
                enroller=enroller,
                join_date=today,
                place_by=(
                    timezone.now() + timedelta(days=days)
                    if placement.kind == "holding"
                    else None
                ),
                phone=details.phone,
                address_line1=details.address_line1,
                address_line2=details.address_line2,
                city=details.city,
                state=details.state,
                postal_code=details.postal_code,
                date_of_birth=details.date_of_birth,
            )
            if parent is not None:
                tree.place(member, parent, side)
            NetworkEvent.objects.create(
                kind=NetworkEvent.Kind.ENROLLED,
                member=member,
                actor=actor,
                detail={
                    "enroller": enroller.distributor_id,
                    "placement": placement.kind,
                    "parent": parent.distributor_id if parent else None,
                    "side": side or "",
                },
            )
            _welcome(member, enroller)
    except IntegrityError:
        # The database's own guards (one child per side, unique ID) caught a race
        # the checks above could not see.
        raise NetworkError(
            _("That position was just taken. Choose another."), field="side"
        ) from None
    return member


def place_member(
    *, member: Distributor, parent_id: int, side: str, actor: User
) -> Distributor:
    """The enroller places a member waiting in the holding tank."""
    with transaction.atomic():
        tree.lock_tree()
        member.refresh_from_db()
        if member.is_placed:
            raise NetworkError(_("That member has already been placed."))
        enroller = member.enroller
        if not actor.is_staff and getattr(actor, "distributor", None) != enroller:
            raise NetworkError(_("Only the enroller can place this member."))
        parent, side = _find_parent(
            enroller, Placement.position(parent_id=parent_id, side=side)
        )
        _check_spot(enroller, parent, side)
        tree.place(member, parent, side)
        NetworkEvent.objects.create(
            kind=NetworkEvent.Kind.PLACED,
            member=member,
            actor=actor,
            detail={"parent": parent.distributor_id, "side": side},
        )
    return member


def _auto_side(enroller: Distributor) -> str:
    if enroller.preferred_leg in (LegPreference.LEFT, LegPreference.RIGHT):
        return enroller.preferred_leg
    # "The leg with less volume": until volume is recorded, fewer members.
    counts = {}
    for side in (Side.LEFT, Side.RIGHT):
        child = Distributor.objects.filter(parent=enroller, side=side).first()
        counts[side] = (
            Distributor.objects.downline_or_self(child).count() if child else 0
        )
    return Side.LEFT if counts[Side.LEFT] <= counts[Side.RIGHT] else Side.RIGHT


def place_overdue_members(*, now=None) -> int:
    """Place every holding-tank member past their deadline by the enroller's rule."""
    now = now or timezone.now()
    placed = 0
    overdue = list(
        Distributor.objects.in_holding_tank()
        .filter(place_by__lte=now, is_root=False)
        .order_by("place_by", "pk")
        .values_list("pk", flat=True)
    )
    for pk in overdue:
        with transaction.atomic():
            tree.lock_tree()
            member = Distributor.objects.select_related("enroller").get(pk=pk)
            if member.is_placed:
                continue
            side = _auto_side(member.enroller)
            parent = tree.outer_bottom(member.enroller, side)
            tree.place(member, parent, side)
            NetworkEvent.objects.create(
                kind=NetworkEvent.Kind.AUTO_PLACED,
                member=member,
                detail={"parent": parent.distributor_id, "side": side},
            )
            placed += 1
    return placed


def move_member(
    *, member: Distributor, parent_id: int, side: str, actor: User, reason: str
) -> Distributor:
    """Staff correct a placement: move a member and their whole subtree."""
    if not reason.strip():
        raise NetworkError(_("Say why the placement is corrected."), field="reason")
    with transaction.atomic():
        tree.lock_tree()
        member.refresh_from_db()
        parent = Distributor.objects.filter(distributor_id=parent_id).first()
        if parent is None or not parent.is_placed:
            raise NetworkError(_("There is no placed distributor with that ID."))
        if member.is_root:
            raise NetworkError(_("The top of the network cannot be moved."))
        if not member.is_placed:
            raise NetworkError(_("That member is still in the holding tank."))
        if parent.pk == member.pk or member.has_in_downline(parent):
            raise NetworkError(
                _("A member cannot be placed inside their own downline.")
            )
        if side not in (Side.LEFT, Side.RIGHT):
            raise NetworkError(_("Choose the left or the right side."), field="side")
        if (
            Distributor.objects.filter(parent=parent, side=side)
            .exclude(pk=member.pk)
            .exists()
        ):
            raise NetworkError(_("That position is already taken. Choose another."))
        # Everyone in the moved subtree must stay inside their enroller's downline.
        moved = Distributor.objects.downline_or_self(member)
        outside_enrollers = (
            Distributor.objects.filter(pk__in=moved.values("enroller_id"))
            .exclude(lo__gte=member.lo, lo__lt=member.hi)
            .only("pk", "lo", "hi", "distributor_id")
        )
        for enroller in outside_enrollers:
            if enroller.pk != parent.pk and not enroller.has_in_downline(parent):
                raise NetworkError(
                    _(
                        "Distributor %(id)s would end up outside the downline of "
                        "their enroller."
                    )
                    % {"id": enroller.distributor_id}
                )
        before = {
            "parent": member.parent.distributor_id if member.parent else None,
            "side": member.side,
        }
        tree.move(member, parent, side)
        NetworkEvent.objects.create(
            kind=NetworkEvent.Kind.MOVED,
            member=member,
            actor=actor,
            detail={
                "from": before,
                "to": {"parent": parent.distributor_id, "side": side},
                "reason": reason.strip(),
            },
        )
    return member


def terminate_distributor(
    *, member: Distributor, effective: date, actor: User, reason: str
) -> Distributor:
    """Terminate from ``effective``: no sign-in from that day; the tree keeps them."""
    if not reason.strip():
        raise NetworkError(_("Say why the distributor is terminated."), field="reason")
    with transaction.atomic():
        tree.changed()
        member.refresh_from_db()
        if member.terminated_on is not None:
            raise NetworkError(_("That distributor is already terminated."))
        member.terminated_on = effective
        member.save(update_fields=["terminated_on"])
        if effective <= timezone.localdate():
            user = member.user
            user.is_active = False
            user.save(update_fields=["is_active"])
            user.sessions.all().delete()
        NetworkEvent.objects.create(
            kind=NetworkEvent.Kind.TERMINATED,
            member=member,
            actor=actor,
            detail={"effective": effective.isoformat(), "reason": reason.strip()},
        )
    return member


TEAM_MESSAGE_MAX_RECIPIENTS = 500
TEAM_MESSAGE_WINDOW = timedelta(hours=24)
SUBJECT_MAX_LENGTH = TeamMessage._meta.get_field("subject").max_length
BODY_MAX_LENGTH = TeamMessage._meta.get_field("body").max_length


def next_send_time(
    sent: list[tuple[datetime, int]],
    recipients: int,
    *,
    max_messages: int,
    max_recipients: int,
) -> datetime | None:
    """When a message to ``recipients`` members fits the daily limits; None: now.

    ``sent`` is the (time, recipient count) of the sender's messages in the last
    window, oldest first; each stops counting a window after it was sent.
    """
    remaining = list(sent)
    allowed_at = None
    while remaining and (
        len(remaining) >= max_messages
        or sum(count for _when, count in remaining) + recipients > max_recipients
    ):
        when, _count = remaining.pop(0)
        allowed_at = when + TEAM_MESSAGE_WINDOW
    return allowed_at


def _check_message_text(subject: str, body: str) -> None:
    if not subject:
        raise NetworkError(_("Enter a subject."), field="subject")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise NetworkError(
            _("Keep the subject to %(count)s characters.")
            % {"count": SUBJECT_MAX_LENGTH},
            field="subject",
        )
    if not body:
        raise NetworkError(_("Write a message."), field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise NetworkError(
            _("Keep the message to %(count)s characters.") % {"count": BODY_MAX_LENGTH},
            field="body",
        )


def _check_send_limits(sender: Distributor, recipients: int, now: datetime) -> None:
    max_messages = settings.TEAM_MESSAGES_PER_DAY
    max_recipients = settings.TEAM_RECIPIENTS_PER_DAY
    if recipients > max_recipients:
        raise NetworkError(
            ngettext(
                "You can message at most %(count)s member a day.",
                "You can message at most %(count)s members a day.",
                max_recipients,
            )
            % {"count": max_recipients},
            field="to",
        )
    sent = list(
        TeamMessage.objects.sent_by(sender)
        .sent_after(now - TEAM_MESSAGE_WINDOW)
        .order_by("created_at", "id")
        .values_list("created_at", "recipient_count")
    )
    allowed_at = next_send_time(
        sent, recipients, max_messages=max_messages, max_recipients=max_recipients
    )
    if allowed_at is None:
        return
    again = formats.date_format(timezone.localtime(allowed_at), "DATETIME_FORMAT")
    if len(sent) >= max_messages:
        message = ngettext(
            "You can send %(count)s team message a day. You can send again after "
            "%(again)s.",
            "You can send %(count)s team messages a day. You can send again after "
            "%(again)s.",
            max_messages,
        ) % {"count": max_messages, "again": again}
    else:
        left = max(max_recipients - sum(count for _when, count in sent), 0)
        message = ngettext(
            "You can message %(count)s member a day and have %(left)s left: choose "
            "fewer members, or send to all of them after %(again)s.",
            "You can message %(count)s members a day and have %(left)s left: choose "
            "fewer members, or send to all of them after %(again)s.",
            max_recipients,
        ) % {"count": max_recipients, "left": left, "again": again}
    raise NetworkError(message)


def send_team_message(
    *, sender: Distributor, recipient_ids: list[int], subject: str, body: str
) -> TeamMessage:
    """Email a message to chosen members of the sender's team, within daily limits."""
    subject, body = subject.strip(), body.strip()
    _check_message_text(subject, body)
    wanted = list(dict.fromkeys(recipient_ids))
    if not wanted:
        raise NetworkError(_("Choose at least one member."), field="to")
    if len(wanted) > TEAM_MESSAGE_MAX_RECIPIENTS:
        raise NetworkError(
            _("You can message at most %(count)s members at a time.")
            % {"count": TEAM_MESSAGE_MAX_RECIPIENTS},
            field="to",
        )
    if sender.is_terminated():
        raise NetworkError(_("A terminated distributor cannot message the team."))
    today = timezone.localdate()
    with transaction.atomic():
        # Two quick submissions wait for each other here, so both cannot pass the
        # daily limit. NO KEY: rows that merely reference the sender don't wait.
        locked = (
            Distributor.objects.select_for_update(no_key=True)
            .only("pk", "share_email_downline")
            .get(pk=sender.pk)
        )
        members = list(queries.team_members(sender, wanted).select_related("user"))
        if len(members) != len(wanted):
            # An unknown ID and someone else's member get the same answer.
            raise NetworkError(
                _("You can only message members of your own team."), field="to"
            )
        recipients = [m for m in members if not m.is_terminated(today)]
        if not recipients:
            raise NetworkError(
                _("Terminated members get no messages: choose someone else."),
                field="to",
            )
        declined = Profile.objects.declining_team_messages(recipients)
        recipients = [m for m in recipients if m.pk not in declined]
        if not recipients:
            raise NetworkError(
                _(
                    "The members you chose turned team messages off: choose "
                    "someone else."
                ),
                field="to",
            )
        now = timezone.now()
        _check_send_limits(locked, len(recipients), now)
        message = TeamMessage.objects.create(
            sender=locked,
            subject=subject,
            body=body,
            recipient_count=len(recipients),
            created_at=now,
        )
        reply_to = sender.user.email if locked.share_email_downline else ""
        for member in recipients:
            queue_email(
                to=member.user.email,
                template="network/team_message",
                context={
                    "recipient_name": member.user.first_name,
                    "sender_name": sender.name,
                    "sender_id": sender.distributor_id,
                    "subject": subject,
                    "body": body,
                    "can_reply": bool(reply_to),
                },
                language=member.user.language,
                reply_to=reply_to,
            )
    return message
