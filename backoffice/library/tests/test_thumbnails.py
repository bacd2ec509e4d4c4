"""Thumbnail task: sets the status the admin shows."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from backoffice.library import actions, tasks
from backoffice.library.models import FileType, Material, ThumbnailStatus
from backoffice.library.tests.factories import MaterialFactory, image_material
from backoffice.library.uploads import check_upload

pytestmark = pytest.mark.django_db


def thumbnail_size(material: Material) -> tuple[int, int]:
    with material.thumbnail.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read())).size


def test_pdf_first_page_thumbnail(settings):
    settings.LIBRARY_THUMBNAIL_SIDE = 200
    material = MaterialFactory(thumbnail_status=ThumbnailStatus.PENDING)
    result = tasks.generate_thumbnail.enqueue(material.pk)
    assert result.return_value == ThumbnailStatus.READY
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.READY
    width, height = thumbnail_size(material)
    # Letter is portrait: the long side is the limit.
    assert height == 200
    assert width < 200


def test_image_thumbnail(settings):
    settings.LIBRARY_THUMBNAIL_SIDE = 100
    material = image_material(size=(400, 200))
    actions.generate_thumbnail(material_id=material.pk)
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.READY
    assert thumbnail_size(material) == (100, 50)


def test_a_damaged_file_marks_the_thumbnail_failed():
    material = MaterialFactory(
        file=ContentFile(b"%PDF-1.4 not really a pdf %%EOF", name="bad.pdf"),
        thumbnail_status=ThumbnailStatus.PENDING,
    )
    assert actions.generate_thumbnail(material_id=material.pk) == ThumbnailStatus.FAILED
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.FAILED
    assert not material.thumbnail


def test_rerunning_replaces_the_thumbnail():
    material = MaterialFactory()
    actions.generate_thumbnail(material_id=material.pk)
    material.refresh_from_db()
    first = material.thumbnail.name
    actions.generate_thumbnail(material_id=material.pk)
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.READY
    assert (
        not material.thumbnail.storage.exists(first) or first == material.thumbnail.name
    )


def test_video_link_has_no_thumbnail_to_make():
    material = MaterialFactory(file="", file_type="", video_url="https://e.com/v")
    assert actions.generate_thumbnail(material_id=material.pk) == ThumbnailStatus.NONE


def test_attach_file_queues_the_thumbnail(django_capture_on_commit_callbacks):
    material = MaterialFactory(file="", file_type="", video_url="https://e.com/v")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backoffice.library.tests.factories import pdf_bytes

    checked = check_upload(SimpleUploadedFile("a.pdf", pdf_bytes()))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.attach_file(material=material, checked=checked)
    material.refresh_from_db()
    assert material.file_type == FileType.PDF
    assert material.thumbnail_status == ThumbnailStatus.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.READY


def test_missing_material_is_a_no_op():
    assert actions.generate_thumbnail(material_id=987654) == "missing"


def test_a_new_upload_replaces_the_old_file(django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backoffice.library.tests.factories import image_bytes

    material = MaterialFactory()
    old = material.file.name
    storage = material.file.storage
    checked = check_upload(SimpleUploadedFile("a.png", image_bytes((20, 20))))
    with django_capture_on_commit_callbacks(execute=True):
        actions.attach_file(material=material, checked=checked)
    material.refresh_from_db()
    assert material.file_type == FileType.PNG
    assert storage.exists(material.file.name)
    assert not storage.exists(old)
