"""The payment provider interface.

A provider collects an order's total and gives money back. It never marks an
order paid itself: it reports what the provider said to
``actions.confirm_payment`` / ``actions.fail_payment`` (synchronously for the
wallet and the demo card, from a signature-checked webhook for Stripe), and
``actions.confirm_refund`` for refunds. Every request to a provider carries the
payment's idempotency key, so a retry never charges twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.http import HttpRequest

    from backoffice.shop.models import Order, Payment, Refund


class PaymentError(Exception):
    """The provider refused or could not be reached; the message is for the payer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PaymentProvider:
    code: ClassVar[str]
    # Demo providers say so on every page that offers them.
    is_demo: ClassVar[bool] = False
    # Providers that can charge a saved method without the payer (autoship).
    supports_saved_method: ClassVar[bool] = False

    @property
    def label(self) -> str:
        raise NotImplementedError

    def is_available(self, order: Order) -> bool:
        return True

    def start(
        self, *, payment: Payment, data: dict, request: HttpRequest | None
    ) -> None:
        """Ask the provider to collect ``payment``.

        Either settle it now (call confirm_payment / fail_payment) or store
        ``payment.redirect_url`` for the payer to finish on the provider's page.
        Raise PaymentError with a message for the payer on refusal.
        """
        raise NotImplementedError

    def charge_saved(self, *, payment: Payment, token: str) -> None:
        """Charge a saved payment method (autoship), with no payer present."""
        raise PaymentError("This payment method cannot be charged automatically.")

    def refund(self, *, refund: Refund) -> None:
        """Give ``refund.amount`` back; confirm_refund when the provider agrees."""
        raise NotImplementedError

    def close(self, *, payment: Payment) -> None:
        """Close a payment page left open (the order was cancelled); best effort."""


PROVIDER_CLASSES = {
    "demo": "backoffice.shop.payments.demo.DemoCardProvider",
    "wallet": "backoffice.shop.payments.wallet.WalletProvider",
    "stripe": "backoffice.shop.payments.stripe.StripeProvider",
}


def get_provider(code: str) -> PaymentProvider:
    """The enabled provider ``code``; KeyError for one that is unknown or disabled."""
    if code not in settings.PAYMENT_PROVIDERS or code not in PROVIDER_CLASSES:
        raise KeyError(code)
    return import_string(PROVIDER_CLASSES[code])()


def available_providers(order: Order) -> list[PaymentProvider]:
    providers = (get_provider(code) for code in settings.PAYMENT_PROVIDERS)
    return [provider for provider in providers if provider.is_available(order)]
