"""A fake card for development and demos: no money moves. Refused in production.

Card 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined; any
other number that passes the Luhn check is approved too.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.shop.payments.base import PaymentError, PaymentProvider

DECLINED_CARD = "4000000000000002"


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        checksum += digit
    return checksum % 10 == 0


def clean_card_number(raw: str) -> str:
    number = "".join(raw.split()).replace("-", "")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
        raise PaymentError(_("Enter a valid card number."))
    return number


class DemoCardProvider(PaymentProvider):
    code = "demo"
    is_demo = True
    supports_saved_method = True

    @property
    def label(self) -> str:
        return str(gettext_lazy("Demo card (test only, no money moves)"))

    def start(self, *, payment, data, request) -> None:
        number = clean_card_number(str(data.get("card_number", "")))
        self._settle(payment, number)

    def charge_saved(self, *, payment, token: str) -> None:
        if not token.startswith("demo_"):
            raise PaymentError(_("The saved card is not valid."))
        self._settle(payment, token.removeprefix("demo_"))

    def _settle(self, payment, number: str) -> None:
        from backoffice.shop import actions

        label = _("Demo card •••• %(last4)s") % {"last4": number[-4:]}
        if number == DECLINED_CARD:
            actions.fail_payment(payment=payment, message=_("The card was declined."))
            raise PaymentError(_("The card was declined."))
        actions.confirm_payment(
            payment=payment,
            reference="demo_" + secrets.token_hex(8),
            card_label=label,
        )

    def refund(self, *, refund) -> None:
        from backoffice.shop import actions

        actions.confirm_refund(
            refund=refund, reference="demo_re_" + secrets.token_hex(8)
        )

    @staticmethod
    def saved_token(number: str) -> str:
        """What an autoship keeps for a demo card: the test number, never a real one."""
        return "demo_" + clean_card_number(number)
