"""The gate for team pages: a member of the viewer's team, or 404."""

from __future__ import annotations

from django.http import Http404

from backoffice.accounts.models import User
from backoffice.network.models import Distributor
from backoffice.network.queries import parse_distributor_id, team_of


def get_viewer(user: User) -> Distributor:
    """The signed-in distributor; staff and users without a network place get 404."""
    # The sign-in backend has usually loaded (and cached) it already.
    distributor = getattr(user, "distributor", None)
    if distributor is None:
        raise Http404
    return distributor


def get_member_for_viewer(
    viewer: Distributor, distributor_id: int | str | None, *, allow_self: bool = False
) -> Distributor:
    """A member of the viewer's team by distributor ID; 404 when missing or not theirs.

    The team is everyone strictly below the viewer in the binary tree, plus the
    viewer's own enrollees waiting in the holding tank. ``allow_self`` admits the
    viewer too (the top of their own tree).
    """
    number = parse_distributor_id(distributor_id)
    if number is None:
        raise Http404
    if allow_self and number == viewer.distributor_id:
        return viewer
    member = (
        team_of(viewer)
        .select_related("user", "enroller__user", "parent__user")
        .filter(distributor_id=number)
        .first()
    )
    if member is None:
        raise Http404
    return member
