"""Thumbnails: a small JPEG from an image, a PDF's first page or a video's opening."""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image

from backoffice.library import video
from backoffice.library.models import FileType


def render_first_page(data: bytes, *, scale: float = 1.0) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        try:
            return page.render(scale=scale).to_pil().convert("RGB")
        finally:
            page.close()
    finally:
        document.close()


def make_thumbnail(source: bytes | BinaryIO, file_type: str, *, side: int) -> bytes:
    """A JPEG at most ``side`` pixels each way, from the file's bytes or handle."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    if file_type == FileType.PDF:
        image = render_first_page(source.read(), scale=1.0)
    elif file_type in (FileType.PNG, FileType.JPEG):
        image = Image.open(source)
        image.load()
    elif file_type in video.DEMUXERS:
        image = video.poster(source, file_type)
    else:
        raise ValueError(f"no thumbnail for {file_type!r}")
    image = image.convert("RGB")
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()
