"""Forms for team pages: they check formats; the network's rules live in actions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import User
from backoffice.lib.us import STATE_CHOICES, STATES, zip_matches_state
from backoffice.network.actions import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    NewMember,
    Placement,
)
from backoffice.network.models import Side
from backoffice.network.queries import (
    MAX_DISTRIBUTOR_ID,
    TeamFilter,
    parse_distributor_id,
)

ZIP_CODE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
SIDE_CHOICES = [(Side.LEFT, _("Left")), (Side.RIGHT, _("Right"))]


def format_phone(digits: str) -> str:
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


class TeamFilterForm(forms.Form):
    """The team list's search, filters and sort (GET); bad values are ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name or distributor ID"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    leg = forms.ChoiceField(
        label=_("Leg"),
        required=False,
        choices=[("", _("Both legs")), *SIDE_CHOICES],
    )
    level = forms.IntegerField(
        label=_("Level"), required=False, min_value=1, max_value=1_000_000
    )
    mine = forms.BooleanField(label=_("Enrolled by me"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("active", _("Active")), ("inactive", _("Inactive"))],
    )
    joined_from = forms.DateField(
        label=_("Joined from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    joined_to = forms.DateField(
        label=_("Joined to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rank = forms.ChoiceField(
        label=_("Paid-as rank"),
        required=False,
        help_text=_("In the last closed week"),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-joined", _("Newest first")),
            ("joined", _("Oldest first")),
            ("id", _("Distributor ID")),
            ("name", _("Last name")),
            ("level", _("Level")),
        ],
    )

    def __init__(self, *args, ranks: Sequence[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The plan's ranks for the latest closed week; before any week is
        # calculated nobody has a rank, so there is nothing to filter by.
        if ranks:
            self.fields["rank"].choices = [
                ("", _("Any")),
                *((name, name) for name in ranks),
            ]
        else:
            del self.fields["rank"]

    def criteria(self) -> TeamFilter:
        """The valid part of the query: a bad value drops only its own filter."""
        self.is_valid()
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors
        }
        return TeamFilter(
            search=data.get("q") or "",
            leg=data.get("leg") or "",
            level=data.get("level"),
            enrolled_by_me=bool(data.get("mine")),
            status=data.get("status") or "",
            joined_from=data.get("joined_from"),
            joined_to=data.get("joined_to"),
            rank=data.get("rank") or "",
            sort=data.get("sort") or "-joined",
        )


class PlaceForm(forms.Form):
    """Place a holding-tank member under an open position in the downline."""

    parent = forms.IntegerField(
        label=_("Placement parent (distributor ID)"),
        min_value=1,
        max_value=MAX_DISTRIBUTOR_ID,
        help_text=_("Someone in your downline, or your own ID."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    side = forms.ChoiceField(
        label=_("Side"), choices=SIDE_CHOICES, widget=forms.RadioSelect
    )


class EnrollForm(forms.Form):
    """A new distributor's details and where they go in the tree."""

    OUTER_LEFT = "outer_left"
    OUTER_RIGHT = "outer_right"
    POSITION = "position"
    HOLDING = "holding"
    PLACEMENTS = [
        (OUTER_LEFT, _("Bottom of my outer left leg")),
        (OUTER_RIGHT, _("Bottom of my outer right leg")),
        (POSITION, _("A specific open position")),
        (HOLDING, _("My holding tank (place them later)")),
    ]

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send the new distributor a link here to set their password."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        help_text=_("10 digits, for example (626) 338-8081."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    address_line2 = forms.CharField(
        label=_("Address line 2"), max_length=200, required=False
    )
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Choose a state")), *STATE_CHOICES]
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        help_text=_("5 digits, or ZIP+4."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("Distributors must be at least 18 years old."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    language = forms.ChoiceField(
        label=_("Language for their emails"), choices=User.Language.choices
    )
    placement = forms.ChoiceField(
        label=_("Placement"),
        choices=PLACEMENTS,
        initial=OUTER_LEFT,
        widget=forms.RadioSelect,
    )
    parent = forms.IntegerField(
        label=_("Placement parent (distributor ID)"),
        required=False,
        min_value=1,
        max_value=MAX_DISTRIBUTOR_ID,
        help_text=_("For a specific open position: someone in your downline."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    side = forms.ChoiceField(
        label=_("Side"),
        required=False,
        choices=SIDE_CHOICES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, can_place: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not can_place:
            # A sponsor still waiting in a holding tank has no downline yet.
            self.fields["placement"].choices = [self.PLACEMENTS[-1]]
            self.fields["placement"].initial = self.HOLDING

    def clean_phone(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["phone"] if ch in "0123456789")
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            raise forms.ValidationError(
                _("Enter a 10-digit US phone number."), code="phone"
            )
        return format_phone(digits)

    def clean_postal_code(self) -> str:
        match = ZIP_CODE.match(self.cleaned_data["postal_code"].strip())
        if match is None:
            raise forms.ValidationError(
                _("Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."), code="zip"
            )
        five, four = match.groups()
        return f"{five}-{four}" if four else five

    def clean(self):
        cleaned = super().clean()
        state, postal_code = cleaned.get("state", ""), cleaned.get("postal_code", "")
        if (
            state in STATES
            and postal_code
            and not zip_matches_state(postal_code, state)
        ):
            self.add_error(
                "postal_code",
                _("ZIP code %(zip)s is not in %(state)s.")
                % {"zip": postal_code, "state": STATES[state]},
            )
        if cleaned.get("placement") == self.POSITION:
            if not cleaned.get("parent") and "parent" not in self.errors:
                self.add_error(
                    "parent", _("Enter the distributor ID of the placement parent.")
                )
            if not cleaned.get("side") and "side" not in self.errors:
                self.add_error("side", _("Choose the left or the right side."))
        return cleaned

    def new_member(self) -> NewMember:
        data = self.cleaned_data
        return NewMember(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            email=data["email"],
            phone=data["phone"],
            address_line1=data["address_line1"],
            address_line2=data["address_line2"],
            city=data["city"],
            state=data["state"],
            postal_code=data["postal_code"],
            date_of_birth=data["date_of_birth"],
        )

    def placement_choice(self) -> Placement:
        data = self.cleaned_data
        match data["placement"]:
            case self.OUTER_LEFT:
                return Placement.outer(Side.LEFT)
            case self.OUTER_RIGHT:
                return Placement.outer(Side.RIGHT)
            case self.POSITION:
                return Placement.position(data["parent"], data["side"])
        return Placement.holding()


class DistributorIdsField(forms.Field):
    """Every checked ``to`` box: distributor IDs, in order, each once."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids = [parse_distributor_id(item) for item in value or []]
        if None in ids:
            raise forms.ValidationError(_("Choose members from the list."), code="id")
        return list(dict.fromkeys(ids))


class TeamMessageForm(forms.Form):
    """A message to members of the team; who may receive it is the action's rule."""

    to = DistributorIdsField(
        label=_("Send to"),
        error_messages={"required": _("Choose at least one member.")},
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
