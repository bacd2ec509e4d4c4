"""Upload checks: what a file really is, by its content, and safe re-encoding.

The extension and the browser's content type are never trusted. HTML, SVG and
anything else that could run in a browser are refused; images are decoded and
written again by Pillow, so only pixels survive.

Admin uploads get the cheap checks while staff wait (``quick_check``) and the
thorough ones in a background task (``full_check``); ``check_upload`` does both
at once for the smaller uploads of training.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from backoffice.library import video
from backoffice.library.models import EXTENSIONS, FileType

# Decompression bombs: refuse images with more pixels than this.
MAX_PIXELS = 40_000_000
ISO_BRANDS_MOV = {b"qt  "}
VIDEO_TYPES = (FileType.MP4, FileType.MOV, FileType.WEBM)


@dataclass(frozen=True)
class CheckedFile:
    content: File
    file_type: FileType
    size: int


def sniff(head: bytes) -> FileType | None:
    """The file type from its first bytes, or None when not one we accept."""
    if head.startswith(b"%PDF-"):
        return FileType.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return FileType.WEBM
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return FileType.MOV if head[8:12] in ISO_BRANDS_MOV else FileType.MP4
    return None


def _reencode(data: bytes, file_type: FileType) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("This image is too large (too many pixels)."))
            image.load()
            side = settings.LIBRARY_MAX_IMAGE_SIDE
            if max(image.size) > side:
                image.thumbnail((side, side))
            out = io.BytesIO()
            if file_type == FileType.PNG:
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
            else:
                image.convert("RGB").save(out, format="JPEG", quality=88)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("This image file is damaged.")) from None


def _opens_as_pdf(data: bytes) -> bool:
    import pypdfium2 as pdfium

    if b"%%EOF" not in data[-2048:]:
        return False
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return False
    try:
        return len(document) > 0
    finally:
        document.close()


def quick_check(upload) -> FileType:
    """The cheap checks done while staff wait: the size limit and the signature.

    Returns the file type its first bytes say; ``full_check`` does the rest in
    the background.
    """
    size = upload.size
    if size > settings.LIBRARY_MAX_UPLOAD_BYTES:
        limit = settings.LIBRARY_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(
            _("This file is too big: the limit is %(limit)s MB.") % {"limit": limit}
        )
    upload.seek(0)
    file_type = sniff(upload.read(64))
    upload.seek(0)
    if file_type is None:
        raise ValidationError(
            _(
                "This file type isn't accepted. Upload a PDF, a PNG or JPEG image, "
                "or an MP4, MOV or WebM video (HTML and SVG are never accepted)."
            )
        )
    return file_type


def full_check(handle, file_type: FileType) -> bytes | None:
    """The thorough check of a stored file: what to store instead, or None to keep it.

    PDFs must open, images are decoded and re-encoded (the new bytes are
    returned), videos must open in a browser-playable codec with a first frame
    that decodes (``video.probe``). Raises ValidationError
    with the reason when the file is refused.
    """
    handle.seek(0)
    if file_type in (FileType.PNG, FileType.JPEG):
        return _reencode(handle.read(), file_type)
    if file_type == FileType.PDF:
        if not _opens_as_pdf(handle.read()):
            raise ValidationError(_("This PDF is incomplete or damaged."))
        return None
    if sniff(handle.read(64)) != file_type:
        raise ValidationError(_("This video file is damaged or isn't what it says."))
    video.probe(handle, file_type)
    return None


def check_upload(upload, *, name_hint: str = "material") -> CheckedFile:
    """Validate an uploaded file by content and size at once; returns what to store."""
    file_type = quick_check(upload)
    name = f"{name_hint}.{EXTENSIONS[file_type]}"
    upload.seek(0)
    if file_type in VIDEO_TYPES:
        # Checked where it lies (uploads this size are on disk) and stored as
        # it came: only the container's headers and first frames are read.
        video.probe(upload, file_type)
        upload.seek(0)
        return CheckedFile(
            content=File(upload, name=name), file_type=file_type, size=upload.size
        )
    if file_type in (FileType.PNG, FileType.JPEG):
        data = _reencode(upload.read(), file_type)
    else:
        data = upload.read()
        if not _opens_as_pdf(data):
            raise ValidationError(_("This PDF is incomplete or damaged."))
    return CheckedFile(
        content=ContentFile(data, name=name), file_type=file_type, size=len(data)
    )
