"""Autoship: the distributor's monthly standing order, and the task that places it.

A distributor starts, edits, skips, pauses, resumes and cancels their autoship
here; each change owns its transaction and emails a confirmation on commit.

``run_due_autoships`` places and pays the orders that are due. Each month's
order has one ``AutoshipRun`` row (unique per autoship and date). A worker
claims the run with the autoship row locked and marks it leased for a few
minutes, then places the order and charges the saved payment method outside
that lock (a card provider is a network call). Orders carry a deterministic
idempotency key, so a worker that died half-way finds the order it made
instead of making another; the order row is locked while it is charged, so an
order cancelled meanwhile is never paid.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backoffice.lib.emails import queue_email
from backoffice.lib.us import is_state, zip_matches_state
from backoffice.network.models import Distributor
from backoffice.shop import actions, reads
from backoffice.shop.actions import Delivery, ShopError
from backoffice.shop.models import (
    AUTOSHIP_DAYS,
    Autoship,
    AutoshipItem,
    AutoshipRun,
    AutoshipRunStatus,
    AutoshipStatus,
    Order,
    OrderSource,
    OrderStatus,
    PaymentStatus,
    Product,
)
from backoffice.shop.payments import PaymentError, get_provider
from backoffice.shop.payments.demo import clean_card_number

logger = logging.getLogger(__name__)

# How long a worker holds a claimed run before another may take it over (a
# worker that died mid-way); far longer than placing and charging one order.
CLAIM_LEASE = timedelta(minutes=10)
# A first order further away than this is a typo, not a plan.
FIRST_RUN_WITHIN_DAYS = 92
LIVE = (AutoshipStatus.ACTIVE, AutoshipStatus.FAILING)
FINISHED_RUNS = (
    AutoshipRunStatus.SUCCEEDED,
    AutoshipRunStatus.FAILED,
    AutoshipRunStatus.SKIPPED,
)
STRIPE_SAVED_METHOD = re.compile(r"^cus_[A-Za-z0-9]+:pm_[A-Za-z0-9]+$")


# --- dates ------------------------------------------------------------------------


def next_month(day: date) -> date:
    """The same day of the next month (autoship days are all ≤ 25)."""
    if day.month == 12:
        return day.replace(year=day.year + 1, month=1)
    return day.replace(month=day.month + 1)


def first_date_on_day(day_of_month: int, earliest: date) -> date:
    """The first date on or after ``earliest`` that falls on ``day_of_month``."""
    candidate = earliest.replace(day=day_of_month)
    return candidate if candidate >= earliest else next_month(candidate)


def earliest_start(today: date | None = None) -> date:
    """The first date a new or resumed autoship may run (AUTOSHIP_LEAD_DAYS away)."""
    today = today or timezone.localdate()
    return today + timedelta(days=settings.AUTOSHIP_LEAD_DAYS)


def _free_date(autoship: Autoship, day_of_month: int, earliest: date) -> date:
    """The first date on the day from ``earliest`` whose month has not been settled."""
    settled = set(
        AutoshipRun.objects.filter(
            autoship=autoship, run_on__gte=earliest, status__in=FINISHED_RUNS
        ).values_list("run_on", flat=True)
    )
    candidate = first_date_on_day(day_of_month, earliest)
    while candidate in settled:
        candidate = next_month(candidate)
    return candidate


# --- validation -------------------------------------------------------------------


def _check_day(day_of_month: int) -> None:
    if day_of_month not in AUTOSHIP_DAYS:
        raise ShopError(
            _("Choose the 1st, 5th, 10th, 15th, 20th or 25th of the month."),
            field="day_of_month",
        )


def _check_items(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged, sorted (product id, quantity) pairs of active, non-pack products."""
    merged: dict[int, int] = {}
    for product_id, quantity in items:
        merged[product_id] = merged.get(product_id, 0) + quantity
    if not merged:
        raise ShopError(_("Choose at least one product."), field="items")
    for quantity in merged.values():
        if not 1 <= quantity <= actions.MAX_QUANTITY:
            raise ShopError(
                _("Choose a quantity from 1 to %(max)d.")
                % {"max": actions.MAX_QUANTITY},
                field="items",
            )
    products = Product.objects.in_bulk(list(merged))
    if len(products) != len(merged):
        raise ShopError(_("A product you chose is no longer sold."), field="items")
    for product in sorted(products.values(), key=lambda product: product.pk):
        if product.is_package:
            raise ShopError(
                _("%(name)s is a pack: packs cannot be ordered by autoship.")
                % {"name": product.name},
                field="items",
            )
        if not product.is_active:
            raise ShopError(
                _("%(name)s is no longer sold.") % {"name": product.name},
                field="items",
            )
    return sorted(merged.items())


def _check_delivery(delivery: Delivery) -> None:
    actions.check_delivery(delivery)
    if delivery.will_call is None:
        if not is_state(delivery.state):
            raise ShopError(_("Choose a state."), field="state")
        if not zip_matches_state(delivery.postal_code, delivery.state):
            raise ShopError(
                _("Enter a ZIP code in the state you chose."), field="postal_code"
            )


def _check_payment(provider_code: str, token: str, label: str) -> tuple[str, str]:
    """The (token, label) to keep for an enabled provider that charges saved methods."""
    try:
        provider = get_provider(provider_code)
    except KeyError:
        raise ShopError(
            _("Choose a payment method."), field="payment_provider"
        ) from None
    if not provider.supports_saved_method:
        raise ShopError(
            _("%(method)s cannot be charged automatically; choose another method.")
            % {"method": provider.label},
            field="payment_provider",
        )
    if provider_code == "demo":
        try:
            number = clean_card_number(token.removeprefix("demo_"))
        except PaymentError as error:
            raise ShopError(error.message, field="card_number") from None
        if token != "demo_" + number:
            raise ShopError(_("Enter a valid card number."), field="card_number")
    elif provider_code == "stripe":
        if not STRIPE_SAVED_METHOD.match(token):
            raise ShopError(
                _("Save a card before choosing it for your autoship."),
                field="payment_provider",
            )
    else:
        token = ""
    return token, (label or provider.label)[:60]


# --- writes by the distributor ------------------------------------------------------


def _locked_autoship(distributor: Distributor) -> Autoship | None:
    return Autoship.objects.select_for_update().filter(distributor=distributor).first()


def _save_contents(
    autoship: Autoship,
    *,
    items: list[tuple[int, int]],
    delivery: Delivery,
    payment_provider: str,
    payment_token: str,
    payment_label: str,
) -> None:
    autoship.payment_provider = payment_provider
    autoship.payment_token = payment_token
    autoship.payment_label = payment_label
    if delivery.will_call is not None:
        autoship.will_call = delivery.will_call
        autoship.shipping_method = None
        address = dict.fromkeys(
            ("name", "line1", "line2", "city", "state", "postal_code", "phone"), ""
        )
    else:
        autoship.will_call = None
        autoship.shipping_method = delivery.shipping_method
        address = {
            "name": delivery.name,
            "line1": delivery.line1,
            "line2": delivery.line2,
            "city": delivery.city,
            "state": delivery.state.upper(),
            "postal_code": delivery.postal_code.strip(),
            "phone": delivery.phone,
        }
    for key, value in address.items():
        setattr(autoship, f"ship_{key}", value)
    autoship.save()
    AutoshipItem.objects.filter(autoship=autoship).delete()
    AutoshipItem.objects.bulk_create(
        AutoshipItem(autoship=autoship, product_id=product_id, quantity=quantity)
        for product_id, quantity in items
    )


def _email_change(autoship: Autoship, change: str) -> None:
    user = autoship.distributor.user
    estimate = reads.autoship_estimate(autoship)
    queue_email(
        to=user.email,
        template="shop/autoship_changed",
        context={
            "user": user,
            "autoship": autoship,
            "change": change,
            "estimate": estimate,
            "is_paused": autoship.status == AutoshipStatus.PAUSED,
            "path": reverse("autoship:home"),
        },
        language=user.language,
    )


def _settle_current_run(autoship: Autoship, *, outcome: str, note: str) -> None:
    """Close the open run of the current date before the schedule moves.

    Its unpaid order (from a failed attempt) is cancelled. A run whose order is
    paid or awaiting the provider cannot be closed: the change waits for it.
    """
    run = (
        AutoshipRun.objects.select_for_update()
        .filter(
            autoship=autoship,
            run_on=autoship.next_run_on,
            status=AutoshipRunStatus.PENDING,
        )
        .first()
    )
    if run is None:
        return
    if run.order_id:
        order = Order.objects.select_for_update().get(pk=run.order_id)
        awaiting = order.payments.filter(status=PaymentStatus.PENDING).exists()
        if order.is_paid or (order.status == OrderStatus.PLACED and awaiting):
            raise ShopError(
                _(
                    "This month's order is being paid right now; "
                    "try again in a few minutes."
                )
            )
        if order.status == OrderStatus.PLACED:
            actions.cancel_order(order=order, reason=note)
    run.status = outcome
    run.next_attempt_at = None
    run.save(update_fields=["status", "next_attempt_at", "updated_at"])


def start_autoship(
    *,
    distributor: Distributor,
    items: list[tuple[int, int]],
    day_of_month: int,
    first_run_on: date,
    delivery: Delivery,
    payment_provider: str,
    payment_token: str = "",
    payment_label: str = "",
) -> Autoship:
    """Start the distributor's autoship (or restart their cancelled one)."""
    _check_day(day_of_month)
    if first_run_on < earliest_start():
        raise ShopError(
            _("The first order can be on %(date)s at the earliest.")
            % {"date": date_format(earliest_start())},
            field="first_run_on",
        )
    latest = earliest_start() + timedelta(days=FIRST_RUN_WITHIN_DAYS)
    if first_run_on > latest:
        raise ShopError(
            _("The first order can be on %(date)s at the latest.")
            % {"date": date_format(latest)},
            field="first_run_on",
        )
    if first_run_on.day != day_of_month:
        raise ShopError(
            _("The first order must fall on the day of the month you chose."),
            field="first_run_on",
        )
    items = _check_items(items)
    _check_delivery(delivery)
    payment_token, payment_label = _check_payment(
        payment_provider, payment_token, payment_label
    )
    try:
        with transaction.atomic():
            autoship = _locked_autoship(distributor)
            if autoship is None:
                autoship = Autoship(distributor=distributor)
            elif autoship.status != AutoshipStatus.CANCELLED:
                raise ShopError(_("You already have an autoship; edit it instead."))
            autoship.status = AutoshipStatus.ACTIVE
            autoship.day_of_month = day_of_month
            autoship.next_run_on = first_run_on
            _save_contents(
                autoship,
                items=items,
                delivery=delivery,
                payment_provider=payment_provider,
                payment_token=payment_token,
                payment_label=payment_label,
            )
            _email_change(autoship, "started")
    except IntegrityError:
        # Started twice at once: the other request made it.
        raise ShopError(_("You already have an autoship; edit it instead.")) from None
    return autoship


def _live_or_paused(distributor: Distributor) -> Autoship:
    autoship = _locked_autoship(distributor)
    if autoship is None or autoship.status == AutoshipStatus.CANCELLED:
        raise ShopError(_("You have no autoship; start one first."))
    return autoship


def update_autoship(
    *,
    distributor: Distributor,
    items: list[tuple[int, int]],
    day_of_month: int,
    delivery: Delivery,
    payment_provider: str,
    payment_token: str = "",
    payment_label: str = "",
) -> Autoship:
    """Change what, when, where and how the autoship orders.

    A new day moves the next order to the first such day AUTOSHIP_LEAD_DAYS
    away. Fixing a failing autoship makes its next retry happen on the task's
    next pass instead of after the retry wait.
    """
    _check_day(day_of_month)
    items = _check_items(items)
    _check_delivery(delivery)
    payment_token, payment_label = _check_payment(
        payment_provider, payment_token, payment_label
    )
    with transaction.atomic():
        autoship = _live_or_paused(distributor)
        if day_of_month != autoship.day_of_month:
            _settle_current_run(
                autoship,
                outcome=AutoshipRunStatus.FAILED,
                note=_("The autoship day was changed."),
            )
            autoship.day_of_month = day_of_month
            autoship.next_run_on = _free_date(autoship, day_of_month, earliest_start())
        else:
            _retry_soon(autoship)
        _save_contents(
            autoship,
            items=items,
            delivery=delivery,
            payment_provider=payment_provider,
            payment_token=payment_token,
            payment_label=payment_label,
        )
        _email_change(autoship, "updated")
    return autoship


def _retry_soon(autoship: Autoship) -> None:
    """A failing autoship was fixed: retry this month's order on the next pass."""
    if autoship.status != AutoshipStatus.FAILING:
        return
    retry = AutoshipRun.objects.filter(
        autoship=autoship,
        run_on=autoship.next_run_on,
        status=AutoshipRunStatus.PENDING,
    )
    if retry.exists():
        retry.filter(next_attempt_at__gt=timezone.now()).update(
            next_attempt_at=timezone.now()
        )
    else:
        # The failed month is over; the fix applies from the next one.
        autoship.status = AutoshipStatus.ACTIVE


def keep_saved_card(*, autoship_id: int, token: str, label: str) -> Autoship | None:
    """A card the distributor saved on Stripe's page now pays their autoship.

    Called from Stripe's signed webhook; an autoship cancelled meanwhile keeps
    nothing (None).
    """
    token, label = _check_payment("stripe", token, label)
    with transaction.atomic():
        autoship = (
            Autoship.objects.select_for_update()
            .select_related("distributor__user")
            .filter(pk=autoship_id)
            .exclude(status=AutoshipStatus.CANCELLED)
            .first()
        )
        if autoship is None:
            return None
        _retry_soon(autoship)
        autoship.payment_provider = "stripe"
        autoship.payment_token = token
        autoship.payment_label = label
        autoship.save(
            update_fields=[
                "status",
                "payment_provider",
                "payment_token",
                "payment_label",
                "updated_at",
            ]
        )
        _email_change(autoship, "updated")
    return autoship


def skip_next_autoship(*, distributor: Distributor) -> Autoship:
    """Skip the next order: no order that month, the one after as usual."""
    with transaction.atomic():
        autoship = _live_or_paused(distributor)
        if autoship.status == AutoshipStatus.PAUSED:
            raise ShopError(_("Your autoship is paused; resume it first."))
        skipped_on = autoship.next_run_on
        _settle_current_run(
            autoship, outcome=AutoshipRunStatus.SKIPPED, note=_("Skipped.")
        )
        AutoshipRun.objects.get_or_create(
            autoship=autoship,
            run_on=skipped_on,
            defaults={"status": AutoshipRunStatus.SKIPPED},
        )
        autoship.next_run_on = _free_date(
            autoship, autoship.day_of_month, next_month(skipped_on)
        )
        if autoship.status == AutoshipStatus.FAILING:
            autoship.status = AutoshipStatus.ACTIVE
        autoship.save(update_fields=["next_run_on", "status", "updated_at"])
        _email_change(autoship, "skipped")
    return autoship


def pause_autoship(*, distributor: Distributor) -> Autoship:
    """Stop ordering until resumed."""
    with transaction.atomic():
        autoship = _live_or_paused(distributor)
        if autoship.status == AutoshipStatus.PAUSED:
            raise ShopError(_("Your autoship is already paused."))
        _settle_current_run(
            autoship, outcome=AutoshipRunStatus.FAILED, note=_("Autoship paused.")
        )
        autoship.status = AutoshipStatus.PAUSED
        autoship.save(update_fields=["status", "updated_at"])
        _email_change(autoship, "paused")
    return autoship


def resume_autoship(*, distributor: Distributor) -> Autoship:
    """Order again from the first autoship day AUTOSHIP_LEAD_DAYS away."""
    with transaction.atomic():
        autoship = _live_or_paused(distributor)
        if autoship.status != AutoshipStatus.PAUSED:
            raise ShopError(_("Your autoship is not paused."))
        autoship.status = AutoshipStatus.ACTIVE
        autoship.next_run_on = _free_date(
            autoship, autoship.day_of_month, earliest_start()
        )
        autoship.save(update_fields=["status", "next_run_on", "updated_at"])
        _email_change(autoship, "resumed")
    return autoship


def cancel_autoship(*, distributor: Distributor) -> Autoship:
    """Cancel the autoship: no further orders (it can be started again later)."""
    with transaction.atomic():
        autoship = _live_or_paused(distributor)
        _settle_current_run(
            autoship,
            outcome=AutoshipRunStatus.FAILED,
            note=_("Autoship cancelled."),
        )
        # Months skipped ahead mean nothing once cancelled; a restart is free.
        AutoshipRun.objects.filter(
            autoship=autoship,
            status=AutoshipRunStatus.SKIPPED,
            run_on__gte=timezone.localdate(),
        ).delete()
        autoship.status = AutoshipStatus.CANCELLED
        autoship.save(update_fields=["status", "updated_at"])
        _email_change(autoship, "cancelled")
    return autoship


# --- the scheduled task -------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    run_id: int
    run_on: date
    attempt: int
    # The last pass left the run waiting for the provider's answer.
    was_awaiting: bool


def _order_key(autoship_id: int, run_on: date, attempt: int) -> str:
    return f"autoship-{autoship_id}-{run_on.isoformat()}-{attempt}"


def _following_run(autoship: Autoship, run_on: date, today: date) -> date:
    """After a month is settled: the next autoship day after it, and after today."""
    return _free_date(
        autoship, autoship.day_of_month, max(run_on, today) + timedelta(days=1)
    )


def _claim(autoship_id: int, today: date, now: datetime) -> _Claim | str:
    """Take the due run of one autoship, or say why not (a count's name)."""
    with transaction.atomic():
        autoship = (
            Autoship.objects.select_for_update()
            .filter(pk=autoship_id, status__in=LIVE, next_run_on__lte=today)
            .first()
        )
        if autoship is None:
            return "not_due"
        run, _created = AutoshipRun.objects.get_or_create(
            autoship=autoship, run_on=autoship.next_run_on
        )
        if run.status != AutoshipRunStatus.PENDING:
            # This month is settled already (a worker stopped before moving on).
            autoship.next_run_on = _following_run(autoship, run.run_on, today)
            autoship.save(update_fields=["next_run_on", "updated_at"])
            return "already_done"
        if run.next_attempt_at is not None and run.next_attempt_at > now:
            return "waiting"
        was_awaiting = run.order_id is not None and run.next_attempt_at is None
        run.next_attempt_at = now + CLAIM_LEASE
        run.save(update_fields=["next_attempt_at", "updated_at"])
        return _Claim(
            run_id=run.pk,
            run_on=run.run_on,
            attempt=run.attempts + 1,
            was_awaiting=was_awaiting,
        )


def _locked_pending_run(autoship_id: int, run_id: int):
    autoship = Autoship.objects.select_for_update().get(pk=autoship_id)
    run = AutoshipRun.objects.select_for_update().get(pk=run_id)
    return autoship, run if run.status == AutoshipRunStatus.PENDING else None


def _matches(order: Order, autoship: Autoship, items: list[tuple[int, int]]) -> bool:
    """Whether an earlier attempt's unpaid order still is what the autoship says."""
    lines = sorted(order.lines.values_list("product_id", "quantity"))
    if lines != items:
        return False
    if autoship.will_call_id:
        return order.will_call_id == autoship.will_call_id
    return (
        order.will_call_id is None
        and order.shipping_method_id == autoship.shipping_method_id
        and (
            order.ship_name,
            order.ship_line1,
            order.ship_line2,
            order.ship_city,
            order.ship_state,
            order.ship_postal_code,
            order.ship_phone,
        )
        == (
            autoship.ship_name,
            autoship.ship_line1,
            autoship.ship_line2,
            autoship.ship_city,
            autoship.ship_state,
            autoship.ship_postal_code,
            autoship.ship_phone,
        )
    )


def _succeed(autoship_id: int, run_id: int, order: Order, today: date) -> None:
    with transaction.atomic():
        autoship = Autoship.objects.select_for_update().get(pk=autoship_id)
        run = AutoshipRun.objects.select_for_update().get(pk=run_id)
        # The order is paid whatever happened meanwhile: the record says so.
        run.status = AutoshipRunStatus.SUCCEEDED
        run.order = order
        run.next_attempt_at = None
        run.save(update_fields=["status", "order", "next_attempt_at", "updated_at"])
        if autoship.status in LIVE and autoship.next_run_on == run.run_on:
            autoship.status = AutoshipStatus.ACTIVE
            autoship.next_run_on = _following_run(autoship, run.run_on, today)
            autoship.save(update_fields=["status", "next_run_on", "updated_at"])


def _fail(
    autoship_id: int,
    run_id: int,
    message: str,
    order: Order | None,
    now: datetime,
    today: date,
) -> str:
    """Count a failed attempt; retry later, or give up on the month after the last."""
    with transaction.atomic():
        autoship, run = _locked_pending_run(autoship_id, run_id)
        if run is None:
            # The distributor closed this month meanwhile (skip, pause, cancel).
            if order is not None:
                _cancel_if_unpaid(order, _("Autoship order not needed."))
            return "closed"
        run.attempts += 1
        run.last_error = message[:300]
        if order is not None:
            run.order = order
        is_final = run.attempts >= settings.AUTOSHIP_MAX_ATTEMPTS
        if is_final:
            run.status = AutoshipRunStatus.FAILED
            run.next_attempt_at = None
            if run.order_id:
                _cancel_if_unpaid(run.order, _("Autoship payment failed."))
        else:
            run.next_attempt_at = now + timedelta(hours=settings.AUTOSHIP_RETRY_HOURS)
        run.save()
        if autoship.status in LIVE:
            autoship.status = AutoshipStatus.FAILING
            if is_final and autoship.next_run_on == run.run_on:
                autoship.next_run_on = _following_run(autoship, run.run_on, today)
            autoship.save(update_fields=["status", "next_run_on", "updated_at"])
        user = autoship.distributor.user
        queue_email(
            to=user.email,
            template="shop/autoship_failed",
            context={
                "user": user,
                "autoship": autoship,
                "run": run,
                "error": message,
                "is_final": is_final,
                "attempts_left": settings.AUTOSHIP_MAX_ATTEMPTS - run.attempts,
                "next_attempt_at": run.next_attempt_at,
                "path": reverse("autoship:edit"),
            },
            language=user.language,
        )
        return "failed" if is_final else "retrying"


def _cancel_if_unpaid(order: Order, reason: str) -> None:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == OrderStatus.PLACED and not locked.is_paid:
        actions.cancel_order(order=locked, reason=reason)


def _await(autoship_id: int, run_id: int, order: Order) -> str:
    """The provider answers later (a webhook): look again on the next pass."""
    with transaction.atomic():
        _autoship, run = _locked_pending_run(autoship_id, run_id)
        if run is not None:
            run.order = order
            run.next_attempt_at = None
            run.save(update_fields=["order", "next_attempt_at", "updated_at"])
    return "awaiting"


def _attach(autoship_id: int, run_id: int, order: Order) -> bool:
    """Record the order on the run before charging, so a restart finds it."""
    with transaction.atomic():
        autoship, run = _locked_pending_run(autoship_id, run_id)
        if run is None or autoship.status not in LIVE:
            _cancel_if_unpaid(order, _("Autoship order not needed."))
            return False
        run.order = order
        run.save(update_fields=["order", "updated_at"])
        return True


def _run_one(autoship_id: int, today: date, now: datetime) -> str:
    claim = _claim(autoship_id, today, now)
    if isinstance(claim, str):
        return claim
    autoship = Autoship.objects.select_related("distributor__user").get(pk=autoship_id)
    run = AutoshipRun.objects.select_related("order").get(pk=claim.run_id)
    items = reads.autoship_items(autoship)
    order = run.order
    if order is not None:
        if order.is_paid:
            _succeed(autoship_id, run.pk, order, today)
            return "succeeded"
        payments = list(order.payments.order_by("created_at", "id"))
        if order.status == OrderStatus.PLACED:
            if any(p.status == PaymentStatus.PENDING for p in payments):
                return _await(autoship_id, run.pk, order)
            if (
                claim.was_awaiting
                and payments
                and payments[-1].status == PaymentStatus.FAILED
            ):
                message = payments[-1].failure_message or _("The payment failed.")
                return _fail(autoship_id, run.pk, message, order, now, today)
            if not _matches(order, autoship, items):
                # Edited since the last attempt: order what it says now.
                _cancel_if_unpaid(order, _("Autoship changed before payment."))
                order = None
        else:
            order = None  # cancelled (unpaid too long): a fresh order
    try:
        get_provider(autoship.payment_provider)
    except KeyError:
        message = _("Your payment method is no longer available; choose another.")
        return _fail(autoship_id, run.pk, message, order, now, today)
    if order is None:
        user = autoship.distributor.user
        try:
            order = actions.place_order(
                distributor=autoship.distributor,
                items=items,
                delivery=reads.delivery_of(autoship),
                email=user.email,
                idempotency_key=_order_key(autoship_id, claim.run_on, claim.attempt),
                buyer=user,
                source=OrderSource.AUTOSHIP,
            )
        except ShopError as error:
            return _fail(autoship_id, run.pk, error.message, None, now, today)
        if order.is_paid:  # a restarted worker found the order it had paid
            _succeed(autoship_id, run.pk, order, today)
            return "succeeded"
        if order.status != OrderStatus.PLACED:
            message = _("The order was cancelled before it was paid.")
            return _fail(autoship_id, run.pk, message, order, now, today)
        if not _attach(autoship_id, run.pk, order):
            return "closed"
    refusal = ""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PLACED:
            # Cancelled after we looked: never charge a cancelled order.
            refusal = _("The order was cancelled before it was paid.")
        else:
            try:
                payment = actions.charge_saved_method(
                    order=locked,
                    provider_code=autoship.payment_provider,
                    token=autoship.payment_token,
                )
            except ShopError as error:
                refusal = error.message
    if refusal:
        return _fail(autoship_id, run.pk, refusal, order, now, today)
    if payment.status == PaymentStatus.SUCCEEDED:
        _succeed(autoship_id, run.pk, order, today)
        return "succeeded"
    if payment.status == PaymentStatus.PENDING:
        return _await(autoship_id, run.pk, order)
    message = payment.failure_message or _("The payment failed.")
    return _fail(autoship_id, run.pk, message, order, now, today)


def run_due_autoships(*, today: date | None = None) -> dict[str, int]:
    """Place and pay every autoship order that is due (safe to run at any time).

    Returns how many autoships ended each way this pass.
    """
    now = timezone.now()
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    due = Autoship.objects.due(today).order_by("pk").values_list("pk", flat=True)
    for autoship_id in list(due):
        try:
            outcome = _run_one(autoship_id, today, now)
        except Exception:
            # One autoship's fault must not stop the others; its claim lapses
            # and the next pass tries it again.
            logger.exception("autoship %s failed", autoship_id)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
