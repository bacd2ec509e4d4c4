"""Pay from the commission wallet: a debit on the distributor's ledger."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.network.models import Distributor
from backoffice.shop.models import OrderKind, WalletEntry, WalletKind
from backoffice.shop.payments.base import PaymentError, PaymentProvider


class WalletProvider(PaymentProvider):
    code = "wallet"
    supports_saved_method = True

    @property
    def label(self) -> str:
        return str(gettext_lazy("Commission wallet"))

    def is_available(self, order) -> bool:
        # A retail customer has no wallet; the distributor's is theirs alone.
        return order.kind == OrderKind.DISTRIBUTOR

    def start(self, *, payment, data, request) -> None:
        self._debit(payment)

    def charge_saved(self, *, payment, token: str) -> None:
        self._debit(payment)

    def _debit(self, payment) -> None:
        from backoffice.shop import actions

        order = payment.order
        # The distributor row is the wallet's lock: two debits cannot both pass
        # the balance check.
        Distributor.objects.select_for_update().get(pk=order.distributor_id)
        balance = WalletEntry.objects.for_distributor(order.distributor_id).balance()
        if balance < payment.amount:
            message = _(
                "Your wallet holds $%(balance)s, less than the $%(total)s due."
            ) % {"balance": balance, "total": payment.amount}
            actions.fail_payment(payment=payment, message=message)
            raise PaymentError(message)
        entry = WalletEntry.objects.create(
            distributor_id=order.distributor_id,
            kind=WalletKind.ORDER,
            amount=-payment.amount,
            order=order,
            note=order.number,
        )
        actions.confirm_payment(
            payment=payment, reference=f"wallet_{entry.pk}", card_label=self.label
        )

    def refund(self, *, refund) -> None:
        from backoffice.shop import actions

        entry = WalletEntry.objects.create(
            distributor_id=refund.order.distributor_id,
            kind=WalletKind.REFUND,
            amount=refund.amount,
            order=refund.order,
            note=refund.order.number,
        )
        actions.confirm_refund(refund=refund, reference=f"wallet_{entry.pk}")
