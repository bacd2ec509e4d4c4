"""Help center search, ticket forms and the staff inbox filters."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backoffice.accounts.models import User
from backoffice.support.access import SUPPORT_PERMISSION
from backoffice.support.models import (
    BODY_MAX,
    STAFF_STATUS_LABELS,
    SUBJECT_MAX,
    CannedReply,
    TicketCategory,
    TicketQuerySet,
    TicketStatus,
)
from backoffice.support.uploads import CheckedFile, check_upload, too_big


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the help center"), max_length=100, required=False
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to %(count)s files: PDF, pictures or plain text, %(size)s each."
        )
        % {
            "count": settings.SUPPORT_ATTACHMENTS_PER_MESSAGE,
            "size": f"{settings.SUPPORT_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB",
        },
    )


def message_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AttachmentsMixin:
    def __init__(self, *args, oversize: Sequence[str] = (), **kwargs) -> None:
        # Files the upload handler stopped receiving (over the size limit).
        self.oversize = list(oversize)
        super().__init__(*args, **kwargs)

    def clean_attachments(self) -> list[CheckedFile]:
        uploads = self.cleaned_data.get("attachments") or []
        limit = settings.SUPPORT_ATTACHMENTS_PER_MESSAGE
        if self.oversize:
            raise ValidationError([too_big(name) for name in self.oversize])
        if len(uploads) > limit:
            raise ValidationError(
                ngettext(
                    "Attach at most %(count)d file.",
                    "Attach at most %(count)d files.",
                    limit,
                )
                % {"count": limit}
            )
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked


class TicketForm(AttachmentsMixin, forms.Form):
    category = forms.ChoiceField(label=_("Topic"), choices=TicketCategory.choices)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = message_field(_("Your message"))
    attachments = attachments_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()


class MessageForm(AttachmentsMixin, forms.Form):
    body = message_field(_("Your reply"))
    attachments = attachments_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field()


class NoteForm(forms.Form):
    note = message_field(_("Internal note (never shown to the distributor)"))


def support_staff() -> QuerySet[User]:
    app_label, codename = SUPPORT_PERMISSION.split(".")
    granted = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        User.objects.filter(is_staff=True, is_active=True)
        .filter(granted | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = support_staff()


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (status.value, STAFF_STATUS_LABELS[status]) for status in TicketStatus
        ],
    )


class InboxFilterForm(forms.Form):
    ACTIVE = "active"
    ALL = "all"
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (ACTIVE, _("Not closed")),
            *((status.value, STAFF_STATUS_LABELS[status]) for status in TicketStatus),
            (ALL, _("Any status")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("Any topic")), *TicketCategory.choices],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[
            ("", _("Anyone")),
            ("me", _("Assigned to me")),
            ("unassigned", _("Unassigned")),
        ],
    )
    q = forms.CharField(
        label=_("Code, subject or distributor ID"), required=False, max_length=100
    )

    def filter(self, tickets: TicketQuerySet, user: User) -> TicketQuerySet:
        if not self.is_valid():
            return tickets.not_closed()
        data = self.cleaned_data
        status = data["status"] or self.ACTIVE
        if status == self.ACTIVE:
            tickets = tickets.not_closed()
        elif status != self.ALL:
            tickets = tickets.with_status(status)
        if data["category"]:
            tickets = tickets.in_category(data["category"])
        if data["assigned"] == "me":
            tickets = tickets.assigned_to(user)
        elif data["assigned"] == "unassigned":
            tickets = tickets.unassigned()
        return tickets.matching(data["q"])


class CannedReplyChoice(forms.Form):
    canned = forms.ModelChoiceField(
        label=_("Canned reply"),
        queryset=CannedReply.objects.filter(is_active=True),
        required=False,
        empty_label=_("Pick one to fill the reply"),
    )
