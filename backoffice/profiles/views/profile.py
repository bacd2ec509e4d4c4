"""The profile page: contact details, addresses, photo, preferences, email, data.

Changing the email needs the current password and a link opened from the new
address; downloading the data needs a password confirmed minutes ago.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from backoffice.accounts.access import require_recent_auth
from backoffice.lib.http import client_ip
from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.profiles import actions, export, photos
from backoffice.profiles.access import (
    bank_account_of,
    get_photo_for_viewer,
    require_distributor,
    tax_profile_of,
)
from backoffice.profiles.profile_forms import (
    DISTRIBUTOR_FIELDS,
    PROFILE_FIELDS,
    USER_FIELDS,
    EmailChangeForm,
    PhotoForm,
    ProfileForm,
)

HOME = "profiles/home.html"


def _initial(viewer: Distributor) -> dict:
    user = viewer.user
    profile = actions.profile_of(viewer)
    initial = {name: getattr(user, name) for name in USER_FIELDS}
    initial.update({name: getattr(viewer, name) for name in DISTRIBUTOR_FIELDS})
    initial.update({name: getattr(profile, name) for name in PROFILE_FIELDS})
    initial["state"] = viewer.state.upper()
    return initial


def _context(viewer: Distributor, **forms) -> dict:
    profile = actions.profile_of(viewer)
    return {
        "viewer": viewer,
        "profile": profile,
        "has_bank_account": bank_account_of(viewer) is not None,
        "has_tax_profile": tax_profile_of(viewer) is not None,
        "pending_email": actions.EmailChange.objects.for_user(viewer.user)
        .pending()
        .first(),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        **forms,
    }


@login_required
@require_distributor
@never_cache
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    form = ProfileForm(request.POST or None, initial=_initial(viewer))
    if request.method == "POST" and form.is_valid():
        changed = actions.update_profile(
            distributor=viewer,
            user_fields=form.values(USER_FIELDS),
            distributor_fields=form.values(DISTRIBUTOR_FIELDS),
            profile_fields=form.values(PROFILE_FIELDS),
            request=request,
        )
        language = form.cleaned_data["language"]
        # The new language applies at once: to the message and the next page.
        translation.activate(language)
        if changed:
            messages.success(request, _("Your profile was saved."))
        else:
            messages.info(request, _("Nothing to save: your profile is unchanged."))
        response = redirect("profile:home")
        if "language" in changed:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=365 * 24 * 3600,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, HOME, _context(viewer, form=form), status=status)


@login_required
@require_distributor
@never_cache
@require_POST
def upload_photo(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        actions.set_photo(distributor=viewer, image=photo_form.cleaned_data["photo"])
        messages.success(request, _("Your photo was saved."))
        return redirect("profile:home")
    form = ProfileForm(initial=_initial(viewer))
    return render(
        request,
        HOME,
        _context(viewer, form=form, photo_form=photo_form),
        status=400,
    )


@login_required
@require_distributor
@never_cache
@require_POST
def remove_photo(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    if actions.remove_photo(distributor=viewer):
        messages.success(request, _("Your photo was removed."))
    return redirect("profile:home")


@login_required
@require_distributor
@require_safe
def photo(request: HttpRequest, distributor_id: int) -> HttpResponse:
    viewer = get_viewer(request.user)
    profile = get_photo_for_viewer(viewer, distributor_id)
    try:
        file = default_storage.open(profile.photo, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(file, content_type=photos.CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_distributor
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    ip = client_ip(request)
    form = EmailChangeForm(
        request.POST or None,
        user=request.user,
        refusal=lambda user: actions.email_change_refusal(user, ip=ip),
    )
    if request.method == "POST" and not form.is_valid():
        if form.has_error("password", "wrong_password"):
            actions.record_wrong_password(user=request.user, ip=ip)
    elif request.method == "POST":
        try:
            change = actions.request_email_change(
                user=request.user,
                new_email=form.cleaned_data["new_email"],
                request=request,
            )
        except actions.EmailChangeError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(
                request,
                _(
                    "We sent a confirmation link to %(email)s. Your email address "
                    "changes when you open it (within 24 hours)."
                )
                % {"email": change.new_email},
            )
            return redirect("profile:home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "profiles/email_change.html",
        {"form": form, "viewer": viewer},
        status=status,
    )


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the new address: no sign-in needed, the token is the proof.

    The GET only shows a button: mail scanners that follow links must not
    confirm a change on their own.
    """
    change = actions.pending_change_for_token(token)
    error = None
    if request.method == "POST" and change is not None:
        try:
            change = actions.confirm_email_change(token=token, request=request)
        except actions.EmailChangeError as refusal:
            error, change = str(refusal.message), None
        else:
            return render(request, "profiles/email_confirmed.html", {"change": change})
    return render(
        request,
        "profiles/email_confirm.html",
        {"change": change, "error": error},
        status=200 if change is not None else 404,
    )


@login_required
@require_distributor
@never_cache
@require_http_methods(["GET", "POST"])
@require_recent_auth
def download_data(request: HttpRequest) -> HttpResponse:
    viewer = get_viewer(request.user)
    if request.method != "POST":
        return render(request, "profiles/export.html", {"viewer": viewer})
    subject = export.Subject(user=request.user, distributor=viewer)
    content = export.build_archive(subject)
    actions.record_data_export(user=request.user, request=request)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{export.archive_name(subject)}"'
    )
    return response
