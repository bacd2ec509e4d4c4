"""Videos: what an upload really holds, read by FFmpeg's demuxers and decoders (PyAV).

A file is accepted as a video only when the container its signature names
opens, holds a video stream in a codec browsers play, and its first frame
decodes. The demuxer is forced from the signature (FFmpeg never guesses the
format, so a playlist or other reference to outside data can't be opened) and
only the container's own bytes are read. The same first frames give the poster
image distributors see before pressing play.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

from backoffice.library.models import FileType

# The demuxer for each accepted signature (see uploads.sniff).
DEMUXERS = {
    FileType.MP4: "mov,mp4,m4a,3gp,3g2,mj2",
    FileType.MOV: "mov,mp4,m4a,3gp,3g2,mj2",
    FileType.WEBM: "matroska,webm",
}
# What current browsers play (HEVC only in Safari, but phones record it).
PLAYABLE_CODECS = {"h264", "hevc", "vp8", "vp9", "av1"}
MAX_SIDE = 7680
# The poster is taken this far in: first frames are often a fade from black.
POSTER_AT_SECONDS = 1.0


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    seconds: float | None


def _open(source, file_type: str):
    import av

    source.seek(0)
    return av.open(source, mode="r", format=DEMUXERS[file_type])


def _first_frame(container, *, at: float = 0.0):
    stream = container.streams.video[0]
    if at > 0:
        container.seek(int(at * 1_000_000), any_frame=False, backward=True)
    for frame in container.decode(stream):
        if at <= 0 or frame.time is None or frame.time >= at - 0.05:
            return frame
    return None


def probe(source, file_type: str) -> VideoInfo:
    """Check a video file by content; raises ValidationError with the reason.

    ``source`` is a binary file object positioned anywhere (it is rewound).
    """
    import av

    if file_type not in DEMUXERS:
        raise ValidationError(_("This isn't a video file."))
    damaged = _("This video file is damaged or isn't what it says.")
    try:
        with _open(source, file_type) as container:
            if not container.streams.video:
                raise ValidationError(_("This file holds no video."))
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in PLAYABLE_CODECS:
                raise ValidationError(
                    _(
                        "Browsers can't play this video's format (%(codec)s). "
                        "Export it as MP4 (H.264) or WebM (VP9) and upload it again."
                    )
                    % {"codec": codec}
                )
            width, height = stream.codec_context.width, stream.codec_context.height
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                raise ValidationError(damaged)
            if _first_frame(container) is None:
                raise ValidationError(damaged)
            seconds = container.duration / 1_000_000 if container.duration else None
    except (av.FFmpegError, StopIteration, IndexError, ValueError):
        raise ValidationError(damaged) from None
    return VideoInfo(codec=codec, width=width, height=height, seconds=seconds)


def poster(source, file_type: str) -> Image.Image:
    """A frame near the start (about a second in) as an RGB image."""
    with _open(source, file_type) as container:
        seconds = container.duration / 1_000_000 if container.duration else 0
        frame = None
        if seconds > 2 * POSTER_AT_SECONDS:
            frame = _first_frame(container, at=POSTER_AT_SECONDS)
        if frame is None:
            container.seek(0)
            frame = _first_frame(container)
        if frame is None:
            raise ValueError("no frame decodes")
        return frame.to_image().convert("RGB")


def encode_mp4(frames, *, size: tuple[int, int], fps: int = 12) -> bytes:
    """Encode PIL images as a small H.264 MP4 that starts playing at once.

    For generated files (the demo library); ``size`` must be even on both sides.
    """
    import av

    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        # faststart moves the index to the front, which takes a second pass
        # over a real file rather than a stream.
        with av.open(path, mode="w", options={"movflags": "+faststart"}) as output:
            stream = output.add_stream("libx264", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "30", "preset": "veryfast"}
            for image in frames:
                frame = av.VideoFrame.from_image(image.convert("RGB"))
                output.mux(stream.encode(frame))
            output.mux(stream.encode(None))
        with open(path, "rb") as result:
            return result.read()
    finally:
        os.unlink(path)
