"""Key rotation: re-encrypt rows under the current key, a small batch at a time."""

from __future__ import annotations

from django.db import transaction

from backoffice.lib import encryption
from backoffice.profiles.models import ENCRYPTED_FIELDS


def rotate_all(*, batch_size: int = 500) -> dict[str, tuple[int, int]]:
    """Per encrypted column: (rows re-encrypted, rows seen)."""
    ring = encryption._ring()
    counts = {}
    for model, field, context_for in ENCRYPTED_FIELDS:
        rotated = seen = 0
        last = 0
        while True:
            with transaction.atomic():
                # Locked in primary-key order, so a concurrent change waits
                # rather than being overwritten with an older value.
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .order_by("pk")[:batch_size]
                )
                if not rows:
                    break
                changed = []
                for row in rows:
                    token = getattr(row, field)
                    if encryption.needs_rotation(token, ring):
                        context = context_for(row)
                        plain = encryption.decrypt(token, context=context, ring=ring)
                        setattr(
                            row,
                            field,
                            encryption.encrypt(plain, context=context, ring=ring),
                        )
                        changed.append(row)
                model.objects.bulk_update(changed, [field])
                rotated += len(changed)
                seen += len(rows)
                last = rows[-1].pk
        counts[model._meta.label] = (rotated, seen)
    return counts
