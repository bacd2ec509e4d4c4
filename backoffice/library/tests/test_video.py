"""Videos read by content: what probe accepts and refuses, and the poster frame."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from backoffice.library import video
from backoffice.library.models import FileType
from backoffice.library.tests.factories import pdf_bytes, video_bytes

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def two_colour_clip(*, seconds: int, switch_at: int) -> bytes:
    """Red for ``switch_at`` frames, then blue, at 12 frames a second."""
    frames = [
        Image.new("RGB", (64, 48), RED if number < switch_at else BLUE)
        for number in range(seconds * 12)
    ]
    return video.encode_mp4(frames, size=(64, 48))


@pytest.mark.parametrize(
    ("codec", "container", "file_type", "name"),
    [
        ("libx264", "mp4", FileType.MP4, "h264"),
        ("libx264", "mov", FileType.MOV, "h264"),
        ("libvpx-vp9", "webm", FileType.WEBM, "vp9"),
    ],
)
def test_probe_reads_what_the_file_holds(codec, container, file_type, name):
    data = video_bytes(codec=codec, container=container, size=(96, 64))
    info = video.probe(io.BytesIO(data), file_type)
    assert (info.codec, info.width, info.height) == (name, 96, 64)
    assert info.seconds == pytest.approx(2.0, abs=0.2)


@pytest.mark.parametrize(
    ("data", "file_type", "message"),
    [
        (pdf_bytes("not a video"), FileType.MP4, "damaged or isn't what it says"),
        # A WebM claimed as MP4: the demuxer comes from the signature, never a guess.
        (
            video_bytes(codec="libvpx-vp9", container="webm"),
            FileType.MP4,
            "damaged or isn't what it says",
        ),
        (video_bytes(codec="mpeg4"), FileType.MP4, "Browsers can't play"),
        (video_bytes()[:600], FileType.MP4, "damaged or isn't what it says"),
        (b"", FileType.WEBM, "damaged or isn't what it says"),
        (video_bytes(), FileType.PDF, "This isn't a video file."),
    ],
)
def test_probe_refuses_with_the_reason(data, file_type, message):
    with pytest.raises(ValidationError) as refused:
        video.probe(io.BytesIO(data), file_type)
    assert message in " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("seconds", "switch_at", "colour"),
    [
        # A fade-in would leave the first frame dark: the poster skips it ...
        (4, 10, BLUE),
        # ... unless the clip is too short to, when it is the first frame.
        (2, 12, RED),
    ],
)
def test_the_poster_is_taken_about_a_second_in(seconds, switch_at, colour):
    clip = two_colour_clip(seconds=seconds, switch_at=switch_at)
    image = video.poster(io.BytesIO(clip), FileType.MP4)
    pixel = image.getpixel((10, 10))
    # H.264 shifts colours a little: the dominant channel tells them apart.
    assert pixel.index(max(pixel)) == colour.index(max(colour))
    assert max(pixel) > 150


def test_encode_mp4_starts_with_its_index_for_playing_at_once():
    clip = two_colour_clip(seconds=1, switch_at=0)
    assert clip[4:8] == b"ftyp"
    # faststart: the movie header comes before the media data.
    assert 0 < clip.index(b"moov") < clip.index(b"mdat")
