"""Forms for the profile page: contact details, photo, email change.

They check formats (a phone number, a ZIP code of the state, an adult's birth
date); saving is in actions.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import User
from backoffice.lib.us import STATE_CHOICES, STATES, zip_matches_state
from backoffice.profiles.forms import PlainTextField
from backoffice.profiles.photos import MAX_BYTES, PhotoError, process_photo

ZIP_CODE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
MINIMUM_AGE = 18
DEFAULT_PHONE_REGION = "US"

USER_FIELDS = ("first_name", "last_name", "language")
DISTRIBUTOR_FIELDS = (
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "date_of_birth",
    "share_email_upline",
    "share_phone_upline",
    "share_email_downline",
    "share_phone_downline",
)
PROFILE_FIELDS = (
    "ship_to_mailing",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_state",
    "ship_postal_code",
    "news_and_promotions",
    "team_messages",
    "order_reminders",
)
SHIPPING_REQUIRED = ("ship_line1", "ship_city", "ship_state", "ship_postal_code")


def normalize_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """A valid phone number in one stored form: (626) 338-8081, or +44 20 7946 0958.

    US numbers keep the national form the rest of the back office uses (the
    enrollment form, checkout); others are stored in international form.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Enter a phone number, for example (626) 338-8081."), code="phone"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number. Check the area code and digits."),
            code="phone",
        )
    if phonenumbers.region_code_for_number(number) == "US":
        return phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def normalize_zip(value: str) -> str:
    match = ZIP_CODE.match(value.strip())
    if match is None:
        raise ValidationError(
            _("Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."), code="zip"
        )
    five, four = match.groups()
    return f"{five}-{four}" if four else five


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def state_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a state")), *STATE_CHOICES]


def text(label, max_length: int, *, required: bool = True, autocomplete: str = ""):
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return PlainTextField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


class ProfileForm(forms.Form):
    first_name = text(_("First name"), 100, autocomplete="given-name")
    last_name = text(_("Last name"), 100, autocomplete="family-name")
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        help_text=_("A US number, or an international one starting with +."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("Distributors must be at least 18 years old."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=User.Language.choices,
        help_text=_("For these pages and for the emails we send you."),
    )
    address_line1 = text(_("Address"), 200, autocomplete="address-line1")
    address_line2 = text(
        _("Address line 2 (optional)"),
        200,
        required=False,
        autocomplete="address-line2",
    )
    city = text(_("City"), 100, autocomplete="address-level2")
    state = forms.ChoiceField(label=_("State"), choices=state_choices)
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        help_text=_("5 digits, or ZIP+4."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code"}
        ),
    )
    ship_to_mailing = forms.BooleanField(
        label=_("Ship my orders to my mailing address"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-ship-toggle": ""}),
    )
    ship_name = text(_("Name on the parcel (optional)"), 200, required=False)
    ship_line1 = text(_("Shipping address"), 200, required=False)
    ship_line2 = text(_("Shipping address line 2 (optional)"), 200, required=False)
    ship_city = text(_("Shipping city"), 100, required=False)
    ship_state = forms.ChoiceField(
        label=_("Shipping state"), choices=state_choices, required=False
    )
    ship_postal_code = forms.CharField(
        label=_("Shipping ZIP code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    news_and_promotions = forms.BooleanField(
        label=_("News, product launches and promotions"), required=False
    )
    team_messages = forms.BooleanField(
        label=_("Messages from my upline"), required=False
    )
    order_reminders = forms.BooleanField(
        label=_("Order and autoship reminders"), required=False
    )
    share_email_upline = forms.BooleanField(
        label=_("Show my email to my upline"), required=False
    )
    share_phone_upline = forms.BooleanField(
        label=_("Show my phone to my upline"), required=False
    )
    share_email_downline = forms.BooleanField(
        label=_("Show my email to my downline"), required=False
    )
    share_phone_downline = forms.BooleanField(
        label=_("Show my phone to my downline"), required=False
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_postal_code(self) -> str:
        return normalize_zip(self.cleaned_data["postal_code"])

    def clean_ship_postal_code(self) -> str:
        value = self.cleaned_data["ship_postal_code"]
        return normalize_zip(value) if value.strip() else ""

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise ValidationError(
                _("Your date of birth cannot be in the future."), code="future"
            )
        if age_on(born, today) < MINIMUM_AGE:
            raise ValidationError(
                _("Distributors must be at least %(age)s years old.")
                % {"age": MINIMUM_AGE},
                code="under_age",
            )
        return born

    def clean(self) -> dict:
        data = super().clean()
        self._check_zip("state", "postal_code")
        if not data.get("ship_to_mailing"):
            for name in SHIPPING_REQUIRED:
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(
                            _(
                                "Enter the shipping address, or tick “Ship my "
                                "orders to my mailing address”."
                            ),
                            code="required",
                        ),
                    )
            self._check_zip("ship_state", "ship_postal_code")
        else:
            for name in ("ship_name", "ship_line1", "ship_line2", "ship_city"):
                data[name] = ""
            data["ship_state"] = data["ship_postal_code"] = ""
        return data

    def _check_zip(self, state_field: str, zip_field: str) -> None:
        state = self.cleaned_data.get(state_field)
        postal_code = self.cleaned_data.get(zip_field)
        if (
            state in STATES
            and postal_code
            and not zip_matches_state(postal_code, state)
        ):
            self.add_error(
                zip_field,
                ValidationError(
                    _("ZIP code %(zip)s is not in %(state)s.")
                    % {"zip": postal_code, "state": STATES[state]},
                    code="zip_state",
                ),
            )

    def values(self, names: tuple[str, ...]) -> dict:
        return {name: self.cleaned_data[name] for name in names}


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("A JPEG, PNG or WebP picture of at most 5 MB. We crop it square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )

    def clean_photo(self) -> bytes:
        upload = self.cleaned_data["photo"]
        # Refused on its announced size before a byte of it is read.
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("Choose a photo of at most 5 MB."), code="photo_size"
            )
        try:
            return process_photo(upload.read(MAX_BYTES + 1))
        except PhotoError as error:
            raise ValidationError(error.message, code="photo") from error


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, refusal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.refusal = refusal

    def clean(self) -> dict:
        data = super().clean()
        # The limits run first: a refused request costs no password hashing.
        reason = self.refusal(self.user)
        if reason:
            raise ValidationError(reason, code="rate_limited")
        password = data.get("password")
        if password and not self.user.check_password(password):
            self.add_error(
                "password",
                ValidationError(
                    _("That is not your current password."), code="wrong_password"
                ),
            )
        email = data.get("new_email")
        if email and "password" not in self.errors:
            if email.strip().lower() == (self.user.email or "").lower():
                self.add_error(
                    "new_email",
                    ValidationError(
                        _("This is already your email address."), code="same"
                    ),
                )
            elif User.email_taken(email):
                self.add_error(
                    "new_email",
                    ValidationError(
                        _("Another account already uses this email address."),
                        code="taken",
                    ),
                )
        return data
