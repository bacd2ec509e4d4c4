"""Byte ranges: one range gives its exact slice, anything odd gives the whole file."""

from __future__ import annotations

import io

import pytest
from django.test import RequestFactory

from backoffice.lib.http import UNSATISFIABLE, parse_range, ranged_file_response

DATA = bytes(range(256)) * 40  # 10,240 bytes, each position distinguishable
# Closing a response sends request_finished, which tidies database connections.
pytestmark = pytest.mark.django_db


class Handle(io.BytesIO):
    """An in-memory file that remembers being closed (BytesIO forgets its data)."""

    was_closed = False

    def close(self) -> None:
        self.was_closed = True


def respond(range_header: str | None = None, *, method: str = "get", data=DATA):
    extra = {"HTTP_RANGE": range_header} if range_header is not None else {}
    request = getattr(RequestFactory(), method)("/file", **extra)
    handle = Handle(data)
    response = ranged_file_response(
        request,
        handle,
        size=len(data),
        content_type="video/mp4",
        filename="clip.mp4",
    )
    return response, handle


def body(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 10_239)),
        ("bytes=-100", (10_140, 10_239)),
        ("bytes=-99999", (0, 10_239)),
        ("bytes=10000-99999", (10_000, 10_239)),
        ("bytes=10240-", UNSATISFIABLE),
        ("bytes=-0", UNSATISFIABLE),
        ("bytes=0-1,5-9", None),
        ("bytes=9-5", None),
        ("bytes=-", None),
        ("items=0-5", None),
        ("bytes=a-b", None),
        ("", None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, len(DATA)) == expected


def test_a_closed_range_gives_exactly_those_bytes():
    response, handle = respond("bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert response["Content-Length"] == "100"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == 'inline; filename="clip.mp4"'
    assert body(response) == DATA[100:200]
    assert handle.was_closed


def test_an_open_range_runs_to_the_end():
    response, _ = respond("bytes=10000-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10000-10239/{len(DATA)}"
    assert body(response) == DATA[10_000:]


def test_a_suffix_range_gives_the_last_bytes():
    response, _ = respond("bytes=-300")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 9940-10239/{len(DATA)}"
    assert body(response) == DATA[-300:]


def test_a_range_longer_than_a_chunk_streams_in_pieces(monkeypatch):
    monkeypatch.setattr("backoffice.lib.http.RANGE_CHUNK", 1000)
    response, _ = respond("bytes=5-4004")
    chunks = list(response.streaming_content)
    response.close()
    assert [len(chunk) for chunk in chunks] == [1000, 1000, 1000, 1000]
    assert b"".join(chunks) == DATA[5:4005]


def test_a_range_past_the_end_is_416():
    response, handle = respond(f"bytes={len(DATA)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
    assert response.content == b""
    assert handle.was_closed


def test_an_empty_file_cannot_satisfy_a_suffix():
    response, _ = respond("bytes=-10", data=b"")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */0"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-9", "bytes=9-5", "bytes=x-", "pages=1-2", "bytes=-"]
)
def test_several_or_malformed_ranges_get_the_whole_file(header):
    response, _ = respond(header)
    assert response.status_code == 200
    assert "Content-Range" not in response
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == DATA


def test_no_range_is_a_full_response_that_offers_ranges():
    response, _ = respond()
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(DATA))
    assert body(response) == DATA


def test_a_post_ignores_the_range():
    response, _ = respond("bytes=0-9", method="post")
    assert response.status_code == 200
    assert body(response) == DATA
