"""Admin uploads: quick checks at once, the full check in the background."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.library import actions, tasks
from backoffice.library.models import FileStatus, FileType, Material, ThumbnailStatus
from backoffice.library.tests.factories import (
    CategoryFactory,
    MaterialFactory,
    image_bytes,
    pdf_bytes,
    video_bytes,
)

ADD = "/admin/library/material/add/"
LIST = "/admin/library/material/"
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
PAYLOAD = b"<script>alert(1)</script>"


def change_page(material) -> str:
    return f"/admin/library/material/{material.pk}/change/"


def status_url(material) -> str:
    return f"/admin/library/material/{material.pk}/file-status/"


def stored_bytes(material) -> bytes:
    with material.file.open("rb") as stored:
        return stored.read()


@pytest.fixture
def staff_client(client, db):
    user = StaffFactory(is_superuser=True)
    add_totp_device(user)
    client.force_login(user)
    return client


def form_data(category, upload, **overrides):
    data = {
        "title": "Fresh upload",
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
        "upload": upload,
    }
    data.update(overrides)
    return data


def admin_upload(client, name: str, data: bytes, callbacks_fixture):
    """Post an upload without running the queued work; returns (material, callbacks)."""
    category = CategoryFactory()
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    with callbacks_fixture(execute=False) as callbacks:
        response = client.post(ADD, form_data(category, upload))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Material.objects.get(), callbacks


# --- the request stores the upload as it came -------------------------------------


def test_upload_is_stored_as_is_and_processing(
    staff_client, django_capture_on_commit_callbacks
):
    raw = image_bytes((60, 40)) + PAYLOAD
    material, callbacks = admin_upload(
        staff_client, "post.png", raw, django_capture_on_commit_callbacks
    )
    assert material.file_status == FileStatus.PROCESSING
    assert material.file_type == FileType.PNG
    assert material.file_size == len(raw)
    assert material.thumbnail_status == ThumbnailStatus.PENDING
    # Nothing re-encoded yet: the request only did the cheap checks.
    assert stored_bytes(material) == raw
    assert len(callbacks) == 1

    callbacks[0]()
    material.refresh_from_db()
    assert material.file_status == FileStatus.READY
    assert material.processing_error == ""
    data = stored_bytes(material)
    assert PAYLOAD not in data
    assert Image.open(io.BytesIO(data)).size == (60, 40)
    assert material.file_size == len(data)
    assert material.thumbnail_status == ThumbnailStatus.READY
    assert material.file.name.endswith(".png")


def test_the_raw_upload_is_removed_once_reencoded(
    staff_client, django_capture_on_commit_callbacks
):
    material, callbacks = admin_upload(
        staff_client,
        "post.jpg",
        image_bytes(fmt="JPEG") + PAYLOAD,
        django_capture_on_commit_callbacks,
    )
    raw_name = material.file.name
    storage = material.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    material.refresh_from_db()
    assert material.file.name != raw_name
    assert storage.exists(material.file.name)
    assert not storage.exists(raw_name)


def test_processing_material_is_hidden_then_shown(
    staff_client, django_capture_on_commit_callbacks, client, alice, charlie
):
    material, callbacks = admin_upload(
        staff_client,
        "flyer.pdf",
        pdf_bytes("Fresh"),
        django_capture_on_commit_callbacks,
    )
    staff_client.logout()
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(f"/library/{material.pk}/").status_code == 404
        assert client.get(f"/library/{material.pk}/download/").status_code == 404
        assert client.get(f"/library/{material.pk}/view/").status_code == 404
        assert "Fresh upload" not in client.get("/library/").content.decode()
    assert Material.objects.get(pk=material.pk).download_count == 0

    callbacks[0]()
    material.refresh_from_db()
    assert material.file_status == FileStatus.READY
    # A checked PDF is kept byte for byte.
    assert stored_bytes(material) == pdf_bytes("Fresh")
    response = client.get(f"/library/{material.pk}/")
    assert response.status_code == 200
    assert "Fresh upload" in client.get("/library/").content.decode()


@pytest.mark.parametrize(
    ("name", "codec", "container", "file_type"),
    [
        ("clip.mp4", "libx264", "mp4", FileType.MP4),
        ("clip.webm", "libvpx-vp9", "webm", FileType.WEBM),
        ("clip.mov", "libx264", "mov", FileType.MOV),
    ],
)
def test_a_video_is_decoded_kept_as_it_came_and_gets_a_poster(
    staff_client, django_capture_on_commit_callbacks, name, codec, container, file_type
):
    clip = video_bytes(codec=codec, container=container, colour=(20, 60, 200))
    material, callbacks = admin_upload(
        staff_client, name, clip, django_capture_on_commit_callbacks
    )
    assert material.file_status == FileStatus.PROCESSING
    assert material.thumbnail_status == ThumbnailStatus.PENDING
    callbacks[0]()
    material.refresh_from_db()
    assert material.file_status == FileStatus.READY
    assert material.file_type == file_type
    assert stored_bytes(material) == clip
    # The poster is the clip's own picture: blue, as encoded.
    assert material.thumbnail_status == ThumbnailStatus.READY
    with material.thumbnail.open("rb") as stored:
        red, green, blue = Image.open(stored).convert("RGB").getpixel((5, 5))
    assert blue > 150
    assert red < 80
    assert green < 100


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # The signature of an MP4 and nothing behind it.
        (MP4_HEAD, "damaged or isn't what it says"),
        # A real clip cut short: the header is there, the frames are not.
        (video_bytes()[:600], "damaged or isn't what it says"),
        # MPEG-4 Part 2: a real video no browser plays.
        (video_bytes(codec="mpeg4"), "Browsers can't play this video's format (mpeg4)"),
    ],
)
def test_a_video_that_doesnt_decode_or_play_fails_with_its_reason(
    staff_client, django_capture_on_commit_callbacks, data, reason
):
    material, callbacks = admin_upload(
        staff_client, "clip.mp4", data, django_capture_on_commit_callbacks
    )
    callbacks[0]()
    material.refresh_from_db()
    assert material.file_status == FileStatus.FAILED
    assert reason in material.processing_error
    assert material.thumbnail_status == ThumbnailStatus.NONE
    assert not Material.objects.visible().filter(pk=material.pk).exists()


# --- refused in the background ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.png", image_bytes()[:60], "This image file is damaged."),
        ("cut.pdf", pdf_bytes()[:300], "This PDF is incomplete or damaged."),
        ("fake.pdf", b"%PDF-1.7\n<html>no</html>\n%%EOF\n", "incomplete or damaged"),
    ],
)
def test_a_file_that_fails_the_full_check_is_failed_with_its_reason(
    staff_client, django_capture_on_commit_callbacks, client, alice, name, data, reason
):
    material, callbacks = admin_upload(
        staff_client, name, data, django_capture_on_commit_callbacks
    )
    callbacks[0]()
    material.refresh_from_db()
    assert material.file_status == FileStatus.FAILED
    assert reason in material.processing_error
    assert material.thumbnail_status == ThumbnailStatus.NONE
    assert not material.thumbnail
    # Staff see why, in the list and on the change page.
    assert reason in staff_client.get(LIST).content.decode()
    assert reason in staff_client.get(change_page(material)).content.decode()
    assert not Material.objects.visible().filter(pk=material.pk).exists()
    client.force_login(alice)
    assert client.get(f"/library/{material.pk}/").status_code == 404


def test_a_video_whose_signature_changed_fails(db):
    material = MaterialFactory(
        file=ContentFile(b"<html>not a video</html>", name="clip.mp4"),
        file_type=FileType.MP4,
        file_status=FileStatus.PROCESSING,
    )
    assert actions.process_material(material_id=material.pk) == FileStatus.FAILED
    material.refresh_from_db()
    assert material.file_status == FileStatus.FAILED
    assert "video" in material.processing_error


def test_a_crash_while_processing_is_a_failure_not_a_crashed_worker(db, monkeypatch):
    material = MaterialFactory(file_status=FileStatus.PROCESSING)

    def explode(*args, **kwargs):
        raise RuntimeError("decoder bug")

    monkeypatch.setattr("backoffice.library.actions.full_check", explode)
    result = tasks.process_material.enqueue(material.pk)
    assert result.return_value == FileStatus.FAILED
    material.refresh_from_db()
    assert material.file_status == FileStatus.FAILED
    assert "couldn't be processed" in material.processing_error


def test_a_missing_stored_file_fails(db):
    material = MaterialFactory(file_status=FileStatus.PROCESSING)
    material.file.storage.delete(material.file.name)
    assert actions.process_material(material_id=material.pk) == FileStatus.FAILED
    material.refresh_from_db()
    assert "missing" in material.processing_error


# --- reruns and races ---------------------------------------------------------------


def test_a_file_replaced_meanwhile_is_left_to_its_own_run(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    material = MaterialFactory(
        file=ContentFile(image_bytes((30, 30)), name="old.png"),
        file_type=FileType.PNG,
        file_status=FileStatus.PROCESSING,
    )
    storage = material.file.storage
    folder = material.file.name.rsplit("/", 1)[0]
    real_check = actions.full_check
    newer = {}

    def replaced_during_check(handle, file_type):
        result = real_check(handle, file_type)
        newer["name"] = storage.save("materials/newer.png", ContentFile(b"x"))
        Material.objects.filter(pk=material.pk).update(file=newer["name"])
        return result

    monkeypatch.setattr("backoffice.library.actions.full_check", replaced_during_check)
    before = set(storage.listdir(folder)[1])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.process_material(material_id=material.pk) == "superseded"
    assert len(callbacks) == 1
    material.refresh_from_db()
    assert material.file.name == newer["name"]
    assert material.file_status == FileStatus.PROCESSING
    # Our re-encoded copy was thrown away; the file we checked is left alone.
    assert set(storage.listdir(folder)[1]) == before


def test_rerunning_a_ready_file_only_remakes_the_thumbnail(db):
    material = MaterialFactory()
    name, data = material.file.name, stored_bytes(material)
    assert actions.process_material(material_id=material.pk) == FileStatus.READY
    material.refresh_from_db()
    assert material.file.name == name
    assert stored_bytes(material) == data
    assert material.thumbnail_status == ThumbnailStatus.READY


def test_a_link_only_material_is_ready_with_nothing_to_do(db):
    material = MaterialFactory(
        file="",
        file_type="",
        video_url="https://videos.example.com/v",
        file_status=FileStatus.PROCESSING,
    )
    assert actions.process_material(material_id=material.pk) == FileStatus.READY
    material.refresh_from_db()
    assert material.file_status == FileStatus.READY
    assert material.thumbnail_status == ThumbnailStatus.NONE


def test_processing_a_missing_material_is_a_no_op(db):
    assert actions.process_material(material_id=987654) == "missing"


def test_a_new_upload_hides_the_material_until_processed(
    staff_client, django_capture_on_commit_callbacks, members
):
    material = MaterialFactory(title="Replace me")
    old = material.file.name
    storage = material.file.storage
    data = {
        **form_data(
            material.category,
            SimpleUploadedFile("new.pdf", pdf_bytes("Second edition")),
        ),
        "title": "Replace me",
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(change_page(material), data)
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.file_status == FileStatus.PROCESSING
    assert not material.is_visible()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    material.refresh_from_db()
    assert not storage.exists(old)
    assert material.file_status == FileStatus.READY
    assert stored_bytes(material) == pdf_bytes("Second edition")
    assert material.is_visible()


def test_the_quick_checks_still_refuse_at_once(staff_client):
    category = CategoryFactory()
    html = SimpleUploadedFile("flyer.pdf", b"<!doctype html><script></script>")
    response = staff_client.post(ADD, form_data(category, html))
    assert response.status_code == 200
    assert "HTML and SVG are never accepted" in response.content.decode()
    assert not Material.objects.exists()


# --- visibility ---------------------------------------------------------------------


def test_visible_needs_a_ready_file_or_only_a_video_link(db):
    yesterday = timezone.now() - timedelta(days=1)
    MaterialFactory(title="ready", publish_at=yesterday)
    MaterialFactory(
        title="processing", publish_at=yesterday, file_status=FileStatus.PROCESSING
    )
    MaterialFactory(title="failed", publish_at=yesterday, file_status=FileStatus.FAILED)
    MaterialFactory(
        title="link only",
        publish_at=yesterday,
        file="",
        file_type="",
        video_url="https://videos.example.com/v",
        file_status=FileStatus.FAILED,
    )
    MaterialFactory(
        title="file and link, processing",
        publish_at=yesterday,
        video_url="https://videos.example.com/v",
        file_status=FileStatus.PROCESSING,
    )
    visible = Material.objects.visible()
    assert sorted(visible.values_list("title", flat=True)) == ["link only", "ready"]
    assert {m.title for m in Material.objects.all() if m.is_visible()} == {
        "link only",
        "ready",
    }


# --- progress shown to staff ----------------------------------------------------------


def test_the_change_page_polls_while_processing(
    staff_client, django_capture_on_commit_callbacks
):
    material, callbacks = admin_upload(
        staff_client, "flyer.pdf", pdf_bytes(), django_capture_on_commit_callbacks
    )
    html = staff_client.get(change_page(material)).content.decode()
    assert f'data-status-url="{status_url(material)}"' in html
    assert "js/library-admin.js" in html
    assert "Processing" in staff_client.get(LIST).content.decode()

    fragment = staff_client.get(status_url(material))
    assert fragment.status_code == 200
    assert 'data-status="processing"' in fragment.content.decode()
    assert "no-store" in fragment["Cache-Control"]

    callbacks[0]()
    fragment = staff_client.get(status_url(material)).content.decode()
    assert 'data-status="ready"' in fragment
    assert "data-status-url" not in fragment
    html = staff_client.get(change_page(material)).content.decode()
    assert "data-status-url" not in html


def test_the_list_can_be_filtered_by_file_status(staff_client, members):
    MaterialFactory(title="All good")
    MaterialFactory(
        title="Broken one",
        file_status=FileStatus.FAILED,
        processing_error="This PDF is incomplete or damaged.",
    )
    html = staff_client.get(LIST, {"file_status__exact": "failed"}).content.decode()
    assert "Broken one" in html
    assert "This PDF is incomplete or damaged." in html
    assert "Hidden until its file is ready" in html
    assert "All good" not in html
    html = staff_client.get(LIST, {"window": "visible"}).content.decode()
    assert "All good" in html
    assert "Broken one" not in html


def test_the_status_fragment_is_staff_only(client, alice, members):
    material = MaterialFactory(file_status=FileStatus.PROCESSING)
    client.force_login(alice)
    response = client.get(status_url(material))
    assert response.status_code in (302, 403)
    assert b"data-status" not in response.content


def test_the_status_of_a_missing_material_is_404(staff_client):
    assert (
        staff_client.get("/admin/library/material/987654/file-status/").status_code
        == 404
    )


def test_no_thumbnail_is_rendered_from_an_unchecked_upload(db):
    material = MaterialFactory(
        file_status=FileStatus.PROCESSING, thumbnail_status=ThumbnailStatus.PENDING
    )
    assert actions.generate_thumbnail(material_id=material.pk) == (
        ThumbnailStatus.PENDING
    )
    material.refresh_from_db()
    assert material.thumbnail_status == ThumbnailStatus.PENDING
    assert not material.thumbnail


def test_the_thumbnail_action_skips_files_still_processing(
    staff_client, members, django_capture_on_commit_callbacks
):
    ready = MaterialFactory(title="Checked")
    waiting = MaterialFactory(
        title="Waiting",
        file_status=FileStatus.PROCESSING,
        thumbnail_status=ThumbnailStatus.PENDING,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            LIST,
            {
                "action": "regenerate_thumbnails",
                "_selected_action": [ready.pk, waiting.pk],
            },
        )
    assert response.status_code == 302
    ready.refresh_from_db()
    waiting.refresh_from_db()
    assert ready.thumbnail_status == ThumbnailStatus.READY
    assert waiting.thumbnail_status == ThumbnailStatus.PENDING
    assert not waiting.thumbnail
