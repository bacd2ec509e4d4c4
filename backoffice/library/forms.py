from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backoffice.library.models import (
    Category,
    FileType,
    Kind,
    Language,
    Material,
    Sort,
)
from backoffice.library.uploads import quick_check


@dataclass(frozen=True)
class Criteria:
    text: str = ""
    category: Category | None = None
    kind: str = ""
    language: str = ""
    product: int | None = None
    is_new: bool = False
    is_favourite: bool = False
    sort: str = Sort.NEWEST

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.text
            or self.category
            or self.kind
            or self.language
            or self.product
            or self.is_new
            or self.is_favourite
        )


class LibraryFilterForm(forms.Form):
    """Search, filters and sort for the library (GET); bad values are ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Kind.choices]
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *Language.choices],
    )
    product = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Best match when searching, else newest")), *Sort.choices],
    )
    new = forms.BooleanField(label=_("New since my last visit"), required=False)
    favourites = forms.BooleanField(label=_("My favourites"), required=False)

    def __init__(self, *args, categories, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {category.pk: category for category in categories}
        self.fields["category"].choices = [
            ("", _("All categories")),
            *((category.pk, str(category)) for category in categories),
        ]
        self.fields["product"].choices = [
            ("", _("All products")),
            *((product.pk, product.name) for product in products),
        ]

    def criteria(self) -> Criteria:
        if not self.is_valid():
            return Criteria()
        data = self.cleaned_data
        return Criteria(
            text=data["q"].strip(),
            category=self.categories.get(data["category"]),
            kind=data["kind"],
            language=data["language"],
            product=data["product"],
            is_new=data["new"],
            is_favourite=data["favourites"],
            sort=data["sort"] or (Sort.RELEVANCE if data["q"].strip() else Sort.NEWEST),
        )


class PersonaliseForm(forms.Form):
    CONTACT_CHOICES = [
        ("phone", _("My phone")),
        ("email", _("My email")),
        ("none", _("No contact, only my name and shop link")),
    ]

    name = forms.CharField(label=_("Name to show"), max_length=80)
    contact = forms.ChoiceField(
        label=_("Contact to show"),
        choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
        initial="phone",
    )
    format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", "PDF"), ("png", "PNG")],
        widget=forms.RadioSelect,
        initial="pdf",
    )

    def __init__(self, *args, phone: str, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phone, self.email = phone, email
        self.fields["contact"].choices = [
            (value, label)
            for value, label in self.CONTACT_CHOICES
            if (value != "phone" or phone) and (value != "email" or email)
        ]
        self.fields["contact"].initial = self.fields["contact"].choices[0][0]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Enter the name to show."))
        return name

    def contact_text(self) -> str:
        return {"phone": self.phone, "email": self.email}.get(
            self.cleaned_data["contact"], ""
        )


class MaterialAdminForm(forms.ModelForm):
    """The admin's form: size and signature are checked before anything is stored."""

    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "PDF, PNG or JPEG image, or MP4/MOV/WebM video. Images are re-encoded; "
            "HTML and SVG are refused."
        ),
    )

    class Meta:
        model = Material
        fields = [
            "title",
            "description",
            "kind",
            "category",
            "tags",
            "language",
            "products",
            "video_url",
            "publish_at",
            "expires_at",
            "compliance_note",
            "is_shareable",
            "is_personalisable",
        ]

    # The upload's type once it passed the quick checks (the rest runs in the
    # background after saving: see actions.attach_upload).
    upload_type: FileType | None = None

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.upload_type = quick_check(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.has_error("upload"):
            return cleaned
        has_file = bool(self.upload_type or (self.instance.pk and self.instance.file))
        if not has_file and not cleaned.get("video_url"):
            raise ValidationError(_("Upload a file or give a video link."))
        publish_at, expires_at = cleaned.get("publish_at"), cleaned.get("expires_at")
        if publish_at and expires_at and expires_at <= publish_at:
            self.add_error("expires_at", _("The expiry must come after publishing."))
        return cleaned
