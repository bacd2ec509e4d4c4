"""What the dashboard shows of the library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.library.models import LibraryVisit, Material


@dataclass(frozen=True)
class NewMaterials:
    count: int
    latest: list[Material]
    since: datetime | None


def new_materials_summary(
    user: User, *, now: datetime | None = None, limit: int = 3
) -> NewMaterials:
    """Materials published since the user last opened the library (all, if never)."""
    now = now or timezone.now()
    since = (
        LibraryVisit.objects.filter(user=user).values_list("last_at", flat=True).first()
    )
    materials = Material.objects.visible(now).published_since(since)
    return NewMaterials(
        count=materials.count(),
        latest=list(materials.order_by("-publish_at", "-pk")[:limit]),
        since=since,
    )
