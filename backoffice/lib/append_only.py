"""Append-only tables (audit logs, ledgers): rows are added, never changed."""

from __future__ import annotations

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.label} is append-only")

    def delete(self):
        raise TypeError(f"{self.model._meta.label} is append-only")


class AppendOnlyModel(models.Model):
    """Refuses to save an existing row or delete one (corrections are new rows)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.label} is append-only")
