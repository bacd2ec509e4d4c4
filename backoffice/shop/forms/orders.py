"""Forms for the distributor's order pages: formats here, rules in actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.shop.models import OrderLine, OrderStatus, ReturnKind
from backoffice.shop.models.orders import OrderQuerySet


class OrderFilterForm(forms.Form):
    """The order list's filters (GET); a bad value drops only its own filter."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *OrderStatus.choices],
    )
    placed_from = forms.DateField(
        label=_("Placed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    placed_to = forms.DateField(
        label=_("Placed to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
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
        return orders.placed_between(data.get("placed_from"), data.get("placed_to"))


class ReturnForm(forms.Form):
    """Which units of which lines go back, refund or exchange, and why."""

    kind = forms.ChoiceField(
        label=_("What would you like?"),
        choices=ReturnKind.choices,
        initial=ReturnKind.REFUND,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why are you returning these?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, *args, lines: list[OrderLine], remaining: dict[int, int], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = [line for line in lines if remaining.get(line.pk, 0) > 0]
        self.remaining = remaining
        for line in self.order_lines:
            self.fields[self.field_name(line)] = forms.IntegerField(
                label=f"{line.sku} {line.name}",
                required=False,
                min_value=0,
                max_value=remaining[line.pk],
                initial=0,
                help_text=_("Up to %(count)d") % {"count": remaining[line.pk]},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    @staticmethod
    def field_name(line: OrderLine) -> str:
        return f"quantity_{line.pk}"

    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[self.field_name(line)]) for line in self.order_lines]

    def chosen(self) -> dict[int, int]:
        """{order line id: quantity} of the lines with a quantity above zero."""
        return {
            line.pk: self.cleaned_data[self.field_name(line)]
            for line in self.order_lines
            if self.cleaned_data.get(self.field_name(line))
        }

    def chosen_lines(self) -> list[tuple[OrderLine, int]]:
        quantities = self.chosen()
        return [
            (line, quantities[line.pk])
            for line in self.order_lines
            if line.pk in quantities
        ]
