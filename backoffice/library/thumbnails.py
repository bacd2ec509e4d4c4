"""Thumbnails: a small JPEG from an image or from the first page of a PDF."""

from __future__ import annotations

import io

from PIL import Image

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


def make_thumbnail(data: bytes, file_type: str, *, side: int) -> bytes:
    if file_type == FileType.PDF:
        image = render_first_page(data, scale=1.0)
    elif file_type in (FileType.PNG, FileType.JPEG):
        image = Image.open(io.BytesIO(data))
        image.load()
    else:
        raise ValueError(f"no thumbnail for {file_type!r}")
    image = image.convert("RGB")
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()
