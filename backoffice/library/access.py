"""Gates for library materials: visible ones for signed-in users, 404 otherwise."""

from __future__ import annotations

from django.http import Http404

from backoffice.accounts.models import User
from backoffice.library.models import Material


def get_material_for_viewer(viewer: User, material_id: int | str) -> Material:
    """A published, unexpired material; 404 for missing, draft and expired alike.

    The library is for every distributor (not only a team), so the viewer's
    rights are "signed in as a distributor"; staff use the admin.
    """
    if not viewer.is_authenticated or not viewer.is_distributor:
        raise Http404
    try:
        number = int(material_id)
    except (TypeError, ValueError):
        raise Http404 from None
    material = (
        Material.objects.visible()
        .select_related("category", "category__parent")
        .filter(pk=number)
        .first()
    )
    if material is None:
        raise Http404
    return material


def get_shared_material(token: str) -> Material:
    """A visible, shareable material by its share token (public page); else 404."""
    if not token or len(token) > 40:
        raise Http404
    material = (
        Material.objects.visible()
        .shareable()
        .select_related("category")
        .filter(share_token=token)
        .first()
    )
    if material is None:
        raise Http404
    return material
