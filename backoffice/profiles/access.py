"""Gates for the payout details pages: only a distributor, only their own rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from backoffice.lib.encryption import EncryptionError
from backoffice.network.access import get_viewer
from backoffice.network.models import Distributor
from backoffice.profiles.models import BankAccount, Profile, TaxProfile


def require_distributor(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """404 for staff and users without a network place, before anything else.

    It runs ahead of the re-authentication check so that nobody without payout
    details is asked for a password only to be refused afterwards.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        get_viewer(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def bank_account_of(viewer: Distributor) -> BankAccount | None:
    return BankAccount.objects.filter(distributor=viewer).first()


def tax_profile_of(viewer: Distributor) -> TaxProfile | None:
    return TaxProfile.objects.filter(distributor=viewer).first()


def readable(read: Callable[[], str]) -> str | None:
    """A decrypted value or its mask; None when the stored value does not decrypt.

    A value copied from another row, or encrypted under a key that is no longer
    configured, must not break the page: the owner is asked to enter it again.
    """
    try:
        return read()
    except EncryptionError:
        return None


def get_photo_for_viewer(viewer: Distributor, distributor_id: int) -> Profile:
    """The profile whose photo the viewer may see: only their own, for now.

    Someone else's photo, a member without one and an unknown ID are all 404.
    """
    profile = (
        Profile.objects.filter(
            distributor=viewer, distributor__distributor_id=distributor_id
        )
        .exclude(photo="")
        .first()
    )
    if profile is None:
        raise Http404
    return profile
