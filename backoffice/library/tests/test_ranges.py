"""The in-page viewer serves byte ranges (video seeking, big PDFs); gates unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from backoffice.library.models import FileStatus, FileType, Kind, Material
from backoffice.library.tests.factories import MaterialFactory, pdf_bytes

VIDEO = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 20


def view(material) -> str:
    return f"/library/{material.pk}/view/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def video(members):
    return MaterialFactory(
        title="Opportunity video",
        kind=Kind.VIDEO,
        file=ContentFile(VIDEO, name="clip.mp4"),
        file_type=FileType.MP4,
    )


def assert_safe_inline(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=0, no-store"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_a_range_of_a_video_is_exactly_that_slice(client, alice, video):
    client.force_login(alice)
    response = client.get(view(video), HTTP_RANGE="bytes=100-299")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-299/{len(VIDEO)}"
    assert response["Content-Length"] == "200"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline")
    assert body(response) == VIDEO[100:300]
    assert_safe_inline(response)
    assert "sandbox" in response["Content-Security-Policy"]


def test_open_and_suffix_ranges(client, alice, video):
    client.force_login(alice)
    response = client.get(view(video), HTTP_RANGE="bytes=5000-")
    assert response.status_code == 206
    assert body(response) == VIDEO[5000:]
    response = client.get(view(video), HTTP_RANGE="bytes=-64")
    assert response.status_code == 206
    assert response["Content-Range"] == (
        f"bytes {len(VIDEO) - 64}-{len(VIDEO) - 1}/{len(VIDEO)}"
    )
    assert body(response) == VIDEO[-64:]


def test_a_range_of_a_pdf_keeps_the_pdf_policy(client, charlie, members):
    material = MaterialFactory(title="Big brochure")
    data = pdf_bytes("Big brochure")
    client.force_login(charlie)
    response = client.get(view(material), HTTP_RANGE="bytes=0-4")
    assert response.status_code == 206
    assert body(response) == data[:5] == b"%PDF-"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; frame-ancestors 'self'"
    )
    assert_safe_inline(response)


def test_past_the_end_is_416(client, alice, video):
    client.force_login(alice)
    response = client.get(view(video), HTTP_RANGE=f"bytes={len(VIDEO)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"
    assert response.content == b""
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=9-2", "bytes=abc"])
def test_several_or_malformed_ranges_get_the_whole_file(client, alice, video, header):
    client.force_login(alice)
    response = client.get(view(video), HTTP_RANGE=header)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in response
    assert body(response) == VIDEO
    assert_safe_inline(response)


def test_a_full_response_offers_ranges(client, alice, video):
    client.force_login(alice)
    response = client.get(view(video))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == VIDEO


def test_an_expired_material_is_404_even_for_a_range(client, alice, members):
    material = MaterialFactory(
        publish_at=timezone.now() - timedelta(days=9),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(alice)
    assert client.get(view(material), HTTP_RANGE="bytes=0-9").status_code == 404


def test_a_processing_file_is_404_even_for_a_range(client, charlie, video):
    Material.objects.filter(pk=video.pk).update(file_status=FileStatus.PROCESSING)
    client.force_login(charlie)
    assert client.get(view(video), HTTP_RANGE="bytes=0-9").status_code == 404


def test_staff_and_signed_out_get_no_range(client, staff, video):
    response = client.get(view(video), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 302
    client.force_login(staff)
    assert client.get(view(video), HTTP_RANGE="bytes=0-9").status_code == 404


def test_downloads_stay_whole_and_count_once(client, alice, video):
    client.force_login(alice)
    response = client.get(f"/library/{video.pk}/download/", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert body(response) == VIDEO
    assert Material.objects.get(pk=video.pk).download_count == 1
