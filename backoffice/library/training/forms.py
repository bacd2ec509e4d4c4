"""The quiz form (one single-choice field per question) and admin upload forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backoffice.library.training.models import Lesson, LessonKind, Quiz, Webinar
from backoffice.library.training.uploads import check_lesson_file, check_recording_file


class QuizForm(forms.Form):
    def __init__(self, *args, quiz: Quiz, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(quiz.questions.prefetch_related("choices"))
        for number, question in enumerate(self.questions, start=1):
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.text}",
                choices=[(c.pk, c.text) for c in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[int, int | None]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def rows(self, wrong: frozenset[int] | None = None):
        """(bound field, question id, answered wrong?) for the template."""
        for question in self.questions:
            yield (
                self[f"q{question.pk}"],
                question.pk,
                wrong is not None and question.pk in wrong,
            )


class LessonAdminForm(forms.ModelForm):
    """Checks the lesson's file by content and its fields against its kind."""

    class Meta:
        model = Lesson
        fields = (
            "course",
            "position",
            "title",
            "slug",
            "kind",
            "body",
            "file",
            "video_url",
            "duration_minutes",
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        upload = self.files.get("file")
        self.checked = None
        if upload is not None:
            try:
                self.checked = check_lesson_file(upload, kind=kind)
                # What gets stored is the checked copy, never the raw upload.
                cleaned["file"] = self.checked.content
            except ValidationError as error:
                self.add_error("file", error)
        has_file = upload is not None or bool(self.instance.file)
        if kind in (LessonKind.VIDEO_UPLOAD, LessonKind.DOCUMENT) and not has_file:
            self.add_error("file", _("Upload the lesson's file."))
        if kind == LessonKind.VIDEO_LINK and not cleaned.get("video_url"):
            self.add_error("video_url", _("Add the video's https link."))
        if kind == LessonKind.TEXT and not cleaned.get("body"):
            self.add_error("body", _("Write the lesson's text."))
        return cleaned


class WebinarAdminForm(forms.ModelForm):
    class Meta:
        model = Webinar
        fields = (
            "title",
            "presenter",
            "description",
            "starts_at",
            "duration_minutes",
            "language",
            "join_url",
            "recording_url",
            "recording_file",
        )

    def clean_recording_file(self):
        upload = self.files.get("recording_file")
        self.checked = None
        if upload is not None:
            self.checked = check_recording_file(upload)
            return self.checked.content
        return self.cleaned_data.get("recording_file")
