"""The autoship form: what to order, when, where and how to pay.

It checks formats only (quantities, a US state and a ZIP code of that state,
a demo card number); what may be ordered and when is the autoship actions' rule.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backoffice.network.models import Distributor
from backoffice.shop.actions import MAX_QUANTITY, Delivery, ShopError
from backoffice.shop.forms.address import AddressFields
from backoffice.shop.models import (
    AUTOSHIP_DAYS,
    Autoship,
    Product,
    ShippingMethod,
    WillCallCenter,
)
from backoffice.shop.payments import PaymentError, PaymentProvider, get_provider
from backoffice.shop.payments.demo import DemoCardProvider

SHIP = "ship"
WILL_CALL = "will_call"


def autoship_providers(current: str = "") -> list[PaymentProvider]:
    """Enabled providers that can charge a saved method and that this form can save.

    A Stripe card is saved on Stripe's own page (the autoship page's "Pay with a
    card", after the autoship exists), not in this form: here Stripe is offered
    only to keep a card already saved on the autoship.
    """
    providers = []
    for code in settings.PAYMENT_PROVIDERS:
        if code == "stripe" and current != "stripe":
            continue
        try:
            provider = get_provider(code)
        except KeyError:
            continue
        if provider.supports_saved_method:
            providers.append(provider)
    return providers


def quantity_field_name(product: Product) -> str:
    return f"qty_{product.pk}"


class ShippingMethodField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ShippingMethod) -> str:
        return f"{obj.name} (${obj.price})"


class WillCallField(forms.ModelChoiceField):
    def label_from_instance(self, obj: WillCallCenter) -> str:
        return f"{obj.name}, {obj.address_line1}, {obj.city}, {obj.state}"


class AutoshipForm(AddressFields):
    ADDRESS_FIELDS = ("name", "line1", "city", "state", "postal_code")

    day_of_month = forms.TypedChoiceField(
        label=_("Day of the month"),
        coerce=int,
        choices=[(day, str(day)) for day in AUTOSHIP_DAYS],
        help_text=_("Your order is placed and paid on this day every month."),
    )
    first_run_on = forms.DateField(
        label=_("First order on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    delivery = forms.ChoiceField(
        label=_("Shipped or picked up"),
        widget=forms.RadioSelect,
        choices=[
            (SHIP, _("Ship to an address")),
            (WILL_CALL, _("Pick up at a Will Call center")),
        ],
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    shipping_method = ShippingMethodField(
        label=_("Shipping method"),
        queryset=ShippingMethod.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    will_call = WillCallField(
        label=_("Pick-up center"),
        queryset=WillCallCenter.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    payment_provider = forms.ChoiceField(
        label=_("Payment method"), widget=forms.RadioSelect
    )
    card_number = forms.CharField(
        label=_("Demo card number (test only, no money moves)"),
        max_length=30,
        required=False,
        help_text=_(
            "A test number, never a real card: 4242 4242 4242 4242 is approved, "
            "4000 0000 0000 0002 is declined."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args,
        distributor: Distributor,
        products: list[Product],
        autoship: Autoship | None = None,
        **kwargs,
    ) -> None:
        self.autoship = autoship
        self.products = products
        kwargs.setdefault("initial", _initial(distributor, autoship))
        super().__init__(*args, **kwargs)
        if autoship is not None:
            # The date follows from the day when editing.
            del self.fields["first_run_on"]
        else:
            lead = settings.AUTOSHIP_LEAD_DAYS
            self.fields["first_run_on"].help_text = _(
                "At least %(days)d days from today, on the day you chose. "
                "Leave it empty for the first such day."
            ) % {"days": lead}
        for product in products:
            self.fields[quantity_field_name(product)] = forms.IntegerField(
                label=product.name,
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields["shipping_method"].queryset = ShippingMethod.objects.active()
        self.fields["will_call"].queryset = WillCallCenter.objects.active()
        current = autoship.payment_provider if autoship else ""
        self.providers = {p.code: p for p in autoship_providers(current)}
        self.fields["payment_provider"].choices = [
            (code, provider.label) for code, provider in self.providers.items()
        ]
        if self.providers and not self.initial.get("payment_provider"):
            self.initial["payment_provider"] = next(iter(self.providers))
        if "demo" not in self.providers:
            del self.fields["card_number"]
        elif current == "demo":
            self.fields["card_number"].help_text = _(
                "Leave it empty to keep %(card)s."
            ) % {"card": autoship.payment_label}

    # --- the parts of the page ----------------------------------------------------

    def product_rows(self) -> list[tuple[Product, forms.BoundField]]:
        return [(p, self[quantity_field_name(p)]) for p in self.products]

    def address_fields(self) -> list[forms.BoundField]:
        names = ("name", "line1", "line2", "city", "state", "postal_code", "phone")
        return [self[name] for name in names]

    # --- checks -------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        delivery = cleaned.get("delivery")
        if delivery == SHIP:
            self.clean_address(cleaned)
        needed = {SHIP: "shipping_method", WILL_CALL: "will_call"}.get(delivery)
        if needed and not cleaned.get(needed) and needed not in self.errors:
            message = (
                _("Choose a shipping method.")
                if delivery == SHIP
                else _("Choose a pick-up center.")
            )
            self.add_error(needed, message)
        if cleaned.get("payment_provider") == "demo":
            self._clean_demo_card(cleaned)
        return cleaned

    def _clean_demo_card(self, cleaned: dict) -> None:
        number = cleaned.get("card_number", "")
        if not number:
            if not self._keeps_saved_method("demo"):
                self.add_error("card_number", _("Enter the demo card number."))
            return
        try:
            cleaned["payment_token"] = DemoCardProvider.saved_token(number)
        except PaymentError as error:
            self.add_error("card_number", error.message)
            return
        cleaned["payment_label"] = _("Demo card •••• %(last4)s") % {
            "last4": cleaned["payment_token"][-4:]
        }

    def _keeps_saved_method(self, code: str) -> bool:
        return (
            self.autoship is not None
            and self.autoship.payment_provider == code
            and bool(self.autoship.payment_token)
        )

    # --- what the actions take ----------------------------------------------------

    def items(self) -> list[tuple[int, int]]:
        return [
            (product.pk, quantity)
            for product in self.products
            if (quantity := self.cleaned_data.get(quantity_field_name(product)))
        ]

    def get_delivery(self) -> Delivery:
        data = self.cleaned_data
        if data["delivery"] == WILL_CALL:
            return Delivery(will_call=data["will_call"])
        return Delivery(
            shipping_method=data["shipping_method"],
            name=data["name"].strip(),
            line1=data["line1"].strip(),
            line2=data["line2"].strip(),
            city=data["city"].strip(),
            state=data["state"],
            postal_code=data["postal_code"].strip(),
            phone=data["phone"].strip(),
        )

    def payment(self) -> dict[str, str]:
        """The payment_provider, payment_token and payment_label to save."""
        data = self.cleaned_data
        code = data["payment_provider"]
        if "payment_token" in data:
            token, label = data["payment_token"], data["payment_label"]
        elif self._keeps_saved_method(code):
            token, label = self.autoship.payment_token, self.autoship.payment_label
        else:
            token, label = "", self.providers[code].label
        return {
            "payment_provider": code,
            "payment_token": token,
            "payment_label": label,
        }

    def add_shop_error(self, error: ShopError) -> None:
        """Show an action's refusal next to its field, or above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


def _initial(distributor: Distributor, autoship: Autoship | None) -> dict:
    if autoship is None:
        methods = ShippingMethod.objects.active()
        return {
            "day_of_month": AUTOSHIP_DAYS[0],
            "delivery": SHIP,
            "name": distributor.user.get_full_name(),
            "line1": distributor.address_line1,
            "line2": distributor.address_line2,
            "city": distributor.city,
            "state": distributor.state.upper(),
            "postal_code": distributor.postal_code,
            "phone": distributor.phone,
            "shipping_method": methods.first(),
            "will_call": WillCallCenter.objects.active().first(),
        }
    initial = {
        "day_of_month": autoship.day_of_month,
        "delivery": WILL_CALL if autoship.will_call_id else SHIP,
        "shipping_method": autoship.shipping_method,
        "will_call": autoship.will_call or WillCallCenter.objects.active().first(),
        "payment_provider": autoship.payment_provider,
    }
    if autoship.will_call_id:
        initial.update(
            name=distributor.user.get_full_name(),
            line1=distributor.address_line1,
            line2=distributor.address_line2,
            city=distributor.city,
            state=distributor.state.upper(),
            postal_code=distributor.postal_code,
            phone=distributor.phone,
        )
    else:
        initial.update(
            name=autoship.ship_name,
            line1=autoship.ship_line1,
            line2=autoship.ship_line2,
            city=autoship.ship_city,
            state=autoship.ship_state,
            postal_code=autoship.ship_postal_code,
            phone=autoship.ship_phone,
        )
    for item in autoship.items.all():
        initial[f"qty_{item.product_id}"] = item.quantity
    return initial
