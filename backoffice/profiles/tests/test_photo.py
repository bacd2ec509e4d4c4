"""Profile photos: checked by content, re-encoded, stored privately, owner only."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backoffice.profiles import photos
from backoffice.profiles.models import Profile

UPLOAD = "/profile/photo/"
REMOVE = "/profile/photo/remove/"


def picture(fmt: str = "JPEG", size=(800, 600), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 40))
    output = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCam"  # Make
        info[0x0131] = "GPS-ish software"
        image.save(output, format=fmt, exif=info)
    else:
        image.save(output, format=fmt)
    return output.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A valid little PNG whose header claims a huge size (a decompression bomb)."""
    data = picture("PNG", size=(8, 8))
    ihdr_start = 8 + 4  # signature, chunk length
    header = bytearray(data)
    body = b"IHDR" + struct.pack(">II", width, height) + bytes(header[24:29])
    header[ihdr_start : ihdr_start + 17] = body
    header[ihdr_start + 17 : ihdr_start + 21] = struct.pack(">I", zlib.crc32(body))
    return bytes(header)


def upload(client, content: bytes, name="me.jpg", content_type="image/jpeg"):
    return client.post(
        UPLOAD, {"photo": SimpleUploadedFile(name, content, content_type=content_type)}
    )


def stored_photo(member) -> str:
    profile = Profile.objects.filter(distributor=member).first()
    return profile.photo if profile else ""


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_cropped_resized_and_re_encoded(client, alice, people, media, fmt):
    client.force_login(alice)
    response = upload(client, picture(fmt, exif=fmt == "JPEG"), name="holiday.png")
    assert response.status_code == 302
    name = stored_photo(people["alice"])
    assert name.startswith("profile-photos/")
    assert name.endswith(".jpg")
    assert "holiday" not in name
    with default_storage.open(name) as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (400, 400)
    assert not image.getexif()
    assert b"SecretCam" not in data


def test_a_small_photo_is_not_enlarged(alice, people, media):
    data = photos.process_photo(picture("PNG", size=(120, 90)))
    assert Image.open(io.BytesIO(data)).size == (90, 90)


def test_owner_sees_the_photo_and_charlie_gets_404(
    client, alice, charlie, people, media
):
    client.force_login(alice)
    upload(client, picture())
    url = f"/profile/photo/{people['alice'].distributor_id}/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (400, 400)
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    # Charlie's own (photo-less) ID is 404 too, and so is an unknown ID.
    assert (
        client.get(f"/profile/photo/{people['charlie'].distributor_id}/").status_code
        == 404
    )
    assert client.get("/profile/photo/999999/").status_code == 404


def test_anonymous_cannot_fetch_a_photo(client, alice, people, media):
    client.force_login(alice)
    upload(client, picture())
    client.logout()
    url = f"/profile/photo/{people['alice'].distributor_id}/"
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (b"just some text", "me.jpg", "image/jpeg", "not a photo we can read"),
        (
            b"GIF89a<script>alert(1)</script>",
            "me.gif",
            "image/gif",
            "not a photo we can read",
        ),
        (b"%PDF-1.4 fake", "me.png", "image/png", "not a photo we can read"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "me.svg",
            "image/svg+xml",
            "not a photo we can read",
        ),
        (b"", "me.jpg", "image/jpeg", "empty"),
    ],
)
def test_disguised_files_are_refused_and_nothing_is_stored(
    client, alice, people, media, content, name, content_type, message
):
    client.force_login(alice)
    response = upload(client, content, name=name, content_type=content_type)
    assert response.status_code == 400
    errors = response.context["photo_form"].errors["photo"]
    assert any(message in error for error in errors), errors
    assert stored_photo(people["alice"]) == ""
    assert list(media.rglob("*.*")) == []


def test_a_decompression_bomb_is_refused(client, alice, people, media):
    client.force_login(alice)
    response = upload(client, bomb_png(50_000, 50_000), name="me.png")
    assert response.status_code == 400
    assert "too many pixels" in response.context["photo_form"].errors["photo"][0]
    assert stored_photo(people["alice"]) == ""
    assert list(media.rglob("*.*")) == []


def test_an_oversize_file_is_refused(client, alice, people, media):
    client.force_login(alice)
    big = picture() + b"\0" * (photos.MAX_BYTES + 1)
    response = upload(client, big)
    assert response.status_code == 400
    assert "at most 5 MB" in response.context["photo_form"].errors["photo"][0]
    assert stored_photo(people["alice"]) == ""


def test_replacing_and_removing_delete_the_old_files(
    client, alice, people, media, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, picture())
    first = stored_photo(people["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, picture("PNG"))
    second = stored_photo(people["alice"])
    assert second != first
    assert not default_storage.exists(first)
    assert default_storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMOVE)
    assert response.status_code == 302
    assert stored_photo(people["alice"]) == ""
    assert not default_storage.exists(second)
    url = f"/profile/photo/{people['alice'].distributor_id}/"
    assert client.get(url).status_code == 404


def test_photo_upload_is_post_only(client, alice, people):
    client.force_login(alice)
    assert client.get(UPLOAD).status_code == 405
    assert client.get(REMOVE).status_code == 405


def test_transparent_parts_become_white(alice, people, media):
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")
    result = Image.open(io.BytesIO(photos.process_photo(output.getvalue())))
    red, green, blue = result.getpixel((25, 25))
    assert min(red, green, blue) > 245
