"""Courses, lessons, quizzes, progress, the first 30 days path and webinars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.library.models import CONTENT_TYPES, EXTENSIONS, library_storage
from backoffice.network.models import Distributor

https_only = URLValidator(schemes=["https"])
# Registered distributors see the join link from this long before the start.
JOIN_WINDOW = timedelta(minutes=15)
# Registrants are reminded by email about this long before the start.
REMINDER_LEAD = timedelta(hours=1)
# URL words a course may not use as its slug (they are pages of their own).
RESERVED_SLUGS = {"webinars", "team"}


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class LessonKind(models.TextChoices):
    VIDEO_UPLOAD = "video_upload", _("Video (uploaded)")
    VIDEO_LINK = "video_link", _("Video (link)")
    DOCUMENT = "document", _("Document")
    TEXT = "text", _("Text")


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        return self.filter(is_published=True)


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("URL name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    is_published = models.BooleanField(_("published"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("This URL name is reserved.")})


class Lesson(models.Model):
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="lessons",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    slug = models.SlugField(_("URL name"), max_length=80)
    kind = models.CharField(
        _("kind"), max_length=20, choices=LessonKind, default=LessonKind.TEXT
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    file = models.FileField(
        _("file"),
        storage=library_storage,
        upload_to="training/%Y/%m/",
        blank=True,
        max_length=255,
    )
    file_type = models.CharField(
        _("file type"), max_length=10, blank=True, editable=False
    )
    video_url = models.URLField(
        _("video link"), blank=True, validators=[https_only], max_length=500
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True
    )

    class Meta:
        ordering = ("course", "position", "pk")
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "slug"], name="training_lesson_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.file_type, "application/octet-stream")

    @property
    def is_pdf(self) -> bool:
        return self.file_type == "pdf"

    @property
    def is_video_file(self) -> bool:
        return self.file_type in ("mp4", "mov", "webm")

    def download_name(self) -> str:
        return f"{self.slug}.{EXTENSIONS.get(self.file_type, 'bin')}"

    def quiz_or_none(self) -> Quiz | None:
        try:
            return self.quiz
        except Quiz.DoesNotExist:
            return None


class Quiz(models.Model):
    lesson = models.OneToOneField(
        Lesson, on_delete=models.CASCADE, related_name="quiz", verbose_name=_("lesson")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__lte=100), name="training_quiz_pass_mark_lte_100"
            )
        ]

    def __str__(self) -> str:
        return str(self.lesson)


class Question(models.Model):
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="questions", verbose_name=_("quiz")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)

    class Meta:
        ordering = ("quiz", "position", "pk")
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="choices",
        verbose_name=_("question"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ("question", "position", "pk")
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.text


class LessonProgressQuerySet(models.QuerySet):
    def for_distributor(self, distributor: Distributor) -> LessonProgressQuerySet:
        return self.filter(distributor=distributor)

    def completed(self) -> LessonProgressQuerySet:
        return self.filter(completed_at__isnull=False)


class LessonProgress(models.Model):
    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress"
    )
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The best quiz score so far, in percent (None: no quiz attempt yet).
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("quiz attempts"), default=0)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "lesson"], name="training_progress_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} · {self.lesson_id}"


class PathCourse(models.Model):
    """A course in the first 30 days path, in the order staff chose."""

    course = models.OneToOneField(
        Course,
        on_delete=models.CASCADE,
        related_name="path_entry",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("first 30 days course")
        verbose_name_plural = _("first 30 days path")

    def __str__(self) -> str:
        return str(self.course)


@dataclass(frozen=True)
class CourseStatus:
    """One distributor's progress through one course (derived, never stored)."""

    course: Course
    lesson_count: int
    completed_count: int
    next_lesson: Lesson | None

    @property
    def is_complete(self) -> bool:
        return self.lesson_count > 0 and self.completed_count >= self.lesson_count

    @property
    def is_started(self) -> bool:
        return self.completed_count > 0

    @property
    def percent(self) -> int:
        if not self.lesson_count:
            return 0
        return self.completed_count * 100 // self.lesson_count


class WebinarQuerySet(models.QuerySet):
    def upcoming(self, now: datetime | None = None) -> WebinarQuerySet:
        """Not yet over (starting later, or running now)."""
        now = now or timezone.now()
        return self.filter(ends_at__gt=now).order_by("starts_at", "pk")

    def past(self, now: datetime | None = None) -> WebinarQuerySet:
        now = now or timezone.now()
        return self.filter(ends_at__lte=now).order_by("-starts_at", "-pk")

    def with_registrant_count(self) -> WebinarQuerySet:
        return self.annotate(registrant_count=Count("registrations"))


class Webinar(models.Model):
    title = models.CharField(_("title"), max_length=200)
    presenter = models.CharField(_("presenter"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    # Stored so "upcoming" and "past" are plain indexed filters.
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    join_url = models.URLField(
        _("join link"), validators=[https_only], max_length=500, blank=True
    )
    recording_url = models.URLField(
        _("recording link"), validators=[https_only], max_length=500, blank=True
    )
    recording_file = models.FileField(
        _("recording file"),
        storage=library_storage,
        upload_to="webinars/%Y/%m/",
        blank=True,
        max_length=255,
    )
    recording_file_type = models.CharField(max_length=10, blank=True, editable=False)

    objects = WebinarQuerySet.as_manager()

    class Meta:
        ordering = ("starts_at", "pk")
        verbose_name = _("webinar")
        verbose_name_plural = _("webinars")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "ends_at"}
        super().save(*args, **kwargs)

    def is_over(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    def is_join_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.starts_at - JOIN_WINDOW <= now < self.ends_at

    @property
    def has_recording(self) -> bool:
        return bool(self.recording_url or self.recording_file)

    @property
    def recording_content_type(self) -> str:
        return CONTENT_TYPES.get(self.recording_file_type, "application/octet-stream")


class WebinarRegistration(models.Model):
    webinar = models.ForeignKey(
        Webinar, on_delete=models.CASCADE, related_name="registrations"
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="webinar_registrations"
    )
    created_at = models.DateTimeField(_("registered at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webinar registration")
        verbose_name_plural = _("webinar registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["webinar", "distributor"],
                name="training_registration_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.webinar_id} · {self.distributor_id}"
