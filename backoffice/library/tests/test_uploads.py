"""Uploads: checked by content, size-limited, images re-encoded; staff admin."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.library.models import FileType, Material, ThumbnailStatus
from backoffice.library.tests.factories import (
    CategoryFactory,
    MaterialFactory,
    image_bytes,
    pdf_bytes,
)
from backoffice.library.uploads import check_upload, sniff

ADD = "/admin/library/material/add/"
LIST = "/admin/library/material/"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 64
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"


def upload(name: str, data: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pdf_bytes(), FileType.PDF),
        (image_bytes(), FileType.PNG),
        (image_bytes(fmt="JPEG"), FileType.JPEG),
        (MP4_HEAD, FileType.MP4),
        (MOV_HEAD, FileType.MOV),
        (WEBM_HEAD, FileType.WEBM),
        (HTML, None),
        (SVG, None),
        (b"GIF89a......", None),
        (b"", None),
    ],
)
def test_sniff_by_content(data, expected):
    assert sniff(data[:64]) == expected


def test_html_renamed_pdf_is_refused():
    with pytest.raises(ValidationError, match="HTML and SVG are never accepted"):
        check_upload(upload("flyer.pdf", HTML))


def test_svg_is_refused():
    with pytest.raises(ValidationError):
        check_upload(upload("logo.svg", SVG, "image/svg+xml"))


def test_oversize_is_refused(settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 2048
    with pytest.raises(ValidationError, match="too big"):
        check_upload(upload("big.pdf", b"%PDF-1.4\n" + b"0" * 4096 + b"%%EOF"))


def test_a_truncated_pdf_is_refused():
    with pytest.raises(ValidationError, match="incomplete"):
        check_upload(upload("cut.pdf", pdf_bytes()[:300]))


def test_a_damaged_image_is_refused():
    data = image_bytes()[:60]
    with pytest.raises(ValidationError, match="damaged"):
        check_upload(upload("broken.png", data, "image/png"))


def test_images_are_reencoded_without_trailing_payload():
    data = image_bytes((50, 40)) + b"<script>alert(1)</script>"
    checked = check_upload(upload("post.png", data, "image/png"))
    assert checked.file_type == FileType.PNG
    stored = checked.content.read()
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (50, 40)
    assert checked.content.name == "material.png"


def test_large_images_are_scaled_down(settings):
    settings.LIBRARY_MAX_IMAGE_SIDE = 200
    checked = check_upload(upload("big.jpg", image_bytes((800, 400), fmt="JPEG")))
    assert checked.file_type == FileType.JPEG
    assert Image.open(io.BytesIO(checked.content.read())).size == (200, 100)


def test_the_extension_comes_from_the_content():
    checked = check_upload(
        upload("photo.pdf", image_bytes(fmt="JPEG"), "application/pdf")
    )
    assert checked.file_type == FileType.JPEG
    assert checked.content.name.endswith(".jpg")


# --- the staff admin -------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    user = StaffFactory(is_superuser=True)
    add_totp_device(user)
    client.force_login(user)
    return client


def form_data(category, **overrides):
    data = {
        "title": "New flyer",
        "description": "",
        "kind": "flyer",
        "category": category.pk,
        "language": "en",
        "video_url": "",
        "publish_at_0": "2026-01-01",
        "publish_at_1": "09:00:00",
        "expires_at_0": "",
        "expires_at_1": "",
        "compliance_note": "FDA disclaimer.",
    }
    data.update(overrides)
    return data


def test_admin_upload_stores_the_file_and_makes_the_thumbnail(
    staff_client, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    data = form_data(category, upload=upload("flyer.pdf", pdf_bytes("Admin upload")))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    material = Material.objects.get()
    assert material.file_type == FileType.PDF
    assert material.file.name.startswith("materials/")
    with material.file.open("rb") as stored:
        assert stored.read() == pdf_bytes("Admin upload")
    # Tasks run inline in tests: the thumbnail is made once the upload commits.
    assert material.thumbnail_status == ThumbnailStatus.READY
    assert material.thumbnail.name.endswith(".jpg")


def test_admin_refuses_html_disguised_as_pdf(staff_client):
    category = CategoryFactory()
    data = form_data(category, upload=upload("flyer.pdf", HTML))
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "HTML and SVG are never accepted" in response.content.decode()
    assert Material.objects.count() == 0


def test_admin_refuses_oversize(staff_client, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 1024
    category = CategoryFactory()
    data = form_data(category, upload=upload("flyer.pdf", pdf_bytes("x" * 10, pages=3)))
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "too big" in response.content.decode()
    assert Material.objects.count() == 0


def test_admin_needs_a_file_or_a_link(staff_client):
    category = CategoryFactory()
    response = staff_client.post(ADD, form_data(category))
    assert response.status_code == 200
    assert "Upload a file or give a video link." in response.content.decode()
    assert Material.objects.count() == 0


def test_admin_refuses_expiry_before_publishing(staff_client):
    category = CategoryFactory()
    data = form_data(
        category,
        video_url="https://example.com/v",
        expires_at_0="2025-12-31",
        expires_at_1="09:00:00",
    )
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "The expiry must come after publishing." in response.content.decode()
    assert Material.objects.count() == 0


def test_admin_lists_expired_and_draft_materials(staff_client, members):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    MaterialFactory(
        title="Retired piece",
        publish_at=now - timedelta(days=9),
        expires_at=now - timedelta(days=1),
    )
    MaterialFactory(title="Draft piece", publish_at=None)
    html = staff_client.get(LIST).content.decode()
    assert "Retired piece" in html
    assert "Draft piece" in html
    html = staff_client.get(LIST, {"window": "expired"}).content.decode()
    assert "Retired piece" in html
    assert "Draft piece" not in html


def test_admin_retire_action(staff_client, members):
    material = MaterialFactory(title="Retire me")
    response = staff_client.post(
        LIST, {"action": "retire_now", "_selected_action": [material.pk]}
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert not material.is_visible()


def test_distributors_cannot_use_the_admin(client, alice):
    client.force_login(alice)
    response = client.get(ADD)
    assert response.status_code in (302, 403)
    assert Material.objects.count() == 0


def test_admin_add_page_has_the_upload_field(staff_client):
    html = staff_client.get(ADD).content.decode()
    assert 'name="upload"' in html
    assert 'type="file"' in html


def test_admin_shows_thumbnails_and_their_status(staff_client, members):
    from backoffice.library import actions

    material = MaterialFactory(title="With thumbnail")
    actions.generate_thumbnail(material_id=material.pk)
    html = staff_client.get(LIST).content.decode()
    thumbnail = f"/admin/library/material/{material.pk}/thumbnail/"
    assert f'<img src="{thumbnail}"' in html
    assert "Ready" in html
    response = staff_client.get(thumbnail)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_content_role_can_manage_materials(client, db):
    from django.contrib.auth.models import Group

    from backoffice.accounts.roles import sync_roles

    sync_roles()
    user = StaffFactory()
    add_totp_device(user)
    user.groups.add(Group.objects.get(name="content"))
    assert user.has_perms(
        [
            "library.add_material",
            "library.change_material",
            "library.view_download",
        ]
    )
    assert not user.has_perm("library.change_download")
    client.force_login(user)
    assert client.get(ADD).status_code == 200


def test_a_pdf_signature_on_garbage_is_refused():
    with pytest.raises(ValidationError, match="incomplete or damaged"):
        check_upload(upload("fake.pdf", b"%PDF-1.7\n<html>not a pdf</html>\n%%EOF\n"))
