from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.network.models import Side


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
