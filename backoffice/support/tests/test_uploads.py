"""Attachment checks: by content, never by name; size before content."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from backoffice.support.tests.conftest import MINIMAL_PDF, png_bytes, upload
from backoffice.support.uploads import check_upload


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (0, 90, 0)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type", "filename"),
    [
        ("statement.pdf", MINIMAL_PDF, "application/pdf", "statement.pdf"),
        ("photo.png", png_bytes(), "image/png", "photo.png"),
        ("photo.jpeg", image_bytes("JPEG"), "image/jpeg", "photo.jpg"),
        ("anim.gif", image_bytes("GIF"), "image/gif", "anim.gif"),
        ("pic.webp", image_bytes("WEBP"), "image/webp", "pic.webp"),
        ("notes.txt", "Order GX-123 — café ☕\n".encode(), "text/plain", "notes.txt"),
        # The name's extension follows the content, never the other way round.
        ("really-a-png.pdf", png_bytes(), "image/png", "really-a-png.png"),
        ("../../etc/passwd", b"just text\n", "text/plain", "passwd.txt"),
    ],
)
def test_accepted_files(name, data, content_type, filename):
    checked = check_upload(upload(name, data))
    assert checked.content_type == content_type
    assert checked.filename == filename
    assert checked.data == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("invoice.pdf", b"<html><body>hi</body></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("logo.png", b'<?xml version="1.0"?><svg></svg>'),
        ("note.txt", b"hello <script>alert(1)</script>"),
        ("broken.pdf", b"%PDF-1.4\nno objects and no end"),
        ("binary.txt", b"abc\x00def"),
        ("latin1.txt", "café".encode("latin-1")),
        ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("truncated.png", png_bytes()[:30]),
        ("empty.txt", b""),
    ],
)
def test_refused_files(name, data):
    with pytest.raises(ValidationError):
        check_upload(upload(name, data))


def test_the_size_limit_is_checked_before_the_content_is_read(settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 1024

    class Unreadable:
        name = "big.pdf"
        size = 1025

        def seek(self, offset):
            raise AssertionError("read before the size check")

        def read(self, *args):
            raise AssertionError("read before the size check")

    with pytest.raises(ValidationError) as refused:
        check_upload(Unreadable())
    assert refused.value.code == "too_big"


def test_a_file_at_the_limit_is_accepted_and_one_byte_more_is_not(settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 1024
    assert check_upload(upload("a.txt", b"a" * 1024)).content_type == "text/plain"
    with pytest.raises(ValidationError):
        check_upload(upload("a.txt", b"a" * 1025))
