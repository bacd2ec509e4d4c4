"""A card for the autoship, saved on Stripe's page and kept once its webhook says so."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail

from backoffice.shop.actions import autoship as autoship_actions
from backoffice.shop.models import Autoship, WebhookEvent
from backoffice.shop.tests.conftest import ship_to_ca
from backoffice.shop.tests.fake_stripe import event
from backoffice.shop.tests.test_stripe import UNAVAILABLE, fake_stripe, post  # noqa: F401

ZONE = ZoneInfo("America/Los_Angeles")
HOME = "/autoship/"
CARD = "/autoship/card/"


@pytest.fixture(autouse=True)
def june_first():
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=ZONE), tick=False):
        yield


@pytest.fixture
def autoship(fake_stripe, team, catalog, fedex) -> Autoship:  # noqa: F811
    """alice's autoship, paid from her commission wallet."""
    return autoship_actions.start_autoship(
        distributor=team["alice"],
        items=[(catalog["501"].pk, 2)],
        day_of_month=10,
        first_run_on=date(2026, 6, 10),
        delivery=ship_to_ca(fedex),
        payment_provider="wallet",
    )


def setup_completed(session: dict, **extra) -> str:
    """The webhook body for a setup-mode Checkout Session the payer completed."""
    body = {
        "id": session["id"],
        "object": "checkout.session",
        "customer": session["customer"],
        "metadata": session["metadata"],
        "mode": "setup",
        "payment_status": "no_payment_required",
        "setup_intent": session["setup_intent"],
        "status": "complete",
    }
    body.update(extra)
    return event("checkout.session.completed", body)


def open_card_page(client, fake_stripe, distributor) -> dict:  # noqa: F811
    """alice presses "Pay with a card"; the session the fake Stripe made."""
    client.force_login(distributor.user)
    response = client.post(CARD)
    assert response.status_code == 302
    [call] = fake_stripe.calls_to("/v1/checkout/sessions")
    session_url = response["Location"]
    assert session_url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    return {
        "id": session_url.rsplit("/", 1)[1],
        "customer": call.params["customer"],
        "metadata": {
            "autoship_id": call.params["metadata[autoship_id]"],
            "distributor_id": call.params["metadata[distributor_id]"],
        },
        "setup_intent": "seti_test_1",
        "params": call.params,
    }


def snapshot(autoship: Autoship) -> tuple:
    autoship.refresh_from_db()
    return (
        autoship.status,
        autoship.payment_provider,
        autoship.payment_token,
        autoship.payment_label,
    )


@pytest.mark.django_db
def test_pay_with_a_card_opens_stripes_page_and_keeps_the_method_until_saved(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    before = snapshot(autoship)
    session = open_card_page(client, fake_stripe, team["alice"])

    [customer_call] = fake_stripe.calls_to("/v1/customers")
    assert customer_call.params["email"] == team["alice"].user.email
    assert session["customer"].startswith("cus_")
    params = session["params"]
    assert params["mode"] == "setup"
    assert params["currency"] == "usd"
    assert params["payment_method_types[0]"] == "card"
    assert params["metadata[autoship_id]"] == str(autoship.pk)
    assert params["setup_intent_data[metadata][autoship_id]"] == str(autoship.pk)
    assert params["success_url"] == "http://testserver/autoship/?card=saved"
    assert params["cancel_url"] == "http://testserver/autoship/"
    # Every press is its own request to Stripe.
    assert fake_stripe.calls_to("/v1/checkout/sessions")[0].idempotency_key
    # Nothing changes until Stripe's webhook says the card is saved.
    assert snapshot(autoship) == before
    page = client.get(HOME + "?card=saved").content.decode()
    assert 'id="autoship-card-pending"' in page


@pytest.mark.django_db
def test_the_signed_webhook_makes_the_saved_card_the_autoship_payment_once(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
    django_capture_on_commit_callbacks,
):
    session = open_card_page(client, fake_stripe, team["alice"])
    fake_stripe.card_brand, fake_stripe.card_last4 = "mastercard", "4444"
    body = setup_completed(session)

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body).status_code == 200

    status, provider, token, label = snapshot(autoship)
    assert (status, provider, label) == ("active", "stripe", "Mastercard •••• 4444")
    customer, method = token.split(":")
    assert customer == session["customer"]
    assert method.startswith("pm_")
    [lookup] = fake_stripe.calls_to("/v1/setup_intents/seti_test_1")
    assert lookup.params == {"expand[0]": "payment_method"}
    assert mail.outbox[-1].to == [team["alice"].user.email]
    # The same event again changes nothing and sends nothing.
    sent = len(mail.outbox)
    assert post(client, body).status_code == 200
    assert snapshot(autoship)[2] == token
    assert len(mail.outbox) == sent
    assert WebhookEvent.objects.count() == 1
    # The page shows the card and offers to use another one.
    page = client.get(HOME).content.decode()
    assert "Mastercard •••• 4444" in page
    assert "Use another card" in page


@pytest.mark.django_db
def test_another_card_for_a_stripe_autoship_reuses_its_stripe_customer(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    Autoship.objects.filter(pk=autoship.pk).update(
        payment_provider="stripe",
        payment_token="cus_kept1:pm_old1",
        payment_label="Visa •••• 4242",
    )
    session = open_card_page(client, fake_stripe, team["alice"])
    assert fake_stripe.calls_to("/v1/customers") == []
    assert session["customer"] == "cus_kept1"
    # Back from Stripe's page, the old card still shows until the webhook comes.
    page = client.get(HOME + "?card=saved").content.decode()
    assert 'id="autoship-card-pending"' in page
    assert "Visa •••• 4242" in page
    assert 'id="autoship-card-pending"' not in client.get(HOME).content.decode()


@pytest.mark.django_db
def test_a_card_saved_for_an_autoship_cancelled_meanwhile_is_not_kept(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    session = open_card_page(client, fake_stripe, team["alice"])
    autoship_actions.cancel_autoship(distributor=team["alice"])
    before = snapshot(autoship)
    assert post(client, setup_completed(session)).status_code == 200
    assert snapshot(autoship) == before


@pytest.mark.django_db
def test_a_setup_that_saved_no_card_or_expired_keeps_the_method(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    session = open_card_page(client, fake_stripe, team["alice"])
    before = snapshot(autoship)
    fake_stripe.setup_status = "requires_payment_method"
    assert post(client, setup_completed(session)).status_code == 200
    expired = event(
        "checkout.session.expired",
        {"id": session["id"], "object": "checkout.session", "mode": "setup"},
    )
    assert post(client, expired).status_code == 200
    assert snapshot(autoship) == before


@pytest.mark.django_db
def test_when_stripe_cannot_be_reached_the_event_is_asked_again(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    session = open_card_page(client, fake_stripe, team["alice"])
    before = snapshot(autoship)
    fake_stripe.status_code = 500
    body = setup_completed(session)
    assert post(client, body).status_code == 503
    assert snapshot(autoship) == before
    assert not WebhookEvent.objects.exists()
    # Stripe sends it again once the lookup works.
    fake_stripe.status_code = 200
    assert post(client, body).status_code == 200
    assert snapshot(autoship)[1] == "stripe"


@pytest.mark.django_db
def test_an_unavailable_card_service_is_said_and_changes_nothing(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
):
    before = snapshot(autoship)
    fake_stripe.status_code = 500
    client.force_login(team["alice"].user)
    response = client.post(CARD)
    assert response["Location"] == HOME
    assert [str(m) for m in get_messages(response.wsgi_request)] == [UNAVAILABLE]
    assert snapshot(autoship) == before


@pytest.mark.django_db
def test_without_stripe_there_is_no_card_page(client, settings, autoship, team):
    settings.PAYMENT_PROVIDERS = ["wallet"]
    client.force_login(team["alice"].user)
    assert client.post(CARD).status_code == 404
    assert 'id="autoship-card"' not in client.get(HOME).content.decode()


@pytest.mark.django_db
def test_without_an_autoship_there_is_no_card_page(client, fake_stripe, team):  # noqa: F811
    client.force_login(team["bob"].user)
    assert client.post(CARD).status_code == 404
    assert client.get(CARD).status_code == 405
    assert fake_stripe.calls == []


@pytest.mark.django_db
def test_a_failing_autoship_tries_again_soon_once_a_card_is_saved(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
    settings,
):
    settings.AUTOSHIP_RETRY_HOURS = 24
    june_10 = datetime(2026, 6, 10, 0, 5, tzinfo=ZONE)
    with time_machine.travel(june_10, tick=False):
        # alice's wallet is empty: the month's order fails and waits a day.
        assert autoship_actions.run_due_autoships() == {"retrying": 1}
    run = autoship.runs.get()
    assert run.next_attempt_at == datetime(2026, 6, 11, 0, 5, tzinfo=ZONE)
    session = open_card_page(client, fake_stripe, team["alice"])
    saved_at = datetime(2026, 6, 10, 8, 0, tzinfo=ZONE)
    with time_machine.travel(saved_at, tick=False):
        assert post(client, setup_completed(session)).status_code == 200
    run.refresh_from_db()
    assert run.next_attempt_at == saved_at
    assert snapshot(autoship)[:2] == ("failing", "stripe")


@pytest.mark.django_db
def test_a_saved_method_this_shop_cannot_charge_is_logged_not_kept(
    client,
    fake_stripe,  # noqa: F811
    autoship,
    team,
    caplog,
):
    session = open_card_page(client, fake_stripe, team["alice"])
    before = snapshot(autoship)
    body = setup_completed(session, customer="cus_odd-id")
    assert post(client, body).status_code == 200
    assert snapshot(autoship) == before
    assert "not kept" in caplog.text
