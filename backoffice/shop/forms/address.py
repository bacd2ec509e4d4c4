"""A US address as forms take it: state, a ZIP code of that state, a phone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.lib.us import STATE_CHOICES, STATES, is_zip, zip_matches_state


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch in "0123456789")


def clean_us_phone(value: str) -> str:
    digits = _digits(value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise forms.ValidationError(_("Enter a 10-digit US phone number."))
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


class AddressFields(forms.Form):
    """A US street address, checked at the edge (state, ZIP of that state)."""

    line1 = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Choose a state")), *STATE_CHOICES],
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        required=False,
        help_text=_("5 digits, or ZIP+4."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code"}
        ),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("10 digits, for the carrier."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    ADDRESS_FIELDS = ("line1", "city", "state", "postal_code", "phone")

    def clean_address(self, cleaned: dict) -> None:
        """Require and check the address fields (call from ``clean``)."""
        for name in self.ADDRESS_FIELDS:
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("This field is required."))
        state = cleaned.get("state", "")
        postal_code = cleaned.get("postal_code", "").strip()
        if postal_code and "postal_code" not in self.errors:
            if not is_zip(postal_code):
                self.add_error(
                    "postal_code",
                    _("Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."),
                )
            elif state in STATES and not zip_matches_state(postal_code, state):
                self.add_error(
                    "postal_code",
                    _("ZIP code %(zip)s is not in %(state)s.")
                    % {"zip": postal_code, "state": STATES[state]},
                )
        phone = cleaned.get("phone", "")
        if phone and "phone" not in self.errors:
            try:
                cleaned["phone"] = clean_us_phone(phone)
            except forms.ValidationError as error:
                self.add_error("phone", error)
