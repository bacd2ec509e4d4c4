"""Attachment checks: the type comes from the content, never from the name."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, UnidentifiedImageError

from backoffice.support.models import FILENAME_MAX

IMAGE_TYPES = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "GIF": ("image/gif", ".gif"),
    "WEBP": ("image/webp", ".webp"),
}
PDF_HEADER = re.compile(rb"^%PDF-[12]\.\d")
# Markup that a browser or viewer could run or render; refused even as "text".
MARKUP = re.compile(rb"<\s*(!doctype|html|svg|script|\?xml|iframe|body|head)\b", re.I)


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def _safe_filename(name: str, extension: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._") or "file"
    return stem[: FILENAME_MAX - len(extension)] + extension


def _detect(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) for an accepted file, None for anything else."""
    if data.startswith(b"%PDF-"):
        # Minimal structure: a version header, an object and an end-of-file marker.
        if PDF_HEADER.match(data) and b" obj" in data and b"%%EOF" in data[-2048:]:
            return "application/pdf", ".pdf"
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    except Image.DecompressionBombError:
        return None
    if kind in IMAGE_TYPES:
        return IMAGE_TYPES[kind]
    if b"\x00" in data or MARKUP.search(data):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return None
    return "text/plain", ".txt"


class AttachmentLimitHandler(FileUploadHandler):
    """Stops keeping an attachment as soon as it passes the size limit.

    The rest of that file is read from the request and thrown away, never written
    to memory or disk; the names of such files are kept on the request
    (``oversize_uploads``) for the form to report.
    """

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = settings.SUPPORT_ATTACHMENT_MAX_BYTES
        request.oversize_uploads = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.request.oversize_uploads.append(self.file_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_big(name: str) -> ValidationError:
    return ValidationError(
        _("%(name)s is larger than %(limit)s.")
        % {
            "name": name,
            "limit": filesizeformat(settings.SUPPORT_ATTACHMENT_MAX_BYTES),
        },
        code="too_big",
    )


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse an upload that is too big or not a PDF, an image or plain text."""
    limit = settings.SUPPORT_ATTACHMENT_MAX_BYTES
    # The size is known from the request before anything is read into memory.
    if upload.size is None or upload.size > limit:
        raise too_big(upload.name)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big(upload.name)
    if not data:
        raise ValidationError(
            _("%(name)s is empty.") % {"name": upload.name}, code="empty"
        )
    detected = _detect(data)
    if detected is None:
        raise ValidationError(
            _(
                "%(name)s is not a file we accept: send a PDF, a picture (PNG, "
                "JPEG, GIF or WebP) or plain text."
            )
            % {"name": upload.name},
            code="type",
        )
    content_type, extension = detected
    return CheckedFile(
        filename=_safe_filename(upload.name or "file", extension),
        content_type=content_type,
        data=data,
    )


def limit_attachment_size(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Install AttachmentLimitHandler before the request body is read.

    Upload handlers can only change before anything reads ``request.POST``, and
    the CSRF middleware reads it first; so the middleware's check is skipped here
    and the same check runs (csrf_protect) right after the handler is in place.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            request.upload_handlers.insert(0, AttachmentLimitHandler(request))
        return protected(request, *args, **kwargs)

    return wrapped
