"""Which checked uploads a lesson or a recording may hold."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from backoffice.library.models import FileType
from backoffice.library.training.models import LessonKind
from backoffice.library.uploads import VIDEO_TYPES, CheckedFile, check_upload, sniff

ALLOWED = {
    LessonKind.VIDEO_UPLOAD: VIDEO_TYPES,
    LessonKind.DOCUMENT: (FileType.PDF,),
}


def check_lesson_file(upload, *, kind: str) -> CheckedFile:
    """Check an upload by content for a lesson of ``kind`` (PDF or video only)."""
    allowed = ALLOWED.get(kind)
    if allowed is None:
        raise ValidationError(_("This kind of lesson has no file."))
    upload.seek(0)
    file_type = sniff(upload.read(64))
    upload.seek(0)
    if file_type not in allowed:
        if kind == LessonKind.DOCUMENT:
            raise ValidationError(_("A document lesson takes a PDF file."))
        raise ValidationError(_("A video lesson takes an MP4, MOV or WebM video."))
    return check_upload(upload, name_hint="lesson")


def check_recording_file(upload) -> CheckedFile:
    """Check a webinar recording upload: a video, by content."""
    return check_lesson_file(upload, kind=LessonKind.VIDEO_UPLOAD)
