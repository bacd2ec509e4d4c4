"""Forms for the payout details pages: they check formats; saving is in actions."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from backoffice.lib.us import (
    STATE_CHOICES,
    STATES,
    is_routing_number,
    is_zip,
    zip_matches_state,
)
from backoffice.profiles.models import (
    AccountType,
    PayoutMethod,
    TaxClassification,
    TinKind,
)

# The first two digits of a routing number name a Federal Reserve district:
# 01-12 for banks, 21-32 for thrift institutions, 61-72 for electronic
# transactions, 80 for traveler's checks. Anything else is no US bank.
ROUTING_PREFIXES = frozenset(
    [*range(1, 13), *range(21, 33), *range(61, 73), 80],
)

# EIN prefixes the IRS assigns (IRS, "How EINs are assigned and valid EIN
# prefixes"): the campuses, the online application and the SBA. 00, 07-09,
# 17-19, 28-29, 49, 69-70, 78-79, 89 and 96-97 are never issued.
EIN_PREFIXES = frozenset(
    [
        *range(1, 7),
        *range(10, 17),
        *range(20, 28),
        *range(30, 49),
        *range(50, 69),
        *range(71, 78),
        *range(80, 89),
        *range(90, 96),
        98,
        99,
    ]
)

ACCOUNT_NUMBER_LENGTHS = range(4, 18)
NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}


def digits(value: str) -> str | None:
    """The digits of a number typed with optional spaces or dashes, else None."""
    compact = "".join(value.split()).replace("-", "")
    if compact and compact.isascii() and compact.isdigit():
        return compact
    return None


def is_ssn(number: str) -> bool:
    """Nine digits the Social Security Administration could have issued.

    Area 000, 666 and 900-999, group 00 and serial 0000 are never assigned.
    """
    if len(number) != 9 or not (number.isascii() and number.isdigit()):
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def is_ein(number: str) -> bool:
    if len(number) != 9 or not (number.isascii() and number.isdigit()):
        return False
    return int(number[:2]) in EIN_PREFIXES


@sensitive_variables()
def tin_error(number: str, kind: str) -> ValidationError | None:
    """Why ``number`` (digits only, or "" when not digits) is no SSN/EIN, if so."""
    if kind == TinKind.SSN:
        if len(number) != 9:
            return ValidationError(
                _("A Social Security number has 9 digits, for example 123-45-6789."),
                code="ssn_length",
            )
        if not is_ssn(number):
            return ValidationError(
                _("This is not a valid Social Security number."), code="ssn_invalid"
            )
        return None
    if len(number) != 9:
        return ValidationError(
            _("An EIN has 9 digits, for example 12-3456789."), code="ein_length"
        )
    if not is_ein(number):
        return ValidationError(
            _("This EIN does not begin with a prefix the IRS issues."),
            code="ein_prefix",
        )
    return None


def plain_text(value: str) -> None:
    """Names and addresses are plain text: no markup, no control characters."""
    if "<" in value or ">" in value:
        raise ValidationError(
            _("Use plain text only: the characters < and > are not accepted."),
            code="markup",
        )
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationError(
            _("Remove the line breaks and other control characters."),
            code="control",
        )


class PlainTextField(forms.CharField):
    default_validators = [plain_text]


class UnechoedTextInput(forms.TextInput):
    """A text box that never writes a submitted value back into the page.

    A form shown again with an error must not carry a full account number or
    taxpayer ID in its HTML.
    """

    def get_context(self, name: str, value, attrs) -> dict:
        return super().get_context(name, None, attrs)


class BankAccountForm(forms.Form):
    holder_name = PlainTextField(
        label=_("Account holder"),
        max_length=100,
        help_text=_("The name on the bank account."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    routing_number = forms.CharField(
        label=_("Routing number"),
        max_length=20,
        help_text=_("9 digits: the first number at the bottom of a check."),
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=30,
        required=False,
        help_text=_("4 to 17 digits."),
        widget=UnechoedTextInput(attrs=NUMBER_ATTRS),
    )
    account_number_again = forms.CharField(
        label=_("Account number again"),
        max_length=30,
        required=False,
        help_text=_(
            "Type it once more so that a typing mistake cannot misdirect a payout."
        ),
        widget=UnechoedTextInput(attrs=NUMBER_ATTRS),
    )
    account_type = forms.ChoiceField(
        label=_("Account type"),
        choices=AccountType.choices,
        widget=forms.RadioSelect,
    )
    payout_method = forms.ChoiceField(
        label=_("Pay my commissions to"),
        choices=PayoutMethod.choices,
        initial=PayoutMethod.BANK,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args,
        current_routing_number: str = "",
        current_masked: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current_routing_number = current_routing_number
        self.can_keep_number = current_masked is not None
        if self.can_keep_number:
            self.fields["account_number"].help_text = _(
                "4 to 17 digits. Leave both boxes empty to keep the account "
                "ending in %(masked)s."
            ) % {"masked": current_masked}

    def clean_routing_number(self) -> str:
        number = digits(self.cleaned_data["routing_number"])
        if number is None or len(number) != 9:
            raise ValidationError(
                _("A routing number has 9 digits."), code="routing_length"
            )
        if int(number[:2]) not in ROUTING_PREFIXES or not is_routing_number(number):
            raise ValidationError(
                _(
                    "This is not a valid routing number. Check the 9 digits at "
                    "the bottom left of one of your checks."
                ),
                code="routing_checksum",
            )
        return number

    @sensitive_variables()
    def clean_account_number(self) -> str:
        raw = self.cleaned_data["account_number"]
        if not raw:
            return ""
        number = digits(raw)
        if number is None or len(number) not in ACCOUNT_NUMBER_LENGTHS:
            raise ValidationError(
                _("An account number has 4 to 17 digits."), code="account_length"
            )
        return number

    @sensitive_variables()
    def clean(self) -> dict:
        data = super().clean()
        number = data.get("account_number")
        again = digits(data.get("account_number_again") or "") or ""
        if number:
            if not again:
                self.add_error(
                    "account_number_again",
                    ValidationError(
                        _("Type the account number a second time."),
                        code="required",
                    ),
                )
            elif again != number:
                self.add_error(
                    "account_number_again",
                    ValidationError(
                        _("The two account numbers are different."),
                        code="account_mismatch",
                    ),
                )
        elif "account_number" not in self.errors:
            routing = data.get("routing_number")
            if not self.can_keep_number:
                self.add_error(
                    "account_number",
                    ValidationError(_("Enter the account number."), code="required"),
                )
            elif routing and routing != self.current_routing_number:
                self.add_error(
                    "account_number",
                    ValidationError(
                        _("Enter the account number at the new bank."),
                        code="required",
                    ),
                )
        return data


CERTIFICATION = [
    _(
        "The number shown on this form is my correct taxpayer identification "
        "number (or I am waiting for a number to be issued to me)."
    ),
    _(
        "I am not subject to backup withholding because (a) I am exempt from "
        "backup withholding, or (b) I have not been notified by the Internal "
        "Revenue Service (IRS) that I am subject to backup withholding as a "
        "result of a failure to report all interest or dividends, or (c) the IRS "
        "has notified me that I am no longer subject to backup withholding."
    ),
    _("I am a U.S. citizen or other U.S. person."),
    _(
        "The FATCA code(s) entered on this form (if any) indicating that I am "
        "exempt from FATCA reporting is correct."
    ),
]

PROFILE_FIELDS = (
    "legal_name",
    "business_name",
    "classification",
    "tin_kind",
    "address_line1",
    "city",
    "state",
    "postal_code",
    "signature_name",
)


class TaxProfileForm(forms.Form):
    legal_name = PlainTextField(
        label=_("Legal name"),
        max_length=100,
        help_text=_("As shown on your income tax return."),
    )
    business_name = PlainTextField(
        label=_("Business name"),
        max_length=100,
        required=False,
        help_text=_("Business name or disregarded entity name, if different."),
    )
    classification = forms.ChoiceField(
        label=_("Tax classification"),
        choices=TaxClassification.choices,
        widget=forms.RadioSelect,
    )
    tin_kind = forms.ChoiceField(
        label=_("Taxpayer ID type"),
        choices=TinKind.choices,
        widget=forms.RadioSelect,
    )
    tin = forms.CharField(
        label=_("Taxpayer ID number"),
        max_length=20,
        required=False,
        help_text=_("SSN: 123-45-6789. EIN: 12-3456789."),
        widget=UnechoedTextInput(attrs=NUMBER_ATTRS),
    )
    address_line1 = PlainTextField(label=_("Address"), max_length=200)
    city = PlainTextField(label=_("City"), max_length=100)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Choose a state")), *STATE_CHOICES]
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        help_text=_("5 digits, or ZIP+4."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    signature_name = PlainTextField(
        label=_("Signature (type your full name)"),
        max_length=100,
    )
    certify = forms.BooleanField(
        label=_("Under penalties of perjury, I certify the statements above."),
        error_messages={
            "required": _("Tick the box to certify the W-9 statements."),
        },
    )

    def __init__(
        self,
        *args,
        current_tin_kind: str = "",
        current_masked: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current_tin_kind = current_tin_kind
        self.can_keep_tin = current_masked is not None
        if self.can_keep_tin:
            self.fields["tin"].help_text = _(
                "SSN: 123-45-6789. EIN: 12-3456789. Leave empty to keep the "
                "number ending in %(masked)s."
            ) % {"masked": current_masked}

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not is_zip(value):
            raise ValidationError(
                _("Enter a 5-digit ZIP code, or ZIP+4 such as 90001-1234."),
                code="zip",
            )
        return value

    @sensitive_variables()
    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("tin_kind")
        classification = data.get("classification")
        if (
            kind == TinKind.SSN
            and classification
            and classification != TaxClassification.INDIVIDUAL
        ):
            self.add_error(
                "tin_kind",
                ValidationError(
                    _(
                        "Corporations, partnerships, trusts and LLCs taxed as "
                        "such use an EIN."
                    ),
                    code="needs_ein",
                ),
            )
        raw = data.get("tin") or ""
        if raw and kind:
            number = digits(raw) or ""
            error = tin_error(number, kind)
            if error is None:
                data["tin"] = number
            else:
                self.add_error("tin", error)
        elif (
            not raw
            and kind
            and "tin" not in self.errors
            and (not self.can_keep_tin or kind != self.current_tin_kind)
        ):
            # A number of the other kind cannot be kept: it would be wrong.
            self.add_error(
                "tin",
                ValidationError(
                    _("Enter your Social Security number.")
                    if kind == TinKind.SSN
                    else _("Enter your EIN."),
                    code="required",
                ),
            )
        state, postal_code = data.get("state"), data.get("postal_code")
        if state and postal_code and not zip_matches_state(postal_code, state):
            self.add_error(
                "postal_code",
                ValidationError(
                    _("This ZIP code is not in %(state)s.") % {"state": STATES[state]},
                    code="zip_state",
                ),
            )
        return data

    def profile_fields(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
