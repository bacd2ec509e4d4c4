"""Card payments through Stripe.

The payer pays on a Stripe Checkout page; Stripe then tells us through a signed
webhook, and only the webhook marks the order paid (the return to our site is
just navigation). Autoship charges a saved card off-session and also waits for
the webhook. Every request carries the payment's or refund's idempotency key,
so a retry never charges or refunds twice.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.lib.money import to_cents
from backoffice.shop.models import (
    OrderKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from backoffice.shop.payments.base import PaymentError, PaymentProvider

if TYPE_CHECKING:
    from django.http import HttpRequest

    from backoffice.shop.models import Autoship, Order

logger = logging.getLogger(__name__)

CODE = "stripe"
CURRENCY = "usd"
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# Each call may be retried by the client library with the same idempotency key.
NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20
# Stripe accepts a Checkout Session lifetime from 30 minutes to 24 hours.
SESSION_MINUTES = (30, 24 * 60)
# A payment intent event naming a payment we cannot see yet is most likely racing
# the commit of the transaction that created it: ask Stripe to send it again.
UNSEEN_PAYMENT_GRACE = timedelta(hours=1)

CARD_BRANDS = {
    "amex": "Amex",
    "diners": "Diners Club",
    "discover": "Discover",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


def unavailable() -> PaymentError:
    return PaymentError(
        _("The card service is unavailable; try again in a few minutes.")
    )


def client() -> stripe.StripeClient:
    """A client for the configured account (pointed at STRIPE_API_BASE when set)."""
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def _log_error(what: str, key: str, error: stripe.StripeError) -> None:
    # The type, code and request id identify the failure in Stripe's logs; the
    # message is left out because it may echo a (masked) key or card details.
    logger.error(
        "Stripe %s failed (%s): %s code=%s request=%s status=%s",
        what,
        key,
        type(error).__name__,
        error.code or "-",
        error.request_id or "-",
        error.http_status or "-",
    )


def _absolute(request: HttpRequest | None, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def return_paths(order: Order) -> tuple[str, str]:
    """Where Stripe sends the payer back: (after paying, after giving up)."""
    if order.kind == OrderKind.CUSTOMER:
        shop = f"/s/{order.distributor.distributor_id}"
        return (
            f"{shop}/order/{order.number}/",
            f"{shop}/checkout/{order.number}/pay/",
        )
    return (
        reverse("orders:detail", args=[order.number]),
        f"/shop/checkout/{order.number}/pay/",
    )


def parse_saved_token(token: str) -> tuple[str, str]:
    """An autoship's saved card: ``cus_…:pm_…`` (the customer and its card)."""
    customer, _sep, method = token.partition(":")
    if not (customer.startswith("cus_") and method.startswith("pm_")):
        raise PaymentError(_("The saved card is not valid."))
    return customer, method


def _metadata(payment: Payment) -> dict[str, str]:
    return {"payment_id": str(payment.pk), "order_number": payment.order.number}


class StripeProvider(PaymentProvider):
    code = CODE
    supports_saved_method = True

    @property
    def label(self) -> str:
        return str(gettext_lazy("Card (Visa, Mastercard, Amex, Discover)"))

    def start(
        self, *, payment: Payment, data: dict, request: HttpRequest | None
    ) -> None:
        order = payment.order
        success_path, cancel_path = return_paths(order)
        low, high = SESSION_MINUTES
        minutes = min(max(settings.UNPAID_ORDER_MINUTES, low), high)
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": ["card"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": to_cents(payment.amount),
                        "product_data": {
                            "name": _("Order %(number)s") % {"number": order.number}
                        },
                    },
                }
            ],
            "customer_email": order.email,
            "client_reference_id": str(payment.pk),
            "metadata": _metadata(payment),
            "payment_intent_data": {"metadata": _metadata(payment)},
            "success_url": _absolute(request, success_path),
            "cancel_url": _absolute(request, cancel_path),
            # Expire with the unpaid order (at least Stripe's minimum), so
            # nobody pays for an order that was cancelled meanwhile.
            "expires_at": int(
                (timezone.now() + timedelta(minutes=minutes)).timestamp()
            ),
        }
        try:
            session = client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": payment.idempotency_key}
            )
        except stripe.StripeError as error:
            _log_error("checkout session", payment.idempotency_key, error)
            raise unavailable() from None
        payment.reference = session.id
        payment.redirect_url = session.url
        payment.save(update_fields=["reference", "redirect_url", "updated_at"])

    def charge_saved(self, *, payment: Payment, token: str) -> None:
        customer, method = parse_saved_token(token)
        params: dict[str, Any] = {
            "amount": to_cents(payment.amount),
            "currency": CURRENCY,
            "customer": customer,
            "payment_method": method,
            "payment_method_types": ["card"],
            "confirm": True,
            "off_session": True,
            "description": _("Order %(number)s") % {"number": payment.order.number},
            "metadata": _metadata(payment),
        }
        try:
            intent = client().v1.payment_intents.create(
                params=params, options={"idempotency_key": payment.idempotency_key}
            )
        except stripe.CardError as error:
            _log_error("off-session charge", payment.idempotency_key, error)
            if error.code == "authentication_required":
                raise PaymentError(
                    _(
                        "The bank asks the cardholder to approve this charge; "
                        "pay the order from its page."
                    )
                ) from None
            raise PaymentError(_("The saved card was declined.")) from None
        except stripe.StripeError as error:
            _log_error("off-session charge", payment.idempotency_key, error)
            raise unavailable() from None
        if intent.status in {"requires_payment_method", "canceled"}:
            raise PaymentError(_("The saved card was declined."))
        if intent.status in {"requires_action", "requires_confirmation"}:
            raise PaymentError(
                _(
                    "The bank asks the cardholder to approve this charge; "
                    "pay the order from its page."
                )
            )
        # Succeeded or processing: the payment_intent.succeeded webhook confirms.
        payment.reference = intent.id
        payment.save(update_fields=["reference", "updated_at"])

    def close(self, *, payment: Payment) -> None:
        """Expire an open Checkout Session: the order it was for is cancelled."""
        if not payment.reference.startswith("cs_"):
            return
        try:
            client().v1.checkout.sessions.expire(payment.reference)
        except stripe.StripeError as error:
            # Already completed or expired, or Stripe is down: a late payment is
            # refunded automatically when its webhook arrives.
            _log_error("expire session", payment.idempotency_key, error)

    def refund(self, *, refund: Refund) -> None:
        from backoffice.shop import actions

        intent_id = refund.payment.reference
        if not intent_id.startswith("pi_"):
            raise PaymentError(
                _(
                    "This card payment cannot be refunded here; "
                    "refund it from the Stripe Dashboard."
                )
            )
        params: dict[str, Any] = {
            "payment_intent": intent_id,
            "amount": to_cents(refund.amount),
            "metadata": {
                "refund_id": str(refund.pk),
                "order_number": refund.order.number,
            },
        }
        try:
            created = client().v1.refunds.create(
                params=params, options={"idempotency_key": refund.idempotency_key}
            )
        except stripe.StripeError as error:
            _log_error("refund", refund.idempotency_key, error)
            raise unavailable() from None
        if created.status in {"failed", "canceled"}:
            logger.error("Stripe refused refund %s: %s", created.id, created.status)
            raise PaymentError(_("The card company refused the refund."))
        refund.reference = created.id
        refund.save(update_fields=["reference"])
        if created.status == "succeeded":
            actions.confirm_refund(refund=refund, reference=created.id)
        # Otherwise pending: the refund.updated webhook confirms it.


def start_card_setup(*, autoship: Autoship, request: HttpRequest | None) -> str:
    """Open a Stripe page where the distributor saves a card for their autoship.

    Returns the page's address. Stripe keeps the card; once its signed webhook
    says it is saved (``checkout.session.completed`` in setup mode), the card
    becomes the autoship's payment method (``_card_saved``). Until then the
    autoship keeps the method it had.
    """
    distributor = autoship.distributor
    key = f"autoship-{autoship.pk}-card-{uuid.uuid4().hex}"
    metadata = {
        "autoship_id": str(autoship.pk),
        "distributor_id": str(distributor.distributor_id),
    }
    home = reverse("autoship:home")
    try:
        if autoship.payment_provider == CODE and autoship.payment_token:
            customer, _method = parse_saved_token(autoship.payment_token)
        else:
            customer = (
                client()
                .v1.customers.create(
                    params={
                        "email": distributor.user.email,
                        "name": distributor.name,
                        "metadata": metadata,
                    },
                    options={"idempotency_key": key + "-customer"},
                )
                .id
            )
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "setup",
                "currency": CURRENCY,
                "payment_method_types": ["card"],
                "customer": customer,
                "client_reference_id": f"autoship-{autoship.pk}",
                "metadata": metadata,
                "setup_intent_data": {"metadata": metadata},
                "success_url": _absolute(request, home + "?card=saved"),
                "cancel_url": _absolute(request, home),
            },
            options={"idempotency_key": key},
        )
    except stripe.StripeError as error:
        _log_error("card setup session", key, error)
        raise unavailable() from None
    return session.url


# --- webhooks -------------------------------------------------------------------


class InvalidEvent(Exception):
    """The webhook's signature, age or body is not acceptable."""


class RetryLater(Exception):
    """The event is about a payment not visible yet; Stripe should send it again."""


def verify_event(payload: bytes, signature: str | None) -> dict:
    """The event Stripe signed, or InvalidEvent (also for a stale timestamp)."""
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidEvent(type(error).__name__) from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise InvalidEvent("not an event")
    return event


def handle_event(event: dict) -> None:
    """Apply a verified event once: its id is recorded with its effect."""
    handler = HANDLERS.get(event["type"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    provider=CODE,
                    event_id=event["id"][:255],
                    event_type=event["type"][:100],
                )
        except IntegrityError:
            logger.info("Stripe event %s already handled", event["id"])
            return
        if handler is not None:
            handler(event)


def _id_of(value: Any) -> str:
    """An id from a field that Stripe sends either as an id or an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _payment_by_reference(reference: str) -> Payment | None:
    if not reference:
        return None
    return (
        Payment.objects.select_related("order")
        .filter(provider=CODE, reference=reference)
        .first()
    )


def _amount_matches(payment: Payment, obj: dict, field: str) -> bool:
    amount, currency = obj.get(field), obj.get("currency")
    if amount == to_cents(payment.amount) and currency == CURRENCY:
        return True
    logger.error(
        "Stripe %s for payment %s: %s %s, expected %s %s; not confirmed",
        obj.get("id"),
        payment.pk,
        amount,
        currency,
        to_cents(payment.amount),
        CURRENCY,
    )
    return False


def card_label(intent_id: str) -> str:
    """``Visa •••• 4242`` for the card behind a payment intent; ``Card`` if unknown."""
    fallback = _("Card")
    if not intent_id.startswith("pi_"):
        return fallback
    try:
        intent = client().v1.payment_intents.retrieve(
            intent_id, params={"expand": ["latest_charge"]}
        )
    except stripe.StripeError as error:
        _log_error("payment intent lookup", intent_id, error)
        return fallback
    charge = intent.to_dict().get("latest_charge")
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    card = details.get("card") if isinstance(details, dict) else None
    return _card_label(card)


def _card_label(card: Any) -> str:
    """``Visa •••• 4242`` from a Stripe card object; ``Card`` if it has no digits."""
    fallback = _("Card")
    if not isinstance(card, dict) or not card.get("last4"):
        return fallback
    brand = card.get("brand") or ""
    name = CARD_BRANDS.get(brand, brand.title() or fallback)
    return f"{name} •••• {card['last4']}"


def _confirm(payment: Payment, obj: dict, amount_field: str, intent_id: str) -> None:
    from backoffice.shop import actions

    if payment.status == PaymentStatus.SUCCEEDED:
        return
    if not _amount_matches(payment, obj, amount_field):
        actions.fail_payment(
            payment=payment,
            message=_(
                "The amount charged did not match the order total; "
                "our staff will refund it."
            ),
        )
        return
    actions.confirm_payment(
        payment=payment,
        reference=intent_id,
        card_label=card_label(intent_id),
    )


def _card_saved(session: dict) -> None:
    """A card saved on Stripe's page becomes the autoship's payment method."""
    from backoffice.shop.actions import ShopError
    from backoffice.shop.actions import autoship as autoship_actions

    autoship_id = str((session.get("metadata") or {}).get("autoship_id", ""))
    intent_id = _id_of(session.get("setup_intent"))
    customer = _id_of(session.get("customer"))
    if not (autoship_id.isdigit() and intent_id and customer):
        logger.warning("Stripe setup session %s names no autoship", session.get("id"))
        return
    try:
        intent = (
            client()
            .v1.setup_intents.retrieve(intent_id, params={"expand": ["payment_method"]})
            .to_dict()
        )
    except stripe.StripeError as error:
        _log_error("setup intent lookup", intent_id, error)
        raise RetryLater(intent_id) from None
    method = intent.get("payment_method")
    card = method.get("card") if isinstance(method, dict) else None
    if intent.get("status") != "succeeded" or not isinstance(card, dict):
        logger.warning("Stripe setup intent %s saved no card", intent_id)
        return
    try:
        autoship_actions.keep_saved_card(
            autoship_id=int(autoship_id),
            token=f"{customer}:{_id_of(method)}",
            label=_card_label(card),
        )
    except ShopError as error:  # not a card this shop can charge: nothing kept
        logger.error("Stripe setup intent %s not kept: %s", intent_id, error.message)


def _session_paid(event: dict) -> None:
    session = event["data"]["object"]
    if session.get("mode") == "setup":
        _card_saved(session)
        return
    if session.get("payment_status") != "paid":
        return  # an asynchronous method: async_payment_succeeded follows
    payment = _payment_by_reference(_id_of(session))
    if payment is None:
        logger.warning("Stripe session %s matches no payment", session.get("id"))
        return
    intent_id = _id_of(session.get("payment_intent")) or session["id"]
    _confirm(payment, session, "amount_total", intent_id)


def _session_failed(event: dict) -> None:
    from backoffice.shop import actions

    session = event["data"]["object"]
    if session.get("mode") == "setup":
        return  # a card not saved: the autoship keeps its method
    payment = _payment_by_reference(_id_of(session))
    if payment is None:
        logger.warning("Stripe session %s matches no payment", session.get("id"))
        return
    if event["type"] == "checkout.session.expired":
        message = _("The card payment page expired before the payment was made.")
    else:
        message = _("The card payment failed.")
    actions.fail_payment(payment=payment, message=message)


def _intent_payment(event: dict) -> Payment | None:
    intent = event["data"]["object"]
    payment = _payment_by_reference(_id_of(intent))
    if payment is not None:
        return payment
    metadata = intent.get("metadata") or {}
    payment_id = str(metadata.get("payment_id", ""))
    if payment_id.isdigit():
        # An off-session charge whose answer never reached us (a timeout after
        # Stripe charged): the webhook is Stripe's word, so adopt the intent.
        orphan = Payment.objects.filter(
            pk=int(payment_id), provider=CODE, reference=""
        ).first()
        if orphan is not None:
            Payment.objects.filter(pk=orphan.pk, reference="").update(
                reference=_id_of(intent)
            )
            orphan.refresh_from_db()
            return orphan
    created = event.get("created")
    if (
        payment_id.isdigit()
        and isinstance(created, int)
        and timezone.now().timestamp() - created < UNSEEN_PAYMENT_GRACE.total_seconds()
        and not Payment.objects.filter(pk=int(payment_id), provider=CODE).exists()
    ):
        # An autoship charge whose transaction has not committed yet.
        raise RetryLater(intent.get("id"))
    # A checkout's own intent (its session event settles it) or not ours.
    logger.info("Stripe payment intent %s matches no payment", intent.get("id"))
    return None


def _intent_succeeded(event: dict) -> None:
    payment = _intent_payment(event)
    if payment is not None:
        intent = event["data"]["object"]
        _confirm(payment, intent, "amount_received", intent["id"])


def _intent_failed(event: dict) -> None:
    from backoffice.shop import actions

    payment = _intent_payment(event)
    if payment is not None:
        actions.fail_payment(payment=payment, message=_("The saved card was declined."))


def _refund_settled(refund_object: dict) -> None:
    from backoffice.shop import actions

    refund_id = _id_of(refund_object)
    refund = (
        Refund.objects.filter(payment__provider=CODE, reference=refund_id).first()
        if refund_id
        else None
    )
    if refund is None:
        logger.warning("Stripe refund %s matches no refund", refund_id)
        return
    status = refund_object.get("status")
    if status == "succeeded":
        if refund_object.get("amount") != to_cents(refund.amount):
            logger.error(
                "Stripe refund %s: %s cents, expected %s; not confirmed",
                refund_id,
                refund_object.get("amount"),
                to_cents(refund.amount),
            )
            return
        actions.confirm_refund(refund=refund, reference=refund_id)
    elif status in {"failed", "canceled"} and refund.status != RefundStatus.SUCCEEDED:
        # The money did not go back: staff refund it another way.
        logger.error("Stripe refund %s for refund %s %s", refund_id, refund.pk, status)
        actions.fail_refund(refund=refund, message=f"Stripe refund {status}")


def _refund_updated(event: dict) -> None:
    _refund_settled(event["data"]["object"])


def _charge_refunded(event: dict) -> None:
    # Recent API versions leave a charge's refunds out; refund.updated covers them.
    refunds = (event["data"]["object"].get("refunds") or {}).get("data") or []
    for refund_object in refunds:
        if isinstance(refund_object, dict):
            _refund_settled(refund_object)


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.expired": _session_failed,
    "checkout.session.async_payment_failed": _session_failed,
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_updated,
    "refund.failed": _refund_updated,
    "charge.refund.updated": _refund_updated,
}
