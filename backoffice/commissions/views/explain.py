"""The "Why this amount?" page of a cycle, and the what-if planner for this week."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from backoffice.commissions import explain
from backoffice.network.access import get_viewer

# Far above any week's real volume, low enough that no sum can overflow.
MAX_EXTRA_CV = Decimal("1000000.00")
PLACEMENT_CHOICES = [
    (explain.TANK, gettext_lazy("Leave in the holding tank")),
    (explain.LEFT, gettext_lazy("Place on my left leg")),
    (explain.RIGHT, gettext_lazy("Place on my right leg")),
]


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_safe
def why(request: HttpRequest, number: int) -> HttpResponse:
    viewer = get_viewer(request.user)
    explanation = explain.load_explanation(viewer, number)
    result = explanation.result
    summary = [
        (_("Retail profit"), explain.money(result.retail)),
        (_("GEN5"), explain.money(result.gen5)),
        (_("MVP"), explain.money(result.mvp)),
        (_("Binary"), explain.money(result.binary)),
        (_("Total"), explain.money(result.total)),
        (_("Balance in"), explain.money(result.balance_in)),
        (_("Payable"), explain.money(result.paid)),
        (_("Balance carried"), explain.money(result.balance_out)),
    ]
    return render(
        request,
        "commissions/why.html",
        {
            "explanation": explanation,
            "cycle": explanation.cycle,
            "groups": explanation.groups,
            "summary": summary,
        },
    )


def _volume_field(label: str, help_text: str = "") -> forms.DecimalField:
    limit = explain.volume(MAX_EXTRA_CV)
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=Decimal(0),
        max_value=MAX_EXTRA_CV,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}
        ),
        error_messages={
            "invalid": _("Enter a number of CV, like 150 or 150.25."),
            "min_value": _("Enter 0 or more."),
            "max_value": _("Enter at most %(limit)s.") % {"limit": limit},
            "max_decimal_places": _("Use at most 2 decimals."),
        },
    )


class WhatIfForm(forms.Form):
    """The planner's inputs (GET): extra volume, and where held enrollees go."""

    def __init__(self, data=None, *, tank: Sequence[explain.TankMember] = ()) -> None:
        super().__init__(data)
        self.tank = list(tank)
        self.fields["left_cv"] = _volume_field(
            _("Extra CV on your left leg"),
            _("Orders by members of your left leg before Sunday."),
        )
        self.fields["right_cv"] = _volume_field(
            _("Extra CV on your right leg"),
            _("Orders by members of your right leg before Sunday."),
        )
        self.fields["personal_cv"] = _volume_field(
            _("Extra personal CV"),
            _("Your own orders before Sunday, counted as the same PV and CV."),
        )
        for held in self.tank:
            self.fields[self.placement_name(held)] = forms.ChoiceField(
                label=held.member.label,
                choices=PLACEMENT_CHOICES,
                required=False,
            )

    @staticmethod
    def placement_name(held: explain.TankMember) -> str:
        return f"place_{held.member.distributor_id}"

    def volume_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("left_cv", "right_cv", "personal_cv")]

    def placement_fields(self) -> list[forms.BoundField]:
        return [self[self.placement_name(held)] for held in self.tank]

    def extras(self) -> explain.Extras:
        data = self.cleaned_data if self.is_bound else {}
        zero = Decimal("0.00")
        return explain.Extras(
            left_cv=data.get("left_cv") or zero,
            right_cv=data.get("right_cv") or zero,
            personal_cv=data.get("personal_cv") or zero,
            placements={
                held.member.distributor_id: side
                for held in self.tank
                if (side := data.get(self.placement_name(held)))
            },
        )


@login_required
@require_safe
@vary_on_headers("HX-Request")
def what_if(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    baseline = explain.load_baseline(viewer)
    form = WhatIfForm(
        request.GET or None, tank=baseline.tank if baseline is not None else ()
    )
    projection = None
    if baseline is not None and (not form.is_bound or form.is_valid()):
        projection = explain.project(baseline, form.extras())
    context = {
        "baseline": baseline,
        "form": form,
        "projection": projection,
        "projected_binary": (
            explain.money(projection.result.binary) if projection else ""
        ),
        "binary_change": (
            explain.signed_money(projection.binary_change) if projection else ""
        ),
    }
    if _wants_partial(request):
        return render(request, "commissions/_what_if_result.html", context)
    return render(request, "commissions/what_if.html", context)
