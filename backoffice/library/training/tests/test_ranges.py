"""Lesson files and webinar recordings play in ranges; their gates are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile

from backoffice.library.training.models import Lesson, LessonKind, Webinar

VIDEO = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + (
    bytes(range(256)) * 8
)
FILE = "/training/coffee-basics/intro-video/file/"
START = datetime(2026, 5, 12, 18, 0, tzinfo=UTC)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def video_lesson(course):
    lesson = Lesson.objects.create(
        course=course,
        position=6,
        slug="intro-video",
        title="Intro video",
        kind=LessonKind.VIDEO_UPLOAD,
        file_type="webm",
    )
    lesson.file.save("intro.webm", ContentFile(VIDEO))
    return lesson


@pytest.fixture
def webinar(db):
    webinar = Webinar.objects.create(
        title="Hosting a tasting",
        presenter="Maria Lopez",
        starts_at=START,
        duration_minutes=60,
        join_url="https://meet.example.com/j/1",
        recording_file_type="webm",
    )
    webinar.recording_file.save("rec.webm", ContentFile(VIDEO))
    return webinar


def test_a_lesson_video_range(client, members, video_lesson):
    client.force_login(members["charlie"].user)
    response = client.get(FILE, HTTP_RANGE="bytes=10-49")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-49/{len(VIDEO)}"
    assert body(response) == VIDEO[10:50]
    assert response["Content-Type"] == "video/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=0, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_lesson_suffix_416_and_malformed(client, members, video_lesson):
    client.force_login(members["alice"].user)
    response = client.get(FILE, HTTP_RANGE="bytes=-16")
    assert body(response) == VIDEO[-16:]
    response = client.get(FILE, HTTP_RANGE="bytes=99999-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"
    response = client.get(FILE, HTTP_RANGE="bytes=1-2,5-6")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == VIDEO


def test_a_lesson_download_is_whole(client, members, video_lesson):
    client.force_login(members["alice"].user)
    response = client.get(FILE + "?download=1", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert body(response) == VIDEO


def test_an_unpublished_course_is_404_even_for_a_range(client, members, video_lesson):
    video_lesson.course.is_published = False
    video_lesson.course.save()
    client.force_login(members["alice"].user)
    assert client.get(FILE, HTTP_RANGE="bytes=0-9").status_code == 404


def test_a_recording_range_only_after_the_end(client, members, webinar):
    url = f"/training/webinars/{webinar.pk}/recording/"
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        client.force_login(members["charlie"].user)
        assert client.get(url, HTTP_RANGE="bytes=0-9").status_code == 404
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        # Sessions are dated: sign in again at the new time.
        client.force_login(members["charlie"].user)
        response = client.get(url, HTTP_RANGE="bytes=4-7")
    assert response.status_code == 206
    assert body(response) == VIDEO[4:8]
    assert response["Content-Range"] == f"bytes 4-7/{len(VIDEO)}"
    assert response["Content-Type"] == "video/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
