"""Writes in the library: files and thumbnails, downloads, favourites, visits."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.accounts.models import User
from backoffice.library.models import (
    EXTENSIONS,
    Download,
    Favourite,
    FileStatus,
    FileType,
    LibraryVisit,
    Material,
    ThumbnailStatus,
)
from backoffice.library.thumbnails import make_thumbnail
from backoffice.library.uploads import CheckedFile, full_check

logger = logging.getLogger(__name__)

# Page loads closer together than this are one visit ("new since my last visit").
VISIT_GAP = timedelta(minutes=30)
THUMBNAIL_SOURCES = (
    FileType.PDF,
    FileType.PNG,
    FileType.JPEG,
    FileType.MP4,
    FileType.MOV,
    FileType.WEBM,
)


def attach_file(*, material: Material, checked: CheckedFile) -> Material:
    """Store an already fully checked file on the material and queue its thumbnail."""
    from backoffice.library import tasks

    replaced = material.file.name if material.file else ""
    with transaction.atomic():
        material.file.save(checked.content.name, checked.content, save=False)
        material.file_type = checked.file_type
        material.file_size = checked.size
        material.file_status = FileStatus.READY
        material.processing_error = ""
        material.thumbnail_status = (
            ThumbnailStatus.PENDING
            if checked.file_type in THUMBNAIL_SOURCES
            else ThumbnailStatus.NONE
        )
        material.save()
        if replaced and replaced != material.file.name:
            storage = material.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
        if material.thumbnail_status == ThumbnailStatus.PENDING:
            material_id = material.pk
            transaction.on_commit(lambda: tasks.generate_thumbnail.enqueue(material_id))
    return material


def attach_upload(*, material: Material, upload, file_type: FileType) -> Material:
    """Store an upload that passed the quick checks as it came; queue its processing.

    The material stays hidden from distributors until ``process_material`` has
    checked the file fully and marked it ready.
    """
    from backoffice.library import tasks

    replaced = material.file.name if material.file else ""
    with transaction.atomic():
        material.file.save(f"material.{EXTENSIONS[file_type]}", upload, save=False)
        material.file_type = file_type
        material.file_size = upload.size
        material.file_status = FileStatus.PROCESSING
        material.processing_error = ""
        material.thumbnail_status = (
            ThumbnailStatus.PENDING
            if file_type in THUMBNAIL_SOURCES
            else ThumbnailStatus.NONE
        )
        material.save()
        if replaced and replaced != material.file.name:
            storage = material.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
        material_id = material.pk
        transaction.on_commit(lambda: tasks.process_material.enqueue(material_id))
    return material


def _refuse_file(material_id: int, stored_name: str, reason: str) -> str:
    # Only the file we checked: a newer upload since then has its own run.
    Material.objects.filter(pk=material_id, file=stored_name).update(
        file_status=FileStatus.FAILED,
        processing_error=reason,
        thumbnail_status=ThumbnailStatus.NONE,
        updated_at=timezone.now(),
    )
    return FileStatus.FAILED


def process_material(*, material_id: int) -> str:
    """Check the stored upload fully, store its re-encoded form, make the thumbnail.

    Ends with the file ready (and the material visible when published) or
    failed with the reason staff see in the admin. Safe to rerun: a ready file
    only gets its thumbnail made again.
    """
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        return "missing"
    if not material.file or material.file_status == FileStatus.READY:
        if material.file_status != FileStatus.READY:
            Material.objects.filter(pk=material_id).update(
                file_status=FileStatus.READY, processing_error=""
            )
        generate_thumbnail(material_id=material_id)
        return FileStatus.READY
    stored_name = material.file.name
    try:
        with material.file.open("rb") as handle:
            replacement = full_check(handle, material.file_type)
    except ValidationError as error:
        return _refuse_file(material_id, stored_name, " ".join(error.messages))
    except FileNotFoundError:
        return _refuse_file(
            material_id,
            stored_name,
            _("The uploaded file is missing. Upload it again."),
        )
    except Exception:
        logger.exception("processing failed for material %s", material_id)
        return _refuse_file(
            material_id,
            stored_name,
            _("The file couldn't be processed. Upload it again."),
        )
    storage = material.file.storage
    new_name = ""
    if replacement is not None:
        new_name = storage.save(
            material.file.field.generate_filename(
                material, f"material.{EXTENSIONS[material.file_type]}"
            ),
            ContentFile(replacement),
        )
    with transaction.atomic():
        current = Material.objects.select_for_update().filter(pk=material_id).first()
        if current is None or current.file.name != stored_name:
            # Deleted or replaced while we worked: this result is of no use.
            if new_name:
                transaction.on_commit(lambda: storage.delete(new_name))
            return "superseded"
        fields = ["file_status", "processing_error", "updated_at"]
        if new_name:
            current.file.name = new_name
            current.file_size = len(replacement)
            fields += ["file", "file_size"]
            transaction.on_commit(lambda: storage.delete(stored_name))
        current.file_status = FileStatus.READY
        current.processing_error = ""
        current.save(update_fields=fields)
    generate_thumbnail(material_id=material_id)
    return FileStatus.READY


def generate_thumbnail(*, material_id: int) -> str:
    """Render the thumbnail; the status says ready or failed (safe to rerun)."""
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        return "missing"
    if material.file_type not in THUMBNAIL_SOURCES or not material.file:
        Material.objects.filter(pk=material_id).update(
            thumbnail_status=ThumbnailStatus.NONE
        )
        return ThumbnailStatus.NONE
    if material.file_status != FileStatus.READY:
        # Never render an upload that hasn't passed its full check;
        # process_material makes the thumbnail once it has.
        return material.thumbnail_status
    try:
        with material.file.open("rb") as source:
            image = make_thumbnail(
                source, material.file_type, side=settings.LIBRARY_THUMBNAIL_SIDE
            )
    except Exception:
        # Any decoder error (a damaged PDF, an unreadable image) is a failed
        # thumbnail for staff to see, not a crashed worker.
        logger.exception("thumbnail failed for material %s", material_id)
        Material.objects.filter(pk=material_id).update(
            thumbnail_status=ThumbnailStatus.FAILED
        )
        return ThumbnailStatus.FAILED
    with transaction.atomic():
        material = Material.objects.select_for_update().get(pk=material_id)
        old = material.thumbnail.name if material.thumbnail else ""
        material.thumbnail.save(
            f"material-{material_id}.jpg", ContentFile(image), save=False
        )
        material.thumbnail_status = ThumbnailStatus.READY
        material.save(update_fields=["thumbnail", "thumbnail_status", "updated_at"])
    if old and old != material.thumbnail.name:
        material.thumbnail.storage.delete(old)
    return ThumbnailStatus.READY


def record_download(
    *,
    user: User,
    material: Material,
    variant: str = Download.Variant.ORIGINAL,
    now: datetime | None = None,
) -> None:
    with transaction.atomic():
        Download.objects.create(
            user=user,
            material=material,
            variant=variant,
            created_at=now or timezone.now(),
        )
        Material.objects.filter(pk=material.pk).update(
            download_count=F("download_count") + 1
        )


def toggle_favourite(*, user: User, material: Material) -> bool:
    """Add or remove the favourite; returns whether it is a favourite now."""
    with transaction.atomic():
        deleted, _ = Favourite.objects.filter(user=user, material=material).delete()
        if deleted:
            return False
        try:
            with transaction.atomic():
                Favourite.objects.create(user=user, material=material)
        except IntegrityError:
            # A double click raced us to it: it is a favourite either way.
            pass
        return True


def record_visit(*, user: User, now: datetime | None = None) -> datetime | None:
    """Note a library visit; returns when the previous visit was (None if first)."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = LibraryVisit.objects.select_for_update().filter(user=user).first()
        if visit is None:
            LibraryVisit.objects.create(user=user, previous_at=None, last_at=now)
            return None
        if now - visit.last_at >= VISIT_GAP:
            visit.previous_at = visit.last_at
        visit.last_at = now
        visit.save(update_fields=["previous_at", "last_at"])
        return visit.previous_at
