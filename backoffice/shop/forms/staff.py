"""Forms for the fulfilment pages: formats here, the shop's rules in actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.shop.actions import CARRIER_TRACKING_URLS
from backoffice.shop.models import OrderStatus, ReturnLine, ReturnStatus
from backoffice.shop.models.orders import OrderQuerySet
from backoffice.shop.models.returns import ReturnRequestQuerySet

QUEUE_STATUSES = [
    ("", _("Paid and processing")),
    (OrderStatus.PAID, _("Paid: not started")),
    (OrderStatus.PROCESSING, _("Processing")),
]
INBOX_STATUSES = [
    ("", _("Waiting on us")),
    (ReturnStatus.REQUESTED, _("Requested")),
    (ReturnStatus.APPROVED, _("Approved: on the way back")),
    (ReturnStatus.RECEIVED, _("Received: to refund")),
]


class QueueFilterForm(forms.Form):
    """The fulfilment queue's filters (GET); a bad value drops only its own filter."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=QUEUE_STATUSES
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        required=False,
        choices=[
            ("", _("Shipping and pick-up")),
            ("ship", _("Shipping")),
            ("pickup", _("Will Call pick-up")),
        ],
    )
    number = forms.CharField(
        label=_("Order number"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def filter(self, orders: OrderQuerySet) -> OrderQuerySet:
        self.is_valid()
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors
        }
        if data.get("status"):
            orders = orders.with_status(data["status"])
        if data.get("delivery"):
            orders = orders.pickup(data["delivery"] != "ship")
        number = (data.get("number") or "").strip().upper()
        if number:
            orders = orders.number_contains(number)
        return orders


class ReturnInboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=INBOX_STATUSES
    )

    def filter(self, requests: ReturnRequestQuerySet) -> ReturnRequestQuerySet:
        self.is_valid()
        status = self.cleaned_data.get("status") if "status" not in self.errors else ""
        if status:
            return requests.with_status(status)
        return requests.open()


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(
        label=_("Carrier"), choices=[(name, name) for name in CARRIER_TRACKING_URLS]
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the order cancelled?"),
        max_length=300,
        help_text=_("The order's timeline keeps it. A paid order is refunded in full."),
    )


class RestockForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Units received"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("A negative number corrects a miscount."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("Delivery note or reason for a correction."),
    )

    def __init__(self, *args, product_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if product_id is not None:
            # Several restock forms on one page: ids stay unique.
            self.auto_id = f"id_restock_{product_id}_%s"


class RejectReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Why is the return refused?"),
        max_length=2000,
        help_text=_("The distributor sees this."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReceiveReturnForm(forms.Form):
    """One "resalable" checkbox per returned line."""

    def __init__(self, *args, lines: list[ReturnLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.return_lines = lines
        for line in lines:
            self.fields[f"resalable_{line.pk}"] = forms.BooleanField(
                label=_("%(quantity)d × %(sku)s %(name)s: can be sold again")
                % {
                    "quantity": line.quantity,
                    "sku": line.order_line.sku,
                    "name": line.order_line.name,
                },
                required=False,
            )

    def resalable(self) -> dict[int, bool]:
        return {
            line.pk: bool(self.cleaned_data.get(f"resalable_{line.pk}"))
            for line in self.return_lines
        }
