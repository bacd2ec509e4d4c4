"""Forms for the shop and the personal shop: they check formats at the edge.

Prices, stock, packs and whether a method delivers are the actions' rules; the
forms only make sure what reaches them is well formed (a US state, a ZIP code
of that state, bounded lengths, a 10-digit phone).
"""

from __future__ import annotations

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.lib.us import STATES, zip_matches_state
from backoffice.network.models import Distributor
from backoffice.profiles.addresses import Address, shipping_address
from backoffice.shop.actions import MAX_QUANTITY, Delivery, ShopError
from backoffice.shop.forms.address import AddressFields
from backoffice.shop.models import ShippingMethod, WillCallCenter

CHECKOUT_KEY = re.compile(r"^[A-Za-z0-9_-]{20,48}$")


def new_checkout_key() -> str:
    """A fresh key for one rendering of a checkout form (its double submit)."""
    return secrets.token_urlsafe(24)


def shipping_label(method: ShippingMethod) -> str:
    return f"{method.name} — ${method.price}"


def will_call_label(center: WillCallCenter) -> str:
    hours = f" ({center.hours})" if center.hours else ""
    return (
        f"{center.name}: {center.address_line1}, {center.city}, {center.state} "
        f"{center.postal_code}{hours}"
    )


def add_shop_error(form: forms.Form, error: ShopError) -> None:
    """Show an action's refusal next to its field, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class QuantityForm(forms.Form):
    """A quantity as typed; its range is the cart actions' rule (0 removes a line)."""

    quantity = forms.IntegerField(
        label=_("Quantity"),
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 0, "max": MAX_QUANTITY}
        ),
    )


class CatalogFilterForm(forms.Form):
    """The catalog's search and category filter (GET); bad values are ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, SKU or description"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("All categories")),
            *((category.slug, category.name) for category in categories),
        ]

    def criteria(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["q"].strip(), self.cleaned_data["category"]


class CheckoutKeyField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(widget=forms.HiddenInput, max_length=48, **kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if not CHECKOUT_KEY.match(value):
            raise forms.ValidationError(_("This checkout has expired; start again."))


class CheckoutForm(AddressFields):
    """A distributor's checkout: where the order goes and how."""

    RECORD = "record"
    NEW = "new"
    WILL_CALL = "will_call"

    delivery = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    shipping_method = forms.ModelChoiceField(
        label=_("Shipping method"),
        queryset=ShippingMethod.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    will_call = forms.ModelChoiceField(
        label=_("Pick-up center"),
        queryset=WillCallCenter.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    checkout_key = CheckoutKeyField()

    ADDRESS_FIELDS = ("name", *AddressFields.ADDRESS_FIELDS)
    field_order = [
        "delivery",
        "name",
        "line1",
        "line2",
        "city",
        "state",
        "postal_code",
        "phone",
        "shipping_method",
        "will_call",
        "checkout_key",
    ]

    def __init__(self, *args, distributor: Distributor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.distributor = distributor
        # The shipping address the member set on their profile, else the mailing one.
        self.record_address = shipping_address(distributor)
        self.record_address_ok = address_ok(self.record_address)
        self.fields["shipping_method"].queryset = ShippingMethod.objects.active()
        self.fields["shipping_method"].label_from_instance = shipping_label
        self.fields["will_call"].queryset = WillCallCenter.objects.active()
        self.fields["will_call"].label_from_instance = will_call_label
        choices = []
        if self.record_address_ok:
            choices.append((self.RECORD, _("Ship to the address on my record")))
        choices.append((self.NEW, _("Ship to another address")))
        if self.fields["will_call"].queryset.exists():
            choices.append((self.WILL_CALL, _("Pick up at a Will Call center")))
        self.fields["delivery"].choices = choices

    def clean(self):
        cleaned = super().clean()
        delivery = cleaned.get("delivery")
        if delivery == self.NEW:
            self.clean_address(cleaned)
        ships = delivery in (self.NEW, self.RECORD)
        if ships and not cleaned.get("shipping_method"):
            self._require("shipping_method", _("Choose a shipping method."))
        if delivery == self.WILL_CALL and not cleaned.get("will_call"):
            self._require("will_call", _("Choose a pick-up center."))
        return cleaned

    def _require(self, name: str, message: str) -> None:
        if name not in self.errors:
            self.add_error(name, message)

    def get_delivery(self) -> Delivery:
        data = self.cleaned_data
        if data["delivery"] == self.WILL_CALL:
            return Delivery(will_call=data["will_call"])
        if data["delivery"] == self.RECORD:
            address = self.record_address
            return Delivery(
                shipping_method=data["shipping_method"],
                name=address.name,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                state=address.state,
                postal_code=address.postal_code,
                phone=address.phone,
            )
        return Delivery(
            shipping_method=data["shipping_method"],
            name=data["name"],
            line1=data["line1"],
            line2=data["line2"],
            city=data["city"],
            state=data["state"],
            postal_code=data["postal_code"].strip(),
            phone=data["phone"],
        )


def address_ok(address: Address) -> bool:
    """Whether an address is complete and its ZIP code is in its state."""
    return bool(
        address.line1
        and address.city
        and address.state in STATES
        and zip_matches_state(address.postal_code, address.state)
    )


class CustomerCheckoutForm(AddressFields):
    """A retail customer's checkout in a personal shop: who they are, where to ship."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send the order confirmation here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    shipping_method = forms.ModelChoiceField(
        label=_("Shipping method"),
        queryset=ShippingMethod.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    checkout_key = CheckoutKeyField()

    field_order = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "line1",
        "line2",
        "city",
        "state",
        "postal_code",
        "shipping_method",
        "checkout_key",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].queryset = ShippingMethod.objects.active()
        self.fields["shipping_method"].label_from_instance = shipping_label

    def clean(self):
        cleaned = super().clean()
        self.clean_address(cleaned)
        return cleaned

    def get_delivery(self) -> Delivery:
        data = self.cleaned_data
        return Delivery(
            shipping_method=data["shipping_method"],
            name=f"{data['first_name']} {data['last_name']}",
            line1=data["line1"],
            line2=data["line2"],
            city=data["city"],
            state=data["state"],
            postal_code=data["postal_code"].strip(),
            phone=data["phone"],
        )


class PayForm(forms.Form):
    """Choose how to pay; the demo card takes a test number."""

    provider = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect)
    card_number = forms.CharField(
        label=_("Demo card number"),
        required=False,
        max_length=30,
        help_text=_(
            "Test numbers only: 4242 4242 4242 4242 is approved, "
            "4000 0000 0000 0002 is declined."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, providers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.providers = {provider.code: provider for provider in providers}
        self.fields["provider"].choices = [
            (provider.code, provider.label) for provider in providers
        ]
        if providers:
            self.fields["provider"].initial = providers[0].code
        if "demo" not in self.providers:
            del self.fields["card_number"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("provider") == "demo" and not cleaned.get("card_number"):
            self.add_error("card_number", _("Enter the demo card number."))
        return cleaned

    def provider_data(self) -> dict:
        if self.cleaned_data["provider"] == "demo":
            return {"card_number": self.cleaned_data["card_number"]}
        return {}

    def add_payment_error(self, error: ShopError) -> None:
        # The demo card's refusals are about the number typed in.
        if self.cleaned_data.get("provider") == "demo":
            self.add_error("card_number", error.message)
        else:
            self.add_error(
                "provider" if error.field == "provider" else None, error.message
            )
