"""Lesson files: access-checked, safe headers; uploads checked by content."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.library.tests.factories import pdf_bytes, video_bytes
from backoffice.library.training.forms import LessonAdminForm
from backoffice.library.training.models import Lesson, LessonKind

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"


@pytest.fixture
def document(course):
    lesson = Lesson.objects.create(
        course=course,
        position=5,
        slug="plan-guide",
        title="Plan guide",
        kind=LessonKind.DOCUMENT,
        file_type="pdf",
    )
    lesson.file.save("guide.pdf", ContentFile(pdf_bytes("Plan guide")))
    return lesson


FILE = "/training/coffee-basics/plan-guide/file/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_signed_out_is_redirected(client, document):
    response = client.get(FILE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inline_pdf_with_safe_headers(client, members, document):
    client.force_login(members["charlie"].user)
    response = client.get(FILE)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_download_is_an_attachment_in_a_sandbox(client, members, document):
    client.force_login(members["alice"].user)
    response = client.get(FILE + "?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="plan-guide.pdf"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_file_of_an_unpublished_course_is_404(client, members, document):
    document.course.is_published = False
    document.course.save()
    client.force_login(members["alice"].user)
    assert client.get(FILE).status_code == 404


def test_lesson_without_a_file_is_404(client, members, course):
    client.force_login(members["alice"].user)
    assert client.get("/training/coffee-basics/welcome/file/").status_code == 404


def form_for(course, kind, name, data):
    return LessonAdminForm(
        data={
            "course": course.pk,
            "position": 9,
            "title": "Upload",
            "slug": "upload",
            "kind": kind,
        },
        files={"file": SimpleUploadedFile(name, data)},
    )


@pytest.mark.parametrize(
    ("kind", "name", "data"),
    [
        (LessonKind.DOCUMENT, "guide.pdf", pdf_bytes("ok")),
        (LessonKind.VIDEO_UPLOAD, "clip.mp4", video_bytes()),
        (
            LessonKind.VIDEO_UPLOAD,
            "clip.webm",
            video_bytes(codec="libvpx-vp9", container="webm"),
        ),
    ],
)
def test_accepted_uploads(course, kind, name, data):
    form = form_for(course, kind, name, data)
    assert form.is_valid(), form.errors
    lesson = form.save()
    with lesson.file.open("rb") as stored:
        assert stored.read() == data
    assert lesson.file.name.startswith("training/")


@pytest.mark.parametrize(
    ("kind", "name", "data"),
    [
        (LessonKind.DOCUMENT, "page.pdf", b"<html><script>alert(1)</script></html>"),
        (LessonKind.DOCUMENT, "logo.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        (LessonKind.DOCUMENT, "clip.pdf", MP4_HEAD),  # a video is not a document
        (LessonKind.VIDEO_UPLOAD, "guide.mp4", pdf_bytes("x")),
        # The right signature, but nothing that decodes behind it.
        (LessonKind.VIDEO_UPLOAD, "clip.mp4", MP4_HEAD),
        (LessonKind.VIDEO_UPLOAD, "clip.webm", WEBM_HEAD),
        (LessonKind.VIDEO_UPLOAD, "cut.mp4", video_bytes()[:600]),
        (LessonKind.VIDEO_UPLOAD, "old.mp4", video_bytes(codec="mpeg4")),
        (LessonKind.DOCUMENT, "broken.pdf", b"%PDF-1.7\nnot really"),
    ],
)
def test_refused_uploads(course, kind, name, data):
    form = form_for(course, kind, name, data)
    assert not form.is_valid()
    assert "file" in form.errors
    assert not Lesson.objects.filter(slug="upload").exists()


def test_upload_size_limit(course, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 2048
    form = form_for(
        course, LessonKind.DOCUMENT, "big.pdf", pdf_bytes("x" * 10, pages=40)
    )
    assert not form.is_valid()
    assert "too big" in str(form.errors["file"])


def test_video_link_must_be_https(course):
    form = LessonAdminForm(
        data={
            "course": course.pk,
            "position": 9,
            "title": "Link",
            "slug": "link",
            "kind": LessonKind.VIDEO_LINK,
            "video_url": "http://videos.example.com/x",
        }
    )
    assert not form.is_valid()
    assert "video_url" in form.errors
