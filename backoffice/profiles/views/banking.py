"""The distributor's payout details: bank account and W-9 tax information.

Numbers are shown masked. Showing the account number in full or changing any
detail needs a password confirmed minutes ago. The views that receive numbers
hide every POST value and every local variable from error reports.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import (
    sensitive_post_parameters,
    sensitive_variables,
)
from django.views.decorators.http import require_http_methods, require_safe

from backoffice.accounts.access import require_recent_auth
from backoffice.accounts.actions import log_security_event
from backoffice.accounts.models import SecurityEvent
from backoffice.commissions.models import PayoutHold
from backoffice.lib.encryption import EncryptionError
from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.profiles import actions
from backoffice.profiles.access import (
    bank_account_of,
    readable,
    require_distributor,
    tax_profile_of,
)
from backoffice.profiles.forms import CERTIFICATION, BankAccountForm, TaxProfileForm
from backoffice.profiles.models import BankAccount

BANKING = "profiles/banking.html"
EDIT_BANKING = "profiles/banking_edit.html"
TAX = "profiles/tax.html"
EDIT_TAX = "profiles/tax_edit.html"


def _banking_context(viewer: Distributor, account: BankAccount | None) -> dict:
    return {
        "account": account,
        "masked": readable(lambda: account.masked_account) if account else None,
        "holds": list(
            PayoutHold.objects.active().for_distributor(viewer).order_by("until")
        ),
    }


@login_required
@require_distributor
@never_cache
@require_safe
def banking(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    return render(request, BANKING, _banking_context(viewer, bank_account_of(viewer)))


@login_required
@require_distributor
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@require_recent_auth
@sensitive_variables()
def edit_banking(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    account = bank_account_of(viewer)
    masked = readable(lambda: account.masked_account) if account else None
    initial = (
        {
            "holder_name": account.holder_name,
            "routing_number": account.routing_number,
            "account_type": account.account_type,
            "payout_method": account.payout_method,
        }
        if account
        else {"holder_name": request.user.get_full_name()}
    )
    form = BankAccountForm(
        request.POST or None,
        initial=initial,
        current_routing_number=account.routing_number if account else "",
        current_masked=masked,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # An empty number keeps the stored one (the form only allows that when
        # the stored one still decrypts and the bank stays the same).
        number = data["account_number"] or account.account_number()
        try:
            actions.save_bank_account(
                distributor=viewer,
                holder_name=data["holder_name"],
                routing_number=data["routing_number"],
                account_number=number,
                account_type=data["account_type"],
                payout_method=data["payout_method"],
                request=request,
            )
        except EncryptionError:
            # The stored number no longer decrypts and the save compares with it.
            form.add_error(
                None,
                _(
                    "We could not replace the account number we have on file. "
                    "Please contact support."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "Your bank details were saved. We sent an email about the "
                    "change to %(email)s."
                )
                % {"email": request.user.email},
            )
            return redirect("profile:banking")
    return render(request, EDIT_BANKING, {"form": form, "account": account})


@login_required
@require_distributor
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@require_recent_auth
@sensitive_variables()
def reveal_account(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    account = bank_account_of(viewer)
    if request.method != "POST" or account is None:
        # Confirming the password returns here with a GET; the number itself is
        # only ever the answer to a deliberate POST, never to a link or reload.
        if account is not None:
            messages.info(
                request,
                _("Your password is confirmed: choose “Show full number” again."),
            )
        return redirect("profile:banking")
    context = _banking_context(viewer, account)
    context["revealed"] = readable(account.account_number)
    if context["revealed"] is not None:
        log_security_event(
            kind=SecurityEvent.Kind.BANK_DETAILS_VIEWED,
            user=request.user,
            request=request,
        )
    return render(request, BANKING, context)


@login_required
@require_distributor
@never_cache
@require_safe
def tax(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    profile = tax_profile_of(viewer)
    return render(
        request,
        TAX,
        {
            "profile": profile,
            "masked": readable(lambda: profile.masked_tin) if profile else None,
        },
    )


@login_required
@require_distributor
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@require_recent_auth
@sensitive_variables()
def edit_tax(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    profile = tax_profile_of(viewer)
    masked = readable(lambda: profile.masked_tin) if profile else None
    if profile:
        initial = {
            "legal_name": profile.legal_name,
            "business_name": profile.business_name,
            "classification": profile.classification,
            "tin_kind": profile.tin_kind,
            "address_line1": profile.address_line1,
            "city": profile.city,
            "state": profile.state,
            "postal_code": profile.postal_code,
        }
    else:
        initial = {
            "legal_name": request.user.get_full_name(),
            "address_line1": viewer.address_line1,
            "city": viewer.city,
            "state": viewer.state,
            "postal_code": viewer.postal_code,
        }
    form = TaxProfileForm(
        request.POST or None,
        initial=initial,
        current_tin_kind=profile.tin_kind if profile else "",
        current_masked=masked,
    )
    if request.method == "POST" and form.is_valid():
        tin = form.cleaned_data["tin"] or profile.tin()
        actions.save_tax_profile(
            distributor=viewer, request=request, tin=tin, **form.profile_fields()
        )
        messages.success(
            request,
            _(
                "Your W-9 details were saved. We sent an email about the change "
                "to %(email)s."
            )
            % {"email": request.user.email},
        )
        return redirect("profile:tax")
    return render(
        request,
        EDIT_TAX,
        {"form": form, "profile": profile, "certification": CERTIFICATION},
    )
