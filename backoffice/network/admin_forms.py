from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.network.forms import EnrollForm
from backoffice.network.models import Distributor, Side


class MoveForm(forms.Form):
    parent_id = forms.IntegerField(
        label=_("New placement parent (distributor ID)"), min_value=1
    )
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea)


class TerminateForm(forms.Form):
    effective = forms.DateField(
        label=_("Effective date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea)


class StaffEnrollForm(EnrollForm):
    """The distributors' enrollment form, for staff: the enroller is chosen too."""

    PLACEMENTS = [
        (EnrollForm.OUTER_LEFT, _("Bottom of the enroller's outer left leg")),
        (EnrollForm.OUTER_RIGHT, _("Bottom of the enroller's outer right leg")),
        (EnrollForm.POSITION, _("A specific open position")),
        (EnrollForm.HOLDING, _("The enroller's holding tank")),
    ]

    enroller_id = forms.IntegerField(label=_("Enroller (distributor ID)"), min_value=1)
    field_order = ["enroller_id"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placement"].choices = self.PLACEMENTS
        self.fields["parent"].help_text = _("Someone in the enroller's downline.")

    def clean_enroller_id(self) -> Distributor:
        enroller = (
            Distributor.objects.select_related("user")
            .filter(distributor_id=self.cleaned_data["enroller_id"])
            .first()
        )
        if enroller is None:
            raise forms.ValidationError(_("There is no distributor with that ID."))
        return enroller
