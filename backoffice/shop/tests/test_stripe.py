import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings

from backoffice.shop import actions
from backoffice.shop.models import (
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    RetailCustomer,
    VolumeEntry,
    WebhookEvent,
)
from backoffice.shop.tests.conftest import place, ship_to_ca
from backoffice.shop.tests.fake_stripe import FakeStripe, event, sign

D = Decimal
SECRET = "whsec_test"
WEBHOOK = "/payments/stripe/webhook/"
UNAVAILABLE = "The card service is unavailable; try again in a few minutes."


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe().start()
    settings.PAYMENT_PROVIDERS = ["wallet", "stripe"]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = fake.url
    settings.SITE_URL = "https://backoffice.example.com"
    yield fake
    fake.stop()


@pytest.fixture
def order(team, catalog, fedex):
    # Ganocafé 3-in-1 to California: 25.00 + 6.35 shipping + 1.81 tax.
    return place(team["alice"], {catalog["501"]: 1}, ship_to_ca(fedex))


def pay_by_card(order) -> Payment:
    return actions.start_payment(order=order, provider_code="stripe")


def completed(payment, *, amount=None, kind="checkout.session.completed", **extra):
    session = {
        "id": payment.reference,
        "object": "checkout.session",
        "amount_total": 3316 if amount is None else amount,
        "currency": "usd",
        "client_reference_id": str(payment.pk),
        "metadata": {
            "payment_id": str(payment.pk),
            "order_number": payment.order.number,
        },
        "mode": "payment",
        "payment_intent": "pi_test_paid",
        "payment_status": "paid",
        "status": "complete",
    }
    session.update(extra)
    return event(kind, session)


def post(client, body, *, signature=None):
    return client.post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body, SECRET) if signature is None else signature,
    )


def paid_by_card(client, order) -> Payment:
    payment = pay_by_card(order)
    assert post(client, completed(payment)).status_code == 200
    payment.refresh_from_db()
    return payment


def intent_event(kind, *, intent_id, amount=3316, payment_id="", created=None):
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if kind == "payment_intent.succeeded" else 0,
        "currency": "usd",
        "metadata": {"payment_id": payment_id} if payment_id else {},
        "status": "succeeded" if kind == "payment_intent.succeeded" else "failed",
    }
    return event(kind, intent, created=created)


# --- starting a card payment ------------------------------------------------------


def test_pay_by_card_opens_a_checkout_session_and_leaves_the_order_placed(
    fake_stripe, order
):
    payment = pay_by_card(order)

    assert payment.status == PaymentStatus.PENDING
    assert payment.reference.startswith("cs_test_")
    assert payment.redirect_url == (
        f"https://checkout.stripe.com/c/pay/{payment.reference}"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payment_provider == "stripe"
    assert not VolumeEntry.objects.exists()
    [call] = fake_stripe.calls
    assert (call.method, call.path) == ("POST", "/v1/checkout/sessions")
    assert call.idempotency_key == f"{order.number}-1" == payment.idempotency_key
    assert call.authorization == "Bearer sk_test_x"
    params = call.params
    assert params["mode"] == "payment"
    assert params["payment_method_types[0]"] == "card"
    assert params["line_items[0][quantity]"] == "1"
    assert params["line_items[0][price_data][unit_amount]"] == "3316"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["line_items[0][price_data][product_data][name]"] == (
        f"Order {order.number}"
    )
    assert params["client_reference_id"] == str(payment.pk)
    assert params["metadata[payment_id]"] == str(payment.pk)
    assert params["metadata[order_number]"] == order.number
    assert params["payment_intent_data[metadata][payment_id]"] == str(payment.pk)
    assert params["customer_email"] == order.email
    assert params["success_url"] == (
        f"https://backoffice.example.com/orders/{order.number}/"
    )
    assert params["cancel_url"] == (
        f"https://backoffice.example.com/shop/checkout/{order.number}/pay/"
    )
    # The session lives as long as the unpaid order (60 minutes by default).
    assert abs(int(params["expires_at"]) - (time.time() + 3600)) < 60


def test_a_retail_customer_returns_to_the_personal_shop(
    fake_stripe, team, catalog, fedex
):
    alice = team["alice"]
    customer = RetailCustomer.objects.create(
        distributor=alice, first_name="Rita", last_name="Ruiz", email="rita@example.com"
    )
    order = place(
        alice,
        {catalog["501"]: 1},
        ship_to_ca(fedex),
        customer=customer,
        buyer=None,
        email=customer.email,
    )
    pay_by_card(order)

    params = fake_stripe.calls_to("/v1/checkout/sessions")[0].params
    assert params["success_url"] == (
        f"https://backoffice.example.com/s/100001/order/{order.number}/"
    )
    assert params["cancel_url"] == (
        f"https://backoffice.example.com/s/100001/checkout/{order.number}/pay/"
    )
    assert params["line_items[0][price_data][unit_amount]"] == str(
        int(order.total * 100)
    )


def test_clicking_pay_twice_opens_one_session(fake_stripe, order):
    first = pay_by_card(order)
    second = pay_by_card(order)

    assert second.pk == first.pk
    assert second.redirect_url == first.redirect_url
    assert order.payments.count() == 1
    assert len(fake_stripe.calls_to("/v1/checkout/sessions")) == 1


def test_an_unavailable_card_service_refuses_and_the_order_stays_placed(
    fake_stripe, order
):
    fake_stripe.status_code = 500
    with pytest.raises(actions.ShopError) as refusal:
        pay_by_card(order)

    assert refusal.value.message == UNAVAILABLE
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    payment = order.payments.get()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == UNAVAILABLE
    assert (payment.reference, payment.redirect_url) == ("", "")
    # The client retried, always with the same key: Stripe cannot charge twice.
    calls = fake_stripe.calls_to("/v1/checkout/sessions")
    assert len(calls) == 3
    assert {call.idempotency_key for call in calls} == {payment.idempotency_key}


def test_the_provider_raises_a_payment_error_for_the_payer(fake_stripe, order):
    from backoffice.shop.payments import PaymentError, get_provider

    fake_stripe.status_code = 503
    payment = Payment.objects.create(
        order=order, provider="stripe", amount=order.total, idempotency_key="k-1"
    )
    with pytest.raises(PaymentError, match=UNAVAILABLE):
        get_provider("stripe").start(payment=payment, data={}, request=None)
    payment.refresh_from_db()
    assert (payment.reference, payment.redirect_url) == ("", "")


# --- the webhook: checkout sessions ---------------------------------------------------


def test_a_signed_completed_session_pays_the_order_once(fake_stripe, order, client):
    payment = pay_by_card(order)
    body = completed(payment)

    response = post(client, body)

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.reference == "pi_test_paid"
    assert payment.card_label == "Visa •••• 4242"
    entry = VolumeEntry.objects.get()
    assert (entry.distributor_id, entry.pv, entry.cv) == (
        order.distributor_id,
        D("17"),
        D("19.2"),
    )
    assert WebhookEvent.objects.get().event_type == "checkout.session.completed"

    again = post(client, body)

    assert again.status_code == 200
    assert VolumeEntry.objects.count() == 1
    assert WebhookEvent.objects.count() == 1
    assert order.events.filter(status=OrderStatus.PAID).count() == 1


def test_the_same_payment_reported_by_another_event_changes_nothing(
    fake_stripe, order, client
):
    payment = pay_by_card(order)
    assert post(client, completed(payment)).status_code == 200
    later = completed(payment, kind="checkout.session.async_payment_succeeded")

    assert post(client, later).status_code == 200

    assert VolumeEntry.objects.count() == 1
    assert WebhookEvent.objects.count() == 2
    assert order.events.filter(status=OrderStatus.PAID).count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=123",
        "garbage",
        sign("{}", SECRET),
        "t={now},v1=" + "0" * 64,
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(
    fake_stripe, order, client, signature
):
    payment = pay_by_card(order)
    signature = signature.replace("{now}", str(int(time.time())))

    response = post(client, completed(payment), signature=signature)

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.PENDING
    assert not VolumeEntry.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(fake_stripe, order, client):
    payment = pay_by_card(order)
    body = completed(payment)

    response = post(client, body, signature=sign(body, "whsec_someone_else"))

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not WebhookEvent.objects.exists()


def test_a_tampered_body_with_an_old_valid_signature_is_refused(
    fake_stripe, order, client
):
    payment = pay_by_card(order)
    small = completed(payment, amount=100)
    old_signature = sign(small, SECRET, timestamp=int(time.time()) - 600)

    tampered = post(client, completed(payment), signature=old_signature)
    replayed = post(client, small, signature=old_signature)  # genuine but stale

    assert (tampered.status_code, replayed.status_code) == (400, 400)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.PENDING
    assert not VolumeEntry.objects.exists()
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"id": "evt_1", "type": "x"}', "\x00"]
)
def test_a_signed_malformed_body_is_refused(fake_stripe, db, client, body):
    assert post(client, body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_an_amount_that_does_not_match_is_not_confirmed(fake_stripe, order, client):
    payment = pay_by_card(order)

    response = post(client, completed(payment, amount=3315))

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == (
        "The amount charged did not match the order total; our staff will refund it."
    )
    assert not VolumeEntry.objects.exists()


def test_another_currency_is_not_confirmed(fake_stripe, order, client):
    payment = pay_by_card(order)

    assert post(client, completed(payment, currency="eur")).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.FAILED
    assert not VolumeEntry.objects.exists()


def test_an_unpaid_completed_session_waits_for_the_money(fake_stripe, order, client):
    payment = pay_by_card(order)

    response = post(client, completed(payment, payment_status="unpaid"))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.PENDING


def test_an_expired_session_fails_the_payment_and_pay_opens_a_new_one(
    fake_stripe, order, client
):
    payment = pay_by_card(order)

    response = post(
        client,
        completed(
            payment,
            kind="checkout.session.expired",
            payment_status="unpaid",
            status="expired",
            payment_intent=None,
        ),
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == (
        "The card payment page expired before the payment was made."
    )
    assert order.status == OrderStatus.PLACED
    retry = pay_by_card(order)
    assert retry.pk != payment.pk
    assert retry.idempotency_key == f"{order.number}-2"
    assert len(fake_stripe.calls_to("/v1/checkout/sessions")) == 2


def test_an_async_payment_failure_fails_the_payment(fake_stripe, order, client):
    payment = pay_by_card(order)
    body = completed(
        payment, kind="checkout.session.async_payment_failed", payment_status="unpaid"
    )

    assert post(client, body).status_code == 200

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == "The card payment failed."


def test_events_for_unknown_payments_or_of_other_types_are_acknowledged(
    fake_stripe, order, client
):
    payment = pay_by_card(order)
    stranger = completed(payment, id="cs_test_not_ours")
    other = event("customer.created", {"id": "cus_1", "object": "customer"})

    assert post(client, stranger).status_code == 200
    assert post(client, other).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.payments.get().status == PaymentStatus.PENDING
    assert not VolumeEntry.objects.exists()
    assert sorted(WebhookEvent.objects.values_list("event_type", flat=True)) == [
        "checkout.session.completed",
        "customer.created",
    ]


def test_payment_on_a_cancelled_order_is_given_back_at_once(fake_stripe, order, client):
    payment = pay_by_card(order)
    actions.cancel_order(order=order, reason="not paid in time")
    # Cancelling closes the open Checkout page.
    assert [call.path for call in fake_stripe.calls][-1] == (
        f"/v1/checkout/sessions/{payment.reference}/expire"
    )

    # The payer finished anyway (the page was still open on their screen).
    assert post(client, completed(payment)).status_code == 200

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.reference == "pi_test_paid"
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount, refund.status) == (
        payment,
        payment.amount,
        RefundStatus.SUCCEEDED,
    )
    [sent] = fake_stripe.calls_to("/v1/refunds")
    assert sent.params["payment_intent"] == "pi_test_paid"
    assert sent.params["amount"] == "3316"
    # The order never had this money: its own figures are untouched.
    assert order.refunded_amount == D("0.00")
    assert not VolumeEntry.objects.exists()


def test_a_second_payment_of_a_paid_order_is_given_back(
    fake_stripe, order, client, settings
):
    from backoffice.shop.models import WalletEntry, WalletKind

    card = pay_by_card(order)  # the Checkout page is left open
    WalletEntry.objects.create(
        distributor=order.distributor, kind=WalletKind.PAYOUT, amount=D("100.00")
    )
    actions.start_payment(order=order, provider_code="wallet")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # Paying another way closes the Checkout page left open.
    assert [call.path for call in fake_stripe.calls][-1] == (
        f"/v1/checkout/sessions/{card.reference}/expire"
    )

    assert post(client, completed(card)).status_code == 200

    card.refresh_from_db()
    assert card.status == PaymentStatus.REFUNDED
    assert Refund.objects.get().payment == card
    assert len(fake_stripe.calls_to("/v1/refunds")) == 1
    assert VolumeEntry.objects.count() == 1  # credited once, by the wallet payment


def test_the_webhook_takes_posts_only_and_only_when_stripe_is_enabled(
    fake_stripe, db, client, settings
):
    assert client.get(WEBHOOK).status_code == 405
    settings.PAYMENT_PROVIDERS = ["wallet"]
    body = event("customer.created", {"id": "cus_1"})
    assert post(client, body).status_code == 404
    assert not WebhookEvent.objects.exists()


# --- refunds ----------------------------------------------------------------------


def test_cancelling_a_card_paid_order_refunds_through_stripe(
    fake_stripe, order, client, staff
):
    payment = paid_by_card(client, order)

    actions.cancel_order(order=order, by=staff, reason="customer asked")

    [call] = fake_stripe.calls_to("/v1/refunds")
    assert call.params["payment_intent"] == "pi_test_paid" == payment.reference
    assert call.params["amount"] == "3316"
    assert call.idempotency_key == f"{order.number}-refund-1"
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.reference.startswith("re_")
    assert call.params["metadata[refund_id]"] == str(refund.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_amount == D("33.16")
    entries = VolumeEntry.objects.order_by("id")
    assert [(e.kind, e.pv, e.cv) for e in entries] == [
        ("order", D("17"), D("19.2")),
        ("refund", D("-17"), D("-19.2")),
    ]


def test_a_pending_refund_is_confirmed_by_the_webhook_once(
    fake_stripe, order, client, staff
):
    paid_by_card(client, order)
    fake_stripe.refund_status = "pending"
    actions.cancel_order(order=order, by=staff, reason="customer asked")
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING
    assert [e.kind for e in VolumeEntry.objects.all()] == ["order"]
    body = event(
        "refund.updated",
        {
            "id": refund.reference,
            "object": "refund",
            "amount": 3316,
            "currency": "usd",
            "payment_intent": "pi_test_paid",
            "status": "succeeded",
        },
    )

    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert order.refunded_amount == D("33.16")
    assert VolumeEntry.objects.filter(kind="refund").count() == 1


def test_a_refund_stripe_reports_failed_is_marked_failed_and_books_no_volume(
    fake_stripe, order, client, staff
):
    paid_by_card(client, order)
    fake_stripe.refund_status = "pending"
    actions.cancel_order(order=order, by=staff, reason="customer asked")
    refund = Refund.objects.get()
    body = event(
        "refund.failed",
        {
            "id": refund.reference,
            "object": "refund",
            "amount": 3316,
            "currency": "usd",
            "payment_intent": "pi_test_paid",
            "status": "failed",
        },
    )

    assert post(client, body).status_code == 200

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert order.refunded_amount == D("0.00")
    assert [e.kind for e in VolumeEntry.objects.all()] == ["order"]


def test_a_refund_reported_on_the_charge_is_confirmed(
    fake_stripe, order, client, staff
):
    paid_by_card(client, order)
    fake_stripe.refund_status = "pending"
    actions.cancel_order(order=order, by=staff)
    refund = Refund.objects.get()
    charge = {
        "id": "ch_test_1",
        "object": "charge",
        "amount_refunded": 3316,
        "refunded": True,
        "refunds": {
            "object": "list",
            "data": [{"id": refund.reference, "amount": 3316, "status": "succeeded"}],
        },
    }

    assert post(client, event("charge.refunded", charge)).status_code == 200

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert VolumeEntry.objects.filter(kind="refund").count() == 1


def test_a_refund_the_card_service_cannot_make_fails_and_can_be_retried(
    fake_stripe, order, client, staff
):
    paid_by_card(client, order)
    fake_stripe.status_code = 500

    # The cancellation stands (the goods stay in stock); the refund is on record
    # as failed, and its volume is not taken back until the money is.
    actions.cancel_order(order=order, by=staff)

    order.refresh_from_db()
    failed = Refund.objects.get()
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_amount == D("0")
    assert failed.status == RefundStatus.FAILED
    assert failed.reason == UNAVAILABLE
    assert VolumeEntry.objects.count() == 1

    fake_stripe.status_code = 200
    again = actions.retry_refund(refund=failed, by=staff)

    order.refresh_from_db()
    assert again.status == RefundStatus.SUCCEEDED
    assert again.idempotency_key == f"{order.number}-refund-2"
    assert order.refunded_amount == order.total
    assert [e.kind for e in VolumeEntry.objects.order_by("id")] == ["order", "refund"]
    with pytest.raises(actions.ShopError, match="Only a failed refund"):
        actions.retry_refund(refund=again, by=staff)


# --- autoship: charging a saved card ------------------------------------------------


def test_a_charge_whose_answer_was_lost_is_adopted_from_its_webhook(
    fake_stripe, order, client
):
    # Stripe charged, but the answer timed out: our attempt was marked failed.
    fake_stripe.status_code = 500
    with pytest.raises(actions.ShopError):
        actions.charge_saved_method(
            order=order, provider_code="stripe", token="cus_test_1:pm_test_1"
        )
    lost = order.payments.get()
    assert (lost.status, lost.reference) == (PaymentStatus.FAILED, "")

    body = intent_event(
        "payment_intent.succeeded", intent_id="pi_lost_1", payment_id=str(lost.pk)
    )
    assert post(client, body).status_code == 200

    order.refresh_from_db()
    lost.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (lost.status, lost.reference) == (PaymentStatus.SUCCEEDED, "pi_lost_1")
    assert VolumeEntry.objects.count() == 1


def test_a_saved_card_is_charged_off_session_and_paid_by_the_webhook(
    fake_stripe, order, client
):
    payment = actions.charge_saved_method(
        order=order, provider_code="stripe", token="cus_test_1:pm_test_1"
    )

    assert payment.status == PaymentStatus.PENDING
    assert payment.reference.startswith("pi_")
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    [call] = fake_stripe.calls_to("/v1/payment_intents")
    assert call.idempotency_key == payment.idempotency_key == f"{order.number}-1"
    assert call.params["amount"] == "3316"
    assert call.params["currency"] == "usd"
    assert call.params["customer"] == "cus_test_1"
    assert call.params["payment_method"] == "pm_test_1"
    assert (call.params["confirm"], call.params["off_session"]) == ("true", "true")
    assert call.params["metadata[payment_id]"] == str(payment.pk)

    body = intent_event("payment_intent.succeeded", intent_id=payment.reference)
    assert post(client, body).status_code == 200

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.card_label == "Visa •••• 4242"
    assert VolumeEntry.objects.count() == 1


def test_a_failed_saved_card_charge_fails_the_payment(fake_stripe, order, client):
    fake_stripe.intent_status = "processing"
    payment = actions.charge_saved_method(
        order=order, provider_code="stripe", token="cus_test_1:pm_test_1"
    )
    body = intent_event("payment_intent.payment_failed", intent_id=payment.reference)

    assert post(client, body).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_message == "The saved card was declined."
    assert order.status == OrderStatus.PLACED


@pytest.mark.parametrize(
    ("decline", "message"),
    [
        ("card_declined", "The saved card was declined."),
        (
            "authentication_required",
            "The bank asks the cardholder to approve this charge; "
            "pay the order from its page.",
        ),
    ],
)
def test_a_declined_saved_card_is_refused(fake_stripe, order, decline, message):
    fake_stripe.decline_code = decline

    with pytest.raises(actions.ShopError) as refusal:
        actions.charge_saved_method(
            order=order, provider_code="stripe", token="cus_test_1:pm_test_1"
        )

    assert refusal.value.message == message
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    payment = order.payments.get()
    assert (payment.status, payment.reference) == (PaymentStatus.FAILED, "")


@pytest.mark.parametrize("token", ["", "cus_1", "pm_1:cus_1", "demo_4242424242424242"])
def test_a_malformed_saved_card_is_refused_without_calling_stripe(
    fake_stripe, order, token
):
    with pytest.raises(actions.ShopError, match="The saved card is not valid."):
        actions.charge_saved_method(order=order, provider_code="stripe", token=token)

    assert fake_stripe.calls == []
    assert order.payments.get().status == PaymentStatus.FAILED


def test_an_intent_event_racing_its_commit_is_asked_again(fake_stripe, db, client):
    fresh = intent_event(
        "payment_intent.succeeded", intent_id="pi_test_early", payment_id="999999"
    )
    stale = intent_event(
        "payment_intent.succeeded",
        intent_id="pi_test_early",
        payment_id="999999",
        created=int(time.time()) - 2 * 3600,
    )

    assert post(client, fresh).status_code == 503
    assert not WebhookEvent.objects.exists()
    assert post(client, stale).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_a_checkouts_own_intent_event_leaves_the_payment_to_the_session(
    fake_stripe, order, client
):
    payment = pay_by_card(order)
    body = intent_event(
        "payment_intent.succeeded", intent_id="pi_test_paid", payment_id=str(payment.pk)
    )

    assert post(client, body).status_code == 200

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not VolumeEntry.objects.exists()


# --- settings -----------------------------------------------------------------------


def test_forms_may_post_to_stripe_checkout_only_when_stripe_is_enabled():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(map(str, settings.SECURE_CSP['form-action'])))"
    )
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": SECRET,
    }

    def form_action(providers: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            env={**base, "PAYMENT_PROVIDERS": providers},
            capture_output=True,
            text=True,
            check=True,
            cwd=django_settings.BASE_DIR,
        )
        return result.stdout.strip()

    assert form_action("wallet,stripe") == "'self' https://checkout.stripe.com"
    assert form_action("wallet") == "'self'"
