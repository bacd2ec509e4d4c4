"""Forms for the distributor's own stock: they check formats; the rules are actions."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.lib.cycles import company_date
from backoffice.shop.actions.inventory import MAX_UNITS, NOTE_MAX_LENGTH, USE_KINDS
from backoffice.shop.models import InventoryMovementKind, Product


def _today():
    return company_date(timezone.now())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.sku} · {obj.name}"


class HeldProductChoiceField(forms.ModelChoiceField):
    """A product the viewer holds, with how many are on hand."""

    def label_from_instance(self, obj: Product) -> str:
        return _("%(sku)s · %(name)s (%(count)d on hand)") % {
            "sku": obj.sku,
            "name": obj.name,
            "count": obj.on_hand,
        }


class RecordUseForm(forms.Form):
    product = HeldProductChoiceField(
        label=_("Product"), queryset=Product.objects.none(), to_field_name="sku"
    )
    kind = forms.ChoiceField(
        label=_("What for"),
        choices=[(kind.value, kind.label) for kind in USE_KINDS],
        initial=InventoryMovementKind.RETAIL_SALE,
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_UNITS, initial=1
    )
    on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=_("For example, the customer's name."),
    )

    def __init__(self, *args, products: QuerySet[Product], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["on"].initial = _today
        self.fields["on"].widget.attrs["max"] = _today().isoformat()


class AdjustCountForm(forms.Form):
    counted = forms.IntegerField(
        label=_("Units you counted"), min_value=0, max_value=MAX_UNITS
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX_LENGTH,
        help_text=_("For example, a damaged box or a miscount."),
    )


class ReminderForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("Remind me at"),
        min_value=0,
        max_value=MAX_UNITS,
        help_text=_("We email you when a use leaves this many or fewer; 0 is off."),
    )


class AddStockForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.none(), to_field_name="sku"
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_UNITS)
    note = forms.CharField(
        label=_("Where it came from (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args, products: QuerySet[Product], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class HistoryFilterForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        to_field_name="sku",
        required=False,
        empty_label=_("All products"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *InventoryMovementKind.choices],
        required=False,
    )

    def __init__(self, *args, products: QuerySet[Product], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or email"), max_length=100, required=False
    )
