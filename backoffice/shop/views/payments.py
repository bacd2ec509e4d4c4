"""Provider callbacks: Stripe's signed webhook."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.shop.payments import stripe as stripe_payments

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if stripe_payments.CODE not in settings.PAYMENT_PROVIDERS:
        raise Http404
    try:
        event = stripe_payments.verify_event(
            request.body, request.headers.get("Stripe-Signature")
        )
    except stripe_payments.InvalidEvent as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponse(status=400)
    try:
        stripe_payments.handle_event(event)
    except stripe_payments.RetryLater:
        return HttpResponse(status=503)
    return HttpResponse(status=200)
