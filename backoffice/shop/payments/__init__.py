"""Payment providers behind one interface; see base.py."""

from backoffice.shop.payments.base import (
    PaymentError,
    PaymentProvider,
    available_providers,
    get_provider,
)

__all__ = ["PaymentError", "PaymentProvider", "available_providers", "get_provider"]
